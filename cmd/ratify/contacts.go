package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"ratify/internal/service"
)

// cmdContacts handles `ratify contacts import FILE --user EMAIL [--dry-run] [--update]`.
func cmdContacts(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErr("contacts needs: import FILE --user EMAIL [--dry-run] [--update]")
	}
	fs := flag.NewFlagSet("contacts import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.String("user", "", "email of the coordinator or admin the import is recorded under")
	dry := fs.Bool("dry-run", false, "check every row and change nothing")
	update := fs.Bool("update", false, "update contacts that exist (matched by email, else name and country); default: skip them")
	var file string
	rest := args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageErr("contacts import: %v", err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageErr("contacts import: unexpected argument %q", fs.Arg(0))
	}
	if file == "" || *user == "" {
		return usageErr("contacts import needs FILE and --user")
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("contacts import: %w", err)
	}
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
	res, err := a.svc.ImportContacts(ctx, actor, func() (io.ReadCloser, error) { return os.Open(file) },
		service.ImportOptions{UpdateExisting: *update, DryRun: *dry, FileName: filepath.Base(file)})
	if err != nil {
		return describe(err)
	}
	for _, e := range res.Errors {
		field := ""
		if e.Field != "" {
			field = " " + e.Field + ":"
		}
		fmt.Fprintf(stdout, "%s:%d:%s %s\n", file, e.Line, field, e.Message)
	}
	if res.ErrorsTotal > len(res.Errors) {
		fmt.Fprintf(stdout, "… and %d more problem(s)\n", res.ErrorsTotal-len(res.Errors))
	}
	verb := "imported"
	if res.DryRun || res.ErrorsTotal > 0 {
		verb = "would import"
	}
	fmt.Fprintf(stdout, "%d row(s): %s %d new, %d updated, %d skipped; %d problem(s)\n", res.Rows, verb, res.Created, res.Updated, res.Skipped, res.ErrorsTotal)
	if res.ErrorsTotal > 0 {
		return fmt.Errorf("%d problem(s) in %s; nothing was changed", res.ErrorsTotal, file)
	}
	return nil
}

// cmdDemo handles `ratify demo --contacts N --outreach M [--followups K] [--seed S]`:
// it adds that many fictional records (for trying Ratify and for benchmarks).
func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	contacts := fs.Int("contacts", service.DefaultDemoSize.Contacts, "contacts to add")
	outreach := fs.Int("outreach", service.DefaultDemoSize.Outreach, "outreach records to add")
	followups := fs.Int("followups", service.DefaultDemoSize.Followups, "follow-ups to add")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same data)")
	if err := fs.Parse(args); err != nil {
		return usageErr("demo: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("demo: unexpected argument %q", fs.Arg(0))
	}
	if *contacts < 0 || *outreach < 0 || *followups < 0 || *contacts > 5_000_000 || *outreach > 20_000_000 {
		return usageErr("demo: sizes must be between 0 and 5,000,000 contacts and 20,000,000 outreach")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.prepareSchema(ctx); err != nil {
		return err
	}
	if err := a.svc.SeedDemoBase(ctx); err != nil {
		return err
	}
	if err := a.svc.GenerateDemo(ctx, service.DemoSize{Contacts: *contacts, Outreach: *outreach, Followups: *followups, Seed: *seed}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %d contacts, %d outreach records and %d follow-ups of fictional demo data\n", *contacts, *outreach, *followups)
	return nil
}
