package model

import (
	"fmt"
	"strings"
	"time"
)

// Precision says how much of a date is known. Many ILO ratification dates
// are known only to the year: they are stored as 1 January of that year with
// PrecisionYear and always shown as "1979", never "1979-01-01".
type Precision string

const (
	PrecisionNone    Precision = ""        // no such date
	PrecisionDay     Precision = "day"     // 2007-06-05
	PrecisionMonth   Precision = "month"   // 2007-06
	PrecisionYear    Precision = "year"    // 2007
	PrecisionUnknown Precision = "unknown" // the event happened; no source gives its date
)

// Valid reports whether p is known.
func (p Precision) Valid() bool {
	switch p {
	case PrecisionNone, PrecisionDay, PrecisionMonth, PrecisionYear, PrecisionUnknown:
		return true
	}
	return false
}

// PartialDate is a date with its precision.
type PartialDate struct {
	Time      *time.Time
	Precision Precision
}

// Known reports whether there is a date or an explicitly unknown one.
func (d PartialDate) Known() bool { return d.Precision != PrecisionNone }

// ISO renders "2007-06-05", "2007-06" or "2007" as far as the date is known.
func (d PartialDate) ISO() string {
	if d.Time == nil {
		return ""
	}
	t := d.Time.UTC()
	switch d.Precision {
	case PrecisionYear:
		return t.Format("2006")
	case PrecisionMonth:
		return t.Format("2006-01")
	case PrecisionDay:
		return t.Format("2006-01-02")
	}
	return ""
}

// Human renders "5 Jun 2007", "Jun 2007", "2007" or "date unknown".
func (d PartialDate) Human() string {
	if d.Precision == PrecisionUnknown {
		return "date unknown"
	}
	if d.Time == nil {
		return ""
	}
	t := d.Time.UTC()
	switch d.Precision {
	case PrecisionYear:
		return t.Format("2006")
	case PrecisionMonth:
		return t.Format("Jan 2006")
	}
	return t.Format("2 Jan 2006")
}

// Year is the year, or 0.
func (d PartialDate) Year() int {
	if d.Time == nil {
		return 0
	}
	return d.Time.UTC().Year()
}

// Equal compares date and precision.
func (d PartialDate) Equal(o PartialDate) bool {
	return d.Precision == o.Precision && d.ISO() == o.ISO()
}

// ParsePartialDate reads "YYYY-MM-DD", "YYYY-MM" or "YYYY". precision may be
// empty (taken from the form of s) or must agree with it; "unknown" requires
// an empty s. An empty s with an empty precision is "no date".
func ParsePartialDate(s string, precision string) (PartialDate, error) {
	s = strings.TrimSpace(s)
	p := Precision(strings.TrimSpace(precision))
	if !p.Valid() {
		return PartialDate{}, fmt.Errorf("precision must be day, month, year or unknown")
	}
	if s == "" {
		switch p {
		case PrecisionNone, PrecisionUnknown:
			return PartialDate{Precision: p}, nil
		}
		return PartialDate{}, fmt.Errorf("a %s precision needs a date", p)
	}
	if p == PrecisionUnknown {
		return PartialDate{}, fmt.Errorf("leave the date empty when its precision is unknown")
	}
	var layout string
	var form Precision
	switch len(s) {
	case 10:
		layout, form = "2006-01-02", PrecisionDay
	case 7:
		layout, form = "2006-01", PrecisionMonth
	case 4:
		layout, form = "2006", PrecisionYear
	default:
		return PartialDate{}, fmt.Errorf("use YYYY-MM-DD, YYYY-MM or YYYY")
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return PartialDate{}, fmt.Errorf("%q is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)", s)
	}
	if t.Year() < 1900 {
		return PartialDate{}, fmt.Errorf("%q is before 1900", s)
	}
	if p == PrecisionNone {
		p = form
	}
	if p != form {
		return PartialDate{}, fmt.Errorf("the date %q does not match precision %q", s, p)
	}
	return PartialDate{Time: &t, Precision: p}, nil
}

// After reports whether d is certainly later than o, comparing only what both know.
func (d PartialDate) After(o PartialDate) bool {
	if d.Time == nil || o.Time == nil {
		return false
	}
	return coarse(d, o.Precision).After(coarse(o, d.Precision))
}

// coarse truncates d to the coarser of its own precision and other.
func coarse(d PartialDate, other Precision) time.Time {
	t := d.Time.UTC()
	p := d.Precision
	if rank(other) > rank(p) {
		p = other
	}
	switch p {
	case PrecisionYear:
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case PrecisionMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

func rank(p Precision) int {
	switch p {
	case PrecisionYear:
		return 3
	case PrecisionMonth:
		return 2
	}
	return 1
}
