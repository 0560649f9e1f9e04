package wonde

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// studentIncludes are the includes a student is fetched with; see
// reference/mis.md §3 for where each field lands.
const studentIncludes = "education_details,extended_details,contacts.contact_details,groups,year"

// student is a Wonde student with the includes Vigil asks for. Flexible
// fields stay raw and are read by the helpers in decode.go.
type student struct {
	ID               text                          `json:"id"`
	MISID            text                          `json:"mis_id"`
	Forename         text                          `json:"forename"`
	Surname          text                          `json:"surname"`
	LegalForename    text                          `json:"legal_forename"`
	LegalSurname     text                          `json:"legal_surname"`
	MiddleNames      text                          `json:"middle_names"`
	DateOfBirth      json.RawMessage               `json:"date_of_birth"`
	Gender           text                          `json:"gender"`
	LegalSex         text                          `json:"legal_sex"`
	EducationDetails *included[educationDetails]   `json:"education_details"`
	ExtendedDetails  *included[extendedDetails]    `json:"extended_details"`
	Contacts         *includedList[studentContact] `json:"contacts"`
	Groups           *includedList[group]          `json:"groups"`
	Classes          *includedList[group]          `json:"classes"` // read if present; not asked for
	Year             *included[group]              `json:"year"`
}

type educationDetails struct {
	UPN           text            `json:"upn"`
	FormerUPN     text            `json:"former_upn"`
	AdmissionDate json.RawMessage `json:"admission_date"`
	LeavingDate   json.RawMessage `json:"leaving_date"`
	CurrentNCYear text            `json:"current_nc_year"`
}

type extendedDetails struct {
	SENStatus  json.RawMessage `json:"sen_status"`
	FSM        json.RawMessage `json:"free_school_meals"`
	PP         json.RawMessage `json:"premium_pupil_indicator"`
	InCare     json.RawMessage `json:"in_lea_care"`
	EverInCare json.RawMessage `json:"ever_in_care"`
	EAL        json.RawMessage `json:"english_as_additional_language"`
	EALStatus  json.RawMessage `json:"english_as_additional_language_status"`
}

// group is a group, class or year: only its name, code and type are read.
type group struct {
	Name text `json:"name"`
	Code text `json:"code"`
	Type text `json:"type"`
}

type studentContact struct {
	ID             text                      `json:"id"`
	Title          text                      `json:"title"`
	Forename       text                      `json:"forename"`
	Surname        text                      `json:"surname"`
	Relationship   json.RawMessage           `json:"relationship"` // an object, or just a label
	ContactDetails *included[contactDetails] `json:"contact_details"`
}

type relationship struct {
	Relationship           json.RawMessage `json:"relationship"`
	ParentalResponsibility json.RawMessage `json:"parental_responsibility"`
	Priority               json.RawMessage `json:"priority"`
}

type contactDetails struct {
	Emails     json.RawMessage `json:"emails"`
	Telephones json.RawMessage `json:"telephones"`
	Phones     json.RawMessage `json:"phones"`
}

// reader turns pages of Wonde records into Vigil records, collecting the
// problems that refuse the fetch and the notes that go in the run report.
// Neither ever holds a value from a record.
type reader struct {
	problems mis.Problems
	notes    map[string]int
	// noEmail counts employees skipped for want of a usable work email.
	noEmail int
}

func newReader() *reader { return &reader{notes: map[string]int{}} }

// note records something left out, by field, for the run report.
func (r *reader) note(field, what string) { r.notes[field+": "+what]++ }

// ignored returns the notes for Batch.Ignored, in order, with counts.
func (r *reader) ignored() []string {
	out := make([]string, 0, len(r.notes)+1)
	for k, n := range r.notes {
		out = append(out, fmt.Sprintf("%s (%d)", k, n))
	}
	if r.noEmail > 0 {
		out = append(out, fmt.Sprintf("employees without a usable work email, skipped (%d)", r.noEmail))
	}
	sort.Strings(out)
	return out
}

