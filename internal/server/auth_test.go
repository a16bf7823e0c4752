package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// ---- helpers shared by auth_test.go and csrf_test.go ----

// wantError checks an API error answer: exact status and error code.
func wantError(t *testing.T, what string, res response, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d; body %s", what, res.Status, status, res.Body)
		return
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: Content-Type %q, want JSON; body %s", what, res.Header.Get("Content-Type"), res.Body)
		return
	}
	if got := res.errCode(t); got != code {
		t.Errorf("%s: code %q, want %q; body %s", what, got, code, res.Body)
	}
}

// wantStatus checks a status only (HTML answers and redirects).
func wantStatus(t *testing.T, what string, res response, status int) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d; body %.300s", what, res.Status, status, res.Body)
	}
}

// user reads a user straight from the store.
func (e *env) user(email string) *model.User {
	e.t.Helper()
	u, err := e.st.GetUser(context.Background(), e.users[email].ID)
	if err != nil {
		e.t.Fatalf("get user %s: %v", email, err)
	}
	return u
}

// apiLogin signs in through the API without the token cache of e.token.
func (e *env) apiLogin(email, password string) response {
	e.t.Helper()
	return e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
}

// freshToken signs in and returns a new token (never a cached one).
func (e *env) freshToken(email, password string) string {
	e.t.Helper()
	res := e.apiLogin(email, password)
	if res.Status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.decode(e.t, &out)
	if out.Token == "" {
		e.t.Fatalf("login %s: no token in %s", email, res.Body)
	}
	return out.Token
}

// req builds a request to the test server with optional headers and session cookie.
func (e *env) req(method, path string, body io.Reader, headers map[string]string, cookie string) *http.Request {
	e.t.Helper()
	r, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "ratify_session", Value: cookie})
	}
	return r
}

// form sends a form-encoded POST with headers and an optional session cookie.
func (e *env) form(path string, vals url.Values, headers map[string]string, cookie string) response {
	e.t.Helper()
	r := e.req("POST", path, strings.NewReader(vals.Encode()), headers, cookie)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(r)
}

// withCookie sends a request authenticated by the session cookie only.
func (e *env) withCookie(method, path, cookie string, headers map[string]string) response {
	e.t.Helper()
	return e.send(e.req(method, path, nil, headers, cookie))
}

