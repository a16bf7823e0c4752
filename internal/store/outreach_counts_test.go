package store_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// The dashboard's outreach per month reads counts kept by triggers
// (migration 00008). Whatever happens to the records, the counts must equal
// a count of the records themselves (OutreachPerMonth reads the rows), for
// every viewer.
func TestOutreachMonthCountsFollowTheRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		var orgs [2]int64
		var users [2]int64
		for i, short := range []string{"AAA", "BBB"} {
			o := model.Organisation{Name: short + " org", ShortName: short, Kind: model.OrgNGO, CreatedAt: now, UpdatedAt: now}
			if err := st.CreateOrganisation(ctx, &o); err != nil {
				t.Fatal(err)
			}
			u := model.User{Email: short + "@example.org", Name: short, PasswordHash: "x", Role: model.RoleMember,
				OrganisationID: o.ID, Active: true, TokenVersion: 1, CreatedAt: now, UpdatedAt: now}
			if err := st.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
			orgs[i], users[i] = o.ID, u.ID
		}
		day := func(monthsAgo, d int) time.Time {
			return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -monthsAgo, d)
		}
		phl := "PHL"
		rec := func(org int, vis model.Visibility, date time.Time) model.Outreach {
			return model.Outreach{Type: model.OutreachMeeting, Date: date, CountryISO3: &phl, Summary: "s", Outcome: model.Outcomes[0],
				Visibility: vis, OrganisationID: orgs[org], UserID: users[org], CreatedAt: now, UpdatedAt: now}
		}
		from := day(11, 0)
		check := func(step string) {
			t.Helper()
			for _, org := range orgs {
				want, err := st.OutreachPerMonth(ctx, org, from)
				if err != nil {
					t.Fatal(err)
				}
				got, err := st.CountOutreachByMonth(ctx, org, from)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, want) {
					t.Fatalf("%s: viewer %d: counts %v, records say %v", step, org, got, want)
				}
			}
		}

		// One by one, and in a batch (one statement for many rows).
		a, b := rec(0, model.VisibleCoalition, day(0, 2)), rec(1, model.VisibleOrganisation, day(1, 5))
		for _, o := range []*model.Outreach{&a, &b} {
			if err := st.SaveOutreach(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		batch := []model.Outreach{rec(0, model.VisibleOrganisation, day(2, 0)), rec(1, model.VisibleCoalition, day(2, 27)),
			rec(1, model.VisibleCoalition, day(13, 0)), rec(0, model.VisibleCoalition, day(0, 0))}
		if err := st.CreateOutreachBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		check("after inserts")
		if n, _ := st.CountOutreachByMonth(ctx, orgs[0], from); n[day(2, 0).Format("2006-01")] != 2 {
			t.Fatalf("AAA sees %v: want its private record and BBB's public one two months ago", n)
		}

		// An edit that moves a record to another month and makes it private.
		a.Date, a.Visibility = day(3, 10), model.VisibleOrganisation
		if err := st.SaveOutreach(ctx, &a); err != nil {
			t.Fatal(err)
		}
		check("after an edit")
		// An edit that changes nothing counted.
		b.Summary = "changed"
		if err := st.SaveOutreach(ctx, &b); err != nil {
			t.Fatal(err)
		}
		check("after a summary edit")
		// A deleted record stops counting.
		if err := st.DeleteOutreach(ctx, b.ID, now); err != nil {
			t.Fatal(err)
		}
		check("after a delete")
		// A record removed from the table (an erased organisation's, say).
		db, err := st.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM outreach_instruments WHERE outreach_id = "+strconv.FormatInt(batch[1].ID, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM outreach WHERE id IN ("+strconv.FormatInt(batch[1].ID, 10)+", "+strconv.FormatInt(b.ID, 10)+")"); err != nil {
			t.Fatal(err)
		}
		check("after a hard delete")

		// Folding keeps the counts and leaves one row per month,
		// organisation and visibility, without the ones that add up to 0.
		if err := st.FoldOutreachCounts(ctx); err != nil {
			t.Fatal(err)
		}
		check("after a fold")
		var rows, keys int
		if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT month || '/' || organisation_id || '/' || visibility) FROM outreach_month_counts`).Scan(&rows, &keys); err != nil {
			t.Fatal(err)
		}
		var zero int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outreach_month_counts WHERE n = 0`).Scan(&zero); err != nil {
			t.Fatal(err)
		}
		if rows != keys || (st.Dialect() == store.Postgres && zero != 0) {
			t.Errorf("after a fold: %d rows for %d keys, %d of them 0", rows, keys, zero)
		}
		if err := st.CreateOutreachBatch(ctx, []model.Outreach{rec(0, model.VisibleCoalition, day(2, 3))}); err != nil {
			t.Fatal(err)
		}
		check("after an insert past a fold")
	})
}
