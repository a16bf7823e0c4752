package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// The binary is built once per test run, on first use, and removed by TestMain.
var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// ratifyBinary builds ./cmd/ratify with `go build` and returns its path.
func ratifyBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds the binary; skipped in -short mode")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "ratify-e2e-")
		if buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "ratify")
		cmd := exec.Command("go", "build", "-o", buildPath, "-ldflags", "-X main.version=e2e-test", ".")
		cmd.Dir = "." // go test runs in the package folder, cmd/ratify
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// process is a running `ratify` binary.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{}
	err    error // set when done is closed
	base   string
}

// childEnv is the binary's whole environment: no RATIFY_* variable of the
// test runner leaks in.
func childEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// start launches the binary; the process is killed at cleanup if it still runs.
func start(t *testing.T, vars map[string]string, args ...string) *process {
	t.Helper()
	p := &process{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(ratifyBinary(t), args...)
	p.cmd.Env = childEnv(vars)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start ratify: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("ratify %s log:\n%s", strings.Join(args, " "), p.stderr.String())
		}
	})
	return p
}

// serve starts `ratify serve` on a free port and waits until /readyz is 200.
func serve(t *testing.T, vars map[string]string) *process {
	t.Helper()
	addr := freeAddr(t)
	vars["RATIFY_ADDR"] = addr
	p := start(t, vars, "serve")
	p.base = "http://" + addr
	p.waitReady()
	return p
}

func (p *process) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(90 * time.Second) // argon2 at bootstrap, on a busy machine
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.done:
			p.t.Fatalf("ratify exited before it was ready (%v):\n%s", p.err, p.stderr.String())
		default:
		}
		resp, err := client.Get(p.base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("ratify was not ready after 90s (last: %v):\n%s", err, p.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *process) wait(within time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		p.t.Fatalf("ratify did not exit within %s:\n%s", within, p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("ratify: %v", p.err)
	}
	return 0
}

// stop sends SIGTERM and asserts a clean, graceful exit.
func (p *process) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM: %v", err)
	}
	if code := p.wait(10 * time.Second); code != 0 {
		p.t.Fatalf("ratify exited %d after SIGTERM:\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "msg=stopped") {
		p.t.Fatalf("no \"stopped\" in the log:\n%s", p.stderr.String())
	}
}

var apiClient = &http.Client{Timeout: 60 * time.Second}

// call sends a JSON request and decodes the JSON answer into out.
func (p *process) call(method, path, token string, body any, wantStatus int, out any) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		p.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

