package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// AuditFilter selects events of the school in the context for the audit
// pages and their export. Every field that is set narrows the result.
type AuditFilter struct {
	Person vigil.PersonID // who acted
	Pupil  vigil.PupilID  // whose records the event is about
	// ActionPrefix keeps actions that start with it: a group such as
	// "auth." or "pupil.". Lowercase letters and underscores, ending in a
	// dot.
	ActionPrefix string
	// From and To bound the event's time: From <= at < To. Zero is open.
	From, To time.Time
	// Before is the cursor: only events with a lower seq. 0 starts at the
	// newest.
	Before int64
	// Limit is how many events at most: 1 to 1,000, 50 when unset.
	Limit int
}

// AuditEntry is an event with the names a reader needs. The names are the
// person's and the pupil's as they are now, not as they were then; the
// event itself holds only ids.
type AuditEntry struct {
	*vigil.AuditEvent
	PersonName  string // "" for the system or a person since removed
	PersonEmail string
	PupilName   string // "" when the event names no pupil
}

// QueryAudit returns the events of the school in the context that match f,
// newest first. An id that is not a Vigil id matches nothing; a malformed
// action prefix is EINVALID.
func (s *Store) QueryAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if f.Person != "" && !vigil.ValidID(string(f.Person)) || f.Pupil != "" && !vigil.ValidID(string(f.Pupil)) {
		return nil, tx.Commit() // PostgreSQL would refuse it as a uuid
	}
	where, args := "e.school_id = ?", []any{tx.school}
	if f.Person != "" {
		where, args = where+" AND e.person_id = ?", append(args, f.Person)
	}
	if f.Pupil != "" {
		where, args = where+" AND e.pupil_id = ?", append(args, f.Pupil)
	}
	if f.ActionPrefix != "" {
		upper, ok := prefixUpperBound(f.ActionPrefix)
		if !ok {
			return nil, vigil.Errorf(vigil.EINVALID, "Choose a kind of action from the list.")
		}
		// A range, so the (school_id, action, seq) index serves it; action
		// compares byte by byte on both databases (COLLATE "C" on
		// PostgreSQL, migration 00010).
		where, args = where+" AND e.action >= ? AND e.action < ?", append(args, f.ActionPrefix, upper)
	}
	if !f.From.IsZero() {
		where, args = where+" AND e.at >= ?", append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where, args = where+" AND e.at < ?", append(args, f.To.UTC())
	}
	if f.Before > 0 {
		where, args = where+" AND e.seq < ?", append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	rows, err := tx.query(ctx, `SELECT e.school_id, e.seq, e.id, e.at, e.person_id, e.session_id, e.action, e.object_type, e.object_id,
		e.pupil_id, e.ip, e.user_agent, e.detail, e.prev_hash, e.hash,
		coalesce(p.name, ''), coalesce(p.email, ''),
		coalesce(pu.legal_forename, ''), coalesce(pu.legal_surname, ''), coalesce(pu.preferred_forename, ''), coalesce(pu.preferred_surname, '')
		FROM audit_events e
		LEFT JOIN persons p ON p.id = e.person_id
		LEFT JOIN pupils pu ON pu.school_id = e.school_id AND pu.id = e.pupil_id
		WHERE `+where+` ORDER BY e.seq DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, s.wrap(err, "query audit")
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		var en AuditEntry
		var pu vigil.Pupil
		en.AuditEvent, err = scanAuditEvent(rows, &en.PersonName, &en.PersonEmail,
			&pu.LegalForename, &pu.LegalSurname, &pu.PreferredForename, &pu.PreferredSurname)
		if err != nil {
			return nil, err
		}
		if en.PupilID != "" && (pu.LegalForename != "" || pu.LegalSurname != "") {
			en.PupilName = pu.Name()
		}
		out = append(out, &en)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "query audit")
	}
	return out, tx.Commit()
}

// prefixUpperBound returns the least string above every string that starts
// with prefix, for a range query: "auth." gives "auth/". Only action
// groups are accepted: lowercase letters and underscores, then a dot.
func prefixUpperBound(prefix string) (string, bool) {
	n := len(prefix)
	if n < 2 || n > 40 || prefix[n-1] != '.' {
		return "", false
	}
	for i := 0; i < n-1; i++ {
		if c := prefix[i]; (c < 'a' || c > 'z') && c != '_' {
			return "", false
		}
	}
	return prefix[:n-1] + "/", true // '/' follows '.'
}

// scanAuditEvent reads the event columns of one row, in the order every
// audit query selects them, then any extra columns into extra.
func scanAuditEvent(rows *sql.Rows, extra ...any) (*vigil.AuditEvent, error) {
	var ev vigil.AuditEvent
	var detail string
	var person, session, pupil sql.NullString
	dest := append([]any{&ev.SchoolID, &ev.Seq, &ev.ID, &ev.At, &person, &session, &ev.Action, &ev.ObjectType, &ev.ObjectID,
		&pupil, &ev.IP, &ev.UserAgent, &detail, &ev.PrevHash, &ev.Hash}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("scan audit event: %w", err)
	}
	ev.PersonID, ev.SessionID, ev.PupilID = vigil.PersonID(person.String), session.String, vigil.PupilID(pupil.String)
	if err := json.Unmarshal([]byte(detail), &ev.Detail); err != nil {
		return nil, fmt.Errorf("decode audit detail %s: %w", ev.ID, err)
	}
	return &ev, nil
}
