package app_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// addHeadteacher gives sc a headteacher, as fixture key "head".
func addHeadteacher(t *testing.T, s *store.Store, sc *storetest.School) {
	t.Helper()
	p := &vigil.Person{Email: "head@" + sc.Slug + ".test", Name: "head at " + sc.Name}
	if err := s.CreatePerson(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMembership(sc.Ctx, &vigil.Membership{PersonID: p.ID, Role: vigil.RoleHeadteacher, Active: true}); err != nil {
		t.Fatal(err)
	}
	sc.Staff["head"], sc.Roles["head"] = p, vigil.RoleHeadteacher
}

func makeReferral(t *testing.T, env *vigiltest.Env, ctx context.Context, in app.NewReferral) *vigil.Referral {
	t.Helper()
	if in.Method == "" {
		in.Method = vigil.ReferByPhone
	}
	if in.MadeAt.IsZero() {
		in.MadeAt = env.Now().Add(-time.Hour)
	}
	r, err := env.App.MakeReferral(ctx, in)
	if err != nil {
		t.Fatalf("make referral: %v", err)
	}
	return r
}

func auditActions(t *testing.T, s *store.Store, sc *storetest.School, pupil vigil.PupilID) []string {
	t.Helper()
	evs, err := s.FindAudit(sc.Ctx, "", pupil, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// The DSL refers a teacher's concern to children's services and records
// the response and outcome; the response time skips the weekend; the text
// is sealed; the teacher who logged the concern, the administrator and
// another school see nothing of it; the headteacher sees but may not
// change it; the pupil's chronology holds it.
func TestReferralJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		addHeadteacher(t, s, oak)
		teacher, dsl, head, admin := as(t, s, oak, "teacher"), as(t, s, oak, "dsl"), as(t, s, oak, "head"), as(t, s, oak, "admin")
		amara := oak.Pupils["amara"]
		cp := category(t, s, oak, "child_protection")
		c := logConcern(t, env, teacher, "Amara said she was hit at home.", cp, amara)

		// A Friday two or three weeks ago whose next Monday and Tuesday
		// are working days.
		london, _ := time.LoadLocation("Europe/London")
		bank := vigil.Calendar{Loc: london, Holidays: vigil.EnglandBankHolidays()}
		n := env.Now().In(london).AddDate(0, 0, -14)
		friday := time.Date(n.Year(), n.Month(), n.Day(), 16, 55, 0, 0, london)
		for friday.Weekday() != time.Friday || !bank.WorkingDay(vigil.DateOf(friday.AddDate(0, 0, 3))) ||
			!bank.WorkingDay(vigil.DateOf(friday.AddDate(0, 0, 4))) {
			friday = friday.AddDate(0, 0, -1)
		}
		r := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, ConcernID: c.ID, Agency: "childrens_services", Method: vigil.ReferOnline,
			MadeAt: friday, Reference: "MASH-77812", Contact: "Duty social worker Ravenscroft, 01632 960114", Details: "Shared Amara's account of Quinsworth."})
		// Made after 16:00 on a Friday: counts from Monday, due by Tuesday 16:00.
		want := time.Date(friday.Year(), friday.Month(), friday.Day()+4, 16, 0, 0, 0, london)
		if !r.ExpectedBy.Equal(want) || r.TimescaleDays != 1 || r.AgencyName == "" {
			t.Errorf("referral = %+v; want a response by %s", r, want)
		}
		if !r.Overdue {
			t.Errorf("a referral whose response was due long ago is not overdue")
		}

		// Sealed at rest: the store has ciphertext only.
		sr, err := s.FindReferral(oak.Ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"Ravenscroft", "Quinsworth"} {
			if bytes.Contains(sr.Contact, []byte(w)) || bytes.Contains(sr.Details, []byte(w)) {
				t.Errorf("%s is in the database in clear", w)
			}
		}
		if sr.Reference != "MASH-77812" {
			t.Errorf("reference = %q; it is not secret and stays clear", sr.Reference)
		}

		v, err := env.App.Referral(dsl, r.ID)
		if err != nil {
			t.Fatalf("DSL opens: %v", err)
		}
		if !v.CanManage() || v.Referral.Contact != "Duty social worker Ravenscroft, 01632 960114" || !strings.Contains(v.Referral.Details, "Quinsworth") ||
			!slices.Equal(v.Categories, []string{"Child protection"}) || v.Referral.PupilName == "" || v.Referral.MakerName == "" {
			t.Errorf("DSL's view = %+v %+v", v, v.Referral)
		}
		hv, err := env.App.Referral(head, r.ID)
		if err != nil || hv.CanManage() {
			t.Errorf("headteacher's view: %v, manage %v; want view only", err, hv != nil && hv.CanManage())
		}
		if err := env.App.RecordReferralResponse(head, r.ID, vigil.DateOf(env.Now()), "x"); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("headteacher records a response: %v; want forbidden", err)
		}
		for name, ctx := range map[string]context.Context{"teacher who logged the concern": teacher, "Elm's DSL": as(t, s, elm, "dsl")} {
			if v, err := env.App.Referral(ctx, r.ID); v != nil || (vigil.ErrorCode(err) != vigil.ENOTFOUND && vigil.ErrorCode(err) != vigil.EFORBIDDEN) {
				t.Errorf("%s opens the referral: %v, %v", name, v, err)
			}
			if list, err := env.App.Referrals(ctx, app.ReferralQuery{}); len(list) != 0 {
				t.Errorf("%s lists %d referrals (%v)", name, len(list), err)
			}
		}
		if _, err := env.App.Referral(as(t, s, elm, "dsl"), r.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("Elm's DSL: %v; want not found", err)
		}
		if _, err := env.App.Referral(admin, r.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("administrator: %v; want forbidden", err)
		}

		// Only managers of the concern may refer it; only the DSL team
		// may make a referral linked to no concern.
		if _, err := env.App.MakeReferral(head, app.NewReferral{PupilID: amara.ID, Agency: "police", Method: vigil.ReferByPhone,
			MadeAt: env.Now()}); vigil.ErrorFields(err)["concern_id"] == "" {
			t.Errorf("headteacher refers with no concern: %v", err)
		}
		if _, err := env.App.MakeReferral(head, app.NewReferral{PupilID: amara.ID, ConcernID: c.ID, Agency: "police", Method: vigil.ReferByPhone,
			MadeAt: env.Now()}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("headteacher refers a concern they only view: %v", err)
		}
		if _, err := env.App.MakeReferral(dsl, app.NewReferral{PupilID: oak.Pupils["ben"].ID, ConcernID: c.ID, Agency: "police",
			Method: vigil.ReferByPhone, MadeAt: env.Now()}); vigil.ErrorFields(err)["concern_id"] == "" {
			t.Errorf("a pupil not on the concern: %v", err)
		}
		if _, err := env.App.MakeReferral(dsl, app.NewReferral{PupilID: amara.ID, Agency: "wizards", Method: vigil.ReferByPhone,
			MadeAt: env.Now()}); vigil.ErrorFields(err)["agency"] == "" {
			t.Errorf("an unknown agency: %v", err)
		}
		if _, err := env.App.MakeReferral(dsl, app.NewReferral{PupilID: elm.Pupils["bruno"].ID, Agency: "police", Method: vigil.ReferByPhone,
			MadeAt: env.Now()}); vigil.ErrorFields(err)["pupil_id"] == "" {
			t.Errorf("another school's pupil: %v", err)
		}
		unlinked := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "camhs", Reference: "CAMHS-1"})
		if unlinked.Overdue || unlinked.TimescaleDays != 20 {
			t.Errorf("CAMHS referral = %+v", unlinked)
		}
		if v, err := env.App.Referral(head, unlinked.ID); err != nil || v.CanManage() {
			t.Errorf("headteacher opens an unlinked referral: %v", err)
		}

		// The list: overdue first, filters by status and pupil.
		list, err := env.App.Referrals(dsl, app.ReferralQuery{})
		if err != nil || len(list) != 2 || list[0].ID != r.ID || !list[0].Overdue || list[1].ID != unlinked.ID {
			t.Fatalf("list = %v, %v", list, err)
		}
		if list, _ := env.App.Referrals(dsl, app.ReferralQuery{Status: vigil.ReferralOverdue}); len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("overdue = %v", list)
		}
		if list, _ := env.App.Referrals(dsl, app.ReferralQuery{Pupil: oak.Pupils["ben"].ID}); len(list) != 0 {
			t.Errorf("Ben's = %v", list)
		}
		if _, err := env.App.Referrals(dsl, app.ReferralQuery{Status: "lost"}); vigil.ErrorFields(err)["status"] == "" {
			t.Errorf("unknown status: %v", err)
		}
		if list, _ := env.App.OverdueReferrals(dsl); len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("dashboard's overdue = %v", list)
		}

		// The chronology holds both, with the linked one's categories.
		ch, err := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var refs []*vigil.ChronologyEntry
		for _, e := range ch.Entries {
			if e.Kind == "referral" {
				refs = append(refs, e)
			}
		}
		if len(refs) != 2 || refs[0].ID != string(r.ID) || refs[0].Title != "Referral to Children's services (MASH / front door)" ||
			!strings.Contains(refs[0].Summary, "MASH-77812") || !strings.Contains(refs[0].Summary, "overdue") ||
			!slices.Equal(refs[0].Categories, []vigil.CategoryID{cp}) || refs[0].ConcernID != c.ID || refs[0].Status != vigil.ReferralOverdue {
			t.Fatalf("referral entries = %+v", refs)
		}
		for _, e := range refs {
			if strings.Contains(e.Summary, "Ravenscroft") || strings.Contains(e.Summary, "Quinsworth") {
				t.Errorf("the chronology summary holds sealed text: %q", e.Summary)
			}
		}
		byCat, _ := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{Category: cp, Kinds: []string{"referral"}})
		if len(byCat.Entries) != 1 || byCat.Entries[0].ID != string(r.ID) {
			t.Errorf("child protection referrals in the chronology = %+v", byCat.Entries)
		}

		// The response and the outcome.
		if err := env.App.RecordReferralResponse(dsl, r.ID, vigil.DateOf(env.Now().AddDate(0, 0, 2)), "Future."); vigil.ErrorFields(err)["response_on"] == "" {
			t.Errorf("a response from tomorrow: %v", err)
		}
		if err := env.App.RecordReferralResponse(dsl, r.ID, vigil.DateOf(env.Now()), ""); vigil.ErrorFields(err)["response"] == "" {
			t.Errorf("an empty response: %v", err)
		}
		if err := env.App.RecordReferralResponse(dsl, r.ID, vigil.DateOf(env.Now()), "Strategy discussion held; section 47 enquiry opened."); err != nil {
			t.Fatalf("response: %v", err)
		}
		if err := env.App.RecordReferralResponse(dsl, r.ID, vigil.DateOf(env.Now()), "Again."); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("a second response: %v; want conflict", err)
		}
		if err := env.App.CloseReferral(dsl, r.ID, ""); vigil.ErrorFields(err)["outcome"] == "" {
			t.Errorf("closing without an outcome: %v", err)
		}
		if err := env.App.CloseReferral(dsl, r.ID, "Child protection plan agreed at conference."); err != nil {
			t.Fatalf("close: %v", err)
		}
		v, err = env.App.Referral(dsl, r.ID)
		if err != nil || v.Referral.Response != "Strategy discussion held; section 47 enquiry opened." || v.Referral.Outcome != "Child protection plan agreed at conference." ||
			v.Referral.Status() != vigil.ReferralClosed || v.Referral.Overdue || v.Referral.CloserName == "" || v.Referral.ResponderName == "" {
			t.Fatalf("closed referral = %+v, %v", v, err)
		}
		if list, _ := env.App.OverdueReferrals(dsl); len(list) != 0 {
			t.Errorf("still overdue on the dashboard: %v", list)
		}

		acts := auditActions(t, s, oak, "")
		for _, a := range []string{app.AuditReferralCreated, app.AuditReferralViewed, app.AuditReferralResponded, app.AuditReferralClosed,
			app.AuditReferralsListed, app.AuditReferralRefused} {
			if !slices.Contains(acts, a) {
				t.Errorf("no %s in the audit trail: %v", a, acts)
			}
		}
	})
}

