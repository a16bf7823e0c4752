package service

import (
	"context"
	"fmt"
	"strings"

	"ratify/internal/model"
)

// BootstrapResult says what first start did.
type BootstrapResult struct {
	Created bool
	Email   string
	// GeneratedPassword is set only when Ratify chose the password; it is
	// shown once and never stored in clear.
	GeneratedPassword string
}

// Bootstrap creates the first admin, with an organisation of its own, when
// the installation has no user at all. It does nothing otherwise.
func (s *Service) Bootstrap(ctx context.Context, email, password, orgName string) (BootstrapResult, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return BootstrapResult{}, err
	}
	if email == "" {
		email = "admin@localhost.localdomain"
	}
	if orgName == "" {
		orgName = "Secretariat"
	}
	org, err := s.store.OrganisationByShortName(ctx, shortNameFor(orgName))
	if model.ErrorCode(err) == model.CodeNotFound {
		org, err = s.CreateOrganisationSystem(ctx, model.Organisation{Name: orgName, ShortName: shortNameFor(orgName), Kind: model.OrgNGO})
	}
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap organisation: %w", err)
	}
	u, pw, err := s.createUser(ctx, Actor{IP: "bootstrap"}, NewUser{
		Email: email, Name: "Administrator", Role: model.RoleAdmin, OrganisationID: org.ID, Password: password,
	})
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap admin %s: %w", email, err)
	}
	res := BootstrapResult{Created: true, Email: u.Email}
	if password == "" {
		res.GeneratedPassword = pw
	}
	return res, nil
}

// CreateOrganisationSystem creates an organisation for bootstrap and demo
// data, which run before any user exists to act.
func (s *Service) CreateOrganisationSystem(ctx context.Context, o model.Organisation) (*model.Organisation, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	o.CreatedAt, o.UpdatedAt = now, now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateOrganisation(ctx, &o); err != nil {
			return err
		}
		return s.audit(ctx, Actor{IP: "system"}, "organisation.create", "organisation", fmt.Sprint(o.ID), "created "+o.Name)
	})
	return &o, err
}

// shortNameFor derives a short name without spaces from a full name.
func shortNameFor(name string) string {
	f := strings.Fields(name)
	if len(f) == 1 {
		if len(f[0]) > 30 {
			return f[0][:30]
		}
		return f[0]
	}
	var b strings.Builder
	for _, w := range f {
		r := []rune(w)
		b.WriteString(strings.ToUpper(string(r[0])))
	}
	return b.String()
}
