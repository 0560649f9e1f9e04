package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Throttle is the failure count behind one key ("account:..." or "ip:...").
type Throttle struct {
	Failures    int
	LockedUntil time.Time // zero when not locked
}

// FindThrottle returns the failures recorded under key, zero if none.
func (s *Store) FindThrottle(ctx context.Context, key string) (Throttle, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return Throttle{}, err
	}
	defer tx.Rollback()
	var t Throttle
	var until sql.NullTime
	err = tx.queryRow(ctx, "SELECT failures, locked_until FROM throttles WHERE key = ?", key).Scan(&t.Failures, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return Throttle{}, tx.Commit()
	} else if err != nil {
		return Throttle{}, s.wrap(err, "find throttle")
	}
	t.LockedUntil = until.Time
	return t, tx.Commit()
}

// RecordFailure counts one more failure under key and sets the lock that
// lock(failures) returns. A count whose last failure is older than forget
// starts again from one.
func (s *Store) RecordFailure(ctx context.Context, key string, forget time.Duration, lock func(failures int) time.Duration) (Throttle, error) {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return Throttle{}, err
	}
	defer tx.Rollback()
	var t Throttle
	err = tx.queryRow(ctx, `INSERT INTO throttles (key, failures, last_failure_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN throttles.last_failure_at < ? THEN 1 ELSE throttles.failures + 1 END,
			last_failure_at = excluded.last_failure_at
		RETURNING failures`, key, tx.now, tx.now.Add(-forget)).Scan(&t.Failures)
	if err != nil {
		return Throttle{}, s.wrap(err, "record failure")
	}
	if d := lock(t.Failures); d > 0 {
		t.LockedUntil = tx.now.Add(d)
		if _, err := tx.exec(ctx, "UPDATE throttles SET locked_until = ? WHERE key = ?", t.LockedUntil, key); err != nil {
			return Throttle{}, s.wrap(err, "lock throttle")
		}
	}
	return t, tx.Commit()
}

// ClearThrottle forgets the failures under key, after a success.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	return s.execGlobal(ctx, "clear throttle", "DELETE FROM throttles WHERE key = ?", key)
}
