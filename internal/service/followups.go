package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// ListFollowups lists follow-ups the actor may see; members see only their own
// unless they filter by a record (country, contact, outreach).
func (s *Service) ListFollowups(ctx context.Context, a Actor, f store.FollowupFilter) ([]model.Followup, int64, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, 0, err
	}
	f.ViewerOrgID = a.User.OrganisationID
	return s.store.ListFollowups(ctx, f)
}

// FollowupInput is a follow-up to create or change.
type FollowupInput struct {
	Title, Details string
	DueDate        time.Time
	Priority       model.FollowupPriority
	AssigneeID     int64 // 0: the actor
	CountryISO3    *string
	ContactID      *int64
	OutreachID     *int64
}

// checkFollowup validates in and copies it into f. keepAssignee is the
// current assignee on an edit, who may stay without the coordinator rule.
func (s *Service) checkFollowup(ctx context.Context, a Actor, in *FollowupInput, f *model.Followup, keepAssignee int64) error {
	f.Title, f.Details, f.DueDate, f.Priority = in.Title, in.Details, in.DueDate, in.Priority
	err := f.Validate()
	fe := model.FieldErrors{}
	if e, ok := model.AsError(err); ok {
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	} else if err != nil {
		return err
	}
	if in.AssigneeID == 0 {
		in.AssigneeID = a.User.ID
	}
	if in.AssigneeID != a.User.ID && in.AssigneeID != keepAssignee && !a.Can(auth.AssignFollowups) {
		return &model.Error{Code: model.CodeForbidden, Message: "only coordinators assign follow-ups to others; create it for yourself"}
	}
	assignee, err := s.store.GetUser(ctx, in.AssigneeID)
	switch {
	case model.ErrorCode(err) == model.CodeNotFound:
		fe.Add("assignee_id", "no such user")
	case err != nil:
		return err
	case !assignee.Active:
		fe.Add("assignee_id", "this user is deactivated")
	case assignee.Role == model.RoleViewer:
		fe.Add("assignee_id", "viewers cannot be assigned follow-ups")
	}
	f.AssigneeID = in.AssigneeID
	f.CountryISO3, f.ContactID, f.OutreachID = nil, nil, nil
	f.Visibility = model.VisibleCoalition
	if in.CountryISO3 != nil && strings.TrimSpace(*in.CountryISO3) != "" {
		c, err := s.country(ctx, strings.TrimSpace(*in.CountryISO3))
		if err != nil {
			fe.Add("country", "no such country")
		} else {
			f.CountryISO3 = &c.ISO3
		}
	}
	if in.ContactID != nil {
		if _, err := s.Contact(ctx, a, *in.ContactID); err != nil {
			fe.Add("contact_id", "no such contact")
		} else {
			f.ContactID = in.ContactID
		}
	}
	if in.OutreachID != nil {
		o, err := s.store.GetOutreach(ctx, *in.OutreachID, a.User.OrganisationID)
		if err != nil {
			fe.Add("outreach_id", "no such outreach record")
		} else {
			f.OutreachID = in.OutreachID
			if o.Visibility == model.VisibleOrganisation {
				// A follow-up on private outreach is private too, and stays in the organisation.
				f.Visibility = model.VisibleOrganisation
				if assignee != nil && assignee.OrganisationID != o.OrganisationID {
					fe.Add("assignee_id", "this outreach is private to its organisation; assign someone from it")
				}
			}
			if f.CountryISO3 == nil {
				f.CountryISO3 = o.CountryISO3
			}
		}
	}
	return fe.Err()
}

// CreateFollowup adds a follow-up for the actor, or for anyone when the actor coordinates.
func (s *Service) CreateFollowup(ctx context.Context, a Actor, in FollowupInput) (*model.Followup, error) {
	if err := require(a, auth.OwnFollowups); err != nil {
		return nil, err
	}
	f := &model.Followup{Status: model.FollowupOpen, AssignedByID: a.User.ID, OrganisationID: a.User.OrganisationID}
	if err := s.checkFollowup(ctx, a, &in, f, 0); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f.CreatedAt, f.UpdatedAt = now, now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveFollowup(ctx, f); err != nil {
			return err
		}
		return s.audit(ctx, a, "followup.create", "followup", strconv.FormatInt(f.ID, 10),
			fmt.Sprintf("%q for user %d, due %s", f.Title, f.AssigneeID, f.DueDate.Format("2006-01-02")))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetFollowup(ctx, f.ID, a.User.OrganisationID)
}

// GetFollowup loads a follow-up the actor may see.
func (s *Service) GetFollowup(ctx context.Context, a Actor, id int64) (*model.Followup, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.GetFollowup(ctx, id, a.User.OrganisationID)
}

// canTouchFollowup: the assignee, the person who assigned it, and coordinators.
func (a Actor) canTouchFollowup(f *model.Followup) bool {
	return a.Can(auth.AssignFollowups) || (a.Can(auth.OwnFollowups) && (f.AssigneeID == a.User.ID || f.AssignedByID == a.User.ID))
}

