package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestSecurityKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		dsl, admin := f.Oak.Staff["dsl"].ID, f.Oak.Staff["admin"].ID
		add := func(person vigil.PersonID, id, name string) *store.SecurityKey {
			t.Helper()
			k := &store.SecurityKey{PersonID: person, CredentialID: []byte(id), Name: name, Credential: `{"id":"x"}`}
			if err := s.AddSecurityKey(ctx, k); err != nil {
				t.Fatalf("add %s: %v", name, err)
			}
			return k
		}
		blue, green := add(dsl, "cred-blue", "Blue"), add(dsl, "cred-green", "Green")
		theirs := add(admin, "cred-admin", "Admin's")
		dup := &store.SecurityKey{PersonID: admin, CredentialID: []byte("cred-blue"), Name: "Again", Credential: "{}"}
		if err := s.AddSecurityKey(ctx, dup); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("same credential id again: %v", err)
		}
		keys, err := s.FindSecurityKeys(ctx, dsl)
		if err != nil || len(keys) != 2 || keys[0].ID != blue.ID || keys[1].Name != "Green" || !keys[0].LastUsedAt.IsZero() {
			t.Fatalf("keys: %+v %v", keys, err)
		}
		if p, _ := s.FindPersonByID(ctx, dsl); p.SecurityKeys != 2 {
			t.Fatalf("person counts %d keys", p.SecurityKeys)
		}

		// Another person's key is not found, whatever is asked of it.
		for name, err := range map[string]error{
			"rename": s.RenameSecurityKey(ctx, dsl, theirs.ID, "Mine"),
			"delete": s.DeleteSecurityKey(ctx, dsl, theirs.ID, false),
			"use":    s.UseSecurityKey(ctx, dsl, theirs.CredentialID, "{}"),
			"bad id": s.DeleteSecurityKey(ctx, dsl, "1' OR 1=1", false),
		} {
			if vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("%s another person's key: %v", name, err)
			}
		}

		if err := s.RenameSecurityKey(ctx, dsl, green.ID, "Spare"); err != nil {
			t.Fatal(err)
		}
		if err := s.UseSecurityKey(ctx, dsl, blue.CredentialID, `{"id":"y"}`); err != nil {
			t.Fatal(err)
		}
		keys, _ = s.FindSecurityKeys(ctx, dsl)
		if keys[0].Credential != `{"id":"y"}` || keys[0].LastUsedAt.IsZero() || keys[1].Name != "Spare" {
			t.Fatalf("after use and rename: %+v", keys)
		}

		// The DSL has an authenticator app in no fixture: the last key stays
		// when asked to keep a second factor, and goes when not.
		if err := s.DeleteSecurityKey(ctx, dsl, blue.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSecurityKey(ctx, dsl, green.ID, true); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("last factor removed: %v", err)
		}
		if err := s.SetTOTP(ctx, dsl, []byte("sealed"), nil); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSecurityKey(ctx, dsl, green.ID, true); err != nil {
			t.Fatalf("last key beside an app: %v", err)
		}
		if err := s.DeleteSecurityKey(ctx, admin, theirs.ID, false); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSecurityKeysRemoveRace removes two keys at once, keeping a second
// factor: one removal may succeed, never both.
func TestSecurityKeysRemoveRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		dsl := f.Oak.Staff["dsl"].ID
		for round := range 5 {
			var ids []string
			for i := range 2 {
				k := &store.SecurityKey{PersonID: dsl, CredentialID: []byte{byte(round), byte(i)}, Name: "k", Credential: "{}"}
				if err := s.AddSecurityKey(ctx, k); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, k.ID)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, id := range ids {
				wg.Go(func() { errs[i] = s.DeleteSecurityKey(ctx, dsl, id, true) })
			}
			wg.Wait()
			keys, _ := s.FindSecurityKeys(ctx, dsl)
			if len(keys) != 1 || (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: %d keys left, errors %v", round, len(keys), errs)
			}
			if err := s.DeleteSecurityKey(ctx, dsl, keys[0].ID, false); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestWebAuthnState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		now := time.Now()
		s.Now = func() time.Time { return now }
		ses := &vigil.Session{TokenHash: "hash-1", PersonID: f.Oak.Staff["dsl"].ID, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(ctx, ses); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeWebAuthnState(ctx, "hash-1"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("nothing kept: %v", err)
		}
		if err := s.SetWebAuthnState(ctx, "hash-1", "first", now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWebAuthnState(ctx, "hash-1", "second", now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TakeWebAuthnState(ctx, "hash-1"); err != nil || got != "second" {
			t.Fatalf("take: %q %v", got, err)
		}
		if _, err := s.TakeWebAuthnState(ctx, "hash-1"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("taken twice: %v", err)
		}
		// Expired: refused, and gone.
		if err := s.SetWebAuthnState(ctx, "hash-1", "late", now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(5 * time.Minute)
		if _, err := s.TakeWebAuthnState(ctx, "hash-1"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("expired state taken: %v", err)
		}
		if _, err := s.TakeWebAuthnState(ctx, "hash-1"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("expired state kept: %v", err)
		}
		// A session that has ended keeps nothing.
		if err := s.SetWebAuthnState(ctx, "no-such-hash", "x", now.Add(time.Minute)); vigil.ErrorCode(err) != vigil.EUNAUTHORIZED {
			t.Fatalf("state for no session: %v", err)
		}
		// Stepping up renews the token and keeps the row; the state went
		// with the old token's hash already.
		if err := s.SetWebAuthnState(ctx, "hash-1", "x", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.StepUpSession(ctx, "hash-1", "hash-2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeWebAuthnState(ctx, "hash-1"); vigil.ErrorCode(err) != vigil.EUNAUTHORIZED {
			t.Fatalf("old token: %v", err)
		}
	})
}
