package model

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// User is a person who signs in. Email is stored lower-cased so uniqueness is
// case-insensitive on both databases.
type User struct {
	ID             int64  `gorm:"primaryKey"`
	Email          string `gorm:"not null"`
	Name           string `gorm:"not null"`
	PasswordHash   string `gorm:"column:password_hash;not null"`
	Role           Role   `gorm:"not null"`
	OrganisationID int64  `gorm:"column:organisation_id;not null"`
	Organisation   *Organisation
	Active         bool       `gorm:"not null"`
	TokenVersion   int64      `gorm:"column:token_version;not null"`
	FailedLogins   int        `gorm:"column:failed_logins;not null"`
	LastFailedAt   *time.Time `gorm:"column:last_failed_at"`
	LockedUntil    *time.Time `gorm:"column:locked_until"`
	LastLoginAt    *time.Time `gorm:"column:last_login_at"`
	// CalendarToken is the secret in the user's follow-up calendar feed URL.
	CalendarToken string `gorm:"column:calendar_token"`
	// DigestEnabled and DigestHour (0-23, UTC) steer the daily follow-up email.
	DigestEnabled bool      `gorm:"column:digest_enabled"`
	DigestHour    int       `gorm:"column:digest_hour"`
	CreatedAt     time.Time `gorm:"not null"`
	UpdatedAt     time.Time `gorm:"not null"`
}

// TableName pins the table name.
func (User) TableName() string { return "users" }

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a single plain address.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

// PlainLine reports whether s is valid UTF-8 without control characters. Text
// that fails it (a NUL byte, a stray 0xFF from a form) cannot be stored or
// searched in PostgreSQL, so it is refused as input on every database.
func PlainLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// NotPlainLine is the field message for text that fails PlainLine.
const NotPlainLine = "use plain text, without control characters"

// ValidateProfile checks the fields of a user that a person types.
func (u *User) ValidateProfile(fe FieldErrors) {
	u.Email = NormalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	if !ValidEmail(u.Email) {
		fe.Add("email", "enter a valid email address, such as name@example.org")
	}
	switch {
	case u.Name == "":
		fe.Add("name", "enter the person's name")
	case len(u.Name) > 200:
		fe.Add("name", "use at most 200 characters")
	case !PlainLine(u.Name):
		fe.Add("name", NotPlainLine)
	}
	if !u.Role.Valid() {
		fe.Add("role", "choose one of: viewer, member, coordinator, admin")
	}
	if u.OrganisationID <= 0 {
		fe.Add("organisation_id", "choose an organisation")
	}
}

// Locked reports whether the account is locked at now, and for how long.
func (u *User) Locked(now time.Time) (bool, time.Duration) {
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		return true, u.LockedUntil.Sub(now)
	}
	return false, 0
}
