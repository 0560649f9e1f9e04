package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func TestCalendarAcademicYear(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		day  vigil.Date
		want app.AcademicYear
		name string
	}{
		{vigil.NewDate(2026, 9, 1), 2026, "2026 to 2027"},
		{vigil.NewDate(2026, 8, 31), 2025, "2025 to 2026"},
		{vigil.NewDate(2027, 1, 1), 2026, "2026 to 2027"},
		{vigil.NewDate(2025, 12, 25), 2025, "2025 to 2026"},
	} {
		y := app.AcademicYearOf(tc.day)
		if y != tc.want || y.String() != tc.name {
			t.Errorf("AcademicYearOf(%s) = %d %q; want %d %q", tc.day, int(y), y.String(), int(tc.want), tc.name)
		}
		if y.First().After(tc.day) || y.Last().Before(tc.day) {
			t.Errorf("%s is outside its year %s to %s", tc.day, y.First(), y.Last())
		}
	}
}

// The settings page's calendar: the school's own holidays by the academic
// year of their first day, bank holidays shown as bank holidays (skipped
// while the school's calendar has them, or a longer holiday covers them),
// past years marked, the current year there even when empty.
func TestHolidayCalendarByAcademicYear(t *testing.T) {
	t.Parallel()
	d := vigil.NewDate
	bank := []vigil.Holiday{
		{Name: "Summer bank holiday", From: d(2026, 8, 31), To: d(2026, 8, 31)},
		{Name: "Christmas Day", From: d(2026, 12, 25), To: d(2026, 12, 25)},
		{Name: "Boxing Day (substitute day)", From: d(2026, 12, 28), To: d(2026, 12, 28)},
		{Name: "New Year's Day", From: d(2027, 1, 1), To: d(2027, 1, 1)},
	}
	school := []vigil.Holiday{
		{ID: "a", Name: "Summer bank holiday", From: d(2026, 8, 31), To: d(2026, 8, 31)}, // the bank holiday as seeded
		{ID: "b", Name: "INSET day", From: d(2026, 9, 1), To: d(2026, 9, 1)},
		{ID: "c", Name: "Christmas holidays", From: d(2026, 12, 21), To: d(2027, 1, 1)}, // covers three bank holidays
		{ID: "d", Name: "Christmas Day", From: d(2026, 12, 25), To: d(2026, 12, 25)},
		{ID: "e", Name: "Autumn half term", From: d(2026, 10, 26), To: d(2026, 10, 30)},
		{ID: "f", Name: "Whitsun", From: d(2028, 5, 29), To: d(2028, 6, 2)},
	}
	c := app.BuildHolidayCalendar(school, bank, d(2026, 11, 23))
	if c.Current != 2026 || c.BankFirst != d(2026, 8, 31) || c.BankLast != d(2027, 1, 1) {
		t.Fatalf("current %d, bank holidays %s to %s", int(c.Current), c.BankFirst, c.BankLast)
	}
	var years []app.AcademicYear
	for _, y := range c.Years {
		years = append(years, y.Year)
	}
	if !slices.Equal(years, []app.AcademicYear{2025, 2026, 2027}) {
		t.Fatalf("years %v; want 2025, 2026 and 2027 (Whitsun 2028 is in 2027 to 2028)", years)
	}
	past, now, next := c.Years[0], c.Years[1], c.Years[2]
	if !past.Past || now.Past || next.Past {
		t.Errorf("past flags %v %v %v", past.Past, now.Past, next.Past)
	}
	if len(past.Holidays) != 0 || len(past.BankHolidays) != 1 || !past.BankHolidays[0].Skipped {
		t.Errorf("2025 to 2026: %+v; want the summer bank holiday alone, skipped, and no holiday of the school's own", past)
	}
	var ids []string
	weekdays := map[string]int{}
	for _, h := range now.Holidays {
		ids = append(ids, h.ID)
		weekdays[h.ID] = h.Weekdays
	}
	if !slices.Equal(ids, []string{"b", "e", "c"}) {
		t.Errorf("2026 to 2027 own holidays %v; want the INSET day, half term and Christmas, in date order, and no bank holiday", ids)
	}
	if weekdays["b"] != 1 || weekdays["e"] != 5 || weekdays["c"] != 10 {
		t.Errorf("weekdays %v; want 1, 5 and 10", weekdays)
	}
	if len(now.BankHolidays) != 3 {
		t.Fatalf("2026 to 2027 bank holidays %+v", now.BankHolidays)
	}
	for _, b := range now.BankHolidays {
		if !b.Skipped {
			t.Errorf("%s on %s is not skipped though the Christmas holidays cover it", b.Name, b.Day)
		}
	}

	// Without the Christmas holidays, only Christmas Day, which the school
	// has, is skipped.
	school = slices.DeleteFunc(school, func(h vigil.Holiday) bool { return h.ID == "c" })
	c = app.BuildHolidayCalendar(school, bank, d(2026, 11, 23))
	skipped := map[string]bool{}
	for _, b := range c.Years[1].BankHolidays {
		skipped[b.Name] = b.Skipped
	}
	if !skipped["Christmas Day"] || skipped["Boxing Day (substitute day)"] || skipped["New Year's Day"] {
		t.Errorf("skipped %v; want Christmas Day only", skipped)
	}

	// A school with no holidays at all still sees this year.
	if c := app.BuildHolidayCalendar(nil, nil, d(2026, 11, 23)); len(c.Years) != 1 || c.Years[0].Year != 2026 {
		t.Errorf("empty calendar: %+v", c.Years)
	}
}

