package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// ReminderHour is the hour of the school's day from which reminders are
// sent: nobody is emailed about an action in the night.
const ReminderHour = 7

// SendReminders sends the action reminders owed at now in every school, as
// the periodic job does each hour, and returns how many were sent. A
// school that fails does not stop the others; the errors come back
// together.
func (a *App) SendReminders(ctx context.Context, now time.Time) (int, error) {
	schools, err := a.Store.FindSchools(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, sc := range schools {
		n, err := a.SendSchoolReminders(vigil.SystemContext(ctx, sc.ID), now)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders for school %s: %w", sc.ID, err))
		}
	}
	return total, errors.Join(errs...)
}

// SendSchoolReminders sends the reminders owed at now in the school of the
// system actor in ctx, if it is ReminderHour or later there: to the
// assignee of each open action the day before it is due and on the day,
// and to the school's designated safeguarding leads the day after it was
// due and not done. Each reminder is sent once per action and kind, ever:
// it is recorded in the same transaction as its notifications and emails,
// so two runners at once send it once, and a run that fails sends nothing
// it did not record. Only the system (the job runner) sends reminders.
func (a *App) SendSchoolReminders(ctx context.Context, now time.Time) (int, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || !act.System || act.SchoolID == "" {
		return 0, vigil.Errorf(vigil.EFORBIDDEN, "Only the job runner sends reminders.")
	}
	local := now.In(a.location(ctx))
	if local.Hour() < ReminderHour {
		return 0, nil
	}
	due, err := a.Store.FindDueReminders(ctx, vigil.DateOf(local))
	if err != nil || len(due) == 0 {
		return 0, err
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return 0, err
	}
	active := map[vigil.PersonID]bool{}
	var leads []vigil.PersonID
	for _, m := range members {
		if m.Active {
			active[m.PersonID] = true
			if m.Designated {
				leads = append(leads, m.PersonID)
			}
		}
	}
	sent := 0
	for _, r := range due {
		var people []vigil.PersonID
		kind := ""
		switch r.Kind {
		case vigil.ReminderOverdue:
			people, kind = leads, vigil.NotifyActionOverdue
		case vigil.ReminderDueToday, vigil.ReminderDueTomorrow:
			kind = vigil.NotifyActionDueToday
			if r.Kind == vigil.ReminderDueTomorrow {
				kind = vigil.NotifyActionDueTomorrow
			}
			// Someone who has left is not reminded; the DSLs hear if
			// the action then goes overdue.
			if active[r.AssignedTo] {
				people = []vigil.PersonID{r.AssignedTo}
			}
		default:
			continue
		}
		claimed := false
		err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
			ok, err := a.Store.ClaimReminder(ctx, r, len(people))
			if err != nil || !ok {
				return err
			}
			claimed = true
			if err := a.notifyPeople(ctx, people, kind, r.ConcernID, string(r.ActionID)); err != nil {
				return err
			}
			return a.audit(ctx, vigil.AuditEvent{Action: AuditReminderSent, ObjectType: "action", ObjectID: string(r.ActionID),
				Detail: map[string]string{"kind": r.Kind, "concern": string(r.ConcernID), "recipients": itoa(len(people))}})
		})
		if err != nil {
			return sent, fmt.Errorf("reminder %s for action %s: %w", r.Kind, r.ActionID, err)
		}
		if claimed {
			sent++
		}
	}
	return sent, nil
}
