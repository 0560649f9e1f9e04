package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/audit"
)

// The audit chain's operator reads and checkpoint writes. Each runs in a
// transaction scoped to the one school it touches, so on PostgreSQL
// row-level security still applies; they are for `vigil audit` and the
// checkpointer, never for a request.

// AuditEventsFrom returns up to limit of the school's audit events after
// afterSeq, oldest first, with their hashes.
func (s *Store) AuditEventsFrom(ctx context.Context, school vigil.SchoolID, afterSeq int64, limit int) ([]*vigil.AuditEvent, error) {
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if limit <= 0 {
		limit = 1000
	}
	return scanAudit(ctx, tx, "school_id = ? AND seq > ?", "ASC", []any{school, afterSeq, limit})
}

// AuditSchools returns every school with the service's own sequence last:
// each has an audit trail.
func (s *Store) AuditSchools(ctx context.Context) ([]vigil.SchoolID, error) {
	schools, err := s.FindSchools(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]vigil.SchoolID, 0, len(schools)+1)
	for _, sc := range schools {
		ids = append(ids, sc.ID)
	}
	return append(ids, vigil.ServiceSchoolID), nil
}

// AuditHeads returns, for every school and the service, the newest audit
// event and the newest event a stored checkpoint covers.
func (s *Store) AuditHeads(ctx context.Context) ([]audit.Head, error) {
	ids, err := s.AuditSchools(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Head, 0, len(ids))
	for _, id := range ids {
		h, err := s.auditHead(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func (s *Store) auditHead(ctx context.Context, school vigil.SchoolID) (audit.Head, error) {
	h := audit.Head{School: school}
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return h, err
	}
	defer tx.Rollback()
	err = tx.queryRow(ctx, "SELECT seq, hash FROM audit_events WHERE school_id = ? ORDER BY seq DESC LIMIT 1", school).Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, s.wrap(err, "audit head")
	}
	if err := tx.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE school_id = ?", school).Scan(&h.Checkpointed); err != nil {
		return h, s.wrap(err, "audit checkpoint")
	}
	return h, tx.Commit()
}

// AddAuditCheckpoint stores a signed checkpoint: ECONFLICT if the school
// has one at that event already.
func (s *Store) AddAuditCheckpoint(ctx context.Context, c *audit.Checkpoint) error {
	tx, err := s.beginScoped(ctx, true, c.School, "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.exec(ctx, "INSERT INTO audit_checkpoints (school_id, seq, head, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)",
		c.School, c.Seq, c.Head, c.Time.UTC(), c.KeyID, c.Signature)
	if err != nil {
		return s.wrap(err, "add audit checkpoint")
	}
	return tx.Commit()
}

// AuditCheckpoints returns the school's stored checkpoints, oldest first.
func (s *Store) AuditCheckpoints(ctx context.Context, school vigil.SchoolID) ([]audit.Checkpoint, error) {
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT school_id, seq, head, signed_at, key_id, signature FROM audit_checkpoints WHERE school_id = ? ORDER BY seq", school)
	if err != nil {
		return nil, s.wrap(err, "find audit checkpoints")
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var c audit.Checkpoint
		if err := rows.Scan(&c.School, &c.Seq, &c.Head, &c.Time, &c.KeyID, &c.Signature); err != nil {
			return nil, fmt.Errorf("scan audit checkpoint: %w", err)
		}
		c.Time = c.Time.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find audit checkpoints")
	}
	return out, tx.Commit()
}
