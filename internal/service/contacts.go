package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// ContactQuery is the contact list's input as people give it.
type ContactQuery struct {
	store.ContactFilter
	Text string
}

// Contacts lists contacts for any signed-in role.
func (s *Service) Contacts(ctx context.Context, a Actor, q ContactQuery) ([]model.Contact, int64, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, 0, err
	}
	f, err := s.contactFilter(q)
	if err != nil {
		return nil, 0, err
	}
	return s.store.ListContacts(ctx, f)
}

func (s *Service) contactFilter(q ContactQuery) (store.ContactFilter, error) {
	f := q.ContactFilter
	fe := model.FieldErrors{}
	if len(q.Text) > 200 || !model.PlainLine(q.Text) {
		fe.Add("q", "use at most 200 characters of plain text")
	}
	f.QueryWords = strings.Fields(foldText(q.Text))
	if len(f.QueryWords) > 8 {
		f.QueryWords = f.QueryWords[:8]
	}
	if f.Kind != "" && !f.Kind.Valid() {
		fe.Add("kind", "not a contact kind")
	}
	if f.InstitutionKind != "" && !f.InstitutionKind.Valid() {
		fe.Add("institution_kind", "not an institution kind")
	}
	if f.Stance != "" && !f.Stance.Valid() {
		fe.Add("stance", "choose supportive, undecided, opposed or unknown")
	}
	if f.Language != "" && !model.ValidLanguage(f.Language) {
		fe.Add("language", "use a two-letter code such as fr")
	}
	if f.Tag != "" {
		t, ok := model.NormalizeTag(f.Tag)
		if !ok {
			fe.Add("tag", "not a tag")
		}
		f.Tag = t
	}
	for field, v := range map[string]string{"country": f.Country, "region": f.Region, "party": f.Party} {
		if len(v) > 200 || !model.PlainLine(v) {
			fe.Add(field, "use at most 200 characters of plain text")
		}
	}
	switch f.Sort {
	case "", "name", "country", "updated":
	default:
		fe.Add("sort", "sort by name, country or updated")
	}
	return f, fe.Err()
}

// ContactFacets gives the parties and tags known, for filter menus.
func (s *Service) ContactFacets(ctx context.Context, a Actor) ([]string, []string, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, nil, err
	}
	return s.store.ContactFacets(ctx)
}

// Contact loads one live contact; a deleted or erased one is not found.
func (s *Service) Contact(ctx context.Context, a Actor, id int64) (*model.Contact, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	c, err := s.store.GetContact(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Removed() {
		return nil, model.NotFound("contact")
	}
	return c, nil
}

// Duplicate is an existing contact that looks like the one being saved.
type Duplicate struct {
	Contact model.Contact
	Reason  string
}

// SaveContactResult is a saved contact and the look-alikes found.
type SaveContactResult struct {
	Contact    *model.Contact
	Duplicates []Duplicate
}

// CreateContact adds a contact owned by the actor's organisation. Look-alikes
// (same email, or same name and country) are returned as a warning.
func (s *Service) CreateContact(ctx context.Context, a Actor, c model.Contact) (*SaveContactResult, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return nil, err
	}
	c.ID = 0
	c.OwnerOrganisationID = a.User.OrganisationID
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt, c.CreatedByID = now, now, a.ID()
	if err := s.checkContact(ctx, &c); err != nil {
		return nil, err
	}
	dups, err := s.findDuplicates(ctx, &c)
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveContact(ctx, &c); err != nil {
			return err
		}
		if err := s.refreshContactSearch(ctx, c.ID); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.create", "contact", strconv.FormatInt(c.ID, 10), "created "+c.FullName())
	})
	if err != nil {
		return nil, err
	}
	saved, err := s.store.GetContact(ctx, c.ID)
	return &SaveContactResult{Contact: saved, Duplicates: dups}, err
}

