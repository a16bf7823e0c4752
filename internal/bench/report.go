// Package bench holds Ratify's end-to-end latency benchmarks: the real
// router over a real database seeded with a large data set, measured request
// by request, beside the raw SQL the handler needs in the same run.
//
// The benchmarks themselves live in bench_test.go and run only with -bench;
// this file holds the figures they report, so a report can be assembled from
// the summary lines (see BENCHMARKS.md at the repository root).
package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// LinePrefix starts every machine-readable summary line.
const LinePrefix = "RATIFY-BENCH "

// Stats are the latency percentiles of one series of samples.
type Stats struct {
	N   int
	P50 time.Duration
	P95 time.Duration
	P99 time.Duration
	Max time.Duration
}

// Summarize computes nearest-rank percentiles; samples is left unchanged.
func Summarize(samples []time.Duration) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Stats{N: len(s), P50: Percentile(s, 50), P95: Percentile(s, 95), P99: Percentile(s, 99), Max: s[len(s)-1]}
}

// Percentile returns the nearest-rank p-th percentile of sorted samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Result is one target's figures in one run: the application (HTTP request
// through the real router) and the raw SQL baseline, measured interleaved.
type Result struct {
	Dialect  string  `json:"dialect"`
	Dataset  string  `json:"dataset"`
	Target   string  `json:"target"`
	Path     string  `json:"path"`
	N        int     `json:"n"`
	Bytes    int     `json:"bytes"` // size of one response body
	AppP50   float64 `json:"app_p50_ms"`
	AppP95   float64 `json:"app_p95_ms"`
	AppP99   float64 `json:"app_p99_ms"`
	RawP50   float64 `json:"raw_p50_ms"`
	RawP95   float64 `json:"raw_p95_ms"`
	RawP99   float64 `json:"raw_p99_ms"`
	RatioP95 float64 `json:"ratio_p95"`
	BudgetMS float64 `json:"budget_p95_ms"`
	InBudget bool    `json:"within_budget"`
	Time     string  `json:"time"`
}

// NewResult fills a Result from the two series of samples.
func NewResult(dialect, dataset, target, path string, bytes int, app, raw Stats, budget time.Duration) Result {
	r := Result{Dialect: dialect, Dataset: dataset, Target: target, Path: path, N: app.N, Bytes: bytes,
		AppP50: MS(app.P50), AppP95: MS(app.P95), AppP99: MS(app.P99),
		RawP50: MS(raw.P50), RawP95: MS(raw.P95), RawP99: MS(raw.P99),
		BudgetMS: MS(budget), InBudget: app.P95 <= budget, Time: time.Now().UTC().Format(time.RFC3339)}
	if raw.P95 > 0 {
		r.RatioP95 = math.Round(float64(app.P95)/float64(raw.P95)*100) / 100
	}
	return r
}

// Line is the machine-readable summary: LinePrefix and one JSON object.
func (r Result) Line() string {
	b, _ := json.Marshal(r)
	return LinePrefix + string(b)
}

// MS converts a duration to milliseconds with microsecond resolution.
func MS(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
