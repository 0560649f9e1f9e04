package ctf

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

var exportNow = time.Date(2026, time.March, 9, 14, 30, 0, 0, time.UTC)

func leaverHeader() Header {
	return Header{
		Source: School{LEA: "990", Estab: "2145", URN: "199001", Name: `Riverside & "Example" <Primary>`},
		Dest:   School{LEA: "991", Estab: "4007"},
	}
}

func leaver() *vigil.Pupil {
	return &vigil.Pupil{
		UPN:               "d990214525001",
		LegalForename:     `Zoë "Zo" <Marnie>`,
		LegalSurname:      "O'Brien & Oakhollow",
		PreferredForename: "Zoé",
		PreferredSurname:  "Öakhollow",
		DateOfBirth:       vigil.NewDate(2018, time.June, 30),
		Sex:               "F",
		YearGroup:         "R",
		RegGroup:          "Robins",
		Destination:       "Hidden Valley Academy",
		Flags: vigil.PupilFlags{
			vigil.FlagCPPlan: true, vigil.FlagCIN: true, vigil.FlagLAC: true, vigil.FlagEHCP: true,
			vigil.FlagFSM: true, vigil.FlagYoungCarer: true, vigil.FlagEarlyHelp: true,
		},
	}
}

func leaverContacts() []*vigil.Contact {
	return []*vigil.Contact{
		{Name: "Ms Siân van der Berg", Relationship: "Mother", ParentalResponsibility: true, Priority: 2,
			Phone: "07700 900123", Email: "sian@example.org", Address: "1 Secret Refuge Road\nZZ99 9ZZ"},
		{Name: "Dev O'Brien", Relationship: "PAR", ParentalResponsibility: false, Priority: 1},
		{Name: "Pat Caseworker", Relationship: "Social worker", Priority: 3, Phone: "01632 960999",
			Email: "pat.caseworker@la.example"},
		{Name: "Gran", Relationship: "Grandmother", Priority: 4},
	}
}

func write(t *testing.T, h Header, p *vigil.Pupil, cs []*vigil.Contact) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteLeaver(&buf, h, p, cs, ExportOptions{Now: exportNow}); err != nil {
		t.Fatalf("WriteLeaver: %v", err)
	}
	return buf.Bytes()
}

func TestWriteLeaverRoundTrip(t *testing.T) {
	t.Parallel()
	out := write(t, leaverHeader(), leaver(), leaverContacts())
	h, b, err := Read(bytes.NewReader(out), Options{Today: today})
	if err != nil {
		t.Fatalf("Read(WriteLeaver(...)): %v\n%s", err, out)
	}
	wantH := &Header{
		Version: "25.0", DateTime: "2026-03-09T14:30:00", Qualifier: "partial", SupplierID: "Vigil",
		Source: School{LEA: "990", Estab: "2145", URN: "199001", Name: `Riverside & "Example" <Primary>`, AcademicYear: "2025"},
		Dest:   School{LEA: "991", Estab: "4007"},
	}
	if !reflect.DeepEqual(h, wantH) {
		t.Errorf("header = %+v\nwant %+v", h, wantH)
	}
	if len(b.Pupils) != 1 {
		t.Fatalf("got %d pupils", len(b.Pupils))
	}
	got := b.Pupils[0]
	yes, no := true, false
	want := &mis.Pupil{
		Ref: "pupil 1", UPN: "D990214525001",
		LegalForename: `Zoë "Zo" <Marnie>`, LegalSurname: "O'Brien & Oakhollow",
		PreferredForename: "Zoé", PreferredSurname: "Öakhollow",
		DateOfBirth: vigil.NewDate(2018, time.June, 30), Sex: "F", YearGroup: "R",
		Contacts: []mis.Contact{
			{Forename: "Dev", Surname: "O'Brien", Relationship: "PAR", ParentalResponsibility: &no, Priority: 1},
			{Title: "Ms", Forename: "Siân", Surname: "van der Berg", Relationship: "PAR", ParentalResponsibility: &yes,
				Priority: 2, Phone: "07700 900123", Email: "sian@example.org"},
			{Surname: "Gran", Relationship: "REL", ParentalResponsibility: &no, Priority: 3},
		},
		ContactsKnown: true,
		Known: map[string]bool{mis.FieldUPN: true, mis.FieldPreferred: true, mis.FieldSex: true,
			mis.FieldYearGroup: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip =\n%+v\nwant\n%+v\nfile:\n%s", got, want, out)
	}
	// Escaped, not dropped or mangled.
	for _, s := range []string{"O&#39;Brien &amp; Oakhollow", "&lt;Marnie&gt;", "&#34;Zo&#34;", "Zoë"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("output lacks %q", s)
		}
	}
}

