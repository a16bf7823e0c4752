package store

import (
	"context"
	"fmt"
	"strings"

	"ratify/internal/model"
)

// InstitutionFilter narrows the institution list.
type InstitutionFilter struct {
	Country string
	Kind    model.InstitutionKind
	Query   string
	Page    model.Page
}

// ListInstitutions returns one page of institutions with their parents.
func (s *Store) ListInstitutions(ctx context.Context, f InstitutionFilter) ([]model.Institution, int64, error) {
	q := s.conn(ctx).Model(&model.Institution{})
	if f.Country != "" {
		q = q.Where("country_iso3 = ?", strings.ToUpper(f.Country))
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		q = q.Where("lower(name) LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(t))+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "institutions")
	}
	p := f.Page.Normalize()
	var out []model.Institution
	err := q.Preload("Parent").Order("country_iso3, name, id").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "institutions")
}

// GetInstitution loads one institution.
func (s *Store) GetInstitution(ctx context.Context, id int64) (*model.Institution, error) {
	var i model.Institution
	err := s.conn(ctx).Preload("Parent").First(&i, id).Error
	return &i, mapErr(err, "institution")
}

// SaveInstitution inserts or rewrites an institution.
func (s *Store) SaveInstitution(ctx context.Context, i *model.Institution) error {
	if i.ID == 0 {
		return mapErr(s.conn(ctx).Omit("Parent").Create(i).Error, "institution")
	}
	return mapErr(s.conn(ctx).Omit("Parent", "CreatedAt").Select("*").Save(i).Error, "institution")
}

// AddPosition records a post.
func (s *Store) AddPosition(ctx context.Context, p *model.Position) error {
	return mapErr(s.conn(ctx).Omit("Institution").Create(p).Error, "position")
}

// GetPosition loads one post.
func (s *Store) GetPosition(ctx context.Context, id int64) (*model.Position, error) {
	var p model.Position
	err := s.conn(ctx).Preload("Institution").First(&p, id).Error
	return &p, mapErr(err, "position")
}

// UpdatePosition rewrites a post's title and dates.
func (s *Store) UpdatePosition(ctx context.Context, p *model.Position) error {
	return mapErr(s.conn(ctx).Model(p).Select("title", "start_date", "end_date", "institution_id").Updates(p).Error, "position")
}

// DeletePosition removes a post entered by mistake.
func (s *Store) DeletePosition(ctx context.Context, id int64) error {
	return mapErr(s.conn(ctx).Delete(&model.Position{}, id).Error, "position")
}

// ContactPositions lists a contact's posts, current first.
func (s *Store) ContactPositions(ctx context.Context, contactID int64) ([]model.Position, error) {
	var out []model.Position
	err := s.conn(ctx).Preload("Institution").Where("contact_id = ?", contactID).
		Order("end_date IS NOT NULL, end_date DESC, start_date DESC, id").Find(&out).Error
	return out, mapErr(err, "positions")
}

// FindInstitution finds an institution by country and name, ignoring case.
func (s *Store) FindInstitution(ctx context.Context, iso3, name string) (int64, error) {
	var ids []int64
	err := s.conn(ctx).Model(&model.Institution{}).Where("country_iso3 = ? AND lower(name) = ?", iso3, strings.ToLower(name)).
		Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return 0, mapErr(err, "institution")
	}
	if len(ids) == 0 {
		return 0, model.NotFound("institution")
	}
	return ids[0], nil
}

// AddPositionsIfMissing adds posts, skipping a contact's existing post with
// the same institution and title.
func (s *Store) AddPositionsIfMissing(ctx context.Context, ps []model.Position) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ContactID
	}
	var have []model.Position
	if err := s.conn(ctx).Where("contact_id IN ?", ids).Find(&have).Error; err != nil {
		return mapErr(err, "positions")
	}
	seen := map[string]bool{}
	for _, p := range have {
		seen[fmt.Sprint(p.ContactID, "|", p.InstitutionID, "|", strings.ToLower(p.Title))] = true
	}
	var add []model.Position
	for _, p := range ps {
		k := fmt.Sprint(p.ContactID, "|", p.InstitutionID, "|", strings.ToLower(p.Title))
		if !seen[k] {
			seen[k] = true
			add = append(add, p)
		}
	}
	return s.CreatePositions(ctx, add)
}

// CreatePositions inserts posts that are known to be new.
func (s *Store) CreatePositions(ctx context.Context, ps []model.Position) error {
	return createMany(ctx, s, ps, 1000, "positions")
}
