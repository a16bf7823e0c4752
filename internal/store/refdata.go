package store

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"ratify/internal/model"
	"ratify/migrations"
)

// RefDataVersion is the Go migration that loads the reference data. It has
// no SQL file: the same code runs on both dialects.
const RefDataVersion = 3

func refDataMigration(dialect string) *goose.Migration {
	up := func(ctx context.Context, tx *sql.Tx) error { return loadRefData(ctx, tx, dialect) }
	down := func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range []string{
			// Triggers keep events from being deleted one by one; the reference
			// load is undone by emptying the table with the trigger out of the way.
			dropEventGuards(dialect),
			"DELETE FROM ratification_events",
			restoreEventGuards(dialect),
			"DELETE FROM ratifications", "DELETE FROM countries", "DELETE FROM instruments", "DELETE FROM campaign_stages",
		} {
			if q == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("unload reference data: %w", err)
			}
		}
		return nil
	}
	return goose.NewGoMigration(RefDataVersion, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

func dropEventGuards(dialect string) string {
	if dialect == Postgres {
		return "ALTER TABLE ratification_events DISABLE TRIGGER ratification_events_no_update"
	}
	return "DROP TRIGGER ratification_events_no_delete"
}

func restoreEventGuards(dialect string) string {
	if dialect == Postgres {
		return "ALTER TABLE ratification_events ENABLE TRIGGER ratification_events_no_update"
	}
	return `CREATE TRIGGER ratification_events_no_delete BEFORE DELETE ON ratification_events
BEGIN SELECT RAISE(ABORT, 'ratification events are never changed or deleted'); END`
}

// rebind turns ? placeholders into $1… for PostgreSQL.
func rebind(dialect, q string) string {
	if dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var refInstruments = []struct {
	code, title, short string
	kind               model.InstrumentKind
	adopted            string
}{
	{"ICRMW", "International Convention on the Protection of the Rights of All Migrant Workers and Members of Their Families", "Migrant Workers Convention", model.KindUNTreaty, "1990-12-18"},
	{"C097", "Migration for Employment Convention (Revised), 1949 (No. 97)", "ILO C97 Migration for Employment", model.KindILOConvention, "1949-07-01"},
	{"C143", "Migrant Workers (Supplementary Provisions) Convention, 1975 (No. 143)", "ILO C143 Migrant Workers", model.KindILOConvention, "1975-06-24"},
	{"C189", "Domestic Workers Convention, 2011 (No. 189)", "ILO C189 Domestic Workers", model.KindILOConvention, "2011-06-16"},
}

// RefStages is the first campaign pipeline; admins edit it later.
var RefStages = []string{"Not engaged", "First contact", "Dialogue", "Commitment", "In procedure / parliament", "Ratified"}

// refSnapshots maps each instrument to its snapshot file and the date the
// snapshot speaks for, where the data's README states one.
var refSnapshots = []struct {
	code, file string
	asOf       string
}{
	{"ICRMW", "data/icrmw.csv", "2023-09-26"},
	{"C097", "data/ilo_c097.csv", ""},
	{"C143", "data/ilo_c143.csv", ""},
	{"C189", "data/ilo_c189.csv", ""},
}

func loadRefData(ctx context.Context, tx *sql.Tx, dialect string) error {
	now := time.Now().UTC()
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, rebind(dialect, q), args...)
		return err
	}
	for i, name := range RefStages {
		if err := exec("INSERT INTO campaign_stages (position, name, created_at) VALUES (?, ?, ?)", i+1, name, now); err != nil {
			return fmt.Errorf("stage %s: %w", name, err)
		}
	}
	for i, in := range refInstruments {
		adopted, _ := time.Parse("2006-01-02", in.adopted)
		if err := exec("INSERT INTO instruments (code, title, short_title, kind, adopted_date, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			in.code, in.title, in.short, string(in.kind), adopted, i+1, now); err != nil {
			return fmt.Errorf("instrument %s: %w", in.code, err)
		}
	}
	countries, err := readCSV("data/countries.csv")
	if err != nil {
		return err
	}
	for _, c := range countries {
		if err := exec(`INSERT INTO countries (iso3, iso2, m49, name, un_status, region, subregion, intermediate_region, source, priority)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'none')`,
			c["iso3"], c["iso2"], c["m49_code"], c["name"], c["un_status"], c["un_region"], c["un_subregion"], c["un_intermediate_region"], c["source"]); err != nil {
			return fmt.Errorf("country %s: %w", c["iso3"], err)
		}
	}
	for _, snap := range refSnapshots {
		rows, err := readCSV(snap.file)
		if err != nil {
			return err
		}
		var asOf *time.Time
		if snap.asOf != "" {
			t, _ := time.Parse("2006-01-02", snap.asOf)
			asOf = &t
		}
		for _, row := range rows {
			r, err := ParseSnapshotRow(snap.code, row)
			if err != nil {
				return fmt.Errorf("%s line %s: %w", snap.file, row["_line"], err)
			}
			if err := exec(`INSERT INTO ratifications (country_iso3, instrument_code, status, signature_date, signature_precision,
				ratification_date, ratification_precision, entry_into_force, entry_into_force_precision, notes, source, as_of, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, ?, ?)`,
				r.CountryISO3, snap.code, string(r.Status), r.SignatureDate, string(r.SignaturePrecision),
				r.RatificationDate, string(r.RatificationPrecision), r.Notes, r.Source, asOf, now); err != nil {
				return fmt.Errorf("%s %s: %w", snap.code, r.CountryISO3, err)
			}
			if err := exec(`INSERT INTO ratification_events (country_iso3, instrument_code, at, actor_id, from_status, to_status, changes, source, note)
				VALUES (?, ?, ?, NULL, 'none', ?, ?, ?, ?)`,
				r.CountryISO3, snap.code, now, string(r.Status), describeLoaded(r), r.Source,
				"loaded from the reference data file "+strings.TrimPrefix(snap.file, "data/")); err != nil {
				return fmt.Errorf("%s %s event: %w", snap.code, r.CountryISO3, err)
			}
		}
	}
	return nil
}

