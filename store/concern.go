package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// SealedConcern is a concern as the store keeps it: the clear fields in
// Concern (whose text fields the store never fills) and the sealed text
// beside it. Package app seals before saving and opens after reading.
type SealedConcern struct {
	*vigil.Concern
	Location, Body, Agencies, BodyMap, Outcome []byte
}

// Visibility says which concerns a reader may see: All for the operator's
// command line; otherwise concerns whose every category is in ViewAll, and
// those Person logged whose every category is in ViewOwn.
type Visibility struct {
	All     bool
	Person  vigil.PersonID
	ViewAll []vigil.CategoryID
	ViewOwn []vigil.CategoryID
}

// full returns SQL true for a concern (aliased c) the reader may see in
// full, actions included.
func (v Visibility) full(alias string) (string, []any) {
	if v.All {
		return "1 = 1", nil
	}
	return allCategoriesIn(alias, v.ViewAll)
}

// any returns SQL true for a concern the reader may see at all.
func (v Visibility) any(alias string) (string, []any) {
	if v.All {
		return "1 = 1", nil
	}
	full, args := allCategoriesIn(alias, v.ViewAll)
	own, ownArgs := allCategoriesIn(alias, v.ViewOwn)
	return "(" + full + " OR (" + alias + ".reported_by = ? AND " + own + "))", append(append(args, v.Person), ownArgs...)
}

func allCategoriesIn(alias string, cats []vigil.CategoryID) (string, []any) {
	if len(cats) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(cats))
	for i, c := range cats {
		args[i] = c
	}
	return `NOT EXISTS (SELECT 1 FROM concern_categories vc WHERE vc.school_id = ` + alias + `.school_id AND vc.concern_id = ` + alias +
		`.id AND vc.category_id NOT IN (` + placeholders(len(cats)) + `))`, args
}

func errConcernNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Concern not found.") }

// CreateConcern saves a new concern, its pupils and categories and who was
// alerted, in the school in the context. c.ID must be set: the sealed
// fields are bound to it. A pupil or category not of the school is an
// EINVALID error naming the field.
func (s *Store) CreateConcern(ctx context.Context, c *SealedConcern) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(c.ID)) {
		return fmt.Errorf("create concern: the id must be set before sealing")
	}
	c.SchoolID, c.ReportedAt, c.UpdatedAt, c.Status = tx.school, tx.now, tx.now, vigil.ConcernOpen
	if _, err := tx.exec(ctx, `INSERT INTO concerns (school_id, id, occurred_at, location, body, agencies, body_map, status,
		reported_by, reported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.school, c.ID, c.OccurredAt.UTC(), c.Location, c.Body, c.Agencies, c.BodyMap, c.Status, c.ReportedBy, c.ReportedAt, c.UpdatedAt); err != nil {
		return wrapErr(tx.d, err, "insert concern")
	}
	if err := insertConcernPupils(ctx, tx, c.ID, c.Pupils, 0); err != nil {
		return err
	}
	for _, p := range c.Alerted {
		if _, err := tx.exec(ctx, `INSERT INTO concern_alerts (school_id, concern_id, person_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			tx.school, c.ID, p); err != nil {
			return wrapErr(tx.d, err, "insert concern alert")
		}
	}
	return tx.Commit()
}

