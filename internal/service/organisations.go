package service

import (
	"context"
	"fmt"
	"strconv"

	"ratify/internal/auth"
	"ratify/internal/model"
)

// ListOrganisations is open to every signed-in role.
func (s *Service) ListOrganisations(ctx context.Context, a Actor) ([]model.Organisation, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.ListOrganisations(ctx)
}

// OrganisationUserCounts maps organisation id to its number of users (admins).
func (s *Service) OrganisationUserCounts(ctx context.Context, a Actor) (map[int64]int64, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, err
	}
	return s.store.CountUsersByOrganisation(ctx)
}

// GetOrganisation is open to every signed-in role.
func (s *Service) GetOrganisation(ctx context.Context, a Actor, id int64) (*model.Organisation, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.GetOrganisation(ctx, id)
}

// CreateOrganisation is for admins.
func (s *Service) CreateOrganisation(ctx context.Context, a Actor, o model.Organisation) (*model.Organisation, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	o.ID, o.CreatedAt, o.UpdatedAt = 0, now, now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateOrganisation(ctx, &o); err != nil {
			return err
		}
		return s.audit(ctx, a, "organisation.create", "organisation", strconv.FormatInt(o.ID, 10),
			fmt.Sprintf("created %s (%s, %s)", o.Name, o.ShortName, o.Kind))
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// OrganisationPatch changes some fields; nil fields stay.
type OrganisationPatch struct {
	Name      *string
	ShortName *string
	Kind      *model.OrgKind
}

// UpdateOrganisation is for admins.
func (s *Service) UpdateOrganisation(ctx context.Context, a Actor, id int64, p OrganisationPatch) (*model.Organisation, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, err
	}
	o, err := s.store.GetOrganisation(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *o
	if p.Name != nil {
		o.Name = *p.Name
	}
	if p.ShortName != nil {
		o.ShortName = *p.ShortName
	}
	if p.Kind != nil {
		o.Kind = *p.Kind
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if before == *o {
		return o, nil
	}
	o.UpdatedAt = s.now().UTC()
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateOrganisation(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, a, "organisation.update", "organisation", strconv.FormatInt(o.ID, 10),
			fmt.Sprintf("%s (%s, %s) → %s (%s, %s)", before.Name, before.ShortName, before.Kind, o.Name, o.ShortName, o.Kind))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
