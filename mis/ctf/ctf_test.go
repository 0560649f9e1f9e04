package ctf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// today is the fixed clock for every test.
var today = vigil.NewDate(2026, time.March, 10)

func readString(doc string) (*Header, *mis.Batch, error) {
	return Read(strings.NewReader(doc), Options{Today: today})
}

func mustRead(t *testing.T, doc string) (*Header, *mis.Batch) {
	t.Helper()
	h, b, err := readString(doc)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return h, b
}

// problemsOf returns the problems in err, failing unless err is a
// *mis.ProblemError.
func problemsOf(t *testing.T, err error) mis.Problems {
	t.Helper()
	pe, ok := errors.AsType[*mis.ProblemError](err)
	if !ok {
		t.Fatalf("error = %v, want a *mis.ProblemError", err)
	}
	if vigil.ErrorCode(err) != vigil.EINVALID {
		t.Errorf("error code = %q, want %q", vigil.ErrorCode(err), vigil.EINVALID)
	}
	return pe.Problems
}

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exampleUPN is a valid UPN for mis.md's example, whose own UPN
// (R990214525001) fails the check letter.
const exampleUPN = "D990214525001"

func example(t testing.TB) string {
	return strings.Replace(testdata(t, "example.xml"), "R990214525001", exampleUPN, 1)
}

func TestReadExample(t *testing.T) {
	t.Parallel()
	h, b := mustRead(t, example(t))
	wantH := &Header{
		Version: "25.0", DateTime: "2026-03-02T10:15:00", Qualifier: "full", SupplierID: "ExampleMIS",
		Source: School{LEA: "990", Estab: "2145", Name: "Riverside Example Primary", AcademicYear: "2025"},
		Dest:   School{LEA: "991", Estab: "4007"},
	}
	if !reflect.DeepEqual(h, wantH) {
		t.Errorf("header = %+v\nwant %+v", h, wantH)
	}
	if b.Source != mis.SourceCTF || b.Complete {
		t.Errorf("batch source %q complete %v, want ctf, false", b.Source, b.Complete)
	}
	if len(b.Pupils) != 1 {
		t.Fatalf("got %d pupils, want 1", len(b.Pupils))
	}
	yes := true
	want := &mis.Pupil{
		Ref: "pupil 1", UPN: exampleUPN,
		LegalForename: "Marnie", LegalSurname: "Oakhollow",
		DateOfBirth: vigil.NewDate(2018, time.June, 30), Sex: "F", YearGroup: "2",
		Flags: map[vigil.Flag]bool{vigil.FlagSENSupport: true, vigil.FlagEHCP: false},
		Contacts: []mis.Contact{{
			Forename: "Dev", Surname: "Oakhollow", Relationship: "PAR",
			ParentalResponsibility: &yes, Priority: 1, Email: "dev.oakhollow@riverside.example",
		}},
		ContactsKnown: true,
		Known:         map[string]bool{mis.FieldUPN: true, mis.FieldSex: true, mis.FieldYearGroup: true},
	}
	if got := b.Pupils[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("pupil =\n%+v\nwant\n%+v", got, want)
	}
}

// mis.md's example as printed has a UPN whose check letter is wrong: it is
// read as the MIS gave it (the import warns), not refused.
func TestReadExampleAsPrinted(t *testing.T) {
	t.Parallel()
	_, b, err := readString(testdata(t, "example.xml"))
	if err != nil || len(b.Pupils) != 1 || b.Pupils[0].UPN != "R990214525001" {
		t.Fatalf("example as printed: %v, %+v", err, b)
	}
	if vigil.UPNCheckLetterMatches(b.Pupils[0].UPN) {
		t.Error("the example's check letter matches after all")
	}
}

