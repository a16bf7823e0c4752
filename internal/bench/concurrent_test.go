package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"ratify/internal/bench"
	"ratify/internal/store"
)

// Load measures a target under concurrent clients, each sending its next
// request as soon as the last is answered (a closed loop, no think time), or
// after a pause of about Think (a person typing into a search box).
// The baseline is a bare net/http handler (no Gin, no authentication, no
// service, no GORM) on its own loopback server that runs the same SQL the
// store runs on the same pool and writes JSON. The two are measured in
// alternating blocks (application, bare, application, …) so both see the
// same neighbours.
type Load struct {
	Clients  int // concurrent clients (RATIFY_BENCH_CLIENTS)
	Requests int // measured requests in each series (RATIFY_BENCH_REQUESTS)
	Warmup   int // requests sent to each side before measuring
	Block    int // requests per block
	// Paths are requested in turn; the bare server gets the same paths.
	Paths func(tb testing.TB, f *Fixture) []string
	Bare  func(f *Fixture) http.Handler
	// Same checks that one answer of each side says the same (the totals).
	Same      func(app, bare []byte) error
	BudgetP99 time.Duration
	MaxRatio  float64 // app p99 / bare p99
	// Think is each client's mean pause after an answer before its next
	// request (drawn between 0.5 and 1.5 times it).
	Think time.Duration
}

func measureLoad(b *testing.B, f *Fixture, ds Dataset, tg Target) {
	ctx := context.Background()
	ld := tg.Load
	clients, requests := envInt("RATIFY_BENCH_CLIENTS", ld.Clients), envInt("RATIFY_BENCH_REQUESTS", ld.Requests)
	clients, requests = max(clients, 1), max(requests, 1)
	block := min(ld.Block, requests)
	paths := ld.Paths(b, f)
	bare := httptest.NewServer(ld.Bare(f))
	defer bare.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	send := func(base string, app bool, path string, buf *bytes.Buffer) (int, error) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			return 0, err
		}
		if app {
			req.Header.Set("Authorization", "Bearer "+f.Token)
		}
		req.Header.Set("Accept", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		buf.Reset()
		_, err = buf.ReadFrom(res.Body)
		return res.StatusCode, err
	}

	// Functional check of every path, outside the timing.
	var ab, bb bytes.Buffer
	for _, p := range paths {
		if st, err := send(f.URL, true, p, &ab); err != nil || st != http.StatusOK {
			b.Fatalf("GET %s: status %d, %v: %.300s", p, st, err, ab.String())
		}
		if tg.Check != nil {
			if err := tg.Check(f, ab.Bytes()); err != nil {
				b.Fatalf("GET %s: %v", p, err)
			}
		}
		if st, err := send(bare.URL, false, p, &bb); err != nil || st != http.StatusOK {
			b.Fatalf("bare GET %s: status %d, %v: %.300s", p, st, err, bb.String())
		}
		if ld.Same != nil {
			if err := ld.Same(ab.Bytes(), bb.Bytes()); err != nil {
				b.Fatalf("GET %s: the bare baseline differs: %v", p, err)
			}
		}
	}

	// think is a pause between 0.5 and 1.5 times Think: people do not type
	// in step, and clients that all paused alike would send in bursts.
	think := func() time.Duration { return ld.Think/2 + rand.N(ld.Think) }

	// run sends n requests from the clients, path after path from start,
	// and returns each latency and the block's wall time.
	run := func(base string, app bool, start, n int) ([]time.Duration, time.Duration) {
		lat := make([]time.Duration, n)
		var next atomic.Int64
		var failed atomic.Value
		var wg sync.WaitGroup
		t0 := time.Now()
		for range min(clients, n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ld.Think > 0 {
					time.Sleep(rand.N(ld.Think)) // people do not all start typing at once
				}
				var buf bytes.Buffer
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					p := paths[(start+i)%len(paths)]
					r0 := time.Now()
					st, err := send(base, app, p, &buf)
					lat[i] = time.Since(r0)
					if err != nil || st != http.StatusOK {
						failed.CompareAndSwap(nil, fmt.Sprintf("GET %s%s: status %d, %v", base, p, st, err))
					}
					if ld.Think > 0 {
						time.Sleep(think())
					}
				}
			}()
		}
		wg.Wait()
		if msg := failed.Load(); msg != nil {
			b.Fatal(msg)
		}
		return lat, time.Since(t0)
	}

	run(f.URL, true, 0, ld.Warmup)
	run(bare.URL, false, 0, ld.Warmup)
	pids := backendPIDs(ctx, b, f)
	load1 := loadAverage()

	var app, raw bench.Series
	b.ResetTimer()
	for range b.N {
		for done := 0; done < requests; done += block {
			n := min(block, requests-done)
			for _, side := range []struct {
				base string
				app  bool
				s    *bench.Series
			}{{f.URL, true, &app}, {bare.URL, false, &raw}} {
				cpu0, db0 := processCPU(), backendCPU(pids)
				lat, wall := run(side.base, side.app, done, n)
				side.s.CPU += processCPU() - cpu0
				side.s.DBCPU += backendCPU(pids) - db0
				side.s.Wall += wall
				side.s.Latencies = append(side.s.Latencies, lat...)
			}
		}
	}
	b.StopTimer()

	res := bench.NewLoadResult(f.Dialect, ds.Name, tg.Name, clients, app, raw, ld.BudgetP99, ld.MaxRatio, load1)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(res.AppP50, "app-p50-ms")
	b.ReportMetric(res.AppP99, "app-p99-ms")
	b.ReportMetric(res.RawP50, "raw-p50-ms")
	b.ReportMetric(res.RawP99, "raw-p99-ms")
	b.ReportMetric(res.RatioP99, "ratio-p99")
	report(b, res.Line())
}

// backendPIDs finds the PostgreSQL backends behind every connection of the
// pool, by holding as many connections as the pool may open at once and
// asking each its pid. It returns nil on SQLite, whose engine runs in this
// process. The connections stay in the pool (it keeps up to 25 idle).
func backendPIDs(ctx context.Context, b *testing.B, f *Fixture) []int {
	if f.Dialect != store.Postgres {
		return nil
	}
	n := f.DB.Stats().MaxOpenConnections
	var pids []int
	for i := 0; i < n; i++ {
		c, err := f.DB.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		var pid int
		if err := c.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			b.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU sums the user and system CPU time of the processes (from
// /proc/PID/stat, in clock ticks of 10 ms on Linux).
func backendCPU(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		s := string(raw)
		// Fields after the command name, which is in parentheses: state is
		// field 3, utime field 14 and stime field 15.
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		total += time.Duration(u+st) * 10 * time.Millisecond
	}
	return total
}

// loadAverage is the machine's 1-minute load average (0 if unknown).
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return v
}
