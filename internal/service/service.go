// Package service holds Ratify's use cases: permission checks, transactions
// and the rules that span several tables. HTML pages and the JSON API call
// the same methods, so a rule holds in both.
package service

import (
	"context"
	"log/slog"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/sender"
	"ratify/internal/store"
)

// Service is wired once in main and shared by every handler.
type Service struct {
	store  *store.Store
	hasher *auth.Hasher
	tokens *auth.Tokens
	log    *slog.Logger
	now    func() time.Time
	logins *loginLimiter
	mail   MailDeps
}

// MailDeps are what campaigns, test sends, unsubscribes and digests need.
type MailDeps struct {
	Transport          sender.Transport
	FromName, FromAddr string
	PublicURL          string
	Unsubscribe        *auth.Unsubscribe
	// Outbox is true when messages go to files, not to a mail server.
	Outbox bool
}

// Deps are what a Service needs.
type Deps struct {
	Store  *store.Store
	Hasher *auth.Hasher
	Tokens *auth.Tokens
	Log    *slog.Logger
	// Now defaults to time.Now; tests move the clock.
	Now  func() time.Time
	Mail MailDeps
}

// New builds a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{store: d.Store, hasher: d.Hasher, tokens: d.Tokens, log: d.Log, now: d.Now,
		logins: newLoginLimiter(ipFailureLimit, failureWindow), mail: d.Mail}
}

// Actor is who is acting and from where; every use case takes one.
type Actor struct {
	User *model.User
	IP   string
}

// ID is the acting user's id, or nil for anonymous actions.
func (a Actor) ID() *int64 {
	if a.User == nil {
		return nil
	}
	id := a.User.ID
	return &id
}

// require returns 403 unless the actor's role allows the action.
func require(a Actor, act auth.Action) error {
	if a.User == nil || !a.User.Active {
		return &model.Error{Code: model.CodeUnauthorized, Message: "sign in first"}
	}
	if !auth.Can(a.User.Role, act) {
		return model.Forbidden()
	}
	return nil
}

// Can reports whether the actor may perform act; pages use it to show controls.
func (a Actor) Can(act auth.Action) bool {
	return a.User != nil && a.User.Active && auth.Can(a.User.Role, act)
}

func (s *Service) audit(ctx context.Context, a Actor, action, entity, entityID, summary string) error {
	return s.store.AddAudit(ctx, &model.AuditEntry{
		ActorID: a.ID(), Action: action, Entity: entity, EntityID: entityID,
		Summary: summary, IP: a.IP, At: s.now().UTC(),
	})
}

// Ready reports whether the database answers and the schema is current.
func (s *Service) Ready(ctx context.Context) (store.MigrationState, error) {
	if err := s.store.Ping(ctx); err != nil {
		return store.MigrationState{}, err
	}
	return s.store.Migrations(ctx)
}

// PasswordPolicy exposes the password rules so forms can explain them.
func (s *Service) PasswordPolicy(pw string) error { return s.hasher.CheckPolicy(pw) }
