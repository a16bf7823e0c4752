package bench_test

// Issue 5's measure: a campaign of 50,000 personalised messages (HTML and
// text, about 10 KB each) sent to a local SMTP sink that discards them, on
// PostgreSQL. Three figures per run, taken one after the other so they share
// the machine's noise:
//
//   - raw:       a blast of 50,000 pre-rendered, pre-encoded messages over the
//     same number of connections to the same sink (net/smtp, no database):
//     MAIL, RCPT, DATA per message and nothing else. The ratio is
//     taken against this one;
//   - transport: the same 50,000 rendered messages handed to Ratify's own
//     SMTP transport (internal/mail: its MIME encoder and go-mail's SMTP
//     client, batches of 50, no
//     database, no templates), which MIME-encodes each one as it sends it:
//     the ratio against it is the engine's own overhead (queue, templates,
//     records) without the cost of the mail library;
//   - process:   `ratify serve` as its own process (the binary is built once),
//     sending a started campaign until the campaign is done; its peak RSS
//     (VmHWM) and CPU time are read from /proc when it is done;
//   - inprocess: sender.Engine.RunOnce in the benchmark process on the same
//     store, for a second figure and for -cpuprofile.
//
// The sink is an in-process go-smtp server (no TLS) that counts and drops.
// It runs in the benchmark process, so it shares the two cores with the
// sender and PostgreSQL: the figures are for sender + sink + database.
//
// Run:
//
//	RATIFY_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./internal/bench -run '^$' -bench 'Campaign' -benchtime 1x -count 1 -timeout 60m
//
// Each run starts a new campaign to everyone (service.StartCampaign freezes
// the queue) in the same seeded schema, and checks afterwards that every row
// is sent, not ambiguous, with one outreach record, and that the sink took
// exactly one message per address.
//
// Settings: RATIFY_BENCH_CAMPAIGN_MESSAGES (default 50000),
// RATIFY_BENCH_CAMPAIGN_RUNS (default 3), RATIFY_BENCH_CAMPAIGN_CONNECTIONS
// (default "4"; a list such as "4,8"), RATIFY_BENCH_CAMPAIGN_BATCH (batch
// sizes for the in-process run, default sender.DefaultBatchSize, which the
// process uses), RATIFY_BENCH_CAMPAIGN_MODES (default "raw,rawproc,transport,process,inprocess"),
// RATIFY_BENCH_OUT (append each summary line, as JSON, to this file).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"ratify/internal/auth"
	"ratify/internal/bench"
	"ratify/internal/bench/smtpblast"
	"ratify/internal/dbtest"
	"ratify/internal/mail"
	"ratify/internal/merge"
	"ratify/internal/model"
	"ratify/internal/sender"
	"ratify/internal/service"
	"ratify/internal/store"
)

// Issue 5's bars, reported, never asserted.
const (
	campaignGoalRate  = 1000.0 // messages per second
	campaignGoalRatio = 0.7    // app / raw
	campaignGoalRSSMB = 150.0  // peak RSS of the ratify process
)

const (
	campaignSecret   = "bench-campaign-secret-0123456789-abcdefghijklmnop"
	campaignFrom     = "Coalition Campaigns <campaigns@example.org>"
	campaignFromName = "Coalition Campaigns"
	campaignFromAddr = "campaigns@example.org"
	campaignPublic   = "https://ratify.example.org"
)

// CampaignResult is one measurement: a raw blast or an application run.
type CampaignResult struct {
	Kind        string  `json:"kind"` // campaign
	Mode        string  `json:"mode"` // raw, rawproc, transport, process, inprocess
	Run         int     `json:"run"`
	Messages    int     `json:"messages"`
	Connections int     `json:"connections"`
	Batch       int     `json:"batch,omitempty"`
	Seconds     float64 `json:"seconds"`
	Rate        float64 `json:"msgs_per_s"`
	// StartSeconds is how long the start took: the audience frozen into
	// one recipient row each, in one transaction. The sending clock starts
	// when it returns, as the raw blast's starts once its messages are
	// rendered; EndToEndRatio counts the start in.
	StartSeconds   float64 `json:"start_s,omitempty"`
	EndToEndRatio  float64 `json:"end_to_end_ratio,omitempty"`
	RawRate        float64 `json:"raw_msgs_per_s,omitempty"`
	RawMode        string  `json:"raw_mode,omitempty"` // the raw blast the ratio is taken against
	Ratio          float64 `json:"ratio,omitempty"`    // app / raw
	TransportRate  float64 `json:"transport_msgs_per_s,omitempty"`
	TransportRatio float64 `json:"transport_ratio,omitempty"` // app / transport
	AvgBytes       int     `json:"avg_message_bytes"`
	PeakRSSMB      float64 `json:"peak_rss_mb,omitempty"` // VmHWM of the ratify process
	CPUSeconds     float64 `json:"cpu_s,omitempty"`       // user + system of the ratify process
	// BenchCPU is the benchmark process's own CPU time during the measure:
	// client + sink (raw, transport), sink (process), engine + sink (inprocess).
	BenchCPU float64 `json:"bench_cpu_s"`
	Load1    float64 `json:"load1"` // 1-minute load average at the end
	Time     string  `json:"time"`
}

func (r CampaignResult) line() string {
	b, _ := json.Marshal(r)
	return bench.LinePrefix + string(b)
}

// BenchmarkCampaign seeds one PostgreSQL schema and measures, for each
// connection count, RATIFY_BENCH_RUNS rounds of raw blast, process run and
// in-process run: BenchmarkCampaign/postgres/conns=N.
func BenchmarkCampaign(b *testing.B) {
	if os.Getenv(dbtest.EnvURL) == "" {
		b.Skip("the campaign benchmark needs PostgreSQL: set " + dbtest.EnvURL)
	}
	b.Run(store.Postgres, func(b *testing.B) {
		cf := setupCampaign(b, envInt("RATIFY_BENCH_CAMPAIGN_MESSAGES", 50_000))
		for _, conns := range campaignEnvInts("RATIFY_BENCH_CAMPAIGN_CONNECTIONS", []int{4}) {
			b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
				for range b.N {
					cf.measure(b, conns)
				}
			})
		}
	})
}

