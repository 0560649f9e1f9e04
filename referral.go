package vigil

import (
	"slices"
	"strings"
	"time"
)

// ReferralID identifies a referral within a school.
type ReferralID string

func (id ReferralID) String() string { return string(id) }

// Ways a referral is made.
const (
	ReferByPhone   = "phone"
	ReferOnline    = "online_form"
	ReferByLetter  = "letter"
	ReferByEmail   = "email"
	ReferInMeeting = "meeting"
)

// ReferralMethods lists how a referral may be made, in the order a form
// offers them.
var ReferralMethods = []string{ReferByPhone, ReferOnline, ReferByEmail, ReferByLetter, ReferInMeeting}

// ReferralMethodTitle returns how a referral was made, as a page shows it.
func ReferralMethodTitle(m string) string {
	switch m {
	case ReferByPhone:
		return "Phone call"
	case ReferOnline:
		return "Online form"
	case ReferByLetter:
		return "Letter"
	case ReferByEmail:
		return "Email"
	case ReferInMeeting:
		return "Meeting"
	}
	return m
}

// Referral statuses as lists filter them. A referral is open or closed;
// an open one is also overdue when no response has come by the time one
// was expected.
const (
	ReferralOpen    = "open"
	ReferralOverdue = "overdue"
	ReferralClosed  = "closed"
)

// NotifyReferralOverdue is the kind of the notification that a referral
// has had no response by the time one was expected.
const NotifyReferralOverdue = "referral.overdue"

// MaxTimescaleDays is the longest response timescale an agency may have,
// in working days.
const MaxTimescaleDays = 90

// ReferralAgency is an agency a school refers to, with the number of
// working days in which it is expected to respond. Schools may change the
// timescales and add their own agencies.
type ReferralAgency struct {
	Key           string
	Name          string
	TimescaleDays int
	Position      int
	Active        bool
}

// Validate checks an agency before it is saved.
func (g *ReferralAgency) Validate() error {
	p := Problems{}
	if !agencyKeyOK(g.Key) {
		p.Add("key", "Use 1 to 40 lowercase letters, digits and underscores.")
	}
	checkText(p, "name", g.Name, true, 120)
	if g.TimescaleDays < 0 || g.TimescaleDays > MaxTimescaleDays {
		p.Add("timescale_days", "A timescale is 0 to "+itoa(MaxTimescaleDays)+" working days.")
	}
	return p.Err()
}