func insertConcernPupils(ctx context.Context, tx *Tx, id vigil.ConcernID, pupils []vigil.ConcernPupil, from int) error {
	for i, p := range pupils {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM pupils WHERE school_id = ? AND id = ?`, tx.school, p.PupilID).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "check pupil")
		}
		if n == 0 {
			return vigil.FieldError("pupil_ids", "One of the pupils was not found.")
		}
		if _, err := tx.exec(ctx, `INSERT INTO concern_pupils (school_id, concern_id, pupil_id, part, position) VALUES (?, ?, ?, ?, ?)`,
			tx.school, id, p.PupilID, p.Part, from+i); err != nil {
			if vigil.ErrorCode(wrapErr(tx.d, err, "")) == vigil.ECONFLICT {
				return vigil.FieldError("pupil_ids", "A pupil is already linked to this concern.")
			}
			return wrapErr(tx.d, err, "insert concern pupil")
		}
		if err := insertLinkCategories(ctx, tx, id, p.PupilID, p.Categories); err != nil {
			return err
		}
	}
	return nil
}

func insertLinkCategories(ctx context.Context, tx *Tx, id vigil.ConcernID, pupil vigil.PupilID, cats []vigil.CategoryID) error {
	for _, cat := range cats {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM categories WHERE school_id = ? AND id = ?`, tx.school, cat).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "check category")
		}
		if n == 0 {
			return vigil.FieldError("categories", "One of the categories was not found.")
		}
		if _, err := tx.exec(ctx, `INSERT INTO concern_categories (school_id, concern_id, pupil_id, category_id) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, tx.school, id, pupil, cat); err != nil {
			return wrapErr(tx.d, err, "insert concern category")
		}
	}
	return nil
}

// LinkPupils adds pupils to a concern of the school in the context.
func (s *Store) LinkPupils(ctx context.Context, id vigil.ConcernID, pupils []vigil.ConcernPupil) error {
	return s.changeConcern(ctx, id, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM concern_pupils WHERE school_id = ? AND concern_id = ?`, tx.school, id).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "count concern pupils")
		}
		if n+len(pupils) > vigil.MaxConcernPupils {
			return vigil.FieldError("pupil_ids", fmt.Sprintf("A concern can name at most %d pupils.", vigil.MaxConcernPupils))
		}
		return insertConcernPupils(ctx, tx, id, pupils, n)
	})
}

// SetPupilCategories replaces the categories of one pupil's link to a
// concern, and their part in it.
func (s *Store) SetPupilCategories(ctx context.Context, id vigil.ConcernID, link vigil.ConcernPupil) error {
	return s.changeConcern(ctx, id, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE concern_pupils SET part = ? WHERE school_id = ? AND concern_id = ? AND pupil_id = ?`,
			link.Part, tx.school, id, link.PupilID)
		if err != nil {
			return wrapErr(tx.d, err, "update concern pupil")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigil.FieldError("pupil_id", "This pupil is not linked to the concern.")
		}
		if _, err := tx.exec(ctx, `DELETE FROM concern_categories WHERE school_id = ? AND concern_id = ? AND pupil_id = ?`,
			tx.school, id, link.PupilID); err != nil {
			return wrapErr(tx.d, err, "clear concern categories")
		}
		return insertLinkCategories(ctx, tx, id, link.PupilID, link.Categories)
	})
}

// changeConcern runs fn in a write transaction after checking the concern
// is the school's, and touches its updated_at.
func (s *Store) changeConcern(ctx context.Context, id vigil.ConcernID, fn func(tx *Tx) error) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(id)) {
		return errConcernNotFound()
	}
	res, err := tx.exec(ctx, `UPDATE concerns SET updated_at = ? WHERE school_id = ? AND id = ?`, tx.now, tx.school, id)
	if err != nil {
		return wrapErr(tx.d, err, "touch concern")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errConcernNotFound()
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ConcernFields are the sealed fields of a concern that can be edited.
var ConcernFields = []string{"location", "body", "agencies", "body_map"}

// ReviseConcern replaces one sealed field of a concern (one of
// ConcernFields, or occurred_at with when set), keeping the earlier value
// as a revision. rev.ID must be set: its sealed fields are bound to it.
func (s *Store) ReviseConcern(ctx context.Context, id vigil.ConcernID, field string, sealed []byte, when time.Time, rev *SealedRevision) error {
	return s.changeConcern(ctx, id, func(tx *Tx) error {
		switch {
		case field == "occurred_at":
			if _, err := tx.exec(ctx, `UPDATE concerns SET occurred_at = ? WHERE school_id = ? AND id = ?`, when.UTC(), tx.school, id); err != nil {
				return wrapErr(tx.d, err, "revise concern")
			}
		case contains(ConcernFields, field):
			if _, err := tx.exec(ctx, `UPDATE concerns SET `+field+` = ? WHERE school_id = ? AND id = ?`, sealed, tx.school, id); err != nil {
				return wrapErr(tx.d, err, "revise concern")
			}
		default:
			return vigil.FieldError("field", "This cannot be edited.")
		}
		rev.ConcernID, rev.ObjectID, rev.Field = id, string(id), field
		return insertRevision(ctx, tx, rev)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SealedRevision is a Revision as kept: Old and Reason sealed.
type SealedRevision struct {
	*vigil.Revision
	Old, Reason []byte
}

func insertRevision(ctx context.Context, tx *Tx, r *SealedRevision) error {
	r.ChangedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO revisions (school_id, id, concern_id, object_id, field, old, reason, changed_by, changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tx.school, r.ID, r.ConcernID, r.ObjectID, r.Field, r.Old, r.Reason, r.ChangedBy, r.ChangedAt)
	return wrapErr(tx.d, err, "insert revision")
}

// FindRevisions returns a concern's earlier versions, and its actions',
// oldest first.
func (s *Store) FindRevisions(ctx context.Context, id vigil.ConcernID) ([]*SealedRevision, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT r.id, r.object_id, r.field, r.old, r.reason, r.changed_by, r.changed_at, coalesce(p.name, '')
		FROM revisions r LEFT JOIN persons p ON p.id = r.changed_by
		WHERE r.school_id = ? AND r.concern_id = ? ORDER BY r.changed_at, r.id`, tx.school, id)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find revisions")
	}
	defer rows.Close()
	var out []*SealedRevision
	for rows.Next() {
		r := &SealedRevision{Revision: &vigil.Revision{ConcernID: id}}
		if err := rows.Scan(&r.ID, &r.ObjectID, &r.Field, &r.Old, &r.Reason, &r.ChangedBy, &r.ChangedAt, &r.ChangerName); err != nil {
			return nil, fmt.Errorf("scan revision: %w", err)
		}
		out = append(out, r)
	}
	return out, wrapErr(tx.d, rows.Err(), "find revisions")
}

