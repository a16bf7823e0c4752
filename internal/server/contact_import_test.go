package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// This file tests the contacts CSV import (POST /api/v1/contacts/import) and
// the CSV exports through the real router and store.

// cxImport uploads content as a multipart form with the extra fields.
func cxImport(t *testing.T, e *env, email, filename string, content []byte, fields map[string]string) response {
	t.Helper()
	return cxImportFrom(t, e, email, filename, bytes.NewReader(content), fields)
}

// cxImportFrom streams the file from r, so large files never sit in memory.
func cxImportFrom(t *testing.T, e *env, email, filename string, r io.Reader, fields map[string]string) response {
	t.Helper()
	tok := e.token(email)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var err error
		for k, v := range fields {
			if err = mw.WriteField(k, v); err != nil {
				break
			}
		}
		if err == nil && filename != "" {
			var fw io.Writer
			if fw, err = mw.CreateFormFile("file", filename); err == nil {
				_, err = io.Copy(fw, r)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/contacts/import", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	return e.send(req)
}

// cxLineError is one error of an import answer.
type cxLineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// cxImportAnswer is the import's answer.
type cxImportAnswer struct {
	Rows        int           `json:"rows"`
	Created     int           `json:"created"`
	Updated     int           `json:"updated"`
	Skipped     int           `json:"skipped"`
	Errors      []cxLineError `json:"errors"`
	ErrorsTotal int           `json:"errors_total"`
	DryRun      bool          `json:"dry_run"`
}

// decodeImport checks the answer's shape and decodes it.
func decodeImport(t *testing.T, res response) cxImportAnswer {
	t.Helper()
	var raw map[string]json.RawMessage
	res.decode(t, &raw)
	for _, k := range []string{"rows", "created", "updated", "skipped", "errors"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the import answer has no %q: %s", k, cxTrim(res.Body))
		}
	}
	var errs []map[string]json.RawMessage
	if err := json.Unmarshal(raw["errors"], &errs); err != nil {
		t.Errorf("errors is not a list: %s", raw["errors"])
	}
	for _, le := range errs {
		for _, k := range []string{"line", "field", "message"} {
			if _, ok := le[k]; !ok {
				t.Errorf("an import error has no %q: %v", k, le)
			}
		}
	}
	var a cxImportAnswer
	res.decode(t, &a)
	return a
}

const cxPeopleCSV = "Name,E-mail,Country,Party,Position,Institution,Phone,Tags,Language\n" +
	"Amina Yusuf,amina@example.org,Nigeria,APC,Senator,Senate,+234 9 123 4567,ilo;priority,en\n" +
	"Jean-Paul Martin,JP.Martin@Example.org,FRA,,,,,,fr\n" +
	"Nomvula Dlamini,,za,ANC,,,,,\n"

// TestContactImport runs the import and export tests over one environment
// per database, in order: the matching part continues from the first import.
func TestContactImport(t *testing.T) {
	// The large file is written once, in a folder that outlives the subtests.
	bigDir := t.TempDir()
	var bigPath string
	var bigRows int
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := cxEnv(t, st)
		t.Run("DryRunThenRun", func(t *testing.T) { importDryRunThenRun(t, e) })
		t.Run("Matching", func(t *testing.T) { importMatching(t, e) })
		t.Run("BrokenFiles", func(t *testing.T) { importBrokenFiles(t, e) })
		t.Run("Options", func(t *testing.T) { importOptions(t, e) })
		t.Run("ExportsNeutraliseFormulas", func(t *testing.T) { exportsNeutraliseFormulas(t, e) })
		t.Run("LargeFile", func(t *testing.T) {
			if testing.Short() {
				t.Skip("a 50 MB upload")
			}
			if bigPath == "" {
				bigPath, bigRows = cxBigFile(t, bigDir)
			}
			importLargeFile(t, e, bigPath, bigRows)
		})
		t.Run("OverLimit", func(t *testing.T) {
			if testing.Short() {
				t.Skip("a 65 MiB upload")
			}
			importOverLimit(t, e)
		})
	})
}

