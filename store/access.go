package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// FindPermissions returns a member's access per category and capabilities
// in the school in the context. It is read on every request, so a change
// takes effect at once. A person who is not an active member has none,
// unless they are an active member of the school's trust: then they have
// their trust role's template and trust-wide access.
func (s *Store) FindPermissions(ctx context.Context, person vigil.PersonID) (vigil.Permissions, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return vigil.Permissions{}, err
	}
	defer tx.Rollback()
	p, err := findPermissions(ctx, tx, person)
	if err != nil {
		return vigil.Permissions{}, err
	}
	return p, tx.Commit()
}

func findPermissions(ctx context.Context, tx *Tx, person vigil.PersonID) (vigil.Permissions, error) {
	p := vigil.Permissions{Categories: map[vigil.CategoryID]vigil.Access{}}
	if err := tx.needSchool(); err != nil {
		return p, err
	}
	var caps string
	err := tx.queryRow(ctx, "SELECT capabilities FROM memberships WHERE school_id = ? AND person_id = ? AND active = ?", tx.school, person, true).Scan(&caps)
	if errors.Is(err, sql.ErrNoRows) {
		return trustPermissions(ctx, tx, person)
	} else if err != nil {
		return p, wrapErr(tx.d, err, "find capabilities")
	}
	p.Capabilities = vigil.ParseCapabilities(caps)
	rows, err := tx.query(ctx, "SELECT category_id, level FROM category_access WHERE school_id = ? AND person_id = ?", tx.school, person)
	if err != nil {
		return p, wrapErr(tx.d, err, "find access")
	}
	defer rows.Close()
	for rows.Next() {
		var c vigil.CategoryID
		var a vigil.Access
		if err := rows.Scan(&c, &a); err != nil {
			return p, fmt.Errorf("scan access: %w", err)
		}
		p.Categories[c] = a
	}
	return p, wrapErr(tx.d, rows.Err(), "find access")
}

// SetPermissions replaces a member's access and capabilities in the school
// in the context. Categories not named get no access.
func (s *Store) SetPermissions(ctx context.Context, person vigil.PersonID, p vigil.Permissions) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := setPermissions(ctx, tx, person, p); err != nil {
		return err
	}
	return tx.Commit()
}

func setPermissions(ctx context.Context, tx *Tx, person vigil.PersonID, p vigil.Permissions) error {
	if err := tx.needSchool(); err != nil {
		return err
	}
	for c, a := range p.Categories {
		if !a.Valid() || !vigil.ValidID(string(c)) {
			return vigil.FieldError("access", "Unknown access level or category.")
		}
	}
	res, err := tx.exec(ctx, "UPDATE memberships SET capabilities = ? WHERE school_id = ? AND person_id = ?",
		vigil.CapabilityList(p.Capabilities), tx.school, person)
	if err != nil {
		return wrapErr(tx.d, err, "set capabilities")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Staff member not found.")
	}
	if _, err := tx.exec(ctx, "DELETE FROM category_access WHERE school_id = ? AND person_id = ?", tx.school, person); err != nil {
		return wrapErr(tx.d, err, "clear access")
	}
	for c, a := range p.Categories {
		if a == vigil.AccessNone {
			continue
		}
		_, err := tx.exec(ctx, "INSERT INTO category_access (school_id, person_id, category_id, level) VALUES (?, ?, ?, ?)", tx.school, person, c, a)
		if err != nil {
			if vigil.ErrorCode(wrapErr(tx.d, err, "")) == vigil.ECONFLICT {
				return vigil.FieldError("access", "A category is named twice.")
			}
			return wrapErr(tx.d, err, "set access")
		}
	}
	return nil
}

// FindAccessReview lists, for every category of the school in the context,
// who may see concerns in it (view own and above), for a DSL to check: the
// school's members, then those who act there through its trust (ViaGroup
// set).
func (s *Store) FindAccessReview(ctx context.Context) (map[vigil.CategoryID][]*vigil.Membership, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT a.category_id, a.level, m.person_id, m.role, m.designated, m.active, p.name, p.email
		FROM category_access a
		JOIN memberships m ON m.school_id = a.school_id AND m.person_id = a.person_id
		JOIN persons p ON p.id = m.person_id
		WHERE a.school_id = ? AND a.level IN (?, ?, ?) AND m.active = ? ORDER BY p.name`,
		tx.school, vigil.AccessViewOwn, vigil.AccessViewAll, vigil.AccessManage, true)
	if err != nil {
		return nil, s.wrap(err, "access review")
	}
	defer rows.Close()
	out := map[vigil.CategoryID][]*vigil.Membership{}
	for rows.Next() {
		var c vigil.CategoryID
		var a vigil.Access
		m := &vigil.Membership{SchoolID: tx.school}
		if err := rows.Scan(&c, &a, &m.PersonID, &m.Role, &m.Designated, &m.Active, &m.PersonName, &m.PersonEmail); err != nil {
			return nil, fmt.Errorf("scan access review: %w", err)
		}
		m.Permissions.Categories = map[vigil.CategoryID]vigil.Access{c: a}
		out[c] = append(out[c], m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "access review")
	}
	rows.Close()
	if err := addTrustReview(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// SetMembershipActive deactivates or reactivates a member of the school in
// the context. Deactivating ends every session the person has, at once.
func (s *Store) SetMembershipActive(ctx context.Context, person vigil.PersonID, active bool) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	res, err := tx.exec(ctx, "UPDATE memberships SET active = ? WHERE school_id = ? AND person_id = ?", active, tx.school, person)
	if err != nil {
		return s.wrap(err, "set membership active")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Staff member not found.")
	}
	if !active {
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ?", person); err != nil {
			return s.wrap(err, "end sessions")
		}
	}
	return tx.Commit()
}

// FindMember returns one member of the school in the context with their
// permissions, or ENOTFOUND (also for a person in another school only, and
// for one who acts here only through the trust: a school manages its own
// members).
func (s *Store) FindMember(ctx context.Context, person vigil.PersonID) (*vigil.Membership, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(string(person)) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Staff member not found.")
	}
	m := &vigil.Membership{SchoolID: tx.school}
	var caps string
	err = tx.queryRow(ctx, `SELECT m.person_id, m.role, m.designated, m.active, m.created_at, m.capabilities, p.name, p.email
		FROM memberships m JOIN persons p ON p.id = m.person_id WHERE m.school_id = ? AND m.person_id = ?`, tx.school, person).
		Scan(&m.PersonID, &m.Role, &m.Designated, &m.Active, &m.CreatedAt, &caps, &m.PersonName, &m.PersonEmail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Staff member not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find member")
	}
	m.Permissions.Capabilities = vigil.ParseCapabilities(caps)
	m.Permissions.Categories = map[vigil.CategoryID]vigil.Access{}
	rows, err := tx.query(ctx, "SELECT category_id, level FROM category_access WHERE school_id = ? AND person_id = ?", tx.school, person)
	if err != nil {
		return nil, s.wrap(err, "find member access")
	}
	defer rows.Close()
	for rows.Next() {
		var c vigil.CategoryID
		var a vigil.Access
		if err := rows.Scan(&c, &a); err != nil {
			return nil, fmt.Errorf("scan access: %w", err)
		}
		m.Permissions.Categories[c] = a
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find member access")
	}
	return m, tx.Commit()
}
