package web

import (
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// FuzzWebAuthnRequest feeds the security-key endpoints' JSON decoding
// anything at all, and what it accepts on to app's parsers and checks:
// nothing panics, and every refusal is a plain one.
func FuzzWebAuthnRequest(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{} {}`, `{"name":"Blue key"}`, `{"next":"//evil.example"}`,
		`{"name":"x","next":"/pupils","credential":{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}}`,
		`{"credential":{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}}`,
		`{"credential":null}`, `{"credential":"x"}`, `{"credential":{}} trailing`, `{"admin":true}`, `{"name":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := decodeWebAuthnRequest(b)
		if err != nil {
			if req != nil {
				t.Fatal("a request with an error")
			}
			return
		}
		if next := safeNext(req.Next); !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
			t.Fatalf("next %q", next)
		}
		if _, err := app.CheckKeyName(req.Name, true); err != nil && vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("name: %v", err)
		}
		if len(req.Credential) == 0 {
			return
		}
		if _, err := app.ParseRegistrationResponse(req.Credential); err != nil && vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("registration: %v", err)
		}
		if _, err := app.ParseStepUpResponse(req.Credential); err != nil && vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("step-up: %v", err)
		}
	})
}
