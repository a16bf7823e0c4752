package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PlainText reports whether s is valid UTF-8 without control characters other
// than line breaks and tabs: the rule for multi-line notes. PostgreSQL refuses
// NUL and invalid UTF-8 in text columns, so such input must be refused as bad
// input before it reaches the database.
func PlainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// Priority is the coalition's priority for a state.
type Priority string

const (
	PriorityHigh   Priority = "high"
	PriorityMedium Priority = "medium"
	PriorityLow    Priority = "low"
	PriorityNone   Priority = "none"
)

// Priorities lists priorities from highest.
var Priorities = []Priority{PriorityHigh, PriorityMedium, PriorityLow, PriorityNone}

// Valid reports whether p is known.
func (p Priority) Valid() bool {
	for _, x := range Priorities {
		if p == x {
			return true
		}
	}
	return false
}

// Label is the priority for people.
func (p Priority) Label() string {
	switch p {
	case PriorityHigh:
		return "High"
	case PriorityMedium:
		return "Medium"
	case PriorityLow:
		return "Low"
	}
	return "None"
}

// Rank sorts high first.
func (p Priority) Rank() int {
	for i, x := range Priorities {
		if p == x {
			return i
		}
	}
	return len(Priorities)
}

// Stage is one step of the campaign pipeline; admins edit the list.
type Stage struct {
	ID        int64 `gorm:"primaryKey"`
	Position  int
	Name      string
	CreatedAt time.Time
}

// TableName pins the table name.
func (Stage) TableName() string { return "campaign_stages" }

// Country is a state with its reference data and the campaign's fields.
type Country struct {
	ISO3                string `gorm:"column:iso3;primaryKey"`
	ISO2                string `gorm:"column:iso2"`
	M49                 string `gorm:"column:m49"`
	Name                string
	UNStatus            string `gorm:"column:un_status"`
	Region              string
	Subregion           string
	IntermediateRegion  string `gorm:"column:intermediate_region"`
	Source              string
	Priority            Priority
	StageID             *int64        `gorm:"column:stage_id"`
	Stage               *Stage        `gorm:"foreignKey:StageID"`
	FocalOrganisationID *int64        `gorm:"column:focal_organisation_id"`
	FocalOrganisation   *Organisation `gorm:"foreignKey:FocalOrganisationID"`
	FocalUserID         *int64        `gorm:"column:focal_user_id"`
	FocalUser           *User         `gorm:"foreignKey:FocalUserID"`
	NextStep            string        `gorm:"column:next_step"`
	NextStepDate        *time.Time    `gorm:"column:next_step_date"`
	Notes               string
	UpdatedByID         *int64     `gorm:"column:updated_by_id"`
	UpdatedAt           *time.Time `gorm:"column:updated_at"`
}

// TableName pins the table name.
func (Country) TableName() string { return "countries" }

// CampaignFields are what coordinators edit on a country.
type CampaignFields struct {
	Priority            Priority
	StageID             *int64
	FocalOrganisationID *int64
	FocalUserID         *int64
	NextStep            string
	NextStepDate        *time.Time
	Notes               string
}

// Validate checks lengths and the priority; references are checked by the service.
func (f *CampaignFields) Validate() error {
	f.NextStep = strings.TrimSpace(f.NextStep)
	f.Notes = strings.TrimSpace(f.Notes)
	fe := FieldErrors{}
	if !f.Priority.Valid() {
		fe.Add("priority", "choose high, medium, low or none")
	}
	if len(f.NextStep) > 500 {
		fe.Add("next_step", "use at most 500 characters")
	} else if !PlainLine(f.NextStep) {
		fe.Add("next_step", NotPlainLine)
	}
	if len(f.Notes) > 10000 {
		fe.Add("notes", "use at most 10000 characters")
	} else if !PlainText(f.Notes) {
		fe.Add("notes", NotPlainLine)
	}
	if f.NextStepDate != nil && f.NextStep == "" {
		fe.Add("next_step", "say what the next step is, or clear its date")
	}
	return fe.Err()
}
