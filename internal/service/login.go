package service

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

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
	// The attempt counts against the address from the start, so parallel
	// attempts cannot all pass the check before any of them has failed.
	if wait := s.logins.begin(ip, now); wait > 0 {
		return nil, tooMany(wait)
	}
	if !model.PlainLine(email) {
		// No address holds control characters, and PostgreSQL cannot even look one up.
		return nil, &model.Error{Code: model.CodeInvalid, Message: "please correct the highlighted fields",
			Fields: map[string]string{"email": "enter a valid email address, such as name@example.org"}}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && model.ErrorCode(err) != model.CodeNotFound {
		return nil, err
	}
	if err != nil {
		if _, err := s.hasher.Verify(ctx, "", password); err != nil {
			return nil, err
		}
		s.auditQuiet(ctx, Actor{IP: ip}, "login.failed", "user", "", "unknown email "+truncate(model.NormalizeEmail(email), 100))
		return nil, invalidCredentials()
	}
	if locked, wait := u.Locked(now); locked {
		return nil, tooMany(wait)
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, err
	}
	if !ok || !u.Active {
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
	// Failures recorded while this attempt waited for the hasher may have
	// locked the account since it was read: then the right password is refused too.
	if u, err = s.store.GetUser(ctx, u.ID); err != nil {
		return nil, err
	}
	if locked, wait := u.Locked(now); locked {
		return nil, tooMany(wait)
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID, now); err != nil {
		return nil, err
	}
	s.logins.forgive(ip, now)
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

// begin returns how long ip must wait, or 0 and counts this attempt as a
// failure at once (in the same locked step as the check, so that parallel
// attempts cannot all slip past the limit); forgive takes it back on success.
func (l *loginLimiter) begin(ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.prune(ip, now)
	if len(ts) >= l.limit {
		return ts[len(ts)-l.limit].Add(l.window).Sub(now)
	}
	// Bound memory under a spray from many addresses: drop stale entries.
	if len(l.fails) > 100_000 {
		for k := range l.fails {
			l.prune(k, now)
		}
	}
	l.fails[ip] = append(ts, now)
	return 0
}

// forgive removes the failure that begin counted at the time at.
func (l *loginLimiter) forgive(ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.fails[ip]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, ip)
	} else {
		l.fails[ip] = ts
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n-- // never cut a character in two: PostgreSQL refuses invalid UTF-8
	}
	return s[:n]
}
