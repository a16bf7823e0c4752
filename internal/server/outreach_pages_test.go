package server_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/dbtest"
	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// This file drives the outreach and follow-up pages as a browser would: a
// cookie jar signed in through the login form, Sec-Fetch-Site on posts,
// htmx requests marked by HX-Request and HX-Target.

// opBrowser is one signed-in browser with its own cookies (session, flash).
type opBrowser struct {
	t     *testing.T
	e     *env
	email string
	c     *http.Client
}

func opSignIn(t *testing.T, e *env, email string) *opBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &opBrowser{t: t, e: e, email: email, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	res := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %.300s", email, res.Status, res.Body)
	}
	return b
}

func (b *opBrowser) send(method, path string, body url.Values, headers map[string]string) response {
	b.t.Helper()
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequest(method, b.e.srv.URL+path, strings.NewReader(body.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
	} else {
		req, err = http.NewRequest(method, b.e.srv.URL+path, nil)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, rerr := res.Body.Read(buf)
		sb.Write(buf[:n])
		if rerr != nil {
			break
		}
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: sb.String()}
}

func (b *opBrowser) get(path string) response { b.t.Helper(); return b.send("GET", path, nil, nil) }

func (b *opBrowser) post(path string, form url.Values) response {
	b.t.Helper()
	return b.send("POST", path, form, nil)
}

// hx is an htmx request aimed at the element with id target.
func (b *opBrowser) hx(path, target string) response {
	b.t.Helper()
	return b.send("GET", path, nil, map[string]string{"HX-Request": "true", "HX-Target": target})
}

// page fetches a page and checks its status.
func (b *opBrowser) page(path string, status int) string {
	b.t.Helper()
	res := b.get(path)
	if res.Status != status {
		b.t.Errorf("%s: GET %s: %d, want %d: %.400s", b.email, path, res.Status, status, res.Body)
	}
	return res.Body
}

// postTo posts a form and checks the status and, for redirects, the target.
func (b *opBrowser) postTo(path string, form url.Values, status int, location string) response {
	b.t.Helper()
	res := b.post(path, form)
	if res.Status != status {
		b.t.Errorf("%s: POST %s: %d, want %d: %.600s", b.email, path, res.Status, status, res.Body)
	}
	if location != "" && res.Header.Get("Location") != location {
		b.t.Errorf("%s: POST %s went to %q, want %q", b.email, path, res.Header.Get("Location"), location)
	}
	return res
}

func opHas(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func opLacks(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, x := range bad {
		if i := strings.Index(body, x); i >= 0 {
			t.Errorf("%s contains %q: …%s…", what, x, body[max(0, i-100):min(len(body), i+len(x)+100)])
		}
	}
}

// opSection is the part of a page from the element with the id to the end
// of its section.
func opSection(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

var opOutreachURL = regexp.MustCompile(`^/outreach/(\d+)$`)

// opLogged logs outreach through the form and returns its id.
func opLogged(t *testing.T, b *opBrowser, form url.Values) int64 {
	t.Helper()
	res := b.post("/outreach", form)
	m := opOutreachURL.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("log outreach: %d %q %.600s", res.Status, res.Header.Get("Location"), res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func opContact(t *testing.T, e *env, first, last, iso3 string) int64 {
	t.Helper()
	r, err := e.svc.CreateContact(context.Background(), service.Actor{User: e.users["member@a.test"]},
		model.Contact{FirstName: first, LastName: last, Kind: model.ContactDiplomat, CountryISO3: &iso3})
	if err != nil {
		t.Fatalf("contact %s %s: %v", first, last, err)
	}
	return r.Contact.ID
}

func opDay(e *env, days int) string {
	return e.clock.Now().UTC().AddDate(0, 0, days).Format("2006-01-02")
}

func opID(id int64) string { return strconv.FormatInt(id, 10) }

func opOutreachCount(t *testing.T, e *env) int64 {
	t.Helper()
	var n int64
	res := e.do("GET", "/api/v1/outreach", e.token("admin@a.test"), nil)
	var body struct{ Total int64 }
	res.decode(t, &body)
	n = body.Total
	return n
}

func TestOutreachPagesLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		jose := opContact(t, e, "José", "Núñez", "SEN")
		amina := opContact(t, e, "Amina", "Diallo", "SEN")
		opContact(t, e, "Pierre", "Durand", "FRA")
		member := opSignIn(t, e, "member@a.test")

		t.Run("nav", func(t *testing.T) {
			home := member.page("/", 200)
			opHas(t, "member's nav", home, `href="/outreach/new"`, "Log outreach", `href="/followups"`, `href="/contacts"`, `href="/outreach"`,
				`<abbr title="Org A">A</abbr>`)
			dossier := member.page("/countries/SEN", 200)
			opHas(t, "nav on a dossier", dossier, `href="/outreach/new?country=SEN"`)
			opHas(t, "nav on a contact page", member.page("/contacts/"+opID(amina), 200), `href="/outreach/new?contact=`+opID(amina)+`"`)
			viewer := opSignIn(t, e, "viewer@a.test").page("/", 200)
			opLacks(t, "viewer's nav", viewer, "Log outreach", `href="/followups"`)
			opHas(t, "viewer's nav", viewer, `href="/outreach"`)
		})

		t.Run("quick form is prefilled", func(t *testing.T) {
			body := member.page("/outreach/new?country=SEN", 200)
			opHas(t, "/outreach/new?country=SEN", body, `<option value="SEN" selected>`, `name="date" type="date" required max="`+opDay(e, 0)+`" value="`+opDay(e, 0)+`"`,
				"Amina Diallo", `hx-get="/contacts/picker/chip?id=`+opID(amina)+`"`, `<noscript>`, `name="contact_ids" multiple`)
			body = member.page("/outreach/new?contact="+opID(jose), 200)
			opHas(t, "/outreach/new?contact=", body, `<option value="SEN" selected>`, `<input type="hidden" name="contact_ids" value="`+opID(jose)+`">`)
			member.page("/outreach/new?contact=999999", 404)
			member.page("/outreach/new?contact=abc", 404)
			opLacks(t, "unknown country", member.page("/outreach/new?country=ZZZ", 200), "ZZZ")
		})

		t.Run("picker", func(t *testing.T) {
			res := member.hx("/contacts/picker?q=nunez", "picker-results")
			if res.Status != 200 {
				t.Fatalf("picker: %d %s", res.Status, res.Body)
			}
			opHas(t, "picker for nunez", res.Body, "José Núñez", `hx-get="/contacts/picker/chip?id=`+opID(jose)+`"`, `hx-target="#chosen-contacts"`, `hx-swap="beforeend"`)
			opLacks(t, "picker fragment", res.Body, "<!doctype", "Amina")
			res = member.hx("/contacts/picker?q=&country=SEN&contact_ids="+opID(amina), "picker-results")
			// Someone already chosen stays in the matches, marked, so that a
			// late answer keeps the button a keyboard user had the focus on.
			opHas(t, "picker suggestions", res.Body, "José Núñez", `aria-label="Add José Núñez">Add<`,
				`id="pick-`+opID(amina)+`"`, `aria-label="Already added: Amina Diallo">Added<`)
			opLacks(t, "picker suggestions", res.Body, "Pierre", `aria-label="Add Amina Diallo"`)
			opHas(t, "picker without a match", member.hx("/contacts/picker?q=zzzz", "picker-results").Body, "Nobody matches")
			full := member.page("/contacts/picker?q=DIALLO", 200)
			opHas(t, "plain picker page", full, "<!doctype", `href="/outreach/new?contact=`+opID(amina)+`"`)

			chip := member.hx("/contacts/picker/chip?id="+opID(jose), "chosen-contacts")
			opHas(t, "chip", chip.Body, `<li class="chip">`, `name="contact_ids" value="`+opID(jose)+`"`, `hx-get="/contacts/picker/none"`, `hx-target="closest .chip"`, "José Núñez")
			if again := member.hx("/contacts/picker/chip?id="+opID(jose)+"&contact_ids="+opID(jose), "chosen-contacts"); again.Status != 200 || again.Body != "" {
				t.Errorf("a chip chosen twice: %d %q", again.Status, again.Body)
			}
			if res := member.hx("/contacts/picker/chip?id=999999", "chosen-contacts"); res.Status != 404 {
				t.Errorf("chip of an unknown contact: %d", res.Status)
			}
			if res := member.hx("/contacts/picker/none", "x"); res.Status != 200 || res.Body != "" {
				t.Errorf("picker/none: %d %q", res.Status, res.Body)
			}
		})

		form := url.Values{"type": {"meeting"}, "date": {opDay(e, -1)}, "country": {"SEN"}, "contact_ids": {opID(jose), opID(amina)},
			"instruments": {"ICRMW", "C143"}, "summary": {"Met the labour attaché; open to a briefing."}, "outcome": {"positive"},
			"next_steps": {"Send the briefing pack"}, "visibility": {"coalition"}}

		t.Run("plain HTML chip buttons save nothing", func(t *testing.T) {
			before := opOutreachCount(t, e)
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("remove_contact", opID(jose))
			body := member.postTo("/outreach", f, 200, "").Body
			opLacks(t, "form after Remove", body, `name="contact_ids" value="`+opID(jose)+`"`)
			opHas(t, "form after Remove", body, `name="contact_ids" value="`+opID(amina)+`"`, "Met the labour attaché",
				`aria-controls="picker-results" autofocus>`)
			f.Del("remove_contact")
			f.Set("contact_ids", opID(amina))
			f.Set("add_contact", opID(jose))
			body = member.postTo("/outreach", f, 200, "").Body
			opHas(t, "form after Add", body, `name="contact_ids" value="`+opID(jose)+`"`, `name="contact_ids" value="`+opID(amina)+`"`)
			// The focus goes back to the people search, not to the first field.
			opHas(t, "form after Add", body, `aria-controls="picker-results" autofocus>`)
			opLacks(t, "form after Add", body, `name="type" required autofocus`)
			if after := opOutreachCount(t, e); after != before {
				t.Errorf("outreach count %d → %d", before, after)
			}
		})

		t.Run("bad input is shown again and saves nothing", func(t *testing.T) {
			before := opOutreachCount(t, e)
			body := member.postTo("/outreach", url.Values{"type": {"lunch"}, "date": {"yesterday"}, "country": {"SEN"},
				"contact_ids": {opID(amina), "x"}, "summary": {""}, "visibility": {"coalition"}, "next_steps": {"keep me"}}, 400, "").Body
			opHas(t, "form with errors", body, "use a date such as", "say briefly what happened", "choose people from the list",
				"choose meeting, call", `aria-invalid="true"`, "keep me", `name="contact_ids" value="`+opID(amina)+`"`, `<option value="SEN" selected>`)
			body = member.postTo("/outreach", url.Values{"type": {"call"}, "date": {opDay(e, 5)}, "summary": {"x"}, "visibility": {"coalition"}}, 400, "").Body
			opHas(t, "future date", body, "cannot be in the future")
			if after := opOutreachCount(t, e); after != before {
				t.Errorf("outreach count %d → %d", before, after)
			}
		})

		t.Run("save in one step", func(t *testing.T) {
			id := opLogged(t, member, form)
			body := member.page("/outreach/"+opID(id), 200)
			opHas(t, "detail", body, "Outreach logged.", "José Núñez", "Amina Diallo", "Met the labour attaché", "Positive",
				"ICRMW", "C143", "Send the briefing pack", `href="/countries/SEN"`, "member A", `href="/outreach/`+opID(id)+`/edit"`,
				`href="/followups/new?outreach=`+opID(id))
			var o struct {
				ContactIDs  []int64  `json:"contact_ids"`
				Instruments []string `json:"instruments"`
				Country     string
				Visibility  string
			}
			e.do("GET", "/api/v1/outreach/"+opID(id), e.token("member@a.test"), nil).decode(t, &o)
			if len(o.ContactIDs) != 2 || o.Country != "SEN" || o.Visibility != "coalition" || len(o.Instruments) != 2 {
				t.Errorf("saved %+v", o)
			}
			list := member.page("/outreach?country=SEN&type=meeting", 200)
			opHas(t, "filtered list", list, `href="/outreach/`+opID(id)+`"`, "José Núñez")
			opHas(t, "list fragment", member.hx("/outreach?outcome=negative", "outreach-results").Body, "No outreach matches")
			member.page("/outreach?type=lunch", 400)
			member.page("/outreach?from=notadate", 400)
		})

		t.Run("viewers cannot log", func(t *testing.T) {
			viewer := opSignIn(t, e, "viewer@a.test")
			viewer.page("/outreach/new", 403)
			viewer.postTo("/outreach", form, 403, "")
			viewer.page("/outreach", 200)
		})
	})
}

func TestOutreachPagesPrivacy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ct := opContact(t, e, "Awa", "Ndiaye", "SEN")
		if res := e.do("PATCH", "/api/v1/countries/SEN", e.token("coordinator@a.test"), map[string]any{"priority": "high"}); res.Status != 200 {
			t.Fatalf("priority: %d %s", res.Status, res.Body)
		}
		a := opSignIn(t, e, "member@a.test")
		secret := opLogged(t, a, url.Values{"type": {"meeting"}, "date": {opDay(e, 0)}, "country": {"SEN"}, "contact_ids": {opID(ct)},
			"summary": {"Secret remark ALPHA"}, "visibility": {"organisation"}, "outcome": {"neutral"}})
		public := opLogged(t, a, url.Values{"type": {"letter"}, "date": {opDay(e, 0)}, "country": {"PHL"},
			"summary": {"Public note BETA"}, "visibility": {"coalition"}})

		privateFollowup := opFollowup(t, a, url.Values{"title": {"Private follow-up GAMMA"}, "due_date": {opDay(e, 1)}, "outreach_id": {opID(secret)}})
		opHas(t, "follow-up of private outreach", a.page("/followups/"+opID(privateFollowup), 200), "Private follow-up GAMMA", "your organisation only")
		opHas(t, "A's dossier", a.page("/countries/SEN", 200), "Private follow-up GAMMA")

		month := e.clock.Now().UTC().Format("January 2006")
		for _, email := range []string{"member@a.test", "viewer@a.test"} {
			b := opSignIn(t, e, email)
			opHas(t, email+" /outreach", b.page("/outreach", 200), "Secret remark ALPHA", "Public note BETA", "Private")
			opHas(t, email+" detail", b.page("/outreach/"+opID(secret), 200), "Secret remark ALPHA", "Only Org A can see this record")
			opHas(t, email+" dossier", b.page("/countries/SEN", 200), "Secret remark ALPHA")
			home := b.page("/", 200)
			opHas(t, email+" dashboard", home, "2 in the last 12 months", month+": 2 outreach records", "Secret remark ALPHA")
			opLacks(t, email+" quiet countries", opSection(t, home, "quiet-h"), `href="/countries/SEN"`)
		}
		csv := a.get("/outreach.csv")
		opHas(t, "A's CSV", csv.Body, "Secret remark ALPHA", "Public note BETA")

		for _, email := range []string{"member@b.test", "coordinator@b.test", "admin@b.test", "viewer@b.test"} {
			b := opSignIn(t, e, email)
			list := b.page("/outreach", 200)
			opLacks(t, email+" /outreach", list, "ALPHA", `href="/outreach/`+opID(secret)+`"`)
			opHas(t, email+" /outreach", list, "Public note BETA")
			opLacks(t, email+" /outreach?visibility=organisation", b.page("/outreach?visibility=organisation&country=SEN", 200), "ALPHA")
			for _, p := range []string{"/outreach/" + opID(secret), "/outreach/" + opID(secret) + "/edit", "/outreach/" + opID(secret) + "/delete"} {
				b.page(p, 404)
			}
			b.postTo("/outreach/"+opID(secret), url.Values{"type": {"call"}, "date": {opDay(e, 0)}, "summary": {"hijack"}, "visibility": {"coalition"}}, 404, "")
			b.postTo("/outreach/"+opID(secret)+"/delete", url.Values{}, 404, "")
			b.page("/outreach/"+opID(public), 200)
			b.page("/followups/"+opID(privateFollowup), 404)
			b.page("/followups/"+opID(privateFollowup)+"/close", 404)
			b.postTo("/followups/"+opID(privateFollowup)+"/close", url.Values{"status": {"done"}}, 404, "")
			b.postTo("/followups/"+opID(privateFollowup), url.Values{"action": {"reassign"}, "assignee_id": {opID(e.users[email].ID)}}, 404, "")
			if email == "coordinator@b.test" {
				opLacks(t, email+" everyone's follow-ups", b.page("/followups?view=all&status=any", 200), "GAMMA")
			}
			dossier := b.page("/countries/SEN", 200)
			opLacks(t, email+" dossier", dossier, "ALPHA", "GAMMA")
			opHas(t, email+" dossier", dossier, "No outreach recorded for Senegal yet", "Awa Ndiaye")
			opLacks(t, email+" contact page", b.page("/contacts/"+opID(ct), 200), "ALPHA")
			home := b.page("/", 200)
			opLacks(t, email+" dashboard", home, "ALPHA", "2 in the last 12 months")
			opHas(t, email+" dashboard", home, "1 in the last 12 months", month+": 1 outreach record<", "Public note BETA")
			opHas(t, email+" quiet countries", opSection(t, home, "quiet-h"), `href="/countries/SEN"`)
			if email != "viewer@b.test" {
				csv := b.get("/outreach.csv")
				if csv.Status != 200 {
					t.Errorf("%s CSV: %d", email, csv.Status)
				}
				opLacks(t, email+" CSV", csv.Body, "ALPHA")
				opHas(t, email+" CSV", csv.Body, "Public note BETA")
				opLacks(t, email+" picker", b.hx("/contacts/picker?q=awa", "picker-results").Body, "ALPHA")
			}
		}
		// Nothing above changed the private record.
		opHas(t, "the private record afterwards", a.page("/outreach/"+opID(secret), 200), "Secret remark ALPHA")
	})
}