// SetConcernStatus closes a concern with a sealed outcome (closed) or
// reopens it (open, outcome nil: the earlier outcome is kept as a
// revision by the caller).
func (s *Store) SetConcernStatus(ctx context.Context, id vigil.ConcernID, status string, outcome []byte, by vigil.PersonID) error {
	return s.changeConcern(ctx, id, func(tx *Tx) error {
		var err error
		if status == vigil.ConcernClosed {
			_, err = tx.exec(ctx, `UPDATE concerns SET status = ?, outcome = ?, closed_by = ?, closed_at = ? WHERE school_id = ? AND id = ?`,
				status, outcome, by, tx.now, tx.school, id)
		} else {
			_, err = tx.exec(ctx, `UPDATE concerns SET status = ?, closed_by = NULL, closed_at = NULL WHERE school_id = ? AND id = ?`,
				status, tx.school, id)
		}
		return wrapErr(tx.d, err, "set concern status")
	})
}

// MarkReviewed records the first review of a concern; a later one changes
// nothing. It reports whether this was the first.
func (s *Store) MarkReviewed(ctx context.Context, id vigil.ConcernID, by vigil.PersonID) (bool, error) {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE concerns SET reviewed_by = ?, reviewed_at = ? WHERE school_id = ? AND id = ? AND reviewed_at IS NULL`,
		by, tx.now, tx.school, id)
	if err != nil {
		return false, wrapErr(tx.d, err, "mark reviewed")
	}
	n, _ := res.RowsAffected()
	return n > 0, tx.Commit()
}

const concernColumns = `c.id, c.occurred_at, c.location, c.body, c.agencies, c.body_map, c.status, c.outcome,
	c.reported_by, c.reported_at, c.reviewed_by, c.reviewed_at, c.closed_by, c.closed_at, c.updated_at,
	coalesce(rp.name, ''), coalesce(rv.name, '')`

const concernJoins = ` LEFT JOIN persons rp ON rp.id = c.reported_by LEFT JOIN persons rv ON rv.id = c.reviewed_by`

func scanConcern(row interface{ Scan(...any) error }, school vigil.SchoolID) (*SealedConcern, error) {
	c := &SealedConcern{Concern: &vigil.Concern{SchoolID: school}}
	var reviewedBy, closedBy sql.NullString
	var reviewedAt, closedAt sql.NullTime
	if err := row.Scan(&c.ID, &c.OccurredAt, &c.Location, &c.Body, &c.Agencies, &c.BodyMap, &c.Status, &c.Outcome,
		&c.ReportedBy, &c.ReportedAt, &reviewedBy, &reviewedAt, &closedBy, &closedAt, &c.UpdatedAt,
		&c.ReporterName, &c.ReviewerName); err != nil {
		return nil, err
	}
	c.ReviewedBy, c.ReviewedAt = vigil.PersonID(reviewedBy.String), reviewedAt.Time
	c.ClosedBy, c.ClosedAt = vigil.PersonID(closedBy.String), closedAt.Time
	return c, nil
}

// FindConcern returns a concern of the school in the context with its
// pupils, their categories and who was alerted. Another school's concern
// is ENOTFOUND, exactly as a missing one.
func (s *Store) FindConcern(ctx context.Context, id vigil.ConcernID) (*SealedConcern, error) {
	if !vigil.ValidID(string(id)) {
		return nil, errConcernNotFound()
	}
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	c, err := scanConcern(tx.queryRow(ctx, `SELECT `+concernColumns+` FROM concerns c`+concernJoins+` WHERE c.school_id = ? AND c.id = ?`,
		tx.school, id), tx.school)
	if err == sql.ErrNoRows {
		return nil, errConcernNotFound()
	}
	if err != nil {
		return nil, wrapErr(tx.d, err, "find concern")
	}
	if err := fillConcernLinks(ctx, tx, []*SealedConcern{c}); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT person_id FROM concern_alerts WHERE school_id = ? AND concern_id = ? ORDER BY person_id`, tx.school, id)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find concern alerts")
	}
	defer rows.Close()
	for rows.Next() {
		var p vigil.PersonID
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("scan alert: %w", err)
		}
		c.Alerted = append(c.Alerted, p)
	}
	return c, wrapErr(tx.d, rows.Err(), "find concern alerts")
}

