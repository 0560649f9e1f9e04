package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// The school's calendar (its holidays) and its referral agencies decide
// when an agency's response to a referral is due. Those who manage the
// school's settings keep them, in the browser or, as the operator, with
// vigil school holidays and vigil school agencies; both come through
// here, so the rules and the audit are the same.

// Audit actions for the school's calendar and agencies. They are school
// settings, so the audit pages file them under "School settings".
const (
	AuditHolidayAdded   = "school.holiday_added"
	AuditHolidayRemoved = "school.holiday_removed"
	AuditAgencyAdded    = "school.agency_added"
	AuditAgencyChanged  = "school.agency_changed"
	AuditAgencyRetired  = "school.agency_retired"
	AuditAgencyRestored = "school.agency_restored"
)

func init() {
	auditLabels[AuditHolidayAdded] = "Added a school holiday"
	auditLabels[AuditHolidayRemoved] = "Removed a school holiday"
	auditLabels[AuditAgencyAdded] = "Added a referral agency"
	auditLabels[AuditAgencyChanged] = "Changed a referral agency"
	auditLabels[AuditAgencyRetired] = "Retired a referral agency"
	auditLabels[AuditAgencyRestored] = "Brought back a referral agency"
}

// errHolidayNotFound is the answer for a holiday that is missing or
// another school's: the two cannot be told apart.
func errHolidayNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Holiday not found.") }

// errAgencyNotFound is errHolidayNotFound for agencies.
func errAgencyNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Agency not found.") }

// Holidays returns the school's holidays, earliest first, bank holidays
// included, for those who manage the school's settings (authz.ViewSettings)
// and the operator.
func (a *App) Holidays(ctx context.Context) ([]vigil.Holiday, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	return a.Store.FindHolidays(ctx)
}

// AddHoliday adds a holiday to the school's calendar and sets h.ID. A
// holiday with no last day is one day long. Problems are EINVALID naming
// the field (name, from or to); one of the same name starting on the same
// day is EINVALID on from. It needs authz.ViewSettings and is audited with
// its dates, never its name. Referrals already made keep their due times.
func (a *App) AddHoliday(ctx context.Context, h *vigil.Holiday) error {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return err
	}
	h.Name = strings.TrimSpace(h.Name)
	if h.To.IsZero() {
		h.To = h.From
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.AddHoliday(ctx, h); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditHolidayAdded, ObjectType: "holiday", ObjectID: h.ID,
			Detail: map[string]string{"from": h.From.String(), "to": h.To.String()}})
	})
}

// RemoveHoliday takes one of the school's holidays out of its calendar and
// returns it. A missing one, or another school's, is ENOTFOUND. It needs
// authz.ViewSettings and is audited. Referrals already made keep their due
// times.
func (a *App) RemoveHoliday(ctx context.Context, id string) (*vigil.Holiday, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	if !vigil.ValidID(id) {
		return nil, errHolidayNotFound()
	}
	var gone *vigil.Holiday
	err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
		hs, err := a.Store.FindHolidays(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(hs, func(h vigil.Holiday) bool { return h.ID == id })
		if i < 0 {
			return errHolidayNotFound()
		}
		gone = &hs[i]
		if err := a.Store.RemoveHoliday(ctx, id); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditHolidayRemoved, ObjectType: "holiday", ObjectID: id,
			Detail: map[string]string{"from": gone.From.String(), "to": gone.To.String()}})
	})
	if err != nil {
		return nil, err
	}
	return gone, nil
}

// AcademicYear is an English school year, 1 September to 31 August, named
// by the calendar year it starts in: 2026 is the year 2026 to 2027.
type AcademicYear int

// AcademicYearOf returns the academic year d falls in.
func AcademicYearOf(d vigil.Date) AcademicYear {
	t := d.Time()
	if t.Month() >= time.September {
		return AcademicYear(t.Year())
	}
	return AcademicYear(t.Year() - 1)
}

// String returns the year as a page names it: "2026 to 2027".
func (y AcademicYear) String() string { return fmt.Sprintf("%d to %d", int(y), int(y)+1) }

// First returns the year's first day, 1 September.
func (y AcademicYear) First() vigil.Date { return vigil.NewDate(int(y), time.September, 1) }

// Last returns the year's last day, 31 August.
func (y AcademicYear) Last() vigil.Date { return vigil.NewDate(int(y)+1, time.August, 31) }

// HolidayEntry is one of the school's own holidays (a term break, an INSET
// day) with the number of weekdays it takes out of the working week.
type HolidayEntry struct {
	vigil.Holiday
	Weekdays int
}

// BankHoliday is one of England's bank holidays and whether the school's
// calendar skips it: it does while the bank holiday, or a longer holiday
// that covers it, is in the school's holidays.
type BankHoliday struct {
	Name    string
	Day     vigil.Date
	Skipped bool
}

