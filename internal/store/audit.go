package store

import (
	"context"

	"ratify/internal/model"
)

// AddAudit appends an entry; call it with the ctx of the change's transaction.
func (s *Store) AddAudit(ctx context.Context, e *model.AuditEntry) error {
	return mapErr(s.conn(ctx).Omit("Actor").Create(e).Error, "audit entry")
}

// ListAudit returns one page of the log, newest first, with the actors.
func (s *Store) ListAudit(ctx context.Context, f model.AuditFilter) ([]model.AuditEntry, int64, error) {
	q := s.conn(ctx).Model(&model.AuditEntry{})
	if f.ActorID > 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "audit log")
	}
	p := f.Page.Normalize()
	var out []model.AuditEntry
	err := q.Preload("Actor").Order("at DESC, id DESC").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "audit log")
}

// AuditActions lists the distinct actions recorded, for the filter menu.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.conn(ctx).Model(&model.AuditEntry{}).Distinct("action").Order("action").Pluck("action", &out).Error
	return out, mapErr(err, "audit log")
}
