package ctf

import (
	"encoding/xml"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// node is one kept element of a pupil or the header. Pupils are read into
// a small tree first because MIS vendors nest some parts differently
// (mis.md §4): the lookups below search the tree rather than expect one
// path.
type node struct {
	name     string
	text     string // trimmed
	children []*node
	used     bool // read by the extraction, so not listed as ignored
}

// kept names the elements inside a Pupil that Vigil reads, wherever they
// are. Any other element is skipped unread (attendance, assessments,
// school history, ethnicity...) and listed in the batch's Ignored.
var kept = map[string]bool{
	"UPN": true, "Surname": true, "Forename": true, "DOB": true, "Sex": true, "Gender": true,
	"LegalSurname": true, "LegalForename": true,
	"BasicDetails": true, "FormerUPN": true, "FormerUPNs": true, "MiddleNames": true,
	"PreferredSurname": true, "PreferredForename": true, "NCyearActual": true,
	"Languages": true, "Type": true, "LanguageType": true, "Language": true, "FirstLanguage": true,
	"LookedAfter": true, "InCare": true,
	"FSMhistory": true, "FSMinstance": true, "FSMstartDate": true, "FSMendDate": true,
	"SENhistory": true, "SEN": true, "StartDate": true, "SENprovision": true,
	"Contacts": true, "Contact": true, "Order": true, "Title": true, "Relationship": true,
	"Responsibility": true, "Email": true, "Phones": true, "Phone": true, "PhoneNo": true,
	"Address": true, "AddressAsPupil": true,
}

// tree reads the element just started into a node. Inside an Address, or
// when all is set, every element is kept; otherwise only kept names are.
// budget counts down the elements kept; below zero, the rest are skipped.
func (rd *reader) tree(name string, all bool, budget *int) (*node, error) {
	n := &node{name: name}
	var text []byte
	for {
		t, err := rd.token()
		if err != nil {
			return nil, eofInside(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			child := t.Name.Local
			if *budget--; *budget < 0 {
				if err := rd.skip(); err != nil {
					return nil, err
				}
				continue
			}
			if !all && !kept[child] {
				// Kept as a name only, so it is listed as ignored.
				n.children = append(n.children, &node{name: child})
				if err := rd.skip(); err != nil {
					return nil, err
				}
				continue
			}
			c, err := rd.tree(child, all || child == "Address", budget)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, c)
		case xml.CharData:
			if len(text)+len(t) > maxText {
				return nil, &fileProblem{msg: msgText}
			}
			text = append(text, t...)
		case xml.EndElement:
			n.text = strings.TrimSpace(string(text))
			return n, nil
		}
	}
}

// child returns the first child with one of the names, marked used.
func (n *node) child(names ...string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		for _, name := range names {
			if c.name == name {
				c.used = true
				return c
			}
		}
	}
	return nil
}

// find returns the first element below n with the name, depth first,
// marking it and the elements on the way to it used.
func (n *node) find(name string) *node {
	all := n.findAll(name)
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

// findAll returns every element below n with the name, in document order,
// marking them and the elements on the way to them used. It does not
// look inside a match.
func (n *node) findAll(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			c.used = true
			out = append(out, c)
			continue
		}
		if below := c.findAll(name); len(below) > 0 {
			c.used = true
			out = append(out, below...)
		}
	}
	return out
}

// value returns the text of the first child with one of the names, and
// whether there is one.
func (n *node) value(names ...string) (string, bool) {
	c := n.child(names...)
	if c == nil {
		return "", false
	}
	return c.text, true
}

// ignoreUnused lists the elements below n that nothing read.
func (rd *reader) ignoreUnused(n *node, path string) {
	for _, c := range n.children {
		p := path + "/" + c.name
		if !c.used {
			rd.ignore(p)
		} else if c.name != "Address" { // an address is read whole
			rd.ignoreUnused(c, p)
		}
	}
}

// readHeader takes the header's values. They are codes and school names,
// not pupils' data, but still checked as text.
func (rd *reader) readHeader(n *node) *Header {
	text := func(parent *node, names ...string) string {
		v, _ := parent.value(names...)
		v = strings.Join(strings.Fields(v), " ")
		if strings.ContainsFunc(v, unicode.IsControl) || utf8.RuneCountInString(v) > 200 {
			rd.probs.Add("header", names[0], "This is not a plausible value.")
			return ""
		}
		return v
	}
	school := func(name string) School {
		s := n.child(name)
		return School{
			LEA:          text(s, "LEA"),
			Estab:        text(s, "Estab"),
			URN:          text(s, "URN"),
			Name:         text(s, "SchoolName", "Name"),
			AcademicYear: text(s, "AcademicYear"),
		}
	}
	n.child("DocumentName") // used: it says what the file is, nothing more
	h := &Header{
		Version:    text(n, "CTFversion"),
		DateTime:   text(n, "DateTime"),
		Qualifier:  text(n, "DocumentQualifier"),
		SupplierID: text(n, "SupplierID"),
		Source:     school("SourceSchool"),
		Dest:       school("DestSchool"),
	}
	rd.ignoreUnused(n, "Header")
	return h
}

