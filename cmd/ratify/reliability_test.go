package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ratify/internal/store"
)

// The reliability tests drive the real binary against an in-process SMTP
// server (smtpsink_test.go) and check the promise of the delivery engine:
// killed at any moment and restarted, no recipient is lost, every row ends
// in a final state, and a message received twice carries one Message-ID and
// belongs to a row flagged ambiguous.

// deliveryReport sums what checkDelivery saw.
type deliveryReport struct {
	rows, sent, failed, skipped, cancelled, ambiguous int
	received, duplicates                              int // messages taken in; Message-IDs seen more than once
	count                                             map[string]int
}

// checkDelivery asserts the invariants that hold after any campaign run:
// every row is final; every sent row was received; a skipped row never was;
// each received message matches its row's Message-ID and address; a
// Message-ID received twice (or received for a row that ended failed or
// cancelled) belongs to a row flagged ambiguous.
func checkDelivery(t *testing.T, rows []recipientRow, msgs []sinkMessage) deliveryReport {
	t.Helper()
	rep := deliveryReport{rows: len(rows), received: len(msgs), count: map[string]int{}}
	var problems []string
	bad := func(format string, args ...any) {
		if len(problems) < 25 {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == 25 {
			problems = append(problems, "…")
		}
	}
	byID := make(map[string]*recipientRow, len(rows))
	for i := range rows {
		x := &rows[i]
		if byID[x.MessageID] != nil {
			bad("rows %d and %d share Message-ID %s", byID[x.MessageID].ID, x.ID, x.MessageID)
		}
		byID[x.MessageID] = x
	}
	for _, m := range msgs {
		x := byID[m.MessageID]
		if x == nil {
			bad("received Message-ID %s belongs to no row of the campaign", m.MessageID)
			continue
		}
		if len(m.Rcpt) != 1 || m.Rcpt[0] != strings.ToLower(x.Email) {
			bad("message %s went to %v, but row %d is for %s", m.MessageID, m.Rcpt, x.ID, x.Email)
		}
		rep.count[m.MessageID]++
	}
	for _, x := range rows {
		n := rep.count[x.MessageID]
		if x.Ambiguous {
			rep.ambiguous++
		}
		if n > 1 {
			rep.duplicates++
			if !x.Ambiguous {
				bad("row %d (%s) was received %d times but is not flagged ambiguous", x.ID, x.Email, n)
			}
		}
		switch x.State {
		case "sent":
			rep.sent++
			if n == 0 {
				bad("row %d (%s) is sent but the server never received Message-ID %s", x.ID, x.Email, x.MessageID)
			}
		case "failed", "cancelled":
			if x.State == "failed" {
				rep.failed++
			} else {
				rep.cancelled++
			}
			if n > 0 && !x.Ambiguous {
				bad("row %d (%s) is %s (%s) but was received", x.ID, x.Email, x.State, x.LastReply)
			}
		case "skipped":
			rep.skipped++
			if n > 0 {
				bad("row %d (%s) was skipped (%s) but received", x.ID, x.Email, x.SkipReason)
			}
		default:
			bad("row %d (%s) ended in state %q (attempts %d, last reply %q)", x.ID, x.Email, x.State, x.Attempts, x.LastReply)
		}
	}
	if len(problems) > 0 {
		t.Errorf("delivery invariants broken:\n  %s", strings.Join(problems, "\n  "))
	}
	return rep
}

// relSeed is the seed of the random kill moments: fixed, so a failure can be
// replayed, and overridable through RATIFY_RELIABILITY_SEED.
func relSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(20240917)
	if v := os.Getenv(relSeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not a number", relSeedEnv, v)
		}
		seed = n
	}
	t.Logf("kill moments from seed %d (set %s to replay)", seed, relSeedEnv)
	return seed
}

// TestReliabilityKillRestart sends a campaign of 5,000+ recipients, SIGKILLs
// the sending process at random moments six times, restarts it each time,
// and checks that the campaign still ends with every recipient accounted for.
func TestReliabilityKillRestart(t *testing.T) {
	t.Parallel()
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			killRestart(t, d)
		})
	}
}

