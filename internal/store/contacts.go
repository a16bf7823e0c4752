package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"ratify/internal/model"
	"ratify/internal/search"
)

// ContactFilter narrows the contact list. Each query word must begin a word
// of the contact's folded search text (names, emails, party, positions,
// institutions); the search index (internal/search) answers them.
type ContactFilter struct {
	QueryWords      []string // already folded by the caller
	Country         string
	Region          string
	Kind            model.ContactKind
	InstitutionKind model.InstitutionKind
	InstitutionID   int64
	Party           string
	Tag             string
	Stance          model.Stance
	Language        string
	DoNotContact    *bool
	IDs             []int64
	Sort            string // name, country, updated
	Descending      bool
	Page            model.Page

	// matches holds the ids the search index found for QueryWords, as a
	// JSON array (one bound value however many); set by withMatches.
	matches string
}

// onlyText reports whether f is a text search and nothing else.
func (f ContactFilter) onlyText() bool {
	return f.Country == "" && f.Region == "" && f.Kind == "" && f.InstitutionKind == "" && f.InstitutionID == 0 &&
		f.Party == "" && f.Tag == "" && f.Stance == "" && f.Language == "" && f.DoNotContact == nil && len(f.IDs) == 0
}

// withMatches answers f's query words from the search index: the filter it
// returns selects the matching ids, and none reports that nothing matches.
func (s *Store) withMatches(ctx context.Context, f ContactFilter) (out ContactFilter, none bool, err error) {
	if len(f.QueryWords) == 0 || f.matches != "" {
		return f, false, nil
	}
	ix, err := s.contacts.index(ctx)
	if err != nil {
		return f, false, err
	}
	ids, _ := ix.Search(search.Query{Words: f.QueryWords})
	if len(ids) == 0 {
		return f, true, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return f, false, fmt.Errorf("contact search: %w", err)
	}
	f.matches = string(b)
	return f, false, nil
}

func (s *Store) contactQuery(ctx context.Context, f ContactFilter) *gorm.DB {
	q := s.conn(ctx).Model(&model.Contact{}).Where("contacts.deleted_at IS NULL AND contacts.erased_at IS NULL")
	if f.matches != "" {
		if s.dialect == Postgres {
			q = q.Where("contacts.id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)", f.matches)
		} else {
			q = q.Where("contacts.id IN (SELECT value FROM json_each(?))", f.matches)
		}
	} else if len(f.QueryWords) > 0 {
		// Every caller resolves the words first (withMatches); matching
		// nothing is the safe answer if one forgets.
		q = q.Where("1 = 0")
	}
	if f.Country != "" {
		q = q.Where("contacts.country_iso3 = ?", strings.ToUpper(f.Country))
	}
	if f.Region != "" {
		q = q.Where("contacts.country_iso3 IN (SELECT iso3 FROM countries WHERE lower(region) = ? OR lower(subregion) = ?)",
			strings.ToLower(f.Region), strings.ToLower(f.Region))
	}
	if f.Kind != "" {
		q = q.Where("contacts.kind = ?", f.Kind)
	}
	if f.InstitutionKind != "" {
		q = q.Where("EXISTS (SELECT 1 FROM positions p JOIN institutions i ON i.id = p.institution_id WHERE p.contact_id = contacts.id AND i.kind = ?)", f.InstitutionKind)
	}
	if f.InstitutionID > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM positions p WHERE p.contact_id = contacts.id AND p.institution_id = ?)", f.InstitutionID)
	}
	if f.Party != "" {
		q = q.Where("lower(contacts.party) = ?", strings.ToLower(f.Party))
	}
	if f.Tag != "" {
		q = q.Where("EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = contacts.id AND t.tag = ?)", f.Tag)
	}
	if f.Stance != "" {
		q = q.Where("contacts.stance = ?", f.Stance)
	}
	if f.Language != "" {
		q = q.Where("(contacts.preferred_language = ? OR (',' || contacts.languages || ',') LIKE ?)", f.Language, "%,"+f.Language+",%")
	}
	if f.DoNotContact != nil {
		q = q.Where("contacts.do_not_contact = ?", *f.DoNotContact)
	}
	if len(f.IDs) > 0 {
		q = q.Where("contacts.id IN ?", f.IDs)
	}
	return q
}

