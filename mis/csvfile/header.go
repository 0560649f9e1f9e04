package csvfile

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil/mis"
)

// field is what a column gives.
type field int

const (
	fNone field = iota
	fMISID
	fUPN
	fFormerUPN
	fSurname
	fForename
	fPrefForename
	fPrefSurname
	fMiddle
	fDOB
	fSex
	fYear
	fReg
	fSEN
	fFSM
	fPP
	fLAC
	fPLAC
	fEAL
	fFirstLang
	fAdmission
	fLeaving
	fDestination
	// fUnused is a column we know but do not store (FSM Ever 6, a pupil's
	// name in a contacts file); it goes in Batch.Ignored.
	fUnused
	// Contacts files.
	fPupilMISID
	fPupilUPN
	fContactID
	fTitle
	fRelationship
	fEmail
	fMobile
	fTelephone
	fPR
	fPriority
	fAddress
	// Staff files.
	fStaffCode
	fJobTitle
	fTeaching
	fCurrent
	numFields
)

// fieldTitles name fields in messages.
var fieldTitles = [numFields]string{
	fMISID: "admission number (MIS id)", fUPN: "UPN", fFormerUPN: "former UPN",
	fSurname: "surname", fForename: "forename", fPrefForename: "preferred forename",
	fPrefSurname: "preferred surname", fMiddle: "middle names", fDOB: "date of birth",
	fSex: "sex", fYear: "year group", fReg: "registration group", fSEN: "SEN status",
	fFSM: "free school meals flag", fPP: "pupil premium flag", fLAC: "looked after flag",
	fPLAC: "previously looked after flag", fEAL: "EAL flag", fFirstLang: "first language",
	fAdmission: "admission date", fLeaving: "leaving date", fDestination: "destination",
	fPupilMISID: "pupil's admission number (MIS id)", fPupilUPN: "pupil's UPN",
	fContactID: "contact id", fTitle: "title", fRelationship: "relationship", fEmail: "email",
	fMobile: "mobile", fTelephone: "telephone", fPR: "parental responsibility",
	fPriority: "priority", fAddress: "address", fStaffCode: "staff code",
	fJobTitle: "job title", fTeaching: "teaching flag", fCurrent: "current (employed) flag",
}

// The kinds of export.
const (
	KindPupils   = "pupils"
	KindContacts = "contacts"
	KindStaff    = "staff"
)

// A table is the headers one kind of export may have. Aliases are as
// publishers and third parties name the columns (reference/mis.md §2);
// they match ignoring case, spaces, dots, underscores and hyphens.
type table struct {
	kind    string
	aliases map[string]field
	// slots is true when "Contact N Forename" and the like (N 1 to 9)
	// give the pupil's contacts.
	slots bool
	// required lists the fields a file of this kind must have; a row of
	// several means any one of them.
	required [][]field
}

var pupilAliases = map[field][]string{
	fMISID:        {"Admission Number", "Admission No", "Adno", "Person ID", "Pupil ID", "Student ID", "MIS ID"},
	fUPN:          {"UPN", "Unique Pupil Number"},
	fFormerUPN:    {"Former UPN"},
	fSurname:      {"Surname", "Last Name", "Legal Surname", "Legal Last Name", "Family Name"},
	fForename:     {"Forename", "First Name", "Legal Forename", "Legal First Name", "Given Name"},
	fPrefForename: {"Preferred Forename", "Preferred Firstname", "Preferred First Name", "Known As"},
	fPrefSurname:  {"Preferred Surname", "Preferred Last Name"},
	fMiddle:       {"Middle Names", "Middle Name", "Middle Name(s)"},
	fDOB:          {"Date of Birth", "DOB", "Birth Date"},
	fSex:          {"Gender", "Sex"},
	fYear:         {"Year Group", "NC Year Actual", "Curriculum Year", "NC Year", "Year"},
	fReg:          {"Reg Group", "Registration Group", "Registration Form", "Tutor Group", "Form", "Form Group"},
	fSEN:          {"SEN Status", "SEN Provision", "SEN"},
	fFSM:          {"FSM", "Free School Meal Status", "Free School Meals", "FSM Eligible"},
	fPP:           {"Pupil Premium Indicator", "Pupil Premium", "PP"},
	fLAC:          {"Looked After", "CLA", "LAC", "In Care", "Child Looked After"},
	fPLAC:         {"Previously Looked After", "PLAC", "Ever in Care"},
	fEAL:          {"EAL", "English as an Additional Language"},
	fFirstLang:    {"First Language"},
	fAdmission:    {"Admission Date", "Entry Date", "Date of Admission"},
	fLeaving:      {"Leaving Date", "Date of Leaving", "Leave Date"},
	fDestination:  {"Destination", "Leaving Destination"},
	// FSM Ever 6 is not FSM now, and Vigil has no flag for it.
	fUnused: {"FSM Ever 6", "FSM Ever6", "Ever 6 FSM", "Enrolment Status", "Enrol Status"},
}

