package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
	"ratify/migrations"
)

// This file tests the countries and ratification tracker through the JSON
// API and the CSV export: the loaded reference data, the filters, recording
// changes with their history and audit, the campaign fields, the admin lists,
// permissions, bad input, and importing an official list.

// ---- helpers ---------------------------------------------------------------

type trRatJSON struct {
	Status                string  `json:"status"`
	SignatureDate         *string `json:"signature_date"`
	SignaturePrecision    string  `json:"signature_precision"`
	RatificationDate      *string `json:"ratification_date"`
	RatificationPrecision string  `json:"ratification_precision"`
	Notes                 string  `json:"notes"`
	Source                string  `json:"source"`
	AsOf                  *string `json:"as_of"`
}

type trCountryJSON struct {
	ISO3              string               `json:"iso3"`
	ISO2              string               `json:"iso2"`
	Name              string               `json:"name"`
	Region            string               `json:"region"`
	Subregion         string               `json:"subregion"`
	Priority          string               `json:"priority"`
	Stage             *string              `json:"stage"`
	StageID           *int64               `json:"stage_id"`
	FocalOrganisation *string              `json:"focal_organisation"`
	FocalOrgID        *int64               `json:"focal_organisation_id"`
	Ratifications     map[string]trRatJSON `json:"ratifications"`
}

type trEventJSON struct {
	ID         int64  `json:"id"`
	ActorID    *int64 `json:"actor_id"`
	ActorName  string `json:"actor_name"`
	FromStatus string `json:"from_status"`
	ToStatus   string `json:"to_status"`
	Changes    string `json:"changes"`
	Source     string `json:"source"`
	Note       string `json:"note"`
}

type trDossierJSON struct {
	trCountryJSON
	FocalUserID  *int64  `json:"focal_user_id"`
	FocalUser    *string `json:"focal_user"`
	NextStep     string  `json:"next_step"`
	NextStepDate *string `json:"next_step_date"`
	Notes        string  `json:"notes"`
	Standings    []struct {
		trRatJSON
		Instrument string        `json:"instrument"`
		Events     []trEventJSON `json:"events"`
	} `json:"standings"`
}

type trStageJSON struct {
	ID       int64  `json:"id"`
	Position int    `json:"position"`
	Name     string `json:"name"`
}

// trCountries lists the countries for a query string and returns them by ISO3.
func trCountries(t *testing.T, e *env, query, token string) (map[string]trCountryJSON, []string) {
	t.Helper()
	res := e.do("GET", "/api/v1/countries?"+query, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/countries?%s: %d %s", query, res.Status, trClip(res.Body))
	}
	var body struct {
		Items []trCountryJSON `json:"items"`
		Total int             `json:"total"`
	}
	res.decode(t, &body)
	if body.Total != len(body.Items) {
		t.Errorf("?%s: total %d for %d items", query, body.Total, len(body.Items))
	}
	out := map[string]trCountryJSON{}
	var order []string
	for _, c := range body.Items {
		out[c.ISO3] = c
		order = append(order, c.ISO3)
	}
	return out, order
}

func trDossier(t *testing.T, e *env, iso3, token string) trDossierJSON {
	t.Helper()
	res := e.do("GET", "/api/v1/countries/"+iso3, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/countries/%s: %d %s", iso3, res.Status, trClip(res.Body))
	}
	var d trDossierJSON
	res.decode(t, &d)
	return d
}

func trEvents(t *testing.T, e *env, iso3, code, token string) []trEventJSON {
	t.Helper()
	res := e.do("GET", "/api/v1/countries/"+iso3+"/ratifications/"+code+"/events", token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("events %s/%s: %d %s", iso3, code, res.Status, trClip(res.Body))
	}
	var body struct {
		Items []trEventJSON `json:"items"`
	}
	res.decode(t, &body)
	return body.Items
}

func trStages(t *testing.T, e *env) []trStageJSON {
	t.Helper()
	res := e.do("GET", "/api/v1/stages", e.token("viewer@a.test"), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/stages: %d %s", res.Status, trClip(res.Body))
	}
	var body struct {
		Items []trStageJSON `json:"items"`
	}
	res.decode(t, &body)
	return body.Items
}

func trClip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// trWantError checks an API error answer: status, code and, when field is
// not empty, that the fields name it.
func trWantError(t *testing.T, what string, res response, status int, code, field string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d: %s", what, res.Status, status, trClip(res.Body))
		return
	}
	var b struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.Body), &b); err != nil {
		t.Errorf("%s: error answer is not JSON: %s", what, trClip(res.Body))
		return
	}
	if b.Error.Code != code || b.Error.Message == "" {
		t.Errorf("%s: code %q (message %q), want %q", what, b.Error.Code, b.Error.Message, code)
	}
	if field != "" {
		if msg, ok := b.Error.Fields[field]; !ok || msg == "" {
			t.Errorf("%s: fields %v do not name %q", what, b.Error.Fields, field)
		}
	}
}

// trSQLCount counts rows with a constant query.
func trSQLCount(t *testing.T, e *env, q string) int64 {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// trCounts is the number of events, ratification rows and audit rows.
type trCounts struct{ events, rats, audit int64 }

func trCount(t *testing.T, e *env) trCounts {
	t.Helper()
	return trCounts{
		events: trSQLCount(t, e, "SELECT count(*) FROM ratification_events"),
		rats:   trSQLCount(t, e, "SELECT count(*) FROM ratifications"),
		audit:  trSQLCount(t, e, "SELECT count(*) FROM audit_log"),
	}
}

// trState fingerprints everything the tracker can change: the counts, every
// ratification, every country's campaign fields, the stages and instruments.
func trState(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	c := trCount(t, e)
	fmt.Fprintf(&b, "events=%d ratifications=%d audit=%d\n", c.events, c.rats, c.audit)
	rats, err := e.st.AllRatifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rats, func(i, j int) bool { return rats[i].ID < rats[j].ID })
	for _, r := range rats {
		fmt.Fprintf(&b, "rat %d %s/%s %s sig=%s/%s rat=%s/%s eif=%s/%s notes=%q source=%q asof=%v by=%v at=%s\n",
			r.ID, r.CountryISO3, r.InstrumentCode, r.Status, r.Signature().ISO(), r.SignaturePrecision,
			r.Ratified().ISO(), r.RatificationPrecision, r.InForce().ISO(), r.EntryIntoForcePrecision,
			r.Notes, r.Source, trTime(r.AsOf), trID(r.UpdatedByID), r.UpdatedAt.UTC().Format(time.RFC3339Nano))
	}
	countries, err := e.st.ListCountries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range countries {
		fmt.Fprintf(&b, "country %s %s stage=%s org=%s user=%s next=%q %s notes=%q by=%s at=%s\n", c.ISO3, c.Priority,
			trID(c.StageID), trID(c.FocalOrganisationID), trID(c.FocalUserID), c.NextStep, trTime(c.NextStepDate), c.Notes,
			trID(c.UpdatedByID), trTime(c.UpdatedAt))
	}
	stages, err := e.st.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stages {
		fmt.Fprintf(&b, "stage %d %d %q\n", s.ID, s.Position, s.Name)
	}
	insts, err := e.st.ListInstruments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range insts {
		fmt.Fprintf(&b, "instrument %s %s %q %d\n", in.Code, in.Kind, in.Title, in.Position)
	}
	return b.String()
}

