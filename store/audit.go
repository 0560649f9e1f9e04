package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/audit"
)

// AppendAudit adds an event to the end of its school's trail, in the
// caller's transaction when there is one (RunInTx), so the event commits or
// rolls back with the change it records. Appends for one school are
// serialised, so the sequence has no gaps or duplicates.
func (s *Store) AppendAudit(ctx context.Context, ev *vigil.AuditEvent) error {
	if ev.SchoolID == "" {
		ev.SchoolID = vigil.ServiceSchoolID
	}
	tx, err := s.beginAudit(ctx, ev.SchoolID)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if q := tx.d.lockSchool(); q != "" {
		if _, err := tx.exec(ctx, q, string(ev.SchoolID)); err != nil {
			return s.wrap(err, "lock audit trail")
		}
	}
	// Under the lock: the previous event's hash, to chain this one to.
	var last int64
	prev := audit.Genesis
	err = tx.queryRow(ctx, "SELECT seq, hash FROM audit_events WHERE school_id = ? ORDER BY seq DESC LIMIT 1", ev.SchoolID).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.wrap(err, "audit sequence")
	}
	if len(prev) != len(audit.Genesis) {
		prev = audit.Genesis // a row from before the chain; verify names it
	}
	ev.Seq, ev.ID, ev.At = last+1, vigil.NewID(), tx.now
	// Store exactly what is hashed: text the database or JSON would alter
	// (invalid UTF-8) is made valid first.
	ev.UserAgent = strings.ToValidUTF8(truncateBytes(ev.UserAgent, 300), "\uFFFD")
	ev.IP = strings.ToValidUTF8(ev.IP, "\uFFFD")
	if len(ev.Detail) > 0 {
		clean := make(map[string]string, len(ev.Detail))
		for k, v := range ev.Detail {
			clean[strings.ToValidUTF8(k, "\uFFFD")] = strings.ToValidUTF8(v, "\uFFFD")
		}
		ev.Detail = clean
	}
	detail, err := json.Marshal(ev.Detail)
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	if ev.Detail == nil {
		detail = []byte("{}")
	}
	ev.PrevHash = prev
	if ev.Hash, err = audit.Hash(prev, ev); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_events (school_id, seq, id, at, person_id, session_id, action, object_type, object_id, pupil_id, ip, user_agent, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.SchoolID, ev.Seq, ev.ID, ev.At, nullString(string(ev.PersonID)), nullString(ev.SessionID), ev.Action, ev.ObjectType, ev.ObjectID,
		nullString(string(ev.PupilID)), ev.IP, ev.UserAgent, string(detail), ev.PrevHash, ev.Hash)
	if err != nil {
		return s.wrap(err, "append audit event")
	}
	if ev.Seq%1000 == 0 && s.AuditMilestone != nil {
		s.AuditMilestone()
	}
	return tx.Commit()
}

// beginAudit joins the caller's transaction if it is for the same school,
// and otherwise opens one scoped to the event's school.
func (s *Store) beginAudit(ctx context.Context, school vigil.SchoolID) (*Tx, error) {
	if outer, ok := ctx.Value(txKey{}).(*Tx); ok && outer.school == school {
		return &Tx{tx: outer.tx, d: outer.d, now: outer.now, school: school, person: outer.person, joined: true}, nil
	}
	return s.beginScoped(ctx, true, school, "")
}

// FindAudit returns the newest events of the school in the context, newest
// first, optionally only those about one person or pupil.
func (s *Store) FindAudit(ctx context.Context, person vigil.PersonID, pupil vigil.PupilID, limit int) ([]*vigil.AuditEvent, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	where, args := "school_id = ?", []any{tx.school}
	if person != "" {
		where, args = where+" AND person_id = ?", append(args, person)
	}
	if pupil != "" {
		where, args = where+" AND pupil_id = ?", append(args, pupil)
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return findAudit(ctx, tx, where, append(args, limit))
}

// FindServiceAudit returns the newest events in the service's own sequence
// about a person (sign-ins and failures), newest first.
func (s *Store) FindServiceAudit(ctx context.Context, person vigil.PersonID, limit int) ([]*vigil.AuditEvent, error) {
	tx, err := s.beginScoped(ctx, false, vigil.ServiceSchoolID, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findAudit(ctx, tx, "school_id = ? AND person_id = ?", []any{vigil.ServiceSchoolID, person, max(limit, 1)})
}

func findAudit(ctx context.Context, tx *Tx, where string, args []any) ([]*vigil.AuditEvent, error) {
	return scanAudit(ctx, tx, where, "DESC", args)
}

// scanAudit reads events in seq order (ASC or DESC); args end with the limit.
func scanAudit(ctx context.Context, tx *Tx, where, order string, args []any) ([]*vigil.AuditEvent, error) {
	rows, err := tx.query(ctx, `SELECT school_id, seq, id, at, person_id, session_id, action, object_type, object_id,
		pupil_id, ip, user_agent, detail, prev_hash, hash FROM audit_events WHERE `+where+` ORDER BY seq `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find audit")
	}
	defer rows.Close()
	var out []*vigil.AuditEvent
	for rows.Next() {
		ev, err := scanAuditEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find audit")
	}
	return out, tx.Commit()
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
