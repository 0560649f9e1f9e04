package ctf

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vigil-safeguarding/vigil"
)

// Values WriteLeaver puts in every header.
const (
	DocumentName = "Common Transfer File"
	Version      = "25.0" // CTF version for 2025/26
	Supplier     = "Vigil"
)

// Destination codes for a leaver whose next school is not known (mis.md
// §4): the file goes to the Lost Pupil Database.
const (
	UnknownLEA   = "XXX"
	UnknownEstab = "XXXX"
)

// ExportOptions are WriteLeaver's settings.
type ExportOptions struct {
	// Now stamps the header's DateTime, as local time (a CTF has no zone),
	// and gives the academic year when h.Source.AcademicYear is blank.
	// Required.
	Now time.Time
}

// WriteLeaver writes a partial CTF for one leaver: the header (from h's
// Source and Dest; the version, qualifier and supplier are always ours)
// and the pupil's basic details: UPN, legal names, date of birth, sex,
// preferred names, NCyearActual and contacts' names, relationship,
// parental responsibility, priority, phone and email.
//
// It carries no safeguarding content, by construction: Vigil's concerns,
// chronology and flags (CP plan, CIN, LAC, SEN, FSM...) are not written,
// nor are contacts whose relationship is a social worker, since a social
// worker's presence is itself safeguarding information. Contact addresses
// are left out too: Vigil does not know which are withheld from whom, and
// the MIS's own CTF carries them. The child protection file goes by its
// own secure transfer, never in a CTF.
//
// A Dest with no LA and establishment numbers is written as XXX/XXXX.
// Sex is written only when M or F, the values a CTF holds. It returns an
// EINVALID vigil.Error, naming the field but not its value, when the
// pupil or header cannot make a valid CTF.
func WriteLeaver(w io.Writer, h Header, p *vigil.Pupil, contacts []*vigil.Contact, opt ExportOptions) error {
	if p == nil {
		return vigil.Errorf(vigil.EINVALID, "Export CTF: no pupil.")
	}
	if opt.Now.IsZero() {
		return vigil.Errorf(vigil.EINVALID, "Export CTF: no time for the header.")
	}
	upn := strings.ToUpper(strings.TrimSpace(p.UPN))
	switch {
	case upn == "":
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the pupil has no UPN, which a CTF needs.")
	case vigil.CheckUPN(upn) != "":
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the pupil's UPN is not valid. %s", vigil.CheckUPN(upn))
	case strings.TrimSpace(p.LegalSurname) == "" || strings.TrimSpace(p.LegalForename) == "":
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the pupil's legal forename and surname are needed.")
	case p.DateOfBirth.IsZero():
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the pupil's date of birth is needed.")
	}
	src, dst := h.Source, h.Dest
	if !vigil.IsDigits(src.LEA, 3) || !vigil.IsDigits(src.Estab, 4) {
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the source school needs a 3-digit LA number and a 4-digit establishment number.")
	}
	if dst.LEA == "" && dst.Estab == "" {
		dst.LEA, dst.Estab = UnknownLEA, UnknownEstab
	}
	if !(vigil.IsDigits(dst.LEA, 3) || dst.LEA == UnknownLEA || dst.LEA == "MMM") ||
		!(vigil.IsDigits(dst.Estab, 4) || dst.Estab == UnknownEstab || dst.Estab == "MMMM") {
		return vigil.Errorf(vigil.EINVALID, "Export CTF: the destination needs a 3-digit LA number and a 4-digit establishment number, or none.")
	}
	year := src.AcademicYear
	if year == "" {
		y := opt.Now.Year()
		if opt.Now.Month() < time.September {
			y--
		}
		year = strconv.Itoa(y)
	}

	xp := xmlPupil{
		UPN:      upn,
		Surname:  oneLine(p.LegalSurname),
		Forename: oneLine(p.LegalForename),
		DOB:      p.DateOfBirth.String(),
	}
	if p.Sex == "M" || p.Sex == "F" {
		xp.Sex = p.Sex
	}
	bd := xmlBasic{
		PreferredSurname:  oneLine(p.PreferredSurname),
		PreferredForename: oneLine(p.PreferredForename),
		NCyearActual:      p.YearGroup,
	}
	if bd != (xmlBasic{}) {
		xp.BasicDetails = &bd
	}
	cs := append([]*vigil.Contact(nil), contacts...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Priority < cs[j].Priority })
	for _, c := range cs {
		if c == nil || relationshipCode(c.Relationship) == "SWR" {
			continue
		}
		title, forename, surname := splitName(c.Name)
		if surname == "" {
			continue // a CTF contact needs a surname
		}
		xc := xmlContact{
			Order:        len(xp.Contacts) + 1,
			Title:        title,
			Surname:      surname,
			Forename:     forename,
			Relationship: relationshipCode(c.Relationship),
			Email:        vigil.NormalizeEmail(c.Email),
		}
		// Responsibility is true or false; Vigil's bool has no "unknown".
		xc.Responsibility = strconv.FormatBool(c.ParentalResponsibility)
		if ph := strings.TrimSpace(c.Phone); ph != "" {
			xc.Phones = &xmlPhones{Phone: []xmlPhone{{PhoneNo: ph}}}
		}
		xp.Contacts = append(xp.Contacts, xc)
	}

	f := xmlFile{
		Header: xmlHeader{
			DocumentName:      DocumentName,
			CTFversion:        Version,
			DateTime:          opt.Now.Format("2006-01-02T15:04:05"),
			DocumentQualifier: "partial",
			SupplierID:        Supplier,
			SourceSchool: xmlSchool{
				LEA: src.LEA, Estab: src.Estab, URN: oneLine(src.URN),
				SchoolName: oneLine(src.Name), AcademicYear: year,
			},
			DestSchool: xmlSchool{LEA: dst.LEA, Estab: dst.Estab, URN: oneLine(dst.URN)},
		},
		Pupils: []xmlPupil{xp},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write ctf: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("write ctf: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write ctf: %w", err)
	}
	return nil
}

