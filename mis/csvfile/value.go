package csvfile

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vigil-safeguarding/vigil"
)

// Messages for values that cannot be read. They never quote the value.
const (
	msgNotDate    = "This is not a date the import can read; use dd/mm/yyyy or yyyy-mm-dd."
	msgSerialDate = "This is a spreadsheet date number, not a date; format the column as a date in Excel before saving as CSV."
	msgNoSuchDate = "This date does not exist; dates are read day first (dd/mm/yyyy), never month first."
	msgBool       = "Use Y or N (or Yes/No, True/False, 1/0)."
	msgYear       = "This is not a year group; use N1, N2, R (Reception) or 1 to 14."
	msgSEN        = "This is not an SEN status; use N (none), K (SEN support) or E (EHC plan)."
	msgPriority   = "Priority is a whole number from 1 to 99."
)

// valueError is a value that could not be read; its text is one of the
// messages above.
type valueError string

func (e valueError) Error() string { return string(e) }

// parseBool reads a yes/no value. Blank is false: a column that is there
// but empty says "no".
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "y", "yes", "t", "true", "1":
		return true, nil
	case "", "n", "no", "f", "false", "0":
		return false, nil
	}
	return false, valueError(msgBool)
}

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

// parseDate reads a date as English schools' exports write it: ISO
// (2015-03-12), day first with a four-digit year (12/03/2015, 12-03-2015,
// 12.03.2015), day first with a two-digit year and slashes (12/3/15, in
// the century that puts it on or before today), or with the month named
// (12 Mar 2015, 12 March 2015, 12-Mar-15). A time after the date is
// dropped. Numbers are never read month first, and spreadsheet serial
// numbers (42076) are refused rather than guessed at.
func parseDate(s string, today vigil.Date) (vigil.Date, error) {
	s = stripTime(strings.TrimSpace(s))
	if s == "" {
		return vigil.Date{}, valueError(msgNotDate)
	}
	if allDigits(s) {
		if len(s) <= 6 {
			return vigil.Date{}, valueError(msgSerialDate)
		}
		return vigil.Date{}, valueError(msgNotDate)
	}
	if i := strings.IndexByte(s, '.'); i > 0 && allDigits(s[:i]) && allDigits(s[i+1:]) && len(s[:i]) <= 6 {
		return vigil.Date{}, valueError(msgSerialDate) // 42076.5: a serial with a time
	}
	parts, sep := splitDate(s)
	if len(parts) != 3 {
		return vigil.Date{}, valueError(msgNotDate)
	}
	a, b, c := parts[0], parts[1], parts[2]
	var y, d int
	var m time.Month
	switch {
	case allDigits(a) && allDigits(b) && allDigits(c) && len(a) == 4:
		if sep != '-' && sep != '/' || len(b) > 2 || len(c) > 2 {
			return vigil.Date{}, valueError(msgNotDate)
		}
		y, m, d = atoi(a), time.Month(atoi(b)), atoi(c)
	case allDigits(a) && allDigits(b) && allDigits(c) && len(a) <= 2 && len(b) <= 2:
		switch {
		case len(c) == 4 && (sep == '/' || sep == '-' || sep == '.'):
			y = atoi(c)
		case len(c) == 2 && sep == '/':
			y = twoDigitYear(atoi(c), time.Month(atoi(b)), atoi(a), today)
		default:
			return vigil.Date{}, valueError(msgNotDate)
		}
		m, d = time.Month(atoi(b)), atoi(a)
	case allDigits(a) && len(a) <= 2 && monthNames[strings.ToLower(b)] != 0 && allDigits(c) && (sep == ' ' || sep == '-'):
		m, d = monthNames[strings.ToLower(b)], atoi(a)
		switch len(c) {
		case 4:
			y = atoi(c)
		case 2:
			y = twoDigitYear(atoi(c), m, d, today)
		default:
			return vigil.Date{}, valueError(msgNotDate)
		}
	default:
		return vigil.Date{}, valueError(msgNotDate)
	}
	if y < 1900 || y > 2199 {
		return vigil.Date{}, valueError(msgNotDate)
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return vigil.Date{}, valueError(msgNoSuchDate)
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return vigil.Date{}, valueError(msgNoSuchDate) // 31/02/2016 rolls over
	}
	return vigil.DateOf(t), nil
}

// twoDigitYear picks the century that keeps the date on or before today.
func twoDigitYear(yy int, m time.Month, d int, today vigil.Date) int {
	y := today.Time().Year()/100*100 + yy
	if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(today.Time()) {
		y -= 100
	}
	return y
}

