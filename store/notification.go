package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// NewNotification is one notification to save for one person.
type NewNotification struct {
	PersonID  vigil.PersonID
	Kind      string
	ConcernID vigil.ConcernID // "" for none
	ObjectID  string          // the action, referral or communication; "" for none
	// Read saves it already read: the person chose email only, and the
	// notification is kept for the record without asking for attention.
	Read bool
}

func errNotificationNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Notification not found.") }

// SaveNotifications saves each notification in the school in the context,
// in the caller's transaction when there is one.
func (s *Store) SaveNotifications(ctx context.Context, ns []NewNotification) error {
	if len(ns) == 0 {
		return nil
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	for _, n := range ns {
		var read any
		if n.Read {
			read = tx.now
		}
		if _, err := tx.exec(ctx, `INSERT INTO notifications (school_id, id, person_id, kind, concern_id, object_id, created_at, read_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tx.school, vigil.NewID(), n.PersonID, n.Kind, nullString(string(n.ConcernID)),
			nullString(n.ObjectID), tx.now, read); err != nil {
			return wrapErr(tx.d, err, "insert notification")
		}
	}
	return tx.Commit()
}

const notificationColumns = "id, person_id, kind, concern_id, object_id, created_at, read_at"

func scanNotifications(rows *sql.Rows) ([]*vigil.Notification, error) {
	defer rows.Close()
	var out []*vigil.Notification
	for rows.Next() {
		n := &vigil.Notification{}
		var concern, object sql.NullString
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.PersonID, &n.Kind, &concern, &object, &n.CreatedAt, &read); err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		n.ConcernID, n.ObjectID, n.ReadAt = vigil.ConcernID(concern.String), object.String, read.Time
		out = append(out, n)
	}
	return out, rows.Err()
}

// NotificationPage is one page of a person's notifications, newest first.
type NotificationPage struct {
	Items  []*vigil.Notification
	Unread int // of all the person's notifications in the school
	Total  int
}

// FindNotificationPage returns limit of person's notifications in the
// school, newest first, skipping offset, with the unread and total counts.
func (s *Store) FindNotificationPage(ctx context.Context, person vigil.PersonID, offset, limit int) (*NotificationPage, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	p := &NotificationPage{}
	if err := tx.queryRow(ctx, `SELECT count(*), coalesce(sum(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0)
		FROM notifications WHERE school_id = ? AND person_id = ?`, tx.school, person).Scan(&p.Total, &p.Unread); err != nil {
		return nil, wrapErr(tx.d, err, "count notifications")
	}
	if limit > 0 && offset < p.Total {
		rows, err := tx.query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE school_id = ? AND person_id = ?
			ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, tx.school, person, limit, max(offset, 0))
		if err != nil {
			return nil, wrapErr(tx.d, err, "find notifications")
		}
		if p.Items, err = scanNotifications(rows); err != nil {
			return nil, wrapErr(tx.d, err, "find notifications")
		}
	}
	return p, tx.Commit()
}

// MarkNotificationRead marks one of person's notifications read, if it is
// not already, and returns it. Another person's or school's notification is
// ENOTFOUND, like a missing one.
func (s *Store) MarkNotificationRead(ctx context.Context, person vigil.PersonID, id vigil.NotificationID) (*vigil.Notification, error) {
	if !vigil.ValidID(string(id)) {
		return nil, errNotificationNotFound()
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE notifications SET read_at = ? WHERE school_id = ? AND person_id = ? AND id = ? AND read_at IS NULL`,
		tx.now, tx.school, person, id); err != nil {
		return nil, wrapErr(tx.d, err, "mark notification read")
	}
	rows, err := tx.query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE school_id = ? AND person_id = ? AND id = ?`,
		tx.school, person, id)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find notification")
	}
	ns, err := scanNotifications(rows)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find notification")
	} else if len(ns) == 0 {
		return nil, errNotificationNotFound()
	}
	return ns[0], tx.Commit()
}

// MarkAllNotificationsRead marks every unread notification of person in the
// school read and returns how many there were.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, person vigil.PersonID) (int64, error) {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `UPDATE notifications SET read_at = ? WHERE school_id = ? AND person_id = ? AND read_at IS NULL`,
		tx.now, tx.school, person)
	if err != nil {
		return 0, wrapErr(tx.d, err, "mark notifications read")
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

// Recipient is how one person is told about notifications in a school.
type Recipient struct {
	Channel string // one of vigil.Channels
	Email   string
}

// NotificationRecipients returns, for each of people who is a member of the
// actor's school, the channel they chose there (vigil.ChannelBoth if none)
// and their email address. It joins the caller's transaction, so it needs
// no second connection while a reminder or overdue pass holds one.
func (s *Store) NotificationRecipients(ctx context.Context, people []vigil.PersonID) (map[vigil.PersonID]Recipient, error) {
	out := map[vigil.PersonID]Recipient{}
	if len(people) == 0 {
		return out, nil
	}
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	args := []any{tx.school, tx.school}
	for _, p := range people {
		args = append(args, p)
	}
	rows, err := tx.query(ctx, `SELECT p.id, coalesce(np.channel, ''), p.email FROM memberships m
		JOIN persons p ON p.id = m.person_id
		LEFT JOIN notification_preferences np ON np.school_id = ? AND np.person_id = p.id
		WHERE m.school_id = ? AND m.person_id IN (`+placeholders(len(people))+`)`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find notification recipients")
	}
	defer rows.Close()
	for rows.Next() {
		var p vigil.PersonID
		var r Recipient
		if err := rows.Scan(&p, &r.Channel, &r.Email); err != nil {
			return nil, fmt.Errorf("scan notification recipient: %w", err)
		}
		if r.Channel == "" {
			r.Channel = vigil.ChannelBoth
		}
		out[p] = r
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find notification recipients")
	}
	return out, tx.Commit()
}

// NotificationChannel returns the channel person chose in the school, or
// vigil.ChannelBoth if they chose none.
func (s *Store) NotificationChannel(ctx context.Context, person vigil.PersonID) (string, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return "", err
	}
	var c string
	err = tx.queryRow(ctx, `SELECT channel FROM notification_preferences WHERE school_id = ? AND person_id = ?`, tx.school, person).Scan(&c)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c = vigil.ChannelBoth
	case err != nil:
		return "", wrapErr(tx.d, err, "find notification channel")
	}
	return c, tx.Commit()
}

// SetNotificationChannel saves how person wants to be told in the school.
// An unknown channel is EINVALID on the channel field.
func (s *Store) SetNotificationChannel(ctx context.Context, person vigil.PersonID, channel string) error {
	if !vigil.ValidChannel(channel) {
		return vigil.FieldError("channel", "Choose email, in Vigil, or both.")
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO notification_preferences (school_id, person_id, channel, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (school_id, person_id) DO UPDATE SET channel = excluded.channel, updated_at = excluded.updated_at`,
		tx.school, person, channel, tx.now); err != nil {
		return wrapErr(tx.d, err, "save notification channel")
	}
	return tx.Commit()
}
