package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// flagColumns are the pupils columns holding each flag, in vigil.Flags order.
// Each column is named after its flag.
var flagColumns = func() []string {
	cols := make([]string, len(vigil.Flags))
	for i, f := range vigil.Flags {
		cols[i] = string(f)
	}
	return cols
}()

var pupilColumns = "id, mis_id, upn, legal_forename, legal_surname, preferred_forename, preferred_surname, date_of_birth, sex, " +
	"year_group, reg_group, on_roll, left_on, destination, created_at, updated_at, " +
	"source_id, former_upns, former_names, middle_names, admitted_on, left_reason, " + strings.Join(flagColumns, ", ")

// CreatePupil saves a new pupil in the school in the context. A MIS id
// already used in the school is an EINVALID error on the mis_id field.
func (s *Store) CreatePupil(ctx context.Context, p *vigil.Pupil) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertPupil(ctx, tx, p); err != nil {
		return err
	}
	return tx.Commit()
}

func insertPupil(ctx context.Context, tx *Tx, p *vigil.Pupil) error {
	return insertPupils(ctx, tx, []*vigil.Pupil{p})
}

// pupilInsertColumns are the columns insertPupils fills, in pupilArgs'
// order.
var pupilInsertColumns = `school_id, id, mis_id, upn, legal_forename, legal_surname, preferred_forename, preferred_surname,
	date_of_birth, sex, year_group, reg_group, on_roll, left_on, destination, sort_name, search_text, created_at, updated_at,
	source_id, former_upns, former_names, middle_names, admitted_on, left_reason, ` + strings.Join(flagColumns, ", ")

func pupilArgs(tx *Tx, p *vigil.Pupil) []any {
	args := []any{tx.school, p.ID, p.MISID, p.UPN, p.LegalForename, p.LegalSurname, p.PreferredForename, p.PreferredSurname,
		p.DateOfBirth, p.Sex, p.YearGroup, p.RegGroup, p.OnRoll, p.LeftOn, p.Destination, sortName(p), searchText(p), p.CreatedAt, p.UpdatedAt,
		p.SourceID, strings.Join(p.FormerUPNs, " "), p.FormerNames, p.MiddleNames, p.AdmittedOn, leftReason(p)}
	for _, f := range vigil.Flags {
		args = append(args, p.Flags[f])
	}
	return args
}

// insertPupils saves new pupils, several to a statement: an import of a
// whole trust's roll is tens of thousands of rows.
func insertPupils(ctx context.Context, tx *Tx, ps []*vigil.Pupil) error {
	if err := tx.needSchool(); err != nil {
		return err
	}
	const perStatement = 200 // well under both databases' limits on parameters
	for start := 0; start < len(ps); start += perStatement {
		batch := ps[start:min(start+perStatement, len(ps))]
		var args []any
		rows := make([]string, len(batch))
		for i, p := range batch {
			p.ID, p.SchoolID, p.CreatedAt, p.UpdatedAt = vigil.PupilID(vigil.NewID()), tx.school, tx.now, tx.now
			a := pupilArgs(tx, p)
			rows[i] = "(" + placeholders(len(a)) + ")"
			args = append(args, a...)
		}
		if err := insertPupilRows(ctx, tx, rows, args); err != nil {
			return err
		}
	}
	return nil
}

func insertPupilRows(ctx context.Context, tx *Tx, rows []string, args []any) error {
	_, err := tx.exec(ctx, `INSERT INTO pupils (`+pupilInsertColumns+`) VALUES `+strings.Join(rows, ", "), args...)
	if err != nil {
		if vigil.ErrorCode(wrapErr(tx.d, err, "")) == vigil.ECONFLICT {
			return vigil.FieldError("mis_id", "Another pupil already has this MIS id.")
		}
		return wrapErr(tx.d, err, "insert pupil")
	}
	return nil
}

// UpdatePupil saves changes to a pupil of the school in the context. A pupil
// of another school is ENOTFOUND, exactly as a missing one.
func (s *Store) UpdatePupil(ctx context.Context, p *vigil.Pupil) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := updatePupil(ctx, tx, p); err != nil {
		return err
	}
	return tx.Commit()
}

