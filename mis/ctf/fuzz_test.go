package ctf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// FuzzRead checks Read never panics, refuses only with problems, and that
// every pupil it accepts would pass Vigil's own validation.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"example.xml", "full.xml"} {
		f.Add([]byte(testdata(f, name)))
	}
	f.Add([]byte(strings.Replace(testdata(f, "example.xml"), "R990214525001", exampleUPN, 1)))
	for _, doc := range dtdDocs("/etc/passwd") {
		f.Add([]byte(doc))
	}
	var buf bytes.Buffer
	if err := WriteLeaver(&buf, leaverHeader(), leaver(), leaverContacts(), ExportOptions{Now: exportNow}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"windows-1252\"?>" +
		pupilDoc("<UPN>D990214525001</UPN><Surname>O\x92Brien</Surname><Forename>Zo\xeb</Forename><DOB>2018-06-30</DOB>")))
	f.Add([]byte(pupilDoc(basics + "<BasicDetails><Languages><LanguageType>F</LanguageType><Language>URD</Language></Languages></BasicDetails>")))
	f.Add([]byte("<html><body>not a CTF</body></html>"))
	f.Add([]byte("%PDF-1.7"))

	f.Fuzz(func(t *testing.T, data []byte) {
		h, b, err := Read(bytes.NewReader(data), Options{Today: today, MaxBytes: 1 << 20, MaxPupils: 50})
		if err != nil {
			if _, ok := errors.AsType[*mis.ProblemError](err); !ok {
				t.Fatalf("error is not a ProblemError: %v", err)
			}
			if h != nil || b != nil {
				t.Fatal("a refused file returned a header or batch")
			}
			return
		}
		if h == nil || b == nil || b.Source != mis.SourceCTF || b.Complete || len(b.Pupils) == 0 {
			t.Fatalf("accepted file: header %v, batch %+v", h, b)
		}
		upns := map[string]bool{}
		for _, p := range b.Pupils {
			if msg := vigil.CheckUPN(p.UPN); msg != "" || upns[p.UPN] {
				t.Fatalf("%s: UPN refused (%s) or repeated", p.Ref, msg)
			}
			upns[p.UPN] = true
			if p.LegalSurname == "" || p.LegalForename == "" || p.DateOfBirth.IsZero() {
				t.Fatalf("%s: missing surname, forename or date of birth", p.Ref)
			}
			vp := &vigil.Pupil{
				UPN: p.UPN, LegalForename: p.LegalForename, LegalSurname: p.LegalSurname,
				PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname,
				DateOfBirth: p.DateOfBirth, Sex: p.Sex, YearGroup: p.YearGroup, OnRoll: true,
				Flags: vigil.PupilFlags(p.Flags),
			}
			if p.DateOfBirth.After(vigil.DateOf(time.Now())) {
				t.Fatalf("%s: date of birth after today", p.Ref)
			}
			if err := vp.Validate(); err != nil {
				t.Fatalf("%s: accepted pupil fails validation: %v", p.Ref, err)
			}
			for i, c := range p.Contacts {
				vc := &vigil.Contact{Name: c.Name(), Relationship: RelationshipLabel(c.Relationship),
					Priority: max(c.Priority, 1), Phone: c.Phone, Email: c.Email, Address: c.Address}
				if c.Surname == "" {
					t.Fatalf("%s: contact %d has no surname", p.Ref, i+1)
				}
				if err := vc.Validate(); err != nil {
					t.Fatalf("%s: accepted contact %d fails validation: %v", p.Ref, i+1, err)
				}
			}
		}
	})
}
