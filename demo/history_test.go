package demo_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/audit"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/demo"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// TestSeedHistory seeds the demo school's two school years of records and
// checks they look like a school's: enough of everything, in categories the
// school uses, long chronologies for a few pupils, open and overdue work for
// the DSL team, a handful of new concerns, no email, an intact audit trail;
// and that seeding again adds nothing.
func TestSeedHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := auth.NewHasher(auth.TestArgon2, 2)
		res, err := demo.Seed(ctx, s, h, password, now)
		if err != nil {
			t.Fatal(err)
		}
		v := newVault(t, s)
		hist, err := demo.SeedHistory(ctx, s, v, res, now)
		if err != nil {
			t.Fatalf("SeedHistory: %v", err)
		}
		if hist.Skipped || hist.Concerns < 250 || hist.Concerns > 350 || hist.Actions < hist.Concerns || hist.Closed < hist.Concerns/2 ||
			hist.Closed > hist.Concerns-30 || hist.Notes < 8 || hist.Revised < 3 || hist.KeyEvents < 20 || hist.Unreviewed < 2 || hist.Unreviewed > 8 {
			t.Fatalf("history = %+v", hist)
		}
		if s.Now().Before(time.Now().Add(-time.Minute)) {
			t.Fatal("the store's clock was not put back")
		}

		sys := vigil.SystemContext(ctx, res.School.ID)
		all := store.Visibility{All: true}
		count := func(f store.ConcernFilter) int {
			t.Helper()
			f.Visibility = all
			n, err := s.CountConcerns(sys, f)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, unrev, closed := count(store.ConcernFilter{}), count(store.ConcernFilter{Unreviewed: true}), count(store.ConcernFilter{Status: vigil.ConcernClosed}); n != hist.Concerns || unrev != hist.Unreviewed || closed != hist.Closed {
			t.Fatalf("stored: %d concerns, %d unreviewed, %d closed; reported %+v", n, unrev, closed, hist)
		}

		cats, err := s.FindCategories(sys, false)
		if err != nil {
			t.Fatal(err)
		}
		catByID := map[vigil.CategoryID]*vigil.Category{}
		for _, c := range cats {
			catByID[c.ID] = c
		}
		types := map[string]bool{}
		for _, at := range vigil.DefaultActionTypes() {
			types[at.Key] = true
		}
		members, err := s.FindMembers(sys)
		if err != nil {
			t.Fatal(err)
		}
		person := map[string]vigil.PersonID{}
		for _, m := range members {
			key, _, _ := strings.Cut(m.PersonEmail, "@")
			person[key] = m.PersonID
		}

		list, err := s.FindConcerns(sys, store.ConcernFilter{Visibility: all, Limit: 500})
		if err != nil || len(list) != hist.Concerns {
			t.Fatalf("FindConcerns: %d, %v", len(list), err)
		}
		first := time.Date(2024, time.September, 1, 0, 0, 0, 0, time.UTC) // the school year before now's
		perPupil := map[vigil.PupilID]int{}
		usedCats := map[string]bool{}
		reporters := map[vigil.PersonID]int{}
		open, overdue := map[vigil.PersonID]int{}, 0
		actions := 0
		for _, c := range list {
			if c.OccurredAt.Before(first) || !c.OccurredAt.Before(c.ReportedAt) || !c.ReportedAt.Before(now) {
				t.Errorf("concern %s happened at %s and was logged at %s", c.ID, c.OccurredAt, c.ReportedAt)
			}
			if c.ReviewedAt.IsZero() && c.ReportedAt.Before(now.Add(-4*24*time.Hour)) {
				t.Errorf("concern %s logged at %s is not reviewed", c.ID, c.ReportedAt)
			}
			reporters[c.ReportedBy]++
			for _, id := range c.Categories() {
				if k := catByID[id]; k == nil || !k.Active {
					t.Errorf("concern %s is in category %s, which is not active", c.ID, id)
				} else {
					usedCats[k.Key] = true
				}
			}
			for _, p := range c.Pupils {
				perPupil[p.PupilID]++
			}
			as, err := s.FindActions(sys, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				actions++
				if !types[a.Type] || a.TakenOn.After(vigil.DateOf(now)) || a.CreatedAt.Before(c.ReportedAt) {
					t.Errorf("action %s: type %s, taken on %s, made at %s for a concern logged at %s", a.ID, a.Type, a.TakenOn, a.CreatedAt, c.ReportedAt)
				}
				if !a.Done() && a.AssignedTo != "" {
					open[a.AssignedTo]++
					if a.Overdue(vigil.DateOf(now)) {
						overdue++
					}
				}
			}
		}
		if actions != hist.Actions {
			t.Errorf("%d actions stored, %d reported", actions, hist.Actions)
		}
		for _, k := range []string{"behaviour", "pastoral", "attendance", "bullying", "child_protection", "domestic_abuse", "online_safety", "mental_health", "self_harm"} {
			if !usedCats[k] {
				t.Errorf("no concern in %s", k)
			}
		}
		if len(usedCats) < 15 {
			t.Errorf("only %d categories used", len(usedCats))
		}
		if reporters[person["teacher"]] < len(list)/3 || len(reporters) < 5 {
			t.Errorf("reporters %v: want mostly the teacher, and others", reporters)
		}
		if open[person["dsl"]] < 2 || open[person["deputy"]] < 2 || overdue < 2 {
			t.Errorf("open actions %v, %d overdue: want some for the DSL and the deputy, a few overdue", open, overdue)
		}
		busy, busiest := 0, vigil.PupilID("")
		for p, n := range perPupil {
			if n >= 4 {
				busy++
			}
			if n > perPupil[busiest] || n == perPupil[busiest] && p < busiest {
				busiest = p
			}
		}
		if busy < 8 || len(perPupil) < 100 || perPupil[busiest] < 8 {
			t.Errorf("%d pupils have 4 concerns or more, %d have any, the busiest %d", busy, len(perPupil), perPupil[busiest])
		}
		for _, f := range []vigil.Flag{vigil.FlagCPPlan, vigil.FlagCIN} {
			ps, _, err := s.FindPupils(sys, vigil.PupilFilter{Flag: f})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if perPupil[p.ID] < 4 {
					t.Errorf("pupil %s with %s has %d concerns", p.MISID, f, perPupil[p.ID])
				}
			}
		}

		// The DSL reads the busiest pupil's chronology, in order, opened.
		a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
		a.Vault, a.Now = v, func() time.Time { return now }
		dsl := actorContext(t, s, sys, res.School.ID, person["dsl"])
		ch, err := a.Chronology(dsl, busiest, app.ChronologyFilter{})
		if err != nil {
			t.Fatalf("chronology: %v", err)
		}
		kinds, keys := map[string]int{}, 0
		for i, e := range ch.Entries {
			kinds[e.Kind]++
			if e.Key {
				keys++
			}
			if i > 0 && e.At.Before(ch.Entries[i-1].At) {
				t.Errorf("entry %d at %s comes after one at %s", i, e.At, ch.Entries[i-1].At)
			}
			if e.Summary == "" || strings.ContainsAny(e.Summary, "{}") {
				t.Errorf("entry %d (%s) reads %q", i, e.Kind, e.Summary)
			}
		}
		if kinds["concern"] != perPupil[busiest] || kinds["action"] < kinds["concern"] || keys < 3 {
			t.Errorf("chronology of the busiest pupil: %v, %d key events", kinds, keys)
		}

		// Every account opens, with no template left unfilled; a few
		// physical injuries have body maps.
		marks, texts := 0, map[string]bool{}
		for _, span := range [][2]vigil.Date{
			{vigil.NewDate(2024, time.September, 1), vigil.NewDate(2025, time.February, 28)},
			{vigil.NewDate(2025, time.March, 1), vigil.NewDate(2025, time.August, 31)},
			{vigil.NewDate(2025, time.September, 1), vigil.NewDate(2025, time.December, 31)},
			{vigil.NewDate(2026, time.January, 1), vigil.DateOf(now)},
		} {
			from, to := span[0], span[1]
			got, err := a.SearchConcerns(dsl, app.SearchFilter{From: from, To: to, Limit: 200})
			if err != nil || len(got) == 200 {
				t.Fatalf("concerns from %s to %s: %d, %v", from, to, len(got), err)
			}
			for _, c := range got {
				if len(c.Concern.BodyMap) > 0 {
					marks++
				}
				for _, text := range []string{c.Concern.Body, c.Concern.Location, c.Concern.Outcome, c.Concern.Agencies} {
					if strings.ContainsAny(text, "{}") {
						t.Errorf("concern %s reads %q", c.Concern.ID, text)
					}
				}
				if texts[c.Concern.Body] {
					t.Errorf("two concerns read %q", c.Concern.Body)
				}
				texts[c.Concern.Body] = true
			}
		}
		if len(texts) != hist.Concerns || marks < 4 {
			t.Errorf("%d accounts read of %d, %d body maps", len(texts), hist.Concerns, marks)
		}

		// No email was queued; only the last few days' alerts are unread.
		jobs, err := s.CountJobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for state, n := range jobs {
			if n > 0 {
				t.Errorf("%d jobs %s", n, state)
			}
		}
		if _, unread, err := s.FindNotifications(sys, person["dsl"], 0); err != nil || unread < 1 || unread > 20 {
			t.Errorf("the DSL has %d unread notifications, %v", unread, err)
		}
		if r, err := audit.Verify(ctx, s, res.School.ID, nil, nil); err != nil || r.Problem != "" || r.Seq < int64(hist.Concerns) {
			t.Errorf("audit trail: %+v, %v", r, err)
		}

		// Again, after the demo is refreshed: nothing is added.
		res, err = demo.Seed(ctx, s, h, password, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		again, err := demo.SeedHistory(ctx, s, v, res, now.Add(time.Hour))
		if err != nil || !again.Skipped || again.Concerns != 0 {
			t.Fatalf("second SeedHistory = %+v, %v", again, err)
		}
		if n := count(store.ConcernFilter{}); n != hist.Concerns {
			t.Fatalf("%d concerns after the second run, %d before", n, hist.Concerns)
		}
	})
}

func newVault(t *testing.T, s *store.Store) *crypt.Vault {
	t.Helper()
	key := make([]byte, crypt.MasterKeySize)
	_, _ = rand.Read(key)
	w, err := crypt.NewMasterWrapper(key)
	if err != nil {
		t.Fatal(err)
	}
	return crypt.NewVault(s, w)
}

// actorContext acts as person in the school, stepped up, with their
// permissions.
func actorContext(t *testing.T, s *store.Store, sys context.Context, school vigil.SchoolID, person vigil.PersonID) context.Context {
	t.Helper()
	m, err := s.FindMember(sys, person)
	if err != nil {
		t.Fatal(err)
	}
	perms, err := s.FindPermissions(sys, person)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: person, SchoolID: school, Role: m.Role, Designated: m.Designated,
		SteppedUp: true, Permissions: perms})
}