// fillConcernLinks loads the pupils and categories of each concern.
func fillConcernLinks(ctx context.Context, tx *Tx, cs []*SealedConcern) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[vigil.ConcernID]*SealedConcern{}
	args := []any{tx.school}
	for _, c := range cs {
		byID[c.ID] = c
		c.Pupils = nil
		args = append(args, c.ID)
	}
	in := placeholders(len(cs))
	rows, err := tx.query(ctx, `SELECT cp.concern_id, cp.pupil_id, cp.part, p.legal_forename, p.legal_surname, p.preferred_forename,
		p.preferred_surname, p.year_group, p.reg_group
		FROM concern_pupils cp JOIN pupils p ON p.school_id = cp.school_id AND p.id = cp.pupil_id
		WHERE cp.school_id = ? AND cp.concern_id IN (`+in+`) ORDER BY cp.concern_id, cp.position`, args...)
	if err != nil {
		return wrapErr(tx.d, err, "find concern pupils")
	}
	defer rows.Close()
	for rows.Next() {
		var id vigil.ConcernID
		var l vigil.ConcernPupil
		var p vigil.Pupil
		if err := rows.Scan(&id, &l.PupilID, &l.Part, &p.LegalForename, &p.LegalSurname, &p.PreferredForename, &p.PreferredSurname,
			&l.YearGroup, &l.RegGroup); err != nil {
			return fmt.Errorf("scan concern pupil: %w", err)
		}
		l.Name = p.Name()
		byID[id].Pupils = append(byID[id].Pupils, l)
	}
	if err := rows.Err(); err != nil {
		return wrapErr(tx.d, err, "find concern pupils")
	}
	rows.Close()
	rows, err = tx.query(ctx, `SELECT cc.concern_id, cc.pupil_id, cc.category_id FROM concern_categories cc
		JOIN categories k ON k.school_id = cc.school_id AND k.id = cc.category_id
		WHERE cc.school_id = ? AND cc.concern_id IN (`+in+`) ORDER BY cc.concern_id, k.position`, args...)
	if err != nil {
		return wrapErr(tx.d, err, "find concern categories")
	}
	defer rows.Close()
	for rows.Next() {
		var id vigil.ConcernID
		var pupil vigil.PupilID
		var cat vigil.CategoryID
		if err := rows.Scan(&id, &pupil, &cat); err != nil {
			return fmt.Errorf("scan concern category: %w", err)
		}
		if l := byID[id].Link(pupil); l != nil {
			l.Categories = append(l.Categories, cat)
		}
	}
	return wrapErr(tx.d, rows.Err(), "find concern categories")
}

// ConcernFilter narrows a list of concerns. Visibility is always applied.
type ConcernFilter struct {
	Visibility
	IDs        []vigil.ConcernID // only these (a search's matches)
	Pupil      vigil.PupilID
	Category   vigil.CategoryID
	YearGroup  string
	Status     string
	From, To   time.Time // occurred_at within [From, To)
	Unreviewed bool
	ReportedBy vigil.PersonID
	Limit      int
	Before     time.Time // reported_at before this, for paging newest first
}

