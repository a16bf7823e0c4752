package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"ratify/internal/model"
)

// DemoSize says how many fictional records GenerateDemo adds.
type DemoSize struct {
	Contacts  int
	Outreach  int
	Followups int
	// Seed makes a run repeatable.
	Seed uint64
}

// DefaultDemoSize is what `serve --demo` loads on an empty installation.
var DefaultDemoSize = DemoSize{Contacts: 2000, Outreach: 5000, Followups: 300, Seed: 1}

var demoFirst = []string{"Amina", "Bongani", "Carmen", "Dario", "Elif", "Farah", "Gustavo", "Hana", "Ibrahim", "Jana",
	"Kwame", "Leila", "Mateus", "Nadia", "Oluwaseun", "Priya", "Quang", "Rosa", "Sipho", "Tamar", "Ugo", "Valentina",
	"Wanjiru", "Xavier", "Yusuf", "Zeynep", "Aïcha", "Bruno", "Chidi", "Dilnoza", "Émile", "Fatou", "Giorgi", "Hiroshi",
	"Inès", "José", "Kofi", "Luz", "Mihai", "Nour", "Ömer", "Paola", "Rania", "Saúl", "Thandiwe", "Ulla", "Vusi", "Ximena"}

var demoLast = []string{"Abebe", "Banda", "Castillo", "Diallo", "Eriksen", "Fernández", "Gómez", "Haddad", "Ivanova",
	"Juárez", "Kamau", "Lungu", "Mendoza", "Nguyen", "Okafor", "Pereira", "Quispe", "Rahman", "Santos", "Traoré",
	"Usman", "Vargas", "Wekesa", "Xu", "Yilmaz", "Zapata", "Achieng", "Boateng", "Côté", "Dlamini", "Espinoza",
	"Fofana", "García", "Hossain", "Islam", "Jovanović", "Kaya", "Lopes", "Mwangi", "Ndiaye", "Osei", "Petrović"}

var demoParties = []string{"Demo Progressive Alliance", "Demo People's Party", "Demo Labour Front", "Demo Green Movement",
	"Demo Liberal Union", "Demo National Congress", "Independent"}

var demoSummaries = []string{
	"Discussed the cost of ratification and the reporting obligations under the Convention.",
	"Briefed on the protection gaps for migrant domestic workers; interest in C189 first.",
	"Shared the coalition's legal analysis; asked for the ministry's position paper.",
	"Meeting at the permanent mission in Geneva ahead of the Human Rights Council session.",
	"Parliamentary question tabled on the ratification timetable.",
	"Round table with trade unions and employers on labour migration governance.",
	"Letter sent to the Minister of Labour with the model ratification bill.",
	"Call with the committee clerk about scheduling a hearing.",
}

// GenerateDemo adds a clearly fictional data set: institutions in every state
// (once), then contacts, outreach across the member organisations (about a
// fifth private) and follow-ups (some overdue). Large sizes are for benchmarks.
func (s *Service) GenerateDemo(ctx context.Context, size DemoSize) error {
	// One transaction: thousands of small commits would each wait for the disk.
	return s.store.WithTx(ctx, func(ctx context.Context) error { return s.generateDemo(ctx, size) })
}