// ListContacts returns one page of contacts with emails, tags and country, and the total.
func (s *Store) ListContacts(ctx context.Context, f ContactFilter) ([]model.Contact, int64, error) {
	p := f.Page.Normalize()
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	order := "contacts.sort_name" + dir + ", contacts.id"
	switch f.Sort {
	case "country":
		order = "contacts.country_iso3" + dir + ", contacts.sort_name, contacts.id"
	case "updated":
		order = "contacts.updated_at" + dir + ", contacts.id"
	}
	if len(f.QueryWords) > 0 {
		if f.onlyText() && (f.Sort == "" || f.Sort == "name") {
			return s.searchContacts(ctx, f)
		}
		var none bool
		var err error
		if f, none, err = s.withMatches(ctx, f); err != nil || none {
			return nil, 0, err
		}
	}
	var total int64
	if err := s.contactQuery(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "contacts")
	}
	var out []model.Contact
	if err := listed(s.contactQuery(ctx, f)).Order(order).Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error; err != nil {
		return nil, 0, mapErr(err, "contacts")
	}
	return out, total, s.withAttachments(ctx, out)
}

// SearchContactIDs answers a text search from the search index: limit ids
// from offset on, in name order, and the number of matches. Words are folded
// by the caller; each must begin a word of the contact's search text.
func (s *Store) SearchContactIDs(ctx context.Context, words []string, descending bool, offset, limit int) ([]int64, int, error) {
	ix, err := s.contacts.index(ctx)
	if err != nil {
		return nil, 0, err
	}
	ids, total := ix.Search(search.Query{Words: words, Descending: descending, Offset: offset, Limit: limit})
	return ids, total, nil
}

// listed reads contacts as lists show them: with their country's name
// joined in, not the search text (only the search index reads it); their
// emails and tags come after, from withAttachments.
func listed(q *gorm.DB) *gorm.DB {
	return q.Omit("search_text").Joins("Country", q.Session(&gorm.Session{NewDB: true}).Select("iso3", "name"))
}

// withAttachments loads the emails and tags of a page of contacts in one
// query: a list page is read in two queries whatever its size.
func (s *Store) withAttachments(ctx context.Context, cs []model.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	byID := make(map[int64]*model.Contact, len(cs))
	for i := range cs {
		ids[i], byID[cs[i].ID] = cs[i].ID, &cs[i]
		cs[i].Emails, cs[i].Tags = nil, nil
	}
	rows, err := s.conn(ctx).Raw(`SELECT contact_id, 0 AS kind, position, email, label FROM contact_emails WHERE contact_id IN ?
		UNION ALL SELECT contact_id, 1, 0, tag, '' FROM contact_tags WHERE contact_id IN ?
		ORDER BY 1, 2, 3, 4`, ids, ids).Rows()
	if err != nil {
		return mapErr(err, "contacts")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, kind, pos int64
			value, label  string
		)
		if err := rows.Scan(&id, &kind, &pos, &value, &label); err != nil {
			return mapErr(err, "contacts")
		}
		c := byID[id]
		if kind == 0 {
			c.Emails = append(c.Emails, model.ContactEmail{ContactID: id, Email: value, Label: label, Position: int(pos)})
		} else {
			c.Tags = append(c.Tags, model.ContactTag{ContactID: id, Tag: value})
		}
	}
	return mapErr(rows.Err(), "contacts")
}