func agencyKeyOK(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// DefaultReferralAgencies are the agencies every school starts with and
// the working days each is expected to take to respond. Children's
// services decide what happens next within one working day of a referral
// (Working Together to Safeguard Children); the police and the LADO are
// expected to respond as quickly; the others are common local timescales
// that a school should set to its own area's.
func DefaultReferralAgencies() []ReferralAgency {
	list := []ReferralAgency{
		{Key: "childrens_services", Name: "Children's services (MASH / front door)", TimescaleDays: 1},
		{Key: "police", Name: "Police", TimescaleDays: 1},
		{Key: "lado", Name: "LADO (allegation about an adult)", TimescaleDays: 1},
		{Key: "early_help", Name: "Early Help", TimescaleDays: 10},
		{Key: "camhs", Name: "NHS / CAMHS", TimescaleDays: 20},
		{Key: "school_nurse", Name: "School nurse", TimescaleDays: 5},
		{Key: "other", Name: "Other agency", TimescaleDays: 10},
	}
	for i := range list {
		list[i].Position, list[i].Active = i+1, true
	}
	return list
}

// Referral is a referral of a pupil to an outside agency, perhaps about one
// of their concerns, and what came of it. Contact, Details, Response and
// Outcome are sealed at rest; the reference number is not secret and stays
// clear so it can be quoted and found.
type Referral struct {
	ID        ReferralID
	SchoolID  SchoolID
	PupilID   PupilID
	ConcernID ConcernID // "" when the referral stands on its own
	Agency    string    // a ReferralAgency key
	Method    string    // one of ReferralMethods
	MadeAt    time.Time
	Reference string
	Contact   string // who at the agency, and how to reach them
	Details   string // what was shared and discussed
	MadeBy    PersonID

	// TimescaleDays is the agency's timescale when the referral was made,
	// and ExpectedBy the moment a response was due by (see ResponseDue).
	TimescaleDays int
	ExpectedBy    time.Time

	ResponseOn         Date // when the agency's response came
	Response           string
	ResponseBy         PersonID // who recorded it
	ResponseRecordedAt time.Time
	Outcome            string
	ClosedAt           time.Time
	ClosedBy           PersonID
	OverdueNotifiedAt  time.Time // when the school was told it was overdue
	CreatedAt          time.Time

	// Filled on reads for display.
	PupilName     string
	AgencyName    string
	MakerName     string
	ResponderName string
	CloserName    string
	// Overdue is set on reads: open, no response, and past ExpectedBy at
	// the time of the read.
	Overdue bool
}

// Responded reports whether the agency's response has been recorded.
func (r *Referral) Responded() bool { return !r.ResponseOn.IsZero() }

// Closed reports whether the referral is closed.
func (r *Referral) Closed() bool { return !r.ClosedAt.IsZero() }

// OverdueAt reports whether the referral is open with no response past the
// time one was expected, at now.
func (r *Referral) OverdueAt(now time.Time) bool {
	return !r.Closed() && !r.Responded() && !r.ExpectedBy.IsZero() && now.After(r.ExpectedBy)
}

// Status returns open, overdue or closed.
func (r *Referral) Status() string {
	switch {
	case r.Closed():
		return ReferralClosed
	case r.Overdue:
		return ReferralOverdue
	}
	return ReferralOpen
}

// Validate checks a referral before it is saved, at time now. Problems are
// named by field: pupil_id, concern_id, agency, method, made_at, reference,
// contact, details.
func (r *Referral) Validate(now time.Time) error {
	p := Problems{}
	if !ValidID(string(r.PupilID)) {
		p.Add("pupil_id", "Choose the pupil.")
	}
	if r.ConcernID != "" && !ValidID(string(r.ConcernID)) {
		p.Add("concern_id", "The concern is not known.")
	}
	if strings.TrimSpace(r.Agency) == "" {
		p.Add("agency", "Choose the agency.")
	} else if !agencyKeyOK(r.Agency) {
		p.Add("agency", "Choose an agency from the list.")
	}
	if !slices.Contains(ReferralMethods, r.Method) {
		p.Add("method", "Choose how the referral was made: phone, online form, email, letter or meeting.")
	}
	switch {
	case r.MadeAt.IsZero():
		p.Add("made_at", "Say when the referral was made.")
	case r.MadeAt.After(now.Add(time.Minute)):
		p.Add("made_at", "This is in the future.")
	case r.MadeAt.Before(now.AddDate(-2, 0, 0)):
		p.Add("made_at", "This is more than two years ago.")
	}
	checkText(p, "reference", r.Reference, false, 100)
	checkMultiline(p, "contact", r.Contact, false, 1000)
	checkMultiline(p, "details", r.Details, false, MaxBodyText)
	return p.Err()
}

// ValidateResponse checks a response before it is recorded, on today.
func (r *Referral) ValidateResponse(on Date, text string, today Date) error {
	p := Problems{}
	switch {
	case on.IsZero():
		p.Add("response_on", "Say when the response came.")
	case on.After(today):
		p.Add("response_on", "This is in the future.")
	case !r.MadeAt.IsZero() && on.Before(shiftDate(DateOf(r.MadeAt.UTC()), -1)):
		p.Add("response_on", "This is before the referral was made.")
	}
	checkMultiline(p, "response", text, true, MaxBodyText)
	return p.Err()
}

// Holiday is a range of days on which the school and agencies' working
// days do not count: a bank holiday or a school holiday. From and To are
// both included.
type Holiday struct {
	ID       string
	Name     string
	From, To Date
}

// MaxHolidayDays is the longest holiday one entry may cover.
const MaxHolidayDays = 100

// Validate checks a holiday before it is saved.
func (h *Holiday) Validate() error {
	p := Problems{}
	checkText(p, "name", h.Name, true, 120)
	switch {
	case h.From.IsZero():
		p.Add("from", "Give the first day.")
	case h.To.IsZero():
		p.Add("to", "Give the last day.")
	case h.To.Before(h.From):
		p.Add("to", "The last day is before the first.")
	case h.To.After(shiftDate(h.From, MaxHolidayDays-1)):
		p.Add("to", "A holiday can be at most "+itoa(MaxHolidayDays)+" days; add longer breaks in parts.")
	}
	return p.Err()
}

// Contains reports whether d is one of the holiday's days.
func (h *Holiday) Contains(d Date) bool { return !d.Before(h.From) && !d.After(h.To) }

// EnglandBankHolidays are the bank holidays of England and Wales from 2025
// to 2027, as GOV.UK publishes them, substitute days included. Every school
// starts with them.
func EnglandBankHolidays() []Holiday {
	days := []struct {
		y    int
		m    time.Month
		d    int
		name string
	}{
		{2025, 1, 1, "New Year's Day"}, {2025, 4, 18, "Good Friday"}, {2025, 4, 21, "Easter Monday"},
		{2025, 5, 5, "Early May bank holiday"}, {2025, 5, 26, "Spring bank holiday"}, {2025, 8, 25, "Summer bank holiday"},
		{2025, 12, 25, "Christmas Day"}, {2025, 12, 26, "Boxing Day"},
		{2026, 1, 1, "New Year's Day"}, {2026, 4, 3, "Good Friday"}, {2026, 4, 6, "Easter Monday"},
		{2026, 5, 4, "Early May bank holiday"}, {2026, 5, 25, "Spring bank holiday"}, {2026, 8, 31, "Summer bank holiday"},
		{2026, 12, 25, "Christmas Day"}, {2026, 12, 28, "Boxing Day (substitute day)"},
		{2027, 1, 1, "New Year's Day"}, {2027, 3, 26, "Good Friday"}, {2027, 3, 29, "Easter Monday"},
		{2027, 5, 3, "Early May bank holiday"}, {2027, 5, 31, "Spring bank holiday"}, {2027, 8, 30, "Summer bank holiday"},
		{2027, 12, 27, "Christmas Day (substitute day)"}, {2027, 12, 28, "Boxing Day (substitute day)"},
	}
	out := make([]Holiday, len(days))
	for i, d := range days {
		day := NewDate(d.y, d.m, d.d)
		out[i] = Holiday{Name: d.name, From: day, To: day}
	}
	return out
}

// DayEndHour and DayEndMinute are when the working day ends, in the
// school's time zone: a referral made later counts from the next working
// day, and a response is due by this time on its last working day.
const (
	DayEndHour   = 16
	DayEndMinute = 0
)

// Calendar is what decides working days: the school's time zone (London
// when nil) and holidays. Saturdays and Sundays are never working days.
type Calendar struct {
	Loc      *time.Location
	Holidays []Holiday
}

// WorkingDay reports whether d is a working day.
func (c Calendar) WorkingDay(d Date) bool {
	if wd := d.Time().Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	for i := range c.Holidays {
		if c.Holidays[i].Contains(d) {
			return false
		}
	}
	return true
}

// maxCalendarSearch bounds the search for working days, so a calendar that
// is all holiday cannot loop for ever: ten years of days.
const maxCalendarSearch = 3660

// NextWorkingDay returns the first working day after d, or d plus
// maxCalendarSearch days if there is none that close.
func (c Calendar) NextWorkingDay(d Date) Date {
	for range maxCalendarSearch {
		d = shiftDate(d, 1)
		if c.WorkingDay(d) {
			return d
		}
	}
	return d
}

// ResponseDue returns when a response to a referral made at made is due,
// given the agency's timescale in working days. The count starts on the
// day the referral was made if that is a working day and it was made
// before the working day ended (DayEndHour in the school's zone);
// otherwise on the next working day. The response is due by the end of the
// working day that many working days after the start: a referral made on
// Monday at 10:00 with a timescale of one working day is due by Tuesday at
// 16:00; one made on Friday at 16:55 counts from Monday and is due by
// Tuesday at 16:00. A timescale of 0 is due by the end of the start day.
// Days are counted in the school's zone, so a change of clocks moves
// nothing: the answer is always 16:00 local time.
func (c Calendar) ResponseDue(made time.Time, days int) time.Time {
	loc := c.Loc
	if loc == nil {
		loc = london()
	}
	local := made.In(loc)
	day := DateOf(local)
	end := time.Date(local.Year(), local.Month(), local.Day(), DayEndHour, DayEndMinute, 0, 0, loc)
	if !c.WorkingDay(day) || !local.Before(end) {
		day = c.NextWorkingDay(day)
	}
	for range max(days, 0) {
		day = c.NextWorkingDay(day)
	}
	t := day.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), DayEndHour, DayEndMinute, 0, 0, loc).UTC()
}

func london() *time.Location {
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		return loc
	}
	return time.UTC
}

// shiftDate returns the date n days after d (before, for negative n).
func shiftDate(d Date, n int) Date {
	t := d.Time()
	return NewDate(t.Year(), t.Month(), t.Day()+n)
}

// TimescaleText returns a timescale as a page shows it: "1 working day".
func TimescaleText(days int) string {
	switch days {
	case 0:
		return "the same working day"
	case 1:
		return "1 working day"
	}
	return itoa(days) + " working days"
}
