package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/config"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/demo"
	"github.com/vigil-safeguarding/vigil/store"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c := dbConfig(e, fs)
	if err := parse(e, fs, "demo [flags]", args); err != nil {
		return err
	}
	if err := c.Resolve(e.getenv); err != nil {
		return usageErr("%v", err)
	}
	log := newLogger(c, e.stderr)
	sealer, err := loadSealer(c, e, log)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Close()
	return seedDemo(ctx, e, s, auth.NewHasher(auth.DefaultArgon2, max(2, runtime.NumCPU())), sealer, c)
}

// seedDemo creates or refreshes the demo school and prints how to sign in.
func seedDemo(ctx context.Context, e *env, s *store.Store, h *auth.Hasher, sealer *crypt.Sealer, c *config.Config) error {
	password, generated := e.getenv("VIGIL_DEMO_PASSWORD"), false
	if password == "" {
		password, generated = demoPassword(), true
	}
	res, err := demo.Seed(ctx, s, h, password, time.Now())
	if err != nil {
		return err
	}
	// Two school years of concerns, actions and outcomes, unless asked not
	// to; a school that has concerns already is left as it is.
	var hist *demo.History
	if v := strings.ToLower(e.getenv("VIGIL_DEMO_HISTORY")); v != "off" && v != "0" && v != "false" && v != "no" {
		vault, _, err := openVault(c, e, s)
		if err != nil {
			return err
		}
		if hist, err = demo.SeedHistory(ctx, s, vault, res, time.Now()); err != nil {
			return err
		}
		// A term of communications and open, overdue and closed
		// referrals for the busiest pupils; each is skipped when the
		// school has some already.
		a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
		a.Vault = vault
		if _, err := demo.SeedCommunications(ctx, a, res.School.ID, time.Now()); err != nil {
			return err
		}
		if _, err := demo.SeedReferrals(ctx, a, res, time.Now()); err != nil {
			return err
		}
		if _, err := demo.SeedMISStaff(ctx, a, res); err != nil {
			return err
		}
	}
	secret := e.getenv("VIGIL_DEMO_TOTP_SECRET")
	if secret == "" {
		fresh, err := auth.NewTOTP("Vigil demo", "staff@"+demo.EmailDomain)
		if err != nil {
			return err
		}
		secret = fresh.Secret
	}
	totp, err := demo.EnrolTOTP(ctx, s, sealer, res, secret)
	if err != nil {
		return err
	}
	w := e.stdout
	verb := "refreshed"
	if res.Created {
		verb = "created"
	}
	fmt.Fprintf(w, "\nDemo school %s: %s (%d pupils added, %d changed).\n", verb, res.School.Name, res.PupilsAdded, res.PupilsChanged)
	switch {
	case hist == nil:
	case hist.Skipped:
		fmt.Fprintln(w, "Its safeguarding records are kept as they are.")
	default:
		fmt.Fprintf(w, "Safeguarding history added: %d concerns over two school years, %d actions, %d closed (set VIGIL_DEMO_HISTORY=off to leave it out).\n",
			hist.Concerns, hist.Actions, hist.Closed)
	}
	if c.Addr != "" {
		fmt.Fprintf(w, "Open %s and sign in as one of:\n", c.BaseURL)
	} else {
		fmt.Fprintln(w, "Start it with `vigil serve` and sign in as one of:")
	}
	for _, st := range res.Staff {
		fmt.Fprintf(w, "  %-32s %s\n", st.Email, st.Role.Title())
	}
	if generated {
		fmt.Fprintf(w, "Password for every demo account: %s\n(set VIGIL_DEMO_PASSWORD to choose it; it is generated anew each run otherwise)\n", password)
	} else {
		fmt.Fprintln(w, "Password for every demo account: the value of VIGIL_DEMO_PASSWORD")
	}
	fmt.Fprintf(w, "Accounts that can open pupil records also need a code from an authenticator app.\n"+
		"Add this key to one (it is the same for every demo account): %s\n  %s\n", totp.Secret, totp.URL)
	if e.getenv("VIGIL_DEMO_TOTP_SECRET") == "" {
		fmt.Fprintln(w, "(set VIGIL_DEMO_TOTP_SECRET to choose it; it is generated anew each run otherwise)")
	}
	fmt.Fprintln(w)
	return nil
}

// demoPassword returns a random password that meets the default policy.
func demoPassword() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return "Demo-" + s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16] + "-9"
}