// slotAliases follow "Contact N" in a pupils file.
var slotAliases = map[field][]string{
	fContactID:    {"ID", "MIS ID", "Person ID"},
	fTitle:        {"Title"},
	fForename:     {"Forename", "First Name"},
	fSurname:      {"Surname", "Last Name"},
	fRelationship: {"Relationship", "Relation"},
	fEmail:        {"Email", "Email Address"},
	fMobile:       {"Mobile", "Mobile Phone", "Mobile Number"},
	fTelephone:    {"Telephone", "Phone", "Telephone Number", "Phone Number"},
	fPR:           {"Parental Responsibility", "PR"},
	fPriority:     {"Priority", "Order"},
	fAddress:      {"Address"},
}

var contactAliases = map[field][]string{
	fPupilMISID:   {"Pupil MIS ID", "Pupil ID", "Admission Number", "Admission No", "Adno", "Student ID", "Pupil Person ID"},
	fPupilUPN:     {"UPN", "Pupil UPN"},
	fContactID:    {"Contact ID", "Contact MIS ID", "Contact Person ID"},
	fTitle:        {"Title", "Contact Title"},
	fForename:     {"Forename", "First Name", "Contact Forename", "Contact First Name"},
	fSurname:      {"Surname", "Last Name", "Contact Surname", "Contact Last Name"},
	fRelationship: {"Relationship", "Contact Relationship", "Relation"},
	fEmail:        {"Email", "Contact Email", "Email Address"},
	fMobile:       {"Mobile", "Contact Mobile", "Mobile Phone"},
	fTelephone:    {"Telephone", "Phone", "Contact Telephone", "Contact Phone"},
	fPR:           {"Parental Responsibility", "PR", "Contact Parental Responsibility"},
	fPriority:     {"Priority", "Contact Priority", "Order", "Contact Order"},
	fAddress:      {"Address", "Contact Address"},
	fUnused:       {"Pupil Forename", "Pupil Surname", "Pupil First Name", "Pupil Last Name", "Pupil Name"},
}

var staffAliases = map[field][]string{
	fMISID:     {"Employee ID", "Staff ID", "Employee Number", "Person ID"},
	fStaffCode: {"Staff Code"},
	fTitle:     {"Title"},
	fForename:  {"Forename", "First Name", "Legal Forename", "Given Name"},
	fSurname:   {"Surname", "Last Name", "Legal Surname", "Family Name"},
	fEmail:     {"Work Email", "Email", "Email Address", "Work Email Address", "School Email"},
	fJobTitle:  {"Job Title", "Role", "Post"},
	fTeaching:  {"Teaching", "Teacher", "Teaching Staff"},
	fCurrent:   {"Current", "Employed", "Currently Employed"},
}

var (
	pupilTable = &table{kind: KindPupils, aliases: aliasMap(pupilAliases), slots: true,
		required: [][]field{{fMISID, fUPN}, {fSurname}, {fForename}, {fDOB}, {fYear}}}
	contactTable = &table{kind: KindContacts, aliases: aliasMap(contactAliases),
		required: [][]field{{fPupilMISID, fPupilUPN}, {fSurname}, {fRelationship}}}
	staffTable = &table{kind: KindStaff, aliases: aliasMap(staffAliases),
		required: [][]field{{fSurname}, {fForename}, {fEmail}}}
	slotTable = aliasMap(slotAliases)
	tables    = []*table{pupilTable, contactTable, staffTable}
)

