package model

import (
	"strings"
	"time"
)

// OrgKind is the kind of a coalition member organisation.
type OrgKind string

const (
	OrgNGO        OrgKind = "ngo"
	OrgTradeUnion OrgKind = "trade_union"
	OrgFaithBased OrgKind = "faith_based"
	OrgUNAgency   OrgKind = "un_agency"
	OrgIO         OrgKind = "io"
)

// OrgKinds lists the organisation kinds in display order.
var OrgKinds = []OrgKind{OrgNGO, OrgTradeUnion, OrgFaithBased, OrgUNAgency, OrgIO}

// Label is the kind's name for people.
func (k OrgKind) Label() string {
	switch k {
	case OrgNGO:
		return "NGO"
	case OrgTradeUnion:
		return "Trade union"
	case OrgFaithBased:
		return "Faith-based"
	case OrgUNAgency:
		return "UN agency"
	case OrgIO:
		return "International organisation"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	for _, x := range OrgKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Organisation is a member of the coalition; every user belongs to one.
type Organisation struct {
	ID        int64     `gorm:"primaryKey"`
	Name      string    `gorm:"not null"`
	ShortName string    `gorm:"column:short_name;not null"`
	Kind      OrgKind   `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// TableName pins the table name.
func (Organisation) TableName() string { return "organisations" }

// Normalize trims the text fields.
func (o *Organisation) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.ShortName = strings.TrimSpace(o.ShortName)
}

// Validate checks the fields a person types.
func (o *Organisation) Validate() error {
	o.Normalize()
	fe := FieldErrors{}
	switch {
	case o.Name == "":
		fe.Add("name", "enter the organisation's name")
	case len(o.Name) > 200:
		fe.Add("name", "use at most 200 characters")
	case !PlainLine(o.Name):
		fe.Add("name", NotPlainLine)
	}
	switch {
	case o.ShortName == "":
		fe.Add("short_name", "enter a short name, such as MFA or ITUC")
	case len(o.ShortName) > 30:
		fe.Add("short_name", "use at most 30 characters")
	case strings.ContainsAny(o.ShortName, " \t\r\n"):
		fe.Add("short_name", "a short name has no spaces")
	case !PlainLine(o.ShortName):
		fe.Add("short_name", NotPlainLine)
	}
	if !o.Kind.Valid() {
		fe.Add("kind", "choose one of: ngo, trade_union, faith_based, un_agency, io")
	}
	return fe.Err()
}
