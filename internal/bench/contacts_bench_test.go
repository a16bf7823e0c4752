package bench_test

// Issue 4's contact measures:
//
//   - contact search (GET /api/v1/contacts?q=) over 200,000 contacts on
//     PostgreSQL (20,000 on SQLite) at 50 concurrent clients, beside a bare
//     net/http handler running the same SQL: the target contact-search-json,
//     measured by BenchmarkPages over the issue-4 data sets;
//   - the import of a contacts CSV of 20,000 and 100,000 rows, beside a raw
//     COPY of the same rows on PostgreSQL: BenchmarkContactImport.

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"ratify/internal/bench"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// searchTerms are what people type in the contact search box: beginnings of
// the demo data's first and last names, both names, accented or not, and
// beginnings of addresses (first.last.N@demo-iso3.example.org).
var searchTerms = []string{
	"ami", "amina", "Amina Ban", "fer", "fernán", "Fernández", "fernandez gom", "josé", "José Gar", "jovanović",
	"Côté", "cote", "aïcha", "Émile", "traoré", "ömer", "nguyen", "okafor", "wanj", "wanjiru.mw",
	"kwame.osei", "zeynep y", "saúl", "pereira", "dlamini", "@demo-phl", "hiroshi", "quispe", "petrović", "ndiaye",
	"Valentina Santos", "mihai", "thandiwe", "rahman", "gustavo men", "leila had", "priya", "ximena", "diallo", "kaya",
}

func searchPaths(testing.TB, *Fixture) []string {
	out := make([]string, len(searchTerms))
	for i, t := range searchTerms {
		out[i] = "/api/v1/contacts?q=" + url.QueryEscape(t)
	}
	return out
}

// contactSearchTarget is issue 4's first measure.
var contactSearchTarget = Target{
	Name: "contact-search-json", API: true, Needs: []string{"contacts"},
	Path: func(tb testing.TB, f *Fixture) string { return searchPaths(tb, f)[0] },
	Check: func(f *Fixture, body []byte) error {
		var out struct {
			Items []struct {
				FullName string `json:"full_name"`
			}
			Total int64
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return err
		}
		if out.Total > 0 && len(out.Items) == 0 {
			return fmt.Errorf("total %d but no items", out.Total)
		}
		return nil
	},
	Load: &Load{Clients: 50, Requests: 4000, Warmup: 200, Block: 500, Paths: searchPaths, Bare: bareContactSearch,
		Same: sameTotal, BudgetP99: 50 * time.Millisecond, MaxRatio: 1.5},
}

// contactTypingTarget is the same search from fifty people typing into the
// search box at once: each pauses 200 ms after an answer before the next
// request, about the pace of a search box that waits for a pause in the
// typing. The closed loop above measures the most the machine serves; this
// measures what each person sees under an ordinary load.
var contactTypingTarget = func() Target {
	t := contactSearchTarget
	t.Name = "contact-search-typing"
	ld := *t.Load
	ld.Think, ld.Requests, ld.Block = 200*time.Millisecond, 3000, 500
	t.Load = &ld
	return t
}()

func sameTotal(app, bare []byte) error {
	var a, b struct{ Total int64 }
	if err := json.Unmarshal(app, &a); err != nil {
		return err
	}
	if err := json.Unmarshal(bare, &b); err != nil {
		return err
	}
	if a.Total != b.Total {
		return fmt.Errorf("total %d, bare total %d", a.Total, b.Total)
	}
	return nil
}

// fold is service.foldText: lower case, accents stripped.
func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	t := foldChains.Get().(transform.Transformer)
	defer foldChains.Put(t)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// bareContactSearch answers GET ?q= as store.ListContacts does for a text