func updatePupil(ctx context.Context, tx *Tx, p *vigil.Pupil) error {
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(p.ID)) {
		return errPupilNotFound()
	}
	p.SchoolID, p.UpdatedAt = tx.school, tx.now
	sets := []string{"mis_id = ?", "upn = ?", "legal_forename = ?", "legal_surname = ?", "preferred_forename = ?", "preferred_surname = ?",
		"date_of_birth = ?", "sex = ?", "year_group = ?", "reg_group = ?", "on_roll = ?", "left_on = ?", "destination = ?",
		"sort_name = ?", "search_text = ?", "updated_at = ?",
		"source_id = ?", "former_upns = ?", "former_names = ?", "middle_names = ?", "admitted_on = ?", "left_reason = ?"}
	args := []any{p.MISID, p.UPN, p.LegalForename, p.LegalSurname, p.PreferredForename, p.PreferredSurname,
		p.DateOfBirth, p.Sex, p.YearGroup, p.RegGroup, p.OnRoll, p.LeftOn, p.Destination, sortName(p), searchText(p), p.UpdatedAt,
		p.SourceID, strings.Join(p.FormerUPNs, " "), p.FormerNames, p.MiddleNames, p.AdmittedOn, leftReason(p)}
	for _, f := range vigil.Flags {
		sets, args = append(sets, string(f)+" = ?"), append(args, p.Flags[f])
	}
	args = append(args, tx.school, p.ID)
	res, err := tx.exec(ctx, "UPDATE pupils SET "+strings.Join(sets, ", ")+" WHERE school_id = ? AND id = ?", args...)
	if err != nil {
		if vigil.ErrorCode(wrapErr(tx.d, err, "")) == vigil.ECONFLICT {
			return vigil.FieldError("mis_id", "Another pupil already has this MIS id.")
		}
		return wrapErr(tx.d, err, "update pupil")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errPupilNotFound()
	}
	return nil
}

// errPupilNotFound is the one answer for a missing pupil, another school's
// pupil and a malformed id alike.
func errPupilNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Pupil not found.") }

// SavePupilsByMISID creates or updates each pupil, matched by MIS id within
// the school in the context, in one transaction: all are saved or none. Each
// pupil's ID is set. It returns how many were added and changed.
func (s *Store) SavePupilsByMISID(ctx context.Context, pupils []*vigil.Pupil) (added, changed int, err error) {
	for i, p := range pupils {
		if p.MISID == "" {
			return 0, 0, vigil.FieldError("mis_id", fmt.Sprintf("Pupil %d has no MIS id.", i+1))
		}
		if err := p.Validate(); err != nil {
			return 0, 0, err
		}
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return 0, 0, err
	}
	existing := map[string]*vigil.Pupil{}
	found, err := findPupils(ctx, tx, vigil.PupilFilter{Status: vigil.StatusAll})
	if err != nil {
		return 0, 0, err
	}
	for _, p := range found {
		if p.MISID != "" {
			existing[p.MISID] = p
		}
	}
	for _, p := range pupils {
		old, ok := existing[p.MISID]
		if !ok {
			if err := insertPupil(ctx, tx, p); err != nil {
				return 0, 0, err
			}
			added++
			continue
		}
		p.ID, p.SchoolID, p.CreatedAt = old.ID, tx.school, old.CreatedAt
		if samePupil(old, p) {
			p.UpdatedAt = old.UpdatedAt
			continue
		}
		if err := updatePupil(ctx, tx, p); err != nil {
			return 0, 0, err
		}
		changed++
	}
	return added, changed, tx.Commit()
}

