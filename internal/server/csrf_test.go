package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// TestCSRFCookieFormPost: with the session cookie, a state-changing form
// POST from another site is refused with 403 and changes nothing; the same
// POST from this site passes (303) and changes the name.
func TestCSRFCookieFormPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const email = "member@a.test"
		ck := e.formLogin(email, testPassword)
		if r := e.withCookie("GET", "/account", ck, nil); r.Status != http.StatusOK {
			t.Fatalf("control: account page with the cookie answered %d", r.Status)
		}

		cases := []struct {
			name    string
			headers map[string]string
			pass    bool
		}{
			{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
			{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, false},
			{"Origin of another site, no Sec-Fetch-Site", map[string]string{"Origin": "https://evil.example"}, false},
			{"Origin of this host on another port", map[string]string{"Origin": "http://127.0.0.1:1"}, false},
			{"Sec-Fetch-Site cross-site with this site's Origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": e.srv.URL}, false},
			{"Origin null", map[string]string{"Origin": "null"}, false},
			{"Sec-Fetch-Site same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, true},
			{"Origin of this site", map[string]string{"Origin": e.srv.URL}, true},
			{"Sec-Fetch-Site none (typed by the user)", map[string]string{"Sec-Fetch-Site": "none"}, true},
		}
		for i, tc := range cases {
			before := e.user(email)
			name := "Name " + strconv.Itoa(i)
			res := e.form("/account/name", url.Values{"name": {name}}, tc.headers, ck)
			after := e.user(email)
			if !tc.pass {
				wantStatus(t, tc.name, res, http.StatusForbidden)
				if after.Name != before.Name || !after.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("%s: name %q → %q", tc.name, before.Name, after.Name)
				}
				continue
			}
			wantStatus(t, tc.name, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/account" {
				t.Errorf("%s: Location %q", tc.name, loc)
			}
			if after.Name != name {
				t.Errorf("%s: name is %q, want %q", tc.name, after.Name, name)
			}
		}

		// Sign-out by a forged form does not end the session either.
		before := e.user(email)
		wantStatus(t, "cross-site POST /logout", e.form("/logout", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}, ck), http.StatusForbidden)
		if after := e.user(email); after.TokenVersion != before.TokenVersion {
			t.Errorf("cross-site logout bumped the token version %d → %d", before.TokenVersion, after.TokenVersion)
		}
		// Nor does a forged password change.
		res := e.form("/account/password", url.Values{"current_password": {testPassword}, "new_password": {"attacker chosen password"},
			"confirm_password": {"attacker chosen password"}}, map[string]string{"Origin": "https://evil.example"}, ck)
		wantStatus(t, "cross-site password change", res, http.StatusForbidden)
		if after := e.user(email); after.PasswordHash != before.PasswordHash || after.TokenVersion != before.TokenVersion {
			t.Errorf("cross-site password change changed the user")
		}
		if r := e.withCookie("GET", "/account", ck, nil); r.Status != http.StatusOK {
			t.Errorf("the cookie stopped working after refused forgeries: %d", r.Status)
		}
	})
}

// TestCSRFCookieAPIPost: the API is also protected when the browser's cookie
// is what authenticates it; the refusal is JSON.
func TestCSRFCookieAPIPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ck := e.formLogin("admin@a.test", testPassword)
		target := e.user("member@b.test")
		path := "/api/v1/users/" + strconv.FormatInt(target.ID, 10)

		r := e.req("PATCH", path, strings.NewReader(`{"name":"Forged"}`), map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, ck)
		wantError(t, "cross-site cookie PATCH", e.send(r), http.StatusForbidden, "forbidden")
		if u := e.user("member@b.test"); u.Name != target.Name {
			t.Errorf("cross-site cookie PATCH renamed the user to %q", u.Name)
		}
		before := e.user("admin@a.test")
		wantError(t, "cross-site cookie logout", e.withCookie("POST", "/api/v1/auth/logout", ck, map[string]string{"Sec-Fetch-Site": "cross-site"}),
			http.StatusForbidden, "forbidden")
		if after := e.user("admin@a.test"); after.TokenVersion != before.TokenVersion {
			t.Errorf("cross-site cookie logout bumped the token version")
		}
		// Same-origin, the cookie works for the API.
		r = e.req("PATCH", path, strings.NewReader(`{"name":"Renamed"}`), map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, ck)
		wantStatus(t, "same-origin cookie PATCH", e.send(r), http.StatusOK)
		if u := e.user("member@b.test"); u.Name != "Renamed" {
			t.Errorf("same-origin cookie PATCH: name %q", u.Name)
		}
	})
}

// TestCSRFBearerIsExempt: a Bearer request never reads the cookie, so the
// cross-origin check does not apply to it, whatever the browser headers say.
func TestCSRFBearerIsExempt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		tok := e.token("admin@a.test")
		target := e.user("member@b.test")
		r := e.req("PATCH", "/api/v1/users/"+strconv.FormatInt(target.ID, 10), strings.NewReader(`{"name":"Via Bearer"}`),
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json",
				"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, "")
		wantStatus(t, "cross-site Bearer PATCH", e.send(r), http.StatusOK)
		if u := e.user("member@b.test"); u.Name != "Via Bearer" {
			t.Errorf("cross-site Bearer PATCH: name %q", u.Name)
		}
		org := `{"name":"Org C","short_name":"C","kind":"ngo"}`
		r = e.req("POST", "/api/v1/organisations", strings.NewReader(org),
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, "")
		if res := e.send(r); res.Status != http.StatusCreated {
			t.Errorf("cross-site Bearer POST: %d %s", res.Status, res.Body)
		}
		before := e.user("admin@a.test")
		r = e.req("POST", "/api/v1/auth/logout", nil, map[string]string{"Authorization": "Bearer " + tok, "Sec-Fetch-Site": "cross-site"}, "")
		wantStatus(t, "cross-site Bearer logout", e.send(r), http.StatusNoContent)
		if after := e.user("admin@a.test"); after.TokenVersion <= before.TokenVersion {
			t.Errorf("cross-site Bearer logout did not revoke")
		}
		// A forged Bearer with a cross-site header is exempt from the origin
		// check but still not authenticated.
		r = e.req("POST", "/api/v1/auth/logout", nil, map[string]string{"Authorization": "Bearer " + tok, "Sec-Fetch-Site": "cross-site"}, "")
		wantError(t, "cross-site revoked Bearer", e.send(r), http.StatusUnauthorized, "unauthorized")
	})
}

// TestCSRFLoginForm: the sign-in form refuses a cross-site POST (login CSRF
// would sign the victim into the attacker's account) and sets no cookie.
func TestCSRFLoginForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const email = "viewer@a.test"
		creds := url.Values{"email": {email}, "password": {testPassword}}
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			res := e.form("/login", creds, h, "")
			wantStatus(t, "cross-site sign-in", res, http.StatusForbidden)
			if sessionCookieOf(res) != "" {
				t.Errorf("cross-site sign-in %v set a session cookie", h)
			}
		}
		if u := e.user(email); u.LastLoginAt != nil {
			t.Errorf("cross-site sign-in recorded a login at %v", u.LastLoginAt)
		}
		res := e.form("/login", creds, map[string]string{"Sec-Fetch-Site": "same-origin"}, "")
		wantStatus(t, "same-origin sign-in", res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("same-origin sign-in: Location %q", loc)
		}
		if sessionCookieOf(res) == "" {
			t.Errorf("same-origin sign-in set no cookie")
		}
		if u := e.user(email); u.LastLoginAt == nil {
			t.Errorf("same-origin sign-in recorded no login")
		}
	})
}
