package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// This file drives the email pages (templates, campaigns, suppression list,
// senders, the digest setting) as a browser would. Its env sends mail to an
// outbox folder, so "send me a test" and starting a campaign work.

func mpEnv(t *testing.T, st *store.Store) (*env, string) {
	t.Helper()
	ctx := context.Background()
	outbox := t.TempDir()
	clk := &clock{t: time.Now().UTC()}
	tokens, err := auth.NewTokens(testSecret, time.Hour, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Deps{Store: st, Hasher: auth.NewHasher(2), Tokens: tokens, Now: clk.Now, Log: quiet,
		Mail: service.MailDeps{Transport: &mail.Outbox{Dir: outbox}, FromAddr: "noreply@example.org", PublicURL: "http://ratify.test",
			Unsubscribe: auth.NewUnsubscribe(testSecret), Outbox: true}})
	h, err := server.New(svc, server.Options{PublicURL: "http://ratify.test", BodyLimit: 64 << 10, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, st: st, svc: svc, srv: srv, clock: clk, users: map[string]*model.User{}, tokens: map[string]string{}}
	for i, o := range []model.Organisation{{Name: "Org A", ShortName: "A", Kind: model.OrgNGO}, {Name: "Org B", ShortName: "B", Kind: model.OrgTradeUnion}} {
		org, err := svc.CreateOrganisationSystem(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.orgA = org
		} else {
			e.orgB = org
		}
		for _, r := range model.Roles {
			email := string(r) + "@" + strings.ToLower(org.ShortName) + ".test"
			u, _, err := svc.CreateUserCLI(ctx, service.NewUser{Email: email, Name: string(r) + " " + org.ShortName, Role: r, Password: testPassword}, org.ShortName)
			if err != nil {
				t.Fatalf("seed %s: %v", email, err)
			}
			e.users[email] = u
		}
	}
	return e, outbox
}

// mpBrowser is one signed-in browser: a cookie jar, Sec-Fetch-Site on posts.
type mpBrowser struct {
	t *testing.T
	e *env
	c *http.Client
}

func mpSignIn(t *testing.T, e *env, email string) *mpBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &mpBrowser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if res := b.post("/login", url.Values{"email": {email}, "password": {testPassword}}, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %.300s", email, res.Status, res.Body)
	}
	return b
}

func (b *mpBrowser) do(method, path string, body url.Values, headers map[string]string) response {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(raw)}
}

func (b *mpBrowser) get(path string, headers map[string]string) response {
	return b.do("GET", path, nil, headers)
}
func (b *mpBrowser) post(path string, v url.Values, headers map[string]string) response {
	return b.do("POST", path, v, headers)
}

func mpHX(target string) map[string]string {
	return map[string]string{"HX-Request": "true", "HX-Target": target}
}

// mpContact adds a contact in Senegal (or iso3) with an optional address.
func mpContact(t *testing.T, e *env, first, iso3, email string, edit func(*model.Contact)) int64 {
	t.Helper()
	c := model.Contact{FirstName: first, LastName: "Test", Kind: model.ContactParliamentarian, CountryISO3: &iso3}
	if email != "" {
		c.Emails = []model.ContactEmail{{Email: email}}
	}
	if edit != nil {
		edit(&c)
	}
	r, err := e.svc.CreateContact(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, c)
	if err != nil {
		t.Fatalf("contact %s: %v", first, err)
	}
	return r.Contact.ID
}

func mpTemplate(t *testing.T, e *env, html string, langs ...string) int64 {
	t.Helper()
	tpl := model.EmailTemplate{Name: "Letter"}
	for _, l := range langs {
		tpl.Variants = append(tpl.Variants, model.TemplateVariant{Language: l, Subject: "Ratify now (" + l + ")", HTML: html})
	}
	saved, err := e.svc.SaveTemplate(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, tpl)
	if err != nil {
		t.Fatalf("template: %v", err)
	}
	return saved.ID
}

