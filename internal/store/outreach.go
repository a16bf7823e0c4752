package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"ratify/internal/model"
)

// OutreachFilter narrows the outreach log. ViewerOrgID is always applied:
// another organisation's private records never leave the database.
type OutreachFilter struct {
	ViewerOrgID    int64
	Country        string
	Region         string
	Type           model.OutreachType
	OrganisationID int64
	Instrument     string
	Outcome        model.Outcome
	From, To       time.Time // To is exclusive
	Visibility     model.Visibility
	ContactID      int64
	CampaignID     int64
	Page           model.Page
}

// visibleOutreach is the one place the privacy rule lives in SQL over the
// records; CountOutreachByMonth restates it over the monthly counts.
func (s *Store) visibleOutreach(ctx context.Context, viewerOrgID int64) *gorm.DB {
	return s.conn(ctx).Model(&model.Outreach{}).
		Where("outreach.deleted_at IS NULL AND (outreach.visibility = 'coalition' OR outreach.organisation_id = ?)", viewerOrgID)
}

func (s *Store) outreachQuery(ctx context.Context, f OutreachFilter) *gorm.DB {
	q := s.visibleOutreach(ctx, f.ViewerOrgID)
	if f.Country != "" {
		q = q.Where("outreach.country_iso3 = ?", f.Country)
	}
	if f.Region != "" {
		q = q.Where("outreach.country_iso3 IN (SELECT iso3 FROM countries WHERE region = ? OR subregion = ?)", f.Region, f.Region)
	}
	if f.Type != "" {
		q = q.Where("outreach.type = ?", f.Type)
	}
	if f.OrganisationID > 0 {
		q = q.Where("outreach.organisation_id = ?", f.OrganisationID)
	}
	if f.Instrument != "" {
		q = q.Where("EXISTS (SELECT 1 FROM outreach_instruments oi WHERE oi.outreach_id = outreach.id AND oi.instrument_code = ?)", f.Instrument)
	}
	if f.Outcome != "" {
		q = q.Where("outreach.outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		q = q.Where("outreach.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("outreach.date < ?", f.To)
	}
	if f.Visibility != "" {
		q = q.Where("outreach.visibility = ?", f.Visibility)
	}
	if f.ContactID > 0 {
		q = q.Where("EXISTS (SELECT 1 FROM outreach_contacts oc WHERE oc.outreach_id = outreach.id AND oc.contact_id = ?)", f.ContactID)
	}
	if f.CampaignID > 0 {
		q = q.Where("outreach.campaign_id = ?", f.CampaignID)
	}
	return q
}

func preloadOutreach(q *gorm.DB) *gorm.DB {
	return q.Preload("Organisation").Preload("User").Preload("Country").Preload("Instruments").
		Preload("Contacts").Preload("Contacts.Contact")
}

// ListOutreach returns one page of visible outreach, newest first, and the total.
func (s *Store) ListOutreach(ctx context.Context, f OutreachFilter) ([]model.Outreach, int64, error) {
	var total int64
	if err := s.outreachQuery(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "outreach")
	}
	p := f.Page.Normalize()
	var out []model.Outreach
	err := preloadOutreach(s.outreachQuery(ctx, f)).Order("outreach.date DESC, outreach.id DESC").
		Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "outreach")
}

// EachOutreach streams visible outreach for exports, newest first.
func (s *Store) EachOutreach(ctx context.Context, f OutreachFilter, fn func(*model.Outreach) error) error {
	var lastDate time.Time
	var lastID int64
	for {
		q := preloadOutreach(s.outreachQuery(ctx, f))
		if lastID > 0 {
			q = q.Where("(outreach.date < ? OR (outreach.date = ? AND outreach.id < ?))", lastDate, lastDate, lastID)
		}
		var batch []model.Outreach
		if err := q.Order("outreach.date DESC, outreach.id DESC").Limit(500).Find(&batch).Error; err != nil {
			return mapErr(err, "outreach")
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < 500 {
			return nil
		}
		lastDate, lastID = batch[len(batch)-1].Date, batch[len(batch)-1].ID
	}
}

// GetOutreach loads one record if the viewer's organisation may see it;
// otherwise it is not found, whether or not it exists.
func (s *Store) GetOutreach(ctx context.Context, id, viewerOrgID int64) (*model.Outreach, error) {
	var o model.Outreach
	err := preloadOutreach(s.visibleOutreach(ctx, viewerOrgID)).Where("outreach.id = ?", id).First(&o).Error
	return &o, mapErr(err, "outreach")
}

// SaveOutreach inserts or rewrites a record and replaces its links.
func (s *Store) SaveOutreach(ctx context.Context, o *model.Outreach) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		insts, contacts := o.Instruments, o.Contacts
		o.Instruments, o.Contacts = nil, nil
		defer func() { o.Instruments, o.Contacts = insts, contacts }()
		var err error
		if o.ID == 0 {
			err = db.Omit("Organisation", "User", "Country").Create(o).Error
		} else {
			err = db.Omit("Organisation", "User", "Country", "CreatedAt").Select("*").Save(o).Error
			if err == nil {
				err = db.Where("outreach_id = ?", o.ID).Delete(&model.OutreachInstrument{}).Error
			}
			if err == nil {
				err = db.Where("outreach_id = ?", o.ID).Delete(&model.OutreachContact{}).Error
			}
		}
		if err != nil {
			return mapErr(err, "outreach")
		}
		for i := range insts {
			insts[i].OutreachID = o.ID
		}
		for i := range contacts {
			contacts[i].OutreachID, contacts[i].Contact = o.ID, nil
		}
		if len(insts) > 0 {
			if err := db.Create(&insts).Error; err != nil {
				return mapErr(err, "outreach instruments")
			}
		}
		if len(contacts) > 0 {
			if err := db.Create(&contacts).Error; err != nil {
				return mapErr(err, "outreach contacts")
			}
		}
		return nil
	})
}

