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
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// TestSeedReferrals gives the demo school's busiest pupils their referrals
// after the history: some overdue, some answered, some closed, linked to
// their concerns; and seeding again adds nothing.
func TestSeedReferrals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, s, auth.NewHasher(auth.TestArgon2, 2), password, now)
		if err != nil {
			t.Fatal(err)
		}
		key := make([]byte, crypt.MasterKeySize)
		_, _ = rand.Read(key)
		w, err := crypt.NewMasterWrapper(key)
		if err != nil {
			t.Fatal(err)
		}
		v := crypt.NewVault(s, w)
		if _, err := demo.SeedHistory(ctx, s, v, res, now); err != nil {
			t.Fatalf("SeedHistory: %v", err)
		}
		a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
		a.Vault = v
		clock := func() time.Time { return now }
		s.Now, a.Now = clock, clock

		got, err := demo.SeedReferrals(ctx, a, res, now)
		if err != nil {
			t.Fatalf("SeedReferrals: %v", err)
		}
		if got.Skipped || got.Made != 6 || got.Overdue != 2 || got.Answered != 3 || got.Closed != 2 {
			t.Fatalf("referrals = %+v", got)
		}
		sys := vigil.SystemContext(ctx, res.School.ID)
		all := store.ReferralFilter{Visibility: store.Visibility{All: true}}
		list, err := s.FindReferrals(sys, all)
		if err != nil || len(list) != 6 {
			t.Fatalf("stored %d referrals, %v", len(list), err)
		}
		linked, pupils := 0, map[vigil.PupilID]bool{}
		for i, r := range list {
			pupils[r.PupilID] = true
			if r.ConcernID != "" {
				linked++
				c, err := s.FindConcern(sys, r.ConcernID)
				if err != nil || c.Link(r.PupilID) == nil || !c.ReportedAt.Before(r.MadeAt) {
					t.Errorf("referral %d is linked to a concern not about its pupil, or logged after it: %v", i, err)
				}
			}
			if r.MadeAt.After(now) || r.MadeAt.Before(now.AddDate(0, -6, 0)) {
				t.Errorf("referral %d made at %s", i, r.MadeAt)
			}
			if i < 2 && !r.Overdue {
				t.Errorf("the list does not start with the overdue referrals: %d is %s", i, r.Status())
			}
		}
		if linked < 5 || len(pupils) != 6 {
			t.Errorf("%d linked to concerns, %d pupils; want most linked, one pupil each", linked, len(pupils))
		}
		again, err := demo.SeedReferrals(ctx, a, res, now)
		if err != nil || !again.Skipped {
			t.Errorf("seeding again: %+v, %v", again, err)
		}
		if n, _ := s.CountReferrals(sys, all); n != 6 {
			t.Errorf("%d referrals after seeding again", n)
		}
	})
}
