package auth

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// APITokenPrefix starts every API token, so a token pasted where it should
// not be (a repository, a ticket, a chat) is easy for people and secret
// scanners to recognise.
const APITokenPrefix = "vigil_"

// NewAPIToken returns a new API token (the prefix and 256 random bits,
// URL-safe base64) and the SHA-256 the database keeps instead. The token is
// shown once, when it is made, and never again.
func NewAPIToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = APITokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// ValidAPIToken reports whether s has the shape of a token NewAPIToken
// made, so a mistyped or forged one is refused before any query.
func ValidAPIToken(s string) bool {
	rest, ok := strings.CutPrefix(s, APITokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}
