package model

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// ContactKind is what role a contact plays.
type ContactKind string

// Contact kinds.
const (
	ContactParliamentarian ContactKind = "parliamentarian"
	ContactMinister        ContactKind = "minister"
	ContactOfficial        ContactKind = "government_official"
	ContactDiplomat        ContactKind = "diplomat"
	ContactOther           ContactKind = "other"
)

// ContactKinds lists the kinds in display order.
var ContactKinds = []ContactKind{ContactParliamentarian, ContactMinister, ContactOfficial, ContactDiplomat, ContactOther}

// Valid reports whether k is known.
func (k ContactKind) Valid() bool { return slices.Contains(ContactKinds, k) }

// Label is the kind for people.
func (k ContactKind) Label() string {
	switch k {
	case ContactParliamentarian:
		return "Parliamentarian"
	case ContactMinister:
		return "Minister"
	case ContactOfficial:
		return "Government official"
	case ContactDiplomat:
		return "Diplomat"
	}
	return "Other"
}

// Stance is a contact's position on ratification.
type Stance string

// Stances.
const (
	StanceSupportive Stance = "supportive"
	StanceUndecided  Stance = "undecided"
	StanceOpposed    Stance = "opposed"
	StanceUnknown    Stance = "unknown"
)

// Stances lists the stances in display order.
var Stances = []Stance{StanceSupportive, StanceUndecided, StanceOpposed, StanceUnknown}

// Valid reports whether s is known.
func (s Stance) Valid() bool { return slices.Contains(Stances, s) }

// Label is the stance for people.
func (s Stance) Label() string {
	switch s {
	case StanceSupportive:
		return "Supportive"
	case StanceUndecided:
		return "Undecided"
	case StanceOpposed:
		return "Opposed"
	}
	return "Unknown"
}

// ContactEmail is one address of a contact.
type ContactEmail struct {
	ID        int64 `gorm:"primaryKey"`
	ContactID int64 `gorm:"column:contact_id"`
	Email     string
	Label     string
	Position  int
}

// TableName pins the table name.
func (ContactEmail) TableName() string { return "contact_emails" }

// ContactPhone is one number of a contact.
type ContactPhone struct {
	ID        int64 `gorm:"primaryKey"`
	ContactID int64 `gorm:"column:contact_id"`
	Number    string
	Label     string
	Position  int
}

// TableName pins the table name.
func (ContactPhone) TableName() string { return "contact_phones" }

// ContactTag is one tag on a contact.
type ContactTag struct {
	ContactID int64  `gorm:"column:contact_id;primaryKey"`
	Tag       string `gorm:"primaryKey"`
}

// TableName pins the table name.
func (ContactTag) TableName() string { return "contact_tags" }

// Position is a post a contact holds or held in an institution.
type Position struct {
	ID            int64 `gorm:"primaryKey"`
	ContactID     int64 `gorm:"column:contact_id"`
	InstitutionID int64 `gorm:"column:institution_id"`
	Institution   *Institution
	Title         string
	StartDate     *time.Time `gorm:"column:start_date"`
	EndDate       *time.Time `gorm:"column:end_date"`
	CreatedAt     time.Time
}

// TableName pins the table name.
func (Position) TableName() string { return "positions" }

// Current reports whether the post has not ended by now.
func (p Position) Current(now time.Time) bool { return p.EndDate == nil || p.EndDate.After(now) }

// Contact is a person the coalition talks to. Contacts are shared by the
// coalition; only outreach can be private to an organisation.
type Contact struct {
	ID                  int64 `gorm:"primaryKey"`
	Honorific           string
	FirstName           string `gorm:"column:first_name"`
	LastName            string `gorm:"column:last_name"`
	Kind                ContactKind
	CountryISO3         *string  `gorm:"column:country_iso3"`
	Country             *Country `gorm:"foreignKey:CountryISO3"`
	Party               string
	PreferredLanguage   string `gorm:"column:preferred_language"`
	Languages           string // comma-separated ISO 639-1 codes
	Stance              Stance
	StanceEvidence      string        `gorm:"column:stance_evidence"`
	StanceDate          *time.Time    `gorm:"column:stance_date"`
	DataSource          string        `gorm:"column:data_source"`
	LawfulBasis         string        `gorm:"column:lawful_basis"`
	DoNotContact        bool          `gorm:"column:do_not_contact"`
	DoNotContactReason  string        `gorm:"column:do_not_contact_reason"`
	OwnerOrganisationID int64         `gorm:"column:owner_organisation_id"`
	OwnerOrganisation   *Organisation `gorm:"foreignKey:OwnerOrganisationID"`
	SearchText          string        `gorm:"column:search_text"`
	SortName            string        `gorm:"column:sort_name"`
	ErasedAt            *time.Time    `gorm:"column:erased_at"`
	DeletedAt           *time.Time    `gorm:"column:deleted_at"`
	CreatedByID         *int64        `gorm:"column:created_by_id"`
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Emails              []ContactEmail `gorm:"foreignKey:ContactID"`
	Phones              []ContactPhone `gorm:"foreignKey:ContactID"`
	Tags                []ContactTag   `gorm:"foreignKey:ContactID"`
	Positions           []Position     `gorm:"foreignKey:ContactID"`
}

// TableName pins the table name.
func (Contact) TableName() string { return "contacts" }

// FullName is "Honorific First Last" as far as known.
func (c *Contact) FullName() string {
	if c.ErasedAt != nil {
		return "(erased contact)"
	}
	return strings.Join(strings.Fields(strings.Join([]string{c.Honorific, c.FirstName, c.LastName}, " ")), " ")
}

