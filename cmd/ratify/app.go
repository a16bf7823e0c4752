package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	netmail "net/mail"
	"path/filepath"
	"runtime"

	"ratify/config"
	"ratify/internal/auth"
	"ratify/internal/mail"
	"ratify/internal/service"
	"ratify/internal/store"
)

// app is everything a command needs, wired once.
type app struct {
	cfg   config.Config
	log   *slog.Logger
	store *store.Store
	svc   *service.Service
	mail  service.MailDeps
}

func loadConfig(getenv func(string) string) (config.Config, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, &exitError{code: 1, err: fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openApp opens the database and builds the service; it does not migrate.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	target, err := store.ParseURL(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("RATIFY_DATABASE_URL: %w", err)}
	}
	st, err := store.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	secret, err := cfg.LoadOrCreateSecret()
	if err != nil {
		st.Close()
		return nil, err
	}
	tokens, err := auth.NewTokens(secret, cfg.SessionTTL, nil)
	if err != nil {
		st.Close()
		return nil, err
	}
	// Each argon2id hash takes 64 MiB: allow one per core, the rest queue.
	hasher := auth.NewHasher(max(runtime.NumCPU(), 2))
	md, err := mailDeps(cfg, secret)
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := service.New(service.Deps{Store: st, Hasher: hasher, Tokens: tokens, Log: log, Mail: md})
	return &app{cfg: cfg, log: log, store: st, svc: svc, mail: md}, nil
}

// mailDeps picks the transport: SMTP when RATIFY_SMTP_URL is set, else the
// outbox folder in the data directory.
func mailDeps(cfg config.Config, secret []byte) (service.MailDeps, error) {
	md := service.MailDeps{PublicURL: cfg.PublicURL(), Unsubscribe: auth.NewUnsubscribe(secret)}
	from := cfg.MailFrom
	if cfg.SMTPURL == "" {
		md.Transport, md.Outbox = &mail.Outbox{Dir: filepath.Join(cfg.DataDir, "outbox")}, true
		if from == "" {
			from = "Ratify <noreply@ratify.localhost>"
		}
	} else {
		t, err := mail.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return md, &exitError{code: 1, err: fmt.Errorf("configuration:\nRATIFY_SMTP_URL: %w", err)}
		}
		md.Transport = t
	}
	if from != "" {
		a, err := netmail.ParseAddress(from)
		if err != nil {
			return md, &exitError{code: 1, err: fmt.Errorf("configuration:\nRATIFY_MAIL_FROM: %w", err)}
		}
		md.FromName, md.FromAddr = a.Name, a.Address
	}
	return md, nil
}

func (a *app) Close() { _ = a.store.Close() }
