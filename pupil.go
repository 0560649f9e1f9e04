package vigil

import (
	"strings"
	"time"
)

// YearGroups are the national curriculum year groups, nursery to sixth form,
// as MIS exports name them.
var YearGroups = []string{"N1", "N2", "R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"}

// YearGroupTitle returns how a year group is said: "Reception", "Year 4".
func YearGroupTitle(y string) string {
	switch y {
	case "":
		return ""
	case "N1", "N2":
		return "Nursery " + y[1:]
	case "R":
		return "Reception"
	}
	return "Year " + y
}

// Flag is a vulnerable-group flag on a pupil.
type Flag string

// The vulnerable-group flags; see reference/safeguarding.md §4.
const (
	FlagCPPlan       Flag = "cp_plan"
	FlagCIN          Flag = "child_in_need"
	FlagLAC          Flag = "looked_after"
	FlagPLAC         Flag = "previously_looked_after"
	FlagSENSupport   Flag = "sen_support"
	FlagEHCP         Flag = "ehcp"
	FlagFSM          Flag = "fsm"
	FlagPupilPremium Flag = "pupil_premium"
	FlagEAL          Flag = "eal"
	FlagYoungCarer   Flag = "young_carer"
	FlagEarlyHelp    Flag = "early_help"
)

// Flags lists every flag in the order pages show them.
var Flags = []Flag{FlagCPPlan, FlagCIN, FlagLAC, FlagPLAC, FlagEarlyHelp, FlagSENSupport, FlagEHCP, FlagFSM, FlagPupilPremium, FlagEAL, FlagYoungCarer}

// Valid reports whether f is a known flag.
func (f Flag) Valid() bool {
	for _, v := range Flags {
		if v == f {
			return true
		}
	}
	return false
}

// Title returns the flag's name as schools say it.
func (f Flag) Title() string {
	switch f {
	case FlagCPPlan:
		return "Child protection plan"
	case FlagCIN:
		return "Child in need"
	case FlagLAC:
		return "Looked after"
	case FlagPLAC:
		return "Previously looked after"
	case FlagSENSupport:
		return "SEN support"
	case FlagEHCP:
		return "EHCP"
	case FlagFSM:
		return "Free school meals"
	case FlagPupilPremium:
		return "Pupil premium"
	case FlagEAL:
		return "EAL"
	case FlagYoungCarer:
		return "Young carer"
	case FlagEarlyHelp:
		return "Early Help"
	}
	return string(f)
}

// Short returns a badge-sized name for f.
func (f Flag) Short() string {
	switch f {
	case FlagCPPlan:
		return "CP"
	case FlagCIN:
		return "CIN"
	case FlagLAC:
		return "LAC"
	case FlagPLAC:
		return "PLAC"
	case FlagSENSupport:
		return "SEN K"
	case FlagEHCP:
		return "EHCP"
	case FlagFSM:
		return "FSM"
	case FlagPupilPremium:
		return "PP"
	case FlagEAL:
		return "EAL"
	case FlagYoungCarer:
		return "YC"
	case FlagEarlyHelp:
		return "EH"
	}
	return string(f)
}

// PupilFlags holds a pupil's vulnerable-group flags.
type PupilFlags map[Flag]bool

// List returns the flags that are set, in display order.
func (pf PupilFlags) List() []Flag {
	var out []Flag
	for _, f := range Flags {
		if pf[f] {
			out = append(out, f)
		}
	}
	return out
}

// Sexes a pupil record may hold: the census's F and M, X for another
// recorded value, "" when unknown.
var Sexes = []string{"F", "M", "X"}

