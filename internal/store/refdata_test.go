package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
	"ratify/migrations"
)

// trSnapshot is one reference file of ratifications and its instrument.
type trSnapshot struct {
	code, file string
}

var trSnapshots = []trSnapshot{
	{"ICRMW", "icrmw.csv"}, {"C097", "ilo_c097.csv"}, {"C143", "ilo_c143.csv"}, {"C189", "ilo_c189.csv"},
}

// trReadData reads one embedded reference file.
func trReadData(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := migrations.Data.Open("data/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := store.ReadCSVRecords(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return rows
}

// trICRMWCounts counts the ICRMW parties and signature-only states in the
// reference file itself, so the tests follow the data and not a constant.
func trICRMWCounts(t *testing.T) (parties, signedOnly int) {
	t.Helper()
	for _, r := range trReadData(t, "icrmw.csv") {
		switch r["action"] {
		case "ratification", "accession", "succession":
			parties++
		case "signature_only":
			signedOnly++
		default:
			t.Fatalf("icrmw.csv line %s: action %q", r["_line"], r["action"])
		}
	}
	return parties, signedOnly
}

func TestRefDataCountriesInstrumentsStages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		countries, err := st.ListCountries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(countries) != 195 {
			t.Errorf("%d countries, want 195", len(countries))
		}
		file := map[string]map[string]string{}
		for _, r := range trReadData(t, "countries.csv") {
			file[r["iso3"]] = r
		}
		if len(file) != len(countries) {
			t.Errorf("countries.csv has %d states, the database %d", len(file), len(countries))
		}
		for _, c := range countries {
			r, ok := file[c.ISO3]
			if !ok {
				t.Errorf("%s is not in countries.csv", c.ISO3)
				continue
			}
			if c.Name != r["name"] || c.ISO2 != r["iso2"] || c.M49 != r["m49_code"] || c.Region != r["un_region"] ||
				c.Subregion != r["un_subregion"] || c.Source == "" || c.Source != r["source"] {
				t.Errorf("%s loaded as %+v, file says %v", c.ISO3, c, r)
			}
			if c.Priority != model.PriorityNone || c.StageID != nil || c.FocalOrganisationID != nil || c.FocalUserID != nil {
				t.Errorf("%s starts with campaign fields set: %+v", c.ISO3, c)
			}
		}
		civ, err := st.GetCountry(ctx, "civ")
		if err != nil || civ.Name != "Côte d'Ivoire" {
			t.Errorf("GetCountry(civ) = %+v, %v", civ, err)
		}

		insts, err := st.ListInstruments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range insts {
			got = append(got, in.Code+":"+string(in.Kind))
			if in.Title == "" || in.ShortTitle == "" || in.AdoptedDate == nil {
				t.Errorf("instrument %s incomplete: %+v", in.Code, in)
			}
		}
		want := []string{"ICRMW:un_treaty", "C097:ilo_convention", "C143:ilo_convention", "C189:ilo_convention"}
		if !slices.Equal(got, want) {
			t.Errorf("instruments = %v, want %v", got, want)
		}
		if icrmw, err := st.GetInstrument(ctx, "ICRMW"); err != nil || !icrmw.HasSignature() {
			t.Errorf("ICRMW: %+v, %v", icrmw, err)
		}
		if c097, err := st.GetInstrument(ctx, "C097"); err != nil || c097.HasSignature() {
			t.Errorf("C097: %+v, %v", c097, err)
		}
		if _, err := st.GetInstrument(ctx, "C999"); model.ErrorCode(err) != model.CodeNotFound {
			t.Errorf("GetInstrument(C999) = %v, want not found", err)
		}

		stages, err := st.ListStages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i, s := range stages {
			names = append(names, s.Name)
			if s.Position != i+1 {
				t.Errorf("stage %q at position %d, want %d", s.Name, s.Position, i+1)
			}
		}
		wantStages := []string{"Not engaged", "First contact", "Dialogue", "Commitment", "In procedure / parliament", "Ratified"}
		if !slices.Equal(names, wantStages) || !slices.Equal(names, store.RefStages) {
			t.Errorf("stages = %q, want %q", names, wantStages)
		}
	})
}

