// Command ratify is the campaign CRM server and its operator commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Ratify — campaign CRM for treaty-ratification advocacy

Usage:
  ratify serve [--demo]                 start the web server (--demo loads fictional demo data)
  ratify migrate up|down|status         manage the database schema
  ratify user create --email E --name N --role R --org SHORTNAME
                                        create a user (password from stdin, or generated)
  ratify user list                      list users
  ratify user set-password --email E    set a password (read from stdin, or generated)
  ratify ratifications import FILE --instrument CODE --user EMAIL [--apply] [--source TEXT]
                                        compare an official list with Ratify; --apply records the differences
  ratify contacts import FILE --user EMAIL [--dry-run] [--update]
                                        import contacts from CSV (streamed; all or nothing)
  ratify demo [--contacts N] [--outreach M] [--followups K] [--seed S]
                                        add fictional demo data (large sets for benchmarks)
  ratify healthcheck                    exit 0 when the local server is ready (for containers)
  ratify version                        print the version

Configuration comes from RATIFY_* environment variables; see config/ratify.env.example.
`

// exitError carries a process exit code: 2 for usage errors, 1 for the rest.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "ratify:", ee.err)
		if ee.code == 2 {
			fmt.Fprint(os.Stderr, "\n", usage)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "ratify:", err)
	os.Exit(1)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("no command given")
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout)
	case "user":
		return cmdUser(ctx, args[1:], getenv, stdin, stdout)
	case "contacts":
		return cmdContacts(ctx, args[1:], getenv, stdout)
	case "demo":
		return cmdDemo(ctx, args[1:], getenv, stdout)
	case "ratifications":
		return cmdRatifications(ctx, args[1:], getenv, stdout)
	case "healthcheck":
		return cmdHealthcheck(ctx, getenv)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "ratify", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageErr("unknown command %q", args[0])
}
