package demo

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
)

// The history is drawn from its own fixed seed, so the same roll on the
// same day gives the same records.
const historySeed1, historySeed2 = 0x486973746f727921, 2 // "History!"

// History is what SeedHistory made.
type History struct {
	Concerns, Actions, Notes, Closed, Revised, KeyEvents, Unreviewed int
	// Skipped is true when the school had concerns already and nothing was
	// added.
	Skipped bool
}

// SeedHistory gives the demo school two school years of invented
// safeguarding records: about three hundred concerns over the pupils of
// res, with reviews, actions, further information, corrections, key events
// and outcomes. A few pupils (those with a child protection plan or a
// child in need plan among them) have long chronologies; low-level
// behaviour, pastoral and attendance concerns are spread widely. The
// newest concerns are not yet reviewed, and some actions given to the DSL
// and the deputy are open, a few of them overdue on now's date.
//
// Everything goes through the app layer, acting as the demo staff, so it is
// sealed, indexed and audited like real records. Each record is back-dated
// by setting the store's and the app's clocks to its simulated time; they
// are put back before SeedHistory returns, so it must not run beside other
// work on s. Alert emails are dropped; the in-app notifications of all but
// the last few school days are marked read.
//
// A school with any concern already is left as it is (Skipped), so running
// the demo again adds nothing.
func SeedHistory(ctx context.Context, s *store.Store, v *crypt.Vault, res *Result, now time.Time) (*History, error) {
	school := res.School.ID
	sys := vigil.SystemContext(ctx, school)
	n, err := s.CountConcerns(sys, store.ConcernFilter{Visibility: store.Visibility{All: true}})
	if err != nil {
		return nil, fmt.Errorf("demo: count concerns: %w", err)
	}
	if n > 0 {
		return &History{Skipped: true}, nil
	}
	w, err := newWriter(sys, s, school, now)
	if err != nil {
		return nil, err
	}
	w.plan()
	steps := w.steps()

	// Make the school's keys now, at the real time, rather than inside the
	// back-dated records.
	if _, err := v.SearchKey(sys, school); err != nil {
		return nil, fmt.Errorf("demo: search key: %w", err)
	}
	if _, err := v.Seal(sys, school, "concerns", "demo", "body", nil); err != nil {
		return nil, fmt.Errorf("demo: school key: %w", err)
	}

	a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
	a.Vault, a.Emails, a.Mailer = v, dropEmails{}, notify.Discard{}
	realNow := s.Now
	defer func() { s.Now = realNow }()
	h := &History{}
	for _, st := range steps {
		at := st.at
		s.Now = func() time.Time { return at }
		a.Now = s.Now
		if err := st.run(ctx, a, h); err != nil {
			return nil, fmt.Errorf("demo: history at %s, %s: %w", at.Format(time.DateTime), st.what, err)
		}
	}
	return h, nil
}

// dropEmails is an email queue that drops every message: the demo alerts
// nobody by email.
type dropEmails struct{}

func (dropEmails) EnqueueEmail(context.Context, notify.Message) error { return nil }

// member is one demo account acting in the school.
type member struct {
	key  string
	act  *vigil.Actor // stepped up, with their permissions
	id   vigil.PersonID
	name string // as pupils and colleagues say it: "Mrs Whitfield"
}

// in returns ctx acting as the member.
func (m *member) in(ctx context.Context) context.Context { return vigil.NewContext(ctx, m.act) }

// kid is a pupil as the records speak of them.
type kid struct {
	p      *vigil.Pupil
	name   string // the forename they go by
	male   bool
	carer  string // first contact as staff say it: "mum", "dad", "nan", "foster carer"
	carerF bool   // the carer is a woman
	carer2 string // second contact, or ""
	sw     string // the social worker's name, or ""
	from   time.Time
	until  time.Time // zero while on roll
}

// writer plans the history: every record with its time, then runs it.
type writer struct {
	r      *rand.Rand
	loc    *time.Location
	now    time.Time
	year   int // the school year holding now began in September of year
	days   []time.Time
	staff  map[string]*member
	cats   map[string]vigil.CategoryID // active categories by key
	high   map[string]bool             // categories for the DSL team only
	types  map[string]bool             // active action types
	kids   []*kid
	byFlag map[vigil.Flag][]*kid
	plans  []*plan
	used   map[string]bool // bodies written already
	busy   map[*kid]int    // stories told about a pupil
}