// sessionCookieOf returns the ratify_session value a response sets, or "".
func sessionCookieOf(res response) string {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "ratify_session" && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// formLogin signs in through the HTML form like a browser on the same site
// and returns the session cookie.
func (e *env) formLogin(email, password string) string {
	e.t.Helper()
	res := e.form("/login", url.Values{"email": {email}, "password": {password}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL}, "")
	if res.Status != http.StatusSeeOther {
		e.t.Fatalf("form login %s: %d %.300s", email, res.Status, res.Body)
	}
	ck := sessionCookieOf(res)
	if ck == "" {
		e.t.Fatalf("form login %s: no session cookie in %v", email, res.Header["Set-Cookie"])
	}
	return ck
}

// sibling starts a second Ratify process over the same database and clock:
// it shares everything kept in the database (accounts, their locks) but not
// the in-memory per-address login limiter.
func (e *env) sibling() *env {
	e.t.Helper()
	tokens, err := auth.NewTokens(testSecret, time.Hour, e.clock.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Deps{Store: e.st, Hasher: testHasher(), Tokens: tokens, Now: e.clock.Now, Log: quiet})
	h, err := server.New(svc, server.Options{PublicURL: "http://ratify.test", BodyLimit: 64 << 10, Log: quiet})
	if err != nil {
		e.t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	return &env{t: e.t, st: e.st, svc: svc, srv: srv, clock: e.clock, orgA: e.orgA, orgB: e.orgB,
		users: e.users, tokens: map[string]string{}}
}

// claimsFor are the claims Ratify itself would issue for u now.
func (e *env) claimsFor(u *model.User) auth.Claims {
	now := e.clock.Now()
	return auth.Claims{Version: u.TokenVersion, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(u.ID, 10),
		Issuer:    auth.Issuer,
		Audience:  jwt.ClaimStrings{auth.Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
	}}
}

func sign(t *testing.T, method jwt.SigningMethod, claims jwt.Claims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

// rawToken builds header.payload.signature by hand, the signature an
// HMAC-SHA256 of the first two parts under key.
func rawToken(t *testing.T, header map[string]any, claims any, key []byte) string {
	t.Helper()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := seg(header) + "." + seg(claims)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// swapSubject rewrites the sub claim of a signed token and keeps its signature.
func swapSubject(t *testing.T, tok string, sub int64) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = strconv.FormatInt(sub, 10)
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// meEmail returns who /api/v1/me says the token belongs to, failing unless 200.
func (e *env) meEmail(what, token string) string {
	e.t.Helper()
	res := e.do("GET", "/api/v1/me", token, nil)
	if res.Status != http.StatusOK {
		e.t.Fatalf("%s: /me answered %d %s", what, res.Status, res.Body)
	}
	var me struct{ Email string }
	res.decode(e.t, &me)
	return me.Email
}

// ---- 1. token tampering and revocation ----

// TestForgedTokensAreRefused sends tokens that are wrong in one way each and
// expects a 401 unauthorized for every one. A token forged the same way but
// with nothing wrong is accepted, so each refusal is due to its one defect.
func TestForgedTokensAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		member := e.user("member@a.test")
		admin := e.user("admin@a.test")
		good := e.claimsFor(member)

		// Controls: the hand-made token and a real one are accepted.
		if got := e.meEmail("control forged token", sign(t, jwt.SigningMethodHS256, good, testSecret)); got != "member@a.test" {
			t.Fatalf("control forged token is %s", got)
		}
		if got := e.meEmail("control raw token", rawToken(t, map[string]any{"alg": "HS256", "typ": "JWT"}, good, testSecret)); got != "member@a.test" {
			t.Fatalf("control raw token is %s", got)
		}
		real := e.token("member@a.test")
		if got := e.meEmail("control real token", real); got != "member@a.test" {
			t.Fatalf("control real token is %s", got)
		}

		with := func(f func(c *auth.Claims)) auth.Claims {
			c := e.claimsFor(member)
			f(&c)
			return c
		}
		otherKey := []byte("another-secret-that-is-also-32-bytes-or-more")

		cases := []struct {
			name  string
			token string
		}{
			{"alg none", sign(t, jwt.SigningMethodNone, good, jwt.UnsafeAllowNoneSignatureType)},
			{"alg none, hand-made with empty signature", func() string {
				p := strings.Split(rawToken(t, map[string]any{"alg": "none", "typ": "JWT"}, good, testSecret), ".")
				return p[0] + "." + p[1] + "."
			}()},
			{"sub swapped to the admin, signature kept", swapSubject(t, real, admin.ID)},
			{"signature of another token", func() string {
				p := strings.Split(real, ".")
				q := strings.Split(sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Subject = "1" }), testSecret), ".")
				return p[0] + "." + p[1] + "." + q[2]
			}()},
			{"signature removed", strings.Join(strings.Split(real, ".")[:2], ".") + "."},
			{"wrong key", sign(t, jwt.SigningMethodHS256, good, otherKey)},
			{"expired an hour ago", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) {
				c.IssuedAt = jwt.NewNumericDate(e.clock.Now().Add(-2 * time.Hour))
				c.NotBefore = c.IssuedAt
				c.ExpiresAt = jwt.NewNumericDate(e.clock.Now().Add(-time.Hour))
			}), testSecret)},
			{"expired beyond the leeway", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) {
				c.ExpiresAt = jwt.NewNumericDate(e.clock.Now().Add(-2 * time.Minute))
			}), testSecret)},
			{"no exp", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.ExpiresAt = nil }), testSecret)},
			{"not valid yet", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) {
				c.NotBefore = jwt.NewNumericDate(e.clock.Now().Add(time.Hour))
			}), testSecret)},
			{"wrong issuer", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Issuer = "someone-else" }), testSecret)},
			{"no issuer", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Issuer = "" }), testSecret)},
			{"wrong audience", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other-api"} }), testSecret)},
			{"no audience", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Audience = nil }), testSecret)},
			{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, good, testSecret)},
			{"HS512 with the right secret", sign(t, jwt.SigningMethodHS512, good, testSecret)},
			{"RS256 header, HMAC signature with the secret", rawToken(t, map[string]any{"alg": "RS256", "typ": "JWT"}, good, testSecret)},
			{"ES256 header, HMAC signature with the secret", rawToken(t, map[string]any{"alg": "ES256", "typ": "JWT"}, good, testSecret)},
			{"old token version", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Version-- }), testSecret)},
			{"future token version", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Version++ }), testSecret)},
			{"unknown user", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Subject = "999999" }), testSecret)},
			{"subject not a number", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Subject = "admin@a.test" }), testSecret)},
			{"subject zero", sign(t, jwt.SigningMethodHS256, with(func(c *auth.Claims) { c.Subject = "0" }), testSecret)},
			{"not a JWT", "not.a.jwt"},
			{"garbage", "garbage"},
		}
		for _, tc := range cases {
			wantError(t, tc.name, e.do("GET", "/api/v1/me", tc.token, nil), http.StatusUnauthorized, "unauthorized")
			// The same token in the cookie is refused too.
			wantError(t, tc.name+" (cookie)", e.withCookie("GET", "/api/v1/me", tc.token, nil), http.StatusUnauthorized, "unauthorized")
		}
		// The refusals did not disturb the real session.
		if got := e.meEmail("real token after the forgeries", real); got != "member@a.test" {
			t.Fatalf("real token is now %s", got)
		}
	})
}

