package csvfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/csvfile"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
)

var today = vigil.NewDate(2026, 3, 2)

// Valid invented UPNs (check letters computed by vigil.UPNCheckLetter).
var (
	upn1 = makeUPN("990214525001")
	upn2 = makeUPN("990214525002")
	upn3 = makeUPN("990214525003")
)

func makeUPN(rest string) string { return string(vigil.UPNCheckLetter(rest)) + rest }

// read reads s with today's date and the options given; it fails the test
// on an error that is not a list of problems.
func read(t *testing.T, s string, opts ...csvfile.Options) (*mis.Batch, mis.Problems) {
	t.Helper()
	opt := csvfile.Options{Today: today}
	if len(opts) > 0 {
		opt = opts[0]
		if opt.Today.IsZero() {
			opt.Today = today
		}
	}
	b, err := csvfile.Read(strings.NewReader(s), opt)
	if err == nil {
		if b == nil {
			t.Fatal("no batch and no error")
		}
		return b, nil
	}
	if b != nil {
		t.Fatal("a batch came back with an error")
	}
	pe, ok := errors.AsType[*mis.ProblemError](err)
	if !ok {
		t.Fatalf("error is not a ProblemError: %v", err)
	}
	if vigil.ErrorCode(err) != vigil.EINVALID {
		t.Fatalf("error code %q, want invalid", vigil.ErrorCode(err))
	}
	return nil, pe.Problems
}

// mustRead reads s and fails the test on any problem.
func mustRead(t *testing.T, s string, opts ...csvfile.Options) *mis.Batch {
	t.Helper()
	b, probs := read(t, s, opts...)
	if probs != nil {
		t.Fatalf("unexpected problems: %v", probs.Err())
	}
	return b
}

const base = "Admission Number,UPN,Surname,Forename,Date of Birth,Year Group\n"

func TestReadPupils(t *testing.T) {
	t.Parallel()
	b := mustRead(t, base+
		"001234,"+strings.ToLower(upn1)+",Oakhollow,Marnie,30/06/2018,Year 2\n"+
		"001235,,ap Rhydderchwyn,Dáithí,2019-11-02,R\n")
	if !b.Complete || b.StaffComplete || b.Source != mis.SourceCSV || len(b.Pupils) != 2 || b.Ignored != nil {
		t.Fatalf("batch %+v", b)
	}
	p := b.Pupils[0]
	want := &mis.Pupil{Ref: "row 2", MISID: "001234", UPN: upn1, LegalSurname: "Oakhollow", LegalForename: "Marnie",
		DateOfBirth: vigil.NewDate(2018, 6, 30), YearGroup: "2",
		Known: map[string]bool{mis.FieldUPN: true, mis.FieldYearGroup: true}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("pupil 1:\n got %+v\nwant %+v", *p, *want)
	}
	if q := b.Pupils[1]; q.Ref != "row 3" || q.UPN != "" || q.LegalSurname != "ap Rhydderchwyn" || q.LegalForename != "Dáithí" || q.YearGroup != "R" {
		t.Errorf("pupil 2: %+v", *q)
	}
}

