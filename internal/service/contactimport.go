package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// Import fields a CSV column can map to.
var ImportFields = []string{"name", "honorific", "first_name", "last_name", "email", "phone", "country", "party",
	"position", "institution", "chamber", "language", "languages", "kind", "tags", "stance"}

// importGuesses are header spellings recognised for each field.
var importGuesses = map[string][]string{
	"name":        {"name", "full name", "fullname", "contact", "nom", "nombre"},
	"honorific":   {"honorific", "title", "salutation", "civilité"},
	"first_name":  {"first name", "firstname", "first", "given name", "prénom", "prenom", "nombre de pila"},
	"last_name":   {"last name", "lastname", "surname", "family name", "nom de famille", "apellido", "apellidos"},
	"email":       {"email", "e-mail", "mail", "email address", "courriel", "correo"},
	"phone":       {"phone", "telephone", "tel", "mobile", "téléphone", "teléfono"},
	"country":     {"country", "country code", "iso3", "iso", "pays", "país", "state"},
	"party":       {"party", "political party", "parti", "partido", "group"},
	"position":    {"position", "post", "role", "function", "job title", "fonction", "cargo"},
	"institution": {"institution", "organisation", "organization", "ministry", "body", "committee"},
	"chamber":     {"chamber", "house", "chambre", "cámara"},
	"language":    {"language", "preferred language", "langue", "idioma", "lang"},
	"languages":   {"languages", "other languages", "langues"},
	"kind":        {"kind", "type", "category"},
	"tags":        {"tags", "tag", "labels"},
	"stance":      {"stance", "position on ratification", "support"},
}

// GuessMapping maps each field to the index of the header column that names
// it, or leaves it out.
func GuessMapping(header []string) map[string]int {
	out := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.NewReplacer("_", " ", "-", " ").Replace(h)
		for field, names := range importGuesses {
			if _, taken := out[field]; taken {
				continue
			}
			for _, n := range names {
				if h == strings.NewReplacer("-", " ").Replace(n) {
					out[field] = i
					break
				}
			}
		}
	}
	// "title" is an honorific only when there is a separate position column.
	if i, ok := out["honorific"]; ok && strings.EqualFold(strings.TrimSpace(header[i]), "title") {
		if _, hasPos := out["position"]; !hasPos {
			delete(out, "honorific")
			out["position"] = i
		}
	}
	return out
}

// ImportOptions steer a contact import.
type ImportOptions struct {
	Mapping map[string]int // field → column index; nil: guessed from the header
	// UpdateExisting updates matched contacts; otherwise they are skipped.
	UpdateExisting bool
	DryRun         bool
	FileName       string
}

// ImportResult is the report at the end of an import.
type ImportResult struct {
	Rows        int         `json:"rows"`
	Created     int         `json:"created"`
	Updated     int         `json:"updated"`
	Skipped     int         `json:"skipped"`
	Errors      []LineError `json:"errors"`
	ErrorsTotal int         `json:"errors_total"`
	DryRun      bool        `json:"dry_run"`
	Mapping     map[string]int
	Header      []string
}

// maxImportErrors caps the listed errors; ErrorsTotal keeps counting.
const maxImportErrors = 1000

const importBatch = 1000

type importRow struct {
	line        int
	contact     model.Contact
	sortName    string // folded "last first", the key for a match by name
	position    string
	institution string
	instKind    model.InstitutionKind
}

// ImportContacts reads a contacts CSV as a stream, in batches, so memory does
// not grow with the file. A dry run checks every row and changes nothing. A
// real run with any bad row changes nothing either: rows are validated in a
// first pass, written in a second, so a 100,000-row file is all or nothing.
func (s *Service) ImportContacts(ctx context.Context, a Actor, open func() (io.ReadCloser, error), opt ImportOptions) (*ImportResult, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	first := importValidate
	if opt.DryRun {
		first = importCheck
	}
	res, err := s.importPass(ctx, a, open, opt, first)
	if err != nil || opt.DryRun || res.ErrorsTotal > 0 {
		return res, err
	}
	return s.importPass(ctx, a, open, opt, importWrite)
}

