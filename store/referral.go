package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// insertReferralDefaults gives a new school the usual agencies and the
// bank holidays of England and Wales (vigil.DefaultReferralAgencies and
// vigil.EnglandBankHolidays), as migration 00011 gave the schools there
// were then.
func insertReferralDefaults(ctx context.Context, tx *Tx) error {
	for _, g := range vigil.DefaultReferralAgencies() {
		if _, err := tx.exec(ctx, `INSERT INTO referral_agencies (school_id, key, name, timescale_days, position, active) VALUES (?, ?, ?, ?, ?, ?)`,
			tx.school, g.Key, g.Name, g.TimescaleDays, g.Position, g.Active); err != nil {
			return wrapErr(tx.d, err, "insert referral agency")
		}
	}
	for _, h := range vigil.EnglandBankHolidays() {
		if _, err := tx.exec(ctx, `INSERT INTO school_holidays (school_id, id, name, first_day, last_day, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tx.school, vigil.NewID(), h.Name, h.From, h.To, tx.now); err != nil {
			return wrapErr(tx.d, err, "insert holiday")
		}
	}
	return nil
}

// ReferralAgencies returns the school's agencies in order, inactive ones
// included.
func (s *Store) ReferralAgencies(ctx context.Context) ([]vigil.ReferralAgency, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT key, name, timescale_days, position, active FROM referral_agencies WHERE school_id = ?
		ORDER BY position, key`, tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find referral agencies")
	}
	defer rows.Close()
	var out []vigil.ReferralAgency
	for rows.Next() {
		var g vigil.ReferralAgency
		if err := rows.Scan(&g.Key, &g.Name, &g.TimescaleDays, &g.Position, &g.Active); err != nil {
			return nil, fmt.Errorf("scan referral agency: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find referral agencies")
	}
	return out, tx.Commit()
}

// SaveReferralAgency adds an agency to the school, or changes the name,
// timescale and whether it is in use of the one with g.Key. A new agency
// goes to the end of the list; g.Position is set to its place.
// Referrals already made keep the timescale they were made with.
func (s *Store) SaveReferralAgency(ctx context.Context, g *vigil.ReferralAgency) error {
	if err := g.Validate(); err != nil {
		return err
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	var pos int
	err = tx.queryRow(ctx, `SELECT position FROM referral_agencies WHERE school_id = ? AND key = ?`, tx.school, g.Key).Scan(&pos)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := tx.queryRow(ctx, `SELECT coalesce(max(position), 0) + 1 FROM referral_agencies WHERE school_id = ?`, tx.school).Scan(&pos); err != nil {
			return wrapErr(tx.d, err, "place referral agency")
		}
		_, err = tx.exec(ctx, `INSERT INTO referral_agencies (school_id, key, name, timescale_days, position, active) VALUES (?, ?, ?, ?, ?, ?)`,
			tx.school, g.Key, g.Name, g.TimescaleDays, pos, g.Active)
	case err == nil:
		_, err = tx.exec(ctx, `UPDATE referral_agencies SET name = ?, timescale_days = ?, active = ? WHERE school_id = ? AND key = ?`,
			g.Name, g.TimescaleDays, g.Active, tx.school, g.Key)
	}
	if err != nil {
		return wrapErr(tx.d, err, "save referral agency")
	}
	g.Position = pos
	return tx.Commit()
}

// FindHolidays returns the school's holidays, earliest first.
func (s *Store) FindHolidays(ctx context.Context) ([]vigil.Holiday, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT id, name, first_day, last_day FROM school_holidays WHERE school_id = ? ORDER BY first_day, name`, tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find holidays")
	}
	defer rows.Close()
	var out []vigil.Holiday
	for rows.Next() {
		var h vigil.Holiday
		if err := rows.Scan(&h.ID, &h.Name, &h.From, &h.To); err != nil {
			return nil, fmt.Errorf("scan holiday: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find holidays")
	}
	return out, tx.Commit()
}

// AddHoliday saves a holiday of the school and sets h.ID. One of the same
// name starting on the same day is ECONFLICT.
func (s *Store) AddHoliday(ctx context.Context, h *vigil.Holiday) error {
	h.Name = strings.TrimSpace(h.Name)
	if err := h.Validate(); err != nil {
		return err
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	h.ID = vigil.NewID()
	if _, err := tx.exec(ctx, `INSERT INTO school_holidays (school_id, id, name, first_day, last_day, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.school, h.ID, h.Name, h.From, h.To, tx.now); err != nil {
		if vigil.ErrorCode(wrapErr(tx.d, err, "")) == vigil.ECONFLICT {
			return vigil.FieldError("from", "The school already has a holiday of this name starting that day.")
		}
		return wrapErr(tx.d, err, "insert holiday")
	}
	return tx.Commit()
}

// RemoveHoliday deletes one of the school's holidays. A missing one, or
// another school's, is ENOTFOUND. Referrals already made keep the date a
// response was expected by.
func (s *Store) RemoveHoliday(ctx context.Context, id string) error {
	if !vigil.ValidID(id) {
		return vigil.Errorf(vigil.ENOTFOUND, "Holiday not found.")
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `DELETE FROM school_holidays WHERE school_id = ? AND id = ?`, tx.school, id)
	if err != nil {
		return wrapErr(tx.d, err, "remove holiday")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Holiday not found.")
	}
	return tx.Commit()
}

// SealedReferral is a referral as the store keeps it: the clear fields in
// Referral (whose text fields the store never fills) and the sealed text
// beside it. For a referral linked to a concern, the concern's categories
// and reporter come with it, for app to decide who may see it.
type SealedReferral struct {
	*vigil.Referral
	Contact, Details, Response, Outcome []byte

	ConcernCategories []vigil.CategoryID
	ConcernReporter   vigil.PersonID
}

func errReferralNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Referral not found.") }

// CreateReferral saves a new referral in the school in the context. r.ID
// must be set: the sealed fields are bound to it. A pupil, concern or
// agency not of the school (or an agency no longer in use) is EINVALID
// naming the field; so is a concern the pupil is not linked to.
func (s *Store) CreateReferral(ctx context.Context, r *SealedReferral) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(r.ID)) {
		return fmt.Errorf("create referral: the id must be set before sealing")
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM pupils WHERE school_id = ? AND id = ?`, tx.school, r.PupilID).Scan(&n); err != nil {
		return wrapErr(tx.d, err, "check pupil")
	} else if n == 0 {
		return vigil.FieldError("pupil_id", "The pupil was not found.")
	}
	if r.ConcernID != "" {
		if err := tx.queryRow(ctx, `SELECT count(*) FROM concern_pupils WHERE school_id = ? AND concern_id = ? AND pupil_id = ?`,
			tx.school, r.ConcernID, r.PupilID).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "check concern")
		} else if n == 0 {
			return vigil.FieldError("concern_id", "The pupil is not linked to this concern.")
		}
	}
	if err := tx.queryRow(ctx, `SELECT count(*) FROM referral_agencies WHERE school_id = ? AND key = ? AND active = ?`,
		tx.school, r.Agency, true).Scan(&n); err != nil {
		return wrapErr(tx.d, err, "check agency")
	} else if n == 0 {
		return vigil.FieldError("agency", "Choose an agency from the list.")
	}
	r.SchoolID, r.CreatedAt = tx.school, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO referrals (school_id, id, pupil_id, concern_id, agency, method, made_at, reference, contact, details,
		made_by, timescale_days, expected_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.school, r.ID, r.PupilID, nullString(string(r.ConcernID)), r.Agency, r.Method, r.MadeAt.UTC(), r.Reference, r.Contact, r.Details,
		r.MadeBy, r.TimescaleDays, r.ExpectedBy.UTC(), tx.now, tx.now); err != nil {
		return wrapErr(tx.d, err, "insert referral")
	}
	return tx.Commit()
}

// RecordReferralResponse records the agency's response to a referral: the
// day it came and its sealed text, recorded by by. A referral that has a
// response already, or is closed, is ECONFLICT; a missing one ENOTFOUND.
func (s *Store) RecordReferralResponse(ctx context.Context, id vigil.ReferralID, on vigil.Date, response []byte, by vigil.PersonID) error {
	return s.changeReferral(ctx, id, "a response has been recorded already, or it is closed", func(tx *Tx) (sql.Result, error) {
		return tx.exec(ctx, `UPDATE referrals SET response_on = ?, response = ?, response_by = ?, response_recorded_at = ?, updated_at = ?
			WHERE school_id = ? AND id = ? AND response_on IS NULL AND closed_at IS NULL`, on, response, by, tx.now, tx.now, tx.school, id)
	})
}

// CloseReferral closes a referral with its sealed outcome. One closed
// already is ECONFLICT; a missing one ENOTFOUND.
func (s *Store) CloseReferral(ctx context.Context, id vigil.ReferralID, outcome []byte, by vigil.PersonID) error {
	return s.changeReferral(ctx, id, "it is closed already", func(tx *Tx) (sql.Result, error) {
		return tx.exec(ctx, `UPDATE referrals SET outcome = ?, closed_at = ?, closed_by = ?, updated_at = ?
			WHERE school_id = ? AND id = ? AND closed_at IS NULL`, outcome, tx.now, by, tx.now, tx.school, id)
	})
}

// changeReferral runs an update of one referral that changes nothing when
// the referral is not in the state it needs, and tells a missing referral
// (ENOTFOUND) from one in the wrong state (ECONFLICT, with why).
func (s *Store) changeReferral(ctx context.Context, id vigil.ReferralID, why string, update func(tx *Tx) (sql.Result, error)) error {
	if !vigil.ValidID(string(id)) {
		return errReferralNotFound()
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	res, err := update(tx)
	if err != nil {
		return wrapErr(tx.d, err, "change referral")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var k int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM referrals WHERE school_id = ? AND id = ?`, tx.school, id).Scan(&k); err != nil {
			return wrapErr(tx.d, err, "find referral")
		}
		if k == 0 {
			return errReferralNotFound()
		}
		return vigil.Errorf(vigil.ECONFLICT, "This cannot be done: %s.", why)
	}
	return tx.Commit()
}