// The CTF as written; element order follows the DfE's.
type xmlFile struct {
	XMLName xml.Name   `xml:"CTfile"`
	Header  xmlHeader  `xml:"Header"`
	Pupils  []xmlPupil `xml:"CTFpupilData>Pupil"`
}

type xmlHeader struct {
	DocumentName      string
	CTFversion        string
	DateTime          string
	DocumentQualifier string
	SupplierID        string
	SourceSchool      xmlSchool
	DestSchool        xmlSchool
}

type xmlSchool struct {
	LEA          string
	Estab        string
	URN          string `xml:",omitempty"`
	SchoolName   string `xml:",omitempty"`
	AcademicYear string `xml:",omitempty"`
}

type xmlPupil struct {
	UPN          string
	Surname      string
	Forename     string
	DOB          string
	Sex          string       `xml:",omitempty"`
	BasicDetails *xmlBasic    `xml:",omitempty"`
	Contacts     []xmlContact `xml:"Contacts>Contact,omitempty"`
}

type xmlBasic struct {
	PreferredSurname  string `xml:",omitempty"`
	PreferredForename string `xml:",omitempty"`
	NCyearActual      string `xml:",omitempty"`
}

type xmlContact struct {
	Order          int
	Title          string `xml:",omitempty"`
	Surname        string
	Forename       string `xml:",omitempty"`
	Relationship   string
	Responsibility string
	Phones         *xmlPhones `xml:",omitempty"`
	Email          string     `xml:",omitempty"`
}

type xmlPhones struct {
	Phone []xmlPhone
}

type xmlPhone struct {
	PhoneNo string
}

// titles are the words taken as a title at the start of a contact's name.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true,
	"prof": true, "rev": true, "sir": true, "dame": true, "lady": true, "lord": true,
}

// splitName splits a contact's one-string name for the CTF: a leading
// title, then the surname, which is the last word together with any
// lower-case particles before it ("van der Berg", "ap Dafydd"), then the
// forenames. It is a guess, and a name of one word is a surname.
func splitName(name string) (title, forename, surname string) {
	words := strings.Fields(name)
	if len(words) > 1 && titles[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		title, words = words[0], words[1:]
	}
	if len(words) == 0 {
		return title, "", ""
	}
	start := len(words) - 1
	for start > 1 && isParticle(words[start-1]) {
		start--
	}
	return title, strings.Join(words[:start], " "), strings.Join(words[start:], " ")
}

func isParticle(w string) bool {
	r := []rune(w)
	return len(r) > 0 && unicode.IsLower(r[0])
}

// oneLine collapses space, so a value stays on one line in the file.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
