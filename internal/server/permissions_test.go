package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// permRow is one request and the status a role allowed the route gets;
// mxTable (access_matrix_test.go) says which roles those are, and every
// other role gets 403.
type permRow struct {
	route      string // as registered, for mxTable
	path, body string
	ok         int
}

// permTable is a request of each kind for users, organisations and the audit
// log, for the JSON API and the HTML pages, with the exact status it gets.
// Paths may hold {user} (viewer@b.test), {org} (organisation B) and
// {orgA}/{orgB} in bodies. Bodies are valid, so a refusal is about the role
// alone and the admin's request succeeds. Rows run in order, each role in
// turn, the admin last.
var permTable = []permRow{
	// JSON API.
	{"GET /api/v1/me", "/api/v1/me", "", 200},
	{"GET /api/v1/users", "/api/v1/users", "", 200},
	{"GET /api/v1/users", "/api/v1/users?role=viewer", "", 200},
	{"POST /api/v1/users", "/api/v1/users", `{"email":"perm-api@a.test","name":"Perm API","role":"viewer","organisation_id":{orgA},"password":"a long enough passphrase"}`, 201},
	{"GET /api/v1/users/:id", "/api/v1/users/{user}", "", 200},
	{"GET /api/v1/users/:id", "/api/v1/users/999999", "", 404}, // no existence leak to other roles
	{"PATCH /api/v1/users/:id", "/api/v1/users/{user}", `{"name":"Renamed Through API"}`, 200},
	{"GET /api/v1/organisations", "/api/v1/organisations", "", 200},
	{"GET /api/v1/organisations/:id", "/api/v1/organisations/{org}", "", 200},
	{"POST /api/v1/organisations", "/api/v1/organisations", `{"name":"Perm Org","short_name":"PERM","kind":"io"}`, 201},
	{"PATCH /api/v1/organisations/:id", "/api/v1/organisations/{org}", `{"name":"Org B Renamed Through API"}`, 200},
	{"GET /api/v1/audit", "/api/v1/audit", "", 200},
	{"GET /api/v1/audit", "/api/v1/audit?action=user.create", "", 200},

	// HTML pages; a successful form POST redirects (303).
	{"GET /", "/", "", 200},
	{"GET /account", "/account", "", 200},
	{"GET /admin/users", "/admin/users", "", 200},
	{"GET /admin/users/new", "/admin/users/new", "", 200},
	{"GET /admin/users/:id", "/admin/users/{user}", "", 200},
	{"POST /admin/users", "/admin/users", "email=perm-page%40a.test&name=Perm+Page&role=viewer&organisation_id={orgA}&password=a+long+enough+passphrase", 303},
	{"POST /admin/users/:id", "/admin/users/{user}", "email=viewer%40b.test&name=Renamed+On+Page&role=viewer&organisation_id={orgB}", 303},
	{"POST /admin/users/:id/password", "/admin/users/{user}/password", "password=another+long+passphrase", 303},
	{"POST /admin/users/:id/active", "/admin/users/{user}/active", "active=false", 303},
	{"GET /admin/organisations", "/admin/organisations", "", 200},
	{"GET /admin/organisations/new", "/admin/organisations/new", "", 200},
	{"GET /admin/organisations/:id", "/admin/organisations/{org}", "", 200},
	{"POST /admin/organisations", "/admin/organisations", "name=Perm+Page+Org&short_name=PERMPAGE&kind=ngo", 303},
	{"POST /admin/organisations/:id", "/admin/organisations/{org}", "name=Org+B+On+Page&short_name=B&kind=trade_union", 303},
	{"GET /audit", "/audit", "", 200},
	{"GET /audit", "/audit?action=user.create", "", 200},
}

var permRoles = []string{"viewer", "member", "coordinator", "admin"}

