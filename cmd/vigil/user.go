package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, "Usage: vigil user add --email EMAIL --name NAME [--school SLUG | --trust NAME] [--role ROLE] [flags]\n"+
			"       vigil user list [--school SLUG | --trust NAME] [flags]\n"+
			"       vigil user set-password --email EMAIL [--password-stdin] [flags]\n\nRun vigil user add --help for the flags.")
		if len(args) == 0 {
			return usageErr("say add, list or set-password")
		}
		return nil
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, e, args[1:])
	case "list":
		return runUserList(ctx, e, args[1:])
	case "set-password":
		return runUserSetPassword(ctx, e, args[1:])
	}
	return usageErr("unknown subcommand %q: use add, list or set-password", args[0])
}

func roleNames() string {
	var names []string
	for _, r := range vigil.Roles {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func runUserAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	c := dbConfig(e, fs)
	p := &vigil.Person{}
	fs.StringVar(&p.Email, "email", "", "email address, used to sign in (required)")
	fs.StringVar(&p.Name, "name", "", "full name (required)")
	school := fs.String("school", "", "slug of a school to add them to")
	trust := fs.String("trust", "", "name of a trust to give them a role in: they act in every school of the trust, with a second factor (made if new)")
	role := fs.String("role", "staff", "their role in that school or trust: "+roleNames())
	designated := fs.Bool("designated", false, "a designated safeguarding person in that school (default for dsl and deputy_dsl)")
	stdin := fs.Bool("password-stdin", false, "read a password from standard input (otherwise asked for on a terminal, or left unset)")
	s, err := openCommand(ctx, e, c, fs, "user add --email EMAIL --name NAME [--school SLUG | --trust NAME] [flags]", args, func() error {
		if !vigil.Role(*role).Valid() {
			return usageErr("--role must be one of %s", roleNames())
		}
		if *school != "" && *trust != "" {
			return usageErr("give --school or --trust, not both")
		}
		if *trust != "" && *designated {
			return usageErr("--designated is for a school; in a trust, dsl and deputy_dsl are designated")
		}
		return nil
	})
	if err != nil {
		return err
	}
	r := vigil.Role(*role)
	defer s.Close()
	var sc *vigil.School
	if *school != "" {
		if sc, err = s.FindSchoolBySlug(ctx, *school); err != nil {
			return err
		}
	}
	var g *vigil.Group
	if *trust != "" {
		if g, err = s.FindOrCreateGroup(ctx, *trust); err != nil {
			return err
		}
	}
	password, err := readPassword(e, *stdin, false)
	if err != nil {
		return err
	}
	if password != "" {
		h := newHasher()
		if err := checkNewPassword(h, password, p.Name, p.Email); err != nil {
			return err
		}
		if p.PasswordHash, err = h.Hash(password); err != nil {
			return err
		}
	}
	if err := s.CreatePerson(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s\n", p.Email)
	if sc != nil {
		m := &vigil.Membership{PersonID: p.ID, Role: r, Designated: *designated || r == vigil.RoleDSL || r == vigil.RoleDeputyDSL, Active: true}
		if err := s.SaveMembership(vigil.SystemContext(ctx, sc.ID), m); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s is %s at %s\n", p.Email, r.Title(), sc.Name)
	}
	if g != nil {
		if err := s.SaveGroupMember(ctx, &vigil.GroupMember{GroupID: g.ID, PersonID: p.ID, Role: r, Active: true}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s is %s in every school of the trust %s\n", p.Email, r.Title(), g.Name)
	}
	if password == "" {
		fmt.Fprintf(e.stdout, "no password set: run vigil user set-password --email %s\n", p.Email)
	}
	return nil
}

func runUserList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	c := dbConfig(e, fs)
	school := fs.String("school", "", "slug of a school: list its members with their roles")
	trust := fs.String("trust", "", "name of a trust: list the people with a role in it")
	s, err := openCommand(ctx, e, c, fs, "user list [--school SLUG | --trust NAME] [flags]", args, func() error {
		if *school != "" && *trust != "" {
			return usageErr("give --school or --trust, not both")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if *trust != "" {
		g, err := findTrust(ctx, s, *trust)
		if err != nil {
			return err
		}
		ms, err := s.FindGroupMembers(ctx, g.ID)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tACTIVE")
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.PersonEmail, m.PersonName, m.Role, yesNo(m.Active))
		}
		return tw.Flush()
	}
	if *school != "" {
		sc, err := s.FindSchoolBySlug(ctx, *school)
		if err != nil {
			return err
		}
		ms, err := s.FindMembers(vigil.SystemContext(ctx, sc.ID))
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tDESIGNATED\tACTIVE")
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.PersonEmail, m.PersonName, m.Role, yesNo(m.Designated), yesNo(m.Active))
		}
		return tw.Flush()
	}
	people, err := s.FindPersons(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(tw, "EMAIL\tNAME\tSTATUS\tPASSWORD\tLAST SIGN-IN")
	for _, p := range people {
		last := "never"
		if !p.LastSignInAt.IsZero() {
			last = p.LastSignInAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Email, p.Name, p.Status, yesNo(p.PasswordHash != ""), last)
	}
	return tw.Flush()
}

// findTrust returns the group with exactly this name (as school add
// --trust saves it), or ENOTFOUND. Listing never makes one.
func findTrust(ctx context.Context, s *store.Store, name string) (*vigil.Group, error) {
	groups, err := s.FindGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.Name == strings.TrimSpace(name) {
			return g, nil
		}
	}
	return nil, vigil.Errorf(vigil.ENOTFOUND, "No trust is named %q; see vigil school list.", name)
}

func runUserSetPassword(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("user set-password", flag.ContinueOnError)
	c := dbConfig(e, fs)
	email := fs.String("email", "", "the person's email address (required)")
	stdin := fs.Bool("password-stdin", false, "read the password from standard input instead of asking on the terminal")
	s, err := openCommand(ctx, e, c, fs, "user set-password --email EMAIL [flags]", args, func() error {
		if *email == "" {
			return usageErr("--email is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := s.FindPersonByEmail(ctx, *email)
	if err != nil {
		return err
	}
	password, err := readPassword(e, *stdin, true)
	if err != nil {
		return err
	}
	h := newHasher()
	if err := checkNewPassword(h, password, p.Name, p.Email); err != nil {
		return err
	}
	hash, err := h.Hash(password)
	if err != nil {
		return err
	}
	if err := s.ChangePasswordHash(ctx, p.ID, hash); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "password set for %s; their other sessions have ended\n", p.Email)
	return nil
}

// checkNewPassword applies the stricter, Classic, password rules: the
// command line does not know which school's profile will apply.
func checkNewPassword(h *auth.Hasher, password, name, email string) error {
	return auth.CheckPasswordChange(h, auth.PasswordChange{Profile: auth.ProfileClassic, New: password, Context: []string{name, email, "vigil"}})
}

func newHasher() *auth.Hasher { return auth.NewHasher(auth.DefaultArgon2, max(2, runtime.NumCPU())) }

// readPassword reads a password from stdin (one line) when fromStdin, or
// asks twice on a terminal without echo. With required false and no
// terminal, it returns "".
func readPassword(e *env, fromStdin, required bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", fmt.Errorf("no password on standard input: %v", err)
		}
		return line, nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		if required {
			return "", usageErr("no terminal to ask for the password on: use --password-stdin")
		}
		return "", nil
	}
	fmt.Fprint(e.stderr, "New password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", fmt.Errorf("the two passwords differ")
	}
	return string(a), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
