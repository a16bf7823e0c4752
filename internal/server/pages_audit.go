package server

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
)

type auditView struct {
	Entries  []model.AuditEntry
	Actions  []string
	Users    []model.User
	ActorID  int64
	Action   string
	From, To string
	Pager    pager
}

func (s *Server) auditPage(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.ReadAudit) {
		s.fail(c, model.Forbidden())
		return
	}
	f, err := auditFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, total, err := s.svc.ListAudit(c.Request.Context(), a, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	actions, users, err := s.svc.AuditFilterChoices(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := url.Values{}
	for _, k := range []string{"actor_id", "action", "from", "to"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	s.render(c, http.StatusOK, "audit.html", "Audit log", auditView{Entries: entries, Actions: actions, Users: users,
		ActorID: f.ActorID, Action: f.Action, From: c.Query("from"), To: c.Query("to"), Pager: newPager(f.Page, total, q)})
}
