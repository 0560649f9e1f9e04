package auth

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/match"
	"github.com/ccojocar/zxcvbn-go/matching"
	"github.com/ccojocar/zxcvbn-go/scoring"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/vigil-safeguarding/vigil"
)

// Profile is a school's password policy (security.md §3). Each school picks
// one; the compliance pack names it.
type Profile string

// The password policy profiles.
const (
	// ProfileClassic is what school DPIAs usually ask for: 10 characters
	// with letters, digits and symbols, changed every 60 days, no variants
	// of the current password and no reuse of the last five. It is the
	// default, and breaks ASVS 6.2.5 and 6.2.10 on purpose.
	ProfileClassic Profile = "dpia-classic"
	// ProfileNIST follows NIST SP 800-63B-4: 15 characters (8 with a second
	// factor at every sign-in), no composition rules, no expiry.
	ProfileNIST Profile = "nist-800-63b"
)

// MaxPasswordLength is the longest password accepted, in characters after
// NFC normalisation. Longer ones are refused, never truncated.
const MaxPasswordLength = 256

// PasswordHistory is how many previous password hashes the Classic profile
// checks for reuse; a store need keep no more.
const PasswordHistory = 5

// Profiles lists the profiles a school can choose, the default first.
func Profiles() []Profile { return []Profile{ProfileClassic, ProfileNIST} }

// Valid reports whether p names a known profile. The empty profile is not
// valid, though CheckPasswordChange reads it as the default.
func (p Profile) Valid() bool { return p == ProfileClassic || p == ProfileNIST }

// orDefault returns ProfileClassic for the empty profile.
func (p Profile) orDefault() Profile {
	if p == "" {
		return ProfileClassic
	}
	return p
}

// Title returns the profile's name as a school admin sees it.
func (p Profile) Title() string {
	switch p.orDefault() {
	case ProfileClassic:
		return "DPIA classic (schools' usual DPIA wording)"
	case ProfileNIST:
		return "NIST SP 800-63B"
	}
	return string(p)
}

// Warning returns what the settings page shows beside the profile, or "".
func (p Profile) Warning() string {
	if p.orDefault() == ProfileClassic {
		return "Complexity rules and changing passwords every 60 days lead people to predictable patterns; " +
			"NIST SP 800-63B and the NCSC advise against both. Choose this only if your DPIA requires it."
	}
	return ""
}

// ExpiresAfter returns how long a password lasts under the profile: 60 days
// for Classic, 0 (never) for NIST and for an unknown profile.
func (p Profile) ExpiresAfter() time.Duration {
	if p.orDefault() == ProfileClassic {
		return 60 * 24 * time.Hour
	}
	return 0
}

// MinLength returns the fewest characters a password may have under the
// profile; hasSecondFactor says whether every sign-in needs a second factor.
func (p Profile) MinLength(hasSecondFactor bool) int {
	switch p.orDefault() {
	case ProfileNIST:
		if hasSecondFactor {
			return 8
		}
		return 15
	default:
		return 10
	}
}

// PasswordChange is what a new password is checked against.
type PasswordChange struct {
	Profile         Profile  // "" means ProfileClassic
	New             string   // the new password as typed
	Current         string   // the current password as typed at this change ("" when set by an admin or at first set-up)
	PreviousHashes  []string // Argon2id hashes of the last passwords (current first); at most PasswordHistory are used
	HasSecondFactor bool     // NIST: 8 characters suffice when sign-in always needs a second factor
	Context         []string // words that must not be the password: the person's name parts, email local part and domain words, the school's name words, "vigil"
}

// Messages a teacher sees when a password is refused.
const (
	msgTooLong    = "Use at most 256 characters."
	msgCharacters = "Use only letters, digits, spaces and symbols you can type."
	msgCompose    = "Use letters, digits and at least one symbol (such as ! or ?)."
	msgContext    = "Don't use your name, email or school's name as your password."
	msgCommon     = "This password is one of the most common and would be guessed quickly."
	msgSame       = "This is your current password; choose a new one."
	msgVariant    = "This is too close to your current password: change more than a couple of characters."
	msgReused     = "You have used this password recently; choose a new one."
	msgGuessable  = "This password would be guessed quickly."
)