// students maps one page of student records. A record with a problem is
// left out of the result and its problems collected.
func (r *reader) students(records []json.RawMessage, page int) []*mis.Pupil {
	out := make([]*mis.Pupil, 0, len(records))
	for i, raw := range records {
		var s student
		if err := json.Unmarshal(raw, &s); err != nil {
			r.problems.Add(badRecordRef("student", raw, page, i), jsonField(err), "The record is not in the shape Wonde documents.")
			continue
		}
		if !validID(s.ID.S) {
			r.problems.Add(fmt.Sprintf("students page %d, record %d", page, i+1), "id",
				"The record has no usable Wonde id.")
			continue
		}
		if p := r.student(&s); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// student maps one record, or returns nil after noting its problems.
func (r *reader) student(s *student) *mis.Pupil {
	ref := "Wonde student " + s.ID.S
	before := len(r.problems)
	p := &mis.Pupil{Ref: ref, SourceID: s.ID.S, MISID: s.MISID.S}

	// Wonde's forename and surname are the names the pupil goes by; the
	// legal_ ones, where shared, are the legal names.
	p.LegalForename, p.PreferredForename = names(s.LegalForename, s.Forename)
	p.LegalSurname, p.PreferredSurname = names(s.LegalSurname, s.Surname)
	if s.LegalForename.S != "" && s.Forename.OK || s.LegalSurname.S != "" && s.Surname.OK {
		p.SetKnown(mis.FieldPreferred)
	}
	p.MiddleNames = s.MiddleNames.S
	r.checkText(ref, "middle_names", p.MiddleNames, 100)

	if d, known, ok := parseDay(s.DateOfBirth); !ok {
		r.problems.Add(ref, "date_of_birth", "The date of birth is not a real date.")
	} else if known {
		p.DateOfBirth = d
	}
	sex := s.LegalSex
	if sex.S == "" {
		sex = s.Gender
	}
	if v := normaliseSex(sex.S); v != "" {
		p.Sex = v
		p.SetKnown(mis.FieldSex)
	}

	year := ""
	if ed := s.EducationDetails; ed != nil && ed.Data != nil {
		r.educationDetails(ref, p, ed.Data)
		year = ed.Data.CurrentNCYear.S
	}
	if year == "" && s.Year != nil && s.Year.Data != nil {
		year = s.Year.Data.Code.S
		if year == "" {
			year = s.Year.Data.Name.S
		}
	}
	if year != "" {
		if y, ok := normaliseYear(year); ok {
			p.YearGroup = y
			p.SetKnown(mis.FieldYearGroup)
		} else {
			r.note("year", "year group not recognised, left as it was")
		}
	}
	if reg, known := regGroup(s); known {
		p.RegGroup = reg
		p.SetKnown(mis.FieldRegGroup)
	}
	if xd := s.ExtendedDetails; xd != nil && xd.Data != nil {
		r.extendedDetails(p, xd.Data)
	}
	if s.Contacts != nil && s.Contacts.Data != nil {
		p.ContactsKnown = true
		p.Contacts = r.contacts(s.Contacts.Data)
	}

	r.validate(ref, p, before)
	if len(r.problems) > before {
		return nil
	}
	return p
}

// names returns the legal and preferred name from Wonde's legal and
// everyday fields. The preferred name is blank when it is the legal one.
func names(legal, everyday text) (string, string) {
	if legal.S == "" {
		return everyday.S, ""
	}
	if everyday.S == legal.S {
		return legal.S, ""
	}
	return legal.S, everyday.S
}

func (r *reader) educationDetails(ref string, p *mis.Pupil, ed *educationDetails) {
	if ed.UPN.OK {
		p.UPN = strings.ToUpper(ed.UPN.S)
		p.SetKnown(mis.FieldUPN)
	}
	// former_upn is one UPN in the documented shape; a list is split so
	// that none is lost.
	for _, f := range strings.FieldsFunc(strings.ToUpper(ed.FormerUPN.S), func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		if vigil.CheckUPN(f) != "" {
			r.note("education_details.former_upn", "not a UPN, left out")
			continue
		}
		if f != p.UPN && !slices.Contains(p.FormerUPNs, f) {
			p.FormerUPNs = append(p.FormerUPNs, f)
		}
	}
	if d, known, ok := parseDay(ed.AdmissionDate); !ok {
		r.problems.Add(ref, "education_details.admission_date", "The admission date is not a real date.")
	} else if known {
		p.AdmissionDate = d
		p.SetKnown(mis.FieldAdmission)
	}
	if d, known, ok := parseDay(ed.LeavingDate); !ok {
		r.problems.Add(ref, "education_details.leaving_date", "The leaving date is not a real date.")
	} else if known {
		p.LeavingDate = d
		p.SetKnown(mis.FieldLeaving)
	}
}

// extendedDetails reads the vulnerable-group flags. A null or unrecognised
// value sets nothing, so the flag stays as Vigil has it.
func (r *reader) extendedDetails(p *mis.Pupil, xd *extendedDetails) {
	const field = "extended_details."
	if s, ok := rawString(xd.SENStatus); ok && s != "" {
		if code, ok := normaliseSEN(s); ok {
			p.SetFlag(vigil.FlagSENSupport, code == "K")
			p.SetFlag(vigil.FlagEHCP, code == "E")
		} else {
			r.note(field+"sen_status", "value not recognised, flags left as they were")
		}
	} else if !isNull(xd.SENStatus) && !ok {
		r.note(field+"sen_status", "value not recognised, flags left as they were")
	}
	r.flag(p, vigil.FlagFSM, xd.FSM, field+"free_school_meals")
	r.flag(p, vigil.FlagPupilPremium, xd.PP, field+"premium_pupil_indicator")
	lac, lacKnown := r.flag(p, vigil.FlagLAC, xd.InCare, field+"in_lea_care")
	// ever_in_care is "looked after now or before"; Vigil's PLAC flag is
	// "before, not now", so a child in care now is not also PLAC.
	if ever, known := r.boolean(xd.EverInCare, field+"ever_in_care"); known {
		p.SetFlag(vigil.FlagPLAC, ever && !(lacKnown && lac))
	}
	if _, known := r.flag(p, vigil.FlagEAL, xd.EAL, field+"english_as_additional_language"); !known {
		if s, ok := rawString(xd.EALStatus); ok {
			if v, ok := ealWords[strings.ToUpper(s)]; ok {
				p.SetFlag(vigil.FlagEAL, v)
				return
			}
		}
		r.flag(p, vigil.FlagEAL, xd.EALStatus, field+"english_as_additional_language_status")
	}
}

// ealWords are the EAL status words read besides the boolean forms.
var ealWords = map[string]bool{"EAL": true, "NOT EAL": false, "NOTEAL": false, "NON EAL": false, "NON-EAL": false}

// flag sets f from a boolean value when the value is known.
func (r *reader) flag(p *mis.Pupil, f vigil.Flag, raw json.RawMessage, field string) (v, known bool) {
	v, known = r.boolean(raw, field)
	if known {
		p.SetFlag(f, v)
	}
	return v, known
}

// boolean reads a boolean, noting a value it does not recognise.
func (r *reader) boolean(raw json.RawMessage, field string) (v, known bool) {
	v, known, ok := parseBool(raw)
	if !ok {
		r.note(field, "value not recognised, flag left as it was")
	}
	return v, known
}

// regGroup returns the registration group: a group whose type says
// registration (or tutor or form group), else the first class when classes
// were included. known is false when neither include came back.
func regGroup(s *student) (string, bool) {
	known := false
	if s.Groups != nil && s.Groups.Data != nil {
		known = true
		for _, g := range s.Groups.Data {
			t := strings.ToUpper(g.Type.S)
			if strings.Contains(t, "REGISTRATION") || strings.Contains(t, "TUTOR") || t == "FORM" {
				return groupName(g), true
			}
		}
	}
	if s.Classes != nil && len(s.Classes.Data) > 0 {
		return groupName(s.Classes.Data[0]), true
	}
	return "", known
}

func groupName(g group) string {
	if g.Name.S != "" {
		return g.Name.S
	}
	return g.Code.S
}

// contacts maps a student's contacts, in priority order (those without a
// priority last, as sent). A contact with no usable name is left out; a
// detail that would not pass Vigil's checks is dropped and noted.
func (r *reader) contacts(list []studentContact) []mis.Contact {
	out := make([]mis.Contact, 0, len(list))
	for _, c := range list {
		mc := mis.Contact{MISID: c.ID.S, Title: c.Title.S, Forename: c.Forename.S, Surname: c.Surname.S}
		var rel relationship
		if s, ok := rawString(c.Relationship); ok {
			mc.Relationship = s
		} else if json.Unmarshal(c.Relationship, &rel) == nil {
			mc.Relationship, _ = rawString(rel.Relationship)
			if v, known := r.boolean(rel.ParentalResponsibility, "contacts.relationship.parental_responsibility"); known {
				mc.ParentalResponsibility = &v
			}
			if s, ok := rawString(rel.Priority); ok && s != "" {
				if n := atoi(s); n >= 1 && n <= 99 {
					mc.Priority = n
				} else {
					r.note("contacts.relationship.priority", "not a number from 1 to 99, left out")
				}
			}
		}
		if cd := c.ContactDetails; cd != nil && cd.Data != nil {
			mc.Email = pickString(cd.Data.Emails, "email", "primary", "home", "work")
			phones := cd.Data.Telephones
			if isNull(phones) {
				phones = cd.Data.Phones
			}
			mc.Phone = pickString(phones, "mobile", "phone", "primary", "home", "work")
		}
		if r.cleanContact(&mc) {
			out = append(out, mc)
		}
	}
	if len(out) == 0 {
		return nil
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Priority, out[j].Priority
		return a != 0 && (b == 0 || a < b)
	})
	return out
}

// cleanContact checks a contact as Vigil will when it is saved. A detail
// that fails is dropped and noted; a contact whose name fails is left out.
func (r *reader) cleanContact(c *mis.Contact) bool {
	vc := vigil.Contact{Name: c.Name(), Relationship: c.Relationship, Priority: max(c.Priority, 1), Phone: c.Phone, Email: c.Email}
	err := vc.Validate()
	fields := vigil.ErrorFields(err)
	if _, bad := fields["name"]; bad || err != nil && fields == nil {
		r.note("contacts", "contact without a usable name, left out")
		return false
	}
	c.Email = vc.Email // normalised
	for f := range fields {
		switch f {
		case "relationship":
			c.Relationship = ""
		case "phone":
			c.Phone = ""
		case "email":
			c.Email = ""
		case "address":
			c.Address = ""
		}
		r.note("contacts."+f, "not usable, left out")
	}
	if c.MISID != "" && !validID(c.MISID) {
		c.MISID = ""
		r.note("contacts.id", "not usable, left out")
	}
	for _, s := range []*string{&c.Title, &c.Forename, &c.Surname} {
		if !utf8.ValidString(*s) || strings.ContainsFunc(*s, unicode.IsControl) || utf8.RuneCountInString(*s) > 100 {
			r.note("contacts", "contact without a usable name, left out")
			return false
		}
	}
	return true
}

// wondeField names, for problems, the Wonde field behind each field Vigil
// checks.
var wondeField = map[string]string{
	"mis_id":             "mis_id",
	"upn":                "education_details.upn",
	"legal_forename":     "legal_forename",
	"legal_surname":      "legal_surname",
	"preferred_forename": "forename",
	"preferred_surname":  "surname",
	"date_of_birth":      "date_of_birth",
	"sex":                "gender",
	"year_group":         "year",
	"reg_group":          "groups",
	"left_on":            "education_details.leaving_date",
	"destination":        "destination",
	"flags":              "extended_details",
}

// validate runs the checks Vigil makes when it saves a pupil, so a batch
// never carries a pupil the store would refuse.
// Problems from index since on are this record's.
func (r *reader) validate(ref string, p *mis.Pupil, since int) {
	vp := vigil.Pupil{
		MISID: p.MISID, UPN: p.UPN,
		LegalForename: p.LegalForename, LegalSurname: p.LegalSurname,
		PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname,
		DateOfBirth: p.DateOfBirth, Sex: p.Sex, YearGroup: p.YearGroup, RegGroup: p.RegGroup,
		OnRoll: p.LeavingDate.IsZero(), LeftOn: p.LeavingDate, Flags: vigil.PupilFlags(p.Flags),
	}
	fields := vigil.ErrorFields(vp.Validate())
	for _, f := range mis.SortedKeys(boolKeys(fields)) {
		col := wondeField[f]
		if col == "" {
			col = f
		}
		if !r.has(since, col) { // "not a real date" already said more
			r.problems.Add(ref, col, "%s", fields[f])
		}
	}
}

// has reports whether a problem is already noted for column among the
// problems from index since on.
func (r *reader) has(since int, column string) bool {
	for _, p := range r.problems[since:] {
		if p.Column == column {
			return true
		}
	}
	return false
}

func boolKeys(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// checkText notes a problem with optional text: bad characters or too long.
func (r *reader) checkText(ref, column, s string, max int) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		r.problems.Add(ref, column, "This contains characters that are not valid text.")
	case utf8.RuneCountInString(s) > max:
		r.problems.Add(ref, column, "This is too long (at most %d characters).", max)
	}
}

