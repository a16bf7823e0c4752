package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// reference answers a query by reading every document, as the database's
// LIKE did: the index must give the same page and the same total.
func reference(docs map[int64]Doc, q Query) ([]int64, int) {
	var hits []Doc
	for _, d := range docs {
		if d.Removed {
			continue
		}
		ok := len(q.Words) > 0
		words := Words(d.Text)
		for _, w := range q.Words {
			for _, p := range Words(w) {
				if !slices.ContainsFunc(words, func(x string) bool { return strings.HasPrefix(x, p) }) {
					ok = false
				}
			}
			if len(Words(w)) != 1 || Words(w)[0] != w {
				ok = ok && strings.Contains(d.Text, w)
			}
		}
		if ok {
			hits = append(hits, d)
		}
	}
	slices.SortFunc(hits, func(a, b Doc) int {
		if less(a.SortName, a.ID, b.SortName, b.ID) {
			return -1
		}
		return 1
	})
	if q.Descending {
		slices.Reverse(hits)
	}
	var ids []int64
	for i, h := range hits {
		if i >= q.Offset && (q.Limit <= 0 || len(ids) < q.Limit) {
			ids = append(ids, h.ID)
		}
	}
	return ids, len(hits)
}

var (
	firsts = []string{"amina", "amir", "fernando", "jose", "cote", "aicha", "emile", "omer", "wanjiru", "kwame", "zeynep", "saul"}
	lasts  = []string{"banda", "fernandez", "garcia", "gomez", "jovanovic", "traore", "nguyen", "okafor", "mwangi", "osei", "ban", "de la cruz"}
)

func randomDoc(r *rand.Rand, id int64) Doc {
	f, l := firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
	text := fmt.Sprintf("hon. %s %s %s.%s.%d@demo-%s.example.org member of parliament", f, l,
		f, strings.ReplaceAll(l, " ", ""), id, []string{"phl", "ken", "mex"}[r.IntN(3)])
	return Doc{ID: id, SortName: l + " " + f, Text: text}
}

var queries = [][]string{
	{"ami"}, {"amina"}, {"amina", "ban"}, {"fer"}, {"fernandez", "gom"}, {"jose", "gar"}, {"wanjiru.mw"},
	{"kwame.osei"}, {"@demo-phl"}, {"de", "la", "cr"}, {"@"}, {"-"}, {"zzz"}, {"member", "parl"}, {"o"},
	{"amir.banda"}, {"1"}, {"demo-ken.example"},
}

func check(t *testing.T, ix *Index, docs map[int64]Doc, step string) {
	t.Helper()
	for _, w := range queries {
		for _, q := range []Query{
			{Words: w, Limit: 25}, {Words: w, Limit: 7, Offset: 5}, {Words: w, Descending: true, Limit: 10},
			{Words: w, Descending: true, Offset: 3, Limit: 4}, {Words: w}, {Words: w, Offset: 1000, Limit: 25},
		} {
			got, gotTotal := ix.Search(q)
			want, wantTotal := reference(docs, q)
			if gotTotal != wantTotal || !slices.Equal(got, want) {
				t.Fatalf("%s: %+v: got %v (%d), want %v (%d)", step, q, got, gotTotal, want, wantTotal)
			}
		}
	}
	live := 0
	for _, d := range docs {
		if !d.Removed {
			live++
		}
	}
	if ix.Len() != live {
		t.Fatalf("%s: Len %d, want %d", step, ix.Len(), live)
	}
}

func TestSearchMatchesAReadOfEveryDocument(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := map[int64]Doc{}
	var initial []Doc
	for id := int64(1); id <= 1500; id++ {
		d := randomDoc(r, id)
		if id%97 == 0 {
			d.Removed = true
		}
		docs[id] = d
		initial = append(initial, d)
	}
	ix := New(initial)
	clock := time.Unix(0, 0)
	ix.now = func() time.Time { return clock }
	check(t, ix, docs, "built")

	next := int64(len(docs) + 1)
	for round := range 25 {
		var batch []Doc
		for range r.IntN(60) + 1 {
			switch r.IntN(4) {
			case 0: // a new contact
				d := randomDoc(r, next)
				next++
				docs[d.ID], batch = d, append(batch, d)
			case 1: // renamed
				id := int64(r.IntN(int(next-1))) + 1
				d := randomDoc(r, id)
				docs[id], batch = d, append(batch, d)
			case 2: // removed
				id := int64(r.IntN(int(next-1))) + 1
				d := docs[id]
				d.Removed = true
				docs[id], batch = d, append(batch, d)
			case 3: // saved unchanged
				id := int64(r.IntN(int(next-1))) + 1
				batch = append(batch, docs[id])
			}
		}
		if round%10 == 9 {
			clock = clock.Add(time.Minute) // old enough for a rebuild
		}
		ix.Apply(batch)
		check(t, ix, docs, fmt.Sprintf("round %d (delta %d)", round, len(ix.delta)))
	}
}

