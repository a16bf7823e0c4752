package model

import (
	"slices"
	"strings"
	"time"
)

// OutreachType is what kind of contact happened.
type OutreachType string

// Outreach types.
const (
	OutreachMeeting  OutreachType = "meeting"
	OutreachCall     OutreachType = "call"
	OutreachLetter   OutreachType = "letter"
	OutreachEmail    OutreachType = "email"
	OutreachEvent    OutreachType = "event"
	OutreachBriefing OutreachType = "briefing"
	OutreachQuestion OutreachType = "parliamentary_question"
	OutreachOther    OutreachType = "other"
)

// OutreachTypes lists the types in display order.
var OutreachTypes = []OutreachType{OutreachMeeting, OutreachCall, OutreachLetter, OutreachEmail, OutreachEvent, OutreachBriefing, OutreachQuestion, OutreachOther}

// Valid reports whether t is known.
func (t OutreachType) Valid() bool { return slices.Contains(OutreachTypes, t) }

// Label is the type for people.
func (t OutreachType) Label() string {
	switch t {
	case OutreachQuestion:
		return "Parliamentary question"
	case "":
		return ""
	}
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}

// Outcome is how an outreach went.
type Outcome string

// Outcomes.
const (
	OutcomePositive Outcome = "positive"
	OutcomeNeutral  Outcome = "neutral"
	OutcomeNegative Outcome = "negative"
	OutcomeUnknown  Outcome = "unknown"
)

// Outcomes lists the outcomes.
var Outcomes = []Outcome{OutcomePositive, OutcomeNeutral, OutcomeNegative, OutcomeUnknown}

// Valid reports whether o is known.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Label is the outcome for people.
func (o Outcome) Label() string {
	if o == "" {
		return ""
	}
	return strings.ToUpper(string(o[:1])) + string(o[1:])
}

// Visibility says who may see an outreach record.
type Visibility string

// Visibilities: the whole coalition, or only the writing organisation.
const (
	VisibleCoalition    Visibility = "coalition"
	VisibleOrganisation Visibility = "organisation"
)

// Valid reports whether v is known.
func (v Visibility) Valid() bool { return v == VisibleCoalition || v == VisibleOrganisation }

// Label is the visibility for people.
func (v Visibility) Label() string {
	if v == VisibleOrganisation {
		return "Own organisation only"
	}
	return "Coalition"
}

// OutreachInstrument links outreach to a treaty it concerned.
type OutreachInstrument struct {
	OutreachID     int64  `gorm:"column:outreach_id;primaryKey"`
	InstrumentCode string `gorm:"column:instrument_code;primaryKey"`
}

// TableName pins the table name.
func (OutreachInstrument) TableName() string { return "outreach_instruments" }

// OutreachContact links outreach to a person involved.
type OutreachContact struct {
	OutreachID int64    `gorm:"column:outreach_id;primaryKey"`
	ContactID  int64    `gorm:"column:contact_id;primaryKey"`
	Contact    *Contact `gorm:"foreignKey:ContactID"`
}

// TableName pins the table name.
func (OutreachContact) TableName() string { return "outreach_contacts" }

// Outreach is one meeting, call, letter or other action.
type Outreach struct {
	ID             int64 `gorm:"primaryKey"`
	Type           OutreachType
	Date           time.Time
	CountryISO3    *string  `gorm:"column:country_iso3"`
	Country        *Country `gorm:"foreignKey:CountryISO3"`
	Summary        string
	Outcome        Outcome
	NextSteps      string `gorm:"column:next_steps"`
	Visibility     Visibility
	OrganisationID int64         `gorm:"column:organisation_id"`
	Organisation   *Organisation `gorm:"foreignKey:OrganisationID"`
	UserID         int64         `gorm:"column:user_id"`
	User           *User         `gorm:"foreignKey:UserID"`
	CampaignID     *int64        `gorm:"column:campaign_id"`
	DeletedAt      *time.Time    `gorm:"column:deleted_at"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Instruments    []OutreachInstrument `gorm:"foreignKey:OutreachID"`
	Contacts       []OutreachContact    `gorm:"foreignKey:OutreachID"`
}

// TableName pins the table name.
func (Outreach) TableName() string { return "outreach" }

// InstrumentCodes lists the codes concerned.
func (o *Outreach) InstrumentCodes() []string {
	out := make([]string, len(o.Instruments))
	for i, x := range o.Instruments {
		out[i] = x.InstrumentCode
	}
	return out
}

// ContactIDs lists the people involved.
func (o *Outreach) ContactIDs() []int64 {
	out := make([]int64, len(o.Contacts))
	for i, x := range o.Contacts {
		out[i] = x.ContactID
	}
	return out
}

// Validate checks the typed fields.
func (o *Outreach) Validate(now time.Time) error {
	o.Summary = strings.TrimSpace(o.Summary)
	o.NextSteps = strings.TrimSpace(o.NextSteps)
	fe := FieldErrors{}
	if !o.Type.Valid() {
		fe.Add("type", "choose meeting, call, letter, email, event, briefing, parliamentary_question or other")
	}
	if o.Date.IsZero() {
		fe.Add("date", "enter the date")
	} else if o.Date.After(now.AddDate(0, 0, 1)) {
		fe.Add("date", "outreach is logged after it happened; the date cannot be in the future")
	} else if o.Date.Year() < 1990 {
		fe.Add("date", "the date is before 1990")
	}
	switch {
	case o.Summary == "":
		fe.Add("summary", "say briefly what happened")
	case len(o.Summary) > 20000:
		fe.Add("summary", "use at most 20000 characters")
	}
	if len(o.NextSteps) > 5000 {
		fe.Add("next_steps", "use at most 5000 characters")
	}
	if o.Outcome == "" {
		o.Outcome = OutcomeUnknown
	}
	if !o.Outcome.Valid() {
		fe.Add("outcome", "choose positive, neutral, negative or unknown")
	}
	if !o.Visibility.Valid() {
		fe.Add("visibility", "choose coalition or organisation")
	}
	if len(o.Contacts) > 50 {
		fe.Add("contact_ids", "at most 50 people per record")
	}
	return fe.Err()
}