// normaliseSex reads a sex or gender value: F, M, X for another recorded
// value, "" when not known.
func normaliseSex(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return ""
	case "M", "MALE", "BOY":
		return "M"
	case "F", "FEMALE", "GIRL":
		return "F"
	case "U", "UNKNOWN", "NOT KNOWN", "NOT STATED", "NOT SPECIFIED", "NOT RECORDED":
		return ""
	}
	return "X"
}

// normaliseYear reads a national curriculum year as MIS systems write it:
// "5", "05", "Y5", "Year 5", "R", "Rec", "YR", "FS2", "0", "N1", "N2",
// "FS1". It reports false for anything else ("X", a class name).
func normaliseYear(s string) (string, bool) {
	u := strings.ToUpper(strings.Join(strings.Fields(s), " "))
	switch u {
	case "R", "REC", "RECEPTION", "YR", "FS2", "F2", "0", "00", "Y0", "YEAR 0", "YEAR R":
		return "R", true
	case "N1", "NURSERY 1":
		return "N1", true
	case "N2", "NURSERY 2", "FS1", "F1":
		return "N2", true
	}
	for _, prefix := range []string{"YEAR", "NC", "Y"} {
		if rest, ok := strings.CutPrefix(u, prefix); ok {
			u = strings.TrimSpace(rest)
			break
		}
	}
	if u == "" || len(u) > 2 || strings.Trim(u, "0123456789") != "" {
		return "", false
	}
	n, _ := strconv.Atoi(u)
	if n < 1 || n > 14 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// normaliseSEN reads a SEN status as the census code: N none, K SEN
// support, E an EHC plan. The old codes A and P (School Action and Action
// Plus) became K, and S (statement) became E.
func normaliseSEN(s string) (string, bool) {
	switch strings.ToUpper(strings.Join(strings.Fields(s), " ")) {
	case "N", "NONE", "NO SEN", "NO SPECIAL EDUCATIONAL NEED":
		return "N", true
	case "K", "SEN SUPPORT", "A", "P", "SCHOOL ACTION", "SCHOOL ACTION PLUS":
		return "K", true
	case "E", "EHCP", "EHC PLAN", "S", "STATEMENT":
		return "E", true
	}
	return "", false
}

// badRecordRef names a record that would not decode: by its Wonde id when
// that can be read, else by page and position.
func badRecordRef(kind string, raw json.RawMessage, page, i int) string {
	var rec struct {
		ID text `json:"id"`
	}
	if json.Unmarshal(raw, &rec) == nil && validID(rec.ID.S) {
		return "Wonde " + kind + " " + rec.ID.S
	}
	return fmt.Sprintf("%ss page %d, record %d", kind, page, i+1)
}

// jsonField names where a record failed to decode, from our own struct
// tags: never the value.
func jsonField(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return te.Field
	}
	return ""
}
