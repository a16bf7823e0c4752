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

// A text search reads the page and the number of matches in one query
// (searchContacts). Its pages and totals must be those of the plain list:
// the same order, the same total on every page, the total also past the
// last page, and the page's emails and tags loaded.
func TestContactSearchPagesAndTotals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		org := model.Organisation{Name: "Org", ShortName: "ORG", Kind: model.OrgNGO, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrganisation(ctx, &org); err != nil {
			t.Fatal(err)
		}
		var cs []model.Contact
		for i, last := range []string{"okafor", "banda", "okafor", "zulu", "adeyemi", "okafor", "mensah"} {
			first := fmt.Sprintf("ada%d", i)
			cs = append(cs, model.Contact{FirstName: first, LastName: last, Kind: model.ContactKinds[0], Stance: model.StanceUnknown,
				OwnerOrganisationID: org.ID, SearchText: first + " " + last + " parliament", SortName: last + " " + first,
				CreatedAt: now, UpdatedAt: now,
				Emails: []model.ContactEmail{{Email: first + "@example.org", Label: "work"}}, Tags: []model.ContactTag{{Tag: "t" + first}}})
		}
		if err := st.CreateContacts(ctx, cs); err != nil {
			t.Fatal(err)
		}
		list := func(words []string, page int) ([]string, int64) {
			t.Helper()
			got, total, err := st.ListContacts(ctx, store.ContactFilter{QueryWords: words, Page: model.Page{Number: page, PerPage: 2}})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				if len(c.Emails) != 1 || len(c.Tags) != 1 {
					t.Errorf("%s loaded without its email or tag: %+v %+v", c.SortName, c.Emails, c.Tags)
				}
				names = append(names, c.SortName)
			}
			return names, total
		}
		// "parliament" matches everyone: the search pages equal the plain list's.
		for page := 1; page <= 5; page++ {
			want, wantTotal := list(nil, page)
			got, total := list([]string{"parliament"}, page)
			if fmt.Sprint(got) != fmt.Sprint(want) || total != wantTotal || total != 7 {
				t.Errorf("page %d: search %v (%d), list %v (%d)", page, got, total, want, wantTotal)
			}
		}
		got, total := list([]string{"okafor"}, 2)
		if fmt.Sprint(got) != "[okafor ada5]" || total != 3 {
			t.Errorf("okafor page 2: %v, total %d", got, total)
		}
		if got, total := list([]string{"okafor"}, 3); len(got) != 0 || total != 3 {
			t.Errorf("okafor past the last page: %v, total %d; want none of 3", got, total)
		}
		if got, total := list([]string{"nobody"}, 1); len(got) != 0 || total != 0 {
			t.Errorf("no match: %v, total %d", got, total)
		}
	})
}
