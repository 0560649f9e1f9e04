package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestPersonTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		bg := context.Background()
		now := time.Now()
		s.Now = func() time.Time { return now }
		dsl, teacher := f.Oak.Staff["dsl"], f.Oak.Staff["teacher"]
		gone := func(t *testing.T, hash, purpose string) {
			t.Helper()
			if _, err := s.FindPersonToken(bg, hash, purpose); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Fatalf("find: %v, want not found", err)
			}
			if _, err := s.TakePersonToken(bg, hash, purpose); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Fatalf("take: %v, want not found", err)
			}
		}

		// A reset token works once, and only for its purpose.
		_, first := auth.NewToken()
		if err := s.CreatePersonToken(bg, dsl.ID, store.TokenReset, "", first, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindPersonToken(bg, first, store.TokenInvite); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("reset token found as an invitation: %v", err)
		}
		got, err := s.FindPersonToken(bg, first, store.TokenReset)
		if err != nil || got.PersonID != dsl.ID || got.InviteSchoolID != "" {
			t.Fatalf("find: %+v, %v", got, err)
		}
		if got, err := s.TakePersonToken(bg, first, store.TokenReset); err != nil || got.PersonID != dsl.ID {
			t.Fatalf("take: %+v, %v", got, err)
		}
		gone(t, first, store.TokenReset)

		// A new reset token replaces the older unused one, not another
		// person's.
		_, older := auth.NewToken()
		_, newer := auth.NewToken()
		_, theirs := auth.NewToken()
		for _, c := range []struct {
			p    vigil.PersonID
			hash string
		}{{dsl.ID, older}, {teacher.ID, theirs}, {dsl.ID, newer}} {
			if err := s.CreatePersonToken(bg, c.p, store.TokenReset, "", c.hash, 30*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		gone(t, older, store.TokenReset)
		if _, err := s.FindPersonToken(bg, theirs, store.TokenReset); err != nil {
			t.Fatalf("another person's token: %v", err)
		}

		// Expiry: valid up to the last moment, not at it.
		now = now.Add(29 * time.Minute)
		if _, err := s.FindPersonToken(bg, newer, store.TokenReset); err != nil {
			t.Fatalf("after 29 minutes: %v", err)
		}
		now = now.Add(time.Minute)
		gone(t, newer, store.TokenReset)

		// An invitation carries its school.
		_, inv := auth.NewToken()
		if err := s.CreatePersonToken(bg, teacher.ID, store.TokenInvite, f.Elm.ID, inv, 7*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindPersonToken(bg, inv, store.TokenInvite); err != nil || got.InviteSchoolID != f.Elm.ID {
			t.Fatalf("invitation: %+v, %v", got, err)
		}
		for _, bad := range []struct {
			purpose string
			school  vigil.SchoolID
			ttl     time.Duration
		}{{"login", "", time.Hour}, {store.TokenInvite, "", time.Hour}, {store.TokenReset, f.Oak.ID, time.Hour}, {store.TokenReset, "", 0}} {
			_, h := auth.NewToken()
			if err := s.CreatePersonToken(bg, dsl.ID, bad.purpose, bad.school, h, bad.ttl); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("create %+v: %v, want invalid", bad, err)
			}
		}

		// Of many requests racing with one token, exactly one takes it.
		_, raced := auth.NewToken()
		if err := s.CreatePersonToken(bg, dsl.ID, store.TokenReset, "", raced, 30*time.Minute); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, lost := 0, 0
		for range 8 {
			wg.Go(func() {
				_, err := s.TakePersonToken(bg, raced, store.TokenReset)
				mu.Lock()
				defer mu.Unlock()
				switch vigil.ErrorCode(err) {
				case "":
					won++
				case vigil.ENOTFOUND:
					lost++
				default:
					t.Errorf("take: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 || lost != 7 {
			t.Fatalf("racing takes: %d won, %d lost", won, lost)
		}
	})
}
