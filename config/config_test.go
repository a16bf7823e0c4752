package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env turns a map into a getenv function.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	want := Config{
		Addr:              "127.0.0.1:8080",
		DataDir:           "./ratify-data",
		AdminOrganisation: "Secretariat",
		AutoMigrate:       true,
		LogFormat:         "text",
		LogLevel:          "info",
		SessionTTL:        12 * time.Hour,
		SMTPConnections:   4,
		SendLease:         2 * time.Minute,
		SendRetry:         time.Minute,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if !reflect.DeepEqual(Defaults(), want) {
		t.Fatalf("Defaults() = %+v", Defaults())
	}
	if got := c.PublicURL(); got != "http://127.0.0.1:8080" {
		t.Errorf("PublicURL() = %q", got)
	}
	if c.SecureCookies() {
		t.Error("SecureCookies() is true without an https base URL")
	}
}

func TestLoadEveryVariable(t *testing.T) {
	secret := strings.Repeat("s", 40)
	c, err := Load(env(map[string]string{
		"RATIFY_ADDR":               " 0.0.0.0:9000 ",
		"RATIFY_DATA_DIR":           "/var/lib/ratify",
		"RATIFY_DATABASE_URL":       "postgres://ratify:pw@db:5432/ratify",
		"RATIFY_SECRET":             secret,
		"RATIFY_BASE_URL":           "https://ratify.example.org/",
		"RATIFY_ADMIN_EMAIL":        "root@example.org",
		"RATIFY_ADMIN_PASSWORD":     " spaces kept ",
		"RATIFY_ADMIN_ORGANISATION": "Migrant Rights Coalition",
		"RATIFY_AUTO_MIGRATE":       "false",
		"RATIFY_LOG_FORMAT":         "json",
		"RATIFY_LOG_LEVEL":          "debug",
		"RATIFY_TRUSTED_PROXIES":    "10.0.0.0/8, 192.168.1.1,,::1",
		"RATIFY_SESSION_TTL":        "90m",
		"RATIFY_SMTP_URL":           "smtps://u:p@smtp.example.org",
		"RATIFY_MAIL_FROM":          "Coalition <campaigns@example.org>",
		"RATIFY_SMTP_CONNECTIONS":   "8",
		"RATIFY_SMTP_RATE":          "250",
		"RATIFY_SEND_LEASE":         "30s",
		"RATIFY_SEND_RETRY":         "10s",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Addr:              "0.0.0.0:9000",
		DataDir:           "/var/lib/ratify",
		DatabaseURL:       "postgres://ratify:pw@db:5432/ratify",
		Secret:            secret,
		BaseURL:           "https://ratify.example.org/",
		AdminEmail:        "root@example.org",
		AdminPassword:     " spaces kept ",
		AdminOrganisation: "Migrant Rights Coalition",
		AutoMigrate:       false,
		LogFormat:         "json",
		LogLevel:          "debug",
		TrustedProxies:    []string{"10.0.0.0/8", "192.168.1.1", "::1"},
		SessionTTL:        90 * time.Minute,
		SMTPURL:           "smtps://u:p@smtp.example.org",
		MailFrom:          "Coalition <campaigns@example.org>",
		SMTPConnections:   8,
		SMTPRate:          250,
		SendLease:         30 * time.Second,
		SendRetry:         10 * time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Load:\n got %+v\nwant %+v", c, want)
	}
	if got := c.PublicURL(); got != "https://ratify.example.org" {
		t.Errorf("PublicURL() = %q", got)
	}
	if !c.SecureCookies() {
		t.Error("SecureCookies() is false with an https base URL")
	}
}

func TestLoadAcceptsOtherValidForms(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"sqlite url":      {"RATIFY_DATABASE_URL": "sqlite:/tmp/r.db"},
		"postgresql url":  {"RATIFY_DATABASE_URL": "postgresql://u@h/db"},
		"port zero":       {"RATIFY_ADDR": ":0"},
		"auto migrate 1":  {"RATIFY_AUTO_MIGRATE": "1"},
		"secret of 32":    {"RATIFY_SECRET": strings.Repeat("x", 32)},
		"ttl at minimum":  {"RATIFY_SESSION_TTL": "5m"},
		"ttl at maximum":  {"RATIFY_SESSION_TTL": "720h"},
		"http base url":   {"RATIFY_BASE_URL": "http://localhost:8080"},
		"level warn":      {"RATIFY_LOG_LEVEL": "warn"},
		"ipv6 cidr proxy": {"RATIFY_TRUSTED_PROXIES": "fd00::/8"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(env(vars)); err != nil {
				t.Fatalf("Load(%v): %v", vars, err)
			}
		})
	}
}

