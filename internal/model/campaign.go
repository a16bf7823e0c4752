package model

import (
	"strings"
	"time"
)

// SenderIdentity is a From name and address an organisation sends as.
type SenderIdentity struct {
	ID             int64 `gorm:"primaryKey"`
	OrganisationID int64 `gorm:"column:organisation_id"`
	Name           string
	Email          string
	ReplyTo        string `gorm:"column:reply_to"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName pins the table name.
func (SenderIdentity) TableName() string { return "sender_identities" }

// Validate checks the typed fields.
func (s *SenderIdentity) Validate() error {
	s.Name, s.Email, s.ReplyTo = strings.TrimSpace(s.Name), NormalizeEmail(s.Email), NormalizeEmail(s.ReplyTo)
	fe := FieldErrors{}
	if s.Name == "" || len(s.Name) > 100 || !PlainLine(s.Name) {
		fe.Add("name", "enter the name recipients see, at most 100 characters")
	}
	if !ValidEmail(s.Email) {
		fe.Add("email", "enter a valid sending address")
	}
	if s.ReplyTo != "" && !ValidEmail(s.ReplyTo) {
		fe.Add("reply_to", "enter a valid reply-to address or leave it empty")
	}
	return fe.Err()
}

// EmailTemplate is a message with one variant per language.
type EmailTemplate struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	CreatedByID *int64     `gorm:"column:created_by_id"`
	DeletedAt   *time.Time `gorm:"column:deleted_at"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Variants    []TemplateVariant `gorm:"foreignKey:TemplateID"`
}

// TableName pins the table name.
func (EmailTemplate) TableName() string { return "email_templates" }

// Variant returns the variant in lang, or nil.
func (t *EmailTemplate) Variant(lang string) *TemplateVariant {
	for i := range t.Variants {
		if t.Variants[i].Language == lang {
			return &t.Variants[i]
		}
	}
	return nil
}

// Languages lists the variants' languages.
func (t *EmailTemplate) Languages() []string {
	out := make([]string, len(t.Variants))
	for i, v := range t.Variants {
		out[i] = v.Language
	}
	return out
}

// TemplateVariant is one language of a template.
type TemplateVariant struct {
	ID         int64 `gorm:"primaryKey"`
	TemplateID int64 `gorm:"column:template_id"`
	Language   string
	Subject    string
	HTML       string `gorm:"column:html"`
	Text       string
}

// TableName pins the table name.
func (TemplateVariant) TableName() string { return "email_template_variants" }

// CampaignStatus is where a campaign stands.
type CampaignStatus string

// Campaign statuses.
const (
	CampaignDraft     CampaignStatus = "draft"
	CampaignScheduled CampaignStatus = "scheduled"
	CampaignSending   CampaignStatus = "sending"
	CampaignPaused    CampaignStatus = "paused"
	CampaignDone      CampaignStatus = "done"
	CampaignCancelled CampaignStatus = "cancelled"
)

// Label is the status for people.
func (s CampaignStatus) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Audience picks the contacts a campaign goes to. Every list narrows the
// set; an empty list does not filter.
type Audience struct {
	Countries        []string              `json:"countries"`
	Regions          []string              `json:"regions"`
	Kinds            []ContactKind         `json:"kinds"`
	InstitutionKinds []InstitutionKind     `json:"institution_kinds"`
	InstitutionIDs   []int64               `json:"institution_ids"`
	Parties          []string              `json:"parties"`
	Tags             []string              `json:"tags"`
	Stances          []Stance              `json:"stances"`
	Languages        []string              `json:"languages"`
	Priorities       []Priority            `json:"priorities"`
	StageIDs         []int64               `json:"stage_ids"`
	Ratification     *RatificationCriteria `json:"ratification,omitempty"`
	// Also adds more ratification conditions, all of which must hold
	// ("party to C097 but not C143").
	Also []RatificationCriteria `json:"also,omitempty"`
}

// RatificationCriteria selects states by their standing on an instrument:
// statuses may include "party" and "not_party".
type RatificationCriteria struct {
	Instrument string   `json:"instrument"`
	Status     []string `json:"status"`
}

// Campaign is an email sent to an audience of contacts.
type Campaign struct {
	ID               int64 `gorm:"primaryKey"`
	Name             string
	TemplateID       int64           `gorm:"column:template_id"`
	Template         *EmailTemplate  `gorm:"foreignKey:TemplateID"`
	SenderID         *int64          `gorm:"column:sender_id"`
	Sender           *SenderIdentity `gorm:"foreignKey:SenderID"`
	FallbackLanguage string          `gorm:"column:fallback_language"`
	AudienceJSON     string          `gorm:"column:audience"`
	Status           CampaignStatus
	ScheduledAt      *time.Time `gorm:"column:scheduled_at"`
	StartedAt        *time.Time `gorm:"column:started_at"`
	FinishedAt       *time.Time `gorm:"column:finished_at"`
	RatePerSecond    int        `gorm:"column:rate_per_second"`
	Connections      int
	OrganisationID   int64 `gorm:"column:organisation_id"`
	CreatedByID      int64 `gorm:"column:created_by_id"`
	CreatedBy        *User `gorm:"foreignKey:CreatedByID"`
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName pins the table name.
func (Campaign) TableName() string { return "campaigns" }

// RecipientState is where one message stands.
type RecipientState string

// Recipient states: queued and sending are live; the rest are final.
const (
	RecipientQueued    RecipientState = "queued"
	RecipientSending   RecipientState = "sending"
	RecipientSent      RecipientState = "sent"
	RecipientFailed    RecipientState = "failed"
	RecipientSkipped   RecipientState = "skipped"
	RecipientCancelled RecipientState = "cancelled"
)

// Final reports whether nothing more will happen to the row.
func (s RecipientState) Final() bool {
	return s == RecipientSent || s == RecipientFailed || s == RecipientSkipped || s == RecipientCancelled
}

// CampaignRecipient is one contact of a campaign: the durable queue row.
type CampaignRecipient struct {
	ID            int64    `gorm:"primaryKey"`
	CampaignID    int64    `gorm:"column:campaign_id"`
	ContactID     int64    `gorm:"column:contact_id"`
	Contact       *Contact `gorm:"foreignKey:ContactID"`
	Email         string
	Language      string
	MessageID     string `gorm:"column:message_id"`
	State         RecipientState
	Ambiguous     bool
	SkipReason    string `gorm:"column:skip_reason"`
	Attempts      int
	NextAttemptAt *time.Time `gorm:"column:next_attempt_at"`
	LeaseUntil    *time.Time `gorm:"column:lease_until"`
	LastReply     string     `gorm:"column:last_reply"`
	SentAt        *time.Time `gorm:"column:sent_at"`
}

// TableName pins the table name.
func (CampaignRecipient) TableName() string { return "campaign_recipients" }

// CampaignCounts sums a campaign's recipients by state.
type CampaignCounts struct {
	Queued    int64 `json:"queued"`
	Sending   int64 `json:"sending"`
	Sent      int64 `json:"sent"`
	Failed    int64 `json:"failed"`
	Ambiguous int64 `json:"ambiguous"`
	Skipped   int64 `json:"skipped"`
	Cancelled int64 `json:"cancelled"`
}

// Total is every recipient row.
func (c CampaignCounts) Total() int64 {
	return c.Queued + c.Sending + c.Sent + c.Failed + c.Skipped + c.Cancelled
}
