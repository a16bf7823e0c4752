package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// Institutions lists institutions for any signed-in role.
func (s *Service) Institutions(ctx context.Context, a Actor, f store.InstitutionFilter) ([]model.Institution, int64, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, 0, err
	}
	fe := model.FieldErrors{}
	if f.Kind != "" && !f.Kind.Valid() {
		fe.Add("kind", "not an institution kind")
	}
	if len(f.Query) > 200 || !model.PlainLine(f.Query) || len(f.Country) > 3 || !model.PlainLine(f.Country) {
		fe.Add("q", "use at most 200 characters of plain text")
	}
	if err := fe.Err(); err != nil {
		return nil, 0, err
	}
	return s.store.ListInstitutions(ctx, f)
}

// Institution loads one institution.
func (s *Service) Institution(ctx context.Context, a Actor, id int64) (*model.Institution, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.GetInstitution(ctx, id)
}

// SaveInstitution creates (id 0) or updates an institution (members and up).
func (s *Service) SaveInstitution(ctx context.Context, a Actor, in model.Institution) (*model.Institution, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	fe := model.FieldErrors{}
	if _, err := s.country(ctx, in.CountryISO3); model.ErrorCode(err) == model.CodeNotFound {
		fe.Add("country", "no such country")
	} else if err != nil {
		return nil, err
	}
	if in.ParentID != nil {
		p, err := s.store.GetInstitution(ctx, *in.ParentID)
		switch {
		case model.ErrorCode(err) == model.CodeNotFound:
			fe.Add("parent_id", "no such institution")
		case err != nil:
			return nil, err
		case p.ID == in.ID:
			fe.Add("parent_id", "an institution cannot be its own parent")
		case p.CountryISO3 != in.CountryISO3:
			fe.Add("parent_id", "the parent is in another country")
		case p.ParentID != nil && *p.ParentID == in.ID && in.ID != 0:
			fe.Add("parent_id", "that would make a loop")
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	action := "institution.create"
	if in.ID != 0 {
		cur, err := s.store.GetInstitution(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		in.CreatedAt = cur.CreatedAt
		action = "institution.update"
	} else {
		in.CreatedAt = now
	}
	in.UpdatedAt = now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveInstitution(ctx, &in); err != nil {
			return err
		}
		return s.audit(ctx, a, action, "institution", strconv.FormatInt(in.ID, 10), fmt.Sprintf("%s (%s, %s)", in.Name, in.Kind.Label(), in.CountryISO3))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetInstitution(ctx, in.ID)
}

// PositionInput is a post to add or change.
type PositionInput struct {
	InstitutionID int64
	Title         string
	Start, End    *time.Time
}

func (s *Service) checkPosition(ctx context.Context, in *PositionInput) error {
	in.Title = strings.TrimSpace(in.Title)
	fe := model.FieldErrors{}
	switch {
	case in.Title == "":
		fe.Add("title", "enter the post, e.g. Minister of Labour")
	case len(in.Title) > 200 || !model.PlainLine(in.Title):
		fe.Add("title", "use at most 200 characters of plain text")
	}
	if in.Start != nil && in.End != nil && in.End.Before(*in.Start) {
		fe.Add("end_date", "the end cannot come before the start")
	}
	if _, err := s.store.GetInstitution(ctx, in.InstitutionID); model.ErrorCode(err) == model.CodeNotFound {
		fe.Add("institution_id", "no such institution")
	} else if err != nil {
		return err
	}
	return fe.Err()
}

// AddPosition records a post of a contact (members and up).
func (s *Service) AddPosition(ctx context.Context, a Actor, contactID int64, in PositionInput) (*model.Position, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return nil, err
	}
	c, err := s.Contact(ctx, a, contactID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPosition(ctx, &in); err != nil {
		return nil, err
	}
	p := &model.Position{ContactID: c.ID, InstitutionID: in.InstitutionID, Title: in.Title, StartDate: in.Start, EndDate: in.End, CreatedAt: s.now().UTC()}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.AddPosition(ctx, p); err != nil {
			return err
		}
		if err := s.refreshContactSearch(ctx, c.ID); err != nil {
			return err
		}
		return s.audit(ctx, a, "position.create", "contact", strconv.FormatInt(c.ID, 10), "added post "+strconv.Quote(p.Title))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetPosition(ctx, p.ID)
}

// UpdatePosition changes a post, typically to end it after a reshuffle.
func (s *Service) UpdatePosition(ctx context.Context, a Actor, contactID, id int64, in PositionInput) (*model.Position, error) {
	if err := require(a, auth.EditContacts); err != nil {
		return nil, err
	}
	if _, err := s.Contact(ctx, a, contactID); err != nil {
		return nil, err
	}
	p, err := s.store.GetPosition(ctx, id)
	if err != nil || p.ContactID != contactID {
		return nil, model.NotFound("position")
	}
	if err := s.checkPosition(ctx, &in); err != nil {
		return nil, err
	}
	p.InstitutionID, p.Title, p.StartDate, p.EndDate = in.InstitutionID, in.Title, in.Start, in.End
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdatePosition(ctx, p); err != nil {
			return err
		}
		if err := s.refreshContactSearch(ctx, contactID); err != nil {
			return err
		}
		return s.audit(ctx, a, "position.update", "contact", strconv.FormatInt(contactID, 10), "changed post "+strconv.Quote(p.Title))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetPosition(ctx, id)
}

// Positions lists a contact's posts.
func (s *Service) Positions(ctx context.Context, a Actor, contactID int64) ([]model.Position, error) {
	if _, err := s.Contact(ctx, a, contactID); err != nil {
		return nil, err
	}
	return s.store.ContactPositions(ctx, contactID)
}
