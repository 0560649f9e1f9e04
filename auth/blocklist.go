package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// blocklistText is the bundled list of common and breached passwords, one
// case-folded password a line. blocklist_gen.go writes it; its header names
// the sources (zxcvbn-go's lists, MIT; Openwall's password.lst, public domain).
//
//go:embed blocklist.txt
var blocklistText string

// blocklist is the bundled list as a set, built on first use.
var blocklist = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 13000)
	for line := range strings.Lines(blocklistText) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
})

// BlocklistSize returns how many passwords the bundled blocklist holds, for
// the compliance pack and the settings page.
func BlocklistSize() int { return len(blocklist()) }

// isBlocked reports whether pw, an NFC password, is on the bundled list. It
// ignores case, digits and symbols at either end ("Password123!" and
// "2024Summer!" are caught), and common look-alike substitutions in what
// is left ("P@ssw0rd1" is "password").
func isBlocked(pw string) bool {
	list := blocklist()
	f := fold(pw)
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	symbol := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	core := strings.TrimFunc(f, notLetter)
	candidates := []string{
		f,
		strings.TrimRightFunc(f, symbol),    // "trustno1!" is "trustno1"
		strings.TrimRightFunc(f, notLetter), // "password123!" is "password"
		core,                                // "2024summer!" is "summer"
		unleet(core, 'i'),
		unleet(core, 'l'),
	}
	for _, c := range candidates {
		if _, ok := list[c]; ok && c != "" {
			return true
		}
	}
	return false
}

// unleet undoes the substitutions guessers try first, reading 1, ! and |
// as one.
func unleet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '8':
			return 'b'
		case '3':
			return 'e'
		case '0':
			return 'o'
		case '$', '5':
			return 's'
		case '7', '+':
			return 't'
		case '1', '!', '|':
			return one
		}
		return r
	}, s)
}
