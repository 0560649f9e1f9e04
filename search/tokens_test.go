package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"only stop words and letters", "The a I and it was", nil},
		{"sentence", "Pupil arrived with a bruised arm.", []string{"pupil", "arriv", "bruis", "arm"}},
		{"case", "BRUISE Bruise bruise", []string{"bruis"}},
		{"de-duplicated in order", "arm leg arm", []string{"arm", "leg"}},
		{"possessive", "child's", []string{"child"}},
		{"curly possessive", "child\u2019s", []string{"child"}},
		{"plural possessive", "pupils' bags", []string{"pupil", "bag"}},
		{"name with apostrophe", "O'Brien", []string{"obrien"}},
		{"contractions", "He'll say they've gone; didn't", []string{"say", "gone", "didnt"}},
		{"quoted", "'worried'", []string{"worri"}},
		{"hyphen splits", "self-harm", []string{"self", "harm"}},
		{"digits kept, not stemmed", "Y10 on 12/03/2026", []string{"y10", "12", "03", "2026"}},
		{"single rune dropped", "x y z 7", nil},
		{"punctuation", "hit!!! (again)...", []string{"hit", "again"}},
		{"full-width", "ＢＲＵＩＳＥＳ", []string{"bruis"}},
		{"ligature", "\ufb01ght", []string{"fight"}},
		{"accent on Latin", "Zoë", []string{"zoe"}},
		{"decomposed accent", "Zoe\u0308", []string{"zoe"}},
		{"sharp s", "STRASSE Straße", []string{"strass"}},
		{"Greek final sigma", "ΣΟΦΟΣ σοφος", []string{"σοφοσ"}},
		{"Cherokee cases", "ᏓᎦ ꮣꭶ", []string{"ᏓᎦ"}},
		{"Devanagari marks kept", "नमस्ते", []string{"नमस्ते"}},
		{"invalid UTF-8", "arm\xffleg", []string{"arm", "leg"}},
		{"long word cut", strings.Repeat("ab", 50), []string{strings.Repeat("ab", 32)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Tokens(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// TestStemming checks that the forms of a word a DSL might type share one
// token, and that different words do not.
func TestStemming(t *testing.T) {
	t.Parallel()
	for _, forms := range [][]string{
		{"bruise", "bruises", "bruised", "bruising"},
		{"worry", "worried", "worries", "worrying"},
		{"hit", "hits", "hitting"},
		{"neglect", "neglected", "neglecting", "neglects"},
		{"hurt", "hurts", "hurting"},
		{"cry", "cried", "cries", "crying"},
		{"disclose", "disclosed", "disclosing", "discloses"},
	} {
		want := Tokens(forms[0])
		if len(want) != 1 {
			t.Fatalf("Tokens(%q) = %q, want one token", forms[0], want)
		}
		for _, f := range forms[1:] {
			if got := Tokens(f); !slices.Equal(got, want) {
				t.Errorf("Tokens(%q) = %q, want %q as for %q", f, got, want, forms[0])
			}
		}
	}
	if a, b := Tokens("bruise"), Tokens("brush"); slices.Equal(a, b) {
		t.Errorf("bruise and brush share token %q", a)
	}
}

// FuzzTokens checks that no input panics and that every token is a
// normalised, folded word within the length limits.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{
		"", "Pupil arrived with a bruised arm.", "child's O'Brien didn't",
		"Zoe\u0308 Straße ＢＲＵＩＳＥＳ \ufb01ght", "ΣΟΦΟΣ नमस्ते 東京",
		"a'\u0301b", "'''", "x'", "\xff\xfe'a", strings.Repeat("é", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		toks := Tokens(text)
		seen := make(map[string]bool)
		for _, tok := range toks {
			if !utf8.ValidString(tok) {
				t.Fatalf("token %q is not valid UTF-8", tok)
			}
			if !norm.NFKC.IsNormalString(tok) {
				t.Fatalf("token %q is not NFKC", tok)
			}
			if n := utf8.RuneCountInString(tok); n < minRunes || n > maxRunes {
				t.Fatalf("token %q has %d runes", tok, n)
			}
			for _, r := range tok {
				if !isWordRune(r) {
					t.Fatalf("token %q holds %q", tok, r)
				}
			}
			if norm.NFKC.String(foldCase(tok)) != tok { // "ΐ" folds to three runes
				t.Fatalf("token %q is not case-folded", tok)
			}
			if seen[tok] {
				t.Fatalf("token %q twice", tok)
			}
			seen[tok] = true
		}
		// Folding is applied before stemming, so the tokens of folded text
		// are the tokens of the text.
		if again := Tokens(cases.Fold().String(text)); !slices.Equal(again, toks) {
			t.Fatalf("folded text gives %q, text gives %q", again, toks)
		}
		if idx := Index(Key{1}, text); len(idx) != len(toks) {
			t.Fatalf("Index gives %d tokens for %d words", len(idx), len(toks))
		}
	})
}
