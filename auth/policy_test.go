package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
)

// Messages the tests expect, as a teacher reads them.
const (
	ok         = ""
	tooShort10 = "Use at least 10 characters."
	tooShort15 = "Use at least 15 characters."
	tooShort8  = "Use at least 8 characters."
	tooLong    = "Use at most 256 characters."
	badChars   = "Use only letters, digits, spaces and symbols you can type."
	compose    = "Use letters, digits and at least one symbol (such as ! or ?)."
	contextMsg = "Don't use your name, email or school's name as your password."
	common     = "This password is one of the most common and would be guessed quickly."
	same       = "This is your current password; choose a new one."
	variant    = "This is too close to your current password: change more than a couple of characters."
	reused     = "You have used this password recently; choose a new one."
	guessable  = "This password would be guessed quickly." // followed by a hint
)

// refusal runs CheckPasswordChange and returns "" or the message of its
// EINVALID error, failing the test on any other kind of error.
func refusal(t *testing.T, h *auth.Hasher, c auth.PasswordChange) string {
	t.Helper()
	err := auth.CheckPasswordChange(h, c)
	if err == nil {
		return ok
	}
	e, isVigil := errors.AsType[*vigil.Error](err)
	if !isVigil || e.Code != vigil.EINVALID || e.Field != "password" || e.Fields["password"] != e.Message {
		t.Fatalf("CheckPasswordChange: got %#v, want an EINVALID error on the password field", err)
	}
	return e.Message
}

// wantRefusal compares a refusal with want; a want ending in "." after
// guessable only needs the start to match, since the hint follows.
func wantRefusal(t *testing.T, got, want string) {
	t.Helper()
	if want == guessable {
		if !strings.HasPrefix(got, guessable+" ") {
			t.Errorf("got %q, want %q followed by a hint", got, guessable)
		}
		return
	}
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func newHasher(t *testing.T) *auth.Hasher {
	t.Helper()
	return auth.NewHasher(auth.TestArgon2, 2)
}

func hash(t *testing.T, h *auth.Hasher, pw string) string {
	t.Helper()
	s, err := h.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPasswordPolicyClassic(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	for _, tc := range []struct {
		name, pw, want string
	}{
		{"good", "Kettle-Orchard-7", ok},
		{"exactly 10", "Rook7!Fern", ok},
		{"9 characters", "Rook7!Fer", tooShort10},
		{"empty", "", tooShort10},
		{"no symbol", "KettleOrchard7", compose},
		{"a space is not a symbol", "Kettle Orchard 7", compose},
		{"no digit", "Kettle-Orchard!", compose},
		{"no letter", "4712-9083-6651!", compose},
		{"long passphrase, no digit", "lantern harbour meadow", compose},
		{"256 characters", strings.Repeat("Rhubarb&Custard9", 16), ok},
		{"257 characters", strings.Repeat("Rhubarb&Custard9", 16) + "x", tooLong},
		{"control character", "Kettle\x00Orchard-7", badChars},
		{"bad UTF-8", "Kettle-Orchard-7\xff", badChars},
		{"keyboard run", "zxcvbnm,./1A", guessable},
		{"one letter over and over", "aaaaaaaaaa1!", guessable},
		{"repeated", "Zx9!Zx9!Zx9!", guessable},
		{"sequence", "abcdefghij1!", guessable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, refusal(t, h, auth.PasswordChange{Profile: auth.ProfileClassic, New: tc.pw}), tc.want)
		})
	}
}

