package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
)

func runToken(ctx context.Context, e *env, args []string) error {
	const help = "Usage: vigil token create --school SLUG --email EMAIL [--name NAME] [flags]\n" +
		"       vigil token list --school SLUG [flags]\n" +
		"       vigil token revoke --school SLUG ID [flags]\n\n" +
		"An API token acts as one person in one school, with their permissions at\n" +
		"each request. create prints the token once, alone on the last line of\n" +
		"standard output. Run vigil token <subcommand> --help for the flags."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, help)
		if len(args) == 0 {
			return usageErr("say create, list or revoke")
		}
		return nil
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, e, args[1:])
	case "list":
		return runTokenList(ctx, e, args[1:])
	case "revoke":
		return runTokenRevoke(ctx, e, args[1:])
	}
	return usageErr("unknown subcommand %q: use create, list or revoke", args[0])
}

// tokenCommand opens the database and returns the app acting as the
// operator on the school named by slug.
func tokenCommand(ctx context.Context, e *env, fs *flag.FlagSet, synopsis string, args []string, check func() error) (*app.App, context.Context, func(), error) {
	c := dbConfig(e, fs)
	school := fs.String("school", "", "slug of the school the token acts in (required)")
	s, err := openCommand(ctx, e, c, fs, synopsis, args, func() error {
		if *school == "" {
			return usageErr("--school is required")
		}
		if check != nil {
			return check()
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	sc, err := s.FindSchoolBySlug(ctx, *school)
	if err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	a := app.New(s, nil, nil, newLogger(c, e.stderr))
	return a, vigil.SystemContext(ctx, sc.ID), func() { s.Close() }, nil
}

func runTokenCreate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	email := fs.String("email", "", "email address of the person the token acts as; an active member of the school (required)")
	name := fs.String("name", "", "what the token is for, shown by token list, e.g. \"MIS sync\"")
	a, sctx, done, err := tokenCommand(ctx, e, fs, "token create --school SLUG --email EMAIL [--name NAME] [flags]", args, func() error {
		if *email == "" {
			return usageErr("--email is required")
		}
		if fs.NArg() > 0 {
			return usageErr("unexpected argument %q (see vigil token create --help)", fs.Arg(0))
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer done()
	p, err := a.Store.FindPersonByEmail(ctx, *email)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return vigil.Errorf(vigil.ENOTFOUND, "No one has the email address %s; see vigil user list.", vigil.NormalizeEmail(*email))
	} else if err != nil {
		return err
	}
	t, err := a.CreateAPIToken(sctx, p.ID, *name)
	if err != nil {
		return err
	}
	// The explanation goes to stderr, so TOKEN=$(vigil token create ...)
	// captures the token alone.
	fmt.Fprintf(e.stderr, "Created API token %s for %s.\n", t.Record.ID, p.Email)
	fmt.Fprintln(e.stderr, "It is shown only now: store it as a secret. Send it as \"Authorization: Bearer <token>\".")
	fmt.Fprintf(e.stderr, "Revoke it with: vigil token revoke --school SLUG %s\n", t.Record.ID)
	fmt.Fprintln(e.stdout, t.Token)
	return nil
}

func runTokenList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	a, sctx, done, err := tokenCommand(ctx, e, fs, "token list --school SLUG [flags]", args, func() error {
		if fs.NArg() > 0 {
			return usageErr("unexpected argument %q (see vigil token list --help)", fs.Arg(0))
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer done()
	list, err := a.APITokens(sctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPERSON\tNAME\tCREATED\tLAST USED\tREVOKED")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.PersonEmail, orDash(t.Name), tokenTime(t.CreatedAt), tokenTime(t.LastUsedAt), tokenTime(t.RevokedAt))
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	a, sctx, done, err := tokenCommand(ctx, e, fs, "token revoke --school SLUG ID [flags]", args, func() error {
		if fs.NArg() != 1 {
			return usageErr("give the id of one token, after the flags (see vigil token list)")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer done()
	var t *store.APIToken
	if t, err = a.RevokeAPIToken(sctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked API token %s; it stops working at once\n", t.ID)
	return nil
}

// tokenTime formats a time for a table, "-" when unset.
func tokenTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
