package csvfile_test

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
)

// marker is planted in values; no problem may ever show it.
const marker = "Zq9Marker"

var rowRef = regexp.MustCompile(`^row [0-9]+$`)

func FuzzRead(f *testing.F) {
	var school bytes.Buffer
	misgen.WriteCSV(&school, misgen.School(2, 4))
	var staff bytes.Buffer
	misgen.WriteStaffCSV(&staff, misgen.School(2, 40))
	for _, s := range []string{
		school.String(),
		staff.String(),
		base + "1," + upn1 + ",Oakhollow,Marnie,30/06/2018,Year 2\n2,,O'Brannick,Zoë,2019-11-02,R\n",
		base + "1,A1" + marker + ",Oak,Marnie,3" + marker + "/06/2018,Y" + marker + "\n",
		"\xEF\xBB\xBF" + strings.ReplaceAll(base, ",", ";") + "1;;Oak;Ren\xe9e;1/2/17;2\r\n",
		"Admission Number\tSurname\tForename\tDOB\tYear\tFSM\tSEN\n1\tOak\tKit\t12 Mar 2015\t5\tmaybe" + marker + "\tK\n",
		"Title row\n\n" + base + "1,,\"Oak\nhollow\",Kit,1/1/18,1\n",
		"Pupil ID,Contact Forename,Contact Surname,Relationship,Priority,Parental Responsibility\n1,Dev,Oak,Father,2,Y\n1,Gwen,Oak,Mother,1," + marker + "\n",
		"Forename,Surname,Work Email,Teaching\nGwen,Oak,g@school.example,Y\nDele,Fen,not an email" + marker + ",N\n",
		"Forename,First Name,Surname,DOB,Year,UPN\n",
		"%PDF-1.4\n",
		"Invoice,Amount\n1,2\n",
		base + "1,,\"Oak\"x,Kit,1/1/18,1\n2,,Oak\"" + marker + ",Kit,1/1/18,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := csvfile.Options{Today: today}
		b, err := csvfile.Read(bytes.NewReader(data), opt)
		if err != nil {
			if b != nil {
				t.Fatal("a batch came back with an error")
			}
			pe, ok := errors.AsType[*mis.ProblemError](err)
			if !ok || len(pe.Problems) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			for _, p := range pe.Problems {
				if p.Ref != "" && !rowRef.MatchString(p.Ref) {
					t.Fatalf("problem ref %q", p.Ref)
				}
				if utf8.RuneCountInString(p.Column) > 60 || strings.ContainsFunc(p.Column, func(r rune) bool { return r < ' ' }) {
					t.Fatalf("problem column %q", p.Column)
				}
				if p.Ref != "" && strings.Contains(p.Message, marker) {
					t.Fatalf("a row problem shows a value: %s", p)
				}
			}
			return
		}
		checkBatch(t, b)
		again, _ := csvfile.Read(bytes.NewReader(data), opt)
		if !reflect.DeepEqual(b, again) {
			t.Fatal("two reads of one input differ")
		}
	})
}

// checkBatch checks what Read accepted is what the store would accept.
func checkBatch(t *testing.T, b *mis.Batch) {
	t.Helper()
	valid := func(what string, ss ...string) {
		for _, s := range ss {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' }) {
				t.Fatalf("%s holds invalid text", what)
			}
		}
	}
	for _, p := range b.Pupils {
		if !rowRef.MatchString(p.Ref) || p.MISID == "" && p.UPN == "" {
			t.Fatalf("pupil %q has no key", p.Ref)
		}
		if p.UPN != "" && vigil.CheckUPN(p.UPN) != "" {
			t.Fatalf("pupil %q: invalid UPN accepted", p.Ref)
		}
		if b.Complete {
			if p.LegalSurname == "" || p.LegalForename == "" || p.DateOfBirth.IsZero() || p.DateOfBirth.After(today) {
				t.Fatalf("pupil %q lacks a name or date of birth", p.Ref)
			}
			if p.YearGroup != "" && !slices.Contains(vigil.YearGroups, p.YearGroup) {
				t.Fatalf("pupil %q: year group %q", p.Ref, p.YearGroup)
			}
			if p.Sex != "" && !slices.Contains(vigil.Sexes, p.Sex) {
				t.Fatalf("pupil %q: sex %q", p.Ref, p.Sex)
			}
		}
		valid(p.Ref, p.MISID, p.LegalForename, p.LegalSurname, p.PreferredForename, p.PreferredSurname, p.MiddleNames, p.RegGroup, p.Destination)
		for _, c := range p.Contacts {
			if c.Surname == "" {
				t.Fatalf("pupil %q: a contact has no surname", p.Ref)
			}
			if c.Email != "" && vigil.ValidateEmail(c.Email) != "" {
				t.Fatalf("pupil %q: invalid contact email accepted", p.Ref)
			}
			valid(p.Ref+" contact", c.MISID, c.Title, c.Forename, c.Surname, c.Relationship, c.Phone, c.Address)
		}
	}
	for _, s := range b.Staff {
		if s.Forename == "" || s.Surname == "" || vigil.ValidateEmail(s.Email) != "" {
			t.Fatalf("staff %q lacks a name or email", s.Ref)
		}
		valid(s.Ref, s.MISID, s.Title, s.Forename, s.Surname, s.JobTitle, s.StaffCode)
	}
	if len(b.Pupils) == 0 && len(b.Staff) == 0 {
		t.Fatal("an empty batch was accepted")
	}
}

// FuzzRowValues puts any value in every column of a pupil row and checks
// no problem ever repeats it.
func FuzzRowValues(f *testing.F) {
	for _, s := range []string{"31/02/2016", "42076", "not a date", "Year 15", "maybe", "A12", "x@y", "\"", "\n", "", "=HYPERLINK(\"x\")", "Q"} {
		f.Add(s)
	}
	header := "Admission Number,UPN,Surname,Forename,Middle Names,Date of Birth,Year Group,Gender,Reg Group,SEN Status,FSM,EAL," +
		"Admission Date,Leaving Date,Contact 1 Surname,Contact 1 Email,Contact 1 Mobile,Contact 1 Priority,Contact 1 Parental Responsibility,Contact 1 Address\n"
	ncols := strings.Count(header, ",") + 1
	f.Fuzz(func(t *testing.T, v string) {
		if strings.Contains(v, marker) {
			return
		}
		cell := marker + v + marker
		cell = `"` + strings.ReplaceAll(cell, `"`, `""`) + `"`
		row := slices.Repeat([]string{cell}, ncols)
		_, err := csvfile.Read(strings.NewReader(header+strings.Join(row, ",")+"\n"), csvfile.Options{Today: today})
		if err == nil {
			t.Fatal("a row of nonsense was accepted")
		}
		if strings.Contains(err.Error(), marker) {
			t.Fatalf("the error shows a value: %v", err)
		}
		pe, ok := errors.AsType[*mis.ProblemError](err)
		if !ok {
			t.Fatalf("error is not a list of problems: %v", err)
		}
		for _, p := range pe.Problems {
			if strings.Contains(p.String(), marker) {
				t.Fatalf("a problem shows a value: %s", p)
			}
		}
	})
}