// UpdateFollowup changes a follow-up; reassigning to someone else needs a coordinator.
func (s *Service) UpdateFollowup(ctx context.Context, a Actor, id int64, in FollowupInput) (*model.Followup, error) {
	if err := require(a, auth.OwnFollowups); err != nil {
		return nil, err
	}
	f, err := s.GetFollowup(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.canTouchFollowup(f) {
		return nil, &model.Error{Code: model.CodeForbidden, Message: "this follow-up is someone else's"}
	}
	before := *f
	if in.AssigneeID == 0 {
		in.AssigneeID = f.AssigneeID
	}
	if in.AssigneeID != f.AssigneeID && !a.Can(auth.AssignFollowups) {
		return nil, &model.Error{Code: model.CodeForbidden, Message: "only coordinators reassign follow-ups"}
	}
	f.Assignee, f.AssignedBy, f.Country, f.Contact = nil, nil, nil, nil
	if err := s.checkFollowup(ctx, a, &in, f, before.AssigneeID); err != nil {
		return nil, err
	}
	f.UpdatedAt = s.now().UTC()
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveFollowup(ctx, f); err != nil {
			return err
		}
		msg := fmt.Sprintf("%q due %s", f.Title, f.DueDate.Format("2006-01-02"))
		if before.AssigneeID != f.AssigneeID {
			msg += fmt.Sprintf("; reassigned from user %d to user %d", before.AssigneeID, f.AssigneeID)
		}
		return s.audit(ctx, a, "followup.update", "followup", strconv.FormatInt(f.ID, 10), msg)
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetFollowup(ctx, id, a.User.OrganisationID)
}

// CloseFollowup marks a follow-up done or cancelled with a short outcome.
func (s *Service) CloseFollowup(ctx context.Context, a Actor, id int64, status model.FollowupStatus, outcome string) (*model.Followup, error) {
	if err := require(a, auth.OwnFollowups); err != nil {
		return nil, err
	}
	f, err := s.GetFollowup(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.canTouchFollowup(f) {
		return nil, &model.Error{Code: model.CodeForbidden, Message: "this follow-up is someone else's"}
	}
	outcome = strings.TrimSpace(outcome)
	fe := model.FieldErrors{}
	if status != model.FollowupDone && status != model.FollowupCancelled && status != model.FollowupOpen {
		fe.Add("status", "choose done, cancelled or open")
	}
	if len(outcome) > 2000 {
		fe.Add("outcome", "use at most 2000 characters")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f.Status, f.Outcome, f.UpdatedAt = status, outcome, now
	f.ClosedAt = &now
	if status == model.FollowupOpen {
		f.ClosedAt = nil
	}
	f.Assignee, f.AssignedBy, f.Country, f.Contact = nil, nil, nil, nil
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveFollowup(ctx, f); err != nil {
			return err
		}
		return s.audit(ctx, a, "followup."+string(status), "followup", strconv.FormatInt(f.ID, 10), fmt.Sprintf("%q: %s", f.Title, outcome))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetFollowup(ctx, id, a.User.OrganisationID)
}

// CalendarToken returns the user's feed token, creating one on first use.
func (s *Service) CalendarToken(ctx context.Context, a Actor, reset bool) (string, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return "", err
	}
	if a.User.CalendarToken != "" && !reset {
		return a.User.CalendarToken, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetCalendarToken(ctx, a.User.ID, tok); err != nil {
			return err
		}
		if !reset {
			return nil
		}
		return s.audit(ctx, a, "user.calendar_reset", "user", strconv.FormatInt(a.User.ID, 10), "reset the follow-up calendar link")
	})
	return tok, err
}

// CalendarFollowups returns the open follow-ups of the feed token's owner.
func (s *Service) CalendarFollowups(ctx context.Context, token string) (*model.User, []model.Followup, error) {
	if len(token) < 20 || len(token) > 100 {
		return nil, nil, model.NotFound("calendar")
	}
	u, err := s.store.UserByCalendarToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	fs, _, err := s.store.ListFollowups(ctx, store.FollowupFilter{ViewerOrgID: u.OrganisationID, AssigneeID: u.ID,
		Status: model.FollowupOpen, Page: model.Page{PerPage: model.MaxPerPage}})
	return u, fs, err
}

// FollowupGroups is "Mine" grouped by when.
type FollowupGroups struct {
	Overdue, Today, ThisWeek, Later []model.Followup
}

// MyFollowups groups the actor's open follow-ups into overdue, today, this week and later.
func (s *Service) MyFollowups(ctx context.Context, a Actor) (*FollowupGroups, error) {
	fs, _, err := s.ListFollowups(ctx, a, store.FollowupFilter{AssigneeID: a.User.ID, Status: model.FollowupOpen, Page: model.Page{PerPage: model.MaxPerPage}})
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	week := today.AddDate(0, 0, 7)
	g := &FollowupGroups{}
	for _, f := range fs {
		d := f.DueDate.UTC()
		switch {
		case d.Before(today):
			g.Overdue = append(g.Overdue, f)
		case d.Equal(today):
			g.Today = append(g.Today, f)
		case d.Before(week):
			g.ThisWeek = append(g.ThisWeek, f)
		default:
			g.Later = append(g.Later, f)
		}
	}
	return g, nil
}
