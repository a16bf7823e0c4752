// Package dbtest opens fresh, migrated test databases: a SQLite file always,
// and a PostgreSQL schema too when RATIFY_TEST_DATABASE_URL is set. Each is
// dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup

	"ratify/internal/store"
)

// EnvURL names the variable that turns on the PostgreSQL runs.
const EnvURL = "RATIFY_TEST_DATABASE_URL"

// Dialects lists the dialects this run tests: sqlite, and postgres when configured.
func Dialects() []string {
	if os.Getenv(EnvURL) != "" {
		return []string{store.SQLite, store.Postgres}
	}
	return []string{store.SQLite}
}

// Each runs fn once per dialect as a subtest, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated store of the dialect, removed at cleanup.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	st := OpenEmpty(t, dialect)
	if _, err := st.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	return st
}

// OpenEmpty returns an unmigrated store of the dialect, removed at cleanup.
func OpenEmpty(t testing.TB, dialect string) *store.Store {
	t.Helper()
	target := Target(t, dialect)
	st, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Target makes a fresh database location: a temp SQLite file, or a new
// PostgreSQL schema reached through search_path, dropped at cleanup.
func Target(t testing.TB, dialect string) store.Target {
	t.Helper()
	if dialect == store.SQLite {
		tg, err := store.ParseURL("sqlite:"+filepath.Join(t.TempDir(), "test.db"), "")
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip(EnvURL + " is not set")
	}
	schema := "t_" + randomHex(8)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	// Extensions belong to the database, not the schema: keep pg_trgm in
	// public, shared by every test schema, so dropping one schema keeps it.
	if _, err := admin.Exec("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil {
		var n int
		if qerr := admin.QueryRow("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'").Scan(&n); qerr != nil || n == 0 {
			admin.Close()
			t.Fatalf("pg_trgm: %v", err)
		}
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	tg, err := store.ParseURL(u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// URL returns a RATIFY_DATABASE_URL for the target, for tests that start the binary.
func URL(tg store.Target) string {
	if tg.Dialect == store.SQLite {
		return "sqlite:" + tg.Path
	}
	return tg.DSN
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("random: %v", err))
	}
	return hex.EncodeToString(b)
}