// importMode is what one pass over the file does.
type importMode int

const (
	// importCheck validates every row and matches it against the existing
	// contacts, to report what an import would create, update or skip.
	importCheck importMode = iota
	// importValidate only validates: the first pass of a real import,
	// whose second pass matches each batch against the contacts as they
	// are when it is written.
	importValidate
	// importWrite matches and writes.
	importWrite
)

func (s *Service) importPass(ctx context.Context, a Actor, open func() (io.ReadCloser, error), opt ImportOptions, mode importMode) (*ImportResult, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	res := &ImportResult{DryRun: opt.DryRun, Errors: []LineError{}}
	addErr := func(line int, field, msg string) {
		res.ErrorsTotal++
		if len(res.Errors) < maxImportErrors {
			res.Errors = append(res.Errors, LineError{Line: line, Field: field, Message: msg})
		}
	}
	cr := csv.NewReader(rc)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			addErr(1, "", "the file is empty")
			return res, nil
		}
		addErr(1, "", "the header cannot be read: "+err.Error())
		return res, nil
	}
	res.Header = append([]string(nil), header...)
	mapping := opt.Mapping
	if mapping == nil {
		mapping = GuessMapping(header)
	}
	res.Mapping = mapping
	for f, i := range mapping {
		if i < 0 || i >= len(header) {
			addErr(1, f, "maps to a column the file does not have")
		}
	}
	_, hasName := mapping["name"]
	_, hasLast := mapping["last_name"]
	_, hasFirst := mapping["first_name"]
	if !hasName && !hasLast && !hasFirst {
		addErr(1, "name", "no column holds names: map a name, first name or last name column")
	}
	if res.ErrorsTotal > 0 {
		return res, nil
	}
	countries, err := s.store.ListCountries(ctx)
	if err != nil {
		return nil, err
	}
	countryByKey := map[string]string{}
	for _, c := range countries {
		countryByKey[strings.ToLower(c.ISO3)] = c.ISO3
		countryByKey[strings.ToLower(c.ISO2)] = c.ISO3
		countryByKey[foldText(c.Name)] = c.ISO3
	}
	source := fmt.Sprintf("CSV import %s on %s by %s", opt.FileName, s.now().UTC().Format("2006-01-02"), a.User.Email)
	w := &importWriter{s: s, a: a, opt: opt, res: res, source: source, instCache: map[string]int64{}}
	lastLine := 1
	read := func(emit func(importRow) error) error {
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			// FieldPos panics after a failed Read, which has no fields: ask it
			// only once the record is good.
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					addErr(pe.Line, "", pe.Err.Error())
					if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
						continue
					}
				}
				addErr(lastLine+1, "", "the rest of the file cannot be read: "+err.Error())
				return nil
			}
			line, _ := cr.FieldPos(0)
			lastLine = line
			res.Rows++
			// A row with more or fewer cells than the header has its values
			// under the wrong columns, or missing.
			if len(rec) != len(header) {
				addErr(line, "", fmt.Sprintf("this line has %d values but the header has %d columns", len(rec), len(header)))
				continue
			}
			row, ok := parseImportRow(rec, line, mapping, countryByKey, s.now().UTC(), addErr)
			if !ok || mode == importValidate {
				continue
			}
			c := &row.contact
			row.sortName = foldText(strings.TrimSpace(c.LastName + " " + c.FirstName))
			if mode == importWrite {
				c.DataSource = source
				c.SearchText = foldText(strings.Join([]string{c.Honorific, c.FirstName, c.LastName, c.Party, joinEmails(c.Emails), row.position, row.institution}, " "))
			}
			if err := emit(row); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if mode == importValidate {
		err = read(func(importRow) error { return nil })
	} else {
		err = w.run(ctx, read, mode == importCheck)
	}
	if err != nil {
		return nil, err
	}
	if mode == importWrite {
		err := s.audit(ctx, a, "contact.import", "contact", "", fmt.Sprintf("%s: %d rows, %d created, %d updated, %d skipped",
			opt.FileName, res.Rows, res.Created, res.Updated, res.Skipped))
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func parseImportRow(rec []string, line int, mapping map[string]int, countryByKey map[string]string, now time.Time,
	addErr func(int, string, string)) (importRow, bool) {
	bad := false
	get := func(field string) string {
		i, ok := mapping[field]
		if !ok || i >= len(rec) {
			return ""
		}
		v := strings.TrimSpace(rec[i])
		if !utf8.ValidString(v) {
			addErr(line, field, "not UTF-8 text; save the file as CSV UTF-8")
			bad = true
			return ""
		}
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) && !(field == "phone" && allPhones(v)) {
			addErr(line, field, "looks like a spreadsheet formula ("+truncate(v, 30)+"); remove the leading "+strconv.QuoteRune(rune(v[0])))
			bad = true
			return ""
		}
		return v
	}
	c := model.Contact{Honorific: get("honorific"), FirstName: get("first_name"), LastName: get("last_name"),
		Party: get("party"), PreferredLanguage: strings.ToLower(get("language")), Languages: get("languages"), Kind: model.ContactParliamentarian}
	if n := get("name"); n != "" && c.FirstName == "" && c.LastName == "" {
		parts := strings.Fields(n)
		c.LastName = parts[len(parts)-1]
		c.FirstName = strings.Join(parts[:len(parts)-1], " ")
	}
	if k := strings.ToLower(strings.ReplaceAll(get("kind"), " ", "_")); k != "" {
		c.Kind = model.ContactKind(k)
	}
	if st := strings.ToLower(get("stance")); st != "" {
		c.Stance = model.Stance(st)
	}
	if cv := get("country"); cv != "" {
		iso, ok := countryByKey[strings.ToLower(cv)]
		if !ok {
			iso, ok = countryByKey[foldText(cv)]
		}
		if !ok {
			addErr(line, "country", fmt.Sprintf("unknown country %q (use the name or the ISO code)", truncate(cv, 60)))
			bad = true
		} else {
			c.CountryISO3 = &iso
		}
	}
	for _, e := range splitMulti(get("email")) {
		c.Emails = append(c.Emails, model.ContactEmail{Email: e})
	}
	for _, p := range splitMulti(get("phone")) {
		c.Phones = append(c.Phones, model.ContactPhone{Number: p})
	}
	for _, t := range splitMulti(get("tags")) {
		c.Tags = append(c.Tags, model.ContactTag{Tag: t})
	}
	row := importRow{line: line, position: get("position"), institution: get("institution")}
	if ch := strings.ToLower(get("chamber")); ch != "" {
		row.instKind = model.InstParliament
		if row.institution == "" {
			row.institution = get("chamber")
		}
	}
	// Validate even a row with problems already, so every reason is listed at once.
	if err := c.Validate(now); err != nil {
		e, _ := model.AsError(err)
		for _, f := range sortedKeys(e.Fields) {
			addErr(line, f, e.Fields[f])
		}
		return row, false
	}
	if bad {
		return row, false
	}
	if len(row.position) > 200 || len(row.institution) > 300 {
		addErr(line, "position", "position or institution is too long")
		return row, false
	}
	if row.institution != "" && c.CountryISO3 == nil {
		addErr(line, "institution", "an institution needs the contact's country")
		return row, false
	}
	row.contact = c
	return row, true
}

