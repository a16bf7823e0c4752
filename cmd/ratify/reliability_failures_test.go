package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ratify/internal/store"
)

// TestReliabilityScriptedFailures runs a small campaign against a server
// that answers 4xx (then accepts), 5xx, or drops the line after DATA, each
// to chosen recipients, and checks how every one of them ends.
func TestReliabilityScriptedFailures(t *testing.T) {
	t.Parallel()
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			scriptedFailures(t, d)
		})
	}
}

func scriptedFailures(t *testing.T, dialect string) {
	started := time.Now()
	r := newRelSetup(t, dialect)
	sink := newSMTPSink(t, 1)
	r.prepare(120)
	// Roles by the order addresses first reach the server: every 4xx and 5xx
	// address has had its first try before the first dropped line, so a drop
	// never costs a 5xx address an extra attempt.
	temp451 := []int{3, 17, 29} // 451 twice, then accepted
	temp421 := []int{41}        // 421 once, then accepted
	perm := []int{7, 23, 36, 48}
	drop := []int{55, 80}
	sink.setRoles(func(seen int) sinkScript {
		switch {
		case slices.Contains(temp451, seen):
			return sinkScript{TempFails: 2, TempCode: 451}
		case slices.Contains(temp421, seen):
			return sinkScript{TempFails: 1, TempCode: 421}
		case slices.Contains(perm, seen):
			return sinkScript{PermFail: true}
		case slices.Contains(drop, seen):
			return sinkScript{DropFirst: true}
		}
		return sinkScript{}
	})
	p := relServe(t, r.vars(sink.url(0), nil))
	token := p.login(relCoordinator, "ratify-demo-password")
	id := createCampaign(p, token, "Scripted failures", 0)
	// Rows the engine, told of the start at once, has claimed already count.
	if c := p.action(token, id, "start", nil); c.Counts.Total()-c.Counts.Skipped <= int64(drop[len(drop)-1]) {
		t.Fatalf("the frozen audience is %+v; want more than %d to send", *c.Counts, drop[len(drop)-1])
	}
	waitDone(t, token, id, 2*time.Minute, p)
	p.stop()

	script := sink.scripted()
	var tempAddrs, permAddrs, dropAddrs []string
	for a, sc := range script {
		switch {
		case sc.TempFails > 0:
			tempAddrs = append(tempAddrs, a)
		case sc.PermFail:
			permAddrs = append(permAddrs, a)
		case sc.DropFirst:
			dropAddrs = append(dropAddrs, a)
		}
	}
	if len(tempAddrs) != len(temp451)+len(temp421) || len(permAddrs) != len(perm) || len(dropAddrs) != len(drop) {
		t.Fatalf("the server scripted %d 4xx, %d 5xx and %d dropped-line addresses; want %d, %d and %d",
			len(tempAddrs), len(permAddrs), len(dropAddrs), len(temp451)+len(temp421), len(perm), len(drop))
	}
	rows := r.rows(id)
	msgs := sink.messages()
	rep := checkDelivery(t, rows, msgs)
	byEmail := map[string]recipientRow{}
	for _, x := range rows {
		byEmail[strings.ToLower(x.Email)] = x
	}
	for _, a := range tempAddrs {
		x := byEmail[a]
		at := sink.rcptAt(a)
		want := script[a].TempFails + 1
		if x.State != "sent" || x.Attempts < want || x.Ambiguous || rep.count[x.MessageID] != 1 || len(at) != want {
			t.Errorf("4xx recipient %s: state %s, attempts %d, ambiguous %v, received %d, RCPT tries %d; want sent after %d tries, received once",
				x.Email, x.State, x.Attempts, x.Ambiguous, rep.count[x.MessageID], len(at), want)
		}
		// RATIFY_SEND_RETRY=1s: the k-th retry waits at least 1s << (k-1).
		for k := 1; k < len(at); k++ {
			if gap, least := at[k].Sub(at[k-1]), time.Second<<(k-1)-50*time.Millisecond; gap < least {
				t.Errorf("4xx recipient %s: retry %d came %s after the refusal, want a backoff of at least %s", x.Email, k, gap, least)
			}
		}
	}
	for _, a := range permAddrs {
		x := byEmail[a]
		rcpt := len(sink.rcptAt(a))
		if x.State != "failed" || x.Attempts != 1 || !strings.Contains(x.LastReply, "550") || rep.count[x.MessageID] != 0 || rcpt != 1 {
			t.Errorf("5xx recipient %s: state %s, attempts %d, last reply %q, received %d, RCPT tries %d; want failed after 1 attempt with the 550 reply",
				x.Email, x.State, x.Attempts, x.LastReply, rep.count[x.MessageID], rcpt)
		}
	}
	for _, a := range dropAddrs {
		x := byEmail[a]
		data := sink.dataTries(a)
		if x.State != "sent" || !x.Ambiguous || x.Attempts < 2 || rep.count[x.MessageID] != 2 || data != 2 {
			t.Errorf("dropped-line recipient %s: state %s, ambiguous %v, attempts %d, received %d, DATA tries %d; want sent, ambiguous, received twice",
				x.Email, x.State, x.Ambiguous, x.Attempts, rep.count[x.MessageID], data)
		}
	}
	for _, x := range rows {
		if _, special := script[strings.ToLower(x.Email)]; x.State == "skipped" || special {
			continue
		}
		if x.State != "sent" || x.Ambiguous || rep.count[x.MessageID] != 1 {
			t.Errorf("plain recipient %s: state %s, ambiguous %v, received %d; want sent once", x.Email, x.State, x.Ambiguous, rep.count[x.MessageID])
		}
	}
	if rep.failed != len(perm) || rep.ambiguous != len(drop) {
		t.Errorf("%d failed and %d ambiguous rows, want %d and %d", rep.failed, rep.ambiguous, len(perm), len(drop))
	}
	if n := r.campaignOutreach(id); n != rep.sent {
		t.Errorf("the campaign wrote %d outreach records for %d sent rows, want one each", n, rep.sent)
	}
	t.Logf("%s: %d recipients, %d sent, %d failed, %d ambiguous, %d messages received in %s",
		dialect, rep.rows-rep.skipped, rep.sent, rep.failed, rep.ambiguous, rep.received, time.Since(started).Round(time.Millisecond))
}

