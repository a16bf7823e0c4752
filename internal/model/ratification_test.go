package model_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"ratify/internal/model"
)

// trNow is the clock of the validation tests.
var trNow = time.Date(2026, 6, 15, 14, 30, 0, 0, time.UTC)

// trFields returns the sorted field names of a validation error, or nil.
func trFields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := model.AsError(err)
	if !ok || e.Code != model.CodeInvalid {
		t.Fatalf("error %v is not an invalid-input model error", err)
	}
	keys := slices.Sorted(maps.Keys(e.Fields))
	for _, k := range keys {
		if strings.TrimSpace(e.Fields[k]) == "" {
			t.Errorf("field %s has an empty message", k)
		}
	}
	return keys
}

func TestRatificationChangeValidate(t *testing.T) {
	d := func(s, p string) model.PartialDate { return trDate(t, s, p) }
	unknown := model.PartialDate{Precision: model.PrecisionUnknown}
	day := func(s string) *time.Time {
		v, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	const src = "https://treaties.un.org/ example"
	un, ilo := model.KindUNTreaty, model.KindILOConvention
	cases := []struct {
		name   string
		kind   model.InstrumentKind
		ch     model.RatificationChange
		fields []string // the fields refused; nil means valid
	}{
		// Valid standings.
		{"un ratified after signature", un, model.RatificationChange{Status: "ratified", Signature: d("2004-08-10", ""), Ratification: d("2007-02-23", ""), Source: src}, nil},
		{"un signed", un, model.RatificationChange{Status: "signed", Signature: d("2013-09-26", ""), Source: src}, nil},
		{"un acceded without signature", un, model.RatificationChange{Status: "acceded", Ratification: d("2005-04-21", ""), Source: src}, nil},
		{"un succeeded", un, model.RatificationChange{Status: "succeeded", Ratification: d("1993", ""), Source: src}, nil},
		{"un none", un, model.RatificationChange{Status: "none", Source: src}, nil},
		{"ilo ratified", ilo, model.RatificationChange{Status: "ratified", Ratification: d("1979", "year"), Source: src}, nil},
		{"ilo denounced", ilo, model.RatificationChange{Status: "denounced", Ratification: d("1980-03-01", ""), Source: src}, nil},
		{"ilo none", ilo, model.RatificationChange{Status: "none", Source: src}, nil},
		{"entry into force after ratification", un, model.RatificationChange{Status: "acceded", Ratification: d("2007-06-05", ""), InForce: d("2007-10-01", ""), Source: src}, nil},
		{"dates today are not in the future", un, model.RatificationChange{Status: "ratified", Signature: d("2026-06-15", ""), Ratification: d("2026-06-15", ""), InForce: d("2026-06", ""), AsOf: day("2026-06-15"), Source: src}, nil},
		{"this year is not in the future", ilo, model.RatificationChange{Status: "ratified", Ratification: d("2026", ""), Source: src}, nil},

		// ILO conventions have no signature step, and are never signed, acceded or succeeded.
		{"ilo with a signature date", ilo, model.RatificationChange{Status: "ratified", Signature: d("2000-01-01", ""), Ratification: d("2001-01-01", ""), Source: src}, []string{"signature_date"}},
		{"ilo with an unknown signature", ilo, model.RatificationChange{Status: "ratified", Signature: unknown, Ratification: d("2001", ""), Source: src}, []string{"signature_date"}},
		{"ilo signed", ilo, model.RatificationChange{Status: "signed", Signature: d("2000-01-01", ""), Source: src}, []string{"signature_date", "status"}},
		{"ilo acceded", ilo, model.RatificationChange{Status: "acceded", Ratification: d("2001-01-01", ""), Source: src}, []string{"status"}},
		{"ilo succeeded", ilo, model.RatificationChange{Status: "succeeded", Ratification: d("2001-01-01", ""), Source: src}, []string{"status"}},

		// Dates are not in the future.
		{"future signature", un, model.RatificationChange{Status: "signed", Signature: d("2026-06-16", ""), Source: src}, []string{"signature_date"}},
		{"future ratification", un, model.RatificationChange{Status: "acceded", Ratification: d("2027", ""), Source: src}, []string{"ratification_date"}},
		{"future month", ilo, model.RatificationChange{Status: "ratified", Ratification: d("2026-07", ""), Source: src}, []string{"ratification_date"}},
		{"future entry into force", un, model.RatificationChange{Status: "acceded", Ratification: d("2026-01-10", ""), InForce: d("2026-09-01", ""), Source: src}, []string{"entry_into_force"}},
		{"future as-of", un, model.RatificationChange{Status: "none", AsOf: day("2026-06-16"), Source: src}, []string{"as_of"}},

		// Ratification is not before signature, compared at the coarser precision.
		{"ratification year of the signature day", un, model.RatificationChange{Status: "ratified", Signature: d("2005-06-01", ""), Ratification: d("2005", "year"), Source: src}, nil},
		{"ratification month of the signature day", un, model.RatificationChange{Status: "ratified", Signature: d("2005-06-20", ""), Ratification: d("2005-06", ""), Source: src}, nil},
		{"ratification year before the signature", un, model.RatificationChange{Status: "ratified", Signature: d("2005-06-01", ""), Ratification: d("2004", "year"), Source: src}, []string{"ratification_date"}},
		{"ratification day before the signature", un, model.RatificationChange{Status: "ratified", Signature: d("2005-06-01", ""), Ratification: d("2005-05-31", ""), Source: src}, []string{"ratification_date"}},
		{"entry into force before ratification", un, model.RatificationChange{Status: "acceded", Ratification: d("2007-06-05", ""), InForce: d("2007-06-04", ""), Source: src}, []string{"entry_into_force"}},

		// A status that needs a date takes "date unknown" only as precision unknown.
		{"ratified, both dates unknown", un, model.RatificationChange{Status: "ratified", Signature: unknown, Ratification: unknown, Source: src}, nil},
		{"signed, date unknown", un, model.RatificationChange{Status: "signed", Signature: unknown, Source: src}, nil},
		{"ilo ratified, date unknown", ilo, model.RatificationChange{Status: "ratified", Ratification: unknown, Source: src}, nil},
		{"denounced, ratification unknown", ilo, model.RatificationChange{Status: "denounced", Ratification: unknown, Source: src}, nil},
		{"ratified without any ratification date", un, model.RatificationChange{Status: "ratified", Signature: d("2001-01-01", ""), Source: src}, []string{"ratification_date"}},
		{"acceded without a date", un, model.RatificationChange{Status: "acceded", Source: src}, []string{"ratification_date"}},
		{"ilo ratified without a date", ilo, model.RatificationChange{Status: "ratified", Source: src}, []string{"ratification_date"}},
		{"signed without a date", un, model.RatificationChange{Status: "signed", Source: src}, []string{"signature_date"}},
		{"denounced without a date", ilo, model.RatificationChange{Status: "denounced", Source: src}, []string{"ratification_date"}},
		{"un ratified without a signature", un, model.RatificationChange{Status: "ratified", Ratification: d("2001-01-01", ""), Source: src}, []string{"signature_date"}},

		// Dates that contradict the status.
		{"none with a signature", un, model.RatificationChange{Status: "none", Signature: d("2001-01-01", ""), Source: src}, []string{"status"}},
		{"none with a ratification", ilo, model.RatificationChange{Status: "none", Ratification: d("2001-01-01", ""), Source: src}, []string{"status"}},
		{"signed with a ratification", un, model.RatificationChange{Status: "signed", Signature: d("2001-01-01", ""), Ratification: d("2002-01-01", ""), Source: src}, []string{"ratification_date"}},
		{"unknown status", un, model.RatificationChange{Status: "withdrawn", Source: src}, []string{"status"}},
		{"empty status", un, model.RatificationChange{Source: src}, []string{"status"}},

		// A source is required.
		{"no source", un, model.RatificationChange{Status: "none"}, []string{"source"}},
		{"blank source", ilo, model.RatificationChange{Status: "ratified", Ratification: d("1990", ""), Source: " \t\n "}, []string{"source"}},
		{"source too long", un, model.RatificationChange{Status: "none", Source: strings.Repeat("s", 2001)}, []string{"source"}},
		{"notes too long", un, model.RatificationChange{Status: "none", Source: src, Notes: strings.Repeat("n", 5001)}, []string{"notes"}},
		{"note too long", un, model.RatificationChange{Status: "none", Source: src, Note: strings.Repeat("n", 2001)}, []string{"note"}},

		// Text that PostgreSQL cannot store, or that hides control characters, is refused.
		{"NUL in the source", un, model.RatificationChange{Status: "none", Source: "a\x00b"}, []string{"source"}},
		{"invalid UTF-8 in the source", un, model.RatificationChange{Status: "none", Source: "a\xffb"}, []string{"source"}},
		{"NUL in the notes", un, model.RatificationChange{Status: "none", Source: src, Notes: "a\x00b"}, []string{"notes"}},
		{"escape in the note", un, model.RatificationChange{Status: "none", Source: src, Note: "a\x1b[31m"}, []string{"note"}},
		{"line breaks and tabs in notes", un, model.RatificationChange{Status: "none", Source: src + "\nsecond line", Notes: "a\r\nb\tc", Note: "x\ny"}, nil},

		// Several problems are all reported, each on its field.
		{"everything wrong", ilo, model.RatificationChange{Status: "signed", Signature: d("2030", ""), AsOf: day("2031-01-01")}, []string{"as_of", "signature_date", "source", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := c.ch
			got := trFields(t, ch.Validate(c.kind, trNow))
			if !slices.Equal(got, c.fields) {
				t.Errorf("refused fields = %v, want %v", got, c.fields)
			}
		})
	}
}

func TestRatificationChangeValidateTrims(t *testing.T) {
	ch := model.RatificationChange{Status: "none", Source: "  https://example.org  ", Notes: " n ", Note: "\tx\n"}
	if err := ch.Validate(model.KindUNTreaty, trNow); err != nil {
		t.Fatal(err)
	}
	if ch.Source != "https://example.org" || ch.Notes != "n" || ch.Note != "x" {
		t.Errorf("not trimmed: %+v", ch)
	}
}

// The precision mismatch of a typed date is refused before Validate runs:
// "2005" with precision day is not a date the tracker can hold.
func TestPrecisionMismatchIsRefused(t *testing.T) {
	if _, err := model.ParsePartialDate("2005", "day"); err == nil {
		t.Fatal(`"2005" with precision day was accepted`)
	}
	if _, err := model.ParsePartialDate("2005-06-01", "year"); err == nil {
		t.Fatal(`"2005-06-01" with precision year was accepted`)
	}
}

func TestPlainText(t *testing.T) {
	for s, want := range map[string]bool{
		"": true, "Côte d'Ivoire": true, "line 1\nline 2\r\n\tindented": true,
		"a\x00b": false, "a\x07b": false, "a\x1bb": false, "a\u0085b": false, "a\xffb": false,
	} {
		if got := model.PlainText(s); got != want {
			t.Errorf("PlainText(%q) = %t, want %t", s, got, want)
		}
	}
}

func TestStatusRules(t *testing.T) {
	party := map[model.Status]bool{"ratified": true, "acceded": true, "succeeded": true}
	ilo := map[model.Status]bool{"none": true, "ratified": true, "denounced": true}
	class := map[model.Status]string{"none": "none", "signed": "signed", "ratified": "party", "acceded": "party", "succeeded": "party", "denounced": "denounced"}
	for _, s := range model.Statuses {
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
		if s.Party() != party[s] {
			t.Errorf("%s.Party() = %t", s, s.Party())
		}
		if s.AllowedFor(model.KindILOConvention) != ilo[s] {
			t.Errorf("%s allowed for ILO = %t", s, s.AllowedFor(model.KindILOConvention))
		}
		if !s.AllowedFor(model.KindUNTreaty) {
			t.Errorf("%s not allowed for a UN treaty", s)
		}
		if s.Class() != class[s] {
			t.Errorf("%s.Class() = %q", s, s.Class())
		}
		if s.Label() == "" {
			t.Errorf("%s has no label", s)
		}
	}
	if model.Status("party").Valid() || model.Status("").Valid() || model.Status("Ratified").Valid() {
		t.Error("an unknown status is valid")
	}
}

func TestRatificationYear(t *testing.T) {
	sig := time.Date(2012, 3, 15, 0, 0, 0, 0, time.UTC)
	rat := time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)
	r := model.Ratification{Status: "ratified", SignatureDate: &sig, SignaturePrecision: "day", RatificationDate: &rat, RatificationPrecision: "year"}
	if r.Year() != 2013 || r.Ratified().ISO() != "2013" || r.Signature().ISO() != "2012-03-15" {
		t.Errorf("year %d, ratified %q, signature %q", r.Year(), r.Ratified().ISO(), r.Signature().ISO())
	}
	signed := model.Ratification{Status: "signed", SignatureDate: &sig, SignaturePrecision: "day"}
	if signed.Year() != 2012 {
		t.Errorf("signed year = %d", signed.Year())
	}
}
