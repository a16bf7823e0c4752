package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

// followupNewPage is the follow-up form; ?country=, ?contact=, ?outreach=
// prefill it and ?next= is where saving returns.
func (s *Server) followupNewPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.OwnFollowups) {
		s.fail(c, model.Forbidden())
		return
	}
	v := followupFormView{DueDate: s.svc.Today().AddDate(0, 0, 7).Format("2006-01-02"), Priority: model.FollowupNormal,
		AssigneeID: a.User.ID, Country: strings.ToUpper(strings.TrimSpace(c.Query("country"))), CanEdit: true}
	if x := c.Query("next"); x != "" {
		v.Next = safeNext(x)
	}
	for name, dst := range map[string]*int64{"contact": &v.ContactID, "outreach": &v.OutreachID} {
		if x := c.Query(name); x != "" {
			id, err := parseID(x)
			if err != nil {
				s.fail(c, model.NotFound(name))
				return
			}
			*dst = id
		}
	}
	if v.OutreachID > 0 {
		o, err := s.svc.GetOutreach(c.Request.Context(), a, v.OutreachID)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Outreach = o
		if v.Country == "" && o.CountryISO3 != nil {
			v.Country = *o.CountryISO3
		}
		if v.ContactID == 0 && len(o.Contacts) == 1 {
			v.ContactID = o.Contacts[0].ContactID
		}
	}
	if v.ContactID > 0 {
		ct, err := s.svc.Contact(c.Request.Context(), a, v.ContactID)
		if err != nil {
			s.fail(c, err)
			return
		}
		if v.Country == "" && ct.CountryISO3 != nil {
			v.Country = *ct.CountryISO3
		}
	}
	v, err := s.followupFormData(c, v)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "followup_form.html", "New follow-up", v)
}

// followupFromPost reads the form into the service input and the view that
// shows it again on an error.
func followupFromPost(c *gin.Context) (service.FollowupInput, followupFormView, error) {
	v := followupFormView{Title: c.PostForm("title"), Details: c.PostForm("details"), DueDate: strings.TrimSpace(c.PostForm("due_date")),
		Priority: model.FollowupPriority(c.PostForm("priority")), Country: strings.ToUpper(strings.TrimSpace(c.PostForm("country"))), CanEdit: true}
	if x := c.PostForm("next"); x != "" {
		v.Next = safeNext(x)
	}
	fe := model.FieldErrors{}
	for name, dst := range map[string]*int64{"assignee_id": &v.AssigneeID, "contact_id": &v.ContactID, "outreach_id": &v.OutreachID} {
		if x := c.PostForm(name); x != "" {
			id, err := parseID(x)
			if err != nil {
				fe.Add(name, "choose from the list")
			}
			*dst = id
		}
	}
	req := followupRequest{Title: v.Title, Details: v.Details, DueDate: v.DueDate, Priority: v.Priority, AssigneeID: v.AssigneeID}
	if v.Country != "" {
		req.Country = &v.Country
	}
	if v.ContactID > 0 {
		req.ContactID = &v.ContactID
	}
	if v.OutreachID > 0 {
		req.OutreachID = &v.OutreachID
	}
	in, err := req.input()
	if e, ok := model.AsError(err); ok {
		for k, m := range e.Fields {
			fe.Add(k, m)
		}
	}
	return in, v, fe.Err()
}

