// Package misgen makes a synthetic school, the same for the same seed,
// for tests and benchmarks of the MIS import: pupils with valid UPNs, MIS
// ids, names with apostrophes, accents and particles, twins, siblings
// sharing contacts, flags, and staff. Every name is invented from word
// parts; no real person is described. WriteCSV and WriteStaffCSV write it
// as an MIS export that csvfile reads back to an equal batch.
package misgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// ReferenceDate is the day the school is generated for: each pupil's
// date of birth fits their year group in the school year it falls in
// (2025/26). Pass it as csvfile.Options.Today when reading the school
// back.
func ReferenceDate() vigil.Date { return vigil.NewDate(2026, 3, 2) }

// schoolYearStart is the year the reference date's school year began.
const schoolYearStart = 2025

var (
	girls = []string{"Amelia", "Zoë", "Chloé", "Siân", "Aoife", "Renée", "Olamide", "Freya", "Isla", "Maja",
		"Noor", "Ffion", "Priya", "Léa", "Hana", "Mia", "Eliza", "Niamh", "Ayesha", "Bethan", "Mary-Jane", "Seren"}
	boys = []string{"Oliver", "Mateusz", "Dev", "Rhys", "Tomás", "Ishaan", "Kwame", "Harry", "Otis", "Yusuf",
		"Callum", "Dáithí", "Eoin", "Leo", "Arjun", "Kai", "Finley", "Idris", "Rafael", "D'Arcy", "Jean-Luc", "Bryn"}
	adults = []string{"Marnie", "Gareth", "Sunita", "Tariq", "Joanna", "Bronwen", "Piotr", "Chidi", "Fiona",
		"Hamish", "Leanne", "Ravi", "Sinéad", "Claire", "Mohammed", "Agnieszka", "Dele", "Gwen", "Stuart", "Anaïs"}
	nicknames = []string{"Bea", "Kit", "Sam", "Jo", "Alfie", "Izzy", "Tom", "Lexi", "Ozzy", "Pip"}
	// Surnames are built from parts, so none is anyone's in particular.
	surnameHeads = []string{"Oak", "Fen", "Quill", "Marble", "Bracken", "Thistle", "Willow", "Cinder", "Hazel",
		"Rook", "Alder", "Moss", "Bram", "Ember", "Lark", "Sorrel"}
	surnameTails = []string{"hollow", "wright", "feather", "ton", "wick", "more", "worth", "by", "stead", "croft", "ridge", "well"}
	// Names that exercise apostrophes, accents, particles and hyphens.
	oddSurnames = []string{"O'Brannick", "D'Arcyvale", "ap Rhydderchwyn", "Ní Bhréanáin", "Lefèvre-Oakhollow",
		"Müllerstone", "Ó Dubhghaill-Fen", "de la Quillfeather", "Van der Marbleton", "Øyenwick"}
	streets    = []string{"Brackenfold Lane", "Quillfeather Road", "Marbleton Close", "Thistlewick Way", "Oakhollow Crescent"}
	towns      = []string{"Exampleton", "Little Sampleford", "Testbury"}
	relations1 = []string{"Mother", "Father", "Parent"}
	relations2 = []string{"Father", "Mother", "Step-parent", "Grandparent"}
	relations3 = []string{"Grandparent", "Aunt", "Uncle", "Family friend", "Childminder"}
	titles     = []string{"Mr", "Mrs", "Ms", "Mx", "Dr", "Miss", ""}
	jobs       = []struct {
		title    string
		teaching bool
	}{
		{"Class Teacher", true}, {"Teacher", true}, {"Head of Year", true}, {"SENCO", true},
		{"Teaching Assistant", false}, {"Office Manager", false}, {"Site Manager", false},
		{"Designated Safeguarding Lead", true}, {"Pastoral Lead", false}, {"Attendance Officer", false},
	}
)

// upnLetters are the letters a temporary UPN may end in (vigil's check
// letters).
const upnLetters = "ABCDEFGHJKLMNPQRTUVWXYZ"

// family is a household: a surname and the adults every child in it
// shares as contacts.
type family struct {
	surname  string
	contacts []mis.Contact
	children int
}

type gen struct {
	r        *rand.Rand
	upns     map[string]bool
	families []*family
	contacts int
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) surname() string {
	if g.chance(0.1) {
		return g.pick(oddSurnames)
	}
	return g.pick(surnameHeads) + g.pick(surnameTails)
}

// School returns a school of the given number of pupils, the same for
// the same seed. Up to 700 pupils it is a primary school (nursery to
// Year 6), otherwise a secondary with a sixth form. Every pupil is on
// roll; Ref is the row WriteCSV puts them on.
func School(seed int64, pupils int) *mis.Batch {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x5eed5c4001)), upns: map[string]bool{}}
	years := []string{"N1", "N2", "R", "1", "2", "3", "4", "5", "6"}
	if pupils > 700 {
		years = []string{"7", "8", "9", "10", "11", "12", "13"}
	}
	b := &mis.Batch{Source: mis.SourceCSV, Complete: true, StaffComplete: true}
	for i := range pupils {
		var p *mis.Pupil
		if i%200 == 199 {
			p = g.twin(b.Pupils[i-1], i)
		} else {
			p = g.pupil(i, years[g.r.IntN(len(years))])
		}
		b.Pupils = append(b.Pupils, p)
	}
	staff := max(1, pupils/15)
	codes, emails := map[string]bool{}, map[string]bool{}
	for i := range staff {
		b.Staff = append(b.Staff, g.staff(i, codes, emails))
	}
	return b
}

