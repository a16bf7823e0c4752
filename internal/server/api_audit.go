package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

type auditJSON struct {
	ID        int64     `json:"id"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor_name,omitempty"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entity_id"`
	Summary   string    `json:"summary"`
	IP        string    `json:"ip"`
	At        time.Time `json:"at"`
}

// auditFilterParams reads actor_id, action, from and to (YYYY-MM-DD, to inclusive).
func auditFilterParams(c *gin.Context) (model.AuditFilter, error) {
	p, err := pageParams(c)
	if err != nil {
		return model.AuditFilter{}, err
	}
	f := model.AuditFilter{Action: c.Query("action"), Page: p}
	fe := model.FieldErrors{}
	if v := c.Query("actor_id"); v != "" {
		if f.ActorID, err = parseID(v); err != nil {
			fe.Add("actor_id", "must be a user id")
		}
	}
	if len(f.Action) > 100 {
		fe.Add("action", "use at most 100 characters")
	} else if !model.PlainLine(f.Action) {
		fe.Add("action", model.NotPlainLine)
	}
	if v := c.Query("from"); v != "" {
		if f.From, err = time.Parse("2006-01-02", v); err != nil {
			fe.Add("from", "use a date such as 2026-01-31")
		}
	}
	if v := c.Query("to"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			fe.Add("to", "use a date such as 2026-01-31")
		} else {
			f.To = t.AddDate(0, 0, 1)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fe.Add("to", "must not be before the start date")
	}
	return f, fe.Err()
}

func (s *Server) apiListAudit(c *gin.Context) {
	f, err := auditFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries, total, err := s.svc.ListAudit(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]auditJSON, len(entries))
	for i, e := range entries {
		items[i] = auditJSON{ID: e.ID, ActorID: e.ActorID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
			Summary: e.Summary, IP: e.IP, At: e.At.UTC()}
		if e.Actor != nil {
			items[i].ActorName = e.Actor.Name
		}
	}
	c.JSON(http.StatusOK, newList(items, total, f.Page))
}
