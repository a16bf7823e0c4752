package service

import (
	"context"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/model"
)

// Suppressions lists suppressed addresses (coordinators and admins).
func (s *Service) Suppressions(ctx context.Context, a Actor, q string, p model.Page) ([]model.Suppression, int64, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, 0, err
	}
	if len(q) > 254 || !model.PlainLine(q) {
		return nil, 0, &model.Error{Code: model.CodeInvalid, Message: "bad search", Fields: map[string]string{"q": "at most 254 characters of plain text"}}
	}
	return s.store.ListSuppressions(ctx, strings.ToLower(strings.TrimSpace(q)), p)
}

// AddSuppression adds an address by hand, audited.
func (s *Service) AddSuppression(ctx context.Context, a Actor, email, note string) (*model.Suppression, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	email = model.NormalizeEmail(email)
	note = strings.TrimSpace(note)
	fe := model.FieldErrors{}
	if !model.ValidEmail(email) {
		fe.Add("email", "enter a valid email address")
	}
	if len(note) > 500 || !model.PlainLine(note) {
		fe.Add("note", "at most 500 characters of plain text")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	sup := &model.Suppression{Email: email, Reason: "manual", Note: note, CreatedByID: a.ID(), CreatedAt: s.now().UTC()}
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		have, err := s.store.SuppressedEmails(ctx, []string{email})
		if err != nil {
			return err
		}
		if have[email] {
			return &model.Error{Code: model.CodeConflict, Message: "this address is suppressed already", Fields: map[string]string{"email": "already on the list"}}
		}
		if err := s.store.AddSuppression(ctx, sup); err != nil {
			return err
		}
		return s.audit(ctx, a, "suppression.add", "suppression", strconv.FormatInt(sup.ID, 10), email)
	})
	return sup, err
}

// RemoveSuppression takes an address off the list, audited.
func (s *Service) RemoveSuppression(ctx context.Context, a Actor, id int64) error {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		sup, err := s.store.DeleteSuppression(ctx, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, a, "suppression.remove", "suppression", strconv.FormatInt(id, 10), sup.Email+" ("+sup.Reason+")")
	})
}

// UnsubscribeAddress reads an unsubscribe token and returns the address it
// stands for; a forged or altered token is a 400 and changes nothing.
func (s *Service) UnsubscribeAddress(token string) (int64, string, error) {
	if s.mail.Unsubscribe == nil {
		return 0, "", &model.Error{Code: model.CodeInvalid, Message: auth.ErrBadUnsubscribeToken.Error()}
	}
	id, email, err := s.mail.Unsubscribe.Verify(token)
	if err != nil {
		return 0, "", &model.Error{Code: model.CodeInvalid, Message: err.Error()}
	}
	return id, email, nil
}

// Unsubscribe suppresses the token's address, without a login (RFC 8058).
// Doing it twice is harmless.
func (s *Service) Unsubscribe(ctx context.Context, token, ip string) (string, error) {
	rid, email, err := s.UnsubscribeAddress(token)
	if err != nil {
		return "", err
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		have, err := s.store.SuppressedEmails(ctx, []string{email})
		if err != nil || have[email] {
			return err
		}
		if err := s.store.AddSuppression(ctx, &model.Suppression{Email: email, Reason: "unsubscribe",
			Note: "one-click unsubscribe from campaign recipient " + strconv.FormatInt(rid, 10), CreatedAt: s.now().UTC()}); err != nil {
			return err
		}
		return s.audit(ctx, Actor{IP: ip}, "suppression.unsubscribe", "suppression", strconv.FormatInt(rid, 10), email)
	})
	return email, err
}

// Senders lists the sender identities (coordinators and admins).
func (s *Service) Senders(ctx context.Context, a Actor) ([]model.SenderIdentity, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	return s.store.ListSenders(ctx)
}

// SaveSender creates (id 0) or changes a sender identity of the actor's organisation.
func (s *Service) SaveSender(ctx context.Context, a Actor, si model.SenderIdentity) (*model.SenderIdentity, error) {
	if err := require(a, auth.ManageCampaigns); err != nil {
		return nil, err
	}
	if err := si.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if si.ID != 0 {
		cur, err := s.store.GetSender(ctx, si.ID)
		if err != nil {
			return nil, err
		}
		if cur.OrganisationID != a.User.OrganisationID && a.User.Role != model.RoleAdmin {
			return nil, &model.Error{Code: model.CodeForbidden, Message: "this sender belongs to another organisation"}
		}
		si.OrganisationID, si.CreatedAt = cur.OrganisationID, cur.CreatedAt
	} else {
		si.OrganisationID, si.CreatedAt = a.User.OrganisationID, now
	}
	si.UpdatedAt = now
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SaveSender(ctx, &si); err != nil {
			return err
		}
		return s.audit(ctx, a, "sender.save", "sender", strconv.FormatInt(si.ID, 10), si.Name+" <"+si.Email+">")
	})
	return &si, err
}
