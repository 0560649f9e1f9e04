//go:build ignore

// blocklist_gen.go writes blocklist.txt, the bundled list of passwords that
// are refused whatever the profile (security.md §3, ASVS 6.2.4 and 6.2.12).
// It is run by hand when the sources change, never by the build:
//
//	apt-get install john-data   # Openwall's password.lst
//	cd auth && go run blocklist_gen.go -john /usr/share/john/password.lst
//
// Sources, merged, case-folded, de-duplicated and sorted:
//   - zxcvbn-go v1.0.4's "Passwords" frequency list (MIT licence,
//     Copyright (c) Nathan Button; the list comes from Dropbox's zxcvbn, MIT);
//   - zxcvbn-go v1.0.4's "MaleNames" and "FemaleNames" lists (same licence):
//     a first name with digits or symbols after it is one of the first
//     things a guesser tries;
//   - Openwall's password.lst by Solar Designer, "assumed to be in the
//     public domain", shipped in Debian's john-data package.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"

	"github.com/ccojocar/zxcvbn-go/frequency"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func main() {
	john := flag.String("john", "/usr/share/john/password.lst", "Openwall password.lst (Debian package john-data)")
	out := flag.String("o", "blocklist.txt", "file to write")
	flag.Parse()

	seen := map[string]bool{}
	counts := map[string]int{}
	add := func(source, pw string) {
		pw = cases.Fold().String(norm.NFC.String(strings.TrimSpace(pw)))
		if pw == "" || strings.HasPrefix(pw, "#") || strings.ContainsAny(pw, " \t") {
			return
		}
		counts[source]++
		seen[pw] = true
	}
	for _, name := range []string{"Passwords", "MaleNames", "FemaleNames"} {
		for _, pw := range frequency.Lists[name].List {
			add("zxcvbn-go "+name, pw)
		}
	}
	f, err := os.Open(*john)
	if err != nil {
		log.Fatal(err)
	}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if !strings.HasPrefix(s.Text(), "#!comment") {
			add("Openwall password.lst", s.Text())
		}
	}
	if err := s.Err(); err != nil {
		log.Fatal(err)
	}
	f.Close()

	list := make([]string, 0, len(seen))
	for pw := range seen {
		list = append(list, pw)
	}
	slices.Sort(list)

	var b strings.Builder
	b.WriteString(`# Vigil's bundled password blocklist: passwords refused under every profile.
# Written by blocklist_gen.go (see there to regenerate); one case-folded
# password a line; lines starting with # are comments.
#
# Sources:
#   zxcvbn-go v1.0.4 (github.com/ccojocar/zxcvbn-go), data/Passwords.json,
#   data/MaleNames.json and data/FemaleNames.json. MIT licence,
#   Copyright (c) Nathan Button; the lists come from Dropbox's zxcvbn (MIT).
#   Openwall password.lst (Solar Designer, 1996-2011), "assumed to be in the
#   public domain", as shipped in Debian's john-data package.
`)
	for _, name := range []string{"zxcvbn-go Passwords", "zxcvbn-go MaleNames", "zxcvbn-go FemaleNames", "Openwall password.lst"} {
		fmt.Fprintf(&b, "#   %s: %d entries read\n", name, counts[name])
	}
	fmt.Fprintf(&b, "# %d distinct entries.\n", len(list))
	for _, pw := range list {
		b.WriteString(pw + "\n")
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d entries\n", *out, len(list))
}