func (s *Service) generateDemo(ctx context.Context, size DemoSize) error {
	rng := rand.New(rand.NewPCG(size.Seed, size.Seed*7919+1))
	now := s.now().UTC()
	countries, err := s.store.ListCountries(ctx)
	if err != nil {
		return err
	}
	insts, err := s.store.AllInstitutions(ctx)
	if err != nil {
		return err
	}
	if len(insts) == 0 {
		if insts, err = s.demoInstitutions(ctx, countries, now); err != nil {
			return err
		}
	}
	instByCountry := map[string][]model.Institution{}
	for _, in := range insts {
		instByCountry[in.CountryISO3] = append(instByCountry[in.CountryISO3], in)
	}
	orgs, err := s.store.ListOrganisations(ctx)
	if err != nil {
		return err
	}
	users, _, err := s.store.ListUsers(ctx, storeAllUsers())
	if err != nil {
		return err
	}
	var actors []model.User
	for _, u := range users {
		if u.Active && u.Role != model.RoleViewer {
			actors = append(actors, u)
		}
	}
	if len(actors) == 0 || len(orgs) == 0 {
		return fmt.Errorf("demo data needs at least one active member user")
	}
	kinds := []model.ContactKind{model.ContactParliamentarian, model.ContactParliamentarian, model.ContactParliamentarian,
		model.ContactMinister, model.ContactOfficial, model.ContactDiplomat}
	langs := []string{"en", "fr", "es", "ar", "pt", "ru"}
	start, err := s.store.CountContacts(ctx)
	if err != nil {
		return err
	}
	for done := 0; done < size.Contacts; {
		n := min(1000, size.Contacts-done)
		batch := make([]model.Contact, n)
		positions := make([]model.Position, 0, n)
		for i := range batch {
			seq := int(start) + done + i
			ctry := countries[rng.IntN(len(countries))]
			iso := ctry.ISO3
			first, last := demoFirst[rng.IntN(len(demoFirst))], demoLast[rng.IntN(len(demoLast))]
			kind := kinds[rng.IntN(len(kinds))]
			hon := map[model.ContactKind]string{model.ContactParliamentarian: "Hon.", model.ContactMinister: "H.E.", model.ContactDiplomat: "Amb."}[kind]
			email := fmt.Sprintf("%s.%s.%d@demo-%s.example.org", strings.ToLower(asciiOnly(first)), strings.ToLower(asciiOnly(last)), seq, strings.ToLower(iso))
			c := model.Contact{Honorific: hon, FirstName: first, LastName: last, Kind: kind, CountryISO3: &iso,
				Party: demoParties[rng.IntN(len(demoParties))], PreferredLanguage: langs[rng.IntN(len(langs))], Languages: "en",
				Stance: model.Stances[rng.IntN(len(model.Stances))], DataSource: "fictional demo data", LawfulBasis: "legitimate interest",
				OwnerOrganisationID: orgs[rng.IntN(len(orgs))].ID, CreatedAt: now, UpdatedAt: now,
				Emails: []model.ContactEmail{{Email: email, Label: "work"}},
				Phones: []model.ContactPhone{{Number: fmt.Sprintf("+%d %03d %04d", 10+rng.IntN(89), rng.IntN(1000), rng.IntN(10000)), Label: "office"}},
				Tags:   []model.ContactTag{{Tag: "demo"}}}
			if rng.IntN(20) == 0 {
				c.DoNotContact, c.DoNotContactReason = true, "asked not to be contacted (demo)"
			}
			var inst *model.Institution
			if is := instByCountry[iso]; len(is) > 0 {
				inst = &is[rng.IntN(len(is))]
			}
			title := map[model.ContactKind]string{model.ContactParliamentarian: "Member of Parliament", model.ContactMinister: "Minister",
				model.ContactOfficial: "Director, Labour Migration", model.ContactDiplomat: "Counsellor"}[kind]
			c.SortName = foldText(last + " " + first)
			search := []string{hon, first, last, c.Party, email, title}
			if inst != nil {
				search = append(search, inst.Name)
				positions = append(positions, model.Position{InstitutionID: inst.ID, Title: title, CreatedAt: now})
			} else {
				positions = append(positions, model.Position{})
			}
			c.SearchText = foldText(strings.Join(search, " "))
			batch[i] = c
		}
		if err := s.store.CreateContacts(ctx, batch); err != nil {
			return fmt.Errorf("demo contacts: %w", err)
		}
		var ps []model.Position
		for i := range batch {
			if positions[i].InstitutionID != 0 {
				positions[i].ContactID = batch[i].ID
				ps = append(ps, positions[i])
			}
		}
		if err := s.store.AddPositionsIfMissing(ctx, ps); err != nil {
			return err
		}
		done += n
	}
	byCountry, err := s.store.ContactIDsByCountry(ctx)
	if err != nil {
		return err
	}
	var withContacts []string
	for iso := range byCountry {
		withContacts = append(withContacts, iso)
	}
	if len(withContacts) == 0 {
		return nil
	}
	// Sorted so a seed gives the same data set every time.
	sortStrings(withContacts)
	codes := []string{"ICRMW", "C097", "C143", "C189"}
	for done := 0; done < size.Outreach; {
		n := min(2000, size.Outreach-done)
		batch := make([]model.Outreach, n)
		for i := range batch {
			iso := withContacts[rng.IntN(len(withContacts))]
			u := actors[rng.IntN(len(actors))]
			vis := model.VisibleCoalition
			if rng.IntN(5) == 0 {
				vis = model.VisibleOrganisation
			}
			date := now.AddDate(0, 0, -rng.IntN(730)).Truncate(24 * time.Hour)
			o := model.Outreach{Type: model.OutreachTypes[rng.IntN(len(model.OutreachTypes))], Date: date, CountryISO3: &iso,
				Summary: demoSummaries[rng.IntN(len(demoSummaries))], Outcome: model.Outcomes[rng.IntN(len(model.Outcomes))],
				Visibility: vis, OrganisationID: u.OrganisationID, UserID: u.ID, CreatedAt: now, UpdatedAt: now,
				Instruments: []model.OutreachInstrument{{InstrumentCode: codes[rng.IntN(len(codes))]}}}
			ids := byCountry[iso]
			for k := 0; k < 1+rng.IntN(2) && k < len(ids); k++ {
				id := ids[rng.IntN(len(ids))]
				if len(o.Contacts) == 0 || o.Contacts[0].ContactID != id {
					o.Contacts = append(o.Contacts, model.OutreachContact{ContactID: id})
				}
			}
			if rng.IntN(3) == 0 {
				o.NextSteps = "Send the follow-up briefing note."
			}
			batch[i] = o
		}
		if err := s.store.CreateOutreachBatch(ctx, batch); err != nil {
			return fmt.Errorf("demo outreach: %w", err)
		}
		done += n
	}
	// Each batch added its counts in rows of its own; one row per key is
	// what the dashboard reads best.
	if err := s.store.FoldOutreachCounts(ctx); err != nil {
		return fmt.Errorf("demo outreach: %w", err)
	}
	fs := make([]model.Followup, 0, size.Followups)
	for i := 0; i < size.Followups; i++ {
		u := actors[rng.IntN(len(actors))]
		iso := withContacts[rng.IntN(len(withContacts))]
		ids := byCountry[iso]
		cid := ids[rng.IntN(len(ids))]
		due := now.AddDate(0, 0, rng.IntN(60)-20).Truncate(24 * time.Hour)
		st := model.FollowupOpen
		var closed *time.Time
		if rng.IntN(4) == 0 {
			st, closed = model.FollowupDone, &now
		}
		fs = append(fs, model.Followup{Title: []string{"Send the briefing note", "Call back the committee clerk",
			"Share the model bill", "Ask for a meeting with the minister", "Thank-you letter after the meeting"}[rng.IntN(5)],
			DueDate: due, Priority: []model.FollowupPriority{model.FollowupHigh, model.FollowupNormal, model.FollowupLow}[rng.IntN(3)],
			Status: st, ClosedAt: closed, AssigneeID: u.ID, AssignedByID: u.ID, OrganisationID: u.OrganisationID,
			Visibility: model.VisibleCoalition, CountryISO3: &iso, ContactID: &cid, CreatedAt: now, UpdatedAt: now})
	}
	return s.store.CreateFollowupBatch(ctx, fs)
}

