package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"ratify/internal/model"
)

// AudienceFilter selects contacts for a campaign; each non-empty list narrows.
type AudienceFilter struct {
	Countries        []string // ISO3; nil means any, an empty non-nil list means none
	Kinds            []model.ContactKind
	InstitutionKinds []model.InstitutionKind
	InstitutionIDs   []int64
	Parties          []string
	Tags             []string
	Stances          []model.Stance
	Languages        []string
}

// AudienceContacts returns live contacts matching f with their emails, in id order.
func (s *Store) AudienceContacts(ctx context.Context, f AudienceFilter) ([]model.Contact, error) {
	if f.Countries != nil && len(f.Countries) == 0 {
		return nil, nil
	}
	var out []model.Contact
	if err := s.audienceQuery(ctx, f).Omit("search_text").Order("contacts.id").Find(&out).Error; err != nil {
		return nil, mapErr(err, "audience")
	}
	// The addresses come by a second query over the same filter, not by a
	// preload: that binds every contact's id, and a statement takes at most
	// 65,535 parameters on PostgreSQL and 32,766 on SQLite, fewer than the
	// parliamentarians of a large installation.
	var emails []model.ContactEmail
	if err := s.conn(ctx).Where("contact_id IN (?)", s.audienceQuery(ctx, f).Select("contacts.id")).
		Order("contact_id, position").Find(&emails).Error; err != nil {
		return nil, mapErr(err, "audience")
	}
	at := make(map[int64]int, len(out))
	for i := range out {
		at[out[i].ID] = i
	}
	for _, e := range emails {
		if i, ok := at[e.ContactID]; ok {
			out[i].Emails = append(out[i].Emails, e)
		}
	}
	return out, nil
}

// audienceQuery selects the live contacts that match f.
func (s *Store) audienceQuery(ctx context.Context, f AudienceFilter) *gorm.DB {
	q := s.conn(ctx).Model(&model.Contact{}).Where("contacts.deleted_at IS NULL AND contacts.erased_at IS NULL")
	if f.Countries != nil {
		q = q.Where("contacts.country_iso3 IN ?", f.Countries)
	}
	if len(f.Kinds) > 0 {
		q = q.Where("contacts.kind IN ?", f.Kinds)
	}
	if len(f.InstitutionKinds) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM positions p JOIN institutions i ON i.id = p.institution_id WHERE p.contact_id = contacts.id AND p.end_date IS NULL AND i.kind IN ?)", f.InstitutionKinds)
	}
	if len(f.InstitutionIDs) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM positions p WHERE p.contact_id = contacts.id AND p.end_date IS NULL AND p.institution_id IN ?)", f.InstitutionIDs)
	}
	if len(f.Parties) > 0 {
		lower := make([]string, len(f.Parties))
		for i, p := range f.Parties {
			lower[i] = strings.ToLower(p)
		}
		q = q.Where("lower(contacts.party) IN ?", lower)
	}
	if len(f.Tags) > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = contacts.id AND t.tag IN ?)", f.Tags)
	}
	if len(f.Stances) > 0 {
		q = q.Where("contacts.stance IN ?", f.Stances)
	}
	if len(f.Languages) > 0 {
		cond := s.conn(ctx).Where("contacts.preferred_language IN ?", f.Languages)
		for _, l := range f.Languages {
			cond = cond.Or("(',' || contacts.languages || ',') LIKE ?", "%,"+l+",%")
		}
		q = q.Where(cond)
	}
	return q
}
