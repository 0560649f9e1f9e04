package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// The fixed seed makes every run in the same school year produce the same
// roll, so Seed can compare what it made with what is stored.
const seed1, seed2 = 0x5269766572736964, 1 // "Riversid"

// The roll: one class per year group, 200 pupils in all.
var (
	yearGroups = []string{"R", "1", "2", "3", "4", "5", "6"}
	classes    = []string{"R Wrens", "1 Robins", "2 Owls", "3 Kestrels", "4 Kingfishers", "5 Herons", "6 Falcons"}
	classSizes = []int{28, 29, 28, 29, 29, 28, 29}
)

// How many pupils on roll carry each flag: roughly national rates for a
// primary school, and a handful for the statutory ones.
const (
	nCPPlan       = 3
	nCIN          = 4
	nLAC          = 2
	nPLAC         = 2
	nEarlyHelp    = 8
	nYoungCarer   = 3
	nEHCP         = 4  // 2%
	nSENSupport   = 24 // 12%
	nFSM          = 40 // 20%
	nPupilPremium = 50 // 25%: every FSM, LAC and PLAC pupil and some ever-6
	nEAL          = 30 // 15%
	nPreferred    = 16 // 8% go by another forename
	nSurname      = 2  // go by their mother's surname
)

// leavers are the former pupils: the year group each left from, when in
// the previous school year, and where they went.
var leavers = []struct {
	yearGroup   string
	month       time.Month
	day         int
	destination string
}{
	{"2", time.October, 17, "Moved to Hillside Primary School"},
	{"5", time.December, 19, "Moved to St Anne's CofE Primary School, Northfield"},
	{"R", time.February, 13, "Elective home education"},
	{"4", time.March, 27, "Moved out of area: Brookvale Primary School"},
	{"1", time.May, 22, "Moved abroad"},
	{"3", time.July, 17, "Moved to Greenbank Community Primary School"},
}

// upnPrefix is the fictional LA number 999 and the school's establishment
// number.
const upnPrefix = "9992417"

// child is one generated pupil with their contacts.
type child struct {
	pupil    *vigil.Pupil
	contacts []*vigil.Contact

	father, mother *heritage // the mother's differs in a mixed family
	surname        string    // the father's family name, before any feminine form
	motherSurname  string    // set when the child lives with a mother who kept her own
}

// academicYear returns the calendar year in which the English school year
// holding d began, on 1 September.
func academicYear(d vigil.Date) int {
	t := d.Time()
	if t.Month() >= time.September {
		return t.Year()
	}
	return t.Year() - 1
}

// birthRange returns the first and last birthdays of a year group in the
// school year that began in September of year y: Reception children turn 5
// during it, Year 1 children 6, and so on.
func birthRange(y int, yearGroup string) (first, last vigil.Date) {
	k := indexOf(yearGroups, yearGroup)
	return vigil.NewDate(y-5-k, time.September, 1), vigil.NewDate(y-4-k, time.August, 31)
}

// roll generates the school's pupils and contacts for the school year that
// began in year y: 200 on roll in MIS id order, then the former pupils. Only
// the dates and UPNs depend on y.
func roll(y int) []*child {
	g := &generator{r: rand.New(rand.NewPCG(seed1, seed2)), emails: map[string]bool{}, pupilNames: map[string]bool{}}
	g.mobiles, g.landlines = g.r.Perm(1000), g.r.Perm(1000)
	g.socialWorkers = g.makeSocialWorkers()

	var kids []*child
	for k, yg := range yearGroups {
		for n := range classSizes[k] {
			c := g.child()
			p := c.pupil
			p.MISID = fmt.Sprintf("RPA%04d", len(kids)+1)
			p.YearGroup, p.RegGroup, p.OnRoll = yg, classes[k], true
			p.DateOfBirth = g.birthday(y, yg)
			p.UPN = upn(y-k, n+1)
			kids = append(kids, c)
		}
	}
	onRoll := len(kids)
	for j, l := range leavers {
		c := g.child()
		p := c.pupil
		k := indexOf(yearGroups, l.yearGroup)
		p.MISID = fmt.Sprintf("RPA%04d", len(kids)+1)
		p.YearGroup, p.RegGroup = l.yearGroup, classes[k]
		p.DateOfBirth = g.birthday(y-1, l.yearGroup)
		p.UPN = upn(y-1-k, 900+j+1)
		left := y // the spring and summer terms
		if l.month >= time.September {
			left = y - 1
		}
		p.LeftOn, p.Destination = vigil.NewDate(left, l.month, l.day), l.destination
		if g.r.IntN(5) == 0 {
			p.Flags[vigil.FlagFSM], p.Flags[vigil.FlagPupilPremium] = true, true
		}
		kids = append(kids, c)
	}

	g.flag(kids[:onRoll])
	for _, c := range kids {
		c.contacts = g.contacts(c)
	}
	g.preferNames(kids[:onRoll])
	return kids
}

