package bench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// Issue 4's data sets: contacts made by the application's own demo generator
// (so the folded search text is the application's), then outreach, its links
// and follow-ups in bulk. PostgreSQL gets issue 4's sizes; SQLite, the
// embedded default, the sizes a single-machine installation is expected to
// carry (20,000 contacts is the bar it must stay usable at).
var issue4Datasets = []Dataset{
	{Name: "contacts200k-outreach1m", Dialects: []string{store.Postgres}, Budget: Issue4PageBudget,
		Loaders: append(slices.Clone(issue3Loaders), DemoContacts(200_000), Outreach(1_000_000, "PHL", 0.05), Followups(5_000, "PHL"))},
	{Name: "contacts20k-outreach100k", Dialects: []string{store.SQLite}, Budget: Issue4PageBudget,
		Loaders: append(slices.Clone(issue3Loaders), DemoContacts(20_000), Outreach(100_000, "PHL", 0.05), Followups(1_000, "PHL"))},
}

// Issue4PageBudget is issue 4's bar for the dashboard and the dossier over
// 1,000,000 outreach rows: p95 at most 100 ms.
const Issue4PageBudget = 100 * time.Millisecond

// DemoContacts adds n fictional contacts through service.GenerateDemo, the
// path `ratify demo` takes: institutions in every state (once), contacts with
// an email, a phone, a tag and a position each, and the search text and sort
// name folded by the service. Publishes contacts (the count).
func DemoContacts(n int) Loader {
	return Loader{Name: fmt.Sprintf("demo-contacts(%d)", n), Load: func(ctx context.Context, f *Fixture) error {
		if err := f.Svc.GenerateDemo(ctx, service.DemoSize{Contacts: n, Seed: 4}); err != nil {
			return err
		}
		f.Vars["contacts"] = strconv.Itoa(n)
		return nil
	}}
}

var benchSummaries = []string{
	"Discussed the cost of ratification and the reporting obligations under the Convention.",
	"Briefed on the protection gaps for migrant domestic workers; interest in C189 first.",
	"Shared the coalition's legal analysis; asked for the ministry's position paper.",
	"Meeting at the permanent mission in Geneva ahead of the Human Rights Council session.",
	"Parliamentary question tabled on the ratification timetable.",
	"Round table with trade unions and employers on labour migration governance.",
	"Letter sent to the Minister of Labour with the model ratification bill.",
	"Call with the committee clerk about scheduling a hearing.",
}

