package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// DueReminder is a reminder about an action that is due and not yet sent.
type DueReminder struct {
	ActionID   vigil.ActionID
	ConcernID  vigil.ConcernID
	AssignedTo vigil.PersonID // "" when the action is assigned to no one
	DueOn      vigil.Date
	Kind       string // vigil.ReminderDueTomorrow, ReminderDueToday or ReminderOverdue
}

// maxRemindersPerRun bounds one school's run; the rest wait for the next.
const maxRemindersPerRun = 500

// FindDueReminders returns the reminders owed in the school on the day
// today, oldest due date first: for each open action, on an open concern,
// due tomorrow or today and assigned to someone, or past its due date, the
// one reminder of its kind not yet sent. An action past its due date owes
// only the overdue reminder, whatever was sent before it.
func (s *Store) FindDueReminders(ctx context.Context, today vigil.Date) ([]*DueReminder, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	tomorrow := vigil.DateOf(today.Time().AddDate(0, 0, 1))
	kind := `CASE WHEN a.due_on < ? THEN 'overdue' WHEN a.due_on = ? THEN 'due_today' ELSE 'due_tomorrow' END`
	rows, err := tx.query(ctx, `SELECT a.id, a.concern_id, a.assigned_to, a.due_on, `+kind+`
		FROM actions a JOIN concerns c ON c.school_id = a.school_id AND c.id = a.concern_id
		WHERE a.school_id = ? AND a.done_at IS NULL AND a.due_on IS NOT NULL AND a.due_on <= ? AND c.status = 'open'
			AND (a.due_on < ? OR a.assigned_to IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM action_reminders r WHERE r.school_id = a.school_id AND r.action_id = a.id AND r.kind = `+kind+`)
		ORDER BY a.due_on, a.id LIMIT ?`,
		today, today, tx.school, tomorrow, today, today, today, maxRemindersPerRun)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find due reminders")
	}
	defer rows.Close()
	var out []*DueReminder
	for rows.Next() {
		r := &DueReminder{}
		var assignee sql.NullString
		if err := rows.Scan(&r.ActionID, &r.ConcernID, &assignee, &r.DueOn, &r.Kind); err != nil {
			return nil, fmt.Errorf("scan due reminder: %w", err)
		}
		r.AssignedTo = vigil.PersonID(assignee.String)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find due reminders")
	}
	return out, tx.Commit()
}

// ClaimReminder records that the reminder r is being sent to recipients
// people, in the caller's transaction. It reports false, and records
// nothing, when that reminder was sent already: by an earlier run, or by
// another runner at the same moment (whose transaction it waits for).
// Send the reminder only if it reports true, in the same transaction.
func (s *Store) ClaimReminder(ctx context.Context, r *DueReminder, recipients int) (bool, error) {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO action_reminders (school_id, action_id, kind, due_on, recipients, sent_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, tx.school, r.ActionID, r.Kind, r.DueOn, recipients, tx.now)
	if err != nil {
		return false, wrapErr(tx.d, err, "claim reminder")
	}
	n, _ := res.RowsAffected()
	return n > 0, tx.Commit()
}
