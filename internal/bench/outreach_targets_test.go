package bench_test

import (
	"testing"
	"time"
)

// Issue 4's page targets: the dashboard (GET /) and the dossier
// (GET /countries/{iso3}, targets_test.go), which now also show outreach.
// Their baselines are the queries the handlers run (read from the store, and
// checked against PostgreSQL's statement log), with GORM's preloads written
// as joins or as IN (subquery) the way issue 3's baselines are; the two
// session queries of authentication are left out of every baseline.

// visibleOutreach is the privacy rule of store.visibleOutreach; its one
// argument is the viewer's organisation.
const visibleOutreach = `o.deleted_at IS NULL AND (o.visibility = 'coalition' OR o.organisation_id = ?)`

func orgArg(f *Fixture) []any { return []any{f.Org.ID} }

func orgHeavyArgs(f *Fixture) []any { return []any{f.Org.ID, f.Vars["heavy_iso3"]} }

func today() time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// dashboardBaseline: service.Dashboard (the countries table, this year's new
// parties, the latest changes), the stages for the map, and
// service.DashboardOutreach (outreach per month over 12 months from the
// counts kept by triggers, the 6 newest records, the reader's open
// follow-ups with their total, and the states with outreach in the last 90
// days).
var dashboardBaseline = func() []RawQuery {
	q := []RawQuery{{Name: "instruments", SQL: `SELECT * FROM instruments ORDER BY position, code`}}
	q = append(q, tableBaseline...)
	return append(q,
		RawQuery{Name: "parties this year", MayBeEmpty: true, Args: func(*Fixture) []any { return []any{time.Date(time.Now().UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)} },
			SQL: `SELECT instrument_code, count(*) AS n FROM ratifications WHERE status IN ('ratified','acceded','succeeded') AND ratification_date >= ? GROUP BY instrument_code`},
		RawQuery{Name: "latest events", SQL: `SELECT e.*, u.name FROM ratification_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.actor_id IS NOT NULL ORDER BY e.at DESC, e.id DESC LIMIT 10`},
		RawQuery{Name: "stages", SQL: `SELECT * FROM campaign_stages ORDER BY position, id`},
		RawQuery{Name: "outreach per month", MayBeEmpty: true,
			Args: func(f *Fixture) []any {
				t := today()
				return []any{time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0).Format("2006-01"), f.Org.ID}
			},
			SQL: `SELECT month, SUM(n) AS n FROM outreach_month_counts WHERE month >= ? AND (visibility = 'coalition' OR organisation_id = ?) GROUP BY month`},
		RawQuery{Name: "recent outreach", MayBeEmpty: true, Args: orgArg, SQL: `SELECT o.*, g.name, g.short_name, u.name, c.name FROM outreach o
		JOIN organisations g ON g.id = o.organisation_id JOIN users u ON u.id = o.user_id LEFT JOIN countries c ON c.iso3 = o.country_iso3
		WHERE ` + visibleOutreach + ` ORDER BY o.date DESC, o.id DESC LIMIT 6`},
		RawQuery{Name: "recent outreach contacts", MayBeEmpty: true, Args: orgArg, SQL: `SELECT oc.outreach_id, k.* FROM outreach_contacts oc
		JOIN contacts k ON k.id = oc.contact_id
		WHERE oc.outreach_id IN (SELECT o.id FROM outreach o WHERE ` + visibleOutreach + ` ORDER BY o.date DESC, o.id DESC LIMIT 6)`},
		RawQuery{Name: "recent outreach instruments", MayBeEmpty: true, Args: orgArg, SQL: `SELECT oi.* FROM outreach_instruments oi
		WHERE oi.outreach_id IN (SELECT o.id FROM outreach o WHERE ` + visibleOutreach + ` ORDER BY o.date DESC, o.id DESC LIMIT 6)`},
		RawQuery{Name: "my open follow-ups total", Args: func(f *Fixture) []any { return []any{f.Org.ID, f.Org.ID, f.User.ID} },
			SQL: `SELECT count(*) FROM followups fu WHERE (fu.visibility = 'coalition' OR fu.organisation_id = ?)
		AND (fu.outreach_id IS NULL OR EXISTS (SELECT 1 FROM outreach o WHERE o.id = fu.outreach_id AND (o.visibility = 'coalition' OR o.organisation_id = ?)))
		AND fu.assignee_id = ? AND fu.status = 'open'`},
		RawQuery{Name: "my open follow-ups", MayBeEmpty: true, Args: func(f *Fixture) []any { return []any{f.Org.ID, f.Org.ID, f.User.ID} },
			SQL: `SELECT fu.*, a.name, b.name, k.first_name, k.last_name, c.name FROM followups fu
		JOIN users a ON a.id = fu.assignee_id JOIN users b ON b.id = fu.assigned_by_id
		LEFT JOIN contacts k ON k.id = fu.contact_id LEFT JOIN countries c ON c.iso3 = fu.country_iso3
		WHERE (fu.visibility = 'coalition' OR fu.organisation_id = ?)
		AND (fu.outreach_id IS NULL OR EXISTS (SELECT 1 FROM outreach o WHERE o.id = fu.outreach_id AND (o.visibility = 'coalition' OR o.organisation_id = ?)))
		AND fu.assignee_id = ? AND fu.status = 'open' ORDER BY fu.due_date, fu.id LIMIT 200`},
		RawQuery{Name: "states with recent outreach", MayBeEmpty: true, Args: func(f *Fixture) []any { return []any{f.Org.ID, today().AddDate(0, 0, -90)} },
			SQL: `SELECT c.iso3 FROM countries c WHERE EXISTS (SELECT 1 FROM outreach o WHERE o.country_iso3 = c.iso3 AND ` + visibleOutreach + ` AND o.date >= ?)`},
	)
}()