// The form offers the pupil's concerns the actor manages and the school's
// agencies in use; a pupil with no managed concern is refused to someone
// who may not refer without one.
func TestReferralForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		addHeadteacher(t, s, oak)
		dsl, head := as(t, s, oak, "dsl"), as(t, s, oak, "head")
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		c := logConcern(t, env, as(t, s, oak, "teacher"), "Two pupils fighting.", category(t, s, oak, "bullying"), amara, ben)

		f, err := env.App.ReferralForm(dsl, "", c.ID)
		if err != nil || len(f.Pupils) != 2 || f.Pupil != "" || !f.Unlinked || len(f.Agencies) != len(vigil.DefaultReferralAgencies()) {
			t.Fatalf("form from the concern = %+v, %v", f, err)
		}
		f, err = env.App.ReferralForm(dsl, amara.ID, "")
		if err != nil || len(f.Concerns) != 1 || f.Concerns[0].ID != c.ID || !slices.Equal(f.Concerns[0].Categories, []string{"Bullying"}) {
			t.Fatalf("form from the pupil = %+v, %v", f, err)
		}
		if _, err := env.App.ReferralForm(dsl, oak.Pupils["chloe"].ID, c.ID); vigil.ErrorFields(err)["pupil_id"] == "" {
			t.Errorf("a pupil not on the concern: %v", err)
		}
		if _, err := env.App.ReferralForm(dsl, "", ""); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("no pupil or concern: %v", err)
		}
		// The headteacher views bullying but does not manage it.
		if _, err := env.App.ReferralForm(head, amara.ID, ""); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("headteacher's form: %v; want forbidden", err)
		}
		if _, err := env.App.ReferralForm(as(t, s, oak, "teacher"), amara.ID, ""); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("teacher's form: %v; want forbidden", err)
		}
		if err := s.SaveReferralAgency(oak.Ctx, &vigil.ReferralAgency{Key: "school_nurse", Name: "School nurse", TimescaleDays: 5}); err != nil {
			t.Fatal(err)
		}
		f, _ = env.App.ReferralForm(dsl, amara.ID, "")
		if slices.ContainsFunc(f.Agencies, func(g vigil.ReferralAgency) bool { return g.Key == "school_nurse" }) {
			t.Errorf("an agency out of use is offered")
		}
	})
}