// Outreach adds n outreach records over the last two years, share of them in
// the state heavy (the dossier target reads it, and sets heavy_iso3 if no
// loader did), the rest spread evenly over the states that have contacts.
// A second organisation, OTHER, writes two records in three; one record in
// five is private to its organisation, so the reader (BENCH) must not see
// OTHER's private ones. Each record concerns one or two instruments and names
// one or two of the state's contacts. Rows go in in date order, as a live
// system writes them. Publishes outreach (the count).
func Outreach(n int, heavy string, share float64) Loader {
	return Loader{Name: fmt.Sprintf("outreach(%d, %s %.0f%%)", n, heavy, share*100), Load: func(ctx context.Context, f *Fixture) error {
		other, err := f.Svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Other Coalition Member", ShortName: "OTHER", Kind: model.OrgTradeUnion})
		if err != nil {
			return err
		}
		var authors [2][]int64 // BENCH's users, OTHER's users
		if err := queryCol(ctx, f.DB, f.Rebind("SELECT id FROM users WHERE organisation_id = ? ORDER BY id"), &authors[0], f.Org.ID); err != nil {
			return err
		}
		for i := range 3 {
			u, _, err := f.Svc.CreateUserCLI(ctx, service.NewUser{Email: fmt.Sprintf("member%d@other.bench.test", i),
				Name: fmt.Sprintf("Other Member %d", i), Role: model.RoleMember, Password: benchPassword}, other.ShortName)
			if err != nil {
				return err
			}
			authors[1] = append(authors[1], u.ID)
		}
		byCountry, isos, err := contactsByCountry(ctx, f)
		if err != nil {
			return err
		}
		if len(byCountry[heavy]) == 0 {
			return fmt.Errorf("no contacts in %s: load contacts first", heavy)
		}
		others := slices.DeleteFunc(slices.Clone(isos), func(s string) bool { return s == heavy })
		var insts []string
		if err := queryCol(ctx, f.DB, "SELECT code FROM instruments ORDER BY position", &insts); err != nil {
			return err
		}
		var base int64
		if err := f.DB.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM outreach").Scan(&base); err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(4, 2026))
		now := time.Now().UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		heavyN := int(float64(n) * share)
		type rec struct {
			row      []any
			insts    []string
			contacts []int64
		}
		recs := make([]rec, n)
		for i := range recs {
			iso := heavy
			if i >= heavyN {
				iso = others[(i-heavyN)%len(others)]
			}
			org, orgID := 1, any(nil)
			if i%3 == 0 {
				org = 0
			}
			if org == 0 {
				orgID = f.Org.ID
			} else {
				orgID = other.ID
			}
			user := authors[org][rng.IntN(len(authors[org]))]
			vis := model.VisibleCoalition
			if rng.IntN(5) == 0 {
				vis = model.VisibleOrganisation
			}
			next := ""
			if rng.IntN(3) == 0 {
				next = "Send the follow-up briefing note."
			}
			date := today.AddDate(0, 0, -rng.IntN(730))
			created := date.Add(time.Duration(9+rng.IntN(9)) * time.Hour)
			r := rec{row: []any{nil, string(model.OutreachTypes[rng.IntN(len(model.OutreachTypes))]), date, iso,
				benchSummaries[rng.IntN(len(benchSummaries))], string(model.Outcomes[rng.IntN(len(model.Outcomes))]), next,
				string(vis), orgID, user, created, created}}
			r.insts = append(r.insts, insts[rng.IntN(len(insts))])
			if rng.IntN(4) == 0 {
				if c := insts[rng.IntN(len(insts))]; c != r.insts[0] {
					r.insts = append(r.insts, c)
				}
			}
			ids := byCountry[iso]
			r.contacts = append(r.contacts, ids[rng.IntN(len(ids))])
			if rng.IntN(2) == 0 {
				if c := ids[rng.IntN(len(ids))]; c != r.contacts[0] {
					r.contacts = append(r.contacts, c)
				}
			}
			recs[i] = r
		}
		slices.SortStableFunc(recs, func(a, b rec) int { return a.row[2].(time.Time).Compare(b.row[2].(time.Time)) })
		rows := make([][]any, n)
		var oi, oc [][]any
		for i := range recs {
			id := base + int64(i) + 1
			recs[i].row[0] = id
			rows[i] = recs[i].row
			for _, c := range recs[i].insts {
				oi = append(oi, []any{id, c})
			}
			for _, c := range recs[i].contacts {
				oc = append(oc, []any{id, c})
			}
		}
		if err := BulkInsert(ctx, f, "outreach", []string{"id", "type", "date", "country_iso3", "summary", "outcome", "next_steps",
			"visibility", "organisation_id", "user_id", "created_at", "updated_at"}, rows); err != nil {
			return err
		}
		if err := BulkInsertLinks(ctx, f, "outreach_instruments", []string{"outreach_id", "instrument_code"}, oi); err != nil {
			return err
		}
		if err := BulkInsertLinks(ctx, f, "outreach_contacts", []string{"outreach_id", "contact_id"}, oc); err != nil {
			return err
		}
		if err := resetSequence(ctx, f, "outreach"); err != nil {
			return err
		}
		if _, ok := f.Vars["heavy_iso3"]; !ok {
			f.Vars["heavy_iso3"] = heavy
		}
		f.Vars["outreach"] = strconv.Itoa(n)
		return nil
	}}
}

