package app_test

import (
	"context"
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

// addDeputy adds a deputy DSL to sc (designated, so told about overdue
// actions) and returns them.
func addDeputy(t *testing.T, s *store.Store, sc *storetest.School) *vigil.Person {
	t.Helper()
	p := &vigil.Person{Email: "deputy@" + sc.Slug + ".test", Name: "Deputy at " + sc.Name}
	if err := s.CreatePerson(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMembership(sc.Ctx, &vigil.Membership{PersonID: p.ID, Role: vigil.RoleDeputyDSL, Designated: true, Active: true}); err != nil {
		t.Fatal(err)
	}
	return p
}

// asPerson acts as p in sc, stepped up.
func asPerson(t *testing.T, s *store.Store, sc *storetest.School, p *vigil.Person, role vigil.Role) context.Context {
	t.Helper()
	perms, err := s.FindPermissions(sc.Ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: sc.ID, Role: role,
		Designated: role == vigil.RoleDSL || role == vigil.RoleDeputyDSL, SteppedUp: true, Permissions: perms})
}

// kinds returns the kinds of person's notifications in sc, oldest first,
// with "(read)" after those saved or marked read.
func kinds(t *testing.T, env *vigiltest.Env, ctx context.Context) []string {
	t.Helper()
	l, err := env.App.NotificationPage(ctx, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(l.Items) - 1; i >= 0; i-- {
		k := l.Items[i].Kind
		if !l.Items[i].ReadAt.IsZero() {
			k += " (read)"
		}
		out = append(out, k)
	}
	return out
}

// emailsTo counts the email jobs addressed to email.
func emailsTo(t *testing.T, s *store.Store, email string) int {
	t.Helper()
	list, err := s.FindJobs(context.Background(), store.JobFilter{Kind: job.KindEmail, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range list {
		if strings.Contains(string(j.Payload), `"to":"`+email+`"`) {
			n++
		}
	}
	return n
}

// at returns hour:minute on day in London, the fixtures' time zone.
func at(t *testing.T, day vigil.Date, hour, minute int) time.Time {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	d := day.Time()
	return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, london)
}

func addDays(d vigil.Date, n int) vigil.Date { return vigil.DateOf(d.Time().AddDate(0, 0, n)) }

// An action assigned to the deputy and due in two days reminds the deputy
// the day before (from 07:00, not at 06:30) and on the day, and both DSLs
// the day after; each reminder once, however often the job runs; a done
// action and one on a closed concern remind no one. The reminder's
// notifications and emails follow each person's choice.
func TestActionReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		deputy := addDeputy(t, s, oak)
		teacher, dsl := as(t, s, oak, "teacher"), as(t, s, oak, "dsl")
		dep := asPerson(t, s, oak, deputy, vigil.RoleDeputyDSL)
		bullying := category(t, s, oak, "bullying")
		c := logConcern(t, env, teacher, "Amara said older pupils took her lunch again.", bullying, oak.Pupils["amara"])
		today := vigil.DateOf(env.Now().In(must(time.LoadLocation("Europe/London"))))
		due := addDays(today, 2)
		a, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "spoke_pupil", Body: "Speak to Amara at lunch.", AssignedTo: deputy.ID, DueOn: due})
		if err != nil {
			t.Fatal(err)
		}
		done, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "monitoring", Body: "Watch the queue.", AssignedTo: deputy.ID, DueOn: due})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.App.SetActionDone(dsl, c.ID, done.ID, true); err != nil {
			t.Fatal(err)
		}
		// A concern that was closed with an action still open: no reminders.
		closed := logConcern(t, env, teacher, "A second, resolved worry.", bullying, oak.Pupils["ben"])
		if _, err := env.App.AddAction(dsl, closed.ID, app.NewAction{Type: "note", Body: "Stale.", AssignedTo: deputy.ID, DueOn: due}); err != nil {
			t.Fatal(err)
		}
		if err := env.App.CloseConcern(dsl, closed.ID, "Resolved with the family."); err != nil {
			t.Fatal(err)
		}
		base, depBase := kinds(t, env, dsl), kinds(t, env, dep)
		run := func(now time.Time, want int) {
			t.Helper()
			n, err := env.App.SendReminders(context.Background(), now)
			if err != nil || n != want {
				t.Fatalf("at %v: sent %d, %v; want %d", now, n, err, want)
			}
		}
		with := func(list []string, more ...string) []string { return append(append([]string{}, list...), more...) }

		run(at(t, today, 9, 0), 0)
		run(at(t, addDays(due, -1), 6, 30), 0) // too early in the day
		run(at(t, addDays(due, -1), 7, 0), 1)
		run(at(t, addDays(due, -1), 8, 0), 0) // not again
		if got := kinds(t, env, dep); !equal(got, with(depBase, "action.due_tomorrow")) {
			t.Errorf("deputy after the day before: %v", got)
		}
		run(at(t, due, 7, 30), 1)
		run(at(t, due, 15, 0), 0)

		// The deputy now wants no emails, the DSL only emails.
		if err := env.App.SetNotificationChannel(dep, vigil.ChannelInApp); err != nil {
			t.Fatal(err)
		}
		if err := env.App.SetNotificationChannel(dsl, vigil.ChannelEmail); err != nil {
			t.Fatal(err)
		}
		depMails, dslMails := emailsTo(t, s, deputy.Email), emailsTo(t, s, oak.Staff["dsl"].Email)
		run(at(t, addDays(due, 1), 7, 0), 1)
		run(at(t, addDays(due, 1), 12, 0), 0)
		run(at(t, addDays(due, 5), 12, 0), 0)

		if got := kinds(t, env, dep); !equal(got, with(depBase, "action.due_tomorrow", "action.due_today", "action.overdue")) {
			t.Errorf("deputy: %v", got)
		}
		if got := kinds(t, env, dsl); !equal(got, with(base, "action.overdue (read)")) {
			t.Errorf("DSL: %v (before %v)", got, base)
		}
		if n := emailsTo(t, s, deputy.Email); n != depMails {
			t.Errorf("the deputy chose in-app only but got %d more emails", n-depMails)
		}
		if n := emailsTo(t, s, oak.Staff["dsl"].Email); n != dslMails+1 {
			t.Errorf("the DSL chose email only and got %d more emails, want 1", n-dslMails)
		}
		// The notification leads to the action on its concern.
		l, err := env.App.NotificationPage(dep, 0, 1)
		if err != nil || len(l.Items) != 1 {
			t.Fatal(l, err)
		}
		if got, want := app.NotificationLink(l.Items[0]), "/concerns/"+string(c.ID)+"#action-"+string(a.ID); got != want {
			t.Errorf("link %q, want %q", got, want)
		}
		// Elm heard nothing.
		if got := kinds(t, env, as(t, s, env.Fixtures.Elm, "dsl")); len(got) != 0 {
			t.Errorf("Elm's DSL: %v", got)
		}
	})
}