func mpLocationID(t *testing.T, res response, prefix string) string {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("want 303 to %s…, got %d %q %.500s", prefix, res.Status, loc, res.Body)
	}
	return strings.TrimPrefix(loc, prefix)
}

func mpAudit(t *testing.T, e *env, action string) []string {
	t.Helper()
	res := e.do("GET", "/api/v1/audit?action="+action, e.token("admin@a.test"), nil)
	var body struct{ Items []struct{ Summary string } }
	res.decode(t, &body)
	var out []string
	for _, it := range body.Items {
		out = append(out, it.Summary)
	}
	return out
}

func mpContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q\n%.3000s", w, body)
		}
	}
}

func TestCampaignPagesTemplateEditor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		b := mpSignIn(t, e, "coordinator@a.test")
		if res := b.get("/templates/new", nil); res.Status != 200 {
			t.Fatalf("new: %d", res.Status)
		} else {
			mpContain(t, res.Body, `id="variant-2"`, `value="es"`, "{{.Contact.FirstName}}", "{{.Country.Instruments.ICRMW.Status}}")
		}
		form := url.Values{"name": {"Welcome"}, "language": {"en", "fr", "es"},
			"subject": {"Hello {{.Contact.FirstName}}", "Bonjour", ""},
			"html":    {"<p>Hi</p>\n<p>{{.Contact.Nope}}</p>", "<p>{{if .Contact.FirstName}}Salut</p>", ""},
			"text":    {"", "", ""}}
		res := b.post("/templates", form, nil)
		if res.Status != http.StatusBadRequest {
			t.Fatalf("bad field: want 400, got %d %.500s", res.Status, res.Body)
		}
		// Each error sits next to its variant's field and names the line.
		en := regexp.MustCompile(`id="html-0-err"><p class="field-error" role="alert">line 2[^<]*Nope`)
		if !en.MatchString(res.Body) {
			t.Errorf("en html error not beside its field:\n%.4000s", res.Body)
		}
		if !regexp.MustCompile(`id="html-1-err"><p class="field-error" role="alert">line 1`).MatchString(res.Body) {
			t.Errorf("fr html error not beside its field")
		}
		mpContain(t, res.Body, "&lt;p&gt;{{.Contact.Nope}}&lt;/p&gt;</textarea>", `value="Welcome"`, `id="variant-2"`)
		if ts, _ := e.svc.Templates(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}); len(ts) != 0 {
			t.Fatalf("a refused template was saved: %+v", ts)
		}
		// "Add a language" saves nothing and adds a variant.
		res = b.post("/templates", url.Values{"name": {"X"}, "language": {"en"}, "subject": {"S"}, "html": {"<p>H</p>"}, "text": {""}, "add_variant": {"1"}}, nil)
		if res.Status != 200 || !strings.Contains(res.Body, `id="variant-1"`) {
			t.Fatalf("add variant: %d", res.Status)
		}
		// A good template; the blank es variant is left out.
		form["html"] = []string{"<p>Dear {{.Contact.FirstName}}</p>", "<p>Cher {{.Contact.FirstName}}</p>", ""}
		id := mpLocationID(t, b.post("/templates", form, nil), "/templates/")
		tpl, err := e.svc.Template(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, mpID(t, id))
		if err != nil || len(tpl.Variants) != 2 {
			t.Fatalf("saved: %+v %v", tpl, err)
		}
		if len(mpAudit(t, e, "template.create")) != 1 {
			t.Error("template creation not audited")
		}
		// Edit: a parse error on update keeps the stored version.
		form["html"] = []string{"<p>{{.Contact.FirstName</p>", "<p>Cher</p>", ""}
		if res := b.post("/templates/"+id, form, nil); res.Status != 400 || !strings.Contains(res.Body, "line 1") {
			t.Fatalf("update error: %d", res.Status)
		}
		// Delete asks first.
		if res := b.get("/templates/"+id+"/delete", nil); res.Status != 200 || !strings.Contains(res.Body, "Delete the template") {
			t.Fatalf("delete confirm: %d", res.Status)
		}
		if loc := mpLocationID(t, b.post("/templates/"+id+"/delete", url.Values{}, nil), "/templates"); loc != "" {
			t.Errorf("after delete: %q", loc)
		}
		if res := b.get("/templates/"+id, nil); res.Status != 404 {
			t.Errorf("deleted template: %d", res.Status)
		}
	})
}