// search (the page's ids and the number of matches from the store's search
// index, then the page by id with its emails, tags and countries, by SQL),
// written as JSON straight from the driver's bytes: no Gin, no
// authentication, no service, no GORM.
func bareContactSearch(f *Fixture) http.Handler {
	const live = "contacts.deleted_at IS NULL AND contacts.erased_at IS NULL"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		words := strings.Fields(fold(r.URL.Query().Get("q")))
		if len(words) > 8 {
			words = words[:8]
		}
		fail := func(err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
		var total int64
		var page *rawResult
		var err error
		if len(words) == 0 {
			if err := f.DB.QueryRowContext(ctx, "SELECT count(*) FROM contacts WHERE "+live).Scan(&total); err != nil {
				fail(err)
				return
			}
			if page, err = rawRows(ctx, f.DB, "SELECT * FROM contacts WHERE "+live+" ORDER BY contacts.sort_name ASC, contacts.id LIMIT 50"); err != nil {
				fail(err)
				return
			}
		} else {
			// A search, as store.searchContacts runs it: the page's ids and
			// the number of matches from the search index, then the page by id.
			found, n, err := f.Store.SearchContactIDs(ctx, words, false, 0, 50)
			if err != nil {
				fail(err)
				return
			}
			total = int64(n)
			if len(found) == 0 {
				page = &rawResult{}
			} else {
				ids := make([]any, len(found))
				for i, id := range found {
					ids[i] = id
				}
				in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
				if page, err = rawRows(ctx, f.DB, f.Rebind("SELECT * FROM contacts WHERE "+live+" AND id IN "+in), ids...); err != nil {
					fail(err)
					return
				}
			}
		}
		var emails, tags, countries *rawResult
		if len(page.rows) > 0 {
			ids, isos := make([]any, 0, len(page.rows)), []any{}
			seen := map[string]bool{}
			idCol, isoCol := page.col("id"), page.col("country_iso3")
			for _, row := range page.rows {
				ids = append(ids, row[idCol])
				if iso := row[isoCol]; iso != nil && !seen[*iso] {
					seen[*iso] = true
					isos = append(isos, *iso)
				}
			}
			in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
			if emails, err = rawRows(ctx, f.DB, f.Rebind("SELECT * FROM contact_emails WHERE contact_id IN "+in+" ORDER BY position"), ids...); err != nil {
				fail(err)
				return
			}
			if tags, err = rawRows(ctx, f.DB, f.Rebind("SELECT * FROM contact_tags WHERE contact_id IN "+in), ids...); err != nil {
				fail(err)
				return
			}
			if len(isos) > 0 {
				q := "SELECT * FROM countries WHERE iso3 IN (" + strings.TrimSuffix(strings.Repeat("?,", len(isos)), ",") + ")"
				if countries, err = rawRows(ctx, f.DB, f.Rebind(q), isos...); err != nil {
					fail(err)
					return
				}
			}
		}
		// The JSON: each contact's columns, its emails and its tags.
		byContact := func(res *rawResult) map[string][]int {
			out := map[string][]int{}
			if res == nil {
				return out
			}
			c := res.col("contact_id")
			for i, row := range res.rows {
				out[*row[c]] = append(out[*row[c]], i)
			}
			return out
		}
		emailsOf, tagsOf := byContact(emails), byContact(tags)
		_ = countries
		buf := make([]byte, 0, 32<<10)
		buf = append(buf, `{"items":[`...)
		for i, row := range page.rows {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendObject(buf, page.cols, row)
			id := *row[page.col("id")]
			buf = append(buf, `,"emails":[`...)
			for j, k := range emailsOf[id] {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = appendObject(buf, emails.cols, emails.rows[k])
				buf = append(buf, '}')
			}
			buf = append(buf, `],"tags":[`...)
			for j, k := range tagsOf[id] {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = appendJSONString(buf, *tags.rows[k][tags.col("tag")])
			}
			buf = append(buf, "]}"...)
		}
		buf = append(buf, `],"total":`...)
		buf = strconv.AppendInt(buf, total, 10)
		buf = append(buf, `,"page":1,"per_page":50}`...)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(buf)
	})
}

// rawResult is a result set as strings (nil is NULL).
type rawResult struct {
	cols []string
	rows [][]*string
}

func (r *rawResult) col(name string) int {
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	panic("no column " + name)
}

func rawRows(ctx context.Context, db *sql.DB, q string, args ...any) (*rawResult, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &rawResult{cols: cols}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		res.rows = append(res.rows, row)
	}
	return res, rows.Err()
}