func TestLoadRejectsInvalidValues(t *testing.T) {
	cases := []struct {
		name, value string
	}{
		{"RATIFY_ADDR", "localhost"},
		{"RATIFY_ADDR", "127.0.0.1:http"},
		{"RATIFY_ADDR", "127.0.0.1:70000"},
		{"RATIFY_SECRET", strings.Repeat("x", 31)},
		{"RATIFY_DATABASE_URL", "mysql://root@localhost/ratify"},
		{"RATIFY_AUTO_MIGRATE", "maybe"},
		{"RATIFY_LOG_FORMAT", "xml"},
		{"RATIFY_LOG_LEVEL", "loud"},
		{"RATIFY_TRUSTED_PROXIES", "notanip"},
		{"RATIFY_TRUSTED_PROXIES", "10.0.0.1, notanip"},
		{"RATIFY_BASE_URL", "ftp://x"},
		{"RATIFY_BASE_URL", "https://"},
		{"RATIFY_SESSION_TTL", "1s"},
		{"RATIFY_SESSION_TTL", "10000h"},
		{"RATIFY_SESSION_TTL", "forever"},
		{"RATIFY_ADMIN_EMAIL", "root"},
		{"RATIFY_ADMIN_PASSWORD", "correct horse battery"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.name: tc.value}))
			if err == nil {
				t.Fatalf("Load accepted %s=%q", tc.name, tc.value)
			}
			if !strings.Contains(err.Error(), tc.name+":") {
				t.Fatalf("error does not name %s: %v", tc.name, err)
			}
			if n := len(strings.Split(err.Error(), "\n")); n != 1 {
				t.Fatalf("want exactly one problem reported, got %d: %v", n, err)
			}
		})
	}
	// An empty data folder cannot come from the environment (empty means
	// the default), so Validate checks it.
	c := Defaults()
	c.DataDir = ""
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "RATIFY_DATA_DIR:") {
		t.Fatalf("Validate with an empty data folder = %v", err)
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"RATIFY_ADDR":            "nope",
		"RATIFY_SECRET":          "short",
		"RATIFY_DATABASE_URL":    "mysql://x",
		"RATIFY_AUTO_MIGRATE":    "maybe",
		"RATIFY_LOG_FORMAT":      "xml",
		"RATIFY_TRUSTED_PROXIES": "notanip",
		"RATIFY_BASE_URL":        "ftp://x",
		"RATIFY_SESSION_TTL":     "1s",
	}))
	if err == nil {
		t.Fatal("Load accepted eight bad variables")
	}
	for _, name := range []string{
		"RATIFY_ADDR", "RATIFY_SECRET", "RATIFY_DATABASE_URL", "RATIFY_AUTO_MIGRATE",
		"RATIFY_LOG_FORMAT", "RATIFY_TRUSTED_PROXIES", "RATIFY_BASE_URL", "RATIFY_SESSION_TTL",
	} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("the error does not mention %s:\n%v", name, err)
		}
	}
	// One problem per line, so an operator can read them.
	if n := len(strings.Split(err.Error(), "\n")); n != 8 {
		t.Errorf("want 8 lines, got %d:\n%v", n, err)
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	c := Defaults()
	c.DataDir = dir

	first, err := c.LoadOrCreateSecret()
	if err != nil {
		t.Fatalf("first LoadOrCreateSecret: %v", err)
	}
	if len(first) < 32 {
		t.Fatalf("generated secret is %d bytes", len(first))
	}
	path := filepath.Join(dir, SecretFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("secret file: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Fatalf("secret file mode = %o, want 600", mode)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(onDisk)) != string(first) {
		t.Fatalf("file holds %q, returned %q", onDisk, first)
	}

	second, err := c.LoadOrCreateSecret()
	if err != nil {
		t.Fatalf("second LoadOrCreateSecret: %v", err)
	}
	if string(second) != string(first) {
		t.Fatalf("second call returned a different secret")
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(onDisk) {
		t.Fatal("the second call rewrote the secret file")
	}

	// Another data folder gets its own random secret.
	other := Defaults()
	other.DataDir = t.TempDir()
	third, err := other.LoadOrCreateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if string(third) == string(first) {
		t.Fatal("two data folders got the same secret")
	}
}

func TestLoadOrCreateSecretPrefersConfig(t *testing.T) {
	c := Defaults()
	c.DataDir = t.TempDir()
	c.Secret = strings.Repeat("k", 32)
	got, err := c.LoadOrCreateSecret()
	if err != nil || string(got) != c.Secret {
		t.Fatalf("LoadOrCreateSecret = %q, %v; want RATIFY_SECRET", got, err)
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, SecretFile)); !os.IsNotExist(err) {
		t.Fatalf("a secret file was written although RATIFY_SECRET is set (stat: %v)", err)
	}
}

func TestLoadOrCreateSecretRefusesShortFile(t *testing.T) {
	c := Defaults()
	c.DataDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(c.DataDir, SecretFile), []byte("tooshort\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoadOrCreateSecret(); err == nil {
		t.Fatal("a secret file of 8 bytes was accepted")
	}
}
