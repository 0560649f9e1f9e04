package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// referralConcern saves a concern about pupils in category key of sc, with
// stand-in ciphertext: the store never opens it.
func referralConcern(t *testing.T, s *store.Store, sc *storetest.School, key string, pupils ...*vigil.Pupil) *vigil.Concern {
	t.Helper()
	cats, err := s.FindCategories(sc.Ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var cat vigil.CategoryID
	for _, c := range cats {
		if c.Key == key {
			cat = c.ID
		}
	}
	c := &vigil.Concern{ID: vigil.ConcernID(vigil.NewID()), OccurredAt: time.Now().Add(-time.Hour), ReportedBy: sc.Staff["teacher"].ID}
	for _, p := range pupils {
		c.Pupils = append(c.Pupils, vigil.ConcernPupil{PupilID: p.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{cat}})
	}
	x := []byte("sealed")
	if err := s.CreateConcern(sc.Ctx, &store.SealedConcern{Concern: c, Location: x, Body: x, Agencies: x, BodyMap: x}); err != nil {
		t.Fatalf("create concern: %v", err)
	}
	return c
}

func newReferral(sc *storetest.School, pupil *vigil.Pupil, concern vigil.ConcernID, agency string, expected time.Time) *store.SealedReferral {
	return &store.SealedReferral{Referral: &vigil.Referral{ID: vigil.ReferralID(vigil.NewID()), PupilID: pupil.ID, ConcernID: concern,
		Agency: agency, Method: vigil.ReferByPhone, MadeAt: expected.Add(-24 * time.Hour), Reference: "REF-1", MadeBy: sc.Staff["dsl"].ID,
		TimescaleDays: 1, ExpectedBy: expected}, Contact: []byte("c"), Details: []byte("d")}
}

func TestSchoolStartsWithAgenciesAndBankHolidays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ags, err := s.ReferralAgencies(f.Oak.Ctx)
		if err != nil || len(ags) != len(vigil.DefaultReferralAgencies()) {
			t.Fatalf("agencies = %v, %v", ags, err)
		}
		if ags[0].Key != "childrens_services" || ags[0].TimescaleDays != 1 || !ags[0].Active {
			t.Errorf("first agency = %+v", ags[0])
		}
		hs, err := s.FindHolidays(f.Oak.Ctx)
		want := vigil.EnglandBankHolidays()
		if err != nil || len(hs) != len(want) {
			t.Fatalf("holidays = %d, %v; want %d", len(hs), err, len(want))
		}
		for i := range hs {
			if hs[i].Name != want[i].Name || hs[i].From != want[i].From || hs[i].To != want[i].To || !vigil.ValidID(hs[i].ID) {
				t.Errorf("holiday %d = %+v; want %+v", i, hs[i], want[i])
			}
		}
	})
}

func TestHolidaysAndAgencies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak, elm := f.Oak.Ctx, f.Elm.Ctx
		h := &vigil.Holiday{Name: "Autumn half term", From: vigil.NewDate(2026, 10, 26), To: vigil.NewDate(2026, 10, 30)}
		if err := s.AddHoliday(oak, h); err != nil || !vigil.ValidID(h.ID) {
			t.Fatalf("add holiday: %v (%q)", err, h.ID)
		}
		again := *h
		if err := s.AddHoliday(oak, &again); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("the same holiday again: %v; want a problem", err)
		}
		if err := s.AddHoliday(oak, &vigil.Holiday{Name: "Backwards", From: vigil.NewDate(2026, 2, 20), To: vigil.NewDate(2026, 2, 16)}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("backwards holiday: %v", err)
		}
		if err := s.RemoveHoliday(elm, h.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("Elm removing Oak's holiday: %v; want not found", err)
		}
		hs, _ := s.FindHolidays(elm)
		for _, x := range hs {
			if x.ID == h.ID {
				t.Error("Elm sees Oak's holiday")
			}
		}
		if err := s.RemoveHoliday(oak, h.ID); err != nil {
			t.Fatalf("remove: %v", err)
		}
		if err := s.RemoveHoliday(oak, h.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("remove twice: %v", err)
		}

		g := &vigil.ReferralAgency{Key: "camhs", Name: "CAMHS (Riverside)", TimescaleDays: 15, Active: true}
		if err := s.SaveReferralAgency(oak, g); err != nil {
			t.Fatalf("change agency: %v", err)
		}
		yot := &vigil.ReferralAgency{Key: "yot", Name: "Youth Offending Team", TimescaleDays: 5, Active: true}
		if err := s.SaveReferralAgency(oak, yot); err != nil {
			t.Fatalf("add agency: %v", err)
		}
		if err := s.SaveReferralAgency(oak, &vigil.ReferralAgency{Key: "slow", Name: "Slow", TimescaleDays: 91}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("timescale 91: %v", err)
		}
		ags, _ := s.ReferralAgencies(oak)
		last := ags[len(ags)-1]
		if last.Key != "yot" || last.Position != len(ags) || yot.Position != len(ags) {
			t.Errorf("new agency placed %+v (%d agencies)", last, len(ags))
		}
		for _, a := range ags {
			if a.Key == "camhs" && (a.TimescaleDays != 15 || a.Name != "CAMHS (Riverside)") {
				t.Errorf("changed agency = %+v", a)
			}
		}
		elmAgs, _ := s.ReferralAgencies(elm)
		for _, a := range elmAgs {
			if a.Key == "yot" || a.TimescaleDays == 15 {
				t.Errorf("Elm's agencies changed by Oak: %+v", a)
			}
		}
	})
}

func TestReferralStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak, elm := f.Oak, f.Elm
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		now := time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		c := referralConcern(t, s, oak, "child_protection", amara)

		overdue := newReferral(oak, amara, c.ID, "childrens_services", now.Add(-time.Hour))
		open := newReferral(oak, amara, "", "camhs", now.Add(48*time.Hour))
		closed := newReferral(oak, ben, "", "early_help", now.Add(-72*time.Hour))
		for _, r := range []*store.SealedReferral{overdue, open, closed} {
			if err := s.CreateReferral(oak.Ctx, r); err != nil {
				t.Fatalf("create referral: %v", err)
			}
		}
		if err := s.CloseReferral(oak.Ctx, closed.ID, []byte("outcome"), oak.Staff["dsl"].ID); err != nil {
			t.Fatalf("close: %v", err)
		}

		for name, tc := range map[string]struct {
			r     *store.SealedReferral
			field string
		}{
			"pupil of another school":  {newReferral(oak, elm.Pupils["bruno"], "", "police", now), "pupil_id"},
			"pupil not on the concern": {newReferral(oak, ben, c.ID, "police", now), "concern_id"},
			"unknown agency":           {newReferral(oak, amara, "", "wizards", now), "agency"},
		} {
			if err := s.CreateReferral(oak.Ctx, tc.r); vigil.ErrorFields(err)[tc.field] == "" {
				t.Errorf("%s: %v; want a problem with %s", name, err, tc.field)
			}
		}
		if err := s.SaveReferralAgency(oak.Ctx, &vigil.ReferralAgency{Key: "police", Name: "Police", TimescaleDays: 1, Active: false}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateReferral(oak.Ctx, newReferral(oak, amara, "", "police", now)); vigil.ErrorFields(err)["agency"] == "" {
			t.Errorf("agency no longer in use: %v", err)
		}

		all := store.ReferralFilter{Visibility: store.Visibility{All: true}}
		ids := func(f store.ReferralFilter) []vigil.ReferralID {
			t.Helper()
			list, err := s.FindReferrals(oak.Ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []vigil.ReferralID
			for _, r := range list {
				out = append(out, r.ID)
			}
			return out
		}
		same := func(got []vigil.ReferralID, want ...*store.SealedReferral) bool {
			if len(got) != len(want) {
				return false
			}
			for i := range got {
				if got[i] != want[i].ID {
					return false
				}
			}
			return true
		}
		if got := ids(all); !same(got, overdue, open, closed) {
			t.Errorf("all referrals in order = %v; want overdue, open, closed", got)
		}
		withStatus := func(st string) store.ReferralFilter { f := all; f.Status = st; return f }
		if got := ids(withStatus(vigil.ReferralOverdue)); !same(got, overdue) {
			t.Errorf("overdue = %v", got)
		}
		if got := ids(withStatus(vigil.ReferralOpen)); !same(got, overdue, open) {
			t.Errorf("open = %v", got)
		}
		if got := ids(withStatus(vigil.ReferralClosed)); !same(got, closed) {
			t.Errorf("closed = %v", got)
		}
		byPupil := all
		byPupil.Pupil = ben.ID
		if got := ids(byPupil); !same(got, closed) {
			t.Errorf("Ben's = %v", got)
		}

		// Who sees what: a linked referral goes with its concern seen in
		// full; an unlinked one needs Unlinked.
		cats, _ := s.FindCategories(oak.Ctx, false)
		var childProtection, bullying vigil.CategoryID
		for _, k := range cats {
			switch k.Key {
			case "child_protection":
				childProtection = k.ID
			case "bullying":
				bullying = k.ID
			}
		}
		if got := ids(store.ReferralFilter{Visibility: store.Visibility{ViewAll: []vigil.CategoryID{childProtection}}}); !same(got, overdue) {
			t.Errorf("seeing childProtection only = %v", got)
		}
		if got := ids(store.ReferralFilter{Visibility: store.Visibility{ViewAll: []vigil.CategoryID{bullying}}, Unlinked: true}); !same(got, open, closed) {
			t.Errorf("seeing bullying and unlinked = %v", got)
		}
		if got := ids(store.ReferralFilter{Visibility: store.Visibility{Person: oak.Staff["teacher"].ID, ViewOwn: []vigil.CategoryID{childProtection}}}); len(got) != 0 {
			t.Errorf("the reporter of the concern sees referrals %v", got)
		}
		if n, err := s.CountReferrals(oak.Ctx, withStatus(vigil.ReferralOverdue)); err != nil || n != 1 {
			t.Errorf("count overdue = %d, %v", n, err)
		}

		got, err := s.FindReferral(oak.Ctx, overdue.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Overdue || got.PupilName == "" || got.AgencyName != "Children's services (MASH / front door)" || got.MakerName == "" ||
			len(got.ConcernCategories) != 1 || got.ConcernCategories[0] != childProtection || got.ConcernReporter != oak.Staff["teacher"].ID ||
			string(got.Contact) != "c" || !got.ExpectedBy.Equal(overdue.ExpectedBy) || got.TimescaleDays != 1 || got.Reference != "REF-1" {
			t.Errorf("found %+v", got.Referral)
		}
		for name, ctx := range map[string]context.Context{"another school": elm.Ctx} {
			if _, err := s.FindReferral(ctx, overdue.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("%s: %v; want not found", name, err)
			}
			if err := s.CloseReferral(ctx, overdue.ID, []byte("x"), elm.Staff["dsl"].ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("%s closing: %v", name, err)
			}
			if list, _ := s.FindReferrals(ctx, all); len(list) != 0 {
				t.Errorf("%s lists %d referrals", name, len(list))
			}
		}
		if _, err := s.FindReferral(oak.Ctx, "not-an-id"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("malformed id: %v", err)
		}

		on := vigil.NewDate(2026, 11, 18)
		if err := s.RecordReferralResponse(oak.Ctx, overdue.ID, on, []byte("resp"), oak.Staff["dsl"].ID); err != nil {
			t.Fatalf("response: %v", err)
		}
		if err := s.RecordReferralResponse(oak.Ctx, overdue.ID, on, []byte("resp"), oak.Staff["dsl"].ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("second response: %v; want conflict", err)
		}
		if err := s.RecordReferralResponse(oak.Ctx, closed.ID, on, []byte("resp"), oak.Staff["dsl"].ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("response to a closed referral: %v; want conflict", err)
		}
		if err := s.CloseReferral(oak.Ctx, closed.ID, []byte("again"), oak.Staff["dsl"].ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("close twice: %v; want conflict", err)
		}
		got, _ = s.FindReferral(oak.Ctx, overdue.ID)
		if got.Overdue || got.ResponseOn != on || string(got.Response) != "resp" || got.ResponderName == "" || got.ResponseRecordedAt.IsZero() {
			t.Errorf("after the response: %+v", got.Referral)
		}
		if got := ids(withStatus(vigil.ReferralOverdue)); len(got) != 0 {
			t.Errorf("overdue after the response = %v", got)
		}
	})
}

