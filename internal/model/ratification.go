package model

import (
	"fmt"
	"strings"
	"time"
)

// Status is where a state stands on an instrument.
type Status string

const (
	StatusNone      Status = "none"
	StatusSigned    Status = "signed"
	StatusRatified  Status = "ratified"
	StatusAcceded   Status = "acceded"
	StatusSucceeded Status = "succeeded"
	StatusDenounced Status = "denounced"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusNone, StatusSigned, StatusRatified, StatusAcceded, StatusSucceeded, StatusDenounced}

// Valid reports whether s is known.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Party reports whether the state is bound: ratified, acceded or succeeded.
func (s Status) Party() bool {
	return s == StatusRatified || s == StatusAcceded || s == StatusSucceeded
}

// Class is the palette class: party, signed, none or denounced.
func (s Status) Class() string {
	switch {
	case s.Party():
		return "party"
	case s == StatusSigned:
		return "signed"
	case s == StatusDenounced:
		return "denounced"
	}
	return "none"
}

// Label is the status for people.
func (s Status) Label() string {
	switch s {
	case StatusSigned:
		return "Signed"
	case StatusRatified:
		return "Ratified"
	case StatusAcceded:
		return "Acceded"
	case StatusSucceeded:
		return "Succeeded"
	case StatusDenounced:
		return "Denounced"
	}
	return "Not party"
}

// AllowedFor reports whether the status exists for an instrument kind: ILO
// conventions are ratified or denounced, never signed, acceded or succeeded.
func (s Status) AllowedFor(k InstrumentKind) bool {
	if k == KindILOConvention {
		return s == StatusNone || s == StatusRatified || s == StatusDenounced
	}
	return s.Valid()
}

// Ratification is one state's standing on one instrument. A missing row
// means status none.
type Ratification struct {
	ID                      int64  `gorm:"primaryKey"`
	CountryISO3             string `gorm:"column:country_iso3"`
	InstrumentCode          string `gorm:"column:instrument_code"`
	Status                  Status
	SignatureDate           *time.Time `gorm:"column:signature_date"`
	SignaturePrecision      Precision  `gorm:"column:signature_precision"`
	RatificationDate        *time.Time `gorm:"column:ratification_date"`
	RatificationPrecision   Precision  `gorm:"column:ratification_precision"`
	EntryIntoForce          *time.Time `gorm:"column:entry_into_force"`
	EntryIntoForcePrecision Precision  `gorm:"column:entry_into_force_precision"`
	Notes                   string
	Source                  string
	AsOf                    *time.Time `gorm:"column:as_of"`
	UpdatedByID             *int64     `gorm:"column:updated_by_id"`
	UpdatedAt               time.Time
}

// TableName pins the table name.
func (Ratification) TableName() string { return "ratifications" }

// Signature is the signature date with its precision.
func (r *Ratification) Signature() PartialDate {
	return PartialDate{Time: r.SignatureDate, Precision: r.SignaturePrecision}
}

// Ratified is the ratification, accession or succession date.
func (r *Ratification) Ratified() PartialDate {
	return PartialDate{Time: r.RatificationDate, Precision: r.RatificationPrecision}
}

// InForce is the entry-into-force date.
func (r *Ratification) InForce() PartialDate {
	return PartialDate{Time: r.EntryIntoForce, Precision: r.EntryIntoForcePrecision}
}

// Year is the year shown in the comparative table: of the ratification when
// there is one, else of the signature.
func (r *Ratification) Year() int {
	if y := r.Ratified().Year(); y > 0 {
		return y
	}
	return r.Signature().Year()
}

// RatificationChange is a coordinator's record of a new standing.
type RatificationChange struct {
	Status       Status
	Signature    PartialDate
	Ratification PartialDate
	InForce      PartialDate
	Notes        string
	Source       string
	AsOf         *time.Time
	// Note explains the change in the timeline (optional).
	Note string
}

