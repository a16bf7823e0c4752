package model

import (
	"strings"
	"time"
)

// InstitutionKind is what sort of body an institution is.
type InstitutionKind string

// Institution kinds, in display order.
const (
	InstParliament  InstitutionKind = "parliament"
	InstCommittee   InstitutionKind = "parliamentary_committee"
	InstMinistry    InstitutionKind = "ministry"
	InstHeadOfState InstitutionKind = "head_of_state_office"
	InstMission     InstitutionKind = "permanent_mission"
	InstEmbassy     InstitutionKind = "embassy"
	InstNHRI        InstitutionKind = "nhri"
	InstOther       InstitutionKind = "other"
)

// InstitutionKinds lists the kinds in display order.
var InstitutionKinds = []InstitutionKind{InstParliament, InstCommittee, InstMinistry, InstHeadOfState, InstMission, InstEmbassy, InstNHRI, InstOther}

// Valid reports whether k is known.
func (k InstitutionKind) Valid() bool {
	for _, x := range InstitutionKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Label is the kind for people.
func (k InstitutionKind) Label() string {
	switch k {
	case InstParliament:
		return "Parliament"
	case InstCommittee:
		return "Parliamentary committee"
	case InstMinistry:
		return "Ministry"
	case InstHeadOfState:
		return "Head of state/government office"
	case InstMission:
		return "Permanent mission"
	case InstEmbassy:
		return "Embassy"
	case InstNHRI:
		return "National human rights institution"
	}
	return "Other"
}

// Institution is a parliament, ministry, mission or other body in a country.
type Institution struct {
	ID          int64  `gorm:"primaryKey"`
	CountryISO3 string `gorm:"column:country_iso3"`
	Kind        InstitutionKind
	Name        string
	Location    string
	ParentID    *int64       `gorm:"column:parent_id"`
	Parent      *Institution `gorm:"foreignKey:ParentID"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName pins the table name.
func (Institution) TableName() string { return "institutions" }

// Validate checks the typed fields.
func (i *Institution) Validate() error {
	i.Name = strings.TrimSpace(i.Name)
	i.Location = strings.TrimSpace(i.Location)
	i.CountryISO3 = strings.ToUpper(strings.TrimSpace(i.CountryISO3))
	fe := FieldErrors{}
	switch {
	case i.Name == "":
		fe.Add("name", "enter the institution's name")
	case len(i.Name) > 300:
		fe.Add("name", "use at most 300 characters")
	case !PlainLine(i.Name):
		fe.Add("name", NotPlainLine)
	}
	if len(i.Location) > 200 || !PlainLine(i.Location) {
		fe.Add("location", "use at most 200 characters of plain text")
	}
	if !i.Kind.Valid() {
		fe.Add("kind", "choose parliament, parliamentary_committee, ministry, head_of_state_office, permanent_mission, embassy, nhri or other")
	}
	if len(i.CountryISO3) != 3 {
		fe.Add("country", "choose a country")
	}
	return fe.Err()
}
