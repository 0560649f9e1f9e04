package ctf

import (
	"strconv"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// relationships maps contact relationship codes to labels. The list is
// ours, gathered from codes MIS CTFs commonly carry; it is not the DfE's
// published code set and makes no claim to be complete. A code not in it
// is shown as given.
var relationships = []struct{ code, label string }{
	{"PAR", "Parent"},
	{"STP", "Step-parent"},
	{"FOF", "Foster parent"},
	{"CAR", "Carer"},
	{"REL", "Relative"},
	{"CHM", "Childminder"},
	{"DOC", "Doctor"},
	{"SWR", "Social worker"},
	{"HTC", "Head teacher"},
	{"OTH", "Other"},
}

// RelationshipLabel returns the label for a CTF contact relationship code
// ("PAR" is "Parent"), or the code as given when it is not one we know.
// Case and surrounding space are ignored.
func RelationshipLabel(code string) string {
	code = strings.TrimSpace(code)
	for _, r := range relationships {
		if strings.EqualFold(r.code, code) {
			return r.label
		}
	}
	return code
}

// relationshipCode returns the CTF code for a relationship as Vigil holds
// it: a code we know, one of our labels, or a common word for one.
// Anything else is OTH.
func relationshipCode(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, r := range relationships {
		if s == strings.ToLower(r.code) || s == strings.ToLower(r.label) {
			return r.code
		}
	}
	switch s {
	case "mother", "father", "mum", "dad", "parent":
		return "PAR"
	case "stepmother", "stepfather", "step-mother", "step-father", "step mother", "step father", "step parent", "stepparent":
		return "STP"
	case "foster carer", "foster mother", "foster father":
		return "FOF"
	case "grandparent", "grandmother", "grandfather", "aunt", "uncle", "sibling", "brother", "sister", "cousin":
		return "REL"
	case "gp":
		return "DOC"
	case "child minder":
		return "CHM"
	}
	return "OTH"
}

// yearGroup reads NCyearActual as one of vigil.YearGroups. X (not
// following the national curriculum) is valid and blank. Reception's
// other spellings and "Year 5" style values are accepted.
func yearGroup(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	switch s {
	case "X":
		return "", true
	case "N1", "N2", "R":
		return s, true
	case "REC", "RECEPTION", "YR", "FS2", "0":
		return "R", true
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "YEAR"), "Y")
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= 14 && len(s) <= 2 {
		return strconv.Itoa(n), true
	}
	return "", false
}

// sexCode reads Sex (or Gender): M and F, X kept for another recorded
// value; U, 9 and 0 ("not known") and blank are not known.
func sexCode(s string) (sex string, known, valid bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "M", "MALE":
		return "M", true, true
	case "F", "FEMALE":
		return "F", true, true
	case "X":
		return "X", true, true
	case "", "U", "9", "0", "UNKNOWN", "NOT KNOWN":
		return "", false, true
	}
	return "", false, false
}

// parseBool reads a CTF boolean; blank is unknown (nil). ok is false for
// anything else.
func parseBool(s string) (b *bool, ok bool) {
	t, f := true, false
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, true
	case "true", "t", "y", "yes", "1":
		return &t, true
	case "false", "f", "n", "no", "0":
		return &f, true
	}
	return nil, false
}

// parseDate reads yyyy-MM-dd, or a date-time, keeping its date.
func parseDate(s string) (vigil.Date, bool) {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	d, err := vigil.ParseDate(s)
	return d, err == nil
}

// isLanguageCode reports whether s looks like a DfE language code: three
// or four capital letters (ENG, PNJA).
func isLanguageCode(s string) bool {
	if len(s) < 3 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isPhone reports whether s passes vigil.Contact's phone rule and holds a
// digit.
func isPhone(s string) bool {
	if len(s) > 40 || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	return strings.TrimFunc(s, func(r rune) bool { return r >= '0' && r <= '9' || strings.ContainsRune(" +()-", r) }) == ""
}