// importDryRunThenRun: a dry run counts and changes nothing; the
// real run creates the contacts with their posts, and records the file name.
func importDryRunThenRun(t *testing.T, e *env) {
	before := cxState(t, e)
	res := cxImport(t, e, "coordinator@a.test", "senate-2025.csv", []byte(cxPeopleCSV), map[string]string{"dry_run": "true"})
	cxWant(t, "dry run", res, 200, "", "")
	a := decodeImport(t, res)
	if a.Rows != 3 || a.Created != 3 || a.Updated != 0 || a.Skipped != 0 || len(a.Errors) != 0 || !a.DryRun {
		t.Errorf("dry run answered %+v", a)
	}
	cxUnchanged(t, e, before, "a dry run")

	res = cxImport(t, e, "coordinator@a.test", "senate-2025.csv", []byte(cxPeopleCSV), nil)
	cxWant(t, "import", res, 200, "", "")
	if a := decodeImport(t, res); a.Rows != 3 || a.Created != 3 || a.DryRun {
		t.Errorf("import answered %+v", a)
	}
	l := cxGetList(t, e, "viewer@b.test", "/api/v1/contacts?sort=name")
	var names []string
	for _, it := range l.Items {
		names = append(names, it.FullName)
	}
	if want := []string{"Nomvula Dlamini", "Jean-Paul Martin", "Amina Yusuf"}; !slices.Equal(names, want) {
		t.Fatalf("imported %v, want %v", names, want)
	}
	var amina struct {
		Country           string   `json:"country"`
		Party             string   `json:"party"`
		Tags              []string `json:"tags"`
		PreferredLanguage string   `json:"preferred_language"`
		DataSource        string   `json:"data_source"`
		OwnerOrganisation int64    `json:"owner_organisation_id"`
		Phones            []struct {
			Number string `json:"number"`
		} `json:"phones"`
		Positions []struct {
			Title       string `json:"title"`
			Institution string `json:"institution"`
		} `json:"positions"`
	}
	r := e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", l.Items[2].ID), e.token("viewer@b.test"), nil)
	r.decode(t, &amina)
	if amina.Country != "NGA" || amina.Party != "APC" || !slices.Equal(amina.Tags, []string{"ilo", "priority"}) || amina.PreferredLanguage != "en" ||
		len(amina.Phones) != 1 || amina.Phones[0].Number != "+234 9 123 4567" || amina.OwnerOrganisation != e.orgA.ID {
		t.Errorf("imported contact: %+v", amina)
	}
	if len(amina.Positions) != 1 || amina.Positions[0].Title != "Senator" || amina.Positions[0].Institution != "Senate" {
		t.Errorf("imported positions: %+v", amina.Positions)
	}
	for _, it := range l.Items {
		var c struct {
			DataSource string `json:"data_source"`
			Emails     []struct {
				Email string `json:"email"`
			} `json:"emails"`
		}
		e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", it.ID), e.token("viewer@b.test"), nil).decode(t, &c)
		if !strings.Contains(c.DataSource, "senate-2025.csv") {
			t.Errorf("%s: data source %q does not name the file", it.FullName, c.DataSource)
		}
		if it.FullName == "Jean-Paul Martin" && (len(c.Emails) != 1 || c.Emails[0].Email != "jp.martin@example.org") {
			t.Errorf("Jean-Paul Martin's addresses: %+v", c.Emails)
		}
	}
	// Imported contacts are searchable by name, post and institution.
	if got := cxGetList(t, e, "viewer@a.test", "/api/v1/contacts?q=senator").ids(); !slices.Equal(got, []int64{l.Items[2].ID}) {
		t.Errorf("search by imported post: %v", got)
	}
	if got := cxAudit(t, e, "contact.import"); len(got) != 1 || !strings.Contains(got[0], "senate-2025.csv") || !strings.Contains(got[0], "3 created") {
		t.Errorf("audit of the import: %q", got)
	}
}

