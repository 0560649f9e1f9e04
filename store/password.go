package store

import (
	"context"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// passwordHistoryKept is how many earlier hashes are kept per person, for
// the Classic profile's "none of the last five".
const passwordHistoryKept = 5

// PasswordHistory returns up to n of a person's earlier password hashes,
// newest first (not the current one).
func (s *Store) PasswordHistory(ctx context.Context, person vigil.PersonID, n int) ([]string, error) {
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT hash FROM password_history WHERE person_id = ? ORDER BY created_at DESC LIMIT ?", person, max(n, 0))
	if err != nil {
		return nil, s.wrap(err, "password history")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("scan password history: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "password history")
	}
	return out, tx.Commit()
}

// ChangePasswordHash sets a person's new password hash, keeps the old one
// in their history (the newest five), records when it changed, and ends
// every session they have, all in one transaction.
func (s *Store) ChangePasswordHash(ctx context.Context, person vigil.PersonID, hash string) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old string
	if err := tx.queryRow(ctx, "SELECT password_hash FROM persons WHERE id = ?", person).Scan(&old); err != nil {
		return s.wrap(err, "find password")
	}
	if old != "" {
		if _, err := tx.exec(ctx, "INSERT INTO password_history (person_id, hash, created_at) VALUES (?, ?, ?)", person, old, tx.now); err != nil {
			return s.wrap(err, "keep password history")
		}
		_, err := tx.exec(ctx, `DELETE FROM password_history WHERE person_id = ? AND created_at NOT IN
			(SELECT created_at FROM password_history WHERE person_id = ? ORDER BY created_at DESC LIMIT ?)`, person, person, passwordHistoryKept)
		if err != nil {
			return s.wrap(err, "trim password history")
		}
	}
	if _, err := tx.exec(ctx, "UPDATE persons SET password_hash = ?, password_changed_at = ? WHERE id = ?", hash, tx.now, person); err != nil {
		return s.wrap(err, "change password")
	}
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ?", person); err != nil {
		return s.wrap(err, "end sessions")
	}
	return tx.Commit()
}
