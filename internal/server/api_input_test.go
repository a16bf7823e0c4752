package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// This file checks that every API route that takes a body or parameters
// answers bad input with the exact status and error code and changes nothing,
// that the HTML forms re-render with the typed input, and that successful
// writes are audited.

const apiGoodPassword = "a long enough passphrase"

// apiState fingerprints every row a request could change: each user and
// organisation with all their columns, and the number of audit entries. Two
// equal fingerprints mean nothing changed in between.
func apiState(t *testing.T, e *env) string {
	t.Helper()
	ctx := context.Background()
	users, total, err := e.st.ListUsers(ctx, store.UserFilter{Page: model.Page{PerPage: model.MaxPerPage}})
	if err != nil {
		t.Fatalf("list users: %v", err)
	}
	orgs, err := e.st.ListOrganisations(ctx)
	if err != nil {
		t.Fatalf("list organisations: %v", err)
	}
	_, audits, err := e.st.ListAudit(ctx, model.AuditFilter{})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	ts := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.UTC().Format(time.RFC3339Nano)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "users=%d organisations=%d audit=%d\n", total, len(orgs), audits)
	for _, u := range users {
		fmt.Fprintf(&b, "user %d %q %q %s org=%d active=%t v=%d hash=%s failed=%d lastfail=%s locked=%s login=%s updated=%s\n",
			u.ID, u.Email, u.Name, u.Role, u.OrganisationID, u.Active, u.TokenVersion, u.PasswordHash,
			u.FailedLogins, ts(u.LastFailedAt), ts(u.LockedUntil), ts(u.LastLoginAt), ts(&u.UpdatedAt))
	}
	for _, o := range orgs {
		fmt.Fprintf(&b, "org %d %q %q %s updated=%s\n", o.ID, o.Name, o.ShortName, o.Kind, ts(&o.UpdatedAt))
	}
	return b.String()
}

// apiUnchanged fails the test when the database differs from before.
func apiUnchanged(t *testing.T, e *env, before string) {
	t.Helper()
	after := apiState(t, e)
	if after == before {
		return
	}
	gone, added := apiLineDiff(before, after), apiLineDiff(after, before)
	t.Errorf("the database changed:\nbefore only:\n%s\nafter only:\n%s", strings.Join(gone, "\n"), strings.Join(added, "\n"))
}

// apiLineDiff returns the lines of a that b lacks.
func apiLineDiff(a, b string) []string {
	have := map[string]bool{}
	for _, l := range strings.Split(b, "\n") {
		have[l] = true
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !have[l] {
			out = append(out, l)
		}
	}
	return out
}

// apiRequest sends a request with full control over the body and its
// Content-Type; contentType "" sends none.
func apiRequest(e *env, method, path, token, contentType string, body io.Reader) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// apiChunked hides the length of a body so it is sent chunked, without a
// Content-Length the server could refuse up front.
func apiChunked(s string) io.Reader { return struct{ io.Reader }{strings.NewReader(s)} }

type apiErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// apiWantError checks the status, the error code and, when field is not
// empty, that fields names it.
func apiWantError(t *testing.T, res response, status int, code, field string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("status %d, want %d: %s", res.Status, status, apiClip(res.Body))
		return
	}
	var b apiErrorBody
	if err := json.Unmarshal([]byte(res.Body), &b); err != nil {
		t.Errorf("error answer is not JSON: %v: %s", err, apiClip(res.Body))
		return
	}
	if b.Error.Code != code {
		t.Errorf("code %q, want %q: %s", b.Error.Code, code, apiClip(res.Body))
	}
	if b.Error.Message == "" {
		t.Errorf("error answer without a message: %s", apiClip(res.Body))
	}
	if field != "" {
		if _, ok := b.Error.Fields[field]; !ok {
			t.Errorf("fields %v do not name %q", b.Error.Fields, field)
		}
	}
}

func apiClip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func apiID(id int64) string { return strconv.FormatInt(id, 10) }

// apiBadCase is one bad request and its expected answer.
type apiBadCase struct {
	name   string
	method string
	path   string
	as     string // email of the user whose token is sent; "" means admin@a.test
	ctype  string // Content-Type; "" means application/json, "-" means none
	body   any    // string, io.Reader or nil
	status int
	code   string
	field  string
}

// apiRunBad runs each case as a subtest and checks that nothing changed.
func apiRunBad(t *testing.T, e *env, cases []apiBadCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.name, func(t *testing.T) {
			as := c.as
			if as == "" {
				as = "admin@a.test"
			}
			tok := e.token(as) // sign in before measuring: a login writes rows
			ctype := c.ctype
			switch ctype {
			case "":
				ctype = "application/json"
			case "-":
				ctype = ""
			}
			var body io.Reader
			switch b := c.body.(type) {
			case nil:
				if c.method == "GET" {
					ctype = ""
				}
			case string:
				body = strings.NewReader(b)
			case io.Reader:
				body = b
			default:
				t.Fatalf("body of type %T", c.body)
			}
			before := apiState(t, e)
			res := apiRequest(e, c.method, c.path, tok, ctype, body)
			apiWantError(t, res, c.status, c.code, c.field)
			apiUnchanged(t, e, before)
		})
	}
}

// apiBodyRoute is a route that takes a JSON body: a body it accepts, and
// bodies with a field of the wrong type.
type apiBodyRoute struct {
	method, path string
	valid        string
	okStatus     int
	wrongTypes   map[string]string // field → body
}