func TestPasswordPolicyNIST(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	for _, tc := range []struct {
		name, pw  string
		twoFactor bool
		want      string
	}{
		{"passphrase, no composition", "lantern harbour meadow", false, ok},
		{"exactly 15", "lantern harbour", false, ok},
		{"14 characters", "lantern harbou", false, tooShort15},
		{"classic-length password", "Kettle-Orchard", false, tooShort15},
		{"8 with a second factor", "wren&fog", true, ok},
		{"13 with a second factor", "quiet kestrel", true, ok},
		{"7 with a second factor", "kestrel", true, tooShort8},
		{"8 without a second factor", "wren&fog", false, tooShort15},
		{"common, second factor", "Summer1!", true, common},
		{"common, long", "Password123456789!", false, common},
		{"257 characters", strings.Repeat("lantern harbour ", 16) + "x", false, tooLong},
		{"all one character", strings.Repeat("a", 20), false, guessable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := auth.PasswordChange{Profile: auth.ProfileNIST, New: tc.pw, HasSecondFactor: tc.twoFactor}
			wantRefusal(t, refusal(t, h, c), tc.want)
		})
	}
}

func TestPasswordPolicyNISTNoVariantOrReuseChecks(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	pw := "Summertime-Lantern2!"
	c := auth.PasswordChange{
		Profile:        auth.ProfileNIST,
		New:            pw,
		Current:        "Summertime-Lantern1!",
		PreviousHashes: []string{hash(t, h, "Summertime-Lantern1!"), hash(t, h, pw)},
	}
	wantRefusal(t, refusal(t, h, c), ok)
	c.Profile = auth.ProfileClassic // the same change under Classic is refused
	wantRefusal(t, refusal(t, h, c), variant)
}

func TestPasswordPolicyProfiles(t *testing.T) {
	t.Parallel()
	if got := auth.Profiles(); len(got) != 2 || got[0] != auth.ProfileClassic || got[1] != auth.ProfileNIST {
		t.Errorf("Profiles() = %v, want Classic (the default) then NIST", got)
	}
	for _, tc := range []struct {
		p       auth.Profile
		valid   bool
		title   string
		expires time.Duration
		min     int
	}{
		{auth.ProfileClassic, true, "DPIA classic (schools' usual DPIA wording)", 60 * 24 * time.Hour, 10},
		{auth.ProfileNIST, true, "NIST SP 800-63B", 0, 15},
		{"", false, "DPIA classic (schools' usual DPIA wording)", 60 * 24 * time.Hour, 10}, // the default
		{"nist", false, "nist", 0, 10},
	} {
		t.Run(string(tc.p), func(t *testing.T) {
			if got := tc.p.Valid(); got != tc.valid {
				t.Errorf("Valid() = %v, want %v", got, tc.valid)
			}
			if got := tc.p.Title(); got != tc.title {
				t.Errorf("Title() = %q, want %q", got, tc.title)
			}
			if got := tc.p.ExpiresAfter(); got != tc.expires {
				t.Errorf("ExpiresAfter() = %v, want %v", got, tc.expires)
			}
			if got := tc.p.MinLength(false); got != tc.min {
				t.Errorf("MinLength(false) = %d, want %d", got, tc.min)
			}
		})
	}
	if auth.ProfileClassic.Warning() == "" || auth.ProfileNIST.Warning() != "" {
		t.Error("Classic should carry a warning and NIST none")
	}

	h := newHasher(t)
	// The empty profile applies Classic's rules.
	wantRefusal(t, refusal(t, h, auth.PasswordChange{New: "lantern harbour meadow"}), compose)
	// An unknown profile is a bug, not the user's fault.
	err := auth.CheckPasswordChange(h, auth.PasswordChange{Profile: "nist", New: "lantern harbour meadow"})
	if vigil.ErrorCode(err) != vigil.EINTERNAL {
		t.Errorf("unknown profile: got %v, want an internal error", err)
	}
}