// TestTokenExpiresAfterTTL moves the clock: a token works until its hour is
// up (plus the 30s leeway) and not after, by Bearer and by cookie.
func TestTokenExpiresAfterTTL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		tok := e.token("viewer@a.test")
		e.clock.Advance(59 * time.Minute)
		if got := e.meEmail("token at 59 minutes", tok); got != "viewer@a.test" {
			t.Fatalf("token at 59 minutes is %s", got)
		}
		e.clock.Advance(2 * time.Minute)
		wantError(t, "token at 61 minutes", e.do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, "cookie at 61 minutes", e.withCookie("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
		// A new sign-in gives a working token again.
		if got := e.meEmail("new token", e.freshToken("viewer@a.test", testPassword)); got != "viewer@a.test" {
			t.Fatalf("new token is %s", got)
		}
	})
}

// TestTokensRevoked checks that logout, a password change (own, through the
// account page, and an admin's reset), a role change and deactivation each
// kill the user's existing tokens at once, and only that user's.
func TestTokensRevoked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st)
		adminTok := e.token("admin@a.test")
		bystander := e.token("coordinator@b.test")

		// revoked asserts that tok is dead, the token version moved on, and
		// the bystander and the admin are still signed in.
		revoked := func(what, email, tok string, before *model.User) {
			t.Helper()
			wantError(t, what+": old token", e.do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
			wantError(t, what+": old token as cookie", e.withCookie("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
			if after := e.user(email); after.TokenVersion <= before.TokenVersion {
				t.Errorf("%s: token version %d → %d, want it bumped", what, before.TokenVersion, after.TokenVersion)
			}
			if got := e.meEmail(what+": bystander", bystander); got != "coordinator@b.test" {
				t.Errorf("%s: bystander is %s", what, got)
			}
			if got := e.meEmail(what+": admin", adminTok); got != "admin@a.test" {
				t.Errorf("%s: admin is %s", what, got)
			}
		}

		// Logout.
		{
			email := "viewer@a.test"
			tok := e.freshToken(email, testPassword)
			e.meEmail("before logout", tok)
			before := e.user(email)
			res := e.do("POST", "/api/v1/auth/logout", tok, nil)
			wantStatus(t, "logout", res, http.StatusNoContent)
			revoked("logout", email, tok, before)
			if got := e.meEmail("after logout, signed in again", e.freshToken(email, testPassword)); got != email {
				t.Errorf("signed in again as %s", got)
			}
		}

		// Own password change through the account page, with the cookie.
		{
			email := "member@a.test"
			const newPassword = "a brand new passphrase 42"
			tok := e.freshToken(email, testPassword)
			ck := e.formLogin(email, testPassword)
			e.meEmail("before own password change", tok)
			before := e.user(email)
			res := e.form("/account/password", url.Values{"current_password": {testPassword},
				"new_password": {newPassword}, "confirm_password": {newPassword}},
				map[string]string{"Sec-Fetch-Site": "same-origin"}, ck)
			wantStatus(t, "own password change", res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/account" {
				t.Errorf("own password change: Location %q", loc)
			}
			revoked("own password change", email, tok, before)
			wantError(t, "own password change: old cookie", e.withCookie("GET", "/api/v1/me", ck, nil), http.StatusUnauthorized, "unauthorized")
			// This browser got a fresh cookie that works.
			newCk := sessionCookieOf(res)
			if newCk == "" || newCk == ck {
				t.Fatalf("own password change: no fresh cookie: %v", res.Header["Set-Cookie"])
			}
			if r := e.withCookie("GET", "/api/v1/me", newCk, nil); r.Status != http.StatusOK {
				t.Errorf("own password change: fresh cookie answered %d %s", r.Status, r.Body)
			}
			wantError(t, "own password change: old password", e.apiLogin(email, testPassword), http.StatusUnauthorized, "invalid_credentials")
			e.freshToken(email, newPassword)
		}

		// An admin resets someone's password through the API.
		{
			email := "coordinator@a.test"
			const newPassword = "reset by the admin 2024!"
			tok := e.freshToken(email, testPassword)
			e.meEmail("before password reset", tok)
			before := e.user(email)
			res := e.do("PATCH", "/api/v1/users/"+strconv.FormatInt(before.ID, 10), adminTok, map[string]string{"password": newPassword})
			wantStatus(t, "password reset", res, http.StatusOK)
			revoked("password reset", email, tok, before)
			wantError(t, "password reset: old password", e.apiLogin(email, testPassword), http.StatusUnauthorized, "invalid_credentials")
			e.freshToken(email, newPassword)
		}

		// An admin changes someone's role.
		{
			email := "member@b.test"
			tok := e.freshToken(email, testPassword)
			e.meEmail("before role change", tok)
			before := e.user(email)
			res := e.do("PATCH", "/api/v1/users/"+strconv.FormatInt(before.ID, 10), adminTok, map[string]string{"role": "viewer"})
			wantStatus(t, "role change", res, http.StatusOK)
			revoked("role change", email, tok, before)
			if u := e.user(email); u.Role != model.RoleViewer {
				t.Errorf("role change: role is %s", u.Role)
			}
			var me struct{ Role string }
			r := e.do("GET", "/api/v1/me", e.freshToken(email, testPassword), nil)
			r.decode(t, &me)
			if me.Role != "viewer" {
				t.Errorf("role change: a new token says role %q", me.Role)
			}
		}

		// An admin deactivates someone: the token dies and signing in fails.
		{
			email := "viewer@b.test"
			tok := e.freshToken(email, testPassword)
			ck := e.formLogin(email, testPassword)
			e.meEmail("before deactivation", tok)
			before := e.user(email)
			res := e.do("PATCH", "/api/v1/users/"+strconv.FormatInt(before.ID, 10), adminTok, map[string]bool{"active": false})
			wantStatus(t, "deactivation", res, http.StatusOK)
			revoked("deactivation", email, tok, before)
			wantError(t, "deactivation: cookie", e.withCookie("GET", "/api/v1/me", ck, nil), http.StatusUnauthorized, "unauthorized")
			if u := e.user(email); u.Active {
				t.Errorf("deactivation: user still active")
			}
			// Even a well-signed token at the current version is refused while
			// the account is inactive.
			current := sign(t, jwt.SigningMethodHS256, e.claimsFor(e.user(email)), testSecret)
			wantError(t, "deactivation: token at the current version", e.do("GET", "/api/v1/me", current, nil), http.StatusUnauthorized, "unauthorized")
			wantError(t, "deactivated user signs in", e.apiLogin(email, testPassword), http.StatusUnauthorized, "invalid_credentials")
			fr := e.form("/login", url.Values{"email": {email}, "password": {testPassword}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
			wantStatus(t, "deactivated user signs in by form", fr, http.StatusUnauthorized)
			if sessionCookieOf(fr) != "" {
				t.Errorf("deactivated user got a session cookie")
			}
			// Reactivating gives access back, but not to the old token.
			if _, _, err := e.svc.UpdateUser(ctx, service.Actor{User: e.user("admin@a.test")}, before.ID, service.UserPatch{Active: new(true)}); err != nil {
				t.Fatal(err)
			}
			wantError(t, "reactivated: old token", e.do("GET", "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
			e.freshToken(email, testPassword)
		}
	})
}

// TestAuthorizationHeaderRules: a non-Bearer Authorization header is a 401
// and never falls back to the cookie; a valid Bearer header is judged on its
// own, whatever cookie comes with it.
func TestAuthorizationHeaderRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		memberTok := e.token("member@a.test")
		viewerCk := e.formLogin("viewer@b.test", testPassword)
		if r := e.withCookie("GET", "/api/v1/me", viewerCk, nil); r.Status != http.StatusOK {
			t.Fatalf("control: cookie alone answered %d %s", r.Status, r.Body)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin@a.test:"+testPassword))
		for _, h := range []string{basic, "Token " + memberTok, "Bearer", "Bearer ", "Bearer  ", memberTok, "Bearer" + memberTok, "Bearer garbage"} {
			r := e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": h}, ""))
			wantError(t, "Authorization "+strconv.Quote(h), r, http.StatusUnauthorized, "unauthorized")
			// A valid cookie next to a bad Authorization header does not help.
			r = e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": h}, viewerCk))
			wantError(t, "Authorization "+strconv.Quote(h)+" with a valid cookie", r, http.StatusUnauthorized, "unauthorized")
		}
		// The scheme is case-insensitive, as RFC 9110 says.
		r := e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": "bearer " + memberTok}, ""))
		wantStatus(t, "lower-case bearer", r, http.StatusOK)

		// A valid Bearer with a bad cookie: the Bearer decides.
		for _, ck := range []string{"garbage", "not.a.jwt", swapSubject(t, memberTok, e.users["admin@a.test"].ID)} {
			r := e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + memberTok}, ck))
			if r.Status != http.StatusOK {
				t.Errorf("valid Bearer with bad cookie %q: %d %s", ck, r.Status, r.Body)
				continue
			}
			var me struct{ Email string }
			r.decode(t, &me)
			if me.Email != "member@a.test" {
				t.Errorf("valid Bearer with bad cookie: signed in as %s", me.Email)
			}
		}
		// A valid Bearer with another user's valid cookie: still the Bearer's user.
		r = e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + memberTok}, viewerCk))
		var me struct{ Email string }
		r.decode(t, &me)
		if r.Status != http.StatusOK || me.Email != "member@a.test" {
			t.Errorf("Bearer member + cookie viewer: %d as %q", r.Status, me.Email)
		}
		// A dead Bearer with a valid cookie is not rescued by the cookie.
		dead := e.freshToken("coordinator@a.test", testPassword)
		wantStatus(t, "logout", e.do("POST", "/api/v1/auth/logout", dead, nil), http.StatusNoContent)
		r = e.send(e.req("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + dead}, viewerCk))
		wantError(t, "revoked Bearer with a valid cookie", r, http.StatusUnauthorized, "unauthorized")
	})
}

