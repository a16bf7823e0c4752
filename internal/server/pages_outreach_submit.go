package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

// outreachSubmit saves the form in one step. Without JavaScript the chips'
// Remove, the suggestions' Add and "Show people" buttons post the form
// too: those re-render it with the change and save nothing.
func (s *Server) outreachSubmit(c *gin.Context, cur *model.Outreach) {
	a := actor(c)
	title := "Log outreach"
	if cur != nil {
		title = "Edit outreach"
	}
	fe := model.FieldErrors{}
	form := outreachForm{Type: model.OutreachType(c.PostForm("type")), Date: strings.TrimSpace(c.PostForm("date")),
		Country: strings.ToUpper(strings.TrimSpace(c.PostForm("country"))), Instruments: c.PostFormArray("instruments"),
		Summary: c.PostForm("summary"), Outcome: model.Outcome(c.PostForm("outcome")), NextSteps: c.PostForm("next_steps"),
		Visibility: model.Visibility(c.PostForm("visibility"))}
	for _, x := range c.PostFormArray("contact_ids") {
		id, err := parseID(x)
		if err != nil {
			fe.Add("contact_ids", "choose people from the list")
			continue
		}
		if !slices.Contains(form.ContactIDs, id) {
			form.ContactIDs = append(form.ContactIDs, id)
		}
	}
	peopleFocus := false
	rerender := func(status int, e *model.Error) {
		v := outreachFormView{Outreach: cur, Form: form, PeopleFocus: peopleFocus}
		if e != nil {
			v.Errors, v.Message = e.Fields, e.Message
		}
		v, err := s.outreachFormData(c, v)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.render(c, status, "outreach_form.html", title, v)
	}
	if x := c.PostForm("remove_contact"); x != "" {
		id, _ := strconv.ParseInt(x, 10, 64)
		form.ContactIDs = slices.DeleteFunc(form.ContactIDs, func(y int64) bool { return y == id })
		peopleFocus = true
		rerender(http.StatusOK, nil)
		return
	}
	if x := c.PostForm("add_contact"); x != "" {
		if id, err := parseID(x); err == nil && !slices.Contains(form.ContactIDs, id) {
			form.ContactIDs = append(form.ContactIDs, id)
		}
		peopleFocus = true
		rerender(http.StatusOK, nil)
		return
	}
	if c.PostForm("show_contacts") != "" {
		rerender(http.StatusOK, nil)
		return
	}
	req := outreachRequest{Type: form.Type, Date: form.Date, Instruments: form.Instruments, ContactIDs: form.ContactIDs,
		Summary: form.Summary, Outcome: form.Outcome, NextSteps: form.NextSteps, Visibility: form.Visibility}
	if form.Country != "" {
		req.Country = &form.Country
	}
	in, perr := req.input()
	if e, ok := model.AsError(perr); ok {
		for k, m := range e.Fields {
			fe.Add(k, m)
		}
	}
	var o *model.Outreach
	var err error
	if len(fe) > 0 {
		// Not saved: ask the service only to check the rest, for one complete list of errors.
		err = fe.Err()
		in.Date = s.svc.Today()
		if cerr := s.svc.CheckOutreach(c.Request.Context(), a, in); cerr != nil {
			if e, ok := model.AsError(cerr); ok && e.Code == model.CodeInvalid {
				for k, m := range e.Fields {
					if _, dup := fe[k]; !dup {
						fe.Add(k, m)
					}
				}
			}
		}
	} else if cur == nil {
		o, err = s.svc.LogOutreach(c.Request.Context(), a, in)
	} else {
		o, err = s.svc.UpdateOutreach(c.Request.Context(), a, cur.ID, in)
	}
	if err != nil {
		s.formError(c, err, "outreach_form.html", title, func(e *model.Error) any {
			v := outreachFormView{Outreach: cur, Form: form, Errors: e.Fields, Message: e.Message}
			v, _ = s.outreachFormData(c, v)
			return v
		})
		return
	}
	if cur == nil {
		s.flash(c, "Outreach logged.")
	} else {
		s.flash(c, "Changes saved.")
	}
	c.Redirect(http.StatusSeeOther, "/outreach/"+strconv.FormatInt(o.ID, 10))
}