// UpdateContact rewrites a contact's fields (members and up). Do-not-contact
// can be set by anyone who edits, and cleared only by coordinators and admins.
func (s *Service) UpdateContact(ctx context.Context, a Actor, id int64, c model.Contact) (*model.Contact, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return nil, err
	}
	cur, err := s.Contact(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if cur.DoNotContact && !c.DoNotContact && !a.Can(auth.AssignFollowups) {
		return nil, &model.Error{Code: model.CodeForbidden, Message: "only a coordinator can clear do-not-contact"}
	}
	c.ID, c.OwnerOrganisationID, c.CreatedAt, c.CreatedByID = cur.ID, cur.OwnerOrganisationID, cur.CreatedAt, cur.CreatedByID
	c.UpdatedAt = s.now().UTC()
	if err := s.checkContact(ctx, &c); err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveContact(ctx, &c); err != nil {
			return err
		}
		if err := s.refreshContactSearch(ctx, c.ID); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.update", "contact", strconv.FormatInt(c.ID, 10), "updated "+c.FullName()+describeContactChange(cur, &c))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetContact(ctx, id)
}

func describeContactChange(b, a *model.Contact) string {
	var parts []string
	if b.Stance != a.Stance {
		parts = append(parts, fmt.Sprintf("stance %s → %s", b.Stance, a.Stance))
	}
	if b.DoNotContact != a.DoNotContact {
		parts = append(parts, fmt.Sprintf("do-not-contact %t → %t", b.DoNotContact, a.DoNotContact))
	}
	if b.FullName() != a.FullName() {
		parts = append(parts, fmt.Sprintf("name %q → %q", b.FullName(), a.FullName()))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

func (s *Service) checkContact(ctx context.Context, c *model.Contact) error {
	err := c.Validate(s.now().UTC())
	fe := model.FieldErrors{}
	if e, ok := model.AsError(err); ok {
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	} else if err != nil {
		return err
	}
	if c.CountryISO3 != nil {
		iso := strings.ToUpper(strings.TrimSpace(*c.CountryISO3))
		if iso == "" {
			c.CountryISO3 = nil
		} else if _, err := s.country(ctx, iso); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("country", "no country with code "+strconv.Quote(iso))
		} else if err != nil {
			return err
		} else {
			c.CountryISO3 = &iso
		}
	}
	return fe.Err()
}

// refreshContactSearch rebuilds the folded search text from the contact,
// its emails, party, positions and institutions.
func (s *Service) refreshContactSearch(ctx context.Context, id int64) error {
	c, err := s.store.GetContact(ctx, id)
	if err != nil {
		return err
	}
	parts := []string{c.Honorific, c.FirstName, c.LastName, c.Party}
	for _, e := range c.Emails {
		parts = append(parts, e.Email)
	}
	for _, p := range c.Positions {
		parts = append(parts, p.Title)
		if p.Institution != nil {
			parts = append(parts, p.Institution.Name)
		}
	}
	sortName := foldText(strings.TrimSpace(c.LastName + " " + c.FirstName))
	return s.store.SetContactSearch(ctx, id, foldText(strings.Join(parts, " ")), sortName)
}

func (s *Service) findDuplicates(ctx context.Context, c *model.Contact) ([]Duplicate, error) {
	var emails []string
	for _, e := range c.Emails {
		emails = append(emails, e.Email)
	}
	var out []Duplicate
	seen := map[int64]bool{c.ID: true}
	byEmail, err := s.store.ContactsByEmail(ctx, emails)
	if err != nil {
		return nil, err
	}
	for _, d := range byEmail {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, Duplicate{Contact: d, Reason: "same email address"})
		}
	}
	byName, err := s.store.ContactsByName(ctx, foldText(strings.TrimSpace(c.LastName+" "+c.FirstName)), c.CountryISO3)
	if err != nil {
		return nil, err
	}
	for _, d := range byName {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, Duplicate{Contact: d, Reason: "same name and country"})
		}
	}
	return out, nil
}