type apiUser struct {
	ID           int64  `json:"id"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	Active       bool   `json:"active"`
	Organisation *struct {
		ID        int64  `json:"id"`
		ShortName string `json:"short_name"`
	} `json:"organisation"`
}

func (p *process) login(email, password string) string {
	p.t.Helper()
	var out struct {
		Token string  `json:"token"`
		User  apiUser `json:"user"`
	}
	p.call("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, http.StatusOK, &out)
	if out.Token == "" || out.User.Email != email {
		p.t.Fatalf("login as %s answered %+v", email, out)
	}
	return out.Token
}

// lifecycle: bootstrap admin from the environment, admin creates an
// organisation and a member, the member signs in, SIGTERM stops it cleanly.
func lifecycle(t *testing.T, databaseURL string) {
	vars := map[string]string{
		"RATIFY_DATA_DIR":       t.TempDir(),
		"RATIFY_ADMIN_EMAIL":    "admin@example.org",
		"RATIFY_ADMIN_PASSWORD": "an-admin-passphrase",
	}
	if databaseURL != "" {
		vars["RATIFY_DATABASE_URL"] = databaseURL
	}
	p := serve(t, vars)

	var health struct {
		Status, Version string
	}
	p.call("GET", "/healthz", "", nil, http.StatusOK, &health)
	if health.Version != "e2e-test" {
		t.Errorf("healthz version = %q, want the -ldflags version", health.Version)
	}
	if log := p.stderr.String(); strings.Contains(log, "password=") || !strings.Contains(log, "created the first admin") {
		t.Fatalf("bootstrap log is wrong (a given password must never be logged):\n%s", log)
	}

	admin := p.login("admin@example.org", "an-admin-passphrase")
	var org struct {
		ID        int64  `json:"id"`
		ShortName string `json:"short_name"`
	}
	p.call("POST", "/api/v1/organisations", admin,
		map[string]string{"name": "Migrant Rights Coalition", "short_name": "MRC", "kind": "ngo"}, http.StatusCreated, &org)
	if org.ID == 0 || org.ShortName != "MRC" {
		t.Fatalf("created organisation = %+v", org)
	}
	var created apiUser
	p.call("POST", "/api/v1/users", admin, map[string]any{
		"email": "member@example.org", "name": "Mia Member", "role": "member",
		"organisation_id": org.ID, "password": "a-member-passphrase",
	}, http.StatusCreated, &created)
	if created.ID == 0 || created.Role != "member" {
		t.Fatalf("created user = %+v", created)
	}

	member := p.login("member@example.org", "a-member-passphrase")
	var me apiUser
	p.call("GET", "/api/v1/me", member, nil, http.StatusOK, &me)
	if me.ID != created.ID || me.Email != "member@example.org" || me.Role != "member" || !me.Active ||
		me.Organisation == nil || me.Organisation.ID != org.ID || me.Organisation.ShortName != "MRC" {
		t.Fatalf("GET /api/v1/me = %+v", me)
	}
	// A member may not manage organisations; without a token nothing is shown.
	p.call("POST", "/api/v1/organisations", member,
		map[string]string{"name": "Other", "short_name": "OTH", "kind": "ngo"}, http.StatusForbidden, nil)
	p.call("GET", "/api/v1/me", "", nil, http.StatusUnauthorized, nil)

	p.stop()
}

func TestE2EServeLifecycle(t *testing.T) {
	t.Run(store.SQLite, func(t *testing.T) { lifecycle(t, "") })
	t.Run(store.Postgres, func(t *testing.T) {
		if os.Getenv(dbtest.EnvURL) == "" {
			t.Skip(dbtest.EnvURL + " is not set")
		}
		lifecycle(t, dbtest.URL(dbtest.Target(t, store.Postgres)))
	})
}

var (
	generatedPasswordRE = regexp.MustCompile(`generated password.* email=(\S+) password=(\S+)`)
	anyPasswordRE       = regexp.MustCompile(`password=`)
)

func TestE2EGeneratedAdminPassword(t *testing.T) {
	vars := map[string]string{"RATIFY_DATA_DIR": t.TempDir()}
	p := serve(t, vars)
	log := p.stderr.String()
	m := generatedPasswordRE.FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no generated password in the log:\n%s", log)
	}
	if n := len(anyPasswordRE.FindAllString(log, -1)); n != 1 {
		t.Fatalf("the password appears %d times in the log:\n%s", n, log)
	}
	email, password := m[1], m[2]
	admin := p.login(email, password)
	var me apiUser
	p.call("GET", "/api/v1/me", admin, nil, http.StatusOK, &me)
	if me.Role != "admin" {
		t.Fatalf("bootstrap user = %+v, want an admin", me)
	}
	p.stop()

	// A restart on the same data: no second admin, no password in the log.
	p = serve(t, vars)
	log = p.stderr.String()
	if anyPasswordRE.MatchString(log) || strings.Contains(log, "created the first admin") {
		t.Fatalf("the restart bootstrapped again:\n%s", log)
	}
	admin = p.login(email, password)
	var users struct {
		Items []apiUser `json:"items"`
		Total int       `json:"total"`
	}
	p.call("GET", "/api/v1/users", admin, nil, http.StatusOK, &users)
	if users.Total != 1 || len(users.Items) != 1 || users.Items[0].Email != email {
		t.Fatalf("after a restart the users are %+v, want only %s", users, email)
	}
	p.stop()
}

func TestE2ENoAutoMigrate(t *testing.T) {
	vars := map[string]string{
		"RATIFY_DATA_DIR":       t.TempDir(),
		"RATIFY_AUTO_MIGRATE":   "false",
		"RATIFY_ADMIN_EMAIL":    "admin@example.org",
		"RATIFY_ADMIN_PASSWORD": "an-admin-passphrase",
		"RATIFY_ADDR":           freeAddr(t),
	}
	p := start(t, vars, "serve")
	if code := p.wait(60 * time.Second); code == 0 {
		t.Fatalf("serve on an unmigrated database exited 0:\n%s", p.stderr.String())
	}
	if log := p.stderr.String(); !strings.Contains(log, "pending") || !strings.Contains(log, "ratify migrate up") {
		t.Fatalf("the error does not explain the pending migrations:\n%s", log)
	}

	m := start(t, vars, "migrate", "up")
	if code := m.wait(60 * time.Second); code != 0 {
		t.Fatalf("migrate up exited %d:\n%s", code, m.stderr.String())
	}
	if out := m.stdout.String(); !regexp.MustCompile(`^applied [1-9]\d* migration\(s\)\n$`).MatchString(out) {
		t.Fatalf("migrate up printed %q", out)
	}

	p = serve(t, vars)
	if strings.Contains(p.stderr.String(), "applied database migrations") {
		t.Fatalf("serve migrated although RATIFY_AUTO_MIGRATE=false:\n%s", p.stderr.String())
	}
	p.login("admin@example.org", "an-admin-passphrase")
	p.stop()
}

func TestE2EUsageErrorExitCode(t *testing.T) {
	p := start(t, map[string]string{}, "frobnicate")
	if code := p.wait(30 * time.Second); code != 2 {
		t.Fatalf("unknown command exited %d, want 2", code)
	}
	if log := p.stderr.String(); !strings.Contains(log, `unknown command "frobnicate"`) || !strings.Contains(log, "Usage:") {
		t.Fatalf("stderr:\n%s", log)
	}
}