func permFill(e *env, s string) string {
	return strings.NewReplacer(
		"{user}", apiID(e.users["viewer@b.test"].ID),
		"{org}", apiID(e.orgB.ID),
		"{orgA}", apiID(e.orgA.ID),
		"{orgB}", apiID(e.orgB.ID),
	).Replace(s)
}

// permSend sends a table row: with a Bearer token to the API, with the
// session cookie (and Sec-Fetch-Site on POSTs) to pages.
func permSend(e *env, method, path, body, token, cookie string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if strings.HasPrefix(path, "/api/") {
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
	} else {
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if method != "GET" {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "ratify_session", Value: cookie})
		}
	}
	return e.send(req)
}

// TestPermissionsByRole walks permTable for each role.
func TestPermissionsByRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		tokens, cookies := map[string]string{}, map[string]string{}
		for _, r := range permRoles {
			email := r + "@a.test"
			tokens[r] = e.token(email)
			cookies[r] = apiBrowserSession(e, email)
		}
		for _, row := range permTable {
			path, body := permFill(e, row.path), permFill(e, row.body)
			api := strings.HasPrefix(path, "/api/")
			method, _, _ := strings.Cut(row.route, " ")
			for _, role := range permRoles {
				want := 403
				if mxRoleAllows(t, row.route, model.Role(role)) {
					want = row.ok
				}
				before := apiState(t, e)
				res := permSend(e, method, path, body, tokens[role], cookies[role])
				if res.Status != want {
					t.Errorf("%s %s as %s: %d, want %d: %s", method, path, role, res.Status, want, apiClip(res.Body))
					continue
				}
				switch {
				case want == 403 && api:
					apiWantError(t, res, 403, "forbidden", "")
				case want == 404 && api:
					apiWantError(t, res, 404, "not_found", "")
				case want == 403:
					if !strings.Contains(res.Body, "Not allowed") {
						t.Errorf("%s %s as %s: the 403 page does not say so: %s", method, path, role, apiClip(res.Body))
					}
				}
				if want >= 400 || method == "GET" {
					// Refusals and reads change nothing.
					apiUnchanged(t, e, before)
				} else if apiState(t, e) == before {
					t.Errorf("%s %s as %s: answered %d but changed nothing", method, path, role, res.Status)
				}
			}
		}
	})
}

// TestPermissionsAnonymous checks that credentials that are missing, forged,
// signed with another key or of the wrong scheme get 401 on the API and a
// redirect to the login page for pages, and change nothing; that the public
// routes answer without a login. TestAccessMatrix sends every registered
// route anonymously.
func TestPermissionsAnonymous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		other, err := auth.NewTokens([]byte("another-secret-that-is-32-bytes-long!!"), time.Hour, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		foreign, _, err := other.Issue(e.users["admin@a.test"].ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		rows := append(permTable[:len(permTable):len(permTable)],
			permRow{"POST /api/v1/auth/logout", "/api/v1/auth/logout", "", 0},
			permRow{"POST /account/name", "/account/name", "name=Anonymous", 0},
			permRow{"POST /account/password", "/account/password", "current_password=x&new_password=y&confirm_password=y", 0},
		)
		credentials := []struct{ name, header string }{
			{"no credentials", ""},
			{"garbage token", "Bearer not.a.token"},
			{"token signed with another key", "Bearer " + foreign},
			{"basic auth", "Basic YWRtaW5AYS50ZXN0OmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="},
			{"empty bearer", "Bearer "},
		}
		for _, row := range rows {
			path, body := permFill(e, row.path), permFill(e, row.body)
			api := strings.HasPrefix(path, "/api/")
			method, _, _ := strings.Cut(row.route, " ")
			for _, cred := range credentials {
				if !api && cred.header != "" {
					continue
				}
				before := apiState(t, e)
				res := permSend(e, method, path, body, "", "")
				if cred.header != "" {
					req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", cred.header)
					res = e.send(req)
				}
				switch {
				case api:
					if res.Status != 401 {
						t.Errorf("%s %s with %s: %d, want 401: %s", method, path, cred.name, res.Status, apiClip(res.Body))
						break
					}
					apiWantError(t, res, 401, "unauthorized", "")
				default:
					loc := res.Header.Get("Location")
					if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
						t.Errorf("%s %s anonymously: %d to %q, want 303 to /login", method, path, res.Status, loc)
					}
					if want := "/login?next=" + url.QueryEscape(path); method == "GET" && loc != want {
						t.Errorf("GET %s: redirect to %q, want %q", path, loc, want)
					}
				}
				apiUnchanged(t, e, before)
			}
		}

		// The public routes answer without a login.
		for _, c := range []struct {
			method, path, body string
			want               int
		}{
			{"GET", "/healthz", "", 200},
			{"GET", "/readyz", "", 200},
			{"GET", "/login", "", 200},
			{"GET", "/api/v1/openapi.json", "", 200},
			{"POST", "/api/v1/auth/login", `{"email":"viewer@a.test","password":"` + testPassword + `"}`, 200},
		} {
			if res := permSend(e, c.method, c.path, c.body, "", ""); res.Status != c.want {
				t.Errorf("%s %s anonymously: %d, want %d: %s", c.method, c.path, res.Status, c.want, apiClip(res.Body))
			}
		}
	})
}