// upn returns a valid UPN for the serial'th pupil given one in the year
// allocated.
func upn(allocated, serial int) string {
	rest := fmt.Sprintf("%s%02d%03d", upnPrefix, allocated%100, serial)
	return string(vigil.UPNCheckLetter(rest)) + rest
}

// generator draws everything from one seeded source, in a fixed order.
type generator struct {
	r                  *rand.Rand
	mobiles, landlines []int // shuffled, handed out in turn so none repeats
	nMobile, nLandline int
	emails             map[string]bool // given out already
	pupilNames         map[string]bool // legal names given out already
	socialWorkers      []*vigil.Contact
	nSocialWorker      int
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) percent(n int) bool { return g.r.IntN(100) < n }

// heritage picks a family background by weight.
func (g *generator) heritage() *heritage {
	total := 0
	for _, h := range heritages {
		total += h.weight
	}
	n := g.r.IntN(total)
	for i := range heritages {
		if n < heritages[i].weight {
			return &heritages[i]
		}
		n -= heritages[i].weight
	}
	return &heritages[0]
}

// child makes a pupil's names and sex; roll fills in the rest. No two
// pupils share a legal name, so the demo never needs telling apart by date
// of birth.
func (g *generator) child() *child {
	for {
		c := &child{father: g.heritage()}
		c.mother = c.father
		if g.percent(12) {
			c.mother = g.heritage()
		}
		c.surname = g.pick(c.father.family)
		p := &vigil.Pupil{Sex: "M", Flags: vigil.PupilFlags{}}
		if g.percent(50) {
			p.Sex = "F"
		}
		named := c.father
		if g.percent(50) {
			named = c.mother
		}
		if p.Sex == "F" {
			p.LegalForename = g.pick(named.girls)
			p.LegalSurname = feminine(c.father, c.surname, false)
		} else {
			p.LegalForename = g.pick(named.boys)
			p.LegalSurname = c.surname
		}
		if !g.pupilNames[p.LegalName()] {
			g.pupilNames[p.LegalName()] = true
			c.pupil = p
			return c
		}
	}
}

// feminine returns the form of a family name a woman (wife) or girl uses,
// where the family's language marks it.
func feminine(h *heritage, name string, wife bool) string {
	switch {
	case h.feminine == "pl" && strings.HasSuffix(name, "ki"):
		return strings.TrimSuffix(name, "i") + "a"
	case h.feminine == "lt" && strings.HasSuffix(name, "as") && wife:
		return strings.TrimSuffix(name, "as") + "ienė"
	case h.feminine == "lt" && strings.HasSuffix(name, "as"):
		return strings.TrimSuffix(name, "as") + "aitė"
	}
	return name
}

// birthday returns a date of birth for the year group in the school year
// that began in y. Every draw takes the same randomness, so the names drawn
// after it do not depend on y.
func (g *generator) birthday(y int, yearGroup string) vigil.Date {
	first, last := birthRange(y, yearGroup)
	d := first.Time().AddDate(0, 0, g.r.IntN(366))
	if d.After(last.Time()) {
		d = last.Time()
	}
	return vigil.DateOf(d)
}

// flag sets the vulnerable-group flags on the pupils on roll. The statutory
// groups do not overlap; free school meals follow need.
func (g *generator) flag(kids []*child) {
	order := g.r.Perm(len(kids))
	next := 0
	take := func(n int, f vigil.Flag) {
		for _, i := range order[next : next+n] {
			kids[i].pupil.Flags[f] = true
		}
		next += n
	}
	take(nCPPlan, vigil.FlagCPPlan)
	take(nCIN, vigil.FlagCIN)
	take(nLAC, vigil.FlagLAC)
	take(nPLAC, vigil.FlagPLAC)
	take(nEarlyHelp, vigil.FlagEarlyHelp)
	take(nYoungCarer, vigil.FlagYoungCarer)

	order = g.r.Perm(len(kids))
	for j, i := range order[:nEHCP+nSENSupport] {
		if j < nEHCP {
			kids[i].pupil.Flags[vigil.FlagEHCP] = true
		} else {
			kids[i].pupil.Flags[vigil.FlagSENSupport] = true
		}
	}

	// Children with a child protection or child in need plan first, then
	// others; looked-after children are funded through pupil premium plus.
	fsm := 0
	for _, c := range kids {
		if c.pupil.Flags[vigil.FlagCPPlan] || c.pupil.Flags[vigil.FlagCIN] {
			c.pupil.Flags[vigil.FlagFSM] = true
			fsm++
		}
	}
	pp := 0
	for _, i := range g.r.Perm(len(kids)) {
		f := kids[i].pupil.Flags
		switch {
		case f[vigil.FlagLAC] || f[vigil.FlagPLAC] || f[vigil.FlagFSM]:
		case fsm < nFSM:
			f[vigil.FlagFSM] = true
			fsm++
		case pp < nPupilPremium-nFSM-nLAC-nPLAC:
			f[vigil.FlagPupilPremium] = true // free meals in the last six years
			pp++
		}
	}
	for _, c := range kids {
		f := c.pupil.Flags
		if f[vigil.FlagFSM] || f[vigil.FlagLAC] || f[vigil.FlagPLAC] {
			f[vigil.FlagPupilPremium] = true
		}
	}

	// English as an additional language among families likely to speak
	// another language at home, then among anyone if that is too few.
	eal := 0
	for _, likely := range []bool{true, false} {
		for _, i := range g.r.Perm(len(kids)) {
			c := kids[i]
			if eal < nEAL && !c.pupil.Flags[vigil.FlagEAL] && (c.father.eal || c.mother.eal || !likely) {
				c.pupil.Flags[vigil.FlagEAL] = true
				eal++
			}
		}
	}
}

