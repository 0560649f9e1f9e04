package csvfile

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

var today = vigil.NewDate(2026, 3, 2)

func TestParseDate(t *testing.T) {
	t.Parallel()
	d := func(y int, m time.Month, day int) string { return vigil.NewDate(y, m, day).String() }
	for _, tc := range []struct {
		in, want string // want a date, or one of the messages
	}{
		{"2015-03-12", d(2015, 3, 12)},
		{"2015-3-2", d(2015, 3, 2)},
		{"2015/03/12", d(2015, 3, 12)},
		{"12/03/2015", d(2015, 3, 12)},
		{"03/12/2015", d(2015, 12, 3)}, // 3 December: never month first
		{"1/2/2015", d(2015, 2, 1)},
		{"12-03-2015", d(2015, 3, 12)},
		{"12.03.2015", d(2015, 3, 12)},
		{"12/3/15", d(2015, 3, 12)},
		{"12/3/98", d(1998, 3, 12)},
		{"2/3/26", d(2026, 3, 2)}, // today: still this century
		{"3/3/26", d(1926, 3, 3)}, // tomorrow: the century that keeps it past
		{"29/02/16", d(2016, 2, 29)},
		{"12 Mar 2015", d(2015, 3, 12)},
		{"12 March 2015", d(2015, 3, 12)},
		{"12 SEPT 2015", d(2015, 9, 12)},
		{"1 june 2015", d(2015, 6, 1)},
		{"12-Mar-2015", d(2015, 3, 12)},
		{"12-Mar-15", d(2015, 3, 12)},
		{"12 Mar, 2015", d(2015, 3, 12)},
		{"2015-03-12T00:00:00", d(2015, 3, 12)},
		{"2015-03-12T23:59:59Z", d(2015, 3, 12)},
		{"2015-03-12 10:30:00.000", d(2015, 3, 12)},
		{"12/03/2015 00:00", d(2015, 3, 12)},
		{"12/03/2015 9:30:00 AM", d(2015, 3, 12)},
		{"12 Mar 2015 09:30", d(2015, 3, 12)},
		{"  12/03/2015  ", d(2015, 3, 12)},

		{"42076", msgSerialDate},
		{"42076.5", msgSerialDate},
		{"1", msgSerialDate},
		{"20150312", msgNotDate},
		{"31/02/2016", msgNoSuchDate},
		{"29/02/2015", msgNoSuchDate},
		{"12/25/2015", msgNoSuchDate}, // US month-first
		{"00/01/2015", msgNoSuchDate},
		{"2015-13-01", msgNoSuchDate},
		{"32 Mar 2015", msgNoSuchDate},
		{"12-03-15", msgNotDate}, // dashes with a two-digit year could be yy-mm-dd
		{"12.3.15", msgNotDate},
		{"Mar 12 2015", msgNotDate},
		{"12 Smarch 2015", msgNotDate},
		{"12/03/0015", msgNotDate},
		{"12/03", msgNotDate},
		{"", msgNotDate},
		{"tomorrow", msgNotDate},
		{"12/03/2015 AM", msgNotDate},
		{"2015.03.12", msgNotDate},
		{"12/03/2015/1", msgNotDate},
	} {
		got, err := parseDate(tc.in, today)
		s := got.String()
		if err != nil {
			s = err.Error()
		}
		if s != tc.want {
			t.Errorf("parseDate(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestParseYear(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"R": "R", "Rec": "R", "reception": "R", "0": "R", "YR": "R", "FS2": "R", "Year R": "R", "F2": "R",
		"N1": "N1", "Nursery 1": "N1", "N2": "N2", "FS1": "N2", "Nursery": "N2",
		"Year 5": "5", "Y5": "5", "5": "5", "05": "5", "Yr 5": "5", "year-11": "11", "NC Year 13": "13", "14": "14",
		"": "", "X": "", "Year X": "",
	} {
		got, err := parseYear(in)
		if err != nil || got != want {
			t.Errorf("parseYear(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"15", "Year 0.5", "Y", "Sixth form", "-1", "+5", "100", "N3", "5A"} {
		if got, err := parseYear(in); err == nil {
			t.Errorf("parseYear(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseSexSENBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Male": "M", "m": "M", "FEMALE": "F", "f": "F", "": "", "Unknown": "", "Other": "X", "Non-binary": "X"} {
		if got := parseSex(in); got != want {
			t.Errorf("parseSex(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"": "N", "N": "N", "None": "N", "K": "K", "SEN Support": "K", "sen-support": "K", "A": "K", "P": "K",
		"E": "E", "EHC Plan": "E", "EHCP": "E", "Education, Health and Care Plan": "E", "S": "E", "Statement": "E",
	} {
		if got, err := parseSEN(in); err != nil || got != want {
			t.Errorf("parseSEN(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseSEN("Q"); err == nil {
		t.Error("parseSEN(Q) gave no error")
	}
	for in, want := range map[string]bool{"Y": true, "yes": true, "T": true, "TRUE": true, "1": true, "N": false, "No": false, "f": false, "False": false, "0": false, "": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2", "maybe", "Eligible", "yes please"} {
		if _, err := parseBool(in); err == nil {
			t.Errorf("parseBool(%q) gave no error", in)
		}
	}
	for in, want := range map[string][2]bool{"ENG": {false, true}, "English": {false, true}, "ENB": {false, true}, "POL": {true, true},
		"Polish": {true, true}, "": {false, false}, "NOT": {false, false}, "REF": {false, false}} {
		if eal, known := parseFirstLanguage(in); eal != want[0] || known != want[1] {
			t.Errorf("parseFirstLanguage(%q) = %v, %v; want %v", in, eal, known, want)
		}
	}
}

// TestAliasTables checks no header means two things in one table, and
// that every field has a title for messages.
func TestAliasTables(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]map[field][]string{"pupil": pupilAliases, "slot": slotAliases, "contact": contactAliases, "staff": staffAliases} {
		seen := map[string]field{}
		for f, names := range m {
			if f != fUnused && fieldTitles[f] == "" {
				t.Errorf("%s: field %d has no title", name, f)
			}
			for _, n := range names {
				k := normHeader(n)
				if prev, ok := seen[k]; ok && prev != f {
					t.Errorf("%s: %q means two fields", name, n)
				}
				seen[k] = f
			}
		}
	}
}

func TestDetectKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, want string }{
		{"UPN,Surname,Forename,DOB,Year", KindPupils},
		{"Admission Number,Surname,Forename,Year Group,Date of Birth,Contact 1 Surname", KindPupils},
		{"Admission Number,Surname,Forename,Gender", KindPupils}, // refused later: no date of birth or year
		{"Pupil ID,Contact Forename,Contact Surname,Email", KindContacts},
		{"UPN,Forename,Surname,Relationship", KindContacts},
		{"Employee ID,Forename,Surname,Email", KindStaff},
		{"Forename,Surname,Work Email", KindStaff},
		{"Title,Forename,Surname,Email,Job Title", KindStaff},
		{"Staff Code,Forename,Surname,Email", KindStaff},
		{"Forename,Surname,Email", ""}, // could be a list of parents
		{"Person ID,Forename,Surname", ""},
		{"Invoice No,Date,Supplier,Amount", ""},
	} {
		got := ""
		if tb := detectKind(strings.Split(tc.header, ",")); tb != nil {
			got = tb.kind
		}
		if got != tc.want {
			t.Errorf("%s: detected %q, want %q", tc.header, got, tc.want)
		}
	}
}