// searchContacts is ListContacts for a text search alone, in name order:
// the search index gives the page's ids and the number of matches, and only
// the page is read from the database.
func (s *Store) searchContacts(ctx context.Context, f ContactFilter) ([]model.Contact, int64, error) {
	p := f.Page.Normalize()
	ids, total, err := s.SearchContactIDs(ctx, f.QueryWords, f.Descending, p.Offset(), p.PerPage)
	if err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		return nil, int64(total), nil
	}
	var found []model.Contact
	if err := listed(s.conn(ctx).Model(&model.Contact{})).
		Where("contacts.id IN ? AND contacts.deleted_at IS NULL AND contacts.erased_at IS NULL", ids).Find(&found).Error; err != nil {
		return nil, 0, mapErr(err, "contacts")
	}
	if err := s.withAttachments(ctx, found); err != nil {
		return nil, 0, err
	}
	byID := make(map[int64]*model.Contact, len(found))
	for i := range found {
		byID[found[i].ID] = &found[i]
	}
	out := make([]model.Contact, 0, len(ids))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, *c)
		}
	}
	return out, int64(total), nil
}

// ContactIDs returns every id matching the filter (for bulk actions and exports), capped.
func (s *Store) ContactIDs(ctx context.Context, f ContactFilter, limit int) ([]int64, error) {
	f, none, err := s.withMatches(ctx, f)
	if err != nil || none {
		return nil, err
	}
	var ids []int64
	err = s.contactQuery(ctx, f).Order("contacts.sort_name, contacts.id").Limit(limit).Pluck("contacts.id", &ids).Error
	return ids, mapErr(err, "contacts")
}

