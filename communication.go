package vigil

import (
	"slices"
	"strings"
	"time"
)

// CommunicationID identifies a communication within a school.
type CommunicationID string

func (id CommunicationID) String() string { return string(id) }

// With whom a communication was held.
const (
	CommWithParent = "parent" // a parent or carer, chosen from the pupil's contacts
	CommWithPupil  = "pupil"  // the child themselves
	CommWithAgency = "agency" // another agency, named freely
	CommWithSchool = "school" // another school, named freely
)

// CommWiths lists with whom a communication may be held, in the order a
// form offers them.
var CommWiths = []string{CommWithParent, CommWithPupil, CommWithAgency, CommWithSchool}

// CommWithTitle returns with whom, as a form offers it.
func CommWithTitle(with string) string {
	switch with {
	case CommWithParent:
		return "A parent or carer"
	case CommWithPupil:
		return "The pupil"
	case CommWithAgency:
		return "Another agency"
	case CommWithSchool:
		return "Another school"
	}
	return with
}

// Kinds of communication.
const (
	CommMeeting   = "meeting"
	CommPhoneCall = "phone_call"
	CommLetter    = "letter"
	CommEmail     = "email"
	CommHomeVisit = "home_visit"
)

// CommTypes lists the kinds of communication, in the order a form offers
// them.
var CommTypes = []string{CommPhoneCall, CommMeeting, CommEmail, CommLetter, CommHomeVisit}

// CommTypeTitle returns a kind of communication as a page shows it.
func CommTypeTitle(typ string) string {
	switch typ {
	case CommMeeting:
		return "Meeting"
	case CommPhoneCall:
		return "Phone call"
	case CommLetter:
		return "Letter"
	case CommEmail:
		return "Email"
	case CommHomeVisit:
		return "Home visit"
	}
	return typ
}

// MaxCommStaff is how many members of staff a communication may name.
const MaxCommStaff = 30

// Communication is a conversation, meeting or letter about a pupil with a
// parent or carer, the pupil, another agency or another school, perhaps
// about one of their concerns. WithName, WithDetail, Others, Body and
// Agreed are sealed at rest.
type Communication struct {
	ID        CommunicationID
	SchoolID  SchoolID
	PupilID   PupilID
	ConcernID ConcernID // "" when it is linked to no concern

	With      string    // one of CommWiths
	ContactID ContactID // the parent or carer, when With is CommWithParent
	// WithName is who it was with: the parent's or carer's name as the
	// contacts held it at the time, or the agency's or school's name; ""
	// for the pupil.
	WithName string
	// WithDetail is the relationship of a parent or carer ("Mother"), or
	// for an agency or school the person spoken to and how to reach them.
	WithDetail string

	Type       string // one of CommTypes
	OccurredAt time.Time
	Staff      []PersonID // staff who took part
	Others     string     // others who took part, in the recorder's words
	Body       string     // what was said
	Agreed     string     // what was agreed

	RecordedBy PersonID
	RecordedAt time.Time

	// Filled on reads for display.
	PupilName    string
	RecorderName string
	StaffNames   []string // in the order of Staff
}

// Title names the communication in a list or a chronology, e.g. "Phone
// call with Sarah Smith (mother)". It holds sealed text: show it only to
// those who may see the communication.
func (c *Communication) Title() string {
	var who string
	switch c.With {
	case CommWithParent:
		who = c.WithName
		if c.WithDetail != "" {
			who += " (" + strings.ToLower(c.WithDetail) + ")"
		}
	case CommWithPupil:
		who = c.PupilName + " (the pupil)"
		if c.PupilName == "" {
			who = "the pupil"
		}
	default:
		who = c.WithName
	}
	switch c.Type {
	case CommLetter:
		return "Letter to or from " + who
	case CommHomeVisit:
		return "Home visit with " + who
	}
	return CommTypeTitle(c.Type) + " with " + who
}

// Validate checks a communication before it is saved, at time now. Every
// problem is named by its field: pupil_id, concern_id, with, contact_id,
// with_name, with_detail, type, occurred_at, staff, others, body, agreed.
func (c *Communication) Validate(now time.Time) error {
	p := Problems{}
	if !ValidID(string(c.PupilID)) {
		p.Add("pupil_id", "Choose a pupil.")
	}
	if c.ConcernID != "" && !ValidID(string(c.ConcernID)) {
		p.Add("concern_id", "Choose a concern about this pupil.")
	}
	switch c.With {
	case CommWithParent:
		if !ValidID(string(c.ContactID)) {
			p.Add("contact_id", "Choose the parent or carer from the pupil's contacts.")
		}
		checkText(p, "with_name", c.WithName, true, 200)
		checkText(p, "with_detail", c.WithDetail, false, MaxShortText)
	case CommWithAgency, CommWithSchool:
		if strings.TrimSpace(c.WithName) == "" {
			what := "agency"
			if c.With == CommWithSchool {
				what = "school"
			}
			p.Add("with_name", "Give the name of the "+what+".")
		} else {
			checkText(p, "with_name", c.WithName, true, 200)
		}
		checkText(p, "with_detail", c.WithDetail, false, MaxShortText)
	case CommWithPupil:
	default:
		p.Add("with", "Choose who it was with: a parent or carer, the pupil, another agency or another school.")
	}
	if !slices.Contains(CommTypes, c.Type) {
		p.Add("type", "Choose the kind of communication: phone call, meeting, email, letter or home visit.")
	}
	switch {
	case c.OccurredAt.IsZero():
		p.Add("occurred_at", "Say when it happened.")
	case c.OccurredAt.After(now.Add(time.Minute)):
		p.Add("occurred_at", "This is in the future.")
	case c.OccurredAt.Before(now.AddDate(-25, 0, 0)):
		p.Add("occurred_at", "This is too long ago.")
	}
	if len(c.Staff) > MaxCommStaff {
		p.Add("staff", "Name at most "+itoa(MaxCommStaff)+" members of staff.")
	}
	for i, s := range c.Staff {
		if !ValidID(string(s)) {
			p.Add("staff", "Choose staff from the list.")
		} else if slices.Contains(c.Staff[:i], s) {
			p.Add("staff", "A member of staff is named twice.")
		}
	}
	checkMultiline(p, "others", c.Others, false, 1000)
	if strings.TrimSpace(c.Body) == "" {
		p.Add("body", "Write what was said.")
	}
	checkMultiline(p, "body", c.Body, true, MaxBodyText)
	checkMultiline(p, "agreed", c.Agreed, false, MaxBodyText)
	return p.Err()
}