func describeLoaded(r *model.Ratification) string {
	var parts []string
	if d := r.Signature(); d.Known() {
		parts = append(parts, "signature "+d.Human())
	}
	if d := r.Ratified(); d.Known() {
		parts = append(parts, strings.ToLower(r.Status.Label())+" "+d.Human())
	}
	if len(parts) == 0 {
		return "status " + r.Status.Label()
	}
	return strings.Join(parts, "; ")
}

// readCSV reads an embedded CSV into maps keyed by header, with "_line".
func readCSV(name string) ([]map[string]string, error) {
	f, err := migrations.Data.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reference data %s: %w", name, err)
	}
	defer f.Close()
	return ReadCSVRecords(f)
}

// ReadCSVRecords reads a CSV with a header into maps keyed by column name;
// each map also holds "_line", the record's line number.
func ReadCSVRecords(r io.Reader) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		m := map[string]string{"_line": strconv.Itoa(line)}
		for i, h := range header {
			m[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
}

// ParseSnapshotRow reads one row of a ratification snapshot file: icrmw.csv
// has signature and ratification dates and an action; the ILO files have a
// ratification date and a status.
func ParseSnapshotRow(code string, row map[string]string) (*model.Ratification, error) {
	r := &model.Ratification{CountryISO3: strings.ToUpper(row["iso3"]), InstrumentCode: code,
		Notes: row["notes"], Source: row["source"]}
	if len(r.CountryISO3) != 3 {
		return nil, fmt.Errorf("iso3 %q is not a 3-letter code", row["iso3"])
	}
	sig, err := model.ParsePartialDate(row["signature_date"], row["signature_precision"])
	if err != nil {
		return nil, fmt.Errorf("signature_date: %w", err)
	}
	rat, err := model.ParsePartialDate(row["ratification_date"], row["ratification_precision"])
	if err != nil {
		return nil, fmt.Errorf("ratification_date: %w", err)
	}
	r.SignatureDate, r.SignaturePrecision = sig.Time, sig.Precision
	r.RatificationDate, r.RatificationPrecision = rat.Time, rat.Precision
	if _, ok := row["action"]; ok {
		switch row["action"] {
		case "ratification":
			r.Status = model.StatusRatified
		case "accession":
			r.Status = model.StatusAcceded
		case "succession":
			r.Status = model.StatusSucceeded
		case "signature_only":
			r.Status = model.StatusSigned
		default:
			return nil, fmt.Errorf("action %q is not ratification, accession, succession or signature_only", row["action"])
		}
	} else {
		switch row["status"] {
		case "in_force", "not_in_force":
			r.Status = model.StatusRatified
		case "denounced":
			r.Status = model.StatusDenounced
		default:
			return nil, fmt.Errorf("status %q is not in_force, not_in_force or denounced", row["status"])
		}
	}
	if r.Source == "" {
		return nil, fmt.Errorf("source is empty")
	}
	return r, nil
}
