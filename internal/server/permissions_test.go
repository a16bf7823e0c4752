package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// permWant is the expected status for a viewer, a member, a coordinator and an
// admin, in that order (the order of model.Roles).
type permWant [4]int

var (
	permAll       = permWant{200, 200, 200, 200}
	permAdminOnly = permWant{403, 403, 403, 200}
	permAudit     = permWant{403, 403, 200, 200}
)

// permRow is one route and the status each role gets.
type permRow struct {
	method, path, body string
	want               permWant
}

// permTable is the permission table of DESIGN.md for users, organisations and
// the audit log, route by route, for the JSON API and the HTML pages. Paths
// may hold {user} (viewer@b.test), {org} (organisation B) and {orgA}/{orgB}
// in bodies. Bodies are valid, so a refusal is about the role alone and the
// admin's request succeeds. Rows run in order, each role in turn, the admin last.
var permTable = []permRow{
	// JSON API.
	{"GET", "/api/v1/me", "", permAll},
	{"GET", "/api/v1/users", "", permAdminOnly},
	{"GET", "/api/v1/users?role=viewer", "", permAdminOnly},
	{"POST", "/api/v1/users", `{"email":"perm-api@a.test","name":"Perm API","role":"viewer","organisation_id":{orgA},"password":"a long enough passphrase"}`, permWant{403, 403, 403, 201}},
	{"GET", "/api/v1/users/{user}", "", permAdminOnly},
	{"GET", "/api/v1/users/999999", "", permWant{403, 403, 403, 404}}, // no existence leak to other roles
	{"PATCH", "/api/v1/users/{user}", `{"name":"Renamed Through API"}`, permAdminOnly},
	{"GET", "/api/v1/organisations", "", permAll},
	{"GET", "/api/v1/organisations/{org}", "", permAll},
	{"POST", "/api/v1/organisations", `{"name":"Perm Org","short_name":"PERM","kind":"io"}`, permWant{403, 403, 403, 201}},
	{"PATCH", "/api/v1/organisations/{org}", `{"name":"Org B Renamed Through API"}`, permAdminOnly},
	{"GET", "/api/v1/audit", "", permAudit},
	{"GET", "/api/v1/audit?action=user.create", "", permAudit},

	// HTML pages; a successful form POST redirects (303).
	{"GET", "/", "", permAll},
	{"GET", "/account", "", permAll},
	{"GET", "/admin/users", "", permAdminOnly},
	{"GET", "/admin/users/new", "", permAdminOnly},
	{"GET", "/admin/users/{user}", "", permAdminOnly},
	{"POST", "/admin/users", "email=perm-page%40a.test&name=Perm+Page&role=viewer&organisation_id={orgA}&password=a+long+enough+passphrase", permWant{403, 403, 403, 303}},
	{"POST", "/admin/users/{user}", "email=viewer%40b.test&name=Renamed+On+Page&role=viewer&organisation_id={orgB}", permWant{403, 403, 403, 303}},
	{"POST", "/admin/users/{user}/password", "password=another+long+passphrase", permWant{403, 403, 403, 303}},
	{"POST", "/admin/users/{user}/active", "active=false", permWant{403, 403, 403, 303}},
	{"GET", "/admin/organisations", "", permAdminOnly},
	{"GET", "/admin/organisations/new", "", permAdminOnly},
	{"GET", "/admin/organisations/{org}", "", permAdminOnly},
	{"POST", "/admin/organisations", "name=Perm+Page+Org&short_name=PERMPAGE&kind=ngo", permWant{403, 403, 403, 303}},
	{"POST", "/admin/organisations/{org}", "name=Org+B+On+Page&short_name=B&kind=trade_union", permWant{403, 403, 403, 303}},
	{"GET", "/audit", "", permAudit},
	{"GET", "/audit?action=user.create", "", permAudit},
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
			for i, role := range permRoles {
				want := row.want[i]
				before := apiState(t, e)
				res := permSend(e, row.method, path, body, tokens[role], cookies[role])
				if res.Status != want {
					t.Errorf("%s %s as %s: %d, want %d: %s", row.method, path, role, res.Status, want, apiClip(res.Body))
					continue
				}
				switch {
				case want == 403 && api:
					apiWantError(t, res, 403, "forbidden", "")
				case want == 404 && api:
					apiWantError(t, res, 404, "not_found", "")
				case want == 403:
					if !strings.Contains(res.Body, "Not allowed") {
						t.Errorf("%s %s as %s: the 403 page does not say so: %s", row.method, path, role, apiClip(res.Body))
					}
				}
				if want >= 400 || row.method == "GET" {
					// Refusals and reads change nothing.
					apiUnchanged(t, e, before)
				} else if apiState(t, e) == before {
					t.Errorf("%s %s as %s: answered %d but changed nothing", row.method, path, role, res.Status)
				}
			}
		}
	})
}

