package service

import (
	"context"
	"fmt"

	"ratify/internal/model"
)

// DemoPassword is the password of every demo account; demo data is fictional
// and meant for trying Ratify on one machine, never for production.
const DemoPassword = "ratify-demo-password"

// DemoAccount is one fictional user of the demo data set.
type DemoAccount struct {
	Email, Name string
	Role        model.Role
	Org         string
}

var demoOrgs = []model.Organisation{
	{Name: "Demo Secretariat of the Ratification Campaign", ShortName: "DEMO-SEC", Kind: model.OrgNGO},
	{Name: "Demo Migrant Rights Network", ShortName: "DEMO-MRN", Kind: model.OrgNGO},
	{Name: "Demo Federation of Domestic Workers' Unions", ShortName: "DEMO-FDWU", Kind: model.OrgTradeUnion},
	{Name: "Demo Interfaith Service for Migrants", ShortName: "DEMO-ISM", Kind: model.OrgFaithBased},
	{Name: "Demo Observatory on Labour Mobility", ShortName: "DEMO-OLM", Kind: model.OrgIO},
}

// DemoAccounts are printed at start so a newcomer can sign in as each role.
var DemoAccounts = []DemoAccount{
	{"admin@demo.example.org", "Ada Admin (demo)", model.RoleAdmin, "DEMO-SEC"},
	{"coordinator@demo.example.org", "Camille Coordinator (demo)", model.RoleCoordinator, "DEMO-SEC"},
	{"member@demo.example.org", "Mateo Member (demo)", model.RoleMember, "DEMO-MRN"},
	{"member2@demo.example.org", "Mwajuma Member (demo)", model.RoleMember, "DEMO-FDWU"},
	{"faith@demo.example.org", "Farid Member (demo)", model.RoleMember, "DEMO-ISM"},
	{"viewer@demo.example.org", "Vera Viewer (demo)", model.RoleViewer, "DEMO-OLM"},
}

// SeedDemo loads the fictional demo data set. It is idempotent: records that
// exist (by short name or email) are left as they are.
func (s *Service) SeedDemo(ctx context.Context) error {
	orgIDs := map[string]int64{}
	for _, o := range demoOrgs {
		got, err := s.store.OrganisationByShortName(ctx, o.ShortName)
		if model.ErrorCode(err) == model.CodeNotFound {
			got, err = s.CreateOrganisationSystem(ctx, o)
		}
		if err != nil {
			return fmt.Errorf("demo organisation %s: %w", o.ShortName, err)
		}
		orgIDs[o.ShortName] = got.ID
	}
	for _, d := range DemoAccounts {
		_, err := s.store.UserByEmail(ctx, d.Email)
		if err == nil {
			continue
		}
		if model.ErrorCode(err) != model.CodeNotFound {
			return err
		}
		if _, _, err := s.createUser(ctx, Actor{IP: "demo"}, NewUser{
			Email: d.Email, Name: d.Name, Role: d.Role, OrganisationID: orgIDs[d.Org], Password: DemoPassword,
		}); err != nil {
			return fmt.Errorf("demo user %s: %w", d.Email, err)
		}
	}
	return nil
}
