package bench

import (
	"encoding/json"
	"math"
	"time"
)

// LoadResult is one target measured under concurrent clients: the
// application through its router, and a bare net/http handler running the
// same SQL on the same pool, each behind its own loopback server, measured in
// alternating blocks so both series share the machine's noise.
type LoadResult struct {
	Kind     string  `json:"kind"` // "load"
	Dialect  string  `json:"dialect"`
	Dataset  string  `json:"dataset"`
	Target   string  `json:"target"`
	Clients  int     `json:"clients"`
	N        int     `json:"n"` // requests measured in each series
	AppP50   float64 `json:"app_p50_ms"`
	AppP95   float64 `json:"app_p95_ms"`
	AppP99   float64 `json:"app_p99_ms"`
	RawP50   float64 `json:"raw_p50_ms"`
	RawP95   float64 `json:"raw_p95_ms"`
	RawP99   float64 `json:"raw_p99_ms"`
	RatioP99 float64 `json:"ratio_p99"`
	// Requests per second over the series' blocks.
	AppRPS float64 `json:"app_rps"`
	RawRPS float64 `json:"raw_rps"`
	// CPU per request: this Go process (load generator, server and, on
	// SQLite, the database engine), and PostgreSQL's backends serving the
	// pool (zero on SQLite).
	AppCPU   float64 `json:"app_cpu_ms_per_req"`
	RawCPU   float64 `json:"raw_cpu_ms_per_req"`
	AppDBCPU float64 `json:"app_db_cpu_ms_per_req"`
	RawDBCPU float64 `json:"raw_db_cpu_ms_per_req"`
	BudgetMS float64 `json:"budget_p99_ms"`
	InBudget bool    `json:"within_budget"`
	MaxRatio float64 `json:"max_ratio_p99"`
	InRatio  bool    `json:"within_ratio"`
	Load1    float64 `json:"load1"` // the machine's 1-minute load average before the run
	Time     string  `json:"time"`
}

// Series is one side of a load run: its latencies, the wall time of its
// blocks and the CPU they used.
type Series struct {
	Latencies []time.Duration
	Wall      time.Duration
	CPU       time.Duration // this process
	DBCPU     time.Duration // the database server's backends
}

// NewLoadResult fills a LoadResult from the two series.
func NewLoadResult(dialect, dataset, target string, clients int, app, raw Series, budgetP99 time.Duration, maxRatio, load1 float64) LoadResult {
	as, rs := Summarize(app.Latencies), Summarize(raw.Latencies)
	r := LoadResult{Kind: "load", Dialect: dialect, Dataset: dataset, Target: target, Clients: clients, N: as.N,
		AppP50: MS(as.P50), AppP95: MS(as.P95), AppP99: MS(as.P99), RawP50: MS(rs.P50), RawP95: MS(rs.P95), RawP99: MS(rs.P99),
		AppRPS: perSecond(as.N, app.Wall), RawRPS: perSecond(rs.N, raw.Wall),
		AppCPU: perRequest(app.CPU, as.N), RawCPU: perRequest(raw.CPU, rs.N),
		AppDBCPU: perRequest(app.DBCPU, as.N), RawDBCPU: perRequest(raw.DBCPU, rs.N),
		BudgetMS: MS(budgetP99), InBudget: as.N > 0 && as.P99 <= budgetP99, MaxRatio: maxRatio, Load1: load1,
		Time: time.Now().UTC().Format(time.RFC3339)}
	if rs.P99 > 0 {
		r.RatioP99 = round2(float64(as.P99) / float64(rs.P99))
		r.InRatio = r.RatioP99 <= maxRatio
	}
	return r
}

// Line is the machine-readable summary: LinePrefix and one JSON object.
func (r LoadResult) Line() string {
	b, _ := json.Marshal(r)
	return LinePrefix + string(b)
}

// ImportResult is one CSV import measured end to end, beside a raw COPY of
// the same rows (PostgreSQL only), with the Go heap of the process that ran
// the import.
type ImportResult struct {
	Kind      string  `json:"kind"` // "import"
	Dialect   string  `json:"dialect"`
	Rows      int     `json:"rows"`
	FileBytes int64   `json:"file_bytes"`
	AppS      float64 `json:"app_s"`
	AppCPUS   float64 `json:"app_cpu_s"` // this process's CPU during the import
	CopyS     float64 `json:"copy_s"`    // zero where there is no COPY (SQLite)
	Ratio     float64 `json:"ratio"`     // app / copy
	// The test process's Go heap (runtime.ReadMemStats, sampled every
	// 10 ms during the import): in use after a GC before it, the peak in use
	// during it, and the growth of memory obtained from the OS.
	HeapBeforeMB float64 `json:"heap_inuse_before_mb"`
	HeapPeakMB   float64 `json:"heap_inuse_peak_mb"`
	HeapGrowthMB float64 `json:"heap_inuse_growth_mb"`
	SysGrowthMB  float64 `json:"sys_growth_mb"`
	AllocMB      float64 `json:"total_alloc_mb"` // allocated over the import, freed or not
	GCs          uint32  `json:"gcs"`
	BudgetS      float64 `json:"budget_s"`
	InBudget     bool    `json:"within_budget"`
	MaxRatio     float64 `json:"max_ratio"`
	InRatio      bool    `json:"within_ratio"`
	Load1        float64 `json:"load1"`
	Time         string  `json:"time"`
}

// Line is the machine-readable summary: LinePrefix and one JSON object.
func (r ImportResult) Line() string {
	b, _ := json.Marshal(r)
	return LinePrefix + string(b)
}

// MB converts bytes to mebibytes with two decimals.
func MB(n uint64) float64 { return round2(float64(n) / (1 << 20)) }

// Seconds converts a duration to seconds with millisecond resolution.
func Seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

func perRequest(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return MS(d / time.Duration(n))
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