func TestPasswordPolicyBlocklist(t *testing.T) {
	t.Parallel()
	if n := auth.BlocklistSize(); n < 10000 {
		t.Errorf("BlocklistSize() = %d, want at least 10,000", n)
	}
	h := newHasher(t)
	for _, tc := range []struct {
		name    string
		profile auth.Profile
		pw      string
		want    string
	}{
		{"common with digits and symbol", auth.ProfileClassic, "Password123!", common},
		{"upper case", auth.ProfileClassic, "PASSWORD123!", common},
		{"look-alikes", auth.ProfileClassic, "P@ssw0rd2024!", common},
		{"1 for i", auth.ProfileClassic, "D1amond2024!", common},
		{"1 for l", auth.ProfileClassic, "He11o-2024!", common},
		{"digits in front", auth.ProfileClassic, "2024Summer!!", common},
		{"keyboard", auth.ProfileClassic, "Qwertyuiop1!", common},
		{"digit inside the word", auth.ProfileClassic, "Trustno1!!!!", common},
		{"listed with digits in front", auth.ProfileClassic, "123qwe2024!", common},
		{"first name and year", auth.ProfileClassic, "Jessica2024!", common},
		{"football, NIST length", auth.ProfileNIST, "Football2024!!!!!", common},
		{"letmein, NIST length", auth.ProfileNIST, "letmein123456789", common},
		{"common word inside a longer one", auth.ProfileClassic, "Passwordless-Fern7", ok},
		{"two words", auth.ProfileClassic, "Rhubarb&Custard9", ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, refusal(t, h, auth.PasswordChange{Profile: tc.profile, New: tc.pw}), tc.want)
		})
	}
}

func TestPasswordPolicyVariants(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	for _, tc := range []struct {
		name, current, pw string
		profile           auth.Profile
		want              string
	}{
		{"one digit changed", "Kettle-Orchard-7", "Kettle-Orchard-8", auth.ProfileClassic, variant},
		{"case changed only", "Kettle-Orchard-7", "KETTLE-orchard-7", auth.ProfileClassic, variant},
		{"two edits", "Kettle-Orchard-7", "Kettle-Orchid-7", auth.ProfileClassic, variant},
		{"three edits", "Kettle-Orchard-7", "Kettle-Orchid-75", auth.ProfileClassic, ok},
		{"same letters, other digits and symbols", "Kettle-Orchard-7", "kettle_orchard_42?", auth.ProfileClassic, variant},
		{"unchanged", "Kettle-Orchard-7", "Kettle-Orchard-7", auth.ProfileClassic, same},
		{"new words", "Kettle-Orchard-7", "Kettle-Harbour-7", auth.ProfileClassic, ok},
		{"Summer1! to Summer2!, Classic", "Summertime-Lantern1!", "Summertime-Lantern2!", auth.ProfileClassic, variant},
		{"Summer1! to Summer2!, NIST", "Summertime-Lantern1!", "Summertime-Lantern2!", auth.ProfileNIST, ok},
		{"Summer1! to Summer2!, too short anyway", "Summer1!", "Summer2!", auth.ProfileClassic, tooShort10},
		{"set by an admin: no current password", "", "Kettle-Orchard-8", auth.ProfileClassic, ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := auth.PasswordChange{Profile: tc.profile, New: tc.pw, Current: tc.current}
			wantRefusal(t, refusal(t, h, c), tc.want)
		})
	}
}

func TestPasswordPolicyReuse(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	old := []string{"Kettle-Orchard-1", "Bramble-Lane-22", "Rhubarb&Custard9", "Quiet-Kestrel-4", "Copper-Meadow-5", "Harbour-Lights-6"}
	var hashes []string // current first
	for _, pw := range old {
		hashes = append(hashes, hash(t, h, pw))
	}
	for _, tc := range []struct {
		name, pw string
		hashes   []string
		want     string
	}{
		{"current password", "Kettle-Orchard-1", hashes, reused},
		{"third last", "Rhubarb&Custard9", hashes, reused},
		{"fifth last", "Copper-Meadow-5", hashes, reused},
		{"sixth last is forgotten", "Harbour-Lights-6", hashes, ok},
		{"new", "Willow-Pond-83!", hashes, ok},
		{"no history", "Kettle-Orchard-1", nil, ok},
		{"damaged hash ignored", "Willow-Pond-83!", []string{"$argon2id$garbage", ""}, ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := auth.PasswordChange{Profile: auth.ProfileClassic, New: tc.pw, PreviousHashes: tc.hashes}
			wantRefusal(t, refusal(t, h, c), tc.want)
		})
	}

	err := auth.CheckPasswordChange(nil, auth.PasswordChange{New: "Willow-Pond-83!", PreviousHashes: hashes})
	if err == nil || vigil.ErrorCode(err) != vigil.EINTERNAL {
		t.Errorf("nil hasher with hashes: got %v, want an internal error", err)
	}
}

