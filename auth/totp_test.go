package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/auth"
)

// RFC 6238 Appendix B, SHA-1, truncated to six digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"},
	} {
		got, err := auth.TOTPCode(secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.code {
			t.Errorf("TOTPCode at %d = %q, %v; want %s", tc.unix, got, err, tc.code)
		}
	}
}

func TestTOTPWindowAndReplay(t *testing.T) {
	e, err := auth.NewTOTP("Vigil", "dsl@oak.test")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	for _, tc := range []struct {
		name   string
		at     time.Time
		last   int64
		wantOK bool
	}{
		{"now", now, 0, true},
		{"one step early", now.Add(-30 * time.Second), 0, true},
		{"one step late", now.Add(30 * time.Second), 0, true},
		{"two steps early", now.Add(-60 * time.Second), 0, false},
		{"two steps late", now.Add(60 * time.Second), 0, false},
		{"replayed", now, now.Unix() / 30, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := auth.TOTPCode(e.Secret, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			step, ok := auth.CheckTOTP(e.Secret, code, now, tc.last)
			if ok != tc.wantOK {
				t.Fatalf("CheckTOTP ok = %v, want %v", ok, tc.wantOK)
			}
			if ok && step != tc.at.Unix()/30 {
				t.Fatalf("step %d, want %d", step, tc.at.Unix()/30)
			}
		})
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "000000"} {
		if _, ok := auth.CheckTOTP(e.Secret, bad, now, 0); ok && bad != "000000" {
			t.Errorf("code %q accepted", bad)
		}
	}
	if !strings.HasPrefix(e.QRDataURI, "data:image/png;base64,") || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		t.Fatalf("enrolment: %q %q", e.QRDataURI[:30], e.URL)
	}
}

func TestTOTPFromSecret(t *testing.T) {
	e, err := auth.TOTPFromSecret("Vigil", "dsl@riverside.example", "jbswy3dpehpk3pxp jbswy3dpehpk3pxp")
	if err != nil || e.Secret != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" {
		t.Fatalf("TOTPFromSecret = %+v, %v", e, err)
	}
	if _, err := auth.TOTPFromSecret("Vigil", "x", "not base32!"); err == nil {
		t.Fatal("a malformed secret was accepted")
	}
}

func TestTOTPRecoveryCodes(t *testing.T) {
	codes, hashes := auth.NewRecoveryCodes()
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if seen[c] || len(c) != 14 || !auth.LooksLikeRecoveryCode(c) {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		if auth.HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(c, "-", ""))+" ") != hashes[i] {
			t.Fatalf("code %q does not hash the same typed differently", c)
		}
	}
}
