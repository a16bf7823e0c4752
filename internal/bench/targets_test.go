package bench_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"ratify/internal/service"
)

// Target is one GET measured through the router, with its baseline: the SQL
// queries alone that the handler needs to answer, run on the same pool.
type Target struct {
	Name  string
	API   bool // Bearer header and JSON; otherwise the session cookie and HTML
	Path  func(tb testing.TB, f *Fixture) string
	Check func(f *Fixture, body []byte) error // functional check of one answer
	Raw   []RawQuery
	// Needs names the facts (Fixture.Vars) a data set must publish for the
	// target to be measured over it; others skip it.
	Needs []string
	// Budget overrides the data set's p95 bar.
	Budget time.Duration
	// Load, when set, measures the target under concurrent clients against
	// a bare net/http baseline instead (concurrent_test.go).
	Load *Load
}

func (tg Target) missing(f *Fixture) string {
	for _, k := range tg.Needs {
		if _, ok := f.Vars[k]; !ok {
			return k
		}
	}
	return ""
}

// RawQuery is one baseline query, with ? placeholders.
type RawQuery struct {
	Name string
	SQL  string
	Args func(f *Fixture) []any
	// MayBeEmpty: the query may read no rows (a list the data set leaves
	// empty); otherwise an empty result fails the run as a broken baseline.
	MayBeEmpty bool
}

func heavyArg(f *Fixture) []any { return []any{f.Vars["heavy_iso3"]} }

// The countries table needs the states (with stage, focal organisation and
// person) and every standing.
var tableBaseline = []RawQuery{
	{Name: "countries", SQL: `SELECT c.*, s.name, s.position, o.name, o.short_name, u.name
		FROM countries c
		LEFT JOIN campaign_stages s ON s.id = c.stage_id
		LEFT JOIN organisations o ON o.id = c.focal_organisation_id
		LEFT JOIN users u ON u.id = c.focal_user_id
		ORDER BY c.name`},
	{Name: "ratifications", SQL: `SELECT * FROM ratifications`},
}

// A dossier needs the state, its standings and, per instrument, the length
// newest events (service.DossierEvents, and one more to know whether there are
// older ones) with their actors' names.
var dossierBaseline = func() []RawQuery {
	q := []RawQuery{
		{Name: "country", Args: heavyArg, SQL: `SELECT c.*, s.name, s.position, o.name, o.short_name, u.name
		FROM countries c
		LEFT JOIN campaign_stages s ON s.id = c.stage_id
		LEFT JOIN organisations o ON o.id = c.focal_organisation_id
		LEFT JOIN users u ON u.id = c.focal_user_id
		WHERE c.iso3 = ?`},
		{Name: "instruments", SQL: `SELECT * FROM instruments ORDER BY position, code`},
		{Name: "ratifications", Args: heavyArg, SQL: `SELECT * FROM ratifications WHERE country_iso3 = ?`},
	}
	for _, code := range []string{"ICRMW", "C097", "C143", "C189"} {
		args := func(f *Fixture) []any { return []any{f.Vars["heavy_iso3"], code} }
		q = append(q,
			RawQuery{Name: "events " + code, Args: args, SQL: `SELECT e.*, u.name FROM ratification_events e
		LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.country_iso3 = ? AND e.instrument_code = ? ORDER BY e.at DESC, e.id DESC LIMIT 21`})
	}
	return q
}()

// Targets lists what is measured over every data set.
var Targets = []Target{
	{
		Name: "countries-html",
		Path: func(testing.TB, *Fixture) string { return "/countries" },
		Check: func(f *Fixture, body []byte) error {
			return contains(body, "<table", "Philippines", "Zimbabwe")
		},
		Raw: tableBaseline,
	},
	{
		Name: "countries-json", API: true,
		Path: func(testing.TB, *Fixture) string { return "/api/v1/countries" },
		Check: func(f *Fixture, body []byte) error {
			var out struct {
				Items []struct {
					ISO3          string
					Ratifications map[string]struct{ Status string }
				}
				Total int
			}
			if err := json.Unmarshal(body, &out); err != nil {
				return err
			}
			if out.Total < 190 || len(out.Items) != out.Total {
				return fmt.Errorf("%d items, total %d: want every state", len(out.Items), out.Total)
			}
			for _, it := range out.Items {
				if it.ISO3 == "PHL" && it.Ratifications["ICRMW"].Status != "ratified" {
					return fmt.Errorf("PHL ICRMW is %q, want ratified", it.Ratifications["ICRMW"].Status)
				}
			}
			return nil
		},
		Raw: tableBaseline,
	},
	{
		Name: "dossier-html",
		Path: func(tb testing.TB, f *Fixture) string { return "/countries/" + f.Var(tb, "heavy_iso3") },
		Check: func(f *Fixture, body []byte) error {
			want := []string{"History (", "Coordinator 1", "Bench note"}
			if _, ok := f.Vars["outreach"]; ok {
				want = append(want, "outreach records for")
			}
			return contains(body, want...)
		},
		// The page also lists the state's institutions, people, outreach
		// and follow-ups (server.dossierActivity); the JSON dossier does not.
		Raw: append(slices.Clone(dossierBaseline), dossierActivityBaseline...),
	},
	{
		Name: "dossier-json", API: true,
		Path: func(tb testing.TB, f *Fixture) string { return "/api/v1/countries/" + f.Var(tb, "heavy_iso3") },
		Check: func(f *Fixture, body []byte) error {
			var out struct {
				ISO3      string
				Standings []struct{ Events []json.RawMessage }
			}
			if err := json.Unmarshal(body, &out); err != nil {
				return err
			}
			n := 0
			for _, s := range out.Standings {
				n += len(s.Events)
			}
			if out.ISO3 != f.Vars["heavy_iso3"] || n != 4*service.DossierEvents {
				return fmt.Errorf("%s with %d events, want %s with the %d newest of each instrument", out.ISO3, n, f.Vars["heavy_iso3"], service.DossierEvents)
			}
			return nil
		},
		Raw: dossierBaseline,
	},
	dashboardTarget,
	contactSearchTarget,
	contactTypingTarget,
}

func contains(body []byte, wants ...string) error {
	var errs []error
	for _, w := range wants {
		if !bytes.Contains(body, []byte(w)) {
			errs = append(errs, fmt.Errorf("answer lacks %q", w))
		}
	}
	return errors.Join(errs...)
}
