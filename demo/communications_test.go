package demo_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/demo"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// TestSeedCommunications gives the demo school a few concerns, then a term
// of communications about its busier pupils: calls, meetings, letters,
// home visits and agency emails, most about a concern, all in the term
// before now, in their chronologies; seeding again adds nothing.
func TestSeedCommunications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)
		res, err := demo.Seed(ctx, s, auth.NewHasher(auth.TestArgon2, 2), "Riverside-comms-7!", at)
		if err != nil {
			t.Fatal(err)
		}
		key := make([]byte, crypt.MasterKeySize)
		_, _ = rand.Read(key)
		w, err := crypt.NewMasterWrapper(key)
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
		a.Vault, a.Emails = crypt.NewVault(s, w), noEmails{}
		sys := vigil.SystemContext(ctx, res.School.ID)
		dsl := commDemoDSL(t, s, sys, res)

		// A small history rather than SeedHistory's two years: pupil i of
		// the first eight has i+1 concerns in the term before at.
		pupils, _, err := s.FindPupils(sys, vigil.PupilFilter{Limit: 8})
		if err != nil || len(pupils) != 8 {
			t.Fatalf("pupils: %d, %v", len(pupils), err)
		}
		cats, err := s.FindCategories(sys, true)
		if err != nil {
			t.Fatal(err)
		}
		var family vigil.CategoryID
		for _, c := range cats {
			if c.Key == "family" {
				family = c.ID
			}
		}
		realNow := s.Now
		for i, p := range pupils {
			for j := range i + 1 {
				logged := at.AddDate(0, 0, -80+j*9)
				s.Now = func() time.Time { return logged }
				a.Now = s.Now
				if _, err := a.LogConcern(dsl, app.NewConcern{OccurredAt: logged.Add(-time.Hour), Body: "Something at home.",
					Pupils: []vigil.ConcernPupil{{PupilID: p.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{family}}}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		s.Now, a.Now = realNow, time.Now
		got, err := demo.SeedCommunications(ctx, a, res.School.ID, at)
		if err != nil {
			t.Fatalf("SeedCommunications: %v", err)
		}
		if got.Skipped || got.Pupils < 5 || got.Made < 3*got.Pupils {
			t.Fatalf("communications = %+v", got)
		}
		if s.Now().Before(time.Now().Add(-time.Minute)) || a.Now().Before(time.Now().Add(-time.Minute)) {
			t.Fatal("the clocks were not put back")
		}

		list, err := s.FindCommunications(sys, store.CommunicationFilter{Visibility: store.Visibility{All: true}})
		if err != nil || len(list) != got.Made {
			t.Fatalf("%d stored (%v), %d reported", len(list), err, got.Made)
		}
		types, withs, linked := map[string]int{}, map[string]int{}, 0
		about := map[vigil.PupilID]bool{}
		for _, c := range list {
			types[c.Type]++
			withs[c.With]++
			about[c.PupilID] = true
			if c.ConcernID != "" {
				linked++
			}
			if c.OccurredAt.Before(at.AddDate(0, 0, -85)) || !c.OccurredAt.Before(at) || !c.RecordedAt.After(c.OccurredAt) || c.RecordedAt.After(at) {
				t.Errorf("communication at %s, recorded %s: outside the term before %s", c.OccurredAt, c.RecordedAt, at)
			}
		}
		t.Logf("%+v: types %v, with %v, %d about a concern", got, types, withs, linked)
		if len(types) < 4 || withs[vigil.CommWithParent] == 0 || withs[vigil.CommWithAgency] == 0 || withs[vigil.CommWithPupil] == 0 ||
			linked < len(list)/3 || linked == len(list) || len(about) != got.Pupils {
			t.Errorf("types %v, with %v, %d of %d about a concern, %d pupils", types, withs, linked, len(list), len(about))
		}

		// The DSL sees them, opened, in a busy pupil's chronology.
		ch, err := a.Chronology(dsl, list[0].PupilID, app.ChronologyFilter{Kinds: []string{app.CommunicationKind}})
		if err != nil || len(ch.Entries) == 0 || ch.Entries[0].Summary == "" || ch.Entries[0].Title == "" {
			t.Fatalf("chronology: %v, %v", ch, err)
		}

		again, err := demo.SeedCommunications(ctx, a, res.School.ID, at)
		if err != nil || !again.Skipped {
			t.Fatalf("second run: %+v, %v", again, err)
		}
	})
}

type noEmails struct{}

func (noEmails) EnqueueEmail(context.Context, notify.Message) error { return nil }

// commDemoDSL returns a context acting as the demo DSL, stepped up.
func commDemoDSL(t *testing.T, s *store.Store, sys context.Context, res *demo.Result) context.Context {
	t.Helper()
	for _, st := range res.Staff {
		if st.Role != vigil.RoleDSL {
			continue
		}
		p, err := s.FindPersonByEmail(sys, st.Email)
		if err != nil {
			t.Fatal(err)
		}
		perms, err := s.FindPermissions(sys, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: res.School.ID, Role: vigil.RoleDSL,
			Designated: true, SteppedUp: true, Permissions: perms})
	}
	t.Fatal("no DSL in the demo")
	return nil
}