// DeleteOutreach hides a record (kept for the audit trail).
func (s *Store) DeleteOutreach(ctx context.Context, id int64, now time.Time) error {
	res := s.conn(ctx).Model(&model.Outreach{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{"deleted_at": now, "updated_at": now})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("outreach")
	}
	return mapErr(res.Error, "outreach")
}

// OutreachPerMonth counts visible outreach per month since from, as "YYYY-MM" → n.
func (s *Store) OutreachPerMonth(ctx context.Context, viewerOrgID int64, from time.Time) (map[string]int64, error) {
	var dates []time.Time
	// Dates are read and bucketed in Go so the query is the same on both dialects.
	err := s.visibleOutreach(ctx, viewerOrgID).Where("outreach.date >= ?", from).Pluck("outreach.date", &dates).Error
	if err != nil {
		return nil, mapErr(err, "outreach")
	}
	out := map[string]int64{}
	for _, d := range dates {
		out[d.UTC().Format("2006-01")]++
	}
	return out, nil
}

// OutreachEstimate is the planner's idea of the number of outreach records
// (PostgreSQL's statistics, read at no cost); -1 on SQLite, which plans
// without them.
func (s *Store) OutreachEstimate(ctx context.Context) (int64, error) {
	if s.dialect != Postgres {
		return -1, nil
	}
	var n int64
	err := s.conn(ctx).Raw(`SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'outreach'::regclass`).Scan(&n).Error
	return n, mapErr(err, "outreach")
}

// AnalyzeOutreach refreshes the planner's statistics of the outreach tables
// after a bulk write (PostgreSQL; SQLite plans without them). PostgreSQL
// keeps the plan of each foreign key check for the life of a connection: a
// plan made while the outreach table was empty scans the whole table for
// each record linked to it, until the statistics change.
func (s *Store) AnalyzeOutreach(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	return mapErr(s.conn(ctx).Exec("ANALYZE outreach, outreach_contacts").Error, "outreach")
}

// FoldOutreachCounts adds up outreach_month_counts' rows into one per
// month, organisation and visibility. On PostgreSQL each statement that
// changes outreach writes rows of its own (migration 00009), so that
// concurrent writers never wait for each other; folding keeps the table
// small for readers. A row written while the fold runs is not in its
// snapshot and stays for the next fold; two folds at once are safe, as the
// second skips the rows the first deleted. SQLite's triggers add to one row
// per key already, so there is nothing to fold.
func (s *Store) FoldOutreachCounts(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	err := s.conn(ctx).Exec(`WITH gone AS (DELETE FROM outreach_month_counts RETURNING month, organisation_id, visibility, n)
		INSERT INTO outreach_month_counts (month, organisation_id, visibility, slot, n)
		SELECT month, organisation_id, visibility, nextval('outreach_month_counts_slot'), sum(n) FROM gone
		GROUP BY 1, 2, 3 HAVING sum(n) <> 0`).Error
	if err != nil {
		return fmt.Errorf("fold outreach counts: %w", err)
	}
	return nil
}

