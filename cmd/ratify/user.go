package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/service"
)

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return usageErr("user needs one of: create, list, set-password")
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "member", "viewer, member, coordinator or admin")
	org := fs.String("org", "", "organisation short name")
	switch args[0] {
	case "create", "list", "set-password":
	default:
		return usageErr("user: unknown action %q (create, list, set-password)", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return usageErr("user %s: %v", args[0], err)
	}
	if fs.NArg() > 0 {
		return usageErr("user %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	switch args[0] {
	case "create":
		if *email == "" || *name == "" || *org == "" {
			return usageErr("user create needs --email, --name and --org")
		}
		if !model.Role(*role).Valid() {
			return usageErr("user create: --role must be viewer, member, coordinator or admin")
		}
	case "set-password":
		if *email == "" {
			return usageErr("user set-password needs --email")
		}
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
	switch args[0] {
	case "create":
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		u, set, err := a.svc.CreateUserCLI(ctx, service.NewUser{Email: *email, Name: *name, Role: model.Role(*role), Password: pw}, *org)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created user %d %s (%s)\n", u.ID, u.Email, u.Role)
		if pw == "" {
			fmt.Fprintf(stdout, "generated password: %s\n", set)
		}
	case "list":
		users, err := a.svc.AllUsersCLI(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tORG\tACTIVE")
		for _, u := range users {
			org := ""
			if u.Organisation != nil {
				org = u.Organisation.ShortName
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%t\n", u.ID, u.Email, u.Name, u.Role, org, u.Active)
		}
		return tw.Flush()
	case "set-password":
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		generated := pw == ""
		if generated {
			if pw, err = auth.GeneratePassword(); err != nil {
				return err
			}
		}
		if err := a.svc.SetPasswordByEmail(ctx, *email, pw); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "password set for %s; their sessions are signed out\n", model.NormalizeEmail(*email))
		if generated {
			fmt.Fprintf(stdout, "generated password: %s\n", pw)
		}
	}
	return nil
}

// readPassword takes the first line of stdin; an empty or absent line means
// "generate one".
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// describe spells out field errors for a terminal.
func describe(err error) error {
	e, ok := model.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for k, v := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", k, v)
	}
	return fmt.Errorf("%s", b.String())
}

func (a *app) requireCurrentSchema(ctx context.Context) error {
	st, err := a.store.Migrations(ctx)
	if err != nil {
		return err
	}
	if st.Pending > 0 || st.Current != st.Latest {
		return fmt.Errorf("the database schema is not current (at %d, this ratify knows %d); run `ratify migrate up`", st.Current, st.Latest)
	}
	return nil
}