// Removed reports whether the contact was deleted or erased; outreach keeps
// showing them as removed.
func (c *Contact) Removed() bool { return c.DeletedAt != nil || c.ErasedAt != nil }

// TagList returns the tags as strings.
func (c *Contact) TagList() []string {
	out := make([]string, len(c.Tags))
	for i, t := range c.Tags {
		out[i] = t.Tag
	}
	return out
}

// LanguageList splits Languages.
func (c *Contact) LanguageList() []string { return SplitList(c.Languages) }

// PrimaryEmail is the first address, or "".
func (c *Contact) PrimaryEmail() string {
	if len(c.Emails) == 0 {
		return ""
	}
	return c.Emails[0].Email
}

// SplitList splits a comma-separated list, trimming and dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var languageCode = regexp.MustCompile(`^[a-z]{2}$`)

// ValidLanguage reports whether s is an ISO 639-1 style two-letter code.
func ValidLanguage(s string) bool { return languageCode.MatchString(s) }

var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} _\-./]{0,49}$`)

// NormalizeTag lower-cases and trims a tag; ok is false when it is not a tag.
func NormalizeTag(s string) (string, bool) {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	return t, tagPattern.MatchString(t)
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ().\-/]{3,30}$`)

// ValidPhone reports whether s looks like a phone number.
func ValidPhone(s string) bool { return phonePattern.MatchString(strings.TrimSpace(s)) }

// Validate checks a contact's typed fields and normalises lists.
func (c *Contact) Validate(now time.Time) error {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&c.Honorific, &c.FirstName, &c.LastName, &c.Party, &c.StanceEvidence, &c.DataSource, &c.LawfulBasis, &c.DoNotContactReason} {
		trim(p)
	}
	fe := FieldErrors{}
	line := func(field, v string, max int) {
		if len(v) > max {
			fe.Add(field, "too long")
		} else if !PlainLine(v) {
			fe.Add(field, NotPlainLine)
		}
	}
	line("honorific", c.Honorific, 50)
	line("first_name", c.FirstName, 100)
	line("last_name", c.LastName, 100)
	line("party", c.Party, 200)
	line("data_source", c.DataSource, 500)
	line("lawful_basis", c.LawfulBasis, 200)
	line("do_not_contact_reason", c.DoNotContactReason, 500)
	if len(c.StanceEvidence) > 5000 {
		fe.Add("stance_evidence", "use at most 5000 characters")
	}
	if c.FirstName == "" && c.LastName == "" {
		fe.Add("last_name", "enter at least a first or a last name")
	}
	if !c.Kind.Valid() {
		fe.Add("kind", "choose parliamentarian, minister, government_official, diplomat or other")
	}
	if c.Stance == "" {
		c.Stance = StanceUnknown
	}
	if !c.Stance.Valid() {
		fe.Add("stance", "choose supportive, undecided, opposed or unknown")
	}
	if c.StanceDate != nil && c.StanceDate.After(now) {
		fe.Add("stance_date", "cannot be in the future")
	}
	c.PreferredLanguage = strings.ToLower(strings.TrimSpace(c.PreferredLanguage))
	if c.PreferredLanguage != "" && !ValidLanguage(c.PreferredLanguage) {
		fe.Add("preferred_language", "use a two-letter language code such as en, fr or es")
	}
	var langs []string
	for _, l := range SplitList(strings.ToLower(c.Languages)) {
		if !ValidLanguage(l) {
			fe.Add("languages", "use two-letter language codes separated by commas, such as en, fr")
			continue
		}
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	c.Languages = strings.Join(langs, ",")
	for i := range c.Emails {
		e := &c.Emails[i]
		e.Email = NormalizeEmail(e.Email)
		e.Label = strings.TrimSpace(e.Label)
		if !ValidEmail(e.Email) {
			fe.Add("emails", "“"+e.Email+"” is not a valid email address")
		}
		if len(e.Label) > 50 || !PlainLine(e.Label) {
			fe.Add("emails", "a label has at most 50 characters of plain text")
		}
		e.Position = i
	}
	if len(c.Emails) > 10 {
		fe.Add("emails", "at most 10 addresses")
	}
	for i := range c.Phones {
		p := &c.Phones[i]
		p.Number = strings.TrimSpace(p.Number)
		p.Label = strings.TrimSpace(p.Label)
		if !ValidPhone(p.Number) {
			fe.Add("phones", "“"+p.Number+"” is not a phone number (digits, spaces, + ( ) - . /)")
		}
		if len(p.Label) > 50 || !PlainLine(p.Label) {
			fe.Add("phones", "a label has at most 50 characters of plain text")
		}
		p.Position = i
	}
	if len(c.Phones) > 10 {
		fe.Add("phones", "at most 10 numbers")
	}
	var tags []ContactTag
	for _, t := range c.Tags {
		n, ok := NormalizeTag(t.Tag)
		if !ok {
			fe.Add("tags", "a tag is 1–50 letters, digits, spaces or - _ . /")
			continue
		}
		if !slices.ContainsFunc(tags, func(x ContactTag) bool { return x.Tag == n }) {
			tags = append(tags, ContactTag{Tag: n})
		}
	}
	if len(tags) > 30 {
		fe.Add("tags", "at most 30 tags")
	}
	c.Tags = tags
	if !c.DoNotContact {
		c.DoNotContactReason = ""
	}
	return fe.Err()
}