// pupil makes pupil i in year y, in a new family or, sometimes, as the
// brother or sister of an earlier pupil.
func (g *gen) pupil(i int, y string) *mis.Pupil {
	var fam *family
	if len(g.families) > 0 && g.chance(0.15) {
		if f := g.families[g.r.IntN(len(g.families))]; f.children < 3 {
			fam = f
		}
	}
	if fam == nil {
		fam = g.family()
	}
	fam.children++
	p := &mis.Pupil{
		Ref:          fmt.Sprintf("row %d", i+2),
		MISID:        fmt.Sprintf("%06d", 1000+i), // leading zeros: an id, not a number
		LegalSurname: fam.surname,
		YearGroup:    y,
		DateOfBirth:  g.birthday(y),
	}
	p.Sex, p.LegalForename = "F", g.pick(girls)
	if g.chance(0.5) {
		p.Sex, p.LegalForename = "M", g.pick(boys)
	}
	if g.chance(0.002) {
		p.Sex = "X"
	}
	if g.chance(0.3) {
		p.MiddleNames = g.pick(append(append([]string{}, girls...), boys...))
	}
	if g.chance(0.05) {
		p.PreferredForename = g.pick(nicknames)
	}
	if g.chance(0.02) {
		p.PreferredSurname = g.surname()
	}
	// Many nursery children have no UPN yet.
	if !(strings.HasPrefix(y, "N") && g.chance(0.4)) {
		p.UPN = g.upn(p.DateOfBirth)
	}
	p.RegGroup = regGroup(y, g.r.IntN(2))
	p.AdmissionDate = g.admission(y)
	for _, f := range []string{mis.FieldUPN, mis.FieldPreferred, mis.FieldSex, mis.FieldYearGroup, mis.FieldRegGroup, mis.FieldAdmission} {
		p.SetKnown(f)
	}
	sen := g.r.Float64()
	p.SetFlag(vigil.FlagSENSupport, sen < 0.12)
	p.SetFlag(vigil.FlagEHCP, sen >= 0.12 && sen < 0.15)
	fsm := g.chance(0.2)
	p.SetFlag(vigil.FlagFSM, fsm)
	p.SetFlag(vigil.FlagPupilPremium, fsm || g.chance(0.06))
	p.SetFlag(vigil.FlagLAC, g.chance(0.01))
	p.SetFlag(vigil.FlagEAL, g.chance(0.15))
	p.ContactsKnown = true
	p.Contacts = copyContacts(fam.contacts)
	return p
}

// twin makes the twin of p: same family, birthday, year and class, a
// different forename.
func (g *gen) twin(p *mis.Pupil, i int) *mis.Pupil {
	t := *p
	t.Ref = fmt.Sprintf("row %d", i+2)
	t.MISID = fmt.Sprintf("%06d", 1000+i)
	t.MiddleNames, t.PreferredForename, t.PreferredSurname = "", "", ""
	for t.LegalForename == p.LegalForename {
		t.Sex, t.LegalForename = "F", g.pick(girls)
		if g.chance(0.5) {
			t.Sex, t.LegalForename = "M", g.pick(boys)
		}
	}
	if p.UPN != "" {
		t.UPN = g.upn(p.DateOfBirth)
	}
	t.Known = map[string]bool{}
	for k, v := range p.Known {
		t.Known[k] = v
	}
	t.Flags = map[vigil.Flag]bool{}
	for k, v := range p.Flags {
		t.Flags[k] = v
	}
	t.Contacts = copyContacts(p.Contacts)
	return &t
}

func copyContacts(cs []mis.Contact) []mis.Contact {
	out := make([]mis.Contact, len(cs))
	for i, c := range cs {
		if c.ParentalResponsibility != nil {
			pr := *c.ParentalResponsibility
			c.ParentalResponsibility = &pr
		}
		out[i] = c
	}
	return out
}