// TestAliases reads each header alias and checks the value lands in the
// right field.
func TestAliases(t *testing.T) {
	t.Parallel()
	type check func(p *mis.Pupil) bool
	flag := func(f vigil.Flag, want bool) check {
		return func(p *mis.Pupil) bool { on, ok := p.Flags[f]; return ok && on == want }
	}
	for _, tc := range []struct {
		replace, alias, value string // replace a base header, or add a column when replace is ""
		ok                    check
	}{
		{"Admission Number", "Person ID", "P77", func(p *mis.Pupil) bool { return p.MISID == "P77" }},
		{"Admission Number", "Student ID", "S77", func(p *mis.Pupil) bool { return p.MISID == "S77" }},
		{"Admission Number", "Pupil ID", "77", func(p *mis.Pupil) bool { return p.MISID == "77" }},
		{"Admission Number", "adno", "77", func(p *mis.Pupil) bool { return p.MISID == "77" }},
		{"Admission Number", "ADMISSION_NO", "77", func(p *mis.Pupil) bool { return p.MISID == "77" }},
		{"UPN", "Unique Pupil Number", upn2, func(p *mis.Pupil) bool { return p.UPN == upn2 }},
		{"Surname", "Last Name", "Fenwright", func(p *mis.Pupil) bool { return p.LegalSurname == "Fenwright" }},
		{"Surname", "Legal Surname", "Fenwright", func(p *mis.Pupil) bool { return p.LegalSurname == "Fenwright" }},
		{"Surname", "legal-last-name", "Fenwright", func(p *mis.Pupil) bool { return p.LegalSurname == "Fenwright" }},
		{"Surname", "Family Name", "Fenwright", func(p *mis.Pupil) bool { return p.LegalSurname == "Fenwright" }},
		{"Forename", "First Name", "Zoë", func(p *mis.Pupil) bool { return p.LegalForename == "Zoë" }},
		{"Forename", "Legal Forename", "Zoë", func(p *mis.Pupil) bool { return p.LegalForename == "Zoë" }},
		{"Forename", "Legal First Name", "Zoë", func(p *mis.Pupil) bool { return p.LegalForename == "Zoë" }},
		{"Forename", "Given Name", "Zoë", func(p *mis.Pupil) bool { return p.LegalForename == "Zoë" }},
		{"Date of Birth", "DOB", "01/02/2017", func(p *mis.Pupil) bool { return p.DateOfBirth == vigil.NewDate(2017, 2, 1) }},
		{"Date of Birth", "date_of_birth", "01/02/2017", func(p *mis.Pupil) bool { return p.DateOfBirth == vigil.NewDate(2017, 2, 1) }},
		{"Date of Birth", "Date.Of.Birth", "01/02/2017", func(p *mis.Pupil) bool { return p.DateOfBirth == vigil.NewDate(2017, 2, 1) }},
		{"Date of Birth", "Birth Date", "01/02/2017", func(p *mis.Pupil) bool { return p.DateOfBirth == vigil.NewDate(2017, 2, 1) }},
		{"Year Group", "NC Year Actual", "3", func(p *mis.Pupil) bool { return p.YearGroup == "3" }},
		{"Year Group", "Curriculum Year", "Y3", func(p *mis.Pupil) bool { return p.YearGroup == "3" }},
		{"Year Group", "NC Year", "Reception", func(p *mis.Pupil) bool { return p.YearGroup == "R" }},
		{"Year Group", "Year", "X", func(p *mis.Pupil) bool { return p.YearGroup == "" && p.Has(mis.FieldYearGroup) }},
		{"", "Preferred Forename", "Bea", func(p *mis.Pupil) bool { return p.PreferredForename == "Bea" && p.Has(mis.FieldPreferred) }},
		{"", "Preferred Firstname", "Bea", func(p *mis.Pupil) bool { return p.PreferredForename == "Bea" }},
		{"", "Known As", "Bea", func(p *mis.Pupil) bool { return p.PreferredForename == "Bea" }},
		{"", "Preferred Surname", "Quill", func(p *mis.Pupil) bool { return p.PreferredSurname == "Quill" && p.Has(mis.FieldPreferred) }},
		{"", "Middle Names", "Ffion Seren", func(p *mis.Pupil) bool { return p.MiddleNames == "Ffion Seren" }},
		{"", "Gender", "Female", func(p *mis.Pupil) bool { return p.Sex == "F" && p.Has(mis.FieldSex) }},
		{"", "Sex", "M", func(p *mis.Pupil) bool { return p.Sex == "M" }},
		{"", "Sex", "", func(p *mis.Pupil) bool { return p.Sex == "" && p.Has(mis.FieldSex) }},
		{"", "Tutor Group", "5B", func(p *mis.Pupil) bool { return p.RegGroup == "5B" && p.Has(mis.FieldRegGroup) }},
		{"", "Registration Form", "5B", func(p *mis.Pupil) bool { return p.RegGroup == "5B" }},
		{"", "Form", "5B", func(p *mis.Pupil) bool { return p.RegGroup == "5B" }},
		{"", "Reg Group", "5B", func(p *mis.Pupil) bool { return p.RegGroup == "5B" }},
		{"", "Registration Group", "", func(p *mis.Pupil) bool { return p.RegGroup == "" && p.Has(mis.FieldRegGroup) }},
		{"", "Form Group", "5B", func(p *mis.Pupil) bool { return p.RegGroup == "5B" }},
		{"", "SEN Status", "K", func(p *mis.Pupil) bool {
			return flag(vigil.FlagSENSupport, true)(p) && flag(vigil.FlagEHCP, false)(p)
		}},
		{"", "SEN Provision", "EHC Plan", func(p *mis.Pupil) bool {
			return flag(vigil.FlagSENSupport, false)(p) && flag(vigil.FlagEHCP, true)(p)
		}},
		{"", "SEN", "", func(p *mis.Pupil) bool { return flag(vigil.FlagSENSupport, false)(p) && flag(vigil.FlagEHCP, false)(p) }},
		{"", "FSM", "Y", flag(vigil.FlagFSM, true)},
		{"", "Free School Meal Status", "No", flag(vigil.FlagFSM, false)},
		{"", "FSM Eligible", "True", flag(vigil.FlagFSM, true)},
		{"", "FSM", "", flag(vigil.FlagFSM, false)},
		{"", "Pupil Premium Indicator", "T", flag(vigil.FlagPupilPremium, true)},
		{"", "PP", "1", flag(vigil.FlagPupilPremium, true)},
		{"", "Looked After", "Yes", flag(vigil.FlagLAC, true)},
		{"", "CLA", "0", flag(vigil.FlagLAC, false)},
		{"", "Previously Looked After", "Y", flag(vigil.FlagPLAC, true)},
		{"", "EAL", "Y", flag(vigil.FlagEAL, true)},
		{"", "First Language", "POL", flag(vigil.FlagEAL, true)},
		{"", "First Language", "ENG", flag(vigil.FlagEAL, false)},
		{"", "First Language", "NOT", func(p *mis.Pupil) bool { _, ok := p.Flags[vigil.FlagEAL]; return !ok }},
		{"", "Entry Date", "01/09/2021", func(p *mis.Pupil) bool {
			return p.AdmissionDate == vigil.NewDate(2021, 9, 1) && p.Has(mis.FieldAdmission)
		}},
		{"", "Admission Date", "2021-09-01", func(p *mis.Pupil) bool { return p.AdmissionDate == vigil.NewDate(2021, 9, 1) }},
		{"", "Leaving Date", "20/12/2025", func(p *mis.Pupil) bool {
			return p.LeavingDate == vigil.NewDate(2025, 12, 20) && p.Has(mis.FieldLeaving)
		}},
		{"", "Leaving Date", "20/07/2026", func(p *mis.Pupil) bool { return p.LeavingDate.IsZero() && p.Has(mis.FieldLeaving) }},
		{"", "Destination", "Moved away", func(p *mis.Pupil) bool { return p.Destination == "Moved away" && p.Has(mis.FieldDestination) }},
		{"", "Former UPN", upn3, func(p *mis.Pupil) bool { return slices.Equal(p.FormerUPNs, []string{upn3}) }},
		{"", "Contact 1 Forename", "Dev", func(p *mis.Pupil) bool { return false }}, // no surname column: refused
	} {
		t.Run(tc.alias+"="+tc.value, func(t *testing.T) {
			header := strings.Split(strings.TrimSpace(base), ",")
			row := []string{"001234", upn1, "Oakhollow", "Marnie", "30/06/2018", "2"}
			if i := slices.Index(header, tc.replace); i >= 0 {
				header[i], row[i] = tc.alias, tc.value
			} else {
				header, row = append(header, tc.alias), append(row, tc.value)
			}
			b, probs := read(t, strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n")
			if tc.alias == "Contact 1 Forename" {
				if len(probs) != 1 || !strings.Contains(probs[0].Message, "Contact 1 Surname") {
					t.Fatalf("problems %v", probs)
				}
				return
			}
			if probs != nil {
				t.Fatal(probs.Err())
			}
			if p := b.Pupils[0]; !tc.ok(p) {
				t.Errorf("pupil %+v", *p)
			}
			if tc.replace == "" && len(b.Ignored) > 0 {
				t.Errorf("ignored %q", b.Ignored)
			}
		})
	}
}

func TestContactColumns(t *testing.T) {
	t.Parallel()
	b := mustRead(t, "Adno,Surname,Forename,DOB,Year,Contact 1 Title,Contact 1 Forename,Contact 1 Surname,"+
		"Contact 1 Relationship,Contact 1 Email,Contact 1 Mobile,Contact 1 Telephone,Contact 1 Parental Responsibility,"+
		"Contact 1 Priority,Contact 1 Address,contact_2_surname,Contact 2 Phone,Contact 2 PR,Contact 2 ID\n"+
		`7,Oakhollow,Marnie,30/06/2018,2,Mx,Dev,Oakhollow,Parent,Dev.Oakhollow@Example.org,07700 900123,01632 960000,Y,1,"1 Brackenfold Lane, Flat ""B""`+"\r\nExampleton\",Fen,01632 960001,,C9\n"+
		"8,Oakhollow,Seren,30/06/2018,2,,,,,,,,,,,,,,\n")
	p := b.Pupils[0]
	yes := true
	want := []mis.Contact{
		{Title: "Mx", Forename: "Dev", Surname: "Oakhollow", Relationship: "Parent", Email: "dev.oakhollow@example.org",
			Phone: "07700 900123", ParentalResponsibility: &yes, Priority: 1, Address: "1 Brackenfold Lane, Flat \"B\"\nExampleton"},
		{MISID: "C9", Surname: "Fen", Phone: "01632 960001"},
	}
	if !p.ContactsKnown || !reflect.DeepEqual(p.Contacts, want) {
		t.Errorf("contacts:\n got %+v\nwant %+v", p.Contacts, want)
	}
	if q := b.Pupils[1]; !q.ContactsKnown || len(q.Contacts) != 0 || q.Ref != "row 3" {
		t.Errorf("second pupil (a quoted line break does not start a row, so row 3): %+v", *q)
	}
}

func TestEncodings(t *testing.T) {
	t.Parallel()
	const header = "Admission Number,Surname,Forename,Middle Names,Date of Birth,Year Group,Destination\n"
	const want = "Renée|Zoë|“Fenwright” – £5"
	utf8Row := "1,Oakhollow,Renée,Zoë,30/06/2018,2,“Fenwright” – £5\n"
	// The same row as Excel saves it on Windows.
	cp1252Row := "1,Oakhollow,Ren\xe9e,Zo\xeb,30/06/2018,2,\x93Fenwright\x94 \x96 \xa35\n"
	var long strings.Builder // more than the 64 KB looked at first, all ASCII
	for i := range 3000 {
		fmt.Fprintf(&long, "%d,Fenwright,Kit,,01/01/2018,2,\n", 100+i)
	}
	utf16 := func(s string) string {
		out := []byte{0xFF, 0xFE}
		for _, r := range s {
			out = append(out, byte(r), byte(r>>8)) // the test text is all in the BMP
		}
		return string(out)
	}
	for _, tc := range []struct{ name, in string }{
		{"utf-8", header + utf8Row},
		{"utf-8 with BOM", "\xEF\xBB\xBF" + header + utf8Row},
		{"windows-1252", header + cp1252Row},
		{"windows-1252 after 64 KB of ASCII", header + long.String() + cp1252Row},
		{"utf-8 after 64 KB of ASCII", header + long.String() + utf8Row},
		{"utf-16 with BOM", utf16(header + utf8Row)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := mustRead(t, tc.in)
			p := b.Pupils[len(b.Pupils)-1]
			if got := p.LegalForename + "|" + p.MiddleNames + "|" + p.Destination; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestRuneAcrossSniff puts an "é" across the end of the first 64 KB,
// which are looked at to choose the encoding: the cut character must not
// make the file Windows-1252.
func TestRuneAcrossSniff(t *testing.T) {
	t.Parallel()
	const header = "Admission Number,Surname,Forename,Middle Names,Date of Birth,Year Group,Destination\n"
	const filler = "%05d,Fenwright,Kit,,01/01/2018,2,\n" // 31 bytes a row
	const lead = "99999,Oakhollow,Kit,,01/01/2018,2,"
	var in strings.Builder
	in.WriteString(header)
	for i := 0; in.Len() < 64<<10-len(lead)-200; i++ {
		fmt.Fprintf(&in, filler, i)
	}
	pad := 64<<10 - 1 - in.Len() - len(lead) // the é's first byte is the last one looked at
	in.WriteString(lead + strings.Repeat("x", pad) + "é\n")
	if i := strings.Index(in.String(), "é"); i != 64<<10-1 {
		t.Fatalf("é at %d", i)
	}
	b := mustRead(t, in.String())
	if got := b.Pupils[len(b.Pupils)-1].Destination; got != strings.Repeat("x", pad)+"é" {
		t.Errorf("destination ends %q", got[max(0, len(got)-4):])
	}
}

func TestDelimitersAndLineEndings(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"Admission Number", "Surname", "Forename", "Date of Birth", "Year Group", "Contact 1 Surname", "Contact 1 Address"},
		{"1", "O'Brannick", "Kit", "01/01/2018", "2", "O'Brannick", "1 Lark Lane, Testbury"},
		{"2", `Fen "Bram" wick`, "Pip", "02/01/2018", "2", "Fen", "2 Lark Lane\nTestbury"},
	}
	quote := func(s string, sep string) string {
		if strings.ContainsAny(s, sep+"\"\n") {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	for _, sep := range []string{",", ";", "\t"} {
		for _, eol := range []string{"\n", "\r\n", "\r"} {
			var lines []string
			for _, r := range rows {
				var cells []string
				for _, c := range r {
					cells = append(cells, strings.ReplaceAll(quote(c, sep), "\n", eol))
				}
				lines = append(lines, strings.Join(cells, sep))
			}
			for _, last := range []string{eol, ""} {
				name := fmt.Sprintf("%q %q %q", sep, eol, last)
				t.Run(name, func(t *testing.T) {
					b := mustRead(t, strings.Join(lines, eol)+last)
					if len(b.Pupils) != 2 {
						t.Fatalf("%d pupils", len(b.Pupils))
					}
					for i, p := range b.Pupils {
						r := rows[i+1]
						if p.LegalSurname != r[1] || p.Contacts[0].Address != r[6] || p.Ref != fmt.Sprintf("row %d", i+2) {
							t.Errorf("pupil %d: %q %q %q", i, p.LegalSurname, p.Contacts[0].Address, p.Ref)
						}
					}
				})
			}
		}
	}
}

// TestTitleRows reads an export with a title and a blank line before the
// header, and numbers rows as a spreadsheet does.
func TestTitleRows(t *testing.T) {
	t.Parallel()
	in := "Pupil list,\"Riverside Example Primary\"\nPrinted 02/03/2026\n\n" + base +
		"1,,Oakhollow,Marnie,30/06/2018,2\n" +
		"2,,Fenwright,Kit,31/02/2018,2\n"
	_, probs := read(t, in)
	if len(probs) != 1 || probs[0].Ref != "row 6" || probs[0].Column != "Date of Birth" {
		t.Fatalf("problems %v", probs)
	}
	b := mustRead(t, strings.Replace(in, "31/02", "28/02", 1))
	if len(b.Pupils) != 2 || b.Pupils[0].Ref != "row 5" {
		t.Fatalf("pupils %d, first %q", len(b.Pupils), b.Pupils[0].Ref)
	}
}

// TestWrongFile gives files that are not MIS exports: each gets one
// file-level problem.
func TestWrongFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"invoices", "Invoice No,Date,Supplier,Amount,VAT\nINV-1,01/02/2026,Example Ltd,£120.00,£20.00\n", "does not look like a pupil, contact or staff export"},
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "Excel workbook"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "older Excel workbook"},
		{"binary", "\x00\x01\x02\x03hello", "not a text file"},
		{"empty", "", "empty"},
		{"prose", "Dear parents,\nThe trip is on Friday.\n", "does not look like"},
		{"html", "<html><body><table><tr><td>Surname</td><td>Forename</td></tr></table></body></html>\n", "does not look like"},
		{"names only", "Forename,Surname,Email\nDev,Oakhollow,dev@example.org\n", "does not look like"},
		{"header only", base, "no rows"},
		{"blank rows only", base + ",,,,,\n\n", "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, probs := read(t, tc.in)
			if len(probs) != 1 || probs[0].Ref != "" || !strings.Contains(probs[0].Message, tc.want) {
				t.Fatalf("problems %v, want one containing %q", probs, tc.want)
			}
		})
	}
	_, probs := read(t, "Invoice No,Date,Amount\n1,2,3\n", csvfile.Options{Kind: csvfile.KindStaff})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "staff export") {
		t.Fatalf("problems %v", probs)
	}
	if _, err := csvfile.Read(strings.NewReader(base), csvfile.Options{Kind: "parents"}); err == nil || vigil.ErrorCode(err) == vigil.EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
}