// pupilReader collects one pupil's problems.
type pupilReader struct {
	rd  *reader
	ref string
	bad bool
}

func (pr *pupilReader) problem(column, format string, args ...any) {
	pr.rd.probs.Add(pr.ref, column, format, args...)
	pr.bad = true
}

// readPupil turns a Pupil element into a mis.Pupil, or nil when it has
// problems (all of which are recorded).
func (rd *reader) readPupil(ref string, n *node) *mis.Pupil {
	pr := &pupilReader{rd: rd, ref: ref}
	bd := n.child("BasicDetails")
	// get finds an element directly in Pupil or, as some MIS write it, in
	// BasicDetails.
	get := func(names ...string) (string, bool) {
		if v, ok := n.value(names...); ok {
			return v, ok
		}
		return bd.value(names...)
	}
	p := &mis.Pupil{Ref: ref}

	upn, _ := get("UPN")
	p.UPN = strings.ToUpper(upn)
	switch {
	case p.UPN == "":
		pr.problem("UPN", "The UPN is missing; pupils in a CTF are matched by UPN.")
	case vigil.CheckUPN(p.UPN) != "":
		pr.problem("UPN", "%s", vigil.CheckUPN(p.UPN))
	case rd.upns[p.UPN] != "":
		pr.problem("UPN", "The same UPN is on %s.", rd.upns[p.UPN])
	default:
		rd.upns[p.UPN] = ref
		p.SetKnown(mis.FieldUPN)
	}
	for _, f := range n.findAll("FormerUPN") {
		former := strings.ToUpper(f.text)
		if former == "" || former == p.UPN || contains(p.FormerUPNs, former) {
			continue
		}
		if msg := vigil.CheckUPN(former); msg != "" {
			pr.problem("FormerUPN", "%s", msg)
			continue
		}
		p.FormerUPNs = append(p.FormerUPNs, former)
	}

	surname, _ := get("Surname", "LegalSurname")
	forename, _ := get("Forename", "LegalForename")
	p.LegalSurname = pr.name("Surname", surname, true)
	p.LegalForename = pr.name("Forename", forename, true)
	ps, hasPS := get("PreferredSurname")
	pf, hasPF := get("PreferredForename")
	if hasPS || hasPF {
		p.PreferredSurname = pr.name("PreferredSurname", ps, false)
		p.PreferredForename = pr.name("PreferredForename", pf, false)
		p.SetKnown(mis.FieldPreferred)
	}
	if mn, ok := get("MiddleNames"); ok {
		p.MiddleNames = pr.name("MiddleNames", mn, false)
	}

	dob, _ := get("DOB")
	switch d, ok := parseDate(dob); {
	case dob == "":
		pr.problem("DOB", "The date of birth is missing.")
	case !ok:
		pr.problem("DOB", "The date of birth is not a date in the form YYYY-MM-DD.")
	case d.Time().Year() < 1990 || d.After(rd.opt.Today):
		pr.problem("DOB", "The date of birth is not plausible for a pupil.")
	default:
		p.DateOfBirth = d
	}

	if s, ok := get("Sex", "Gender"); ok {
		switch sex, known, valid := sexCode(s); {
		case !valid:
			pr.problem("Sex", "Sex must be M or F.")
		case known:
			p.Sex = sex
			p.SetKnown(mis.FieldSex)
		}
	}
	if y, ok := get("NCyearActual"); ok {
		if yg, valid := yearGroup(y); valid {
			p.YearGroup = yg
			p.SetKnown(mis.FieldYearGroup)
		} else {
			pr.problem("NCyearActual", "The year group is not N1, N2, R, 1 to 14 or X.")
		}
	}

	pr.language(n, p)
	if c := n.find("InCare"); c != nil {
		if b, ok := parseBool(c.text); !ok {
			pr.problem("InCare", "InCare must be true or false.")
		} else if b != nil {
			p.SetFlag(vigil.FlagLAC, *b)
		}
	}
	n.child("LookedAfter") // read through InCare; CareAuthority is ignored
	pr.fsm(n, p)
	pr.sen(n, p)
	pr.contacts(n, p)

	if pr.bad {
		return nil
	}
	return p
}

