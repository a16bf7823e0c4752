package sender_test

import (
	"context"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// TestClaimBatch: a claim leases due rows and brings each contact's merge
// data, a contact with two current posts coming once with both (an ended
// post left out); a paused campaign has nothing to claim, and a claim goes
// on from where the last one stopped.
func TestClaimBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newETEnv(t, st, nil)
		ids := e.contacts(4, "SEN", "sen")
		now := time.Now().UTC()
		inst := model.Institution{CountryISO3: "SEN", Kind: model.InstParliament, Name: "Assemblée nationale", CreatedAt: now, UpdatedAt: now}
		if err := st.SaveInstitution(ctx, &inst); err != nil {
			t.Fatal(err)
		}
		ended := now.AddDate(-1, 0, 0)
		for _, p := range []model.Position{
			{ContactID: ids[0], InstitutionID: inst.ID, Title: "Deputy", CreatedAt: now},
			{ContactID: ids[0], InstitutionID: inst.ID, Title: "Chair, Labour Committee", CreatedAt: now},
			{ContactID: ids[0], InstitutionID: inst.ID, Title: "Former whip", EndDate: &ended, CreatedAt: now},
			{ContactID: ids[1], InstitutionID: inst.ID, Title: "Clerk", CreatedAt: now},
		} {
			if err := st.AddPosition(ctx, &p); err != nil {
				t.Fatal(err)
			}
		}
		id := e.campaign("Claims", e.template(), "SEN")
		e.start(id, nil)
		lease := now.Add(time.Minute)

		rows, contacts, err := st.ClaimBatch(ctx, id, 0, 3, now, lease)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || len(contacts) != 3 {
			t.Fatalf("claimed %d rows with %d contacts, want 3 and 3", len(rows), len(contacts))
		}
		for i, r := range rows {
			if r.State != model.RecipientSending || r.Attempts != 1 || r.LeaseUntil == nil || r.ContactID != ids[i] || r.Email == "" || r.MessageID == "" {
				t.Errorf("row %d: %+v", i, r)
			}
			if c := contacts[r.ContactID]; c == nil || c.LastName == "" || c.CountryISO3 == nil || *c.CountryISO3 != "SEN" {
				t.Errorf("contact of row %d: %+v", i, c)
			}
		}
		if ps := contacts[ids[0]].Positions; len(ps) != 2 || ps[0].Title != "Deputy" || ps[1].Title != "Chair, Labour Committee" ||
			ps[0].Institution == nil || ps[0].Institution.Name != "Assemblée nationale" {
			t.Errorf("posts of the contact with two: %+v", ps)
		}
		if ps := contacts[ids[1]].Positions; len(ps) != 1 || ps[0].Title != "Clerk" {
			t.Errorf("posts of the contact with one: %+v", ps)
		}
		if ps := contacts[ids[2]].Positions; len(ps) != 0 {
			t.Errorf("posts of the contact with none: %+v", ps)
		}

		e.change(id, "pause")
		if rows, _, err := st.ClaimBatch(ctx, id, 0, 3, now, lease); err != nil || len(rows) != 0 {
			t.Fatalf("a paused campaign gave %d rows (%v)", len(rows), err)
		}
		e.change(id, "resume")
		rows, contacts, err = st.ClaimBatch(ctx, id, rows[len(rows)-1].ID, 3, now, lease)
		if err != nil || len(rows) != 1 || rows[0].ContactID != ids[3] || contacts[ids[3]] == nil {
			t.Fatalf("after the resume: %+v, %v", rows, err)
		}
	})
}
