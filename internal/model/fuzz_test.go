package model

import (
	"testing"
	"time"
)

// FuzzParsePartialDate: any text and precision either parse to a date that
// prints back in its own form, or fail with an error; never a panic.
func FuzzParsePartialDate(f *testing.F) {
	for _, s := range [][2]string{{"2007-06-05", ""}, {"1979", "year"}, {"2013-02", "month"}, {"", "unknown"},
		{"2005", "day"}, {"0000-00-00", ""}, {"2024-02-30", "day"}, {"1e9", ""}, {"\x00", "day"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		d, err := ParsePartialDate(s, p)
		if err != nil {
			return
		}
		if d.Time == nil {
			if d.Precision != PrecisionNone && d.Precision != PrecisionUnknown {
				t.Fatalf("%q/%q: no date with precision %q", s, p, d.Precision)
			}
			return
		}
		back, err := ParsePartialDate(d.ISO(), string(d.Precision))
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q/%q → %q does not parse back: %v", s, p, d.ISO(), err)
		}
	})
}

// FuzzRatificationChange: validation never panics, whatever the input.
func FuzzRatificationChange(f *testing.F) {
	f.Add("ratified", "2005-01-01", "2006", "", "source", true)
	f.Add("signed", "", "", "unknown", "", false)
	f.Fuzz(func(t *testing.T, status, sig, rat, prec, source string, ilo bool) {
		s, _ := ParsePartialDate(sig, "")
		r, _ := ParsePartialDate(rat, prec)
		c := RatificationChange{Status: Status(status), Signature: s, Ratification: r, Source: source}
		k := KindUNTreaty
		if ilo {
			k = KindILOConvention
		}
		_ = c.Validate(k, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	})
}
