package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// OutreachInput is what a person logs.
type OutreachInput struct {
	model.Outreach
	InstrumentCodes []string
	ContactIDs      []int64
}

// ListOutreach lists what the actor may see.
func (s *Service) ListOutreach(ctx context.Context, a Actor, f store.OutreachFilter) ([]model.Outreach, int64, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, 0, err
	}
	f.ViewerOrgID = a.User.OrganisationID
	return s.store.ListOutreach(ctx, f)
}

// EachOutreach streams what the actor may see, for exports (members and up).
func (s *Service) EachOutreach(ctx context.Context, a Actor, f store.OutreachFilter, fn func(*model.Outreach) error) error {
	if err := require(a, auth.ExportCSV); err != nil {
		return err
	}
	f.ViewerOrgID = a.User.OrganisationID
	if err := s.audit(ctx, a, "outreach.export", "outreach", "", "exported outreach as CSV"); err != nil {
		return err
	}
	return s.store.EachOutreach(ctx, f, fn)
}

// GetOutreach loads a record the actor may see; others are not found.
func (s *Service) GetOutreach(ctx context.Context, a Actor, id int64) (*model.Outreach, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.GetOutreach(ctx, id, a.User.OrganisationID)
}

// CanEditOutreach reports whether the actor may change or delete o: members
// and coordinators their own organisation's records, admins any they see.
func (a Actor) CanEditOutreach(o *model.Outreach) bool {
	if !a.Can(auth.LogOutreach) {
		return false
	}
	return a.User.Role == model.RoleAdmin || o.OrganisationID == a.User.OrganisationID
}

func (s *Service) checkOutreach(ctx context.Context, a Actor, in *OutreachInput) error {
	err := in.Validate(s.now().UTC())
	fe := model.FieldErrors{}
	if e, ok := model.AsError(err); ok {
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	} else if err != nil {
		return err
	}
	if in.CountryISO3 != nil {
		iso := strings.ToUpper(strings.TrimSpace(*in.CountryISO3))
		if iso == "" {
			in.CountryISO3 = nil
		} else if _, err := s.country(ctx, iso); err != nil {
			fe.Add("country", "no country with code "+strconv.Quote(iso))
		} else {
			in.CountryISO3 = &iso
		}
	}
	insts, err := s.store.ListInstruments(ctx)
	if err != nil {
		return err
	}
	in.Instruments = nil
	for _, code := range in.InstrumentCodes {
		code = strings.ToUpper(strings.TrimSpace(code))
		if !slices.ContainsFunc(insts, func(i model.Instrument) bool { return i.Code == code }) {
			fe.Add("instruments", "no instrument with code "+strconv.Quote(code))
			continue
		}
		if !slices.ContainsFunc(in.Instruments, func(x model.OutreachInstrument) bool { return x.InstrumentCode == code }) {
			in.Instruments = append(in.Instruments, model.OutreachInstrument{InstrumentCode: code})
		}
	}
	in.Contacts = nil
	if len(in.ContactIDs) > 50 {
		fe.Add("contact_ids", "at most 50 people per record")
	} else {
		for _, id := range in.ContactIDs {
			if slices.ContainsFunc(in.Contacts, func(x model.OutreachContact) bool { return x.ContactID == id }) {
				continue
			}
			if _, err := s.Contact(ctx, a, id); err != nil {
				fe.Add("contact_ids", fmt.Sprintf("no contact with id %d", id))
				continue
			}
			in.Contacts = append(in.Contacts, model.OutreachContact{ContactID: id})
		}
	}
	return fe.Err()
}

// LogOutreach saves a new record for the actor's organisation.
func (s *Service) LogOutreach(ctx context.Context, a Actor, in OutreachInput) (*model.Outreach, error) {
	if err := require(a, auth.LogOutreach); err != nil {
		return nil, err
	}
	if err := s.checkOutreach(ctx, a, &in); err != nil {
		return nil, err
	}
	o := in.Outreach
	o.ID, o.OrganisationID, o.UserID, o.CampaignID, o.DeletedAt = 0, a.User.OrganisationID, a.User.ID, nil, nil
	now := s.now().UTC()
	o.CreatedAt, o.UpdatedAt = now, now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveOutreach(ctx, &o); err != nil {
			return err
		}
		return s.audit(ctx, a, "outreach.create", "outreach", strconv.FormatInt(o.ID, 10),
			fmt.Sprintf("%s on %s (%s)", o.Type, o.Date.Format("2006-01-02"), o.Visibility))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetOutreach(ctx, o.ID, a.User.OrganisationID)
}

// UpdateOutreach rewrites a record the actor may edit.
func (s *Service) UpdateOutreach(ctx context.Context, a Actor, id int64, in OutreachInput) (*model.Outreach, error) {
	if err := require(a, auth.LogOutreach); err != nil {
		return nil, err
	}
	cur, err := s.GetOutreach(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !a.CanEditOutreach(cur) {
		return nil, &model.Error{Code: model.CodeForbidden, Message: "only the organisation that logged this record can change it"}
	}
	if err := s.checkOutreach(ctx, a, &in); err != nil {
		return nil, err
	}
	o := in.Outreach
	o.ID, o.OrganisationID, o.UserID, o.CampaignID, o.CreatedAt, o.DeletedAt = cur.ID, cur.OrganisationID, cur.UserID, cur.CampaignID, cur.CreatedAt, nil
	o.UpdatedAt = s.now().UTC()
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveOutreach(ctx, &o); err != nil {
			return err
		}
		return s.audit(ctx, a, "outreach.update", "outreach", strconv.FormatInt(o.ID, 10),
			fmt.Sprintf("%s on %s (%s)", o.Type, o.Date.Format("2006-01-02"), o.Visibility))
	})
	if err != nil {
		return nil, err
	}
	return s.store.GetOutreach(ctx, id, a.User.OrganisationID)
}

// DeleteOutreach removes a record the actor may edit.
func (s *Service) DeleteOutreach(ctx context.Context, a Actor, id int64) error {
	if err := require(a, auth.LogOutreach); err != nil {
		return err
	}
	cur, err := s.GetOutreach(ctx, a, id)
	if err != nil {
		return err
	}
	if !a.CanEditOutreach(cur) {
		return &model.Error{Code: model.CodeForbidden, Message: "only the organisation that logged this record can delete it"}
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteOutreach(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "outreach.delete", "outreach", strconv.FormatInt(id, 10), fmt.Sprintf("%s on %s", cur.Type, cur.Date.Format("2006-01-02")))
	})
}