// appendObject writes {"col":"value",… without the closing brace.
func appendObject(buf []byte, cols []string, row []*string) []byte {
	buf = append(buf, '{')
	for i, c := range cols {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, c)
		buf = append(buf, ':')
		if row[i] == nil {
			buf = append(buf, "null"...)
		} else {
			buf = appendJSONString(buf, *row[i])
		}
	}
	return buf
}

func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, fmt.Sprintf(`\u%04x`, c)...)
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}

// ImportBudget and ImportMaxRatio are issue 4's bars for a 100,000-row file.
const (
	ImportBudget   = 10 * time.Second
	ImportMaxRatio = 3.0
)

// importSizes are the file sizes imported: two, to show whether the
// process's memory grows with the file (RATIFY_BENCH_IMPORT_ROWS=a,b).
func importSizes() []int {
	sizes := []int{20_000, 100_000}
	if v := os.Getenv("RATIFY_BENCH_IMPORT_ROWS"); v != "" {
		sizes = nil
		for _, p := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// BenchmarkContactImport imports a generated contacts CSV (name, email,
// country, party, position, institution, phone) with service.ImportContacts,
// not a dry run, into a fresh database, and measures it end to end: both
// passes (check, then write in batches), from the file on disk. On
// PostgreSQL the baseline, run first, is pgx CopyFrom of the same rows
// (read from the same file) into every table the import writes: contacts,
// their addresses, numbers and posts, and the institutions the posts name;
// those tables are then emptied again. The memory figures are this test
// process's Go heap (where the import runs), not the database server's.
func BenchmarkContactImport(b *testing.B) {
	for _, d := range dialects(b) {
		b.Run(d, func(b *testing.B) {
			for _, rows := range importSizes() {
				b.Run(strconv.Itoa(rows), func(b *testing.B) { measureImport(b, d, rows) })
			}
		})
	}
}

func measureImport(b *testing.B, dialect string, rows int) {
	ctx := context.Background()
	f := setup(b, dialect, Dataset{Name: fmt.Sprintf("import%d", rows)})
	coord, _, err := f.Svc.CreateUserCLI(ctx, service.NewUser{Email: "importer@bench.test", Name: "Bench Importer",
		Role: model.RoleCoordinator, Password: benchPassword}, f.Org.ShortName)
	if err != nil {
		b.Fatal(err)
	}
	countries, err := countryKeys(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), fmt.Sprintf("contacts-%d.csv", rows))
	size, err := writeContactsCSV(file, rows, countries.list)
	if err != nil {
		b.Fatal(err)
	}
	load1 := loadAverage()

	var copyTime time.Duration
	if dialect == store.Postgres {
		t0 := time.Now()
		if err := copyContacts(ctx, f, file, countries.byKey); err != nil {
			b.Fatalf("baseline: %v", err)
		}
		copyTime = time.Since(t0)
		var n int
		if err := f.DB.QueryRowContext(ctx, "SELECT count(*) FROM contacts").Scan(&n); err != nil || n != rows {
			b.Fatalf("baseline wrote %d contacts, want %d (%v)", n, rows, err)
		}
		// The import then starts as the baseline did: no contacts, no
		// institutions (it adds those its rows name).
		if _, err := f.DB.ExecContext(ctx, "TRUNCATE contacts, contact_emails, contact_phones, positions, institutions RESTART IDENTITY CASCADE"); err != nil {
			b.Fatal(err)
		}
	}

	open := func() (io.ReadCloser, error) { return os.Open(file) }
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	cpu0 := processCPU()
	b.ResetTimer()
	t0 := time.Now()
	res, err := f.Svc.ImportContacts(ctx, service.Actor{User: coord, IP: "127.0.0.1"}, open, service.ImportOptions{FileName: filepath.Base(file)})
	appTime := time.Since(t0)
	b.StopTimer()
	cpu := processCPU() - cpu0
	close(stop)
	<-sampled
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapInuse)
	if err != nil {
		b.Fatal(err)
	}
	if res.ErrorsTotal > 0 || res.Created != rows {
		b.Fatalf("import: %d rows, %d created, %d skipped, %d errors (first: %+v)", res.Rows, res.Created, res.Skipped, res.ErrorsTotal, res.Errors[:min(3, len(res.Errors))])
	}

	r := bench.ImportResult{Kind: "import", Dialect: dialect, Rows: rows, FileBytes: size, AppS: bench.Seconds(appTime), AppCPUS: bench.Seconds(cpu),
		CopyS: bench.Seconds(copyTime), HeapBeforeMB: bench.MB(before.HeapInuse), HeapPeakMB: bench.MB(peak),
		HeapGrowthMB: bench.MB(peak - before.HeapInuse), SysGrowthMB: bench.MB(after.Sys - before.Sys),
		AllocMB: bench.MB(after.TotalAlloc - before.TotalAlloc), GCs: after.NumGC - before.NumGC,
		BudgetS: bench.Seconds(ImportBudget), InBudget: appTime <= ImportBudget, MaxRatio: ImportMaxRatio, Load1: load1,
		Time: time.Now().UTC().Format(time.RFC3339)}
	if copyTime > 0 {
		r.Ratio = float64(int(float64(appTime)/float64(copyTime)*100+0.5)) / 100
		r.InRatio = r.Ratio <= ImportMaxRatio
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.AppS, "import-s")
	b.ReportMetric(r.CopyS, "copy-s")
	b.ReportMetric(r.HeapPeakMB, "heap-peak-MB")
	report(b, r.Line())
}

