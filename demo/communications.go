package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
)

// Communications are drawn from their own fixed seed, so the same roll and
// history on the same day give the same records.
const commSeed1, commSeed2 = 0x436f6d6d73212121, 3 // "Comms!!!"

// Communications is what SeedCommunications made.
type Communications struct {
	Made   int // communications recorded
	Pupils int // pupils they are about
	// Skipped is true when the school had communications already and
	// nothing was added.
	Skipped bool
}

// SeedCommunications gives the demo school a term of communications (the
// twelve weeks before now) about its busier pupils, those with the most
// concerns: phone calls, meetings, letters and home visits with their
// parents and carers, emails with their social workers and the school
// nurses, check-ins with the pupils themselves and a request to a previous
// school. Most are about one of the pupil's concerns, a few about none.
//
// It runs after SeedHistory, with an app whose Vault is set, acting as the
// demo DSL, so everything is validated, sealed and audited like a real
// record. Each is back-dated by setting the app's and its store's clocks;
// they are put back before it returns, so it must not run beside other
// work on the store. A school with any communication already is left as it
// is (Skipped).
//
// cmd/vigil's demo calls it after SeedHistory:
//
//	a := app.New(s, nil, nil, slog.New(slog.DiscardHandler))
//	a.Vault = vault
//	comms, err := demo.SeedCommunications(ctx, a, res.School.ID, time.Now())
func SeedCommunications(ctx context.Context, a *app.App, school vigil.SchoolID, now time.Time) (*Communications, error) {
	if a.Vault == nil {
		return nil, errors.New("demo: communications need an app with a vault")
	}
	s := a.Store
	sys := vigil.SystemContext(ctx, school)
	had, err := s.FindCommunications(sys, store.CommunicationFilter{Visibility: store.Visibility{All: true}, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("demo: find communications: %w", err)
	}
	if len(had) > 0 {
		return &Communications{Skipped: true}, nil
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}

	// Who records them: the DSL, with colleagues taking part.
	staff := map[string]*vigil.Actor{}
	members, err := s.FindMembers(sys)
	if err != nil {
		return nil, fmt.Errorf("demo: find members: %w", err)
	}
	for _, m := range members {
		key, _, _ := strings.Cut(m.PersonEmail, "@")
		if !m.Active || !slices.Contains([]string{"dsl", "deputy", "pastoral", "teacher", "head"}, key) {
			continue
		}
		perms, err := s.FindPermissions(sys, m.PersonID)
		if err != nil {
			return nil, fmt.Errorf("demo: permissions of %s: %w", m.PersonID, err)
		}
		staff[key] = &vigil.Actor{PersonID: m.PersonID, SchoolID: school, Role: m.Role, Designated: m.Designated, SteppedUp: true, Permissions: perms}
	}
	if staff["dsl"] == nil {
		return nil, errors.New("demo: the dsl account is missing")
	}

	// The busier pupils: those on roll with the most concerns.
	concerns, err := s.FindConcerns(sys, store.ConcernFilter{Visibility: store.Visibility{All: true}, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("demo: find concerns: %w", err)
	}
	about := map[vigil.PupilID][]*store.SealedConcern{}
	for _, c := range concerns {
		for _, p := range c.Pupils {
			if p.Part == vigil.PartSubject || p.Part == vigil.PartVictim {
				about[p.PupilID] = append(about[p.PupilID], c)
			}
		}
	}
	var busy []*vigil.Pupil
	for id := range about {
		p, err := s.FindPupilByID(sys, id)
		if err != nil {
			return nil, fmt.Errorf("demo: find pupil %s: %w", id, err)
		}
		if p.OnRoll {
			busy = append(busy, p)
		}
	}
	slices.SortFunc(busy, func(x, y *vigil.Pupil) int {
		return cmp.Or(cmp.Compare(len(about[y.ID]), len(about[x.ID])), cmp.Compare(x.MISID, y.MISID))
	})
	busy = busy[:min(len(busy), 8)]

	// Make the school's key now, at the real time, rather than inside a
	// back-dated record.
	if _, err := a.Vault.Seal(sys, school, "communications", "demo", "body", nil); err != nil {
		return nil, fmt.Errorf("demo: school key: %w", err)
	}
	realNow, realStoreNow := a.Now, s.Now
	defer func() { a.Now, s.Now = realNow, realStoreNow }()

	r := rand.New(rand.NewPCG(commSeed1, commSeed2))
	days := commDays(now.In(loc).AddDate(0, 0, -84), now.In(loc))
	out := &Communications{}
	for _, p := range busy {
		contacts, err := s.FindContacts(sys, p.ID)
		if err != nil {
			return nil, fmt.Errorf("demo: contacts of %s: %w", p.ID, err)
		}
		k := commKid{p: p, name: p.Forename()}
		for _, c := range contacts {
			if c.Relationship == "Social worker" {
				k.sw = c
			} else if k.carer == nil {
				k.carer = c
			}
		}
		n := 4 + r.IntN(3)
		made := 0
		for i := range n {
			// Spread over the term, one a fortnight or so, in school hours.
			day := days[min(len(days)-1, (i*len(days))/n+r.IntN(max(1, len(days)/n)))]
			at := day.Add(time.Duration(8*60+30+r.IntN(8*60)) * time.Minute)
			recorded := at.Add(time.Duration(15+r.IntN(90)) * time.Minute)
			if !recorded.Before(now) {
				continue
			}
			in, by, ok := k.story(r, i, staff)
			if !ok {
				continue
			}
			if by == nil {
				by = staff["dsl"]
			}
			in.PupilID, in.OccurredAt = p.ID, at
			if c := linkable(about[p.ID], at, by); c != "" && r.IntN(5) > 0 && in.ConcernID != "none" {
				in.ConcernID = c
			} else {
				in.ConcernID = ""
			}
			if in.ConcernID == "" && !by.Designated {
				by = staff["dsl"] // only the safeguarding team records one about no concern
			}
			a.Now = func() time.Time { return recorded }
			s.Now = a.Now
			if _, err := a.RecordCommunication(vigil.NewContext(ctx, by), in); err != nil {
				return nil, fmt.Errorf("demo: communication about %s at %s: %w", p.ID, at.Format(time.DateTime), err)
			}
			made++
		}
		if made > 0 {
			out.Made += made
			out.Pupils++
		}
	}
	return out, nil
}

// commDays returns the weekdays from from to the day before to, at
// midnight in to's location.
func commDays(from, to time.Time) []time.Time {
	var out []time.Time
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, to.Location())
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, to.Location()); d.Before(end); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

// linkable returns the newest of the pupil's concerns logged before at that
// by manages, or "".
func linkable(concerns []*store.SealedConcern, at time.Time, by *vigil.Actor) vigil.ConcernID {
	var best *store.SealedConcern
	for _, c := range concerns {
		if !c.ReportedAt.Before(at) {
			continue
		}
		manages := true
		for _, cat := range c.Categories() {
			manages = manages && by.Permissions.In(cat) == vigil.AccessManage
		}
		if manages && (best == nil || c.ReportedAt.After(best.ReportedAt)) {
			best = c
		}
	}
	if best == nil {
		return ""
	}
	return best.ID
}

// commKid is a pupil as the communications speak of them.
type commKid struct {
	p     *vigil.Pupil
	name  string
	carer *vigil.Contact // the first contact who is not a social worker
	sw    *vigil.Contact // their social worker, if they have one
}

// carerWord is how staff name the carer in a record: "mum", "dad", "nan".
func (k commKid) carerWord() string {
	switch k.carer.Relationship {
	case "Mother":
		return "mum"
	case "Father":
		return "dad"
	case "Grandparent":
		return "grandparent"
	case "Foster carer":
		return "foster carer"
	}
	return strings.ToLower(k.carer.Relationship)
}

// story returns the i-th communication about the pupil and who records
// it. ConcernID "none" asks for one about no concern.
func (k commKid) story(r *rand.Rand, i int, staff map[string]*vigil.Actor) (app.NewCommunication, *vigil.Actor, bool) {
	dsl := staff["dsl"]
	with := func(keys ...string) []vigil.PersonID {
		var out []vigil.PersonID
		for _, key := range keys {
			if a := staff[key]; a != nil {
				out = append(out, a.PersonID)
			}
		}
		return out
	}
	parent := func(in app.NewCommunication) (app.NewCommunication, *vigil.Actor, bool) {
		if k.carer == nil {
			return in, nil, false
		}
		in.With, in.ContactID = vigil.CommWithParent, k.carer.ID
		return in, dsl, true
	}
	name, they := k.name, "they"
	switch k.p.Sex {
	case "F":
		they = "she"
	case "M":
		they = "he"
	}
	carer := "the family"
	if k.carer != nil {
		carer = k.carerWord()
	}
	switch (i*3 + r.IntN(3)) % 8 {
	case 0:
		return parent(app.NewCommunication{Type: vigil.CommPhoneCall, Staff: with("dsl"),
			Body:   "Rang " + carer + " to let them know " + name + " had been upset at lunchtime after a falling-out. " + strings.ToUpper(carer[:1]) + carer[1:] + " said " + name + " has been sleeping badly this week and is worried about a change at home.",
			Agreed: "School to keep an eye at lunchtimes this week; " + carer + " will ring if anything changes at home."})
	case 1:
		return parent(app.NewCommunication{Type: vigil.CommMeeting, Staff: with("dsl", "pastoral"),
			Others: "Class teacher",
			Body:   "Met " + carer + " in school to talk about " + name + "'s attendance this term and the late arrivals on Mondays. " + strings.ToUpper(carer[:1]) + carer[1:] + " said mornings are hard while the youngest is unwell.",
			Agreed: "Morning check-in with Mr O'Rourke for four weeks; breakfast club place offered and accepted; review at the next meeting."})
	case 2:
		return parent(app.NewCommunication{Type: vigil.CommLetter, Staff: with("dsl"),
			Body: "Letter sent home inviting " + carer + " to a meeting about " + name + "'s attendance and the support the school can offer, with the attendance summary attached."})
	case 3:
		if k.sw == nil {
			return app.NewCommunication{}, nil, false
		}
		return app.NewCommunication{With: vigil.CommWithAgency, WithName: "Riverside Children's Services", WithDetail: k.sw.Name + ", social worker, " + k.sw.Phone,
			Type: vigil.CommEmail, Staff: with("dsl"),
			Body:   "Sent " + k.sw.Name + " an update before the core group: " + name + " has settled better this half term; one incident at lunchtime logged and shared with " + carer + ".",
			Agreed: k.sw.Name + " will share the minutes of the core group meeting; school to send the attendance figures beforehand."}, dsl, true
	case 4:
		return app.NewCommunication{With: vigil.CommWithPupil, Type: vigil.CommMeeting, Staff: with("pastoral"),
			Body:   "Check-in with " + name + " in the quiet room. " + strings.ToUpper(they[:1]) + they[1:] + " said things at home were \"a bit better\" and that " + they + " is enjoying football club again.",
			Agreed: name + " knows " + they + " can come to the pastoral room at lunch and ask for Mr O'Rourke."}, staff["pastoral"], true
	case 5:
		return parent(app.NewCommunication{Type: vigil.CommHomeVisit, Staff: with("dsl", "deputy"),
			Body:   "Home visit after three days' absence with no call. " + strings.ToUpper(carer[:1]) + carer[1:] + " answered; " + name + " was at home with a cold. The house was warm and there was food in.",
			Agreed: strings.ToUpper(carer[:1]) + carer[1:] + " to ring the office by 9:30 on any day of absence; " + name + " back in school tomorrow."})
	case 6:
		return app.NewCommunication{With: vigil.CommWithAgency, WithName: "School nursing team", WithDetail: "Riverside Health Centre",
			Type: vigil.CommPhoneCall, Staff: with("dsl"),
			Body:   "Spoke to the school nurse about " + name + "'s weight and tiredness, which staff have noticed since the autumn.",
			Agreed: "The school nurse will offer " + carer + " an appointment and let us know if a referral is made."}, dsl, true
	default:
		return app.NewCommunication{With: vigil.CommWithSchool, WithName: "Hillside Primary School", WithDetail: "The DSL, by secure email",
			Type: vigil.CommEmail, Staff: with("dsl"), ConcernID: "none",
			Body: "Asked " + name + "'s previous school whether they hold any safeguarding records, and to send the file securely if so."}, dsl, true
	}
}