// ReferralFilter chooses referrals. Visibility decides which referrals
// linked to a concern the reader may see (those whose concern they see in
// full); Unlinked whether they may see those linked to none.
type ReferralFilter struct {
	Visibility
	Unlinked bool

	ID      vigil.ReferralID
	Pupil   vigil.PupilID
	Concern vigil.ConcernID
	Status  string // "", or vigil.ReferralOpen (overdue included), ReferralOverdue or ReferralClosed
	Limit   int    // 0 means 50; at most 500
	Offset  int

	// For a search: Tokens, when given, keeps referrals whose blind index
	// holds every one of them; Category those linked to a concern with
	// that category; YearGroup those about a pupil in that year group;
	// From and To those made within [From, To).
	Tokens    [][]byte
	Category  vigil.CategoryID
	YearGroup string
	From, To  time.Time
}

// overdueSQL is true for a referral (aliased r) that is open with no
// response past the time one was expected; it takes the time now.
const overdueSQL = `(r.closed_at IS NULL AND r.response_on IS NULL AND r.expected_by < ?)`

const referralColumns = `r.id, r.pupil_id, r.concern_id, r.agency, r.method, r.made_at, r.reference, r.contact, r.details, r.made_by,
	r.timescale_days, r.expected_by, r.response_on, r.response, r.response_by, r.response_recorded_at, r.outcome, r.closed_at, r.closed_by,
	r.overdue_notified_at, r.created_at, CASE WHEN ` + overdueSQL + ` THEN 1 ELSE 0 END,
	p.legal_forename, p.legal_surname, p.preferred_forename, p.preferred_surname, coalesce(g.name, r.agency),
	coalesce(pm.name, ''), coalesce(pr.name, ''), coalesce(pc.name, ''), rc.reported_by`

