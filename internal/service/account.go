package service

import (
	"context"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// UpdateOwnName lets any signed-in user fix their display name.
func (s *Service) UpdateOwnName(ctx context.Context, a Actor, name string) error {
	if err := require(a, auth.ReadCoalition); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	fe := model.FieldErrors{}
	switch {
	case name == "":
		fe.Add("name", "enter your name")
	case len(name) > 200:
		fe.Add("name", "use at most 200 characters")
	case !model.PlainLine(name):
		fe.Add("name", model.NotPlainLine)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if name == a.User.Name {
		return nil
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateUserName(ctx, a.User.ID, name, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "user.update", "user", strconv.FormatInt(a.User.ID, 10),
			a.User.Email+": own name changed to "+strconv.Quote(name))
	})
}

// ChangeOwnPassword checks the current password and sets a new one; every
// token of the user, including the one in use, stops working.
func (s *Service) ChangeOwnPassword(ctx context.Context, a Actor, current, next string) error {
	if err := require(a, auth.ReadCoalition); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, a.User.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return &model.Error{Code: model.CodeInvalid, Message: "please correct the highlighted fields",
			Fields: map[string]string{"current_password": "this is not your current password"}}
	}
	if err := s.hasher.CheckPolicy(next); err != nil {
		e, _ := model.AsError(err)
		return &model.Error{Code: model.CodeInvalid, Message: e.Message, Fields: map[string]string{"new_password": e.Fields["password"]}}
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, a.User.ID, hash, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, a, "user.password", "user", strconv.FormatInt(a.User.ID, 10), a.User.Email+": changed own password")
	})
}

// ReissueSession gives a fresh token to a user whose version just changed
// (after their own password change) so the browser stays signed in.
func (s *Service) ReissueSession(ctx context.Context, userID int64) (*Session, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	tok, exp, err := s.tokens.Issue(u.ID, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, ExpiresAt: exp, User: u}, nil
}

// ListAudit is for coordinators and admins.
func (s *Service) ListAudit(ctx context.Context, a Actor, f model.AuditFilter) ([]model.AuditEntry, int64, error) {
	if err := require(a, auth.ReadAudit); err != nil {
		return nil, 0, err
	}
	return s.store.ListAudit(ctx, f)
}

// AuditFilterChoices gives the actions and users the audit filter offers.
func (s *Service) AuditFilterChoices(ctx context.Context, a Actor) ([]string, []model.User, error) {
	if err := require(a, auth.ReadAudit); err != nil {
		return nil, nil, err
	}
	actions, err := s.store.AuditActions(ctx)
	if err != nil {
		return nil, nil, err
	}
	users, _, err := s.store.ListUsers(ctx, store.UserFilter{Page: model.Page{PerPage: model.MaxPerPage}})
	return actions, users, err
}