func (s *Server) followupCreate(c *gin.Context) {
	a := actor(c)
	in, v, err := followupFromPost(c)
	var f *model.Followup
	if err == nil {
		f, err = s.svc.CreateFollowup(c.Request.Context(), a, in)
	}
	if err != nil {
		s.formError(c, err, "followup_form.html", "New follow-up", func(e *model.Error) any {
			v.Errors, v.Message = e.Fields, e.Message
			v, _ = s.followupFormData(c, v)
			return v
		})
		return
	}
	msg := fmt.Sprintf("Follow-up added, due %s.", formatDate(f.DueDate))
	if f.AssigneeID != a.User.ID && f.Assignee != nil {
		msg = fmt.Sprintf("Follow-up assigned to %s, due %s.", f.Assignee.Name, formatDate(f.DueDate))
	}
	s.flash(c, msg)
	next := v.Next
	if next == "" {
		next = "/followups/" + strconv.FormatInt(f.ID, 10)
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) loadFollowup(c *gin.Context) (*model.Followup, bool) {
	id, err := idParam(c, "id", "follow-up")
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	f, err := s.svc.GetFollowup(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return f, true
}

func formOfFollowup(f *model.Followup) followupFormView {
	v := followupFormView{Followup: f, Title: f.Title, Details: f.Details, DueDate: f.DueDate.UTC().Format("2006-01-02"),
		Priority: f.Priority, AssigneeID: f.AssigneeID}
	if f.CountryISO3 != nil {
		v.Country = *f.CountryISO3
	}
	if f.ContactID != nil {
		v.ContactID = *f.ContactID
	}
	if f.OutreachID != nil {
		v.OutreachID = *f.OutreachID
	}
	return v
}

// followupPage shows a follow-up, with its form for those who may change it.
func (s *Server) followupPage(c *gin.Context) {
	f, ok := s.loadFollowup(c)
	if !ok {
		return
	}
	v := formOfFollowup(f)
	v.CanEdit = actor(c).CanTouchFollowup(f)
	v, err := s.followupFormData(c, v)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "followup_form.html", f.Title, v)
}

// followupUpdate saves the form, or with action=reassign only gives the
// follow-up to someone else (the coordinators' list) and returns to next.
func (s *Server) followupUpdate(c *gin.Context) {
	a := actor(c)
	cur, ok := s.loadFollowup(c)
	if !ok {
		return
	}
	if c.PostForm("action") == "reassign" {
		s.followupReassign(c, cur)
		return
	}
	in, v, err := followupFromPost(c)
	var f *model.Followup
	if err == nil {
		f, err = s.svc.UpdateFollowup(c.Request.Context(), a, cur.ID, in)
	}
	if err != nil {
		s.formError(c, err, "followup_form.html", cur.Title, func(e *model.Error) any {
			v.Followup, v.Errors, v.Message = cur, e.Fields, e.Message
			v, _ = s.followupFormData(c, v)
			return v
		})
		return
	}
	s.flash(c, "Changes saved.")
	next := v.Next
	if next == "" {
		next = "/followups/" + strconv.FormatInt(f.ID, 10)
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) followupReassign(c *gin.Context, cur *model.Followup) {
	next := safeNext(c.PostForm("next"))
	if c.PostForm("next") == "" {
		next = "/followups?view=all"
	}
	to, err := parseID(c.PostForm("assignee_id"))
	if err != nil {
		s.fail(c, &model.Error{Code: model.CodeInvalid, Message: "choose a person from the list",
			Fields: map[string]string{"assignee_id": "choose a person from the list"}})
		return
	}
	in := service.FollowupInput{Title: cur.Title, Details: cur.Details, DueDate: cur.DueDate, Priority: cur.Priority,
		AssigneeID: to, CountryISO3: cur.CountryISO3, ContactID: cur.ContactID, OutreachID: cur.OutreachID}
	f, err := s.svc.UpdateFollowup(c.Request.Context(), actor(c), cur.ID, in)
	if e, ok := model.AsError(err); ok && e.Code == model.CodeInvalid {
		msg := e.Message
		for _, m := range e.Fields {
			msg = m
		}
		s.flash(c, fmt.Sprintf("“%s” was not reassigned: %s.", cur.Title, msg))
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	name := "them"
	if f.Assignee != nil {
		name = f.Assignee.Name
	}
	s.flash(c, fmt.Sprintf("“%s” is now assigned to %s.", f.Title, name))
	c.Redirect(http.StatusSeeOther, next)
}