type countryIndex struct {
	list  []countryRow
	byKey map[string]string // lower ISO3, lower ISO2, folded name → ISO3
}

type countryRow struct{ iso3, iso2, name string }

func countryKeys(ctx context.Context, f *Fixture) (countryIndex, error) {
	idx := countryIndex{byKey: map[string]string{}}
	rows, err := f.DB.QueryContext(ctx, "SELECT iso3, iso2, name FROM countries ORDER BY iso3")
	if err != nil {
		return idx, err
	}
	defer rows.Close()
	for rows.Next() {
		var c countryRow
		if err := rows.Scan(&c.iso3, &c.iso2, &c.name); err != nil {
			return idx, err
		}
		idx.list = append(idx.list, c)
		idx.byKey[strings.ToLower(c.iso3)] = c.iso3
		idx.byKey[strings.ToLower(c.iso2)] = c.iso3
		idx.byKey[fold(c.name)] = c.iso3
	}
	return idx, rows.Err()
}

var (
	csvFirst = []string{"Amina", "Bongani", "Carmen", "Dario", "Elif", "Farah", "Gustavo", "Hana", "Ibrahim", "Jana",
		"Kwame", "Leila", "Mateus", "Nadia", "Oluwaseun", "Priya", "Quang", "Rosa", "Sipho", "Tamar", "Aïcha", "Émile",
		"Inès", "José", "Ömer", "Saúl", "Zoë", "François", "Łucja", "Nguyễn Thị"}
	csvLast = []string{"Abebe", "Banda", "Castillo", "Diallo", "Eriksen", "Fernández", "Gómez", "Haddad", "Ivanova",
		"Juárez", "Kamau", "Lungu", "Mendoza", "Okafor", "Pereira", "Quispe", "Rahman", "Santos", "Traoré", "Côté",
		"Jovanović", "Müller", "Ndiaye", "Øster", "Yılmaz", "Van der Berg", "O'Brien", "da Silva"}
	csvParties = []string{"Progressive Alliance", "People's Party", "Labour Front", "Green Movement", "Liberal Union", "Independent", ""}
	csvPosts   = []string{"Member of Parliament", "Chair, Committee on Labour", "Minister of Labour", "Director, Labour Migration",
		"Counsellor", "Senator", ""}
	csvInsts = []string{"National Assembly", "Senate", "Ministry of Labour", "Ministry of Foreign Affairs", "Permanent Mission in Geneva", ""}
)

