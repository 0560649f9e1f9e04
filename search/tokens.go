package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Limits on a token, in runes. Shorter words are too common to be worth
// indexing; longer ones (pasted links, reference numbers run together) are
// cut to their first maxRunes runes, the same way for text and query.
const (
	minRunes = 2
	maxRunes = 64
)

// Tokens returns the distinct search words of text, in order of first
// appearance: NFKC-normalised, case-folded, accents removed from Latin
// letters ("Zoë" is "zoe"), split at anything but letters, marks and digits,
// possessives and short contractions dropped ("child's" is "child"), other
// apostrophes removed ("O'Brien" is "obrien"), words under two runes and a
// short list of English stop words left out, and words of Latin letters
// reduced to their English Snowball stem ("bruises", "bruised" and
// "bruising" are all "bruis"). Every token is valid UTF-8 in NFKC form.
//
// Tokens holds plaintext: it is for Index and Query and for tests, and its
// result must never be stored, logged or sent anywhere.
func Tokens(text string) []string {
	text = normalise(text)
	var (
		out  []string
		seen = make(map[string]bool)
		word strings.Builder
	)
	flush := func() {
		if word.Len() == 0 {
			return
		}
		tok, ok := finish(word.String())
		word.Reset()
		if ok && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:]) // invalid bytes are U+FFFD
		i += size
		switch {
		case isWordRune(r):
			word.WriteRune(r)
		case isApostrophe(r) && word.Len() > 0 && nextIsWordRune(text[i:]):
			word.WriteRune('\'') // inside a word: "child's", "o'brien"
		default:
			flush()
		}
	}
	flush()
	return out
}

// normalise puts text into the form tokens are cut from: compatibility
// characters replaced (full-width letters, ligatures), case folded ("ß" is
// "ss"), and combining accents on Latin letters removed, since staff type
// "Zoe" for "Zoë". Accents in other scripts stay: there they often make a
// different letter.
func normalise(s string) string {
	// Fold on both sides of NFKC: each can undo the other's work on stray
	// combining marks (U+0345 folds to a letter), and text typed in either
	// case must give the same tokens.
	s = strings.ToValidUTF8(s, " ") // the Caser mishandles invalid bytes
	s = foldCase(norm.NFKC.String(foldCase(s)))
	var b strings.Builder
	b.Grow(len(s))
	latin := false // the last base character was a Latin letter
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			if latin {
				continue
			}
		} else {
			latin = unicode.Is(unicode.Latin, r)
		}
		b.WriteRune(r)
	}
	return norm.NFKC.String(b.String())
}

// foldCase case-folds s. x/text's Fold swaps the two cases of Cherokee
// instead of folding them to one (v0.43.0), so Cherokee is then mapped to
// upper case, the form Unicode's folding uses.
func foldCase(s string) string {
	s = cases.Fold().String(s) // a Caser keeps state: one per call
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cherokee, r) {
			return unicode.ToUpper(r)
		}
		return r
	}, s)
}

// finish turns a raw word into a token, or reports false if the word is
// not worth indexing.
func finish(w string) (string, bool) {
	if strings.Contains(w, "'") {
		for _, suffix := range contractions {
			if strings.HasSuffix(w, suffix) {
				w = strings.TrimSuffix(w, suffix)
				break
			}
		}
		w = strings.ReplaceAll(w, "'", "")
		if !norm.NFKC.IsNormalString(w) { // an accent may now join a letter
			w = norm.NFKC.String(w)
		}
	}
	n := utf8.RuneCountInString(w)
	if n < minRunes || stopWords[w] {
		return "", false
	}
	if n > maxRunes {
		return string([]rune(w)[:maxRunes]), true
	}
	if isLatinWord(w) {
		w = english.Stem(w, true)
		if utf8.RuneCountInString(w) < minRunes {
			return "", false
		}
	}
	return w, true
}

// contractions are the endings dropped after an apostrophe: the possessive
// and the short verb forms ("he'll", "we're"). "n't" stays part of its word,
// so "don't" is "dont", as people often type it.
var contractions = []string{"'s", "'d", "'ll", "'re", "'ve", "'m"}

// stopWords are too common in concern notes to narrow a search. Kept short:
// a word missing from this list costs only index space.
var stopWords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(`
		a about after all also am an and any are as at be been before being
		but by can could did do does doing for from had has have having he her
		here hers him his how if in into is it its me my no nor not of off on
		or our ours she so than that the their theirs them then there these
		they this those to too up us very was we were what when where which
		while who whom why will with would you your yours`) {
		m[w] = true
	}
	return m
}()

// isWordRune reports whether r belongs inside a word. Marks count, so that
// scripts written with combining vowel signs are not cut apart.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func nextIsWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// isApostrophe reports whether r is an apostrophe as typed or as a word
// processor writes it.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u02bc' || r == '\u2018'
}

// isLatinWord reports whether w is all Latin letters, the words the English
// stemmer is meant for. Words with digits ("y10") or other scripts are kept
// whole.
func isLatinWord(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}
