package sender

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ratify/internal/mail"
	"ratify/internal/merge"
	"ratify/internal/model"
	"ratify/internal/store"
)

// run is one campaign's prepared state, shared by its connections.
type run struct {
	e         *Engine
	c         *model.Campaign
	templates map[string]*merge.Template
	sender    merge.Sender
	fromName  string
	fromAddr  string
	replyTo   string
	countries map[string]string
	rats      map[string]map[string]*model.Ratification
	codes     []string
	limit     *limiter
	batch     int // rows per claim

	// cursor is the highest row id this run has claimed; claims go on from
	// it and start again from the first row when it finds nothing or when
	// rescanned (real time, unix ns) is a poll interval old, for retries
	// and run-out leases.
	cursor    atomic.Int64
	rescanned atomic.Int64

	// The outreach table's size when the planner last read its statistics,
	// the size when the run started, and the records the run has added
	// (see refreshStats).
	statsAt, outreachAt, written atomic.Int64
}

func (e *Engine) prepare(ctx context.Context, id int64) (*run, error) {
	c, err := e.store.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	r := &run{e: e, c: c, templates: map[string]*merge.Template{}, countries: map[string]string{},
		rats: map[string]map[string]*model.Ratification{}, fromName: e.opts.FromName, fromAddr: e.opts.FromAddr}
	insts, err := e.store.ListInstruments(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range insts {
		r.codes = append(r.codes, in.Code)
	}
	if c.Template == nil {
		return nil, fmt.Errorf("campaign %d has no template", id)
	}
	for _, v := range c.Template.Variants {
		t, errs := merge.Parse(v.Subject, v.HTML, v.Text, r.codes)
		if errs != nil {
			return nil, fmt.Errorf("template variant %s: %v", v.Language, errs)
		}
		r.templates[v.Language] = t
	}
	if c.Sender != nil {
		r.fromName, r.fromAddr, r.replyTo = c.Sender.Name, c.Sender.Email, c.Sender.ReplyTo
	}
	r.sender = merge.Sender{Name: r.fromName}
	if org, err := e.store.GetOrganisation(ctx, c.OrganisationID); err == nil {
		r.sender.Organisation = org.Name
	}
	countries, err := e.store.ListCountries(ctx)
	if err != nil {
		return nil, err
	}
	for _, ct := range countries {
		r.countries[ct.ISO3] = ct.Name
	}
	all, err := e.store.AllRatifications(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		x := &all[i]
		if r.rats[x.CountryISO3] == nil {
			r.rats[x.CountryISO3] = map[string]*model.Ratification{}
		}
		r.rats[x.CountryISO3][x.InstrumentCode] = x
	}
	rate := e.opts.Rate
	if c.RatePerSecond > 0 {
		rate = float64(c.RatePerSecond)
	}
	r.limit = newLimiter(rate)
	est, err := e.store.OutreachEstimate(ctx)
	if err != nil {
		return nil, err
	}
	r.statsAt.Store(est)
	r.outreachAt.Store(est)
	return r, nil
}

// refreshStats has the database re-read the outreach tables' statistics
// each time the run has doubled their size since it last did. Each sent
// message adds an outreach record and links it to its contact; the check of
// that link was planned, once per connection, for the table as the planner
// last saw it. On a new installation's first campaign that was an empty
// table, and every check then read the whole table: sending slowed down
// with each message until autovacuum caught up. A table that is large
// already is left alone.
func (r *run) refreshStats(ctx context.Context, added int) {
	seen := r.statsAt.Load()
	if added == 0 || seen < 0 {
		return
	}
	size := r.outreachAt.Load() + r.written.Add(int64(added))
	if size < 2*seen || !r.statsAt.CompareAndSwap(seen, size) {
		return
	}
	if err := r.e.store.AnalyzeOutreach(ctx); err != nil {
		r.e.opts.Log.Warn("refreshing the outreach statistics failed", "campaign", r.c.ID, "err", err)
	}
}

// runCampaign sends one campaign over its connections until it is done,
// paused, cancelled, or ctx ends.
func (e *Engine) runCampaign(ctx context.Context, id int64) error {
	r, err := e.prepare(ctx, id)
	if err != nil {
		return err
	}
	conns := e.opts.Connections
	if r.c.Connections > 0 {
		conns = r.c.Connections
	}
	r.batch = claimSize(e.opts.BatchSize, r.limit.rate, e.opts.Lease, conns)
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = r.worker(ctx)
		}(i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return r.finish(ctx)
}

// finish marks the campaign done when no row is left to send.
func (r *run) finish(ctx context.Context) error {
	n, _, err := r.e.store.PendingRecipients(ctx, r.c.ID)
	if err != nil || n > 0 {
		return err
	}
	_, err = r.e.store.SetCampaignStatus(ctx, r.c.ID, []model.CampaignStatus{model.CampaignSending}, model.CampaignDone, r.e.opts.Now().UTC())
	return err
}

// batch is a claimed batch, rendered and ready to send.
type batch struct {
	rows  []model.CampaignRecipient
	lease time.Time
	// sendBy is the latest (real) time a message of the batch may start:
	// the lease's end less a quarter of the lease, kept for recording.
	sendBy   time.Time
	msgs     []*mail.Message
	index    []int         // msgs[k] is rows[index[k]]
	results  []mail.Result // set for the rows that cannot be sent
	untried  []int         // rows not tried because the lease ran short
	contacts map[int64]*model.Contact
	stop     bool // paused, cancelled or shutting down: nothing was claimed
	err      error
}

// worker owns one connection and sends batch after batch. Three stages
// overlap: while one batch is on the wire, the next is claimed, its contacts
// read and its messages rendered, and the one before is recorded. The
// connection thus waits neither for the database's commits nor for the
// templates; at most one batch is prepared ahead and one recording is in
// flight, and the worker waits for both before it returns.
func (r *run) worker(ctx context.Context) (err error) {
	e := r.e
	var conn mail.Conn
	var recording chan error
	settle := func() error {
		if recording == nil {
			return nil
		}
		rerr := <-recording
		recording = nil
		return rerr
	}
	next := r.prepareNext(ctx)
	defer func() {
		// A batch prepared ahead and never sent goes back to the queue as
		// it was, so that it is neither charged an attempt nor, when its
		// lease runs out, taken for a batch that may have been sent.
		if b := <-next; len(b.rows) > 0 {
			if rerr := e.store.ReleaseRecipients(context.WithoutCancel(ctx), ids(b.rows), b.lease); err == nil {
				err = rerr
			}
		}
		if rerr := settle(); err == nil {
			err = rerr
		}
		if conn != nil {
			_ = conn.Close()
		}
	}()
	for {
		b := <-next
		if b.err != nil {
			next = closed()
			return b.err
		}
		if b.stop {
			next = closed()
			return nil
		}
		if len(b.rows) == 0 {
			// This worker's own last batch counts as pending until it is recorded.
			if err := settle(); err != nil {
				next = closed()
				return err
			}
			n, due, err := e.store.PendingRecipients(ctx, r.c.ID)
			if err != nil {
				next = closed()
				return err
			}
			if n == 0 {
				next = closed()
				return nil
			}
			wait := e.opts.Poll
			if due != nil {
				wait = min(max(due.Sub(e.opts.Now().UTC()), 10*time.Millisecond), e.opts.Poll)
			}
			select {
			case <-ctx.Done():
				next = closed()
				return nil
			case <-time.After(wait):
			}
			next = r.prepareNext(ctx)
			continue
		}
		next = r.prepareNext(ctx)
		if conn == nil {
			c, err := e.opts.Transport.Open(ctx)
			if err != nil {
				// The server is unreachable: give the rows back for a later try.
				e.opts.Log.Warn("mail connection failed", "campaign", r.c.ID, "err", err)
				if rerr := r.record(ctx, b.rows, retryAll(b.rows, "connection failed: "+err.Error()), nil, b.lease, nil); rerr != nil {
					return rerr
				}
				continue
			}
			conn = c
		}
		broken := r.send(ctx, conn, b)
		for _, m := range b.msgs {
			m.Release()
		}
		if broken {
			_ = conn.Close()
			conn = nil
		}
		prev := settle()
		// Record even when shutting down, or when the previous batch could
		// not be recorded: these messages are out.
		recording = make(chan error, 1)
		go func(done chan<- error, b *batch) {
			done <- r.record(context.WithoutCancel(ctx), b.rows, b.results, b.untried, b.lease, b.contacts)
		}(recording, b)
		if prev != nil {
			return prev
		}
	}
}

// prepareNext claims and renders the next batch in the background.
func (r *run) prepareNext(ctx context.Context) <-chan *batch {
	out := make(chan *batch, 1)
	go func() { out <- r.prepareBatch(ctx) }()
	return out
}

// closed is a stage that has nothing more to give.
func closed() <-chan *batch {
	out := make(chan *batch, 1)
	out <- &batch{stop: true}
	return out
}

func (r *run) prepareBatch(ctx context.Context) *batch {
	e := r.e
	if ctx.Err() != nil {
		return &batch{stop: true}
	}
	now := e.opts.Now().UTC()
	b := &batch{lease: now.Add(e.opts.Lease), sendBy: time.Now().Add(e.opts.Lease - e.opts.Lease/4)}
	rows, contacts, err := r.claim(ctx, now, b.lease)
	if err != nil && len(rows) == 0 {
		if ctx.Err() != nil {
			return &batch{stop: true} // shutting down: the claim did not commit
		}
		return &batch{err: err}
	}
	b.rows = rows
	if len(rows) == 0 {
		// Nothing due, or nothing to claim because the campaign was paused
		// or cancelled: stop between batches then.
		st, err := e.store.CampaignStatus(ctx, r.c.ID)
		if err != nil {
			if ctx.Err() != nil {
				return &batch{stop: true}
			}
			return &batch{err: err}
		}
		if st != model.CampaignSending {
			return &batch{stop: true}
		}
		return b
	}
	if err != nil {
		// Claimed, but the contacts could not be read (SQLite reads them
		// apart): the rows go back for a later try.
		b.results = retryAll(rows, "load contacts: "+err.Error())
		return b
	}
	b.contacts = contacts
	r.render(b)
	return b
}

func ids(rows []model.CampaignRecipient) []int64 {
	out := make([]int64, len(rows))
	for i, row := range rows {
		out[i] = row.ID
	}
	return out
}

// claimSize is how many rows a claim takes under a rate limit (messages
// per second; 0 for none). A claimed row is leased from the claim until its
// batch has gone out, and each connection holds two batches at a time: one
// on the wire, one claimed ahead, both waiting their turn at the limiter.
// Were the rows leased at once more than the rate lets out within the
// lease, leases would run out before the rows were sent; another claim
// would take them for the rows of a crashed sender and send them a second
// time. Claims are kept small enough that everything leased goes out within
// half the lease.
func claimSize(batch int, rate float64, lease time.Duration, conns int) int {
	if rate <= 0 {
		return batch
	}
	return max(1, min(batch, int(rate*lease.Seconds()/float64(4*max(conns, 1)))))
}

// claim leases the next batch of due rows, going on from the cursor, and
// reads their contacts' merge data.
func (r *run) claim(ctx context.Context, now, lease time.Time) ([]model.CampaignRecipient, map[int64]*model.Contact, error) {
	e := r.e
	after := r.cursor.Load()
	if time.Since(time.Unix(0, r.rescanned.Load())) >= e.opts.Poll {
		after = 0
	}
	rows, contacts, err := e.store.ClaimBatch(ctx, r.c.ID, after, r.batch, now, lease)
	if err == nil && len(rows) == 0 && after > 0 {
		after = 0
		rows, contacts, err = e.store.ClaimBatch(ctx, r.c.ID, 0, r.batch, now, lease)
	}
	if after == 0 && (err == nil || len(rows) > 0) {
		r.rescanned.Store(time.Now().UnixNano())
	}
	var top int64
	for _, row := range rows {
		top = max(top, row.ID)
	}
	for cur := r.cursor.Load(); top > cur; cur = r.cursor.Load() {
		if r.cursor.CompareAndSwap(cur, top) {
			break
		}
	}
	return rows, contacts, err
}

func retryAll(rows []model.CampaignRecipient, reply string) []mail.Result {
	out := make([]mail.Result, len(rows))
	for i := range out {
		out[i] = mail.Result{Outcome: mail.Retry, Reply: reply}
	}
	return out
}

// render renders the batch's messages from its contacts' merge data; a row
// that cannot be rendered gets its final result at once.
func (r *run) render(b *batch) {
	b.results = make([]mail.Result, len(b.rows))
	for i, row := range b.rows {
		m, err := r.message(&row, b.contacts[row.ContactID])
		if err != nil {
			b.results[i] = mail.Result{Outcome: mail.Failed, Reply: err.Error()}
			continue
		}
		b.msgs = append(b.msgs, m)
		b.index = append(b.index, i)
	}
}

// send puts the batch's messages on the wire; broken reports a connection
// to drop.
//
// No message starts once the batch's lease is down to its last quarter.
// A batch waits its turn claimed (one is prepared while another is on the
// wire), and a slow server can take minutes over one; a row whose lease ran
// out may be claimed by another sender, which takes it for a crashed one's
// and sends it again. The rows left untried go back to the queue as they
// were (see record).
func (r *run) send(ctx context.Context, conn mail.Conn, b *batch) bool {
	if len(b.msgs) == 0 {
		return false
	}
	sendCtx, cancel := context.WithDeadline(ctx, b.sendBy)
	defer cancel()
	outOfTime := func() bool { return ctx.Err() == nil && sendCtx.Err() != nil }
	if err := r.limit.wait(sendCtx, len(b.msgs)); err != nil {
		if outOfTime() {
			b.untried = append(b.untried, b.index...)
			return false
		}
		for _, i := range b.index {
			b.results[i] = mail.Result{Outcome: mail.Retry, Reply: "not attempted: stopping"}
		}
		return false
	}
	broken := false
	for k, res := range conn.Send(sendCtx, b.msgs) {
		if res.Outcome == mail.Retry && strings.HasPrefix(res.Reply, "not attempted") && outOfTime() {
			b.untried = append(b.untried, b.index[k])
			continue
		}
		b.results[b.index[k]] = res
		if res.Outcome == mail.Ambiguous || (res.Outcome == mail.Retry && strings.HasPrefix(res.Reply, "not attempted")) {
			broken = true
		}
	}
	return broken
}

// message renders one row with the merge data of its contact.
func (r *run) message(row *model.CampaignRecipient, c *model.Contact) (*mail.Message, error) {
	if c == nil || c.Removed() {
		return nil, errors.New("the contact was removed before sending")
	}
	if c.DoNotContact {
		return nil, errors.New("the contact was marked do-not-contact before sending")
	}
	t := r.templates[row.Language]
	if t == nil {
		return nil, fmt.Errorf("the template has no %q variant any more", row.Language)
	}
	unsub := strings.TrimRight(r.e.opts.PublicURL, "/") + "/u/" + r.e.opts.Unsubscribe.Sign(row.ID, row.Email)
	country := ""
	var rats map[string]*model.Ratification
	if c.CountryISO3 != nil {
		country, rats = r.countries[*c.CountryISO3], r.rats[*c.CountryISO3]
	}
	out, err := t.Render(merge.NewData(c, country, rats, r.codes, r.sender, unsub))
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	m := &mail.Message{FromName: r.fromName, FromAddr: r.fromAddr, ReplyTo: r.replyTo, ToName: c.FullName(), ToAddr: row.Email,
		Subject: out.Subject, HTML: out.HTML, Text: out.Text, MessageID: row.MessageID, ListUnsubscribe: unsub}
	// Encoded here, while the batch before is on the wire.
	if err := m.Encode(r.e.opts.Now()); err != nil {
		return nil, err
	}
	return m, nil
}

// record writes a batch's outcomes and, for each message sent, an outreach
// record of type email on the contact's timeline, in one transaction.
func (r *run) record(ctx context.Context, rows []model.CampaignRecipient, results []mail.Result, untried []int, lease time.Time, contacts map[int64]*model.Contact) error {
	e := r.e
	now := e.opts.Now().UTC()
	skip := make(map[int]bool, len(untried))
	giveBack := make([]int64, 0, len(untried))
	for _, i := range untried {
		skip[i] = true
		giveBack = append(giveBack, rows[i].ID)
	}
	out := make([]store.RecipientResult, 0, len(rows))
	for i, row := range rows {
		if skip[i] {
			continue
		}
		res := results[i]
		rr := store.RecipientResult{ID: row.ID, Reply: res.Reply, ContactID: row.ContactID}
		switch res.Outcome {
		case mail.Sent:
			rr.State, rr.SentAt = model.RecipientSent, &now
			rr.Summary = r.summary(row.Language)
			if c := contacts[row.ContactID]; c != nil {
				rr.CountryISO3 = c.CountryISO3
			}
		case mail.Failed:
			rr.State = model.RecipientFailed
		case mail.Ambiguous, mail.Retry:
			rr.Ambiguous = res.Outcome == mail.Ambiguous
			if row.Attempts >= e.opts.MaxAttempts {
				rr.State, rr.Reply = model.RecipientFailed, fmt.Sprintf("gave up after %d attempts: %s", row.Attempts, res.Reply)
				break
			}
			rr.State = model.RecipientQueued
			next := now.Add(e.opts.RetryBase << min(row.Attempts-1, 6))
			rr.NextTry = &next
		}
		out = append(out, rr)
	}
	added, err := e.store.RecordBatch(ctx, out, giveBack, lease, r.email(now))
	if err != nil {
		return err
	}
	r.refreshStats(ctx, added)
	return nil
}

// email is what every outreach record of the campaign's messages holds.
func (r *run) email(now time.Time) model.Outreach {
	id := r.c.ID
	return model.Outreach{Type: model.OutreachEmail, Date: now.Truncate(24 * time.Hour),
		Outcome: model.OutcomeUnknown, Visibility: model.VisibleCoalition, OrganisationID: r.c.OrganisationID,
		UserID: r.c.CreatedByID, CampaignID: &id, CreatedAt: now, UpdatedAt: now}
}

// summary is the outreach record's summary of a message in language.
func (r *run) summary(language string) string {
	return fmt.Sprintf("Campaign email “%s” sent (%s)", r.c.Name, language)
}