// EachContact streams the contacts matching f in pages, for exports.
func (s *Store) EachContact(ctx context.Context, f ContactFilter, fn func(*model.Contact) error) error {
	f, none, err := s.withMatches(ctx, f)
	if err != nil || none {
		return err
	}
	var lastName string
	var lastID int64
	for {
		var batch []model.Contact
		q := s.contactQuery(ctx, f).Preload("Emails", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
			Preload("Phones", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).Preload("Tags").
			Preload("Positions.Institution")
		if lastID > 0 {
			q = q.Where("(contacts.sort_name > ? OR (contacts.sort_name = ? AND contacts.id > ?))", lastName, lastName, lastID)
		}
		if err := q.Order("contacts.sort_name, contacts.id").Limit(500).Find(&batch).Error; err != nil {
			return mapErr(err, "contacts")
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < 500 {
			return nil
		}
		lastName, lastID = batch[len(batch)-1].SortName, batch[len(batch)-1].ID
	}
}

// GetContact loads a contact with everything that hangs on it. Removed
// contacts are found too; callers decide how to show them.
func (s *Store) GetContact(ctx context.Context, id int64) (*model.Contact, error) {
	var c model.Contact
	err := s.conn(ctx).Preload("Emails", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Preload("Phones", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).
		Preload("Tags").Preload("Country").Preload("OwnerOrganisation").
		Preload("Positions", func(db *gorm.DB) *gorm.DB { return db.Order("end_date IS NOT NULL, end_date DESC, start_date DESC") }).
		Preload("Positions.Institution").First(&c, id).Error
	return &c, mapErr(err, "contact")
}

// SaveContact inserts or rewrites a contact and replaces its emails, phones and tags.
func (s *Store) SaveContact(ctx context.Context, c *model.Contact) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		emails, phones, tags := c.Emails, c.Phones, c.Tags
		c.Emails, c.Phones, c.Tags = nil, nil, nil
		defer func() { c.Emails, c.Phones, c.Tags = emails, phones, tags }()
		var err error
		if c.ID == 0 {
			err = db.Omit("Country", "OwnerOrganisation", "Positions").Create(c).Error
		} else {
			err = db.Omit("Country", "OwnerOrganisation", "Positions", "CreatedAt", "CreatedByID").Select("*").Save(c).Error
			if err == nil {
				for _, m := range []any{&model.ContactEmail{}, &model.ContactPhone{}, &model.ContactTag{}} {
					if err = db.Where("contact_id = ?", c.ID).Delete(m).Error; err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return mapErr(err, "contact")
		}
		for i := range emails {
			emails[i].ID, emails[i].ContactID = 0, c.ID
		}
		for i := range phones {
			phones[i].ID, phones[i].ContactID = 0, c.ID
		}
		for i := range tags {
			tags[i].ContactID = c.ID
		}
		if len(emails) > 0 {
			if err := db.Create(&emails).Error; err != nil {
				return mapErr(err, "contact email")
			}
		}
		if len(phones) > 0 {
			if err := db.Create(&phones).Error; err != nil {
				return mapErr(err, "contact phone")
			}
		}
		if len(tags) > 0 {
			if err := db.Create(&tags).Error; err != nil {
				return mapErr(err, "contact tag")
			}
		}
		return nil
	})
}

// SetContactSearch rewrites the folded search text and sort name.
func (s *Store) SetContactSearch(ctx context.Context, id int64, search, sortName string) error {
	return mapErr(s.conn(ctx).Model(&model.Contact{}).Where("id = ?", id).
		Updates(map[string]any{"search_text": search, "sort_name": sortName}).Error, "contact")
}

// AddTags adds a tag to many contacts at once, skipping those that have it.
func (s *Store) AddTags(ctx context.Context, ids []int64, tag string, now time.Time) (int64, error) {
	var have []int64
	if err := s.conn(ctx).Model(&model.ContactTag{}).Where("tag = ? AND contact_id IN ?", tag, ids).Pluck("contact_id", &have).Error; err != nil {
		return 0, mapErr(err, "contact tags")
	}
	skip := map[int64]bool{}
	for _, id := range have {
		skip[id] = true
	}
	var rows []model.ContactTag
	for _, id := range ids {
		if !skip[id] {
			rows = append(rows, model.ContactTag{ContactID: id, Tag: tag})
		}
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if err := s.conn(ctx).CreateInBatches(rows, 500).Error; err != nil {
		return 0, mapErr(err, "contact tags")
	}
	err := s.conn(ctx).Model(&model.Contact{}).Where("id IN ?", ids).Update("updated_at", now).Error
	return int64(len(rows)), mapErr(err, "contacts")
}

// MarkContactDeleted hides a contact; outreach keeps it, shown as removed.
func (s *Store) MarkContactDeleted(ctx context.Context, id int64, now time.Time) error {
	res := s.conn(ctx).Model(&model.Contact{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{"deleted_at": now, "updated_at": now})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("contact")
	}
	return mapErr(res.Error, "contact")
}

// EraseContact removes every personal field, email, phone, tag and position,
// keeping the row (outreach refers to it) marked as erased.
func (s *Store) EraseContact(ctx context.Context, id int64, now time.Time) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		for _, m := range []any{&model.ContactEmail{}, &model.ContactPhone{}, &model.ContactTag{}, &model.Position{}} {
			if err := db.Where("contact_id = ?", id).Delete(m).Error; err != nil {
				return mapErr(err, "contact")
			}
		}
		return mapErr(db.Model(&model.Contact{}).Where("id = ?", id).Updates(map[string]any{
			"honorific": "", "first_name": "", "last_name": "", "party": "", "preferred_language": "", "languages": "",
			"stance": model.StanceUnknown, "stance_evidence": "", "stance_date": nil, "data_source": "", "lawful_basis": "",
			"do_not_contact": true, "do_not_contact_reason": "erased", "search_text": "", "sort_name": "",
			"erased_at": now, "updated_at": now,
		}).Error, "contact")
	})
}

// ContactsByEmail finds live contacts holding any of the addresses.
func (s *Store) ContactsByEmail(ctx context.Context, emails []string) ([]model.Contact, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = strings.ToLower(e)
	}
	q := s.conn(ctx).Preload("Emails").Preload("Country").Where("deleted_at IS NULL AND erased_at IS NULL")
	if s.dialect == Postgres {
		// An import asks for a thousand addresses at a time. Given them as
		// an IN list, PostgreSQL hashed the list and read every address in
		// the table, so each batch of a large import took longer than the
		// last; asked one by one through the index (OFFSET 0 keeps the
		// planner from turning the probes back into a join), a batch costs
		// the same whatever the table holds.
		keys, err := json.Marshal(lower)
		if err != nil {
			return nil, fmt.Errorf("contacts by email: %w", err)
		}
		q = q.Where(`id IN (SELECT e.contact_id FROM jsonb_array_elements_text(?::jsonb) AS k(email)
			CROSS JOIN LATERAL (SELECT contact_id FROM contact_emails WHERE lower(email) = k.email OFFSET 0) AS e)`, string(keys))
	} else {
		q = q.Where("id IN (SELECT contact_id FROM contact_emails WHERE lower(email) IN ?)", lower)
	}
	var out []model.Contact
	return out, mapErr(q.Find(&out).Error, "contacts")
}