// example headers for messages, the first alias of each field per kind.
func (t *table) example(f field) string {
	src := pupilAliases
	switch t.kind {
	case KindContacts:
		src = contactAliases
	case KindStaff:
		src = staffAliases
	}
	return "“" + src[f][0] + "”"
}

func aliasMap(m map[field][]string) map[string]field {
	out := map[string]field{}
	for f, names := range m {
		for _, n := range names {
			out[normHeader(n)] = f
		}
	}
	return out
}

// normHeader folds a header for matching: lower case, without spaces,
// dots, underscores or hyphens (and without a stray byte order mark).
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '.' || r == '_' || r == '-' || r == '\uFEFF' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// slotOf matches "Contact N X" headers: it returns N-1 and X's field.
func slotOf(norm string) (int, field, bool) {
	rest, ok := strings.CutPrefix(norm, "contact")
	if !ok || len(rest) < 2 || rest[0] < '1' || rest[0] > '9' || rest[1] >= '0' && rest[1] <= '9' {
		return 0, fNone, false
	}
	f, ok := slotTable[rest[1:]]
	return int(rest[0] - '1'), f, ok
}

// lookup returns what header norm gives in t.
func (t *table) lookup(norm string) (field, bool) {
	if f, ok := t.aliases[norm]; ok {
		return f, true
	}
	if t.slots {
		if _, _, ok := slotOf(norm); ok {
			return fNone, true
		}
	}
	return fNone, false
}

// score counts the cells of a row that are headers of one of ts.
func score(rec []string, ts []*table) int {
	n := 0
	for _, cell := range rec {
		k := normHeader(cell)
		for _, t := range ts {
			if _, ok := t.lookup(k); ok {
				n++
				break
			}
		}
	}
	return n
}