// However many callers race to send a referral's overdue notice, one
// claims it; a referral not overdue, answered or closed is never claimed.
func TestClaimOverdueNoticeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak := f.Oak
		now := time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		late := newReferral(oak, oak.Pupils["amara"], "", "police", now.Add(-time.Minute))
		early := newReferral(oak, oak.Pupils["amara"], "", "police", now.Add(time.Minute))
		for _, r := range []*store.SealedReferral{late, early} {
			if err := s.CreateReferral(oak.Ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		chase, err := s.FindReferralsToChase(oak.Ctx)
		if err != nil || len(chase) != 1 || chase[0] != late.ID {
			t.Fatalf("to chase = %v, %v; want the late one", chase, err)
		}
		if ok, err := s.ClaimOverdueNotice(oak.Ctx, early.ID); ok || err != nil {
			t.Errorf("claimed a referral not yet due: %v, %v", ok, err)
		}
		var wins sync.WaitGroup
		results := make(chan bool, 8)
		for range 8 {
			wins.Go(func() {
				err := s.RunInTx(oak.Ctx, func(ctx context.Context) error {
					ok, err := s.ClaimOverdueNotice(ctx, late.ID)
					results <- ok
					return err
				})
				if err != nil {
					t.Errorf("claim: %v", err)
				}
			})
		}
		wins.Wait()
		close(results)
		n := 0
		for ok := range results {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d claims succeeded; want 1", n)
		}
		if chase, _ := s.FindReferralsToChase(oak.Ctx); len(chase) != 0 {
			t.Errorf("still to chase: %v", chase)
		}
		if chase, _ := s.FindReferralsToChase(f.Elm.Ctx); len(chase) != 0 {
			t.Errorf("Elm has Oak's referrals to chase: %v", chase)
		}
	})
}