// ContactsByName finds live contacts with the same folded sort name and country.
func (s *Store) ContactsByName(ctx context.Context, sortName string, country *string) ([]model.Contact, error) {
	q := s.conn(ctx).Preload("Emails").Preload("Country").Where("deleted_at IS NULL AND erased_at IS NULL AND sort_name = ?", sortName)
	if country != nil {
		q = q.Where("country_iso3 = ?", *country)
	} else {
		q = q.Where("country_iso3 IS NULL")
	}
	var out []model.Contact
	return out, mapErr(q.Find(&out).Error, "contacts")
}

// MergeContacts moves positions, outreach links and follow-ups from drop to
// keep, then marks drop deleted.
func (s *Store) MergeContacts(ctx context.Context, keep, drop int64, now time.Time) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Model(&model.Position{}).Where("contact_id = ?", drop).Update("contact_id", keep).Error; err != nil {
			return mapErr(err, "positions")
		}
		// Outreach that already names keep would collide on the primary key.
		if err := db.Where("contact_id = ? AND outreach_id IN (SELECT outreach_id FROM outreach_contacts WHERE contact_id = ?)", drop, keep).
			Delete(&model.OutreachContact{}).Error; err != nil {
			return mapErr(err, "outreach contacts")
		}
		if err := db.Model(&model.OutreachContact{}).Where("contact_id = ?", drop).Update("contact_id", keep).Error; err != nil {
			return mapErr(err, "outreach contacts")
		}
		if err := db.Model(&model.Followup{}).Where("contact_id = ?", drop).Update("contact_id", keep).Error; err != nil {
			return mapErr(err, "followups")
		}
		if err := db.Exec(`INSERT INTO contact_tags (contact_id, tag) SELECT ?, tag FROM contact_tags t
			WHERE t.contact_id = ? AND NOT EXISTS (SELECT 1 FROM contact_tags k WHERE k.contact_id = ? AND k.tag = t.tag)`, keep, drop, keep).Error; err != nil {
			return mapErr(err, "contact tags")
		}
		return s.MarkContactDeleted(ctx, drop, now)
	})
}

// Facets lists distinct parties and tags for the filter menus.
func (s *Store) ContactFacets(ctx context.Context) (parties, tags []string, err error) {
	if err = s.conn(ctx).Model(&model.Contact{}).Where("deleted_at IS NULL AND party <> ''").Distinct("party").Order("party").Limit(500).Pluck("party", &parties).Error; err != nil {
		return nil, nil, mapErr(err, "contacts")
	}
	err = s.conn(ctx).Model(&model.ContactTag{}).Distinct("tag").Order("tag").Limit(500).Pluck("tag", &tags).Error
	return parties, tags, mapErr(err, "contact tags")
}

// NameKey identifies a contact by folded sort name and country.
type NameKey struct {
	SortName string
	Country  *string
}

