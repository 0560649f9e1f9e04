package demo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
)

// Referrals is what SeedReferrals made.
type Referrals struct {
	Made, Overdue, Answered, Closed int
	// Skipped is true when the school had referrals already and nothing
	// was added.
	Skipped bool
}

// referralPlan is one demo referral: to whom, how, how long before now,
// and how far it has gone.
type referralPlan struct {
	agency, method, reference string
	daysAgo                   int // working days before now it was made
	contact, details          string
	answerAfter               int // working days after it was made that the response came; 0 for none
	response, outcome         string
}

// referralPlans are given, in turn, to the busiest pupils: the first two
// are overdue, one is awaiting a response in time, one has its response
// and is open, and two are closed.
var referralPlans = []referralPlan{
	{agency: "childrens_services", method: vigil.ReferOnline, reference: "MASH-26-04417", daysAgo: 4,
		contact: "Riverside MASH duty desk, 01632 960521",
		details: "Referred after the latest disclosure, with the chronology of the last term's concerns. Parent told of the referral by phone."},
	{agency: "camhs", method: vigil.ReferByLetter, reference: "", daysAgo: 26,
		contact: "Riverside CAMHS single point of access",
		details: "Referral letter with the GP's support, describing low mood and self-harm over the autumn term."},
	{agency: "early_help", method: vigil.ReferOnline, reference: "EH-26-1183", daysAgo: 1,
		contact: "Early Help hub, family support worker to be allocated",
		details: "Request for family support with routines, attendance and housing; parent consented and signed the form."},
	{agency: "school_nurse", method: vigil.ReferByEmail, reference: "", daysAgo: 8,
		contact:     "School nursing team, 01632 960774",
		details:     "Asked for a health review: tiredness, weight loss and missed dental appointments.",
		answerAfter: 3, response: "The school nurse will see the pupil in school next week and write to the parent to offer a home visit."},
	{agency: "police", method: vigil.ReferByPhone, reference: "CAD 0412 26", daysAgo: 45,
		contact:     "Riverside neighbourhood team, PC on duty",
		details:     "Reported an adult seen waiting for the pupil outside the gates on three days, with descriptions from staff.",
		answerAfter: 1, response: "Officers visited the family the same evening and patrol the school gates at home time this week.",
		outcome: "No further sightings. Police closed their log; the school keeps the gate rota at home time until half term."},
	{agency: "childrens_services", method: vigil.ReferByPhone, reference: "MASH-25-09921", daysAgo: 70,
		contact:     "MASH duty social worker, 01632 960521",
		details:     "Phoned through the disclosure made to the class teacher, followed by the online form the same day.",
		answerAfter: 1, response: "Strategy discussion held; section 47 enquiry opened and a social worker allocated.",
		outcome: "Initial child protection conference held; child protection plan agreed. The school is part of the core group."},
}