func TestOutreachPagesEditRights(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		a := opSignIn(t, e, "member@a.test")
		base := url.Values{"type": {"call"}, "date": {opDay(e, -2)}, "country": {"KEN"}, "summary": {"Called the ministry"}, "visibility": {"coalition"}}
		id := opLogged(t, a, base)
		path := "/outreach/" + opID(id)
		edit := func(summary string) url.Values {
			f := url.Values{}
			for k, v := range base {
				f[k] = v
			}
			f.Set("summary", summary)
			return f
		}

		for _, email := range []string{"member@b.test", "coordinator@b.test", "viewer@a.test"} {
			b := opSignIn(t, e, email)
			opLacks(t, email+" detail", b.page(path, 200), `href="`+path+`/edit"`, `href="`+path+`/delete"`)
			b.page(path+"/edit", 403)
			b.page(path+"/delete", 403)
			b.postTo(path, edit("changed by "+email), 403, "")
			b.postTo(path+"/delete", url.Values{}, 403, "")
		}
		opHas(t, "after refused edits", a.page(path, 200), "Called the ministry")

		coordA := opSignIn(t, e, "coordinator@a.test")
		opHas(t, "edit form", coordA.page(path+"/edit", 200), `action="`+path+`"`, "Called the ministry", `<option value="KEN" selected>`)
		coordA.postTo(path, edit("Edited by the coordinator"), 303, path)
		opHas(t, "after the coordinator's edit", coordA.page(path, 200), "Changes saved.", "Edited by the coordinator")

		adminB := opSignIn(t, e, "admin@b.test")
		adminB.postTo(path, edit("Edited by another organisation admin"), 303, path)
		opHas(t, "after the admin's edit", a.page(path, 200), "Edited by another organisation admin")

		opHas(t, "delete confirmation", a.page(path+"/delete", 200), "Delete this outreach record?", `action="`+path+`/delete"`)
		a.postTo(path+"/delete", url.Values{}, 303, "/outreach")
		opHas(t, "after delete", a.page("/outreach", 200), "The outreach record is deleted.")
		a.page(path, 404)
	})
}