// CheckPasswordChange applies c.Profile's rules to c.New. It returns nil, an
// EINVALID *vigil.Error whose Field is "password" and whose message names the
// rule broken, or a plain error (EINTERNAL) for an unknown profile or a nil
// h with hashes to check. It never logs or returns any password.
func CheckPasswordChange(h *Hasher, c PasswordChange) error {
	p := c.Profile.orDefault()
	if !p.Valid() {
		return fmt.Errorf("check password: unknown profile %q", c.Profile)
	}
	classic := p == ProfileClassic
	pw := norm.NFC.String(c.New)
	refuse := func(msg string) error { return vigil.FieldError("password", msg) }

	if !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl) {
		return refuse(msgCharacters)
	}
	n := utf8.RuneCountInString(pw)
	if least := p.MinLength(c.HasSecondFactor); n < least {
		return refuse(fmt.Sprintf("Use at least %d characters.", least))
	} else if n > MaxPasswordLength {
		return refuse(msgTooLong)
	}
	if classic && !composed(pw) {
		return refuse(msgCompose)
	}
	words := newContextWords(c.Context)
	if words.matches(pw) {
		return refuse(msgContext)
	}
	if isBlocked(pw) {
		return refuse(msgCommon)
	}
	if classic && c.Current != "" {
		cur := norm.NFC.String(c.Current)
		if pw == cur {
			return refuse(msgSame)
		}
		if isVariant(pw, cur) {
			return refuse(msgVariant)
		}
	}
	if repetitive(pw) {
		return refuse(msgGuessable + " " + hintRepeat)
	}
	if r := estimate(pw, words.inputs); r.Score == 0 {
		return refuse(msgGuessable + " " + hintFor(r.Score, r.MatchSequence))
	}
	if classic {
		hashes := c.PreviousHashes[:min(len(c.PreviousHashes), PasswordHistory)]
		if len(hashes) > 0 && h == nil {
			return fmt.Errorf("check password: no hasher to check %d previous hashes", len(hashes))
		}
		for _, hash := range hashes {
			if ok, _ := h.Verify(pw, hash); ok {
				return refuse(msgReused)
			}
		}
	}
	return nil
}

// Strength estimates password's strength with zxcvbn, 0 (guessed at once)
// to 4 (very hard to guess), and returns a short hint for a strength meter.
// context is as PasswordChange.Context. A password CheckPasswordChange would
// refuse for its length or characters scores 0 with that rule as the hint;
// the empty password scores 0 with no hint.
func Strength(password string, context []string) (score int, hint string) {
	pw := norm.NFC.String(password)
	switch {
	case pw == "":
		return 0, ""
	case !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl):
		return 0, msgCharacters
	case utf8.RuneCountInString(pw) > MaxPasswordLength:
		return 0, msgTooLong
	}
	if repetitive(pw) {
		return 0, hintRepeat
	}
	r := estimate(pw, newContextWords(context).inputs)
	return r.Score, hintFor(r.Score, r.MatchSequence)
}

// hintRepeat is the advice for "aaaaaaaa" and "abcabcabc".
const hintRepeat = "Avoid repeated characters such as aaa."

// repetitive reports whether pw is one to four characters over and over
// ("aaaaaaaaaa", "abababab", "Ab1!Ab1!Ab1!"), which zxcvbn-go misses past
// a single repeated ASCII character.
func repetitive(pw string) bool {
	r := []rune(pw)
	for period := 1; period <= 4 && period < len(r); period++ {
		same := true
		for i := period; i < len(r) && same; i++ {
			same = r[i] == r[i-period]
		}
		if same {
			return true
		}
	}
	return false
}

// leetMaxLength is the longest password zxcvbn reads for look-alike
// characters ("p@ssw0rd").
const leetMaxLength = 32

// estimate runs zxcvbn on pw, an NFC password of at most MaxPasswordLength
// characters. zxcvbn-go tries every look-alike reading of the whole password
// against every dictionary, which takes seconds for a long password full of
// symbols; so past leetMaxLength it skips them. A password that long is not
// one common word in disguise, and isBlocked undoes look-alikes itself.
func estimate(pw string, inputs []string) scoring.MinEntropyMatch {
	var skip []func(match.Matcher) bool
	if utf8.RuneCountInString(pw) > leetMaxLength {
		skip = append(skip, matching.FilterL33tMatcher)
	}
	return zxcvbn.PasswordStrength(pw, inputs, skip...)
}

