package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// testSecret signs the test tokens; tests that forge tokens use it too.
var testSecret = []byte("test-secret-that-is-at-least-32-bytes-long!")

const testPassword = "correct horse battery"

// clock is a movable test clock shared by the service and the token issuer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a running Ratify over a fresh database with two organisations and a
// user of each role in each: "admin@a.test", "member@b.test", and so on.
type env struct {
	t      *testing.T
	st     *store.Store
	svc    *service.Service
	srv    *httptest.Server
	clock  *clock
	orgA   *model.Organisation
	orgB   *model.Organisation
	users  map[string]*model.User // by email
	tokens map[string]string      // by email, issued lazily
}

func newEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	return newEnvWith(t, st, service.MailDeps{})
}

// newEnvWith is newEnv whose service has mail settings, for tests whose
// routes send or sign unsubscribe links.
func newEnvWith(t *testing.T, st *store.Store, mail service.MailDeps) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC()}
	tokens, err := auth.NewTokens(testSecret, time.Hour, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Deps{Store: st, Hasher: testHasher(), Tokens: tokens, Now: clk.Now, Log: quiet, Mail: mail})
	h, err := server.New(svc, server.Options{PublicURL: "http://ratify.test", BodyLimit: 64 << 10, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, svc: svc, srv: srv, clock: clk, users: map[string]*model.User{}, tokens: map[string]string{}}
	e.orgA, err = svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org A", ShortName: "A", Kind: model.OrgNGO})
	if err != nil {
		t.Fatal(err)
	}
	e.orgB, err = svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org B", ShortName: "B", Kind: model.OrgTradeUnion})
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []*model.Organisation{e.orgA, e.orgB} {
		for _, r := range model.Roles {
			email := string(r) + "@" + strings.ToLower(org.ShortName) + ".test"
			u, _, err := svc.CreateUserCLI(ctx, service.NewUser{Email: email, Name: string(r) + " " + org.ShortName, Role: r, Password: testPassword}, org.ShortName)
			if err != nil {
				t.Fatalf("seed %s: %v", email, err)
			}
			e.users[email] = u
		}
	}
	return e
}

// token signs in through the API once per user and caches the token.
func (e *env) token(email string) string {
	e.t.Helper()
	if tok, ok := e.tokens[email]; ok {
		return tok
	}
	res := e.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": testPassword})
	if res.Status != 200 {
		e.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.decode(e.t, &out)
	e.tokens[email] = out.Token
	return out.Token
}

// response is a finished request with its body read.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// errCode returns the error code of an API error answer.
func (r response) errCode(t *testing.T) string {
	t.Helper()
	var b struct {
		Error struct {
			Code    string
			Message string
			Fields  map[string]string
		}
	}
	r.decode(t, &b)
	if b.Error.Message == "" {
		t.Errorf("error answer without a message: %s", r.Body)
	}
	return b.Error.Code
}

// do sends a request with an optional Bearer token; body may be a string
// (sent as is) or a value (sent as JSON).
func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// send runs a prepared request without following redirects.
func (e *env) send(req *http.Request) response {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	e.checkContract(req, out)
	return out
}

// testHasher is real argon2id at a lower cost (8 MiB, one pass): the suite
// signs in hundreds of times and the production cost would dominate its time.
func testHasher() *auth.Hasher { return auth.NewHasherCost(2, 8*1024, 1) }