// ---- 2. throttling ----

// retryAfter returns the Retry-After seconds, failing unless it is a positive integer.
func retryAfter(t *testing.T, what string, res response) int {
	t.Helper()
	v := res.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Errorf("%s: Retry-After %q, want a positive number of seconds", what, v)
		return 0
	}
	return n
}

// TestAccountLockout: ten wrong passwords for one account within the window
// lock it; while locked even the right password answers 429 with Retry-After;
// the lock is kept in the database, so another process (with its own,
// untouched per-address limiter) refuses too; when the lock ends the right
// password works again and the counters are cleared.
func TestAccountLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const email = "member@a.test"

		for i := 1; i <= 9; i++ {
			wantError(t, "wrong password "+strconv.Itoa(i), e.apiLogin(email, "wrong password "+strconv.Itoa(i)), http.StatusUnauthorized, "invalid_credentials")
		}
		if u := e.user(email); u.FailedLogins != 9 || u.LockedUntil != nil {
			t.Fatalf("after 9 failures: failed_logins %d, locked_until %v", u.FailedLogins, u.LockedUntil)
		}
		// The tenth failure locks the account and says so.
		res := e.apiLogin(email, "wrong password 10")
		wantError(t, "wrong password 10", res, http.StatusTooManyRequests, "too_many_attempts")
		retryAfter(t, "wrong password 10", res)
		u := e.user(email)
		if u.FailedLogins != 10 || u.LockedUntil == nil {
			t.Fatalf("after 10 failures: failed_logins %d, locked_until %v", u.FailedLogins, u.LockedUntil)
		}
		if d := u.LockedUntil.Sub(e.clock.Now()); d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("locked for %v, want about 15 minutes", d)
		}

		// Here both the account lock and this process's per-address limiter
		// (ten failures from 127.0.0.1) refuse the right password.
		res = e.apiLogin(email, testPassword)
		wantError(t, "right password while locked", res, http.StatusTooManyRequests, "too_many_attempts")
		retryAfter(t, "right password while locked", res)

		// A second process shares the database but not the address limiter:
		// another account signs in there, this one is refused, so the refusal
		// comes from the account lock.
		e2 := e.sibling()
		e2.freshToken("admin@a.test", testPassword)
		e.clock.Advance(5 * time.Minute)
		res = e2.apiLogin(email, testPassword)
		wantError(t, "right password while locked, other process", res, http.StatusTooManyRequests, "too_many_attempts")
		if n := retryAfter(t, "other process", res); n < 599 || n > 601 {
			t.Errorf("Retry-After %d after 5 of 15 minutes, want 600", n)
		}
		// While locked a wrong password is refused before it is even checked:
		// it neither counts nor extends the lock.
		lockedBefore := e.user(email)
		wantError(t, "wrong password while locked", e2.apiLogin(email, "yet another guess"), http.StatusTooManyRequests, "too_many_attempts")
		if u := e.user(email); u.FailedLogins != lockedBefore.FailedLogins || !u.LockedUntil.Equal(*lockedBefore.LockedUntil) {
			t.Errorf("a refused attempt while locked changed the account: failed_logins %d → %d, locked_until %v → %v",
				lockedBefore.FailedLogins, u.FailedLogins, lockedBefore.LockedUntil, u.LockedUntil)
		}
		fr := e2.form("/login", url.Values{"email": {email}, "password": {testPassword}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
		wantStatus(t, "form sign-in while locked", fr, http.StatusTooManyRequests)
		retryAfter(t, "form sign-in while locked", fr)
		if sessionCookieOf(fr) != "" {
			t.Errorf("form sign-in while locked set a session cookie")
		}
		if u := e.user(email); u.LastLoginAt != nil {
			t.Errorf("a locked account recorded a sign-in at %v", u.LastLoginAt)
		}

		// Past the lock the right password works again and clears the count.
		e.clock.Advance(10*time.Minute + time.Second)
		if got := e.meEmail("after the lock", e.freshToken(email, testPassword)); got != email {
			t.Fatalf("after the lock: %s", got)
		}
		if u := e.user(email); u.FailedLogins != 0 || u.LockedUntil != nil || u.LastLoginAt == nil {
			t.Errorf("after a good sign-in: failed_logins %d, locked_until %v, last_login_at %v", u.FailedLogins, u.LockedUntil, u.LastLoginAt)
		}
		// And one wrong password now is an ordinary failure, not a new lock.
		wantError(t, "one wrong password after the lock", e.apiLogin(email, "wrong again"), http.StatusUnauthorized, "invalid_credentials")
	})
}

