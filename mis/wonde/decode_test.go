package wonde

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

func TestParseBool(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw          string
		v, known, ok bool
	}{
		{``, false, false, true},
		{`null`, false, false, true},
		{`true`, true, true, true},
		{`false`, false, true, true},
		{`"T"`, true, true, true},
		{`"f"`, false, true, true},
		{`"Y"`, true, true, true},
		{`"N"`, false, true, true},
		{`"Yes"`, true, true, true},
		{`"no"`, false, true, true},
		{`"True"`, true, true, true},
		{`1`, true, true, true},
		{`0`, false, true, true},
		{`"1"`, true, true, true},
		{`""`, false, false, true},
		{`" "`, false, false, true},
		{`2`, false, false, false},
		{`"maybe"`, false, false, false},
		{`{}`, false, false, false},
		{`[]`, false, false, false},
	} {
		v, known, ok := parseBool(json.RawMessage(tc.raw))
		if v != tc.v || known != tc.known || ok != tc.ok {
			t.Errorf("parseBool(%s) = %v, %v, %v; want %v, %v, %v", tc.raw, v, known, ok, tc.v, tc.known, tc.ok)
		}
	}
}

func TestParseDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw       string
		want      string
		known, ok bool
	}{
		{`null`, "", false, true},
		{`{"date":"2015-03-12 00:00:00.000000","timezone_type":3,"timezone":"Europe/London"}`, "2015-03-12", true, true},
		// The calendar date as written, never moved between zones.
		{`{"date":"2019-07-31 23:00:00.000000","timezone_type":3,"timezone":"UTC"}`, "2019-07-31", true, true},
		{`{"date":"2019-08-01 00:00:00.000000","timezone_type":3,"timezone":"Pacific/Kiritimati"}`, "2019-08-01", true, true},
		{`"2018-06-30"`, "2018-06-30", true, true},
		{`"2018-06-30T10:00:00Z"`, "2018-06-30", true, true},
		{`{"date":null}`, "", false, true},
		{`""`, "", false, true},
		{`"2016-02-31"`, "", false, false},
		{`"31/01/2016"`, "", false, false},
		{`"2016-01-31x"`, "", false, false},
		{`{"date":"0000-00-00 00:00:00"}`, "", false, false},
		{`42076`, "", false, false},
		{`true`, "", false, false},
		{`{"date":5}`, "", false, false},
	} {
		d, known, ok := parseDay(json.RawMessage(tc.raw))
		if d.String() != tc.want || known != tc.known || ok != tc.ok {
			t.Errorf("parseDay(%s) = %q, %v, %v; want %q, %v, %v", tc.raw, d, known, ok, tc.want, tc.known, tc.ok)
		}
	}
}

func TestNormaliseYear(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"R": "R", "Rec": "R", "Reception": "R", "YR": "R", "FS2": "R", "0": "R", "Year R": "R",
		"N1": "N1", "Nursery 1": "N1", "N2": "N2", "FS1": "N2",
		"1": "1", "05": "5", "Y5": "5", "Year 5": "5", "year  11": "11", "NC 13": "13", "14": "14",
		"X": "", "15": "", "Year": "", "5B": "", "-1": "", "Y": "", "": "", "007": "",
	} {
		got, ok := normaliseYear(in)
		if got != want || ok != (want != "") {
			t.Errorf("normaliseYear(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if ok && !slices.Contains(vigil.YearGroups, got) {
			t.Errorf("normaliseYear(%q) = %q, not a year group", in, got)
		}
	}
}