// TestBrokenRows checks every bad row is reported, by row and column and
// never by value, and nothing is returned.
func TestBrokenRows(t *testing.T) {
	t.Parallel()
	const marker = "Zq9Marker"
	in := "Admission Number,UPN,Surname,Forename,Date of Birth,Year Group,Gender,FSM,SEN Status,Contact 1 Surname,Contact 1 Email,Contact 1 Priority\n" +
		"1," + upn1 + ",Oakhollow,Marnie,30/06/2018,2,F,N,N,Oakhollow,dev@example.org,1\n" + // row 2: fine
		"2,,Fenwright,Kit,3" + marker + "/06/2018,2,M,N,N,,,\n" + // 3: bad date
		"3,A12345" + marker + ",Fenwright,Pip,31/02/2018,Year " + marker + ",M,N,N,,,\n" + // 4: UPN, impossible date, year
		"4,,,Bea,42076,2,F,maybe" + marker + ",Q" + marker + ",,,\n" + // 5: surname, serial date, FSM, SEN
		"1," + upn1 + ",Oakhollow,Seren,30/06/2018,2,F,N,N,,,\n" + // 6: duplicate id and UPN
		"5,,Larkby,Otis,30/06/2030,2,M,N,N,,not-an-email" + marker + ",0\n" + // 7: future DOB, contact surname, email, priority
		"6,,Larkby,Idris,30/06/1990,2,M,N,N,,,\n" + // 8: too old
		"7,,Larkby,Otis,30/06/2018,2,M,N,N,,,,extra" + marker + "\n" + // 9: more values than headers
		"8,,Lark\"by" + marker + ",Otis,30/06/2018,2,M,N,N,,,\n" + // 10: bare quote
		"9,,\"Moss\nby\",Otis,30/06/2018,2,M,N,N,,,\n" + // 11-12: line break in a name
		"10,,Mossby,Otis,1/1/18,2,M,N,N,,,\n" // 13: fine
	want := []string{
		"row 3|Date of Birth|" + "This is not a date",
		"row 4|UPN|A UPN has 13 characters.",
		"row 4|Date of Birth|This date does not exist",
		"row 4|Year Group|This is not a year group",
		"row 5|Surname|This is required.",
		"row 5|Date of Birth|This is a spreadsheet date number",
		"row 5|FSM|Use Y or N",
		"row 5|SEN Status|This is not an SEN status",
		"row 6|Admission Number|The same id is also on row 2",
		"row 6|UPN|The same UPN is also on row 2",
		"row 7|Date of Birth|The date of birth is in the future.",
		"row 7|Contact 1 Surname|Enter the contact's surname",
		"row 7|Contact 1 Email|Enter an email address like",
		"row 7|Contact 1 Priority|Priority is a whole number",
		"row 8|Date of Birth|The date of birth is not plausible",
		"row 9||This row has more values than there are column headers",
		"row 10||A value has a quote mark in it",
		"row 11|Surname|This contains control characters",
	}
	_, probs := read(t, in)
	var got []string
	for _, p := range probs {
		got = append(got, p.Ref+"|"+p.Column+"|"+p.Message)
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	err := probs.Err()
	for _, p := range probs {
		if strings.Contains(p.String(), marker) || strings.Contains(err.Error(), marker) {
			t.Errorf("a problem shows a value: %s", p)
		}
	}
	// The same file again gives the same problems in the same order.
	if _, again := read(t, in); !reflect.DeepEqual(again, probs) {
		t.Error("problems differ between two reads")
	}
}

func TestProblemCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(base)
	for i := range 1500 {
		fmt.Fprintf(&b, "%d,,Oakhollow,Marnie,31/02/2018,2\n", i)
	}
	_, probs := read(t, b.String())
	if len(probs) != 1001 || probs[999].Ref != "row 1001" || !strings.Contains(probs[1000].Message, "500 more") {
		t.Fatalf("%d problems, last %v", len(probs), probs[len(probs)-1])
	}
}

func TestHeaderProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, header string
		want         []string // column|message prefix
	}{
		{"duplicate", "Admission Number,Surname,Forename,First Name,Date of Birth,Year Group",
			[]string{"First Name|This column and “Forename” both give the forename"}},
		{"duplicate contact", "Admission Number,Surname,Forename,DOB,Year,Contact 1 Surname,Contact 1 Last Name",
			[]string{"Contact 1 Last Name|This column and “Contact 1 Surname” both give contact 1’s surname"}},
		{"no date of birth", "Admission Number,Surname,Forename,Year Group",
			[]string{"|There is no column for the date of birth (a header such as “Date of Birth”)"}},
		{"no key, no year", "Surname,Forename,Date of Birth,Gender",
			[]string{"|There is no column for the admission number (MIS id) or UPN", "|There is no column for the year group"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A broken row under the header is not reached.
			_, probs := read(t, tc.header+"\n1,,x,y,99/99/99,Q,,,\n")
			var got []string
			for _, p := range probs {
				got = append(got, p.Column+"|"+p.Message)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q", got)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) || probs[i].Ref != "" {
					t.Errorf("got %q, want %q…", got[i], tc.want[i])
				}
			}
		})
	}
}

func TestIgnoredAndFormulae(t *testing.T) {
	t.Parallel()
	b := mustRead(t, "Admission Number,Ethnicity,Surname,Forename,FSM Ever 6,Date of Birth,Year Group,,Religion\n"+
		"=1+2,WBRI,@Oak,-Marnie,Y,30/06/2018,2,,\n")
	if want := []string{"Ethnicity", "FSM Ever 6", "Religion"}; !slices.Equal(b.Ignored, want) {
		t.Errorf("ignored %q, want %q", b.Ignored, want)
	}
	p := b.Pupils[0]
	if p.MISID != "=1+2" || p.LegalSurname != "@Oak" || p.LegalForename != "-Marnie" {
		t.Errorf("formula-like text changed: %+v", *p)
	}
	if p.Flags != nil {
		t.Errorf("FSM Ever 6 set a flag: %v", p.Flags)
	}
}

