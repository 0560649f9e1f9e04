package misgen_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
)

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b := misgen.School(7, 400), misgen.School(7, 400)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two different schools")
	}
	if reflect.DeepEqual(a, misgen.School(8, 400)) {
		t.Fatal("two seeds gave the same school")
	}
}

// TestSchool checks the school is one the import would accept and has
// the awkward cases tests rely on.
func TestSchool(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 450, 1200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := misgen.School(3, n)
			if len(b.Pupils) != n || len(b.Staff) != max(1, n/15) {
				t.Fatalf("%d pupils and %d staff, want %d and %d", len(b.Pupils), len(b.Staff), n, max(1, n/15))
			}
			ids, upns := map[string]bool{}, map[string]bool{}
			contactPupils := map[string]map[vigil.Date]bool{} // contact id → pupils' birthdays
			var twins, odd, noUPN int
			for i, p := range b.Pupils {
				if ids[p.MISID] || p.MISID == "" {
					t.Errorf("pupil %d: MIS id missing or repeated", i)
				}
				ids[p.MISID] = true
				if p.UPN == "" {
					noUPN++
					if !strings.HasPrefix(p.YearGroup, "N") {
						t.Errorf("pupil %d: no UPN outside nursery", i)
					}
				} else if msg := vigil.CheckUPN(p.UPN); msg != "" || upns[p.UPN] {
					t.Errorf("pupil %d: UPN invalid (%s) or repeated", i, msg)
				}
				upns[p.UPN] = true
				vp := vigil.Pupil{MISID: p.MISID, UPN: p.UPN, LegalForename: p.LegalForename, LegalSurname: p.LegalSurname,
					PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname, DateOfBirth: p.DateOfBirth,
					Sex: p.Sex, YearGroup: p.YearGroup, RegGroup: p.RegGroup, OnRoll: true, Flags: vigil.PupilFlags(p.Flags)}
				if err := vp.Validate(); err != nil {
					t.Errorf("pupil %d: %v", i, err)
				}
				if want := expectedYear(p.DateOfBirth); want != p.YearGroup {
					t.Errorf("pupil %d: born for year %s, in year %s", i, want, p.YearGroup)
				}
				if i > 0 && b.Pupils[i-1].DateOfBirth == p.DateOfBirth && b.Pupils[i-1].LegalSurname == p.LegalSurname {
					twins++
				}
				if strings.ContainsAny(p.LegalSurname+p.LegalForename, "'éëáíóü -") {
					odd++
				}
				if len(p.Contacts) < 1 || len(p.Contacts) > 3 || !p.ContactsKnown {
					t.Errorf("pupil %d: %d contacts", i, len(p.Contacts))
				}
				for _, c := range p.Contacts {
					if contactPupils[c.MISID] == nil {
						contactPupils[c.MISID] = map[vigil.Date]bool{}
					}
					contactPupils[c.MISID][p.DateOfBirth] = true
					vc := vigil.Contact{Name: c.Name(), Relationship: c.Relationship, Priority: c.Priority, Phone: c.Phone, Email: c.Email, Address: c.Address}
					if err := vc.Validate(); err != nil {
						t.Errorf("pupil %d contact: %v", i, err)
					}
				}
			}
			siblingsShare := 0
			for _, dobs := range contactPupils {
				if len(dobs) > 1 {
					siblingsShare++
				}
			}
			emails := map[string]bool{}
			for i, s := range b.Staff {
				if msg := vigil.ValidateEmail(s.Email); msg != "" || emails[s.Email] {
					t.Errorf("staff %d: email invalid (%s) or repeated", i, msg)
				}
				emails[s.Email] = true
			}
			if n >= 400 && (twins < n/200 || odd == 0 || siblingsShare == 0) {
				t.Errorf("%d twin pairs, %d odd names, %d contacts shared by siblings: want some of each", twins, odd, siblingsShare)
			}
		})
	}
}

// expectedYear is the year group a child born on dob is in during
// 2025/26, counting the school year from 1 September.
func expectedYear(dob vigil.Date) string {
	y := dob.Time().Year()
	if dob.Time().Month() < time.September {
		y--
	}
	switch off := 2020 - y; {
	case off == -2:
		return "N1"
	case off == -1:
		return "N2"
	case off == 0:
		return "R"
	default:
		return fmt.Sprint(off)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{450, 1500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			school := misgen.School(11, n)
			var buf bytes.Buffer
			if err := misgen.WriteCSV(&buf, school); err != nil {
				t.Fatal(err)
			}
			got, err := csvfile.Read(&buf, csvfile.Options{Today: misgen.ReferenceDate()})
			if err != nil {
				t.Fatal(err)
			}
			want := *school
			want.Staff, want.StaffComplete = nil, false
			comparePupils(t, got, &want)

			buf.Reset()
			if err := misgen.WriteStaffCSV(&buf, school); err != nil {
				t.Fatal(err)
			}
			staff, err := csvfile.Read(&buf, csvfile.Options{Today: misgen.ReferenceDate()})
			if err != nil {
				t.Fatal(err)
			}
			wantStaff := &mis.Batch{Source: mis.SourceCSV, StaffComplete: true, Staff: school.Staff}
			if !reflect.DeepEqual(staff, wantStaff) {
				t.Errorf("staff read back differ")
				for i := range min(len(staff.Staff), len(school.Staff)) {
					if !reflect.DeepEqual(staff.Staff[i], school.Staff[i]) {
						t.Fatalf("first difference, staff %d:\n got %+v\nwant %+v", i, *staff.Staff[i], *school.Staff[i])
					}
				}
			}
		})
	}
}

func comparePupils(t *testing.T, got, want *mis.Batch) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	t.Errorf("batch read back differs: complete %v/%v, %d/%d pupils, ignored %q",
		got.Complete, want.Complete, len(got.Pupils), len(want.Pupils), got.Ignored)
	for i := range min(len(got.Pupils), len(want.Pupils)) {
		if !reflect.DeepEqual(got.Pupils[i], want.Pupils[i]) {
			t.Fatalf("first difference, pupil %d:\n got %+v\nwant %+v", i, *got.Pupils[i], *want.Pupils[i])
		}
	}
}
