// Package search is the contact search box's index, held in memory: every
// word of each contact's folded search text, with the contacts numbered in
// name order. A query's matches are then a bitmap over that numbering, so the
// first page in name order and the exact number of matches come out without
// reading the matches from the database. A search for "ami" over 200,000
// contacts touches the few thousand postings of the words that begin with
// "ami" instead of re-reading every matching row.
//
// The index holds no connection of its own: the store feeds it what changed
// (Apply) and decides when to ask the database. Standard library only.
package search

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Doc is one contact as the index sees it.
type Doc struct {
	ID       int64
	SortName string // the order of the results: by SortName, then ID, byte-wise
	Text     string // folded search text: lower case, accents stripped
	Removed  bool   // deleted or erased: Apply drops it from the index
}

// Query is a search: every word must begin a word of a contact's text. A
// word with punctuation ("wanjiru.mw", "@demo-phl") must in addition appear
// in the text as typed, so that an address matches as one piece.
type Query struct {
	Words      []string // folded as the texts are
	Descending bool
	Offset     int
	Limit      int // 0: every match
}

// Index is safe for concurrent use: any number of searches, and one Apply
// at a time beside them.
type Index struct {
	mu    sync.RWMutex
	base  *snapshot
	delta map[int64]*entry // changed since base was built; nil: removed
	extra []*entry         // the live entries of delta, in name order

	applyMu sync.Mutex // one Apply at a time: it alone changes delta and base
	built   time.Time  // when base was last rebuilt
	now     func() time.Time
}

// entry is a document with its words split out.
type entry struct {
	Doc
	words []string
}

// snapshot is an immutable, name-ordered numbering of the documents with a
// posting list (ascending ranks) per distinct word.
type snapshot struct {
	ids      []int64
	names    []string
	texts    []string
	rankOf   map[int64]int32
	words    []string  // sorted, distinct
	postings [][]int32 // postings[i] lists the ranks whose text holds words[i]
}

// New returns an index of docs (removed ones are skipped).
func New(docs []Doc) *Index {
	ix := &Index{delta: map[int64]*entry{}, now: time.Now}
	entries := make([]*entry, 0, len(docs))
	for _, d := range docs {
		if !d.Removed {
			entries = append(entries, newEntry(d))
		}
	}
	ix.base = build(entries)
	ix.built = ix.now()
	return ix
}

// Len is the number of live documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.base.ids) + len(ix.extra)
	for id := range ix.delta {
		if _, ok := ix.base.rankOf[id]; ok {
			n--
		}
	}
	return n
}

func newEntry(d Doc) *entry {
	return &entry{Doc: d, words: distinctWords(d.Text)}
}

// Words splits folded text into its words: runs of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func distinctWords(text string) []string {
	w := Words(text)
	slices.Sort(w)
	return slices.Compact(w)
}

func less(aName string, aID int64, bName string, bID int64) bool {
	if aName != bName {
		return aName < bName
	}
	return aID < bID
}

func build(entries []*entry) *snapshot {
	sort.Slice(entries, func(i, j int) bool {
		return less(entries[i].SortName, entries[i].ID, entries[j].SortName, entries[j].ID)
	})
	s := &snapshot{
		ids:    make([]int64, len(entries)),
		names:  make([]string, len(entries)),
		texts:  make([]string, len(entries)),
		rankOf: make(map[int64]int32, len(entries)),
	}
	post := map[string][]int32{}
	for r, e := range entries {
		s.ids[r], s.names[r], s.texts[r] = e.ID, e.SortName, e.Text
		s.rankOf[e.ID] = int32(r)
		for _, w := range e.words {
			post[w] = append(post[w], int32(r))
		}
	}
	s.words = make([]string, 0, len(post))
	for w := range post {
		s.words = append(s.words, w)
	}
	slices.Sort(s.words)
	s.postings = make([][]int32, len(s.words))
	for i, w := range s.words {
		s.postings[i] = slices.Clip(post[w])
	}
	return s
}