// Staff as pupils and colleagues name them; keys as in staff.
var staffTitles = map[string]string{
	"dsl": "Mrs Whitfield", "deputy": "Mr Asante", "head": "Mrs Ellery", "senco": "Mrs Raman",
	"pastoral": "Mr O'Rourke", "attendance": "Mrs Kowalczyk", "teacher": "Mr Hadley",
}

func newWriter(sys context.Context, s *store.Store, school vigil.SchoolID, now time.Time) (*writer, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	w := &writer{r: rand.New(rand.NewPCG(historySeed1, historySeed2)), loc: loc, now: now,
		staff: map[string]*member{}, cats: map[string]vigil.CategoryID{}, high: map[string]bool{}, types: map[string]bool{},
		byFlag: map[vigil.Flag][]*kid{}, used: map[string]bool{}, busy: map[*kid]int{}}
	w.year = academicYear(vigil.DateOf(now.In(loc)))
	w.days = schoolDays(time.Date(w.year-1, time.September, 1, 0, 0, 0, 0, loc), now.In(loc))
	if len(w.days) < 20 {
		return nil, fmt.Errorf("demo: too few school days before %s for a history", now.Format(time.DateOnly))
	}

	members, err := s.FindMembers(sys)
	if err != nil {
		return nil, fmt.Errorf("demo: find members: %w", err)
	}
	for _, m := range members {
		key, _, _ := strings.Cut(m.PersonEmail, "@")
		if staffTitles[key] == "" || !m.Active {
			continue
		}
		perms, err := s.FindPermissions(sys, m.PersonID)
		if err != nil {
			return nil, fmt.Errorf("demo: permissions of %s: %w", m.PersonID, err)
		}
		act := &vigil.Actor{PersonID: m.PersonID, SchoolID: school, Role: m.Role, Designated: m.Designated, SteppedUp: true, Permissions: perms}
		w.staff[key] = &member{key: key, act: act, id: m.PersonID, name: staffTitles[key]}
	}
	for key := range staffTitles {
		if w.staff[key] == nil {
			return nil, fmt.Errorf("demo: the %s account is missing", key)
		}
	}
	cats, err := s.FindCategories(sys, true)
	if err != nil {
		return nil, fmt.Errorf("demo: find categories: %w", err)
	}
	for _, c := range cats {
		if c.Active {
			w.cats[c.Key] = c.ID
			w.high[c.Key] = c.Sensitivity == vigil.SensitivityHigh || c.Sensitivity == vigil.SensitivityRestricted
		}
	}
	types, err := s.ActionTypes(sys)
	if err != nil {
		return nil, fmt.Errorf("demo: action types: %w", err)
	}
	for _, t := range types {
		if t.Active {
			w.types[t.Key] = true
		}
	}

	pupils, _, err := s.FindPupils(sys, vigil.PupilFilter{Status: vigil.StatusAll})
	if err != nil {
		return nil, fmt.Errorf("demo: find pupils: %w", err)
	}
	slices.SortFunc(pupils, func(a, b *vigil.Pupil) int { return cmp.Compare(a.MISID, b.MISID) })
	start := w.days[0]
	for _, p := range pupils {
		k := &kid{p: p, name: p.Forename(), male: p.Sex == "M", from: start}
		if p.OnRoll && p.YearGroup == "R" {
			k.from = time.Date(w.year, time.September, 1, 0, 0, 0, 0, loc)
		}
		if !p.OnRoll {
			if p.LeftOn.IsZero() || p.LeftOn.Time().Before(start) {
				continue
			}
			k.until = time.Date(p.LeftOn.Time().Year(), p.LeftOn.Time().Month(), p.LeftOn.Time().Day(), 0, 0, 0, 0, loc)
		}
		cs, err := s.FindContacts(sys, p.ID)
		if err != nil {
			return nil, fmt.Errorf("demo: contacts of %s: %w", p.ID, err)
		}
		k.carer, k.carerF = "mum", true
		for i, c := range cs {
			word, woman := carerWord(c)
			switch {
			case c.Relationship == "Social worker":
				k.sw = c.Name
			case i == 0:
				k.carer, k.carerF = word, woman
			case k.carer2 == "":
				k.carer2 = word
			}
		}
		w.kids = append(w.kids, k)
		for f, on := range p.Flags {
			if on && p.OnRoll {
				w.byFlag[f] = append(w.byFlag[f], k)
			}
		}
	}
	for _, list := range w.byFlag {
		slices.SortFunc(list, func(a, b *kid) int { return cmp.Compare(a.p.MISID, b.p.MISID) })
	}
	return w, nil
}

