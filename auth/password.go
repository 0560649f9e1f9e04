// Package auth signs people in: password hashing, sessions and, in time,
// second factors. It decides who someone is; authz decides what they may do.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/vigil-safeguarding/vigil"
)

// Argon2Params are the cost of the password hash. They are stored with each
// hash, so raising them rehashes each password at its next sign-in.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is the production cost: 64 MiB, three passes (security.md,
// ASVS 11.4.2).
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 2}

// TestArgon2 is a cheap cost for tests only.
var TestArgon2 = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// Hasher hashes and checks passwords with Argon2id. At most Parallel hashes
// run at once, so a burst of sign-ins cannot exhaust memory.
type Hasher struct {
	Params Argon2Params
	sem    chan struct{}
	dummy  string
}

// NewHasher returns a Hasher with the given cost that runs at most parallel
// hashes at once.
func NewHasher(p Argon2Params, parallel int) *Hasher {
	h := &Hasher{Params: p, sem: make(chan struct{}, max(parallel, 1))}
	h.dummy, _ = h.Hash("not a real password, used to spend the same time")
	return h
}

// Hash returns the PHC-form Argon2id hash of password, normalised to NFC.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := h.derive(password, salt, h.Params, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Params.Memory, h.Params.Time, h.Params.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches hash, and whether the hash should
// be replaced because it was made with other parameters. An empty or
// malformed hash never matches but costs the same time as one that could,
// so answers do not reveal whether an account exists.
func (h *Hasher) Verify(password, hash string) (ok, rehash bool) {
	p, salt, key, err := decodeHash(hash)
	if err != nil {
		h.Verify(password, h.dummy)
		return false, false
	}
	got := h.derive(password, salt, p, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p != h.Params
}

// VerifyNothing spends the time of one Verify, for an unknown email.
func (h *Hasher) VerifyNothing(password string) { h.Verify(password, h.dummy) }

func (h *Hasher) derive(password string, salt []byte, p Argon2Params, n uint32) []byte {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.Memory, p.Threads, n)
}

func decodeHash(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || threads == 0 || threads > 255 {
		return p, nil, nil, fmt.Errorf("bad argon2id parameters")
	}
	if p.Memory < 8 || p.Memory > 4<<20 || p.Time == 0 || p.Time > 100 {
		return p, nil, nil, fmt.Errorf("argon2id parameters out of range")
	}
	p.Threads = uint8(threads)
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, err
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("bad argon2id key")
	}
	return p, salt, key, nil
}

// CheckPassword applies the baseline password rule every school gets until
// the identity issue adds per-school profiles: 10 to 256 characters with a
// letter, a digit and a symbol (the DPIA-classic default), and not one of the
// most common passwords. It returns EINVALID naming the "password" field.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 10:
		return vigil.FieldError("password", "Use at least 10 characters.")
	case n > 256:
		return vigil.FieldError("password", "Use at most 256 characters.")
	}
	var letter, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsSpace(r):
			symbol = true
		}
	}
	if !letter || !digit || !symbol {
		return vigil.FieldError("password", "Use letters, digits and at least one symbol.")
	}
	if isCommon(pw) {
		return vigil.FieldError("password", "This password is too common; choose another.")
	}
	return nil
}

// isCommon reports whether pw, ignoring case and trailing digits and
// symbols, is one of the passwords attackers try first.
func isCommon(pw string) bool {
	base := strings.TrimRightFunc(strings.ToLower(pw), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, c := range []string{"password", "passw0rd", "qwerty", "letmein", "welcome", "iloveyou", "admin", "summer", "winter",
		"spring", "autumn", "football", "monkey", "dragon", "sunshine", "princess", "school", "teacher", "changeme", "abc"} {
		if base == c {
			return true
		}
	}
	return false
}