// TestPermissionsAnonymous checks that without a login only sign-in, the
// health checks and static files answer; everything else is 401 on the API
// and a redirect to the login page for pages, and changes nothing.
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
			permRow{"POST", "/api/v1/auth/logout", "", permWant{}},
			permRow{"POST", "/account/name", "name=Anonymous", permWant{}},
			permRow{"POST", "/account/password", "current_password=x&new_password=y&confirm_password=y", permWant{}},
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
			for _, cred := range credentials {
				if !api && cred.header != "" {
					continue
				}
				before := apiState(t, e)
				res := permSend(e, row.method, path, body, "", "")
				if cred.header != "" {
					req, _ := http.NewRequest(row.method, e.srv.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", cred.header)
					res = e.send(req)
				}
				switch {
				case api:
					if res.Status != 401 {
						t.Errorf("%s %s with %s: %d, want 401: %s", row.method, path, cred.name, res.Status, apiClip(res.Body))
						break
					}
					apiWantError(t, res, 401, "unauthorized", "")
				default:
					loc := res.Header.Get("Location")
					if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
						t.Errorf("%s %s anonymously: %d to %q, want 303 to /login", row.method, path, res.Status, loc)
					}
					if want := "/login?next=" + url.QueryEscape(path); row.method == "GET" && loc != want {
						t.Errorf("GET %s: redirect to %q, want %q", path, loc, want)
					}
				}
				apiUnchanged(t, e, before)
			}
		}

		// Every route the router knows, including ones added after this test
		// was written, needs a login except the public few.
		engine, ok := e.srv.Config.Handler.(*gin.Engine)
		if !ok {
			t.Fatalf("the handler is a %T, not a gin engine", e.srv.Config.Handler)
		}
		public := map[string]bool{"POST /api/v1/auth/login": true, "GET /healthz": true, "GET /readyz": true,
			"GET /login": true, "POST /login": true, "GET /static/:hash/*path": true, "GET /favicon.ico": true,
			// The calendar feed's secret token is its credential; without it the answer is 404.
			"GET /followups.ics": true,
			// One-click unsubscribe (RFC 8058): the signed token is the credential.
			"GET /u/:token": true, "POST /u/:token": true,
			// The OpenAPI document holds the API's shape and no data; clients read it before they have a token.
			"GET /api/v1/openapi.json": true}
		param := regexp.MustCompile(`[:*][a-z0-9_]+`)
		for _, r := range engine.Routes() {
			if public[r.Method+" "+r.Path] {
				continue
			}
			path := param.ReplaceAllString(r.Path, "1")
			before := apiState(t, e)
			res := permSend(e, r.Method, path, "", "", "")
			if strings.HasPrefix(path, "/api/") {
				if res.Status != 401 {
					t.Errorf("%s %s anonymously: %d, want 401: %s", r.Method, r.Path, res.Status, apiClip(res.Body))
				} else {
					apiWantError(t, res, 401, "unauthorized", "")
				}
			} else if loc := res.Header.Get("Location"); res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("%s %s anonymously: %d to %q, want 303 to /login", r.Method, r.Path, res.Status, loc)
			}
			apiUnchanged(t, e, before)
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
