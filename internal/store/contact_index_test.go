package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/store"
)

// The search index lives in each process. Two stores on one database stand
// for two processes (two servers, or a server and `ratify contacts import`):
// what one writes, the other's searches find within a moment, including a
// write whose transaction was still open when the other last read, and
// never a write that was rolled back.
func TestSearchIndexFollowsAnotherProcess(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			target := dbtest.Target(t, d)
			open := func() *store.Store {
				st, err := store.Open(ctx, target)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = st.Close() })
				return st
			}
			a, b := open(), open()
			if _, err := a.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			org := model.Organisation{Name: "Org", ShortName: "ORG", Kind: model.OrgNGO, CreatedAt: now, UpdatedAt: now}
			if err := a.CreateOrganisation(ctx, &org); err != nil {
				t.Fatal(err)
			}
			contact := func(first, last string) model.Contact {
				return model.Contact{FirstName: first, LastName: last, Kind: model.ContactKinds[0], Stance: model.StanceUnknown,
					OwnerOrganisationID: org.ID, SearchText: first + " " + last, SortName: last + " " + first, CreatedAt: now, UpdatedAt: now}
			}
			// search answers the page's names, and the total after them.
			search := func(st *store.Store, words ...string) []string {
				t.Helper()
				got, total, err := st.ListContacts(ctx, store.ContactFilter{QueryWords: words})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, c := range got {
					names = append(names, c.SortName)
				}
				return append(names, fmt.Sprint(total))
			}
			// eventually polls a's search until it answers want.
			eventually := func(want []string, words ...string) {
				t.Helper()
				want = append(want, fmt.Sprint(len(want)))
				deadline := time.Now().Add(5 * time.Second)
				for {
					got := search(a, words...)
					if slices.Equal(got, want) {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("%v: %v, want %v", words, got, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}

			first := []model.Contact{contact("ada", "okafor")}
			if err := a.CreateContacts(ctx, first); err != nil {
				t.Fatal(err)
			}
			// This process's own write shows at once, without waiting.
			if got := search(a, "oka"); !slices.Equal(got, []string{"okafor ada", "1"}) {
				t.Fatalf("own write: %v", got)
			}

			more := []model.Contact{contact("bola", "okafor"), contact("chidi", "mensah")}
			if err := b.CreateContacts(ctx, more); err != nil {
				t.Fatal(err)
			}
			eventually([]string{"okafor ada", "okafor bola"}, "okafor")

			if err := b.SetContactSearch(ctx, more[1].ID, "chidi okafor-mensah", "okafor-mensah chidi"); err != nil {
				t.Fatal(err)
			}
			eventually([]string{"okafor ada", "okafor bola", "okafor-mensah chidi"}, "okafor")
			if err := b.MarkContactDeleted(ctx, first[0].ID, now); err != nil {
				t.Fatal(err)
			}
			eventually([]string{"okafor bola", "okafor-mensah chidi"}, "okafor")
			if err := b.EraseContact(ctx, more[0].ID, now); err != nil {
				t.Fatal(err)
			}
			eventually([]string{"okafor-mensah chidi"}, "okafor")

			// A write still uncommitted while a reads, committed after.
			inTx, read, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				done <- b.WithTx(ctx, func(ctx context.Context) error {
					if err := b.CreateContacts(ctx, []model.Contact{contact("dayo", "latecomer")}); err != nil {
						return err
					}
					close(inTx)
					<-read
					return nil
				})
			}()
			<-inTx
			time.Sleep(150 * time.Millisecond) // past the index's wait between reads
			if got := search(a, "latecomer"); !slices.Equal(got, []string{"0"}) {
				t.Fatalf("an uncommitted contact was found: %v", got)
			}
			close(read)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			eventually([]string{"latecomer dayo"}, "latecomer")

			// A write rolled back never shows.
			rollback := errors.New("rolled back")
			if err := b.WithTx(ctx, func(ctx context.Context) error {
				if err := b.CreateContacts(ctx, []model.Contact{contact("eko", "ghost")}); err != nil {
					return err
				}
				return rollback
			}); !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			if err := b.CreateContacts(ctx, []model.Contact{contact("femi", "witness")}); err != nil {
				t.Fatal(err)
			}
			eventually([]string{"witness femi"}, "witness")
			if got := search(a, "ghost"); !slices.Equal(got, []string{"0"}) {
				t.Fatalf("a rolled-back contact was found: %v", got)
			}
		})
	}
}