func trTime(p *time.Time) string {
	if p == nil {
		return "-"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

func trID(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// trUnchanged fails when the tracker's state differs from before.
func trUnchanged(t *testing.T, e *env, what, before string) {
	t.Helper()
	after := trState(t, e)
	if after == before {
		return
	}
	was := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		was[l] = true
	}
	var added []string
	for _, l := range strings.Split(after, "\n") {
		if !was[l] {
			added = append(added, l)
		}
	}
	t.Errorf("%s changed the database; new or changed lines:\n%s", what, strings.Join(added, "\n"))
}

// trData reads an embedded reference file.
func trData(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := migrations.Data.Open("data/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := store.ReadCSVRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// trParties returns the ISO3 codes of a reference file's rows that are
// parties (ICRMW: ratification, accession, succession; ILO: not denounced),
// and of the ICRMW signature-only rows.
func trParties(t *testing.T, file string) (parties, signed map[string]bool) {
	t.Helper()
	parties, signed = map[string]bool{}, map[string]bool{}
	for _, r := range trData(t, file) {
		switch {
		case r["action"] == "signature_only":
			signed[r["iso3"]] = true
		case r["action"] != "" || r["status"] != "denounced":
			parties[r["iso3"]] = true
		}
	}
	return parties, signed
}

func trKeys(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func trSortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- loaded data, filters, reads --------------------------------------------

func TestTrackerAPIReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		viewer := e.token("viewer@b.test")
		allCountries := trData(t, "countries.csv")
		icrmwParties, icrmwSigned := trParties(t, "icrmw.csv")
		if len(icrmwParties) != 59 || len(icrmwSigned) != 11 {
			t.Fatalf("icrmw.csv: %d parties, %d signed only; want 59 and 11", len(icrmwParties), len(icrmwSigned))
		}

		t.Run("loaded data", func(t *testing.T) {
			all, _ := trCountries(t, e, "", viewer)
			if len(all) != 195 || len(all) != len(allCountries) {
				t.Fatalf("%d countries, want 195", len(all))
			}
			parties, signed := map[string]bool{}, map[string]bool{}
			for iso, c := range all {
				if len(c.Ratifications) != 4 {
					t.Errorf("%s has ratifications for %v", iso, trSortedKeys(c.Ratifications))
				}
				for code, r := range c.Ratifications {
					if r.Status != "none" && strings.TrimSpace(r.Source) == "" {
						t.Errorf("%s/%s (%s) has no source", iso, code, r.Status)
					}
				}
				switch c.Ratifications["ICRMW"].Status {
				case "ratified", "acceded", "succeeded":
					parties[iso] = true
				case "signed":
					signed[iso] = true
				}
			}
			if !slices.Equal(trKeys(parties), trKeys(icrmwParties)) || !slices.Equal(trKeys(signed), trKeys(icrmwSigned)) {
				t.Errorf("ICRMW parties %d / signed %d differ from the data file", len(parties), len(signed))
			}
			moz := all["MOZ"].Ratifications["ICRMW"]
			if moz.Status != "ratified" || moz.RatificationDate == nil || *moz.RatificationDate != "2013" || moz.RatificationPrecision != "year" ||
				moz.SignatureDate == nil || *moz.SignatureDate != "2012-03-15" || moz.SignaturePrecision != "day" {
				t.Errorf("MOZ/ICRMW = %+v", moz)
			}
			if moz.AsOf == nil || *moz.AsOf != "2023-09-26" {
				t.Errorf("MOZ/ICRMW as of %v", moz.AsOf)
			}
			if ken := all["KEN"].Ratifications["ICRMW"]; ken.Status != "none" || ken.SignatureDate != nil || ken.RatificationDate != nil {
				t.Errorf("KEN/ICRMW = %+v", ken)
			}
			// Year-only ILO dates keep their precision too.
			for _, r := range trData(t, "ilo_c143.csv") {
				got := all[r["iso3"]].Ratifications["C143"]
				date := ""
				if got.RatificationDate != nil {
					date = *got.RatificationDate
				}
				if date != r["ratification_date"] || got.RatificationPrecision != r["ratification_precision"] {
					t.Errorf("%s/C143 = %q (%s), file %q (%s)", r["iso3"], date, got.RatificationPrecision, r["ratification_date"], r["ratification_precision"])
				}
			}

			// The dossier: one event per loaded row, from the reference file.
			d := trDossier(t, e, "MOZ", viewer)
			for _, s := range d.Standings {
				want := 0
				if s.Status != "none" {
					want = 1
				}
				if len(s.Events) != want {
					t.Errorf("MOZ/%s has %d events, want %d", s.Instrument, len(s.Events), want)
				}
				for _, ev := range s.Events {
					if ev.ActorID != nil || ev.FromStatus != "none" || ev.ToStatus != s.Status || ev.Source != s.Source ||
						!strings.HasPrefix(ev.Note, "loaded from the reference data file ") {
						t.Errorf("MOZ/%s loaded event = %+v", s.Instrument, ev)
					}
				}
			}
			evs := trEvents(t, e, "MOZ", "ICRMW", viewer)
			if len(evs) != 1 || evs[0].Note != "loaded from the reference data file icrmw.csv" || strings.Contains(evs[0].Changes, "2013-01-01") {
				t.Errorf("MOZ/ICRMW events = %+v", evs)
			}

			res := e.do("GET", "/api/v1/instruments", viewer, nil)
			var insts struct {
				Items []struct{ Code, Kind, Title string }
			}
			res.decode(t, &insts)
			var got []string
			for _, in := range insts.Items {
				got = append(got, in.Code+":"+in.Kind)
			}
			if want := []string{"ICRMW:un_treaty", "C097:ilo_convention", "C143:ilo_convention", "C189:ilo_convention"}; !slices.Equal(got, want) {
				t.Errorf("instruments = %v, want %v", got, want)
			}
			var names []string
			for _, s := range trStages(t, e) {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, store.RefStages) {
				t.Errorf("stages = %q, want %q", names, store.RefStages)
			}
		})

		t.Run("filters", func(t *testing.T) {
			byRegion := map[string]map[string]bool{}
			bySub := map[string]map[string]bool{}
			for _, r := range allCountries {
				if byRegion[r["un_region"]] == nil {
					byRegion[r["un_region"]] = map[string]bool{}
				}
				byRegion[r["un_region"]][r["iso3"]] = true
				if bySub[r["un_subregion"]] == nil {
					bySub[r["un_subregion"]] = map[string]bool{}
				}
				bySub[r["un_subregion"]][r["iso3"]] = true
			}
			c097, _ := trParties(t, "ilo_c097.csv")
			c143, _ := trParties(t, "ilo_c143.csv")
			notParty := map[string]bool{}
			none := map[string]bool{}
			for _, r := range allCountries {
				notParty[r["iso3"]] = !icrmwParties[r["iso3"]]
				none[r["iso3"]] = !icrmwParties[r["iso3"]] && !icrmwSigned[r["iso3"]]
			}
			partyOrSigned := map[string]bool{}
			for k := range icrmwParties {
				partyOrSigned[k] = true
			}
			for k := range icrmwSigned {
				partyOrSigned[k] = true
			}
			c097NotC143 := map[string]bool{}
			for k := range c097 {
				c097NotC143[k] = !c143[k]
			}
			africaParties := map[string]bool{}
			for k := range icrmwParties {
				africaParties[k] = byRegion["Africa"][k]
			}
			cases := []struct {
				query string
				want  map[string]bool
			}{
				{"region=Africa", byRegion["Africa"]},
				{"region=europe", byRegion["Europe"]},
				{"subregion=Northern+Africa", bySub["Northern Africa"]},
				{"subregion=Western+Asia", bySub["Western Asia"]},
				{"instrument=ICRMW&status=party", icrmwParties},
				{"instrument=icrmw&status=party", icrmwParties},
				{"instrument=ICRMW&status=signed", icrmwSigned},
				{"instrument=ICRMW&status=not_party", notParty},
				{"instrument=ICRMW&status=none", none},
				{"instrument=ICRMW&status=party,signed", partyOrSigned},
				{"status_ICRMW=party", icrmwParties},
				{"status_C097=party&status_C143=not_party", c097NotC143},
				{"region=Africa&instrument=ICRMW&status=party", africaParties},
				{"q=cote", map[string]bool{"CIV": true}},
				{"q=C%C3%94TE", map[string]bool{"CIV": true}},
				{"q=d%27ivoire", map[string]bool{"CIV": true}},
				{"q=civ", map[string]bool{"CIV": true}},
				{"q=nowhere", map[string]bool{}},
				{"stage=99999", map[string]bool{}},
			}
			if n := len(trKeys(c097NotC143)); n == 0 || n == len(trKeys(c097)) {
				t.Fatalf("the C097-not-C143 case proves nothing: %d states", n)
			}
			for _, c := range cases {
				got, _ := trCountries(t, e, c.query, viewer)
				if g, w := trSortedKeys(got), trKeys(c.want); !slices.Equal(g, w) {
					t.Errorf("?%s: %d states %v, want %d %v", c.query, len(g), trClipList(g), len(w), trClipList(w))
				}
			}
			if got, _ := trCountries(t, e, "instrument=ICRMW&status=party", viewer); len(got) != 59 {
				t.Errorf("ICRMW parties = %d, want 59", len(got))
			}
			if got, _ := trCountries(t, e, "instrument=ICRMW&status=signed", viewer); len(got) != 11 {
				t.Errorf("ICRMW signed only = %d, want 11", len(got))
			}

			// Campaign filters: set some fields, then filter by them.
			coord := e.token("coordinator@a.test")
			stages := trStages(t, e)
			dialogue := stages[2].ID
			for iso, body := range map[string]map[string]any{
				"KEN": {"priority": "high", "stage_id": dialogue, "focal_organisation_id": e.orgA.ID},
				"MOZ": {"priority": "high", "stage_id": dialogue},
				"PER": {"priority": "medium", "focal_organisation_id": e.orgB.ID},
			} {
				if res := e.do("PATCH", "/api/v1/countries/"+iso, coord, body); res.Status != 200 {
					t.Fatalf("PATCH %s: %d %s", iso, res.Status, trClip(res.Body))
				}
			}
			for q, want := range map[string][]string{
				"priority=high":   {"KEN", "MOZ"},
				"priority=medium": {"PER"},
				"stage=" + strconv.FormatInt(dialogue, 10):                        {"KEN", "MOZ"},
				"focal_organisation=" + strconv.FormatInt(e.orgA.ID, 10):          {"KEN"},
				"priority=high&instrument=ICRMW&status=party":                     {"MOZ"},
				"priority=high&stage=" + strconv.FormatInt(dialogue, 10) + "&q=k": {"KEN"},
			} {
				got, _ := trCountries(t, e, q, viewer)
				if g := trSortedKeys(got); !slices.Equal(g, want) {
					t.Errorf("?%s = %v, want %v", q, g, want)
				}
			}
			if got, _ := trCountries(t, e, "priority=none", viewer); len(got) != 192 {
				t.Errorf("priority=none: %d states, want 192", len(got))
			}
			ken, _ := trCountries(t, e, "q=kenya", viewer)
			if k := ken["KEN"]; k.Stage == nil || *k.Stage != "Dialogue" || k.FocalOrganisation == nil || *k.FocalOrganisation != "A" || k.Priority != "high" {
				t.Errorf("KEN in the list = %+v", k)
			}

			// Sorting.
			_, order := trCountries(t, e, "sort=name&dir=desc", viewer)
			if order[0] != "ZWE" || order[len(order)-1] != "AFG" {
				t.Errorf("name desc: first %s, last %s", order[0], order[len(order)-1])
			}
			_, order = trCountries(t, e, "sort=ICRMW", viewer)
			for i, iso := range order {
				if (i < 59) != icrmwParties[iso] {
					t.Errorf("sort=ICRMW: %s at %d", iso, i)
					break
				}
			}
			_, order = trCountries(t, e, "sort=priority", viewer)
			if !slices.Equal(order[:3], []string{"KEN", "MOZ", "PER"}) {
				t.Errorf("sort=priority starts %v", order[:3])
			}
		})

		t.Run("bad filter values", func(t *testing.T) {
			long := strings.Repeat("a", 101)
			for _, c := range []struct{ query, field string }{
				{"instrument=XYZ&status=party", "instrument"},
				{"status_XYZ=party", "instrument"},
				{"status=party", "instrument"},
				{"instrument=ICRMW&status=bogus", "status"},
				{"instrument=ICRMW&status=party,ratifed", "status"},
				{"status_C097=signedd", "status"},
				{"priority=urgent", "priority"},
				{"priority=HIGH", "priority"},
				{"stage=abc", "stage"},
				{"stage=-1", "stage"},
				{"stage=0", "stage"},
				{"focal_organisation=x", "focal_organisation"},
				{"sort=population", "sort"},
				{"sort=C999", "sort"},
				{"dir=up", "dir"},
				{"q=" + long, "q"},
				{"region=" + long, "region"},
			} {
				res := e.do("GET", "/api/v1/countries?"+c.query, viewer, nil)
				trWantError(t, "?"+trClipString(c.query), res, http.StatusBadRequest, "invalid", c.field)
			}
		})

		t.Run("one country", func(t *testing.T) {
			for _, p := range []string{"KEN", "ken", "Ken"} {
				d := trDossier(t, e, p, viewer)
				if d.ISO3 != "KEN" || d.Name != "Kenya" || len(d.Standings) != 4 {
					t.Errorf("/countries/%s = %s %s with %d standings", p, d.ISO3, d.Name, len(d.Standings))
				}
			}
			for _, p := range []string{
				"/api/v1/countries/XXX", "/api/v1/countries/KENYA", "/api/v1/countries/KE", "/api/v1/countries/%20KE",
				"/api/v1/countries/XXX/ratifications/ICRMW/events",
				"/api/v1/countries/KEN/ratifications/C999/events",
				"/api/v1/countries/KEN/ratifications/" + strings.Repeat("C", 40) + "/events",
			} {
				trWantError(t, p, e.do("GET", p, viewer, nil), http.StatusNotFound, "not_found", "")
			}
			coord := e.token("coordinator@a.test")
			before := trState(t, e)
			body := map[string]any{"status": "signed", "signature_date": "2020-01-01", "source": "x"}
			trWantError(t, "PUT unknown instrument", e.do("PUT", "/api/v1/countries/KEN/ratifications/C999", coord, body), http.StatusNotFound, "not_found", "")
			trWantError(t, "PUT unknown country", e.do("PUT", "/api/v1/countries/XXX/ratifications/ICRMW", coord, body), http.StatusNotFound, "not_found", "")
			trWantError(t, "PATCH unknown country", e.do("PATCH", "/api/v1/countries/XXX", coord, map[string]any{"priority": "high"}), http.StatusNotFound, "not_found", "")
			trUnchanged(t, e, "requests for unknown records", before)
		})
	})
}

func trClipList(s []string) []string {
	if len(s) > 12 {
		return append(s[:12:12], "…")
	}
	return s
}

func trClipString(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ---- writes ------------------------------------------------------------------

func TestTrackerAPIWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		coord := e.token("coordinator@a.test")
		admin := e.token("admin@a.test")
		coordUser := e.users["coordinator@a.test"]

		t.Run("record a ratification", func(t *testing.T) {
			before := trCount(t, e)
			body := map[string]any{"status": "signed", "signature_date": "2024-03-01", "source": "https://treaties.un.org/ken-2024",
				"note": "signed at the UN in New York", "notes": "with a declaration"}
			res := e.do("PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, body)
			if res.Status != http.StatusOK {
				t.Fatalf("PUT: %d %s", res.Status, trClip(res.Body))
			}
			var r trRatJSON
			res.decode(t, &r)
			if r.Status != "signed" || r.SignatureDate == nil || *r.SignatureDate != "2024-03-01" || r.SignaturePrecision != "day" ||
				r.RatificationDate != nil || r.Source != "https://treaties.un.org/ken-2024" || r.Notes != "with a declaration" {
				t.Errorf("answer = %+v", r)
			}
			after := trCount(t, e)
			if after.events != before.events+1 || after.rats != before.rats+1 || after.audit != before.audit+1 {
				t.Errorf("counts %+v → %+v, want one more event, ratification and audit row", before, after)
			}
			evs := trEvents(t, e, "KEN", "ICRMW", coord)
			if len(evs) != 1 {
				t.Fatalf("%d events, want 1: %+v", len(evs), evs)
			}
			ev := evs[0]
			if ev.ActorID == nil || *ev.ActorID != coordUser.ID || ev.ActorName != coordUser.Name || ev.FromStatus != "none" ||
				ev.ToStatus != "signed" || ev.Source != "https://treaties.un.org/ken-2024" || ev.Note != "signed at the UN in New York" ||
				!strings.Contains(ev.Changes, "1 Mar 2024") {
				t.Errorf("event = %+v", ev)
			}
			entries, n, err := e.st.ListAudit(ctx, model.AuditFilter{Action: "ratification.record"})
			if err != nil || n != 1 {
				t.Fatalf("ratification.record audit rows: %d, %v", n, err)
			}
			if a := entries[0]; a.ActorID == nil || *a.ActorID != coordUser.ID || a.Entity != "ratification" || a.EntityID != "KEN/ICRMW" || !strings.Contains(a.Summary, "Signed") {
				t.Errorf("audit = %+v", a)
			}

			// The same again changes nothing: 422 and no event.
			state := trState(t, e)
			trWantError(t, "repeat", e.do("PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, body), http.StatusUnprocessableEntity, "unprocessable", "")
			trUnchanged(t, e, "a PUT that changes nothing", state)
			// Whitespace alone is no change either.
			body2 := map[string]any{"status": "signed", "signature_date": " 2024-03-01 ", "signature_precision": "day",
				"source": " https://treaties.un.org/ken-2024 ", "notes": "with a declaration ", "note": "again"}
			trWantError(t, "repeat with spaces", e.do("PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, body2), http.StatusUnprocessableEntity, "unprocessable", "")
			trUnchanged(t, e, "a PUT that changes nothing", state)

			// A correction is a new event; the first stays as it was.
			res = e.do("PUT", "/api/v1/countries/ken/ratifications/icrmw", coord, map[string]any{"status": "ratified",
				"signature_date": "2024-03-01", "ratification_date": "2025", "ratification_precision": "year", "source": "https://treaties.un.org/ken-2025"})
			if res.Status != http.StatusOK {
				t.Fatalf("lower-case PUT: %d %s", res.Status, trClip(res.Body))
			}
			res.decode(t, &r)
			if r.RatificationDate == nil || *r.RatificationDate != "2025" || r.RatificationPrecision != "year" || r.Notes != "" {
				t.Errorf("after the correction = %+v", r)
			}
			evs2 := trEvents(t, e, "KEN", "ICRMW", coord)
			if len(evs2) != 2 || !reflect.DeepEqual(evs2[1], ev) || evs2[0].FromStatus != "signed" || evs2[0].ToStatus != "ratified" ||
				!strings.Contains(evs2[0].Changes, "2025") || strings.Contains(evs2[0].Changes, "2025-01-01") || strings.Contains(evs2[0].Changes, "1 Jan 2025") {
				t.Errorf("timeline after a correction = %+v", evs2)
			}
			d := trDossier(t, e, "KEN", coord)
			if got := d.Ratifications["ICRMW"]; got.Status != "ratified" || *got.RatificationDate != "2025" {
				t.Errorf("dossier KEN/ICRMW = %+v", got)
			}

			// No route changes or removes an event, or a standing's history.
			state = trState(t, e)
			for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
				res := e.do(m, "/api/v1/countries/KEN/ratifications/ICRMW/events", admin, map[string]any{"note": "rewritten"})
				trWantError(t, m+" events", res, http.StatusMethodNotAllowed, "method_not_allowed", "")
			}
			trWantError(t, "DELETE a standing", e.do("DELETE", "/api/v1/countries/KEN/ratifications/ICRMW", admin, nil), http.StatusMethodNotAllowed, "method_not_allowed", "")
			trWantError(t, "PATCH one event", e.do("PATCH", "/api/v1/countries/KEN/ratifications/ICRMW/events/"+strconv.FormatInt(ev.ID, 10), admin, map[string]any{"note": "x"}), http.StatusNotFound, "not_found", "")
			trUnchanged(t, e, "attempts to change the history", state)
		})

		t.Run("rules with their fields", func(t *testing.T) {
			future := e.clock.Now().AddDate(0, 0, 3).Format("2006-01-02")
			for _, c := range []struct {
				name, path string
				body       map[string]any
				field      string
			}{
				{"precision mismatch", "DEU/ICRMW", map[string]any{"status": "acceded", "ratification_date": "2005", "ratification_precision": "day", "source": "s"}, "ratification_date"},
				{"unknown with a date", "DEU/ICRMW", map[string]any{"status": "acceded", "ratification_date": "2005", "ratification_precision": "unknown", "source": "s"}, "ratification_date"},
				{"no date, no unknown", "DEU/ICRMW", map[string]any{"status": "acceded", "source": "s"}, "ratification_date"},
				{"no source", "DEU/ICRMW", map[string]any{"status": "acceded", "ratification_date": "2005-01-01"}, "source"},
				{"blank source", "DEU/ICRMW", map[string]any{"status": "acceded", "ratification_date": "2005-01-01", "source": "   "}, "source"},
				{"future signature", "DEU/ICRMW", map[string]any{"status": "signed", "signature_date": future, "source": "s"}, "signature_date"},
				{"future ratification", "DEU/C189", map[string]any{"status": "ratified", "ratification_date": future, "source": "s"}, "ratification_date"},
				{"future as-of", "DEU/C189", map[string]any{"status": "ratified", "ratification_date": "2020", "as_of": future, "source": "s"}, "as_of"},
				{"bad as-of", "DEU/C189", map[string]any{"status": "ratified", "ratification_date": "2020", "as_of": "yesterday", "source": "s"}, "as_of"},
				{"ratification before signature", "DEU/ICRMW", map[string]any{"status": "ratified", "signature_date": "2005-06-01", "ratification_date": "2004", "source": "s"}, "ratification_date"},
				{"ilo signature", "DEU/C189", map[string]any{"status": "ratified", "signature_date": "2019-01-01", "ratification_date": "2020-01-01", "source": "s"}, "signature_date"},
				{"ilo signed", "DEU/C189", map[string]any{"status": "signed", "source": "s"}, "status"},
				{"ilo acceded", "DEU/C189", map[string]any{"status": "acceded", "ratification_date": "2020-01-01", "source": "s"}, "status"},
				{"unknown status", "DEU/ICRMW", map[string]any{"status": "withdrawn", "source": "s"}, "status"},
				{"bad date", "DEU/ICRMW", map[string]any{"status": "signed", "signature_date": "2005-02-30", "source": "s"}, "signature_date"},
				{"bad precision", "DEU/ICRMW", map[string]any{"status": "signed", "signature_date": "2005", "signature_precision": "decade", "source": "s"}, "signature_date"},
				{"entry into force first", "DEU/C189", map[string]any{"status": "ratified", "ratification_date": "2020-05-01", "entry_into_force": "2020-04-01", "source": "s"}, "entry_into_force"},
			} {
				before := trState(t, e)
				res := e.do("PUT", "/api/v1/countries/"+strings.Replace(c.path, "/", "/ratifications/", 1), coord, c.body)
				trWantError(t, c.name, res, http.StatusBadRequest, "invalid", c.field)
				trUnchanged(t, e, c.name, before)
			}
			// Compared at the coarser precision: signature 2005-06-01, ratification "2005" is fine.
			res := e.do("PUT", "/api/v1/countries/DEU/ratifications/ICRMW", coord, map[string]any{"status": "ratified",
				"signature_date": "2005-06-01", "ratification_date": "2005", "source": "s"})
			if res.Status != http.StatusOK {
				t.Errorf("signature 2005-06-01, ratification 2005: %d %s", res.Status, trClip(res.Body))
			}
			// "Date unknown" is precision unknown with an empty date.
			res = e.do("PUT", "/api/v1/countries/DEU/ratifications/C189", coord, map[string]any{"status": "ratified",
				"ratification_date": "", "ratification_precision": "unknown", "source": "s"})
			var r trRatJSON
			res.decode(t, &r)
			if res.Status != http.StatusOK || r.RatificationDate != nil || r.RatificationPrecision != "unknown" {
				t.Errorf("date unknown: %d %s", res.Status, trClip(res.Body))
			}
		})

		t.Run("campaign fields", func(t *testing.T) {
			stages := trStages(t, e)
			member := e.users["member@a.test"]
			before := trCount(t, e)
			res := e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"priority": "high", "stage_id": stages[1].ID,
				"focal_organisation_id": e.orgA.ID, "focal_user_id": member.ID, "next_step": "Meet the labour ministry",
				"next_step_date": "2027-01-15", "notes": "Supportive MP in the labour committee"})
			if res.Status != http.StatusOK {
				t.Fatalf("PATCH: %d %s", res.Status, trClip(res.Body))
			}
			var d trDossierJSON
			res.decode(t, &d)
			if d.Priority != "high" || d.StageID == nil || *d.StageID != stages[1].ID || d.Stage == nil || *d.Stage != stages[1].Name ||
				d.FocalOrgID == nil || *d.FocalOrgID != e.orgA.ID || d.FocalUserID == nil || *d.FocalUserID != member.ID ||
				d.NextStep != "Meet the labour ministry" || d.NextStepDate == nil || *d.NextStepDate != "2027-01-15" || d.Notes != "Supportive MP in the labour committee" {
				t.Errorf("after PATCH: %+v", d)
			}
			if after := trCount(t, e); after.audit != before.audit+1 || after.events != before.events {
				t.Errorf("counts %+v → %+v: want one audit row and no event", before, after)
			}
			if _, n, _ := e.st.ListAudit(ctx, model.AuditFilter{Action: "country.campaign"}); n != 1 {
				t.Errorf("%d country.campaign audit rows", n)
			}
			// A partial PATCH keeps the other fields.
			res = e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"priority": "low"})
			res.decode(t, &d)
			if d.Priority != "low" || d.StageID == nil || d.FocalUserID == nil || d.NextStep == "" || d.Notes == "" {
				t.Errorf("partial PATCH lost fields: %+v", d)
			}
			// null clears.
			res = e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"stage_id": nil, "focal_organisation_id": nil,
				"focal_user_id": nil, "next_step_date": nil, "next_step": "", "notes": ""})
			if res.Status != http.StatusOK {
				t.Fatalf("clearing PATCH: %d %s", res.Status, trClip(res.Body))
			}
			d = trDossier(t, e, "KEN", coord)
			if d.StageID != nil || d.Stage != nil || d.FocalOrgID != nil || d.FocalOrganisation != nil || d.FocalUserID != nil ||
				d.NextStepDate != nil || d.NextStep != "" || d.Notes != "" || d.Priority != "low" {
				t.Errorf("after clearing: %+v", d)
			}
			// A PATCH that changes nothing is fine and writes nothing.
			state := trState(t, e)
			if res := e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"priority": "low"}); res.Status != http.StatusOK {
				t.Errorf("no-op PATCH: %d", res.Status)
			}
			trUnchanged(t, e, "a no-op PATCH", state)

			other := e.users["member@b.test"]
			for _, c := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"unknown stage", map[string]any{"stage_id": 999999}, "stage_id"},
				{"unknown organisation", map[string]any{"focal_organisation_id": 999999}, "focal_organisation_id"},
				{"unknown user", map[string]any{"focal_user_id": 999999}, "focal_user_id"},
				{"user of another organisation", map[string]any{"focal_organisation_id": e.orgA.ID, "focal_user_id": other.ID}, "focal_user_id"},
				{"bad priority", map[string]any{"priority": "urgent"}, "priority"},
				{"bad date", map[string]any{"next_step": "x", "next_step_date": "soon"}, "next_step_date"},
				{"date without a step", map[string]any{"next_step_date": "2027-01-01"}, "next_step"},
				{"long next step", map[string]any{"next_step": strings.Repeat("x", 501)}, "next_step"},
			} {
				state := trState(t, e)
				trWantError(t, c.name, e.do("PATCH", "/api/v1/countries/KEN", coord, c.body), http.StatusBadRequest, "invalid", c.field)
				trUnchanged(t, e, c.name, state)
			}
		})

		t.Run("permissions", func(t *testing.T) {
			stages := trStages(t, e)
			sid := strconv.FormatInt(stages[0].ID, 10)
			ratBody := map[string]any{"status": "signed", "signature_date": "2020-01-01", "source": "s"}
			writes := []struct {
				method, path string
				body         any
				adminOnly    bool
			}{
				{"PUT", "/api/v1/countries/FRA/ratifications/ICRMW", ratBody, false},
				{"PATCH", "/api/v1/countries/FRA", map[string]any{"priority": "high"}, false},
				{"POST", "/api/v1/instruments", map[string]any{"code": "C181", "title": "Private Employment Agencies Convention", "kind": "ilo_convention"}, true},
				{"POST", "/api/v1/stages", map[string]any{"name": "Extra"}, true},
				{"PATCH", "/api/v1/stages/" + sid, map[string]any{"name": "Renamed", "position": 2}, true},
				{"DELETE", "/api/v1/stages/" + sid, nil, true},
			}
			who := []string{"member@a.test", "viewer@a.test", "member@b.test", "viewer@b.test", "coordinator@a.test", "coordinator@b.test"}
			for _, email := range who {
				tok := e.token(email)
				for _, w := range writes {
					if strings.HasPrefix(email, "coordinator") && !w.adminOnly {
						continue
					}
					before := trState(t, e)
					trWantError(t, email+" "+w.method+" "+w.path, e.do(w.method, w.path, tok, w.body), http.StatusForbidden, "forbidden", "")
					trUnchanged(t, e, email+" "+w.method+" "+w.path, before)
				}
			}
		})

		t.Run("admin lists", func(t *testing.T) {
			before := trCount(t, e)
			res := e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "c181", "title": "Private Employment Agencies Convention, 1997 (No. 181)",
				"short_title": "ILO C181", "kind": "ilo_convention", "adopted_date": "1997-06-19"})
			if res.Status != http.StatusCreated {
				t.Fatalf("create instrument: %d %s", res.Status, trClip(res.Body))
			}
			var in struct{ Code, Kind string }
			res.decode(t, &in)
			if in.Code != "C181" || in.Kind != "ilo_convention" {
				t.Errorf("created %+v", in)
			}
			if after := trCount(t, e); after.audit != before.audit+1 || after.rats != before.rats || after.events != before.events {
				t.Errorf("counts %+v → %+v", before, after)
			}
			all, _ := trCountries(t, e, "", e.token("viewer@a.test"))
			for iso, c := range all {
				r, ok := c.Ratifications["C181"]
				if !ok || r.Status != "none" || r.RatificationDate != nil {
					t.Errorf("%s/C181 = %+v (present %t)", iso, r, ok)
					break
				}
			}
			if got, _ := trCountries(t, e, "instrument=C181&status=none", admin); len(got) != 195 {
				t.Errorf("C181 none: %d", len(got))
			}
			if res := e.do("PUT", "/api/v1/countries/KEN/ratifications/C181", coord, map[string]any{"status": "ratified", "ratification_date": "2020", "source": "NORMLEX"}); res.Status != http.StatusOK {
				t.Errorf("recording on the new instrument: %d %s", res.Status, trClip(res.Body))
			}
			state := trState(t, e)
			trWantError(t, "duplicate instrument", e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "C181", "title": "Again", "kind": "ilo_convention"}), http.StatusConflict, "conflict", "code")
			trWantError(t, "bad kind", e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "C182", "title": "x", "kind": "treaty"}), http.StatusBadRequest, "invalid", "kind")
			trWantError(t, "bad code", e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "1-2", "title": "x", "kind": "un_treaty"}), http.StatusBadRequest, "invalid", "code")
			trWantError(t, "no title", e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "C182", "kind": "un_treaty"}), http.StatusBadRequest, "invalid", "title")
			trWantError(t, "bad adopted date", e.do("POST", "/api/v1/instruments", admin, map[string]any{"code": "C182", "title": "x", "kind": "un_treaty", "adopted_date": "1997"}), http.StatusBadRequest, "invalid", "adopted_date")
			trUnchanged(t, e, "refused instruments", state)

			// Stages: add, rename and move, refuse duplicates, refuse deleting one in use.
			res = e.do("POST", "/api/v1/stages", admin, map[string]any{"name": "Follow-up visit"})
			if res.Status != http.StatusCreated {
				t.Fatalf("create stage: %d %s", res.Status, trClip(res.Body))
			}
			var s trStageJSON
			res.decode(t, &s)
			if s.Position != len(store.RefStages)+1 {
				t.Errorf("new stage at %d", s.Position)
			}
			id := strconv.FormatInt(s.ID, 10)
			res = e.do("PATCH", "/api/v1/stages/"+id, admin, map[string]any{"name": "Follow-up", "position": 1})
			if res.Status != http.StatusOK {
				t.Fatalf("patch stage: %d %s", res.Status, trClip(res.Body))
			}
			stages := trStages(t, e)
			if stages[0].ID != s.ID || stages[0].Name != "Follow-up" {
				t.Errorf("stages after the move: %+v", stages)
			}
			for i, st := range stages {
				if st.Position != i+1 {
					t.Errorf("stage %q at %d, want %d", st.Name, st.Position, i+1)
				}
			}
			state = trState(t, e)
			trWantError(t, "duplicate stage", e.do("POST", "/api/v1/stages", admin, map[string]any{"name": "follow-UP"}), http.StatusConflict, "conflict", "name")
			trWantError(t, "rename onto another", e.do("PATCH", "/api/v1/stages/"+id, admin, map[string]any{"name": "Dialogue"}), http.StatusConflict, "conflict", "name")
			trWantError(t, "empty stage", e.do("POST", "/api/v1/stages", admin, map[string]any{"name": "  "}), http.StatusBadRequest, "invalid", "name")
			trWantError(t, "long stage", e.do("POST", "/api/v1/stages", admin, map[string]any{"name": strings.Repeat("s", 81)}), http.StatusBadRequest, "invalid", "name")
			trWantError(t, "patch unknown stage", e.do("PATCH", "/api/v1/stages/999999", admin, map[string]any{"name": "x"}), http.StatusNotFound, "not_found", "")
			trWantError(t, "patch stage abc", e.do("PATCH", "/api/v1/stages/abc", admin, map[string]any{"name": "x"}), http.StatusNotFound, "not_found", "")
			trWantError(t, "delete unknown stage", e.do("DELETE", "/api/v1/stages/999999", admin, nil), http.StatusNotFound, "not_found", "")
			trUnchanged(t, e, "refused stage changes", state)

			if res := e.do("PATCH", "/api/v1/countries/FRA", coord, map[string]any{"stage_id": s.ID}); res.Status != http.StatusOK {
				t.Fatalf("set FRA's stage: %d %s", res.Status, trClip(res.Body))
			}
			state = trState(t, e)
			trWantError(t, "delete a stage in use", e.do("DELETE", "/api/v1/stages/"+id, admin, nil), http.StatusConflict, "conflict", "")
			trUnchanged(t, e, "deleting a stage in use", state)
			if res := e.do("PATCH", "/api/v1/countries/FRA", coord, map[string]any{"stage_id": nil}); res.Status != http.StatusOK {
				t.Fatalf("clear FRA's stage: %d", res.Status)
			}
			if res := e.do("DELETE", "/api/v1/stages/"+id, admin, nil); res.Status != http.StatusNoContent {
				t.Fatalf("delete a free stage: %d %s", res.Status, trClip(res.Body))
			}
			for _, st := range trStages(t, e) {
				if st.ID == s.ID {
					t.Error("the deleted stage is still listed")
				}
			}
			for _, action := range []string{"stage.create", "stage.update", "stage.delete", "instrument.create"} {
				if _, n, _ := e.st.ListAudit(ctx, model.AuditFilter{Action: action}); n != 1 {
					t.Errorf("%d %s audit rows, want 1", n, action)
				}
			}
		})

		t.Run("odd text", func(t *testing.T) {
			// PostgreSQL refuses NUL in text; control characters have no
			// business in names. Each is a 400 naming the field, never a 500.
			sid := strconv.FormatInt(trStages(t, e)[0].ID, 10)
			for _, c := range []struct {
				method, path, token, body, field string
			}{
				{"POST", "/api/v1/stages", admin, `{"name": "a\u0000b"}`, "name"},
				{"POST", "/api/v1/stages", admin, `{"name": "bell\u0007"}`, "name"},
				{"POST", "/api/v1/stages", admin, `{"name": "two\nlines"}`, "name"},
				{"PATCH", "/api/v1/stages/" + sid, admin, `{"name": "a\u0000b"}`, "name"},
				{"POST", "/api/v1/instruments", admin, `{"code": "C181", "title": "a\u0000b", "kind": "ilo_convention"}`, "title"},
				{"POST", "/api/v1/instruments", admin, `{"code": "C181", "title": "t", "short_title": "a\u001bb", "kind": "ilo_convention"}`, "short_title"},
				{"PATCH", "/api/v1/countries/KEN", coord, `{"notes": "a\u0000b"}`, "notes"},
				{"PATCH", "/api/v1/countries/KEN", coord, `{"next_step": "a\u0000b"}`, "next_step"},
				{"PATCH", "/api/v1/countries/KEN", coord, `{"next_step": "a\u0008b"}`, "next_step"},
				{"PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, `{"status": "signed", "signature_date": "2020", "source": "a\u0000b"}`, "source"},
				{"PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, `{"status": "signed", "signature_date": "2020", "source": "s", "notes": "a\u0000b"}`, "notes"},
				{"PUT", "/api/v1/countries/KEN/ratifications/ICRMW", coord, `{"status": "signed", "signature_date": "2020", "source": "s", "note": "\u0000"}`, "note"},
			} {
				before := trState(t, e)
				trWantError(t, c.method+" "+c.path+" "+c.body, e.do(c.method, c.path, c.token, c.body), http.StatusBadRequest, "invalid", c.field)
				trUnchanged(t, e, c.body, before)
			}
			// Line breaks and tabs are fine in notes.
			res := e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"notes": "line 1\nline 2\tand a tab"})
			var d trDossierJSON
			res.decode(t, &d)
			if res.Status != http.StatusOK || d.Notes != "line 1\nline 2\tand a tab" {
				t.Errorf("multi-line notes: %d %q", res.Status, d.Notes)
			}
			res = e.do("PUT", "/api/v1/countries/KEN/ratifications/C143", coord, map[string]any{"status": "denounced",
				"ratification_date": "1980", "source": "NORMLEX", "notes": "first line\r\nsecond line"})
			if res.Status != http.StatusOK {
				t.Errorf("multi-line ratification notes: %d %s", res.Status, trClip(res.Body))
			}
		})

		t.Run("bad bodies", func(t *testing.T) {
			sid := strconv.FormatInt(trStages(t, e)[0].ID, 10)
			routes := []struct {
				method, path string
				wrongTypes   map[string]string // field → body
			}{
				{"PUT", "/api/v1/countries/KEN/ratifications/ICRMW", map[string]string{
					"status": `{"status": 5, "source": "s"}`, "signature_date": `{"status": "signed", "signature_date": 2024, "source": "s"}`,
					"source": `{"status": "none", "source": ["a"]}`, "note": `{"status": "none", "source": "s", "note": {}}`}},
				{"PATCH", "/api/v1/countries/KEN", map[string]string{
					"priority": `{"priority": 1}`, "stage_id": `{"stage_id": "abc"}`, "focal_organisation_id": `{"focal_organisation_id": true}`,
					"focal_user_id": `{"focal_user_id": 1.5}`, "next_step_date": `{"next_step_date": 20270101}`, "notes": `{"notes": []}`}},
				{"POST", "/api/v1/instruments", map[string]string{
					"code": `{"code": 181, "title": "t", "kind": "ilo_convention"}`, "kind": `{"code": "C181", "title": "t", "kind": false}`}},
				{"POST", "/api/v1/stages", map[string]string{"name": `{"name": true}`}},
				{"PATCH", "/api/v1/stages/" + sid, map[string]string{"name": `{"name": 7}`, "position": `{"name": "x", "position": "1"}`}},
			}
			for _, r := range routes {
				what := r.method + " " + r.path
				bad := []struct {
					name, ctype, body, code, field string
				}{
					{"truncated", "application/json", `{"status": "signed"`, "invalid_json", ""},
					{"not json", "application/json", `status=signed`, "invalid_json", ""},
					{"empty", "application/json", ``, "invalid_json", ""},
					{"null", "application/json", `null`, "invalid_json", ""},
					{"array", "application/json", `[{"name": "x"}]`, "invalid_json", ""},
					{"string", "application/json", `"x"`, "invalid_json", ""},
					{"two objects", "application/json", `{} {}`, "invalid_json", ""},
					{"unknown field", "application/json", `{"bogus": 1}`, "invalid", "bogus"},
					{"form body", "application/x-www-form-urlencoded", `name=x`, "invalid_json", ""},
					{"no content type", "", `{"name": "x"}`, "invalid_json", ""},
				}
				for field, body := range r.wrongTypes {
					bad = append(bad, struct{ name, ctype, body, code, field string }{"wrong type " + field, "application/json", body, "invalid", field})
				}
				for _, b := range bad {
					before := trState(t, e)
					req, err := http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader(b.body))
					if err != nil {
						t.Fatal(err)
					}
					if b.ctype != "" {
						req.Header.Set("Content-Type", b.ctype)
					}
					req.Header.Set("Authorization", "Bearer "+admin)
					trWantError(t, what+" "+b.name, e.send(req), http.StatusBadRequest, b.code, b.field)
					trUnchanged(t, e, what+" "+b.name, before)
				}
			}
		})
	})
}