// stripTime drops a time of day after a date: "2015-03-12T00:00:00Z",
// "12/03/2015 09:30", "12 Mar 2015 9:30:00 AM".
func stripTime(s string) string {
	if i := strings.IndexByte(s, 'T'); i == 10 && len(s) > 11 && s[11] >= '0' && s[11] <= '9' {
		return s[:i]
	}
	f := strings.Fields(s)
	if n := len(f); n >= 2 && (strings.EqualFold(f[n-1], "am") || strings.EqualFold(f[n-1], "pm")) {
		f = f[:n-1]
	}
	if n := len(f); n >= 2 && strings.Contains(f[n-1], ":") {
		f = f[:n-1]
	} else if len(f) != len(strings.Fields(s)) {
		return s // AM/PM without a time: leave it to fail as not a date
	}
	return strings.Join(f, " ")
}

// splitDate splits a date into its parts at one kind of separator, and
// returns that separator (' ' for spaces).
func splitDate(s string) ([]string, byte) {
	for _, sep := range []byte{'/', '-', '.'} {
		if strings.IndexByte(s, sep) >= 0 {
			return strings.Split(s, string(sep)), sep
		}
	}
	return strings.Fields(strings.ReplaceAll(s, ",", " ")), ' '
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads a short run of digits checked by allDigits.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// squash upper-cases s and keeps only its letters and digits, so "SEN
// Support", "sen-support" and "SENSUPPORT" compare equal.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, s)
}

// parseYear normalises a year group to one of vigil.YearGroups. Blank
// and "X" (no national curriculum year, used by some special schools and
// for pupils out of year) give "" with no error: Vigil has no X year
// group, and a pupil without one is still a pupil.
func parseYear(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") || strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-'
	}) {
		return "", valueError(msgYear) // "-1", "+5", "0.5"
	}
	k := squash(s)
	for _, pre := range []string{"NCYEAR", "YEAR", "YR", "NC", "Y"} {
		if len(k) > len(pre) && strings.HasPrefix(k, pre) {
			k = k[len(pre):]
			break
		}
	}
	switch k {
	case "", "X":
		return "", nil
	case "R", "REC", "RECEPTION", "0", "YR", "FS2", "F2":
		return "R", nil
	case "N1", "NURSERY1":
		return "N1", nil
	case "N2", "NURSERY2", "FS1", "F1", "N", "NURSERY":
		return "N2", nil
	}
	if allDigits(k) && len(k) <= 2 {
		if n := atoi(k); n >= 1 && n <= 14 {
			return strconv.Itoa(n), nil
		}
	}
	return "", valueError(msgYear)
}

// parseSex reads a sex as the census has it: F, M, X for any other
// recorded value, "" when blank or recorded as unknown.
func parseSex(s string) string {
	switch squash(s) {
	case "":
		return ""
	case "M", "MALE", "BOY":
		return "M"
	case "F", "FEMALE", "GIRL":
		return "F"
	case "U", "UNKNOWN", "NOTKNOWN":
		return ""
	}
	return "X"
}

// parseSEN reads an SEN status as the census code: N none, K SEN support,
// E EHC plan. The codes before 2014 are mapped on: A and P (School Action
// and Action Plus) to K, S (statement) to E.
func parseSEN(s string) (string, error) {
	switch squash(s) {
	case "", "N", "NO", "NONE", "NOSEN", "NOSPECIALEDUCATIONALNEED", "NNOSPECIALEDUCATIONALNEED":
		return "N", nil
	case "K", "SENSUPPORT", "KSENSUPPORT", "SUPPORT", "A", "P", "SCHOOLACTION", "SCHOOLACTIONPLUS":
		return "K", nil
	case "E", "EHCP", "EHCPLAN", "EEHCP", "EEHCPLAN", "EDUCATIONHEALTHANDCAREPLAN", "S", "STATEMENT", "STATEMENTED":
		return "E", nil
	}
	return "", valueError(msgSEN)
}

// parseFirstLanguage says whether a first language makes a pupil EAL.
// English (the DfE codes ENG and ENB, "believed to be English") is not;
// blank, NOT (not obtained) and REF (refused) say nothing, so known is
// false.
func parseFirstLanguage(s string) (eal, known bool) {
	switch squash(s) {
	case "", "NOT", "REF", "UNKNOWN", "NOTKNOWN", "NOTOBTAINED", "REFUSED":
		return false, false
	case "ENG", "ENB", "ENGLISH", "BELIEVEDTOBEENGLISH", "ENGLISHBELIEVEDTOBE":
		return false, true
	}
	return true, true
}

// parsePriority reads a contact's priority: blank is 0 (not given).
func parsePriority(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if !allDigits(s) || len(s) > 2 || atoi(s) < 1 {
		return 0, valueError(msgPriority)
	}
	return atoi(s), nil
}

// messageOf returns the safe message of a value error.
func messageOf(err error) string {
	var ve valueError
	if errors.As(err, &ve) {
		return string(ve)
	}
	return "This value cannot be read."
}
