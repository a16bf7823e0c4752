package main

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// apiCounts and apiCampaign are what GET /api/v1/campaigns/{id} answers, in part.
type apiCounts struct {
	Queued, Sending, Sent, Failed, Ambiguous, Skipped, Cancelled int64
}

type apiCampaign struct {
	ID     int64      `json:"id"`
	Status string     `json:"status"`
	Counts *apiCounts `json:"counts"`
}

// createCampaign makes a two-variant (en, fr) template and a draft campaign
// for the demo contacts through the API, and returns the campaign id.
func createCampaign(p *process, token, name string, connections int) int64 {
	p.t.Helper()
	variant := func(lang, greeting string) map[string]string {
		return map[string]string{
			"language": lang,
			"subject":  greeting + " {{.Contact.LastName}}: ratify the Migrant Workers Convention",
			"html":     `<p>` + greeting + ` {{.Contact.FullName}},</p><p>Reliability test.</p><p><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`,
			"text":     greeting + " {{.Contact.FullName}},\n\nReliability test.\n\nUnsubscribe: {{.UnsubscribeURL}}\n",
		}
	}
	var tpl struct {
		ID int64 `json:"id"`
	}
	p.call("POST", "/api/v1/templates", token, map[string]any{
		"name": name + " template", "variants": []map[string]string{variant("en", "Dear"), variant("fr", "Cher·e")},
	}, http.StatusCreated, &tpl)
	var c apiCampaign
	p.call("POST", "/api/v1/campaigns", token, map[string]any{
		"name": name, "template_id": tpl.ID, "fallback_language": "en",
		"audience": map[string]any{"tags": []string{"demo"}}, "connections": connections,
	}, http.StatusCreated, &c)
	if c.ID == 0 || c.Status != "draft" {
		p.t.Fatalf("created campaign = %+v", c)
	}
	return c.ID
}

// campaign reads a campaign with its counts.
func (p *process) campaign(token string, id int64) apiCampaign {
	p.t.Helper()
	var c apiCampaign
	p.call("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), token, nil, http.StatusOK, &c)
	if c.Counts == nil {
		p.t.Fatalf("campaign %d has no counts", id)
	}
	return c
}

// action posts start, pause, resume… and returns the campaign after it.
func (p *process) action(token string, id int64, action string, body any) apiCampaign {
	p.t.Helper()
	var c apiCampaign
	p.call("POST", fmt.Sprintf("/api/v1/campaigns/%d/%s", id, action), token, body, http.StatusOK, &c)
	return c
}

// waitDone polls until the campaign is done; it fails with the counts when
// it is not within the time, or when a process exits.
func waitDone(t *testing.T, token string, id int64, within time.Duration, procs ...*process) apiCampaign {
	t.Helper()
	deadline := time.Now().Add(within)
	var c apiCampaign
	for {
		for _, p := range procs {
			select {
			case <-p.done:
				t.Fatalf("ratify exited while campaign %d was sending (%v):\n%s", id, p.err, tail(p.stderr.String(), 40))
			default:
			}
		}
		c = procs[0].campaign(token, id)
		if c.Status == "done" {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %d is %s after %s, counts %+v", id, c.Status, within, *c.Counts)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sigkill kills the process without a chance to clean up, and reaps it.
func (p *process) sigkill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatal("ratify did not die within 30s of SIGKILL")
	}
}

// relServe starts `ratify serve` like serve, but tries another port when the
// free one was taken in between, as can happen with tests in parallel.
func relServe(t *testing.T, vars map[string]string) *process {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		vars["RATIFY_ADDR"] = addr
		p := start(t, vars, "serve")
		p.base = "http://" + addr
		err := p.readyWithin(90 * time.Second)
		if err == nil {
			return p
		}
		if attempt < 3 && strings.Contains(p.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("ratify serve: %v:\n%s", err, tail(p.stderr.String(), 40))
	}
}

// readyWithin waits until /readyz answers 200, the process exits, or the time is up.
func (p *process) readyWithin(d time.Duration) error {
	deadline := time.Now().Add(d)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was ready (%v)", p.err)
		default:
		}
		resp, err := client.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if p.cmd.Process != nil {
				_ = p.cmd.Process.Kill()
			}
			return fmt.Errorf("not ready after %s (last: %v)", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail keeps the last lines of a log, without the request lines of the
// test's own polling.
func tail(s string, lines int) string {
	var l []string
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if !strings.Contains(line, "msg=request ") {
			l = append(l, line)
		}
	}
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// Total is every recipient row.
func (c apiCounts) Total() int64 {
	return c.Queued + c.Sending + c.Sent + c.Failed + c.Skipped + c.Cancelled
}