func apiBodyRoutes(e *env) []apiBodyRoute {
	member := apiID(e.users["member@a.test"].ID)
	return []apiBodyRoute{
		{"POST", "/api/v1/auth/login", `{"email":"admin@a.test","password":"` + testPassword + `"}`, 200, map[string]string{
			"email":    `{"email":["admin@a.test"],"password":"x"}`,
			"password": `{"email":"admin@a.test","password":123456789012}`,
		}},
		{"POST", "/api/v1/users", `{"email":"bodies@a.test","name":"Bodies","role":"member","organisation_id":` + apiID(e.orgA.ID) + `,"password":"` + apiGoodPassword + `"}`, 201, map[string]string{
			"organisation_id": `{"email":"x@a.test","name":"X","role":"member","organisation_id":"x"}`,
			"role":            `{"email":"x@a.test","name":"X","role":5,"organisation_id":1}`,
			"name":            `{"email":"x@a.test","name":{"first":"X"},"role":"member","organisation_id":1}`,
			"password":        `{"email":"x@a.test","name":"X","role":"member","organisation_id":1,"password":true}`,
		}},
		{"PATCH", "/api/v1/users/" + member, `{"name":"Member A Renamed"}`, 200, map[string]string{
			"active":          `{"active":"yes"}`,
			"role":            `{"role":5}`,
			"organisation_id": `{"organisation_id":"x"}`,
			"email":           `{"email":["member@a.test"]}`,
		}},
		{"POST", "/api/v1/organisations", `{"name":"Bodies Org","short_name":"BODIES","kind":"ngo"}`, 201, map[string]string{
			"kind":       `{"name":"X","short_name":"X","kind":3}`,
			"name":       `{"name":true,"short_name":"X","kind":"ngo"}`,
			"short_name": `{"name":"X","short_name":["X"],"kind":"ngo"}`,
		}},
		{"PATCH", "/api/v1/organisations/" + apiID(e.orgB.ID), `{"name":"Org B Renamed"}`, 200, map[string]string{
			"kind":       `{"kind":false}`,
			"short_name": `{"short_name":7}`,
			"name":       `{"name":{}}`,
		}},
	}
}

// TestAPIBadBodies sends every kind of broken body to every route that takes one.
func TestAPIBadBodies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		for _, r := range apiBodyRoutes(e) {
			tooBigPadding := strings.Repeat(" ", 70<<10)
			cases := []apiBadCase{
				{name: "malformed", body: `{"name":`, status: 400, code: "invalid_json"},
				{name: "not json", body: `name=x&kind=ngo`, status: 400, code: "invalid_json"},
				{name: "truncated", body: r.valid[:len(r.valid)-1], status: 400, code: "invalid_json"},
				{name: "single quotes", body: `{'name':'x'}`, status: 400, code: "invalid_json"},
				{name: "empty", body: "", status: 400, code: "invalid_json"},
				{name: "whitespace only", body: " \n\t ", status: 400, code: "invalid_json"},
				{name: "empty array", body: `[]`, status: 400, code: "invalid_json"},
				{name: "array of the object", body: "[" + r.valid + "]", status: 400, code: "invalid_json"},
				{name: "string", body: `"x"`, status: 400, code: "invalid_json"},
				{name: "number", body: `42`, status: 400, code: "invalid_json"},
				{name: "null", body: `null`, status: 400, code: "invalid_json"},
				{name: "unknown field", body: strings.TrimSuffix(r.valid, "}") + `,"nope":1}`, status: 400, code: "invalid", field: "nope"},
				{name: "server-owned field", body: strings.TrimSuffix(r.valid, "}") + `,"id":1}`, status: 400, code: "invalid", field: "id"},
				{name: "no content type", ctype: "-", body: r.valid, status: 400, code: "invalid_json"},
				{name: "text/plain", ctype: "text/plain", body: r.valid, status: 400, code: "invalid_json"},
				{name: "form content type", ctype: "application/x-www-form-urlencoded", body: r.valid, status: 400, code: "invalid_json"},
				{name: "oversized with length", body: r.valid + tooBigPadding, status: 413, code: "too_large"},
				{name: "oversized chunked after the object", body: apiChunked(r.valid + tooBigPadding), status: 413, code: "too_large"},
				{name: "oversized chunked string", body: apiChunked(`{"name":"` + strings.Repeat("a", 70<<10) + `"}`), status: 413, code: "too_large"},
				{name: "trailing object", body: r.valid + ` {}`, status: 400, code: "invalid_json"},
				{name: "trailing garbage", body: r.valid + `x`, status: 400, code: "invalid_json"},
				{name: "object twice", body: r.valid + r.valid, status: 400, code: "invalid_json"},
			}
			for field, body := range r.wrongTypes {
				cases = append(cases, apiBadCase{name: "wrong type " + field, body: body, status: 400, code: "invalid", field: field})
			}
			for i := range cases {
				cases[i].method, cases[i].path = r.method, r.path
			}
			apiRunBad(t, e, cases)

			// The valid body really is accepted, here with a charset
			// parameter: the refusals above are about what was broken.
			res := apiRequest(e, r.method, r.path, e.token("admin@a.test"), "application/json; charset=utf-8", strings.NewReader(r.valid+"\n"))
			if res.Status != r.okStatus {
				t.Errorf("%s %s with the valid body: %d, want %d: %s", r.method, r.path, res.Status, r.okStatus, apiClip(res.Body))
			}
		}
	})
}