func TestContactsFile(t *testing.T) {
	t.Parallel()
	in := "Admission No,Pupil Forename,Contact Forename,Contact Surname,Relationship,Parental Responsibility,Priority,Mobile,Contact ID\n" +
		"001,Marnie,Dev,Oakhollow,Father,Yes,2,07700 900001,C1\n" +
		"002,Kit,Sorrel,Fenwright,Mother,,,,C3\n" +
		"001,Marnie,Gwen,Oakhollow,Mother,Y,1,07700 900002,C2\n" +
		"002,Kit,Dev,Oakhollow,Step-parent,No,1,07700 900001,C1\n"
	b := mustRead(t, in)
	if b.Complete || b.StaffComplete || len(b.Pupils) != 2 || !slices.Equal(b.Ignored, []string{"Pupil Forename"}) {
		t.Fatalf("batch %+v", b)
	}
	yes, no := true, false
	want := []*mis.Pupil{
		{Ref: "row 2", MISID: "001", ContactsKnown: true, Contacts: []mis.Contact{
			{MISID: "C2", Forename: "Gwen", Surname: "Oakhollow", Relationship: "Mother", ParentalResponsibility: &yes, Priority: 1, Phone: "07700 900002"},
			{MISID: "C1", Forename: "Dev", Surname: "Oakhollow", Relationship: "Father", ParentalResponsibility: &yes, Priority: 2, Phone: "07700 900001"},
		}},
		{Ref: "row 3", MISID: "002", ContactsKnown: true, Contacts: []mis.Contact{
			{MISID: "C1", Forename: "Dev", Surname: "Oakhollow", Relationship: "Step-parent", ParentalResponsibility: &no, Priority: 1, Phone: "07700 900001"},
			{MISID: "C3", Forename: "Sorrel", Surname: "Fenwright", Relationship: "Mother"},
		}},
	}
	if !reflect.DeepEqual(b.Pupils, want) {
		for i := range b.Pupils {
			t.Errorf("pupil %d: %+v", i, *b.Pupils[i])
		}
	}

	_, probs := read(t, "UPN,Surname,Relationship,Contact ID\n"+
		upn1+",Oakhollow,Mother,C1\n"+
		",Fenwright,Father,C2\n"+
		upn1+",Oakhollow,Mother,C1\n"+
		upn2+",,,\n")
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want2 := []string{
		"row 3, UPN: Enter the pupil's UPN: without it the contact cannot be linked to a pupil.",
		"row 4, Contact ID: The same contact is listed for this pupil on row 2 too.",
		"row 5: This row has a pupil but no contact: fill in the contact or remove the row.",
	}
	if !slices.Equal(got, want2) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want2, "\n"))
	}
}