// A referral with no response by its time is told, once, to the person who
// made it and to the DSLs: not once per run, nor once per runner, however
// many run at once.
func TestOverdueReferralToldOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		addHeadteacher(t, s, oak)
		dsl, head := as(t, s, oak, "dsl"), as(t, s, oak, "head")
		amara := oak.Pupils["amara"]
		// Allegations about staff are managed by the headteacher.
		c := logConcern(t, env, as(t, s, oak, "teacher"), "A pupil says a member of staff grabbed her.", category(t, s, oak, "allegation_staff"), amara)
		lado := makeReferral(t, env, head, app.NewReferral{PupilID: amara.ID, ConcernID: c.ID, Agency: "lado", MadeAt: env.Now().Add(-10 * 24 * time.Hour)})
		fresh := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "camhs"})
		if !lado.Overdue || fresh.Overdue {
			t.Fatalf("overdue: lado %v, fresh %v", lado.Overdue, fresh.Overdue)
		}
		if _, err := env.App.ChaseSchoolReferrals(dsl); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a person chasing referrals: %v; want forbidden", err)
		}
		queued := func() int {
			n, err := s.CountJobs(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n[store.JobQueued]
		}
		before := queued()

		// Two runners at once, then more runs.
		var wg sync.WaitGroup
		told := make(chan int, 2)
		for range 2 {
			wg.Go(func() {
				n, err := env.App.ChaseOverdueReferrals(context.Background())
				if err != nil {
					t.Errorf("chase: %v", err)
				}
				told <- n
			})
		}
		wg.Wait()
		close(told)
		total := 0
		for n := range told {
			total += n
		}
		if total != 1 {
			t.Errorf("told about %d referrals over two runners; want 1", total)
		}
		for range 3 {
			if n, err := env.App.ChaseOverdueReferrals(context.Background()); n != 0 || err != nil {
				t.Errorf("a later run told %d: %v", n, err)
			}
		}

		for key, want := range map[string]int{"dsl": 1, "head": 1, "teacher": 0} {
			list, err := env.App.NotificationPage(as(t, s, oak, key), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, note := range list.Items {
				if note.Kind == vigil.NotifyReferralOverdue {
					n++
					if note.ObjectID != string(lado.ID) || note.ConcernID != c.ID || app.NotificationLink(note) != "/referrals/"+string(lado.ID) {
						t.Errorf("%s's notice = %+v", key, note)
					}
				}
			}
			if n != want {
				t.Errorf("%s has %d overdue notices; want %d", key, n, want)
			}
		}
		if got := queued() - before; got != 2 {
			t.Errorf("%d emails queued; want 2 (the DSL and the headteacher)", got)
		}
		if vigil.NotificationTitle(vigil.NotifyReferralOverdue) == vigil.NotificationTitle("unknown") {
			t.Error("the overdue notice has no title of its own")
		}
		evs, _ := s.FindAudit(oak.Ctx, "", amara.ID, 100)
		n := 0
		for _, e := range evs {
			if e.Action == app.AuditReferralChased && e.ObjectID == string(lado.ID) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d overdue notices audited; want 1", n)
		}
	})
}