// Pupil is a child on a school's roll, now or in the past. Pupils are never
// deleted when they leave: their records stay.
type Pupil struct {
	ID                PupilID
	SchoolID          SchoolID
	SourceID          string // the MIS connector's key (a Wonde id), used first to match on sync
	MISID             string // the MIS's own id, used to match on sync
	UPN               string // unique pupil number, 13 characters
	FormerUPNs        []string
	LegalForename     string
	LegalSurname      string
	PreferredForename string
	PreferredSurname  string
	MiddleNames       string
	// FormerNames holds earlier names, space-separated, so a pupil is
	// still found by a name they no longer use.
	FormerNames string
	DateOfBirth Date
	Sex         string
	YearGroup   string
	RegGroup    string // registration group or class, e.g. "3B"
	AdmittedOn  Date
	OnRoll      bool
	LeftOn      Date   // set when OnRoll is false
	LeftReason  string // one of the LeftReason constants when OnRoll is false
	Destination string // where a leaver went
	Flags       PupilFlags
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Why a pupil is off roll.
const (
	LeftByMIS    = "mis"    // the MIS gave a leaving date
	LeftAbsent   = "absent" // not in the MIS's latest full roll: someone should check
	LeftByPerson = "manual" // marked as left in Vigil
)

// Forename returns the name the pupil goes by.
func (p *Pupil) Forename() string {
	if p.PreferredForename != "" {
		return p.PreferredForename
	}
	return p.LegalForename
}

// Surname returns the surname the pupil goes by.
func (p *Pupil) Surname() string {
	if p.PreferredSurname != "" {
		return p.PreferredSurname
	}
	return p.LegalSurname
}

// Name returns "Forename Surname" as the pupil goes by.
func (p *Pupil) Name() string { return p.Forename() + " " + p.Surname() }

// LegalName returns the legal forename and surname.
func (p *Pupil) LegalName() string { return p.LegalForename + " " + p.LegalSurname }

// Validate checks a pupil before it is saved and normalises the UPN.
func (p *Pupil) Validate() error {
	pr := Problems{}
	checkText(pr, "source_id", p.SourceID, false, 64)
	checkText(pr, "mis_id", p.MISID, false, 64)
	for i, u := range p.FormerUPNs {
		p.FormerUPNs[i] = strings.ToUpper(strings.TrimSpace(u))
		if msg := CheckUPN(p.FormerUPNs[i]); msg != "" {
			pr.Add("former_upns", "Former UPN: "+msg)
		}
	}
	p.UPN = strings.ToUpper(strings.TrimSpace(p.UPN))
	if p.UPN != "" {
		if msg := CheckUPN(p.UPN); msg != "" {
			pr.Add("upn", msg)
		}
	}
	checkText(pr, "legal_forename", p.LegalForename, true, 100)
	checkText(pr, "legal_surname", p.LegalSurname, true, 100)
	checkText(pr, "preferred_forename", p.PreferredForename, false, 100)
	checkText(pr, "preferred_surname", p.PreferredSurname, false, 100)
	checkText(pr, "middle_names", p.MiddleNames, false, 200)
	checkText(pr, "former_names", p.FormerNames, false, 2000)
	if p.DateOfBirth.IsZero() {
		pr.Add("date_of_birth", "Enter the date of birth.")
	} else if y := p.DateOfBirth.Time().Year(); y < 1990 || p.DateOfBirth.Time().After(time.Now()) {
		pr.Add("date_of_birth", "The date of birth is not plausible for a pupil.")
	}
	if p.Sex != "" && !contains(Sexes, p.Sex) {
		pr.Add("sex", "Sex must be F, M or X, or left blank.")
	}
	if p.YearGroup != "" && !contains(YearGroups, p.YearGroup) {
		pr.Add("year_group", "Unknown year group; use N1, N2, R or 1 to 14.")
	}
	checkText(pr, "reg_group", p.RegGroup, false, 40)
	if p.OnRoll && !p.LeftOn.IsZero() {
		pr.Add("left_on", "A pupil on roll has no leaving date.")
	}
	if !p.OnRoll && p.LeftOn.IsZero() {
		pr.Add("left_on", "Enter the date the pupil left.")
	}
	if !p.OnRoll && p.LeftReason != "" && p.LeftReason != LeftByMIS && p.LeftReason != LeftAbsent && p.LeftReason != LeftByPerson {
		pr.Add("left_reason", "Unknown reason for leaving.")
	}
	checkText(pr, "destination", p.Destination, false, 200)
	for f := range p.Flags {
		if !f.Valid() {
			pr.Add("flags", "Unknown flag.")
		}
	}
	return pr.Err()
}

// upnCheckLetters are the letters the DfE uses for the UPN check character
// (I, O and S are left out).
const upnCheckLetters = "ABCDEFGHJKLMNPQRTUVWXYZ"

// UPNCheckLetter returns the check letter for the last 12 characters of a UPN
// (the LA number, school number, year and serial), which must be digits
// except that the last may be a letter in a temporary UPN.
func UPNCheckLetter(rest string) byte {
	sum := 0
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = strings.IndexByte(upnCheckLetters, c)
		}
		sum += v * (i + 2)
	}
	return upnCheckLetters[sum%23]
}