func mpID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an id: %q", s)
	}
	return n
}

func TestCampaignPagesPreviewAndTest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		evil := mpContact(t, e, "<script>alert(1)</script>", "SEN", "evil@example.org", func(c *model.Contact) { c.PreferredLanguage = "fr" })
		tid := mpTemplate(t, e, `<p style="color:red">Dear {{.Contact.FirstName}}</p><script>alert("template")</script>`, "en", "fr")
		b := mpSignIn(t, e, "coordinator@a.test")
		ids := mpItoa

		res := b.get("/templates/"+ids(tid)+"/preview.html?contact="+ids(evil)+"&lang=en", nil)
		if res.Status != 200 {
			t.Fatalf("preview: %d %s", res.Status, res.Body)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'" {
			t.Errorf("preview CSP: %q", got)
		}
		if got := res.Header.Get("X-Frame-Options"); got != "SAMEORIGIN" {
			t.Errorf("preview X-Frame-Options: %q", got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("preview nosniff: %q", got)
		}
		mpContain(t, res.Body, "Dear &lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(res.Body, "<script>alert(1)") {
			t.Errorf("contact name not escaped: %s", res.Body)
		}
		// A missing variant answers inside the sandbox too.
		res = b.get("/templates/"+ids(tid)+"/preview.html?contact="+ids(evil)+"&lang=de", nil)
		if res.Status != 400 || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox;") {
			t.Errorf("preview error: %d %q", res.Status, res.Header.Get("Content-Security-Policy"))
		}

		// The page embeds it in a sandboxed frame, under the normal policy.
		page := b.get("/templates/"+ids(tid)+"?contact="+ids(evil), nil)
		if page.Status != 200 {
			t.Fatalf("template page: %d", page.Status)
		}
		if !regexp.MustCompile(`<iframe sandbox src="/templates/\d+/preview\.html\?contact=\d+&amp;lang=fr&amp;v=\d+"`).MatchString(page.Body) {
			t.Errorf("no sandboxed iframe with the routed language:\n%.4000s", page.Body)
		}
		if strings.Contains(page.Body, "allow-scripts") || strings.Contains(page.Body, "<script>alert") {
			t.Error("the page carries script from the template or lets the frame run script")
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "sandbox") {
			t.Errorf("page CSP: %q", csp)
		}
		// htmx asks for the preview card alone.
		frag := b.get("/templates/"+ids(tid)+"?q=alert", mpHX("preview"))
		if frag.Status != 200 || !strings.HasPrefix(strings.TrimSpace(frag.Body), `<section class="card preview" id="preview"`) || strings.Contains(frag.Body, "<html") {
			t.Errorf("preview fragment: %d %.300s", frag.Status, frag.Body)
		}

		// Send me a test: one file in the outbox, audited.
		res = b.post("/templates/"+ids(tid)+"/test", url.Values{"contact_id": {ids(evil)}, "lang": {"fr"}, "sender_id": {""}}, nil)
		mpLocationID(t, res, "/templates/"+ids(tid)+"?")
		files, _ := os.ReadDir(outbox)
		if len(files) != 1 {
			t.Fatalf("outbox holds %d files", len(files))
		}
		if len(mpAudit(t, e, "template.test")) != 1 {
			t.Error("test send not audited")
		}
		// A test without a contact is refused beside the form.
		res = b.post("/templates/"+ids(tid)+"/test", url.Values{"contact_id": {""}, "lang": {"fr"}}, nil)
		if res.Status != 400 || !strings.Contains(res.Body, "choose a contact") {
			t.Errorf("test without contact: %d", res.Status)
		}
	})
}

func mpItoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCampaignPagesAudienceStartAndProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		mpContact(t, e, "Awa", "SEN", "awa@example.org", func(c *model.Contact) { c.PreferredLanguage = "fr" })
		mpContact(t, e, "Dnc", "SEN", "dnc@example.org", func(c *model.Contact) { c.DoNotContact = true; c.DoNotContactReason = "asked" })
		mpContact(t, e, "Noaddr", "SEN", "", nil)
		mpContact(t, e, "Supp", "SEN", "supp@example.org", nil)
		mpContact(t, e, "Pierre", "FRA", "pierre@example.org", nil)
		tid := mpTemplate(t, e, "<p>Dear {{.Contact.FirstName}}</p>", "en", "fr")
		b := mpSignIn(t, e, "coordinator@a.test")
		mpLocationID(t, b.post("/suppressions", url.Values{"email": {"supp@example.org"}, "note": {"bounced"}}, nil), "/suppressions")

		base := url.Values{"name": {"Senegal letter"}, "template_id": {mpItoa(tid)}, "fallback_language": {"en"}, "countries": {"SEN"}}
		res := b.post("/campaigns/audience", base, mpHX("audience-count"))
		if res.Status != 200 || strings.Contains(res.Body, "<html") {
			t.Fatalf("audience fragment: %d %.300s", res.Status, res.Body)
		}
		mpContain(t, res.Body, `<strong class="big">1</strong> recipient; excluded: 1 do-not-contact, 1 no address, 1 suppressed`, "<code>fr</code> 1")
		// Ratification conditions: party to ICRMW (Senegal) and not (France).
		party := url.Values{"template_id": {mpItoa(tid)}, "rat_instrument": {"ICRMW"}, "rat_status": {"party"}}
		mpContain(t, b.post("/campaigns/audience", party, mpHX("audience-count")).Body, `<strong class="big">1</strong> recipient;`)
		party.Set("rat_status", "not_party")
		party.Set("also_instrument", "C143")
		party.Set("also_status", "none")
		mpContain(t, b.post("/campaigns/audience", party, mpHX("audience-count")).Body, `<strong class="big">1</strong> recipient; excluded: 0 do-not-contact, 0 no address, 0 suppressed`)
		// A half-made condition is explained in place of the count (still 200 for htmx).
		res = b.post("/campaigns/audience", url.Values{"rat_instrument": {"ICRMW"}}, mpHX("audience-count"))
		if res.Status != 200 || !strings.Contains(res.Body, "choose the status too") {
			t.Errorf("half condition: %d %.300s", res.Status, res.Body)
		}
		// Without script the whole editor comes back with the count.
		res = b.post("/campaigns/audience", base, nil)
		if res.Status != 200 || !strings.Contains(res.Body, `<form method="post" action="/campaigns" id="campaign-form">`) || !strings.Contains(res.Body, `value="SEN" selected`) {
			t.Errorf("plain audience post: %d", res.Status)
		}

		// A refused draft keeps the input.
		bad := url.Values{}
		for k, v := range base {
			bad[k] = v
		}
		bad.Set("name", "")
		res = b.post("/campaigns", bad, nil)
		if res.Status != 400 || !strings.Contains(res.Body, `value="SEN" selected`) || !strings.Contains(res.Body, "enter a name") {
			t.Fatalf("bad draft: %d %.2000s", res.Status, res.Body)
		}
		id := mpLocationID(t, b.post("/campaigns", base, nil), "/campaigns/")
		draft := b.get("/campaigns/"+id, nil)
		mpContain(t, draft.Body, "Start sending now", `value="Senegal letter"`, `<strong class="big">1</strong> recipient`)

		// Scheduling in the past is refused beside the time input.
		start := url.Values{"with_draft": {"1"}, "when": {"later"}, "at": {time.Now().UTC().Add(-2 * time.Hour).Format("2006-01-02T15:04")}}
		for k, v := range base {
			start[k] = v
		}
		res = b.post("/campaigns/"+id+"/start", start, nil)
		if res.Status != 400 || !strings.Contains(res.Body, "choose a time from now on") {
			t.Fatalf("past schedule: %d %.1000s", res.Status, res.Body)
		}
		start.Set("when", "now")
		mpLocationID(t, b.post("/campaigns/"+id+"/start", start, nil), "/campaigns/"+id)
		page := b.get("/campaigns/"+id, nil)
		mpContain(t, page.Body, `class="badge cs-sending">Sending`, `hx-trigger="every 2s"`, "Countries: SEN")

		prog := b.get("/campaigns/"+id+"/progress", mpHX("progress"))
		if prog.Status != 200 || !strings.HasPrefix(strings.TrimSpace(prog.Body), `<section class="card progress-box" id="progress"`) {
			t.Fatalf("progress fragment: %d %.300s", prog.Status, prog.Body)
		}
		mpContain(t, prog.Body, "<dt>Queued</dt><dd>1</dd>", "<dt>Skipped</dt><dd>3</dd>", `hx-trigger="every 2s"`, "/campaigns/"+id+"/pause")
		list := b.get("/campaigns/"+id+"/progress?state=skipped", mpHX("recipients"))
		mpContain(t, list.Body, `<div id="recipients"`, "do-not-contact", "no address", "suppressed")
		if strings.Contains(list.Body, "awa@example.org") {
			t.Error("the skipped filter shows a queued recipient")
		}
		if res := b.get("/campaigns/"+id+"/progress?state=bogus", mpHX("recipients")); res.Status != 400 {
			t.Errorf("bad state: %d", res.Status)
		}

		// Pause, resume, cancel (after confirming).
		mpLocationID(t, b.post("/campaigns/"+id+"/pause", url.Values{}, nil), "/campaigns/"+id)
		prog = b.get("/campaigns/"+id+"/progress", mpHX("progress"))
		mpContain(t, prog.Body, "cs-paused", "/campaigns/"+id+"/resume")
		if strings.Contains(prog.Body, "every 2s") {
			t.Error("a paused campaign keeps polling")
		}
		res = b.post("/campaigns/"+id+"/pause", url.Values{}, nil)
		mpLocationID(t, res, "/campaigns/"+id)
		mpLocationID(t, b.post("/campaigns/"+id+"/resume", url.Values{}, nil), "/campaigns/"+id)
		if loc := mpLocationID(t, b.post("/campaigns/"+id+"/cancel", url.Values{}, nil), "/campaigns/"+id); loc != "/cancel" {
			t.Errorf("cancel without confirming went to %q", loc)
		}
		cp, _, _ := e.svc.Campaign(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, mpID(t, id))
		if cp.Status != model.CampaignSending {
			t.Fatalf("status before confirming: %s", cp.Status)
		}
		mpContain(t, b.get("/campaigns/"+id+"/cancel", nil).Body, "Cancel the campaign", `name="confirm" value="yes"`)
		mpLocationID(t, b.post("/campaigns/"+id+"/cancel", url.Values{"confirm": {"yes"}}, nil), "/campaigns/"+id)
		cp, counts, _ := e.svc.Campaign(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, mpID(t, id))
		if cp.Status != model.CampaignCancelled || counts.Cancelled != 1 {
			t.Fatalf("after cancel: %s %+v", cp.Status, counts)
		}
		for _, a := range []string{"campaign.create", "campaign.sending", "campaign.pause", "campaign.resume", "campaign.cancel"} {
			if len(mpAudit(t, e, a)) != 1 {
				t.Errorf("%s not audited once", a)
			}
		}
		mpContain(t, b.get("/campaigns", nil).Body, "Senegal letter", "cs-cancelled")

		// A second draft, scheduled for later.
		id2 := mpLocationID(t, b.post("/campaigns", base, nil), "/campaigns/")
		start.Set("when", "later")
		start.Set("at", time.Now().UTC().Add(48*time.Hour).Format("2006-01-02T15:04"))
		mpLocationID(t, b.post("/campaigns/"+id2+"/start", start, nil), "/campaigns/"+id2)
		mpContain(t, b.get("/campaigns/"+id2, nil).Body, "cs-scheduled", "Starts at")
	})
}

