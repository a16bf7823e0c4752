package service

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"

	"ratify/internal/model"
)

// Login throttling: an account locks after accountFailureLimit failures within
// failureWindow; a client address is refused after ipFailureLimit failures in
// the same window, whichever accounts it tried.
const (
	failureWindow       = 15 * time.Minute
	accountFailureLimit = 10
	ipFailureLimit      = 10
	lockDuration        = 15 * time.Minute
)

// Session is a successful sign-in.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      *model.User
}

func invalidCredentials() error {
	return &model.Error{Code: model.CodeInvalidCreds, Message: "the email address or password is wrong"}
}

func tooMany(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &model.Error{Code: model.CodeTooManyAttempts, RetryAfterSeconds: secs,
		Message: "too many failed sign-ins; try again in " + strconv.Itoa((secs+59)/60) + " minute(s)"}
}

// Login checks a password and issues a token. An unknown email and a wrong
// password give the same answer after about the same time.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*Session, error) {
	now := s.now()
	if wait := s.logins.blockedFor(ip, now); wait > 0 {
		return nil, tooMany(wait)
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && model.ErrorCode(err) != model.CodeNotFound {
		return nil, err
	}
	if err != nil {
		if _, err := s.hasher.Verify(ctx, "", password); err != nil {
			return nil, err
		}
		s.logins.fail(ip, now)
		s.auditQuiet(ctx, Actor{IP: ip}, "login.failed", "user", "", "unknown email "+truncate(model.NormalizeEmail(email), 100))
		return nil, invalidCredentials()
	}
	if locked, wait := u.Locked(now); locked {
		s.logins.fail(ip, now)
		return nil, tooMany(wait)
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok || !u.Active {
		s.logins.fail(ip, now)
		if err := s.store.RecordLoginFailure(ctx, u, now, failureWindow, accountFailureLimit, lockDuration); err != nil {
			return nil, err
		}
		reason := "wrong password"
		if ok {
			reason = "deactivated account"
		}
		s.auditQuiet(ctx, Actor{User: u, IP: ip}, "login.failed", "user", strconv.FormatInt(u.ID, 10), reason)
		if locked, wait := u.Locked(now); locked {
			s.auditQuiet(ctx, Actor{User: u, IP: ip}, "user.locked", "user", strconv.FormatInt(u.ID, 10), "locked after repeated failed sign-ins")
			return nil, tooMany(wait)
		}
		return nil, invalidCredentials()
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID, now); err != nil {
		return nil, err
	}
	tok, exp, err := s.tokens.Issue(u.ID, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	s.auditQuiet(ctx, Actor{User: u, IP: ip}, "login", "user", strconv.FormatInt(u.ID, 10), "signed in")
	return &Session{Token: tok, ExpiresAt: exp, User: u}, nil
}

// auditQuiet records sign-in events, which have no transaction of their own;
// a failure to write them is logged, not shown to the person signing in.
func (s *Service) auditQuiet(ctx context.Context, a Actor, action, entity, id, summary string) {
	if err := s.audit(ctx, a, action, entity, id, summary); err != nil {
		s.log.ErrorContext(ctx, "audit write failed", "action", action, "err", err)
	}
}

// Authenticate turns a token into its active user. Every failure is a 401.
func (s *Service) Authenticate(ctx context.Context, token string) (*model.User, error) {
	unauth := &model.Error{Code: model.CodeUnauthorized, Message: "your session has ended; sign in again"}
	id, ver, err := s.tokens.Verify(token)
	if err != nil {
		return nil, unauth
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		if model.ErrorCode(err) == model.CodeNotFound {
			return nil, unauth
		}
		return nil, err
	}
	if !u.Active || u.TokenVersion != ver {
		return nil, unauth
	}
	return u, nil
}

// Logout revokes every token of the acting user.
func (s *Service) Logout(ctx context.Context, a Actor) error {
	if a.User == nil {
		return nil
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.BumpTokenVersion(ctx, a.User.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, a, "logout", "user", strconv.FormatInt(a.User.ID, 10), "signed out")
	})
}

// loginLimiter counts failed sign-ins per client address in memory. It is per
// process by design: the per-account lock, kept in the database, is the one
// that holds across several processes.
type loginLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
}

func newLoginLimiter(limit int, window time.Duration) *loginLimiter {
	return &loginLimiter{limit: limit, window: window, fails: map[string][]time.Time{}}
}

func (l *loginLimiter) prune(ip string, now time.Time) []time.Time {
	ts := l.fails[ip]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, ip)
	} else {
		l.fails[ip] = ts
	}
	return ts
}

func (l *loginLimiter) blockedFor(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.prune(ip, now)
	if len(ts) < l.limit {
		return 0
	}
	return ts[len(ts)-l.limit].Add(l.window).Sub(now)
}

func (l *loginLimiter) fail(ip string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Bound memory under a spray from many addresses: drop stale entries.
	if len(l.fails) > 100_000 {
		for k := range l.fails {
			l.prune(k, now)
		}
	}
	l.fails[ip] = append(l.prune(ip, now), now)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
