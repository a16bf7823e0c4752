package service

import (
	"context"
	"slices"
	"time"

	"ratify/internal/model"
)

// InstrumentSummary is one instrument's headline on the dashboard.
type InstrumentSummary struct {
	InstrumentCount
	// NewThisYear counts parties whose ratification date is in the current year.
	NewThisYear int64
}

// Dashboard is the home page's picture of the campaign.
type Dashboard struct {
	Year        int
	Instruments []InstrumentSummary
	Table       *CountryTable
	Latest      []model.RatificationEvent
	Priority    []CountryRow
	Countries   map[string]string // iso3 → name, for the latest changes
}

// Dashboard gathers the headline figures, the latest changes and the priority states.
func (s *Service) Dashboard(ctx context.Context, a Actor) (*Dashboard, error) {
	t, err := s.Countries(ctx, a, CountryFilter{})
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	jan1 := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	since, err := s.store.PartiesSince(ctx, jan1)
	if err != nil {
		return nil, err
	}
	latest, err := s.store.LatestEvents(ctx, 10)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Year: now.Year(), Table: t, Latest: latest, Countries: map[string]string{}}
	for _, c := range t.Counts {
		d.Instruments = append(d.Instruments, InstrumentSummary{InstrumentCount: c, NewThisYear: since[c.Instrument.Code]})
	}
	for _, r := range t.Rows {
		d.Countries[r.Country.ISO3] = r.Country.Name
		if r.Country.Priority == model.PriorityHigh || r.Country.Priority == model.PriorityMedium {
			d.Priority = append(d.Priority, r)
		}
	}
	slices.SortStableFunc(d.Priority, func(a, b CountryRow) int { return a.Country.Priority.Rank() - b.Country.Priority.Rank() })
	return d, nil
}
