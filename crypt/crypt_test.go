package crypt_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-safeguarding/vigil/crypt"
)

func newSealer(t *testing.T) *crypt.Sealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s, err := crypt.NewPersonSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := newSealer(t)
	aad := crypt.AAD("persons", "p1", "totp_secret")
	sealed := s.Seal([]byte("JBSWY3DPEHPK3PXP"), aad)
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	got, err := s.Open(sealed, aad)
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if again := s.Seal([]byte("JBSWY3DPEHPK3PXP"), aad); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
}

func TestSwapRefused(t *testing.T) {
	s := newSealer(t)
	sealed := s.Seal([]byte("secret"), crypt.AAD("persons", "p1", "totp_secret"))
	for _, aad := range [][]byte{
		crypt.AAD("persons", "p2", "totp_secret"), // another row
		crypt.AAD("persons", "p1", "other_field"), // another field
		crypt.AAD("pupils", "p1", "totp_secret"),  // another table
	} {
		if _, err := s.Open(sealed, aad); err != crypt.ErrOpen {
			t.Errorf("opened under %q: %v", aad, err)
		}
	}
	if _, err := newSealer(t).Open(sealed, crypt.AAD("persons", "p1", "totp_secret")); err != crypt.ErrOpen {
		t.Errorf("opened under another master key: %v", err)
	}
}

func TestTamperRefused(t *testing.T) {
	s := newSealer(t)
	aad := crypt.AAD("persons", "p1", "totp_secret")
	sealed := s.Seal([]byte("secret"), aad)
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := s.Open(bad, aad); err != crypt.ErrOpen {
			t.Fatalf("flipped byte %d opened: %v", i, err)
		}
	}
	for _, n := range []int{0, 5, len(sealed) - 1} {
		if _, err := s.Open(sealed[:n], aad); err != crypt.ErrOpen {
			t.Fatalf("truncated to %d opened: %v", n, err)
		}
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.key")
	os.WriteFile(good, make([]byte, 32), 0o600)
	if _, err := crypt.LoadMasterKey(good); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.key")
	os.WriteFile(open, make([]byte, 32), 0o644)
	os.Chmod(open, 0o644)
	if _, err := crypt.LoadMasterKey(open); err == nil {
		t.Fatal("a key readable by others was accepted")
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, make([]byte, 16), 0o600)
	if _, err := crypt.LoadMasterKey(short); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}