// samePupil reports whether saving b over a would change nothing.
func samePupil(a, b *vigil.Pupil) bool {
	if a.MISID != b.MISID || a.UPN != b.UPN || a.LegalForename != b.LegalForename || a.LegalSurname != b.LegalSurname ||
		a.PreferredForename != b.PreferredForename || a.PreferredSurname != b.PreferredSurname || a.DateOfBirth != b.DateOfBirth ||
		a.Sex != b.Sex || a.YearGroup != b.YearGroup || a.RegGroup != b.RegGroup || a.OnRoll != b.OnRoll || a.LeftOn != b.LeftOn ||
		a.Destination != b.Destination || a.SourceID != b.SourceID || strings.Join(a.FormerUPNs, " ") != strings.Join(b.FormerUPNs, " ") ||
		a.FormerNames != b.FormerNames || a.MiddleNames != b.MiddleNames || a.AdmittedOn != b.AdmittedOn || leftReason(a) != leftReason(b) {
		return false
	}
	for _, f := range vigil.Flags {
		if a.Flags[f] != b.Flags[f] {
			return false
		}
	}
	return true
}

// FindPupilByID returns a pupil of the school in the context. Another
// school's pupil is ENOTFOUND, exactly as a missing one.
func (s *Store) FindPupilByID(ctx context.Context, id vigil.PupilID) (*vigil.Pupil, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(string(id)) {
		return nil, errPupilNotFound()
	}
	list, err := findPupils(ctx, tx, vigil.PupilFilter{ID: &id, Status: vigil.StatusAll})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, errPupilNotFound()
	}
	return list[0], tx.Commit()
}

// FindPupils returns a page of the school's pupils matching f, by surname,
// and how many match in all.
func (s *Store) FindPupils(ctx context.Context, f vigil.PupilFilter) ([]*vigil.Pupil, int, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, 0, err
	}
	where, args := pupilWhere(tx, f)
	var total int
	if err := tx.queryRow(ctx, "SELECT count(*) FROM pupils WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, wrapErr(tx.d, err, "count pupils")
	}
	list, err := findPupils(ctx, tx, f)
	if err != nil {
		return nil, 0, err
	}
	return list, total, tx.Commit()
}

// YearGroupsInUse returns the year groups the school's pupils are in, in
// curriculum order, for filters.
func (s *Store) YearGroupsInUse(ctx context.Context) ([]string, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, "SELECT DISTINCT year_group FROM pupils WHERE school_id = ?", tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "year groups")
	}
	defer rows.Close()
	used := map[string]bool{}
	for rows.Next() {
		var y string
		if err := rows.Scan(&y); err != nil {
			return nil, fmt.Errorf("scan year group: %w", err)
		}
		used[y] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "year groups")
	}
	var out []string
	for _, y := range vigil.YearGroups {
		if used[y] {
			out = append(out, y)
		}
	}
	return out, tx.Commit()
}