// CalendarYear is one academic year of the school's calendar.
type CalendarYear struct {
	Year AcademicYear
	// Past is true for a year that ended before the current one began.
	Past bool
	// Holidays are the school's own, earliest first; bank holidays the
	// school has as they are come in BankHolidays instead.
	Holidays     []HolidayEntry
	BankHolidays []BankHoliday
}

// HolidayCalendar is the school's calendar as the settings page shows it:
// its holidays by academic year, earliest first, and England's bank
// holidays as Vigil knows them.
type HolidayCalendar struct {
	Years   []*CalendarYear
	Today   vigil.Date // in the school's time zone
	Current AcademicYear
	// BankFirst and BankLast are the first and last bank holidays Vigil
	// knows (vigil.EnglandBankHolidays); later ones must be added.
	BankFirst, BankLast vigil.Date
}

// HolidayCalendar returns the school's calendar by academic year, for
// those who manage the school's settings. The current academic year is
// always there, even with nothing in it.
func (a *App) HolidayCalendar(ctx context.Context) (*HolidayCalendar, error) {
	hs, err := a.Holidays(ctx)
	if err != nil {
		return nil, err
	}
	return BuildHolidayCalendar(hs, vigil.EnglandBankHolidays(), vigil.DateOf(a.Now().In(a.location(ctx)))), nil
}

// BuildHolidayCalendar sorts a school's holidays into academic years on
// today. A holiday belongs to the year of its first day. An entry of one
// day with a bank holiday's name and date is shown as that bank holiday,
// not as one of the school's own.
func BuildHolidayCalendar(school, bank []vigil.Holiday, today vigil.Date) *HolidayCalendar {
	c := &HolidayCalendar{Today: today, Current: AcademicYearOf(today)}
	years := map[AcademicYear]*CalendarYear{}
	year := func(y AcademicYear) *CalendarYear {
		if years[y] == nil {
			years[y] = &CalendarYear{Year: y, Past: y < c.Current}
		}
		return years[y]
	}
	year(c.Current)
	isBank := map[string]bool{}
	for _, b := range bank {
		isBank[b.From.String()+"|"+b.Name] = true
		if c.BankFirst.IsZero() || b.From.Before(c.BankFirst) {
			c.BankFirst = b.From
		}
		if b.To.After(c.BankLast) {
			c.BankLast = b.To
		}
	}
	cal := vigil.Calendar{Holidays: school}
	for _, b := range bank {
		y := year(AcademicYearOf(b.From))
		y.BankHolidays = append(y.BankHolidays, BankHoliday{Name: b.Name, Day: b.From, Skipped: !cal.WorkingDay(b.From)})
	}
	for _, h := range school {
		if h.From.String() == h.To.String() && isBank[h.From.String()+"|"+h.Name] {
			continue
		}
		y := year(AcademicYearOf(h.From))
		y.Holidays = append(y.Holidays, HolidayEntry{Holiday: h, Weekdays: weekdays(h.From, h.To)})
	}
	for _, y := range years {
		slices.SortStableFunc(y.Holidays, func(p, q HolidayEntry) int { return p.From.Time().Compare(q.From.Time()) })
		slices.SortStableFunc(y.BankHolidays, func(p, q BankHoliday) int { return p.Day.Time().Compare(q.Day.Time()) })
		c.Years = append(c.Years, y)
	}
	slices.SortFunc(c.Years, func(p, q *CalendarYear) int { return int(p.Year) - int(q.Year) })
	return c
}

