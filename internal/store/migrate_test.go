package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
	"ratify/migrations"
)

// gooseTable is goose's bookkeeping table; it is not part of our schema.
const gooseTable = "goose_db_version"

// sourceVersions reads the version numbers of a dialect's migration files.
func sourceVersions(t *testing.T, dialect string) []int64 {
	t.Helper()
	fsys, err := migrations.SQL(dialect)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, n := range names {
		prefix, _, ok := strings.Cut(n, "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if !ok || err != nil {
			t.Fatalf("%s/%s: name does not start with a version number", dialect, n)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	if len(out) == 0 {
		t.Fatalf("no %s migrations", dialect)
	}
	return out
}

func TestMigrationVersionsMatchAcrossDialects(t *testing.T) {
	pg, lite := sourceVersions(t, store.Postgres), sourceVersions(t, store.SQLite)
	if !slices.Equal(pg, lite) {
		t.Fatalf("migration versions differ:\npostgres %v\nsqlite   %v", pg, lite)
	}
}

// knownVersions lists every migration this build knows (SQL files and Go
// migrations alike), oldest first.
func knownVersions(t *testing.T, st *store.Store) []int64 {
	t.Helper()
	list, err := st.MigrationStatus(context.Background())
	if err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	var out []int64
	for _, m := range list {
		out = append(out, m.Source.Version)
	}
	slices.Sort(out)
	if len(out) == 0 {
		t.Fatal("no migrations")
	}
	return out
}

func sqlDB(t *testing.T, st *store.Store) *sql.DB {
	t.Helper()
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// tables lists our tables in the store's database (the current schema on
// PostgreSQL), without goose's and SQLite's own.
func tables(t *testing.T, st *store.Store) []string {
	t.Helper()
	db := sqlDB(t, st)
	var q string
	if st.Dialect() == store.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> '` + gooseTable + `'`
	} else {
		q = `SELECT table_name FROM information_schema.tables
		     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '` + gooseTable + `'`
	}
	return queryStrings(t, db, q)
}

func wantState(t *testing.T, st *store.Store, want store.MigrationState) {
	t.Helper()
	got, err := st.Migrations(context.Background())
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}
	if got != want {
		t.Fatalf("Migrations() = %+v, want %+v", got, want)
	}
}

func TestMigrateUpDownUp(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			st := dbtest.OpenEmpty(t, dialect)
			versions := knownVersions(t, st)
			latest, n := versions[len(versions)-1], len(versions)
			for _, v := range sourceVersions(t, dialect) {
				if !slices.Contains(versions, v) {
					t.Fatalf("goose does not know migration %d of the %s folder (it knows %v)", v, dialect, versions)
				}
			}

			if got := tables(t, st); len(got) != 0 {
				t.Fatalf("fresh database has tables %v", got)
			}
			wantState(t, st, store.MigrationState{Current: 0, Latest: latest, Pending: n})

			applied, err := st.MigrateUp(ctx)
			if err != nil {
				t.Fatalf("MigrateUp: %v", err)
			}
			if applied != n {
				t.Fatalf("MigrateUp applied %d, want %d", applied, n)
			}
			full := tables(t, st)
			for _, want := range []string{"organisations", "users", "audit_log"} {
				if !slices.Contains(full, want) {
					t.Fatalf("after up, table %s is missing from %v", want, full)
				}
			}
			wantState(t, st, store.MigrationState{Current: latest, Latest: latest, Pending: 0})

			// Up again is a no-op.
			if applied, err := st.MigrateUp(ctx); err != nil || applied != 0 {
				t.Fatalf("second MigrateUp = %d, %v; want 0, nil", applied, err)
			}

			// One step down undoes the newest migration only.
			v, err := st.MigrateDown(ctx)
			if err != nil {
				t.Fatalf("MigrateDown: %v", err)
			}
			if v != latest {
				t.Fatalf("MigrateDown rolled back %d, want %d", v, latest)
			}
			prev := int64(0)
			if n > 1 {
				prev = versions[n-2]
			}
			wantState(t, st, store.MigrationState{Current: prev, Latest: latest, Pending: 1})
			if n == 1 && len(tables(t, st)) != 0 {
				t.Fatalf("after the only migration was rolled back, tables remain: %v", tables(t, st))
			}
			if applied, err := st.MigrateUp(ctx); err != nil || applied != 1 {
				t.Fatalf("MigrateUp after one down = %d, %v; want 1, nil", applied, err)
			}
			if got := tables(t, st); !slices.Equal(got, full) {
				t.Fatalf("after down and up, tables = %v, want %v", got, full)
			}

			// All the way down: every table goes.
			if err := st.MigrateReset(ctx); err != nil {
				t.Fatalf("MigrateReset: %v", err)
			}
			if got := tables(t, st); len(got) != 0 {
				t.Fatalf("after reset, tables remain: %v", got)
			}
			wantState(t, st, store.MigrationState{Current: 0, Latest: latest, Pending: n})

			// Nothing left to roll back is not an error.
			if v, err := st.MigrateDown(ctx); err != nil || v != 0 {
				t.Fatalf("MigrateDown at version 0 = %d, %v; want 0, nil", v, err)
			}

			// And up again rebuilds the same schema.
			if applied, err := st.MigrateUp(ctx); err != nil || applied != n {
				t.Fatalf("MigrateUp after reset = %d, %v; want %d, nil", applied, err, n)
			}
			if got := tables(t, st); !slices.Equal(got, full) {
				t.Fatalf("after reset and up, tables = %v, want %v", got, full)
			}
			wantState(t, st, store.MigrationState{Current: latest, Latest: latest, Pending: 0})
		})
	}
}

// TestMigrationsReportNewerSchema: a database migrated by a newer ratify shows
// Current > Latest, which serve uses to refuse to start.
func TestMigrationsReportNewerSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		versions := knownVersions(t, st)
		latest := versions[len(versions)-1]
		future := latest + 1000
		q := `INSERT INTO ` + gooseTable + ` (version_id, is_applied) VALUES (` + strconv.FormatInt(future, 10) + `, true)`
		if _, err := sqlDB(t, st).Exec(q); err != nil {
			t.Fatal(err)
		}
		got, err := st.Migrations(context.Background())
		if err != nil {
			t.Fatalf("Migrations: %v", err)
		}
		if got.Current != future || got.Latest != latest {
			t.Fatalf("Migrations() = %+v, want Current %d and Latest %d", got, future, latest)
		}
	})
}

// column is what the parity test compares for each column.
type column struct {
	Name     string
	Nullable bool
}

// schema is a dialect-neutral description: table → columns and index names.
type schema struct {
	Columns map[string][]column
	Indexes map[string][]string
}

func describeSchema(t *testing.T, st *store.Store) schema {
	t.Helper()
	db := sqlDB(t, st)
	s := schema{Columns: map[string][]column{}, Indexes: map[string][]string{}}
	for _, tbl := range tables(t, st) {
		if st.Dialect() == store.SQLite {
			s.Columns[tbl] = sqliteColumns(t, db, tbl)
			s.Indexes[tbl] = queryStrings(t, db,
				`SELECT name FROM pragma_index_list(?) WHERE name NOT LIKE 'sqlite\_autoindex\_%' ESCAPE '\'`, tbl)
		} else {
			s.Columns[tbl] = postgresColumns(t, db, tbl)
			s.Indexes[tbl] = queryStrings(t, db,
				`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname NOT LIKE '%\_pkey'`, tbl)
		}
		if s.Indexes[tbl] == nil {
			s.Indexes[tbl] = []string{}
		}
	}
	return s
}

func sqliteColumns(t *testing.T, db *sql.DB, tbl string) []column {
	t.Helper()
	rows, err := db.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, tbl)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type raw struct {
		name, typ   string
		notNull, pk int
	}
	var all []raw
	pkCols := 0
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.name, &r.typ, &r.notNull, &r.pk); err != nil {
			t.Fatal(err)
		}
		if r.pk > 0 {
			pkCols++
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var out []column
	for _, r := range all {
		// A lone INTEGER PRIMARY KEY is the rowid and can never be NULL. Any
		// other SQLite primary key column accepts NULL unless declared NOT
		// NULL, unlike PostgreSQL, so the test holds it to that.
		rowid := r.pk > 0 && pkCols == 1 && strings.EqualFold(r.typ, "INTEGER")
		out = append(out, column{Name: r.name, Nullable: r.notNull == 0 && !rowid})
	}
	slices.SortFunc(out, func(a, b column) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func postgresColumns(t *testing.T, db *sql.DB, tbl string) []column {
	t.Helper()
	rows, err := db.Query(`SELECT column_name, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, tbl)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var name, nullable string
		if err := rows.Scan(&name, &nullable); err != nil {
			t.Fatal(err)
		}
		out = append(out, column{Name: name, Nullable: nullable == "YES"})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b column) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// TestSchemaParity proves that both dialects' migrations build the same
// tables, columns (with nullability) and named indexes. It discovers the
// tables, so new migrations are covered without touching the test.
func TestSchemaParity(t *testing.T) {
	if os.Getenv(dbtest.EnvURL) == "" {
		t.Skip("schema parity needs PostgreSQL: set " + dbtest.EnvURL + " (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	lite := describeSchema(t, dbtest.Open(t, store.SQLite))
	pg := describeSchema(t, dbtest.Open(t, store.Postgres))

	if len(lite.Columns) == 0 {
		t.Fatal("the migrated SQLite database has no tables")
	}
	lt, pt := slices.Sorted(maps.Keys(lite.Columns)), slices.Sorted(maps.Keys(pg.Columns))
	if !slices.Equal(lt, pt) {
		t.Errorf("tables differ:\nsqlite   %v\npostgres %v", lt, pt)
	}
	for _, tbl := range lt {
		pcols, ok := pg.Columns[tbl]
		if !ok {
			continue
		}
		if !reflect.DeepEqual(lite.Columns[tbl], pcols) {
			t.Errorf("table %s: columns differ:\nsqlite   %+v\npostgres %+v", tbl, lite.Columns[tbl], pcols)
		}
		if !slices.Equal(lite.Indexes[tbl], pg.Indexes[tbl]) {
			t.Errorf("table %s: indexes differ:\nsqlite   %v\npostgres %v", tbl, lite.Indexes[tbl], pg.Indexes[tbl])
		}
	}
	t.Logf("compared %d tables: %v", len(lt), lt)
}