// writeContactsCSV writes rows contacts with distinct names in each state,
// distinct addresses, and a country given as ISO3 (8 in 10), ISO2 or name.
func writeContactsCSV(path string, rows int, countries []countryRow) (int64, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := csv.NewWriter(fh)
	_ = w.Write([]string{"name", "email", "country", "party", "position", "institution", "phone"})
	rng := rand.New(rand.NewPCG(6, 2026))
	nf, nl, nc := len(csvFirst), len(csvLast), len(countries)
	m := nf * nl * nc
	if rows > m {
		return 0, fmt.Errorf("at most %d distinct rows", m)
	}
	step := 7919 // prime: k = i*step mod m visits every triple once
	for m%step == 0 {
		step += 2
	}
	for i := range rows {
		k := (i * step) % m
		first, last, c := csvFirst[k%nf], csvLast[(k/nf)%nl], countries[k/(nf*nl)]
		country := c.iso3
		switch i % 10 {
		case 3:
			country = c.iso2
		case 7:
			country = c.name
		}
		local := asciiLetters(first) + "." + asciiLetters(last)
		email := fmt.Sprintf("%s.%d@parl-%s.example.net", local, i, strings.ToLower(c.iso3))
		inst := csvInsts[rng.IntN(len(csvInsts))]
		post := csvPosts[rng.IntN(len(csvPosts))]
		if inst == "" {
			post = ""
		}
		phone := fmt.Sprintf("+%d %d %04d %04d", 1+rng.IntN(98), 1+rng.IntN(9), rng.IntN(10000), rng.IntN(10000))
		if err := w.Write([]string{first + " " + last, email, country, csvParties[rng.IntN(len(csvParties))], post, inst, phone}); err != nil {
			return 0, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	st, err := fh.Stat()
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range fold(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// copyContacts is the import's raw baseline: the file is read once and the
// rows go to contacts through one COPY, with the same names, country, party,
// search text and sort name the import writes; then their addresses, phone
// numbers, the institutions their posts name (once per state and name) and
// the posts go to their tables, one COPY each.
func copyContacts(ctx context.Context, f *Fixture, file string, countries map[string]string) error {
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	cr := csv.NewReader(fh)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return err
	}
	conn, err := f.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	now := time.Now().UTC()
	source := "CSV import " + filepath.Base(file)
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		var (
			emails, phones, insts, posts [][]any
			id                           int64
		)
		instIDs := map[string]int64{}
		src := pgx.CopyFromFunc(func() ([]any, error) {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			id++
			name, email, country, party, post, inst, phone := rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]
			sp := strings.LastIndexByte(name, ' ')
			first, last := name[:max(sp, 0)], name[sp+1:]
			iso, ok := countries[strings.ToLower(country)]
			if !ok {
				iso = countries[fold(country)]
			}
			emails = append(emails, []any{id, strings.ToLower(email), "", 0})
			phones = append(phones, []any{id, phone, "", 0})
			if inst != "" {
				key := iso + "|" + strings.ToLower(inst)
				instID, seen := instIDs[key]
				if !seen {
					instID = int64(len(insts) + 1)
					instIDs[key] = instID
					insts = append(insts, []any{instID, iso, "other", inst, now, now})
				}
				if post == "" {
					post = "Member"
				}
				posts = append(posts, []any{id, instID, post, now})
			}
			return []any{id, first, last, "parliamentarian", iso, party, "unknown", source, f.Org.ID,
				fold(strings.Join([]string{first, last, party, email, post, inst}, " ")), fold(last + " " + first), now, now}, nil
		})
		if _, err := pc.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"id", "first_name", "last_name", "kind", "country_iso3", "party",
			"stance", "data_source", "owner_organisation_id", "search_text", "sort_name", "created_at", "updated_at"}, src); err != nil {
			return err
		}
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"contact_emails", []string{"contact_id", "email", "label", "position"}, emails},
			{"contact_phones", []string{"contact_id", "number", "label", "position"}, phones},
			{"institutions", []string{"id", "country_iso3", "kind", "name", "created_at", "updated_at"}, insts},
			{"positions", []string{"contact_id", "institution_id", "title", "created_at"}, posts},
		} {
			if _, err := pc.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		for table, last := range map[string]int64{"contacts": id, "institutions": int64(len(insts))} {
			if _, err := pc.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", table, max(last, 1)); err != nil {
				return err
			}
		}
		return nil
	})
}