// TestAddressLoginLimit: ten failures from one address, each for a different
// unknown email, make that address wait (429 with Retry-After) even for a
// right password of an account that never failed; no account is locked; the
// limit ends with the window.
func TestAddressLoginLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		for i := 1; i <= 10; i++ {
			wantError(t, "unknown email "+strconv.Itoa(i), e.apiLogin("nobody"+strconv.Itoa(i)+"@a.test", testPassword), http.StatusUnauthorized, "invalid_credentials")
		}
		res := e.apiLogin("admin@a.test", testPassword)
		wantError(t, "right password from a limited address", res, http.StatusTooManyRequests, "too_many_attempts")
		if n := retryAfter(t, "limited address", res); n > 900 {
			t.Errorf("Retry-After %d, want at most 900", n)
		}
		fr := e.form("/login", url.Values{"email": {"admin@a.test"}, "password": {testPassword}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
		wantStatus(t, "form sign-in from a limited address", fr, http.StatusTooManyRequests)
		retryAfter(t, "form sign-in from a limited address", fr)
		if u := e.user("admin@a.test"); u.FailedLogins != 0 || u.LockedUntil != nil || u.LastLoginAt != nil {
			t.Errorf("admin touched by the address limit: failed_logins %d, locked_until %v, last_login_at %v", u.FailedLogins, u.LockedUntil, u.LastLoginAt)
		}
		// The address limit is this process's: another process lets the admin in.
		e.sibling().freshToken("admin@a.test", testPassword)

		e.clock.Advance(14 * time.Minute)
		wantError(t, "still limited at 14 minutes", e.apiLogin("admin@a.test", testPassword), http.StatusTooManyRequests, "too_many_attempts")
		e.clock.Advance(time.Minute + time.Second)
		if got := e.meEmail("after the window", e.freshToken("admin@a.test", testPassword)); got != "admin@a.test" {
			t.Fatalf("after the window: %s", got)
		}
	})
}