func TestReadFull(t *testing.T) {
	t.Parallel()
	h, b := mustRead(t, testdata(t, "full.xml"))
	if h.Source.URN != "199001" || h.Dest.URN != "199002" || h.Qualifier != "partial" {
		t.Errorf("header = %+v", h)
	}
	if len(b.Pupils) != 2 {
		t.Fatalf("got %d pupils, want 2", len(b.Pupils))
	}
	no, yes := false, true
	want1 := &mis.Pupil{
		Ref: "pupil 1", UPN: "G990214525003", FormerUPNs: []string{"T990214525002"},
		LegalForename: "Siân", LegalSurname: "ap Dafydd",
		PreferredForename: "Sion", PreferredSurname: "ap Dafydd", MiddleNames: "Rhys Owen",
		DateOfBirth: vigil.NewDate(2015, time.September, 1), Sex: "M", YearGroup: "5",
		Flags: map[vigil.Flag]bool{
			vigil.FlagEAL: true, vigil.FlagLAC: true, vigil.FlagFSM: true,
			vigil.FlagSENSupport: false, vigil.FlagEHCP: true, // the latest SEN record is E
		},
		Contacts: []mis.Contact{
			{Title: "Ms", Forename: "Catrin", Surname: "Jones", Relationship: "FOF", ParentalResponsibility: &yes,
				Priority: 1, Email: "catrin.jones@example.org", Address: SameAsPupil},
			{Title: "Mr", Forename: "Ifan", Surname: "ap Dafydd", Relationship: "PAR", ParentalResponsibility: &no,
				Priority: 2, Phone: "07700 900123", Address: "Flat 2\n14 Imaginary Lane\nExampleton\nZZ99 1ZZ"},
		},
		ContactsKnown: true,
		Known: map[string]bool{mis.FieldUPN: true, mis.FieldPreferred: true, mis.FieldSex: true,
			mis.FieldYearGroup: true},
	}
	if got := b.Pupils[0]; !reflect.DeepEqual(got, want1) {
		t.Errorf("pupil 1 =\n%+v\nwant\n%+v", got, want1)
	}
	want2 := &mis.Pupil{
		Ref: "pupil 2", UPN: "K991400726001", LegalForename: "Ava", LegalSurname: "O'Neill",
		DateOfBirth: vigil.NewDate(2019, time.December, 25), Sex: "F", YearGroup: "R",
		Flags: map[vigil.Flag]bool{
			vigil.FlagEAL: false, vigil.FlagLAC: false, vigil.FlagFSM: false, // FSM ended before today
			vigil.FlagSENSupport: false, vigil.FlagEHCP: false,
		},
		ContactsKnown: true,
		Known:         map[string]bool{mis.FieldUPN: true, mis.FieldSex: true, mis.FieldYearGroup: true},
	}
	if got := b.Pupils[1]; !reflect.DeepEqual(got, want2) {
		t.Errorf("pupil 2 =\n%+v\nwant\n%+v", got, want2)
	}
	for _, want := range []string{
		"Pupil/Attendance", "Pupil/SchoolHistory", "Pupil/UniqueLearnerNumber", "Pupil/Address",
		"Pupil/BasicDetails/Ethnicity", "Pupil/BasicDetails/EnrolStatus", "Pupil/LookedAfter/CareAuthority",
		"Pupil/Contacts/Contact/Phones/Phone/TelephoneType", "Pupil/FSMhistory/FSMinstance/UKcountry",
	} {
		if !contains(b.Ignored, want) {
			t.Errorf("Ignored = %q, missing %q", b.Ignored, want)
		}
	}
	for _, used := range []string{"Pupil/UPN", "Pupil/BasicDetails/Languages", "Pupil/Contacts/Contact/Address", "Header/DocumentName"} {
		if contains(b.Ignored, used) {
			t.Errorf("Ignored lists %q, which was read", used)
		}
	}
}

// pupilDoc wraps the inside of one Pupil element in a CTF.
func pupilDoc(inner string) string {
	return `<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData><Pupil>` + inner + `</Pupil></CTFpupilData></CTfile>`
}

const basics = `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`