func TestStaffFile(t *testing.T) {
	t.Parallel()
	b := mustRead(t, "Staff ID,Staff Code,Title,First Name,Last Name,Email,Role,Teacher,Employed\n"+
		"E1,GOA,Mx,Gwen,Oakmore,G.Oakmore@School.Example,Teacher,Y,Y\n"+
		"E2,,Mr,Dele,Fenwick,d.fenwick@school.example,,,N\n")
	yes, no := true, false
	want := &mis.Batch{Source: mis.SourceCSV, StaffComplete: true, Staff: []*mis.Staff{
		{Ref: "row 2", MISID: "E1", StaffCode: "GOA", Title: "Mx", Forename: "Gwen", Surname: "Oakmore", Email: "g.oakmore@school.example", JobTitle: "Teacher", Teaching: &yes, Current: true},
		{Ref: "row 3", MISID: "E2", Title: "Mr", Forename: "Dele", Surname: "Fenwick", Email: "d.fenwick@school.example", Teaching: &no, Current: false},
	}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("got %+v %+v", *b.Staff[0], *b.Staff[1])
	}
	// Current is "employed" when the export has no such column.
	b = mustRead(t, "Forename,Surname,Work Email\nGwen,Oakmore,g@school.example\n")
	if s := b.Staff[0]; !s.Current || s.Teaching != nil {
		t.Errorf("staff %+v", *s)
	}
	_, probs := read(t, "Forename,Surname,Work Email\nGwen,Oakmore,g@school.example\nDele,Fenwick,G@school.example\nKit,Lark,\n")
	if len(probs) != 2 || probs[0].Ref != "row 3" || probs[1].Ref != "row 4" || probs[1].Column != "Work Email" {
		t.Errorf("problems %v", probs)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(base)
	for i := range 1200 {
		fmt.Fprintf(&b, "%d,,Oakhollow,Marnie,30/06/2018,2\n", i)
	}
	in := b.String()
	var calls []int
	var last int64
	got, err := csvfile.Read(strings.NewReader(in), csvfile.Options{Today: today, Progress: func(rows int, n int64) {
		if n < last {
			t.Error("bytes went down")
		}
		calls, last = append(calls, rows), n
	}})
	if err != nil || len(got.Pupils) != 1200 || !slices.Equal(calls, []int{500, 1000}) {
		t.Fatalf("err %v, progress %v", err, calls)
	}

	_, probs := read(t, in, csvfile.Options{MaxRows: 1000})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "more than 1000 rows") {
		t.Errorf("rows: %v", probs)
	}
	_, probs = read(t, in, csvfile.Options{MaxRows: 1200})
	if probs != nil {
		t.Errorf("exactly at the limit: %v", probs)
	}
	_, probs = read(t, in, csvfile.Options{MaxBytes: int64(len(in)) - 1})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "larger than") {
		t.Errorf("bytes: %v", probs)
	}
	_, probs = read(t, in, csvfile.Options{MaxBytes: 100})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "larger than 100 bytes") {
		t.Errorf("bytes in the header: %v", probs)
	}
	if _, probs = read(t, in, csvfile.Options{MaxBytes: int64(len(in))}); probs != nil {
		t.Errorf("exactly at the size limit: %v", probs)
	}
	// A quote never closed stops at the row limit, not the end of the file.
	_, probs = read(t, base+"1,,\"Oak"+strings.Repeat("hollow,Marnie,30/06/2018,2\n", 20000))
	if len(probs) != 1 || probs[0].Ref != "row 2" || !strings.Contains(probs[0].Message, "quote mark is probably not closed") {
		t.Errorf("unclosed quote: %v", probs)
	}
	// A problem row is listed with the limit.
	_, probs = read(t, base+"1,,Oak,M,31/02/2018,2\n2,,Oak,M,1/1/2018,2\n", csvfile.Options{MaxRows: 1})
	if len(probs) != 2 || !strings.Contains(probs[0].Message, "more than 1 rows") || probs[1].Ref != "row 2" {
		t.Errorf("limit with problems: %v", probs)
	}
}

