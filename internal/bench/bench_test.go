package bench_test

// The page benchmarks: the real router (server.New over service.New over a
// real store, wired as internal/server/harness_test.go wires it) behind a real
// loopback HTTP server (httptest.NewServer), over a fresh migrated database
// seeded by a data set's loaders. Each target is requested `samples` times
// after a warm-up, and each request is followed by one run of the target's
// raw SQL baseline on the same pool, so both series see the same noise.
//
// Run (seeding takes seconds; nothing here runs without -bench):
//
//	RATIFY_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./internal/bench -run '^$' -bench . -benchtime 1x -count 1
//	RATIFY_BENCH_SQLITE=1 go test ./internal/bench -run '^$' -bench . -benchtime 1x -count 1
//
// Settings: RATIFY_BENCH_SAMPLES (default 300), RATIFY_BENCH_WARMUP (default
// 30), RATIFY_BENCH_OUT (append each summary line, as JSON, to this file),
// RATIFY_BENCH_DATASET / RATIFY_BENCH_TARGET (run only names containing this),
// RATIFY_BENCH_EXPLAIN=1 (log the plan of every baseline query).
//
// To extend: add loaders to a Dataset (or a new Dataset) in datasets_test.go,
// and Targets with their raw-SQL baselines in targets_test.go.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/bench"
	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// Budget is issue 3's bar: p95 of every target at most 20 ms. It is reported,
// never asserted: time is not a pass/fail criterion of a test run.
const Budget = 20 * time.Millisecond

const benchPassword = "bench password that is long"

// Fixture is one seeded database with the application running over it.
// Loaders and targets get it; loaders publish facts targets need in Vars.
type Fixture struct {
	Dialect string
	Store   *store.Store
	DB      *sql.DB // the store's own pool: the raw baseline runs on it
	Svc     *service.Service
	Org     *model.Organisation
	User    *model.User // the signed-in reader
	URL     string      // base URL of the loopback server
	Client  *http.Client
	Token   string
	Vars    map[string]string
}

