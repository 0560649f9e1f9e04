package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/job"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// referralClock is a clock the test moves by hand, shared by the store, the
// app and both runners.
type referralClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *referralClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *referralClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Two vigil serve processes' job runners, over several 15-minute periods,
// tell the school about an overdue referral once: one notification to the
// DSL, one email.
func TestOverdueReferralJobRunsOnceAcrossRunners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		clock := &referralClock{t: env.Now().UTC().Truncate(15 * time.Minute).Add(time.Minute)}
		s.Now, env.App.Now = clock.Now, clock.Now

		perms, err := s.FindPermissions(oak.Ctx, oak.Staff["dsl"].ID)
		if err != nil {
			t.Fatal(err)
		}
		dsl := vigil.NewContext(context.Background(), &vigil.Actor{PersonID: oak.Staff["dsl"].ID, SchoolID: oak.ID, Role: vigil.RoleDSL,
			Designated: true, SteppedUp: true, Permissions: perms})
		r, err := env.App.MakeReferral(dsl, app.NewReferral{PupilID: oak.Pupils["amara"].ID, Agency: "police", Method: vigil.ReferByPhone,
			MadeAt: clock.Now().Add(-10 * 24 * time.Hour)})
		if err != nil || !r.Overdue {
			t.Fatalf("make referral: %v (overdue %v)", err, r != nil && r.Overdue)
		}

		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var stops []func()
		var runners []*job.Runner
		for range 2 {
			jr := newJobRunner(s, env.App, log)
			jr.Now, jr.Poll = clock.Now, 10*time.Millisecond
			runners = append(runners, jr)
		}
		for _, jr := range runners { // both at once: they race for each period
			stops = append(stops, startJobs(context.Background(), jr, log))
		}
		defer func() {
			for _, stop := range stops {
				stop()
			}
		}()

		const periods = 3
		for p := 1; p <= periods; p++ {
			waitForReferralJobs(t, "the overdue check of the period to be done", func() bool {
				done, err := s.FindJobs(context.Background(), store.JobFilter{Kind: job.PeriodicPrefix + "referrals.overdue", State: store.JobDone})
				if err != nil {
					t.Fatal(err)
				}
				return len(done) == p
			})
			if p < periods {
				clock.Add(15 * time.Minute)
				for _, jr := range runners {
					jr.Notify()
				}
			}
		}
		waitForReferralJobs(t, "the emails to be sent", func() bool {
			open, err := s.FindJobs(context.Background(), store.JobFilter{Kind: job.KindEmail, Open: true})
			return err == nil && len(open) == 0
		})
		for _, stop := range stops {
			stop()
		}

		all, err := s.FindJobs(context.Background(), store.JobFilter{Kind: job.PeriodicPrefix + "referrals.overdue", Limit: 100})
		if err != nil || len(all) != periods {
			t.Errorf("overdue checks: %d, %v; want one per period, %d", len(all), err, periods)
		}
		list, err := env.App.NotificationPage(dsl, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, note := range list.Items {
			if note.Kind == vigil.NotifyReferralOverdue && note.ObjectID == string(r.ID) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the DSL has %d overdue notices; want 1", n)
		}
		emails, err := s.FindJobs(oak.Ctx, store.JobFilter{Kind: job.KindEmail, School: oak.ID, Limit: 100})
		if err != nil || len(emails) != 1 {
			t.Errorf("emails: %d, %v; want 1", len(emails), err)
		}
	})
}

// waitForReferralJobs waits until cond holds, checking every few milliseconds, for
// at most half a minute.
func waitForReferralJobs(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// vigil school holidays and vigil school agencies keep a school's working
// days and agencies; a referral made afterwards uses them.
func TestSchoolHolidaysAndAgenciesCommands(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.PostgresEnv); u != "" {
		dbs["postgres"] = storetest.NewPostgresSchema(t, u)
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}
			cmd := func(want int, args ...string) string {
				t.Helper()
				code, out, stderr := runCmd(t, vars, "", args...)
				if code != want {
					t.Fatalf("%v: exit %d, want %d: %s%s", args, code, want, out, stderr)
				}
				return out + stderr
			}
			cmd(0, "school", "add", "--slug", "hillside", "--name", "Hillside School")
			cmd(0, "school", "add", "--slug", "dale", "--name", "Dale School")
			if out := cmd(0, "school", "holidays", "list", "--school", "hillside"); !strings.Contains(out, "Boxing Day (substitute day)") ||
				strings.Count(out, "\n") != len(vigil.EnglandBankHolidays())+1 {
				t.Errorf("bank holidays listed:\n%s", out)
			}
			out := cmd(0, "school", "holidays", "add", "--school", "hillside", "--name", "Autumn half term", "--from", "2026-10-26", "--to", "2026-10-30")
			id := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).FindString(out)
			if id == "" {
				t.Fatalf("add printed no id: %s", out)
			}
			cmd(1, "school", "holidays", "add", "--school", "hillside", "--name", "Autumn half term", "--from", "2026-10-26")
			cmd(2, "school", "holidays", "add", "--school", "hillside", "--name", "Bad", "--from", "26/10/2026")
			cmd(2, "school", "holidays", "add", "--name", "No school", "--from", "2026-10-26")
			if out := cmd(0, "school", "holidays", "list", "--school", "hillside"); !regexp.MustCompile(`2026-10-26\s+2026-10-30\s+Autumn half term`).MatchString(out) {
				t.Errorf("the half term is not listed:\n%s", out)
			}
			if out := cmd(0, "school", "holidays", "list", "--school", "dale"); strings.Contains(out, "Autumn half term") {
				t.Errorf("Dale has Hillside's half term")
			}
			cmd(1, "school", "holidays", "remove", "--school", "dale", id)
			cmd(0, "school", "holidays", "remove", id, "--school", "hillside")
			cmd(1, "school", "holidays", "remove", "--school", "hillside", id)

			cmd(0, "school", "agencies", "set", "--school", "hillside", "--key", "camhs", "--days", "15")
			cmd(0, "school", "agencies", "set", "--school", "hillside", "--key", "yot", "--name", "Youth Offending Team", "--days", "5")
			cmd(2, "school", "agencies", "set", "--school", "hillside", "--key", "new_one", "--name", "New")
			cmd(1, "school", "agencies", "set", "--school", "hillside", "--key", "slow", "--name", "Slow", "--days", "91")
			cmd(0, "school", "agencies", "set", "--school", "hillside", "--key", "other", "--active=false")
			out = cmd(0, "school", "agencies", "list", "--school", "hillside")
			for _, want := range []string{`camhs\s+15\s+yes`, `yot\s+5\s+yes\s+Youth Offending Team`, `other\s+10\s+no`} {
				if !regexp.MustCompile(want).MatchString(out) {
					t.Errorf("agencies lack %s:\n%s", want, out)
				}
			}
			if out := cmd(0, "school", "agencies", "list", "--school", "dale"); !regexp.MustCompile(`camhs\s+20\s`).MatchString(out) {
				t.Errorf("Dale's CAMHS timescale changed:\n%s", out)
			}
			cmd(2, "school", "agencies", "frob", "--school", "hillside")
		})
	}
}