// ContactDuplicates lists look-alikes of an existing contact.
func (s *Service) ContactDuplicates(ctx context.Context, a Actor, id int64) ([]Duplicate, error) {
	c, err := s.Contact(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return s.findDuplicates(ctx, c)
}

// DeleteContact hides a contact; outreach that names them keeps them, shown
// as removed. confirmed must be true when they appear in outreach.
func (s *Service) DeleteContact(ctx context.Context, a Actor, id int64, confirmed bool) error {
	if err := require(a, auth.EditContacts); err != nil {
		return err
	}
	c, err := s.Contact(ctx, a, id)
	if err != nil {
		return err
	}
	if !confirmed {
		_, n, err := s.store.ListOutreach(ctx, store.OutreachFilter{ViewerOrgID: a.User.OrganisationID, ContactID: id, Page: model.Page{PerPage: 1}})
		if err != nil {
			return err
		}
		if n > 0 {
			return &model.Error{Code: model.CodeConflict, Message: fmt.Sprintf("%s appears in %d outreach record(s); confirm to delete (the records stay, showing the contact as removed)", c.FullName(), n)}
		}
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.MarkContactDeleted(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.delete", "contact", strconv.FormatInt(id, 10), "deleted "+c.FullName())
	})
}

// MergeContacts moves drop's positions, outreach and follow-ups to keep.
func (s *Service) MergeContacts(ctx context.Context, a Actor, keep, drop int64) (*model.Contact, error) {
	if err := require(a, auth.AssignFollowups); err != nil {
		return nil, err
	}
	if keep == drop {
		return nil, &model.Error{Code: model.CodeInvalid, Message: "choose two different contacts", Fields: map[string]string{"drop_id": "same as the contact kept"}}
	}
	k, err := s.Contact(ctx, a, keep)
	if err != nil {
		return nil, err
	}
	d, err := s.Contact(ctx, a, drop)
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.MergeContacts(ctx, keep, drop, s.now().UTC()); err != nil {
			return err
		}
		// Addresses and numbers of the dropped record that the kept one lacks
		// are kept too, after the kept one's own, so its primary address stays first.
		have := map[string]bool{}
		for _, e := range k.Emails {
			have[e.Email] = true
		}
		for _, e := range d.Emails {
			if !have[e.Email] {
				have[e.Email] = true
				k.Emails = append(k.Emails, model.ContactEmail{Email: e.Email, Label: e.Label, Position: len(k.Emails)})
			}
		}
		havePhone := map[string]bool{}
		for _, p := range k.Phones {
			havePhone[p.Number] = true
		}
		for _, p := range d.Phones {
			if !havePhone[p.Number] {
				havePhone[p.Number] = true
				k.Phones = append(k.Phones, model.ContactPhone{Number: p.Number, Label: p.Label, Position: len(k.Phones)})
			}
		}
		tags, err := s.store.GetContact(ctx, keep)
		if err != nil {
			return err
		}
		k.Tags = tags.Tags
		k.DoNotContact = k.DoNotContact || d.DoNotContact
		k.UpdatedAt = s.now().UTC()
		if err := s.store.SaveContact(ctx, k); err != nil {
			return err
		}
		if err := s.refreshContactSearch(ctx, keep); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.merge", "contact", strconv.FormatInt(keep, 10),
			fmt.Sprintf("merged #%d %s into #%d %s", drop, d.FullName(), keep, k.FullName()))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetContact(ctx, keep)
}

// BulkTag adds a tag to the given contacts (members and up).
func (s *Service) BulkTag(ctx context.Context, a Actor, ids []int64, tag string) (int64, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return 0, err
	}
	t, ok := model.NormalizeTag(tag)
	if !ok {
		return 0, &model.Error{Code: model.CodeInvalid, Message: "not a tag", Fields: map[string]string{"tag": "a tag is 1–50 letters, digits, spaces or - _ . /"}}
	}
	if len(ids) == 0 || len(ids) > 5000 {
		return 0, &model.Error{Code: model.CodeInvalid, Message: "choose between 1 and 5000 contacts", Fields: map[string]string{"ids": "choose contacts"}}
	}
	var n int64
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		live, err := s.store.ContactIDs(ctx, store.ContactFilter{IDs: ids}, len(ids))
		if err != nil {
			return err
		}
		if n, err = s.store.AddTags(ctx, live, t, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.tag", "contact", "", fmt.Sprintf("tagged %d contact(s) %q", n, t))
	})
	return n, err
}

