package bench

import (
	"strings"
	"testing"
	"time"
)

func TestSummarizeNearestRank(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	st := Summarize(s)
	if st.N != 100 || st.P50 != 50*time.Millisecond || st.P95 != 95*time.Millisecond || st.P99 != 99*time.Millisecond || st.Max != 100*time.Millisecond {
		t.Fatalf("got %+v", st)
	}
	if s[0] != 100*time.Millisecond {
		t.Fatal("Summarize reordered its input")
	}
	if got := Summarize(nil); got != (Stats{}) {
		t.Fatalf("empty: %+v", got)
	}
	if got := Summarize([]time.Duration{7}); got.P50 != 7 || got.P99 != 7 {
		t.Fatalf("one sample: %+v", got)
	}
}

func TestResultLine(t *testing.T) {
	r := NewResult("sqlite", "d", "t", "/x", 10,
		Stats{N: 3, P95: 12 * time.Millisecond}, Stats{N: 3, P95: 3 * time.Millisecond}, 20*time.Millisecond)
	if r.RatioP95 != 4 || !r.InBudget || r.AppP95 != 12 {
		t.Fatalf("got %+v", r)
	}
	if l := r.Line(); !strings.HasPrefix(l, LinePrefix+"{") || !strings.Contains(l, `"ratio_p95":4`) {
		t.Fatalf("line %q", l)
	}
}