// detectKind decides what a header row is an export of, or returns nil.
// Pupils have a date of birth or year group; contacts have a pupil key
// with a relationship or "Contact" names; staff have a work email or a
// staff-only column and no pupil key. A plain "Email" with names is not
// enough to call a file staff: a list of parents looks the same.
func detectKind(header []string) *table {
	has := func(t *table, fs ...field) bool {
		for _, cell := range header {
			f, ok := t.aliases[normHeader(cell)]
			if !ok {
				continue
			}
			for _, want := range fs {
				if f == want {
					return true
				}
			}
		}
		return false
	}
	hasNorm := func(names ...string) bool {
		for _, cell := range header {
			k := normHeader(cell)
			for _, n := range names {
				if k == normHeader(n) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has(pupilTable, fDOB, fYear):
		return pupilTable
	case has(contactTable, fPupilMISID, fPupilUPN) &&
		(has(contactTable, fRelationship) || hasNorm("Contact Forename", "Contact Surname", "Contact First Name", "Contact Last Name")):
		return contactTable
	case has(pupilTable, fMISID, fUPN) && !hasNorm("Person ID") && has(pupilTable, fSurname, fForename):
		return pupilTable // a pupil list without its dates: say what is missing
	case has(staffTable, fStaffCode, fJobTitle, fTeaching, fCurrent) ||
		hasNorm("Work Email", "Work Email Address", "School Email", "Employee ID", "Staff ID", "Employee Number"):
		return staffTable
	}
	return nil
}

// columns is where each field is in the rows of one file.
type columns struct {
	t     *table
	names []string // each header, made safe for messages
	at    [numFields]int
	// slot[n][f] is the column of field f of contact n+1, or -1.
	slot    [9][numFields]int
	slots   []int // the contact slots with any column, in order
	ignored []string
}

// col returns the column of f, or -1.
func (c *columns) col(f field) int { return c.at[f] }

// has reports whether the file has a column for f.
func (c *columns) has(f field) bool { return c.at[f] >= 0 }

// name returns the header of column i for messages, "" for -1.
func (c *columns) name(i int) string {
	if i < 0 || i >= len(c.names) {
		return ""
	}
	return c.names[i]
}

// mapColumns works out where each field is. Two columns giving one field,
// or a required field with no column, refuse the file.
func mapColumns(header []string, t *table) (*columns, mis.Problems) {
	c := &columns{t: t, names: make([]string, len(header))}
	for i := range c.at {
		c.at[i] = -1
	}
	for n := range c.slot {
		for i := range c.slot[n] {
			c.slot[n][i] = -1
		}
	}
	var probs mis.Problems
	dup := func(i, prev int, what string) {
		probs.Add("", c.names[i], "This column and “%s” both give %s; remove one of them and upload the file again.", c.names[prev], what)
	}
	for i, h := range header {
		c.names[i] = safeHeader(h, i)
		k := normHeader(h)
		if k == "" {
			continue // a blank header: nothing to use, nothing worth listing
		}
		if f, ok := t.aliases[k]; ok && f != fUnused {
			if prev := c.at[f]; prev >= 0 {
				dup(i, prev, "the "+fieldTitles[f])
				continue
			}
			c.at[f] = i
			continue
		}
		if t.slots {
			if n, f, ok := slotOf(k); ok {
				if prev := c.slot[n][f]; prev >= 0 {
					dup(i, prev, fmt.Sprintf("contact %d’s %s", n+1, fieldTitles[f]))
					continue
				}
				c.slot[n][f] = i
				continue
			}
		}
		c.ignored = append(c.ignored, c.names[i])
	}
	for n := range c.slot {
		for _, col := range c.slot[n] {
			if col >= 0 {
				c.slots = append(c.slots, n)
				break
			}
		}
	}
	for _, n := range c.slots {
		if c.slot[n][fSurname] < 0 {
			probs.Add("", "", "There is no column for contact %d’s surname (a header such as “Contact %d Surname”).", n+1, n+1)
		}
	}
	for _, alts := range t.required {
		found := false
		var titles, examples []string
		for _, f := range alts {
			found = found || c.has(f)
			titles = append(titles, fieldTitles[f])
			examples = append(examples, t.example(f))
		}
		if !found {
			probs.Add("", "", "There is no column for the %s (a header such as %s).",
				strings.Join(titles, " or "), strings.Join(examples, " or "))
		}
	}
	return c, probs
}

// notRecognised is the one problem for a file that is not an MIS export
// of any kind we read (or of the kind asked for).
func notRecognised(kind string) mis.Problem {
	switch kind {
	case KindPupils:
		return mis.Problem{Message: "This does not look like a pupil export from an MIS: no column for the surname, forename, date of birth or year group was found. Check it is the right file and that its first row holds the column headers."}
	case KindContacts:
		return mis.Problem{Message: "This does not look like a contacts export from an MIS: no column for the pupil's admission number or UPN, the contact's surname or the relationship was found. Check it is the right file and that its first row holds the column headers."}
	case KindStaff:
		return mis.Problem{Message: "This does not look like a staff export from an MIS: no column for the surname, forename or work email was found. Check it is the right file and that its first row holds the column headers."}
	}
	return mis.Problem{Message: "This does not look like a pupil, contact or staff export from an MIS: no column for a date of birth or year group (pupils), a pupil id with contact names and relationship (contacts), or a work email or staff code (staff) was found. Check it is the right file, saved as CSV, and that it has a row of column headers."}
}

// safeHeader makes a header fit to show: trimmed, without control
// characters, at most 60 characters. A blank one is named by position.
func safeHeader(h string, i int) string {
	h = strings.Join(strings.FieldsFunc(h, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\uFEFF' || r == utf8.RuneError
	}), " ")
	if h == "" {
		return "column " + strconv.Itoa(i+1)
	}
	if utf8.RuneCountInString(h) > 60 {
		h = string([]rune(h)[:59]) + "…"
	}
	return h
}

// vigilFields maps vigil.Pupil.Validate's field names to ours.
var vigilFields = map[string]field{
	"mis_id": fMISID, "upn": fUPN, "legal_forename": fForename, "legal_surname": fSurname,
	"preferred_forename": fPrefForename, "preferred_surname": fPrefSurname,
	"date_of_birth": fDOB, "sex": fSex, "year_group": fYear, "reg_group": fReg,
	"left_on": fLeaving, "destination": fDestination,
}

// contactFields maps vigil.Contact.Validate's field names to ours.
var contactFields = map[string]field{
	"name": fSurname, "relationship": fRelationship, "priority": fPriority,
	"phone": fMobile, "email": fEmail, "address": fAddress,
}
