package model

import (
	"regexp"
	"strings"
	"time"
)

// InstrumentKind decides which steps a treaty has: ILO conventions are
// ratified without a signature step.
type InstrumentKind string

const (
	KindUNTreaty      InstrumentKind = "un_treaty"
	KindILOConvention InstrumentKind = "ilo_convention"
)

// Valid reports whether k is known.
func (k InstrumentKind) Valid() bool { return k == KindUNTreaty || k == KindILOConvention }

// Label is the kind's name for people.
func (k InstrumentKind) Label() string {
	if k == KindILOConvention {
		return "ILO convention"
	}
	return "UN treaty"
}

// Instrument is a treaty the campaign tracks.
type Instrument struct {
	Code        string `gorm:"primaryKey"`
	Title       string `gorm:"not null"`
	ShortTitle  string `gorm:"column:short_title;not null"`
	Kind        InstrumentKind
	AdoptedDate *time.Time `gorm:"column:adopted_date"`
	Position    int
	CreatedAt   time.Time
}

// TableName pins the table name.
func (Instrument) TableName() string { return "instruments" }

// HasSignature reports whether the instrument has a signature step.
func (i Instrument) HasSignature() bool { return i.Kind == KindUNTreaty }

var instrumentCode = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,15}$`)

// Validate checks an admin's new instrument.
func (i *Instrument) Validate(now time.Time) error {
	i.Code = strings.ToUpper(strings.TrimSpace(i.Code))
	i.Title = strings.TrimSpace(i.Title)
	i.ShortTitle = strings.TrimSpace(i.ShortTitle)
	fe := FieldErrors{}
	if !instrumentCode.MatchString(i.Code) {
		fe.Add("code", "use 2–16 capital letters and digits, starting with a letter, such as C181")
	}
	switch {
	case i.Title == "":
		fe.Add("title", "enter the instrument's full title")
	case len(i.Title) > 300:
		fe.Add("title", "use at most 300 characters")
	case !PlainLine(i.Title):
		fe.Add("title", NotPlainLine)
	}
	if i.ShortTitle == "" {
		i.ShortTitle = i.Code
	} else if len(i.ShortTitle) > 80 {
		fe.Add("short_title", "use at most 80 characters")
	} else if !PlainLine(i.ShortTitle) {
		fe.Add("short_title", NotPlainLine)
	}
	if !i.Kind.Valid() {
		fe.Add("kind", "choose un_treaty or ilo_convention")
	}
	if i.AdoptedDate != nil && i.AdoptedDate.After(now) {
		fe.Add("adopted_date", "the adoption date cannot be in the future")
	}
	return fe.Err()
}
