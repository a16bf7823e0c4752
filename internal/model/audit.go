package model

import "time"

// AuditEntry records who did what to which record. It is written in the same
// transaction as the change it describes.
type AuditEntry struct {
	ID       int64  `gorm:"primaryKey"`
	ActorID  *int64 `gorm:"column:actor_id"`
	Actor    *User  `gorm:"foreignKey:ActorID"`
	Action   string `gorm:"not null"`
	Entity   string `gorm:"not null"`
	EntityID string `gorm:"column:entity_id;not null"`
	Summary  string `gorm:"not null"`
	IP       string `gorm:"column:ip;not null"`
	// At is always UTC.
	At time.Time `gorm:"not null"`
}

// TableName pins the table name.
func (AuditEntry) TableName() string { return "audit_log" }

// AuditFilter narrows the audit log.
type AuditFilter struct {
	ActorID  int64
	Action   string
	From, To time.Time // To is exclusive
	Page     Page
}

// Page is a 1-based page request with a capped size.
type Page struct {
	Number  int
	PerPage int
}

// MaxPerPage caps every list.
const MaxPerPage = 200

// Normalize applies defaults and the cap.
func (p Page) Normalize() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 50
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	return p
}

// Offset is the number of rows to skip.
func (p Page) Offset() int { p = p.Normalize(); return (p.Number - 1) * p.PerPage }