func TestPasswordPolicyContext(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	context := []string{"Joanna", "Smith", "jo.smith", "oakhill", "sch", "uk", "Oak Hill Primary", "vigil"}
	for _, tc := range []struct {
		name    string
		profile auth.Profile
		pw      string
		want    string
	}{
		{"first name", auth.ProfileClassic, "Joanna2024!!", contextMsg},
		{"surname in capitals", auth.ProfileClassic, "SMITH-1234567", contextMsg},
		{"email local part", auth.ProfileClassic, "Jo.Smith#2024", contextMsg},
		{"domain word", auth.ProfileClassic, "Oakhill2024!", contextMsg},
		{"school name with separators", auth.ProfileClassic, "Oak-Hill-2024!", contextMsg},
		{"whole school name", auth.ProfileNIST, "OakHillPrimary2024!", contextMsg},
		{"vigil", auth.ProfileClassic, "!!Vigil2024", contextMsg},
		{"name is part of more", auth.ProfileClassic, "Joanna-Kestrel-7", ok},
		{"generic domain part is not a context word", auth.ProfileClassic, "Sch-4815-1623!", ok},
		{"unrelated", auth.ProfileNIST, "lantern harbour meadow", ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := auth.PasswordChange{Profile: tc.profile, New: tc.pw, Context: context}
			wantRefusal(t, refusal(t, h, c), tc.want)
		})
	}
}

func TestPasswordPolicyUnicode(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	const (
		composed   = "\u00e9"  // é as one code point
		decomposed = "e\u0301" // e and a combining acute accent
	)
	long := "The quiet kestrel hovers over Bramble Lane at 7 o'clock, every single morning!"
	if n := utf8.RuneCountInString(long); n < 64 {
		t.Fatalf("passphrase has %d characters, want 64 or more", n)
	}
	// 256 characters after NFC, but more code points when decomposed.
	unit := []rune("Caf" + composed + " cr" + composed + "me 7! Th" + composed + " glac" + composed + " ")
	var runes []rune
	for len(runes) < 256 {
		runes = append(runes, unit...)
	}
	long256 := string(runes[:256])
	for _, tc := range []struct {
		name    string
		profile auth.Profile
		pw      string
		want    string
	}{
		{"10 characters, composed", auth.ProfileClassic, "Caf" + composed + "-Noir-1", ok},
		{"10 characters, decomposed", auth.ProfileClassic, "Caf" + decomposed + "-Noir-1", ok},
		{"9 characters, composed", auth.ProfileClassic, "Caf" + composed + "-No-1", tooShort10},
		{"9 characters, decomposed (10 code points)", auth.ProfileClassic, "Caf" + decomposed + "-No-1", tooShort10},
		{"accented letters count as letters", auth.ProfileClassic, "Cr" + decomposed + "me-Br" + decomposed + "l" + decomposed + "e-42", ok},
		{"64+ character passphrase, Classic", auth.ProfileClassic, long, ok},
		{"64+ character passphrase, NIST", auth.ProfileNIST, long, ok},
		{"256 characters composed", auth.ProfileNIST, long256, ok},
		{"256 characters decomposed", auth.ProfileNIST, strings.ReplaceAll(long256, composed, decomposed), ok},
		{"emoji passphrase", auth.ProfileNIST, "🐢 slow turtle wins the long race 🏁", ok},
		{"Greek letters are letters", auth.ProfileClassic, "Καλημέρα-κόσμε-7", ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefusal(t, refusal(t, h, auth.PasswordChange{Profile: tc.profile, New: tc.pw}), tc.want)
		})
	}

	// One form typed at set-up, the other at the next change.
	c := auth.PasswordChange{
		Profile: auth.ProfileClassic,
		New:     "Caf" + decomposed + "-Noir-1",
		Current: "Caf" + composed + "-Noir-1",
	}
	wantRefusal(t, refusal(t, h, c), same)
	c.Current, c.PreviousHashes = "", []string{hash(t, h, "Caf"+composed+"-Noir-1")}
	wantRefusal(t, refusal(t, h, c), reused)
}

