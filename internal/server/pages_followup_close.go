package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
)

type followupCloseView struct {
	F       *model.Followup
	Status  model.FollowupStatus
	Outcome string
	CanLog  bool
	Log     bool
	Next    string
	Errors  map[string]string
	Message string
}

func (s *Server) followupClosePage(c *gin.Context) {
	f, ok := s.loadFollowup(c)
	if !ok {
		return
	}
	if !actor(c).CanTouchFollowup(f) {
		s.fail(c, &model.Error{Code: model.CodeForbidden, Message: "this follow-up is someone else's"})
		return
	}
	v := followupCloseView{F: f, Status: model.FollowupDone, Outcome: f.Outcome, CanLog: actor(c).Can(auth.LogOutreach)}
	if x := c.Query("next"); x != "" {
		v.Next = safeNext(x)
	}
	s.render(c, http.StatusOK, "followup_close.html", "Close: "+f.Title, v)
}

// followupCloseSubmit closes (or reopens) a follow-up with a short outcome;
// "also log this as outreach" continues to the outreach form prefilled
// from it.
func (s *Server) followupCloseSubmit(c *gin.Context) {
	a := actor(c)
	cur, ok := s.loadFollowup(c)
	if !ok {
		return
	}
	v := followupCloseView{F: cur, Status: model.FollowupStatus(c.PostForm("status")), Outcome: c.PostForm("outcome"),
		Log: c.PostForm("log_outreach") != "", CanLog: a.Can(auth.LogOutreach)}
	if v.Status == "" {
		v.Status = model.FollowupDone
	}
	if x := c.PostForm("next"); x != "" {
		v.Next = safeNext(x)
	}
	f, err := s.svc.CloseFollowup(c.Request.Context(), a, cur.ID, v.Status, v.Outcome)
	if err != nil {
		s.formError(c, err, "followup_close.html", "Close: "+cur.Title, func(e *model.Error) any {
			v.Errors, v.Message = e.Fields, e.Message
			return v
		})
		return
	}
	switch {
	case f.Status == model.FollowupOpen:
		s.flash(c, "The follow-up is open again.")
	case v.Log && f.Status == model.FollowupDone && a.Can(auth.LogOutreach):
		s.flash(c, "Follow-up done. Log what happened:")
		c.Redirect(http.StatusSeeOther, "/outreach/new?"+url.Values{"followup": {strconv.FormatInt(f.ID, 10)}}.Encode())
		return
	case f.Status == model.FollowupDone:
		s.flash(c, "Follow-up done.")
	default:
		s.flash(c, "Follow-up cancelled.")
	}
	next := v.Next
	if next == "" {
		next = "/followups"
	}
	c.Redirect(http.StatusSeeOther, next)
}