// FindConcerns returns concerns the filter's reader may see, newest logged
// first, with their pupils and categories.
func (s *Store) FindConcerns(ctx context.Context, f ConcernFilter) ([]*SealedConcern, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	vis, args := f.any("c")
	where := []string{"c.school_id = ?", vis}
	args = append([]any{tx.school}, args...)
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			return nil, nil
		}
		where = append(where, "c.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Pupil != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM concern_pupils fp WHERE fp.school_id = c.school_id AND fp.concern_id = c.id AND fp.pupil_id = ?)"), append(args, f.Pupil)
	}
	if f.Category != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM concern_categories fc WHERE fc.school_id = c.school_id AND fc.concern_id = c.id AND fc.category_id = ?)"), append(args, f.Category)
	}
	if f.YearGroup != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM concern_pupils fy JOIN pupils py ON py.school_id = fy.school_id AND py.id = fy.pupil_id
			WHERE fy.school_id = c.school_id AND fy.concern_id = c.id AND py.year_group = ?)`), append(args, f.YearGroup)
	}
	if f.Status != "" {
		where, args = append(where, "c.status = ?"), append(args, f.Status)
	}
	if !f.From.IsZero() {
		where, args = append(where, "c.occurred_at >= ?"), append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where, args = append(where, "c.occurred_at < ?"), append(args, f.To.UTC())
	}
	if f.Unreviewed {
		where = append(where, "c.reviewed_at IS NULL")
	}
	if f.ReportedBy != "" {
		where, args = append(where, "c.reported_by = ?"), append(args, f.ReportedBy)
	}
	if !f.Before.IsZero() {
		where, args = append(where, "c.reported_at < ?"), append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, `SELECT `+concernColumns+` FROM concerns c`+concernJoins+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.reported_at DESC, c.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find concerns")
	}
	defer rows.Close()
	var out []*SealedConcern
	for rows.Next() {
		c, err := scanConcern(rows, tx.school)
		if err != nil {
			return nil, fmt.Errorf("scan concern: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find concerns")
	}
	rows.Close()
	if err := fillConcernLinks(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// CountConcerns counts the concerns the filter matches (its Limit and
// Before are ignored).
func (s *Store) CountConcerns(ctx context.Context, f ConcernFilter) (int, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return 0, err
	}
	vis, args := f.any("c")
	where := []string{"c.school_id = ?", vis}
	args = append([]any{tx.school}, args...)
	if f.Unreviewed {
		where = append(where, "c.reviewed_at IS NULL")
	}
	if f.Status != "" {
		where, args = append(where, "c.status = ?"), append(args, f.Status)
	}
	var n int
	err = tx.queryRow(ctx, `SELECT count(*) FROM concerns c WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
	return n, wrapErr(tx.d, err, "count concerns")
}

// ActionTypes returns the school's kinds of action in order.
func (s *Store) ActionTypes(ctx context.Context) ([]vigil.ActionType, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT key, name, position, active FROM action_types WHERE school_id = ? ORDER BY position`, tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find action types")
	}
	defer rows.Close()
	var out []vigil.ActionType
	for rows.Next() {
		var t vigil.ActionType
		if err := rows.Scan(&t.Key, &t.Name, &t.Position, &t.Active); err != nil {
			return nil, fmt.Errorf("scan action type: %w", err)
		}
		out = append(out, t)
	}
	return out, wrapErr(tx.d, rows.Err(), "find action types")
}

func insertActionTypes(ctx context.Context, tx *Tx) error {
	for _, t := range vigil.DefaultActionTypes() {
		if _, err := tx.exec(ctx, `INSERT INTO action_types (school_id, key, name, position, active) VALUES (?, ?, ?, ?, ?)`,
			tx.school, t.Key, t.Name, t.Position, t.Active); err != nil {
			return wrapErr(tx.d, err, "insert action type")
		}
	}
	return nil
}

// AddRevision keeps an earlier version of a field of a concern or action
// that the caller is changing in the same transaction.
func (s *Store) AddRevision(ctx context.Context, concern vigil.ConcernID, object, field string, rev *SealedRevision) error {
	return s.changeConcern(ctx, concern, func(tx *Tx) error {
		rev.ConcernID, rev.ObjectID, rev.Field = concern, object, field
		return insertRevision(ctx, tx, rev)
	})
}
