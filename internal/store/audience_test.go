package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// An audience larger than a statement's parameter limit (65,535 on
// PostgreSQL, 32,766 on SQLite) comes back whole, each contact with its
// addresses in order: loading the addresses by binding every contact's id
// failed past the limit, so a campaign to every parliamentarian of a large
// installation could be neither previewed nor started. The contacts are
// written in a bulk transaction (COPY on PostgreSQL) as an import writes
// them, which this also holds to the same result as the plain inserts.
func TestAudienceBeyondTheParameterLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		org := model.Organisation{Name: "Org", ShortName: "ORG", Kind: model.OrgNGO, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrganisation(ctx, &org); err != nil {
			t.Fatal(err)
		}
		n := 66_000
		if st.Dialect() == store.SQLite {
			n = 33_000
		}
		ken, sen := "KEN", "SEN"
		cs := make([]model.Contact, n)
		for i := range cs {
			country := &ken
			if i%10 == 0 {
				country = &sen
			}
			cs[i] = model.Contact{FirstName: fmt.Sprint("p", i), LastName: "Member", Kind: model.ContactKinds[0], Stance: model.StanceUnknown,
				CountryISO3: country, OwnerOrganisationID: org.ID, SortName: fmt.Sprint("member p", i), CreatedAt: now, UpdatedAt: now,
				Emails: []model.ContactEmail{{Email: fmt.Sprintf("p%d@example.org", i)}, {Email: fmt.Sprintf("p%d@home.example", i), Label: "home"}}}
			if i%7 == 0 {
				cs[i].Emails = nil
			}
		}
		if err := st.WithBulkTx(ctx, func(ctx context.Context) error { return st.CreateContacts(ctx, cs) }); err != nil {
			t.Fatal(err)
		}
		got, err := st.AudienceContacts(ctx, store.AudienceFilter{Countries: []string{"KEN", "SEN"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d contacts in the audience, want %d", len(got), n)
		}
		for i, c := range got {
			if c.ID != cs[i].ID || c.FirstName != cs[i].FirstName || c.CountryISO3 == nil || *c.CountryISO3 != *cs[i].CountryISO3 {
				t.Fatalf("contact %d: %d %s %v, want %d %s %s", i, c.ID, c.FirstName, c.CountryISO3, cs[i].ID, cs[i].FirstName, *cs[i].CountryISO3)
			}
			want := 2
			if i%7 == 0 {
				want = 0
			}
			if len(c.Emails) != want || (want > 0 && (c.Emails[0].Email != fmt.Sprintf("p%d@example.org", i) || c.Emails[1].Label != "home")) {
				t.Fatalf("contact %d (%s): addresses %+v", i, c.FirstName, c.Emails)
			}
		}
		sen10, err := st.AudienceContacts(ctx, store.AudienceFilter{Countries: []string{"SEN"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(sen10) != (n+9)/10 {
			t.Errorf("%d contacts in Senegal, want %d", len(sen10), (n+9)/10)
		}
	})
}