// name checks a name: trimmed, spaces collapsed, at most 100 characters,
// no control characters.
func (pr *pupilReader) name(column, s string, required bool) string {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "" && required:
		pr.problem(column, "This name is missing.")
	case utf8.RuneCountInString(s) > 100:
		pr.problem(column, "This name is longer than 100 characters.")
	case strings.ContainsFunc(s, unicode.IsControl):
		pr.problem(column, "This name contains control characters.")
	default:
		return s
	}
	return ""
}

// language sets the EAL flag from the first language: English (ENG, or
// ENB "believed to be English") clears it; NOT (not obtained) and REF
// (refused) leave it unknown; any other DfE code sets it.
func (pr *pupilReader) language(n *node, p *mis.Pupil) {
	code, found := "", false
	for _, f := range n.findAll("FirstLanguage") {
		code, found = f.text, true
	}
	for _, ls := range n.findAll("Languages") {
		groups := ls.findAll("Type")
		if len(groups) == 0 || len(groups[0].children) == 0 {
			groups = []*node{ls} // flat: Languages{Type|LanguageType, Language}
		}
		for _, g := range groups {
			typ, _ := g.value("LanguageType", "Type")
			lang, ok := g.value("Language", "LanguageCode")
			// F is first language; a lone language with no type is taken
			// as the first.
			if t := strings.ToUpper(typ); ok && !found && (t == "" || t == "F" || t == "FIR" || t == "FIRST") {
				code, found = lang, true
			}
		}
	}
	if !found {
		return
	}
	switch code = strings.ToUpper(code); {
	case code == "" || code == "NOT" || code == "REF":
	case code == "ENG" || code == "ENB":
		p.SetFlag(vigil.FlagEAL, false)
	case isLanguageCode(code):
		p.SetFlag(vigil.FlagEAL, true)
	default:
		pr.problem("Language", "The first language is not a DfE language code.")
	}
}

// fsm sets the FSM flag when the pupil has an FSM history: true when an
// instance has started and has not ended by today (no end date, or one
// after today), false otherwise.
func (pr *pupilReader) fsm(n *node, p *mis.Pupil) {
	h := n.find("FSMhistory")
	if h == nil {
		return
	}
	current := false
	for _, in := range h.findAll("FSMinstance") {
		start, ok1 := pr.date(in, "FSMstartDate")
		end, ok2 := pr.date(in, "FSMendDate")
		if ok1 && ok2 && !start.After(pr.rd.opt.Today) && (end.IsZero() || end.After(pr.rd.opt.Today)) {
			current = true
		}
	}
	p.SetFlag(vigil.FlagFSM, current)
}

// sen sets the SEN support and EHCP flags from the latest SEN record by
// StartDate (a later record in the file wins a tie): K is SEN support, E
// an EHC plan, N neither. Legacy A and P are read as K, S as E.
func (pr *pupilReader) sen(n *node, p *mis.Pupil) {
	var latest string
	var latestDate vigil.Date
	found := false
	// SEN records are SENhistory/SEN; some MIS put SENprovision straight
	// in Pupil or BasicDetails.
	for _, m := range append([]*node{n, n.child("BasicDetails")}, n.findAll("SEN")...) {
		c := m.child("SENprovision")
		if c == nil || c.text == "" {
			continue
		}
		d, ok := pr.date(m, "StartDate")
		if ok && (!found || !d.Before(latestDate)) {
			latest, latestDate, found = strings.ToUpper(c.text), d, true
		}
	}
	if !found {
		return
	}
	switch latest {
	case "N":
		p.SetFlag(vigil.FlagSENSupport, false)
		p.SetFlag(vigil.FlagEHCP, false)
	case "K", "A", "P":
		p.SetFlag(vigil.FlagSENSupport, true)
		p.SetFlag(vigil.FlagEHCP, false)
	case "E", "S":
		p.SetFlag(vigil.FlagSENSupport, false)
		p.SetFlag(vigil.FlagEHCP, true)
	default:
		pr.problem("SENprovision", "SEN provision must be N, K or E.")
	}
}

// date reads an optional date child; ok is false (and a problem noted)
// when it is there but not a date.
func (pr *pupilReader) date(n *node, name string) (vigil.Date, bool) {
	s, _ := n.value(name)
	if s == "" {
		return vigil.Date{}, true
	}
	d, ok := parseDate(s)
	if !ok {
		pr.problem(name, "This is not a date in the form YYYY-MM-DD.")
	}
	return d, ok
}