// allPhones reports whether every number of a phone cell, which may hold
// several ("+41 22 917 1234; +41 79 000 00 00"), is a phone number, so such a
// cell is not mistaken for a formula.
func allPhones(v string) bool {
	parts := splitMulti(v)
	for _, p := range parts {
		if !model.ValidPhone(p) {
			return false
		}
	}
	return len(parts) > 0
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// multiSeparators is built once: building a Replacer per cell cost more
// than the rest of parsing a large file.
var multiSeparators = strings.NewReplacer(";", ",", "|", ",")

func splitMulti(s string) []string {
	return model.SplitList(multiSeparators.Replace(s))
}

// importWriter matches a batch against existing contacts and writes it.
type importWriter struct {
	s         *Service
	a         Actor
	opt       ImportOptions
	res       *ImportResult
	source    string
	instCache map[string]int64
	written   int // batches written
}

// run reads the file in a goroutine of its own, in batches, and matches and
// writes each batch in this one: reading, parsing and folding the next batch
// overlaps the database's work on this one. At most two batches wait beside
// the one being written, so memory still does not grow with the file.
func (w *importWriter) run(ctx context.Context, read func(emit func(importRow) error) error, check bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []importRow, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([]importRow, 0, importBatch)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([]importRow, 0, importBatch)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := read(func(r importRow) error {
			if batch = append(batch, r); len(batch) >= importBatch {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		readErr <- err
	}()
	for b := range batches {
		if err := w.flush(ctx, b, check); err != nil {
			cancel()
			for range batches {
			}
			<-readErr
			return err
		}
	}
	return <-readErr
}

func (w *importWriter) flush(ctx context.Context, batch []importRow, check bool) error {
	if len(batch) == 0 {
		return nil
	}
	var emails []string
	for _, r := range batch {
		for _, e := range r.contact.Emails {
			emails = append(emails, e.Email)
		}
	}
	byEmail, err := w.s.store.ContactsByEmail(ctx, emails)
	if err != nil {
		return err
	}
	emailOwner := map[string]*model.Contact{}
	for i := range byEmail {
		for _, e := range byEmail[i].Emails {
			emailOwner[strings.ToLower(e.Email)] = &byEmail[i]
		}
	}
	nameKeys := make([]store.NameKey, 0, len(batch))
	for _, r := range batch {
		nameKeys = append(nameKeys, store.NameKey{SortName: r.sortName, Country: r.contact.CountryISO3})
	}
	byName, err := w.s.store.ContactsByNames(ctx, nameKeys)
	if err != nil {
		return err
	}
	var creates []importRow
	var updates []importRow
	for _, r := range batch {
		var match *model.Contact
		for _, e := range r.contact.Emails {
			if m := emailOwner[e.Email]; m != nil {
				match = m
				break
			}
		}
		if match == nil {
			country := ""
			if r.contact.CountryISO3 != nil {
				country = *r.contact.CountryISO3
			}
			match = byName[r.sortName+"|"+country]
		}
		switch {
		case match == nil:
			w.res.Created++
			creates = append(creates, r)
		case !w.opt.UpdateExisting:
			w.res.Skipped++
		default:
			w.res.Updated++
			r.contact.ID = match.ID
			updates = append(updates, r)
		}
	}
	if check {
		return nil
	}
	defer w.refreshStats(ctx)
	return w.s.store.WithBulkTx(ctx, func(ctx context.Context) error {
		// A batch's commit need not wait for the disk: the audit record
		// written after the last batch is committed the ordinary way, and
		// carries every batch to the disk (the log is written in order)
		// before the import reports success. A crash before that loses
		// batches of an import that then fails anyway.
		if err := w.s.store.CommitWithoutFlush(ctx); err != nil {
			return err
		}
		now := w.s.now().UTC()
		newContacts := make([]model.Contact, len(creates))
		for i, r := range creates {
			c := r.contact
			c.OwnerOrganisationID, c.CreatedByID, c.CreatedAt, c.UpdatedAt = w.a.User.OrganisationID, w.a.ID(), now, now
			c.SortName = r.sortName
			newContacts[i] = c
		}
		if err := w.s.store.CreateContacts(ctx, newContacts); err != nil {
			return err
		}
		for i := range creates {
			creates[i].contact.ID = newContacts[i].ID
		}
		for _, r := range updates {
			if err := w.updateExisting(ctx, r, now); err != nil {
				return fmt.Errorf("line %d: %w", r.line, err)
			}
		}
		// A new contact has no posts yet: only those of the contacts
		// updated need a look at what they hold already.
		fresh, err := w.positions(ctx, creates, now)
		if err != nil {
			return err
		}
		if err := w.s.store.CreatePositions(ctx, fresh); err != nil {
			return err
		}
		more, err := w.positions(ctx, updates, now)
		if err != nil {
			return err
		}
		return w.s.store.AddPositionsIfMissing(ctx, more)
	})
}

// positions are the posts the rows name, in institutions found or added.
func (w *importWriter) positions(ctx context.Context, rows []importRow, now time.Time) ([]model.Position, error) {
	var out []model.Position
	for _, r := range rows {
		if r.institution == "" || r.contact.CountryISO3 == nil {
			continue
		}
		instID, err := w.institution(ctx, *r.contact.CountryISO3, r.institution, r.instKind, now)
		if err != nil {
			return nil, err
		}
		title := r.position
		if title == "" {
			title = "Member"
		}
		out = append(out, model.Position{ContactID: r.contact.ID, InstitutionID: instID, Title: title, CreatedAt: now})
	}
	return out, nil
}

// refreshStats has the database re-read the contacts tables' statistics
// after the 1st, 4th, 16th… batch written. Each batch looks its rows up by
// address and by name; planned with the statistics of a table that was empty
// or small (a new installation's first import), PostgreSQL compared every
// contact with every row of the batch, and a 100,000-row import took
// minutes until autovacuum caught up.
func (w *importWriter) refreshStats(ctx context.Context) {
	w.written++
	if w.written&(w.written-1) != 0 || bits.TrailingZeros(uint(w.written))%2 != 0 {
		return
	}
	if err := w.s.store.AnalyzeContacts(ctx); err != nil {
		w.s.log.Warn("contact import: refreshing the planner's statistics failed", "err", err)
	}
}

func joinEmails(es []model.ContactEmail) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Email
	}
	return strings.Join(parts, " ")
}

// updateExisting fills in a matched contact from the row. It adds addresses,
// numbers and tags, overwrites names, party and languages when the row has
// them, and never clears do-not-contact.
func (w *importWriter) updateExisting(ctx context.Context, r importRow, now time.Time) error {
	cur, err := w.s.store.GetContact(ctx, r.contact.ID)
	if err != nil {
		return err
	}
	n := r.contact
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cur.Honorific, n.Honorific)
	set(&cur.FirstName, n.FirstName)
	set(&cur.LastName, n.LastName)
	set(&cur.Party, n.Party)
	set(&cur.PreferredLanguage, n.PreferredLanguage)
	set(&cur.Languages, n.Languages)
	if n.CountryISO3 != nil {
		cur.CountryISO3 = n.CountryISO3
	}
	have := map[string]bool{}
	for _, e := range cur.Emails {
		have[e.Email] = true
	}
	for _, e := range n.Emails {
		if !have[e.Email] {
			cur.Emails = append(cur.Emails, e)
		}
	}
	havePhone := map[string]bool{}
	for _, p := range cur.Phones {
		havePhone[p.Number] = true
	}
	for _, p := range n.Phones {
		if !havePhone[p.Number] {
			cur.Phones = append(cur.Phones, p)
		}
	}
	haveTag := map[string]bool{}
	for _, t := range cur.Tags {
		haveTag[t.Tag] = true
	}
	for _, t := range n.Tags {
		if !haveTag[t.Tag] {
			cur.Tags = append(cur.Tags, t)
		}
	}
	cur.DataSource = w.source
	cur.UpdatedAt = now
	cur.Country, cur.OwnerOrganisation, cur.Positions = nil, nil, nil
	if err := cur.Validate(now); err != nil {
		return err
	}
	if err := w.s.store.SaveContact(ctx, cur); err != nil {
		return err
	}
	return w.s.refreshContactSearch(ctx, cur.ID)
}

func (w *importWriter) institution(ctx context.Context, iso3, name string, kind model.InstitutionKind, now time.Time) (int64, error) {
	key := iso3 + "|" + strings.ToLower(name)
	if id, ok := w.instCache[key]; ok {
		return id, nil
	}
	id, err := w.s.store.FindInstitution(ctx, iso3, name)
	if model.ErrorCode(err) == model.CodeNotFound {
		if kind == "" {
			kind = model.InstOther
		}
		in := model.Institution{CountryISO3: iso3, Name: name, Kind: kind, CreatedAt: now, UpdatedAt: now}
		if err := w.s.store.SaveInstitution(ctx, &in); err != nil {
			return 0, err
		}
		id, err = in.ID, nil
	}
	if err != nil {
		return 0, err
	}
	w.instCache[key] = id
	return id, nil
}