// TestAPIBadValues sends well-formed JSON with values the rules refuse.
func TestAPIBadValues(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		orgA := apiID(e.orgA.ID)
		user := func(email, name, role, org, pw string) string {
			b, _ := json.Marshal(map[string]any{"email": email, "name": name, "role": role, "organisation_id": json.RawMessage(org), "password": pw})
			return string(b)
		}
		member := "/api/v1/users/" + apiID(e.users["member@a.test"].ID)
		orgB := "/api/v1/organisations/" + apiID(e.orgB.ID)
		long := strings.Repeat("x", 201)
		cases := []apiBadCase{
			// Sign in.
			{name: "missing email and password", method: "POST", path: "/api/v1/auth/login", body: `{}`, status: 400, code: "invalid", field: "email"},
			{name: "missing password", method: "POST", path: "/api/v1/auth/login", body: `{"email":"admin@a.test"}`, status: 400, code: "invalid", field: "password"},
			{name: "blank email", method: "POST", path: "/api/v1/auth/login", body: `{"email":"  ","password":"x"}`, status: 400, code: "invalid", field: "email"},
			{name: "email with NUL", method: "POST", path: "/api/v1/auth/login", body: `{"email":"admin@a.test\u0000","password":"` + testPassword + `"}`, status: 400, code: "invalid", field: "email"},
			{name: "email with control character", method: "POST", path: "/api/v1/auth/login", body: `{"email":"admin@a.test\u0007","password":"x"}`, status: 400, code: "invalid", field: "email"},

			// Create a user.
			{name: "bad email", method: "POST", path: "/api/v1/users", body: user("not-an-email", "N", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "email"},
			{name: "email with display name", method: "POST", path: "/api/v1/users", body: user("N <n@a.test>", "N", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "email"},
			{name: "email without domain dot", method: "POST", path: "/api/v1/users", body: user("n@localhost", "N", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "email"},
			{name: "empty email", method: "POST", path: "/api/v1/users", body: user("", "N", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "email"},
			{name: "blank name", method: "POST", path: "/api/v1/users", body: user("n@a.test", "   ", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "name"},
			{name: "long name", method: "POST", path: "/api/v1/users", body: user("n@a.test", long, "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "name"},
			{name: "name with NUL", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N\x00N", "member", orgA, apiGoodPassword), status: 400, code: "invalid", field: "name"},
			{name: "short password", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", orgA, "short pass"), status: 400, code: "invalid", field: "password"},
			{name: "common password", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", orgA, "Password1234"), status: 400, code: "invalid", field: "password"},
			{name: "overlong password", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", orgA, strings.Repeat("p", 257)), status: 400, code: "invalid", field: "password"},
			{name: "unknown role", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "wizard", orgA, apiGoodPassword), status: 400, code: "invalid", field: "role"},
			{name: "role in capitals", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "ADMIN", orgA, apiGoodPassword), status: 400, code: "invalid", field: "role"},
			{name: "empty role", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "", orgA, apiGoodPassword), status: 400, code: "invalid", field: "role"},
			{name: "non-existent organisation", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", "999999", apiGoodPassword), status: 400, code: "invalid", field: "organisation_id"},
			{name: "no organisation", method: "POST", path: "/api/v1/users", body: `{"email":"n@a.test","name":"N","role":"member"}`, status: 400, code: "invalid", field: "organisation_id"},
			{name: "negative organisation", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", "-5", apiGoodPassword), status: 400, code: "invalid", field: "organisation_id"},
			{name: "fractional organisation", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", "1.5", apiGoodPassword), status: 400, code: "invalid", field: "organisation_id"},
			{name: "huge organisation", method: "POST", path: "/api/v1/users", body: user("n@a.test", "N", "member", "1e30", apiGoodPassword), status: 400, code: "invalid", field: "organisation_id"},
			{name: "duplicate email in capitals", method: "POST", path: "/api/v1/users", body: user("MEMBER@B.TEST", "N", "member", orgA, apiGoodPassword), status: 409, code: "conflict", field: "email"},
			{name: "duplicate email mixed case and spaces", method: "POST", path: "/api/v1/users", body: user(" Viewer@A.Test ", "N", "member", orgA, ""), status: 409, code: "conflict", field: "email"},

			// Edit a user.
			{name: "bad email", method: "PATCH", path: member, body: `{"email":"member@"}`, status: 400, code: "invalid", field: "email"},
			{name: "empty name", method: "PATCH", path: member, body: `{"name":""}`, status: 400, code: "invalid", field: "name"},
			{name: "unknown role", method: "PATCH", path: member, body: `{"role":"wizard"}`, status: 400, code: "invalid", field: "role"},
			{name: "non-existent organisation", method: "PATCH", path: member, body: `{"organisation_id":999999}`, status: 400, code: "invalid", field: "organisation_id"},
			{name: "zero organisation", method: "PATCH", path: member, body: `{"organisation_id":0}`, status: 400, code: "invalid", field: "organisation_id"},
			{name: "short password", method: "PATCH", path: member, body: `{"password":"elevenchars"}`, status: 400, code: "invalid", field: "password"},
			{name: "common password", method: "PATCH", path: member, body: `{"password":"CorrectHorseBatteryStaple"}`, status: 400, code: "invalid", field: "password"},
			{name: "duplicate email in capitals", method: "PATCH", path: member, body: `{"email":"COORDINATOR@A.TEST"}`, status: 409, code: "conflict", field: "email"},
			{name: "valid name but bad role", method: "PATCH", path: member, body: `{"name":"Changed","role":"root"}`, status: 400, code: "invalid", field: "role"},
			{name: "name with NUL", method: "PATCH", path: member, body: `{"name":"\u0000"}`, status: 400, code: "invalid", field: "name"},
			{name: "name with newline", method: "PATCH", path: member, body: `{"name":"Two\nLines"}`, status: 400, code: "invalid", field: "name"},

			// Create an organisation.
			{name: "unknown kind", method: "POST", path: "/api/v1/organisations", body: `{"name":"N","short_name":"N","kind":"charity"}`, status: 400, code: "invalid", field: "kind"},
			{name: "no kind", method: "POST", path: "/api/v1/organisations", body: `{"name":"N","short_name":"N"}`, status: 400, code: "invalid", field: "kind"},
			{name: "empty name", method: "POST", path: "/api/v1/organisations", body: `{"name":"","short_name":"N","kind":"ngo"}`, status: 400, code: "invalid", field: "name"},
			{name: "long name", method: "POST", path: "/api/v1/organisations", body: `{"name":"` + long + `","short_name":"N","kind":"ngo"}`, status: 400, code: "invalid", field: "name"},
			{name: "name with NUL", method: "POST", path: "/api/v1/organisations", body: `{"name":"N\u0000N","short_name":"N","kind":"ngo"}`, status: 400, code: "invalid", field: "name"},
			{name: "empty short name", method: "POST", path: "/api/v1/organisations", body: `{"name":"N","short_name":" ","kind":"ngo"}`, status: 400, code: "invalid", field: "short_name"},
			{name: "short name with space", method: "POST", path: "/api/v1/organisations", body: `{"name":"N","short_name":"N N","kind":"ngo"}`, status: 400, code: "invalid", field: "short_name"},
			{name: "long short name", method: "POST", path: "/api/v1/organisations", body: `{"name":"N","short_name":"` + strings.Repeat("S", 31) + `","kind":"ngo"}`, status: 400, code: "invalid", field: "short_name"},
			{name: "duplicate short name in lower case", method: "POST", path: "/api/v1/organisations", body: `{"name":"Another A","short_name":"a","kind":"ngo"}`, status: 409, code: "conflict", field: "short_name"},
			{name: "duplicate short name with spaces", method: "POST", path: "/api/v1/organisations", body: `{"name":"Another B","short_name":" b ","kind":"io"}`, status: 409, code: "conflict", field: "short_name"},

			// Edit an organisation.
			{name: "unknown kind", method: "PATCH", path: orgB, body: `{"kind":"club"}`, status: 400, code: "invalid", field: "kind"},
			{name: "empty name", method: "PATCH", path: orgB, body: `{"name":""}`, status: 400, code: "invalid", field: "name"},
			{name: "short name with space", method: "PATCH", path: orgB, body: `{"short_name":"B B"}`, status: 400, code: "invalid", field: "short_name"},
			{name: "duplicate short name", method: "PATCH", path: orgB, body: `{"short_name":"a"}`, status: 409, code: "conflict", field: "short_name"},
			{name: "short name with NUL", method: "PATCH", path: orgB, body: `{"short_name":"B\u0000"}`, status: 400, code: "invalid", field: "short_name"},
		}
		apiRunBad(t, e, cases)
	})
}

// TestAPIBadParams sends query parameters the lists refuse, and unknown ids.
func TestAPIBadParams(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		q201 := strings.Repeat("q", 201)
		a101 := strings.Repeat("a", 101)
		var cases []apiBadCase
		for _, c := range []struct{ path, field string }{
			{"/api/v1/users?page=0", "page"},
			{"/api/v1/users?page=-1", "page"},
			{"/api/v1/users?page=abc", "page"},
			{"/api/v1/users?page=1.5", "page"},
			{"/api/v1/users?page=99999999999999999999", "page"},
			{"/api/v1/users?per_page=abc", "per_page"},
			{"/api/v1/users?per_page=0", "per_page"},
			{"/api/v1/users?per_page=1000001", "per_page"},
			{"/api/v1/users?role=wizard", "role"},
			{"/api/v1/users?role=ADMIN", "role"},
			{"/api/v1/users?organisation_id=x", "organisation_id"},
			{"/api/v1/users?organisation_id=-3", "organisation_id"},
			{"/api/v1/users?q=" + q201, "q"},
			{"/api/v1/users?q=%00", "q"},
			{"/api/v1/users?q=%FF", "q"},
			{"/api/v1/audit?page=0", "page"},
			{"/api/v1/audit?per_page=abc", "per_page"},
			{"/api/v1/audit?from=2026-13-45", "from"},
			{"/api/v1/audit?from=2026-02-30", "from"},
			{"/api/v1/audit?from=26-01-01", "from"},
			{"/api/v1/audit?from=2026-01-01T00:00:00Z", "from"},
			{"/api/v1/audit?to=2026-1-5", "to"},
			{"/api/v1/audit?to=yesterday", "to"},
			{"/api/v1/audit?from=2026-03-02&to=2026-03-01", "to"},
			{"/api/v1/audit?actor_id=x", "actor_id"},
			{"/api/v1/audit?actor_id=-1", "actor_id"},
			{"/api/v1/audit?actor_id=0", "actor_id"},
			{"/api/v1/audit?action=" + a101, "action"},
			{"/api/v1/audit?action=%00", "action"},
			{"/api/v1/audit?action=%FF", "action"},
		} {
			cases = append(cases, apiBadCase{name: c.field, method: "GET", path: c.path, status: 400, code: "invalid", field: c.field})
		}
		// The audit log is also read by coordinators: the same checks apply.
		cases = append(cases, apiBadCase{name: "as coordinator", method: "GET", path: "/api/v1/audit?from=2026-13-45", as: "coordinator@b.test",
			status: 400, code: "invalid", field: "from"})

		// Unknown, malformed and out-of-range ids are all not found.
		for _, id := range []string{"999999", "abc", "-1", "0", "1.5", "1e3", "99999999999999999999", "%20", "0x1"} {
			for _, base := range []string{"/api/v1/users/", "/api/v1/organisations/"} {
				cases = append(cases,
					apiBadCase{name: "unknown id", method: "GET", path: base + id, status: 404, code: "not_found"},
					apiBadCase{name: "unknown id", method: "PATCH", path: base + id, body: `{"name":"Ghost"}`, status: 404, code: "not_found"},
				)
			}
		}
		// Members may read organisations; an unknown one is still not found.
		cases = append(cases, apiBadCase{name: "unknown id as viewer", method: "GET", path: "/api/v1/organisations/999999", as: "viewer@a.test", status: 404, code: "not_found"})

		// No such route, no such method.
		cases = append(cases,
			apiBadCase{name: "no route", method: "GET", path: "/api/v1/nothing-here", status: 404, code: "not_found"},
			apiBadCase{name: "method", method: "DELETE", path: "/api/v1/users/" + apiID(e.users["member@b.test"].ID), status: 405, code: "method_not_allowed"},
			apiBadCase{name: "method", method: "PUT", path: "/api/v1/organisations/" + apiID(e.orgB.ID), body: `{"name":"X","short_name":"X","kind":"ngo"}`, status: 405, code: "method_not_allowed"},
			apiBadCase{name: "method", method: "DELETE", path: "/api/v1/audit", status: 405, code: "method_not_allowed"},
			apiBadCase{name: "method", method: "POST", path: "/api/v1/me", body: `{}`, status: 405, code: "method_not_allowed"},
		)
		apiRunBad(t, e, cases)
	})
}

// TestAPIAdminCannotDemoteSelf keeps every installation with an admin.
func TestAPIAdminCannotDemoteSelf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		self := "/api/v1/users/" + apiID(e.users["admin@a.test"].ID)
		apiRunBad(t, e, []apiBadCase{
			{name: "demote", method: "PATCH", path: self, body: `{"role":"member"}`, status: 400, code: "invalid", field: "role"},
			{name: "demote to viewer", method: "PATCH", path: self, body: `{"role":"viewer","name":"Still Me"}`, status: 400, code: "invalid", field: "role"},
			{name: "deactivate", method: "PATCH", path: self, body: `{"active":false}`, status: 400, code: "invalid", field: "active"},
			{name: "both", method: "PATCH", path: self, body: `{"role":"coordinator","active":false}`, status: 400, code: "invalid", field: "active"},
		})

		// Restating one's own role and status is fine and changes nothing.
		tok := e.token("admin@a.test")
		before := apiState(t, e)
		res := e.do("PATCH", self, tok, map[string]any{"role": "admin", "active": true})
		if res.Status != 200 {
			t.Fatalf("restate own role: %d %s", res.Status, res.Body)
		}
		apiUnchanged(t, e, before)

		// Another admin may demote this one.
		res = e.do("PATCH", self, e.token("admin@b.test"), map[string]any{"role": "coordinator"})
		if res.Status != 200 {
			t.Fatalf("demote by another admin: %d %s", res.Status, res.Body)
		}
		if res := e.do("GET", "/api/v1/me", tok, nil); res.Status != 401 {
			t.Errorf("the demoted admin's old token: %d, want 401", res.Status)
		}
	})
}

// TestAPIPerPageCap checks the list defaults and that per_page is capped at 200.
func TestAPIPerPageCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		for i := range 205 {
			if err := e.st.AddAudit(ctx, &model.AuditEntry{Action: "test.bulk", Entity: "test", EntityID: apiID(int64(i)),
				Summary: "bulk", IP: "127.0.0.1", At: time.Now().UTC()}); err != nil {
				t.Fatal(err)
			}
		}
		tok := e.token("admin@a.test")
		type list struct {
			Items   []json.RawMessage `json:"items"`
			Total   int64             `json:"total"`
			Page    int               `json:"page"`
			PerPage int               `json:"per_page"`
		}
		for _, c := range []struct {
			path                string
			page, perPage, n    int
			total               int64
			checkTotalAndLength bool
		}{
			{"/api/v1/audit?action=test.bulk", 1, 50, 50, 205, true},
			{"/api/v1/audit?action=test.bulk&per_page=500", 1, 200, 200, 205, true},
			{"/api/v1/audit?action=test.bulk&per_page=1000000", 1, 200, 200, 205, true},
			{"/api/v1/audit?action=test.bulk&per_page=200&page=2", 2, 200, 5, 205, true},
			{"/api/v1/audit?action=test.bulk&per_page=201&page=3", 3, 200, 0, 205, true},
			{"/api/v1/audit?action=test.bulk&page=1000000", 1000000, 50, 0, 205, true},
			{"/api/v1/users?per_page=201", 1, 200, 0, 0, false},
			{"/api/v1/users?per_page=1000000&page=2", 2, 200, 0, 0, false},
			{"/api/v1/users?role=admin&per_page=1", 1, 1, 1, 2, true},
		} {
			res := e.do("GET", c.path, tok, nil)
			if res.Status != 200 {
				t.Errorf("%s: %d %s", c.path, res.Status, apiClip(res.Body))
				continue
			}
			var l list
			res.decode(t, &l)
			if l.Items == nil {
				t.Errorf("%s: items is not a list: %s", c.path, apiClip(res.Body))
			}
			if l.Page != c.page || l.PerPage != c.perPage {
				t.Errorf("%s: page %d per_page %d, want %d and %d", c.path, l.Page, l.PerPage, c.page, c.perPage)
			}
			if c.checkTotalAndLength && (len(l.Items) != c.n || l.Total != c.total) {
				t.Errorf("%s: %d items of %d, want %d of %d", c.path, len(l.Items), l.Total, c.n, c.total)
			}
		}
	})
}

// apiForm posts a form as a signed-in browser would.
func apiForm(e *env, path, cookie string, form url.Values) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ratify_session", Value: cookie})
	}
	return e.send(req)
}

