package service

import (
	"context"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
)

// MonthCount is the outreach logged in one calendar month.
type MonthCount struct {
	Month time.Time // the first day of the month, UTC
	Count int64
}

// OutreachSummary is the outreach half of the dashboard, counted over what
// the actor may see: another organisation's private records never count.
type OutreachSummary struct {
	Months []MonthCount // the last 12 months, oldest first
	Total  int64        // over Months
	Recent []model.Outreach
	// Overdue are the actor's own open follow-ups past their due date.
	Overdue []model.Followup
	// Quiet are high-priority states with no outreach in the last QuietDays days.
	Quiet     []model.Country
	QuietDays int
}

// quietDays is how long a high-priority state may go without outreach
// before the dashboard points at it.
const quietDays = 90

// DashboardOutreach gathers outreach per month, the latest outreach, the
// actor's overdue follow-ups and the high-priority states gone quiet. The
// states come from the dashboard's country table so they are read once.
func (s *Service) DashboardOutreach(ctx context.Context, a Actor, d *Dashboard) (*OutreachSummary, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	org := a.User.OrganisationID
	now := s.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	counts, err := s.store.CountOutreachByMonth(ctx, org, first)
	if err != nil {
		return nil, err
	}
	out := &OutreachSummary{QuietDays: quietDays}
	for m := first; len(out.Months) < 12; m = m.AddDate(0, 1, 0) {
		n := counts[m.Format("2006-01")]
		out.Months = append(out.Months, MonthCount{Month: m, Count: n})
		out.Total += n
	}
	if out.Recent, err = s.store.LatestOutreach(ctx, org, 6); err != nil {
		return nil, err
	}
	mine, err := s.MyFollowups(ctx, a)
	if err != nil {
		return nil, err
	}
	out.Overdue = mine.Overdue
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	seen, err := s.store.CountriesWithOutreachSince(ctx, org, today.AddDate(0, 0, -quietDays))
	if err != nil {
		return nil, err
	}
	if d != nil && d.Table != nil {
		for _, r := range d.Table.Rows {
			if r.Country.Priority == model.PriorityHigh && !seen[r.Country.ISO3] {
				out.Quiet = append(out.Quiet, r.Country)
			}
		}
	}
	return out, nil
}