// family makes a household with one to three adults.
func (g *gen) family() *family {
	f := &family{surname: g.surname()}
	n := 1 + g.r.IntN(3)
	// A comma and line breaks, as MIS address fields have them.
	home := fmt.Sprintf("%d %s, Flat %d\n%s\nZZ%d %d%c%c", 1+g.r.IntN(120), g.pick(streets), 1+g.r.IntN(9),
		g.pick(towns), 1+g.r.IntN(9), g.r.IntN(10), 'A'+rune(g.r.IntN(26)), 'A'+rune(g.r.IntN(26)))
	for k := range n {
		g.contacts++
		c := mis.Contact{
			MISID:    fmt.Sprintf("C%06d", g.contacts),
			Title:    g.pick(titles),
			Forename: g.pick(adults),
			Surname:  f.surname,
			Priority: k + 1,
		}
		if g.chance(0.25) {
			c.Surname = g.surname()
		}
		pr := true
		switch k {
		case 0:
			c.Relationship = g.pick(relations1)
		case 1:
			c.Relationship = g.pick(relations2)
			pr = c.Relationship == "Mother" || c.Relationship == "Father"
		default:
			c.Relationship, pr = g.pick(relations3), false
		}
		c.ParentalResponsibility = &pr
		c.Phone = fmt.Sprintf("07700 900%03d", g.r.IntN(1000)) // Ofcom's range for drama
		if g.chance(0.85) {
			c.Email = fmt.Sprintf("%s.%s%d@example.org", ascii(c.Forename), ascii(c.Surname), g.contacts)
		}
		if k == 0 || g.chance(0.5) {
			c.Address = home
		}
		f.contacts = append(f.contacts, c)
	}
	g.families = append(g.families, f)
	return f
}

// yearOffset is a year group's distance from Reception.
func yearOffset(y string) int {
	switch y {
	case "N1":
		return -2
	case "N2":
		return -1
	case "R":
		return 0
	}
	n := 0
	fmt.Sscan(y, &n)
	return n
}

// birthday returns a date of birth that fits year group y: a child in
// Reception in 2025/26 was born from 1 September 2020 to 31 August 2021.
func (g *gen) birthday(y string) vigil.Date {
	from := time.Date(schoolYearStart-5-yearOffset(y), time.September, 1, 0, 0, 0, 0, time.UTC)
	return vigil.DateOf(from.AddDate(0, 0, g.r.IntN(365)))
}

// admission returns the 1 September the pupil joined at the usual age,
// or for some a day mid-year, never after the reference date.
func (g *gen) admission(y string) vigil.Date {
	off := yearOffset(y)
	entry := 0 // Reception, or nursery for nursery pupils
	if off < 0 {
		entry = off
	} else if off >= 7 {
		entry = 7
	}
	start := schoolYearStart - (off - entry)
	if g.chance(0.1) {
		start = schoolYearStart - g.r.IntN(off-entry+1)
		return vigil.DateOf(time.Date(start, time.September, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1+g.r.IntN(180)))
	}
	return vigil.NewDate(start, time.September, 1)
}

// upn returns a new valid UPN: check letter, LA number, school number,
// two digits of the year it was issued and a serial; one in a hundred is
// temporary, ending in a letter.
func (g *gen) upn(dob vigil.Date) string {
	for {
		rest := fmt.Sprintf("%03d%04d%02d%03d", 800+g.r.IntN(200), 2000+g.r.IntN(6000), (dob.Time().Year()+4)%100, g.r.IntN(1000))
		if g.chance(0.01) {
			rest = rest[:11] + string(upnLetters[g.r.IntN(len(upnLetters))])
		}
		u := string(vigil.UPNCheckLetter(rest)) + rest
		if !g.upns[u] {
			g.upns[u] = true
			return u
		}
	}
}

func regGroup(y string, class int) string {
	if strings.HasPrefix(y, "N") {
		return y
	}
	return y + string("ABKL"[class])
}

// staff makes member of staff i with a unique code and email.
func (g *gen) staff(i int, codes, emails map[string]bool) *mis.Staff {
	job := jobs[g.r.IntN(len(jobs))]
	teaching := job.teaching
	s := &mis.Staff{
		Ref:      fmt.Sprintf("row %d", i+2),
		MISID:    fmt.Sprintf("E%05d", 100+i),
		Title:    g.pick(titles[:6]),
		Forename: g.pick(adults),
		Surname:  g.surname(),
		JobTitle: job.title,
		Teaching: &teaching,
		Current:  !g.chance(0.03),
	}
	code := strings.ToUpper(prefix(ascii(s.Forename), 1) + prefix(ascii(s.Surname), 2))
	for n := 2; codes[s.StaffCode] || s.StaffCode == ""; n++ {
		s.StaffCode = code
		if n > 2 {
			s.StaffCode = fmt.Sprintf("%s%d", code, n)
		}
	}
	codes[s.StaffCode] = true
	base := prefix(ascii(s.Forename), 1) + "." + ascii(s.Surname)
	for n := 1; s.Email == "" || emails[s.Email]; n++ {
		s.Email = base + "@school.example"
		if n > 1 {
			s.Email = fmt.Sprintf("%s%d@school.example", base, n)
		}
	}
	emails[s.Email] = true
	return s
}

// ascii folds a name for an email address: accents dropped, letters
// lower-cased, anything else left out.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
		case r == 'ø' || r == 'Ø':
			b.WriteRune('o')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// prefix returns the first n bytes of an ASCII string, or all of it.
func prefix(s string, n int) string { return s[:min(n, len(s))] }
