package app_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func TestWebAuthnRelyingParty(t *testing.T) {
	for _, tc := range []struct {
		baseURL, origin, refused string
	}{
		{"https://vigil.example.org", "https://vigil.example.org", ""},
		{"https://Vigil.Example.org:8443/", "https://vigil.example.org:8443", ""},
		{"http://localhost:8080", "http://localhost:8080", ""},
		{"http://127.0.0.1:8080", "", "IP address"},
		{"https://[::1]:8443", "", "IP address"},
		{"http://vigil.example.org", "", "https://"},
		{"vigil.example.org", "", "base URL"},
		{"", "", "base URL"},
	} {
		w, err := app.NewWebAuthn(nil, tc.baseURL)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%q refused: %v", tc.baseURL, err)
		case tc.refused == "" && w.Origin() != tc.origin:
			t.Errorf("%q: origin %q, want %q", tc.baseURL, w.Origin(), tc.origin)
		case tc.refused != "" && (err == nil || vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("%q: %v, want a refusal mentioning %q", tc.baseURL, err, tc.refused)
		}
	}
}

func TestWebAuthnKeyName(t *testing.T) {
	for _, tc := range []struct {
		in, want   string
		allowEmpty bool
		ok         bool
	}{
		{"  Blue key ", "Blue key", false, true},
		{"", "Security key", true, true},
		{" ", "", false, false},
		{strings.Repeat("é", 60), strings.Repeat("é", 60), false, true},
		{strings.Repeat("é", 61), "", false, false},
		{"Blue\nkey", "", false, false},
		{"Blue\x00key", "", false, false},
		{"\xff\xfe", "", false, false},
	} {
		got, err := app.CheckKeyName(tc.in, tc.allowEmpty)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("CheckKeyName(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && vigil.ErrorFields(err)["name"] == "" {
			t.Errorf("CheckKeyName(%q): error not on the name field: %v", tc.in, err)
		}
	}
}

// FuzzWebAuthnResponse feeds the parsers of a browser's answers anything at
// all: each either parses or says EINVALID, and never panics.
func FuzzWebAuthnResponse(f *testing.F) {
	key := vigiltest.NewSecurityKey(f, "http://localhost:8080")
	challenge := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	f.Add([]byte(key.Attest(f, challenge)))
	f.Add([]byte(key.Assert(f, challenge)))
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"id":"AA"}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}`,
		`{"id":"AA","rawId":"AB","type":"public-key","response":{}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":7}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","clientExtensionResults":{"credProps":{"rk":true}},"response":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := app.ParseRegistrationResponse(b); err != nil && vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("registration: %v", err)
		} else if err == nil && p == nil {
			t.Fatal("registration: nil without an error")
		}
		if p, err := app.ParseStepUpResponse(b); err != nil && vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("step-up: %v", err)
		} else if err == nil && p == nil {
			t.Fatal("step-up: nil without an error")
		}
	})
}