var opFollowupURL = regexp.MustCompile(`^/followups/(\d+)$`)

func opFollowup(t *testing.T, b *opBrowser, form url.Values) int64 {
	t.Helper()
	res := b.post("/followups", form)
	m := opFollowupURL.FindStringSubmatch(res.Header.Get("Location"))
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("follow-up: %d %q %.600s", res.Status, res.Header.Get("Location"), res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestOutreachPagesFollowups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		ct := opContact(t, e, "Fatou", "Sow", "SEN")
		memberA, memberB, coordA := e.users["member@a.test"], e.users["member@b.test"], e.users["coordinator@a.test"]
		a := opSignIn(t, e, "member@a.test")
		coord := opSignIn(t, e, "coordinator@a.test")

		body := a.page("/followups/new?country=SEN&contact="+opID(ct), 200)
		opHas(t, "new follow-up", body, `<option value="SEN" selected>`, `value="`+opID(ct)+`" selected`, "Assigned to you", `value="`+opDay(e, 7)+`"`)
		opLacks(t, "member's form", body, `name="assignee_id"`)
		opHas(t, "coordinator's form", coord.page("/followups/new", 200), `name="assignee_id"`, "member B")

		mine := opFollowup(t, a, url.Values{"title": {"Send the briefing, then call"}, "due_date": {opDay(e, 2)}, "priority": {"high"},
			"country": {"SEN"}, "contact_id": {opID(ct)}})
		opHas(t, "after create", a.page("/followups/"+opID(mine), 200), "Follow-up added", "Send the briefing, then call")

		t.Run("members assign only themselves", func(t *testing.T) {
			res := a.postTo("/followups", url.Values{"title": {"For someone else"}, "due_date": {opDay(e, 3)}, "assignee_id": {opID(memberB.ID)}}, 403, "")
			opHas(t, "403 page", res.Body, "only coordinators assign")
			var list struct{ Total int64 }
			e.do("GET", "/api/v1/followups", e.token("admin@a.test"), nil).decode(t, &list)
			if list.Total != 1 {
				t.Errorf("follow-ups after a refused assignment: %d", list.Total)
			}
			a.postTo("/followups", url.Values{"title": {""}, "due_date": {"soon"}}, 400, "")
		})

		assigned := opFollowup(t, coord, url.Values{"title": {"Draft the letter"}, "due_date": {opDay(e, 1)}, "assignee_id": {opID(memberA.ID)}, "country": {"KEN"}})
		opHas(t, "Mine", a.page("/followups", 200), "Draft the letter", "from coordinator A", "Send the briefing, then call")

		t.Run("everyone's view and reassignment", func(t *testing.T) {
			a.page("/followups?view=all", 403)
			all := coord.page("/followups?view=all&group=country", 200)
			opHas(t, "all by country", all, "Kenya", "Senegal", "Draft the letter", "Send the briefing, then call", `name="action" value="reassign"`)
			opHas(t, "all by assignee", coord.page("/followups?view=all&assignee="+opID(memberA.ID), 200), "member A")
			coord.page("/followups?view=all&status=bogus", 400)
			next := "/followups?view=all&group=assignee"
			coord.postTo("/followups/"+opID(assigned), url.Values{"action": {"reassign"}, "assignee_id": {opID(memberB.ID)}, "next": {next}}, 303, next)
			opHas(t, "after reassigning", coord.page(next, 200), "is now assigned to member B")
			var f struct {
				AssigneeID int64 `json:"assignee_id"`
			}
			e.do("GET", "/api/v1/followups/"+opID(assigned), e.token("coordinator@a.test"), nil).decode(t, &f)
			if f.AssigneeID != memberB.ID {
				t.Errorf("assignee after reassigning: %d", f.AssigneeID)
			}
			a.postTo("/followups/"+opID(mine), url.Values{"action": {"reassign"}, "assignee_id": {opID(coordA.ID)}}, 403, "")
			viewerB := e.users["viewer@b.test"]
			coord.postTo("/followups/"+opID(mine), url.Values{"action": {"reassign"}, "assignee_id": {opID(viewerB.ID)}, "next": {next}}, 303, next)
			opHas(t, "refused reassignment", coord.page(next, 200), "was not reassigned", "viewers cannot be assigned")
		})

		t.Run("edit", func(t *testing.T) {
			a.postTo("/followups/"+opID(mine), url.Values{"title": {"Send the briefing, then call back"}, "due_date": {opDay(e, 4)},
				"priority": {"normal"}, "country": {"SEN"}, "contact_id": {opID(ct)}}, 303, "/followups/"+opID(mine))
			opHas(t, "edited", a.page("/followups/"+opID(mine), 200), "Changes saved.", "then call back")
			b := opSignIn(t, e, "member@b.test")
			opLacks(t, "someone else's follow-up", b.page("/followups/"+opID(mine), 200), `action="/followups/`+opID(mine)+`"`)
			b.page("/followups/"+opID(mine)+"/close", 403)
		})

		t.Run("close and log as outreach", func(t *testing.T) {
			opHas(t, "close form", a.page("/followups/"+opID(mine)+"/close", 200), `name="outcome"`, "Also log this as outreach")
			a.postTo("/followups/"+opID(mine)+"/close", url.Values{"status": {"done"}, "outcome": {"Briefing sent; the clerk will table it"},
				"log_outreach": {"1"}}, 303, "/outreach/new?followup="+opID(mine))
			body := a.page("/outreach/new?followup="+opID(mine), 200)
			opHas(t, "prefilled outreach form", body, "Follow-up done. Log what happened", "Send the briefing, then call back",
				"Briefing sent; the clerk will table it", `<option value="SEN" selected>`, `name="contact_ids" value="`+opID(ct)+`"`)
			var f struct{ Status, Outcome string }
			e.do("GET", "/api/v1/followups/"+opID(mine), e.token("member@a.test"), nil).decode(t, &f)
			if f.Status != "done" || f.Outcome != "Briefing sent; the clerk will table it" {
				t.Errorf("closed follow-up: %+v", f)
			}
			opLacks(t, "Mine after closing", a.page("/followups", 200), "then call back")

			b := opSignIn(t, e, "member@b.test")
			b.postTo("/followups/"+opID(assigned)+"/close", url.Values{"status": {"cancelled"}, "outcome": {"No longer needed"}}, 303, "/followups")
			b.postTo("/followups/"+opID(assigned)+"/close", url.Values{"status": {"lost"}}, 400, "")
			b.postTo("/followups/"+opID(assigned)+"/close", url.Values{"status": {"open"}}, 303, "/followups")
			opHas(t, "reopened", b.page("/followups", 200), "The follow-up is open again.", "Draft the letter")
		})
	})
}