// dossierActivityBaseline is what server.dossierActivity adds to the
// dossier: the state's institutions, people, outreach timeline and open
// follow-ups, each one page with its total.
var dossierActivityBaseline = []RawQuery{
	{Name: "institutions total", Args: heavyArg, SQL: `SELECT count(*) FROM institutions WHERE country_iso3 = ?`},
	{Name: "institutions", MayBeEmpty: true, Args: heavyArg, SQL: `SELECT i.*, p.name FROM institutions i LEFT JOIN institutions p ON p.id = i.parent_id
		WHERE i.country_iso3 = ? ORDER BY i.country_iso3, i.name, i.id LIMIT 30`},
	{Name: "contacts total", Args: heavyArg, SQL: `SELECT count(*) FROM contacts k WHERE k.deleted_at IS NULL AND k.erased_at IS NULL AND k.country_iso3 = ?`},
	{Name: "contacts", MayBeEmpty: true, Args: heavyArg, SQL: `SELECT k.*, c.name FROM contacts k LEFT JOIN countries c ON c.iso3 = k.country_iso3
		WHERE k.deleted_at IS NULL AND k.erased_at IS NULL AND k.country_iso3 = ? ORDER BY k.sort_name, k.id LIMIT 30`},
	{Name: "contacts' emails and tags", MayBeEmpty: true, Args: func(f *Fixture) []any { return []any{f.Vars["heavy_iso3"], f.Vars["heavy_iso3"]} },
		SQL: `SELECT e.contact_id, e.email, e.label, e.position, NULL FROM contact_emails e WHERE e.contact_id IN (SELECT k.id FROM contacts k
		WHERE k.deleted_at IS NULL AND k.erased_at IS NULL AND k.country_iso3 = ? ORDER BY k.sort_name, k.id LIMIT 30)
		UNION ALL SELECT t.contact_id, NULL, NULL, NULL, t.tag FROM contact_tags t WHERE t.contact_id IN (SELECT k.id FROM contacts k
		WHERE k.deleted_at IS NULL AND k.erased_at IS NULL AND k.country_iso3 = ? ORDER BY k.sort_name, k.id LIMIT 30)`},
	{Name: "outreach total", Args: orgHeavyArgs, SQL: `SELECT count(*) FROM outreach o WHERE ` + visibleOutreach + ` AND o.country_iso3 = ?`},
	{Name: "outreach", MayBeEmpty: true, Args: orgHeavyArgs, SQL: `SELECT o.*, g.name, g.short_name, u.name, c.name FROM outreach o
		JOIN organisations g ON g.id = o.organisation_id JOIN users u ON u.id = o.user_id LEFT JOIN countries c ON c.iso3 = o.country_iso3
		WHERE ` + visibleOutreach + ` AND o.country_iso3 = ? ORDER BY o.date DESC, o.id DESC LIMIT 15`},
	{Name: "outreach contacts", MayBeEmpty: true, Args: orgHeavyArgs, SQL: `SELECT oc.outreach_id, k.* FROM outreach_contacts oc
		JOIN contacts k ON k.id = oc.contact_id
		WHERE oc.outreach_id IN (SELECT o.id FROM outreach o WHERE ` + visibleOutreach + ` AND o.country_iso3 = ? ORDER BY o.date DESC, o.id DESC LIMIT 15)`},
	{Name: "outreach instruments", MayBeEmpty: true, Args: orgHeavyArgs, SQL: `SELECT oi.* FROM outreach_instruments oi
		WHERE oi.outreach_id IN (SELECT o.id FROM outreach o WHERE ` + visibleOutreach + ` AND o.country_iso3 = ? ORDER BY o.date DESC, o.id DESC LIMIT 15)`},
	{Name: "follow-ups total", Args: func(f *Fixture) []any { return []any{f.Org.ID, f.Org.ID, f.Vars["heavy_iso3"]} },
		SQL: `SELECT count(*) FROM followups fu WHERE (fu.visibility = 'coalition' OR fu.organisation_id = ?)
		AND (fu.outreach_id IS NULL OR EXISTS (SELECT 1 FROM outreach o WHERE o.id = fu.outreach_id AND (o.visibility = 'coalition' OR o.organisation_id = ?)))
		AND fu.status = 'open' AND fu.country_iso3 = ?`},
	{Name: "follow-ups", MayBeEmpty: true, Args: func(f *Fixture) []any { return []any{f.Org.ID, f.Org.ID, f.Vars["heavy_iso3"]} },
		SQL: `SELECT fu.*, a.name, b.name, k.first_name, k.last_name, c.name FROM followups fu
		JOIN users a ON a.id = fu.assignee_id JOIN users b ON b.id = fu.assigned_by_id
		LEFT JOIN contacts k ON k.id = fu.contact_id LEFT JOIN countries c ON c.iso3 = fu.country_iso3
		WHERE (fu.visibility = 'coalition' OR fu.organisation_id = ?)
		AND (fu.outreach_id IS NULL OR EXISTS (SELECT 1 FROM outreach o WHERE o.id = fu.outreach_id AND (o.visibility = 'coalition' OR o.organisation_id = ?)))
		AND fu.status = 'open' AND fu.country_iso3 = ? ORDER BY fu.due_date, fu.id LIMIT 50`},
}

// dashboardTarget is GET /, as a signed-in coalition member sees it.
var dashboardTarget = Target{
	Name: "dashboard-html",
	Path: func(testing.TB, *Fixture) string { return "/" },
	Check: func(f *Fixture, body []byte) error {
		want := []string{"Outreach per month", "Recent outreach"}
		if _, ok := f.Vars["outreach"]; ok {
			want = append(want, "in the last 12 months", `<ul class="timeline">`)
		}
		return contains(body, want...)
	},
	Raw: dashboardBaseline,
}