const referralJoins = ` JOIN pupils p ON p.school_id = r.school_id AND p.id = r.pupil_id
	LEFT JOIN referral_agencies g ON g.school_id = r.school_id AND g.key = r.agency
	LEFT JOIN concerns rc ON rc.school_id = r.school_id AND rc.id = r.concern_id
	LEFT JOIN persons pm ON pm.id = r.made_by LEFT JOIN persons pr ON pr.id = r.response_by LEFT JOIN persons pc ON pc.id = r.closed_by`

func scanReferral(row interface{ Scan(...any) error }, school vigil.SchoolID) (*SealedReferral, error) {
	r := &SealedReferral{Referral: &vigil.Referral{SchoolID: school}}
	var concern, responseBy, closedBy, reporter sql.NullString
	var recorded, closed, notified sql.NullTime
	var overdue int
	var pupil vigil.Pupil
	if err := row.Scan(&r.ID, &r.PupilID, &concern, &r.Agency, &r.Method, &r.MadeAt, &r.Reference, &r.Contact, &r.Details, &r.MadeBy,
		&r.TimescaleDays, &r.ExpectedBy, &r.ResponseOn, &r.Response, &responseBy, &recorded, &r.Outcome, &closed, &closedBy,
		&notified, &r.CreatedAt, &overdue,
		&pupil.LegalForename, &pupil.LegalSurname, &pupil.PreferredForename, &pupil.PreferredSurname, &r.AgencyName,
		&r.MakerName, &r.ResponderName, &r.CloserName, &reporter); err != nil {
		return nil, err
	}
	r.ConcernID, r.ResponseBy, r.ClosedBy = vigil.ConcernID(concern.String), vigil.PersonID(responseBy.String), vigil.PersonID(closedBy.String)
	r.ResponseRecordedAt, r.ClosedAt, r.OverdueNotifiedAt = recorded.Time, closed.Time, notified.Time
	r.Overdue, r.PupilName, r.ConcernReporter = overdue == 1, pupil.Name(), vigil.PersonID(reporter.String)
	return r, nil
}