func killRestart(t *testing.T, dialect string) {
	const (
		contacts = 5400
		kills    = 6
	)
	started := time.Now()
	r := newRelSetup(t, dialect)
	sink := newSMTPSink(t, 1)
	// A slow server keeps batches in flight, so most kills land mid-batch:
	// messages handed over whose outcome was never recorded.
	sink.setDelay(8 * time.Millisecond)
	r.prepare(contacts)
	prepared := time.Since(started)

	var lives []*process
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range lives {
				t.Logf("ratify serve, life %d, log tail:\n%s", i+1, tail(p.stderr.String(), 15))
			}
		}
	})
	vars := func() map[string]string {
		return r.vars(sink.url(0), map[string]string{"RATIFY_SMTP_CONNECTIONS": "4"})
	}
	p := relServe(t, vars())
	lives = append(lives, p)
	token := p.login(relCoordinator, "ratify-demo-password")
	id := createCampaign(p, token, "Kill and restart", 0)
	c := p.action(token, id, "start", nil)
	if c.Status != "sending" {
		t.Fatalf("started campaign is %s", c.Status)
	}
	// The engine hears of the start at once and may have claimed rows
	// already: the audience to send is every row not skipped.
	total := int(c.Counts.Total() - c.Counts.Skipped)
	if total < 5000 || c.Counts.Skipped == 0 || c.Counts.Total() != contacts {
		t.Fatalf("the frozen audience is %+v; want 5,000+ to send, some skipped (do-not-contact), %d rows", *c.Counts, contacts)
	}

	rng := rand.New(rand.NewPCG(relSeed(t), 0x5eed))
	step := total / (kills + 3)
	for i := range kills {
		// Let this life send between half a step and a step, then kill it a
		// random moment later (within a batch, between batches, while recording).
		before := sink.distinct()
		target := before + step/2 + rng.IntN(step/2)
		extra := time.Duration(rng.IntN(300)) * time.Millisecond
		deadline := time.Now().Add(2 * time.Minute)
		for sink.distinct() < target {
			select {
			case <-p.done:
				t.Fatalf("life %d: ratify exited on its own (%v):\n%s", i+1, p.err, tail(p.stderr.String(), 40))
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("life %d: the server received %d distinct messages in 2 minutes, want %d; counts %+v",
					i+1, sink.distinct(), target, *p.campaign(token, id).Counts)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(extra)
		got := sink.distinct()
		if got >= total {
			t.Fatalf("life %d: all %d messages were out before the kill; the test no longer kills mid-campaign", i+1, total)
		}
		p.sigkill()
		t.Logf("kill %d: SIGKILL after %d distinct messages received (%d in this life, +%s)", i+1, got, got-before, extra)
		time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		p = relServe(t, vars())
		lives = append(lives, p)
	}
	c = waitDone(t, token, id, 3*time.Minute, p)
	p.stop()

	rows := r.rows(id)
	msgs := sink.messages()
	rep := checkDelivery(t, rows, msgs)
	if rep.rows != contacts || rep.sent != total || rep.failed != 0 || rep.skipped != contacts-total {
		t.Errorf("rows %d: %d sent, %d failed, %d skipped; want %d sent, 0 failed, %d skipped",
			rep.rows, rep.sent, rep.failed, rep.skipped, total, contacts-total)
	}
	for _, x := range rows {
		if x.State == "skipped" && x.SkipReason != "do-not-contact" {
			t.Errorf("row %d skipped for %q, want do-not-contact", x.ID, x.SkipReason)
		}
	}
	if rep.ambiguous == 0 {
		t.Errorf("%d kills left no row flagged ambiguous: no kill caught a batch in flight", kills)
	}
	if n := r.campaignOutreach(id); n != rep.sent {
		t.Errorf("the campaign wrote %d outreach records for %d sent rows, want one each", n, rep.sent)
	}
	if c.Counts.Sent != int64(rep.sent) || c.Counts.Ambiguous != int64(rep.ambiguous) {
		t.Errorf("API counts %+v disagree with the rows (%d sent, %d ambiguous)", *c.Counts, rep.sent, rep.ambiguous)
	}
	t.Logf("%s: %d recipients (%d skipped), %d kills: %d messages received, %d Message-IDs twice or more, %d rows ambiguous; prepare %s, total %s",
		dialect, total, rep.skipped, kills, rep.received, rep.duplicates, rep.ambiguous, prepared.Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

// TestReliabilityTwoProcesses runs two `ratify serve` on one PostgreSQL
// database, both sending the same campaign: SKIP LOCKED must keep them
// from sending any recipient twice.
func TestReliabilityTwoProcesses(t *testing.T) {
	t.Parallel()
	started := time.Now()
	r := newRelSetup(t, store.Postgres)
	// One listener per process, so the test sees that both did send.
	sink := newSMTPSink(t, 2)
	sink.setDelay(4 * time.Millisecond)
	r.prepare(2100)
	// The default lease of 2 minutes never runs out here, so a duplicate
	// could only be two processes holding one row.
	extra := map[string]string{"RATIFY_SEND_LEASE": "2m", "RATIFY_SMTP_CONNECTIONS": "4"}
	a := relServe(t, r.vars(sink.url(0), extra))
	b := relServe(t, r.vars(sink.url(1), extra))
	token := a.login(relCoordinator, "ratify-demo-password")
	id := createCampaign(a, token, "Two senders", 0)
	c := a.action(token, id, "start", nil)
	total := int(c.Counts.Total() - c.Counts.Skipped) // rows claimed already count
	if total < 1900 {
		t.Fatalf("the frozen audience is %+v; want about 2,000 to send", *c.Counts)
	}
	waitDone(t, token, id, 3*time.Minute, a, b)
	// The other process (same secret, so the same token) sees it done too.
	if cb := b.campaign(token, id); cb.Status != "done" {
		t.Errorf("process B sees the campaign %s", cb.Status)
	}
	a.stop()
	b.stop()

	rows := r.rows(id)
	msgs := sink.messages()
	rep := checkDelivery(t, rows, msgs)
	if rep.duplicates != 0 || rep.received != total || rep.sent != total || rep.ambiguous != 0 {
		t.Errorf("%d queued: %d messages received, %d Message-IDs more than once, %d sent, %d ambiguous; want each sent exactly once",
			total, rep.received, rep.duplicates, rep.sent, rep.ambiguous)
	}
	for _, x := range rows {
		if x.State == "sent" && x.Attempts != 1 {
			t.Errorf("row %d was claimed %d times, want once", x.ID, x.Attempts)
		}
	}
	perListener := map[string]int{}
	for _, m := range msgs {
		perListener[m.Listener]++
	}
	for i, addr := range sink.addrs {
		if perListener[addr] < total/10 {
			t.Errorf("process %c sent %d of %d messages; want both processes to share the campaign", 'A'+i, perListener[addr], total)
		}
	}
	if n := r.campaignOutreach(id); n != rep.sent {
		t.Errorf("the campaign wrote %d outreach records for %d sent rows, want one each", n, rep.sent)
	}
	t.Logf("%d recipients: process A sent %d, process B sent %d, in %s",
		total, perListener[sink.addrs[0]], perListener[sink.addrs[1]], time.Since(started).Round(time.Millisecond))
}
