package model_test

import (
	"strings"
	"testing"
	"time"

	"ratify/internal/model"
)

// trDate builds a PartialDate the way the parser would, for tests that need
// a known value without going through ParsePartialDate.
func trDate(t *testing.T, s, precision string) model.PartialDate {
	t.Helper()
	d, err := model.ParsePartialDate(s, precision)
	if err != nil {
		t.Fatalf("ParsePartialDate(%q, %q): %v", s, precision, err)
	}
	return d
}

func TestParsePartialDateAccepts(t *testing.T) {
	cases := []struct {
		s, precision string
		want         model.Precision
		iso, human   string
	}{
		{"2007-06-05", "", model.PrecisionDay, "2007-06-05", "5 Jun 2007"},
		{"2007-06-05", "day", model.PrecisionDay, "2007-06-05", "5 Jun 2007"},
		{"2007-06", "", model.PrecisionMonth, "2007-06", "Jun 2007"},
		{"2007-06", "month", model.PrecisionMonth, "2007-06", "Jun 2007"},
		{"2013", "", model.PrecisionYear, "2013", "2013"},
		{"2013", "year", model.PrecisionYear, "2013", "2013"},
		{" 1979 ", " year ", model.PrecisionYear, "1979", "1979"},
		{"", "", model.PrecisionNone, "", ""},
		{"", "unknown", model.PrecisionUnknown, "", "date unknown"},
		{"  ", "unknown", model.PrecisionUnknown, "", "date unknown"},
	}
	for _, c := range cases {
		d, err := model.ParsePartialDate(c.s, c.precision)
		if err != nil {
			t.Errorf("ParsePartialDate(%q, %q): %v", c.s, c.precision, err)
			continue
		}
		if d.Precision != c.want {
			t.Errorf("ParsePartialDate(%q, %q) precision = %q, want %q", c.s, c.precision, d.Precision, c.want)
		}
		if got := d.ISO(); got != c.iso {
			t.Errorf("ParsePartialDate(%q, %q).ISO() = %q, want %q", c.s, c.precision, got, c.iso)
		}
		if got := d.Human(); got != c.human {
			t.Errorf("ParsePartialDate(%q, %q).Human() = %q, want %q", c.s, c.precision, got, c.human)
		}
		wantKnown := c.want != model.PrecisionNone
		if d.Known() != wantKnown {
			t.Errorf("ParsePartialDate(%q, %q).Known() = %t, want %t", c.s, c.precision, d.Known(), wantKnown)
		}
		if (d.Time != nil) != (c.iso != "") {
			t.Errorf("ParsePartialDate(%q, %q).Time = %v", c.s, c.precision, d.Time)
		}
	}
}

func TestParsePartialDateRefuses(t *testing.T) {
	cases := []struct {
		s, precision string
		why          string // a word the message must contain
	}{
		{"2005", "day", "does not match"},
		{"2005", "month", "does not match"},
		{"2005-06-01", "year", "does not match"},
		{"2005-06", "day", "does not match"},
		{"2013", "unknown", "empty"},
		{"2013-01-01", "unknown", "empty"},
		{"", "day", "needs a date"},
		{"", "year", "needs a date"},
		{"2005", "decade", "precision"},
		{"2005-13-01", "", "not a date"},
		{"2005-02-30", "", "not a date"},
		{"05-06-2005", "", "not a date"},
		{"20050", "", "YYYY"},
		{"yesterday", "", "YYYY"},
		{"1899", "", "1900"},
		{"abcd", "", "not a date"},
	}
	for _, c := range cases {
		d, err := model.ParsePartialDate(c.s, c.precision)
		if err == nil {
			t.Errorf("ParsePartialDate(%q, %q) = %+v, want an error", c.s, c.precision, d)
			continue
		}
		if !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParsePartialDate(%q, %q) error %q does not mention %q", c.s, c.precision, err, c.why)
		}
	}
}

// A year-only date is stored as 1 January but must never be shown as such.
func TestYearOnlyDateNeverShowsJanuaryFirst(t *testing.T) {
	d := trDate(t, "2013", "year")
	if d.Time == nil || !d.Time.Equal(time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored time = %v, want 2013-01-01", d.Time)
	}
	for name, s := range map[string]string{"ISO": d.ISO(), "Human": d.Human()} {
		if s != "2013" {
			t.Errorf("%s() = %q, want 2013", name, s)
		}
		if strings.Contains(s, "-01") || strings.Contains(s, "Jan") {
			t.Errorf("%s() = %q shows a day or month that is not known", name, s)
		}
	}
	if d.Year() != 2013 {
		t.Errorf("Year() = %d", d.Year())
	}
	// Rebuilt from the database (time and precision columns), it stays a year.
	stored := time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := (model.PartialDate{Time: &stored, Precision: model.PrecisionYear}).ISO(); got != "2013" {
		t.Errorf("from the row: ISO() = %q", got)
	}
}

func TestPartialDateUnknownAndNone(t *testing.T) {
	var none model.PartialDate
	if none.Known() || none.ISO() != "" || none.Human() != "" || none.Year() != 0 {
		t.Errorf("zero PartialDate: known=%t iso=%q human=%q year=%d", none.Known(), none.ISO(), none.Human(), none.Year())
	}
	unknown := model.PartialDate{Precision: model.PrecisionUnknown}
	if !unknown.Known() || unknown.ISO() != "" || unknown.Human() != "date unknown" || unknown.Year() != 0 {
		t.Errorf("unknown PartialDate: known=%t iso=%q human=%q year=%d", unknown.Known(), unknown.ISO(), unknown.Human(), unknown.Year())
	}
	for _, p := range []model.Precision{"", "day", "month", "year", "unknown"} {
		if !p.Valid() {
			t.Errorf("precision %q should be valid", p)
		}
	}
	for _, p := range []model.Precision{"Day", "decade", "days"} {
		if p.Valid() {
			t.Errorf("precision %q should be invalid", p)
		}
	}
}

func TestPartialDateEqual(t *testing.T) {
	if !trDate(t, "2013", "").Equal(trDate(t, "2013", "year")) {
		t.Error("2013 and 2013/year differ")
	}
	if trDate(t, "2013", "").Equal(trDate(t, "2013-01-01", "")) {
		t.Error("the year 2013 equals the day 1 Jan 2013: precision must count")
	}
	if !trDate(t, "", "unknown").Equal(trDate(t, "", "unknown")) {
		t.Error("two unknown dates differ")
	}
	if trDate(t, "", "unknown").Equal(model.PartialDate{}) {
		t.Error("an unknown date equals no date")
	}
}

// After compares only what both dates know: at the coarser precision.
func TestPartialDateAfterComparesAtCoarserPrecision(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"2005-06-01", "2005", false}, // same year: not certainly later
		{"2005", "2005-06-01", false},
		{"2005-06-01", "2004", true},
		{"2004", "2005-06-01", false},
		{"2005-06-02", "2005-06-01", true},
		{"2005-06-01", "2005-06-01", false},
		{"2005-07-01", "2005-06", true},
		{"2005-06-30", "2005-06", false},
		{"2006", "2005-12-31", true},
	}
	for _, c := range cases {
		if got := trDate(t, c.a, "").After(trDate(t, c.b, "")); got != c.want {
			t.Errorf("%s.After(%s) = %t, want %t", c.a, c.b, got, c.want)
		}
	}
	if trDate(t, "2005", "").After(trDate(t, "", "unknown")) || trDate(t, "", "unknown").After(trDate(t, "2005", "")) {
		t.Error("an unknown date is never before or after another")
	}
}