// apiBrowserSession signs in through the login form and returns the session cookie.
func apiBrowserSession(e *env, email string) string {
	e.t.Helper()
	res := apiForm(e, "/login", "", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		e.t.Fatalf("form sign-in %s: %d %s", email, res.Status, apiClip(res.Body))
	}
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "ratify_session" && ck.Value != "" {
			return ck.Value
		}
	}
	e.t.Fatalf("form sign-in %s: no session cookie in %v", email, res.Header)
	return ""
}

// TestPageFormsRerenderOnBadInput checks that the HTML forms answer bad input
// with the form again: the typed values, a message per field, nothing saved.
func TestPageFormsRerenderOnBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		admin := apiBrowserSession(e, "admin@a.test")
		member := apiBrowserSession(e, "member@a.test")
		orgA, orgB := apiID(e.orgA.ID), apiID(e.orgB.ID)
		memberB := "/admin/users/" + apiID(e.users["member@b.test"].ID)
		self := "/admin/users/" + apiID(e.users["admin@a.test"].ID)
		newUser := func(email, name, role, org, pw string) url.Values {
			return url.Values{"email": {email}, "name": {name}, "role": {role}, "organisation_id": {org}, "password": {pw}}
		}
		for _, c := range []struct {
			name   string
			path   string
			cookie string
			form   url.Values
			status int
			want   []string // each must appear in the page
		}{
			{"bad email", "/admin/users", admin, newUser("not-an-email", "Zoë Typed-Name", "coordinator", orgB, apiGoodPassword), 400,
				[]string{`value="Zoë Typed-Name"`, `value="not-an-email"`, "enter a valid email address", `<option value="coordinator" selected>`,
					`<option value="` + orgB + `" selected>`, "please correct the highlighted fields"}},
			{"blank name", "/admin/users", admin, newUser("typed@a.test", "  ", "member", orgA, apiGoodPassword), 400,
				[]string{`value="typed@a.test"`, "enter the person&#39;s name"}},
			{"short password", "/admin/users", admin, newUser("typed@a.test", "Typed Person", "member", orgA, "short"), 400,
				[]string{`value="typed@a.test"`, `value="Typed Person"`, "use at least 12 characters"}},
			{"common password", "/admin/users", admin, newUser("typed@a.test", "Typed Person", "member", orgA, "password1234"), 400,
				[]string{`value="Typed Person"`, "this password is too common"}},
			{"unknown role", "/admin/users", admin, newUser("typed@a.test", "Typed Person", "wizard", orgA, ""), 400,
				[]string{`value="Typed Person"`, "choose one of: viewer, member, coordinator, admin"}},
			{"no organisation", "/admin/users", admin, newUser("typed@a.test", "Typed Person", "member", "", ""), 400,
				[]string{`value="Typed Person"`, "choose an organisation"}},
			{"unknown organisation", "/admin/users", admin, newUser("typed@a.test", "Typed Person", "member", "999999", ""), 400,
				[]string{`value="Typed Person"`, "no such organisation"}},
			{"duplicate email", "/admin/users", admin, newUser("MEMBER@B.TEST", "Typed Twin", "member", orgA, apiGoodPassword), 409,
				[]string{`value="Typed Twin"`, "another user has this email address"}},
			{"edit with bad email", memberB, admin, url.Values{"email": {"member-b@"}, "name": {"Typed Edit"}, "role": {"member"}, "organisation_id": {orgB}}, 400,
				[]string{`value="member-b@"`, `value="Typed Edit"`, "enter a valid email address"}},
			{"edit with duplicate email", memberB, admin, url.Values{"email": {"Admin@A.test"}, "name": {"Typed Edit"}, "role": {"member"}, "organisation_id": {orgB}}, 409,
				[]string{`value="Typed Edit"`, "another user has this email address"}},
			{"own role", self, admin, url.Values{"email": {"admin@a.test"}, "name": {"Admin A"}, "role": {"member"}, "organisation_id": {orgA}}, 400,
				[]string{"you cannot change your own role"}},
			{"deactivate self", self + "/active", admin, url.Values{"active": {"false"}}, 400,
				[]string{"you cannot deactivate yourself"}},
			{"reset to a short password", memberB + "/password", admin, url.Values{"password": {"tooshort"}}, 400,
				[]string{"use at least 12 characters"}},
			{"organisation short name with space", "/admin/organisations", admin, url.Values{"name": {"Typed Org Name"}, "short_name": {"TY PED"}, "kind": {"ngo"}}, 400,
				[]string{`value="Typed Org Name"`, `value="TY PED"`, "a short name has no spaces"}},
			{"organisation unknown kind", "/admin/organisations", admin, url.Values{"name": {"Typed Org Name"}, "short_name": {"TYPED"}, "kind": {"charity"}}, 400,
				[]string{`value="Typed Org Name"`, "choose one of: ngo, trade_union"}},
			{"organisation duplicate short name", "/admin/organisations", admin, url.Values{"name": {"Typed Org Name"}, "short_name": {"a"}, "kind": {"io"}}, 409,
				[]string{`value="Typed Org Name"`, "another organisation uses this short name"}},
			{"organisation edit empty name", "/admin/organisations/" + orgB, admin, url.Values{"name": {""}, "short_name": {"TypedB"}, "kind": {"io"}}, 400,
				[]string{`value="TypedB"`, "enter the organisation&#39;s name"}},
			{"own name empty", "/account/name", member, url.Values{"name": {"   "}}, 400,
				[]string{"enter your name"}},
			{"own password mismatch", "/account/password", member, url.Values{"current_password": {testPassword}, "new_password": {apiGoodPassword}, "confirm_password": {"something else entirely"}}, 400,
				[]string{"the two new passwords differ"}},
			{"own password wrong current", "/account/password", member, url.Values{"current_password": {"not my password"}, "new_password": {apiGoodPassword}, "confirm_password": {apiGoodPassword}}, 400,
				[]string{"this is not your current password"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := apiState(t, e)
				res := apiForm(e, c.path, c.cookie, c.form)
				if res.Status != c.status {
					t.Errorf("status %d, want %d: %s", res.Status, c.status, apiClip(res.Body))
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type %q, want an HTML page", ct)
				}
				if !strings.Contains(res.Body, "<form") {
					t.Errorf("the answer is not the form again")
				}
				for _, w := range c.want {
					if !strings.Contains(res.Body, w) {
						t.Errorf("the page lacks %q", w)
					}
				}
				if !strings.Contains(res.Body, `class="field-error"`) {
					t.Errorf("the page shows no field message")
				}
				apiUnchanged(t, e, before)
			})
		}
	})
}

