package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

const (
	relCoordinator = "coordinator@demo.example.org"
	relSecret      = "reliability-test-secret-0123456789-abcdefghijklmnop"
	// relSeedEnv overrides the seed of the kill moments, to replay a failure.
	relSeedEnv = "RATIFY_RELIABILITY_SEED"
)

// relSetup is one installation under test: a data folder and a database
// (SQLite in the folder, or a fresh PostgreSQL schema).
type relSetup struct {
	t       *testing.T
	dialect string
	dataDir string
	dbURL   string
}

func newRelSetup(t *testing.T, dialect string) *relSetup {
	t.Helper()
	ratifyBinary(t) // skip in -short mode before any set-up
	r := &relSetup{t: t, dialect: dialect, dataDir: t.TempDir()}
	if dialect == store.Postgres {
		if os.Getenv(dbtest.EnvURL) == "" {
			t.Skip(dbtest.EnvURL + " is not set")
		}
		r.dbURL = dbtest.URL(dbtest.Target(t, store.Postgres))
	}
	return r
}

// vars is a fresh environment for one process (serve writes RATIFY_ADDR into it).
func (r *relSetup) vars(smtpURL string, extra map[string]string) map[string]string {
	v := map[string]string{
		"RATIFY_DATA_DIR":   r.dataDir,
		"RATIFY_SECRET":     relSecret,
		"RATIFY_SMTP_URL":   smtpURL,
		"RATIFY_MAIL_FROM":  "Coalition Campaigns <campaigns@example.org>",
		"RATIFY_SEND_LEASE": "5s",
		"RATIFY_SEND_RETRY": "1s",
	}
	if r.dbURL != "" {
		v["RATIFY_DATABASE_URL"] = r.dbURL
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// prepare migrates the database and adds the fictional demo contacts.
func (r *relSetup) prepare(contacts int) {
	r.t.Helper()
	r.run(2*time.Minute, "migrate", "up")
	out := r.run(3*time.Minute, "demo", "--contacts", strconv.Itoa(contacts), "--outreach", "0", "--followups", "0")
	if !strings.Contains(out, fmt.Sprintf("added %d contacts", contacts)) {
		r.t.Fatalf("ratify demo printed %q", out)
	}
}

// run runs a ratify command to completion and returns its standard output.
func (r *relSetup) run(within time.Duration, args ...string) string {
	r.t.Helper()
	p := start(r.t, r.vars("", nil), args...)
	if code := p.wait(within); code != 0 {
		r.t.Fatalf("ratify %s exited %d:\n%s", strings.Join(args, " "), code, p.stderr.String())
	}
	return p.stdout.String()
}

// recipientRow is one campaign_recipients row as the test reads it.
type recipientRow struct {
	ID         int64
	ContactID  int64
	Email      string
	MessageID  string
	State      string
	Ambiguous  bool
	Attempts   int
	LastReply  string
	SkipReason string
}

// rows reads a campaign's recipients straight from the database, by id.
func (r *relSetup) rows(campaignID int64) []recipientRow {
	r.t.Helper()
	st := r.openStore()
	defer st.Close()
	db, err := st.SQLDB()
	if err != nil {
		r.t.Fatal(err)
	}
	q := `SELECT id, contact_id, email, message_id, state, ambiguous, attempts, last_reply, skip_reason
		FROM campaign_recipients WHERE campaign_id = ` + r.placeholder() + ` ORDER BY id`
	res, err := db.Query(q, campaignID)
	if err != nil {
		r.t.Fatalf("read recipients: %v", err)
	}
	defer res.Close()
	var out []recipientRow
	for res.Next() {
		var x recipientRow
		if err := res.Scan(&x.ID, &x.ContactID, &x.Email, &x.MessageID, &x.State, &x.Ambiguous, &x.Attempts, &x.LastReply, &x.SkipReason); err != nil {
			r.t.Fatalf("scan recipient: %v", err)
		}
		out = append(out, x)
	}
	if err := res.Err(); err != nil {
		r.t.Fatalf("read recipients: %v", err)
	}
	return out
}

// campaignOutreach counts the timeline records the campaign wrote.
func (r *relSetup) campaignOutreach(campaignID int64) int {
	r.t.Helper()
	st := r.openStore()
	defer st.Close()
	db, err := st.SQLDB()
	if err != nil {
		r.t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM outreach WHERE campaign_id = `+r.placeholder(), campaignID).Scan(&n); err != nil {
		r.t.Fatalf("count outreach: %v", err)
	}
	return n
}

func (r *relSetup) openStore() *store.Store {
	r.t.Helper()
	tg, err := store.ParseURL(r.dbURL, r.dataDir)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, tg)
	if err != nil {
		r.t.Fatalf("open the test database: %v", err)
	}
	return st
}

func (r *relSetup) placeholder() string {
	if r.dialect == store.Postgres {
		return "$1"
	}
	return "?"
}
