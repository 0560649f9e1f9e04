package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// CreateSession saves a new session. Sessions belong to a person, not a
// school, so this is not scoped to one.
func (s *Store) CreateSession(ctx context.Context, ses *vigil.Session) error {
	tx, err := s.beginScoped(ctx, true, "", ses.PersonID)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if ses.ID == "" {
		ses.ID = vigil.NewID()
	}
	ses.CreatedAt, ses.LastSeenAt = tx.now, tx.now
	_, err = tx.exec(ctx, `INSERT INTO sessions (token_hash, id, person_id, current_school_id, created_at, last_seen_at, expires_at, stepped_up_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ses.TokenHash, ses.ID, ses.PersonID, nullString(string(ses.CurrentSchoolID)), ses.CreatedAt, ses.LastSeenAt, ses.ExpiresAt,
		nullTime(ses.SteppedUpAt), ses.IP, ses.UserAgent)
	if err != nil {
		return s.wrap(err, "insert session")
	}
	if _, err := tx.exec(ctx, "UPDATE persons SET last_sign_in_at = ? WHERE id = ?", tx.now, ses.PersonID); err != nil {
		return s.wrap(err, "record sign-in")
	}
	return tx.Commit()
}

// FindSession returns the session with the token hash, or ENOTFOUND. Expiry
// is the caller's decision; see auth.
func (s *Store) FindSession(ctx context.Context, tokenHash string) (*vigil.Session, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var ses vigil.Session
	var school sql.NullString
	var stepped sql.NullTime
	err = tx.queryRow(ctx, `SELECT token_hash, id, person_id, current_school_id, created_at, last_seen_at, expires_at, stepped_up_at, ip, user_agent
		FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&ses.TokenHash, &ses.ID, &ses.PersonID, &school, &ses.CreatedAt, &ses.LastSeenAt, &ses.ExpiresAt, &stepped, &ses.IP, &ses.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Session not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find session")
	}
	ses.CurrentSchoolID, ses.SteppedUpAt = vigil.SchoolID(school.String), stepped.Time
	return &ses, tx.Commit()
}

// TouchSession records that the session was used now.
func (s *Store) TouchSession(ctx context.Context, tokenHash string) error {
	return s.execGlobal(ctx, "touch session", "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", s.Now().UTC(), tokenHash)
}

// SetSessionSchool records the school a session's person chose. The caller
// has checked they are a member.
func (s *Store) SetSessionSchool(ctx context.Context, tokenHash string, school vigil.SchoolID) error {
	return s.execGlobal(ctx, "set session school", "UPDATE sessions SET current_school_id = ? WHERE token_hash = ?", school, tokenHash)
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.execGlobal(ctx, "delete session", "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
}

// DeletePersonSessions ends every session a person has.
func (s *Store) DeletePersonSessions(ctx context.Context, person vigil.PersonID) error {
	return s.execGlobal(ctx, "delete sessions", "DELETE FROM sessions WHERE person_id = ?", person)
}

// DeleteExpiredSessions removes sessions past their absolute limit or idle
// since before idleBefore, and returns how many went.
func (s *Store) DeleteExpiredSessions(ctx context.Context, idleBefore time.Time) (int64, error) {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?", tx.now, idleBefore.UTC())
	if err != nil {
		return 0, s.wrap(err, "delete expired sessions")
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

func (s *Store) execGlobal(ctx context.Context, action, q string, args ...any) error {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return s.wrap(err, action)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	return nil
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t.UTC(), Valid: !t.IsZero()} }