// Two runners at once send each reminder once.
func TestActionRemindersConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		deputy := addDeputy(t, s, oak)
		dsl := as(t, s, oak, "dsl")
		c := logConcern(t, env, as(t, s, oak, "teacher"), "Chloe was upset at the gate.", category(t, s, oak, "bullying"), oak.Pupils["chloe"])
		today := vigil.DateOf(env.Now().In(must(time.LoadLocation("Europe/London"))))
		for range 3 {
			if _, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "note", Body: "Check in.", AssignedTo: deputy.ID, DueOn: addDays(today, 1)}); err != nil {
				t.Fatal(err)
			}
		}
		now := at(t, today, 10, 0)
		var wg sync.WaitGroup
		start := make(chan struct{})
		sent := make([]int, 4)
		errs := make([]error, 4)
		for i := range sent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				sent[i], errs[i] = env.App.SendSchoolReminders(vigil.SystemContext(context.Background(), oak.ID), now)
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range sent {
			if errs[i] != nil {
				t.Fatalf("runner %d: %v", i, errs[i])
			}
			total += sent[i]
		}
		if total != 3 {
			t.Errorf("runners sent %v, %d in all; want 3", sent, total)
		}
		n := 0
		for _, k := range kinds(t, env, asPerson(t, s, oak, deputy, vigil.RoleDeputyDSL)) {
			if k == vigil.NotifyActionDueTomorrow {
				n++
			}
		}
		if n != 3 {
			t.Errorf("the deputy has %d due-tomorrow notifications, want 3", n)
		}
	})
}

// Only the job runner sends reminders.
func TestRemindersNeedSystem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		if _, err := env.App.SendSchoolReminders(as(t, s, env.Fixtures.Oak, "dsl"), env.Now()); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a DSL sending reminders: %v", err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
