package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// runSchoolHolidays lists, adds or removes a school's holidays: the days
// that, with weekends, do not count as working days when a referral's
// response is due.
func runSchoolHolidays(ctx context.Context, e *env, args []string) error {
	const usage = "Usage: vigil school holidays list --school SLUG [flags]\n" +
		"       vigil school holidays add --school SLUG --name NAME --from YYYY-MM-DD [--to YYYY-MM-DD] [flags]\n" +
		"       vigil school holidays remove --school SLUG ID [flags]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, usage)
		if len(args) == 0 {
			return usageErr("say list, add or remove")
		}
		return nil
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet("school holidays "+verb, flag.ContinueOnError)
	c := dbConfig(e, fs)
	school := fs.String("school", "", "slug of the school (required)")
	var name, from, to string
	id := ""
	switch verb {
	case "list":
	case "add":
		fs.StringVar(&name, "name", "", "what the holiday is called, e.g. \"Autumn half term\" (required)")
		fs.StringVar(&from, "from", "", "its first day, YYYY-MM-DD (required)")
		fs.StringVar(&to, "to", "", "its last day, YYYY-MM-DD (the first day when left out)")
	case "remove":
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			id, args = args[0], args[1:]
		}
	default:
		return usageErr("unknown subcommand %q: use list, add or remove", verb)
	}
	synopsis := "school holidays " + verb + " --school SLUG [flags]"
	var h vigil.Holiday
	s, err := openCommand(ctx, e, c, fs, synopsis, args, func() error {
		if verb == "remove" && id == "" && fs.NArg() == 1 {
			id = fs.Arg(0)
		} else if fs.NArg() > 0 {
			return usageErr("unexpected argument %q (see vigil %s --help)", fs.Arg(0), synopsis)
		}
		if *school == "" {
			return usageErr("--school is required")
		}
		switch verb {
		case "add":
			if name == "" || from == "" {
				return usageErr("--name and --from are required")
			}
			var err error
			if h.From, err = vigil.ParseDate(from); err != nil {
				return usageErr("--from: %s", vigil.ErrorMessage(err))
			}
			h.Name = name // a holiday with no last day is one day long
			if to != "" {
				if h.To, err = vigil.ParseDate(to); err != nil {
					return usageErr("--to: %s", vigil.ErrorMessage(err))
				}
			}
		case "remove":
			if id == "" {
				return usageErr("say which holiday: vigil school holidays remove --school SLUG ID (list shows IDs)")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	sc, err := s.FindSchoolBySlug(ctx, *school)
	if err != nil {
		return err
	}
	// Through app, as the settings page does: the same rules, and the
	// change audited as the operator's.
	a := app.New(s, nil, nil, newLogger(c, e.stderr))
	sys := vigil.SystemContext(ctx, sc.ID)
	switch verb {
	case "add":
		if err := a.AddHoliday(sys, &h); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %s, %s to %s, to %s's holidays (%s)\n", h.Name, h.From, h.To, sc.Slug, h.ID)
		return nil
	case "remove":
		if _, err := a.RemoveHoliday(sys, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed holiday %s from %s; referrals already made keep their due times\n", id, sc.Slug)
		return nil
	}
	list, err := a.Holidays(sys)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFROM\tTO\tNAME")
	for _, h := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.ID, h.From, h.To, h.Name)
	}
	return tw.Flush()
}

// runSchoolAgencies lists a school's referral agencies, or adds or changes
// one: its name, its response timescale in working days, and whether it is
// offered (--active=false retires it; an agency is never deleted).
func runSchoolAgencies(ctx context.Context, e *env, args []string) error {
	const usage = "Usage: vigil school agencies list --school SLUG [flags]\n" +
		"       vigil school agencies set --school SLUG --key KEY [--name NAME] [--days N] [--active=false] [flags]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, usage)
		if len(args) == 0 {
			return usageErr("say list or set")
		}
		return nil
	}
	verb, args := args[0], args[1:]
	if verb != "list" && verb != "set" {
		return usageErr("unknown subcommand %q: use list or set", verb)
	}
	fs := flag.NewFlagSet("school agencies "+verb, flag.ContinueOnError)
	c := dbConfig(e, fs)
	school := fs.String("school", "", "slug of the school (required)")
	var key, name string
	var days int
	var active bool
	if verb == "set" {
		fs.StringVar(&key, "key", "", "the agency's key, e.g. camhs; a new key adds an agency (required)")
		fs.StringVar(&name, "name", "", "the agency's name (required for a new agency)")
		fs.IntVar(&days, "days", 0, fmt.Sprintf("working days in which it is expected to respond, 0 to %d (required for a new agency)", vigil.MaxTimescaleDays))
		fs.BoolVar(&active, "active", true, "offer it on the referral form")
	}
	synopsis := "school agencies " + verb + " --school SLUG [flags]"
	s, err := openCommand(ctx, e, c, fs, synopsis, args, func() error {
		if fs.NArg() > 0 {
			return usageErr("unexpected argument %q (see vigil %s --help)", fs.Arg(0), synopsis)
		}
		if *school == "" {
			return usageErr("--school is required")
		}
		if verb == "set" && key == "" {
			return usageErr("--key is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	sc, err := s.FindSchoolBySlug(ctx, *school)
	if err != nil {
		return err
	}
	a := app.New(s, nil, nil, newLogger(c, e.stderr))
	sys := vigil.SystemContext(ctx, sc.ID)
	list, err := a.ReferralAgencies(sys)
	if err != nil {
		return err
	}
	if verb == "list" {
		return printAgencies(e, list)
	}
	// An existing agency changes only in what was given; a new one needs
	// a name and a timescale. app checks both as the settings page does.
	var g *vigil.ReferralAgency
	if slices.ContainsFunc(list, func(o vigil.ReferralAgency) bool { return o.Key == key }) {
		var ch app.AgencyChange
		if name != "" {
			ch.Name = &name
		}
		if flagGiven(fs, "days") {
			ch.TimescaleDays = &days
		}
		if flagGiven(fs, "active") {
			ch.Active = &active
		}
		g, err = a.ChangeReferralAgency(sys, key, ch)
	} else {
		if !flagGiven(fs, "days") {
			return usageErr("--days is required for a new agency")
		}
		g, err = a.AddReferralAgency(sys, vigil.ReferralAgency{Key: key, Name: name, TimescaleDays: days, Active: active})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved agency %s (%s): a response within %s%s; referrals already made keep their due times\n",
		g.Key, g.Name, vigil.TimescaleText(g.TimescaleDays), map[bool]string{true: "", false: ", not offered"}[g.Active])
	return nil
}

// flagGiven reports whether the flag called name was set on the command
// line, rather than left at its default.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

func printAgencies(e *env, list []vigil.ReferralAgency) error {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tDAYS\tOFFERED\tNAME")
	for _, g := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", g.Key, g.TimescaleDays, yesNo(g.Active), g.Name)
	}
	return tw.Flush()
}
