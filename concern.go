package vigil

import (
	"math"
	"slices"
	"strings"
	"time"
)

type (
	// ConcernID identifies a concern within a school.
	ConcernID string
	// ActionID identifies an action on a concern.
	ActionID string
	// DocumentID identifies a document attached to a concern or action.
	DocumentID string
	// NotificationID identifies an in-app notification.
	NotificationID string
)

func (id ConcernID) String() string  { return string(id) }
func (id ActionID) String() string   { return string(id) }
func (id DocumentID) String() string { return string(id) }

// A pupil's part in a concern.
const (
	PartSubject     = "subject"             // the concern is about them
	PartVictim      = "victim"              // harmed by what happened
	PartPerpetrator = "alleged_perpetrator" // said to have done it
	PartWitness     = "witness"             // saw or heard it
	PartInvolved    = "involved"            // otherwise part of it
)

// Parts lists a pupil's possible parts in a concern, in the order a form
// offers them.
var Parts = []string{PartSubject, PartVictim, PartPerpetrator, PartWitness, PartInvolved}

// PartTitle returns a part as a page shows it.
func PartTitle(part string) string {
	switch part {
	case PartSubject:
		return "Subject of the concern"
	case PartVictim:
		return "Victim"
	case PartPerpetrator:
		return "Alleged perpetrator"
	case PartWitness:
		return "Witness"
	case PartInvolved:
		return "Involved"
	}
	return part
}

// Concern statuses.
const (
	ConcernOpen   = "open"
	ConcernClosed = "closed"
)

// Limits on what a concern may hold.
const (
	MaxConcernPupils = 30
	MaxBodyText      = 20000 // characters of an account, action or note
	MaxShortText     = 300   // location, agencies, outcome summary lines
	MaxBodyMarks     = 40
)

// ConcernPupil is one pupil's link to a concern: their part and the
// categories that apply to them. A part or category set for one pupil does
// not spread to the others.
type ConcernPupil struct {
	PupilID    PupilID
	Part       string
	Categories []CategoryID

	// Filled on reads for display.
	Name      string
	YearGroup string
	RegGroup  string
}

// BodyMark is one mark or injury drawn on a body outline: the side, where
// on it (0–1 across and down the outline) and what was seen.
type BodyMark struct {
	Side        string  `json:"side"` // "front" or "back"
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	Description string  `json:"description"`
}

// Concern is something a member of staff noticed about one or more pupils.
// Location, Body, Agencies, BodyMap and Outcome are sealed at rest.
type Concern struct {
	ID         ConcernID
	SchoolID   SchoolID
	Pupils     []ConcernPupil
	OccurredAt time.Time
	Location   string
	Body       string
	Agencies   string // agencies already involved, in the reporter's words
	BodyMap    []BodyMark

	Status     string
	Outcome    string
	ReportedBy PersonID
	ReportedAt time.Time
	ReviewedBy PersonID
	ReviewedAt time.Time
	ClosedBy   PersonID
	ClosedAt   time.Time
	UpdatedAt  time.Time
	Alerted    []PersonID // staff alerted when it was logged

	// Filled on reads for display.
	ReporterName string
	ReviewerName string
}