// FindReferrals returns the referrals the filter allows: overdue ones
// first, soonest due first, then the other open ones, soonest due first,
// then closed ones, newest first.
func (s *Store) FindReferrals(ctx context.Context, f ReferralFilter) ([]*SealedReferral, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	where, args := referralWhere(tx, f)
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append([]any{tx.now}, args...) // the overdue column
	args = append(args, tx.now, f.Limit, max(f.Offset, 0))
	rows, err := tx.query(ctx, `SELECT `+referralColumns+` FROM referrals r`+referralJoins+` WHERE `+where+`
		ORDER BY CASE WHEN `+overdueSQL+` THEN 0 WHEN r.closed_at IS NULL THEN 1 ELSE 2 END,
			CASE WHEN r.closed_at IS NULL THEN r.expected_by END, r.made_at DESC, r.id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find referrals")
	}
	defer rows.Close()
	var out []*SealedReferral
	for rows.Next() {
		r, err := scanReferral(rows, tx.school)
		if err != nil {
			return nil, fmt.Errorf("scan referral: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find referrals")
	}
	rows.Close()
	if err := fillReferralCategories(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// CountReferrals counts the referrals the filter allows (its Limit and
// Offset are ignored).
func (s *Store) CountReferrals(ctx context.Context, f ReferralFilter) (int, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return 0, err
	}
	where, args := referralWhere(tx, f)
	var n int
	err = tx.queryRow(ctx, `SELECT count(*) FROM referrals r LEFT JOIN concerns rc ON rc.school_id = r.school_id AND rc.id = r.concern_id
		WHERE `+where, args...).Scan(&n)
	if err != nil {
		return 0, wrapErr(tx.d, err, "count referrals")
	}
	return n, tx.Commit()
}

// referralWhere builds the filter's condition over referrals r joined to
// their concern rc.
func referralWhere(tx *Tx, f ReferralFilter) (string, []any) {
	unlinked := "1 = 0"
	if f.All || f.Unlinked {
		unlinked = "1 = 1"
	}
	full, args := f.full("rc")
	where := []string{"r.school_id = ?", "((r.concern_id IS NULL AND " + unlinked + ") OR (rc.id IS NOT NULL AND " + full + "))"}
	args = append([]any{tx.school}, args...)
	if f.ID != "" {
		where, args = append(where, "r.id = ?"), append(args, f.ID)
	}
	if f.Pupil != "" {
		where, args = append(where, "r.pupil_id = ?"), append(args, f.Pupil)
	}
	if f.Concern != "" {
		where, args = append(where, "r.concern_id = ?"), append(args, f.Concern)
	}
	switch f.Status {
	case vigil.ReferralOpen:
		where = append(where, "r.closed_at IS NULL")
	case vigil.ReferralClosed:
		where = append(where, "r.closed_at IS NOT NULL")
	case vigil.ReferralOverdue:
		where, args = append(where, overdueSQL), append(args, tx.now)
	}
	if len(f.Tokens) > 0 {
		match, margs := matchingSources(tx, "referral", f.Tokens)
		where, args = append(where, "r.id IN "+match), append(args, margs...)
	}
	if f.Category != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM concern_categories fc WHERE fc.school_id = r.school_id AND fc.concern_id = r.concern_id
			AND fc.category_id = ?)`), append(args, f.Category)
	}
	if f.YearGroup != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM pupils fp WHERE fp.school_id = r.school_id AND fp.id = r.pupil_id AND fp.year_group = ?)`),
			append(args, f.YearGroup)
	}
	if !f.From.IsZero() {
		where, args = append(where, "r.made_at >= ?"), append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where, args = append(where, "r.made_at < ?"), append(args, f.To.UTC())
	}
	return strings.Join(where, " AND "), args
}

// fillReferralCategories loads the categories of each linked referral's
// concern, over all its pupils.
func fillReferralCategories(ctx context.Context, tx *Tx, rs []*SealedReferral) error {
	byConcern := map[vigil.ConcernID][]*SealedReferral{}
	args := []any{tx.school}
	for _, r := range rs {
		if r.ConcernID == "" {
			continue
		}
		if byConcern[r.ConcernID] == nil {
			args = append(args, r.ConcernID)
		}
		byConcern[r.ConcernID] = append(byConcern[r.ConcernID], r)
	}
	if len(byConcern) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT DISTINCT cc.concern_id, cc.category_id, k.position FROM concern_categories cc
		JOIN categories k ON k.school_id = cc.school_id AND k.id = cc.category_id
		WHERE cc.school_id = ? AND cc.concern_id IN (`+placeholders(len(byConcern))+`) ORDER BY cc.concern_id, k.position`, args...)
	if err != nil {
		return wrapErr(tx.d, err, "find referral categories")
	}
	defer rows.Close()
	for rows.Next() {
		var c vigil.ConcernID
		var cat vigil.CategoryID
		var pos int
		if err := rows.Scan(&c, &cat, &pos); err != nil {
			return fmt.Errorf("scan referral category: %w", err)
		}
		for _, r := range byConcern[c] {
			r.ConcernCategories = append(r.ConcernCategories, cat)
		}
	}
	return wrapErr(tx.d, rows.Err(), "find referral categories")
}

