package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/vigil-safeguarding/vigil"
)

func runSchool(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, "Usage: vigil school add --slug SLUG --name NAME [flags]\n       vigil school list [flags]\n"+
			"       vigil school holidays list|add|remove --school SLUG [flags]\n       vigil school agencies list|set --school SLUG [flags]\n\nRun vigil school add --help for the flags.")
		if len(args) == 0 {
			return usageErr("say add or list")
		}
		return nil
	}
	switch args[0] {
	case "add":
		return runSchoolAdd(ctx, e, args[1:])
	case "list":
		return runSchoolList(ctx, e, args[1:])
	case "holidays":
		return runSchoolHolidays(ctx, e, args[1:])
	case "agencies":
		return runSchoolAgencies(ctx, e, args[1:])
	}
	return usageErr("unknown subcommand %q: use add, list, holidays or agencies", args[0])
}

func runSchoolAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("school add", flag.ContinueOnError)
	c := dbConfig(e, fs)
	sc := &vigil.School{}
	fs.StringVar(&sc.Slug, "slug", "", "short name for the command line, e.g. riverside (required)")
	fs.StringVar(&sc.Name, "name", "", "the school's name (required)")
	fs.StringVar(&sc.URN, "urn", "", "the DfE's six-digit unique reference number")
	fs.StringVar(&sc.LocalAuthority, "local-authority", "", "the local authority")
	fs.StringVar(&sc.Phase, "phase", "", "nursery, primary, middle, secondary, all-through, special, alternative-provision or post-16")
	trust := fs.String("trust", "", "name of the multi-academy trust or group the school belongs to (made if new)")
	s, err := openCommand(ctx, e, c, fs, "school add --slug SLUG --name NAME [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if *trust != "" {
		g, err := s.FindOrCreateGroup(ctx, *trust)
		if err != nil {
			return err
		}
		sc.GroupID = g.ID
	}
	if err := s.CreateSchool(ctx, sc); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added school %s (%s) with the default categories\n", sc.Slug, sc.Name)
	if *trust != "" {
		fmt.Fprintf(e.stdout, "%s is in the trust %s\n", sc.Slug, *trust)
	}
	return nil
}

func runSchoolList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("school list", flag.ContinueOnError)
	c := dbConfig(e, fs)
	s, err := openCommand(ctx, e, c, fs, "school list [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.FindSchools(ctx)
	if err != nil {
		return err
	}
	groups, err := s.FindGroups(ctx)
	if err != nil {
		return err
	}
	trusts := map[vigil.GroupID]string{}
	for _, g := range groups {
		trusts[g.ID] = g.Name
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tURN\tPHASE\tLOCAL AUTHORITY\tTRUST")
	for _, sc := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sc.Slug, sc.Name, sc.URN, sc.Phase, sc.LocalAuthority, trusts[sc.GroupID])
	}
	return tw.Flush()
}