// The export holds basic details only: nothing from Vigil's safeguarding
// records, no flags, no social worker and no contact addresses.
func TestWriteLeaverNoSafeguardingContent(t *testing.T) {
	t.Parallel()
	out := string(write(t, leaverHeader(), leaver(), leaverContacts()))
	for _, s := range []string{
		"Caseworker", "la.example", "01632", "SWR", "Social", // the social worker contact
		"Secret Refuge", "ZZ99", "Address", // contact addresses
		"LookedAfter", "InCare", "SEN", "FSM", "cp_plan", "child_in_need", "looked_after", "early_help",
		"young_carer", "Robins", "Hidden Valley", // flags, reg group, destination
	} {
		if strings.Contains(out, s) {
			t.Errorf("the export holds %q:\n%s", s, out)
		}
	}
	// Every element is one WriteLeaver means to write.
	allowed := map[string]bool{}
	for _, s := range strings.Fields(`CTfile Header DocumentName CTFversion DateTime DocumentQualifier SupplierID
		SourceSchool DestSchool LEA Estab URN SchoolName AcademicYear CTFpupilData Pupil UPN Surname Forename DOB
		Sex BasicDetails PreferredSurname PreferredForename NCyearActual Contacts Contact Order Title Relationship
		Responsibility Phones Phone PhoneNo Email`) {
		allowed[s] = true
	}
	for _, part := range strings.Split(out, "<")[1:] {
		name := strings.TrimPrefix(strings.FieldsFunc(part, func(r rune) bool { return r == '>' || r == ' ' || r == '/' })[0], "/")
		if !strings.HasPrefix(part, "?xml") && !allowed[name] {
			t.Errorf("the export has an unexpected element %q", name)
		}
	}
}

func TestWriteLeaverUnknownDestination(t *testing.T) {
	t.Parallel()
	h := leaverHeader()
	h.Dest = School{}
	h.Source.AcademicYear = ""
	got, _, err := Read(bytes.NewReader(write(t, h, leaver(), nil)), Options{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if got.Dest.LEA != "XXX" || got.Dest.Estab != "XXXX" {
		t.Errorf("destination = %+v, want XXX/XXXX", got.Dest)
	}
	if got.Source.AcademicYear != "2025" { // March 2026 is in 2025/26
		t.Errorf("academic year = %q, want 2025", got.Source.AcademicYear)
	}
}

func TestWriteLeaverRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(*Header, *vigil.Pupil, *ExportOptions)
		secret string
	}{
		{"no UPN", func(h *Header, p *vigil.Pupil, o *ExportOptions) { p.UPN = "" }, ""},
		{"bad UPN", func(h *Header, p *vigil.Pupil, o *ExportOptions) { p.UPN = "9990214525001" }, "9990214525001"},
		{"no surname", func(h *Header, p *vigil.Pupil, o *ExportOptions) { p.LegalSurname = " " }, ""},
		{"no DOB", func(h *Header, p *vigil.Pupil, o *ExportOptions) { p.DateOfBirth = vigil.Date{} }, ""},
		{"no source", func(h *Header, p *vigil.Pupil, o *ExportOptions) { h.Source.LEA = "" }, ""},
		{"bad estab", func(h *Header, p *vigil.Pupil, o *ExportOptions) { h.Source.Estab = "21450" }, "21450"},
		{"half a destination", func(h *Header, p *vigil.Pupil, o *ExportOptions) { h.Dest.Estab = "" }, ""},
		{"no clock", func(h *Header, p *vigil.Pupil, o *ExportOptions) { o.Now = time.Time{} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, p, opt := leaverHeader(), leaver(), ExportOptions{Now: exportNow}
			tc.edit(&h, p, &opt)
			var buf bytes.Buffer
			err := WriteLeaver(&buf, h, p, nil, opt)
			if vigil.ErrorCode(err) != vigil.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error shows the value: %v", err)
			}
			if buf.Len() != 0 {
				t.Error("a refused export wrote output")
			}
		})
	}
	if err := WriteLeaver(&bytes.Buffer{}, leaverHeader(), nil, nil, ExportOptions{Now: exportNow}); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Errorf("nil pupil: %v", err)
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]string{
		"Dev Oakhollow":          {"", "Dev", "Oakhollow"},
		"Mrs. Ann Marie Jones":   {"Mrs.", "Ann Marie", "Jones"},
		"Rhodri ap Dafydd":       {"", "Rhodri", "ap Dafydd"},
		"Dev van der Berg":       {"", "Dev", "van der Berg"},
		"Oakhollow":              {"", "", "Oakhollow"},
		"Mr":                     {"", "", "Mr"},
		"  Dr   Li  ":            {"Dr", "", "Li"},
		"":                       {"", "", ""},
		"ann lowercase everyone": {"", "ann", "lowercase everyone"},
	} {
		title, fore, sur := splitName(in)
		if got := [3]string{title, fore, sur}; got != want {
			t.Errorf("splitName(%q) = %q, want %q", in, got, want)
		}
	}
}