// Validate applies the rules of the tracker for an instrument of kind k at now.
func (c *RatificationChange) Validate(k InstrumentKind, now time.Time) error {
	c.Source = strings.TrimSpace(c.Source)
	c.Notes = strings.TrimSpace(c.Notes)
	c.Note = strings.TrimSpace(c.Note)
	fe := FieldErrors{}
	if !c.Status.Valid() {
		fe.Add("status", "choose one of: none, signed, ratified, acceded, succeeded, denounced")
	} else if !c.Status.AllowedFor(k) {
		fe.Add("status", fmt.Sprintf("an ILO convention is ratified or denounced; %q does not apply", c.Status))
	}
	if c.Source == "" {
		fe.Add("source", "say where this comes from: a URL or a reference (required for every change)")
	} else if len(c.Source) > 2000 {
		fe.Add("source", "use at most 2000 characters")
	} else if !PlainText(c.Source) {
		fe.Add("source", NotPlainLine)
	}
	if len(c.Notes) > 5000 {
		fe.Add("notes", "use at most 5000 characters")
	} else if !PlainText(c.Notes) {
		fe.Add("notes", NotPlainLine)
	}
	if len(c.Note) > 2000 {
		fe.Add("note", "use at most 2000 characters")
	} else if !PlainText(c.Note) {
		fe.Add("note", NotPlainLine)
	}
	if k == KindILOConvention && c.Signature.Known() {
		fe.Add("signature_date", "ILO conventions have no signature step; leave it empty")
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	future := func(field string, d PartialDate) {
		if d.Time != nil && d.Time.After(today) {
			fe.Add(field, "a date cannot be in the future")
		}
	}
	future("signature_date", c.Signature)
	future("ratification_date", c.Ratification)
	future("entry_into_force", c.InForce)
	if c.AsOf != nil && c.AsOf.After(today) {
		fe.Add("as_of", "the as-of date cannot be in the future")
	}
	switch {
	case c.Status == StatusNone:
		if c.Signature.Known() || c.Ratification.Known() {
			fe.Add("status", "a state that is not party has no signature or ratification date; choose signed, ratified or denounced")
		}
	case c.Status == StatusSigned:
		if !c.Signature.Known() {
			fe.Add("signature_date", "a signed status needs the signature date, or precision \"unknown\"")
		}
		if c.Ratification.Known() {
			fe.Add("ratification_date", "a state that only signed has no ratification date; choose ratified instead")
		}
	case c.Status.Party():
		if !c.Ratification.Known() {
			fe.Add("ratification_date", "this status needs its date, or precision \"unknown\"")
		}
		if c.Status == StatusRatified && k == KindUNTreaty && !c.Signature.Known() {
			fe.Add("signature_date", "ratification follows a signature; give the signature date (or precision \"unknown\"), or choose acceded")
		}
	case c.Status == StatusDenounced:
		if !c.Ratification.Known() {
			fe.Add("ratification_date", "a denounced instrument was ratified first; give that date, or precision \"unknown\"")
		}
	}
	if c.Signature.After(c.Ratification) {
		fe.Add("ratification_date", "the ratification cannot come before the signature")
	}
	if c.InForce.Time != nil && c.Ratification.Time != nil && c.Ratification.After(c.InForce) {
		fe.Add("entry_into_force", "entry into force cannot come before the ratification")
	}
	return fe.Err()
}

// RatificationEvent is one immutable line of a state's treaty timeline.
type RatificationEvent struct {
	ID             int64  `gorm:"primaryKey"`
	CountryISO3    string `gorm:"column:country_iso3"`
	InstrumentCode string `gorm:"column:instrument_code"`
	At             time.Time
	ActorID        *int64 `gorm:"column:actor_id"`
	Actor          *User  `gorm:"foreignKey:ActorID"`
	FromStatus     Status `gorm:"column:from_status"`
	ToStatus       Status `gorm:"column:to_status"`
	Changes        string
	Source         string
	Note           string
}

// TableName pins the table name.
func (RatificationEvent) TableName() string { return "ratification_events" }