func auditOf(t *testing.T, s *store.Store, sc *storetest.School, person vigil.PersonID, action string) []*vigil.AuditEvent {
	t.Helper()
	evs, err := s.FindAudit(sc.Ctx, person, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(evs, func(e *vigil.AuditEvent) bool { return e.Action != action })
}

func fieldOf(err error) string {
	for f := range vigil.ErrorFields(err) {
		return f
	}
	return ""
}

// A school administrator keeps the school's holidays: adds one (one day
// when no last day is given), is told which field is wrong, removes one;
// each change is audited; another school's holiday is not found; the DSL
// (who does not manage settings) and an administrator without a second
// factor are refused; a holiday moves the due time of referrals made
// afterwards, and not of those made before.
func TestHolidaySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		admin, dsl := as(t, s, oak, "admin"), as(t, s, oak, "dsl")

		for _, tc := range []struct {
			name  string
			h     vigil.Holiday
			field string
		}{
			{"no name", vigil.Holiday{Name: "  ", From: vigil.NewDate(2026, 10, 26)}, "name"},
			{"no first day", vigil.Holiday{Name: "Half term"}, "from"},
			{"ends before it starts", vigil.Holiday{Name: "Half term", From: vigil.NewDate(2026, 10, 30), To: vigil.NewDate(2026, 10, 26)}, "to"},
			{"too long", vigil.Holiday{Name: "Half term", From: vigil.NewDate(2026, 1, 1), To: vigil.NewDate(2026, 12, 31)}, "to"},
		} {
			if err := env.App.AddHoliday(admin, &tc.h); vigil.ErrorCode(err) != vigil.EINVALID || fieldOf(err) != tc.field {
				t.Errorf("%s: %v; want invalid %s", tc.name, err, tc.field)
			}
		}

		inset := vigil.Holiday{Name: " INSET day ", From: vigil.NewDate(2027, 1, 4)}
		if err := env.App.AddHoliday(admin, &inset); err != nil {
			t.Fatalf("add a one-day holiday: %v", err)
		}
		if inset.To != inset.From || inset.Name != "INSET day" || !vigil.ValidID(inset.ID) {
			t.Errorf("added %+v; want one day, the name trimmed, an id", inset)
		}
		again := vigil.Holiday{Name: "INSET day", From: vigil.NewDate(2027, 1, 4)}
		if err := env.App.AddHoliday(admin, &again); vigil.ErrorCode(err) != vigil.EINVALID || fieldOf(err) != "from" {
			t.Errorf("the same holiday again: %v; want invalid from", err)
		}
		hs, err := env.App.Holidays(admin)
		if err != nil || !slices.ContainsFunc(hs, func(h vigil.Holiday) bool { return h.ID == inset.ID }) {
			t.Fatalf("Oak's holidays lack the INSET day: %v", err)
		}
		if hs, _ := env.App.Holidays(as(t, s, elm, "admin")); slices.ContainsFunc(hs, func(h vigil.Holiday) bool { return h.ID == inset.ID }) {
			t.Errorf("Elm sees Oak's INSET day")
		}

		// Refused: another school's administrator, the DSL, and an
		// administrator who has not given a second factor.
		if _, err := env.App.RemoveHoliday(as(t, s, elm, "admin"), inset.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("Elm removes Oak's holiday: %v; want not found", err)
		}
		if _, err := env.App.RemoveHoliday(admin, "not-an-id"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("remove a malformed id: %v; want not found", err)
		}
		notStepped := vigil.ActorFrom(admin)
		cp := *notStepped
		cp.SteppedUp = false
		for name, ctx := range map[string]context.Context{"DSL": dsl, "admin without a second factor": vigil.NewContext(context.Background(), &cp)} {
			if err := env.App.AddHoliday(ctx, &vigil.Holiday{Name: "Snow day", From: vigil.NewDate(2027, 1, 5)}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s adds a holiday: %v; want forbidden", name, err)
			}
			if _, err := env.App.RemoveHoliday(ctx, inset.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s removes a holiday: %v; want forbidden", name, err)
			}
			if _, err := env.App.HolidayCalendar(ctx); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s reads the calendar: %v; want forbidden", name, err)
			}
		}

		gone, err := env.App.RemoveHoliday(admin, inset.ID)
		if err != nil || gone.ID != inset.ID {
			t.Fatalf("remove: %+v %v", gone, err)
		}
		if _, err := env.App.RemoveHoliday(admin, inset.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("remove twice: %v; want not found", err)
		}
		adminID := oak.Staff["admin"].ID
		added, removed := auditOf(t, s, oak, adminID, app.AuditHolidayAdded), auditOf(t, s, oak, adminID, app.AuditHolidayRemoved)
		if len(added) != 1 || len(removed) != 1 || added[0].ObjectID != inset.ID || removed[0].ObjectID != inset.ID ||
			added[0].Detail["from"] != "2027-01-04" || added[0].Detail["to"] != "2027-01-04" {
			t.Errorf("audit: added %+v, removed %+v", added, removed)
		}
		for _, e := range append(added, removed...) {
			for _, v := range e.Detail {
				if v == "INSET day" {
					t.Errorf("the audit holds the holiday's name: %v", e.Detail)
				}
			}
		}
		if len(auditOf(t, s, oak, oak.Staff["dsl"].ID, app.AuditHolidayAdded)) != 0 {
			t.Errorf("a refused change was audited as made")
		}

		// A referral made on a Monday at 10:00 with a timescale of one
		// working day is due on Tuesday at 16:00, unless Tuesday and
		// Wednesday are holidays: then on Thursday.
		london, _ := time.LoadLocation("Europe/London")
		bank := vigil.Calendar{Loc: london, Holidays: vigil.EnglandBankHolidays()}
		n := env.Now().In(london).AddDate(0, 0, -14)
		monday := time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, london)
		for monday.Weekday() != time.Monday || !bank.WorkingDay(vigil.DateOf(monday)) || !bank.WorkingDay(vigil.DateOf(monday.AddDate(0, 0, 1))) ||
			!bank.WorkingDay(vigil.DateOf(monday.AddDate(0, 0, 2))) || !bank.WorkingDay(vigil.DateOf(monday.AddDate(0, 0, 3))) {
			monday = monday.AddDate(0, 0, -1)
		}
		amara := oak.Pupils["amara"]
		before := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "police", MadeAt: monday})
		tuesday := time.Date(monday.Year(), monday.Month(), monday.Day()+1, 16, 0, 0, 0, london)
		if !before.ExpectedBy.Equal(tuesday) {
			t.Fatalf("before the holiday: due %s; want %s", before.ExpectedBy, tuesday)
		}
		days := vigil.Holiday{Name: "INSET days", From: vigil.DateOf(monday.AddDate(0, 0, 1)), To: vigil.DateOf(monday.AddDate(0, 0, 2))}
		if err := env.App.AddHoliday(admin, &days); err != nil {
			t.Fatal(err)
		}
		after := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "police", MadeAt: monday})
		thursday := time.Date(monday.Year(), monday.Month(), monday.Day()+3, 16, 0, 0, 0, london)
		if !after.ExpectedBy.Equal(thursday) {
			t.Errorf("after the holiday: due %s; want %s", after.ExpectedBy, thursday)
		}
		if v, err := env.App.Referral(dsl, before.ID); err != nil || !v.Referral.ExpectedBy.Equal(tuesday) {
			t.Errorf("the earlier referral's due time moved: %v", err)
		}
	})
}

