// Package mis brings a school's pupils, contacts and staff in from its
// management information system. Each source has its own parser
// (csvfile, ctf, wonde) that turns what the MIS gives into a Batch; the
// plan in this package diffs a Batch against the pupils Vigil holds and
// says what to add, change and mark as left, and the store applies it.
//
// A Batch holds MIS data only: names, dates, groups, flags and contacts.
// It never holds a safeguarding record, and nothing in it is sealed.
package mis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// Sources a batch comes from.
const (
	SourceCSV   = "csv"
	SourceCTF   = "ctf"
	SourceWonde = "wonde"
)

// Batch is what one read of a source gives.
type Batch struct {
	Source string
	// Complete is true when Pupils is the school's whole roll, so a pupil
	// missing from it has left. A CTF, a Wonde delta and a CSV of
	// contacts only are not complete. StaffComplete is the same for Staff.
	Complete      bool
	StaffComplete bool
	Pupils        []*Pupil
	Staff         []*Staff
	// Ignored lists the headers (CSV) or elements (CTF) that were not
	// used, for the run report. It never holds values.
	Ignored []string
	// Warnings are things about the input worth a look that stop nothing.
	Warnings Problems
	// Removed holds the connector ids of pupils deleted at source since
	// the last sync (a Wonde delta's deletions): each on-roll pupil with
	// one is marked as left for someone to check, never deleted.
	Removed []string
}

// Pupil is one pupil as the MIS has them. A field the source does not
// carry is left at its zero value and Known says which were carried: a
// missing value means "not shared", never "clear it".
type Pupil struct {
	// Ref says where the pupil is in the source, for messages: "row 14"
	// of a CSV, "pupil 3" of a CTF, a Wonde id. It never holds a name.
	Ref string

	SourceID string // the connector's key (Wonde id); "" for files
	MISID    string // the MIS's own key (admission number, person id)
	UPN      string
	// FormerUPNs are earlier UPNs the source lists; a pupil is matched on
	// them too.
	FormerUPNs []string

	LegalForename     string
	LegalSurname      string
	PreferredForename string
	PreferredSurname  string
	MiddleNames       string
	DateOfBirth       vigil.Date
	Sex               string // F, M, X or ""
	YearGroup         string // one of vigil.YearGroups, or ""
	RegGroup          string
	AdmissionDate     vigil.Date
	LeavingDate       vigil.Date // set when the source says the pupil has left
	Destination       string

	// Flags holds the vulnerable-group flags the source shared, set or
	// clear. A flag not in the map is unknown and left as Vigil has it.
	Flags map[vigil.Flag]bool

	// Contacts are the pupil's contacts, in priority order. ContactsKnown
	// is true when the source carries contacts, so an empty list means
	// "none"; otherwise the pupil's contacts are left as they are.
	Contacts      []Contact
	ContactsKnown bool

	// Known names the optional fields the source carries (Field*
	// constants); a field not known is left as Vigil has it on update.
	Known map[string]bool
}

// Optional pupil fields a source may or may not carry.
const (
	FieldUPN         = "upn"
	FieldPreferred   = "preferred"
	FieldSex         = "sex"
	FieldYearGroup   = "year_group"
	FieldRegGroup    = "reg_group"
	FieldAdmission   = "admission_date"
	FieldLeaving     = "leaving_date"
	FieldDestination = "destination"
)

// Has reports whether the source carries the optional field f.
func (p *Pupil) Has(f string) bool { return p.Known[f] }

// SetKnown records that the source carries the optional field f.
func (p *Pupil) SetKnown(f string) {
	if p.Known == nil {
		p.Known = map[string]bool{}
	}
	p.Known[f] = true
}

// SetFlag records a flag the source shared.
func (p *Pupil) SetFlag(f vigil.Flag, on bool) {
	if p.Flags == nil {
		p.Flags = map[vigil.Flag]bool{}
	}
	p.Flags[f] = on
}

// Contact is an adult to contact about a pupil, as the MIS has them.
type Contact struct {
	MISID        string
	Title        string
	Forename     string
	Surname      string
	Relationship string // a label ("Mother") or a DfE code ("PAR")
	// ParentalResponsibility is true, false or unknown (nil).
	ParentalResponsibility *bool
	Priority               int // 1 is called first; 0 when not given
	Phone                  string
	Email                  string
	Address                string
}

// Name returns the contact's name as shown: title, forename and surname.
func (c *Contact) Name() string {
	return strings.Join(strings.Fields(c.Title+" "+c.Forename+" "+c.Surname), " ")
}

// Staff is one member of staff as the MIS has them.
type Staff struct {
	Ref       string
	SourceID  string
	MISID     string
	Title     string
	Forename  string
	Surname   string
	Email     string // work email: how staff are matched to Vigil accounts
	JobTitle  string
	StaffCode string
	Teaching  *bool
	Current   bool // employed now
}

// Problem is one thing wrong with the input, named by where it is (a row
// and column of a CSV, a pupil of a CTF, a Wonde id) and never by the
// value, which may be personal data.
type Problem struct {
	Ref     string `json:"ref,omitempty"`    // "row 14", "pupil 3", "" for the whole file
	Column  string `json:"column,omitempty"` // the header or element at fault
	Message string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.Ref != "" && p.Column != "":
		return fmt.Sprintf("%s, %s: %s", p.Ref, p.Column, p.Message)
	case p.Ref != "":
		return p.Ref + ": " + p.Message
	case p.Column != "":
		return p.Column + ": " + p.Message
	}
	return p.Message
}

// Problems is every problem found in one input. As an error it is
// EINVALID, so a form or the API shows it as a refusal, not a failure.
type Problems []Problem

// Add appends a problem.
func (ps *Problems) Add(ref, column, format string, args ...any) {
	*ps = append(*ps, Problem{Ref: ref, Column: column, Message: fmt.Sprintf(format, args...)})
}

// Err returns ps as an error, or nil when there are none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ProblemError{Problems: ps}
}

// ProblemError is the error a parser or plan returns when the input has
// problems: nothing was written.
type ProblemError struct{ Problems Problems }

// Error summarises the problems: the first few, then a count.
func (e *ProblemError) Error() string {
	const show = 5
	var b strings.Builder
	fmt.Fprintf(&b, "Nothing was imported: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(" to fix. ")
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, " And %d more.", len(e.Problems)-show)
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes a ProblemError an EINVALID vigil.Error for callers that
// map codes to statuses.
func (e *ProblemError) Unwrap() error { return vigil.Errorf(vigil.EINVALID, "%s", e.Error()) }

// SortedKeys returns the keys of m in order, for reports.
func SortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
