package sender_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"ratify/internal/auth"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/model"
	"ratify/internal/sender"
	"ratify/internal/server"
	"ratify/internal/service"
	"ratify/internal/store"
)

// These tests run the delivery engine over a real database (both dialects)
// with the outbox transport, and check the rows, the files written and the
// outreach records that make each sent message visible on the contact's
// timeline.

var etSecret = []byte("engine-test-secret-of-at-least-32-bytes!")

type etClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *etClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *etClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// etEnv is a running Ratify (service, HTTP API, engine) over one database.
type etEnv struct {
	t      *testing.T
	st     *store.Store
	svc    *service.Service
	clock  *etClock
	outbox string
	srv    *httptest.Server
	coord  service.Actor
	token  string
	unsub  *auth.Unsubscribe
	quiet  *slog.Logger
}

func newETEnv(t *testing.T, st *store.Store, tr sender.Transport) *etEnv {
	t.Helper()
	ctx := context.Background()
	e := &etEnv{t: t, st: st, clock: &etClock{t: time.Now().UTC()}, outbox: t.TempDir(), unsub: auth.NewUnsubscribe(etSecret),
		quiet: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tr == nil {
		tr = &mail.Outbox{Dir: e.outbox}
	}
	tokens, err := auth.NewTokens(etSecret, 72*time.Hour, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = service.New(service.Deps{Store: st, Hasher: auth.NewHasherCost(2, 8*1024, 1), Tokens: tokens, Now: e.clock.Now, Log: e.quiet,
		Mail: service.MailDeps{Transport: tr, FromName: "Ratify", FromAddr: "noreply@example.org", PublicURL: "http://ratify.test",
			Unsubscribe: e.unsub, Outbox: true}})
	h, err := server.New(e.svc, server.Options{PublicURL: "http://ratify.test", Log: e.quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	if _, err := e.svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Org A", ShortName: "A", Kind: model.OrgNGO}); err != nil {
		t.Fatal(err)
	}
	u, _, err := e.svc.CreateUserCLI(ctx, service.NewUser{Email: "coordinator@a.test", Name: "Coordinator A", Role: model.RoleCoordinator,
		Password: "correct horse battery"}, "A")
	if err != nil {
		t.Fatal(err)
	}
	e.coord = service.Actor{User: u}
	var out struct{ Token string }
	e.api("POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": "correct horse battery"}, &out)
	e.token = out.Token
	return e
}

// engine builds a sender over the env's store and clock; small batches and
// two connections make a 30-row campaign take several claims.
func (e *etEnv) engine(tr sender.Transport) *sender.Engine {
	if tr == nil {
		tr = &mail.Outbox{Dir: e.outbox}
	}
	return sender.New(e.st, sender.Options{Transport: tr, FromName: "Ratify", FromAddr: "noreply@example.org", PublicURL: "http://ratify.test",
		Unsubscribe: e.unsub, Connections: 2, BatchSize: 7, Poll: 20 * time.Millisecond, RetryBase: time.Millisecond,
		Log: e.quiet, Now: e.clock.Now})
}

func (e *etEnv) runOnce(en *sender.Engine) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := en.RunOnce(ctx); err != nil {
		e.t.Fatalf("RunOnce: %v", err)
	}
}

// api sends a request with the coordinator's token and decodes a 2xx answer into out.
func (e *etEnv) api(method, path string, body, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// contacts adds n contacts in iso3 with addresses prefix01@example.org….
func (e *etEnv) contacts(n int, iso3, prefix string) []int64 {
	e.t.Helper()
	var ids []int64
	for i := 1; i <= n; i++ {
		c := model.Contact{FirstName: "Member", LastName: fmt.Sprintf("%s%02d", prefix, i), Kind: model.ContactParliamentarian, CountryISO3: &iso3,
			Emails: []model.ContactEmail{{Email: fmt.Sprintf("%s%02d@example.org", prefix, i)}}}
		r, err := e.svc.CreateContact(context.Background(), e.coord, c)
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, r.Contact.ID)
	}
	return ids
}

func (e *etEnv) template() int64 {
	e.t.Helper()
	tpl, err := e.svc.SaveTemplate(context.Background(), e.coord, model.EmailTemplate{Name: "Letter", Variants: []model.TemplateVariant{{
		Language: "en", Subject: "Dear {{.Contact.LastName}}",
		HTML: `<p>Dear {{.Contact.FullName}}, {{.Country.Name}} has {{.Country.Instruments.ICRMW.Status}} the ICRMW.</p><p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return tpl.ID
}

func (e *etEnv) campaign(name string, tid int64, countries ...string) int64 {
	e.t.Helper()
	c, err := e.svc.SaveCampaign(context.Background(), e.coord, 0, service.CampaignInput{Name: name, TemplateID: tid, FallbackLanguage: "en",
		Audience: model.Audience{Countries: countries}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

func (e *etEnv) start(id int64, at *time.Time) *model.Campaign {
	e.t.Helper()
	c, err := e.svc.StartCampaign(context.Background(), e.coord, id, at)
	if err != nil {
		e.t.Fatalf("start %d: %v", id, err)
	}
	return c
}

func (e *etEnv) change(id int64, action string) {
	e.t.Helper()
	if _, err := e.svc.ChangeCampaign(context.Background(), e.coord, id, action); err != nil {
		e.t.Fatalf("%s %d: %v", action, id, err)
	}
}

func (e *etEnv) status(id int64) (*model.Campaign, model.CampaignCounts) {
	e.t.Helper()
	c, counts, err := e.svc.Campaign(context.Background(), e.coord, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, counts
}

func (e *etEnv) rows(id int64) []model.CampaignRecipient {
	e.t.Helper()
	rs, _, err := e.svc.Recipients(context.Background(), e.coord, id, "", false, model.Page{PerPage: model.MaxPerPage})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *etEnv) count(q string, args ...any) int {
	e.t.Helper()
	db, err := e.st.SQLDB()
	if err != nil {
		e.t.Fatal(err)
	}
	if e.st.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (e *etEnv) files() []string {
	e.t.Helper()
	es, err := os.ReadDir(e.outbox)
	if err != nil && !os.IsNotExist(err) {
		e.t.Fatal(err)
	}
	var out []string
	for _, x := range es {
		out = append(out, x.Name())
	}
	return out
}

// etOutreach is an outreach record as the API lists it.
type etOutreach struct {
	Type       string
	Date       string
	CampaignID *int64  `json:"campaign_id"`
	ContactIDs []int64 `json:"contact_ids"`
	Summary    string
}

// timeline returns the outreach listed on a contact's timeline by the API.
func (e *etEnv) timeline(contactID int64) []etOutreach {
	e.t.Helper()
	var out struct{ Items []etOutreach }
	e.api("GET", fmt.Sprintf("/api/v1/outreach?contact_id=%d&per_page=100", contactID), nil, &out)
	return out.Items
}

func emlName(messageID string) string { return strings.ReplaceAll(messageID, "@", "_at_") + ".eml" }

func TestEngineSendsEveryRowOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		ids := e.contacts(30, "SEN", "sen")
		iso := "SEN"
		for _, c := range []model.Contact{
			{FirstName: "No", LastName: "Address", Kind: model.ContactDiplomat, CountryISO3: &iso},
			{FirstName: "Do", LastName: "Not", Kind: model.ContactDiplomat, CountryISO3: &iso, DoNotContact: true, DoNotContactReason: "asked",
				Emails: []model.ContactEmail{{Email: "dnc@example.org"}}},
		} {
			r, err := e.svc.CreateContact(context.Background(), e.coord, c)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.Contact.ID)
		}
		id := e.campaign("Senegal", e.template(), "SEN")
		e.start(id, nil)
		e.runOnce(e.engine(nil))

		c, counts := e.status(id)
		if counts.Sent != 30 || counts.Skipped != 2 || counts.Total() != 32 || counts.Failed+counts.Queued+counts.Sending+counts.Ambiguous != 0 {
			t.Fatalf("counts %+v", counts)
		}
		if c.Status != model.CampaignDone || c.FinishedAt == nil {
			t.Errorf("campaign %s finished %v", c.Status, c.FinishedAt)
		}
		if got := e.files(); len(got) != 30 {
			t.Fatalf("outbox holds %d files, want 30", len(got))
		}
		seenIDs := map[string]bool{}
		for _, r := range e.rows(id) {
			if r.State == model.RecipientSkipped {
				continue
			}
			if r.State != model.RecipientSent || r.SentAt == nil || r.Attempts != 1 || r.Ambiguous {
				t.Errorf("row %d: %s sent %v attempts %d ambiguous %t", r.ID, r.State, r.SentAt, r.Attempts, r.Ambiguous)
			}
			if seenIDs[r.MessageID] {
				t.Errorf("Message-ID %s used twice", r.MessageID)
			}
			seenIDs[r.MessageID] = true
			raw, err := os.ReadFile(filepath.Join(e.outbox, emlName(r.MessageID)))
			if err != nil {
				t.Errorf("row %d: no file for its Message-ID: %v", r.ID, err)
				continue
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := msg.Header.Get("Message-ID"); got != "<"+r.MessageID+">" {
				t.Errorf("row %d: Message-ID header %q, row has %q", r.ID, got, r.MessageID)
			}
			if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != r.Email {
				t.Errorf("row %d: To %v", r.ID, to)
			}
			if got, want := msg.Header.Get("List-Unsubscribe"), "<http://ratify.test/u/"+e.unsub.Sign(r.ID, r.Email)+">"; got != want {
				t.Errorf("row %d: List-Unsubscribe %q, want %q", r.ID, got, want)
			}
			if got := msg.Header.Get("Subject"); got != "Dear "+r.Contact.LastName {
				t.Errorf("row %d: subject %q", r.ID, got)
			}
		}

		// One outreach record of type email per sent row, on each timeline.
		if n := e.count("SELECT count(*) FROM outreach WHERE campaign_id = ? AND type = 'email'", id); n != 30 {
			t.Errorf("%d outreach records for the campaign, want 30", n)
		}
		// Each in the contact's country, by the campaign's author, for the
		// coalition, dated the day it went out; each linked to one contact.
		if n := e.count(`SELECT count(*) FROM outreach o WHERE campaign_id = ? AND country_iso3 = 'SEN' AND organisation_id = ? AND user_id = ?
			AND visibility = 'coalition' AND outcome = 'unknown' AND next_steps = '' AND deleted_at IS NULL AND summary LIKE 'Campaign email%'
			AND (SELECT count(*) FROM outreach_contacts l WHERE l.outreach_id = o.id) = 1`,
			id, e.coord.User.OrganisationID, e.coord.User.ID); n != 30 {
			t.Errorf("%d outreach records hold what a campaign email's should, want 30", n)
		}
		// The dashboard's counts per month take them in.
		if n := e.count("SELECT coalesce(sum(n), 0) FROM outreach_month_counts"); n != 30 {
			t.Errorf("the month counts hold %d records, want 30", n)
		}
		for i, cid := range ids {
			items := e.timeline(cid)
			if i >= 30 {
				if len(items) != 0 {
					t.Errorf("skipped contact %d has outreach %+v", cid, items)
				}
				continue
			}
			if len(items) != 1 || items[0].Type != "email" || items[0].CampaignID == nil || *items[0].CampaignID != id ||
				len(items[0].ContactIDs) != 1 || items[0].ContactIDs[0] != cid || !strings.Contains(items[0].Summary, "Senegal") ||
				items[0].Date != time.Now().UTC().Format(time.DateOnly) {
				t.Errorf("contact %d timeline: %+v", cid, items)
			}
		}

		// Running again finds nothing to do.
		e.runOnce(e.engine(nil))
		if got := e.files(); len(got) != 30 {
			t.Errorf("a second run wrote %d files", len(got)-30)
		}
		if n := e.count("SELECT count(*) FROM outreach WHERE campaign_id = ?", id); n != 30 {
			t.Errorf("a second run recorded outreach again: %d", n)
		}
	})
}

func TestEnginePauseResumeCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		e.contacts(8, "SEN", "sen")
		e.contacts(6, "MEX", "mex")
		tid := e.template()
		paused := e.campaign("Paused", tid, "SEN")
		e.start(paused, nil)
		e.change(paused, "pause")
		en := e.engine(nil)
		e.runOnce(en)
		if got := e.files(); len(got) != 0 {
			t.Fatalf("a paused campaign sent %d messages", len(got))
		}
		if c, counts := e.status(paused); c.Status != model.CampaignPaused || counts.Queued != 8 {
			t.Fatalf("paused: %s %+v", c.Status, counts)
		}

		cancelled := e.campaign("Cancelled", tid, "MEX")
		e.start(cancelled, nil)
		e.change(cancelled, "cancel")
		c, counts := e.status(cancelled)
		if c.Status != model.CampaignCancelled || counts.Cancelled != 6 || counts.Queued != 0 || c.FinishedAt == nil {
			t.Fatalf("cancelled: %s %+v", c.Status, counts)
		}
		for _, r := range e.rows(cancelled) {
			if !r.State.Final() || r.State != model.RecipientCancelled {
				t.Errorf("row %d after cancel: %s", r.ID, r.State)
			}
		}
		if _, err := e.svc.ChangeCampaign(context.Background(), e.coord, cancelled, "resume"); model.ErrorCode(err) != model.CodeConflict {
			t.Errorf("resume a cancelled campaign: %v", err)
		}
		if _, err := e.svc.RetryFailed(context.Background(), e.coord, cancelled); model.ErrorCode(err) != model.CodeConflict {
			t.Errorf("retry a cancelled campaign: %v", err)
		}

		e.change(paused, "resume")
		e.runOnce(en)
		if c, counts := e.status(paused); c.Status != model.CampaignDone || counts.Sent != 8 {
			t.Fatalf("resumed: %s %+v", c.Status, counts)
		}
		if _, counts := e.status(cancelled); counts.Cancelled != 6 || counts.Sent != 0 {
			t.Errorf("the cancelled campaign changed: %+v", counts)
		}
		if got := e.files(); len(got) != 8 {
			t.Errorf("outbox holds %d files, want the 8 of the resumed campaign", len(got))
		}
		if n := e.count("SELECT count(*) FROM outreach WHERE campaign_id = ?", cancelled); n != 0 {
			t.Errorf("the cancelled campaign left %d outreach records", n)
		}
	})
}

// etRejecting is a test transport: the outbox, except that addresses it
// is told to reject are refused for good, as a 550 would be.
type etRejecting struct {
	out    *mail.Outbox
	mu     sync.Mutex
	reject map[string]bool
}

func (r *etRejecting) String() string { return "rejecting " + r.out.String() }
func (r *etRejecting) Open(ctx context.Context) (mail.Conn, error) {
	if _, err := r.out.Open(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
func (r *etRejecting) Close() error { return nil }
func (r *etRejecting) Send(ctx context.Context, msgs []*mail.Message) []mail.Result {
	out := make([]mail.Result, len(msgs))
	var pass []*mail.Message
	var idx []int
	r.mu.Lock()
	for i, m := range msgs {
		if r.reject[m.ToAddr] {
			out[i] = mail.Result{Outcome: mail.Failed, Reply: "550 5.1.1 mailbox unavailable"}
			if m.ToAddr == "sen04@example.org" {
				// Servers say what they like: a NUL, bytes that are not
				// UTF-8, and more than the 500 bytes kept.
				out[i].Reply = "550 5.1.1 \x00unknown\xff\xfe " + strings.Repeat("é", 400)
			}
			continue
		}
		pass = append(pass, m)
		idx = append(idx, i)
	}
	r.mu.Unlock()
	for k, res := range r.out.Send(ctx, pass) {
		out[idx[k]] = res
	}
	return out
}

func TestEngineRetryFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		tr := &etRejecting{out: &mail.Outbox{Dir: e.outbox}, reject: map[string]bool{"sen02@example.org": true, "sen04@example.org": true}}
		e.contacts(5, "SEN", "sen")
		id := e.campaign("Bounces", e.template(), "SEN")
		e.start(id, nil)
		en := e.engine(tr)
		e.runOnce(en)
		c, counts := e.status(id)
		if counts.Sent != 3 || counts.Failed != 2 || c.Status != model.CampaignDone {
			t.Fatalf("first run: %s %+v", c.Status, counts)
		}
		for _, r := range e.rows(id) {
			if r.State == model.RecipientFailed && !strings.Contains(r.LastReply, "550") {
				t.Errorf("failed row %d keeps no reply: %q", r.ID, r.LastReply)
			}
			if !utf8.ValidString(r.LastReply) || strings.ContainsRune(r.LastReply, 0) || len(r.LastReply) > 500 {
				t.Errorf("row %d keeps a reply that is not clean text of at most 500 bytes: %q", r.ID, r.LastReply)
			}
		}
		tr.mu.Lock()
		tr.reject = nil
		tr.mu.Unlock()

		n, err := e.svc.RetryFailed(context.Background(), e.coord, id)
		if err != nil || n != 2 {
			t.Fatalf("retry: %d %v", n, err)
		}
		c, counts = e.status(id)
		if c.Status != model.CampaignSending || counts.Queued != 2 || counts.Failed != 0 || counts.Sent != 3 {
			t.Fatalf("after retry: %s %+v", c.Status, counts)
		}
		e.runOnce(en)
		c, counts = e.status(id)
		if counts.Sent != 5 || counts.Failed != 0 || c.Status != model.CampaignDone {
			t.Fatalf("second run: %s %+v", c.Status, counts)
		}
		if n := e.count("SELECT count(*) FROM outreach WHERE campaign_id = ? AND type = 'email'", id); n != 5 {
			t.Errorf("%d outreach records, want one per sent row (5)", n)
		}
		if got := e.files(); len(got) != 5 {
			t.Errorf("outbox holds %d files, want 5", len(got))
		}
		// Nothing failed now: a retry queues nothing and leaves the campaign done.
		if n, err := e.svc.RetryFailed(context.Background(), e.coord, id); err != nil || n != 0 {
			t.Errorf("empty retry: %d %v", n, err)
		}
		if c, _ := e.status(id); c.Status != model.CampaignDone {
			t.Errorf("an empty retry moved the campaign to %s", c.Status)
		}
	})
}

func TestEngineScheduledCampaignWaitsForItsTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		e.contacts(4, "SEN", "sen")
		id := e.campaign("Later", e.template(), "SEN")
		at := e.clock.Now().Add(time.Hour).Truncate(time.Second) // PostgreSQL keeps microseconds
		c := e.start(id, &at)
		if c.Status != model.CampaignScheduled || c.ScheduledAt == nil || !c.ScheduledAt.Equal(at) {
			t.Fatalf("scheduled: %s %v", c.Status, c.ScheduledAt)
		}
		en := e.engine(nil)
		e.runOnce(en)
		e.clock.Advance(59 * time.Minute)
		e.runOnce(en)
		if got := e.files(); len(got) != 0 {
			t.Fatalf("%d messages went out before the scheduled time", len(got))
		}
		if c, counts := e.status(id); c.Status != model.CampaignScheduled || counts.Queued != 4 || c.StartedAt != nil {
			t.Fatalf("before its time: %s %+v started %v", c.Status, counts, c.StartedAt)
		}
		e.clock.Advance(2 * time.Minute)
		e.runOnce(en)
		c, counts := e.status(id)
		if c.Status != model.CampaignDone || counts.Sent != 4 || c.StartedAt == nil {
			t.Fatalf("after its time: %s %+v", c.Status, counts)
		}
		if got := e.files(); len(got) != 4 {
			t.Errorf("outbox holds %d files, want 4", len(got))
		}
	})
}

// etPausing is the outbox, except that it pauses the campaign after the
// first batch it sends, while the engine has the next batches prepared.
type etPausing struct {
	out   *mail.Outbox
	pause func()
	once  sync.Once
}

func (p *etPausing) String() string { return "pausing " + p.out.String() }
func (p *etPausing) Open(ctx context.Context) (mail.Conn, error) {
	if _, err := p.out.Open(ctx); err != nil {
		return nil, err
	}
	return p, nil
}
func (p *etPausing) Close() error { return nil }
func (p *etPausing) Send(ctx context.Context, msgs []*mail.Message) []mail.Result {
	res := p.out.Send(ctx, msgs)
	p.once.Do(p.pause)
	return res
}

// A pause while batches are claimed and rendered ahead takes hold between
// batches: what was claimed is sent and recorded, nothing is left leased
// (a lease that ran out would have the row taken for a batch that may have
// gone out, and flagged ambiguous), and the rows not reached are queued as
// they were, not charged an attempt.
func TestEnginePauseLeavesNothingLeased(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		e.contacts(40, "SEN", "sen")
		id := e.campaign("Paused midway", e.template(), "SEN")
		e.start(id, nil)
		tr := &etPausing{out: &mail.Outbox{Dir: e.outbox}, pause: func() {
			// Pause once a batch beyond the one on the wire is claimed.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				if e.count("SELECT count(*) FROM campaign_recipients WHERE campaign_id = ? AND state = 'sending'", id) > 7 {
					break
				}
			}
			e.change(id, "pause")
		}}
		e.runOnce(e.engine(tr))
		sent := 0
		for _, r := range e.rows(id) {
			switch {
			case r.State == model.RecipientSent:
				sent++
				if r.Attempts != 1 || r.Ambiguous {
					t.Errorf("sent row %d: attempts %d, ambiguous %v", r.ID, r.Attempts, r.Ambiguous)
				}
			case r.State == model.RecipientQueued:
				if r.Attempts != 0 || r.Ambiguous || r.LeaseUntil != nil {
					t.Errorf("row %d given back with attempts %d, ambiguous %v, lease %v", r.ID, r.Attempts, r.Ambiguous, r.LeaseUntil)
				}
			default:
				t.Errorf("row %d is %s after a pause", r.ID, r.State)
			}
		}
		if sent == 0 || sent >= 40 || len(e.files()) != sent {
			t.Fatalf("%d rows sent and %d files before the pause took hold; want some, not all", sent, len(e.files()))
		}
		e.change(id, "resume")
		e.runOnce(e.engine(nil))
		if c, counts := e.status(id); c.Status != model.CampaignDone || counts.Sent != 40 || counts.Ambiguous != 0 {
			t.Fatalf("after resuming: %s %+v", c.Status, counts)
		}
		if got := e.files(); len(got) != 40 {
			t.Errorf("outbox holds %d files, want 40", len(got))
		}
	})
}

// A rate limit holds claimed rows back at the limiter. Claims were the full
// batch size whatever the rate, so rows waited longer than their lease; a
// rescan then took them for a crashed sender's, flagged them ambiguous and
// sent them a second time. Claims are now sized so that what is leased goes
// out within half the lease.
func TestEngineRateLimitKeepsLeases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		e.contacts(24, "SEN", "sen")
		id := e.campaign("Slow and steady", e.template(), "SEN")
		e.start(id, nil)
		// 24 rows at 12 a second (the first 12 at once) take a second or
		// more, longer than the lease; a claim of the batch size (50) would
		// lease all of them at once.
		en := sender.New(e.st, sender.Options{Transport: &mail.Outbox{Dir: e.outbox}, FromName: "Ratify", FromAddr: "noreply@example.org",
			PublicURL: "http://ratify.test", Unsubscribe: e.unsub, Connections: 2, BatchSize: 50, Rate: 12, Lease: time.Second,
			Poll: 20 * time.Millisecond, RetryBase: time.Millisecond, Log: e.quiet})
		start := time.Now()
		e.runOnce(en)
		if took := time.Since(start); took < 900*time.Millisecond {
			t.Errorf("24 messages at 12 a second took %v: the rate was not kept", took)
		}
		c, counts := e.status(id)
		if c.Status != model.CampaignDone || counts.Sent != 24 || counts.Ambiguous != 0 {
			t.Fatalf("%s %+v", c.Status, counts)
		}
		for _, r := range e.rows(id) {
			if r.Attempts != 1 || r.Ambiguous {
				t.Errorf("row %d: attempts %d, ambiguous %v: its lease ran out while it waited for the limiter", r.ID, r.Attempts, r.Ambiguous)
			}
		}
	})
}

// etSlow is a transport whose server takes its time over each message, as a
// tarpitting or overloaded one does; it counts what it is handed by
// Message-ID.
type etSlow struct {
	out   sender.Transport
	delay time.Duration
	mu    sync.Mutex
	seen  map[string]int
}

func (s *etSlow) Open(ctx context.Context) (mail.Conn, error) {
	c, err := s.out.Open(ctx)
	return &etSlowConn{s: s, c: c}, err
}

func (s *etSlow) String() string { return "slow " + s.out.String() }

type etSlowConn struct {
	s *etSlow
	c mail.Conn
}

func (c *etSlowConn) Send(ctx context.Context, msgs []*mail.Message) []mail.Result {
	out := make([]mail.Result, len(msgs))
	for i, m := range msgs {
		if ctx.Err() == nil {
			time.Sleep(c.s.delay)
		}
		out[i] = c.c.Send(ctx, []*mail.Message{m})[0]
		if out[i].Outcome == mail.Sent {
			c.s.mu.Lock()
			c.s.seen[m.MessageID]++
			c.s.mu.Unlock()
		}
	}
	return out
}

func (c *etSlowConn) Close() error { return c.c.Close() }

// A batch that waits its turn, or a slow server, must not outlive its
// lease: a row whose lease ran out was claimed again by the next rescan,
// flagged ambiguous and sent a second time while the first send went on. A
// message no longer starts in the lease's last quarter; the rows left go
// back to the queue untried and are sent later, once.
func TestEngineSlowServerKeepsLeases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newETEnv(t, st, nil)
		e.contacts(16, "SEN", "sen")
		id := e.campaign("Slow server", e.template(), "SEN")
		e.start(id, nil)
		// Batches of 8 at 150 ms a message take 1.2 s, longer than the
		// one-second lease; the batch claimed ahead waits as long again.
		tr := &etSlow{out: &mail.Outbox{Dir: e.outbox}, delay: 150 * time.Millisecond, seen: map[string]int{}}
		en := sender.New(e.st, sender.Options{Transport: tr, FromName: "Ratify", FromAddr: "noreply@example.org",
			PublicURL: "http://ratify.test", Unsubscribe: e.unsub, Connections: 1, BatchSize: 8, Lease: time.Second,
			Poll: 20 * time.Millisecond, RetryBase: time.Millisecond, Log: e.quiet})
		e.runOnce(en)
		c, counts := e.status(id)
		if c.Status != model.CampaignDone || counts.Sent != 16 || counts.Ambiguous != 0 {
			t.Fatalf("%s %+v", c.Status, counts)
		}
		for _, r := range e.rows(id) {
			if r.Ambiguous || tr.seen[r.MessageID] != 1 {
				t.Errorf("row %d: sent %d times, attempts %d, ambiguous %v", r.ID, tr.seen[r.MessageID], r.Attempts, r.Ambiguous)
			}
		}
	})
}

// On PostgreSQL a campaign that starts is announced to every process: the
// engine sends it at once, not at its next look (here an hour away).
func TestEngineStartsOnNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		if st.Dialect() != store.Postgres {
			t.Skip("SQLite has no notifications: its engine looks every quarter second")
		}
		e := newETEnv(t, st, nil)
		e.contacts(3, "SEN", "sen")
		id := e.campaign("Noticed", e.template(), "SEN")
		en := sender.New(e.st, sender.Options{Transport: &mail.Outbox{Dir: e.outbox}, FromName: "Ratify", FromAddr: "noreply@example.org",
			PublicURL: "http://ratify.test", Unsubscribe: e.unsub, Pickup: time.Hour, Poll: 20 * time.Millisecond, Log: e.quiet})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { defer close(stopped); en.Run(ctx) }()
		defer func() { cancel(); <-stopped }()
		time.Sleep(500 * time.Millisecond) // past the first look, and listening
		e.start(id, nil)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if c, counts := e.status(id); c.Status == model.CampaignDone {
				if counts.Sent != 3 {
					t.Fatalf("done with %+v", counts)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the started campaign was not sent within 10 s: the engine did not hear of it")
			}
		}
	})
}
