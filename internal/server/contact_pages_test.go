package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

// This file drives the contact and institution pages as a browser would: a
// session cookie from the login form, Sec-Fetch-Site on posts, and
// Post/Redirect/Get with a flash cookie carried to the next page.

// cpBrowser is one signed-in browser: its session and any flash cookie.
type cpBrowser struct {
	e       *env
	session string
	flash   string
}

func cpLogin(e *env, email string) *cpBrowser {
	e.t.Helper()
	form := url.Values{"email": {email}, "password": {testPassword}}
	req, err := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res := e.send(req)
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "ratify_session" && ck.Value != "" {
			return &cpBrowser{e: e, session: ck.Value}
		}
	}
	e.t.Fatalf("sign-in %s: %d, no session cookie", email, res.Status)
	return nil
}

func (b *cpBrowser) send(req *http.Request) response {
	b.e.t.Helper()
	req.AddCookie(&http.Cookie{Name: "ratify_session", Value: b.session})
	if b.flash != "" {
		req.AddCookie(&http.Cookie{Name: "ratify_flash", Value: b.flash})
		b.flash = ""
	}
	if req.Method != "GET" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res := b.e.send(req)
	for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
		if ck.Name == "ratify_flash" && ck.MaxAge >= 0 {
			b.flash = ck.Value
		}
	}
	return res
}

func (b *cpBrowser) get(path string, headers ...string) response {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.send(req)
}

func (b *cpBrowser) post(path string, form url.Values) response {
	b.e.t.Helper()
	req, err := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

func (b *cpBrowser) upload(path, name string, file []byte, fields url.Values) response {
	b.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.e.t.Fatal(err)
			}
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			b.e.t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			b.e.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.e.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req)
}

// follow checks a 303 and fetches where it points, flash included.
func (b *cpBrowser) follow(t *testing.T, what string, res response, wantPrefix string) (string, response) {
	t.Helper()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s: %d, want 303: %s", what, res.Status, cpClip(res.Body))
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, wantPrefix) {
		t.Fatalf("%s: redirected to %q, want %q…", what, loc, wantPrefix)
	}
	return loc, b.get(loc)
}

func cpClip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func cpWant(t *testing.T, what string, res response, status int, contains ...string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: %d, want %d: %s", what, res.Status, status, cpClip(res.Body))
	}
	for _, w := range contains {
		if !strings.Contains(res.Body, w) {
			t.Errorf("%s: body lacks %q", what, w)
		}
	}
}

func cpLacks(t *testing.T, what string, res response, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(res.Body, b) {
			t.Errorf("%s: body holds %q", what, b)
		}
	}
}

// cpContact creates a contact through the API and returns its id.
func cpContact(t *testing.T, e *env, body map[string]any) int64 {
	t.Helper()
	if body["kind"] == nil {
		body["kind"] = "parliamentarian"
	}
	res := e.do("POST", "/api/v1/contacts", e.token("member@a.test"), body)
	if res.Status != http.StatusCreated {
		t.Fatalf("create contact: %d %s", res.Status, res.Body)
	}
	var out struct{ Contact struct{ ID int64 } }
	res.decode(t, &out)
	return out.Contact.ID
}

func cpOutreach(t *testing.T, e *env, summary string, ids ...int64) int64 {
	t.Helper()
	res := e.do("POST", "/api/v1/outreach", e.token("member@a.test"), map[string]any{"type": "meeting", "date": "2024-03-05",
		"contact_ids": ids, "summary": summary, "visibility": "coalition"})
	if res.Status != http.StatusCreated {
		t.Fatalf("log outreach: %d %s", res.Status, res.Body)
	}
	var out struct{ ID int64 }
	res.decode(t, &out)
	return out.ID
}

type cpContactJSON struct {
	Emails    []struct{ Email string }
	Tags      []string
	Positions []struct {
		Title   string
		EndDate *string `json:"end_date"`
	}
}

func cpGetContact(t *testing.T, e *env, id int64) (int, cpContactJSON) {
	t.Helper()
	res := e.do("GET", "/api/v1/contacts/"+apiID(id), e.token("member@a.test"), nil)
	var c cpContactJSON
	if res.Status == http.StatusOK {
		res.decode(t, &c)
	}
	return res.Status, c
}