// TestPageOddText checks that the pages refuse text no database can store or
// search (NUL bytes, invalid UTF-8), bad filters and unknown ids with a 4xx,
// never a 500, and change nothing.
func TestPageOddText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		admin := apiBrowserSession(e, "admin@a.test")
		member := apiBrowserSession(e, "member@a.test")
		for _, c := range []struct {
			name   string
			path   string
			cookie string
			form   url.Values
		}{
			{"user name with NUL", "/admin/users", admin, url.Values{"email": {"odd@a.test"}, "name": {"Odd\x00Name"}, "role": {"member"}, "organisation_id": {apiID(e.orgA.ID)}}},
			{"organisation name with invalid UTF-8", "/admin/organisations", admin, url.Values{"name": {"Odd \xff Org"}, "short_name": {"ODD"}, "kind": {"ngo"}}},
			{"organisation short name with invalid UTF-8", "/admin/organisations/" + apiID(e.orgB.ID), admin, url.Values{"name": {"Org B"}, "short_name": {"B\xff"}, "kind": {"ngo"}}},
			{"own name with invalid UTF-8", "/account/name", member, url.Values{"name": {"\xffName"}}},
			{"own name with NUL", "/account/name", member, url.Values{"name": {"Na\x00me"}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := apiState(t, e)
				res := apiForm(e, c.path, c.cookie, c.form)
				if res.Status != 400 || !strings.Contains(res.Body, model.NotPlainLine) || !strings.Contains(res.Body, "<form") {
					t.Errorf("status %d, want 400 and the form with %q: %s", res.Status, model.NotPlainLine, apiClip(res.Body))
				}
				apiUnchanged(t, e, before)
			})
		}
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/admin/users?q=%00", 400},
			{"GET", "/admin/users?q=%FF", 400},
			{"GET", "/admin/users?page=0", 400},
			{"GET", "/audit?action=%00", 400},
			{"GET", "/audit?action=%FF", 400},
			{"GET", "/audit?from=2026-13-45", 400},
			{"GET", "/admin/users/999999", 404},
			{"GET", "/admin/users/-1", 404},
			{"GET", "/admin/organisations/abc", 404},
			{"POST", "/admin/users/999999", 404},
			{"POST", "/admin/users/abc/active", 404},
			{"POST", "/admin/users/999999/password", 404},
			{"POST", "/admin/organisations/999999", 404},
		} {
			before := apiState(t, e)
			req, _ := http.NewRequest(c.method, e.srv.URL+c.path, nil)
			if c.method == "POST" {
				form := url.Values{"email": {"ghost@a.test"}, "name": {"Ghost"}, "role": {"member"}, "organisation_id": {apiID(e.orgA.ID)},
					"short_name": {"GHOST"}, "kind": {"ngo"}, "active": {"false"}, "password": {apiGoodPassword}}
				req, _ = http.NewRequest(c.method, e.srv.URL+c.path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
			}
			req.AddCookie(&http.Cookie{Name: "ratify_session", Value: admin})
			if res := e.send(req); res.Status != c.status {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, res.Status, c.status, apiClip(res.Body))
			}
			apiUnchanged(t, e, before)
		}
		before := apiState(t, e)
		res := apiForm(e, "/login", "", url.Values{"email": {"admin@a.test\x00"}, "password": {testPassword}})
		if res.Status != 400 || !strings.Contains(res.Body, "<form") {
			t.Errorf("form sign-in with a NUL in the email: %d, want 400 and the form: %s", res.Status, apiClip(res.Body))
		}
		apiUnchanged(t, e, before)
	})
}

