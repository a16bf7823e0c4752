package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"ratify/internal/model"
)

// FollowupFilter narrows follow-ups. ViewerOrgID hides another organisation's
// private follow-ups (those that hang on private outreach).
type FollowupFilter struct {
	ViewerOrgID int64
	AssigneeID  int64
	Status      model.FollowupStatus
	Country     string
	ContactID   int64
	OutreachID  int64
	DueBefore   time.Time // exclusive
	Page        model.Page
}

func (s *Store) followupQuery(ctx context.Context, f FollowupFilter) *gorm.DB {
	// A follow-up on outreach the viewer may not see is hidden too, even when
	// the outreach was made private after the follow-up was created.
	q := s.conn(ctx).Model(&model.Followup{}).Where("(followups.visibility = 'coalition' OR followups.organisation_id = ?)", f.ViewerOrgID).
		Where(`(followups.outreach_id IS NULL OR EXISTS (SELECT 1 FROM outreach o WHERE o.id = followups.outreach_id
			AND (o.visibility = 'coalition' OR o.organisation_id = ?)))`, f.ViewerOrgID)
	if f.AssigneeID > 0 {
		q = q.Where("followups.assignee_id = ?", f.AssigneeID)
	}
	if f.Status != "" {
		q = q.Where("followups.status = ?", f.Status)
	}
	if f.Country != "" {
		q = q.Where("followups.country_iso3 = ?", f.Country)
	}
	if f.ContactID > 0 {
		q = q.Where("followups.contact_id = ?", f.ContactID)
	}
	if f.OutreachID > 0 {
		q = q.Where("followups.outreach_id = ?", f.OutreachID)
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("followups.due_date < ?", f.DueBefore)
	}
	return q
}

// ListFollowups returns one page ordered by due date, and the total.
func (s *Store) ListFollowups(ctx context.Context, f FollowupFilter) ([]model.Followup, int64, error) {
	var total int64
	if err := s.followupQuery(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "follow-ups")
	}
	p := f.Page.Normalize()
	var out []model.Followup
	err := s.followupQuery(ctx, f).Preload("Assignee").Preload("AssignedBy").Preload("Country").Preload("Contact").
		Order("followups.due_date, followups.id").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "follow-ups")
}

// GetFollowup loads one follow-up the viewer may see.
func (s *Store) GetFollowup(ctx context.Context, id, viewerOrgID int64) (*model.Followup, error) {
	var f model.Followup
	err := s.followupQuery(ctx, FollowupFilter{ViewerOrgID: viewerOrgID}).Preload("Assignee").Preload("AssignedBy").
		Preload("Country").Preload("Contact").Where("followups.id = ?", id).First(&f).Error
	return &f, mapErr(err, "follow-up")
}

// SaveFollowup inserts or rewrites a follow-up.
func (s *Store) SaveFollowup(ctx context.Context, f *model.Followup) error {
	if f.ID == 0 {
		return mapErr(s.conn(ctx).Omit("Assignee", "AssignedBy", "Country", "Contact").Create(f).Error, "follow-up")
	}
	return mapErr(s.conn(ctx).Omit("Assignee", "AssignedBy", "Country", "Contact", "CreatedAt").Select("*").Save(f).Error, "follow-up")
}

// SetCalendarToken stores a user's secret calendar feed token.
func (s *Store) SetCalendarToken(ctx context.Context, userID int64, token string) error {
	return mapErr(s.conn(ctx).Model(&model.User{}).Where("id = ?", userID).Update("calendar_token", token).Error, "user")
}

// UserByCalendarToken finds the active user owning a calendar token.
func (s *Store) UserByCalendarToken(ctx context.Context, token string) (*model.User, error) {
	var u model.User
	err := s.conn(ctx).Preload("Organisation").Where("calendar_token = ? AND calendar_token <> '' AND active", token).First(&u).Error
	return &u, mapErr(err, "calendar")
}

// AddSuppression records an address never to mail again; an address already
// suppressed is left as it is.
func (s *Store) AddSuppression(ctx context.Context, sup *model.Suppression) error {
	var n int64
	if err := s.conn(ctx).Model(&model.Suppression{}).Where("lower(email) = lower(?)", sup.Email).Count(&n).Error; err != nil {
		return mapErr(err, "suppression")
	}
	if n > 0 {
		return nil
	}
	return mapErr(s.conn(ctx).Create(sup).Error, "suppression")
}

// SuppressedEmails reports which of the addresses are suppressed.
func (s *Store) SuppressedEmails(ctx context.Context, emails []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(emails) == 0 {
		return out, nil
	}
	var got []string
	err := s.conn(ctx).Model(&model.Suppression{}).Where("lower(email) IN ?", emails).Pluck("lower(email)", &got).Error
	for _, e := range got {
		out[e] = true
	}
	return out, mapErr(err, "suppressions")
}