// rebuildAfter bounds how long a large delta may wait for a rebuild, and
// rebuildAt is the delta size that always forces one: each search scans the
// delta, each rebuild costs a sort of every document.
const (
	rebuildAt    = 1024
	rebuildAfter = 2 * time.Second
)

// Apply records changed documents: new, edited or removed.
func (ix *Index) Apply(docs []Doc) {
	if len(docs) == 0 {
		return
	}
	ix.applyMu.Lock()
	defer ix.applyMu.Unlock()
	base := ix.base
	delta := make(map[int64]*entry, len(ix.delta)+len(docs))
	for id, e := range ix.delta {
		delta[id] = e
	}
	for _, d := range docs {
		r, inBase := base.rankOf[d.ID]
		switch {
		case d.Removed && inBase:
			delta[d.ID] = nil
		case d.Removed:
			delete(delta, d.ID)
		case inBase && base.names[r] == d.SortName && base.texts[r] == d.Text:
			delete(delta, d.ID) // as it was when base was built
		default:
			delta[d.ID] = newEntry(d)
		}
	}
	if len(delta) >= max(rebuildAt, len(base.ids)/8) ||
		(len(delta) >= rebuildAt/8 && ix.now().Sub(ix.built) >= rebuildAfter) {
		// Built outside the lock: searches go on over the old state, and
		// no other Apply can run meanwhile.
		entries := make([]*entry, 0, len(base.ids)+len(delta))
		for r, id := range base.ids {
			if _, changed := delta[id]; !changed {
				entries = append(entries, &entry{Doc: Doc{ID: id, SortName: base.names[r], Text: base.texts[r]}, words: distinctWords(base.texts[r])})
			}
		}
		for _, e := range delta {
			if e != nil {
				entries = append(entries, e)
			}
		}
		next := build(entries)
		ix.mu.Lock()
		ix.base, ix.delta, ix.extra = next, map[int64]*entry{}, nil
		ix.mu.Unlock()
		ix.built = ix.now()
		return
	}
	extra := make([]*entry, 0, len(delta))
	for _, e := range delta {
		if e != nil {
			extra = append(extra, e)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return less(extra[i].SortName, extra[i].ID, extra[j].SortName, extra[j].ID) })
	ix.mu.Lock()
	ix.delta, ix.extra = delta, extra
	ix.mu.Unlock()
}

// term is one query word: the word prefixes it needs, and the word itself
// when it must also appear verbatim.
type term struct {
	prefixes []string
	verbatim string
}

func parse(words []string) []term {
	out := make([]term, 0, len(words))
	for _, w := range words {
		if w == "" {
			continue
		}
		t := term{prefixes: Words(w)}
		if len(t.prefixes) != 1 || t.prefixes[0] != w {
			t.verbatim = w
		}
		out = append(out, t)
	}
	return out
}

func (e *entry) matches(terms []term) bool {
	for _, t := range terms {
		for _, p := range t.prefixes {
			i, _ := slices.BinarySearch(e.words, p)
			if i == len(e.words) || !strings.HasPrefix(e.words[i], p) {
				return false
			}
		}
		if t.verbatim != "" && !strings.Contains(e.Text, t.verbatim) {
			return false
		}
	}
	return true
}

var bitmaps = sync.Pool{New: func() any { return new([]uint64) }}