func TestOutreachPagesMineGrouping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		a := opSignIn(t, e, "member@a.test")
		opHas(t, "empty Mine", a.page("/followups", 200), "Nothing to follow up")
		for title, days := range map[string]int{"PAST-ONE": -1, "TODAY-ONE": 0, "WEEK-ONE": 3, "LATER-ONE": 10} {
			opFollowup(t, a, url.Values{"title": {title}, "due_date": {opDay(e, days)}})
		}
		check := func(b *opBrowser, want map[string]string) {
			t.Helper()
			body := b.page("/followups", 200)
			for group, title := range want {
				sec := opSection(t, body, group)
				if title == "" {
					if sec != "" {
						t.Errorf("group %s should be absent: %.200s", group, sec)
					}
					continue
				}
				opHas(t, "group "+group, sec, title)
			}
		}
		check(a, map[string]string{"overdue": "PAST-ONE", "today": "TODAY-ONE", "this-week": "WEEK-ONE", "later": "LATER-ONE"})
		opHas(t, "dashboard overdue", opSection(t, a.page("/", 200), "overdue-h"), "PAST-ONE")
		opLacks(t, "dashboard overdue", opSection(t, a.page("/", 200), "overdue-h"), "TODAY-ONE")

		// Two days on: today's is overdue, this week's still this week, and sessions
		// signed two days ago have expired, so sign in again.
		e.clock.Advance(48 * time.Hour)
		a = opSignIn(t, e, "member@a.test")
		body := a.page("/followups", 200)
		opHas(t, "overdue two days on", opSection(t, body, "overdue"), "PAST-ONE", "TODAY-ONE")
		opHas(t, "this week two days on", opSection(t, body, "this-week"), "WEEK-ONE")
		if opSection(t, body, "today") != "" {
			t.Errorf("nothing is due today two days on")
		}
		e.clock.Advance(8 * 24 * time.Hour)
		a = opSignIn(t, e, "member@a.test")
		check(a, map[string]string{"overdue": "WEEK-ONE", "today": "LATER-ONE", "this-week": "", "later": ""})
	})
}

func TestOutreachPagesCalendarFeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		a := opSignIn(t, e, "member@a.test")
		body := a.page("/account", 200)
		opHas(t, "account before", body, "Create my calendar address")
		opLacks(t, "account before", body, "followups.ics")
		a.postTo("/account/calendar", url.Values{}, 303, "/account#calendar")
		feedURL := regexp.MustCompile(`value="http://ratify\.test(/followups\.ics\?token=[A-Za-z0-9_-]+)"`)
		m := feedURL.FindStringSubmatch(a.page("/account", 200))
		if m == nil {
			t.Fatal("no feed address on the account page")
		}
		first := m[1]
		opFollowup(t, a, url.Values{"title": {"Call, then write; done"}, "due_date": {opDay(e, 3)}, "details": {"a,b;c"}})
		feed := e.do("GET", first, "", nil)
		if feed.Status != 200 || !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed: %d %s %s", feed.Status, feed.Header.Get("Content-Type"), feed.Body)
		}
		due := e.clock.Now().UTC().AddDate(0, 0, 3).Format("20060102")
		opHas(t, "feed", feed.Body, "BEGIN:VCALENDAR", `SUMMARY:Call\, then write\; done`, `DESCRIPTION:a\,b\;c`, "DTSTART;VALUE=DATE:"+due)

		body = a.page("/account", 200)
		opHas(t, "account with a feed", body, "Reset the address", "http://ratify.test"+strings.ReplaceAll(first, "&", "&amp;"))
		a.postTo("/account/calendar", url.Values{}, 303, "/account#calendar")
		body = a.page("/account", 200)
		opHas(t, "account after reset", body, "the old address no longer works")
		m = feedURL.FindStringSubmatch(body)
		if m == nil || m[1] == first {
			t.Fatalf("reset gave no new address: %v", m)
		}
		if res := e.do("GET", first, "", nil); res.Status != 404 {
			t.Errorf("old feed address after reset: %d", res.Status)
		}
		if res := e.do("GET", m[1], "", nil); res.Status != 200 || !strings.Contains(res.Body, "SUMMARY:Call") {
			t.Errorf("new feed address: %d", res.Status)
		}
		if res := opSignIn(t, e, "viewer@a.test").post("/account/calendar", url.Values{}); res.Status != 303 {
			t.Errorf("a viewer's own (empty) calendar: %d", res.Status)
		}
	})
}