// campaignFixture is the seeded database, the sink, the binary and the
// pre-rendered messages of the raw baseline.
type campaignFixture struct {
	n       int
	target  store.Target
	st      *store.Store
	svc     *service.Service
	coord   service.Actor
	tmplID  int64
	sink    *campaignSink
	binary  string
	blaster string // the raw baseline as a process of its own
	rawFile string // cf.raw as the blaster reads it
	dataDir string
	raw     []campaignRawMessage
	quiet   *slog.Logger
	seq     int
}

// campaignRawMessage is one recipient's message, rendered once: encoded for
// the raw blast, and as Ratify's Message for the transport blast.
type campaignRawMessage struct {
	to   string
	data []byte
	msg  *mail.Message
}

func setupCampaign(b *testing.B, n int) *campaignFixture {
	b.Helper()
	ctx := context.Background()
	t0 := time.Now()
	cf := &campaignFixture{n: n, dataDir: b.TempDir(), quiet: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// The binary first: a build error should not wait for the seeding.
	cf.binary = filepath.Join(b.TempDir(), "ratify")
	if out, err := exec.Command("go", "build", "-o", cf.binary, "ratify/cmd/ratify").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cf.blaster = filepath.Join(b.TempDir(), "rawblast")
	if out, err := exec.Command("go", "build", "-o", cf.blaster, "ratify/internal/bench/rawblast").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}

	cf.target = dbtest.Target(b, store.Postgres)
	st, err := store.Open(ctx, cf.target)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if _, err := st.MigrateUp(ctx); err != nil {
		b.Fatal(err)
	}
	cf.st = st
	cf.sink = newCampaignSink(b)
	smtpT, err := mail.ParseSMTPURL(cf.sink.url())
	if err != nil {
		b.Fatal(err)
	}
	cf.svc = service.New(service.Deps{Store: st, Hasher: auth.NewHasher(2), Log: cf.quiet, Mail: service.MailDeps{
		Transport: smtpT, FromName: campaignFromName, FromAddr: campaignFromAddr, PublicURL: campaignPublic,
		Unsubscribe: auth.NewUnsubscribe([]byte(campaignSecret))}})

	org, err := cf.svc.CreateOrganisationSystem(ctx, model.Organisation{Name: "Bench Coalition Member", ShortName: "BENCH", Kind: model.OrgNGO})
	if err != nil {
		b.Fatal(err)
	}
	_ = org
	u, _, err := cf.svc.CreateUserCLI(ctx, service.NewUser{Email: "coordinator@bench.test", Name: "Bench Coordinator",
		Role: model.RoleCoordinator, Password: benchPassword}, "BENCH")
	if err != nil {
		b.Fatal(err)
	}
	cf.coord = service.Actor{User: u}
	if err := cf.svc.GenerateDemo(ctx, service.DemoSize{Contacts: n, Outreach: 0, Followups: 0, Seed: 5}); err != nil {
		b.Fatal(err)
	}
	db, err := st.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	// The demo marks one contact in 20 do-not-contact; the measure is n
	// messages, so everyone may be mailed. No digest may reach the sink.
	// ANALYZE names its tables: a bare ANALYZE would visit (and wait for
	// locks on) every schema in the database, other tests' included.
	for _, q := range []string{"UPDATE contacts SET do_not_contact = false, do_not_contact_reason = ''",
		"UPDATE users SET digest_enabled = false", "ANALYZE contacts, contact_emails, positions, institutions, users"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	tmpl, err := cf.svc.SaveTemplate(ctx, cf.coord, campaignTemplate())
	if err != nil {
		b.Fatal(err)
	}
	cf.tmplID = tmpl.ID
	b.Logf("seeded %d contacts in %s", n, time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	if cf.raw, err = cf.prerender(ctx, tmpl); err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, m := range cf.raw {
		total += len(m.data)
	}
	b.Logf("pre-rendered %d raw messages (%d bytes on average) in %s", len(cf.raw), total/len(cf.raw), time.Since(t0).Round(time.Millisecond))
	cf.rawFile = filepath.Join(b.TempDir(), "messages")
	f, err := os.Create(cf.rawFile)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, m := range cf.raw {
		fmt.Fprintf(w, "%s %d\n", m.to, len(m.data))
		_, _ = w.Write(m.data)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return cf
}

// measure runs the rounds for one connection count and reports medians.
func (cf *campaignFixture) measure(b *testing.B, conns int) {
	modes := strings.Split(campaignEnvStr("RATIFY_BENCH_CAMPAIGN_MODES", "raw,rawproc,transport,process,inprocess"), ",")
	batches := campaignEnvInts("RATIFY_BENCH_CAMPAIGN_BATCH", []int{sender.DefaultBatchSize})
	runs := max(envInt("RATIFY_BENCH_CAMPAIGN_RUNS", 3), 1)
	all := map[string][]CampaignResult{}
	for run := 1; run <= runs; run++ {
		var raw, rawProc, gm CampaignResult
		if slices.Contains(modes, "raw") {
			raw = cf.runRaw(b, run, conns)
			cf.report(b, raw)
			all["raw"] = append(all["raw"], raw)
		}
		if slices.Contains(modes, "rawproc") {
			rawProc = cf.runRawProcess(b, run, conns)
			if raw.Rate > 0 {
				rawProc.RawRate, rawProc.Ratio, rawProc.RawMode = raw.Rate, campaignRound2(rawProc.Rate/raw.Rate), "raw"
			}
			cf.report(b, rawProc)
			all["rawproc"] = append(all["rawproc"], rawProc)
		}
		if slices.Contains(modes, "transport") {
			gm = cf.runTransport(b, run, conns)
			if raw.Rate > 0 {
				gm.RawRate, gm.Ratio, gm.RawMode = raw.Rate, campaignRound2(gm.Rate/raw.Rate), "raw"
			}
			cf.report(b, gm)
			all["transport"] = append(all["transport"], gm)
		}
		// Each application mode is held to the raw blast run the same way:
		// the ratify process to the blaster process, the engine in this
		// process to the blast in this process.
		withRaw := func(r CampaignResult) CampaignResult {
			base := raw
			if r.Mode == "process" && rawProc.Rate > 0 {
				base = rawProc
			}
			if base.Rate > 0 {
				r.RawRate, r.RawMode = base.Rate, base.Mode
				r.Ratio = campaignRound2(r.Rate / base.Rate)
				if r.StartSeconds > 0 {
					r.EndToEndRatio = campaignRound2(float64(r.Messages) / (r.Seconds + r.StartSeconds) / base.Rate)
				}
			}
			if gm.Rate > 0 {
				r.TransportRate = gm.Rate
				r.TransportRatio = campaignRound2(r.Rate / gm.Rate)
			}
			return r
		}
		if slices.Contains(modes, "process") {
			r := withRaw(cf.runProcess(b, run, conns))
			cf.report(b, r)
			all["process"] = append(all["process"], r)
		}
		if slices.Contains(modes, "inprocess") {
			for _, bs := range batches {
				r := withRaw(cf.runInProcess(b, run, conns, bs))
				cf.report(b, r)
				key := fmt.Sprintf("inprocess batch=%d", bs)
				all[key] = append(all[key], r)
			}
		}
	}
	b.ReportMetric(0, "ns/op")
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rs := all[k]
		rate := campaignMedian(rs, func(r CampaignResult) float64 { return r.Rate })
		line := fmt.Sprintf("median of %d: %-20s conns=%d %8.0f msgs/s", len(rs), k, conns, rate)
		metric := strings.ReplaceAll(strings.ReplaceAll(k, " ", "-"), "=", "")
		b.ReportMetric(rate, metric+"-msgs/s")
		if k != "raw" && rs[0].RawRate > 0 {
			line += "  vs " + rs[0].RawMode
			ratio := campaignMedian(rs, func(r CampaignResult) float64 { return r.Ratio })
			line += fmt.Sprintf("  ratio %.2f", ratio)
			if k != "transport" && k != "rawproc" {
				line += fmt.Sprintf(" (goal ≥ %.1f: %s)", campaignGoalRatio, campaignYes(ratio >= campaignGoalRatio))
			}
			b.ReportMetric(ratio, metric+"-ratio")
			if rs[0].EndToEndRatio > 0 {
				start := campaignMedian(rs, func(r CampaignResult) float64 { return r.StartSeconds })
				e2e := campaignMedian(rs, func(r CampaignResult) float64 { return r.EndToEndRatio })
				line += fmt.Sprintf("  start %.2f s, ratio with the start %.2f", start, e2e)
				b.ReportMetric(e2e, metric+"-end-to-end-ratio")
			}
		}
		if rs[0].TransportRate > 0 {
			ratio := campaignMedian(rs, func(r CampaignResult) float64 { return r.TransportRatio })
			line += fmt.Sprintf("  ratio to transport %.2f", ratio)
			b.ReportMetric(ratio, metric+"-transport-ratio")
		}
		if k != "raw" && k != "rawproc" && k != "transport" {
			line += fmt.Sprintf("  ≥ %.0f msgs/s: %s", campaignGoalRate, campaignYes(rate >= campaignGoalRate))
		}
		if k == "process" {
			rss := campaignMedian(rs, func(r CampaignResult) float64 { return r.PeakRSSMB })
			cpu := campaignMedian(rs, func(r CampaignResult) float64 { return r.CPUSeconds })
			line += fmt.Sprintf("  peak RSS %.1f MB (≤ %.0f: %s)  CPU %.1f s", rss, campaignGoalRSSMB, campaignYes(rss <= campaignGoalRSSMB), cpu)
			b.ReportMetric(rss, "process-peak-rss-MB")
			b.ReportMetric(cpu, "process-cpu-s")
		}
		b.Log(line)
	}
}

func (cf *campaignFixture) report(b *testing.B, r CampaignResult) {
	b.Helper()
	r.Kind, r.Time, r.Load1 = "campaign", time.Now().UTC().Format(time.RFC3339), campaignLoad1()
	// Printed, not logged: the testing package keeps only the first lines of
	// a benchmark's log, and the medians are logged at the end.
	fmt.Println(r.line())
	if out := os.Getenv("RATIFY_BENCH_OUT"); out != "" {
		fh, err := os.OpenFile(out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			b.Fatal(err)
		}
		_, err = fmt.Fprintln(fh, strings.TrimPrefix(r.line(), bench.LinePrefix))
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// startCampaign saves and starts a campaign to everyone, so the queue is the
// real one: n rows frozen by service.StartCampaign.
func (cf *campaignFixture) startCampaign(b *testing.B, conns int) (int64, time.Duration) {
	b.Helper()
	id := cf.draftCampaign(b, conns)
	_, took := cf.start(b, id)
	return id, took
}

// vacuum does, before a run, what autovacuum does in an installation
// after a campaign: the tables a run updates and adds to are vacuumed and
// their statistics read, so that each run starts from the same state
// rather than from the dead rows of the runs before it (the test machines
// run PostgreSQL with autovacuum off). It is not timed.
func (cf *campaignFixture) vacuum(b *testing.B) {
	b.Helper()
	db, err := cf.st.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`VACUUM (ANALYZE) campaign_recipients, outreach, outreach_contacts, outreach_month_counts, contacts, campaigns`); err != nil {
		b.Fatal(err)
	}
}

// draftCampaign makes a campaign to everyone, not started.
func (cf *campaignFixture) draftCampaign(b *testing.B, conns int) int64 {
	b.Helper()
	cf.seq++
	c, err := cf.svc.SaveCampaign(context.Background(), cf.coord, 0, service.CampaignInput{Name: fmt.Sprintf("Bench campaign %d", cf.seq),
		TemplateID: cf.tmplID, FallbackLanguage: "en", Connections: conns})
	if err != nil {
		b.Fatal(err)
	}
	return c.ID
}

// start starts a draft as a coordinator would (service.StartCampaign
// freezes the queue) and checks that everyone is queued. It returns when
// the start returned and how long it took.
func (cf *campaignFixture) start(b *testing.B, id int64) (started time.Time, took time.Duration) {
	b.Helper()
	ctx := context.Background()
	cf.vacuum(b)
	cf.sink.reset()
	t0 := time.Now()
	if _, err := cf.svc.StartCampaign(ctx, cf.coord, id, nil); err != nil {
		b.Fatal(err)
	}
	started = time.Now()
	counts, err := cf.st.CampaignCounts(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if counts.Queued+counts.Sending+counts.Sent != int64(cf.n) {
		b.Fatalf("campaign %d queued %d rows, want %d (skipped %d)", id, counts.Queued+counts.Sending+counts.Sent, cf.n, counts.Skipped)
	}
	return started, started.Sub(t0)
}

// verify checks that every row was sent once, with an outreach record each,
// and that the sink took in exactly those messages.
func (cf *campaignFixture) verify(b *testing.B, id int64) {
	b.Helper()
	ctx := context.Background()
	counts, err := cf.st.CampaignCounts(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	c, err := cf.st.GetCampaign(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	db, err := cf.st.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	var outreach int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM outreach WHERE campaign_id = $1", id).Scan(&outreach); err != nil {
		b.Fatal(err)
	}
	msgs, distinct, _ := cf.sink.counts()
	if c.Status != model.CampaignDone || counts.Sent != int64(cf.n) || counts.Ambiguous != 0 || outreach != cf.n || msgs != cf.n || distinct != cf.n {
		b.Fatalf("campaign %d: status %s, %+v, %d outreach records; the sink took %d messages for %d addresses; want %d of each",
			id, c.Status, counts, outreach, msgs, distinct, cf.n)
	}
}

// runProcess starts `ratify serve` over the database with a started
// campaign, waits until the campaign is done, and reads the process's peak
// RSS and CPU time before stopping it.
func (cf *campaignFixture) runProcess(b *testing.B, run, conns int) CampaignResult {
	b.Helper()
	id := cf.draftCampaign(b, conns)
	db, err := cf.st.SQLDB()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(cf.binary, "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"RATIFY_ADDR=" + addr,
		"RATIFY_DATA_DIR=" + cf.dataDir,
		"RATIFY_DATABASE_URL=" + dbtest.URL(cf.target),
		"RATIFY_SECRET=" + campaignSecret,
		"RATIFY_BASE_URL=" + campaignPublic,
		"RATIFY_SMTP_URL=" + cf.sink.url(),
		"RATIFY_SMTP_CONNECTIONS=" + strconv.Itoa(conns),
		"RATIFY_SEND_LEASE=2m",
		"RATIFY_MAIL_FROM=" + campaignFrom,
		"RATIFY_LOG_LEVEL=warn",
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	// The clock starts once the start has returned in a running server:
	// the audience is frozen (timed apart, as StartSeconds) and the
	// campaign is sending, as the raw blast's clock starts once its
	// messages are rendered. The server's start-up is not sending either.
	// The clock includes the wait for the engine's next look for campaigns
	// (up to a quarter of a second).
	if err := campaignReady(addr, exited); err != nil {
		stop()
		b.Fatalf("ratify serve: %v\n%s", err, stderr.String())
	}
	runtime.GC() // as in runRawProcess, before the engine may begin
	t0, took := cf.start(b, id)
	cpu0 := campaignSelfCPU()
	deadline := time.Now().Add(30 * time.Minute)
	var elapsed time.Duration
	for {
		var status string
		if err := db.QueryRow("SELECT status FROM campaigns WHERE id = $1", id).Scan(&status); err != nil {
			stop()
			b.Fatal(err)
		}
		if status == string(model.CampaignDone) {
			elapsed = time.Since(t0)
			cpu0 = campaignSelfCPU() - cpu0
			break
		}
		select {
		case err := <-exited:
			b.Fatalf("ratify serve exited before the campaign was done: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatalf("campaign %d not done after 30 minutes", id)
		}
	}
	hwm, cpu, err := campaignProcStats(cmd.Process.Pid)
	stop()
	if err != nil {
		b.Fatal(err)
	}
	if s := stderr.String(); strings.Contains(s, "level=ERROR") {
		b.Logf("ratify serve logged errors:\n%s", s)
	}
	cf.verify(b, id)
	_, _, bytesIn := cf.sink.counts()
	return CampaignResult{Mode: "process", Run: run, Messages: cf.n, Connections: conns, Batch: sender.DefaultBatchSize,
		Seconds: campaignRound2(elapsed.Seconds()), StartSeconds: campaignRound2(took.Seconds()), Rate: campaignRound1(float64(cf.n) / elapsed.Seconds()), AvgBytes: int(bytesIn / int64(cf.n)),
		PeakRSSMB: campaignRound1(float64(hwm) / 1024), CPUSeconds: campaignRound2(cpu), BenchCPU: campaignRound2(cpu0)}
}

// campaignReady waits until the server answers /readyz.
func campaignReady(addr string, exited <-chan error) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited before it was ready: %v", err)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("not ready after a minute")
}

// runInProcess sends a started campaign with the engine in this process.
func (cf *campaignFixture) runInProcess(b *testing.B, run, conns, batch int) CampaignResult {
	b.Helper()
	id, took := cf.startCampaign(b, conns)
	smtpT, err := mail.ParseSMTPURL(cf.sink.url())
	if err != nil {
		b.Fatal(err)
	}
	e := sender.New(cf.st, sender.Options{Transport: smtpT, FromName: campaignFromName, FromAddr: campaignFromAddr,
		PublicURL: campaignPublic, Unsubscribe: auth.NewUnsubscribe([]byte(campaignSecret)),
		Connections: conns, Rate: 0, BatchSize: batch, Log: cf.quiet})
	runtime.GC()
	cpu0 := campaignSelfCPU()
	t0 := time.Now()
	if err := e.RunOnce(context.Background()); err != nil {
		b.Fatal(err)
	}
	elapsed, cpu := time.Since(t0), campaignSelfCPU()-cpu0
	cf.verify(b, id)
	_, _, bytesIn := cf.sink.counts()
	return CampaignResult{Mode: "inprocess", Run: run, Messages: cf.n, Connections: conns, Batch: batch,
		Seconds: campaignRound2(elapsed.Seconds()), StartSeconds: campaignRound2(took.Seconds()), Rate: campaignRound1(float64(cf.n) / elapsed.Seconds()), AvgBytes: int(bytesIn / int64(cf.n)),
		BenchCPU: campaignRound2(cpu)}
}

// runRaw blasts the pre-rendered messages over conns connections with
// net/smtp: MAIL, RCPT, DATA per message, nothing else.
func (cf *campaignFixture) runRaw(b *testing.B, run, conns int) CampaignResult {
	b.Helper()
	cf.sink.reset()
	runtime.GC()
	blast := make([]smtpblast.Message, len(cf.raw))
	for i, m := range cf.raw {
		blast[i] = smtpblast.Message{To: m.to, Data: m.data}
	}
	cpu0 := campaignSelfCPU()
	t0 := time.Now()
	err := smtpblast.Blast(blast, cf.sink.addr, campaignFromAddr, conns)
	elapsed, cpu := time.Since(t0), campaignSelfCPU()-cpu0
	if err != nil {
		b.Fatalf("raw blast: %v", err)
	}
	msgs, distinct, bytesIn := cf.sink.counts()
	if msgs != len(cf.raw) || distinct != len(cf.raw) {
		b.Fatalf("raw blast: the sink took %d messages for %d addresses, want %d", msgs, distinct, len(cf.raw))
	}
	return CampaignResult{Mode: "raw", Run: run, Messages: msgs, Connections: conns, Seconds: campaignRound2(elapsed.Seconds()),
		Rate: campaignRound1(float64(msgs) / elapsed.Seconds()), AvgBytes: int(bytesIn / int64(msgs)), BenchCPU: campaignRound2(cpu)}
}

// runRawProcess runs the raw blast as a process of its own (rawblast), as
// Ratify runs: the pairing for the process mode. The blaster times itself
// from its first connection, after it has read the messages.
func (cf *campaignFixture) runRawProcess(b *testing.B, run, conns int) CampaignResult {
	b.Helper()
	cf.sink.reset()
	// The pre-rendered messages make this process's heap large; a
	// collection of it in the middle of a measure would slow the sink.
	runtime.GC()
	cpu0 := campaignSelfCPU()
	cmd := exec.Command(cf.blaster, "-file", cf.rawFile, "-addr", cf.sink.addr, "-conns", strconv.Itoa(conns), "-from", campaignFromAddr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("rawblast: %v\n%s", err, stderr.String())
	}
	var res struct {
		Messages int     `json:"messages"`
		Seconds  float64 `json:"seconds"`
		CPU      float64 `json:"cpu_s"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		b.Fatalf("rawblast said %q: %v", out, err)
	}
	msgs, distinct, bytesIn := cf.sink.counts()
	if res.Messages != len(cf.raw) || msgs != len(cf.raw) || distinct != len(cf.raw) {
		b.Fatalf("raw blast (process): sent %d, the sink took %d messages for %d addresses, want %d", res.Messages, msgs, distinct, len(cf.raw))
	}
	return CampaignResult{Mode: "rawproc", Run: run, Messages: msgs, Connections: conns, Seconds: campaignRound2(res.Seconds),
		Rate: campaignRound1(float64(msgs) / res.Seconds), AvgBytes: int(bytesIn / int64(msgs)), CPUSeconds: campaignRound2(res.CPU),
		BenchCPU: campaignRound2(campaignSelfCPU() - cpu0)}
}

// runTransport hands the rendered messages to Ratify's SMTP transport over
// conns connections, in batches of 50 as the engine does, without a database.
func (cf *campaignFixture) runTransport(b *testing.B, run, conns int) CampaignResult {
	b.Helper()
	tr, err := mail.ParseSMTPURL(cf.sink.url())
	if err != nil {
		b.Fatal(err)
	}
	cf.sink.reset()
	runtime.GC()
	const batch = 50
	var next atomic.Int64
	errs := make([]error, conns)
	var wg sync.WaitGroup
	cpu0 := campaignSelfCPU()
	t0 := time.Now()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = func() error {
				ctx := context.Background()
				c, err := tr.Open(ctx)
				if err != nil {
					return err
				}
				defer c.Close()
				msgs := make([]*mail.Message, 0, batch)
				for {
					i := int(next.Add(batch)) - batch
					if i >= len(cf.raw) {
						return nil
					}
					msgs = msgs[:0]
					for _, m := range cf.raw[i:min(i+batch, len(cf.raw))] {
						msgs = append(msgs, m.msg)
					}
					for k, res := range c.Send(ctx, msgs) {
						if res.Outcome != mail.Sent {
							return fmt.Errorf("%s: %s %s", msgs[k].ToAddr, res.Outcome, res.Reply)
						}
					}
				}
			}()
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(t0), campaignSelfCPU()-cpu0
	for _, err := range errs {
		if err != nil {
			b.Fatalf("transport blast: %v", err)
		}
	}
	msgs, distinct, bytesIn := cf.sink.counts()
	if msgs != len(cf.raw) || distinct != len(cf.raw) {
		b.Fatalf("transport blast: the sink took %d messages for %d addresses, want %d", msgs, distinct, len(cf.raw))
	}
	return CampaignResult{Mode: "transport", Run: run, Messages: msgs, Connections: conns, Batch: batch, Seconds: campaignRound2(elapsed.Seconds()),
		Rate: campaignRound1(float64(msgs) / elapsed.Seconds()), AvgBytes: int(bytesIn / int64(msgs)), BenchCPU: campaignRound2(cpu)}
}

// prerender renders every mailable contact's message once, as the engine
// would (same template, merge data, headers and MIME encoding), into the
// bytes the raw blast sends.
func (cf *campaignFixture) prerender(ctx context.Context, tmpl *model.EmailTemplate) ([]campaignRawMessage, error) {
	insts, err := cf.st.ListInstruments(ctx)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, in := range insts {
		codes = append(codes, in.Code)
	}
	ts := map[string]*merge.Template{}
	for _, v := range tmpl.Variants {
		t, errs := merge.Parse(v.Subject, v.HTML, v.Text, codes)
		if errs != nil {
			return nil, fmt.Errorf("variant %s: %v", v.Language, errs)
		}
		ts[v.Language] = t
	}
	countries, err := cf.st.ListCountries(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, c := range countries {
		names[c.ISO3] = c.Name
	}
	all, err := cf.st.AllRatifications(ctx)
	if err != nil {
		return nil, err
	}
	rats := map[string]map[string]*model.Ratification{}
	for i := range all {
		x := &all[i]
		if rats[x.CountryISO3] == nil {
			rats[x.CountryISO3] = map[string]*model.Ratification{}
		}
		rats[x.CountryISO3][x.InstrumentCode] = x
	}
	db, err := cf.st.SQLDB()
	if err != nil {
		return nil, err
	}
	// The address the campaign uses (each contact's first email), and what
	// picks the language variant.
	type who struct{ email, preferred, languages string }
	whos := map[int64]who{}
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT ON (e.contact_id) e.contact_id, e.email, c.preferred_language, c.languages
		FROM contact_emails e JOIN contacts c ON c.id = e.contact_id ORDER BY e.contact_id, e.position, e.id`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var w who
		if err := rows.Scan(&id, &w.email, &w.preferred, &w.languages); err != nil {
			rows.Close()
			return nil, err
		}
		w.email = strings.ToLower(w.email)
		ids, whos[id] = append(ids, id), w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	unsub := auth.NewUnsubscribe([]byte(campaignSecret))
	sndr := merge.Sender{Name: campaignFromName, Organisation: "Bench Coalition Member"}
	langs := tmpl.Languages()
	out := make([]campaignRawMessage, 0, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		cs, err := cf.st.ContactsForMerge(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, id := range chunk {
			c, w := cs[id], whos[id]
			if c == nil {
				continue
			}
			email := w.email
			c.PreferredLanguage, c.Languages = w.preferred, w.languages
			lang := service.RouteLanguage(c, langs, "en")
			country := ""
			var r map[string]*model.Ratification
			if c.CountryISO3 != nil {
				country, r = names[*c.CountryISO3], rats[*c.CountryISO3]
			}
			u := campaignPublic + "/u/" + unsub.Sign(int64(len(out)+1), email)
			rd, err := ts[lang].Render(merge.NewData(c, country, r, codes, sndr, u))
			if err != nil {
				return nil, err
			}
			m := &mail.Message{FromName: campaignFromName, FromAddr: campaignFromAddr, ToName: c.FullName(), ToAddr: email, Subject: rd.Subject,
				HTML: rd.HTML, Text: rd.Text, MessageID: fmt.Sprintf("%024x@ratify.example.org", len(out)+1), ListUnsubscribe: u}
			// The transport blast encodes its own copy as it sends.
			raw := *m
			if err := raw.Encode(time.Now()); err != nil {
				return nil, err
			}
			out = append(out, campaignRawMessage{to: email, data: raw.Bytes(), msg: m})
		}
	}
	if len(out) != cf.n {
		return nil, fmt.Errorf("pre-rendered %d messages, want %d", len(out), cf.n)
	}
	return out, nil
}

// campaignSink is an SMTP server that reads every message to the end and
// drops it, counting messages, bytes and distinct recipients.
type campaignSink struct {
	srv  *gosmtp.Server
	addr string

	msgs  atomic.Int64
	bytes atomic.Int64
	mu    sync.Mutex
	rcpts map[string]struct{}
}

func newCampaignSink(b *testing.B) *campaignSink {
	b.Helper()
	s := &campaignSink{rcpts: map[string]struct{}{}}
	s.srv = gosmtp.NewServer(s)
	s.srv.Domain = "sink.bench"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 4 << 20
	s.srv.MaxRecipients = 10
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	b.Cleanup(func() { _ = s.srv.Close() })
	return s
}

func (s *campaignSink) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *campaignSink) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs.Store(0)
	s.bytes.Store(0)
	s.rcpts = map[string]struct{}{}
}

func (s *campaignSink) counts() (msgs, distinct int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.msgs.Load()), len(s.rcpts), s.bytes.Load()
}

// NewSession implements gosmtp.Backend.
func (s *campaignSink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &campaignSinkSession{sink: s}, nil
}

type campaignSinkSession struct {
	sink *campaignSink
	rcpt []string
}

func (ss *campaignSinkSession) Reset()                                 { ss.rcpt = ss.rcpt[:0] }
func (ss *campaignSinkSession) Logout() error                          { return nil }
func (ss *campaignSinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (ss *campaignSinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, strings.ToLower(to))
	return nil
}

func (ss *campaignSinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	for _, a := range ss.rcpt {
		s.rcpts[a] = struct{}{}
	}
	s.mu.Unlock()
	s.msgs.Add(1)
	s.bytes.Add(n)
	return nil
}

// campaignProcStats reads a process's peak resident set (VmHWM, kB) and its CPU time
// (user + system, seconds) from /proc.
func campaignProcStats(pid int) (hwmKB int64, cpu float64, err error) {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			hwmKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name (which may hold spaces) start at state (3).
	rest := string(raw[bytes.LastIndexByte(raw, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 || hwmKB == 0 {
		return 0, 0, fmt.Errorf("unreadable /proc/%d", pid)
	}
	utime, _ := strconv.ParseFloat(f[11], 64) // field 14
	stime, _ := strconv.ParseFloat(f[12], 64) // field 15
	return hwmKB, (utime + stime) / 100, nil  // USER_HZ is 100 on Linux
}

// campaignSelfCPU is this process's CPU time so far (user + system), in seconds.
func campaignSelfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func campaignLoad1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func campaignMedian(rs []CampaignResult, f func(CampaignResult) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func campaignEnvStr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

func campaignEnvInts(name string, def []int) []int {
	var out []int
	for _, s := range strings.Split(os.Getenv(name), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}

func campaignRound1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
func campaignRound2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func campaignYes(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// campaignTemplate is an advocacy letter in English, French and Spanish with
// the merge fields a real one uses; each rendered message is about 10 KB
// once MIME-encoded (HTML and text alternatives).
func campaignTemplate() model.EmailTemplate {
	type words struct {
		lang, subject, dear, intro, status, none, ratified, year, closing, unsub string
		paras                                                                    []string
	}
	ws := []words{
		{"en", "{{.Country.Name}} and the Migrant Workers Convention: a request to {{.Contact.FullName}}", "Dear",
			"We write to you on behalf of the coalition about the protection of migrant workers and members of their families in",
			"Where things stand", "not yet ratified", "status", "since", "With our respectful regards,", "Unsubscribe from these emails",
			[]string{
				"Migrant workers sustain the economies of countries of origin and of destination alike, yet they remain among the least protected workers in the world. The International Convention on the Protection of the Rights of All Migrant Workers and Members of Their Families sets out minimum standards that every state can meet, whatever its migration profile.",
				"Ratification does not create new categories of migrants, nor does it limit a state's sovereign right to decide who may enter its territory. It commits the state to respect the human rights that migrant workers already hold, and to cooperate with other states so that recruitment, travel, work and return happen in safety and dignity.",
				"ILO Conventions No. 97 and No. 143 complement the Convention with concrete labour standards: equal treatment in pay and social security, information for migrants before they leave, and measures against clandestine movements and abusive employment. Together they form a coherent framework that labour ministries can apply step by step.",
				"The coalition's members work with parliaments, ministries and permanent missions in every region. We can share model ratification bills, the legal analysis of compatibility with national law, and the experience of states that ratified recently, including how they prepared their first report to the treaty body.",
				"We would welcome the opportunity to brief you or your staff before the next parliamentary session, at a time that suits you, in person or by video call. A short meeting of thirty minutes is usually enough to go through the main questions and to agree on the documents that would help most.",
				"Several states in your region have ratified in the last decade and report that the reporting cycle was manageable: one report two years after entry into force, then one every five years, with technical assistance from the Office of the High Commissioner and the ILO available on request.",
				"The next session of the Committee on Migrant Workers is an occasion to show progress: a declaration of intent, a bill tabled in parliament or an inter-ministerial working group would each be welcomed, and the coalition would be glad to highlight them in its public briefing.",
				"The coalition publishes a short country profile for each state every year. We attach the link to yours below, and we would be grateful for any correction or update that your office can share before the next edition is printed.",
				"Thank you for your attention to this request and for the work you already do for the rights of workers and their families.",
			}},
		{"fr", "{{.Country.Name}} et la Convention sur les travailleurs migrants : une demande à {{.Contact.FullName}}", "Madame, Monsieur,",
			"Nous vous écrivons au nom de la coalition au sujet de la protection des travailleurs migrants et des membres de leur famille en",
			"Où en sommes-nous", "pas encore ratifiée", "statut", "depuis", "Avec nos salutations respectueuses,", "Se désabonner de ces messages",
			[]string{
				"Les travailleurs migrants font vivre les économies des pays d'origine comme des pays de destination, et pourtant ils restent parmi les travailleurs les moins protégés au monde. La Convention internationale sur la protection des droits de tous les travailleurs migrants et des membres de leur famille fixe des normes minimales que chaque État peut atteindre.",
				"La ratification ne crée pas de nouvelles catégories de migrants et ne limite pas le droit souverain de l'État de décider qui entre sur son territoire. Elle l'engage à respecter les droits humains que les travailleurs migrants possèdent déjà, et à coopérer avec les autres États pour que recrutement, voyage, travail et retour se fassent dans la sécurité.",
				"Les conventions de l'OIT n° 97 et n° 143 complètent la Convention par des normes de travail concrètes : égalité de traitement en matière de salaire et de sécurité sociale, information des migrants avant le départ, mesures contre les migrations clandestines et l'emploi abusif.",
				"Les membres de la coalition travaillent avec les parlements, les ministères et les missions permanentes de toutes les régions. Nous pouvons partager des projets de loi de ratification, l'analyse juridique de compatibilité avec le droit national et l'expérience des États qui ont ratifié récemment.",
				"Nous serions heureux de vous présenter ces éléments, à vous ou à votre équipe, avant la prochaine session parlementaire, au moment qui vous conviendra, en personne ou par visioconférence. Une courte réunion de trente minutes suffit en général.",
				"Plusieurs États de votre région ont ratifié au cours de la dernière décennie et indiquent que le cycle de rapports reste gérable : un rapport deux ans après l'entrée en vigueur, puis un tous les cinq ans, avec l'appui technique du Haut-Commissariat et de l'OIT sur demande.",
				"La prochaine session du Comité des travailleurs migrants est l'occasion de montrer des progrès : une déclaration d'intention, un projet de loi déposé au parlement ou un groupe de travail interministériel seraient salués, et la coalition serait heureuse de les mettre en avant.",
				"La coalition publie chaque année un bref profil de chaque État. Vous trouverez ci-dessous le lien vers le vôtre, et nous vous serions reconnaissants de toute correction ou mise à jour que votre cabinet pourrait nous transmettre.",
				"Nous vous remercions de l'attention portée à cette demande et de votre action en faveur des droits des travailleurs et de leur famille.",
			}},
		{"es", "{{.Country.Name}} y la Convención sobre los trabajadores migratorios: una solicitud a {{.Contact.FullName}}", "Estimado/a",
			"Le escribimos en nombre de la coalición sobre la protección de los trabajadores migratorios y de sus familiares en",
			"Situación actual", "aún no ratificada", "estado", "desde", "Con nuestros respetuosos saludos,", "Darse de baja de estos correos",
			[]string{
				"Los trabajadores migratorios sostienen las economías de los países de origen y de destino, y sin embargo siguen estando entre los trabajadores menos protegidos del mundo. La Convención internacional sobre la protección de los derechos de todos los trabajadores migratorios y de sus familiares establece normas mínimas que todo Estado puede cumplir.",
				"La ratificación no crea nuevas categorías de migrantes ni limita el derecho soberano del Estado a decidir quién entra en su territorio. Lo compromete a respetar los derechos humanos que los trabajadores migratorios ya tienen y a cooperar con otros Estados para que la contratación, el viaje, el trabajo y el retorno sean seguros.",
				"Los Convenios núm. 97 y núm. 143 de la OIT completan la Convención con normas laborales concretas: igualdad de trato en salario y seguridad social, información a los migrantes antes de partir y medidas contra las migraciones clandestinas y el empleo abusivo.",
				"Los miembros de la coalición trabajan con parlamentos, ministerios y misiones permanentes en todas las regiones. Podemos compartir proyectos de ley de ratificación, el análisis jurídico de compatibilidad con el derecho nacional y la experiencia de los Estados que ratificaron recientemente.",
				"Nos gustaría tener la oportunidad de informarle a usted o a su equipo antes del próximo período de sesiones, en el momento que le convenga, en persona o por videoconferencia. Una reunión breve de treinta minutos suele bastar.",
				"Varios Estados de su región ratificaron en la última década e indican que el ciclo de informes es manejable: un informe dos años después de la entrada en vigor y luego uno cada cinco años, con asistencia técnica de la Oficina del Alto Comisionado y de la OIT si se solicita.",
				"El próximo período de sesiones del Comité de Trabajadores Migratorios es una ocasión para mostrar avances: una declaración de intención, un proyecto de ley presentado al parlamento o un grupo de trabajo interministerial serían bien recibidos, y la coalición los destacaría con gusto.",
				"La coalición publica cada año un breve perfil de cada Estado. Encontrará a continuación el enlace al suyo, y le agradeceríamos cualquier corrección o actualización que su oficina pueda enviarnos antes de la próxima edición.",
				"Le agradecemos la atención prestada a esta solicitud y su trabajo por los derechos de los trabajadores y sus familias.",
			}},
	}
	t := model.EmailTemplate{Name: "Issue 5 benchmark letter"}
	for _, w := range ws {
		var h, x strings.Builder
		h.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ratify</title></head>` + "\n")
		h.WriteString(`<body style="margin:0;padding:0;background:#f4f4f2;font-family:Georgia,serif;color:#222">` + "\n")
		h.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">` + "\n")
		h.WriteString(`<table role="presentation" width="640" cellpadding="24" cellspacing="0" style="background:#ffffff;border:1px solid #ddd">` + "\n")
		fmt.Fprintf(&h, "<tr><td><p style=\"font-size:16px\">%s {{.Contact.FullName}},</p>\n", w.dear)
		fmt.Fprintf(&h, "<p style=\"font-size:16px;line-height:1.5\">%s <strong>{{.Country.Name}}</strong>.</p>\n", w.intro)
		fmt.Fprintf(&h, "<h2 style=\"font-size:18px;color:#0b4f6c\">%s</h2>\n<table cellpadding=\"6\" style=\"border-collapse:collapse\">\n", w.status)
		fmt.Fprintf(&x, "%s {{.Contact.FullName}},\n\n%s {{.Country.Name}}.\n\n%s\n", w.dear, w.intro, w.status)
		for _, code := range []string{"ICRMW", "C097", "C143"} {
			fmt.Fprintf(&h, `<tr><td style="border-bottom:1px solid #eee">%s</td><td style="border-bottom:1px solid #eee">{{if eq .Country.Instruments.%s.Status "none"}}%s{{else}}%s: {{.Country.Instruments.%s.Status}}{{if .Country.Instruments.%s.Year}} (%s {{.Country.Instruments.%s.Year}}){{end}}{{end}}</td></tr>`+"\n",
				code, code, w.none, w.ratified, code, code, w.year, code)
			fmt.Fprintf(&x, "- %s: {{.Country.Instruments.%s.Status}}{{if .Country.Instruments.%s.Year}} (%s {{.Country.Instruments.%s.Year}}){{end}}\n",
				code, code, code, w.year, code)
		}
		h.WriteString("</table>\n")
		x.WriteString("\n")
		for i, p := range w.paras {
			fmt.Fprintf(&h, "<p style=\"font-size:16px;line-height:1.5\">%s</p>\n", p)
			x.WriteString(p + "\n\n")
			if i == 2 {
				// The letter repeats its key ask for {{.Country.Name}}, as such letters do.
				fmt.Fprintf(&h, "<blockquote style=\"border-left:4px solid #0b4f6c;margin:0;padding:8px 16px;color:#444\">{{.Country.Name}} — ICRMW: {{.Country.Instruments.ICRMW.Status}}. %s</blockquote>\n", w.paras[0])
				fmt.Fprintf(&x, "> {{.Country.Name}} — ICRMW: {{.Country.Instruments.ICRMW.Status}}. %s\n\n", w.paras[0])
			}
		}
		fmt.Fprintf(&h, "<p style=\"font-size:16px\">%s<br>{{.Sender.Name}}<br>{{.Sender.Organisation}}</p>\n", w.closing)
		fmt.Fprintf(&h, "<p style=\"font-size:12px;color:#777\"><a href=\"{{.UnsubscribeURL}}\" style=\"color:#777\">%s</a></p>\n", w.unsub)
		h.WriteString("</td></tr></table>\n</td></tr></table>\n</body></html>\n")
		fmt.Fprintf(&x, "%s\n{{.Sender.Name}}\n{{.Sender.Organisation}}\n\n%s: {{.UnsubscribeURL}}\n", w.closing, w.unsub)
		t.Variants = append(t.Variants, model.TemplateVariant{Language: w.lang, Subject: w.subject, HTML: h.String(), Text: x.String()})
	}
	return t
}