func TestReadFlags(t *testing.T) {
	t.Parallel()
	fsm := func(instances ...string) string {
		return "<FSMhistory>" + strings.Join(instances, "") + "</FSMhistory>"
	}
	for _, tc := range []struct {
		name, inner string
		want        map[vigil.Flag]bool
	}{
		{"none", "", nil},
		{"FSM open", fsm("<FSMinstance><FSMstartDate>2025-09-01</FSMstartDate></FSMinstance>"),
			map[vigil.Flag]bool{vigil.FlagFSM: true}},
		{"FSM ends after today", fsm("<FSMinstance><FSMstartDate>2025-09-01</FSMstartDate><FSMendDate>2026-03-11</FSMendDate></FSMinstance>"),
			map[vigil.Flag]bool{vigil.FlagFSM: true}},
		{"FSM ends today", fsm("<FSMinstance><FSMstartDate>2025-09-01</FSMstartDate><FSMendDate>2026-03-10</FSMendDate></FSMinstance>"),
			map[vigil.Flag]bool{vigil.FlagFSM: false}},
		{"FSM starts after today", fsm("<FSMinstance><FSMstartDate>2026-04-01</FSMstartDate></FSMinstance>"),
			map[vigil.Flag]bool{vigil.FlagFSM: false}},
		{"FSM empty history", fsm(), map[vigil.Flag]bool{vigil.FlagFSM: false}},
		{"LAC", "<LookedAfter><InCare>true</InCare></LookedAfter>", map[vigil.Flag]bool{vigil.FlagLAC: true}},
		{"LAC blank", "<LookedAfter><InCare></InCare></LookedAfter>", nil},
		{"SEN latest wins", "<SENhistory><SEN><StartDate>2024-01-01</StartDate><SENprovision>E</SENprovision></SEN>" +
			"<SEN><StartDate>2025-01-01</StartDate><SENprovision>K</SENprovision></SEN></SENhistory>",
			map[vigil.Flag]bool{vigil.FlagSENSupport: true, vigil.FlagEHCP: false}},
		{"SEN legacy S", "<SENhistory><SEN><SENprovision>S</SENprovision></SEN></SENhistory>",
			map[vigil.Flag]bool{vigil.FlagSENSupport: false, vigil.FlagEHCP: true}},
		{"SEN flat in BasicDetails", "<BasicDetails><SENprovision>K</SENprovision></BasicDetails>",
			map[vigil.Flag]bool{vigil.FlagSENSupport: true, vigil.FlagEHCP: false}},
		{"EAL flat", "<BasicDetails><Languages><LanguageType>F</LanguageType><Language>URD</Language></Languages></BasicDetails>",
			map[vigil.Flag]bool{vigil.FlagEAL: true}},
		{"EAL FirstLanguage", "<BasicDetails><FirstLanguage>ENG</FirstLanguage></BasicDetails>",
			map[vigil.Flag]bool{vigil.FlagEAL: false}},
		{"EAL not obtained", "<BasicDetails><FirstLanguage>NOT</FirstLanguage></BasicDetails>", nil},
		{"EAL home language only", "<BasicDetails><Languages><Type><LanguageType>H</LanguageType><Language>URD</Language></Type></Languages></BasicDetails>", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, b := mustRead(t, pupilDoc(basics+tc.inner))
			if got := b.Pupils[0].Flags; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flags = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadYearGroup(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"R": "R", "Rec": "R", "0": "R", "YR": "R", "N1": "N1", "n2": "N2", "1": "1", "01": "1",
		"14": "14", "Y7": "7", "X": "",
	} {
		_, b := mustRead(t, pupilDoc(basics+"<BasicDetails><NCyearActual>"+in+"</NCyearActual></BasicDetails>"))
		if p := b.Pupils[0]; p.YearGroup != want || !p.Has(mis.FieldYearGroup) {
			t.Errorf("NCyearActual %q: year group %q known %v, want %q", in, p.YearGroup, p.Has(mis.FieldYearGroup), want)
		}
	}
	for _, in := range []string{"15", "Year", "N3", "-1"} {
		_, _, err := readString(pupilDoc(basics + "<BasicDetails><NCyearActual>" + in + "</NCyearActual></BasicDetails>"))
		if ps := problemsOf(t, err); ps[0].Column != "NCyearActual" {
			t.Errorf("NCyearActual %q: problems %v", in, ps)
		}
	}
}

func TestReadWindows1252(t *testing.T) {
	t.Parallel()
	// Raw Windows-1252 bytes: ë is 0xEB, the curly apostrophe 0x92.
	doc := "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\r\n" +
		pupilDoc("<UPN>D990214525001</UPN><Surname>O\x92Brien</Surname><Forename>Zo\xeb</Forename><DOB>2018-06-30</DOB>")
	_, b := mustRead(t, doc)
	if p := b.Pupils[0]; p.LegalSurname != "O\u2019Brien" || p.LegalForename != "Zoë" {
		t.Errorf("names = %q %q, want O’Brien Zoë", p.LegalSurname, p.LegalForename)
	}
	// ISO-8859-1 is read the same way.
	_, b = mustRead(t, strings.Replace(doc, "windows-1252", "ISO-8859-1", 1))
	if p := b.Pupils[0]; p.LegalForename != "Zoë" {
		t.Errorf("ISO-8859-1 forename = %q", p.LegalForename)
	}
	// Undeclared, it is not valid UTF-8, and the problem says what to do.
	_, _, err := readString(strings.Replace(doc, ` encoding="windows-1252"`, "", 1))
	if ps := problemsOf(t, err); len(ps) != 1 || !strings.Contains(ps[0].Message, "not valid UTF-8") {
		t.Errorf("undeclared Windows-1252: problems %v", ps)
	}
	// A UTF-8 byte order mark is fine.
	_, b = mustRead(t, "\xef\xbb\xbf"+pupilDoc(basics))
	if len(b.Pupils) != 1 {
		t.Errorf("with BOM: %d pupils", len(b.Pupils))
	}
}

func TestReadPupilProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, inner, column, secret string
	}{
		{"missing UPN", `<Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`, "UPN", ""},
		{"bad UPN", `<UPN>9999999999999</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`, "UPN", "9999999999999"},
		{"bad former UPN", basics + `<BasicDetails><FormerUPN>ZZ12</FormerUPN></BasicDetails>`, "FormerUPN", "ZZ12"},
		{"missing surname", `<UPN>D990214525001</UPN><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`, "Surname", ""},
		{"missing forename", `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><DOB>2018-06-30</DOB>`, "Forename", ""},
		{"missing DOB", `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename>`, "DOB", ""},
		{"bad DOB", `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>30/06/2018</DOB>`, "DOB", "30/06/2018"},
		{"impossible DOB", `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2018-02-30</DOB>`, "DOB", "2018-02-30"},
		{"future DOB", `<UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2026-03-11</DOB>`, "DOB", "2026-03-11"},
		{"bad sex", basics + `<Sex>Q</Sex>`, "Sex", ""},
		{"bad InCare", basics + `<LookedAfter><InCare>maybe</InCare></LookedAfter>`, "InCare", "maybe"},
		{"bad SEN", basics + `<SENhistory><SEN><SENprovision>Z</SENprovision></SEN></SENhistory>`, "SENprovision", ""},
		{"bad FSM date", basics + `<FSMhistory><FSMinstance><FSMstartDate>soon</FSMstartDate></FSMinstance></FSMhistory>`, "FSMstartDate", "soon"},
		{"bad language", basics + `<BasicDetails><FirstLanguage>English</FirstLanguage></BasicDetails>`, "Language", "English"},
		{"contact no surname", basics + `<Contacts><Contact><Forename>Dev</Forename></Contact></Contacts>`, "Contact 1 Surname", ""},
		{"contact bad email", basics + `<Contacts><Contact><Surname>Oakhollow</Surname><Email>dev@@example</Email></Contact></Contacts>`, "Contact 1 Email", "dev@@example"},
		{"contact bad phone", basics + `<Contacts><Contact><Surname>Oakhollow</Surname><Phones><Phone><PhoneNo>call Dev</PhoneNo></Phone></Phones></Contact></Contacts>`, "Contact 1 PhoneNo", "call Dev"},
		{"contact bad order", basics + `<Contacts><Contact><Order>first</Order><Surname>Oakhollow</Surname></Contact></Contacts>`, "Contact 1 Order", "first"},
		{"contact bad PR", basics + `<Contacts><Contact><Surname>Oakhollow</Surname><Responsibility>sometimes</Responsibility></Contact></Contacts>`, "Contact 1 Responsibility", "sometimes"},
		{"long name", `<UPN>D990214525001</UPN><Surname>` + strings.Repeat("Oak", 40) + `</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`, "Surname", "OakOakOak"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, b, err := readString(pupilDoc(tc.inner))
			if h != nil || b != nil {
				t.Error("a refused file returned a header or batch")
			}
			ps := problemsOf(t, err)
			if len(ps) != 1 || ps[0].Ref != "pupil 1" || ps[0].Column != tc.column {
				t.Fatalf("problems = %v, want one on pupil 1, %s", ps, tc.column)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error shows the value: %v", err)
			}
		})
	}
}

