package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// cmdRatifications handles `ratify ratifications import FILE --instrument CODE --user EMAIL [--apply] [--source S]`.
func cmdRatifications(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErr("ratifications needs: import FILE --instrument CODE --user EMAIL [--apply] [--source TEXT]")
	}
	fs := flag.NewFlagSet("ratifications import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	inst := fs.String("instrument", "", "instrument code, e.g. ICRMW")
	user := fs.String("user", "", "email of the coordinator or admin recorded as the author")
	apply := fs.Bool("apply", false, "record every difference (without it, only list them)")
	source := fs.String("source", "", "source for rows that have none")
	// Accept the file before or after the flags.
	var file string
	rest := args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageErr("ratifications import: %v", err)
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageErr("ratifications import: unexpected argument %q", fs.Arg(0))
	}
	if file == "" || *inst == "" || *user == "" {
		return usageErr("ratifications import needs FILE, --instrument and --user")
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open %s: %w", file, err)
	}
	defer f.Close()
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.requireCurrentSchema(ctx); err != nil {
		return err
	}
	actor, err := a.svc.ActorForCLI(ctx, *user)
	if err != nil {
		return err
	}
	src := *source
	if src == "" {
		src = "file " + file
	}
	rep, err := a.svc.ImportRatifications(ctx, actor, *inst, f, src, *apply, nil)
	if err != nil {
		return describe(err)
	}
	if len(rep.Errors) > 0 {
		for _, e := range rep.Errors {
			field := ""
			if e.Field != "" {
				field = " " + e.Field + ":"
			}
			fmt.Fprintf(stdout, "%s:%d:%s %s\n", file, e.Line, field, e.Message)
		}
		return fmt.Errorf("%d problem(s) in %s; nothing was changed", len(rep.Errors), file)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tSTATE\tDIFFERENCE\tDETAILS")
	for _, d := range rep.Diffs {
		var parts []string
		for _, c := range d.Changes {
			parts = append(parts, fmt.Sprintf("%s: %s → %s", c.Field, dash(c.From), dash(c.To)))
		}
		line := "-"
		if d.Line > 0 {
			line = fmt.Sprint(d.Line)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", line, d.Country.ISO3, d.Country.Name, d.Kind, strings.Join(parts, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	applicable := 0
	for _, d := range rep.Diffs {
		if d.Line > 0 {
			applicable++
		}
	}
	fmt.Fprintf(stdout, "%d row(s), %d unchanged, %d difference(s), %d state(s) recorded in Ratify but absent from the file (left as they are)",
		rep.Rows, rep.Unchanged, applicable, len(rep.Diffs)-applicable)
	if *apply {
		fmt.Fprintf(stdout, "; %d recorded\n", rep.Applied)
	} else {
		fmt.Fprintln(stdout, "; nothing recorded (run again with --apply to record them)")
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
