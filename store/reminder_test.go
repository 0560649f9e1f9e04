package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// reminderAction saves an open concern of sc with one action due on due,
// assigned to assignee (none if ""), and returns the action's id.
func reminderAction(t *testing.T, s *store.Store, sc *storetest.School, due vigil.Date, assignee vigil.PersonID) (vigil.ConcernID, vigil.ActionID) {
	t.Helper()
	cats, err := s.FindCategories(sc.Ctx, false)
	if err != nil || len(cats) == 0 {
		t.Fatal(cats, err)
	}
	x := []byte("sealed")
	pupil := sc.Pupils["amara"]
	if pupil == nil {
		pupil = sc.Pupils["bruno"]
	}
	c := &vigil.Concern{ID: vigil.ConcernID(vigil.NewID()), OccurredAt: time.Now().Add(-time.Hour), ReportedBy: sc.Staff["teacher"].ID,
		Pupils: []vigil.ConcernPupil{{PupilID: pupil.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{cats[0].ID}}}}
	if err := s.CreateConcern(sc.Ctx, &store.SealedConcern{Concern: c, Location: x, Body: x, Agencies: x, BodyMap: x}); err != nil {
		t.Fatal(err)
	}
	a := &store.SealedAction{Action: &vigil.Action{ID: vigil.ActionID(vigil.NewID()), ConcernID: c.ID, Type: "note", TakenOn: vigil.NewDate(2026, 1, 1),
		AssignedTo: assignee, DueOn: due, CreatedBy: sc.Staff["dsl"].ID}, Body: x}
	if err := s.CreateAction(sc.Ctx, a); err != nil {
		t.Fatal(err)
	}
	return c.ID, a.ID
}

// Each open action owes the reminder of its day's kind until it is
// claimed; a claim is made once; an unassigned action owes only the
// overdue one; a done action owes none; another school's are not seen.
func TestDueReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak := f.Oak
		today := vigil.NewDate(2026, 3, 10)
		dsl := oak.Staff["dsl"].ID
		_, tomorrow := reminderAction(t, s, oak, vigil.NewDate(2026, 3, 11), dsl)
		_, due := reminderAction(t, s, oak, today, dsl)
		_, late := reminderAction(t, s, oak, vigil.NewDate(2026, 3, 2), "")
		reminderAction(t, s, oak, today, "")                       // nobody to remind until it is late
		reminderAction(t, s, oak, vigil.NewDate(2026, 3, 12), dsl) // not yet
		doneConcern, done := reminderAction(t, s, oak, today, dsl)
		if err := s.SetActionDone(oak.Ctx, doneConcern, done, true, dsl); err != nil {
			t.Fatal(err)
		}
		reminderAction(t, s, f.Elm, today, f.Elm.Staff["dsl"].ID)

		got, err := s.FindDueReminders(oak.Ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		want := map[vigil.ActionID]string{late: vigil.ReminderOverdue, due: vigil.ReminderDueToday, tomorrow: vigil.ReminderDueTomorrow}
		if len(got) != len(want) {
			t.Fatalf("due reminders %d, want %d", len(got), len(want))
		}
		for _, r := range got {
			if want[r.ActionID] != r.Kind {
				t.Errorf("action %s owes %q, want %q", r.ActionID, r.Kind, want[r.ActionID])
			}
		}
		if got[0].ActionID != late || got[0].AssignedTo != "" || got[1].AssignedTo != dsl {
			t.Errorf("order or assignee: %+v %+v", got[0], got[1])
		}
		for i, want := range []bool{true, false} {
			if ok, err := s.ClaimReminder(oak.Ctx, got[0], 2); err != nil || ok != want {
				t.Fatalf("claim %d: %v, %v", i, ok, err)
			}
		}
		if again, _ := s.FindDueReminders(oak.Ctx, today); len(again) != 2 {
			t.Errorf("after one claim, %d owed; want 2", len(again))
		}
		// The next day the action due today is overdue: a new kind, owed.
		next, _ := s.FindDueReminders(oak.Ctx, vigil.NewDate(2026, 3, 11))
		kinds := map[vigil.ActionID]string{}
		for _, r := range next {
			kinds[r.ActionID] = r.Kind
		}
		if kinds[due] != vigil.ReminderOverdue || kinds[tomorrow] != vigil.ReminderDueToday || kinds[late] != "" {
			t.Errorf("next day: %v", kinds)
		}
		// Without a school nothing is found.
		if _, err := s.FindDueReminders(context.Background(), today); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("no school: %v", err)
		}
	})
}

// A person's channel is per school and defaults to both; only known
// channels are kept.
func TestNotificationChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		dsl := f.Oak.Staff["dsl"].ID
		if c, err := s.NotificationChannel(f.Oak.Ctx, dsl); err != nil || c != vigil.ChannelBoth {
			t.Fatalf("default = %q, %v", c, err)
		}
		if err := s.SetNotificationChannel(f.Oak.Ctx, dsl, "fax"); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("unknown channel: %v", err)
		}
		for _, c := range []string{vigil.ChannelEmail, vigil.ChannelInApp} {
			if err := s.SetNotificationChannel(f.Oak.Ctx, dsl, c); err != nil {
				t.Fatal(err)
			}
		}
		teacher := f.Oak.Staff["teacher"]
		m, err := s.NotificationRecipients(f.Oak.Ctx, []vigil.PersonID{dsl, teacher.ID})
		if err != nil || len(m) != 2 || m[dsl].Channel != vigil.ChannelInApp || m[teacher.ID].Channel != vigil.ChannelBoth ||
			m[teacher.ID].Email != teacher.Email {
			t.Errorf("recipients = %v, %v", m, err)
		}
		if m, _ := s.NotificationRecipients(f.Elm.Ctx, []vigil.PersonID{dsl}); len(m) != 0 {
			t.Errorf("Elm sees Oak's member or choice: %v", m)
		}
	})
}
