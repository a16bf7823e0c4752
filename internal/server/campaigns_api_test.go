package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	netmail "net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/sender"
	"ratify/internal/service"
	"ratify/internal/store"
)

// This file drives the email-campaign JSON API (templates, senders,
// campaigns, audience preview, suppressions), the unsubscribe endpoint and
// the daily digest end to end: permissions by role, bad input of every kind
// with a check that nothing changed, audience filters against the real
// reference data, language routing, escaping and header safety in the
// messages actually written, and one-click unsubscribe. It reuses mpEnv
// (campaign_pages_test.go), whose service sends to an outbox folder.

// caRows runs a query and returns every row as strings.
func caRows(t *testing.T, st *store.Store, q string, args ...any) [][]string {
	t.Helper()
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				row[i] = string(x)
			case time.Time:
				row[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func caCount(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	r := caRows(t, st, q, args...)
	var n int
	fmt.Sscan(r[0][0], &n)
	return n
}

// caTables are the tables an email request could change.
var caTables = []string{"email_templates", "email_template_variants", "campaigns", "campaign_recipients", "suppressions",
	"audit_log", "sender_identities", "contacts", "outreach", "digest_log", "countries"}

// caState fingerprints the rows the email API could touch: the number of
// rows per table, then every column that a refused request might change.
// Two equal fingerprints mean nothing changed.
func caState(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range caTables {
		fmt.Fprintf(&b, "%s=%d ", tb, caCount(t, st, "SELECT count(*) FROM "+tb))
	}
	b.WriteString("\n")
	for _, q := range []string{
		"SELECT id, name, deleted_at, updated_at FROM email_templates ORDER BY id",
		"SELECT id, template_id, language, subject, html, text FROM email_template_variants ORDER BY id",
		"SELECT id, name, status, template_id, sender_id, fallback_language, audience, scheduled_at, started_at, finished_at, rate_per_second, connections, updated_at FROM campaigns ORDER BY id",
		"SELECT id, campaign_id, contact_id, email, language, state, attempts, skip_reason FROM campaign_recipients ORDER BY id",
		"SELECT id, email, reason, note FROM suppressions ORDER BY id",
		"SELECT id, name, email, reply_to, updated_at FROM sender_identities ORDER BY id",
		"SELECT iso3, priority, stage_id FROM countries WHERE priority <> 'none' OR stage_id IS NOT NULL ORDER BY iso3",
	} {
		for _, r := range caRows(t, st, q) {
			b.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	return b.String()
}

// caSame fails when the state changed; what says which request changed it.
func caSame(t *testing.T, st *store.Store, before, what string) {
	t.Helper()
	if after := caState(t, st); after != before {
		bl, _, _ := strings.Cut(before, "\n")
		al, _, _ := strings.Cut(after, "\n")
		t.Errorf("%s changed the database:\nbefore %s\nafter  %s\n(full before)\n%s\n(full after)\n%s", what, bl, al, before, after)
	}
}

type caError struct {
	Code    string
	Message string
	Fields  map[string]string
}

func caErrOf(t *testing.T, res response) caError {
	t.Helper()
	var b struct{ Error caError }
	res.decode(t, &b)
	return b.Error
}

// caExpect checks an error answer: status, code and, when field is not
// empty, a message for that field containing want.
func caExpect(t *testing.T, what string, res response, status int, code, field, want string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d: %.600s", what, res.Status, status, res.Body)
		return
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: content type %q", what, res.Header.Get("Content-Type"))
		return
	}
	e := caErrOf(t, res)
	if e.Code != code || e.Message == "" {
		t.Errorf("%s: code %q message %q, want %q: %s", what, e.Code, e.Message, code, res.Body)
	}
	if field != "" {
		msg, ok := e.Fields[field]
		if !ok || !strings.Contains(msg, want) {
			t.Errorf("%s: fields %v, want %s containing %q", what, e.Fields, field, want)
		}
	}
}

func caID(t *testing.T, res response) int64 {
	t.Helper()
	var b struct{ ID int64 }
	res.decode(t, &b)
	if b.ID == 0 {
		t.Fatalf("no id in %s", res.Body)
	}
	return b.ID
}

func caCoord(e *env) service.Actor { return service.Actor{User: e.users["coordinator@a.test"]} }

// caRun sends every sending campaign once with the outbox transport.
func caRun(t *testing.T, e *env, outbox string) {
	t.Helper()
	en := sender.New(e.st, sender.Options{Transport: &mail.Outbox{Dir: outbox}, FromAddr: "noreply@example.org", PublicURL: "http://ratify.test",
		Unsubscribe: auth.NewUnsubscribe(testSecret), Now: e.clock.Now, Poll: 20 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := en.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
}

// caEML reads the outbox file of a Message-ID.
func caEML(t *testing.T, outbox, messageID string) (*netmail.Message, map[string]string, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(outbox, strings.ReplaceAll(strings.Trim(messageID, "<>"), "@", "_at_")+".eml"))
	if err != nil {
		t.Fatalf("no outbox file for %s: %v", messageID, err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("unreadable message: %v\n%s", err, raw)
	}
	parts := map[string]string{}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(msg.Body)
		parts[mt] = string(b)
		return msg, parts, raw
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[pt] = string(b)
	}
	return msg, parts, raw
}

type caRecipient struct {
	ID         int64  `json:"id"`
	ContactID  int64  `json:"contact_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Language   string `json:"language"`
	State      string `json:"state"`
	SkipReason string `json:"skip_reason"`
	MessageID  string `json:"message_id"`
}

func caRecipients(t *testing.T, e *env, campaignID int64) []caRecipient {
	t.Helper()
	res := e.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?per_page=100", campaignID), e.token("coordinator@a.test"), nil)
	if res.Status != 200 {
		t.Fatalf("recipients: %d %s", res.Status, res.Body)
	}
	var b struct {
		Items []caRecipient
		Total int
	}
	res.decode(t, &b)
	if b.Total != len(b.Items) {
		t.Fatalf("recipients: total %d, %d items", b.Total, len(b.Items))
	}
	return b.Items
}

// caFixtures is one of each thing the email routes act on.
type caFixtures struct {
	template, contact, sender, campaign, suppression int64
}

func caMake(t *testing.T, e *env) caFixtures {
	t.Helper()
	ctx := context.Background()
	var f caFixtures
	f.template = mpTemplate(t, e, "<p>Dear {{.Contact.FirstName}}</p>", "en")
	f.contact = mpContact(t, e, "Awa", "SEN", "awa@example.org", nil)
	si, err := e.svc.SaveSender(ctx, caCoord(e), model.SenderIdentity{Name: "Coalition", Email: "news@coalition.example"})
	if err != nil {
		t.Fatal(err)
	}
	f.sender = si.ID
	cp, err := e.svc.SaveCampaign(ctx, caCoord(e), 0, service.CampaignInput{Name: "Draft", TemplateID: f.template,
		Audience: model.Audience{Countries: []string{"SEN"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = cp.ID
	sup, err := e.svc.AddSuppression(ctx, caCoord(e), "gone@example.org", "bounced")
	if err != nil {
		t.Fatal(err)
	}
	f.suppression = sup.ID
	return f
}

type caRoute struct {
	method, path string
	body         any
}

// caRoutes lists every email route with a valid body.
func caRoutes(f caFixtures) []caRoute {
	tpl := map[string]any{"name": "T", "variants": []map[string]string{{"language": "en", "subject": "S", "html": "<p>H</p>"}}}
	camp := map[string]any{"name": "C", "template_id": f.template, "fallback_language": "en", "audience": map[string]any{"countries": []string{"SEN"}}}
	t, c := fmt.Sprint(f.template), fmt.Sprint(f.campaign)
	return []caRoute{
		{"GET", "/api/v1/templates", nil},
		{"POST", "/api/v1/templates", tpl},
		{"GET", "/api/v1/templates/" + t, nil},
		{"PUT", "/api/v1/templates/" + t, tpl},
		{"DELETE", "/api/v1/templates/" + t, nil},
		{"POST", "/api/v1/templates/" + t + "/preview", map[string]any{"contact_id": f.contact}},
		{"GET", "/api/v1/senders", nil},
		{"POST", "/api/v1/senders", map[string]string{"name": "S", "email": "s@example.org"}},
		{"GET", "/api/v1/campaigns", nil},
		{"POST", "/api/v1/campaigns", camp},
		{"GET", "/api/v1/campaigns/" + c, nil},
		{"PUT", "/api/v1/campaigns/" + c, camp},
		{"POST", "/api/v1/campaigns/" + c + "/start", map[string]any{}},
		{"POST", "/api/v1/campaigns/" + c + "/pause", nil},
		{"POST", "/api/v1/campaigns/" + c + "/resume", nil},
		{"POST", "/api/v1/campaigns/" + c + "/cancel", nil},
		{"POST", "/api/v1/campaigns/" + c + "/retry", nil},
		{"POST", "/api/v1/campaigns/" + c + "/test", map[string]any{"contact_id": f.contact}},
		{"GET", "/api/v1/campaigns/" + c + "/recipients", nil},
		{"POST", "/api/v1/audience/preview", map[string]any{"audience": map[string]any{"countries": []string{"SEN"}}, "template_id": f.template}},
		{"GET", "/api/v1/suppressions", nil},
		{"POST", "/api/v1/suppressions", map[string]string{"email": "new@example.org"}},
		{"DELETE", "/api/v1/suppressions/" + fmt.Sprint(f.suppression), nil},
	}
}

func TestCampaignsAPIPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		f := caMake(t, e)
		routes := caRoutes(f)
		refused := []string{"member@a.test", "viewer@a.test", "member@b.test", "viewer@b.test"}
		for _, who := range refused {
			e.token(who) // signing in is audited: do it before the fingerprint
		}
		before := caState(t, st)
		files, _ := os.ReadDir(outbox)
		for _, who := range refused {
			tok := e.token(who)
			for _, r := range routes {
				caExpect(t, who+" "+r.method+" "+r.path, e.do(r.method, r.path, tok, r.body), http.StatusForbidden, "forbidden", "", "")
			}
		}
		for _, r := range routes {
			caExpect(t, "anonymous "+r.method+" "+r.path, e.do(r.method, r.path, "", r.body), http.StatusUnauthorized, "unauthorized", "", "")
			caExpect(t, "bad token "+r.method+" "+r.path, e.do(r.method, r.path, "not.a.token", r.body), http.StatusUnauthorized, "unauthorized", "", "")
		}
		caSame(t, st, before, "refused requests")
		if after, _ := os.ReadDir(outbox); len(after) != len(files) {
			t.Errorf("a refused test send wrote a message")
		}

		// Coordinators and admins of either organisation do all of it.
		for i, who := range []string{"coordinator@a.test", "admin@a.test", "coordinator@b.test", "admin@b.test"} {
			tok := e.token(who)
			ok := func(method, path string, body any, status int) response {
				t.Helper()
				res := e.do(method, path, tok, body)
				if res.Status != status {
					t.Fatalf("%s %s %s: %d, want %d: %.500s", who, method, path, res.Status, status, res.Body)
				}
				return res
			}
			for _, p := range []string{"/api/v1/templates", "/api/v1/senders", "/api/v1/campaigns", "/api/v1/suppressions",
				fmt.Sprintf("/api/v1/templates/%d", f.template), fmt.Sprintf("/api/v1/campaigns/%d", f.campaign),
				fmt.Sprintf("/api/v1/campaigns/%d/recipients", f.campaign)} {
				ok("GET", p, nil, 200)
			}
			tid := caID(t, ok("POST", "/api/v1/templates", map[string]any{"name": "By " + who,
				"variants": []map[string]string{{"language": "en", "subject": "Hi {{.Contact.LastName}}", "html": "<p>Dear {{.Contact.FullName}}</p>"}}}, 201))
			ok("PUT", fmt.Sprintf("/api/v1/templates/%d", tid), map[string]any{"name": "Renamed by " + who,
				"variants": []map[string]string{{"language": "en", "subject": "Hello", "html": "<p>Hello {{.Contact.FullName}}</p>"}}}, 200)
			prev := ok("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tid), map[string]any{"contact_id": f.contact}, 200)
			if !strings.Contains(prev.Body, "Hello Awa Test") {
				t.Errorf("%s preview: %s", who, prev.Body)
			}
			ok("POST", "/api/v1/senders", map[string]string{"name": "Sender " + who, "email": fmt.Sprintf("s%d@example.org", i)}, 201)
			cid := caID(t, ok("POST", "/api/v1/campaigns", map[string]any{"name": "By " + who, "template_id": tid,
				"audience": map[string]any{"countries": []string{"SEN"}}}, 201))
			ok("PUT", fmt.Sprintf("/api/v1/campaigns/%d", cid), map[string]any{"name": "Renamed by " + who, "template_id": tid,
				"audience": map[string]any{"countries": []string{"SEN"}}}, 200)
			ok("POST", "/api/v1/audience/preview", map[string]any{"audience": map[string]any{"countries": []string{"SEN"}}, "template_id": tid}, 200)
			ok("POST", fmt.Sprintf("/api/v1/campaigns/%d/test", cid), map[string]any{"contact_id": f.contact}, 200)
			for _, action := range []string{"start", "pause", "resume", "retry", "cancel"} {
				ok("POST", fmt.Sprintf("/api/v1/campaigns/%d/%s", cid, action), nil, 200)
			}
			sid := caID(t, ok("POST", "/api/v1/suppressions", map[string]string{"email": fmt.Sprintf("off%d@example.org", i)}, 201))
			ok("DELETE", fmt.Sprintf("/api/v1/suppressions/%d", sid), nil, 204)
			ok("DELETE", fmt.Sprintf("/api/v1/templates/%d", tid), nil, 204)
		}
	})
}

func TestCampaignsAPIBadBodies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		f := caMake(t, e)
		tok := e.token("coordinator@a.test")
		c := fmt.Sprint(f.campaign)
		// Every route that reads a body, with a body of the wrong type for one of its fields.
		bodyRoutes := []struct {
			method, path, wrongType, field string
		}{
			{"POST", "/api/v1/templates", `{"name": 5}`, "name"},
			{"PUT", fmt.Sprintf("/api/v1/templates/%d", f.template), `{"name": "x", "variants": {"language": "en"}}`, "variants"},
			{"POST", fmt.Sprintf("/api/v1/templates/%d/preview", f.template), `{"contact_id": "seven"}`, "contact_id"},
			{"POST", "/api/v1/senders", `{"name": "S", "email": ["a@example.org"]}`, "email"},
			{"POST", "/api/v1/campaigns", `{"name": "C", "template_id": "one"}`, "template_id"},
			{"PUT", "/api/v1/campaigns/" + c, `{"name": "C", "rate_per_second": 1.5}`, "rate_per_second"},
			{"POST", "/api/v1/campaigns/" + c + "/test", `{"contact_id": true}`, "contact_id"},
			{"POST", "/api/v1/audience/preview", `{"audience": {"countries": "SEN"}}`, "audience.countries"},
			{"POST", "/api/v1/audience/preview", `{"audience": {"institution_ids": ["x"]}}`, "audience.institution_ids"},
			{"POST", "/api/v1/suppressions", `{"email": {"x": 1}}`, "email"},
			{"POST", "/api/v1/campaigns/" + c + "/start", `{"at": 5}`, ""},
		}
		before := caState(t, st)
		big := `{"name": "` + strings.Repeat("x", 70<<10) + `"}`
		for _, r := range bodyRoutes {
			what := r.method + " " + r.path
			caExpect(t, what+" malformed", e.do(r.method, r.path, tok, `{"name": `), 400, "invalid_json", "", "")
			caExpect(t, what+" two values", e.do(r.method, r.path, tok, `{} {}`), 400, "invalid_json", "", "")
			caExpect(t, what+" null", e.do(r.method, r.path, tok, `null`), 400, "invalid_json", "", "")
			caExpect(t, what+" array", e.do(r.method, r.path, tok, `[]`), 400, "invalid_json", "", "")
			caExpect(t, what+" unknown field", e.do(r.method, r.path, tok, `{"bogus": 1}`), 400, "invalid", "bogus", "unknown field")
			caExpect(t, what+" oversized", e.do(r.method, r.path, tok, big), 413, "too_large", "", "")
			req, _ := http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "text/plain")
			caExpect(t, what+" not JSON", e.send(req), 400, "invalid_json", "", "")
			if r.field != "" {
				caExpect(t, what+" wrong type", e.do(r.method, r.path, tok, r.wrongType), 400, "invalid", r.field, "must be")
			} else {
				// A time that is not a string is refused (as unreadable JSON).
				caExpect(t, what+" wrong type", e.do(r.method, r.path, tok, r.wrongType), 400, "invalid_json", "", "")
			}
			if r.method != "POST" || !strings.HasSuffix(r.path, "/start") {
				caExpect(t, what+" empty", e.do(r.method, r.path, tok, ""), 400, "invalid_json", "", "")
			}
		}
		caExpect(t, "start with a time that is not one", e.do("POST", "/api/v1/campaigns/"+c+"/start", tok, `{"at": "tomorrow"}`), 400, "invalid_json", "", "")
		caSame(t, st, before, "malformed bodies")
	})
}

func TestCampaignsAPIUnknownIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		f := caMake(t, e)
		tok := e.token("coordinator@a.test")
		tpl := map[string]any{"name": "T", "variants": []map[string]string{{"language": "en", "subject": "S", "html": "<p>H</p>"}}}
		camp := map[string]any{"name": "C", "template_id": f.template, "audience": map[string]any{"countries": []string{"SEN"}}}
		before := caState(t, st)
		// In the path: 404.
		for _, r := range []caRoute{
			{"GET", "/api/v1/templates/999999", nil},
			{"PUT", "/api/v1/templates/999999", tpl},
			{"DELETE", "/api/v1/templates/999999", nil},
			{"POST", "/api/v1/templates/999999/preview", map[string]any{"contact_id": f.contact}},
			{"GET", "/api/v1/templates/abc", nil},
			{"GET", "/api/v1/campaigns/999999", nil},
			{"GET", "/api/v1/campaigns/0", nil},
			{"GET", "/api/v1/campaigns/-3", nil},
			{"GET", "/api/v1/campaigns/1e3", nil},
			{"PUT", "/api/v1/campaigns/999999", camp},
			{"POST", "/api/v1/campaigns/999999/start", nil},
			{"POST", "/api/v1/campaigns/999999/pause", nil},
			{"POST", "/api/v1/campaigns/999999/resume", nil},
			{"POST", "/api/v1/campaigns/999999/cancel", nil},
			{"POST", "/api/v1/campaigns/999999/retry", nil},
			{"POST", "/api/v1/campaigns/999999/test", map[string]any{"contact_id": f.contact}},
			{"GET", "/api/v1/campaigns/999999/recipients", nil},
			{"POST", fmt.Sprintf("/api/v1/campaigns/%d/explode", f.campaign), nil},
			{"DELETE", "/api/v1/suppressions/999999", nil},
			{"DELETE", "/api/v1/suppressions/x", nil},
		} {
			caExpect(t, r.method+" "+r.path, e.do(r.method, r.path, tok, r.body), 404, "not_found", "", "")
		}
		// In the body: 400 naming the field.
		aud := func(a map[string]any) map[string]any { return map[string]any{"audience": a} }
		for _, c := range []struct {
			path  string
			body  any
			field string
		}{
			{"/api/v1/campaigns", map[string]any{"name": "C", "template_id": 999999}, "template_id"},
			{"/api/v1/campaigns", map[string]any{"name": "C", "template_id": f.template, "sender_id": 999999}, "sender_id"},
			{"/api/v1/campaigns", map[string]any{"name": "C", "template_id": f.template, "audience": map[string]any{"countries": []string{"XXX"}}}, "audience.countries"},
			{"/api/v1/campaigns", map[string]any{"name": "C", "template_id": f.template, "audience": map[string]any{"kinds": []string{"alien"}}}, "audience.kinds"},
			{fmt.Sprintf("/api/v1/templates/%d/preview", f.template), map[string]any{"contact_id": 999999}, "contact_id"},
			{fmt.Sprintf("/api/v1/templates/%d/preview", f.template), map[string]any{"contact_id": f.contact, "language": "de"}, "language"},
			{fmt.Sprintf("/api/v1/campaigns/%d/test", f.campaign), map[string]any{"contact_id": 999999}, "contact_id"},
			{fmt.Sprintf("/api/v1/campaigns/%d/test", f.campaign), map[string]any{}, "contact_id"},
			{"/api/v1/audience/preview", map[string]any{"template_id": 999999}, "template_id"},
			{"/api/v1/audience/preview", aud(map[string]any{"countries": []string{"SEN", "XXX"}}), "audience.countries"},
			{"/api/v1/audience/preview", aud(map[string]any{"ratification": map[string]any{"instrument": "C999", "status": []string{"party"}}}), "audience.ratification.instrument"},
			{"/api/v1/audience/preview", aud(map[string]any{"also": []map[string]any{{"instrument": "ICRMW", "status": []string{"party"}}, {"instrument": "X1"}}}), "audience.ratification.instrument"},
			{"/api/v1/audience/preview", aud(map[string]any{"ratification": map[string]any{"instrument": "ICRMW", "status": []string{"maybe"}}}), "audience.ratification.status"},
			{"/api/v1/audience/preview", aud(map[string]any{"kinds": []string{"parliamentarian", "alien"}}), "audience.kinds"},
			{"/api/v1/audience/preview", aud(map[string]any{"institution_kinds": []string{"castle"}}), "audience.institution_kinds"},
			{"/api/v1/audience/preview", aud(map[string]any{"institution_ids": []int64{999999}}), "audience.institution_ids"},
			{"/api/v1/audience/preview", aud(map[string]any{"stage_ids": []int64{999999}}), "audience.stage_ids"},
			{"/api/v1/audience/preview", aud(map[string]any{"tags": []string{"#!?"}}), "audience.tags"},
			{"/api/v1/audience/preview", aud(map[string]any{"stances": []string{"hostile"}}), "audience.stances"},
			{"/api/v1/audience/preview", aud(map[string]any{"priorities": []string{"urgent"}}), "audience.priorities"},
			{"/api/v1/audience/preview", aud(map[string]any{"languages": []string{"english"}}), "audience.languages"},
			{"/api/v1/audience/preview", aud(map[string]any{"parties": []string{"Line\nbreak"}}), "audience.parties"},
		} {
			caExpect(t, "POST "+c.path+" "+c.field, e.do("POST", c.path, tok, c.body), 400, "invalid", c.field, "")
		}
		caSame(t, st, before, "unknown ids")
	})
}

func TestCampaignsAPIInvalidTemplatesAndCampaigns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		f := caMake(t, e)
		tok := e.token("coordinator@a.test")
		v := func(lang, subject, html string) map[string]string {
			return map[string]string{"language": lang, "subject": subject, "html": html}
		}
		tplBody := func(name string, vs ...map[string]string) map[string]any {
			return map[string]any{"name": name, "variants": vs}
		}
		before := caState(t, st)
		templates := []struct {
			name         string
			body         any
			field, wants string
		}{
			{"unknown field on line 3", tplBody("T", v("en", "Hello", "<p>Dear</p>\n<p>Thanks</p>\n<p>{{.Contact.Nickname}}</p>")),
				"variants[0].html", `line 3: .Contact has no field "Nickname"`},
			{"unknown field in the second variant's subject", tplBody("T", v("en", "Hi", "<p>x</p>"), v("fr", "Salut {{.Contact.Surname}}", "<p>x</p>")),
				"variants[1].subject", `line 1: .Contact has no field "Surname"`},
			{"unknown instrument", tplBody("T", v("en", "Hi", "<p>x</p>\n{{.Country.Instruments.C999.Status}}")), "variants[0].html", `line 2: no instrument with code "C999"`},
			{"syntax error", tplBody("T", v("en", "Hi", "<p>x</p>\n\n\n{{if .Contact.FirstName}}open")), "variants[0].html", "line 4"},
			{"unknown field in the text body", map[string]any{"name": "T", "variants": []map[string]string{{"language": "en", "subject": "Hi", "html": "<p>x</p>", "text": "a\n{{.Sender.Phone}}"}}},
				"variants[0].text", `line 2: .Sender has no field "Phone"`},
			{"duplicate language", tplBody("T", v("en", "Hi", "<p>x</p>"), v("EN", "Hi", "<p>y</p>")), "variants[1].language", "already"},
			{"bad language code", tplBody("T", v("english", "Hi", "<p>x</p>")), "variants[0].language", "two-letter"},
			{"empty language", tplBody("T", v("", "Hi", "<p>x</p>")), "variants[0].language", "two-letter"},
			{"no variants", tplBody("T"), "variants", "at least one"},
			{"no subject", tplBody("T", v("en", " ", "<p>x</p>")), "variants[0].subject", "subject"},
			{"no html", tplBody("T", v("en", "Hi", "  ")), "variants[0].html", "empty"},
			{"no name", tplBody(" ", v("en", "Hi", "<p>x</p>")), "name", "name"},
			{"named templates", tplBody("T", v("en", "Hi", `{{define "x"}}y{{end}}<p>x</p>`)), "variants[0].html", "not supported"},
		}
		for _, c := range templates {
			caExpect(t, "create: "+c.name, e.do("POST", "/api/v1/templates", tok, c.body), 400, "invalid", c.field, c.wants)
			caExpect(t, "update: "+c.name, e.do("PUT", fmt.Sprintf("/api/v1/templates/%d", f.template), tok, c.body), 400, "invalid", c.field, c.wants)
		}
		caSame(t, st, before, "refused templates")

		campaigns := []struct {
			name         string
			body         map[string]any
			field, wants string
		}{
			{"fallback without a variant", map[string]any{"name": "C", "template_id": f.template, "fallback_language": "de"}, "fallback_language", "no de variant"},
			{"bad fallback code", map[string]any{"name": "C", "template_id": f.template, "fallback_language": "deu"}, "fallback_language", "two-letter"},
			{"no name", map[string]any{"name": "", "template_id": f.template}, "name", "name"},
			{"no template", map[string]any{"name": "C"}, "template_id", "no such template"},
			{"negative rate", map[string]any{"name": "C", "template_id": f.template, "rate_per_second": -1}, "rate_per_second", "between"},
			{"too many connections", map[string]any{"name": "C", "template_id": f.template, "connections": 51}, "connections", "between"},
		}
		for _, c := range campaigns {
			caExpect(t, "create: "+c.name, e.do("POST", "/api/v1/campaigns", tok, c.body), 400, "invalid", c.field, c.wants)
			caExpect(t, "update: "+c.name, e.do("PUT", fmt.Sprintf("/api/v1/campaigns/%d", f.campaign), tok, c.body), 400, "invalid", c.field, c.wants)
		}
		for _, c := range []struct {
			body         map[string]string
			field, wants string
		}{
			{map[string]string{"email": "not-an-address"}, "email", "valid"},
			{map[string]string{"email": "x@example.org", "note": "two\nlines"}, "note", "plain text"},
		} {
			caExpect(t, "suppression "+c.field, e.do("POST", "/api/v1/suppressions", tok, c.body), 400, "invalid", c.field, c.wants)
		}
		caExpect(t, "duplicate suppression", e.do("POST", "/api/v1/suppressions", tok, map[string]string{"email": "GONE@example.org"}), 409, "conflict", "email", "already")
		caExpect(t, "sender without address", e.do("POST", "/api/v1/senders", tok, map[string]string{"name": "S", "email": "nope"}), 400, "invalid", "email", "valid")
		caExpect(t, "sender name on two lines", e.do("POST", "/api/v1/senders", tok, map[string]string{"name": "S\r\nBcc: x@evil.example", "email": "s@example.org"}), 400, "invalid", "name", "")
		caExpect(t, "recipients of an unknown state", e.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?state=bogus", f.campaign), tok, nil), 400, "invalid", "state", "")
		caExpect(t, "recipients page 0", e.do("GET", fmt.Sprintf("/api/v1/campaigns/%d/recipients?per_page=0", f.campaign), tok, nil), 400, "invalid", "per_page", "")
		caSame(t, st, before, "refused campaigns")

		// Starting: in the past, with nobody to mail.
		past := e.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339)
		caExpect(t, "schedule in the past", e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", f.campaign), tok, map[string]string{"at": past}), 400, "invalid", "at", "from now on")
		empty, err := e.svc.SaveCampaign(context.Background(), caCoord(e), 0, service.CampaignInput{Name: "Nobody", TemplateID: f.template,
			Audience: model.Audience{Countries: []string{"MEX"}}})
		if err != nil {
			t.Fatal(err)
		}
		before = caState(t, st)
		caExpect(t, "start with nobody to mail", e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", empty.ID), tok, nil), 422, "unprocessable", "", "")
		caSame(t, st, before, "starts refused")

		// A started campaign cannot be started again or changed.
		if res := e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", f.campaign), tok, nil); res.Status != 200 {
			t.Fatalf("start: %d %s", res.Status, res.Body)
		}
		before = caState(t, st)
		caExpect(t, "start a sending campaign", e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", f.campaign), tok, nil), 409, "conflict", "", "")
		caExpect(t, "change a sending campaign", e.do("PUT", fmt.Sprintf("/api/v1/campaigns/%d", f.campaign), tok,
			map[string]any{"name": "Renamed", "template_id": f.template}), 409, "conflict", "", "")
		caExpect(t, "resume a sending campaign", e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/resume", f.campaign), tok, nil), 409, "conflict", "", "")
		caSame(t, st, before, "conflicting actions on a sending campaign")

		// Once done, it can be neither paused, resumed, cancelled nor started.
		caRun(t, e, outbox)
		var got struct{ Status string }
		e.do("GET", fmt.Sprintf("/api/v1/campaigns/%d", f.campaign), tok, nil).decode(t, &got)
		if got.Status != "done" {
			t.Fatalf("after sending: %s", got.Status)
		}
		before = caState(t, st)
		for _, action := range []string{"pause", "resume", "cancel", "start"} {
			caExpect(t, action+" a done campaign", e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/%s", f.campaign, action), tok, nil), 409, "conflict", "", "")
		}
		caSame(t, st, before, "actions on a done campaign")
	})
}

// caFacts reads a state's standing on each instrument from the loaded reference data.
func caFacts(t *testing.T, st *store.Store) map[string]map[string]model.Status {
	t.Helper()
	rats, err := st.AllRatifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]model.Status{}
	for _, r := range rats {
		if out[r.CountryISO3] == nil {
			out[r.CountryISO3] = map[string]model.Status{}
		}
		out[r.CountryISO3][r.InstrumentCode] = r.Status
	}
	return out
}

type caPreview struct {
	Count     int            `json:"count"`
	Languages map[string]int `json:"languages"`
	Excluded  int            `json:"excluded_count"`
	ByReason  map[string]int `json:"excluded_by_reason"`
	Sample    []struct {
		ContactID int64  `json:"contact_id"`
		Reason    string `json:"reason"`
	} `json:"excluded"`
}

func TestCampaignsAPIAudienceFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, _ := mpEnv(t, st)
		ctx := context.Background()
		co := caCoord(e)
		tok := e.token("coordinator@a.test")

		// The reference data the expectations below rest on (migrations/data).
		facts := caFacts(t, st)
		party := func(iso, code string) bool { return facts[iso][code].Party() }
		for _, c := range []struct {
			iso, code string
			want      bool
			label     string
		}{
			{"ARM", "ICRMW", false, "Armenia has only signed the ICRMW"},
			{"MEX", "ICRMW", true, "Mexico is party to the ICRMW"},
			{"SEN", "ICRMW", true, "Senegal is party to the ICRMW"},
			{"FRA", "ICRMW", false, "France is not party to the ICRMW"},
			{"DEU", "ICRMW", false, "Germany is not party to the ICRMW"},
			{"MEX", "C097", false, "Mexico is not party to C097"},
			{"ARM", "C097", true, "Armenia is party to C097"},
			{"FRA", "C097", true, "France is party to C097"},
			{"DEU", "C097", true, "Germany is party to C097"},
			{"SEN", "C097", false, "Senegal is not party to C097"},
			{"ARM", "C143", true, "Armenia is party to C143"},
			{"FRA", "C143", false, "France is not party to C143"},
			{"DEU", "C143", false, "Germany is not party to C143"},
		} {
			if party(c.iso, c.code) != c.want {
				t.Fatalf("reference data changed: %s (%s %s is %q)", c.label, c.iso, c.code, facts[c.iso][c.code])
			}
		}
		if facts["ARM"]["ICRMW"] != model.StatusSigned {
			t.Fatalf("reference data changed: Armenia's ICRMW status is %q", facts["ARM"]["ICRMW"])
		}

		inst := func(iso string, kind model.InstitutionKind, name string) int64 {
			in, err := e.svc.SaveInstitution(ctx, co, model.Institution{CountryISO3: iso, Kind: kind, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			return in.ID
		}
		fraCommittee := inst("FRA", model.InstCommittee, "Commission des affaires sociales")
		armCommittee := inst("ARM", model.InstCommittee, "Standing Committee on Labour")
		senParliament := inst("SEN", model.InstParliament, "Assemblée nationale")

		ids := map[string]int64{}
		add := func(key, iso string, kind model.ContactKind, email string, edit func(*model.Contact)) {
			t.Helper()
			c := model.Contact{FirstName: key, LastName: "Test", Kind: kind, CountryISO3: &iso}
			if email != "" {
				c.Emails = []model.ContactEmail{{Email: email}}
			}
			if edit != nil {
				edit(&c)
			}
			r, err := e.svc.CreateContact(ctx, co, c)
			if err != nil {
				t.Fatalf("contact %s: %v", key, err)
			}
			ids[key] = r.Contact.ID
		}
		tags := func(ts ...string) []model.ContactTag {
			var out []model.ContactTag
			for _, x := range ts {
				out = append(out, model.ContactTag{Tag: x})
			}
			return out
		}
		add("armMP", "ARM", model.ContactParliamentarian, "arm.mp@example.org", func(c *model.Contact) {
			c.Party, c.Tags, c.Stance, c.PreferredLanguage, c.Languages = "Civil Contract", tags("labour"), model.StanceSupportive, "hy", "hy,ru"
		})
		add("mexMP", "MEX", model.ContactParliamentarian, "mex.mp@example.org", func(c *model.Contact) {
			c.Party, c.Tags, c.Stance, c.PreferredLanguage = "Morena", tags("labour", "migration"), model.StanceUndecided, "es"
		})
		add("mexMin", "MEX", model.ContactMinister, "mex.min@example.org", func(c *model.Contact) {
			c.Party, c.Stance, c.Languages, c.DoNotContact, c.DoNotContactReason = "PAN", model.StanceOpposed, "es,en", true, "asked us to stop"
		})
		add("fraDip", "FRA", model.ContactDiplomat, "fra.dip@example.org", func(c *model.Contact) { c.PreferredLanguage = "fr" })
		add("fraMP", "FRA", model.ContactParliamentarian, "", func(c *model.Contact) { c.Stance = model.StanceSupportive })
		add("deuOff", "DEU", model.ContactOfficial, "deu.off@example.org", func(c *model.Contact) {
			c.Tags, c.PreferredLanguage = tags("migration"), "de"
		})
		add("senMP", "SEN", model.ContactParliamentarian, "sen.mp@example.org", func(c *model.Contact) { c.PreferredLanguage, c.Party = "fr", "PDS" })
		add("armDip", "ARM", model.ContactDiplomat, "arm.dip@example.org", nil)
		day := func(s string) *time.Time { d, _ := time.Parse("2006-01-02", s); return &d }
		for _, p := range []struct {
			contact string
			inst    int64
			end     *time.Time
		}{{"fraDip", fraCommittee, nil}, {"senMP", senParliament, nil}, {"armDip", armCommittee, day("2022-01-31")}} {
			if _, err := e.svc.AddPosition(ctx, co, ids[p.contact], service.PositionInput{InstitutionID: p.inst, Title: "Member",
				Start: day("2019-01-01"), End: p.end}); err != nil {
				t.Fatal(err)
			}
		}
		if res := e.do("POST", "/api/v1/suppressions", tok, map[string]string{"email": "DEU.off@example.org", "note": "bounced"}); res.Status != 201 {
			t.Fatalf("suppress: %d %s", res.Status, res.Body)
		}
		if res := e.do("PATCH", "/api/v1/countries/SEN", tok, map[string]string{"priority": "high"}); res.Status != 200 {
			t.Fatalf("priority: %d %s", res.Status, res.Body)
		}
		res := e.do("POST", "/api/v1/stages", e.token("admin@a.test"), map[string]string{"name": "Bill before parliament (test)"})
		if res.Status != 201 {
			t.Fatalf("stage: %d %s", res.Status, res.Body)
		}
		stage := caID(t, res)
		if res := e.do("PATCH", "/api/v1/countries/FRA", tok, map[string]any{"stage_id": stage}); res.Status != 200 {
			t.Fatalf("stage: %d %s", res.Status, res.Body)
		}
		tpl := model.EmailTemplate{Name: "Multilingual"}
		for _, l := range []string{"en", "fr", "es"} {
			tpl.Variants = append(tpl.Variants, model.TemplateVariant{Language: l, Subject: "S " + l, HTML: "<p>" + l + "</p>"})
		}
		saved, err := e.svc.SaveTemplate(ctx, co, tpl)
		if err != nil {
			t.Fatal(err)
		}

		preview := func(body map[string]any) caPreview {
			t.Helper()
			res := e.do("POST", "/api/v1/audience/preview", tok, body)
			if res.Status != 200 {
				t.Fatalf("preview %v: %d %s", body, res.Status, res.Body)
			}
			var p caPreview
			res.decode(t, &p)
			return p
		}
		const dnc, noAddr, supp = service.ReasonDNC, service.ReasonNoAddress, service.ReasonSuppressed
		rat := func(code string, status ...string) map[string]any {
			return map[string]any{"instrument": code, "status": status}
		}
		before := caState(t, st)
		for _, c := range []struct {
			name     string
			audience map[string]any
			count    int
			excluded map[string]int
		}{
			{"everyone", map[string]any{}, 5, map[string]int{dnc: 1, noAddr: 1, supp: 1}},
			{"ICRMW signed (Armenia)", map[string]any{"ratification": rat("ICRMW", "signed")}, 2, map[string]int{}},
			{"ICRMW party (Mexico, Senegal)", map[string]any{"ratification": rat("ICRMW", "party")}, 2, map[string]int{dnc: 1}},
			{"ICRMW signed or party", map[string]any{"ratification": rat("ICRMW", "signed", "party")}, 4, map[string]int{dnc: 1}},
			{"ICRMW not party", map[string]any{"ratification": rat("ICRMW", "not_party")}, 3, map[string]int{noAddr: 1, supp: 1}},
			{"C097 party", map[string]any{"ratification": rat("C097", "party")}, 3, map[string]int{noAddr: 1, supp: 1}},
			{"C097 party but not C143", map[string]any{"ratification": rat("C097", "party"), "also": []any{rat("C143", "not_party")}}, 1, map[string]int{noAddr: 1, supp: 1}},
			{"C097 party, C143 not, ICRMW party: nobody", map[string]any{"ratification": rat("C097", "party"), "also": []any{rat("C143", "not_party"), rat("ICRMW", "party")}}, 0, map[string]int{}},
			{"region Americas", map[string]any{"regions": []string{"Americas"}}, 1, map[string]int{dnc: 1}},
			{"sub-region Western Europe", map[string]any{"regions": []string{"western europe"}}, 1, map[string]int{noAddr: 1, supp: 1}},
			{"region Asia (Armenia)", map[string]any{"regions": []string{"Asia"}}, 2, map[string]int{}},
			{"countries", map[string]any{"countries": []string{"arm", "SEN"}}, 3, map[string]int{}},
			{"priority high (Senegal)", map[string]any{"priorities": []string{"high"}}, 1, map[string]int{}},
			{"stage (France)", map[string]any{"stage_ids": []int64{stage}}, 1, map[string]int{noAddr: 1}},
			{"kind diplomat", map[string]any{"kinds": []string{"diplomat"}}, 2, map[string]int{}},
			{"kind minister", map[string]any{"kinds": []string{"minister"}}, 0, map[string]int{dnc: 1}},
			{"institution kind committee (current posts only)", map[string]any{"institution_kinds": []string{"parliamentary_committee"}}, 1, map[string]int{}},
			{"institution kind parliament", map[string]any{"institution_kinds": []string{"parliament"}}, 1, map[string]int{}},
			{"institution: the French committee", map[string]any{"institution_ids": []int64{fraCommittee}}, 1, map[string]int{}},
			{"institution: a committee with only a past member", map[string]any{"institution_ids": []int64{armCommittee}}, 0, map[string]int{}},
			{"party, any case", map[string]any{"parties": []string{"MORENA"}}, 1, map[string]int{}},
			{"party of a do-not-contact", map[string]any{"parties": []string{"pan"}}, 0, map[string]int{dnc: 1}},
			{"tag migration", map[string]any{"tags": []string{"Migration"}}, 1, map[string]int{supp: 1}},
			{"tag labour", map[string]any{"tags": []string{"labour"}}, 2, map[string]int{}},
			{"stances", map[string]any{"stances": []string{"supportive", "undecided"}}, 2, map[string]int{noAddr: 1}},
			{"stance opposed", map[string]any{"stances": []string{"opposed"}}, 0, map[string]int{dnc: 1}},
			{"language fr (preferred)", map[string]any{"languages": []string{"fr"}}, 2, map[string]int{}},
			{"language ru (spoken)", map[string]any{"languages": []string{"ru"}}, 1, map[string]int{}},
			{"language es", map[string]any{"languages": []string{"es"}}, 1, map[string]int{dnc: 1}},
			{"country and kind", map[string]any{"countries": []string{"MEX"}, "kinds": []string{"parliamentarian"}}, 1, map[string]int{}},
			{"ICRMW party and language fr", map[string]any{"ratification": rat("ICRMW", "party"), "languages": []string{"fr"}}, 1, map[string]int{}},
		} {
			p := preview(map[string]any{"audience": c.audience})
			if p.Count != c.count || p.Excluded != sum(c.excluded) || !mapsEqual(p.ByReason, c.excluded) {
				t.Errorf("%s: %d recipients, excluded %v; want %d, %v", c.name, p.Count, p.ByReason, c.count, c.excluded)
			}
		}
		// Who is excluded, and why.
		p := preview(map[string]any{"audience": map[string]any{}})
		reasons := map[int64]string{}
		for _, x := range p.Sample {
			reasons[x.ContactID] = x.Reason
		}
		if reasons[ids["mexMin"]] != dnc || reasons[ids["fraMP"]] != noAddr || reasons[ids["deuOff"]] != supp || len(reasons) != 3 {
			t.Errorf("exclusions %v", reasons)
		}
		// With the template, each recipient gets a variant; a fallback the
		// template lacks leaves out those it would have served.
		p = preview(map[string]any{"audience": map[string]any{}, "template_id": saved.ID, "fallback_language": "en"})
		if !mapsEqual(p.Languages, map[string]int{"en": 2, "es": 1, "fr": 2}) {
			t.Errorf("languages %v", p.Languages)
		}
		p = preview(map[string]any{"audience": map[string]any{}, "template_id": saved.ID, "fallback_language": "de"})
		if p.Count != 3 || p.ByReason[service.ReasonNoVariant] != 2 {
			t.Errorf("fallback de: %d, %v", p.Count, p.ByReason)
		}
		caSame(t, st, before, "audience previews")

		// After a start, contacts already in the campaign are left out.
		aud := model.Audience{Countries: []string{"ARM", "MEX"}}
		cp, err := e.svc.SaveCampaign(ctx, co, 0, service.CampaignInput{Name: "Armenia and Mexico", TemplateID: saved.ID, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.StartCampaign(ctx, co, cp.ID, nil); err != nil {
			t.Fatal(err)
		}
		if rows := caRecipients(t, e, cp.ID); len(rows) != 4 {
			t.Fatalf("%d recipient rows, want 4 (3 queued, 1 skipped): %+v", len(rows), rows)
		}
		add("armNew", "ARM", model.ContactParliamentarian, "arm.new@example.org", nil)
		again, err := e.svc.PreviewAudience(ctx, co, aud, saved.ID, "en", cp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Recipients) != 1 || again.Recipients[0].Contact.ID != ids["armNew"] || again.CountsByReason()[service.ReasonAlready] != 4 {
			t.Errorf("preview after start: %d recipients, %v", len(again.Recipients), again.CountsByReason())
		}
	})
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCampaignsAPIRecipientsCarryTheRoutedLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		tok := e.token("coordinator@a.test")
		want := map[int64]string{}
		add := func(first, pref, langs, email, lang string) {
			id := mpContact(t, e, first, "SEN", email, func(c *model.Contact) { c.PreferredLanguage, c.Languages = pref, langs })
			want[id] = lang
		}
		add("Prefers", "fr", "es", "prefers@example.org", "fr")
		add("Speaks", "de", "de,es,fr", "speaks@example.org", "es")
		add("Falls", "pt", "it", "falls@example.org", "en")
		add("Silent", "", "", "silent@example.org", "en")
		add("Nomail", "fr", "", "", "")
		res := e.do("POST", "/api/v1/templates", tok, map[string]any{"name": "Three languages", "variants": []map[string]string{
			{"language": "en", "subject": "Ratify", "html": "<p>English</p>"},
			{"language": "fr", "subject": "Ratifiez", "html": "<p>Français</p>"},
			{"language": "es", "subject": "Ratifiquen", "html": "<p>Español</p>"}}})
		if res.Status != 201 {
			t.Fatalf("template: %d %s", res.Status, res.Body)
		}
		tid := caID(t, res)
		res = e.do("POST", "/api/v1/campaigns", tok, map[string]any{"name": "Routed", "template_id": tid, "fallback_language": "en",
			"audience": map[string]any{"countries": []string{"SEN"}}})
		if res.Status != 201 {
			t.Fatalf("campaign: %d %s", res.Status, res.Body)
		}
		cid := caID(t, res)
		if res := e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", cid), tok, nil); res.Status != 200 {
			t.Fatalf("start: %d %s", res.Status, res.Body)
		}
		rows := caRecipients(t, e, cid)
		if len(rows) != len(want) {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if r.Language != want[r.ContactID] {
				t.Errorf("%s: language %q, want %q", r.Name, r.Language, want[r.ContactID])
			}
			if (r.State == "skipped") != (want[r.ContactID] == "") {
				t.Errorf("%s: state %s %s", r.Name, r.State, r.SkipReason)
			}
		}
		// The message sent is the routed variant.
		caRun(t, e, outbox)
		subjects := map[string]string{"en": "Ratify", "fr": "Ratifiez", "es": "Ratifiquen"}
		for _, r := range caRecipients(t, e, cid) {
			if r.State != "sent" {
				continue
			}
			msg, parts, _ := caEML(t, outbox, r.MessageID)
			if msg.Header.Get("Subject") != subjects[r.Language] {
				t.Errorf("%s got subject %q for language %s", r.Name, msg.Header.Get("Subject"), r.Language)
			}
			if r.Language == "fr" && !strings.Contains(parts["text/html"], "Français") {
				t.Errorf("%s: html %q", r.Name, parts["text/html"])
			}
		}
	})
}

func TestCampaignsAPIEscapingAndHeaderSafety(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		ctx := context.Background()
		tok := e.token("coordinator@a.test")
		const script, evilLast = "<script>alert(1)</script>", "Okafor\r\nBcc: x@evil.example"

		// The API refuses a line break in a name…
		before := caState(t, st)
		caExpect(t, "name with a line break", e.do("POST", "/api/v1/contacts", tok, map[string]any{"first_name": script, "last_name": evilLast,
			"kind": "parliamentarian", "country": "SEN", "emails": []map[string]string{{"email": "ada@example.org"}}}), 400, "invalid", "last_name", "")
		caSame(t, st, before, "a refused contact")

		// …but data from elsewhere (an old import, a direct edit) may hold
		// one, and the messages must stay safe anyway.
		iso, now := "SEN", time.Now().UTC()
		c := &model.Contact{FirstName: script, LastName: evilLast, Kind: model.ContactParliamentarian, CountryISO3: &iso, Stance: model.StanceUnknown,
			OwnerOrganisationID: e.orgA.ID, CreatedAt: now, UpdatedAt: now, Emails: []model.ContactEmail{{Email: "ada@example.org"}}}
		if err := st.SaveContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		res := e.do("POST", "/api/v1/templates", tok, map[string]any{"name": "Letter", "variants": []map[string]string{{
			"language": "en", "subject": "Letter for {{.Contact.FirstName}} {{.Contact.LastName}}",
			"html": `<p>Dear {{.Contact.FirstName}} {{.Contact.LastName}},</p><p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`}}})
		if res.Status != 201 {
			t.Fatalf("template: %d %s", res.Status, res.Body)
		}
		tid := caID(t, res)
		res = e.do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tid), tok, map[string]any{"contact_id": c.ID})
		if res.Status != 200 {
			t.Fatalf("preview: %d %s", res.Status, res.Body)
		}
		var pv struct{ Subject, HTML, Text string }
		res.decode(t, &pv)
		if strings.Contains(pv.HTML, script) || !strings.Contains(pv.HTML, "Dear &lt;script&gt;alert(1)&lt;/script&gt; Okafor") {
			t.Errorf("preview html not escaped: %q", pv.HTML)
		}
		wantSubject := "Letter for " + script + " Okafor Bcc: x@evil.example"
		if pv.Subject != wantSubject {
			t.Errorf("preview subject %q, want %q", pv.Subject, wantSubject)
		}

		res = e.do("POST", "/api/v1/campaigns", tok, map[string]any{"name": "Safety", "template_id": tid, "audience": map[string]any{"countries": []string{"SEN"}}})
		if res.Status != 201 {
			t.Fatalf("campaign: %d %s", res.Status, res.Body)
		}
		cid := caID(t, res)
		if res := e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", cid), tok, nil); res.Status != 200 {
			t.Fatalf("start: %d %s", res.Status, res.Body)
		}
		caRun(t, e, outbox)
		rows := caRecipients(t, e, cid)
		if len(rows) != 1 || rows[0].State != "sent" {
			t.Fatalf("rows %+v", rows)
		}
		msg, parts, raw := caEML(t, outbox, rows[0].MessageID)
		if _, ok := msg.Header["Bcc"]; ok {
			t.Errorf("a Bcc header was injected:\n%s", raw)
		}
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "bcc:") {
				t.Errorf("a Bcc line in the header: %q", line)
			}
		}
		for _, h := range []string{"To", "Subject", "From", "Message-ID", "List-Unsubscribe"} {
			if vs := msg.Header[textproto.CanonicalMIMEHeaderKey(h)]; len(vs) != 1 || strings.ContainsAny(vs[0], "\r\n") {
				t.Errorf("header %s is not one line: %q", h, vs)
			}
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "ada@example.org" {
			t.Errorf("To: %v %v", to, err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != wantSubject {
			t.Errorf("Subject %q (%v), want %q", subject, err, wantSubject)
		}
		if strings.Contains(parts["text/html"], script) || !strings.Contains(parts["text/html"], "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("sent html not escaped: %q", parts["text/html"])
		}
	})
}

func TestCampaignsAPIUnsubscribe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		tok := e.token("coordinator@a.test")
		for _, who := range []string{"ada", "ben", "chloe"} {
			mpContact(t, e, who, "SEN", who+"@example.org", nil)
		}
		tid := mpTemplate(t, e, `<p>Hi</p><p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`, "en")
		res := e.do("POST", "/api/v1/campaigns", tok, map[string]any{"name": "Letter", "template_id": tid, "audience": map[string]any{"countries": []string{"SEN"}}})
		if res.Status != 201 {
			t.Fatalf("campaign: %d %s", res.Status, res.Body)
		}
		cid := caID(t, res)
		if res := e.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", cid), tok, nil); res.Status != 200 {
			t.Fatalf("start: %d", res.Status)
		}
		caRun(t, e, outbox)

		// The headers of each sent message, and the link in its body.
		links := map[string]string{} // email → path of the unsubscribe URL
		rowOf := map[string]int64{}
		for _, r := range caRecipients(t, e, cid) {
			msg, parts, _ := caEML(t, outbox, r.MessageID)
			lu := msg.Header.Get("List-Unsubscribe")
			if !strings.HasPrefix(lu, "<http://ratify.test/u/") || !strings.HasSuffix(lu, ">") {
				t.Fatalf("%s: List-Unsubscribe %q", r.Email, lu)
			}
			if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: List-Unsubscribe-Post %q", r.Email, got)
			}
			url := strings.Trim(lu, "<>")
			if !strings.Contains(parts["text/html"], `href="`+url+`"`) || !strings.Contains(parts["text/plain"], url) {
				t.Errorf("%s: the body does not carry the same link %s", r.Email, url)
			}
			links[r.Email] = strings.TrimPrefix(url, "http://ratify.test")
			rowOf[r.Email] = r.ID
		}
		post := func(path string, headers map[string]string) response {
			t.Helper()
			req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader("List-Unsubscribe=One-Click"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			return e.send(req)
		}
		get := func(path string) response {
			t.Helper()
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			return e.send(req)
		}
		suppressed := func() []string {
			var out []string
			for _, r := range caRows(t, st, "SELECT email, reason FROM suppressions ORDER BY id") {
				out = append(out, r[0]+" "+r[1])
			}
			return out
		}

		// GET shows a confirmation and changes nothing.
		before := caState(t, st)
		page := get(links["ada@example.org"])
		if page.Status != 200 || !strings.Contains(page.Body, "ada@example.org") || !strings.Contains(page.Body, `<form method="post" action="`+links["ada@example.org"]+`">`) {
			t.Fatalf("confirmation page: %d %.1500s", page.Status, page.Body)
		}
		caSame(t, st, before, "GET /u/…")

		// A forged, truncated or altered token: 400 invalid, nothing changes.
		token := strings.TrimPrefix(links["ada@example.org"], "/u/")
		payload, sig, _ := strings.Cut(token, ".")
		bad := map[string]string{
			"other secret":                  auth.NewUnsubscribe([]byte("another-secret-that-is-at-least-32-bytes")).Sign(rowOf["ada@example.org"], "ada@example.org"),
			"other address, same signature": strings.SplitN(auth.NewUnsubscribe(testSecret).Sign(rowOf["ada@example.org"], "eve@example.org"), ".", 2)[0] + "." + sig,
			"other row, same signature":     strings.SplitN(auth.NewUnsubscribe(testSecret).Sign(rowOf["ada@example.org"]+1, "ada@example.org"), ".", 2)[0] + "." + sig,
			"truncated by one":              token[:len(token)-1],
			"half":                          token[:len(token)/2],
			"payload only":                  payload,
			"payload and dot":               payload + ".",
			"signature only":                "." + sig,
			"no dot":                        payload + sig,
			"not base64":                    "!!!!." + sig,
			"garbage":                       "garbage",
			"extra":                         token + "A",
			"signature of another":          payload + "." + strings.SplitN(strings.TrimPrefix(links["ben@example.org"], "/u/"), ".", 2)[1],
			"too long":                      strings.Repeat("A", 700) + "." + sig,
		}
		// Each character changed two ways: to another letter, and by its
		// lowest bit only (which, in the last character, may fall in the
		// unused bits of the encoding).
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		flip := func(s string, i int, lowBit bool) string {
			b := []byte(s)
			k := strings.IndexByte(alphabet, b[i])
			switch {
			case lowBit:
				b[i] = alphabet[k^1]
			case b[i] == 'A':
				b[i] = 'B'
			default:
				b[i] = 'A'
			}
			return string(b)
		}
		for i := range payload {
			bad[fmt.Sprintf("payload char %d changed", i)] = flip(payload, i, false) + "." + sig
			bad[fmt.Sprintf("payload char %d low bit flipped", i)] = flip(payload, i, true) + "." + sig
		}
		for i := range sig {
			bad[fmt.Sprintf("signature char %d changed", i)] = payload + "." + flip(sig, i, false)
			bad[fmt.Sprintf("signature char %d low bit flipped", i)] = payload + "." + flip(sig, i, true)
		}
		// /u/ is a page, not the API: the invalid error comes as a 400 page
		// that says why.
		for name, tk := range bad {
			for _, res := range []response{get("/u/" + tk), post("/u/"+tk, nil)} {
				if res.Status != 400 || !strings.Contains(res.Body, "this unsubscribe link is not valid") {
					t.Errorf("%s: %d %.300s", name, res.Status, res.Body)
				}
			}
			if _, err := e.svc.Unsubscribe(context.Background(), tk, "192.0.2.1"); model.ErrorCode(err) != model.CodeInvalid {
				t.Errorf("%s: service answers %v, want invalid", name, err)
			}
		}
		caSame(t, st, before, "bad unsubscribe tokens")

		// One-click POST: no cookie, no Sec-Fetch headers.
		res = post(links["ada@example.org"], nil)
		if res.Status != 200 {
			t.Fatalf("one-click: %d %s", res.Status, res.Body)
		}
		if got := suppressed(); !slices.Equal(got, []string{"ada@example.org unsubscribe"}) {
			t.Errorf("suppressions %v", got)
		}
		audits := mpAudit(t, e, "suppression.unsubscribe")
		if len(audits) != 1 || audits[0] != "ada@example.org" {
			t.Errorf("audit %v", audits)
		}
		// Twice, and from another site: harmless, and allowed.
		after := caState(t, st)
		if res := post(links["ada@example.org"], map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.net"}); res.Status != 200 {
			t.Errorf("second one-click: %d %s", res.Status, res.Body)
		}
		caSame(t, st, after, "a second unsubscribe")
		if res := post(links["ben@example.org"], map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example.net"}); res.Status != 200 {
			t.Errorf("cross-site one-click: %d %s", res.Status, res.Body)
		}
		// The confirmation form of the page, as a browser sends it.
		res = post(links["chloe@example.org"], map[string]string{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"})
		if res.Status != 200 || !strings.Contains(res.Body, "You are unsubscribed") || !strings.Contains(res.Body, "chloe@example.org") {
			t.Errorf("form unsubscribe: %d %.800s", res.Status, res.Body)
		}
		if got := suppressed(); !slices.Equal(got, []string{"ada@example.org unsubscribe", "ben@example.org unsubscribe", "chloe@example.org unsubscribe"}) {
			t.Errorf("suppressions %v", got)
		}
		if n := len(mpAudit(t, e, "suppression.unsubscribe")); n != 3 {
			t.Errorf("%d unsubscribe audit entries, want 3", n)
		}
		// The next campaign leaves them out.
		var p caPreview
		e.do("POST", "/api/v1/audience/preview", tok, map[string]any{"audience": map[string]any{"countries": []string{"SEN"}}}).decode(t, &p)
		if p.Count != 0 || p.ByReason[service.ReasonSuppressed] != 3 {
			t.Errorf("after unsubscribing: %+v", p)
		}
	})
}

func TestCampaignsAPIDigests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e, outbox := mpEnv(t, st)
		ctx := context.Background()
		// 07:20 UTC, the default digest hour.
		day := time.Date(2027, 3, 10, 0, 0, 0, 0, time.UTC)
		e.clock.mu.Lock()
		e.clock.t = day.Add(7*time.Hour + 20*time.Minute)
		e.clock.mu.Unlock()
		as := func(email string) service.Actor { return service.Actor{User: e.users[email]} }
		follow := func(by, to, title string, due time.Time) int64 {
			t.Helper()
			f, err := e.svc.CreateFollowup(ctx, as(by), service.FollowupInput{Title: title, DueDate: due, AssigneeID: e.users[to].ID})
			if err != nil {
				t.Fatalf("follow-up %q: %v", title, err)
			}
			return f.ID
		}
		overdue := follow("coordinator@a.test", "member@a.test", "Call the <Minister> & ask", day.AddDate(0, 0, -3))
		today := follow("coordinator@a.test", "member@a.test", "Send the briefing", day)
		follow("coordinator@a.test", "member@a.test", "Not yet due", day.AddDate(0, 0, 1))
		closed := follow("coordinator@a.test", "member@a.test", "Already done", day)
		if _, err := e.svc.CloseFollowup(ctx, as("member@a.test"), closed, model.FollowupDone, "done"); err != nil {
			t.Fatal(err)
		}
		own := follow("coordinator@a.test", "coordinator@a.test", "Own follow-up", day)
		follow("member@b.test", "member@b.test", "Tomorrow only", day.AddDate(0, 0, 1))
		follow("admin@b.test", "admin@b.test", "Opted out", day.AddDate(0, 0, -1))
		follow("coordinator@b.test", "coordinator@b.test", "Later hour", day)
		if err := e.svc.SetDigest(ctx, as("admin@b.test"), false, 7); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetDigest(ctx, as("coordinator@b.test"), true, 9); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetDigest(ctx, as("admin@a.test"), true, 25); model.ErrorCode(err) != model.CodeInvalid {
			t.Errorf("hour 25: %v", err)
		}
		files := func(dir string) []string {
			es, _ := os.ReadDir(dir)
			var out []string
			for _, x := range es {
				out = append(out, x.Name())
			}
			slices.Sort(out)
			return out
		}
		name := func(email string, d time.Time) string {
			return fmt.Sprintf("digest-%d-%s_at_ratify.test.eml", e.users[email].ID, d.Format("20060102"))
		}

		n, err := e.svc.SendDigests(ctx)
		if err != nil || n != 2 {
			t.Fatalf("first digests: %d %v", n, err)
		}
		want := []string{name("coordinator@a.test", day), name("member@a.test", day)}
		slices.Sort(want)
		if got := files(outbox); !slices.Equal(got, want) {
			t.Fatalf("outbox %v, want %v", got, want)
		}
		msg, parts, _ := caEML(t, outbox, fmt.Sprintf("digest-%d-%s@ratify.test", e.users["member@a.test"].ID, day.Format("20060102")))
		if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "member@a.test" {
			t.Errorf("To %v %v", to, err)
		}
		if got := msg.Header.Get("Subject"); got != "Ratify: 2 follow-up(s) due" {
			t.Errorf("subject %q", got)
		}
		html, text := parts["text/html"], parts["text/plain"]
		for _, w := range []string{
			fmt.Sprintf(`<a href="http://ratify.test/followups/%d">Call the &lt;Minister&gt; &amp; ask</a> (overdue)`, overdue),
			fmt.Sprintf(`<a href="http://ratify.test/followups/%d">Send the briefing</a></li>`, today),
			"7 Mar 2027", "10 Mar 2027", `href="http://ratify.test/followups"`,
		} {
			if !strings.Contains(html, w) {
				t.Errorf("digest html lacks %q:\n%s", w, html)
			}
		}
		for _, w := range []string{"Call the <Minister> & ask", "Send the briefing", fmt.Sprintf("http://ratify.test/followups/%d", today)} {
			if !strings.Contains(text, w) {
				t.Errorf("digest text lacks %q:\n%s", w, text)
			}
		}
		for _, not := range []string{"Not yet due", "Already done", "Own follow-up", "Opted out"} {
			if strings.Contains(html, not) || strings.Contains(text, not) {
				t.Errorf("digest carries %q", not)
			}
		}
		_, parts, _ = caEML(t, outbox, fmt.Sprintf("digest-%d-%s@ratify.test", e.users["coordinator@a.test"].ID, day.Format("20060102")))
		if !strings.Contains(parts["text/plain"], "Own follow-up") || strings.Contains(parts["text/plain"], "Send the briefing") ||
			!strings.Contains(parts["text/html"], fmt.Sprintf("http://ratify.test/followups/%d", own)) {
			t.Errorf("coordinator's digest: %s", parts["text/plain"])
		}

		// Once a day: again, and from a second service on the same database.
		if n, err := e.svc.SendDigests(ctx); err != nil || n != 0 {
			t.Errorf("second call: %d %v", n, err)
		}
		other := t.TempDir()
		svc2 := service.New(service.Deps{Store: st, Hasher: testHasher(), Now: e.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Mail: service.MailDeps{Transport: &mail.Outbox{Dir: other}, FromAddr: "noreply@example.org", PublicURL: "http://ratify.test"}})
		if n, err := svc2.SendDigests(ctx); err != nil || n != 0 {
			t.Errorf("second service: %d %v", n, err)
		}
		if got := files(other); len(got) != 0 {
			t.Errorf("the second service sent %v", got)
		}
		if got := files(outbox); !slices.Equal(got, want) {
			t.Errorf("outbox %v after repeated calls", got)
		}

		// The later hour gets its own digest at its hour, once.
		e.clock.Advance(2 * time.Hour)
		if n, err := e.svc.SendDigests(ctx); err != nil || n != 1 {
			t.Errorf("09:20: %d %v", n, err)
		}
		if !slices.Contains(files(outbox), name("coordinator@b.test", day)) {
			t.Errorf("no digest for the 09:00 user: %v", files(outbox))
		}

		// The next day, two services at once still send each digest once:
		// member@a and coordinator@a again (overdue now), and member@b, whose
		// follow-up is due that day.
		e.clock.Advance(22 * time.Hour)
		next := day.AddDate(0, 0, 1)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, s := range []*service.Service{e.svc, svc2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.SendDigests(ctx)
				if err != nil {
					t.Errorf("concurrent digests: %v", err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 3 {
			t.Errorf("concurrent digests sent %v, want 3 in all", counts)
		}
		got := 0
		for _, dir := range []string{outbox, other} {
			for _, f := range files(dir) {
				if strings.Contains(f, next.Format("20060102")) {
					got++
				}
			}
		}
		if got != 3 {
			t.Errorf("%d digests written for the next day, want 3", got)
		}
	})
}