// carerWord returns how staff name a contact in a record ("mum") and
// whether they are a woman.
func carerWord(c *vigil.Contact) (string, bool) {
	switch c.Relationship {
	case "Mother":
		return "mum", true
	case "Father":
		return "dad", false
	case "Grandparent":
		return "grandparent", true
	case "Aunt":
		return "aunt", true
	case "Foster carer":
		return "foster carer", true
	case "Carer":
		return "mum's partner", false
	}
	return strings.ToLower(c.Relationship), true
}

// days returns the school days on which the pupil was on roll.
func (w *writer) daysOf(k *kid) []time.Time {
	var out []time.Time
	for _, d := range w.days {
		if !d.Before(k.from) && (k.until.IsZero() || d.Before(k.until)) {
			out = append(out, d)
		}
	}
	return out
}

// yearAt returns the year group the pupil was in at t.
func (w *writer) yearAt(k *kid, t time.Time) string {
	if !k.p.OnRoll || academicYear(vigil.DateOf(t)) == w.year {
		return k.p.YearGroup
	}
	i := indexOf(yearGroups, k.p.YearGroup)
	if i <= 0 {
		return k.p.YearGroup
	}
	return yearGroups[i-1]
}

// The school calendar: approximate English term dates, weekends, half
// terms and the early May bank holiday off.
func inTerm(d time.Time) bool {
	if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		return false
	}
	y, m, day := d.Date()
	md := int(m)*100 + day
	halfTerm := func(month time.Month, dayIn int) bool {
		h := time.Date(y, month, dayIn, 0, 0, 0, 0, d.Location())
		monday := h.AddDate(0, 0, -((int(h.Weekday()) + 6) % 7))
		return !d.Before(monday) && d.Before(monday.AddDate(0, 0, 5))
	}
	switch {
	case md >= 903 && md <= 1219:
		return !halfTerm(time.October, 28)
	case md >= 105 && md <= 327:
		return !halfTerm(time.February, 16)
	case md >= 413 && md <= 721:
		firstMonday := m == time.May && day <= 7 && d.Weekday() == time.Monday
		return !halfTerm(time.May, 28) && !firstMonday
	}
	return false
}

// schoolDays returns the school days from from to the day before to, at
// midnight in to's location.
func schoolDays(from, to time.Time) []time.Time {
	var out []time.Time
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, to.Location())
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, to.Location()); d.Before(end); d = d.AddDate(0, 0, 1) {
		if inTerm(d) {
			out = append(out, d)
		}
	}
	return out
}

// nextSchoolDay returns the school day n school days after d's day (n >= 1).
func nextSchoolDay(d time.Time, n int) time.Time {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, d.Location())
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if inTerm(day) {
			n--
		}
	}
	return day
}

// A plan is one concern and everything that follows it.
type plan struct {
	k        *kid
	part     string
	others   []link
	cats     []string
	by       string // reporter's key
	at       time.Time
	logAt    time.Time
	where    string
	text     string
	agencies string
	marks    []vigil.BodyMark
	key      bool
	then     []follow
	outcome  string
	unread   bool // left unreviewed

	id      vigil.ConcernID
	actions []vigil.ActionID // by index of then
}

// link is another pupil named in a concern.
type link struct {
	k    *kid
	part string
	cats []string
}

// follow is one thing done after a concern was logged.
type follow struct {
	days   int    // school days after the step before; 0: later that day
	by     string // staff key; "" for the concern's manager
	typ    string // an action type, "info" for further information, or "revise:FIELD"
	text   string
	assign string // staff key the action is given to
	due    int    // school days after it was taken
	done   int    // school days until it is done; 0 done as recorded; -1 never
	key    bool   // a key event in the subject's chronology
	reason string // why a field was revised
	shift  time.Duration
}

// step is one thing done at one moment.
type step struct {
	at   time.Time
	seq  int
	what string // for errors: what was being done, by whom
	run  func(ctx context.Context, a *app.App, h *History) error
}

