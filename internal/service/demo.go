package service

import (
	"context"
	"fmt"
	"time"

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
// exist (by short name or email) are left as they are, and contacts, outreach
// and follow-ups are generated only when there are no contacts yet.
func (s *Service) SeedDemo(ctx context.Context) error {
	if err := s.SeedDemoBase(ctx); err != nil {
		return err
	}
	n, err := s.store.CountContacts(ctx)
	if err != nil || n > 0 {
		return err // contacts exist: the demo set was loaded before, or real data is there
	}
	return s.GenerateDemo(ctx, DefaultDemoSize)
}

// SeedDemoBase loads the demo organisations, accounts and campaign picture.
func (s *Service) SeedDemoBase(ctx context.Context) error {
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
	coord, err := s.store.UserByEmail(ctx, "coordinator@demo.example.org")
	if err != nil {
		return err
	}
	return s.seedDemoCampaign(ctx, coord.ID, orgIDs)
}

// demoCampaign gives some states a fictional campaign picture so the
// dashboard, the map by stage and the priority list have something to show.
var demoCampaign = []struct {
	iso3, stage, org, nextStep string
	priority                   model.Priority
	inDays                     int
}{
	{"KEN", "Dialogue", "DEMO-MRN", "Brief the parliamentary labour committee", model.PriorityHigh, 12},
	{"NPL", "Commitment", "DEMO-FDWU", "Follow up on the minister's pledge", model.PriorityHigh, 5},
	{"ZAF", "First contact", "DEMO-ISM", "Request a meeting with the Department of Employment", model.PriorityHigh, 20},
	{"THA", "Dialogue", "DEMO-MRN", "Share the cost-of-ratification study", model.PriorityHigh, 30},
	{"ARM", "In procedure / parliament", "DEMO-SEC", "Support the ratification bill's second reading", model.PriorityHigh, 9},
	{"KHM", "Commitment", "DEMO-MRN", "Ask for the ratification timetable", model.PriorityMedium, 25},
	{"GHA", "Dialogue", "DEMO-FDWU", "Co-host a round table with the unions", model.PriorityMedium, 40},
	{"MNE", "First contact", "DEMO-SEC", "Introductory letter to the Ministry of Labour", model.PriorityMedium, 15},
	{"SRB", "Not engaged", "DEMO-ISM", "Map the relevant committees", model.PriorityLow, 60},
	{"LBR", "First contact", "DEMO-FDWU", "Meet the permanent mission in Geneva", model.PriorityMedium, 18},
	{"ITA", "Not engaged", "DEMO-ISM", "Identify supportive parliamentarians", model.PriorityLow, 75},
	{"IND", "Not engaged", "DEMO-OLM", "Brief the embassy on C189", model.PriorityLow, 90},
}

func (s *Service) seedDemoCampaign(ctx context.Context, coordinatorID int64, orgIDs map[string]int64) error {
	stages, err := s.store.ListStages(ctx)
	if err != nil {
		return err
	}
	stageID := map[string]int64{}
	for _, st := range stages {
		stageID[st.Name] = st.ID
	}
	for _, d := range demoCampaign {
		c, err := s.store.GetCountry(ctx, d.iso3)
		if err != nil {
			return err
		}
		if c.UpdatedAt != nil {
			continue // edited already: leave the coalition's own picture alone
		}
		f := model.CampaignFields{Priority: d.priority, NextStep: d.nextStep}
		if id, ok := stageID[d.stage]; ok {
			f.StageID = &id
		}
		if id, ok := orgIDs[d.org]; ok {
			f.FocalOrganisationID = &id
		}
		due := s.now().UTC().AddDate(0, 0, d.inDays).Truncate(24 * time.Hour)
		f.NextStepDate = &due
		if err := s.store.UpdateCountryCampaign(ctx, c.ISO3, f, coordinatorID, s.now().UTC()); err != nil {
			return fmt.Errorf("demo campaign %s: %w", d.iso3, err)
		}
	}
	return nil
}
