package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		bg := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		s.Now = func() time.Time { return now }
		oak, elm := f.Oak, f.Elm

		secret, hash := auth.NewAPIToken()
		tk := &store.APIToken{PersonID: oak.Staff["teacher"].ID, Name: "  MIS sync  ", TokenHash: hash}
		if err := s.CreateAPIToken(oak.Ctx, tk); err != nil {
			t.Fatal(err)
		}
		if !vigil.ValidID(tk.ID) || tk.SchoolID != oak.ID || !tk.CreatedAt.Equal(now) || tk.CreatedBy != "" || tk.Name != "MIS sync" {
			t.Fatalf("created %+v", tk)
		}

		// Found by its hash alone, with no school: a request brings none.
		got, err := s.FindAPIToken(bg, hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tk.ID || got.SchoolID != oak.ID || got.PersonID != tk.PersonID || got.Revoked() || !got.LastUsedAt.IsZero() {
			t.Fatalf("found %+v", got)
		}
		if _, err := s.FindAPIToken(bg, auth.HashToken(secret+"x")); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("another hash: %v", err)
		}
		if _, err := s.FindAPIToken(bg, ""); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("no hash: %v", err)
		}

		// Oak lists it; Elm neither lists nor revokes it.
		list, err := s.FindAPITokens(oak.Ctx)
		if err != nil || len(list) != 1 || list[0].ID != tk.ID || list[0].PersonEmail != "teacher@oak.test" {
			t.Fatalf("Oak's list %+v, %v", list, err)
		}
		if list, err := s.FindAPITokens(elm.Ctx); err != nil || len(list) != 0 {
			t.Fatalf("Elm's list %+v, %v", list, err)
		}
		if _, err := s.RevokeAPIToken(elm.Ctx, tk.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("Elm revoking Oak's token: %v", err)
		}
		if _, err := s.FindAPITokens(bg); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("list without a school: %v", err)
		}

		// Last use is written at most once a minute.
		if err := s.TouchAPIToken(oak.Ctx, tk.ID, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.FindAPIToken(bg, hash); !got.LastUsedAt.Equal(now) {
			t.Fatalf("last used %v, want %v", got.LastUsedAt, now)
		}
		now = now.Add(30 * time.Second)
		if err := s.TouchAPIToken(oak.Ctx, tk.ID, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.FindAPIToken(bg, hash); !got.LastUsedAt.Equal(now.Add(-30 * time.Second)) {
			t.Fatalf("touched again within a minute: %v", got.LastUsedAt)
		}
		now = now.Add(31 * time.Second)
		if err := s.TouchAPIToken(elm.Ctx, tk.ID, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.FindAPIToken(bg, hash); got.LastUsedAt.Equal(now) {
			t.Fatal("Elm touched Oak's token")
		}
		if err := s.TouchAPIToken(oak.Ctx, tk.ID, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.FindAPIToken(bg, hash); !got.LastUsedAt.Equal(now) {
			t.Fatalf("not touched after a minute: %v", got.LastUsedAt)
		}

		// Revoked once, and found revoked.
		rev, err := s.RevokeAPIToken(oak.Ctx, tk.ID)
		if err != nil || !rev.RevokedAt.Equal(now) {
			t.Fatalf("revoke: %+v, %v", rev, err)
		}
		if _, err := s.RevokeAPIToken(oak.Ctx, tk.ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("revoke again: %v", err)
		}
		if _, err := s.RevokeAPIToken(oak.Ctx, "not-an-id"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("revoke a malformed id: %v", err)
		}
		if got, err := s.FindAPIToken(bg, hash); err != nil || !got.Revoked() {
			t.Fatalf("after revoking: %+v, %v", got, err)
		}

		// Names are checked; a token needs a school.
		for _, name := range []string{strings.Repeat("n", store.MaxAPITokenName+1), "tab\there"} {
			_, h := auth.NewAPIToken()
			if err := s.CreateAPIToken(oak.Ctx, &store.APIToken{PersonID: tk.PersonID, Name: name, TokenHash: h}); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("name %q: %v", name, err)
			}
		}
		_, h := auth.NewAPIToken()
		if err := s.CreateAPIToken(bg, &store.APIToken{PersonID: tk.PersonID, TokenHash: h}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("create without a school: %v", err)
		}
	})
}

func TestAPITokenFormat(t *testing.T) {
	a, ha := auth.NewAPIToken()
	b, _ := auth.NewAPIToken()
	if a == b || !strings.HasPrefix(a, auth.APITokenPrefix) || len(a) != len(auth.APITokenPrefix)+43 || !auth.ValidAPIToken(a) {
		t.Fatalf("tokens %q, %q", a, b)
	}
	if ha != auth.HashToken(a) || strings.Contains(ha, a[len(auth.APITokenPrefix):]) {
		t.Fatal("the hash is not the token's SHA-256")
	}
	for _, bad := range []string{"", a[len(auth.APITokenPrefix):], "vigil_" + strings.Repeat("A", 42), "vigil_" + strings.Repeat("*", 43), "VIGIL_" + a[6:], a + "A"} {
		if auth.ValidAPIToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestAPITokenRowLevelSecurity checks the policy on PostgreSQL: a
// transaction with no school sees a token only by naming its hash, and one
// school never sees or changes another's tokens.
func TestAPITokenRowLevelSecurity(t *testing.T) {
	s, db := openRLS(t)
	f := storetest.Seed(t, s)
	oak, elm := f.Oak, f.Elm
	_, oakHash := auth.NewAPIToken()
	_, elmHash := auth.NewAPIToken()
	if err := s.CreateAPIToken(oak.Ctx, &store.APIToken{PersonID: oak.Staff["dsl"].ID, TokenHash: oakHash}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAPIToken(elm.Ctx, &store.APIToken{PersonID: elm.Staff["dsl"].ID, TokenHash: elmHash}); err != nil {
		t.Fatal(err)
	}
	asApp(t, db, "", func(tx *sql.Tx) {
		if n := count(t, tx, "SELECT count(*) FROM api_tokens"); n != 0 {
			t.Errorf("no school, no hash: %d tokens", n)
		}
		if _, err := tx.Exec("SELECT set_config('vigil.api_token_hash', $1, true)", oakHash); err != nil {
			t.Fatal(err)
		}
		if n := count(t, tx, "SELECT count(*) FROM api_tokens"); n != 1 {
			t.Errorf("naming Oak's hash: %d tokens, want Oak's one", n)
		}
		// Naming the hash shows the row; changing it still needs its school.
		_, err := tx.Exec("UPDATE api_tokens SET revoked_at = now()")
		wantRLSViolation(t, "naming a hash without a school, revoking", err)
	})
	asApp(t, db, elm.ID, func(tx *sql.Tx) {
		if n := count(t, tx, "SELECT count(*) FROM api_tokens WHERE school_id = $1", oak.ID); n != 0 {
			t.Errorf("as Elm, %d of Oak's tokens", n)
		}
		if n := affected(t, tx, "UPDATE api_tokens SET revoked_at = now() WHERE school_id = $1", oak.ID); n != 0 {
			t.Errorf("as Elm, revoked %d of Oak's tokens", n)
		}
		_, err := tx.Exec(`INSERT INTO api_tokens (school_id, id, person_id, token_hash, created_at) VALUES ($1, $2, $3, 'x', now())`,
			oak.ID, vigil.NewID(), oak.Staff["dsl"].ID)
		wantRLSViolation(t, "as Elm, a token for Oak", err)
	})
}
