package crypt_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// newWrapper returns a master-key wrapper for a fresh random master key.
func newWrapper(t testing.TB) *crypt.MasterWrapper {
	t.Helper()
	master := make([]byte, crypt.MasterKeySize)
	_, _ = rand.Read(master)
	w, err := crypt.NewMasterWrapper(master)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// addSchool saves a school and returns its id.
func addSchool(t testing.TB, s *store.Store, slug string) vigil.SchoolID {
	t.Helper()
	sc := &vigil.School{Slug: slug, Name: "School " + slug}
	if err := s.CreateSchool(context.Background(), sc); err != nil {
		t.Fatalf("add school %s: %v", slug, err)
	}
	return sc.ID
}

// notesTable is the sealed table the tests make: no production table is
// sealed with school keys yet.
var notesTable = store.SealedColumn{Table: "sealed_notes", ID: "id", Fields: []string{"body"}}

func createNotes(t testing.TB, s *store.Store) {
	t.Helper()
	if s.Dialect() == "postgres" {
		storetest.Exec(t, s, "CREATE TABLE sealed_notes (school_id text NOT NULL, id text NOT NULL, body bytea, PRIMARY KEY (school_id, id))")
		storetest.Exec(t, s, "GRANT SELECT, INSERT, UPDATE ON sealed_notes TO "+store.AppRole)
		return
	}
	storetest.Exec(t, s, "CREATE TABLE sealed_notes (school_id TEXT NOT NULL, id TEXT NOT NULL, body BLOB, PRIMARY KEY (school_id, id))")
}

func putNote(t testing.TB, s *store.Store, school vigil.SchoolID, id string, sealed []byte) error {
	return s.ExecForTest(context.Background(), `INSERT INTO sealed_notes (school_id, id, body) VALUES (?, ?, ?)
		ON CONFLICT (school_id, id) DO UPDATE SET body = excluded.body`, string(school), id, sealed)
}

func TestSwapSealedBetweenRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	oak, elm := addSchool(t, s, "oak"), addSchool(t, s, "elm")
	v := crypt.NewVault(s, newWrapper(t))
	secret := []byte("MARKER-disclosure-by-pupil")
	sealed, err := v.Seal(ctx, oak, "concerns", "row-a", "body", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value holds the plaintext")
	}
	if _, err := v.Seal(ctx, elm, "concerns", "row-a", "body", []byte("elm's own")); err != nil {
		t.Fatal(err) // gives Elm a key too, so its refusal is the binding's
	}
	got, err := v.Open(ctx, oak, "concerns", "row-a", "body", sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open in place: %q, %v", got, err)
	}
	for _, tc := range []struct {
		name              string
		school            vigil.SchoolID
		table, row, field string
	}{
		{"another row", oak, "concerns", "row-b", "body"},
		{"another field", oak, "concerns", "row-a", "summary"},
		{"another table", oak, "actions", "row-a", "body"},
		{"another school", elm, "concerns", "row-a", "body"},
		{"shifted separator", oak, "concerns", "row-ab", "ody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Open(ctx, tc.school, tc.table, tc.row, tc.field, sealed)
			if err == nil {
				t.Fatalf("opened in the wrong place: %q", got)
			}
			if !errors.Is(err, crypt.ErrOpen) {
				t.Errorf("error %v, want ErrOpen", err)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Errorf("error holds the plaintext: %v", err)
			}
		})
	}
}

func TestTamperSealedByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	oak := addSchool(t, s, "oak")
	v := crypt.NewVault(s, newWrapper(t))
	secret := []byte("MARKER-tamper")
	sealed, err := v.Seal(ctx, oak, "concerns", "1", "body", secret)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= bit
			got, err := v.Open(ctx, oak, "concerns", "1", "body", bad)
			if err == nil {
				t.Fatalf("byte %d flipped (%#x) still opens: %q", i, bit, got)
			}
			if strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error holds the plaintext: %v", err)
			}
		}
	}
	for n := range len(sealed) {
		if _, err := v.Open(ctx, oak, "concerns", "1", "body", sealed[:n]); err == nil {
			t.Fatalf("truncated to %d bytes still opens", n)
		}
	}
}

func TestRotateUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		oak := addSchool(t, s, "oak")
		createNotes(t, s)
		v := crypt.NewVault(s, newWrapper(t))
		v.Columns = []store.SealedColumn{notesTable}
		v.Batch = 7 // many small batches, so writers land between them
		// While writers run, the retired key is kept (a write sealed just
		// before the rotation may land after a pass); then it may go.
		v.Grace = time.Hour

		const writers, rows = 4, 12
		last := map[string]string{} // what was written last, by row
		write := func(id, text string) error {
			sealed, err := v.Seal(ctx, oak, notesTable.Table, id, "body", []byte(text))
			if err != nil {
				return err
			}
			return putNote(t, s, oak, id, sealed)
		}
		for w := range writers {
			for r := range rows {
				id := fmt.Sprintf("w%d-r%02d", w, r)
				last[id] = "first " + id
				if err := write(id, last[id]); err != nil {
					t.Fatal(err)
				}
			}
		}

		// Writers update their own rows and insert new ones until told to
		// stop; the rotation and a re-encryption pass run meanwhile.
		stop := make(chan struct{})
		started := make(chan struct{}, writers)
		results := make(chan map[string]string, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				mine := map[string]string{}
				defer func() { results <- mine }()
				for i := 0; ; i++ {
					id := fmt.Sprintf("w%d-r%02d", w, i%(rows+4)) // the last four are new rows
					text := fmt.Sprintf("writer %d write %d", w, i)
					if err := write(id, text); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
					mine[id] = text
					if i == 0 {
						started <- struct{}{}
					}
					select {
					case <-stop:
						if i >= 2*rows {
							return
						}
					default:
					}
				}
			})
		}
		for range writers {
			<-started
		}
		version, err := v.Rotate(ctx, oak)
		if err != nil {
			t.Fatal(err)
		}
		if version != 2 {
			t.Fatalf("rotated to version %d, want 2", version)
		}
		p, err := v.Reencrypt(ctx, oak, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Destroyed) != 0 || len(p.Retiring) != 1 {
			t.Fatalf("pass under writes %+v, want version 1 kept", p)
		}
		close(stop)
		wg.Wait()
		close(results)
		for mine := range results {
			for id, text := range mine {
				last[id] = text
			}
		}
		// The next pass (serve's job, here called directly) moves anything
		// left and destroys version 1.
		v.Grace = 0
		p, err = v.Reencrypt(ctx, oak, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Destroyed) != 1 || p.Destroyed[0] != 1 || p.Unreadable != 0 {
			t.Fatalf("last pass %+v, want version 1 destroyed", p)
		}

		for id, want := range last {
			sealed, err := s.SealedValue(ctx, oak, notesTable, "body", id)
			if err != nil {
				t.Fatalf("row %s: %v", id, err)
			}
			if got := crypt.SealedVersion(sealed); got != 2 {
				t.Errorf("row %s on version %d, want 2", id, got)
			}
			got, err := v.Open(ctx, oak, notesTable.Table, id, "body", sealed)
			if err != nil || string(got) != want {
				t.Errorf("row %s opens to %q, %v; want %q", id, got, err, want)
			}
		}
		counts, err := s.CountSealed(ctx, oak, v.Columns)
		if err != nil {
			t.Fatal(err)
		}
		if counts[1] != 0 || counts[2] != int64(len(last)) {
			t.Errorf("values by version %v, want all %d on 2", counts, len(last))
		}
		keys, err := s.SchoolKeys(ctx, oak)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].State != store.KeyDestroyed || len(keys[0].Wrapped) != 0 || keys[1].State != store.KeyActive {
			t.Fatalf("keys after rotation: %+v", keys)
		}
		// A fresh vault (another process) cannot open a value kept from
		// before the rotation: its key is gone.
		old := crypt.NewVault(s, newWrapper(t))
		stale, _ := v.Seal(ctx, oak, "x", "1", "y", []byte("z"))
		stale[4] = 1 // claim version 1
		if _, err := old.Open(ctx, oak, "x", "1", "y", stale); !errors.Is(err, crypt.ErrNoKey) {
			t.Errorf("open on a destroyed version: %v, want ErrNoKey", err)
		}
	})
}

func TestRotateMasterKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.OpenSQLite(t)
	oak, elm := addSchool(t, s, "oak"), addSchool(t, s, "elm")
	oldW, newW := newWrapper(t), newWrapper(t)
	v := crypt.NewVault(s, oldW)
	type value struct {
		school vigil.SchoolID
		id     string
		sealed []byte
	}
	var values []value
	for _, sc := range []vigil.SchoolID{oak, elm} {
		for i := range 3 {
			if i == 2 {
				if _, err := v.Rotate(ctx, sc); err != nil { // a retiring version too
					t.Fatal(err)
				}
			}
			id := fmt.Sprint(i)
			sealed, err := v.Seal(ctx, sc, "notes", id, "body", []byte("text "+id))
			if err != nil {
				t.Fatal(err)
			}
			values = append(values, value{sc, id, sealed})
		}
	}

	rewrap := crypt.NewVault(s, newW, oldW)
	for _, sc := range []vigil.SchoolID{oak, elm} {
		n, err := rewrap.Rewrap(ctx, sc, newW)
		if err != nil || n != 2 {
			t.Fatalf("rewrap: %d, %v; want 2 keys", n, err)
		}
		if n, err := rewrap.Rewrap(ctx, sc, newW); err != nil || n != 0 {
			t.Fatalf("second rewrap: %d, %v; want nothing to do", n, err)
		}
		keys, err := s.SchoolKeys(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.WrapperID != newW.ID() {
				t.Errorf("version %d still wrapped by %s", k.Version, k.WrapperID)
			}
		}
	}
	onlyOld, onlyNew := crypt.NewVault(s, oldW), crypt.NewVault(s, newW)
	for _, val := range values {
		if _, err := onlyOld.Open(ctx, val.school, "notes", val.id, "body", val.sealed); err == nil {
			t.Errorf("the old master key still opens %s/%s", val.school, val.id)
		}
		got, err := onlyNew.Open(ctx, val.school, "notes", val.id, "body", val.sealed)
		if err != nil || string(got) != "text "+val.id {
			t.Errorf("new master key: %q, %v", got, err)
		}
	}
	if _, err := onlyOld.Seal(ctx, oak, "notes", "9", "body", []byte("x")); err == nil {
		t.Error("the old master key still seals")
	}
}

// benchVault returns a vault with one school's key unwrapped and cached,
// and the school.
func benchVault(b *testing.B) (*crypt.Vault, vigil.SchoolID) {
	s := storetest.OpenSQLite(b)
	oak := addSchool(b, s, "oak")
	v := crypt.NewVault(s, newWrapper(b))
	v.TTL = time.Hour // measure sealing, not the keyring read every few seconds
	if _, err := v.Seal(context.Background(), oak, "t", "1", "f", nil); err != nil {
		b.Fatal(err)
	}
	return v, oak
}

// rawGCM times plain AES-256-GCM with a fresh random nonce, n times.
func rawGCM(b *testing.B, n int, pt []byte, open bool) time.Duration {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	ct := aead.Seal(nil, nonce, pt, []byte("aad"))
	start := time.Now()
	for range n {
		if open {
			if _, err := aead.Open(nil, nonce, ct, []byte("aad")); err != nil {
				b.Fatal(err)
			}
			continue
		}
		out := make([]byte, 12, 12+len(pt)+16)
		_, _ = rand.Read(out)
		_ = aead.Seal(out, out, pt, []byte("aad"))
	}
	return time.Since(start)
}

func BenchmarkSealField2KB(b *testing.B) {
	ctx := context.Background()
	v, oak := benchVault(b)
	pt := bytes.Repeat([]byte("x"), 2048)
	b.SetBytes(int64(len(pt)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := v.Seal(ctx, oak, "concerns", "0190a5b2-0000-7000-8000-000000000001", "body", pt); err != nil {
			b.Fatal(err)
		}
	}
	vault := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(vault)/float64(rawGCM(b, b.N, pt, false)), "x-raw-aesgcm")
}

func BenchmarkOpenField2KB(b *testing.B) {
	ctx := context.Background()
	v, oak := benchVault(b)
	pt := bytes.Repeat([]byte("x"), 2048)
	row := "0190a5b2-0000-7000-8000-000000000001"
	sealed, err := v.Seal(ctx, oak, "concerns", row, "body", pt)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := v.Open(ctx, oak, "concerns", row, "body", sealed); err != nil {
			b.Fatal(err)
		}
	}
	vault := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(vault)/float64(rawGCM(b, b.N, pt, true)), "x-raw-aesgcm")
}