// contacts reads Contacts/Contact, in priority order.
func (pr *pupilReader) contacts(n *node, p *mis.Pupil) {
	cs := n.find("Contacts")
	if cs == nil {
		return
	}
	p.ContactsKnown = true
	for i, cn := range cs.findAll("Contact") {
		col := "Contact " + strconv.Itoa(i+1) + " "
		c := mis.Contact{}
		if o, _ := cn.value("Order"); o != "" {
			if v, err := strconv.Atoi(o); err == nil && v >= 1 && v <= 99 {
				c.Priority = v
			} else {
				pr.problem(col+"Order", "The order must be a number from 1 to 99.")
			}
		}
		title, _ := cn.value("Title")
		forename, _ := cn.value("Forename")
		surname, _ := cn.value("Surname")
		c.Title = pr.name(col+"Title", title, false)
		c.Forename = pr.name(col+"Forename", forename, false)
		c.Surname = pr.name(col+"Surname", surname, true)
		if utf8.RuneCountInString(c.Name()) > 200 {
			pr.problem(col+"Surname", "The contact's whole name is longer than 200 characters.")
		}
		rel, _ := cn.value("Relationship")
		if utf8.RuneCountInString(rel) > 60 || strings.ContainsFunc(rel, unicode.IsControl) {
			pr.problem(col+"Relationship", "The relationship is not a plausible value.")
		} else {
			c.Relationship = rel
		}
		if r, _ := cn.value("Responsibility"); r != "" {
			if b, ok := parseBool(r); ok {
				c.ParentalResponsibility = b
			} else {
				pr.problem(col+"Responsibility", "Responsibility must be true or false.")
			}
		}
		if e, _ := cn.value("Email"); e != "" {
			e = vigil.NormalizeEmail(e)
			if msg := vigil.ValidateEmail(e); msg != "" {
				pr.problem(col+"Email", "%s", msg)
			} else {
				c.Email = e
			}
		}
		for _, ph := range cn.findAll("PhoneNo") {
			if ph.text == "" {
				continue
			}
			if !isPhone(ph.text) {
				pr.problem(col+"PhoneNo", "A phone number holds digits, spaces and + ( ) - only, at most 40.")
			} else {
				c.Phone = ph.text
			}
			break
		}
		cn.child("Phones")
		if a := cn.find("Address"); a != nil {
			c.Address = pr.address(col+"Address", a)
		} else if as := cn.find("AddressAsPupil"); as != nil {
			if b, ok := parseBool(as.text); as.text == "" || ok && b != nil && *b {
				c.Address = SameAsPupil
			}
		}
		p.Contacts = append(p.Contacts, c)
	}
	// Priority order; a contact with no Order goes after those with one.
	sort.SliceStable(p.Contacts, func(i, j int) bool {
		a, b := p.Contacts[i].Priority, p.Contacts[j].Priority
		return a != 0 && (b == 0 || a < b)
	})
}

// SameAsPupil is a contact's address when the CTF says it is the pupil's.
const SameAsPupil = "same as pupil"

// addressSkip are address parts that are not lines of the address.
var addressSkip = map[string]bool{
	"Easting": true, "Northing": true, "UniquePropertyReferenceNumber": true, "UPRN": true,
	"AddressAsPupil": true, "Country": true,
}

// address turns a contact's Address into lines, however it is nested
// (BS7666 parts, AddressLines, or plain lines), ending with the
// postcode. A building number (PAON) shares a line with its street.
func (pr *pupilReader) address(column string, a *node) string {
	if as := a.find("AddressAsPupil"); as != nil {
		if b, ok := parseBool(as.text); as.text == "" || ok && b != nil && *b {
			return SameAsPupil
		}
	}
	var lines []string
	prevPAON := false
	var walk func(*node)
	walk = func(m *node) {
		for _, c := range m.children {
			if addressSkip[c.name] {
				continue
			}
			if len(c.children) > 0 {
				walk(c)
				continue
			}
			if v := strings.Join(strings.Fields(c.text), " "); v != "" {
				if prevPAON && c.name == "Street" {
					lines[len(lines)-1] += " " + v
				} else {
					lines = append(lines, v)
				}
				prevPAON = c.name == "PAON"
			}
		}
	}
	walk(a)
	s := strings.Join(lines, "\n")
	if utf8.RuneCountInString(s) > 500 || strings.ContainsFunc(strings.ReplaceAll(s, "\n", ""), unicode.IsControl) {
		pr.problem(column, "The address is longer than 500 characters or holds control characters.")
		return ""
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