func TestPasswordStrength(t *testing.T) {
	t.Parallel()
	context := []string{"Joanna", "Smith", "Oak Hill Primary"}
	for _, tc := range []struct {
		name     string
		pw       string
		min, max int
		hint     string // "" means any
	}{
		{"empty", "", 0, 0, ""},
		{"common", "password", 0, 0, "Avoid common passwords, even with changes."},
		{"repeated", "abababababababab", 0, 0, "Avoid repeated characters such as aaa."},
		{"keyboard", "zxcvbnm,./", 0, 1, ""},
		{"own name", "joannasmith99", 0, 0, "Avoid your name, email and school's name."},
		{"two words", "Rhubarb&Custard9", 3, 4, ""},
		{"passphrase", "lantern harbour meadow", 4, 4, "Strong: very hard to guess."},
		{"too long", strings.Repeat("lantern harbour ", 17), 0, 0, "Use at most 256 characters."},
		{"bad UTF-8", "lantern harbour\xff", 0, 0, "Use only letters, digits, spaces and symbols you can type."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			score, hint := auth.Strength(tc.pw, context)
			if score < tc.min || score > tc.max {
				t.Errorf("score %d, want %d to %d", score, tc.min, tc.max)
			}
			if tc.hint != "" && hint != tc.hint {
				t.Errorf("hint %q, want %q", hint, tc.hint)
			}
			if tc.pw != "" && hint == "" {
				t.Error("no hint")
			}
		})
	}
	// The person's own words make a password weaker.
	with, _ := auth.Strength("Oakhill-Smith", context)
	without, _ := auth.Strength("Oakhill-Smith", nil)
	if with > without {
		t.Errorf("score with context %d, want at most %d (without)", with, without)
	}
}

func FuzzCheckPasswordChange(f *testing.F) {
	h := auth.NewHasher(auth.TestArgon2, 2)
	prev, err := h.Hash("Kettle-Orchard-7")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Kettle-Orchard-8", "Kettle-Orchard-7", "Joanna Smith", false, false)
	f.Add("lantern harbour meadow", "", "Oak Hill Primary", true, false)
	f.Add("Caf\u00e9-Noir-1", "Cafe\u0301-Noir-1", "", false, true)
	f.Add("P@ssw0rd1!|7$5+", "\xff\x00", "\u0301\u0301", true, true)
	f.Fuzz(func(t *testing.T, pw, current, context string, nist, twoFactor bool) {
		p := auth.ProfileClassic
		if nist {
			p = auth.ProfileNIST
		}
		c := auth.PasswordChange{
			Profile: p, New: pw, Current: current, HasSecondFactor: twoFactor,
			PreviousHashes: []string{prev, current},
			Context:        strings.Split(context, ","),
		}
		err := auth.CheckPasswordChange(h, c)
		if err != nil {
			if e, ok := errors.AsType[*vigil.Error](err); !ok || e.Code != vigil.EINVALID || e.Field != "password" || e.Message == "" {
				t.Fatalf("got %#v, want nil or EINVALID on the password field", err)
			}
		}
		score, _ := auth.Strength(pw, c.Context)
		if score < 0 || score > 4 {
			t.Fatalf("Strength score %d out of 0..4", score)
		}
		if err == nil && score == 0 {
			t.Fatal("accepted a password that Strength scores 0")
		}
	})
}