// Categories returns every category of the concern, over all its pupils,
// without repeats, in first-seen order.
func (c *Concern) Categories() []CategoryID {
	var out []CategoryID
	for _, p := range c.Pupils {
		for _, id := range p.Categories {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// PupilIDs returns the concern's pupils' ids.
func (c *Concern) PupilIDs() []PupilID {
	out := make([]PupilID, len(c.Pupils))
	for i, p := range c.Pupils {
		out[i] = p.PupilID
	}
	return out
}

// Link returns the concern's link to pupil, or nil.
func (c *Concern) Link(pupil PupilID) *ConcernPupil {
	for i := range c.Pupils {
		if c.Pupils[i].PupilID == pupil {
			return &c.Pupils[i]
		}
	}
	return nil
}

// Validate checks a concern before it is logged, at time now. Every problem
// is named by its field: pupils, pupils.N.part, categories, occurred_at,
// location, body, agencies, body_map.N.
func (c *Concern) Validate(now time.Time) error {
	p := Problems{}
	switch {
	case len(c.Pupils) == 0:
		p.Add("pupil_ids", "Choose at least one pupil.")
	case len(c.Pupils) > MaxConcernPupils:
		p.Add("pupil_ids", "A concern can name at most "+itoa(MaxConcernPupils)+" pupils.")
	}
	seen := map[PupilID]bool{}
	anyCategory := false
	for i, cp := range c.Pupils {
		if !ValidID(string(cp.PupilID)) {
			p.Add("pupil_ids", "One of the pupils is not a valid pupil id.")
			continue
		}
		if seen[cp.PupilID] {
			p.Add("pupil_ids", "A pupil is named twice.")
		}
		seen[cp.PupilID] = true
		if !slices.Contains(Parts, cp.Part) {
			p.Add("pupils."+itoa(i)+".part", "Choose the pupil's part: subject, victim, alleged perpetrator, witness or involved.")
		}
		for _, cat := range cp.Categories {
			if !ValidID(string(cat)) {
				p.Add("categories", "One of the categories is not known.")
			}
		}
		anyCategory = anyCategory || len(cp.Categories) > 0
	}
	if !anyCategory && len(c.Pupils) > 0 {
		p.Add("categories", "Choose at least one category.")
	}
	switch {
	case c.OccurredAt.IsZero():
		p.Add("occurred_at", "Say when it happened.")
	case c.OccurredAt.After(now.Add(time.Minute)):
		p.Add("occurred_at", "This is in the future.")
	case c.OccurredAt.Before(now.AddDate(-25, 0, 0)):
		p.Add("occurred_at", "This is too long ago.")
	}
	checkText(p, "location", c.Location, false, MaxShortText)
	checkMultiline(p, "body", c.Body, true, MaxBodyText)
	checkMultiline(p, "agencies", c.Agencies, false, 2000)
	if len(c.BodyMap) > MaxBodyMarks {
		p.Add("body_map", "At most "+itoa(MaxBodyMarks)+" marks can be drawn.")
	}
	for i, m := range c.BodyMap {
		if err := m.check(); err != "" {
			p.Add("body_map."+itoa(i), err)
		}
	}
	return p.Err()
}

func (m BodyMark) check() string {
	switch {
	case m.Side != "front" && m.Side != "back":
		return "A mark must be on the front or the back."
	case math.IsNaN(m.X) || math.IsNaN(m.Y) || m.X < 0 || m.X > 1 || m.Y < 0 || m.Y > 1:
		return "A mark must be on the outline."
	case strings.TrimSpace(m.Description) == "":
		return "Describe each mark."
	}
	p := Problems{}
	checkText(p, "d", m.Description, true, 500)
	if len(p) > 0 {
		return "The description: " + strings.ToLower(p["d"][:1]) + p["d"][1:]
	}
	return ""
}

// ActionType is a kind of action a school records, e.g. "Spoke to parent".
type ActionType struct {
	Key      string
	Name     string
	Position int
	Active   bool
}

// DefaultActionTypes are the kinds of action every school starts with.
func DefaultActionTypes() []ActionType {
	names := [][2]string{
		{"discussed_dsl", "Discussed with DSL"},
		{"spoke_pupil", "Spoke to pupil"},
		{"spoke_parent", "Spoke to parent or carer"},
		{"monitoring", "Monitoring"},
		{"early_help", "Early Help assessment"},
		{"referral_cs", "Referral to children's services"},
		{"referral_police", "Referral to police"},
		{"referral_camhs", "Referral to CAMHS or NHS"},
		{"lado", "Consulted the LADO"},
		{"pastoral_support", "Pastoral support"},
		{"meeting", "Meeting held"},
		{"letter", "Letter sent"},
		{"note", "Note for the record"},
		{"no_further_action", "No further action"},
	}
	out := make([]ActionType, len(names))
	for i, n := range names {
		out[i] = ActionType{Key: n[0], Name: n[1], Position: i + 1, Active: true}
	}
	return out
}

// Action is something done, or to be done, about a concern. Body is sealed
// at rest.
type Action struct {
	ID         ActionID
	ConcernID  ConcernID
	Type       string // an ActionType key
	Body       string
	TakenOn    Date // when it was done, or the day it was recorded
	AssignedTo PersonID
	DueOn      Date
	DoneAt     time.Time
	DoneBy     PersonID
	CreatedBy  PersonID
	CreatedAt  time.Time

	// Filled on reads for display.
	TypeName     string
	AssigneeName string
	CreatorName  string
}

// Done reports whether the action is done.
func (a *Action) Done() bool { return !a.DoneAt.IsZero() }

// Overdue reports whether the action is open past its due date on today.
func (a *Action) Overdue(today Date) bool {
	return !a.Done() && !a.DueOn.IsZero() && a.DueOn.Before(today)
}

// Validate checks an action before it is saved, given today's date.
func (a *Action) Validate(today Date) error {
	p := Problems{}
	checkText(p, "type", a.Type, true, 60)
	checkMultiline(p, "body", a.Body, true, MaxBodyText)
	switch {
	case a.TakenOn.IsZero():
		p.Add("taken_on", "Say when this was done.")
	case a.TakenOn.After(today):
		p.Add("taken_on", "This is in the future.")
	}
	if a.AssignedTo != "" && !ValidID(string(a.AssignedTo)) {
		p.Add("assigned_to", "Choose a member of staff.")
	}
	if !a.DueOn.IsZero() && a.DueOn.Before(a.TakenOn) {
		p.Add("due_on", "The due date is before the action was taken.")
	}
	return p.Err()
}

// ConcernNote is further information added to a concern after it was
// logged, such as the reporter remembering something. Body is sealed.
type ConcernNote struct {
	ID        string
	ConcernID ConcernID
	Body      string
	AddedBy   PersonID
	AddedAt   time.Time

	AdderName string // filled on reads
}

// Revision is an earlier version of a concern's or action's text, kept when
// someone with manage access edits it. Old and Reason are sealed.
type Revision struct {
	ID        string
	ConcernID ConcernID
	ObjectID  string // the concern or action id
	Field     string // body, location, agencies, occurred_at, …
	Old       string
	Reason    string
	ChangedBy PersonID
	ChangedAt time.Time

	ChangerName string // filled on reads
}

// Document is a file attached to a concern (and perhaps one of its
// actions). Its bytes and name are encrypted in the blob store.
type Document struct {
	ID          DocumentID
	ConcernID   ConcernID
	ActionID    ActionID
	Name        string // opened from the sealed name
	ContentType string // from the content, never the extension
	Size        int64
	UploadedBy  PersonID
	UploadedAt  time.Time

	UploaderName string // filled on reads
}

// Notification is an in-app alert to one person. It carries no sensitive
// content: what kind, and a link to the record.
type Notification struct {
	ID        NotificationID
	PersonID  PersonID
	Kind      string
	ConcernID ConcernID
	// ObjectID is the record within or beside the concern that the
	// notification is about (an action, a referral, a communication), or "".
	ObjectID  string
	CreatedAt time.Time
	ReadAt    time.Time
}

// Notification kinds. The part before the dot names the kind of record a
// notification links to.
const (
	NotifyConcernLogged     = "concern.logged"
	NotifyActionAssigned    = "action.assigned"
	NotifyActionDueTomorrow = "action.due_tomorrow"
	NotifyActionDueToday    = "action.due_today"
	NotifyActionOverdue     = "action.overdue"
)

// NotificationTitle returns a notification's words, which never carry the
// record's content.
func NotificationTitle(kind string) string {
	switch kind {
	case NotifyConcernLogged:
		return "A concern needs your attention"
	case NotifyActionAssigned:
		return "An action has been assigned to you"
	case NotifyActionDueTomorrow:
		return "An action of yours is due tomorrow"
	case NotifyActionDueToday:
		return "An action of yours is due today"
	case NotifyActionOverdue:
		return "An action is overdue"
	case NotifyReferralOverdue:
		return "A referral is overdue for a response"
	}
	return "Something needs your attention"
}

// ChronologyEntry is one line of a pupil's chronology.
type ChronologyEntry struct {
	Kind      string // "concern", "action", "note", "document"
	ID        string
	ConcernID ConcernID
	At        time.Time
	Title     string // category names or the action type
	Summary   string // opened text, for those allowed to see it
	By        string // who recorded it
	Key       bool   // marked as a key event for this pupil
	Status    string
	Part      string // the pupil's part in the concern

	// Categories the entry falls under, for the chronology's filter: the
	// pupil's categories on a concern, or those of the concern a referral
	// or communication is linked to.
	Categories []CategoryID
}