// burst sends the logins in parallel and counts the answers by status.
func burst(t *testing.T, logins []burstLogin) map[int]int {
	t.Helper()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for _, l := range logins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"email": l.email, "password": l.password})
			res, err := http.Post(l.srv+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Errorf("login %s: %v", l.email, err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			mu.Lock()
			counts[res.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return counts
}

type burstLogin struct{ srv, email, password string }

// TestLoginLimitsHoldUnderConcurrency: parallel attempts must not slip past
// the limits. From one address, of 15 simultaneous failures at most 10 are
// judged; against one account, 18 simultaneous wrong passwords spread over
// two processes (nine each, so no address limit applies) give at most nine
// plain failures, every judged one is counted, and the account ends locked.
func TestLoginLimitsHoldUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)

		var spray []burstLogin
		for i := range 15 {
			spray = append(spray, burstLogin{e.srv.URL, "nobody" + strconv.Itoa(i) + "@a.test", testPassword})
		}
		counts := burst(t, spray)
		if counts[http.StatusUnauthorized] > 10 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 15 {
			t.Errorf("one address, 15 parallel failures: answers %v, want at most 10 judged (401) and the rest 429", counts)
		}

		const email = "member@a.test"
		var guesses []burstLogin
		for p := range 2 {
			srv := e.sibling().srv.URL
			for i := range 9 {
				guesses = append(guesses, burstLogin{srv, email, "wrong guess " + strconv.Itoa(p) + "-" + strconv.Itoa(i)})
			}
		}
		counts = burst(t, guesses)
		if counts[http.StatusUnauthorized] > 9 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 18 {
			t.Errorf("one account, 18 parallel wrong passwords: answers %v, want at most 9 plain failures (401) and the rest 429", counts)
		}
		u := e.user(email)
		if u.FailedLogins < 10 || u.LockedUntil == nil {
			t.Errorf("after 18 parallel wrong passwords: failed_logins %d, locked_until %v; want at least 10 and locked", u.FailedLogins, u.LockedUntil)
		}
		wantError(t, "right password after the parallel guesses", e.sibling().apiLogin(email, testPassword), http.StatusTooManyRequests, "too_many_attempts")
	})
}

