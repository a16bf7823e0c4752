package bench

import (
	"testing"
	"time"
)

func TestNewLoadResult(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	app := Series{Latencies: ms(10, 20, 30, 40), Wall: 2 * time.Second, CPU: 400 * time.Millisecond, DBCPU: 40 * time.Millisecond}
	raw := Series{Latencies: ms(5, 10, 15, 20), Wall: time.Second, CPU: 200 * time.Millisecond}
	r := NewLoadResult("postgres", "d", "t", 50, app, raw, 50*time.Millisecond, 1.5, 2.5)
	if r.AppP99 != 40 || r.RawP99 != 20 || r.RatioP99 != 2 || r.InRatio || !r.InBudget {
		t.Fatalf("p99 %v/%v ratio %v in ratio %v in budget %v", r.AppP99, r.RawP99, r.RatioP99, r.InRatio, r.InBudget)
	}
	if r.AppRPS != 2 || r.RawRPS != 4 || r.AppCPU != 100 || r.RawCPU != 50 || r.AppDBCPU != 10 || r.RawDBCPU != 0 {
		t.Fatalf("rates %+v", r)
	}
}