// ---- CSV export ------------------------------------------------------------

// trReadCSV parses an export: a UTF-8 BOM, then a header and rows.
func trReadCSV(t *testing.T, res response) ([]string, map[string]map[string]string, []string) {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("export: %d %s", res.Status, trClip(res.Body))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	body, ok := strings.CutPrefix(res.Body, "\ufeff")
	if !ok {
		t.Error("the export has no UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("empty export")
	}
	header := recs[0]
	rows := map[string]map[string]string{}
	var order []string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range header {
			m[h] = rec[i]
		}
		rows[m["iso3"]] = m
		order = append(order, m["iso3"])
	}
	return header, rows, order
}

func TestTrackerCSVExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		member := e.token("member@b.test")
		admin := e.token("admin@a.test")
		coord := e.token("coordinator@a.test")

		wantHeader := []string{"country", "iso3", "region", "subregion"}
		for _, code := range []string{"ICRMW", "C097", "C143", "C189"} {
			wantHeader = append(wantHeader, code+" status", code+" signature", code+" ratification")
		}
		wantHeader = append(wantHeader, "campaign stage", "priority", "focal organisation")

		for _, q := range []string{"", "instrument=ICRMW&status=signed", "region=Oceania", "status_C097=party&status_C143=not_party", "q=cote", "q=nowhere"} {
			header, rows, order := trReadCSV(t, e.do("GET", "/api/v1/countries.csv?"+q, member, nil))
			if !slices.Equal(header, wantHeader) {
				t.Errorf("?%s header = %q", q, header)
			}
			api, apiOrder := trCountries(t, e, q, member)
			if !slices.Equal(order, apiOrder) {
				t.Errorf("?%s: the export has %d rows %v, the table %d %v", q, len(order), trClipList(order), len(apiOrder), trClipList(apiOrder))
			}
			for iso, row := range rows {
				c := api[iso]
				if row["country"] != c.Name || row["ICRMW status"] == "" || row["region"] != c.Region {
					t.Errorf("?%s %s row = %v", q, iso, row)
				}
			}
		}
		_, rows, _ := trReadCSV(t, e.do("GET", "/api/v1/countries.csv?instrument=ICRMW&status=signed", member, nil))
		if len(rows) != 11 {
			t.Errorf("ICRMW signed only: %d rows", len(rows))
		}
		_, rows, _ = trReadCSV(t, e.do("GET", "/api/v1/countries.csv", member, nil))
		if len(rows) != 195 {
			t.Errorf("unfiltered: %d rows", len(rows))
		}
		if moz := rows["MOZ"]; moz["ICRMW ratification"] != "2013" || moz["ICRMW signature"] != "2012-03-15" || moz["ICRMW status"] != "Ratified" {
			t.Errorf("MOZ row = %v", moz)
		}
		trWantError(t, "bad filter", e.do("GET", "/api/v1/countries.csv?priority=urgent", member, nil), http.StatusBadRequest, "invalid", "priority")

		// Formula-like text in exported fields is neutralised; a phone-like value is not.
		names := map[string]string{
			"KEN": "=cmd",
			"FRA": `+HYPERLINK("http://evil.example","x")`,
			"DEU": "-2+3",
			"GBR": "@SUM(A1:A9)",
			"ITA": "+41 22 917 1234",
		}
		for iso, name := range names {
			res := e.do("POST", "/api/v1/stages", admin, map[string]any{"name": name})
			if res.Status != http.StatusCreated {
				t.Fatalf("stage %q: %d %s", name, res.Status, trClip(res.Body))
			}
			var s trStageJSON
			res.decode(t, &s)
			if res := e.do("PATCH", "/api/v1/countries/"+iso, coord, map[string]any{"stage_id": s.ID}); res.Status != http.StatusOK {
				t.Fatalf("PATCH %s: %d", iso, res.Status)
			}
		}
		res := e.do("POST", "/api/v1/organisations", admin, map[string]any{"name": `=HYPERLINK("http://evil.example","click")`, "short_name": "EVIL", "kind": "ngo"})
		if res.Status != http.StatusCreated {
			t.Fatalf("create organisation: %d %s", res.Status, trClip(res.Body))
		}
		var org struct{ ID int64 }
		res.decode(t, &org)
		if res := e.do("PATCH", "/api/v1/countries/KEN", coord, map[string]any{"focal_organisation_id": org.ID}); res.Status != http.StatusOK {
			t.Fatalf("PATCH KEN focal: %d", res.Status)
		}
		for _, path := range []string{"/api/v1/countries.csv", "/api/v1/countries.csv?q=a"} {
			res := e.do("GET", path, member, nil)
			_, rows, _ = trReadCSV(t, res)
			for iso, name := range names {
				want := "'" + name
				if iso == "ITA" {
					want = name
				}
				if got := rows[iso]["campaign stage"]; got != want {
					t.Errorf("%s: %s stage cell %q, want %q", path, iso, got, want)
				}
			}
			if got := rows["KEN"]["focal organisation"]; got != `'=HYPERLINK("http://evil.example","click")` {
				t.Errorf("%s: KEN focal organisation cell %q", path, got)
			}
			for _, raw := range []string{",=cmd", ",\"=HYPERLINK", ",@SUM", ",-2+3", ",\"+HYPERLINK"} {
				if strings.Contains(res.Body, raw) {
					t.Errorf("%s: the export holds a live formula %q", path, raw)
				}
			}
		}

		// The page route exports the same rows for a signed-in member.
		ck := trLogin(e, "member@a.test")
		header, rows, _ := trReadCSV(t, trGet(e, "/countries.csv?instrument=ICRMW&status=party", ck))
		if !slices.Equal(header, wantHeader) || len(rows) != 59 {
			t.Errorf("page export: %d rows, header %q", len(rows), header)
		}

		// Viewers may not export.
		trWantError(t, "viewer export", e.do("GET", "/api/v1/countries.csv", e.token("viewer@a.test"), nil), http.StatusForbidden, "forbidden", "")
		page := trGet(e, "/countries.csv", trLogin(e, "viewer@b.test"))
		if page.Status != http.StatusForbidden || strings.Contains(page.Body, "iso3,") {
			t.Errorf("viewer page export: %d %s", page.Status, trClip(page.Body))
		}
	})
}

