// Command vigil runs Vigil, the safeguarding records system for schools,
// and administers it: vigil serve, migrate, demo, school, user, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/config"
	"github.com/vigil-safeguarding/vigil/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "run the web service (creates ./vigil-data on first start)", runServe},
		{"migrate", "[flags]", "bring the database schema up to date", runMigrate},
		{"demo", "[flags]", "create or refresh the demo school, Riverside Primary Academy", runDemo},
		{"school", "add|list|holidays|agencies [flags]", "add or list schools; their holidays and referral agencies", runSchool},
		{"user", "add|list|set-password [flags]", "add or list people, or set a password", runUser},
		{"audit", "verify|checkpoint [flags]", "check the audit trail's hash chains, or sign their heads now", runAudit},
		{"keys", "init|status|rotate[-master]", "make the master key; show, rotate or re-wrap school keys", runKeys},
		{"token", "create|list|revoke [flags]", "make, list or revoke API tokens", runToken},
		{"jobs", "[list]|retry|cancel [flags]", "list background jobs, or retry or cancel one", runJobs},
		{"import", "csv|ctf|wonde --school SLUG", "bring pupils, contacts and staff in from the MIS", runImport},
		{"version", "", "print the version", runVersion},
	}
}

// env is what a command may use from its surroundings, so tests can run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the subcommand named in args and returns the exit status. Every
// failure is one line on stderr.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				fmt.Fprintf(e.stderr, "vigil %s: %s\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
				return 2
			default:
				fmt.Fprintf(e.stderr, "vigil %s: %s\n", c.name, oneLine(err))
				return 1
			}
		}
	}
	fmt.Fprintf(e.stderr, "vigil: unknown command %q (see vigil --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Vigil: safeguarding and pastoral records for schools.")
	fmt.Fprintln(w, "\nUsage: vigil <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %-28s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nRun vigil <command> --help for a command's flags. Quick start: vigil serve --demo")
}

// errUsage marks a mistake in how a command was called (exit status 2).
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// parse parses flags quietly: --help prints the flags to stdout, and a bad
// flag becomes one line instead of the flag package's usage dump.
func parse(e *env, fs *flag.FlagSet, synopsis string, args []string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(e.stdout, "Usage: vigil %s\n\nFlags:\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = "unknown flag " + name
		}
		return usageErr("%s (see vigil %s --help)", msg, strings.Fields(synopsis)[0])
	}
	return nil
}

// oneLine turns an error into one line safe to print: a vigil.Error shows
// its message; anything else its text with line breaks removed.
func oneLine(err error) string {
	msg := err.Error()
	if e, ok := errors.AsType[*vigil.Error](err); ok {
		msg = e.Message
		if e.Field != "" && len(e.Fields) <= 1 {
			msg = "--" + strings.ReplaceAll(e.Field, "_", "-") + ": " + msg
		} else if len(e.Fields) > 1 {
			var parts []string
			for f, m := range e.Fields {
				parts = append(parts, "--"+strings.ReplaceAll(f, "_", "-")+": "+m)
			}
			msg = strings.Join(parts, "; ")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// newLogger makes the structured logger the settings ask for.
func newLogger(c *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openStore opens and migrates the database the settings name, making the
// data folder for the embedded SQLite database if needed.
func openStore(ctx context.Context, c *config.Config, log *slog.Logger) (*store.Store, error) {
	if c.SQLite() {
		if err := os.MkdirAll(c.Data, 0o700); err != nil {
			return nil, fmt.Errorf("cannot make the data folder %s: %w", c.Data, err)
		}
	}
	s, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	n, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("database migrated", slog.String("dialect", s.Dialect()), slog.Int("applied", n))
	}
	return s, nil
}

// openCommand parses a command's flags, runs check (if any) on them,
// resolves the settings and opens and migrates the database: the start of
// every command that only needs the database. The caller closes the store.
func openCommand(ctx context.Context, e *env, c *config.Config, fs *flag.FlagSet, synopsis string, args []string, check func() error) (*store.Store, error) {
	if err := parse(e, fs, synopsis, args); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	if err := c.Resolve(e.getenv); err != nil {
		return nil, usageErr("%v", err)
	}
	return openStore(ctx, c, newLogger(c, e.stderr))
}

// dbConfig registers the settings of a command that only needs the
// database.
func dbConfig(e *env, fs *flag.FlagSet) *config.Config {
	c := &config.Config{}
	c.Register(fs, false)
	return c
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parse(e, fs, "version", args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "vigil", version)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	c := dbConfig(e, fs)
	s, err := openCommand(ctx, e, c, fs, "migrate [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	cur, _, err := s.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database (%s) is at schema version %d\n", s.Dialect(), cur)
	return nil
}