// TestPermissionsDeactivatedUser checks that deactivation ends a user's
// sessions at once, that a token with the new version still gets nothing,
// and that reactivation does not revive old tokens.
func TestPermissionsDeactivatedUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		admin := e.token("admin@a.test")
		victim := e.users["coordinator@b.test"]
		old := e.token("coordinator@b.test")
		oldCookie := apiBrowserSession(e, "coordinator@b.test")
		if res := e.do("GET", "/api/v1/audit", old, nil); res.Status != 200 {
			t.Fatalf("before: %d %s", res.Status, res.Body)
		}
		res := e.do("PATCH", "/api/v1/users/"+apiID(victim.ID), admin, map[string]any{"active": false})
		if res.Status != 200 || !strings.Contains(res.Body, `"active":false`) {
			t.Fatalf("deactivate: %d %s", res.Status, res.Body)
		}
		tokens, err := auth.NewTokens(testSecret, time.Hour, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _, err := tokens.Issue(victim.ID, victim.TokenVersion+1) // the version after the bump
		if err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"old token": old, "token with the current version": fresh} {
			before := apiState(t, e)
			for _, r := range []struct{ method, path, body string }{
				{"GET", "/api/v1/me", ""},
				{"GET", "/api/v1/audit", ""},
				{"GET", "/api/v1/organisations", ""},
				{"PATCH", "/api/v1/organisations/" + apiID(e.orgB.ID), `{"name":"Should Not Change"}`},
				{"POST", "/api/v1/auth/logout", ""},
			} {
				t.Run(name+" "+r.method+" "+r.path, func(t *testing.T) {
					apiWantError(t, permSend(e, r.method, r.path, r.body, tok, ""), 401, "unauthorized", "")
				})
			}
			apiUnchanged(t, e, before)
		}
		if res := permSend(e, "GET", "/audit", "", "", oldCookie); res.Status != http.StatusSeeOther {
			t.Errorf("old browser session: %d, want 303 to the login page", res.Status)
		}
		res = e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "coordinator@b.test", "password": testPassword})
		apiWantError(t, res, 401, "invalid_credentials", "")

		// Reactivation lets them sign in again but does not revive old tokens.
		if res := e.do("PATCH", "/api/v1/users/"+apiID(victim.ID), admin, map[string]any{"active": true}); res.Status != 200 {
			t.Fatalf("reactivate: %d %s", res.Status, res.Body)
		}
		apiWantError(t, e.do("GET", "/api/v1/me", old, nil), 401, "unauthorized", "")
		res = e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "coordinator@b.test", "password": testPassword})
		if res.Status != 200 {
			t.Fatalf("login after reactivation: %d %s", res.Status, res.Body)
		}
	})
}