// ---- import ------------------------------------------------------------------

const trICRMWHeader = "country,iso3,signature_date,signature_precision,ratification_date,ratification_precision,action,source,notes"

// trCSVLine renders one record as a CSV line.
func trCSVLine(fields ...string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(fields)
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}

// trDataLine returns a reference file's row for a state as a CSV line.
func trDataLine(t *testing.T, file, iso3 string, header string) string {
	t.Helper()
	for _, r := range trData(t, file) {
		if r["iso3"] == iso3 {
			var fields []string
			for _, h := range strings.Split(header, ",") {
				fields = append(fields, r[h])
			}
			return trCSVLine(fields...)
		}
	}
	t.Fatalf("%s has no %s", file, iso3)
	return ""
}

// trMultipart builds a multipart body with a file and form fields.
func trMultipart(t *testing.T, file []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "list.csv")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

type trImportJSON struct {
	Rows        int  `json:"rows"`
	Unchanged   int  `json:"unchanged"`
	Applied     int  `json:"applied"`
	DryRun      bool `json:"dry_run"`
	Differences []struct {
		Line    int    `json:"line"`
		ISO3    string `json:"iso3"`
		Kind    string `json:"kind"`
		Changes []struct {
			Field, From, To string
		} `json:"changes"`
	} `json:"differences"`
	Errors []struct {
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func trImport(t *testing.T, e *env, code, token string, file []byte, fields map[string]string) (response, trImportJSON) {
	t.Helper()
	ctype, body := trMultipart(t, file, fields)
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/instruments/"+code+"/import", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	res := e.send(req)
	var out trImportJSON
	if res.Status == http.StatusOK || res.Status == http.StatusUnprocessableEntity {
		res.decode(t, &out)
	}
	return res, out
}

// trImportFile is a list that makes France a new party, moves Albania's
// accession by a day, and repeats Algeria's row unchanged.
func trImportFile(t *testing.T) []byte {
	t.Helper()
	alb := trData(t, "icrmw.csv")
	var albNotes string
	for _, r := range alb {
		if r["iso3"] == "ALB" {
			albNotes = r["notes"]
		}
	}
	return []byte(strings.Join([]string{
		trICRMWHeader,
		trCSVLine("France", "FRA", "", "", "2025-01-15", "day", "accession", "", ""),
		trCSVLine("Albania", "ALB", "", "", "2007-06-06", "day", "accession", "https://treaties.un.org/list-2025", albNotes),
		trDataLine(t, "icrmw.csv", "DZA", trICRMWHeader),
	}, "\n") + "\n")
}

const trImportSource = "UN Treaty Collection, chapter IV-13, as of 1 Feb 2025"

func TestTrackerImportAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		coord := e.token("coordinator@a.test")
		coordUser := e.users["coordinator@a.test"]
		file := trImportFile(t)

		t.Run("dry run lists the differences and changes nothing", func(t *testing.T) {
			before := trState(t, e)
			res, rep := trImport(t, e, "ICRMW", coord, file, map[string]string{"source": trImportSource, "dry_run": "true"})
			if res.Status != http.StatusOK {
				t.Fatalf("dry run: %d %s", res.Status, trClip(res.Body))
			}
			if rep.Rows != 3 || rep.Unchanged != 1 || rep.Applied != 0 || !rep.DryRun || len(rep.Errors) != 0 {
				t.Errorf("report: rows %d unchanged %d applied %d dry %t errors %v", rep.Rows, rep.Unchanged, rep.Applied, rep.DryRun, rep.Errors)
			}
			kinds := map[string]string{}
			for _, d := range rep.Differences {
				kinds[d.ISO3] = d.Kind
				switch d.ISO3 {
				case "FRA":
					if d.Line != 2 || d.Kind != "new party" {
						t.Errorf("FRA: %+v", d)
					}
				case "ALB":
					found := false
					for _, c := range d.Changes {
						found = found || (c.Field == "ratification" && c.From == "5 Jun 2007" && c.To == "6 Jun 2007")
					}
					if d.Line != 3 || d.Kind != "date changed" || !found {
						t.Errorf("ALB: %+v", d)
					}
				default:
					// Every other party is listed as absent from the file, and never changed.
					if d.Line != 0 || d.Kind != "not in file" {
						t.Errorf("%s: %+v", d.ISO3, d)
					}
				}
			}
			if kinds["FRA"] == "" || kinds["ALB"] == "" || kinds["DZA"] != "" {
				t.Errorf("differences by state: %v", kinds)
			}
			trUnchanged(t, e, "a dry run", before)
		})

		t.Run("apply records each difference as an event", func(t *testing.T) {
			before := trCount(t, e)
			albBefore := trEvents(t, e, "ALB", "ICRMW", coord)
			res, rep := trImport(t, e, "ICRMW", coord, file, map[string]string{"source": trImportSource})
			if res.Status != http.StatusOK || rep.Applied != 2 || rep.DryRun {
				t.Fatalf("apply: %d %s", res.Status, trClip(res.Body))
			}
			after := trCount(t, e)
			if after.events != before.events+2 || after.rats != before.rats+1 || after.audit != before.audit+2 {
				t.Errorf("counts %+v → %+v", before, after)
			}
			fra := trEvents(t, e, "FRA", "ICRMW", coord)
			if len(fra) != 1 || fra[0].Source != trImportSource || fra[0].FromStatus != "none" || fra[0].ToStatus != "acceded" ||
				fra[0].ActorID == nil || *fra[0].ActorID != coordUser.ID {
				t.Errorf("FRA events = %+v", fra)
			}
			alb := trEvents(t, e, "ALB", "ICRMW", coord)
			if len(alb) != len(albBefore)+1 || alb[0].Source != "https://treaties.un.org/list-2025" || alb[0].FromStatus != "acceded" ||
				alb[0].ToStatus != "acceded" || !strings.Contains(alb[0].Changes, "6 Jun 2007") || !reflect.DeepEqual(alb[1], albBefore[0]) {
				t.Errorf("ALB events = %+v", alb)
			}
			if dza := trEvents(t, e, "DZA", "ICRMW", coord); len(dza) != 1 {
				t.Errorf("DZA has %d events", len(dza))
			}
			d := trDossier(t, e, "FRA", coord)
			if r := d.Ratifications["ICRMW"]; r.Status != "acceded" || r.RatificationDate == nil || *r.RatificationDate != "2025-01-15" || r.Source != trImportSource {
				t.Errorf("FRA/ICRMW = %+v", r)
			}
			if got, _ := trCountries(t, e, "instrument=ICRMW&status=party", coord); len(got) != 60 {
				t.Errorf("%d ICRMW parties after the import, want 60", len(got))
			}
			// The absent states were not touched.
			if r := trDossier(t, e, "MOZ", coord).Ratifications["ICRMW"]; r.Status != "ratified" || *r.RatificationDate != "2013" {
				t.Errorf("MOZ changed: %+v", r)
			}
			// The same file again has nothing new.
			state := trState(t, e)
			res, rep = trImport(t, e, "ICRMW", coord, file, map[string]string{"source": trImportSource})
			if res.Status != http.StatusOK || rep.Unchanged != 3 || rep.Applied != 0 {
				t.Errorf("second import: %d unchanged %d applied %d", res.Status, rep.Unchanged, rep.Applied)
			}
			trUnchanged(t, e, "importing the same file twice", state)
		})

		t.Run("a list without a notes column keeps our notes", func(t *testing.T) {
			// An official list has no column for the coalition's notes; an
			// absent column is not an empty one.
			header := strings.Replace(trICRMWHeader, ",notes", "", 1)
			dza := trDataLine(t, "icrmw.csv", "DZA", header)
			list := []byte(header + "\n" + dza + "\n" + trCSVLine("Iceland", "ISL", "", "", "2024-02-02", "day", "accession", "") + "\n")
			before := trState(t, e)
			res, rep := trImport(t, e, "ICRMW", coord, list, map[string]string{"source": trImportSource, "dry_run": "true"})
			if res.Status != http.StatusOK || rep.Unchanged != 1 {
				t.Errorf("dry run: %d unchanged %d %s", res.Status, rep.Unchanged, trClip(res.Body))
			}
			for _, d := range rep.Differences {
				if d.ISO3 == "DZA" {
					t.Errorf("DZA listed as %q: %+v", d.Kind, d.Changes)
				}
			}
			trUnchanged(t, e, "a dry run", before)
			dzaBefore := trDossier(t, e, "DZA", coord).Ratifications["ICRMW"]
			if dzaBefore.Notes == "" {
				t.Fatal("DZA has no notes to keep")
			}
			if res, rep = trImport(t, e, "ICRMW", coord, list, map[string]string{"source": trImportSource}); res.Status != http.StatusOK {
				t.Fatalf("apply: %d %s", res.Status, trClip(res.Body))
			}
			if rep.Applied != 1 {
				t.Errorf("applied %d, want 1 (Iceland)", rep.Applied)
			}
			if got := trDossier(t, e, "DZA", coord).Ratifications["ICRMW"]; got.Notes != dzaBefore.Notes {
				t.Errorf("DZA notes %q → %q", dzaBefore.Notes, got.Notes)
			}
			if evs := trEvents(t, e, "DZA", "ICRMW", coord); len(evs) != 1 {
				t.Errorf("DZA has %d events", len(evs))
			}
		})

		t.Run("malformed files", func(t *testing.T) {
			newParty := trCSVLine("Kenya", "KEN", "", "", "2024-05-01", "day", "accession", "", "")
			iloHeader := "country,iso3,ratification_date,ratification_precision,status,notes,source"
			cases := []struct {
				name, code string
				file       string
				lines      []int  // lines the errors must name
				field      string // a field one error names, if any
			}{
				{"ragged row", "ICRMW", trICRMWHeader + "\n" + newParty + "\nFinland,FIN,,,2020-01-01,day\n", []int{3}, ""},
				{"extra cells", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + newParty + ",extra\n", []int{3}, ""},
				{"unknown iso3", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Nowhere", "XXX", "", "", "2020-01-01", "day", "accession", "", "") + "\n", []int{3}, "iso3"},
				{"bad date", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2020-13-45", "day", "accession", "", "") + "\n", []int{3}, ""},
				{"year with day precision", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2020", "day", "accession", "", "") + "\n", []int{3}, ""},
				{"future date", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2099-01-01", "day", "accession", "", "") + "\n", []int{3}, "ratification_date"},
				{"bad action", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2020-01-01", "day", "withdrawal", "", "") + "\n", []int{3}, ""},
				{"missing column", "ICRMW", strings.Replace(trICRMWHeader, ",action", "", 1) + "\nKenya,KEN,,,2024-05-01,day,,\n", []int{1}, "action"},
				{"duplicate iso3", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + newParty + "\n", []int{3}, "iso3"},
				{"non-UTF-8", "ICRMW", trICRMWHeader + "\n" + newParty + "\nC\xf4te d'Ivoire,CIV,,,2023-09-26,day,accession,,\n", []int{1}, ""},
				{"bad quote", "ICRMW", trICRMWHeader + "\n" + newParty + "\nFinland,FIN,,,2020-01-01,day,accession,\"unclosed,\n", []int{3}, ""},
				{"ilo status", "C097", iloHeader + "\n" + trCSVLine("Kenya", "KEN", "2024", "year", "in_force", "", "") + "\n" + trCSVLine("Finland", "FIN", "2020", "year", "maybe", "", "") + "\n", []int{3}, ""},
				{"NUL in notes", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2020-01-01", "day", "accession", "", "a\x00b") + "\n", []int{3}, "notes"},
				{"control character in source", "ICRMW", trICRMWHeader + "\n" + newParty + "\n" + trCSVLine("Finland", "FIN", "", "", "2020-01-01", "day", "accession", "a\x07b", "") + "\n", []int{3}, "source"},
				{"ilo missing column", "C097", "country,iso3,ratification_date,ratification_precision,notes,source\nKenya,KEN,2024,year,,\n", []int{1}, "status"},
			}
			for _, c := range cases {
				before := trState(t, e)
				for _, dry := range []string{"false", "true"} {
					res, rep := trImport(t, e, c.code, coord, []byte(c.file), map[string]string{"source": trImportSource, "dry_run": dry})
					if res.Status != http.StatusUnprocessableEntity {
						t.Errorf("%s (dry_run %s): %d %s", c.name, dry, res.Status, trClip(res.Body))
						continue
					}
					if rep.Applied != 0 || len(rep.Errors) == 0 {
						t.Errorf("%s: applied %d, errors %v", c.name, rep.Applied, rep.Errors)
					}
					var lines []int
					fieldSeen := c.field == ""
					for _, le := range rep.Errors {
						lines = append(lines, le.Line)
						if le.Message == "" {
							t.Errorf("%s: an error without a message: %+v", c.name, le)
						}
						fieldSeen = fieldSeen || le.Field == c.field
					}
					if !slices.Equal(lines, c.lines) {
						t.Errorf("%s: errors on lines %v, want %v: %+v", c.name, lines, c.lines, rep.Errors)
					}
					if !fieldSeen {
						t.Errorf("%s: no error names %s: %+v", c.name, c.field, rep.Errors)
					}
				}
				trUnchanged(t, e, c.name, before)
			}
			toks := map[string]string{}
			for _, who := range []string{"member@a.test", "viewer@a.test", "viewer@b.test"} {
				toks[who] = e.token(who) // sign in before measuring: a login writes an audit row
			}
			before := trState(t, e)
			res, _ := trImport(t, e, "ICRMW", coord, nil, map[string]string{"source": "s"})
			trWantError(t, "no file", res, http.StatusBadRequest, "invalid", "file")
			res, _ = trImport(t, e, "C999", coord, file, nil)
			trWantError(t, "unknown instrument", res, http.StatusNotFound, "not_found", "")
			for _, who := range []string{"member@a.test", "viewer@a.test", "viewer@b.test"} {
				res, _ = trImport(t, e, "ICRMW", toks[who], file, map[string]string{"source": "s"})
				trWantError(t, who+" import", res, http.StatusForbidden, "forbidden", "")
			}
			trUnchanged(t, e, "refused imports", before)
		})
	})
}

// ---- shared page helpers ------------------------------------------------------

// trLogin signs in through the HTML form and returns the session cookie.
func trLogin(e *env, email string) string {
	e.t.Helper()
	res := trPost(e, "/login", "", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		e.t.Fatalf("form sign-in %s: %d %s", email, res.Status, trClip(res.Body))
	}
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "ratify_session" && ck.Value != "" {
			return ck.Value
		}
	}
	e.t.Fatalf("form sign-in %s: no session cookie", email)
	return ""
}

// trGet fetches a page with the session cookie.
func trGet(e *env, path, cookie string) response {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ratify_session", Value: cookie})
	}
	return e.send(req)
}

// trPost posts a form as a browser on the same site.
func trPost(e *env, path, cookie string, form url.Values) response {
	e.t.Helper()
	return trPostBody(e, path, cookie, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func trPostBody(e *env, path, cookie, ctype string, body io.Reader) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ratify_session", Value: cookie})
	}
	return e.send(req)
}
