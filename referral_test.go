package vigil_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/London wherever the tests run

	"github.com/vigil-safeguarding/vigil"
)

func TestResponseDue(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
	day := func(y int, m time.Month, d int) vigil.Date { return vigil.NewDate(y, m, d) }
	bank := vigil.Calendar{Loc: london, Holidays: vigil.EnglandBankHolidays()}
	halfTerm := vigil.Calendar{Loc: london, Holidays: []vigil.Holiday{
		{Name: "Half term", From: day(2026, 10, 24), To: day(2026, 11, 1)}, // Saturday to Sunday
	}}
	overWeekend := vigil.Calendar{Loc: london, Holidays: []vigil.Holiday{
		{Name: "Closure", From: day(2026, 10, 22), To: day(2026, 10, 27)}, // Thursday to Tuesday
	}}
	plain := vigil.Calendar{Loc: london}
	for _, tc := range []struct {
		name string
		cal  vigil.Calendar
		made time.Time
		days int
		want time.Time
	}{
		{"monday morning, one day", plain, at(2026, 11, 16, 10, 0), 1, at(2026, 11, 17, 16, 0)},
		{"just before the end of the day", plain, at(2026, 11, 16, 15, 59), 1, at(2026, 11, 17, 16, 0)},
		{"at the end of the day counts from tomorrow", plain, at(2026, 11, 16, 16, 0), 1, at(2026, 11, 18, 16, 0)},
		{"friday morning, one day", plain, at(2026, 11, 20, 10, 0), 1, at(2026, 11, 23, 16, 0)},
		{"friday 16:55 counts from monday", plain, at(2026, 11, 20, 16, 55), 1, at(2026, 11, 24, 16, 0)},
		{"saturday counts from monday", plain, at(2026, 11, 21, 10, 0), 1, at(2026, 11, 24, 16, 0)},
		{"sunday night counts from monday", plain, at(2026, 11, 22, 23, 59), 1, at(2026, 11, 24, 16, 0)},
		{"the same working day", plain, at(2026, 11, 16, 10, 0), 0, at(2026, 11, 16, 16, 0)},
		{"the same working day, made late", plain, at(2026, 11, 16, 17, 0), 0, at(2026, 11, 17, 16, 0)},
		{"ten working days is two weeks", plain, at(2026, 11, 16, 10, 0), 10, at(2026, 11, 30, 16, 0)},
		{"twenty working days", plain, at(2026, 11, 16, 10, 0), 20, at(2026, 12, 14, 16, 0)},
		{"christmas eve, with bank holidays", bank, at(2026, 12, 24, 10, 0), 1, at(2026, 12, 29, 16, 0)},
		{"christmas eve, without", plain, at(2026, 12, 24, 10, 0), 1, at(2026, 12, 25, 16, 0)},
		{"made on a bank holiday", bank, at(2026, 5, 25, 9, 0), 1, at(2026, 5, 27, 16, 0)},
		{"easter, five days", bank, at(2026, 4, 2, 9, 0), 5, at(2026, 4, 13, 16, 0)},
		{"friday evening before half term", halfTerm, at(2026, 10, 23, 17, 0), 1, at(2026, 11, 3, 16, 0)},
		{"friday morning before half term", halfTerm, at(2026, 10, 23, 9, 0), 1, at(2026, 11, 2, 16, 0)},
		{"made in half term", halfTerm, at(2026, 10, 27, 9, 0), 1, at(2026, 11, 3, 16, 0)},
		{"closure over a weekend", overWeekend, at(2026, 10, 21, 11, 0), 1, at(2026, 10, 28, 16, 0)},
		{"closure over a weekend, two days", overWeekend, at(2026, 10, 21, 11, 0), 2, at(2026, 10, 29, 16, 0)},
		// Clocks go forward on Sunday 29 March 2026: due at 16:00 BST.
		{"over the spring clock change", plain, at(2026, 3, 27, 10, 0), 1, time.Date(2026, 3, 30, 15, 0, 0, 0, time.UTC)},
		// Clocks go back on Sunday 25 October 2026: due at 16:00 GMT.
		{"over the autumn clock change", plain, at(2026, 10, 23, 10, 0), 1, time.Date(2026, 10, 26, 16, 0, 0, 0, time.UTC)},
		{"made on the night the clocks go forward", plain, time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), 1, time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)},
		// 23:30 UTC on Monday is 00:30 on Tuesday in London in summer.
		{"late UTC is the next London day", plain, time.Date(2026, 6, 1, 23, 30, 0, 0, time.UTC), 1, time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC)},
		// 15:30 UTC is 16:30 in London in summer: after the end of the day.
		{"the end of the day is London's", plain, time.Date(2026, 6, 1, 15, 30, 0, 0, time.UTC), 1, time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC)},
		{"no zone means London", vigil.Calendar{}, time.Date(2026, 6, 1, 15, 30, 0, 0, time.UTC), 1, time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.ResponseDue(tc.made, tc.days)
			if !got.Equal(tc.want) {
				t.Errorf("ResponseDue(%s, %d) = %s; want %s", tc.made.In(london).Format(time.RFC3339), tc.days,
					got.In(london).Format(time.RFC3339), tc.want.In(london).Format(time.RFC3339))
			}
			if got.Location() != time.UTC {
				t.Errorf("ResponseDue returned %s, not UTC", got.Location())
			}
		})
	}
}