// TestAPIFailedLoginWithLongEmailIsAudited checks that the failed sign-in of
// an unknown, long, non-ASCII address is still recorded: the summary keeps
// at most 100 bytes and must not cut a character in two.
func TestAPIFailedLoginWithLongEmailIsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		email := strings.Repeat("x", 97) + "éééé@a.test" // the cut after 100 bytes falls inside an é
		failed := func() []model.AuditEntry {
			items, _, err := e.st.ListAudit(ctx, model.AuditFilter{Action: "login.failed"})
			if err != nil {
				t.Fatal(err)
			}
			return items
		}
		n := len(failed())
		res := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": "not the password"})
		apiWantError(t, res, 401, "invalid_credentials", "")
		items := failed()
		if len(items) != n+1 {
			t.Fatalf("%d login.failed rows written, want 1", len(items)-n)
		}
		if s := items[0].Summary; !utf8.ValidString(s) || !strings.Contains(s, "xxxx") {
			t.Errorf("summary %q", s)
		}
	})
}

type apiAuditList struct {
	Items []struct {
		ID       int64  `json:"id"`
		ActorID  *int64 `json:"actor_id"`
		Action   string `json:"action"`
		Entity   string `json:"entity"`
		EntityID string `json:"entity_id"`
		Summary  string `json:"summary"`
	} `json:"items"`
	Total int64 `json:"total"`
}