// ContactsByNames finds live contacts by many name keys at once; the map key
// is "sortname|ISO3" ("sortname|" without a country).
func (s *Store) ContactsByNames(ctx context.Context, keys []NameKey) (map[string]*model.Contact, error) {
	out := map[string]*model.Contact{}
	if len(keys) == 0 {
		return out, nil
	}
	// Ask for the (country, name) pairs themselves. Asking for the names
	// alone fetched every namesake in every country: a batch of an import
	// then read more of the table the more it held, so a large import grew
	// quadratic in time and memory.
	type nameKey struct {
		Country *string `json:"country"`
		Name    string  `json:"name"`
	}
	var uniq []nameKey
	seen := map[string]bool{}
	for _, k := range keys {
		key := k.SortName + "|"
		if k.Country != nil {
			key += *k.Country
		}
		if !seen[key] {
			seen[key] = true
			uniq = append(uniq, nameKey{Country: k.Country, Name: k.SortName})
		}
	}
	var found []model.Contact
	if s.dialect == Postgres {
		// Probed one pair at a time through the index, for the reason
		// given in ContactsByEmail: as a list, the pairs were hashed
		// against a read of the whole table.
		list, err := json.Marshal(uniq)
		if err != nil {
			return nil, fmt.Errorf("contacts by name: %w", err)
		}
		err = s.conn(ctx).Raw(`SELECT c.* FROM jsonb_to_recordset(?::jsonb) AS k(country text, name text)
			CROSS JOIN LATERAL (SELECT * FROM contacts WHERE sort_name = k.name
				AND (country_iso3 = k.country OR (k.country IS NULL AND country_iso3 IS NULL))
				AND deleted_at IS NULL AND erased_at IS NULL OFFSET 0) AS c`, string(list)).Scan(&found).Error
		if err != nil {
			return nil, mapErr(err, "contacts")
		}
	} else {
		var pairs, bare []any
		for _, k := range uniq {
			if k.Country == nil {
				bare = append(bare, k.Name)
			} else {
				pairs = append(pairs, *k.Country, k.Name)
			}
		}
		var conds []string
		var args []any
		if len(pairs) > 0 {
			conds = append(conds, "(country_iso3, sort_name) IN (VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?),", len(pairs)/2), ",")+")")
			args = append(args, pairs...)
		}
		if len(bare) > 0 {
			conds = append(conds, "(country_iso3 IS NULL AND sort_name IN ?)")
			args = append(args, bare)
		}
		if err := s.conn(ctx).Where("deleted_at IS NULL AND erased_at IS NULL").Where("("+strings.Join(conds, " OR ")+")", args...).
			Find(&found).Error; err != nil {
			return nil, mapErr(err, "contacts")
		}
	}
	for i := range found {
		c := &found[i]
		country := ""
		if c.CountryISO3 != nil {
			country = *c.CountryISO3
		}
		k := c.SortName + "|" + country
		if _, ok := out[k]; !ok {
			out[k] = c
		}
	}
	return out, nil
}

// CreateContacts inserts many new contacts with their emails, phones and
// tags in a few statements; the contacts get their ids.
func (s *Store) CreateContacts(ctx context.Context, cs []model.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		kids := make([]struct {
			e []model.ContactEmail
			p []model.ContactPhone
			t []model.ContactTag
		}, len(cs))
		for i := range cs {
			kids[i].e, kids[i].p, kids[i].t = cs[i].Emails, cs[i].Phones, cs[i].Tags
			cs[i].Emails, cs[i].Phones, cs[i].Tags = nil, nil, nil
		}
		if err := createParents(ctx, s, cs, 500, "contacts"); err != nil {
			return err
		}
		var emails []model.ContactEmail
		var phones []model.ContactPhone
		var tags []model.ContactTag
		for i := range cs {
			for j, e := range kids[i].e {
				e.ContactID, e.Position, e.ID = cs[i].ID, j, 0
				emails = append(emails, e)
			}
			for j, p := range kids[i].p {
				p.ContactID, p.Position, p.ID = cs[i].ID, j, 0
				phones = append(phones, p)
			}
			for _, t := range kids[i].t {
				t.ContactID = cs[i].ID
				tags = append(tags, t)
			}
			cs[i].Emails, cs[i].Phones, cs[i].Tags = kids[i].e, kids[i].p, kids[i].t
		}
		if err := createMany(ctx, s, emails, 1000, "contact emails"); err != nil {
			return err
		}
		if err := createMany(ctx, s, phones, 1000, "contact phones"); err != nil {
			return err
		}
		return createMany(ctx, s, tags, 1000, "contact tags")
	})
}

// AnalyzeContacts refreshes the planner's statistics of the contact tables
// after a bulk write (PostgreSQL; SQLite plans without them).
func (s *Store) AnalyzeContacts(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	return mapErr(s.conn(ctx).Exec("ANALYZE contacts, contact_emails").Error, "contacts")
}