// A calendar with no working day in reach gives an answer rather than
// looping for ever.
func TestResponseDueWithNoWorkingDays(t *testing.T) {
	cal := vigil.Calendar{Loc: time.UTC}
	for i := range 40 {
		from := vigil.NewDate(2026, 1, 1+100*i)
		cal.Holidays = append(cal.Holidays, vigil.Holiday{Name: "closed", From: from, To: vigil.NewDate(2026, 1, 100*i+100)})
	}
	got := cal.ResponseDue(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), 1)
	if got.Before(time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ResponseDue = %s; want a date past the closures", got)
	}
}

func TestEnglandBankHolidays(t *testing.T) {
	hs := vigil.EnglandBankHolidays()
	perYear := map[int]int{}
	for _, h := range hs {
		if err := h.Validate(); err != nil {
			t.Errorf("%s %s: %v", h.Name, h.From, err)
		}
		wd := h.From.Time().Weekday()
		if wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s on %s is a %s", h.Name, h.From, wd)
		}
		switch {
		case h.Name == "Good Friday" && wd != time.Friday, strings.Contains(h.Name, "Monday") && wd != time.Monday,
			strings.Contains(h.Name, "May") && wd != time.Monday, strings.Contains(h.Name, "Summer") && wd != time.Monday:
			t.Errorf("%s falls on %s, a %s", h.Name, h.From, wd)
		}
		perYear[h.From.Time().Year()]++
	}
	for y := 2025; y <= 2027; y++ {
		if perYear[y] != 8 {
			t.Errorf("%d has %d bank holidays; want 8", y, perYear[y])
		}
	}
}

func TestHolidayValidate(t *testing.T) {
	d := vigil.NewDate
	for _, tc := range []struct {
		name  string
		h     vigil.Holiday
		field string
	}{
		{"one day", vigil.Holiday{Name: "INSET day", From: d(2026, 9, 1), To: d(2026, 9, 1)}, ""},
		{"summer", vigil.Holiday{Name: "Summer holiday", From: d(2026, 7, 22), To: d(2026, 9, 2)}, ""},
		{"no name", vigil.Holiday{From: d(2026, 9, 1), To: d(2026, 9, 1)}, "name"},
		{"no first day", vigil.Holiday{Name: "x", To: d(2026, 9, 1)}, "from"},
		{"backwards", vigil.Holiday{Name: "x", From: d(2026, 9, 2), To: d(2026, 9, 1)}, "to"},
		{"too long", vigil.Holiday{Name: "x", From: d(2026, 1, 1), To: d(2026, 12, 31)}, "to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Validate()
			if tc.field == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if _, ok := vigil.ErrorFields(err)[tc.field]; !ok {
				t.Errorf("Validate: %v; want a problem with %s", err, tc.field)
			}
		})
	}
}

func TestReferralValidate(t *testing.T) {
	now := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	ok := func() vigil.Referral {
		return vigil.Referral{PupilID: vigil.PupilID(vigil.NewID()), Agency: "childrens_services", Method: vigil.ReferByPhone,
			MadeAt: now.Add(-time.Hour), Reference: "MASH-2026-0042"}
	}
	for _, tc := range []struct {
		name   string
		change func(r *vigil.Referral)
		field  string
	}{
		{"valid", func(*vigil.Referral) {}, ""},
		{"no pupil", func(r *vigil.Referral) { r.PupilID = "" }, "pupil_id"},
		{"bad concern", func(r *vigil.Referral) { r.ConcernID = "42" }, "concern_id"},
		{"no agency", func(r *vigil.Referral) { r.Agency = "" }, "agency"},
		{"odd agency", func(r *vigil.Referral) { r.Agency = "Social Services!" }, "agency"},
		{"bad method", func(r *vigil.Referral) { r.Method = "pigeon" }, "method"},
		{"no time", func(r *vigil.Referral) { r.MadeAt = time.Time{} }, "made_at"},
		{"future", func(r *vigil.Referral) { r.MadeAt = now.Add(time.Hour) }, "made_at"},
		{"long ago", func(r *vigil.Referral) { r.MadeAt = now.AddDate(-3, 0, 0) }, "made_at"},
		{"long reference", func(r *vigil.Referral) { r.Reference = strings.Repeat("x", 101) }, "reference"},
		{"control characters", func(r *vigil.Referral) { r.Contact = "a\x00b" }, "contact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.change(&r)
			err := r.Validate(now)
			if tc.field == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if _, found := vigil.ErrorFields(err)[tc.field]; !found {
				t.Errorf("Validate: %v; want a problem with %s", err, tc.field)
			}
		})
	}
}

func TestReferralOverdue(t *testing.T) {
	due := time.Date(2026, 11, 17, 16, 0, 0, 0, time.UTC)
	r := vigil.Referral{ExpectedBy: due}
	if r.OverdueAt(due) || !r.OverdueAt(due.Add(time.Second)) {
		t.Errorf("overdue at the deadline %v, after it %v", r.OverdueAt(due), r.OverdueAt(due.Add(time.Second)))
	}
	r.ResponseOn = vigil.NewDate(2026, 11, 18)
	if r.OverdueAt(due.Add(time.Hour)) {
		t.Error("overdue with a response")
	}
	r = vigil.Referral{ExpectedBy: due, ClosedAt: due}
	if r.OverdueAt(due.Add(time.Hour)) || r.Status() != vigil.ReferralClosed {
		t.Errorf("closed referral overdue or status %s", r.Status())
	}
}

func TestDefaultReferralAgencies(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range vigil.DefaultReferralAgencies() {
		if err := g.Validate(); err != nil || seen[g.Key] || !g.Active {
			t.Errorf("agency %+v: %v", g, err)
		}
		seen[g.Key] = true
	}
	for _, k := range []string{"childrens_services", "police", "lado", "camhs", "early_help", "school_nurse", "other"} {
		if !seen[k] {
			t.Errorf("no default agency %s", k)
		}
	}
}