// preferNames gives some pupils on roll the short or chosen forename they go
// by, and a couple the surname of the mother they live with.
func (g *generator) preferNames(kids []*child) {
	n := 0
	for _, i := range g.r.Perm(len(kids)) {
		p := kids[i].pupil
		if short := shortNames[p.LegalForename]; short != "" && n < nPreferred {
			p.PreferredForename = short
			n++
		}
	}
	n = 0
	for _, i := range g.r.Perm(len(kids)) {
		c := kids[i]
		if n < nSurname && c.motherSurname != "" && c.motherSurname != c.pupil.LegalSurname && c.mother.feminine == "" {
			c.pupil.PreferredSurname = c.motherSurname
			n++
		}
	}
}

// contacts makes a pupil's contacts in priority order.
func (g *generator) contacts(c *child) []*vigil.Contact {
	f := c.pupil.Flags
	var cs []*vigil.Contact
	switch {
	case f[vigil.FlagLAC]:
		h := g.heritage()
		cs = append(cs, g.adult(h, true, feminine(h, g.pick(h.family), true), "Foster carer", false, g.address(), 100))
		cs = append(cs, g.socialWorker())
	case f[vigil.FlagPLAC] && g.percent(50): // adopted: the adopters have parental responsibility
		home := g.address()
		cs = append(cs, g.adult(c.mother, true, feminine(c.father, c.surname, true), "Mother", true, home, 90))
		cs = append(cs, g.adult(c.father, false, c.surname, "Father", true, home, 90))
	case f[vigil.FlagPLAC]: // a special guardianship order
		cs = append(cs, g.adult(c.mother, true, feminine(c.mother, g.pick(c.mother.family), true), "Grandparent", true, g.address(), 60))
	default:
		cs = g.family(c)
		if f[vigil.FlagCPPlan] || f[vigil.FlagCIN] { // the plan names a social worker
			cs = append(cs[:min(len(cs), 2)], g.socialWorker())
		}
	}
	for i, ct := range cs {
		ct.Priority = i + 1
	}
	return cs
}

// family makes the contacts of a child living with one or both parents.
func (g *generator) family(c *child) []*vigil.Contact {
	home := g.address()
	married := feminine(c.father, c.surname, true)
	own := feminine(c.mother, g.pick(c.mother.family), true)
	mother := func(shared int) *vigil.Contact {
		if g.percent(shared) {
			return g.adult(c.mother, true, married, "Mother", true, home, 85)
		}
		c.motherSurname = own
		return g.adult(c.mother, true, own, "Mother", true, home, 85)
	}
	switch n := g.r.IntN(100); {
	case n < 50: // both parents at home, perhaps a grandparent too
		cs := []*vigil.Contact{mother(75), g.adult(c.father, false, c.surname, "Father", true, home, 80)}
		if g.percent(25) {
			cs = append(cs, g.grandparent(c.mother))
		}
		return cs
	case n < 68: // parents apart; the child lives with their mother
		return []*vigil.Contact{mother(30), g.adult(c.father, false, c.surname, "Father", true, g.address(), 75)}
	case n < 80:
		return []*vigil.Contact{mother(50), g.grandparent(c.mother)}
	case n < 86: // with their father, an aunt nearby
		return []*vigil.Contact{
			g.adult(c.father, false, c.surname, "Father", true, home, 80),
			g.adult(c.father, true, feminine(c.father, g.pick(c.father.family), true), "Aunt", false, g.address(), 60),
		}
	case n < 93:
		return []*vigil.Contact{mother(50)}
	default: // the mother's partner cares for the child too
		h := g.heritage()
		return []*vigil.Contact{mother(40), g.adult(h, false, g.pick(h.family), "Carer", false, home, 50)}
	}
}