// TestAPIChangesAreAudited checks that each create and update writes exactly
// one audit row that the audit API finds by action.
func TestAPIChangesAreAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		admin := e.token("admin@a.test")
		coordinator := e.token("coordinator@b.test")
		adminID := e.users["admin@a.test"].ID
		ctx := context.Background()
		auditTotal := func() int64 {
			_, n, err := e.st.ListAudit(ctx, model.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// check runs a write, expects one more audit row, and finds it
		// through GET /api/v1/audit?action=… as a coordinator and as an admin.
		check := func(action, entity, method, path string, body any, status int) int64 {
			t.Helper()
			n := auditTotal()
			res := e.do(method, path, admin, body)
			if res.Status != status {
				t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
			}
			var out struct{ ID int64 }
			res.decode(t, &out)
			if got := auditTotal(); got != n+1 {
				t.Errorf("%s: %d audit rows written, want 1", action, got-n)
			}
			today := e.clock.Now().UTC().Format("2006-01-02")
			for _, tok := range []string{coordinator, admin} {
				res := e.do("GET", "/api/v1/audit?per_page=200&action="+action+"&actor_id="+apiID(adminID)+"&from="+today+"&to="+today, tok, nil)
				if res.Status != 200 {
					t.Fatalf("audit %s: %d %s", action, res.Status, res.Body)
				}
				var l apiAuditList
				res.decode(t, &l)
				found := false
				for _, it := range l.Items {
					if it.Action != action {
						t.Errorf("filter action=%s returned %s", action, it.Action)
					}
					if it.EntityID == apiID(out.ID) && it.Entity == entity && it.ActorID != nil && *it.ActorID == adminID && it.Summary != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s row for %s %d in %s", action, entity, out.ID, res.Body)
				}
			}
			return out.ID
		}
		uid := check("user.create", "user", "POST", "/api/v1/users",
			map[string]any{"email": "audited@a.test", "name": "Audited", "role": "viewer", "organisation_id": e.orgA.ID}, 201)
		check("user.update", "user", "PATCH", "/api/v1/users/"+apiID(uid), map[string]any{"name": "Audited Again", "role": "member"}, 200)
		oid := check("organisation.create", "organisation", "POST", "/api/v1/organisations",
			map[string]any{"name": "Audited Org", "short_name": "AUD", "kind": "faith_based"}, 201)
		check("organisation.update", "organisation", "PATCH", "/api/v1/organisations/"+apiID(oid), map[string]any{"kind": "un_agency"}, 200)

		// A patch that changes nothing writes nothing.
		before := apiState(t, e)
		for _, c := range []struct{ path, body string }{
			{"/api/v1/users/" + apiID(uid), `{"name":"Audited Again","email":"AUDITED@a.test"}`},
			{"/api/v1/users/" + apiID(uid), `{}`},
			{"/api/v1/organisations/" + apiID(oid), `{"kind":"un_agency","name":" Audited Org "}`},
		} {
			if res := e.do("PATCH", c.path, admin, c.body); res.Status != 200 {
				t.Errorf("no-op PATCH %s %s: %d %s", c.path, c.body, res.Status, res.Body)
			}
		}
		apiUnchanged(t, e, before)
	})
}
