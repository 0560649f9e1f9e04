package search

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Named test keys, derived the way the application derives them.
var (
	testMaster = []byte("0123456789abcdef0123456789abcdef")
	oakKey     = DeriveKey(testMaster, "oak-primary", 1)
	elmKey     = DeriveKey(testMaster, "elm-academy", 1)
)

func TestDeriveKey(t *testing.T) {
	t.Parallel()
	info := binary.BigEndian.AppendUint32([]byte(keyInfo), 1)
	info = append(info, "oak-primary"...)
	want, err := hkdf.Key(sha256.New, testMaster, nil, string(info), 32)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(oakKey[:], want) {
		t.Fatal("DeriveKey differs from crypto/hkdf")
	}
	person, err := hkdf.Key(sha256.New, testMaster, nil, "vigil person secrets v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string][]byte{
		"another school":     elmKey[:],
		"another version":    func() []byte { k := DeriveKey(testMaster, "oak-primary", 2); return k[:] }(),
		"another master":     func() []byte { k := DeriveKey([]byte("another master key"), "oak-primary", 1); return k[:] }(),
		"person secrets key": person,
		"the master key":     testMaster,
	} {
		if slices.Equal(oakKey[:], other) {
			t.Errorf("Oak's search key equals %s", name)
		}
	}
	if s := fmt.Sprintf("%v %s %x %#v", oakKey, oakKey, oakKey, oakKey); strings.Contains(s, fmt.Sprintf("%x", oakKey[:4])) {
		t.Errorf("formatting shows the key: %s", s)
	}
}

func TestIndexEqualWordsWithinSchool(t *testing.T) {
	t.Parallel()
	a := Index(oakKey, "Bruised arm noticed at lunch.")
	b := Index(oakKey, "Mum says the bruises came from football.")
	common := 0
	for _, tok := range a {
		if slices.Contains(b, tok) {
			common++
		}
	}
	if common != 1 {
		t.Errorf("records share %d tokens, want 1 (bruise)", common)
	}
	if !slices.Equal(Index(oakKey, "bruising"), Index(oakKey, "BRUISED")) {
		t.Error("two forms of one word give different tokens")
	}
}

func TestIndexDiffersAcrossSchools(t *testing.T) {
	t.Parallel()
	for _, word := range []string{"bruise", "neglect", "knife", "2026"} {
		oak, elm := Index(oakKey, word), Index(elmKey, word)
		if len(oak) != 1 || len(elm) != 1 {
			t.Fatalf("%q: got %q and %q, want one token each", word, oak, elm)
		}
		if oak[0] == elm[0] {
			t.Errorf("%q has the same token at Oak and Elm", word)
		}
	}
}

// TestIndexHidesWords checks the tokens' shape: fixed length, base64url,
// sorted, and holding none of the words they stand for.
func TestIndexHidesWords(t *testing.T) {
	t.Parallel()
	text := "Pupil disclosed that stepfather shouts and threatens; worried about weekend contact."
	idx := Index(oakKey, text)
	if len(idx) != len(Tokens(text)) {
		t.Fatalf("Index gives %d tokens for %d words", len(idx), len(Tokens(text)))
	}
	if !slices.IsSorted(idx) {
		t.Error("index is not sorted, so it keeps word order")
	}
	for _, tok := range idx {
		if len(tok) != TokenLen {
			t.Errorf("token %q has length %d, want %d", tok, len(tok), TokenLen)
		}
		if strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("token %q is not base64url", tok)
		}
		for _, w := range append(strings.Fields(strings.ToLower(text)), Tokens(text)...) {
			w = strings.Trim(w, ".;")
			if len(w) >= 4 && strings.Contains(strings.ToLower(tok), w) {
				t.Errorf("token %q holds the word %q", tok, w)
			}
		}
	}
}

// TestMarkerNotInIndex indexes a unique marker word and checks that it can
// be found by query yet appears nowhere in the index, in any form.
func TestMarkerNotInIndex(t *testing.T) {
	t.Parallel()
	const marker = "Quendrix7Marker"
	text := "Concern about " + marker + " raised by the class teacher."
	idx := Index(oakKey, text)
	joined := strings.ToLower(strings.Join(idx, ""))
	for _, form := range append([]string{marker}, Tokens(marker)...) {
		if strings.Contains(joined, strings.ToLower(form)) {
			t.Errorf("index holds the marker as %q", form)
		}
	}
	if !Matches(idx, Query(oakKey, strings.ToUpper(marker))) {
		t.Error("the record does not match a query for its marker")
	}
	if Matches(idx, Query(elmKey, marker)) {
		t.Error("another school's query matches the record")
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	idx := Index(oakKey, "Bruised arm noticed at lunch; pupil quiet and withdrawn.")
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"bruising", true},
		{"Arm bruise", true},
		{"bruise leg", false}, // every word must match
		{"knife", false},
		{"the and", false}, // no searchable word matches nothing
		{"", false},
		{"withdrawn, QUIET.", true},
	} {
		if got := Matches(idx, Query(oakKey, tc.query)); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.query, got, tc.want)
		}
	}
}

// concern2KB is about 2 KB of concern text, like a long chronology entry.
var concern2KB = func() string {
	const para = "During morning break the pupil told a lunchtime supervisor that " +
		"her stepfather had shouted at her mother again last night and thrown a " +
		"plate, and that she was frightened to go home. She had a small bruise " +
		"on her left forearm which she said came from netball. She seemed tired " +
		"and withdrawn in class and did not eat her lunch. Mum was not contacted " +
		"pending DSL advice; the DSL spoke with the pupil at 13:20 in the quiet " +
		"room, and a referral to children's social care is being considered. "
	s := strings.Repeat(para, 2048/len(para)+1)
	return s[:2048]
}()

// BenchmarkIndex2KB indexes 2 KB of text and reports the time against one
// HMAC-SHA256 over the same bytes, measured in the same run.
func BenchmarkIndex2KB(b *testing.B) {
	b.SetBytes(int64(len(concern2KB)))
	words := len(Tokens(concern2KB))
	for b.Loop() {
		Index(oakKey, concern2KB)
	}
	indexTime, n := b.Elapsed(), b.N

	b.StopTimer()
	mac := hmac.New(sha256.New, oakKey[:])
	start := time.Now()
	for range n {
		mac.Reset()
		mac.Write([]byte(concern2KB))
		mac.Sum(nil)
	}
	raw := time.Since(start)
	b.ReportMetric(float64(indexTime)/float64(raw), "x-raw-hmac")
	b.ReportMetric(float64(words), "tokens/op")
}