func TestApplyRebuildsALargeDelta(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	docs := map[int64]Doc{}
	ix := New(nil)
	var batch []Doc
	for id := int64(1); id <= rebuildAt+10; id++ {
		d := randomDoc(r, id)
		docs[id], batch = d, append(batch, d)
	}
	ix.Apply(batch)
	if len(ix.delta) != 0 || len(ix.base.ids) != rebuildAt+10 {
		t.Fatalf("delta %d, base %d: a delta of %d documents must be folded into the base", len(ix.delta), len(ix.base.ids), rebuildAt+10)
	}
	check(t, ix, docs, "rebuilt")
}

func TestQueriesWithoutWordsMatchNothing(t *testing.T) {
	ix := New([]Doc{{ID: 1, SortName: "a", Text: "a b"}})
	if ids, total := ix.Search(Query{Words: []string{"", ""}}); total != 0 || len(ids) != 0 {
		t.Fatalf("empty words matched %v (%d)", ids, total)
	}
}

func TestBitScans(t *testing.T) {
	bm := make([]uint64, 4)
	set := []int{0, 1, 63, 64, 130, 255}
	for _, b := range set {
		bm[b>>6] |= 1 << (b & 63)
	}
	var fwd []int
	for r := nextSet(bm, 0); r >= 0; r = nextSet(bm, r+1) {
		fwd = append(fwd, r)
	}
	var back []int
	for r := prevSet(bm, 256); r >= 0; r = prevSet(bm, r) {
		back = append(back, r)
	}
	slices.Reverse(back)
	if !slices.Equal(fwd, set) || !slices.Equal(back, set) {
		t.Fatalf("forward %v, backward %v, want %v", fwd, back, set)
	}
}

func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	docs := make([]Doc, 200_000)
	for i := range docs {
		docs[i] = randomDoc(r, int64(i+1))
	}
	ix := New(docs)
	for _, q := range queries {
		b.Run(strings.Join(q, "+"), func(b *testing.B) {
			for b.Loop() {
				ix.Search(Query{Words: q, Limit: 25})
			}
		})
	}
}

// FuzzSearch holds the index to a read of every document for any text and
// any query, before and after the documents move into a delta.
func FuzzSearch(f *testing.F) {
	f.Add("hon. amina banda amina.banda.1@demo-ken.example.org", "banda okafor-mensah", "ami", "@demo-k")
	f.Add("émile côté", "", "e c", "-")
	f.Fuzz(func(t *testing.T, a, b, q1, q2 string) {
		docs := map[int64]Doc{1: {ID: 1, SortName: b, Text: a}, 2: {ID: 2, SortName: a, Text: b}, 3: {ID: 3, SortName: a, Text: a + " " + b}}
		var list []Doc
		for id := int64(1); id <= 3; id++ {
			list = append(list, docs[id])
		}
		queries := [][]string{strings.Fields(q1), strings.Fields(q2), append(strings.Fields(q1), strings.Fields(q2)...)}
		for _, ix := range []*Index{New(list), func() *Index { ix := New(list[:1]); ix.Apply(list[1:]); return ix }()} {
			for _, w := range queries {
				for _, q := range []Query{{Words: w}, {Words: w, Descending: true, Offset: 1, Limit: 1}} {
					got, gotTotal := ix.Search(q)
					want, wantTotal := reference(docs, q)
					if gotTotal != wantTotal || !slices.Equal(got, want) {
						t.Fatalf("%q: got %v (%d), want %v (%d)", w, got, gotTotal, want, wantTotal)
					}
				}
			}
		}
	})
}

// Searches run beside Apply and its rebuilds: each sees one state or the
// next, never a torn one (run with -race).
func TestSearchesBesideApply(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var docs []Doc
	for id := int64(1); id <= 2000; id++ {
		docs = append(docs, randomDoc(r, id))
	}
	ix := New(docs)
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				ids, total := ix.Search(Query{Words: []string{"member"}, Limit: 50})
				if total < 2000 || total > 2000+rebuildAt*3 || len(ids) != 50 {
					errs <- fmt.Errorf("total %d, page %d", total, len(ids))
					return
				}
			}
		}()
	}
	next := int64(2001)
	for range 3 * rebuildAt / 100 {
		var batch []Doc
		for range 100 {
			batch = append(batch, randomDoc(r, next))
			next++
		}
		ix.Apply(batch)
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := ix.Search(Query{Words: []string{"member"}}); len(got) != int(next-1) {
		t.Fatalf("%d matches, want %d", len(got), next-1)
	}
}
