// Package config holds Ratify's typed configuration, read from RATIFY_*
// environment variables and validated before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is everything an operator can set. Each field names its variable.
type Config struct {
	Addr              string        // RATIFY_ADDR
	DataDir           string        // RATIFY_DATA_DIR
	DatabaseURL       string        // RATIFY_DATABASE_URL
	Secret            string        // RATIFY_SECRET
	BaseURL           string        // RATIFY_BASE_URL
	AdminEmail        string        // RATIFY_ADMIN_EMAIL
	AdminPassword     string        // RATIFY_ADMIN_PASSWORD
	AdminOrganisation string        // RATIFY_ADMIN_ORGANISATION
	AutoMigrate       bool          // RATIFY_AUTO_MIGRATE
	LogFormat         string        // RATIFY_LOG_FORMAT
	LogLevel          string        // RATIFY_LOG_LEVEL
	TrustedProxies    []string      // RATIFY_TRUSTED_PROXIES
	SessionTTL        time.Duration // RATIFY_SESSION_TTL
	SMTPURL           string        // RATIFY_SMTP_URL
	MailFrom          string        // RATIFY_MAIL_FROM
	SMTPConnections   int           // RATIFY_SMTP_CONNECTIONS
	SMTPRate          float64       // RATIFY_SMTP_RATE
	SendLease         time.Duration // RATIFY_SEND_LEASE
	SendRetry         time.Duration // RATIFY_SEND_RETRY
}

// Defaults are the values used when a variable is unset.
func Defaults() Config {
	return Config{
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
}

// Load reads the variables through getenv (os.Getenv in main, a map in tests)
// and validates them. The error names the variable and the problem.
func Load(getenv func(string) string) (Config, error) {
	c := Defaults()
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("RATIFY_ADDR", &c.Addr)
	str("RATIFY_DATA_DIR", &c.DataDir)
	str("RATIFY_DATABASE_URL", &c.DatabaseURL)
	c.Secret = getenv("RATIFY_SECRET") // not trimmed: every byte counts
	str("RATIFY_BASE_URL", &c.BaseURL)
	str("RATIFY_ADMIN_EMAIL", &c.AdminEmail)
	c.AdminPassword = getenv("RATIFY_ADMIN_PASSWORD")
	str("RATIFY_ADMIN_ORGANISATION", &c.AdminOrganisation)
	str("RATIFY_LOG_FORMAT", &c.LogFormat)
	str("RATIFY_LOG_LEVEL", &c.LogLevel)
	var errs []error
	if v := strings.TrimSpace(getenv("RATIFY_AUTO_MIGRATE")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("RATIFY_AUTO_MIGRATE: %q is not true or false", v))
		}
		c.AutoMigrate = b
	}
	if v := strings.TrimSpace(getenv("RATIFY_TRUSTED_PROXIES")); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	if v := strings.TrimSpace(getenv("RATIFY_SESSION_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("RATIFY_SESSION_TTL: %q is not a duration such as 12h", v))
		} else {
			c.SessionTTL = d // on error keep the default, so Validate does not report it twice
		}
	}
	str("RATIFY_SMTP_URL", &c.SMTPURL)
	str("RATIFY_MAIL_FROM", &c.MailFrom)
	if v := strings.TrimSpace(getenv("RATIFY_SMTP_CONNECTIONS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("RATIFY_SMTP_CONNECTIONS: %q is not a whole number", v))
		} else {
			c.SMTPConnections = n
		}
	}
	if v := strings.TrimSpace(getenv("RATIFY_SMTP_RATE")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("RATIFY_SMTP_RATE: %q is not a number of messages per second", v))
		} else {
			c.SMTPRate = f
		}
	}
	for name, dst := range map[string]*time.Duration{"RATIFY_SEND_LEASE": &c.SendLease, "RATIFY_SEND_RETRY": &c.SendRetry} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 2m", name, v))
			} else {
				*dst = d
			}
		}
	}
	if err := errors.Join(append(errs, c.Validate())...); err != nil {
		return c, err
	}
	return c, nil
}

// Validate checks every field and reports all problems at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("RATIFY_ADDR", "%q is not host:port, such as 127.0.0.1:8080", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("RATIFY_ADDR", "port %q is not a number from 0 to 65535", port)
	}
	if c.DataDir == "" {
		bad("RATIFY_DATA_DIR", "must not be empty")
	}
	if u := c.DatabaseURL; u != "" && !strings.HasPrefix(u, "sqlite:") &&
		!strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		bad("RATIFY_DATABASE_URL", "must be empty (SQLite in the data folder), sqlite:PATH or postgres://user:pass@host/db")
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		bad("RATIFY_SECRET", "is %d bytes; use at least 32 random bytes (openssl rand -base64 48), or leave it unset to generate one", len(c.Secret))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("RATIFY_BASE_URL", "%q is not an http(s) URL such as https://ratify.example.org", c.BaseURL)
		}
	}
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		bad("RATIFY_ADMIN_EMAIL", "%q is not an email address", c.AdminEmail)
	}
	if c.AdminPassword != "" && c.AdminEmail == "" {
		bad("RATIFY_ADMIN_PASSWORD", "is set but RATIFY_ADMIN_EMAIL is not")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("RATIFY_LOG_FORMAT", "%q must be text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("RATIFY_LOG_LEVEL", "%q must be debug, info, warn or error", c.LogLevel)
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				bad("RATIFY_TRUSTED_PROXIES", "%q is not an IP address or CIDR range", p)
			}
		}
	}
	if c.SessionTTL < 5*time.Minute || c.SessionTTL > 30*24*time.Hour {
		bad("RATIFY_SESSION_TTL", "%s must be between 5m and 720h", c.SessionTTL)
	}
	if c.SMTPURL != "" && !strings.HasPrefix(c.SMTPURL, "smtp://") && !strings.HasPrefix(c.SMTPURL, "smtps://") {
		bad("RATIFY_SMTP_URL", "must be smtp://user:password@host:587 (STARTTLS), smtps://… (TLS) or smtp://host:1025?tls=none (local test server)")
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			bad("RATIFY_MAIL_FROM", "%q is not an address such as \"Coalition <campaigns@example.org>\"", c.MailFrom)
		}
	}
	if c.SMTPConnections < 1 || c.SMTPConnections > 50 {
		bad("RATIFY_SMTP_CONNECTIONS", "%d must be from 1 to 50", c.SMTPConnections)
	}
	if c.SMTPRate < 0 || c.SMTPRate > 100000 {
		bad("RATIFY_SMTP_RATE", "%g must be from 0 (unlimited) to 100000 messages per second", c.SMTPRate)
	}
	if c.SendLease < 5*time.Second || c.SendLease > time.Hour {
		bad("RATIFY_SEND_LEASE", "%s must be between 5s and 1h", c.SendLease)
	}
	if c.SendRetry < time.Second || c.SendRetry > 24*time.Hour {
		bad("RATIFY_SEND_RETRY", "%s must be between 1s and 24h", c.SendRetry)
	}
	return errors.Join(errs...)
}

// PublicURL is the base for links in pages and emails.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// SecureCookies reports whether cookies should carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