func TestOutreachPagesEscaping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		const xss = "<script>alert(1)</script>"
		const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
		ct := opContact(t, e, "Eve", xss, "SEN")
		a := opSignIn(t, e, "member@a.test")
		id := opLogged(t, a, url.Values{"type": {"meeting"}, "date": {opDay(e, 0)}, "country": {"SEN"}, "contact_ids": {opID(ct)},
			"summary": {"Summary " + xss}, "next_steps": {xss}, "visibility": {"coalition"}})
		opFollowup(t, a, url.Values{"title": {"Title " + xss}, "due_date": {opDay(e, 0)}, "country": {"SEN"}})
		for _, p := range []string{"/outreach", "/outreach/" + opID(id), "/outreach/" + opID(id) + "/edit", "/outreach/" + opID(id) + "/delete",
			"/countries/SEN", "/", "/followups", "/outreach/new?contact=" + opID(ct)} {
			body := a.page(p, 200)
			opLacks(t, p, body, xss)
			opHas(t, p, body, escaped)
		}
		for _, p := range []string{"/contacts/picker?q=eve", "/contacts/picker/chip?id=" + opID(ct)} {
			res := a.hx(p, "picker-results")
			opLacks(t, p, res.Body, xss)
			opHas(t, p, res.Body, escaped)
		}
	})
}