func TestCampaignPagesSuppressionsAndSenders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		b := mpSignIn(t, e, "coordinator@a.test")
		if res := b.get("/suppressions", nil); res.Status != 200 || !strings.Contains(res.Body, "The list is empty") {
			t.Fatalf("empty list: %d", res.Status)
		}
		mpLocationID(t, b.post("/suppressions", url.Values{"email": {"Gone@Example.org"}, "note": {"asked by phone"}}, nil), "/suppressions")
		if got := mpAudit(t, e, "suppression.add"); len(got) != 1 || got[0] != "gone@example.org" {
			t.Errorf("add audit: %v", got)
		}
		res := b.post("/suppressions", url.Values{"email": {"gone@example.org"}}, nil)
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "already on the list") {
			t.Errorf("duplicate: %d", res.Status)
		}
		res = b.post("/suppressions", url.Values{"email": {"not an address"}, "note": {"x"}}, nil)
		if res.Status != 400 || !strings.Contains(res.Body, `value="not an address"`) {
			t.Errorf("bad address: %d", res.Status)
		}
		frag := b.get("/suppressions?q=gone", mpHX("sup-results"))
		mpContain(t, frag.Body, "gone@example.org", "asked by phone", "Remove…")
		m := regexp.MustCompile(`action="/suppressions/(\d+)/delete"`).FindStringSubmatch(frag.Body)
		if m == nil {
			t.Fatal("no remove form")
		}
		if res := b.post("/suppressions/999999/delete", url.Values{}, nil); res.Status != 404 {
			t.Errorf("unknown id: %d", res.Status)
		}
		mpLocationID(t, b.post("/suppressions/"+m[1]+"/delete", url.Values{}, nil), "/suppressions")
		if got := mpAudit(t, e, "suppression.remove"); len(got) != 1 || !strings.Contains(got[0], "gone@example.org") {
			t.Errorf("remove audit: %v", got)
		}

		// Senders: add, refuse bad input, edit; another organisation cannot edit it.
		res = b.post("/senders", url.Values{"name": {"Coalition"}, "email": {"nope"}}, nil)
		if res.Status != 400 || !strings.Contains(res.Body, "enter a valid sending address") || !strings.Contains(res.Body, `value="Coalition"`) {
			t.Errorf("bad sender: %d", res.Status)
		}
		mpLocationID(t, b.post("/senders", url.Values{"name": {"Coalition"}, "email": {"news@coalition.example"}, "reply_to": {"team@coalition.example"}}, nil), "/senders")
		list := b.get("/senders", nil)
		mpContain(t, list.Body, "news@coalition.example", "team@coalition.example", `<abbr title="Org A">A</abbr>`)
		sid := regexp.MustCompile(`/senders\?edit=(\d+)`).FindStringSubmatch(list.Body)
		if sid == nil {
			t.Fatal("no edit link")
		}
		mpContain(t, b.get("/senders?edit="+sid[1], nil).Body, `name="id" value="`+sid[1]+`"`, `value="news@coalition.example"`)
		other := mpSignIn(t, e, "coordinator@b.test")
		if strings.Contains(other.get("/senders", nil).Body, "/senders?edit=") {
			t.Error("another organisation sees an edit link")
		}
		if res := other.post("/senders", url.Values{"id": {sid[1]}, "name": {"Hijack"}, "email": {"x@example.org"}}, nil); res.Status != 403 {
			t.Errorf("other org edit: %d", res.Status)
		}
		// The sender is offered in the campaign editor.
		mpTemplate(t, e, "<p>x</p>", "en")
		mpContain(t, b.get("/campaigns/new", nil).Body, "Coalition &lt;news@coalition.example&gt;")
	})
}

func TestCampaignPagesForbiddenAndDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		tid := mpItoa(mpTemplate(t, e, "<p>x</p>", "en"))
		cid := mpItoa(mpContact(t, e, "Awa", "SEN", "awa@example.org", nil))
		cp, err := e.svc.SaveCampaign(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, 0,
			service.CampaignInput{Name: "C", TemplateID: mpID(t, tid)})
		if err != nil {
			t.Fatal(err)
		}
		camp := mpItoa(cp.ID)
		gets := []string{"/templates", "/templates/new", "/templates/" + tid, "/templates/" + tid + "/delete",
			"/templates/" + tid + "/preview.html?contact=" + cid + "&lang=en", "/campaigns", "/campaigns/new", "/campaigns/" + camp,
			"/campaigns/" + camp + "/cancel", "/campaigns/" + camp + "/progress", "/suppressions", "/senders"}
		posts := []string{"/templates", "/templates/" + tid, "/templates/" + tid + "/delete", "/templates/" + tid + "/test",
			"/campaigns", "/campaigns/audience", "/campaigns/" + camp, "/campaigns/" + camp + "/start", "/campaigns/" + camp + "/pause",
			"/campaigns/" + camp + "/resume", "/campaigns/" + camp + "/cancel", "/campaigns/" + camp + "/retry", "/suppressions",
			"/suppressions/1/delete", "/senders"}
		for _, who := range []string{"member@a.test", "viewer@a.test"} {
			b := mpSignIn(t, e, who)
			for _, p := range gets {
				if res := b.get(p, nil); res.Status != 403 || !strings.Contains(res.Body, "Not allowed") {
					t.Errorf("%s GET %s: %d", who, p, res.Status)
				}
			}
			if res := b.get("/campaigns/"+camp+"/progress", mpHX("progress")); res.Status != 403 {
				t.Errorf("%s progress: %d", who, res.Status)
			}
			for _, p := range posts {
				v := url.Values{"name": {"x"}, "email": {"x@example.org"}, "confirm": {"yes"}, "template_id": {tid}, "contact_id": {cid},
					"language": {"en"}, "subject": {"s"}, "html": {"<p>h</p>"}, "text": {""}}
				if res := b.post(p, v, nil); res.Status != 403 || !strings.Contains(res.Body, "Not allowed") {
					t.Errorf("%s POST %s: %d", who, p, res.Status)
				}
			}
		}
		if ts, _ := e.svc.Templates(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}); len(ts) != 1 {
			t.Errorf("templates changed: %d", len(ts))
		}
		got, _, _ := e.svc.Campaign(context.Background(), service.Actor{User: e.users["coordinator@a.test"]}, cp.ID)
		if got.Status != model.CampaignDraft || got.Name != "C" {
			t.Errorf("campaign changed: %+v", got)
		}

		// Anyone signed in sets their own digest.
		m := mpSignIn(t, e, "member@a.test")
		page := m.get("/account", nil)
		mpContain(t, page.Body, `action="/account/digest"`, `name="digest_enabled" id="digest_enabled" checked`, `<option value="7" selected>07:00 UTC</option>`)
		if loc := mpLocationID(t, m.post("/account/digest", url.Values{"digest_hour": {"18"}}, nil), "/account"); loc != "#digest" {
			t.Errorf("digest redirect: %q", loc)
		}
		page = m.get("/account", nil)
		mpContain(t, page.Body, `<option value="18" selected>18:00 UTC</option>`, "The daily digest is off.")
		if strings.Contains(page.Body, `id="digest_enabled" checked`) {
			t.Error("digest still on")
		}
		for _, bad := range []string{"24", "-1", "nine"} {
			if res := m.post("/account/digest", url.Values{"digest_enabled": {"on"}, "digest_hour": {bad}}, nil); res.Status != 400 {
				t.Errorf("hour %q: %d", bad, res.Status)
			}
		}
		if len(mpAudit(t, e, "user.digest")) != 1 {
			t.Error("digest change not audited once")
		}
	})
}