// SeedReferrals gives the demo school referrals for its busiest pupils:
// those with the most concerns. Each is linked to the pupil's latest
// concern logged before it was made, if any, and made by the DSL through
// the app layer, so it is sealed and audited like a real one. Two are
// overdue for a response, one is awaiting a response in time, one has its
// response, and two are closed with an outcome. Made times are counted
// back from now in working days (the school's holidays and weekends
// skipped); a's clock, and its store's, should read now.
//
// A school with any referral already is left as it is (Skipped), so
// running the demo again adds nothing. Run it after SeedHistory.
func SeedReferrals(ctx context.Context, a *app.App, res *Result, now time.Time) (*Referrals, error) {
	school := res.School.ID
	sys := vigil.SystemContext(ctx, school)
	s := a.Store
	n, err := s.CountReferrals(sys, store.ReferralFilter{Visibility: store.Visibility{All: true}})
	if err != nil {
		return nil, fmt.Errorf("demo: count referrals: %w", err)
	}
	if n > 0 {
		return &Referrals{Skipped: true}, nil
	}
	dsl, err := dslContext(ctx, s, sys, res)
	if err != nil {
		return nil, err
	}
	concerns, err := s.FindConcerns(sys, store.ConcernFilter{Visibility: store.Visibility{All: true}, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("demo: find concerns: %w", err)
	}
	busiest := busiestPupils(concerns, len(referralPlans))
	holidays, err := s.FindHolidays(sys)
	if err != nil {
		return nil, fmt.Errorf("demo: find holidays: %w", err)
	}
	loc, err := time.LoadLocation(res.School.Settings.Timezone)
	if err != nil {
		loc = time.UTC
	}
	cal := vigil.Calendar{Loc: loc, Holidays: holidays}
	out := &Referrals{}
	for i, pupil := range busiest {
		p := referralPlans[i]
		made := workingDaysBefore(cal, now, p.daysAgo, 10, 40)
		in := app.NewReferral{PupilID: pupil, Agency: p.agency, Method: p.method, MadeAt: made, Reference: p.reference,
			Contact: p.contact, Details: p.details, ConcernID: latestConcernBefore(concerns, pupil, made)}
		r, err := a.MakeReferral(dsl, in)
		if err != nil {
			return nil, fmt.Errorf("demo: referral %d: %w", i+1, err)
		}
		out.Made++
		if p.answerAfter > 0 {
			on := vigil.DateOf(workingDaysAfter(cal, made, p.answerAfter).In(loc))
			if err := a.RecordReferralResponse(dsl, r.ID, on, p.response); err != nil {
				return nil, fmt.Errorf("demo: response to referral %d: %w", i+1, err)
			}
			out.Answered++
		} else if r.Overdue {
			out.Overdue++
		}
		if p.outcome != "" {
			if err := a.CloseReferral(dsl, r.ID, p.outcome); err != nil {
				return nil, fmt.Errorf("demo: closing referral %d: %w", i+1, err)
			}
			out.Closed++
		}
	}
	return out, nil
}

// dslContext acts as the demo school's designated safeguarding lead,
// stepped up, with their permissions.
func dslContext(ctx context.Context, s *store.Store, sys context.Context, res *Result) (context.Context, error) {
	for _, st := range res.Staff {
		if st.Role != vigil.RoleDSL {
			continue
		}
		p, err := s.FindPersonByEmail(ctx, st.Email)
		if err != nil {
			return nil, fmt.Errorf("demo: find the DSL: %w", err)
		}
		perms, err := s.FindPermissions(sys, p.ID)
		if err != nil {
			return nil, fmt.Errorf("demo: the DSL's permissions: %w", err)
		}
		return vigil.NewContext(ctx, &vigil.Actor{PersonID: p.ID, SchoolID: res.School.ID, Role: vigil.RoleDSL, Designated: true,
			SteppedUp: true, Permissions: perms}), nil
	}
	return nil, fmt.Errorf("demo: the school has no DSL")
}

// busiestPupils returns up to n pupils with the most concerns, most first,
// ties broken by id so the choice is the same each time.
func busiestPupils(concerns []*store.SealedConcern, n int) []vigil.PupilID {
	count := map[vigil.PupilID]int{}
	for _, c := range concerns {
		for _, p := range c.Pupils {
			count[p.PupilID]++
		}
	}
	ids := make([]vigil.PupilID, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b vigil.PupilID) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b))
	})
	return ids[:min(n, len(ids))]
}

// latestConcernBefore returns the pupil's concern logged most recently
// before t, or "" if none was.
func latestConcernBefore(concerns []*store.SealedConcern, pupil vigil.PupilID, t time.Time) vigil.ConcernID {
	var best *store.SealedConcern
	for _, c := range concerns {
		if c.Link(pupil) == nil || !c.ReportedAt.Before(t) {
			continue
		}
		if best == nil || c.ReportedAt.After(best.ReportedAt) {
			best = c
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// workingDaysBefore returns hour:minute on the working day n working days
// before now's day, in the calendar's zone; with n 0, today at that time
// or, if that is still to come, an hour ago.
func workingDaysBefore(cal vigil.Calendar, now time.Time, n, hour, minute int) time.Time {
	local := now.In(cal.Loc)
	d := vigil.DateOf(local)
	for i := 0; i < n; {
		t := d.Time()
		d = vigil.NewDate(t.Year(), t.Month(), t.Day()-1)
		if cal.WorkingDay(d) {
			i++
		}
	}
	t := d.Time()
	at := time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, cal.Loc)
	if at.After(now) {
		at = now.Add(-time.Hour)
	}
	return at
}

// workingDaysAfter returns the moment n working days after t, at the same
// time of day.
func workingDaysAfter(cal vigil.Calendar, t time.Time, n int) time.Time {
	local := t.In(cal.Loc)
	d := vigil.DateOf(local)
	for range n {
		d = cal.NextWorkingDay(d)
	}
	day := d.Time()
	return time.Date(day.Year(), day.Month(), day.Day(), local.Hour(), local.Minute(), 0, 0, cal.Loc)
}