func TestRefDataRatifications(t *testing.T) {
	parties, signedOnly := trICRMWCounts(t)
	if parties != 59 || signedOnly != 11 {
		t.Fatalf("icrmw.csv counts %d parties and %d signed only; the UN page of 26 Sep 2023 says 59 and 11", parties, signedOnly)
	}
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rats, err := st.AllRatifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]model.Ratification{}
		for _, r := range rats {
			byKey[r.CountryISO3+"/"+r.InstrumentCode] = r
			if strings.TrimSpace(r.Source) == "" {
				t.Errorf("%s/%s has no source", r.CountryISO3, r.InstrumentCode)
			}
			if r.UpdatedByID != nil {
				t.Errorf("%s/%s loaded with an author", r.CountryISO3, r.InstrumentCode)
			}
		}
		total := 0
		for _, snap := range trSnapshots {
			rows := trReadData(t, snap.file)
			total += len(rows)
			for _, row := range rows {
				r, ok := byKey[row["iso3"]+"/"+snap.code]
				if !ok {
					t.Errorf("%s line %s (%s) not loaded", snap.file, row["_line"], row["iso3"])
					continue
				}
				// Each date keeps the form and precision of the file.
				if got := r.Signature().ISO(); got != row["signature_date"] || string(r.SignaturePrecision) != row["signature_precision"] {
					t.Errorf("%s/%s signature = %q (%s), file %q (%s)", r.CountryISO3, snap.code, got, r.SignaturePrecision, row["signature_date"], row["signature_precision"])
				}
				if got := r.Ratified().ISO(); got != row["ratification_date"] || string(r.RatificationPrecision) != row["ratification_precision"] {
					t.Errorf("%s/%s ratification = %q (%s), file %q (%s)", r.CountryISO3, snap.code, got, r.RatificationPrecision, row["ratification_date"], row["ratification_precision"])
				}
				if r.Source != row["source"] || r.Notes != row["notes"] {
					t.Errorf("%s/%s source/notes differ from the file", r.CountryISO3, snap.code)
				}
				if (snap.code == "ICRMW") != (r.AsOf != nil) {
					t.Errorf("%s/%s as of = %v", r.CountryISO3, snap.code, r.AsOf)
				}
			}
		}
		if len(rats) != total {
			t.Errorf("%d ratification rows, the files have %d", len(rats), total)
		}

		var p, s int
		for _, r := range rats {
			if r.InstrumentCode != "ICRMW" {
				continue
			}
			switch {
			case r.Status.Party():
				p++
			case r.Status == model.StatusSigned:
				s++
			}
		}
		if p != parties || s != signedOnly {
			t.Errorf("ICRMW in the database: %d parties, %d signed only; want %d and %d", p, s, parties, signedOnly)
		}

		moz, err := st.GetRatification(ctx, "MOZ", "ICRMW")
		if err != nil {
			t.Fatal(err)
		}
		if moz.Status != model.StatusRatified || moz.RatificationPrecision != model.PrecisionYear ||
			moz.Ratified().ISO() != "2013" || moz.Ratified().Human() != "2013" || moz.Signature().ISO() != "2012-03-15" {
			t.Errorf("MOZ/ICRMW = %s, signature %q (%s), ratification %q (%s)", moz.Status,
				moz.Signature().ISO(), moz.SignaturePrecision, moz.Ratified().ISO(), moz.RatificationPrecision)
		}
		if moz.AsOf == nil || moz.AsOf.UTC().Format("2006-01-02") != "2023-09-26" {
			t.Errorf("MOZ/ICRMW as of %v", moz.AsOf)
		}
		if _, err := st.GetRatification(ctx, "KEN", "ICRMW"); model.ErrorCode(err) != model.CodeNotFound {
			t.Errorf("KEN/ICRMW: %v, want not found (status none)", err)
		}
	})
}