// hintFor turns a zxcvbn result into advice: praise for a strong password,
// otherwise what to avoid: the person's own words, or else the longest
// pattern zxcvbn found.
func hintFor(score int, seq []match.Match) string {
	switch {
	case score >= 4:
		return "Strong: very hard to guess."
	case score == 3:
		return "Good: hard to guess."
	}
	var worst match.Match
	for _, m := range seq {
		if m.DictionaryName == "user_inputs" { // the person's own words come first
			return "Avoid your name, email and school's name."
		}
		if m.Pattern != "" && m.J-m.I > worst.J-worst.I {
			worst = m
		}
	}
	switch {
	case worst.Pattern == "dictionary" && worst.DictionaryName == "Passwords":
		return "Avoid common passwords, even with changes."
	case worst.Pattern == "dictionary":
		return "Avoid single common words and names: use three or four unrelated words."
	case worst.Pattern == "spatial":
		return "Avoid keyboard patterns such as qwerty."
	case worst.Pattern == "repeat":
		return hintRepeat
	case worst.Pattern == "sequence":
		return "Avoid sequences such as abc or 123."
	case worst.Pattern == "date":
		return "Avoid dates and years."
	}
	return "Make it longer: three or four unrelated words work well."
}

// composed reports whether pw has a letter, a digit and a symbol; a space is
// not a symbol, and a combining mark goes with its letter.
func composed(pw string) bool {
	var letter, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r), unicode.IsMark(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsSpace(r):
			symbol = true
		}
	}
	return letter && digit && symbol
}

// isVariant reports whether pw is a trivial variant of cur, both NFC: at
// most two edits apart ignoring case, or the same letters once digits,
// symbols and spaces are taken out ("Summer1!" and "Summer2!").
func isVariant(pw, cur string) bool {
	fp, fc := fold(pw), fold(cur)
	if lp := lettersOnly(fp); lp != "" && lp == lettersOnly(fc) {
		return true
	}
	return editDistance([]rune(fp), []rune(fc), 2) <= 2
}

// editDistance returns the Levenshtein distance between a and b, or limit+1
// as soon as it is sure to be more than limit.
func editDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev, row := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		row[0] = i
		least := row[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(prev[j]+1, row[j-1]+1, prev[j-1]+cost)
			least = min(least, row[j])
		}
		if least > limit {
			return limit + 1
		}
		prev, row = row, prev
	}
	return prev[len(b)]
}

// contextWords holds the words a password must not be.
type contextWords struct {
	words  map[string]bool // letters only, case-folded, at least 3 letters
	inputs []string        // for zxcvbn's user-input dictionary
}

// genericWords are parts of email domains that say nothing about a person.
var genericWords = map[string]bool{"sch": true, "com": true, "org": true, "net": true, "gov": true, "edu": true, "www": true, "mail": true}

// newContextWords splits each context entry into words ("Oak Hill Primary",
// "jo.smith") and keeps each word and the whole entry run together.
func newContextWords(entries []string) contextWords {
	c := contextWords{words: map[string]bool{}}
	add := func(s string) {
		letters := lettersOnly(s)
		if utf8.RuneCountInString(letters) < 3 || genericWords[letters] || c.words[letters] {
			return
		}
		c.words[letters] = true
		c.inputs = append(c.inputs, letters)
	}
	for _, e := range entries {
		e = fold(norm.NFC.String(e))
		add(e)
		for _, w := range strings.FieldsFunc(e, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) }) {
			add(w)
		}
	}
	return c
}

// matches reports whether pw, with digits, symbols and spaces taken out, is
// one of the context words: "Smith2024!" for Smith, "Oak-Hill1" for Oak Hill.
func (c contextWords) matches(pw string) bool {
	return c.words[lettersOnly(fold(pw))]
}

// fold returns s case-folded, so "STRASSE" and "straße" compare equal. A
// Caser keeps state, so each call makes its own.
func fold(s string) string { return cases.Fold().String(s) }

// lettersOnly returns s with everything but letters (and their combining
// marks) taken out.
func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			return r
		}
		return -1
	}, s)
}