// Followups adds n follow-ups: one in ten assigned to the signed-in reader
// (a third of those overdue, for the dashboard), one in twenty on the state
// heavy, the rest over the other states; a quarter done, and one in four
// hanging on an outreach record of its state.
func Followups(n int, heavy string) Loader {
	return Loader{Name: fmt.Sprintf("followups(%d)", n), Load: func(ctx context.Context, f *Fixture) error {
		var users []int64
		if err := queryCol(ctx, f.DB, f.Rebind("SELECT id FROM users WHERE organisation_id = ? ORDER BY id"), &users, f.Org.ID); err != nil {
			return err
		}
		byCountry, isos, err := contactsByCountry(ctx, f)
		if err != nil {
			return err
		}
		// One recent outreach record per state, for the links.
		outreachOf := map[string]int64{}
		rows, err := f.DB.QueryContext(ctx, `SELECT country_iso3, MAX(id) FROM outreach WHERE visibility = 'coalition' GROUP BY country_iso3`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var iso string
			var id int64
			if err := rows.Scan(&iso, &id); err != nil {
				rows.Close()
				return err
			}
			outreachOf[iso] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		titles := []string{"Send the briefing note", "Call back the committee clerk", "Share the model bill",
			"Ask for a meeting with the minister", "Thank-you letter after the meeting"}
		prios := []string{"high", "normal", "low"}
		rng := rand.New(rand.NewPCG(5, 2026))
		now := time.Now().UTC()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		out := make([][]any, n)
		for i := range out {
			iso := isos[rng.IntN(len(isos))]
			if i%20 == 0 {
				iso = heavy
			}
			assignee := users[rng.IntN(len(users))]
			due := today.AddDate(0, 0, rng.IntN(60)-20)
			if i%10 == 0 {
				assignee = f.User.ID
				if i%30 == 0 {
					due = today.AddDate(0, 0, -1-rng.IntN(20))
				}
			}
			status, closed := "open", any(nil)
			if rng.IntN(4) == 0 && i%10 != 0 {
				status, closed = "done", now
			}
			var contact, outreach any
			if ids := byCountry[iso]; len(ids) > 0 {
				contact = ids[rng.IntN(len(ids))]
			}
			if id, ok := outreachOf[iso]; ok && rng.IntN(4) == 0 {
				outreach = id
			}
			out[i] = []any{titles[rng.IntN(len(titles))], due, prios[rng.IntN(len(prios))], status, assignee, users[0], f.Org.ID,
				"coalition", iso, contact, outreach, closed, now, now}
		}
		return BulkInsert(ctx, f, "followups", []string{"title", "due_date", "priority", "status", "assignee_id", "assigned_by_id",
			"organisation_id", "visibility", "country_iso3", "contact_id", "outreach_id", "closed_at", "created_at", "updated_at"}, out)
	}}
}

// contactsByCountry returns live contact ids per state, and the states that
// have any, sorted.
func contactsByCountry(ctx context.Context, f *Fixture) (map[string][]int64, []string, error) {
	rows, err := f.DB.QueryContext(ctx, `SELECT country_iso3, id FROM contacts
		WHERE country_iso3 IS NOT NULL AND deleted_at IS NULL AND erased_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var iso string
		var id int64
		if err := rows.Scan(&iso, &id); err != nil {
			return nil, nil, err
		}
		out[iso] = append(out[iso], id)
	}
	isos := make([]string, 0, len(out))
	for iso := range out {
		isos = append(isos, iso)
	}
	slices.Sort(isos)
	return out, isos, rows.Err()
}

// resetSequence moves a PostgreSQL serial past the ids written explicitly.
func resetSequence(ctx context.Context, f *Fixture, table string) error {
	if f.Dialect != store.Postgres {
		return nil // SQLite's AUTOINCREMENT follows the largest id by itself
	}
	_, err := f.DB.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", table, table))
	return err
}
