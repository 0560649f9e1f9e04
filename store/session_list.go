package store

import (
	"context"
	"database/sql"

	"github.com/vigil-safeguarding/vigil"
)

// FindPersonSessions returns a person's sessions that have not passed their
// absolute limit, newest first. Idle limits depend on each session's school
// and are app's to apply. TokenHash is left empty: the list is for showing,
// and a session is named by its public ID.
func (s *Store) FindPersonSessions(ctx context.Context, person vigil.PersonID) ([]*vigil.Session, error) {
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT id, person_id, current_school_id, created_at, last_seen_at, expires_at, stepped_up_at, ip, user_agent
		FROM sessions WHERE person_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC`, person, tx.now)
	if err != nil {
		return nil, s.wrap(err, "find person sessions")
	}
	defer rows.Close()
	var list []*vigil.Session
	for rows.Next() {
		var ses vigil.Session
		var school sql.NullString
		var stepped sql.NullTime
		if err := rows.Scan(&ses.ID, &ses.PersonID, &school, &ses.CreatedAt, &ses.LastSeenAt, &ses.ExpiresAt, &stepped, &ses.IP, &ses.UserAgent); err != nil {
			return nil, s.wrap(err, "scan session")
		}
		ses.CurrentSchoolID, ses.SteppedUpAt = vigil.SchoolID(school.String), stepped.Time
		list = append(list, &ses)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find person sessions")
	}
	return list, tx.Commit()
}

// DeletePersonSession ends the person's session with the public id. A
// session that is missing, malformed or another person's is ENOTFOUND, the
// same answer for each.
func (s *Store) DeletePersonSession(ctx context.Context, person vigil.PersonID, id string) error {
	if !vigil.ValidID(id) {
		return vigil.Errorf(vigil.ENOTFOUND, "Session not found.")
	}
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ? AND id = ?", person, id)
	if err != nil {
		return s.wrap(err, "delete session "+id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Session not found.")
	}
	return tx.Commit()
}

// DeleteOtherSessions ends every session of the person except the one with
// the public id keep, and returns how many ended.
func (s *Store) DeleteOtherSessions(ctx context.Context, person vigil.PersonID, keep string) (int64, error) {
	if !vigil.ValidID(keep) {
		return 0, vigil.Errorf(vigil.EINVALID, "Session not found.")
	}
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ? AND id <> ?", person, keep)
	if err != nil {
		return 0, s.wrap(err, "delete other sessions")
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}
