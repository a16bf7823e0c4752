package bench_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// Loader adds data to a freshly migrated database (the reference data, the
// BENCH organisation and its signed-in reader are already there).
type Loader struct {
	Name string
	Load func(ctx context.Context, f *Fixture) error
}

// Dataset is a named list of loaders run in order; every target is measured
// over every data set. A later issue appends its own loaders (contacts,
// outreach, campaign recipients…) to a new data set that starts with these,
// so the countries figures are taken again with that data loaded:
//
//	{Name: "issue7", Loaders: append(slices.Clone(issue3Loaders), Contacts(200_000))}
type Dataset struct {
	Name    string
	Loaders []Loader
	// Dialects limits the data set to these dialects; empty is every one.
	Dialects []string
	// Budget is the p95 bar reported for its targets; zero is Budget.
	Budget time.Duration
}

// issue3Loaders is issue 3's measure: 100,000 ratification events.
var issue3Loaders = []Loader{
	CampaignFields(3),
	RatificationEvents(100_000, "PHL", 0.10),
}

// Datasets lists what the benchmarks seed, one fresh database each.
var Datasets = append([]Dataset{
	{Name: "events100k", Loaders: issue3Loaders},
}, issue4Datasets...)

// CampaignFields gives every nth state a priority, a stage, a focal
// organisation and person and a next step, so the table's joins have work.
func CampaignFields(every int) Loader {
	return Loader{Name: fmt.Sprintf("campaign-fields(1/%d)", every), Load: func(ctx context.Context, f *Fixture) error {
		var stages []int64
		if err := queryCol(ctx, f.DB, "SELECT id FROM campaign_stages ORDER BY position", &stages); err != nil {
			return err
		}
		var isos []string
		if err := queryCol(ctx, f.DB, "SELECT iso3 FROM countries ORDER BY iso3", &isos); err != nil {
			return err
		}
		tx, err := f.DB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		q := f.Rebind(`UPDATE countries SET priority = ?, stage_id = ?, focal_organisation_id = ?, focal_user_id = ?,
			next_step = ?, next_step_date = ?, updated_by_id = ?, updated_at = ? WHERE iso3 = ?`)
		now := time.Now().UTC()
		for i := 0; i < len(isos); i += every {
			_, err := tx.ExecContext(ctx, q, model.Priorities[i%3], stages[i%len(stages)], f.Org.ID, f.User.ID,
				"Brief the permanent mission before the next session", now.AddDate(0, 0, i%60), f.User.ID, now, isos[i])
			if err != nil {
				return fmt.Errorf("country %s: %w", isos[i], err)
			}
		}
		return tx.Commit()
	}}
}

// RatificationEvents appends n timeline events: share of them to the state
// heavy (the dossier target reads it), the rest evenly over the other states,
// on random instruments, at random times from 1990 on, three in four by one
// of five coordinators (the rest "reference data", no actor). Rows go in in
// time order, as a live system writes them. Publishes heavy_iso3.
func RatificationEvents(n int, heavy string, share float64) Loader {
	return Loader{Name: fmt.Sprintf("ratification-events(%d, %s %.0f%%)", n, heavy, share*100), Load: func(ctx context.Context, f *Fixture) error {
		var actors []int64
		for i := range 5 {
			u, _, err := f.Svc.CreateUserCLI(ctx, service.NewUser{Email: fmt.Sprintf("coordinator%d@bench.test", i),
				Name: fmt.Sprintf("Coordinator %d", i), Role: model.RoleCoordinator, Password: benchPassword}, f.Org.ShortName)
			if err != nil {
				return err
			}
			actors = append(actors, u.ID)
		}
		var isos, insts []string
		if err := queryCol(ctx, f.DB, "SELECT iso3 FROM countries ORDER BY iso3", &isos); err != nil {
			return err
		}
		if err := queryCol(ctx, f.DB, "SELECT code FROM instruments ORDER BY position", &insts); err != nil {
			return err
		}
		if !slices.Contains(isos, heavy) {
			return fmt.Errorf("no state %s", heavy)
		}
		others := slices.DeleteFunc(slices.Clone(isos), func(s string) bool { return s == heavy })
		rng := rand.New(rand.NewPCG(3, 2026))
		from := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
		span := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Sub(from)
		heavyN := int(float64(n) * share)
		rows := make([][]any, n)
		for i := range rows {
			iso := heavy
			if i >= heavyN {
				iso = others[(i-heavyN)%len(others)]
			}
			var actor any
			if i%4 != 0 {
				actor = actors[i%len(actors)]
			}
			fs := model.Statuses[rng.IntN(len(model.Statuses))]
			ts := model.Statuses[(slices.Index(model.Statuses, fs)+1+rng.IntN(len(model.Statuses)-1))%len(model.Statuses)]
			note := ""
			if i%5 == 0 {
				note = fmt.Sprintf("Bench note %d: confirmed with the permanent mission.", i)
			}
			rows[i] = []any{iso, insts[rng.IntN(len(insts))], from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second),
				actor, string(fs), string(ts), fmt.Sprintf("status: %s → %s", fs.Label(), ts.Label()),
				"https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&bench=" + strconv.Itoa(i), note}
		}
		slices.SortStableFunc(rows, func(a, b []any) int { return a[2].(time.Time).Compare(b[2].(time.Time)) })
		f.Vars["heavy_iso3"] = heavy
		return BulkInsert(ctx, f, "ratification_events",
			[]string{"country_iso3", "instrument_code", "at", "actor_id", "from_status", "to_status", "changes", "source", "note"}, rows)
	}}
}

// BulkInsert writes rows fast: COPY on PostgreSQL, multi-row INSERTs in one
// transaction on SQLite. Values are Go values (nil is NULL).
func BulkInsert(ctx context.Context, f *Fixture, table string, cols []string, rows [][]any) error {
	return bulkInsert(ctx, f, table, cols, rows, false)
}

// BulkInsertLinks is BulkInsert for rows consistent by construction (link
// tables): on PostgreSQL the COPY skips the per-row foreign-key checks,
// which made a COPY of a million link rows take many minutes. It skips every
// other trigger too, so it is not for tables that triggers keep counts of.
func BulkInsertLinks(ctx context.Context, f *Fixture, table string, cols []string, rows [][]any) error {
	return bulkInsert(ctx, f, table, cols, rows, true)
}

func bulkInsert(ctx context.Context, f *Fixture, table string, cols []string, rows [][]any, trusted bool) error {
	if f.Dialect == store.Postgres {
		conn, err := f.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("not a pgx connection: %T", dc)
			}
			if trusted {
				// Needs a superuser; without one, the checks stay.
				if _, err := pc.Conn().Exec(ctx, "SET session_replication_role = replica"); err == nil {
					defer func() { _, _ = pc.Conn().Exec(ctx, "RESET session_replication_role") }()
				}
			}
			n, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			if err == nil && n != int64(len(rows)) {
				err = fmt.Errorf("copied %d of %d rows", n, len(rows))
			}
			return err
		})
	}
	// About 1,000 values a statement: the driver binds a statement in time
	// quadratic in its values (see store.insertBatch).
	per := max(1, 1000/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	tx, err := f.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range batch {
			args = append(args, r...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(tuple+",", len(batch)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return tx.Commit()
}

func queryCol[T any](ctx context.Context, db *sql.DB, q string, out *[]T, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		*out = append(*out, v)
	}
	return rows.Err()
}