// weekdays counts the Mondays to Fridays from first to last, both
// included.
func weekdays(first, last vigil.Date) int {
	n := 0
	for t := first.Time(); !t.After(last.Time()); t = t.AddDate(0, 0, 1) {
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// ReferralAgencies returns the school's referral agencies in order,
// retired ones included, for those who manage the school's settings.
func (a *App) ReferralAgencies(ctx context.Context) ([]vigil.ReferralAgency, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	return a.Store.ReferralAgencies(ctx)
}

// AddReferralAgency adds an agency to the end of the school's list and
// returns it. With no Key, one is made from the name ("Youth Offending
// Team" is youth_offending_team, or youth_offending_team_2 when that is
// taken). A name another of the school's agencies has, or a key it has
// already, is EINVALID naming name or key; so are the problems of
// vigil.ReferralAgency.Validate (name, key, timescale_days). It needs
// authz.ViewSettings and is audited.
func (a *App) AddReferralAgency(ctx context.Context, g vigil.ReferralAgency) (*vigil.ReferralAgency, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	g.Name, g.Key = strings.TrimSpace(g.Name), strings.TrimSpace(g.Key)
	err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
		list, err := a.Store.ReferralAgencies(ctx)
		if err != nil {
			return err
		}
		if g.Key == "" {
			if g.Key = freeAgencyKey(list, g.Name); g.Key == "" {
				return vigil.FieldError("name", "Give this agency a name that differs more from the others.")
			}
		} else if slices.ContainsFunc(list, func(o vigil.ReferralAgency) bool { return o.Key == g.Key }) {
			return vigil.FieldError("key", "The school already has an agency with this key.")
		}
		if err := g.Validate(); err != nil {
			return err
		}
		if err := checkAgencyName(list, g.Key, g.Name); err != nil {
			return err
		}
		if err := a.Store.SaveReferralAgency(ctx, &g); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditAgencyAdded, ObjectType: "referral_agency", ObjectID: g.Key,
			Detail: map[string]string{"timescale_days": strconv.Itoa(g.TimescaleDays), "active": strconv.FormatBool(g.Active)}})
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// AgencyChange is a change to one of the school's agencies; a nil field
// is left as it is.
type AgencyChange struct {
	Name          *string
	TimescaleDays *int
	Active        *bool // false retires the agency: referral forms stop offering it
}

// ChangeReferralAgency changes one of the school's agencies and returns it
// as it now is. An agency is never deleted, so the referrals made to it
// keep their agency; retiring it only stops the referral form offering it.
// Referrals already made keep their timescale and due time. A key the
// school does not have (another school's own agency, say) is ENOTFOUND;
// problems are EINVALID naming name or timescale_days. It needs
// authz.ViewSettings; a change is audited as a retirement, a return, or
// otherwise a change, and nothing to change is not a change.
func (a *App) ChangeReferralAgency(ctx context.Context, key string, c AgencyChange) (*vigil.ReferralAgency, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	var g vigil.ReferralAgency
	err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
		list, err := a.Store.ReferralAgencies(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(o vigil.ReferralAgency) bool { return o.Key == key })
		if i < 0 {
			return errAgencyNotFound()
		}
		old := list[i]
		g = old
		if c.Name != nil {
			g.Name = strings.TrimSpace(*c.Name)
		}
		if c.TimescaleDays != nil {
			g.TimescaleDays = *c.TimescaleDays
		}
		if c.Active != nil {
			g.Active = *c.Active
		}
		if g == old {
			return nil
		}
		if err := g.Validate(); err != nil {
			return err
		}
		if g.Name != old.Name {
			if err := checkAgencyName(list, g.Key, g.Name); err != nil {
				return err
			}
		}
		if err := a.Store.SaveReferralAgency(ctx, &g); err != nil {
			return err
		}
		action, detail := AuditAgencyChanged, map[string]string{}
		if g.TimescaleDays != old.TimescaleDays {
			detail["timescale_days"], detail["was"] = strconv.Itoa(g.TimescaleDays), strconv.Itoa(old.TimescaleDays)
		}
		if g.Name != old.Name {
			detail["name"] = "changed"
		}
		if g.Active != old.Active {
			detail["active"] = strconv.FormatBool(g.Active)
			action = map[bool]string{false: AuditAgencyRetired, true: AuditAgencyRestored}[g.Active]
		}
		return a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "referral_agency", ObjectID: g.Key, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// checkAgencyName refuses a name that another of the school's agencies
// (other than the one with key) has, retired ones included: a referral
// form offering two of the same name invites the wrong choice.
func checkAgencyName(list []vigil.ReferralAgency, key, name string) error {
	for _, o := range list {
		if o.Key != key && strings.EqualFold(strings.TrimSpace(o.Name), name) {
			if !o.Active {
				return vigil.FieldError("name", "The school has a retired agency of this name: bring it back instead.")
			}
			return vigil.FieldError("name", "The school already has an agency of this name.")
		}
	}
	return nil
}

// maxKeyBase leaves room in an agency key (at most 40 characters) for a
// suffix such as _12.
const maxKeyBase = 36

// agencyKey makes an agency key from a name: its letters and digits in
// lower case, each run of anything else one underscore, apostrophes
// dropped ("Children's services" is childrens_services). A name with no
// letters or digits a-z and 0-9 gives "agency".
func agencyKey(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(r)
		case r == '\'' || r == '’':
		default:
			gap = true
		}
		if b.Len() >= maxKeyBase {
			break
		}
	}
	k := strings.TrimRight(b.String()[:min(b.Len(), maxKeyBase)], "_")
	if k == "" {
		return "agency"
	}
	return k
}

// freeAgencyKey returns a key made from name that none of list has, or ""
// when the first hundred are all taken.
func freeAgencyKey(list []vigil.ReferralAgency, name string) string {
	base := agencyKey(name)
	taken := map[string]bool{}
	for _, o := range list {
		taken[o.Key] = true
	}
	if !taken[base] {
		return base
	}
	for n := 2; n < 100; n++ {
		if k := base + "_" + strconv.Itoa(n); !taken[k] {
			return k
		}
	}
	return ""
}
