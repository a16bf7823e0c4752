package store

import (
	"context"
	"strings"

	"ratify/internal/model"
)

// ListOrganisations returns every organisation by name; there are tens, not thousands.
func (s *Store) ListOrganisations(ctx context.Context) ([]model.Organisation, error) {
	var out []model.Organisation
	err := s.conn(ctx).Order("lower(name)").Find(&out).Error
	return out, mapErr(err, "organisations")
}

// GetOrganisation loads one organisation.
func (s *Store) GetOrganisation(ctx context.Context, id int64) (*model.Organisation, error) {
	var o model.Organisation
	err := s.conn(ctx).First(&o, id).Error
	return &o, mapErr(err, "organisation")
}

// OrganisationByShortName finds an organisation case-insensitively.
func (s *Store) OrganisationByShortName(ctx context.Context, short string) (*model.Organisation, error) {
	var o model.Organisation
	err := s.conn(ctx).Where("lower(short_name) = ?", strings.ToLower(strings.TrimSpace(short))).First(&o).Error
	return &o, mapErr(err, "organisation")
}

// CreateOrganisation inserts o; a taken short name is a conflict.
func (s *Store) CreateOrganisation(ctx context.Context, o *model.Organisation) error {
	err := s.conn(ctx).Create(o).Error
	return orgConflict(mapErr(err, "organisation"))
}

// UpdateOrganisation writes every editable column, zero values included.
func (s *Store) UpdateOrganisation(ctx context.Context, o *model.Organisation) error {
	res := s.conn(ctx).Model(o).Select("name", "short_name", "kind", "updated_at").Updates(o)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("organisation")
	}
	return orgConflict(mapErr(res.Error, "organisation"))
}

func orgConflict(err error) error {
	if model.ErrorCode(err) == model.CodeConflict {
		return &model.Error{Code: model.CodeConflict, Message: "that short name is taken",
			Fields: map[string]string{"short_name": "another organisation uses this short name"}}
	}
	return err
}

// CountUsersByOrganisation maps organisation id to its number of users.
func (s *Store) CountUsersByOrganisation(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		OrganisationID int64
		N              int64
	}
	err := s.conn(ctx).Model(&model.User{}).Select("organisation_id, count(*) AS n").Group("organisation_id").Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "users")
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.OrganisationID] = r.N
	}
	return out, nil
}