// TestReliabilityCancelAfterKill kills the sending process mid-batch,
// restarts it and cancels the campaign at once, while the dead process's
// rows are still leased: those rows must still end final (cancelled, and
// ambiguous since they may have gone out), not stay "sending" for ever.
func TestReliabilityCancelAfterKill(t *testing.T) {
	t.Parallel()
	for _, d := range []string{store.SQLite, store.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			cancelAfterKill(t, d)
		})
	}
}

func cancelAfterKill(t *testing.T, dialect string) {
	started := time.Now()
	r := newRelSetup(t, dialect)
	sink := newSMTPSink(t, 1)
	sink.setDelay(20 * time.Millisecond) // a batch of 50 takes a second: the kill lands in it
	r.prepare(600)
	// A lease long enough that the dead process still holds its rows when
	// the cancel comes, even on a slow machine.
	vars := func() map[string]string { return r.vars(sink.url(0), map[string]string{"RATIFY_SEND_LEASE": "10s"}) }
	p := relServe(t, vars())
	token := p.login(relCoordinator, "ratify-demo-password")
	id := createCampaign(p, token, "Cancel after a crash", 0)
	p.action(token, id, "start", nil)
	deadline := time.Now().Add(2 * time.Minute)
	for sink.distinct() < 75 {
		if time.Now().After(deadline) {
			t.Fatalf("the server received %d messages in 2 minutes, want 75", sink.distinct())
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.sigkill()
	p = relServe(t, vars())
	if c := p.action(token, id, "cancel", nil); c.Status != "cancelled" || c.Counts.Sending == 0 {
		t.Fatalf("after the cancel the campaign is %s with %+v; want cancelled with the dead process's rows still leased", c.Status, *c.Counts)
	}
	// Once the dead process's lease has run out, every row must be final.
	for wait := time.Now().Add(45 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		c := p.campaign(token, id)
		if c.Counts.Queued == 0 && c.Counts.Sending == 0 {
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("45s after the cancel the campaign still has rows in flight: %+v", *c.Counts)
		}
	}
	p.stop()

	rows := r.rows(id)
	rep := checkDelivery(t, rows, sink.messages())
	if rep.cancelled == 0 || rep.sent+rep.cancelled+rep.skipped != rep.rows {
		t.Errorf("rows %d: %d sent, %d cancelled, %d skipped, %d failed; want only sent, cancelled and skipped, some cancelled",
			rep.rows, rep.sent, rep.cancelled, rep.skipped, rep.failed)
	}
	if n := r.campaignOutreach(id); n != rep.sent {
		t.Errorf("the campaign wrote %d outreach records for %d sent rows, want one each", n, rep.sent)
	}
	t.Logf("%s: %d rows: %d sent, %d cancelled (%d ambiguous), %d messages received, in %s",
		dialect, rep.rows, rep.sent, rep.cancelled, rep.ambiguous, rep.received, time.Since(started).Round(time.Millisecond))
}