// Search returns the page of matching ids in name order and the number of
// matches. A query without words matches nothing.
func (ix *Index) Search(q Query) ([]int64, int) {
	terms := parse(q.Words)
	if len(terms) == 0 {
		return nil, 0
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.base
	bm, put := s.match(terms)
	defer put()
	for id := range ix.delta {
		if r, ok := s.rankOf[id]; ok {
			bm[r>>6] &^= 1 << (r & 63)
		}
	}
	var more []*entry
	for _, e := range ix.extra {
		if e.matches(terms) {
			more = append(more, e)
		}
	}
	total := len(more)
	for _, w := range bm {
		total += bits.OnesCount64(w)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = total
	}
	out := make([]int64, 0, min(limit, max(total-q.Offset, 0)))
	skip := q.Offset
	emit := func(id int64) bool {
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, id)
		return len(out) < limit
	}
	if q.Descending {
		slices.Reverse(more)
		r := len(s.ids)
		for {
			r = prevSet(bm, r)
			for len(more) > 0 && (r < 0 || less(s.names[r], s.ids[r], more[0].SortName, more[0].ID)) {
				if !emit(more[0].ID) {
					return out, total
				}
				more = more[1:]
			}
			if r < 0 || !emit(s.ids[r]) {
				return out, total
			}
		}
	}
	r := -1
	for {
		r = nextSet(bm, r+1)
		for len(more) > 0 && (r < 0 || less(more[0].SortName, more[0].ID, s.names[r], s.ids[r])) {
			if !emit(more[0].ID) {
				return out, total
			}
			more = more[1:]
		}
		if r < 0 || !emit(s.ids[r]) {
			return out, total
		}
	}
}

// match sets a bit per rank whose document holds every term; put returns
// the bitmap to the pool.
func (s *snapshot) match(terms []term) ([]uint64, func()) {
	p := bitmaps.Get().(*[]uint64)
	n := (len(s.ids) + 63) / 64
	if cap(*p) < n {
		*p = make([]uint64, n)
	}
	bm := (*p)[:n]
	put := func() { bitmaps.Put(p) }
	var tmp []uint64
	first := true
	for _, t := range terms {
		for _, pre := range t.prefixes {
			if first {
				clear(bm)
				s.orPrefix(bm, pre)
				first = false
				continue
			}
			if tmp == nil {
				tp := bitmaps.Get().(*[]uint64)
				if cap(*tp) < n {
					*tp = make([]uint64, n)
				}
				tmp = (*tp)[:n]
				prev := put
				put = func() { prev(); bitmaps.Put(tp) }
			}
			clear(tmp)
			s.orPrefix(tmp, pre)
			for i := range bm {
				bm[i] &= tmp[i]
			}
		}
	}
	if first { // only punctuation: every document is a candidate
		for i := range bm {
			bm[i] = ^uint64(0)
		}
		if rest := len(s.ids) % 64; rest != 0 {
			bm[n-1] = 1<<rest - 1
		}
	}
	for _, t := range terms {
		if t.verbatim == "" {
			continue
		}
		for r := nextSet(bm, 0); r >= 0; r = nextSet(bm, r+1) {
			if !strings.Contains(s.texts[r], t.verbatim) {
				bm[r>>6] &^= 1 << (r & 63)
			}
		}
	}
	return bm, put
}

// orPrefix sets the ranks of every word that begins with pre.
func (s *snapshot) orPrefix(bm []uint64, pre string) {
	i := sort.SearchStrings(s.words, pre)
	for ; i < len(s.words) && strings.HasPrefix(s.words[i], pre); i++ {
		for _, r := range s.postings[i] {
			bm[r>>6] |= 1 << (r & 63)
		}
	}
}

// nextSet is the first set bit at or after from, or -1.
func nextSet(bm []uint64, from int) int {
	i := from >> 6
	if i >= len(bm) {
		return -1
	}
	w := bm[i] >> (from & 63)
	if w != 0 {
		return from + bits.TrailingZeros64(w)
	}
	for i++; i < len(bm); i++ {
		if bm[i] != 0 {
			return i<<6 + bits.TrailingZeros64(bm[i])
		}
	}
	return -1
}

// prevSet is the last set bit before before, or -1.
func prevSet(bm []uint64, before int) int {
	before--
	if before < 0 {
		return -1
	}
	i := before >> 6
	w := bm[i] << (63 - before&63)
	if w != 0 {
		return before - bits.LeadingZeros64(w)
	}
	for i--; i >= 0; i-- {
		if bm[i] != 0 {
			return i<<6 + 63 - bits.LeadingZeros64(bm[i])
		}
	}
	return -1
}