func cpCount(t *testing.T, e *env, q string, args ...any) int64 {
	t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if e.st.Dialect() == "postgres" {
		for i := range args {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i+1), 1)
		}
	}
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestContactPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		viewer := cpLogin(e, "viewer@b.test")
		member := cpLogin(e, "member@a.test")
		coord := cpLogin(e, "coordinator@b.test")

		jose := cpContact(t, e, map[string]any{"first_name": "José", "last_name": "Núñez", "country": "ESP", "party": "Verdes",
			"emails": []map[string]string{{"email": "jose.nunez@congreso.example"}}, "stance": "supportive"})
		amina := cpContact(t, e, map[string]any{"first_name": "Amina", "last_name": "Diallo", "country": "SEN", "kind": "minister",
			"emails": []map[string]string{{"email": "a.diallo@gouv.example"}}})

		t.Run("list and search", func(t *testing.T) {
			res := viewer.get("/contacts")
			cpWant(t, "/contacts", res, 200, "José Núñez", "Amina Diallo", `href="/contacts/`+apiID(jose)+`"`, "Supportive")
			cpLacks(t, "/contacts for a viewer", res, `action="/contacts/tags"`, "New contact", "/contacts.csv", "Import CSV")

			res = viewer.get("/contacts?q=jose+NUNEZ")
			cpWant(t, "accent-insensitive search", res, 200, "José Núñez", `value="jose NUNEZ"`)
			cpLacks(t, "accent-insensitive search", res, "Amina Diallo")

			res = viewer.get("/contacts?q=n%C3%BA%C3%B1ez", "HX-Request", "true", "HX-Target", "contact-results")
			cpWant(t, "htmx search", res, 200, "José Núñez")
			cpLacks(t, "htmx fragment", res, "<html", "<nav", "Amina")

			cpWant(t, "search by email", viewer.get("/contacts?q=gouv.example"), 200, "Amina Diallo")
			res = viewer.get("/contacts?country=SEN&kind=minister")
			cpWant(t, "filters", res, 200, "Amina Diallo", `<option value="SEN" selected>`)
			cpLacks(t, "filters", res, "José")
			cpWant(t, "sort by country", viewer.get("/contacts?sort=country&dir=desc"), 200, `aria-sort="descending"`)

			res = viewer.get("/contacts?q=nobody+at+all")
			cpWant(t, "empty search", res, 200, "No contact matches this search", `href="/contacts">clear the filters`)

			res = viewer.get("/contacts?language=xyz")
			cpWant(t, "bad filter", res, 400, "two-letter")
			res = viewer.get("/contacts?sort=evil")
			cpWant(t, "bad sort", res, 400, "sort by name")

			res = member.get("/contacts?country=SEN")
			cpWant(t, "/contacts for a member", res, 200, `action="/contacts/tags"`, `href="/contacts.csv?country=SEN"`, `name="ids" value="`+apiID(amina)+`"`)
			cpLacks(t, "/contacts for a member", res, "/contacts/import")
			cpWant(t, "/contacts for a coordinator", coord.get("/contacts"), 200, `href="/contacts/import"`)
		})

		t.Run("csv export", func(t *testing.T) {
			res := member.get("/contacts.csv?country=SEN")
			cpWant(t, "csv", res, 200, "Diallo")
			cpLacks(t, "csv", res, "Núñez")
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("csv content type %q", ct)
			}
			cpWant(t, "csv for a viewer", viewer.get("/contacts.csv"), 403)
		})

		t.Run("create with a duplicate warning", func(t *testing.T) {
			cpWant(t, "new form", member.get("/contacts/new"), 200, `name="email"`, `id="email-2"`, `id="phone-2"`, `name="tags"`)
			form := url.Values{"first_name": {"Jose"}, "last_name": {"Nunez"}, "kind": {"diplomat"}, "country": {"ESP"},
				"email": {"other@mission.example", "", ""}, "email_label": {"office", "", ""}, "phone": {"+41 22 555 01 02", "", ""},
				"phone_label": {"desk", "", ""}, "tags": {"Geneva, champion"}, "languages": {"es, en"}, "stance": {"undecided"}}
			loc, page := member.follow(t, "create", member.post("/contacts", form), "/contacts/")
			cpWant(t, loc, page, 200, "Jose Nunez was added", "look like the same person", "This may be the same person as",
				`href="/contacts/`+apiID(jose)+`"`, "same name and country", "A coordinator can merge", "&#43;41 22 555 01 02", "geneva")
			cpLacks(t, loc+" for a member", page, "Compare and merge")
			id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/contacts/"), 10, 64)
			cpWant(t, loc+" for a coordinator", coord.get(loc), 200, "Compare and merge", "/contacts/"+apiID(id)+"/erase", "/contacts/"+apiID(id)+"/export")

			_, page = member.follow(t, "same email", member.post("/contacts", url.Values{"last_name": {"Somebody"}, "kind": {"other"},
				"email": {"A.Diallo@gouv.example"}}), "/contacts/")
			cpWant(t, "same email", page, 200, "same email address", "Amina Diallo")
		})

		t.Run("form shown again on bad input", func(t *testing.T) {
			before := cpCount(t, e, "SELECT count(*) FROM contacts")
			res := member.post("/contacts", url.Values{"first_name": {"Nadia"}, "kind": {"minister"}, "email": {"not-an-email"},
				"stance_date": {"yesterday"}, "country": {"ZZZ"}})
			cpWant(t, "bad create", res, 400, "Nothing was saved", `value="Nadia"`, `value="not-an-email"`,
				"is not a valid email address", "use a date such as", `aria-invalid="true"`)
			if after := cpCount(t, e, "SELECT count(*) FROM contacts"); after != before {
				t.Errorf("a bad form created a contact: %d → %d", before, after)
			}

			cpWant(t, "edit form", member.get("/contacts/"+apiID(amina)+"/edit"), 200, `value="a.diallo@gouv.example"`, `value="Amina"`)
			res = member.post("/contacts/"+apiID(amina), url.Values{"first_name": {"Amina"}, "last_name": {"Diallo"}, "kind": {"minister"},
				"country": {"SEN"}, "email": {"a.diallo@gouv.example", "broken@"}, "preferred_language": {"French"}})
			cpWant(t, "bad edit", res, 400, `value="broken@"`, "“broken@” is not a valid email address", "two-letter language code")
			if _, c := cpGetContact(t, e, amina); len(c.Emails) != 1 {
				t.Errorf("a bad edit changed the addresses: %+v", c.Emails)
			}
			_, page := member.follow(t, "good edit", member.post("/contacts/"+apiID(amina), url.Values{"first_name": {"Amina"},
				"last_name": {"Diallo"}, "kind": {"minister"}, "country": {"SEN"}, "email": {"a.diallo@gouv.example", "amina@home.example"},
				"preferred_language": {"fr"}, "stance": {"supportive"}, "stance_evidence": {"Spoke for ratification in plenary."}}), "/contacts/")
			cpWant(t, "after edit", page, 200, "Changes to Amina Diallo saved", "amina@home.example", "Spoke for ratification in plenary.")
		})

		t.Run("html is escaped", func(t *testing.T) {
			_, page := member.follow(t, "xss create", member.post("/contacts", url.Values{"first_name": {"<script>alert(1)</script>"},
				"last_name": {"Evil"}, "kind": {"other"}, "tags": {"x"}}), "/contacts/")
			cpWant(t, "xss page", page, 200, "&lt;script&gt;alert(1)&lt;/script&gt;")
			cpLacks(t, "xss page", page, "<script>alert(1)")
			res := viewer.get("/contacts?q=evil")
			cpWant(t, "xss list", res, 200, "&lt;script&gt;alert(1)&lt;/script&gt;")
			cpLacks(t, "xss list", res, "<script>alert(1)")
		})

		t.Run("bulk tag", func(t *testing.T) {
			res := member.post("/contacts/tags", url.Values{"ids": {apiID(jose), apiID(amina)}, "tag": {"Labour Committee"},
				"back": {"q=di&country=SEN&next=https://evil.example"}})
			loc, page := member.follow(t, "bulk tag", res, "/contacts?")
			if strings.Contains(loc, "evil") || !strings.Contains(loc, "country=SEN") {
				t.Errorf("bulk tag went back to %q", loc)
			}
			cpWant(t, "after bulk tag", page, 200, "Tagged 2 contact(s) “labour committee”")
			for _, id := range []int64{jose, amina} {
				if _, c := cpGetContact(t, e, id); !strings.Contains(strings.Join(c.Tags, ","), "labour committee") {
					t.Errorf("contact %d tags %v", id, c.Tags)
				}
			}
			res = member.post("/contacts/tags", url.Values{"tag": {"x"}, "back": {"country=SEN"}})
			cpWant(t, "bulk tag without contacts", res, 400, "Nothing was tagged", "choose contacts", "Amina Diallo")
			res = member.post("/contacts/tags", url.Values{"ids": {apiID(jose)}, "tag": {"<b>"}})
			cpWant(t, "bulk tag with a bad tag", res, 400, "a tag is 1–50 letters", `value="&lt;b&gt;"`)
			cpWant(t, "bulk tag by a viewer", viewer.post("/contacts/tags", url.Values{"ids": {apiID(jose)}, "tag": {"x"}}), 403)
		})

		t.Run("posts and institutions", func(t *testing.T) {
			cpWant(t, "new institution for a viewer", viewer.get("/institutions/new"), 403)
			res := member.post("/institutions", url.Values{"name": {""}, "kind": {"parliament"}, "country": {"ESP"}})
			cpWant(t, "bad institution", res, 400, "enter the institution", `<option value="ESP" selected>`)
			loc, page := member.follow(t, "parliament", member.post("/institutions", url.Values{"name": {"Congreso de los Diputados"},
				"kind": {"parliament"}, "country": {"ESP"}, "location": {"Madrid"}}), "/institutions/")
			cpWant(t, "parliament", page, 200, "Congreso de los Diputados was added", "Spain")
			parl := strings.TrimPrefix(loc, "/institutions/")
			_, page = member.follow(t, "committee", member.post("/institutions", url.Values{"name": {"Comisión de Trabajo"},
				"kind": {"parliamentary_committee"}, "country": {"ESP"}, "parent_id": {parl}}), "/institutions/")
			cpWant(t, "committee", page, 200, "part of <a href=\"/institutions/"+parl+"\">Congreso de los Diputados</a>")
			res = member.post("/institutions", url.Values{"name": {"Elsewhere"}, "kind": {"ministry"}, "country": {"SEN"}, "parent_id": {parl}})
			cpWant(t, "parent in another country", res, 400, "the parent is in another country")
			cpWant(t, "institutions list", viewer.get("/institutions?country=ESP"), 200, "Comisión de Trabajo", "Congreso de los Diputados")
			cpWant(t, "parent menu", member.get("/institutions/new?country=ESP"), 200, `<option value="`+parl+`">Congreso de los Diputados</option>`)

			res = member.post("/contacts/"+apiID(jose)+"/positions", url.Values{"title": {""}, "institution_id": {parl}})
			cpWant(t, "bad post", res, 400, "enter the post", "José Núñez")
			_, page = member.follow(t, "add post", member.post("/contacts/"+apiID(jose)+"/positions", url.Values{"title": {"Diputado"},
				"institution_id": {parl}, "start_date": {"2019-05-21"}}), "/contacts/")
			cpWant(t, "after add post", page, 200, "Post added", "Diputado", "21 May 2019", `datetime="2019-05-21"`)
			cpWant(t, "search by institution", viewer.get("/contacts?q=congreso"), 200, "José Núñez")
			cpWant(t, "people of an institution", viewer.get("/institutions/"+parl), 200, "José Núñez")

			_, c := cpGetContact(t, e, jose)
			if len(c.Positions) != 1 {
				t.Fatalf("positions %+v", c.Positions)
			}
			res = e.do("GET", "/api/v1/contacts/"+apiID(jose)+"/positions", e.token("member@a.test"), nil)
			var ps struct{ Items []struct{ ID int64 } }
			res.decode(t, &ps)
			pid := apiID(ps.Items[0].ID)
			res = member.post("/contacts/"+apiID(jose)+"/positions/"+pid, url.Values{"title": {"Diputado"}, "institution_id": {parl},
				"start_date": {"2019-05-21"}, "end_date": {"2018-01-01"}})
			cpWant(t, "end before start", res, 400, "the end cannot come before the start", `value="2018-01-01"`)
			_, page = member.follow(t, "end post", member.post("/contacts/"+apiID(jose)+"/positions/"+pid, url.Values{"title": {"Diputado"},
				"institution_id": {parl}, "start_date": {"2019-05-21"}, "end_date": {"2023-08-16"}}), "/contacts/")
			cpWant(t, "after end post", page, 200, "Post updated", "Past posts", "16 Aug 2023", "No current post recorded")
		})

		t.Run("delete asks when the contact is in outreach", func(t *testing.T) {
			a := cpContact(t, e, map[string]any{"first_name": "Karl", "last_name": "Deleted", "country": "DEU"})
			b := cpContact(t, e, map[string]any{"first_name": "Lena", "last_name": "Stays", "country": "DEU"})
			cpOutreach(t, e, "Breakfast briefing in Berlin", a, b)
			cpWant(t, "delete page for a viewer", viewer.get("/contacts/"+apiID(a)+"/delete"), 403)
			cpWant(t, "delete page", member.get("/contacts/"+apiID(a)+"/delete"), 200, "appears in 1 outreach record", `name="confirm" value="yes"`)
			res := member.post("/contacts/"+apiID(a)+"/delete", nil)
			cpWant(t, "delete without confirmation", res, 409, "appears in 1 outreach record", "Yes, delete Karl Deleted")
			if s, _ := cpGetContact(t, e, a); s != 200 {
				t.Fatalf("unconfirmed delete removed the contact: %d", s)
			}
			_, page := member.follow(t, "delete", member.post("/contacts/"+apiID(a)+"/delete", url.Values{"confirm": {"yes"}}), "/contacts")
			cpWant(t, "after delete", page, 200, "Karl Deleted was deleted", "stay and show a removed contact")
			cpWant(t, "deleted contact", member.get("/contacts/"+apiID(a)), 404)
			res = viewer.get("/contacts/" + apiID(b))
			cpWant(t, "other contact's timeline", res, 200, "Breakfast briefing in Berlin", "removed contact")
			cpLacks(t, "other contact's timeline", res, "Karl")
		})

		t.Run("merge", func(t *testing.T) {
			keep := cpContact(t, e, map[string]any{"first_name": "Maria", "last_name": "Santos", "country": "PHL",
				"emails": []map[string]string{{"email": "m.santos@senate.example"}}})
			drop := cpContact(t, e, map[string]any{"first_name": "María", "last_name": "Santos", "country": "PHL",
				"emails": []map[string]string{{"email": "maria@home.example"}}})
			cpOutreach(t, e, "Call about the ILO convention", drop)
			res := e.do("POST", "/api/v1/followups", e.token("member@a.test"), map[string]any{"title": "Send the briefing note",
				"due_date": "2030-01-10", "contact_id": drop})
			if res.Status != http.StatusCreated {
				t.Fatalf("follow-up: %d %s", res.Status, res.Body)
			}
			cpWant(t, "merge page for a member", member.get("/contacts/"+apiID(keep)+"/merge"), 403)
			res = coord.get("/contacts/" + apiID(keep) + "/merge")
			cpWant(t, "merge page", res, 200, "María Santos", "same name and country", `name="keep" value="`+apiID(drop)+`"`, "1 record(s)")
			cpWant(t, "merge with a chosen contact", coord.get("/contacts/"+apiID(keep)+"/merge?with="+apiID(amina)), 200, "chosen by you", "Amina Diallo")
			cpWant(t, "merge with nobody", coord.get("/contacts/"+apiID(keep)+"/merge?with=999999"), 200, "There is no contact number")

			form := url.Values{"a": {apiID(keep)}, "b": {apiID(drop)}, "keep": {apiID(keep)}}
			cpWant(t, "merge by a member", member.post("/contacts/merge", form), 403)
			cpWant(t, "merge keeping a third", coord.post("/contacts/merge", url.Values{"a": {apiID(keep)}, "b": {apiID(drop)}, "keep": {apiID(amina)}}), 400)
			_, page := coord.follow(t, "merge", coord.post("/contacts/merge", form), "/contacts/"+apiID(keep))
			cpWant(t, "after merge", page, 200, "Merged contact #"+apiID(drop), "Call about the ILO convention", "Send the briefing note",
				"maria@home.example", "m.santos@senate.example")
			cpWant(t, "merged-away contact", coord.get("/contacts/"+apiID(drop)), 404)
		})

		t.Run("export and erase", func(t *testing.T) {
			id := cpContact(t, e, map[string]any{"first_name": "Olga", "last_name": "Forgotten", "country": "UKR", "party": "Independent",
				"emails": []map[string]string{{"email": "olga@rada.example"}, {"email": "olga@home.example"}}, "tags": []string{"erase-me"}})
			cpOutreach(t, e, "Met at the Rada", id)
			cpWant(t, "export by a member", member.get("/contacts/"+apiID(id)+"/export"), 403)
			res := coord.get("/contacts/" + apiID(id) + "/export")
			cpWant(t, "export", res, 200, `"first_name":"Olga"`, "Met at the Rada")
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
				t.Errorf("export disposition %q", cd)
			}

			cpWant(t, "erase page for a member", member.get("/contacts/"+apiID(id)+"/erase"), 403)
			cpWant(t, "erase by a member", member.post("/contacts/"+apiID(id)+"/erase", url.Values{"confirm": {"yes"}}), 403)
			cpWant(t, "erase page", coord.get("/contacts/"+apiID(id)+"/erase"), 200, "cannot be undone", "2 email address(es)")
			cpWant(t, "erase unconfirmed", coord.post("/contacts/"+apiID(id)+"/erase", nil), 400, "Tick the box")
			if s, _ := cpGetContact(t, e, id); s != 200 {
				t.Fatalf("unconfirmed erase removed the contact: %d", s)
			}
			_, page := coord.follow(t, "erase", coord.post("/contacts/"+apiID(id)+"/erase", url.Values{"confirm": {"yes"}}), "/contacts")
			cpWant(t, "after erase", page, 200, "was erased; 2 address(es) are on the suppression list")
			if n := cpCount(t, e, "SELECT count(*) FROM suppressions WHERE email IN ('olga@rada.example', 'olga@home.example')"); n != 2 {
				t.Errorf("suppressions after erasure: %d", n)
			}
			if n := cpCount(t, e, "SELECT count(*) FROM contacts WHERE id = ? AND first_name = '' AND last_name = '' AND party = '' AND erased_at IS NOT NULL", id); n != 1 {
				t.Errorf("erased contact still holds personal fields")
			}
			if n := cpCount(t, e, "SELECT count(*) FROM contact_emails WHERE contact_id = ?", id) + cpCount(t, e, "SELECT count(*) FROM contact_tags WHERE contact_id = ?", id); n != 0 {
				t.Errorf("erased contact keeps %d emails or tags", n)
			}
			cpWant(t, "erased contact", coord.get("/contacts/"+apiID(id)), 404)
			cpLacks(t, "list after erasure", viewer.get("/contacts?q=olga"), "Forgotten")
		})

		t.Run("import", func(t *testing.T) {
			cpWant(t, "import page for a member", member.get("/contacts/import"), 403)
			cpWant(t, "import by a member", member.upload("/contacts/import", "c.csv", []byte("name\nX\n"), nil), 403)
			cpWant(t, "import page", coord.get("/contacts/import"), 200, `enctype="multipart/form-data"`, "Check the file")
			cpWant(t, "import without a file", coord.upload("/contacts/import", "", nil, nil), 400, "choose the CSV file")

			bad := "Full name,E-mail,Country,Party\n" +
				"Ana Lima,ana@camara.example,Brazil,PT\n" +
				"Bruno Costa,not-an-address,BRA,PSDB\n" +
				"Carla Dias,carla@camara.example,Atlantis,PT\n" +
				"Diego Reis,=SUM(A1),BRA,\n"
			before := cpCount(t, e, "SELECT count(*) FROM contacts")
			res := coord.upload("/contacts/import", "deputados.csv", []byte(bad), nil)
			cpWant(t, "dry run with errors", res, 422, "3 problem(s) in 4 row(s)", "Email(s)", "<td class=\"num\">3</td>", "“not-an-address” is not a valid email address",
				"<td class=\"num\">4</td>", "unknown country", "<td class=\"num\">5</td>", "spreadsheet formula",
				`name="mapping_given" value="1"`, `<option value="0" selected>Column 1: Full name</option>`, "Choose the file again")
			res = coord.upload("/contacts/import", "deputados.csv", []byte(bad), url.Values{"dry_run": {"false"}, "mode": {"skip"}})
			cpWant(t, "import with errors", res, 422, "Nothing was imported: 3 problem(s)")
			if after := cpCount(t, e, "SELECT count(*) FROM contacts"); after != before {
				t.Fatalf("a file with bad rows changed the contacts: %d → %d", before, after)
			}

			good := "Nome,Correio,Land,Party\n" +
				"Ana Lima,ana@camara.example,Brazil,PT\n" +
				"Bruno Costa,bruno@camara.example,BRA,PSDB\n" +
				"Amina Diallo,a.diallo@gouv.example,SEN,\n"
			mapping := url.Values{"mapping_given": {"1"}, "map_name": {"0"}, "map_email": {"1"}, "map_country": {"2"}, "map_party": {"3"}}
			res = coord.upload("/contacts/import", "deputados.csv", []byte(good), mapping)
			cpWant(t, "dry run", res, 200, "Check passed: 3 row(s) are fine", "<dt>New contacts</dt><dd>2</dd>", "1 would be skipped", "Nothing has been imported yet")
			if after := cpCount(t, e, "SELECT count(*) FROM contacts"); after != before {
				t.Fatalf("a dry run changed the contacts: %d → %d", before, after)
			}
			mapping.Set("dry_run", "false")
			mapping.Set("mode", "skip")
			_, page := coord.follow(t, "import", coord.upload("/contacts/import", "deputados.csv", []byte(good), mapping), "/contacts?")
			cpWant(t, "after import", page, 200, "Imported deputados.csv: 3 row(s), 2 created, 0 updated, 1 skipped", "Ana Lima", "Bruno Costa")
			if after := cpCount(t, e, "SELECT count(*) FROM contacts"); after != before+2 {
				t.Errorf("import created %d contacts, want 2", after-before)
			}
		})

		t.Run("permissions", func(t *testing.T) {
			cpWant(t, "new contact for a viewer", viewer.get("/contacts/new"), 403)
			cpWant(t, "create by a viewer", viewer.post("/contacts", url.Values{"last_name": {"V"}, "kind": {"other"}}), 403)
			cpWant(t, "edit page for a viewer", viewer.get("/contacts/"+apiID(jose)+"/edit"), 403)
			cpWant(t, "edit by a viewer", viewer.post("/contacts/"+apiID(jose), url.Values{"last_name": {"V"}, "kind": {"other"}}), 403)
			cpWant(t, "post by a viewer", viewer.post("/contacts/"+apiID(jose)+"/positions", url.Values{"title": {"x"}}), 403)
			cpWant(t, "institution by a viewer", viewer.post("/institutions", url.Values{"name": {"x"}}), 403)
			cpWant(t, "contact page for a viewer", viewer.get("/contacts/"+apiID(jose)), 200, "José Núñez")
			cpLacks(t, "contact page for a viewer", viewer.get("/contacts/"+apiID(jose)), "/edit", "/delete", "/erase", "Log outreach</a>")
			cpWant(t, "unknown contact", viewer.get("/contacts/999999"), 404)
			cpWant(t, "not an id", viewer.get("/contacts/abc"), 404)
			cpWant(t, "import page for a viewer", viewer.get("/contacts/import"), 403)
			cpWant(t, "erase by a member", member.post("/contacts/"+apiID(jose)+"/erase", url.Values{"confirm": {"yes"}}), 403)
			cpWant(t, "merge page for a member", member.get("/contacts/"+apiID(jose)+"/merge"), 403)
		})
	})
}
