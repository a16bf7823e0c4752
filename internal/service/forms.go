package service

// This file holds what the HTML forms ask of the service besides the use
// cases themselves: menus, the clock, and checks without side effects.

import (
	"context"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// CanTouchFollowup reports whether the actor may edit or close f: its
// assignee, the person who assigned it, and coordinators. Pages use it to
// show only the actions the service will accept.
func (a Actor) CanTouchFollowup(f *model.Followup) bool { return a.canTouchFollowup(f) }

// FollowupAssignees lists the active users a coordinator may assign
// follow-ups to (viewers cannot hold follow-ups).
func (s *Service) FollowupAssignees(ctx context.Context, a Actor) ([]model.User, error) {
	if err := require(a, auth.AssignFollowups); err != nil {
		return nil, err
	}
	var out []model.User
	for page := 1; ; page++ {
		us, total, err := s.store.ListUsers(ctx, store.UserFilter{Page: model.Page{Number: page, PerPage: model.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Active && u.Role != model.RoleViewer {
				out = append(out, u)
			}
		}
		if int64(page*model.MaxPerPage) >= total || len(us) == 0 {
			return out, nil
		}
	}
}

// CountryList lists every state by name, for menus.
func (s *Service) CountryList(ctx context.Context, a Actor) ([]model.Country, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.ListCountries(ctx)
}

// Today is the current UTC date by the service's clock, which tests move:
// forms default to it and pages group follow-ups by it.
func (s *Service) Today() time.Time {
	now := s.now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// CheckOutreach validates a record as LogOutreach would, without saving, so
// a form that already found a problem can still list every other one.
func (s *Service) CheckOutreach(ctx context.Context, a Actor, in OutreachInput) error {
	if err := require(a, auth.LogOutreach); err != nil {
		return err
	}
	return s.checkOutreach(ctx, a, &in)
}