// ContactExport is a subject access answer: everything held on a person.
type ContactExport struct {
	Contact   json.RawMessage  `json:"contact"`
	Positions []map[string]any `json:"positions"`
	Outreach  []map[string]any `json:"outreach"`
	Followups []map[string]any `json:"followups"`
	Exported  time.Time        `json:"exported_at"`
}

// ExportContact gathers a contact's data for a subject access request
// (coordinators and admins). Outreach private to another organisation is
// left out: the requester can be pointed to that organisation.
func (s *Service) ExportContact(ctx context.Context, a Actor, id int64, contactJSON func(*model.Contact) any) (*ContactExport, error) {
	if err := require(a, auth.AssignFollowups); err != nil {
		return nil, err
	}
	c, err := s.Contact(ctx, a, id)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(contactJSON(c))
	if err != nil {
		return nil, err
	}
	out := &ContactExport{Contact: b, Exported: s.now().UTC(), Positions: []map[string]any{}, Outreach: []map[string]any{}, Followups: []map[string]any{}}
	for _, p := range c.Positions {
		m := map[string]any{"title": p.Title, "start_date": p.StartDate, "end_date": p.EndDate}
		if p.Institution != nil {
			m["institution"] = p.Institution.Name
		}
		out.Positions = append(out.Positions, m)
	}
	err = s.store.EachOutreach(ctx, store.OutreachFilter{ViewerOrgID: a.User.OrganisationID, ContactID: id}, func(o *model.Outreach) error {
		out.Outreach = append(out.Outreach, map[string]any{"id": o.ID, "type": o.Type, "date": o.Date.Format("2006-01-02"),
			"summary": o.Summary, "outcome": o.Outcome, "next_steps": o.NextSteps})
		return nil
	})
	if err != nil {
		return nil, err
	}
	fs, _, err := s.store.ListFollowups(ctx, store.FollowupFilter{ViewerOrgID: a.User.OrganisationID, ContactID: id, Page: model.Page{PerPage: model.MaxPerPage}})
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		out.Followups = append(out.Followups, map[string]any{"id": f.ID, "title": f.Title, "details": f.Details,
			"due_date": f.DueDate.Format("2006-01-02"), "status": f.Status})
	}
	if err := s.audit(ctx, a, "contact.export", "contact", strconv.FormatInt(id, 10), "subject access export of "+c.FullName()); err != nil {
		return nil, err
	}
	return out, nil
}

// EraseContact removes a person's personal data (coordinators and admins):
// the outreach stays without the person, their addresses join the
// suppression list, and the erasure is audited without the erased data.
func (s *Service) EraseContact(ctx context.Context, a Actor, id int64) error {
	if err := require(a, auth.AssignFollowups); err != nil {
		return err
	}
	c, err := s.store.GetContact(ctx, id)
	if err != nil {
		return err
	}
	if c.ErasedAt != nil {
		return model.NotFound("contact")
	}
	now := s.now().UTC()
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		for _, e := range c.Emails {
			if err := s.store.AddSuppression(ctx, &model.Suppression{Email: e.Email, Reason: "erasure", CreatedByID: a.ID(), CreatedAt: now}); err != nil {
				return err
			}
		}
		if err := s.store.EraseContact(ctx, id, now); err != nil {
			return err
		}
		return s.audit(ctx, a, "contact.erase", "contact", strconv.FormatInt(id, 10),
			fmt.Sprintf("erased contact #%d; %d address(es) suppressed", id, len(c.Emails)))
	})
}

// EachContact streams the contacts of a filter for a CSV export (members and
// up); the export is audited.
func (s *Service) EachContact(ctx context.Context, a Actor, q ContactQuery, fn func(*model.Contact) error) error {
	if err := require(a, auth.ExportCSV); err != nil {
		return err
	}
	f, err := s.contactFilter(q)
	if err != nil {
		return err
	}
	if err := s.audit(ctx, a, "contact.export", "contact", "", "exported contacts as CSV"); err != nil {
		return err
	}
	return s.store.EachContact(ctx, f, fn)
}