// A school administrator keeps the school's agencies: sees the seeded
// ones, adds one (its key made from its name), changes its timescale,
// retires it and brings it back; problems name the field; a name in use
// is refused; another school's agency is not found; every change is
// audited; a retired agency is not offered for new referrals but keeps
// the ones made to it.
func TestAgencySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		admin, dsl, elmAdmin := as(t, s, oak, "admin"), as(t, s, oak, "dsl"), as(t, s, elm, "admin")

		list, err := env.App.ReferralAgencies(admin)
		if err != nil || len(list) != len(vigil.DefaultReferralAgencies()) {
			t.Fatalf("seeded agencies: %d, %v", len(list), err)
		}

		for _, tc := range []struct {
			name  string
			g     vigil.ReferralAgency
			field string
		}{
			{"no name", vigil.ReferralAgency{Name: " ", TimescaleDays: 5}, "name"},
			{"negative timescale", vigil.ReferralAgency{Name: "Youth Offending Team", TimescaleDays: -1}, "timescale_days"},
			{"timescale too long", vigil.ReferralAgency{Name: "Youth Offending Team", TimescaleDays: vigil.MaxTimescaleDays + 1}, "timescale_days"},
			{"a seeded agency's name", vigil.ReferralAgency{Name: "police", TimescaleDays: 3}, "name"},
			{"a seeded agency's key", vigil.ReferralAgency{Key: "police", Name: "Constabulary", TimescaleDays: 3}, "key"},
		} {
			if _, err := env.App.AddReferralAgency(admin, tc.g); vigil.ErrorCode(err) != vigil.EINVALID || fieldOf(err) != tc.field {
				t.Errorf("%s: %v; want invalid %s", tc.name, err, tc.field)
			}
		}
		yot, err := env.App.AddReferralAgency(admin, vigil.ReferralAgency{Name: "  Youth Offending Team ", TimescaleDays: 5, Active: true})
		if err != nil {
			t.Fatalf("add: %v", err)
		}
		if yot.Key != "youth_offending_team" || yot.Name != "Youth Offending Team" || yot.Position != len(list)+1 {
			t.Errorf("added %+v", yot)
		}
		// A different name that makes the same key gets a key of its own.
		yot2, err := env.App.AddReferralAgency(admin, vigil.ReferralAgency{Name: "Youth-Offending Team (north)", TimescaleDays: 5, Active: true})
		if err != nil || yot2.Key != "youth_offending_team_north" {
			t.Errorf("second: %+v %v", yot2, err)
		}
		yot3, err := env.App.AddReferralAgency(admin, vigil.ReferralAgency{Name: "Youth offending team!", TimescaleDays: 5, Active: true})
		if err != nil || yot3.Key != "youth_offending_team_2" {
			t.Errorf("third: %+v %v", yot3, err)
		}
		if _, err := env.App.AddReferralAgency(admin, vigil.ReferralAgency{Name: "youth offending team", TimescaleDays: 5}); fieldOf(err) != "name" {
			t.Errorf("the same name in other letters: %v; want invalid name", err)
		}
		if g, err := env.App.AddReferralAgency(admin, vigil.ReferralAgency{Name: "Children's Trust", TimescaleDays: 0, Active: true}); err != nil || g.Key != "childrens_trust" {
			t.Errorf("apostrophe: %+v %v", g, err)
		}

		days := 15
		if g, err := env.App.ChangeReferralAgency(admin, "camhs", app.AgencyChange{TimescaleDays: &days}); err != nil || g.TimescaleDays != 15 || !g.Active {
			t.Errorf("change CAMHS: %+v %v", g, err)
		}
		bad := vigil.MaxTimescaleDays + 1
		if _, err := env.App.ChangeReferralAgency(admin, "camhs", app.AgencyChange{TimescaleDays: &bad}); fieldOf(err) != "timescale_days" {
			t.Errorf("change to too long: %v; want invalid timescale_days", err)
		}
		taken := "Police"
		if _, err := env.App.ChangeReferralAgency(admin, "camhs", app.AgencyChange{Name: &taken}); fieldOf(err) != "name" {
			t.Errorf("rename to another's name: %v; want invalid name", err)
		}
		if g, _ := env.App.ReferralAgencies(elmAdmin); g[slices.IndexFunc(g, func(g vigil.ReferralAgency) bool { return g.Key == "camhs" })].TimescaleDays != 20 {
			t.Errorf("Elm's CAMHS timescale changed with Oak's")
		}

		// Another school's agency, or none, is not found; the DSL may not
		// change agencies.
		retire, restore := false, true
		for name, key := range map[string]string{"Oak's own agency from Elm": "youth_offending_team", "no such agency": "nothing_here"} {
			if _, err := env.App.ChangeReferralAgency(elmAdmin, key, app.AgencyChange{Active: &retire}); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("%s: %v; want not found", name, err)
			}
		}
		if _, err := env.App.ChangeReferralAgency(dsl, "camhs", app.AgencyChange{Active: &retire}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("DSL retires: %v; want forbidden", err)
		}
		if _, err := env.App.AddReferralAgency(dsl, vigil.ReferralAgency{Name: "Housing", TimescaleDays: 5}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("DSL adds: %v; want forbidden", err)
		}

		// A referral to the agency, then retired: not offered, never deleted.
		amara := oak.Pupils["amara"]
		r := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: yot.Key})
		if r.TimescaleDays != 5 {
			t.Errorf("referral timescale %d; want 5", r.TimescaleDays)
		}
		if g, err := env.App.ChangeReferralAgency(admin, yot.Key, app.AgencyChange{Active: &retire}); err != nil || g.Active {
			t.Fatalf("retire: %+v %v", g, err)
		}
		if _, err := env.App.MakeReferral(dsl, app.NewReferral{PupilID: amara.ID, Agency: yot.Key, Method: vigil.ReferByPhone,
			MadeAt: env.Now().Add(-time.Hour)}); fieldOf(err) != "agency" {
			t.Errorf("referral to a retired agency: %v; want invalid agency", err)
		}
		if v, err := env.App.Referral(dsl, r.ID); err != nil || v.Referral.AgencyName != "Youth Offending Team" {
			t.Errorf("the referral to the retired agency: %v", err)
		}
		list, _ = env.App.ReferralAgencies(admin)
		if i := slices.IndexFunc(list, func(g vigil.ReferralAgency) bool { return g.Key == yot.Key }); i < 0 || list[i].Active {
			t.Errorf("the retired agency is gone or still offered: %v", list)
		}
		if g, err := env.App.ChangeReferralAgency(admin, yot.Key, app.AgencyChange{Active: &restore}); err != nil || !g.Active {
			t.Errorf("bring back: %+v %v", g, err)
		}
		// Nothing to change is not a change.
		if _, err := env.App.ChangeReferralAgency(admin, yot.Key, app.AgencyChange{Active: &restore}); err != nil {
			t.Errorf("bring back again: %v", err)
		}

		adminID := oak.Staff["admin"].ID
		for action, want := range map[string]int{app.AuditAgencyAdded: 4, app.AuditAgencyChanged: 1, app.AuditAgencyRetired: 1, app.AuditAgencyRestored: 1} {
			if got := auditOf(t, s, oak, adminID, action); len(got) != want {
				t.Errorf("%d %s events; want %d", len(got), action, want)
			}
		}
		if ch := auditOf(t, s, oak, adminID, app.AuditAgencyChanged); len(ch) == 1 &&
			(ch[0].ObjectID != "camhs" || ch[0].Detail["timescale_days"] != "15" || ch[0].Detail["was"] != "20") {
			t.Errorf("change audited as %+v", ch[0])
		}
	})
}