// ---- 3. one answer for unknown email and wrong password ----

// TestLoginFailureGivesNothingAway: an unknown email, a wrong password and a
// deactivated account's right password all get the very same answer.
func TestLoginFailureGivesNothingAway(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		adminTok := e.token("admin@a.test")
		viewer := e.user("viewer@b.test")
		wantStatus(t, "deactivate", e.do("PATCH", "/api/v1/users/"+strconv.FormatInt(viewer.ID, 10), adminTok, map[string]bool{"active": false}), http.StatusOK)

		unknown := e.apiLogin("nobody@a.test", testPassword)
		wrong := e.apiLogin("member@a.test", "not the password at all")
		deactivated := e.apiLogin("viewer@b.test", testPassword)
		for name, r := range map[string]response{"unknown email": unknown, "wrong password": wrong, "deactivated": deactivated} {
			wantError(t, name, r, http.StatusUnauthorized, "invalid_credentials")
			if r.Header.Get("Retry-After") != "" {
				t.Errorf("%s: Retry-After on a plain failure", name)
			}
		}
		if unknown.Body != wrong.Body || wrong.Body != deactivated.Body {
			t.Errorf("answers differ:\nunknown     %s\nwrong       %s\ndeactivated %s", unknown.Body, wrong.Body, deactivated.Body)
		}
		if unknown.Header.Get("Content-Type") != wrong.Header.Get("Content-Type") {
			t.Errorf("content types differ: %q vs %q", unknown.Header.Get("Content-Type"), wrong.Header.Get("Content-Type"))
		}
		var b struct{ Error struct{ Message string } }
		unknown.decode(t, &b)
		if strings.Contains(strings.ToLower(b.Error.Message), "unknown") || strings.Contains(strings.ToLower(b.Error.Message), "no account") {
			t.Errorf("message hints at the cause: %q", b.Error.Message)
		}
		// The wrong password counted against the account; the unknown email changed nothing.
		if u := e.user("member@a.test"); u.FailedLogins != 1 {
			t.Errorf("wrong password: failed_logins %d, want 1", u.FailedLogins)
		}
		if _, err := e.st.UserByEmail(context.Background(), "nobody@a.test"); model.ErrorCode(err) != model.CodeNotFound {
			t.Errorf("unknown email: lookup gives %v", err)
		}

		// The sign-in form: same status and the same message for both.
		fu := e.form("/login", url.Values{"email": {"nobody@a.test"}, "password": {testPassword}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
		fw := e.form("/login", url.Values{"email": {"member@a.test"}, "password": {"not the password at all"}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
		wantStatus(t, "form unknown email", fu, http.StatusUnauthorized)
		wantStatus(t, "form wrong password", fw, http.StatusUnauthorized)
		if strings.ReplaceAll(fu.Body, "nobody@a.test", "X") != strings.ReplaceAll(fw.Body, "member@a.test", "X") {
			t.Errorf("form answers differ beyond the echoed email")
		}
	})
}

// ---- 5. anonymous access ----

// TestAnonymousAccess: pages redirect to the sign-in form with the way back;
// the API answers 401 JSON; a bad cookie counts as no cookie.
func TestAnonymousAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		for _, ck := range []string{"", "garbage"} {
			for path, loc := range map[string]string{"/": "/login?next=%2F", "/account": "/login?next=%2Faccount", "/admin/users?page=2": "/login?next=%2Fadmin%2Fusers%3Fpage%3D2"} {
				r := e.withCookie("GET", path, ck, nil)
				wantStatus(t, "GET "+path+" cookie "+ck, r, http.StatusSeeOther)
				if got := r.Header.Get("Location"); got != loc {
					t.Errorf("GET %s cookie %q: Location %q, want %q", path, ck, got, loc)
				}
			}
			for _, path := range []string{"/api/v1/me", "/api/v1/users", "/api/v1/audit"} {
				wantError(t, "GET "+path+" cookie "+ck, e.withCookie("GET", path, ck, nil), http.StatusUnauthorized, "unauthorized")
			}
			wantError(t, "POST logout cookie "+ck, e.withCookie("POST", "/api/v1/auth/logout", ck, nil), http.StatusUnauthorized, "unauthorized")
		}
		r := e.do("GET", "/login", "", nil)
		wantStatus(t, "GET /login", r, http.StatusOK)
		// Signed in, the same page is served.
		ck := e.formLogin("viewer@a.test", testPassword)
		wantStatus(t, "GET / signed in", e.withCookie("GET", "/", ck, nil), http.StatusOK)
	})
}
