package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// fuzzServer is a running Ratify on a fresh SQLite database with one
// coordinator, shared by all the inputs of one fuzz target (a fresh server
// per input would spend the fuzzing time on set-up).
type fuzzServer struct {
	st     *store.Store
	url    string
	token  string
	client *http.Client
}

func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	ctx := context.Background()
	st := dbtest.Open(f, store.SQLite)
	tokens, err := auth.NewTokens(testSecret, time.Hour, time.Now)
	if err != nil {
		f.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Deps{Store: st, Hasher: testHasher(), Tokens: tokens, Log: quiet})
	h, err := server.New(svc, server.Options{PublicURL: "http://ratify.test", BodyLimit: 64 << 10, Log: quiet})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(h)
	f.Cleanup(srv.Close)
	if _, err := svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org A", ShortName: "A", Kind: model.OrgNGO}); err != nil {
		f.Fatal(err)
	}
	if _, _, err := svc.CreateUserCLI(ctx, service.NewUser{Email: "coordinator@a.test", Name: "Coordinator", Role: model.RoleCoordinator,
		Password: testPassword}, "A"); err != nil {
		f.Fatal(err)
	}
	sess, err := svc.Login(ctx, "coordinator@a.test", testPassword, "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzServer{st: st, url: srv.URL, token: sess.Token, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (fs *fuzzServer) do(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, fs.url+path, rd)
	if err != nil {
		t.Skip() // not a request a client could send
	}
	req.Header.Set("Authorization", "Bearer "+fs.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := fs.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// counts fingerprints what a JSON body could create or change: the rows of
// every table the fuzzed routes write, and the audit log.
func (fs *fuzzServer) counts(t *testing.T) string {
	t.Helper()
	db, err := fs.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range []string{"contacts", "contact_emails", "contact_tags", "positions", "institutions", "outreach",
		"outreach_contacts", "followups", "email_templates", "email_template_variants", "campaigns", "suppressions", "audit_log"} {
		var n, maxUpdated string
		q := "SELECT count(*), COALESCE(MAX(" + updatedColumn(table) + "), '') FROM " + table
		if err := db.QueryRowContext(context.Background(), q).Scan(&n, &maxUpdated); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s=%s@%s ", table, n, maxUpdated)
	}
	return b.String()
}

// updatedColumn is the column that moves when a row of the table changes.
func updatedColumn(table string) string {
	switch table {
	case "contacts", "institutions", "outreach", "followups", "email_templates", "campaigns":
		return "updated_at"
	}
	return "''"
}

// FuzzListQueries sends any query string to the list, search and export
// routes' filter parsers. Invariant: no 5xx (a bad filter is a 4xx with a
// message) and no panic.
func FuzzListQueries(f *testing.F) {
	for _, seed := range []string{
		"q=ami&country=PHL&sort=name&dir=asc", "country=phl&region=Asia&kind=parliamentarian&stance=supportive",
		"do_not_contact=maybe&institution_id=-1&page=0&per_page=100000", "from=2026-02-30&to=1999-01-01&type=meeting",
		"visibility=coalition&outcome=positive&instrument=C097&organisation_id=abc", "status=open&overdue=yes&assignee=9999999999999999999999",
		"q=%25%5F%5C%27%22&tag=%00", "role=admin&q=a", "action=contact.create&actor_id=1&from=2026-01-01",
		"status_ICRMW=signed&sort=ratified&dir=sideways&priority=high", "page=2&per_page=1",
	} {
		f.Add(seed)
	}
	fs := newFuzzServer(f)
	routes := []string{"/api/v1/contacts", "/api/v1/outreach", "/api/v1/followups", "/api/v1/countries", "/api/v1/audit",
		"/api/v1/users", "/api/v1/institutions", "/api/v1/contacts.csv", "/api/v1/countries.csv"}
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 4096 {
			t.Skip()
		}
		for _, r := range routes {
			status, body := fs.do(t, http.MethodGet, r+"?"+query, "")
			if status >= 500 {
				t.Fatalf("GET %s?%s: %d %s", r, query, status, body)
			}
		}
	})
}

// FuzzJSONBinders sends any body to the routes that create records.
// Invariant: no 5xx, and a refused body changes nothing.
func FuzzJSONBinders(f *testing.F) {
	for _, seed := range []string{
		`{"first_name":"Ada","last_name":"Okafor","kind":"parliamentarian","country":"NGA"}`,
		`{"first_name":"","last_name":"x","emails":[{"email":"not an address","label":"work"}]}`,
		`{"type":"meeting","date":"2026-11-02","country":"PHL","summary":"s","outcome":"positive","visibility":"coalition","contact_ids":[1,2]}`,
		`{"title":"Call back","due_date":"2026-13-01","priority":"urgent"}`,
		`{"name":"T","variants":[{"language":"en","subject":"{{.Contact.Nope}}","html":"<p>{{","text":""}]}`,
		`{"name":"C","template_id":1,"fallback_language":"xx","audience":{"countries":["ZZZ"],"ratification":{"instrument":"ICRMW","status":["maybe"]}}}`,
		`{"email":"someone@example.org","reason":"manual"}`, `null`, `[]`, `{"unknown":1}`, `{"first_name":1e999}`, "\x00",
	} {
		f.Add(seed)
	}
	fs := newFuzzServer(f)
	routes := []string{"/api/v1/contacts", "/api/v1/outreach", "/api/v1/followups", "/api/v1/templates", "/api/v1/campaigns",
		"/api/v1/suppressions", "/api/v1/institutions", "/api/v1/audience/preview"}
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 8192 {
			t.Skip()
		}
		for _, r := range routes {
			before := fs.counts(t)
			status, answer := fs.do(t, http.MethodPost, r, body)
			if status >= 500 {
				t.Fatalf("POST %s %q: %d %s", r, body, status, answer)
			}
			if status >= 400 {
				if after := fs.counts(t); after != before {
					t.Fatalf("POST %s %q was refused (%d) but changed the database:\nbefore %s\nafter  %s", r, body, status, before, after)
				}
			}
		}
	})
}