func TestNormaliseSexAndSEN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"M": "M", "Male": "M", "MALE": "M", "f": "F", "Female": "F", "X": "X", "Other": "X", "Unknown": "", "": ""} {
		if got := normaliseSex(in); got != want {
			t.Errorf("normaliseSex(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"N": "N", "K": "K", "E": "E", "SEN Support": "K", "A": "K", "P": "K", "S": "E", "EHC Plan": "E", "Q": ""} {
		if got, _ := normaliseSEN(in); got != want {
			t.Errorf("normaliseSEN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 10, 20, 18, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
		told bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"99999999999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	} {
		got, told := retryAfter(tc.h, now)
		if got != tc.want || told != tc.told {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.h, got, told, tc.want, tc.told)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	for try := 1; try <= 70; try++ {
		ceiling := time.Minute
		if try < 7 {
			ceiling = min(time.Second<<(try-1), time.Minute)
		}
		for range 50 {
			if d := backoff(try); d < time.Second || d > ceiling || d < ceiling/2 {
				t.Fatalf("backoff(%d) = %v, want %v to %v and at least 1s", try, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestPickString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw, want string
	}{
		{`{"phone":"1","mobile":"2"}`, "2"},
		{`{"phone":"1","mobile":null}`, "1"},
		{`{"phone":"1","mobile":""}`, "1"},
		{`{"mobile":true,"home":"3"}`, "3"},
		{`[{"type":"home","number":"1"},{"type":"Mobile","number":"2"}]`, "2"},
		{`[{"type":"home","number":"1"}]`, "1"},
		{`["4"]`, "4"},
		{`null`, ""},
		{`"5"`, ""},
	} {
		if got := pickString(json.RawMessage(tc.raw), "mobile", "phone", "home"); got != tc.want {
			t.Errorf("pickString(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestValidSchoolID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"A1930499544": true, "B1": true, "A1234567890123456789": true,
		"": false, "A": false, "a1": false, "A1b": false, "A12345678901234567890": false, "A1/": false, "Ａ1": false,
	} {
		if got := validSchoolID(id); got != want {
			t.Errorf("validSchoolID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestStudentNotes(t *testing.T) {
	t.Parallel()
	r := newReader()
	body := `[{"id":"A1","forename":"Ann","surname":"Lee","date_of_birth":"2016-01-02",
		"education_details":{"data":{"upn":"","former_upn":"nonsense","current_nc_year":"Lower 6"}},
		"extended_details":{"data":{"sen_status":"Q","free_school_meals":"perhaps","english_as_additional_language_status":"Fluent"}},
		"contacts":{"data":[{"id":"C1","surname":"Lee","relationship":{"priority":400},
			"contact_details":{"data":{"emails":{"email":"not an email"},"telephones":{"mobile":"call the office"}}}},
			{"id":"C2","forename":null,"surname":null}]}}]`
	var records []json.RawMessage
	if err := json.Unmarshal([]byte(body), &records); err != nil {
		t.Fatal(err)
	}
	ps := r.students(records, 1)
	if len(r.problems) != 0 || len(ps) != 1 {
		t.Fatalf("problems %v, pupils %d; want none and 1", r.problems, len(ps))
	}
	p := ps[0]
	if len(p.Flags) != 0 || p.YearGroup != "" || p.Has(mis.FieldYearGroup) || len(p.FormerUPNs) != 0 {
		t.Errorf("unrecognised values were used: %+v", p)
	}
	if !p.Has(mis.FieldUPN) || p.UPN != "" {
		t.Error("an empty UPN is not carried as known and empty")
	}
	if len(p.Contacts) != 1 || p.Contacts[0].Email != "" || p.Contacts[0].Phone != "" || p.Contacts[0].Priority != 0 {
		t.Errorf("contacts = %+v, want one with bad details dropped", p.Contacts)
	}
	want := []string{
		"contacts.email: not usable, left out (1)",
		"contacts.phone: not usable, left out (1)",
		"contacts.relationship.priority: not a number from 1 to 99, left out (1)",
		"contacts: contact without a usable name, left out (1)",
		"education_details.former_upn: not a UPN, left out (1)",
		"extended_details.english_as_additional_language_status: value not recognised, flag left as it was (1)",
		"extended_details.free_school_meals: value not recognised, flag left as it was (1)",
		"extended_details.sen_status: value not recognised, flags left as they were (1)",
		"year: year group not recognised, left as it was (1)",
	}
	if got := r.ignored(); !slices.Equal(got, want) {
		t.Errorf("notes:\n got %q\nwant %q", got, want)
	}
	for _, n := range r.ignored() {
		for _, v := range []string{"nonsense", "Lower 6", "perhaps", "Fluent", "not an email", "call the office"} {
			if strings.Contains(n, v) {
				t.Errorf("note %q shows a value", n)
			}
		}
	}
}

func TestStudentShapeProblems(t *testing.T) {
	t.Parallel()
	r := newReader()
	records := []json.RawMessage{
		json.RawMessage(`{"id":"A1","forename":true}`),
		json.RawMessage(`{"id":"/","surname":[]}`),
		json.RawMessage(`{"id":"../x","forename":"A","surname":"B","date_of_birth":"2016-01-01"}`),
		json.RawMessage(`{"id":"A3","forename":"A","surname":"B","date_of_birth":"2016-02-30"}`),
		json.RawMessage(`{"id":"A4","forename":"A","surname":"B","date_of_birth":"2016-02-03","education_details":{"data":{"upn":"1990214525009"}}}`),
		json.RawMessage(`{"id":"A5","forename":"A","surname":"B","date_of_birth":"2016-02-03","middle_names":"x\u0007"}`),
		json.RawMessage(`{"id":"A6","forename":"A","surname":"B","date_of_birth":"2080-02-03"}`),
	}
	if ps := r.students(records, 3); len(ps) != 0 {
		t.Errorf("accepted %d records with problems", len(ps))
	}
	var got []string
	for _, p := range r.problems {
		got = append(got, p.Ref+" | "+p.Column)
	}
	want := []string{
		"Wonde student A1 | forename",
		"students page 3, record 2 | surname",
		"students page 3, record 3 | id",
		"Wonde student A3 | date_of_birth",
		"Wonde student A4 | education_details.upn",
		"Wonde student A5 | middle_names",
		"Wonde student A6 | date_of_birth",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestReadPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body, next, err string
		n               int
	}{
		{`{"data":[{}],"meta":{"pagination":{"next":null,"more":false,"per_page":"50"}}}`, "", "", 1},
		{`{"data":[],"meta":{"pagination":{"next":"http://x/v1.0/a?page=2","more":true,"per_page":50}}}`, "http://x/v1.0/a?page=2", "", 0},
		{`{"data":[],"meta":{"pagination":{"next":"","more":"false"}}}`, "", "", 0},
		{`{"data":[],"meta":{"pagination":{"next":null,"more":true}}}`, "", "no link", 0},
		{`{"data":[],"meta":{"pagination":{"next":null,"more":"lots"}}}`, "", "more", 0},
		{`{"data":[],"meta":{"pagination":{"next":null,"more":false,"per_page":[]}}}`, "", "per_page", 0},
		{`{"data":[],"meta":{}}`, "", "no pagination", 0},
		{`{"data":null,"meta":{"pagination":{}}}`, "", "not JSON", 0},
		{`<html>`, "", "not JSON", 0},
		{``, "", "not JSON", 0},
	} {
		records, next, err := readPage([]byte(tc.body))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("readPage(%s) err = %v, want %q", tc.body, err, tc.err)
		case tc.err == "" && (err != nil || next != tc.next || len(records) != tc.n):
			t.Errorf("readPage(%s) = %d records, %q, %v", tc.body, len(records), next, err)
		}
	}
}

// FuzzDecodeStudents feeds arbitrary bytes to the page reader and the
// student mapping: nothing panics, and every pupil accepted passes the
// checks Vigil makes when it saves one.
func FuzzDecodeStudents(f *testing.F) {
	for _, name := range []string{"students_page1.json", "students_page2.json", "employees.json", "school.json"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data":[{"id":"A1","forename":"Ann","surname":"Lee","date_of_birth":{"date":"2016-01-02 00:00:00.000000"},"education_details":{"data":{"upn":"D990214525001","current_nc_year":"Y4"}},"contacts":{"data":[{"id":"C1","surname":"Lee","relationship":"Mother","contact_details":{"data":{"phones":[{"type":"mobile","number":"07700 900123"}]}}}]}}],"meta":{"pagination":{"next":null,"more":false,"per_page":"200"}}}`))
	f.Add([]byte(`{"data":[{"id":"A2","legal_forename":"\u0000","surname":"x","date_of_birth":"1899-01-01","gender":"?"}],"meta":{"pagination":{"next":null,"more":false}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		records, _, err := readPage(body)
		if err != nil {
			return
		}
		r := newReader()
		for _, p := range r.students(records, 1) {
			checkPupil(t, p)
		}
		for _, s := range r.employees(records, 1) {
			if !validID(s.SourceID) || vigil.ValidateEmail(s.Email) != "" || s.Surname == "" || s.Forename == "" {
				t.Errorf("accepted employee %+v", s)
			}
		}
	})
}

// checkPupil fails t unless p passes every check Vigil makes on saving.
func checkPupil(t *testing.T, p *mis.Pupil) {
	t.Helper()
	if !validID(p.SourceID) || p.Ref != "Wonde student "+p.SourceID {
		t.Errorf("accepted pupil with id %q, ref %q", p.SourceID, p.Ref)
	}
	vp := vigil.Pupil{
		MISID: p.MISID, UPN: p.UPN, LegalForename: p.LegalForename, LegalSurname: p.LegalSurname,
		PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname, DateOfBirth: p.DateOfBirth,
		Sex: p.Sex, YearGroup: p.YearGroup, RegGroup: p.RegGroup,
		OnRoll: p.LeavingDate.IsZero(), LeftOn: p.LeavingDate, Flags: vigil.PupilFlags(p.Flags),
	}
	if err := vp.Validate(); err != nil {
		t.Errorf("accepted pupil fails validation: %v", err)
	}
	if p.UPN != strings.ToUpper(p.UPN) {
		t.Error("UPN not normalised")
	}
	for _, u := range p.FormerUPNs {
		if vigil.CheckUPN(u) != "" {
			t.Error("accepted an invalid former UPN")
		}
	}
	if p.DateOfBirth.IsZero() || p.LegalForename == "" || p.LegalSurname == "" {
		t.Error("accepted a pupil without names or date of birth")
	}
	for i, c := range p.Contacts {
		vc := vigil.Contact{Name: c.Name(), Relationship: c.Relationship, Priority: max(c.Priority, 1), Phone: c.Phone, Email: c.Email}
		if err := vc.Validate(); err != nil {
			t.Errorf("accepted contact %d fails validation: %v", i, err)
		}
		if c.Email != vigil.NormalizeEmail(c.Email) || c.Priority < 0 || c.Priority > 99 || c.MISID != "" && !validID(c.MISID) {
			t.Errorf("contact %d not normalised: %+v", i, c)
		}
		if i > 0 && c.Priority != 0 && (p.Contacts[i-1].Priority == 0 || p.Contacts[i-1].Priority > c.Priority) {
			t.Error("contacts are not in priority order")
		}
	}
	if len(p.Contacts) > 0 && !p.ContactsKnown {
		t.Error("contacts carried but not known")
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw, want string
		ok, err   bool
	}{
		{`"  Ann "`, "Ann", true, false},
		{`"Ren\u00e9e"`, "Renée", true, false},
		{`"O\"Neill"`, `O"Neill`, true, false},
		{`"Róisín"`, "Róisín", true, false},
		{`"\ud800"`, "\ufffd", true, false},
		{`1043`, "1043", true, false},
		{`null`, "", false, false},
		{`true`, "", false, true},
		{`{}`, "", false, true},
	} {
		var got text
		err := got.UnmarshalJSON([]byte(tc.raw))
		if got.S != tc.want || got.OK != tc.ok || (err != nil) != tc.err {
			t.Errorf("text(%s) = %q, %v, %v", tc.raw, got.S, got.OK, err)
		}
	}
}