func pupilWhere(tx *Tx, f vigil.PupilFilter) (string, []any) {
	where, args := []string{"school_id = ?"}, []any{tx.school} // always first
	if f.ID != nil {
		where, args = append(where, "id = ?"), append(args, *f.ID)
	}
	if f.MISID != nil {
		where, args = append(where, "mis_id = ?"), append(args, *f.MISID)
	}
	switch f.Status {
	case vigil.StatusAll:
	case vigil.StatusLeft:
		where, args = append(where, "on_roll = ?"), append(args, false)
	default:
		where, args = append(where, "on_roll = ?"), append(args, true)
	}
	if f.YearGroup != "" {
		where, args = append(where, "year_group = ?"), append(args, f.YearGroup)
	}
	if f.RegGroup != "" {
		where, args = append(where, "reg_group = ?"), append(args, f.RegGroup)
	}
	if f.Flag.Valid() {
		// The column name comes from the fixed flag list, never from input.
		where, args = append(where, string(f.Flag)+" = ?"), append(args, true)
	}
	for _, w := range strings.Fields(strings.ToLower(f.Query)) {
		where, args = append(where, `search_text LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(w)+"%")
	}
	return strings.Join(where, " AND "), args
}

func findPupils(ctx context.Context, tx *Tx, f vigil.PupilFilter) ([]*vigil.Pupil, error) {
	where, args := pupilWhere(tx, f)
	q := "SELECT " + pupilColumns + " FROM pupils WHERE " + where + " ORDER BY sort_name, id"
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, max(f.Offset, 0))
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find pupils")
	}
	defer rows.Close()
	var out []*vigil.Pupil
	for rows.Next() {
		p := &vigil.Pupil{SchoolID: tx.school, Flags: vigil.PupilFlags{}}
		flags := make([]bool, len(vigil.Flags))
		var formerUPNs string
		dest := []any{&p.ID, &p.MISID, &p.UPN, &p.LegalForename, &p.LegalSurname, &p.PreferredForename, &p.PreferredSurname,
			&p.DateOfBirth, &p.Sex, &p.YearGroup, &p.RegGroup, &p.OnRoll, &p.LeftOn, &p.Destination, &p.CreatedAt, &p.UpdatedAt,
			&p.SourceID, &formerUPNs, &p.FormerNames, &p.MiddleNames, &p.AdmittedOn, &p.LeftReason}
		for i := range flags {
			dest = append(dest, &flags[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan pupil: %w", err)
		}
		for i, f := range vigil.Flags {
			if flags[i] {
				p.Flags[f] = true
			}
		}
		p.FormerUPNs = strings.Fields(formerUPNs)
		out = append(out, p)
	}
	return out, wrapErr(tx.d, rows.Err(), "find pupils")
}

// FindContacts returns a pupil's contacts in priority order. A pupil of
// another school has none.
func (s *Store) FindContacts(ctx context.Context, pupil vigil.PupilID) ([]*vigil.Contact, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(string(pupil)) {
		return nil, tx.Commit()
	}
	rows, err := tx.query(ctx, `SELECT id, pupil_id, name, relationship, parental_responsibility, priority, phone, email, address
		FROM pupil_contacts WHERE school_id = ? AND pupil_id = ? ORDER BY priority, name`, tx.school, pupil)
	if err != nil {
		return nil, s.wrap(err, "find contacts")
	}
	defer rows.Close()
	var out []*vigil.Contact
	for rows.Next() {
		c := &vigil.Contact{SchoolID: tx.school}
		if err := rows.Scan(&c.ID, &c.PupilID, &c.Name, &c.Relationship, &c.ParentalResponsibility, &c.Priority, &c.Phone, &c.Email, &c.Address); err != nil {
			return nil, fmt.Errorf("scan contact: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find contacts")
	}
	return out, tx.Commit()
}

// ReplaceContacts sets a pupil's contacts to exactly cs, as a sync from the
// MIS does. The pupil must be in the school in the context.
func (s *Store) ReplaceContacts(ctx context.Context, pupil vigil.PupilID, cs []*vigil.Contact) error {
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(pupil)) {
		return errPupilNotFound()
	}
	var one int
	err = tx.queryRow(ctx, "SELECT 1 FROM pupils WHERE school_id = ? AND id = ?", tx.school, pupil).Scan(&one)
	if err == sql.ErrNoRows {
		return errPupilNotFound()
	} else if err != nil {
		return s.wrap(err, "find pupil")
	}
	if _, err := tx.exec(ctx, "DELETE FROM pupil_contacts WHERE school_id = ? AND pupil_id = ?", tx.school, pupil); err != nil {
		return s.wrap(err, "delete contacts")
	}
	for _, c := range cs {
		c.ID, c.SchoolID, c.PupilID = vigil.ContactID(vigil.NewID()), tx.school, pupil
		_, err := tx.exec(ctx, `INSERT INTO pupil_contacts (school_id, id, pupil_id, name, relationship, parental_responsibility, priority, phone, email, address)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tx.school, c.ID, pupil, c.Name, c.Relationship, c.ParentalResponsibility, c.Priority, c.Phone, c.Email, c.Address)
		if err != nil {
			return s.wrap(err, "insert contact")
		}
	}
	return tx.Commit()
}

func sortName(p *vigil.Pupil) string {
	return strings.ToLower(p.Surname() + " " + p.Forename())
}

func searchText(p *vigil.Pupil) string {
	parts := []string{p.LegalForename, p.LegalSurname, p.PreferredForename, p.PreferredSurname, p.MiddleNames, p.FormerNames, p.UPN, p.MISID}
	return strings.ToLower(strings.Join(append(parts, p.FormerUPNs...), " "))
}

// leftReason is what the left_reason column holds for p: nothing while on
// roll.
func leftReason(p *vigil.Pupil) string {
	if p.OnRoll {
		return ""
	}
	return p.LeftReason
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
