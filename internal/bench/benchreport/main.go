// Command benchreport turns the summary lines the benchmarks append to
// RATIFY_BENCH_OUT (one JSON object per line) into the figures section of
// BENCHMARKS.md: the machine, the date, and per measure the median over the
// rounds of each figure with its ratio to the raw baseline of the same run.
// The section between the markers is replaced; the rest of the file, which
// explains the method, is kept.
//
//	go run ./internal/bench/benchreport -in results.jsonl -out BENCHMARKS.md
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

const (
	beginMarker = "<!-- bench:begin (written by make bench; edits here are lost) -->"
	endMarker   = "<!-- bench:end -->"
)

func main() {
	in := flag.String("in", "", "the JSON lines the benchmarks wrote (RATIFY_BENCH_OUT)")
	out := flag.String("out", "BENCHMARKS.md", "the report to update")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if in == "" {
		return errors.New("-in is required")
	}
	fh, err := os.Open(in)
	if err != nil {
		return err
	}
	defer fh.Close()
	lines, err := readLines(fh)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(lines) == 0 {
		return fmt.Errorf("%s holds no result", in)
	}
	section := render(lines, machine(), time.Now().UTC())
	old, err := os.ReadFile(out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.WriteFile(out, splice(old, section), 0o644)
}

// line is one summary line, kept as its raw fields.
type line map[string]any

func (l line) str(k string) string {
	if v, ok := l[k].(string); ok {
		return v
	}
	return ""
}

func (l line) num(k string) (float64, bool) {
	v, ok := l[k].(float64)
	return v, ok
}

func (l line) flag(k string) (bool, bool) {
	v, ok := l[k].(bool)
	return v, ok
}

// kind is the measure a line belongs to; page results predate the field.
func (l line) kind() string {
	if k := l.str("kind"); k != "" {
		return k
	}
	return "page"
}

func readLines(r io.Reader) ([]line, error) {
	var out []line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "RATIFY-BENCH "))
		if text == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// column is one figure of a table: a field of the lines, its median over the
// rounds, or a yes/no where every round must agree for a yes.
type column struct {
	head, field string
	yesNo       bool
	// needs names a field a round must have, non-zero, for this figure to
	// mean anything (an import on SQLite has no COPY to compare with).
	needs string
}

// table is the layout of one kind of measure: the fields that name a row
// and the figures shown for it.
type table struct {
	kind, title, note string
	key               []string
	cols              []column
}

var tables = []table{
	{kind: "page", title: "Pages and API under one client (p95 against the raw SQL the handler needs)",
		note: "One signed-in client, requests one after the other; after each request the raw SQL baseline runs once on the same pool.",
		key:  []string{"dialect", "dataset", "target"},
		cols: []column{{"app p50 ms", "app_p50_ms", false, ""}, {"app p95 ms", "app_p95_ms", false, ""}, {"raw p95 ms", "raw_p95_ms", false, ""},
			{"ratio p95", "ratio_p95", false, ""}, {"bar p95 ms", "budget_p95_ms", false, ""}, {"within bar", "within_budget", true, ""}}},
	{kind: "load", title: "Contact search under concurrent clients (p99 against a bare net/http handler running the same SQL)",
		key: []string{"dialect", "dataset", "target", "clients"},
		cols: []column{{"app p50 ms", "app_p50_ms", false, ""}, {"app p99 ms", "app_p99_ms", false, ""}, {"bare p99 ms", "raw_p99_ms", false, ""},
			{"ratio p99", "ratio_p99", false, ""}, {"app req/s", "app_rps", false, ""}, {"bare req/s", "raw_rps", false, ""},
			{"bar p99 ms", "budget_p99_ms", false, ""}, {"within bar", "within_budget", true, ""}, {"bar ratio", "max_ratio_p99", false, ""}, {"within ratio", "within_ratio", true, ""}}},
	{kind: "import", title: "Contact CSV import (end to end, against a raw COPY of the same rows)",
		key: []string{"dialect", "rows"},
		cols: []column{{"import s", "app_s", false, ""}, {"COPY s", "copy_s", false, "copy_s"}, {"ratio", "ratio", false, "copy_s"},
			{"peak heap MB", "heap_inuse_peak_mb", false, ""}, {"heap growth MB", "heap_inuse_growth_mb", false, ""},
			{"bar s", "budget_s", false, ""}, {"within bar", "within_budget", true, ""}, {"within ratio", "within_ratio", true, "copy_s"}}},
	{kind: "campaign", title: "Campaign sending (messages per second, against a raw SMTP blast over the same connections)",
		note: "`raw_mode` names the blast a row's ratio is taken against: `raw` runs in the benchmark process beside the sink, " +
			"`rawproc` is the same blast as a process of its own, the pairing for `ratify serve` (`process`). " +
			"The sending clock starts when the start has returned (the audience frozen), as the blast's starts with its messages rendered; " +
			"`start s` is the start itself, and `ratio with the start` counts it in.",
		key: []string{"mode", "connections", "messages", "raw_mode"},
		cols: []column{{"msgs/s", "msgs_per_s", false, ""}, {"raw msgs/s", "raw_msgs_per_s", false, ""}, {"ratio", "ratio", false, ""},
			{"start s", "start_s", false, "start_s"}, {"ratio with the start", "end_to_end_ratio", false, "end_to_end_ratio"},
			{"peak RSS MB", "peak_rss_mb", false, ""}, {"CPU s", "cpu_s", false, ""}, {"load1", "load1", false, ""}}},
}

