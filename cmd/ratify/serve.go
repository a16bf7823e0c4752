package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"ratify/internal/sender"
	"ratify/internal/server"
	"ratify/internal/service"
)

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	demo := fs.Bool("demo", false, "load the fictional demo data set")
	if err := fs.Parse(args); err != nil {
		return usageErr("serve: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	if err := a.prepareSchema(ctx); err != nil {
		return err
	}
	if *demo {
		if err := a.svc.SeedDemo(ctx); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	boot, err := a.svc.Bootstrap(ctx, cfg.AdminEmail, cfg.AdminPassword, cfg.AdminOrganisation)
	if err != nil {
		return err
	}
	if boot.Created && boot.GeneratedPassword != "" {
		// Printed once, on first start only; it is not stored in clear anywhere.
		log.Warn("created the first admin with a generated password; sign in and change it",
			"email", boot.Email, "password", boot.GeneratedPassword)
	} else if boot.Created {
		log.Info("created the first admin", "email", boot.Email)
	}

	handler, err := server.New(a.svc, server.Options{
		PublicURL: cfg.PublicURL(), SecureCookies: cfg.SecureCookies(), TrustedProxies: cfg.TrustedProxies,
		Log: log, Version: version,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("RATIFY_ADDR %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	url := "http://" + ln.Addr().String()
	log.Info("Ratify is listening", "url", url, "database", a.store.Dialect(), "version", version)
	if *demo {
		fmt.Fprintf(stdout, "\nRatify is running at %s\nDemo accounts (password %q):\n", url, service.DemoPassword)
		for _, d := range service.DemoAccounts {
			fmt.Fprintf(stdout, "  %-30s %s\n", d.Email, d.Role.Label())
		}
		fmt.Fprintln(stdout)
	}

	// The delivery engine and the digest clock run beside the web server and
	// stop with it; the queue is in the database, so nothing is lost.
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	engine := sender.New(a.store, sender.Options{Transport: a.mail.Transport, FromName: a.mail.FromName, FromAddr: a.mail.FromAddr,
		PublicURL: a.mail.PublicURL, Unsubscribe: a.mail.Unsubscribe, Connections: cfg.SMTPConnections, Rate: cfg.SMTPRate,
		Lease: cfg.SendLease, RetryBase: cfg.SendRetry, Log: log})
	workers := make(chan struct{})
	go func() {
		defer close(workers)
		chores := make(chan struct{})
		go func() { defer close(chores); a.minuteLoop(workCtx) }()
		engine.Run(workCtx)
		<-chores
	}()
	if a.mail.Outbox {
		log.Info("no RATIFY_SMTP_URL: emails are written to the outbox folder", "folder", a.mail.Transport.String())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopWork()
	select {
	case <-workers:
	case <-sctx.Done():
		log.Warn("the mail engine did not stop in time; unrecorded batches will be retried after their lease")
	}
	log.Info("stopped")
	return nil
}

// minuteLoop does the server's chores every minute: it sends the daily
// follow-up digests of the users due at this hour, and folds the outreach
// counts that writers add in rows of their own.
func (a *app) minuteLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := a.svc.SendDigests(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("follow-up digests", "err", err)
		} else if n > 0 {
			a.log.Info("follow-up digests sent", "count", n)
		}
		if err := a.store.FoldOutreachCounts(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("outreach counts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prepareSchema applies pending migrations when allowed, and refuses to serve
// on a schema that is behind or ahead of this binary.
func (a *app) prepareSchema(ctx context.Context) error {
	st, err := a.store.Migrations(ctx)
	if err != nil {
		return err
	}
	if st.Current > st.Latest {
		return fmt.Errorf("the database schema is at version %d but this ratify knows only up to %d; run a newer ratify", st.Current, st.Latest)
	}
	if st.Pending > 0 && a.cfg.AutoMigrate {
		n, err := a.store.MigrateUp(ctx)
		if err != nil {
			return err
		}
		a.log.Info("applied database migrations", "count", n)
		return nil
	}
	if st.Pending > 0 {
		return fmt.Errorf("%d database migration(s) are pending and RATIFY_AUTO_MIGRATE=false; run `ratify migrate up` first", st.Pending)
	}
	return nil
}