// CountOutreachByMonth counts visible outreach per month since from, as
// "YYYY-MM" → n. It reads outreach_month_counts, which triggers keep up to
// date (migrations 00008 and 00009): counting the rows themselves read every record of
// the last year, half a million of them at a million records, on every view
// of the dashboard.
func (s *Store) CountOutreachByMonth(ctx context.Context, viewerOrgID int64, from time.Time) (map[string]int64, error) {
	var rows []struct {
		Month string
		N     int64
	}
	// The privacy rule of visibleOutreach, over the counts.
	err := s.conn(ctx).Table("outreach_month_counts").Select("month, SUM(n) AS n").
		Where("month >= ? AND (visibility = 'coalition' OR organisation_id = ?)", from.UTC().Format("2006-01"), viewerOrgID).
		Group("month").Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "outreach")
	}
	out := map[string]int64{}
	for _, r := range rows {
		if r.N != 0 {
			out[r.Month] = r.N
		}
	}
	return out, nil
}

// CountriesWithOutreachSince lists countries with visible outreach on or after since.
func (s *Store) CountriesWithOutreachSince(ctx context.Context, viewerOrgID int64, since time.Time) (map[string]bool, error) {
	var isos []string
	// One probe per state into the live outreach by country and date
	// (migration 00008) rather than reading every record since then.
	seen := s.visibleOutreach(ctx, viewerOrgID).Select("1").Where("outreach.country_iso3 = countries.iso3 AND outreach.date >= ?", since)
	err := s.conn(ctx).Model(&model.Country{}).Where("EXISTS (?)", seen).Pluck("countries.iso3", &isos).Error
	out := map[string]bool{}
	for _, i := range isos {
		out[i] = true
	}
	return out, mapErr(err, "outreach")
}

// LatestOutreach returns the n newest visible records, without counting
// them all as ListOutreach does.
func (s *Store) LatestOutreach(ctx context.Context, viewerOrgID int64, n int) ([]model.Outreach, error) {
	var out []model.Outreach
	err := preloadOutreach(s.visibleOutreach(ctx, viewerOrgID)).Order("outreach.date DESC, outreach.id DESC").Limit(n).Find(&out).Error
	return out, mapErr(err, "outreach")
}

// CreateOutreachBatch inserts many records with their links in a few
// statements (a campaign's emails, demo data); by COPY in a bulk
// transaction (see WithBulkTx), which pays for large batches only: each
// COPY costs more round trips than an INSERT.
func (s *Store) CreateOutreachBatch(ctx context.Context, os []model.Outreach) error {
	if len(os) == 0 {
		return nil
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		insts := make([][]model.OutreachInstrument, len(os))
		contacts := make([][]model.OutreachContact, len(os))
		for i := range os {
			insts[i], contacts[i] = os[i].Instruments, os[i].Contacts
			os[i].Instruments, os[i].Contacts = nil, nil
		}
		if err := createParents(ctx, s, os, 500, "outreach"); err != nil {
			return err
		}
		var li []model.OutreachInstrument
		var lc []model.OutreachContact
		for i := range os {
			for _, x := range insts[i] {
				x.OutreachID = os[i].ID
				li = append(li, x)
			}
			for _, x := range contacts[i] {
				x.OutreachID, x.Contact = os[i].ID, nil
				lc = append(lc, x)
			}
			os[i].Instruments, os[i].Contacts = insts[i], contacts[i]
		}
		if err := createMany(ctx, s, li, 1000, "outreach instruments"); err != nil {
			return err
		}
		return createMany(ctx, s, lc, 1000, "outreach contacts")
	})
}

// CreateFollowupBatch inserts many follow-ups (demo data).
func (s *Store) CreateFollowupBatch(ctx context.Context, fs []model.Followup) error {
	if len(fs) == 0 {
		return nil
	}
	return mapErr(s.conn(ctx).Omit("Assignee", "AssignedBy", "Country", "Contact").CreateInBatches(fs, s.insertBatch(500, &model.Followup{})).Error, "follow-ups")
}

// CountContacts counts live contacts.
func (s *Store) CountContacts(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&model.Contact{}).Where("deleted_at IS NULL AND erased_at IS NULL").Count(&n).Error
	return n, mapErr(err, "contacts")
}

// CountryInstitutions returns every institution of every country, by country.
func (s *Store) AllInstitutions(ctx context.Context) ([]model.Institution, error) {
	var out []model.Institution
	return out, mapErr(s.conn(ctx).Order("id").Find(&out).Error, "institutions")
}

// ContactIDsByCountry returns live contact ids grouped by country (demo data).
func (s *Store) ContactIDsByCountry(ctx context.Context) (map[string][]int64, error) {
	var rows []struct {
		ID          int64
		CountryISO3 *string
	}
	err := s.conn(ctx).Model(&model.Contact{}).Select("id, country_iso3").Where("deleted_at IS NULL AND erased_at IS NULL").Scan(&rows).Error
	out := map[string][]int64{}
	for _, r := range rows {
		if r.CountryISO3 != nil {
			out[*r.CountryISO3] = append(out[*r.CountryISO3], r.ID)
		}
	}
	return out, mapErr(err, "contacts")
}