// CheckUPN reports a problem with the form of a (normalised) UPN, or "".
// A check letter that does not match is not refused here: records from an
// MIS are taken as the MIS has them, and UPNCheckLetterMatches lets an
// import warn about it instead.
func CheckUPN(upn string) string {
	if len(upn) != 13 {
		return "A UPN has 13 characters."
	}
	if strings.IndexByte(upnCheckLetters, upn[0]) < 0 {
		return "A UPN starts with its check letter (A to Z, without I, O or S)."
	}
	if !IsDigits(upn[1:12], 11) {
		return "Characters 2 to 12 of a UPN are digits."
	}
	last := upn[12]
	if !(last >= '0' && last <= '9' || strings.IndexByte(upnCheckLetters, last) >= 0) {
		return "The last character of a UPN is a digit or, in a temporary UPN, a letter."
	}
	return ""
}

// UPNCheckLetterMatches reports whether a well-formed UPN's first letter is
// the check letter of the rest: a mismatch usually means a mistyped UPN.
func UPNCheckLetterMatches(upn string) bool {
	return len(upn) == 13 && UPNCheckLetter(upn[1:]) == upn[0]
}

// PupilFilter narrows a list of pupils. Nil and zero fields mean "any".
type PupilFilter struct {
	ID        *PupilID
	MISID     *string
	Query     string // words matched against legal and preferred names and UPN
	YearGroup string
	RegGroup  string
	Flag      Flag
	Status    string // "on_roll" (default), "left" or "all"
	Offset    int
	Limit     int
}

// Pupil list statuses.
const (
	StatusOnRoll = "on_roll"
	StatusLeft   = "left"
	StatusAll    = "all"
)

// Contact is an adult to contact about a pupil.
type Contact struct {
	ID                     ContactID
	SchoolID               SchoolID
	PupilID                PupilID
	Name                   string
	Relationship           string // "Mother", "Grandparent", "Social worker"...
	ParentalResponsibility bool
	Priority               int // 1 is called first
	Phone                  string
	Email                  string
	Address                string
}

// Validate checks a contact before it is saved.
func (c *Contact) Validate() error {
	p := Problems{}
	checkText(p, "name", c.Name, true, 200)
	checkText(p, "relationship", c.Relationship, false, 60)
	if c.Priority < 1 || c.Priority > 99 {
		p.Add("priority", "Priority is a number from 1 to 99.")
	}
	checkText(p, "phone", c.Phone, false, 40)
	if strings.TrimFunc(c.Phone, func(r rune) bool { return r >= '0' && r <= '9' || strings.ContainsRune(" +()-", r) }) != "" {
		p.Add("phone", "A phone number holds digits, spaces and + ( ) - only.")
	}
	c.Email = NormalizeEmail(c.Email)
	if c.Email != "" {
		if msg := ValidateEmail(c.Email); msg != "" {
			p.Add("email", msg)
		}
	}
	checkMultiline(p, "address", c.Address, false, 500)
	return p.Err()
}