// manager returns who acts on a concern in cats: the lead for the area
// when they manage all of it, otherwise the DSL or the deputy.
func (w *writer) manager(cats []string) string {
	if l := w.lead(cats); l != "" {
		return l
	}
	if w.r.IntN(100) < 40 && w.canManage("deputy", cats) {
		return "deputy"
	}
	return "dsl" // the DSL manages every category

}

// lead returns the member of staff who leads on a concern's first
// category when they manage all of them, or "".
func (w *writer) lead(cats []string) string {
	l := map[string]string{"behaviour": "pastoral", "pastoral": "pastoral", "bullying": "pastoral", "family": "pastoral",
		"sen": "senco", "medical": "senco", "attendance": "attendance", "allegation_staff": "head", "low_level_staff": "head"}[cats[0]]
	if l != "" && w.canManage(l, cats) {
		return l
	}
	return ""
}

func (w *writer) catIDs(keys []string) []vigil.CategoryID {
	out := make([]vigil.CategoryID, 0, len(keys))
	for _, k := range keys {
		out = append(out, w.cats[k])
	}
	return out
}

func (w *writer) canManage(who string, cats []string) bool {
	m := w.staff[who]
	return m != nil && authz.Concern(m.act, w.catIDs(cats), "") == authz.ConcernManage
}

func (w *writer) canReport(who string, cats []string) bool {
	m := w.staff[who]
	return m != nil && authz.CanReport(m.act, w.catIDs(cats))
}

// add keeps a plan if the school uses its categories and its time is
// before now.
func (w *writer) add(p *plan) bool {
	all := slices.Clone(p.cats)
	for _, o := range p.others {
		all = append(all, o.cats...)
	}
	for _, c := range all {
		if w.cats[c] == "" {
			return false
		}
	}
	if !w.canReport(p.by, all) {
		p.by = "teacher"
	}
	if !p.logAt.Before(w.now.Add(-time.Minute)) || p.at.After(p.logAt) {
		return false
	}
	w.plans = append(w.plans, p)
	return true
}

// urgent reports whether the plan is in a category for the DSL team:
// told in person straight away, logged and acted on within minutes.
func (w *writer) urgent(p *plan) bool {
	return slices.ContainsFunc(p.allCats(), func(c string) bool { return w.high[c] })
}

