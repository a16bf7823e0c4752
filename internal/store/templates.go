package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"ratify/internal/model"
)

// ListTemplates returns the live templates with their variants, newest first.
func (s *Store) ListTemplates(ctx context.Context) ([]model.EmailTemplate, error) {
	var out []model.EmailTemplate
	err := s.conn(ctx).Preload("Variants", func(db *gorm.DB) *gorm.DB { return db.Order("language") }).
		Where("deleted_at IS NULL").Order("updated_at DESC, id DESC").Find(&out).Error
	return out, mapErr(err, "templates")
}

// GetTemplate loads a live template with its variants.
func (s *Store) GetTemplate(ctx context.Context, id int64) (*model.EmailTemplate, error) {
	var t model.EmailTemplate
	err := s.conn(ctx).Preload("Variants", func(db *gorm.DB) *gorm.DB { return db.Order("language") }).
		Where("deleted_at IS NULL").First(&t, id).Error
	return &t, mapErr(err, "template")
}

// SaveTemplate inserts or rewrites a template and replaces its variants.
func (s *Store) SaveTemplate(ctx context.Context, t *model.EmailTemplate) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		vs := t.Variants
		t.Variants = nil
		defer func() { t.Variants = vs }()
		var err error
		if t.ID == 0 {
			err = db.Create(t).Error
		} else {
			err = db.Omit("CreatedAt", "CreatedByID").Select("*").Save(t).Error
			if err == nil {
				err = db.Where("template_id = ?", t.ID).Delete(&model.TemplateVariant{}).Error
			}
		}
		if err != nil {
			return mapErr(err, "template")
		}
		for i := range vs {
			vs[i].ID, vs[i].TemplateID = 0, t.ID
		}
		if len(vs) > 0 {
			return mapErr(db.Create(&vs).Error, "template variants")
		}
		return nil
	})
}

// DeleteTemplate hides a template; campaigns that used it keep it.
func (s *Store) DeleteTemplate(ctx context.Context, id int64, now time.Time) error {
	res := s.conn(ctx).Model(&model.EmailTemplate{}).Where("id = ? AND deleted_at IS NULL", id).Update("deleted_at", now)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("template")
	}
	return mapErr(res.Error, "template")
}

// ListSenders returns the sender identities of every organisation.
func (s *Store) ListSenders(ctx context.Context) ([]model.SenderIdentity, error) {
	var out []model.SenderIdentity
	return out, mapErr(s.conn(ctx).Order("name, id").Find(&out).Error, "sender identities")
}

// GetSender loads one sender identity.
func (s *Store) GetSender(ctx context.Context, id int64) (*model.SenderIdentity, error) {
	var si model.SenderIdentity
	return &si, mapErr(s.conn(ctx).First(&si, id).Error, "sender identity")
}

// SaveSender inserts or rewrites a sender identity.
func (s *Store) SaveSender(ctx context.Context, si *model.SenderIdentity) error {
	if si.ID == 0 {
		return mapErr(s.conn(ctx).Create(si).Error, "sender identity")
	}
	return mapErr(s.conn(ctx).Omit("CreatedAt").Select("*").Save(si).Error, "sender identity")
}

// ListSuppressions returns one page of suppressed addresses, newest first.
func (s *Store) ListSuppressions(ctx context.Context, q string, p model.Page) ([]model.Suppression, int64, error) {
	db := s.conn(ctx).Model(&model.Suppression{})
	if q != "" {
		db = db.Where("lower(email) LIKE ? ESCAPE '\\'", "%"+escapeLike(q)+"%")
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "suppressions")
	}
	p = p.Normalize()
	var out []model.Suppression
	err := db.Order("created_at DESC, id DESC").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "suppressions")
}

// DeleteSuppression removes an address from the list.
func (s *Store) DeleteSuppression(ctx context.Context, id int64) (*model.Suppression, error) {
	var sup model.Suppression
	if err := s.conn(ctx).First(&sup, id).Error; err != nil {
		return nil, mapErr(err, "suppression")
	}
	return &sup, mapErr(s.conn(ctx).Delete(&sup).Error, "suppression")
}
