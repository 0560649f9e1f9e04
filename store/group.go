package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// A group member (a trust safeguarding lead, say) holds a role in every
// school of the group where they have no active membership of their own:
// FindMemberships lists those schools with ViaGroup set, FindPermissions
// gives the role's template there plus trust-wide access, and
// FindAccessReview shows them to each school's DSL. group_members is not a
// tenant table; it is read only for the person signing in (FindMemberships)
// or for the school the transaction is scoped to, whose records stay behind
// that school's row-level security.

// SaveGroupMember gives a person a role in a group, or changes their role
// or whether it is active. Deactivating ends every session the person has,
// as deactivating a school membership does. It is an operator action. An
// unknown group or person is ENOTFOUND; a bad role EINVALID.
func (s *Store) SaveGroupMember(ctx context.Context, m *vigil.GroupMember) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if !vigil.ValidID(string(m.GroupID)) {
		return vigil.Errorf(vigil.ENOTFOUND, "Trust not found.")
	}
	if !vigil.ValidID(string(m.PersonID)) {
		return vigil.Errorf(vigil.ENOTFOUND, "Person not found.")
	}
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range []struct{ q, id, missing string }{
		{"SELECT count(*) FROM groups WHERE id = ?", string(m.GroupID), "Trust not found."},
		{"SELECT count(*) FROM persons WHERE id = ?", string(m.PersonID), "Person not found."},
	} {
		var n int
		if err := tx.queryRow(ctx, c.q, c.id).Scan(&n); err != nil {
			return s.wrap(err, "check group member")
		} else if n == 0 {
			return vigil.Errorf(vigil.ENOTFOUND, "%s", c.missing)
		}
	}
	err = tx.queryRow(ctx, `INSERT INTO group_members (group_id, person_id, role, active, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (group_id, person_id) DO UPDATE SET role = excluded.role, active = excluded.active
		RETURNING created_at`, m.GroupID, m.PersonID, m.Role, m.Active, tx.now).Scan(&m.CreatedAt)
	if err != nil {
		return s.wrap(err, fmt.Sprintf("save group member of %s", m.GroupID))
	}
	if !m.Active {
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ?", m.PersonID); err != nil {
			return s.wrap(err, "end sessions")
		}
	}
	return tx.Commit()
}

// FindGroupMembers lists a group's members, active or not, by name. It is
// an operator action; an unknown group has none.
func (s *Store) FindGroupMembers(ctx context.Context, group vigil.GroupID) ([]*vigil.GroupMember, error) {
	if !vigil.ValidID(string(group)) {
		return nil, nil
	}
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT g.group_id, g.person_id, g.role, g.active, g.created_at, p.name, p.email
		FROM group_members g JOIN persons p ON p.id = g.person_id
		WHERE g.group_id = ? ORDER BY p.name, p.email`, group)
	if err != nil {
		return nil, s.wrap(err, "find group members")
	}
	defer rows.Close()
	var out []*vigil.GroupMember
	for rows.Next() {
		var m vigil.GroupMember
		if err := rows.Scan(&m.GroupID, &m.PersonID, &m.Role, &m.Active, &m.CreatedAt, &m.PersonName, &m.PersonEmail); err != nil {
			return nil, fmt.Errorf("scan group member: %w", err)
		}
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find group members")
	}
	return out, tx.Commit()
}

// trustOnly is the condition, on group_members g joined to schools sc, that
// the person has no active membership of that school of their own: one
// would win over the group role.
const trustOnly = `g.active = ? AND NOT EXISTS (SELECT 1 FROM memberships d
	WHERE d.school_id = sc.id AND d.person_id = g.person_id AND d.active = ?)`

// trustPermissions returns what a person without an active membership of
// the school in tx has there through its trust: their group role's
// template plus trust-wide access, or nothing.
func trustPermissions(ctx context.Context, tx *Tx, person vigil.PersonID) (vigil.Permissions, error) {
	none := vigil.Permissions{Categories: map[vigil.CategoryID]vigil.Access{}}
	var role vigil.Role
	err := tx.queryRow(ctx, `SELECT g.role FROM group_members g JOIN schools sc ON sc.group_id = g.group_id
		WHERE sc.id = ? AND g.person_id = ? AND `+trustOnly, tx.school, person, true, true).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return none, nil
	} else if err != nil {
		return none, wrapErr(tx.d, err, "find trust role")
	}
	cats, err := findCategories(ctx, tx, false)
	if err != nil {
		return none, err
	}
	p := vigil.RoleTemplate(role, cats)
	p.Capabilities = append(p.Capabilities, vigil.CapTrustWide)
	return p, nil
}

// addTrustReview adds to an access review of the school in tx the trust
// members who act there, for each category their role's template lets them
// see, marked by ViaGroup.
func addTrustReview(ctx context.Context, tx *Tx, out map[vigil.CategoryID][]*vigil.Membership) error {
	cats, err := findCategories(ctx, tx, false) // before the rows: one connection
	if err != nil {
		return err
	}
	rows, err := tx.query(ctx, `SELECT g.person_id, g.role, g.group_id, p.name, p.email
		FROM group_members g JOIN schools sc ON sc.group_id = g.group_id JOIN persons p ON p.id = g.person_id
		WHERE sc.id = ? AND `+trustOnly+` ORDER BY p.name, p.email`, tx.school, true, true)
	if err != nil {
		return wrapErr(tx.d, err, "trust access review")
	}
	defer rows.Close()
	for rows.Next() {
		var person vigil.PersonID
		var role vigil.Role
		var group vigil.GroupID
		var name, email string
		if err := rows.Scan(&person, &role, &group, &name, &email); err != nil {
			return fmt.Errorf("scan trust access review: %w", err)
		}
		perms := vigil.RoleTemplate(role, cats)
		for _, c := range cats {
			a := perms.In(c.ID)
			if !a.AtLeast(vigil.AccessViewOwn) {
				continue
			}
			out[c.ID] = append(out[c.ID], &vigil.Membership{
				SchoolID: tx.school, PersonID: person, Role: role, Designated: vigil.DesignatedRole(role), Active: true,
				ViaGroup: group, PersonName: name, PersonEmail: email,
				Permissions: vigil.Permissions{Categories: map[vigil.CategoryID]vigil.Access{c.ID: a}},
			})
		}
	}
	return wrapErr(tx.d, rows.Err(), "trust access review")
}