// allCats returns the categories over every pupil of the plan.
func (p *plan) allCats() []string {
	out := slices.Clone(p.cats)
	for _, o := range p.others {
		for _, c := range o.cats {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// steps turns the plans into steps in time order.
func (w *writer) steps() []*step {
	var out []*step
	what := ""
	push := func(at time.Time, run func(ctx context.Context, a *app.App, h *History) error) {
		if at.Before(w.now.Add(-time.Minute)) {
			out = append(out, &step{at: at, seq: len(out), what: what, run: run})
		}
	}
	last := w.days[len(w.days)-1]
	// The last few school days' notifications are left unread; the rest
	// were read when everyone caught up before them.
	catchUp := w.days[max(0, len(w.days)-4)].Add(7*time.Hour + 30*time.Minute)
	for _, key := range slices.Sorted(maps.Keys(w.staff)) {
		m := w.staff[key]
		push(catchUp, func(ctx context.Context, a *app.App, h *History) error { return a.MarkNotificationsRead(m.in(ctx)) })
	}
	for _, p := range w.plans {
		p.actions = make([]vigil.ActionID, len(p.then))
		cats := p.allCats()
		mgr := w.manager(cats)
		reporter := w.staff[p.by]
		what = "log " + strings.Join(p.cats, ",") + " by " + p.by
		push(p.logAt, func(ctx context.Context, a *app.App, h *History) error {
			in := app.NewConcern{OccurredAt: p.at, Location: p.where, Body: p.text, Agencies: p.agencies, BodyMap: p.marks}
			in.Pupils = append(in.Pupils, vigil.ConcernPupil{PupilID: p.k.p.ID, Part: p.part, Categories: w.catIDs(p.cats)})
			for _, o := range p.others {
				in.Pupils = append(in.Pupils, vigil.ConcernPupil{PupilID: o.k.p.ID, Part: o.part, Categories: w.catIDs(o.cats)})
			}
			c, err := a.LogConcern(reporter.in(ctx), in)
			if err != nil {
				return fmt.Errorf("log concern: %w", err)
			}
			p.id = c.ID
			h.Concerns++
			if p.unread {
				h.Unreviewed++
			}
			return nil
		})
		t := p.logAt
		urgent := w.urgent(p)
		p.unread = !p.logAt.Before(last)
		if p.unread {
			// Nobody has opened it yet: only the reporter may have added to it.
			p.then = slices.DeleteFunc(slices.Clone(p.then), func(f follow) bool { return f.typ != "info" || f.by != "" && f.by != p.by })
			p.key = false
		} else {
			gap := 5 + w.r.IntN(100)
			if urgent {
				gap = 3 + w.r.IntN(15)
			}
			t = w.later(t, 0, gap, urgent)
			reviewer := w.staff[mgr]
			what = "review by " + mgr
			push(t, func(ctx context.Context, a *app.App, h *History) error {
				_, err := a.Concern(reviewer.in(ctx), p.id)
				return err
			})
		}
		if p.key {
			push(t.Add(2*time.Minute), func(ctx context.Context, a *app.App, h *History) error {
				h.KeyEvents++
				return a.SetKeyEvent(w.staff["dsl"].in(ctx), p.k.p.ID, string(p.id), true)
			})
		}
		open := false
		for i, f := range p.then {
			gap := 10 + w.r.IntN(90)
			if urgent {
				gap = 5 + w.r.IntN(35)
			}
			t = w.later(t, f.days, gap, urgent)
			if strings.Contains(f.text, "home time") {
				t = w.afterHomeTime(t)
			}
			by := f.by
			switch {
			case f.typ == "info":
				if by == "" {
					by = p.by
				}
				// A member who may only report cannot see even what they logged.
				if m := w.staff[by]; authz.Concern(m.act, w.catIDs(cats), w.staff[p.by].id) < authz.ConcernOwn {
					by = mgr
				}
			case f.typ != "info" && (by == "" || !w.canManage(by, cats)):
				by = mgr
			}
			m := w.staff[by]
			when := t
			what = f.typ + " by " + by + " on " + strings.Join(cats, ",")
			switch {
			case f.typ == "info":
				push(when, func(ctx context.Context, a *app.App, h *History) error {
					h.Notes++
					return a.AddNote(m.in(ctx), p.id, w.render(p, f.text, when), nil)
				})
			case strings.HasPrefix(f.typ, "revise:"):
				field := strings.TrimPrefix(f.typ, "revise:")
				push(when, func(ctx context.Context, a *app.App, h *History) error {
					value := w.render(p, f.text, when)
					switch field {
					case "body":
						value = p.text + "\n\n" + value
					case "occurred_at":
						value = p.at.Add(f.shift).In(w.loc).Format("2006-01-02T15:04")
					}
					h.Revised++
					return a.ReviseConcern(m.in(ctx), p.id, field, value, f.reason)
				})
			default:
				if !w.types[f.typ] {
					continue
				}
				in := app.NewAction{Type: f.typ, TakenOn: vigil.DateOf(when.In(w.loc)), Done: f.done == 0}
				doer := m // who marks it done
				if f.assign != "" && w.canManage(f.assign, cats) {
					doer = w.staff[f.assign]
				}
				if f.done != 0 {
					in.AssignedTo = doer.id
				}
				if f.due > 0 {
					in.DueOn = vigil.DateOf(nextSchoolDay(when.In(w.loc), f.due))
				}
				push(when, func(ctx context.Context, a *app.App, h *History) error {
					in.Body = w.render(p, f.text, when)
					ac, err := a.AddAction(m.in(ctx), p.id, in)
					if err != nil {
						return fmt.Errorf("add %s action: %w", f.typ, err)
					}
					p.actions[i] = ac.ID
					h.Actions++
					return nil
				})
				if f.key {
					push(when.Add(3*time.Minute), func(ctx context.Context, a *app.App, h *History) error {
						h.KeyEvents++
						return a.SetKeyEvent(w.staff["dsl"].in(ctx), p.k.p.ID, string(p.actions[i]), true)
					})
				}
				if f.done > 0 {
					doneAt := w.later(when, f.done, 30, false)
					if !doneAt.Before(w.now) {
						open = true
					}
					push(doneAt, func(ctx context.Context, a *app.App, h *History) error {
						return a.SetActionDone(doer.in(ctx), p.id, p.actions[i], true)
					})
				} else if f.done < 0 {
					open = true
				}
			}
		}
		// Most concerns are closed once dealt with; some of this half
		// term's are still open, and the odd older one was never closed.
		if p.logAt.After(w.days[max(0, len(w.days)-30)]) && w.r.IntN(100) < 40 || w.r.IntN(100) < 4 {
			open = true
		}
		if p.outcome != "" && !open && !p.unread {
			closer := w.staff[mgr]
			what = "close by " + mgr
			t = w.later(t, 1+w.r.IntN(6), 60, false)
			when := t
			push(when, func(ctx context.Context, a *app.App, h *History) error {
				h.Closed++
				return a.CloseConcern(closer.in(ctx), p.id, w.render(p, p.outcome, when))
			})
		}
	}
	slices.SortStableFunc(out, func(a, b *step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

// later returns a time days school days after t during the working day
// (08:15 to 17:00), or with days 0 some minutes after t the same day,
// moving to the next school day's morning if that runs past 17:30 (19:00
// when urgent: the DSL stays until it is done).
func (w *writer) later(t time.Time, days, minutes int, urgent bool) time.Time {
	t = t.In(w.loc)
	if days == 0 {
		next := t.Add(time.Duration(minutes) * time.Minute)
		if next.Hour() < 17 || next.Hour() == 17 && next.Minute() < 30 || urgent && next.Hour() < 19 {
			return next
		}
		days = 1
	}
	d := nextSchoolDay(t, days)
	return d.Add(8*time.Hour + 15*time.Minute + time.Duration(w.r.IntN(8*60+45))*time.Minute)
}

// afterHomeTime moves t, on a school day, to after home time if it is
// before it: for what was done "at home time".
func (w *writer) afterHomeTime(t time.Time) time.Time {
	t = t.In(w.loc)
	home := time.Date(t.Year(), t.Month(), t.Day(), 15, 20, 0, 0, w.loc)
	if t.Before(home) {
		return home.Add(time.Duration(w.r.IntN(50)) * time.Minute)
	}
	return t
}

// slotTime returns a time on day d in a part of the school day.
func (w *writer) slotTime(d time.Time, slot string) time.Time {
	span := map[string][2]int{ // minutes after midnight
		"arrive": {8*60 + 35, 8*60 + 58}, "morning": {9*60 + 5, 10*60 + 25}, "break": {10*60 + 30, 10*60 + 48},
		"lunch": {12*60 + 5, 13*60 + 5}, "afternoon": {13*60 + 15, 15*60 + 0}, "pickup": {15*60 + 12, 15*60 + 40},
		"club": {15*60 + 45, 17*60 + 15}, "office": {8*60 + 40, 16*60 + 0}, "day": {8*60 + 45, 15*60 + 10},
		"breakfast": {7*60 + 50, 8*60 + 30}, "evening": {16*60 + 55, 17*60 + 20}, "latemorning": {10*60 + 50, 11*60 + 50},
	}[slot]
	if span == [2]int{} {
		span = [2]int{8*60 + 45, 15*60 + 10}
	}
	m := span[0] + w.r.IntN(span[1]-span[0]+1)
	return d.Add(time.Duration(m) * time.Minute)
}

// place sets a plan's times: when it happened in a slot of day d, and when
// it was logged; "night" is the evening before d, logged first thing.
func (w *writer) place(p *plan, d time.Time, slot string) {
	switch slot {
	case "night":
		eve := d.AddDate(0, 0, -1)
		p.at = eve.Add(time.Duration(20*60+w.r.IntN(4*60)) * time.Minute)
		p.logAt = d.Add(time.Duration(8*60+w.r.IntN(35)) * time.Minute)
		return
	case "weekend":
		back := d.AddDate(0, 0, -1-w.r.IntN(2))
		p.at = back.Add(time.Duration(10*60+w.r.IntN(8*60)) * time.Minute)
		p.logAt = w.slotTime(d, "morning")
		return
	}
	p.at = w.slotTime(d, slot)
	delay := 15 + w.r.IntN(120)
	if w.urgent(p) || p.by == "attendance" || p.by == "dsl" || p.by == "deputy" || p.by == "head" {
		delay = 5 + w.r.IntN(25)
	}
	p.logAt = p.at.Add(time.Duration(delay) * time.Minute)
	if h := p.logAt.Hour(); h >= 18 {
		p.logAt = time.Date(p.logAt.Year(), p.logAt.Month(), p.logAt.Day(), 17, 40+w.r.IntN(15), 0, 0, w.loc)
	}
}

// dayAt returns the pupil's school day at fraction f of their time on roll
// (0 the first day, 1 the last before now), moved a day or two either way.
func (w *writer) dayAt(k *kid, f float64) time.Time {
	days := w.daysOf(k)
	i := int(f * float64(len(days)-1))
	i += w.r.IntN(5) - 2
	return days[max(0, min(len(days)-1, i))]
}

// beat is one concern of a story or a template, before it is placed in
// time and its words are filled in.
type beat struct {
	f        float64   // where in the pupil's time on roll: 0 first day, 1 the latest
	day      time.Time // a fixed day instead
	slot     string    // part of the day (see slotTime), or "night" before it
	by       string    // reporter's key; the teacher when ""
	cats     []string
	where    string
	text     string
	young    string // the text for a Reception or Year 1 child, if it differs
	agencies string
	marks    []vigil.BodyMark
	key      bool
	then     []follow
	outcome  string
	part     string // the pupil's part; subject when ""
	with     []with // other pupils
}

// with is another pupil in a concern: k, or a classmate when nil.
type with struct {
	part string
	cats []string
	k    *kid
}

// tell places a beat about k in time and keeps it.
func (w *writer) tell(k *kid, b beat) *plan {
	d := b.day
	if d.IsZero() {
		d = w.dayAt(k, b.f)
	}
	if !w.onRoll(k, d) {
		return nil
	}
	p := &plan{k: k, part: cmp.Or(b.part, vigil.PartSubject), cats: b.cats, by: cmp.Or(b.by, "teacher"), agencies: b.agencies,
		marks: b.marks, key: b.key, then: b.then}
	taken := []*kid{k}
	for _, o := range b.with {
		ok := o.k
		if ok == nil {
			ok = w.classmate(k, d, taken)
		}
		if ok == nil || !w.onRoll(ok, d) {
			return nil
		}
		taken = append(taken, ok)
		p.others = append(p.others, link{k: ok, part: o.part, cats: o.cats})
	}
	w.place(p, d, cmp.Or(b.slot, "day"))
	text := b.text
	if y := w.yearAt(k, d); b.young != "" && (y == "R" || y == "1") {
		text = b.young
	}
	for i := 0; ; i++ {
		p.text = w.render(p, text, p.at)
		if !w.used[p.text] {
			break
		}
		if i == 10 {
			return nil // told already, word for word
		}
	}
	p.where = w.render(p, b.where, p.at)
	p.agencies = w.render(p, b.agencies, p.at)
	for i := range p.marks {
		p.marks[i].Description = w.render(p, p.marks[i].Description, p.at)
	}
	if b.outcome != "" {
		p.outcome = b.outcome
	}
	if !w.add(p) {
		return nil
	}
	w.used[p.text] = true
	return p
}

func (w *writer) onRoll(k *kid, d time.Time) bool {
	return !d.Before(k.from) && (k.until.IsZero() || d.Before(k.until))
}

// classmate returns a pupil in k's year group on day d, other than those
// taken.
func (w *writer) classmate(k *kid, d time.Time, taken []*kid) *kid {
	yg := w.yearAt(k, d)
	var list []*kid
	for _, o := range w.kids {
		if !slices.Contains(taken, o) && w.onRoll(o, d) && w.yearAt(o, d) == yg {
			list = append(list, o)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return list[w.r.IntN(len(list))]
}

// render fills in a text's words: {N} the pupil's name, {he} {him} {his}
// {himself} and capitalised forms, {carer} and {Carer} their first contact,
// {cshe} {cher} {chis} that contact's pronouns, {O} {O2} the other pupils,
// {T} the time, {Y} the year group, {dsl} and the other staff, and {a|b|c}
// one of the choices.
func (w *writer) render(p *plan, text string, when time.Time) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		if text[i] != '{' {
			b.WriteByte(text[i])
			i++
			continue
		}
		depth, j := 0, i
		for ; j < len(text); j++ {
			if text[j] == '{' {
				depth++
			} else if text[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		inner := text[i+1 : min(j, len(text))]
		i = j + 1
		if opts := splitChoices(inner); len(opts) > 1 {
			b.WriteString(w.render(p, opts[w.r.IntN(len(opts))], when))
			continue
		}
		b.WriteString(w.word(p, inner, when))
	}
	return b.String()
}

// splitChoices splits s at the bars outside braces.
func splitChoices(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

var (
	partners  = []string{"Lee", "Dean", "Craig", "Jason", "Ryan", "Wayne"}
	lessons   = []string{"phonics", "maths", "guided reading", "science", "history", "art", "RE", "music", "geography", "spelling", "handwriting", "computing"}
	games     = []string{"tag", "football", "it", "hide and seek", "four square", "skipping", "basketball"}
	apps      = []string{"Roblox", "Minecraft", "Fortnite", "TikTok", "WhatsApp", "Snapchat", "YouTube"}
	countries = []string{"Poland", "Pakistan", "Nigeria", "Romania", "Portugal", "India", "Lithuania", "Ghana"}
)

func (w *writer) word(p *plan, name string, when time.Time) string {
	k := p.k
	he := func(m bool, a, b string) string {
		if m {
			return a
		}
		return b
	}
	other := func(i int) *kid {
		if i < len(p.others) {
			return p.others[i].k
		}
		return nil
	}
	switch name {
	case "N":
		return k.name
	case "he", "He", "him", "his", "His", "himself":
		s := map[string]string{"he": he(k.male, "he", "she"), "him": he(k.male, "him", "her"), "his": he(k.male, "his", "her"),
			"himself": he(k.male, "himself", "herself")}[strings.ToLower(name)]
		if name[0] == 'H' {
			return strings.ToUpper(s[:1]) + s[1:]
		}
		return s
	case "carer":
		return k.carer
	case "Carer":
		return strings.ToUpper(k.carer[:1]) + k.carer[1:]
	case "cshe", "Cshe":
		return map[string]string{"cshe": he(k.carerF, "she", "he"), "Cshe": he(k.carerF, "She", "He")}[name]
	case "cher":
		return he(k.carerF, "her", "him")
	case "chis":
		return he(k.carerF, "her", "his")
	case "carer2": // the other parent, or a grandparent
		switch k.carer2 {
		case "mum", "dad":
			if k.carer2 != k.carer {
				return k.carer2
			}
		case "grandparent":
			return "nan"
		}
		return he(k.carer == "dad", "mum", "dad")
	case "adult": // the other parent, or a partner, as staff say it
		if k.carer == "dad" {
			return "mum's partner"
		}
		return "dad"
	case "Adult": // the same, as the child says it
		if k.carer == "dad" {
			return "Mum's boyfriend"
		}
		return "Dad"
	case "sw":
		return cmp.Or(k.sw, "the allocated social worker")
	case "partner":
		return partners[int(k.p.MISID[len(k.p.MISID)-1])%len(partners)]
	case "O", "O2", "O3":
		i := map[string]int{"O": 0, "O2": 1, "O3": 2}[name]
		if o := other(i); o != nil {
			return o.name
		}
		return "another pupil"
	case "Ohe", "Ohim", "Ohis", "O2he", "O2him", "O2his", "O3he", "O3him", "O3his":
		i, pron := 0, name[1:]
		if name[1] >= '2' && name[1] <= '3' {
			i, pron = int(name[1]-'1'), name[2:]
		}
		o := other(i)
		m := o == nil || o.male
		return map[string]string{"he": he(m, "he", "she"), "him": he(m, "him", "her"), "his": he(m, "his", "her")}[pron]
	case "T":
		return when.In(w.loc).Format("15:04")
	case "day":
		return when.In(w.loc).Weekday().String()
	case "Y":
		return vigil.YearGroupTitle(w.yearAt(k, when))
	case "n":
		return fmt.Sprint(3 + w.r.IntN(6))
	case "pct":
		return fmt.Sprintf("%.1f", 80+float64(w.r.IntN(110))/10)
	case "pctup":
		return fmt.Sprintf("%.1f", 93+float64(w.r.IntN(50))/10)
	case "lesson":
		return lessons[w.r.IntN(len(lessons))]
	case "game":
		return games[w.r.IntN(len(games))]
	case "app":
		return apps[w.r.IntN(len(apps))]
	case "country":
		return countries[w.r.IntN(len(countries))]
	}
	if t := staffTitles[name]; t != "" {
		return t
	}
	return "{" + name + "}" // a mistake in a template; the tests look for braces
}