func (s *Service) demoInstitutions(ctx context.Context, countries []model.Country, now time.Time) ([]model.Institution, error) {
	var out []model.Institution
	for _, c := range countries {
		parl := model.Institution{CountryISO3: c.ISO3, Kind: model.InstParliament, Name: "Parliament of " + c.Name + " (demo)", CreatedAt: now, UpdatedAt: now}
		if err := s.store.SaveInstitution(ctx, &parl); err != nil {
			return nil, err
		}
		out = append(out, parl)
		for _, in := range []model.Institution{
			{Kind: model.InstCommittee, Name: "Committee on Labour and Migration (demo)", ParentID: &parl.ID},
			{Kind: model.InstMinistry, Name: "Ministry of Labour (demo)"},
			{Kind: model.InstMinistry, Name: "Ministry of Foreign Affairs (demo)"},
			{Kind: model.InstMission, Name: "Permanent Mission to the UN in Geneva (demo)", Location: "Geneva"},
		} {
			in.CountryISO3, in.CreatedAt, in.UpdatedAt = c.ISO3, now, now
			if err := s.store.SaveInstitution(ctx, &in); err != nil {
				return nil, err
			}
			out = append(out, in)
		}
	}
	return out, nil
}

func asciiOnly(s string) string {
	f := foldText(s)
	var b strings.Builder
	for _, r := range f {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