// threePupils are three valid pupils.
var threePupils = func() string {
	var b strings.Builder
	for _, upn := range []string{"D990214525001", "T990214525002", "G990214525003"} {
		b.WriteString("<Pupil><UPN>" + upn + "</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB></Pupil>")
	}
	return b.String()
}()

// Every problem in the file is reported, each against its pupil.
func TestReadCollectsAllProblems(t *testing.T) {
	t.Parallel()
	doc := `<CTfile><Header/><CTFpupilData>` +
		`<Pupil>` + basics + `</Pupil>` +
		`<Pupil><Surname>A</Surname><Forename>B</Forename><DOB>2018-01-01</DOB></Pupil>` +
		`<Pupil>` + basics + `</Pupil>` +
		`<Pupil><UPN>T990214525002</UPN><Surname>C</Surname><Forename>D</Forename><DOB>no</DOB><Sex>Q</Sex></Pupil>` +
		`</CTFpupilData></CTfile>`
	_, _, err := readString(doc)
	var got []string
	for _, p := range problemsOf(t, err) {
		got = append(got, p.Ref+"/"+p.Column)
	}
	want := []string{"pupil 2/UPN", "pupil 3/UPN", "pupil 4/DOB", "pupil 4/Sex"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems at %v, want %v", got, want)
	}
}

func TestReadFileProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, want string
		opt             Options
	}{
		{"empty", "", msgEmpty, Options{}},
		{"spaces", " \n\t", msgEmpty, Options{}},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", msgNotXML, Options{}},
		{"CSV", "UPN,Surname,Forename\nD990214525001,Oakhollow,Marnie\n", msgNotXML, Options{}},
		{"JSON", `{"data":[]}`, msgNotXML, Options{}},
		{"binary", "\x00\x01\x02\x03<CTfile>", msgNotXML, Options{}},
		{"declaration only", `<?xml version="1.0"?>`, msgNotXML, Options{}},
		{"HTML page", "<html><head><title>Sign in</title></head><body><p>Hello</p></body></html>", msgRoot, Options{}},
		{"HTML5 page", "<!DOCTYPE html><html><body></body></html>", "DTD not allowed", Options{}},
		{"other XML", `<?xml version="1.0"?><ATfile><Header/></ATfile>`, msgRoot, Options{}},
		{"UTF-16", "\xff\xfe<\x00C\x00", msgUTF16, Options{}},
		{"Shift_JIS", `<?xml version="1.0" encoding="Shift_JIS"?>` + pupilDoc(basics), msgCharset, Options{}},
		{"XML 1.1", `<?xml version="1.1"?>` + pupilDoc(basics), msgNotXML, Options{}},
		{"cut short", pupilDoc(basics)[:120], "not well formed at line 1", Options{}},
		{"mismatched tags", "<CTfile>\n<Header>\n</CTfile>", "not well formed at line 3", Options{}},
		{"two roots", pupilDoc(basics) + pupilDoc(basics), msgAfter, Options{}},
		{"text after root", pupilDoc(basics) + "trailing", msgAfter, Options{}},
		{"too many pupils", `<CTfile><Header/><CTFpupilData>` + threePupils + `</CTFpupilData></CTfile>`,
			"more than 2 pupils", Options{MaxPupils: 2}},
		{"too big", pupilDoc(basics), "larger than 100 bytes", Options{MaxBytes: 100}},
		{"one byte over", pupilDoc(basics) + strings.Repeat(" ", 2048-len(pupilDoc(basics))+1), "larger than 2 KB", Options{MaxBytes: 2048}},
		{"unknown entity", pupilDoc(`<UPN>&upn;</UPN>`), "not well formed", Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Today = today
			h, b, err := Read(strings.NewReader(tc.doc), tc.opt)
			if h != nil || b != nil {
				t.Error("a refused file returned a header or batch")
			}
			ps := problemsOf(t, err)
			if len(ps) != 1 || ps[0].Ref != "" || !strings.Contains(ps[0].Message, tc.want) {
				t.Errorf("problems = %v, want one file-level problem containing %q", ps, tc.want)
			}
		})
	}
}

func TestReadStructureProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, doc, column string }{
		{"no header", `<CTfile><CTFpupilData><Pupil>` + basics + `</Pupil></CTFpupilData></CTfile>`, "Header"},
		{"two headers", `<CTfile><Header/><Header/><CTFpupilData><Pupil>` + basics + `</Pupil></CTFpupilData></CTfile>`, "Header"},
		{"no pupils", `<CTfile><Header/><CTFpupilData/></CTfile>`, "CTFpupilData"},
		{"pupils elsewhere", `<CTfile><Header/><Pupils><Pupil>` + basics + `</Pupil></Pupils></CTfile>`, "CTFpupilData"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readString(tc.doc)
			if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Column != tc.column {
				t.Errorf("problems = %v, want one on %s", ps, tc.column)
			}
		})
	}
}

// failingReader fails after its data, as a broken upload would.
type failingReader struct{ r io.Reader }

var errBroken = errors.New("connection reset")

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

// An error reading the input is not the file's problem and is passed on.
func TestReadInputError(t *testing.T) {
	t.Parallel()
	_, _, err := Read(failingReader{strings.NewReader(pupilDoc(basics)[:60])}, Options{Today: today})
	if !errors.Is(err, errBroken) {
		t.Errorf("error = %v, want the reader's error", err)
	}
	if _, ok := errors.AsType[*mis.ProblemError](err); ok {
		t.Error("an input error was reported as a problem with the file")
	}
}

func TestRelationshipLabel(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"PAR": "Parent", "par": "Parent", " SWR ": "Social worker", "FOF": "Foster parent",
		"STP": "Step-parent", "OTH": "Other", "ZZZ": "ZZZ", "": "",
	} {
		if got := RelationshipLabel(code); got != want {
			t.Errorf("RelationshipLabel(%q) = %q, want %q", code, got, want)
		}
	}
	// Every label maps back to its code, for the export.
	for _, r := range relationships {
		if got := relationshipCode(r.label); got != r.code {
			t.Errorf("relationshipCode(%q) = %q, want %q", r.label, got, r.code)
		}
	}
}

// The limits below fixed depth and text must not refuse a file at them.
func TestReadAtLimits(t *testing.T) {
	t.Parallel()
	// CTfile, CTFpupilData and Pupil are depth 3; nest to exactly 32.
	deep := strings.Repeat("<Extra>", maxDepth-3) + strings.Repeat("</Extra>", maxDepth-3)
	text := "<Note>" + strings.Repeat("a", maxText) + "</Note>"
	for name, inner := range map[string]string{"depth 32": deep, "64 KB text": text} {
		if _, _, err := readString(pupilDoc(basics + inner)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	exact := pupilDoc(basics) + strings.Repeat("\n", 2048-len(pupilDoc(basics)))
	if _, _, err := Read(strings.NewReader(exact), Options{Today: today, MaxBytes: 2048}); err != nil {
		t.Errorf("a file of exactly MaxBytes: %v", err)
	}
	deeper := "<Extra>" + deep + "</Extra>"
	longer := "<Note>" + strings.Repeat("a", maxText+1) + "</Note>"
	split := "<Surname>" + strings.Repeat("a", maxText/2) + "<![CDATA[" + strings.Repeat("b", maxText/2+1) + "]]></Surname>"
	for name, tc := range map[string]struct{ inner, want string }{
		"depth 33":         {deeper, msgDepth},
		"64 KB + 1":        {longer, msgText},
		"split over CDATA": {split, msgText},
	} {
		_, _, err := readString(pupilDoc(basics + tc.inner))
		if ps := problemsOf(t, err); len(ps) != 1 || ps[0].Message != tc.want {
			t.Errorf("%s: problems %v, want %q", name, ps, tc.want)
		}
	}
}

func ExampleRead() {
	doc := `<CTfile><Header><SourceSchool><LEA>990</LEA><Estab>2145</Estab></SourceSchool></Header>
<CTFpupilData><Pupil><UPN>D990214525001</UPN><Surname>Oakhollow</Surname><Forename>Marnie</Forename>
<DOB>2018-06-30</DOB></Pupil><Pupil><Surname>Oakhollow</Surname></Pupil></CTFpupilData></CTfile>`
	_, _, err := Read(strings.NewReader(doc), Options{Today: vigil.NewDate(2026, time.March, 10)})
	for _, p := range err.(*mis.ProblemError).Problems {
		fmt.Println(p)
	}
	// Output:
	// pupil 2, UPN: The UPN is missing; pupils in a CTF are matched by UPN.
	// pupil 2, Forename: This name is missing.
	// pupil 2, DOB: The date of birth is missing.
}
