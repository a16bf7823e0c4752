package main

import (
	"strings"
	"testing"
	"time"
)

func TestRenderMediansAndSplice(t *testing.T) {
	in := `RATIFY-BENCH {"dialect":"postgres","dataset":"d","target":"countries-html","app_p50_ms":1,"app_p95_ms":10,"raw_p95_ms":5,"ratio_p95":2,"budget_p95_ms":100,"within_budget":true,"time":"2026-01-01T00:00:00Z"}
{"dialect":"postgres","dataset":"d","target":"countries-html","app_p50_ms":2,"app_p95_ms":30,"raw_p95_ms":6,"ratio_p95":5,"budget_p95_ms":100,"within_budget":false,"time":"2026-01-01T00:05:00Z"}
{"dialect":"postgres","dataset":"d","target":"countries-html","app_p50_ms":3,"app_p95_ms":20,"raw_p95_ms":7,"ratio_p95":2.5,"budget_p95_ms":100,"within_budget":true,"time":"2026-01-01T00:10:00Z"}
{"kind":"campaign","mode":"process","connections":4,"messages":50000,"msgs_per_s":1200.5,"raw_msgs_per_s":5000,"raw_mode":"rawproc","ratio":0.24,"start_s":0.9,"end_to_end_ratio":0.23,"peak_rss_mb":60}
`
	lines, err := readLines(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := string(render(lines, "test machine", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)))
	for _, want := range []string{
		"| postgres | d | countries-html | 3 | 2 | 20 | 6 | 2.5 | 100 | **no** |", // medians; one round over the bar
		"| process | 4 | 50000 | rawproc | 1 | 1200.5 | 5000 | 0.24 | 0.9 | 0.23 | 60 | – | – |",
		"measured 2026-01-01T00:00:00Z – 2026-01-01T00:10:00Z",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	doc := "# Benchmarks\n\nMethod.\n\n" + beginMarker + "\nold figures\n" + endMarker + "\n\n## After\n"
	out := string(splice([]byte(doc), []byte(beginMarker+"\nnew\n"+endMarker+"\n")))
	if strings.Contains(out, "old figures") || !strings.Contains(out, "new") || !strings.HasSuffix(out, "\n## After\n") || !strings.HasPrefix(out, "# Benchmarks\n\nMethod.") {
		t.Errorf("splice:\n%s", out)
	}
	if _, err := readLines(strings.NewReader("{not json\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a broken line: %v", err)
	}
}