func (g *generator) grandparent(h *heritage) *vigil.Contact {
	woman := g.percent(70)
	surname := g.pick(h.family)
	if woman {
		surname = feminine(h, surname, true)
	}
	ct := g.adult(h, woman, surname, "Grandparent", false, g.address(), 30)
	if g.percent(50) {
		ct.Phone = g.landline()
	}
	return ct
}

// adult makes a contact with a mobile number and, emailPct times in 100, an
// email address.
func (g *generator) adult(h *heritage, woman bool, surname, relationship string, pr bool, address string, emailPct int) *vigil.Contact {
	forename := g.pick(h.men)
	if woman {
		forename = g.pick(h.women)
	}
	ct := &vigil.Contact{
		Name:                   forename + " " + surname,
		Relationship:           relationship,
		ParentalResponsibility: pr,
		Phone:                  g.mobile(),
		Address:                address,
	}
	if g.percent(emailPct) {
		domain := "example.com"
		if g.percent(20) {
			domain = "example.org"
		}
		ct.Email = g.email(forename, surname, domain)
	}
	return ct
}

// makeSocialWorkers returns the borough's social workers who work with the
// school's families; each child with a plan has one of them.
func (g *generator) makeSocialWorkers() []*vigil.Contact {
	var out []*vigil.Contact
	for _, name := range []string{"Hannah Okoro", "Mark Fenwick", "Priti Deshmukh", "Callum Rowe"} {
		first, last, _ := strings.Cut(name, " ")
		out = append(out, &vigil.Contact{
			Name:         name,
			Relationship: "Social worker",
			Phone:        g.landline(),
			Email:        g.email(first, last, "example.org"),
			Address:      "Children's Services, Civic Centre, Riverside RV1 1AA",
		})
	}
	return out
}

// socialWorker returns a copy of the next social worker in turn.
func (g *generator) socialWorker() *vigil.Contact {
	sw := *g.socialWorkers[g.nSocialWorker%len(g.socialWorkers)]
	g.nSocialWorker++
	return &sw
}

// mobile returns the next unused number in Ofcom's range for drama,
// 07700 900000 to 900999.
func (g *generator) mobile() string {
	n := g.mobiles[g.nMobile%len(g.mobiles)]
	g.nMobile++
	return fmt.Sprintf("07700 900%03d", n)
}

// landline returns the next unused number in Ofcom's range for drama,
// 01632 960000 to 960999.
func (g *generator) landline() string {
	n := g.landlines[g.nLandline%len(g.landlines)]
	g.nLandline++
	return fmt.Sprintf("01632 960%03d", n)
}

// email returns an address not yet given out: forename.surname, then
// forename.surname2 and so on.
func (g *generator) email(forename, surname, domain string) string {
	base := ascii(forename) + "." + ascii(surname)
	e := base + "@" + domain
	for n := 2; g.emails[e]; n++ {
		e = fmt.Sprintf("%s%d@%s", base, n, domain)
	}
	g.emails[e] = true
	return e
}

// postcodeLetters are the letters a UK postcode's last two places may hold.
const postcodeLetters = "ABDEFGHJLNPQRSTUWXYZ"

// address returns a home in Riverside, whose RV postcodes are invented.
func (g *generator) address() string {
	return fmt.Sprintf("%d %s, Riverside RV%d %d%c%c", 1+g.r.IntN(140), g.pick(streets), 1+g.r.IntN(9), g.r.IntN(10),
		postcodeLetters[g.r.IntN(len(postcodeLetters))], postcodeLetters[g.r.IntN(len(postcodeLetters))])
}

// asciiLetters spells the accented letters in the name lists without accents,
// for email addresses.
var asciiLetters = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ã': "a", 'ą': "a", 'ă': "a", 'ć': "c", 'ç': "c", 'é': "e", 'ê': "e", 'ę': "e",
	'ė': "e", 'ğ': "g", 'í': "i", 'ı': "i", 'ł': "l", 'ń': "n", 'ó': "o", 'ö': "o", 'ś': "s", 'ş': "s", 'ș': "s",
	'ț': "t", 'ú': "u", 'ü': "u", 'ū': "u", 'ź': "z", 'ż': "z", 'ž': "z",
}

// ascii lowercases a name and keeps only its letters, unaccented:
// "Şahin" becomes "sahin", "O'Donnell" "odonnell", "Zi Han" "zihan".
func ascii(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case asciiLetters[r] != "":
			b.WriteString(asciiLetters[r])
		}
	}
	return b.String()
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
