// Package search builds the blind index that lets staff search a school's
// encrypted free text without the database ever holding a word of it.
//
// Each word of a text becomes a token (see Tokens), and each token is
// stored as a truncated keyed HMAC under the school's search key (Index).
// A query goes through the same steps (Query), and a record matches when
// its index holds every token of the query (Matches). The index shows which
// records of one school share a word, never the word, and nothing across
// schools; docs/security.md says why that is acceptable.
//
// The package is pure: it stores nothing and decrypts nothing. Its caller
// finds candidate records by token, drops those the viewer may not see, and
// only then decrypts what is left.
package search

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
)

// Key is a school's search key. It is separate from the school's data keys:
// knowing it lets one test whether a record holds a word, never read one.
type Key [32]byte

// String hides the key, so that it cannot reach a log by accident.
func (Key) String() string { return "search.Key(hidden)" }

// GoString hides the key from %#v too.
func (k Key) GoString() string { return k.String() }

// keyInfo labels search keys in HKDF, so that no other key derived from the
// same master key can equal one.
const keyInfo = "vigil search index key v1"

// DeriveKey returns version version of school's search key, derived from the
// master key with HKDF-SHA256 (no salt; the info is keyInfo, the version as
// four big-endian bytes, then the school's ID). Raising the version gives a
// new, unrelated key; the index must then be rebuilt from the decrypted
// text. The master key should be the 32-byte key of package crypt.
func DeriveKey(master []byte, school string, version uint32) Key {
	info := make([]byte, 0, len(keyInfo)+4+len(school))
	info = append(info, keyInfo...)
	info = binary.BigEndian.AppendUint32(info, version) // fixed width: no ambiguity
	info = append(info, school...)

	// HKDF-SHA256 for one 32-byte block, written out with HMAC so that it
	// cannot fail (crypto/hkdf can, in FIPS-only mode, for short keys).
	// search_test.go checks it against crypto/hkdf.
	extract := hmac.New(sha256.New, make([]byte, sha256.Size))
	extract.Write(master)
	expand := hmac.New(sha256.New, extract.Sum(nil))
	expand.Write(info)
	expand.Write([]byte{1})
	var k Key
	copy(k[:], expand.Sum(nil))
	return k
}

// TokenBytes is how much of each HMAC-SHA256 the index keeps: 96 bits, so
// that two different words of one school share a token with probability
// about n²/2⁹⁷ for n distinct words (under 10⁻¹⁷ for a million).
const TokenBytes = 12

// TokenLen is the length of every index token: TokenBytes in unpadded
// base64url.
const TokenLen = 16

// domain separates index tokens from any other use of a search key.
const domain = "vigil-search-v1|"

// Index returns the blind index of text under key: one TokenLen-character
// token per distinct word of Tokens(text), sorted, so the order of words in
// the text is not kept. Equal words within a school give equal tokens; the
// same word gives unrelated tokens under another school's key.
func Index(key Key, text string) []string {
	words := Tokens(text)
	out := make([]string, 0, len(words))
	mac := hmac.New(sha256.New, key[:])
	var sum [sha256.Size]byte
	for _, w := range words {
		mac.Reset()
		mac.Write([]byte(domain))
		mac.Write([]byte(w))
		out = append(out, base64.RawURLEncoding.EncodeToString(mac.Sum(sum[:0])[:TokenBytes]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Query returns the tokens to look for when a person searches for q: the
// same steps as Index, so "Bruising" finds a record that says "bruised". An
// empty result means q has no searchable word (only stop words or single
// letters); say so rather than search.
func Query(key Key, q string) []string {
	return Index(key, q)
}

// Matches reports whether a record with index docIndex matches query: true
// only if every query token is in docIndex. An empty query matches nothing.
func Matches(docIndex []string, query []string) bool {
	if len(query) == 0 {
		return false
	}
	for _, q := range query {
		if !slices.Contains(docIndex, q) {
			return false
		}
	}
	return true
}