// Searches combined with filters, and the id lists behind bulk actions and
// exports, take their matches from the index too, so a word matches the
// same contacts whatever else is asked.
func TestSearchWithFiltersUsesTheSameMatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		org := model.Organisation{Name: "Org", ShortName: "ORG", Kind: model.OrgNGO, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrganisation(ctx, &org); err != nil {
			t.Fatal(err)
		}
		var cs []model.Contact
		for i, p := range []struct{ first, last, iso3 string }{
			{"amina", "banda", "KEN"}, {"kamil", "amin", "KEN"}, {"amir", "osei", "GHA"}, {"hamid", "diallo", "KEN"}, {"ana", "de la cruz", "MEX"},
		} {
			iso3 := p.iso3
			cs = append(cs, model.Contact{FirstName: p.first, LastName: p.last, Kind: model.ContactKinds[0], Stance: model.StanceUnknown,
				CountryISO3: &iso3, OwnerOrganisationID: org.ID, SearchText: fmt.Sprintf("%s %s %s.%s.%d@demo-%s.example.org", p.first, p.last, p.first, p.last, i, strings.ToLower(p.iso3)),
				SortName: p.last + " " + p.first, CreatedAt: now, UpdatedAt: now})
		}
		if err := st.CreateContacts(ctx, cs); err != nil {
			t.Fatal(err)
		}
		names := func(f store.ContactFilter) []string {
			t.Helper()
			got, total, err := st.ListContacts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range got {
				if c.Country == nil || c.Country.ISO3 != *c.CountryISO3 || c.Country.Name == "" {
					t.Errorf("%s listed without its country's name: %+v", c.SortName, c.Country)
				}
				out = append(out, c.SortName)
			}
			if int(total) != len(out) {
				t.Fatalf("%+v: total %d for %v", f, total, out)
			}
			return out
		}
		// Word beginnings: "ami" is not inside "kamil" or "hamid".
		if got := names(store.ContactFilter{QueryWords: []string{"ami"}}); !slices.Equal(got, []string{"amin kamil", "banda amina", "osei amir"}) {
			t.Errorf("ami: %v", got)
		}
		if got := names(store.ContactFilter{QueryWords: []string{"ami"}, Country: "KEN"}); !slices.Equal(got, []string{"amin kamil", "banda amina"}) {
			t.Errorf("ami in KEN: %v", got)
		}
		if got := names(store.ContactFilter{QueryWords: []string{"ami"}, Sort: "country", Descending: true}); !slices.Equal(got, []string{"amin kamil", "banda amina", "osei amir"}) {
			t.Errorf("ami by country, descending: %v", got)
		}
		if got := names(store.ContactFilter{QueryWords: []string{"ami"}, Descending: true}); !slices.Equal(got, []string{"osei amir", "banda amina", "amin kamil"}) {
			t.Errorf("ami descending: %v", got)
		}
		// An address typed with its punctuation matches as one piece.
		if got := names(store.ContactFilter{QueryWords: []string{"@demo-ken"}}); !slices.Equal(got, []string{"amin kamil", "banda amina", "diallo hamid"}) {
			t.Errorf("@demo-ken: %v", got)
		}
		if got := names(store.ContactFilter{QueryWords: []string{"de", "la", "cr"}}); !slices.Equal(got, []string{"de la cruz ana"}) {
			t.Errorf("de la cr: %v", got)
		}
		if got := names(store.ContactFilter{QueryWords: []string{"ami"}, Country: "MEX"}); len(got) != 0 {
			t.Errorf("ami in MEX: %v", got)
		}
		ids, err := st.ContactIDs(ctx, store.ContactFilter{QueryWords: []string{"ami"}, Country: "KEN"}, 100)
		if err != nil || !slices.Equal(ids, []int64{cs[1].ID, cs[0].ID}) {
			t.Errorf("ContactIDs: %v, %v", ids, err)
		}
		var each []string
		if err := st.EachContact(ctx, store.ContactFilter{QueryWords: []string{"osei"}}, func(c *model.Contact) error {
			each = append(each, c.SortName)
			return nil
		}); err != nil || !slices.Equal(each, []string{"osei amir"}) {
			t.Errorf("EachContact: %v, %v", each, err)
		}
		if err := st.EachContact(ctx, store.ContactFilter{QueryWords: []string{"nobody"}}, func(c *model.Contact) error {
			return fmt.Errorf("%s matched nobody", c.SortName)
		}); err != nil {
			t.Error(err)
		}
	})
}