// TestDeterministic reads the same file twice and gets the same batch.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := misgen.WriteCSV(&buf, misgen.School(5, 600)); err != nil {
		t.Fatal(err)
	}
	in := buf.String()
	a := mustRead(t, in, csvfile.Options{Today: misgen.ReferenceDate()})
	b := mustRead(t, in, csvfile.Options{Today: misgen.ReferenceDate()})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two reads of one file differ")
	}
	if len(a.Pupils) != 600 {
		t.Fatalf("%d pupils", len(a.Pupils))
	}
}

func TestShortRowsAndBlankCells(t *testing.T) {
	t.Parallel()
	// Some tools drop trailing empty cells; blank rows in the middle are skipped.
	b := mustRead(t, "Admission Number,Surname,Forename,Date of Birth,Year Group,Reg Group,Gender\n"+
		"1,Oakhollow,Marnie,30/06/2018,2\n"+
		",,,,,,\n"+
		"2, Fenwright ,Kit,30/06/2018,2,2B,F\n")
	if len(b.Pupils) != 2 || b.Pupils[0].RegGroup != "" || b.Pupils[1].LegalSurname != "Fenwright" || b.Pupils[1].Ref != "row 4" {
		t.Fatalf("pupils %+v %+v", *b.Pupils[0], *b.Pupils[1])
	}
}