// FindReferral returns one referral of the school in the context, whoever
// may see it: app decides that. A missing referral, or another school's,
// is ENOTFOUND.
func (s *Store) FindReferral(ctx context.Context, id vigil.ReferralID) (*SealedReferral, error) {
	if !vigil.ValidID(string(id)) {
		return nil, errReferralNotFound()
	}
	rs, err := s.FindReferrals(ctx, ReferralFilter{Visibility: Visibility{All: true}, ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errReferralNotFound()
	}
	return rs[0], nil
}

// FindReferralsToChase returns the ids of the school's referrals that are
// overdue now and whose school has not been told.
func (s *Store) FindReferralsToChase(ctx context.Context) ([]vigil.ReferralID, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT r.id FROM referrals r WHERE r.school_id = ? AND `+overdueSQL+` AND r.overdue_notified_at IS NULL
		ORDER BY r.expected_by, r.id LIMIT 500`, tx.school, tx.now)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find referrals to chase")
	}
	defer rows.Close()
	var out []vigil.ReferralID
	for rows.Next() {
		var id vigil.ReferralID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan referral: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find referrals to chase")
	}
	return out, tx.Commit()
}

// ClaimOverdueNotice marks a referral as having had its overdue notice,
// if it is overdue now and has not had one, and reports whether it did.
// Called inside RunInTx with the notice itself, it makes the notice go
// once however many callers race: the second waits for the first's
// transaction and then finds the mark set.
func (s *Store) ClaimOverdueNotice(ctx context.Context, id vigil.ReferralID) (bool, error) {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `UPDATE referrals SET overdue_notified_at = ? WHERE school_id = ? AND id = ? AND overdue_notified_at IS NULL
		AND closed_at IS NULL AND response_on IS NULL AND expected_by < ?`, tx.now, tx.school, id, tx.now)
	if err != nil {
		return false, wrapErr(tx.d, err, "claim overdue notice")
	}
	n, _ := res.RowsAffected()
	return n > 0, tx.Commit()
}