// Rebind turns ? placeholders into $1… on PostgreSQL.
func (f *Fixture) Rebind(q string) string {
	if f.Dialect != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Var returns a fact a loader published; a missing one is a broken data set.
func (f *Fixture) Var(tb testing.TB, k string) string {
	tb.Helper()
	v, ok := f.Vars[k]
	if !ok {
		tb.Fatalf("no loader set %q", k)
	}
	return v
}

func dialects(b *testing.B) []string {
	var out []string
	if os.Getenv(dbtest.EnvURL) != "" {
		out = append(out, store.Postgres)
	}
	if os.Getenv("RATIFY_BENCH_SQLITE") == "1" {
		out = append(out, store.SQLite)
	}
	if len(out) == 0 {
		b.Skip("page benchmarks need a database: set " + dbtest.EnvURL +
			" (PostgreSQL) and/or RATIFY_BENCH_SQLITE=1 (the embedded default)")
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

func selected(envName, name string) bool {
	want := os.Getenv(envName)
	return want == "" || strings.Contains(name, want)
}

// BenchmarkPages seeds each data set once per dialect and measures every
// target over it: BenchmarkPages/<dialect>/<dataset>/<target>.
func BenchmarkPages(b *testing.B) {
	for _, d := range dialects(b) {
		b.Run(d, func(b *testing.B) {
			for _, ds := range Datasets {
				if !selected("RATIFY_BENCH_DATASET", ds.Name) || (len(ds.Dialects) > 0 && !slices.Contains(ds.Dialects, d)) {
					continue
				}
				b.Run(ds.Name, func(b *testing.B) {
					f := setup(b, d, ds)
					for _, tg := range Targets {
						if !selected("RATIFY_BENCH_TARGET", tg.Name) {
							continue
						}
						if missing := tg.missing(f); missing != "" {
							b.Logf("%s: skipped: the data set has no %s", tg.Name, missing)
							continue
						}
						b.Run(tg.Name, func(b *testing.B) {
							if tg.Load != nil {
								measureLoad(b, f, ds, tg)
								return
							}
							measure(b, f, ds, tg)
						})
					}
				})
			}
		})
	}
}

// setup opens a fresh migrated database, wires the application over it,
// signs a reader in, and runs the data set's loaders.
func setup(b *testing.B, dialect string, ds Dataset) *Fixture {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	st := dbtest.Open(b, dialect)
	db, err := st.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tokens, err := auth.NewTokens([]byte("bench-secret-that-is-at-least-32-bytes-long"), 24*time.Hour, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(service.Deps{Store: st, Hasher: auth.NewHasher(2), Tokens: tokens, Log: quiet})
	h, err := server.New(svc, server.Options{PublicURL: "http://ratify.test", Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	f := &Fixture{Dialect: dialect, Store: st, DB: db, Svc: svc, URL: srv.URL, Vars: map[string]string{},
		Client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	f.Org, err = svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Bench Coalition Member", ShortName: "BENCH", Kind: model.OrgNGO})
	if err != nil {
		b.Fatal(err)
	}
	f.User, _, err = svc.CreateUserCLI(ctx, service.NewUser{Email: "reader@bench.test", Name: "Bench Reader", Role: model.RoleMember, Password: benchPassword}, "BENCH")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range ds.Loaders {
		t0 := time.Now()
		if err := l.Load(ctx, f); err != nil {
			b.Fatalf("loader %s: %v", l.Name, err)
		}
		b.Logf("%s/%s: loader %s took %s", dialect, ds.Name, l.Name, time.Since(t0).Round(time.Millisecond))
		// Benchmark logs appear only at the end; say at once how seeding goes.
		fmt.Fprintf(os.Stderr, "bench: %s/%s: loader %s took %s\n", dialect, ds.Name, l.Name, time.Since(t0).Round(time.Millisecond))
	}
	if dialect == store.Postgres {
		// A live server's autovacuum vacuums and analyzes a table after such
		// a load (after inserts too, since PostgreSQL 13); do it now, on this
		// schema's tables only, so the plans (and the visibility map that
		// index-only scans need) are the steady-state ones.
		var tables []string
		if err := queryCol(ctx, db, "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()", &tables); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(tables, ", ")); err != nil {
			b.Fatal(err)
		}
	}
	f.Token = login(b, f)
	b.Logf("%s/%s: seeded in %s", dialect, ds.Name, time.Since(start).Round(time.Millisecond))
	return f
}

func login(b *testing.B, f *Fixture) string {
	b.Helper()
	body, _ := json.Marshal(map[string]string{"email": f.User.Email, "password": benchPassword})
	res, err := f.Client.Post(f.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&out) != nil || out.Token == "" {
		b.Fatalf("login: status %d", res.StatusCode)
	}
	return out.Token
}

// get sends one request as the signed-in reader: the session cookie for a
// page, the Bearer header for the API, as a browser and a client would.
func get(f *Fixture, tg Target, path string, buf *bytes.Buffer) (int, error) {
	req, err := http.NewRequest(http.MethodGet, f.URL+path, nil)
	if err != nil {
		return 0, err
	}
	if tg.API {
		req.Header.Set("Authorization", "Bearer "+f.Token)
		req.Header.Set("Accept", "application/json")
	} else {
		req.AddCookie(&http.Cookie{Name: "ratify_session", Value: f.Token})
		req.Header.Set("Accept", "text/html")
	}
	res, err := f.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(res.Body)
	return res.StatusCode, err
}

// runRaw runs a baseline's queries one after the other, reading every row
// and column as the driver hands it over, and returns the rows read.
func runRaw(ctx context.Context, f *Fixture, qs []RawQuery) (int, error) {
	total := 0
	for _, q := range qs {
		var args []any
		if q.Args != nil {
			args = q.Args(f)
		}
		rows, err := f.DB.QueryContext(ctx, f.Rebind(q.SQL), args...)
		if err != nil {
			return total, fmt.Errorf("%s: %w", q.Name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return total, err
		}
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return total, fmt.Errorf("%s: %w", q.Name, err)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return total, fmt.Errorf("%s: %w", q.Name, err)
		}
		rows.Close()
		if n == 0 && !q.MayBeEmpty {
			return total, fmt.Errorf("%s: no rows: the baseline reads nothing", q.Name)
		}
		total += n
	}
	return total, nil
}

// explain logs the plan of each baseline query (RATIFY_BENCH_EXPLAIN=1).
func explain(ctx context.Context, b *testing.B, f *Fixture, qs []RawQuery) {
	prefix := "EXPLAIN QUERY PLAN "
	if f.Dialect == store.Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	for _, q := range qs {
		var args []any
		if q.Args != nil {
			args = q.Args(f)
		}
		rows, err := f.DB.QueryContext(ctx, f.Rebind(prefix+q.SQL), args...)
		if err != nil {
			b.Fatalf("explain %s: %v", q.Name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var plan []string
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				b.Fatalf("explain %s: %v", q.Name, err)
			}
			var line []string
			for _, v := range vals {
				line = append(line, v.String)
			}
			plan = append(plan, strings.Join(line, " "))
		}
		rows.Close()
		// To stderr: a benchmark's own log keeps only its first lines.
		fmt.Fprintf(os.Stderr, "bench: %s/%s: plan of %s:\n%s\n", f.Dialect, b.Name(), q.Name, strings.Join(plan, "\n"))
	}
}

// measure requests the target and runs its baseline, interleaved, recording
// each latency; figures go to b.ReportMetric and one summary line.
func measure(b *testing.B, f *Fixture, ds Dataset, tg Target) {
	ctx := context.Background()
	samples, warmup := envInt("RATIFY_BENCH_SAMPLES", 300), envInt("RATIFY_BENCH_WARMUP", 30)
	if samples < 1 {
		samples = 1
	}
	path := tg.Path(b, f)
	var buf bytes.Buffer

	// Functional check once, outside the timing: a wrong answer is a failure.
	status, err := get(f, tg, path, &buf)
	if err != nil {
		b.Fatalf("GET %s: %v", path, err)
	}
	if status != http.StatusOK {
		b.Fatalf("GET %s: status %d: %.300s", path, status, buf.String())
	}
	if tg.Check != nil {
		if err := tg.Check(f, buf.Bytes()); err != nil {
			b.Fatalf("GET %s: %v", path, err)
		}
	}
	size := buf.Len()
	if _, err := runRaw(ctx, f, tg.Raw); err != nil {
		b.Fatalf("baseline: %v", err)
	}
	if os.Getenv("RATIFY_BENCH_EXPLAIN") == "1" {
		explain(ctx, b, f, tg.Raw)
	}

	var app, raw []time.Duration
	b.ResetTimer()
	for range b.N {
		for i := 0; i < warmup+samples; i++ {
			t0 := time.Now()
			status, err := get(f, tg, path, &buf)
			d := time.Since(t0)
			if err != nil || status != http.StatusOK {
				b.Fatalf("GET %s: status %d, %v", path, status, err)
			}
			t0 = time.Now()
			if _, err := runRaw(ctx, f, tg.Raw); err != nil {
				b.Fatalf("baseline: %v", err)
			}
			r := time.Since(t0)
			if i >= warmup {
				app, raw = append(app, d), append(raw, r)
			}
		}
	}
	b.StopTimer()

	as, rs := bench.Summarize(app), bench.Summarize(raw)
	res := bench.NewResult(f.Dialect, ds.Name, tg.Name, path, size, as, rs, budget(ds, tg))
	b.ReportMetric(0, "ns/op") // one op is a whole series; the percentiles are the figures
	b.ReportMetric(res.AppP50, "app-p50-ms")
	b.ReportMetric(res.AppP95, "app-p95-ms")
	b.ReportMetric(res.AppP99, "app-p99-ms")
	b.ReportMetric(res.RawP50, "raw-p50-ms")
	b.ReportMetric(res.RawP95, "raw-p95-ms")
	b.ReportMetric(res.RawP99, "raw-p99-ms")
	b.ReportMetric(res.RatioP95, "ratio-p95")
	report(b, res.Line())
}

// budget is the p95 bar of a target over a data set: the target's own, else
// the data set's, else issue 3's Budget.
func budget(ds Dataset, tg Target) time.Duration {
	switch {
	case tg.Budget > 0:
		return tg.Budget
	case ds.Budget > 0:
		return ds.Budget
	}
	return Budget
}

// report prints one summary line and appends its JSON to RATIFY_BENCH_OUT.
// It goes to stdout at once: a benchmark's own log keeps only its first
// lines, and the plans (RATIFY_BENCH_EXPLAIN) would push it out.
func report(b *testing.B, line string) {
	fmt.Println(line)
	if out := os.Getenv("RATIFY_BENCH_OUT"); out != "" {
		fh, err := os.OpenFile(out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		_, err = fmt.Fprintln(fh, strings.TrimPrefix(line, bench.LinePrefix))
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
