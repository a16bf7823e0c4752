package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"ratify/internal/model"
)

// cli runs the command in-process with the given environment and stdin.
type cli struct {
	t   *testing.T
	env map[string]string
}

// newCLI gives commands a fresh SQLite data folder and quiet logs.
func newCLI(t *testing.T) *cli {
	return &cli{t: t, env: map[string]string{"RATIFY_DATA_DIR": t.TempDir(), "RATIFY_LOG_LEVEL": "error"}}
}

func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, _, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("ratify %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// fails runs a command that must fail with exit code 1 and returns the error text.
func (c *cli) fails(stdin string, args ...string) string {
	c.t.Helper()
	_, _, err := c.run(stdin, args...)
	if err == nil {
		c.t.Fatalf("ratify %s succeeded, want an error", strings.Join(args, " "))
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.code != 1 {
		c.t.Fatalf("ratify %s: exit code %d, want 1: %v", strings.Join(args, " "), ee.code, err)
	}
	return err.Error()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"migrate"},
		{"migrate", "sideways"},
		{"migrate", "up", "extra"},
		{"user"},
		{"user", "frobnicate"},
		{"user", "create"},
		{"user", "create", "--email", "a@example.org", "--name", "A"},
		{"user", "create", "--email", "a@example.org", "--name", "A", "--org", "X", "--role", "emperor"},
		{"user", "list", "--bogus"},
		{"user", "list", "extra"},
		{"user", "set-password"},
		{"serve", "--bogus"},
		{"serve", "extra"},
	} {
		t.Run(strings.Join(append([]string{"ratify"}, args...), " "), func(t *testing.T) {
			// No data folder is set: a usage error must be found before
			// anything touches the disk or the database.
			getenv := func(string) string { return "" }
			var out, errb bytes.Buffer
			err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
			var ee *exitError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v (%T), want *exitError", err, err)
			}
			if ee.code != 2 {
				t.Fatalf("exit code %d, want 2: %v", ee.code, err)
			}
			if ee.Error() == "" {
				t.Fatal("usage error without a message")
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	c := newCLI(t)
	for _, arg := range []string{"version", "--version", "-v"} {
		if out := c.ok("", arg); out != "ratify "+version+"\n" {
			t.Errorf("ratify %s printed %q", arg, out)
		}
	}
	if out := c.ok("", "help"); !strings.Contains(out, "ratify migrate up|down|status") {
		t.Errorf("help printed %q", out)
	}
}

func TestConfigErrorIsExitOne(t *testing.T) {
	c := newCLI(t)
	c.env["RATIFY_LOG_FORMAT"] = "xml"
	msg := c.fails("", "migrate", "status")
	if !strings.Contains(msg, "RATIFY_LOG_FORMAT") {
		t.Fatalf("error does not name the variable: %s", msg)
	}
}

func TestMigrateCommands(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("", "migrate", "down"); out != "nothing to roll back\n" {
		t.Fatalf("migrate down on an empty database printed %q", out)
	}
	if out := c.ok("", "migrate", "status"); !strings.Contains(out, "pending") || !strings.Contains(out, "00001_foundation.sql") {
		t.Fatalf("migrate status before up:\n%s", out)
	}
	if out := c.ok("", "migrate", "up"); !regexp.MustCompile(`^applied [1-9]\d* migration\(s\)\n$`).MatchString(out) {
		t.Fatalf("migrate up printed %q", out)
	}
	if out := c.ok("", "migrate", "up"); out != "applied 0 migration(s)\n" {
		t.Fatalf("second migrate up printed %q", out)
	}
	if out := c.ok("", "migrate", "status"); regexp.MustCompile(`(?m)^\d+\s+pending\s`).MatchString(out) || !strings.Contains(out, "applied") {
		t.Fatalf("migrate status after up:\n%s", out)
	}
	if out := c.ok("", "migrate", "down"); !regexp.MustCompile(`^rolled back migration [1-9]\d*\n$`).MatchString(out) {
		t.Fatalf("migrate down printed %q", out)
	}
}

// seedOrg creates an organisation the way serve's bootstrap would; the CLI
// has no command for it.
func seedOrg(t *testing.T, c *cli, name, short string) {
	t.Helper()
	cfg, err := loadConfig(func(k string) string { return c.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.svc.CreateOrganisationSystem(context.Background(), model.Organisation{Name: name, ShortName: short, Kind: model.OrgNGO}); err != nil {
		t.Fatal(err)
	}
}

// canLogin checks a password through the real login path.
func canLogin(t *testing.T, c *cli, email, password string) bool {
	t.Helper()
	cfg, err := loadConfig(func(k string) string { return c.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = a.svc.Login(context.Background(), email, password, "127.0.0.1")
	return err == nil
}

var generatedRE = regexp.MustCompile(`(?m)^generated password: (\S+)$`)

func TestUserCommands(t *testing.T) {
	c := newCLI(t)
	create := []string{"user", "create", "--email", "Ana@Example.org", "--name", "Ana Lima", "--role", "coordinator", "--org", "MRC"}

	// Before the schema exists, user commands refuse and say what to do.
	if msg := c.fails("", "user", "list"); !strings.Contains(msg, "ratify migrate up") {
		t.Fatalf("user list before migrate: %s", msg)
	}
	c.ok("", "migrate", "up")
	seedOrg(t, c, "Migrant Rights Coalition", "MRC")

	if out := c.ok("", "user", "list"); strings.Count(out, "\n") != 1 {
		t.Fatalf("user list on an empty database:\n%s", out)
	}

	// Unknown organisation.
	bad := append([]string{}, create...)
	bad[len(bad)-1] = "NOPE"
	if msg := c.fails("a-long-enough-passphrase\n", bad...); !strings.Contains(msg, `"NOPE"`) {
		t.Fatalf("unknown --org: %s", msg)
	}
	// Weak passwords are refused, with the reason.
	if msg := c.fails("short\n", create...); !strings.Contains(msg, "at least 12") {
		t.Fatalf("short password: %s", msg)
	}
	if msg := c.fails("password1234\n", create...); !strings.Contains(msg, "too common") {
		t.Fatalf("common password: %s", msg)
	}
	if out := c.ok("", "user", "list"); strings.Contains(out, "ana@example.org") {
		t.Fatalf("a refused create left a user behind:\n%s", out)
	}

	// Password from stdin.
	out := c.ok("a-long-enough-passphrase\n", create...)
	if !regexp.MustCompile(`^created user \d+ ana@example.org \(coordinator\)\n$`).MatchString(out) {
		t.Fatalf("user create printed %q", out)
	}
	if !canLogin(t, c, "ana@example.org", "a-long-enough-passphrase") {
		t.Fatal("cannot log in with the password given on stdin")
	}
	if msg := c.fails("another-long-passphrase\n", create...); !strings.Contains(msg, "email") {
		t.Fatalf("duplicate email: %s", msg)
	}

	// Empty stdin: a password is generated and printed once.
	out = c.ok("", "user", "create", "--email", "bo@example.org", "--name", "Bo", "--org", "mrc")
	m := generatedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password in %q", out)
	}
	if !strings.Contains(out, "(member)") {
		t.Fatalf("the default role is not member: %q", out)
	}
	if !canLogin(t, c, "bo@example.org", m[1]) {
		t.Fatal("cannot log in with the generated password")
	}

	out = c.ok("", "user", "list")
	for _, want := range []string{"ana@example.org", "Ana Lima", "coordinator", "bo@example.org", "member", "MRC", "true"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("user list has %d lines, want a header and 2 users:\n%s", n, out)
	}

	// set-password from stdin.
	out = c.ok("a-brand-new-passphrase\r\n", "user", "set-password", "--email", "ANA@example.org")
	if out != "password set for ana@example.org; their sessions are signed out\n" {
		t.Fatalf("set-password printed %q", out)
	}
	if canLogin(t, c, "ana@example.org", "a-long-enough-passphrase") {
		t.Fatal("the old password still works")
	}
	if !canLogin(t, c, "ana@example.org", "a-brand-new-passphrase") {
		t.Fatal("the new password does not work")
	}
	// set-password generated.
	out = c.ok("", "user", "set-password", "--email", "ana@example.org")
	if m = generatedRE.FindStringSubmatch(out); m == nil {
		t.Fatalf("no generated password in %q", out)
	}
	if !canLogin(t, c, "ana@example.org", m[1]) {
		t.Fatal("cannot log in with the generated reset password")
	}
	// set-password refusals.
	if msg := c.fails("qwerty123456\n", "user", "set-password", "--email", "ana@example.org"); !strings.Contains(msg, "too common") {
		t.Fatalf("common password on reset: %s", msg)
	}
	if !canLogin(t, c, "ana@example.org", m[1]) {
		t.Fatal("a refused reset changed the password")
	}
	c.fails("a-long-enough-passphrase\n", "user", "set-password", "--email", "nobody@example.org")
}
