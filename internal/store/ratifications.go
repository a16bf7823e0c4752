package store

import (
	"context"
	"time"

	"ratify/internal/model"
)

// ListInstruments returns the tracked instruments in display order.
func (s *Store) ListInstruments(ctx context.Context) ([]model.Instrument, error) {
	var out []model.Instrument
	err := s.conn(ctx).Order("position, code").Find(&out).Error
	return out, mapErr(err, "instruments")
}

// GetInstrument loads one instrument by its exact code.
func (s *Store) GetInstrument(ctx context.Context, code string) (*model.Instrument, error) {
	var i model.Instrument
	err := s.conn(ctx).Where("code = ?", code).First(&i).Error
	return &i, mapErr(err, "instrument")
}

// CreateInstrument adds an instrument after the others.
func (s *Store) CreateInstrument(ctx context.Context, i *model.Instrument) error {
	var maxPos int
	if err := s.conn(ctx).Model(&model.Instrument{}).Select("COALESCE(MAX(position), 0)").Scan(&maxPos).Error; err != nil {
		return mapErr(err, "instrument")
	}
	i.Position = maxPos + 1
	err := mapErr(s.conn(ctx).Create(i).Error, "instrument")
	if model.ErrorCode(err) == model.CodeConflict {
		return &model.Error{Code: model.CodeConflict, Message: "an instrument with this code exists",
			Fields: map[string]string{"code": "this code is taken"}}
	}
	return err
}

// AllRatifications returns every recorded standing (a few hundred rows).
func (s *Store) AllRatifications(ctx context.Context) ([]model.Ratification, error) {
	var out []model.Ratification
	err := s.conn(ctx).Find(&out).Error
	return out, mapErr(err, "ratifications")
}

// CountryRatifications returns one state's standings.
func (s *Store) CountryRatifications(ctx context.Context, iso3 string) ([]model.Ratification, error) {
	var out []model.Ratification
	err := s.conn(ctx).Where("country_iso3 = ?", iso3).Find(&out).Error
	return out, mapErr(err, "ratifications")
}

// GetRatification loads one standing; not found means status none.
func (s *Store) GetRatification(ctx context.Context, iso3, code string) (*model.Ratification, error) {
	var r model.Ratification
	err := s.conn(ctx).Where("country_iso3 = ? AND instrument_code = ?", iso3, code).First(&r).Error
	return &r, mapErr(err, "ratification")
}

// SaveRatification inserts or fully rewrites a standing.
func (s *Store) SaveRatification(ctx context.Context, r *model.Ratification) error {
	if r.ID == 0 {
		return mapErr(s.conn(ctx).Create(r).Error, "ratification")
	}
	return mapErr(s.conn(ctx).Select("*").Save(r).Error, "ratification")
}

// AddRatificationEvent appends to a timeline. There is no update or delete.
func (s *Store) AddRatificationEvent(ctx context.Context, e *model.RatificationEvent) error {
	return mapErr(s.conn(ctx).Omit("Actor").Create(e).Error, "ratification event")
}

// RatificationEvents returns one timeline, newest first.
func (s *Store) RatificationEvents(ctx context.Context, iso3, code string) ([]model.RatificationEvent, error) {
	var out []model.RatificationEvent
	err := s.conn(ctx).Preload("Actor").Where("country_iso3 = ? AND instrument_code = ?", iso3, code).
		Order("at DESC, id DESC").Find(&out).Error
	return out, mapErr(err, "ratification events")
}

// RecentEvents returns the newest limit events of one timeline and whether
// there are more, so a dossier stays light however long the history: it reads
// one row more than it shows instead of counting them all.
func (s *Store) RecentEvents(ctx context.Context, iso3, code string, limit int) ([]model.RatificationEvent, bool, error) {
	var out []model.RatificationEvent
	err := s.conn(ctx).Preload("Actor").Where("country_iso3 = ? AND instrument_code = ?", iso3, code).
		Order("at DESC, id DESC").Limit(limit + 1).Find(&out).Error
	if len(out) > limit {
		return out[:limit], true, mapErr(err, "ratification events")
	}
	return out, false, mapErr(err, "ratification events")
}

// EventsPage returns one page of a timeline, newest first, and its length.
func (s *Store) EventsPage(ctx context.Context, iso3, code string, p model.Page) ([]model.RatificationEvent, int64, error) {
	p = p.Normalize()
	q := s.conn(ctx).Model(&model.RatificationEvent{}).Where("country_iso3 = ? AND instrument_code = ?", iso3, code)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "ratification events")
	}
	var out []model.RatificationEvent
	err := s.conn(ctx).Preload("Actor").Where("country_iso3 = ? AND instrument_code = ?", iso3, code).
		Order("at DESC, id DESC").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "ratification events")
}

// CountryEvents returns every timeline of one state, newest first, capped.
func (s *Store) CountryEvents(ctx context.Context, iso3 string, limit int) ([]model.RatificationEvent, error) {
	var out []model.RatificationEvent
	err := s.conn(ctx).Preload("Actor").Where("country_iso3 = ?", iso3).
		Order("at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, mapErr(err, "ratification events")
}

// LatestEvents returns the newest changes recorded by people (not the
// reference-data load), across the world.
func (s *Store) LatestEvents(ctx context.Context, limit int) ([]model.RatificationEvent, error) {
	var out []model.RatificationEvent
	err := s.conn(ctx).Preload("Actor").Where("actor_id IS NOT NULL").
		Order("at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, mapErr(err, "ratification events")
}

// PartiesSince counts, per instrument, the parties whose ratification date
// falls on or after since (year-only dates count by their year).
func (s *Store) PartiesSince(ctx context.Context, since time.Time) (map[string]int64, error) {
	var rows []struct {
		InstrumentCode string
		N              int64
	}
	err := s.conn(ctx).Model(&model.Ratification{}).Select("instrument_code, count(*) AS n").
		Where("status IN ? AND ratification_date >= ?", []model.Status{model.StatusRatified, model.StatusAcceded, model.StatusSucceeded}, since).
		Group("instrument_code").Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "ratifications")
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.InstrumentCode] = r.N
	}
	return out, nil
}