// importMatching: rows match existing contacts by email, else by
// name and country; mode=skip leaves them, mode=update fills them in, and
// do-not-contact is never cleared.
func importMatching(t *testing.T, e *env) {
	// importDryRunThenRun imported cxPeopleCSV as senate-2025.csv.
	amina := cxGetList(t, e, "member@a.test", "/api/v1/contacts?q=amina").ids()
	nomvula := cxGetList(t, e, "member@a.test", "/api/v1/contacts?q=nomvula").ids()
	if len(amina) != 1 || len(nomvula) != 1 {
		t.Fatalf("first import: %v %v", amina, nomvula)
	}
	// A coordinator marks Amina do-not-contact.
	cxWant(t, "set do-not-contact", e.do("PUT", fmt.Sprintf("/api/v1/contacts/%d", amina[0]), e.token("member@a.test"), map[string]any{
		"first_name": "Amina", "last_name": "Yusuf", "kind": "parliamentarian", "country": "NGA", "party": "APC",
		"emails": []map[string]string{{"email": "amina@example.org"}}, "do_not_contact": true, "do_not_contact_reason": "asked"}), 200, "", "")

	second := "name,email,country,party\n" +
		"Amina Yusuf,AMINA@EXAMPLE.ORG,NGA,PDP\n" + // same address, other case
		"Nomvula Dlamini,nomvula@example.org,South Africa,ANC\n" + // same name and country, a new address
		"Amina Yusuf,,GHA,\n" + // same name, other country: someone else
		"Thabo Molefe,,ZAF,\n" // new
	res := cxImport(t, e, "coordinator@a.test", "second.csv", []byte(second), map[string]string{"mode": "skip", "dry_run": "true"})
	if a := decodeImport(t, res); res.Status != 200 || a.Rows != 4 || a.Created != 2 || a.Skipped != 2 || a.Updated != 0 {
		t.Errorf("skip, dry run: %d %+v", res.Status, a)
	}
	before := cxCounts(t, e)
	res = cxImport(t, e, "coordinator@a.test", "second.csv", []byte(second), nil) // mode defaults to skip
	if a := decodeImport(t, res); res.Status != 200 || a.Created != 2 || a.Skipped != 2 || a.Updated != 0 {
		t.Errorf("skip: %d %+v", res.Status, a)
	}
	if after := cxCounts(t, e); after["contacts"] != before["contacts"]+2 || after["contact_emails"] != before["contact_emails"] {
		t.Errorf("skip changed contacts %d→%d, emails %d→%d", before["contacts"], after["contacts"], before["contact_emails"], after["contact_emails"])
	}
	var c struct {
		Party        string `json:"party"`
		DoNotContact bool   `json:"do_not_contact"`
		DataSource   string `json:"data_source"`
		Emails       []struct {
			Email string `json:"email"`
		} `json:"emails"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", amina[0]), e.token("member@a.test"), nil).decode(t, &c)
	if c.Party != "APC" || strings.Contains(c.DataSource, "second.csv") {
		t.Errorf("a skipped contact changed: %+v", c)
	}

	res = cxImport(t, e, "coordinator@a.test", "update.csv", []byte(second), map[string]string{"mode": "update"})
	if a := decodeImport(t, res); res.Status != 200 || a.Created != 0 || a.Updated != 4 || a.Skipped != 0 {
		t.Errorf("update: %d %+v", res.Status, a)
	}
	e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", amina[0]), e.token("member@a.test"), nil).decode(t, &c)
	if c.Party != "PDP" || !c.DoNotContact || !strings.Contains(c.DataSource, "update.csv") || len(c.Emails) != 1 {
		t.Errorf("updated Amina: %+v (do-not-contact must stay set)", c)
	}
	e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", nomvula[0]), e.token("member@a.test"), nil).decode(t, &c)
	if len(c.Emails) != 1 || c.Emails[0].Email != "nomvula@example.org" || c.Party != "ANC" {
		t.Errorf("updated Nomvula: %+v", c)
	}
	if l := cxGetList(t, e, "member@a.test", "/api/v1/contacts"); l.Total != 5 {
		t.Errorf("%d contacts after the update run, want 5", l.Total)
	}
}

// importBrokenFiles: a broken file answers line-numbered errors
// and changes nothing, in a dry run and in a real one.
func importBrokenFiles(t *testing.T, e *env) {
	cxContact(t, e, "member@a.test", "Existing", "Person", "ESP", nil)
	type want struct {
		line  int
		field string // "" when the error names no field
	}
	for _, c := range []struct {
		name, file string
		mapping    string
		want       []want
		clean      []int // lines that must have no error
	}{
		{"ISO-8859-1 bytes", "name,email,country\nAna Ruiz,ana@example.org,ESP\nJos\xe9 P\xe9rez,jose@example.org,ESP\n", "",
			[]want{{3, "name"}}, []int{2}},
		{"a short row", "name,email,country\nAna Ruiz,ana@example.org,ESP\nLuis Gómez,luis@example.org\n", "",
			[]want{{3, ""}}, []int{2}},
		{"a long row", "name,email,country\nAna Ruiz,ana@example.org,ESP,extra\nLuis Gómez,luis@example.org,ESP\n", "",
			[]want{{2, ""}}, []int{3}},
		{"unknown country", "name,email,country\nAna Ruiz,ana@example.org,Atlantis\nLuis Gómez,luis@example.org,Spain\n", "",
			[]want{{2, "country"}}, []int{3}},
		{"bad email", "name,email,country\nAna Ruiz,ana@@example,ESP\nLuis Gómez,luis@example.org,ESP\nEva Sanz,eva at example.org,ESP\n", "",
			[]want{{2, "emails"}, {4, "emails"}}, []int{3}},
		{"formula cells", "name,email,country,party,phone,tags\n" +
			"\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",a@example.org,ESP,,,\n" +
			"Ana Ruiz,ana@example.org,ESP,+SUM(A1),,\n" +
			"Luis Gómez,@luis,ESP,,,\n" +
			"Eva Sanz,eva@example.org,ESP,,,-2+3\n" +
			"Pau Vidal,pau@example.org,ESP,PSC,+41 22 917 1234,\n" +
			"Joan Puig,joan@example.org,ESP,, =1+1,\n", "",
			[]want{{2, "name"}, {3, "party"}, {4, "email"}, {5, "tags"}, {7, "phone"}}, []int{6}},
		{"no name column", "email,country\nana@example.org,ESP\n", "", []want{{1, "name"}}, nil},
		{"a bad row after good ones", "name,country\nAna Ruiz,ESP\nLuis Gómez,ESP\nEva Sanz,ESP\nPau,Narnia\n", "",
			[]want{{5, "country"}}, []int{2, 3, 4}},
		{"a quoted line break moves the line numbers", "name,email,country\n\"Ana\nRuiz\",ana@example.org,ESP\nLuis Gómez,luis@,ESP\n", "",
			[]want{{4, "emails"}}, []int{2, 3}},
		{"a bare quote", "name,email,country\nAna \"la\" Ruiz,ana@example.org,ESP\nLuis Gómez,luis@example.org,ESP\n", "",
			[]want{{2, ""}}, []int{3}},
		{"an empty file", "", "", []want{{1, ""}}, nil},
		{"only a header", "name,email,country\n", "", nil, nil},
		{"a mapping past the last column", "a,b\nAna Ruiz,ESP\n", `{"name":0,"country":5}`, []want{{1, "country"}}, nil},
		{"a bad language", "name,language\nAna Ruiz,spanish\n", "", []want{{2, "preferred_language"}}, nil},
		{"a bad kind and stance", "name,kind,stance\nAna Ruiz,king,hostile\n", "", []want{{2, "kind"}, {2, "stance"}}, nil},
	} {
		for _, dry := range []string{"true", "false"} {
			fields := map[string]string{"dry_run": dry}
			if c.mapping != "" {
				fields["mapping"] = c.mapping
			}
			before := cxState(t, e)
			res := cxImport(t, e, "coordinator@a.test", "broken.csv", []byte(c.file), fields)
			what := c.name + " (dry_run=" + dry + ")"
			if c.want != nil || dry == "true" { // a real run of an empty file is audited
				cxUnchanged(t, e, before, what)
			}
			if c.want == nil {
				if res.Status != 200 {
					t.Errorf("%s: %d %s", what, res.Status, cxTrim(res.Body))
				}
				continue
			}
			if res.Status != 422 {
				t.Errorf("%s: status %d, want 422: %s", what, res.Status, cxTrim(res.Body))
				continue
			}
			a := decodeImport(t, res)
			for _, w := range c.want {
				if !slices.ContainsFunc(a.Errors, func(le cxLineError) bool {
					return le.Line == w.line && (w.field == "" || le.Field == w.field) && le.Message != ""
				}) {
					t.Errorf("%s: no error on line %d field %q in %+v", what, w.line, w.field, a.Errors)
				}
			}
			for _, le := range a.Errors {
				if slices.Contains(c.clean, le.Line) {
					t.Errorf("%s: line %d is fine but has an error: %+v", what, le.Line, le)
				}
			}
			if a.ErrorsTotal != len(a.Errors) {
				t.Errorf("%s: errors_total %d, %d listed", what, a.ErrorsTotal, len(a.Errors))
			}
		}
	}
}

// importOptions: an explicit mapping works; bad options are a 400
// naming the option and change nothing.
func importOptions(t *testing.T, e *env) {
	file := []byte("Col A,Col B,Col C,Col D\nkofi@example.org,KEN,Kofi Annan,Nairobi\nama@example.org,Kenya,Ama Ata Aidoo,\n")
	before := cxState(t, e)
	res := cxImport(t, e, "admin@a.test", "mapped.csv", file, nil)
	cxWant(t, "unrecognised header", res, 422, "", "")
	if a := decodeImport(t, res); len(a.Errors) != 1 || a.Errors[0].Line != 1 || a.Errors[0].Field != "name" {
		t.Errorf("unrecognised header: %+v", a.Errors)
	}
	for _, c := range []struct {
		name   string
		fields map[string]string
		file   bool
		field  string
	}{
		{"no file", map[string]string{"dry_run": "true"}, false, "file"},
		{"bad mode", map[string]string{"mode": "merge"}, true, "mode"},
		{"bad dry_run", map[string]string{"dry_run": "perhaps"}, true, "dry_run"},
		{"mapping not JSON", map[string]string{"mapping": "name=0"}, true, "mapping"},
		{"mapping of an unknown field", map[string]string{"mapping": `{"name":2,"shoe_size":0}`}, true, "mapping"},
		{"mapping with a wrong type", map[string]string{"mapping": `{"name":"Col C"}`}, true, "mapping"},
	} {
		name := "mapped.csv"
		if !c.file {
			name = ""
		}
		res := cxImport(t, e, "admin@a.test", name, file, c.fields)
		cxWant(t, c.name, res, 400, "invalid", c.field)
	}
	cxUnchanged(t, e, before, "refused imports")

	res = cxImport(t, e, "admin@a.test", "mapped.csv", file, map[string]string{"mapping": `{"email":0,"country":1,"name":2}`})
	cxWant(t, "explicit mapping", res, 200, "", "")
	if a := decodeImport(t, res); a.Created != 2 {
		t.Errorf("explicit mapping: %+v", a)
	}
	l := cxGetList(t, e, "member@a.test", "/api/v1/contacts?country=KEN&sort=name")
	var names []string
	for _, it := range l.Items {
		names = append(names, it.FullName)
	}
	if !slices.Equal(names, []string{"Ama Ata Aidoo", "Kofi Annan"}) {
		t.Errorf("imported with a mapping: %v", names)
	}
	// A file name too long to keep is replaced, not stored.
	res = cxImport(t, e, "admin@a.test", strings.Repeat("n", 240)+".csv", []byte("name\nZed Zulu\n"), nil)
	cxWant(t, "odd file name", res, 200, "", "")
	var c struct {
		DataSource string `json:"data_source"`
	}
	id := cxGetList(t, e, "member@a.test", "/api/v1/contacts?q=zulu").ids()
	if len(id) == 1 {
		e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", id[0]), e.token("member@a.test"), nil).decode(t, &c)
	}
	if !strings.Contains(c.DataSource, "upload.csv") || strings.Contains(c.DataSource, "nnnn") {
		t.Errorf("data source %q", c.DataSource)
	}
}

// cxBigFile writes a CSV of at least 50 MB of good rows followed by one bad
// row, and returns its path and its number of data rows.
func cxBigFile(t *testing.T, dir string) (string, int) {
	t.Helper()
	path := filepath.Join(dir, "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "name,email,country,party,phone")
	filler := strings.Repeat("Parti de la solidarité des travailleurs migrants ", 3)
	rows := 0
	for size := 0; size < 50<<20; rows++ {
		n, _ := fmt.Fprintf(w, "Person%07d Example,p%07d@example.org,CHE,%s%d,+41 22 917 %04d\n", rows, rows, filler, rows%100, rows%10000)
		size += n
	}
	fmt.Fprintln(w, "Last Row,last@example.org,Atlantis,,")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, rows + 1
}

// importLargeFile: a 50 MB upload is read as a stream and answers
// line-numbered errors within seconds, not a 500, and changes nothing.
func importLargeFile(t *testing.T, e *env, path string, rows int) {
	before := cxCounts(t, e)
	for _, dry := range []string{"true", "false"} {
		in, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res := cxImportFrom(t, e, "coordinator@a.test", "big.csv", in, map[string]string{"dry_run": dry})
		took := time.Since(start)
		in.Close()
		t.Logf("%d rows, dry_run=%s: %d in %v", rows, dry, res.Status, took.Round(time.Millisecond))
		if res.Status != 422 {
			t.Fatalf("50 MB file: status %d, want 422: %s", res.Status, cxTrim(res.Body))
		}
		a := decodeImport(t, res)
		if a.Rows != rows || len(a.Errors) != 1 || a.Errors[0].Line != rows+1 || a.Errors[0].Field != "country" {
			t.Errorf("50 MB file: rows %d, errors %+v; want %d rows and one error on line %d", a.Rows, a.Errors, rows, rows+1)
		}
		if took > 20*time.Second {
			t.Errorf("50 MB file took %v", took)
		}
	}
	if after := cxCounts(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the refused file changed the database: %v → %v", before, after)
	}
}

// cxZeroes is an endless reader of CSV-ish bytes.
type cxZeroes struct{ left int64 }

func (z *cxZeroes) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	for i := range p[:n] {
		p[i] = 'a'
		if i%64 == 63 {
			p[i] = '\n'
		}
	}
	z.left -= n
	return int(n), nil
}

// importOverLimit: an upload over the 64 MiB limit is a 413 and changes nothing.
func importOverLimit(t *testing.T, e *env) {
	before := cxCounts(t, e)
	start := time.Now()
	res := cxImportFrom(t, e, "coordinator@a.test", "huge.csv", &cxZeroes{left: 65 << 20}, nil)
	cxWant(t, "65 MiB upload", res, 413, "too_large", "")
	t.Logf("65 MiB upload: %d in %v", res.Status, time.Since(start).Round(time.Millisecond))
	if after := cxCounts(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the refused file changed the database")
	}
}

// exportsNeutraliseFormulas: CSV exports prefix cells a
// spreadsheet would run with an apostrophe, leave phone numbers readable,
// hold only what the user may see, and are audited.
func exportsNeutraliseFormulas(t *testing.T, e *env) {
	contactExports, outreachExports := len(cxAudit(t, e, "contact.export")), len(cxAudit(t, e, "outreach.export"))
	evil := cxContact(t, e, "member@a.test", "Eve", "+Plus", "ISL", map[string]any{"party": `=HYPERLINK("http://evil.example","click")`,
		"phones": []map[string]string{{"number": "+41 22 917 1234"}, {"number": "+41 (0)22 917-12-34"}}, "honorific": "@Dr"})
	plain := cxContact(t, e, "member@a.test", "Zoé", "Quiet", "ISL", nil)
	cxOutreach(t, e, "member@a.test", "=1+2", "coalition", "ISL", evil)
	cxOutreach(t, e, "member@b.test", "B's own note", "organisation", "ISL", evil)

	res := e.do("GET", "/api/v1/contacts.csv?country=ISL", e.token("member@b.test"), nil)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows := cxCSV(t, res)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[col["id"]])
		if r[col["id"]] != fmt.Sprint(evil) {
			continue
		}
		if v := r[col["party"]]; v != `'=HYPERLINK("http://evil.example","click")` {
			t.Errorf("party exported as %q", v)
		}
		if v := r[col["last_name"]]; v != "'+Plus" {
			t.Errorf("last name exported as %q", v)
		}
		if v := r[col["honorific"]]; v != "'@Dr" {
			t.Errorf("honorific exported as %q", v)
		}
		if v := r[col["phones"]]; v != "+41 22 917 1234; +41 (0)22 917-12-34" {
			t.Errorf("phones exported as %q", v)
		}
	}
	if want := []string{fmt.Sprint(evil), fmt.Sprint(plain)}; !slices.Equal(got, want) {
		t.Errorf("exported contacts %v, want %v", got, want)
	}
	if rows := cxCSV(t, e.do("GET", "/api/v1/contacts.csv?country=ISL&q=quiet", e.token("member@b.test"), nil)); len(rows) != 2 || rows[1][0] != fmt.Sprint(plain) {
		t.Errorf("filtered export: %q", rows)
	}

	rows = cxCSV(t, e.do("GET", "/api/v1/outreach.csv?country=ISL", e.token("member@a.test"), nil))
	if len(rows) != 2 {
		t.Fatalf("A's outreach export has %d rows, want the header and 1 (B's private note left out): %q", len(rows), rows)
	}
	if rows[1][6] != "'=1+2" || rows[1][8] != "next: =1+2" {
		t.Errorf("outreach exported as %q", rows[1])
	}
	if rows[1][5] != "'@Dr Eve +Plus" {
		t.Errorf("outreach contacts exported as %q", rows[1][5])
	}
	if got := cxAuditAfter(t, e, "contact.export", contactExports); len(got) != 2 {
		t.Errorf("contact.export audited %d times, want 2: %q", len(got), got)
	}
	if got := cxAuditAfter(t, e, "outreach.export", outreachExports); len(got) != 1 {
		t.Errorf("outreach.export audited %d times, want 1: %q", len(got), got)
	}
	// A refused export is not audited.
	cxWant(t, "viewer exports", e.do("GET", "/api/v1/outreach.csv", e.token("viewer@a.test"), nil), 403, "forbidden", "")
	cxWant(t, "bad filter", e.do("GET", "/api/v1/outreach.csv?type=dinner", e.token("member@a.test"), nil), 400, "invalid", "type")
	if got := cxAuditAfter(t, e, "outreach.export", outreachExports); len(got) != 1 {
		t.Errorf("refused exports were audited: %q", got)
	}
}
