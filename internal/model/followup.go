package model

import (
	"slices"
	"strings"
	"time"
)

// FollowupStatus is where a follow-up stands.
type FollowupStatus string

// Follow-up statuses.
const (
	FollowupOpen      FollowupStatus = "open"
	FollowupDone      FollowupStatus = "done"
	FollowupCancelled FollowupStatus = "cancelled"
)

// Valid reports whether s is known.
func (s FollowupStatus) Valid() bool {
	return s == FollowupOpen || s == FollowupDone || s == FollowupCancelled
}

// FollowupPriority orders follow-ups.
type FollowupPriority string

// Follow-up priorities.
const (
	FollowupHigh   FollowupPriority = "high"
	FollowupNormal FollowupPriority = "normal"
	FollowupLow    FollowupPriority = "low"
)

// Valid reports whether p is known.
func (p FollowupPriority) Valid() bool {
	return slices.Contains([]FollowupPriority{FollowupHigh, FollowupNormal, FollowupLow}, p)
}

// Followup is something someone must do by a date.
type Followup struct {
	ID             int64 `gorm:"primaryKey"`
	Title          string
	Details        string
	DueDate        time.Time `gorm:"column:due_date"`
	Priority       FollowupPriority
	Status         FollowupStatus
	Outcome        string
	AssigneeID     int64 `gorm:"column:assignee_id"`
	Assignee       *User `gorm:"foreignKey:AssigneeID"`
	AssignedByID   int64 `gorm:"column:assigned_by_id"`
	AssignedBy     *User `gorm:"foreignKey:AssignedByID"`
	OrganisationID int64 `gorm:"column:organisation_id"`
	// Visibility is organisation when the follow-up hangs on private outreach.
	Visibility  Visibility
	CountryISO3 *string    `gorm:"column:country_iso3"`
	Country     *Country   `gorm:"foreignKey:CountryISO3"`
	ContactID   *int64     `gorm:"column:contact_id"`
	Contact     *Contact   `gorm:"foreignKey:ContactID"`
	OutreachID  *int64     `gorm:"column:outreach_id"`
	ClosedAt    *time.Time `gorm:"column:closed_at"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName pins the table name.
func (Followup) TableName() string { return "followups" }

// Overdue reports whether an open follow-up is past its due date at today.
func (f *Followup) Overdue(today time.Time) bool {
	return f.Status == FollowupOpen && f.DueDate.Before(today)
}

// Validate checks the typed fields.
func (f *Followup) Validate() error {
	f.Title = strings.TrimSpace(f.Title)
	f.Details = strings.TrimSpace(f.Details)
	fe := FieldErrors{}
	switch {
	case f.Title == "":
		fe.Add("title", "say what needs doing")
	case len(f.Title) > 300:
		fe.Add("title", "use at most 300 characters")
	case !PlainLine(f.Title):
		fe.Add("title", NotPlainLine)
	}
	if len(f.Details) > 10000 {
		fe.Add("details", "use at most 10000 characters")
	}
	if f.DueDate.IsZero() {
		fe.Add("due_date", "enter a due date")
	}
	if f.Priority == "" {
		f.Priority = FollowupNormal
	}
	if !f.Priority.Valid() {
		fe.Add("priority", "choose high, normal or low")
	}
	if f.Status == "" {
		f.Status = FollowupOpen
	}
	if !f.Status.Valid() {
		fe.Add("status", "choose open, done or cancelled")
	}
	return fe.Err()
}

// Suppression is an address that must never be mailed again.
type Suppression struct {
	ID          int64 `gorm:"primaryKey"`
	Email       string
	Reason      string
	Note        string
	CreatedByID *int64 `gorm:"column:created_by_id"`
	CreatedAt   time.Time
}

// TableName pins the table name.
func (Suppression) TableName() string { return "suppressions" }
