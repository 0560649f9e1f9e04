package vigiltest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// SecurityKey is a WebAuthn security key in software, for tests without a
// browser. It answers ceremonies as a browser with a real key would: a
// "none" attestation at registration, an ES256 signature at step-up, both
// for Origin.
type SecurityKey struct {
	ID     []byte // the credential id
	Origin string // the origin the browser reports; a test may forge it
	RPID   string // the relying party id the key is bound to
	Count  uint32 // the signature counter; a test may wind it back
	priv   *ecdsa.PrivateKey
}

// NewSecurityKey returns a new key for the Vigil at baseURL (Env.BaseURL).
func NewSecurityKey(t testing.TB, baseURL string) *SecurityKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &SecurityKey{ID: id, Origin: baseURL, RPID: u.Hostname(), priv: priv}
}

var b64 = base64.RawURLEncoding.EncodeToString

// Attest answers a registration whose challenge (base64url, as the options
// give it) is given: the JSON of the browser's PublicKeyCredential.
func (k *SecurityKey) Attest(t testing.TB, challenge string) json.RawMessage {
	t.Helper()
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64(k.ID), "rawId": b64(k.ID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(k.clientData(t, "webauthn.create", challenge)),
			"attestationObject": b64(obj),
			"transports":        []string{"usb"},
		},
	})
}

// Assert answers a step-up whose challenge is given, moving the counter on
// by one: the JSON of the browser's PublicKeyCredential.
func (k *SecurityKey) Assert(t testing.TB, challenge string) json.RawMessage {
	t.Helper()
	k.Count++
	data := k.authData(t, false)
	client := k.clientData(t, "webauthn.get", challenge)
	hash := sha256.Sum256(client)
	digest := sha256.Sum256(append(append([]byte{}, data...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64(k.ID), "rawId": b64(k.ID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(client), "authenticatorData": b64(data), "signature": b64(sig)},
	})
}

func (k *SecurityKey) clientData(t testing.TB, typ, challenge string) []byte {
	t.Helper()
	return mustJSON(t, map[string]any{"type": typ, "challenge": challenge, "origin": k.Origin, "crossOrigin": false})
}

// authData is the authenticator data: the RP ID's hash, flags (user present
// and verified) and the counter, then at registration the credential id
// and public key.
func (k *SecurityKey) authData(t testing.TB, attested bool) []byte {
	t.Helper()
	rp := sha256.Sum256([]byte(k.RPID))
	flags := byte(0x01 | 0x04)
	if attested {
		flags |= 0x40
	}
	b := append(rp[:], flags)
	b = binary.BigEndian.AppendUint32(b, k.Count)
	if !attested {
		return b
	}
	point, err := k.priv.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256), XCoord: point[1:33], YCoord: point[33:65],
	})
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, make([]byte, 16)...) // no AAGUID
	b = binary.BigEndian.AppendUint16(b, uint16(len(k.ID)))
	b = append(b, k.ID...)
	return append(b, cose...)
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