// trSQL is the raw pool: the immutability tests go around the store on purpose.
func trSQL(t *testing.T, st *store.Store) *sql.DB {
	t.Helper()
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func trRebind(st *store.Store, q string) string {
	if st.Dialect() != store.Postgres {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// trEvents fingerprints every event row.
func trEvents(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := trSQL(t, st).Query(`SELECT id, country_iso3, instrument_code, COALESCE(actor_id, 0), from_status, to_status, changes, source, note FROM ratification_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, actor int64
		var iso, code, from, to, changes, source, note string
		if err := rows.Scan(&id, &iso, &code, &actor, &from, &to, &changes, &source, &note); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d\x1f%s\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", id, iso, code, actor, from, to, changes, source, note))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRefDataOneEventPerLoadedRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rats, err := st.AllRatifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, s := range trSnapshots {
			files[s.code] = s.file
		}
		events := map[string][]string{}
		for _, line := range trEvents(t, st) {
			f := strings.Split(line, "\x1f")
			events[f[1]+"/"+f[2]] = append(events[f[1]+"/"+f[2]], line)
		}
		if len(events) != len(rats) {
			t.Errorf("events cover %d standings, %d were loaded", len(events), len(rats))
		}
		for _, r := range rats {
			key := r.CountryISO3 + "/" + r.InstrumentCode
			evs := events[key]
			if len(evs) != 1 {
				t.Errorf("%s has %d events, want exactly 1", key, len(evs))
				continue
			}
			f := strings.Split(evs[0], "\x1f")
			wantNote := "loaded from the reference data file " + files[r.InstrumentCode]
			if f[3] != "0" || f[4] != "none" || f[5] != string(r.Status) || f[7] != r.Source || f[8] != wantNote || f[6] == "" {
				t.Errorf("%s event = actor %s, %s → %s, source match %t, note %q, changes %q", key, f[3], f[4], f[5], f[7] == r.Source, f[8], f[6])
			}
		}

		// Through the store: the timeline of a year-only ratification shows the year.
		evs, err := st.RatificationEvents(ctx, "MOZ", "ICRMW")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != nil || evs[0].ActorID != nil ||
			evs[0].Note != "loaded from the reference data file icrmw.csv" || !strings.Contains(evs[0].Changes, "2013") || strings.Contains(evs[0].Changes, "2013-01-01") || strings.Contains(evs[0].Changes, "1 Jan 2013") {
			t.Errorf("MOZ/ICRMW events = %+v", evs)
		}
		// Loaded rows are not "latest changes by people".
		latest, err := st.LatestEvents(ctx, 10)
		if err != nil || len(latest) != 0 {
			t.Errorf("LatestEvents after the load = %d, %v", len(latest), err)
		}
	})
}

// TestRatificationEventsAreImmutable: the store offers no way to change an
// event, and the database refuses raw UPDATE and DELETE on both dialects; a
// correction is a new event.
func TestRatificationEventsAreImmutable(t *testing.T) {
	// The methods that touch events append or read: none changes or removes one.
	mutating := []string{"Update", "Delete", "Save", "Set", "Edit", "Remove", "Correct", "Replace", "Upsert", "Purge", "Clear", "Change", "Patch", "Modify", "Rewrite", "Truncate"}
	var found []string
	typ := reflect.TypeOf(&store.Store{})
	for i := 0; i < typ.NumMethod(); i++ {
		name := typ.Method(i).Name
		if !strings.Contains(strings.ToLower(name), "event") {
			continue
		}
		found = append(found, name)
		for _, verb := range mutating {
			if strings.Contains(name, verb) {
				t.Errorf("store method %s can change ratification events; a correction must be a new event", name)
			}
		}
	}
	sort.Strings(found)
	if !slices.Contains(found, "AddRatificationEvent") || !slices.Contains(found, "RatificationEvents") {
		t.Errorf("store methods on events = %v: the append and read methods are missing", found)
	}

	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		db := trSQL(t, st)
		before := trEvents(t, st)
		if len(before) == 0 {
			t.Fatal("no events loaded")
		}
		var id int64
		if err := db.QueryRow(trRebind(st, `SELECT id FROM ratification_events WHERE country_iso3 = ? AND instrument_code = ?`), "MOZ", "ICRMW").Scan(&id); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"UPDATE ratification_events SET note = 'rewritten' WHERE id = ?",
			"UPDATE ratification_events SET to_status = 'none', source = '' WHERE id = ?",
			"DELETE FROM ratification_events WHERE id = ?",
		} {
			if _, err := db.Exec(trRebind(st, q), id); err == nil {
				t.Errorf("%s: the database allowed it", q)
			} else if !strings.Contains(err.Error(), "never changed or deleted") {
				t.Errorf("%s: %v (not the trigger's message)", q, err)
			}
		}
		for _, q := range []string{"UPDATE ratification_events SET note = ''", "DELETE FROM ratification_events"} {
			if _, err := db.Exec(q); err == nil {
				t.Errorf("%s: the database allowed it", q)
			}
		}
		// Nor inside a transaction that then tries to commit.
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(trRebind(st, "DELETE FROM ratification_events WHERE id = ?"), id); err == nil {
			t.Error("DELETE in a transaction was allowed")
		}
		_ = tx.Rollback()
		if after := trEvents(t, st); !slices.Equal(after, before) {
			t.Fatalf("events changed: %d before, %d after", len(before), len(after))
		}

		// A correction is a new event beside the old one.
		now := time.Now().UTC()
		corr := &model.RatificationEvent{CountryISO3: "MOZ", InstrumentCode: "ICRMW", At: now, FromStatus: "ratified", ToStatus: "ratified",
			Changes: "ratification: 2013 → 2014", Source: "https://example.org/correction", Note: "correction"}
		if err := st.AddRatificationEvent(ctx, corr); err != nil {
			t.Fatal(err)
		}
		if corr.ID == 0 {
			t.Error("the new event has no id")
		}
		evs, err := st.RatificationEvents(ctx, "MOZ", "ICRMW")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].ID != corr.ID || evs[1].ID != id || evs[1].Note != "loaded from the reference data file icrmw.csv" {
			t.Errorf("timeline after a correction = %+v", evs)
		}
		after := trEvents(t, st)
		if len(after) != len(before)+1 || !slices.Equal(after[:len(before)], before) {
			t.Errorf("a correction changed older events")
		}
	})
}