func render(lines []line, mach string, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, beginMarker)
	fmt.Fprintln(&b, "## Latest figures")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "- **Machine:** %s\n", mach)
	fmt.Fprintf(&b, "- **Written:** %s from %d result lines", now.Format("2006-01-02 15:04 MST"), len(lines))
	if first, last := span(lines); first != "" {
		fmt.Fprintf(&b, " measured %s – %s", first, last)
	}
	fmt.Fprintln(&b, ".")
	fmt.Fprintln(&b, "- **Figures:** each cell is the median over the rounds of that row (the `rounds` column);")
	fmt.Fprintln(&b, "  a ratio is taken within each round against the baseline measured in the same run, then its median shown.")
	fmt.Fprintln(&b)
	known := map[string]bool{}
	for _, t := range tables {
		known[t.kind] = true
		var mine []line
		for _, l := range lines {
			if l.kind() == t.kind {
				mine = append(mine, l)
			}
		}
		if len(mine) == 0 {
			continue
		}
		fmt.Fprintf(&b, "### %s\n\n", t.title)
		if t.note != "" {
			fmt.Fprintf(&b, "%s\n\n", t.note)
		}
		writeTable(&b, t, mine)
		fmt.Fprintln(&b)
	}
	for _, l := range lines {
		if !known[l.kind()] {
			fmt.Fprintf(&b, "(A result of unknown kind %q was left out.)\n\n", l.kind())
			break
		}
	}
	fmt.Fprintln(&b, endMarker)
	return b.Bytes()
}

func writeTable(b *bytes.Buffer, t table, lines []line) {
	groups := map[string][]line{}
	var order []string
	for _, l := range lines {
		parts := make([]string, len(t.key))
		for i, k := range t.key {
			parts[i] = cell(l[k])
		}
		id := strings.Join(parts, "\x00")
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], l)
	}
	head := append(slices.Clone(t.key), "rounds")
	for _, c := range t.cols {
		head = append(head, c.head)
	}
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head)))
	for _, id := range order {
		g := groups[id]
		row := strings.Split(id, "\x00")
		row = append(row, fmt.Sprint(len(g)))
		for _, c := range t.cols {
			row = append(row, figure(g, c))
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(row, " | "))
	}
}

// figure is a column's median over the rounds, or yes only if every round
// said yes; a dash where no round has the field.
func figure(g []line, c column) string {
	if c.needs != "" {
		var kept []line
		for _, l := range g {
			if v, ok := l.num(c.needs); ok && v != 0 {
				kept = append(kept, l)
			}
		}
		g = kept
	}
	if c.yesNo {
		seen, all := false, true
		for _, l := range g {
			if v, ok := l.flag(c.field); ok {
				seen = true
				all = all && v
			}
		}
		switch {
		case !seen:
			return "–"
		case all:
			return "yes"
		}
		return "**no**"
	}
	var vs []float64
	for _, l := range g {
		if v, ok := l.num(c.field); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return "–"
	}
	return trim(median(vs))
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func trim(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case float64:
		return trim(x)
	default:
		return fmt.Sprint(x)
	}
}

func span(lines []line) (string, string) {
	var ts []string
	for _, l := range lines {
		if t := l.str("time"); t != "" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return "", ""
	}
	slices.Sort(ts)
	return ts[0], ts[len(ts)-1]
}

// splice puts the section in place of the old one, or at the end.
func splice(old, section []byte) []byte {
	i := bytes.Index(old, []byte(beginMarker))
	j := bytes.Index(old, []byte(endMarker))
	if i >= 0 && j > i {
		out := slices.Clone(old[:i])
		out = append(out, section...)
		return append(out, old[j+len(endMarker)+1:]...)
	}
	out := slices.Clone(old)
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n\n")) {
		out = append(out, '\n')
	}
	return append(out, section...)
}

// machine describes where the figures were taken.
func machine() string {
	parts := []string{fmt.Sprintf("%d CPUs (%s/%s)", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				parts = append(parts, strings.TrimSpace(strings.SplitN(l, ":", 2)[1]))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			parts = append(parts, "MemTotal "+f[1]+" kB")
		}
	}
	parts = append(parts, runtime.Version())
	if v, err := exec.Command("psql", "--version").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(v)))
	}
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		parts = append(parts, "load average at writing "+strings.Join(strings.Fields(string(l))[:3], " "))
	}
	return strings.Join(parts, ", ")
}
