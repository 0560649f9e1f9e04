package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// CreatePerson saves a new person. An email already in use, in any case, is
// an EINVALID error on the email field.
func (s *Store) CreatePerson(ctx context.Context, p *vigil.Person) error {
	if p.Status == "" {
		p.Status = vigil.PersonActive
	}
	if err := p.Validate(); err != nil {
		return err
	}
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p.ID, p.CreatedAt = vigil.PersonID(vigil.NewID()), tx.now
	if p.PasswordHash != "" {
		p.PasswordChangedAt = tx.now
	}
	_, err = tx.exec(ctx, `INSERT INTO persons (id, email, name, status, password_hash, password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Email, p.Name, p.Status, p.PasswordHash, nullTime(p.PasswordChangedAt), p.CreatedAt)
	if err != nil {
		if vigil.ErrorCode(s.wrap(err, "")) == vigil.ECONFLICT {
			return vigil.FieldError("email", "Someone already has this email address.")
		}
		return s.wrap(err, "insert person")
	}
	return tx.Commit()
}

// FindPersonByEmail returns the person with the email, ignoring case, or
// ENOTFOUND. It is used by sign-in, so it is not scoped to a school.
func (s *Store) FindPersonByEmail(ctx context.Context, email string) (*vigil.Person, error) {
	return s.findPerson(ctx, "lower(email) = ?", vigil.NormalizeEmail(email))
}

// FindPersonByID returns the person, or ENOTFOUND.
func (s *Store) FindPersonByID(ctx context.Context, id vigil.PersonID) (*vigil.Person, error) {
	if !vigil.ValidID(string(id)) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Person not found.")
	}
	return s.findPerson(ctx, "id = ?", id)
}

func (s *Store) findPerson(ctx context.Context, where string, arg any) (*vigil.Person, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := scanPerson(tx.queryRow(ctx, "SELECT "+personColumns+" FROM persons WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Person not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find person")
	}
	return p, tx.Commit()
}

const personColumns = "id, email, name, status, password_hash, created_at, last_sign_in_at, password_changed_at, totp_confirmed_at, " +
	"(SELECT count(*) FROM webauthn_credentials w WHERE w.person_id = persons.id)"

func scanPerson(row interface{ Scan(...any) error }) (*vigil.Person, error) {
	var p vigil.Person
	var last, changed, totp sql.NullTime
	if err := row.Scan(&p.ID, &p.Email, &p.Name, &p.Status, &p.PasswordHash, &p.CreatedAt, &last, &changed, &totp, &p.SecurityKeys); err != nil {
		return nil, err
	}
	p.LastSignInAt, p.PasswordChangedAt, p.TOTPConfirmedAt = last.Time, changed.Time, totp.Time
	return &p, nil
}

// FindPersons lists people by email. With a school in the context, only that
// school's members; with none (the operator), everyone.
func (s *Store) FindPersons(ctx context.Context) ([]*vigil.Person, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q, args := "SELECT "+personColumns+" FROM persons ORDER BY email", []any(nil)
	if tx.school != "" {
		q = "SELECT " + personColumns + " FROM persons WHERE id IN (SELECT person_id FROM memberships WHERE school_id = ?) ORDER BY email"
		args = []any{tx.school}
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap(err, "find persons")
	}
	defer rows.Close()
	var out []*vigil.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("scan person: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find persons")
	}
	return out, tx.Commit()
}

// SetPasswordHash replaces a person's password hash and ends every session
// they have, so a changed password locks out whoever knew the old one.
func (s *Store) SetPasswordHash(ctx context.Context, id vigil.PersonID, hash string) error {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE persons SET password_hash = ?, password_changed_at = ? WHERE id = ?", hash, tx.now, id)
	if err != nil {
		return s.wrap(err, "set password")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Person not found.")
	}
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE person_id = ?", id); err != nil {
		return s.wrap(err, "end sessions")
	}
	return tx.Commit()
}

// UpdatePasswordHash replaces a hash after a successful sign-in with weaker
// parameters, keeping the person's sessions.
func (s *Store) UpdatePasswordHash(ctx context.Context, id vigil.PersonID, hash string) error {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "UPDATE persons SET password_hash = ? WHERE id = ?", hash, id); err != nil {
		return s.wrap(err, "rehash password")
	}
	return tx.Commit()
}

// SaveMembership adds the person to the school in the context, or updates
// their role if they are already a member.
func (s *Store) SaveMembership(ctx context.Context, m *vigil.Membership) error {
	if err := m.Validate(); err != nil {
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
	var oldRole vigil.Role
	err = tx.queryRow(ctx, "SELECT role, created_at FROM memberships WHERE school_id = ? AND person_id = ?", tx.school, m.PersonID).Scan(&oldRole, &m.CreatedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.wrap(err, "find membership")
	}
	if oldRole == "" {
		m.CreatedAt = tx.now
	}
	m.SchoolID = tx.school
	_, err = tx.exec(ctx, `INSERT INTO memberships (school_id, person_id, role, designated, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (school_id, person_id) DO UPDATE SET role = excluded.role, designated = excluded.designated, active = excluded.active`,
		tx.school, m.PersonID, m.Role, m.Designated, m.Active, m.CreatedAt)
	if err != nil {
		return s.wrap(err, "save membership")
	}
	perms := m.Permissions
	if perms.Categories == nil && perms.Capabilities == nil {
		if oldRole == m.Role {
			return tx.Commit() // same role: keep the school's adjustments
		}
		cats, err := findCategories(ctx, tx, false)
		if err != nil {
			return err
		}
		perms = vigil.RoleTemplate(m.Role, cats)
	}
	if err := setPermissions(ctx, tx, m.PersonID, perms); err != nil {
		return err
	}
	m.Permissions = perms
	return tx.Commit()
}

// FindMemberships returns the active memberships of a person in schools,
// with each school's name, for choosing a school at sign-in. It sees only
// that person's rows. Every school of a trust the person is an active
// member of is there too, with the trust role and ViaGroup set, unless they
// have an active membership of that school, which wins.
func (s *Store) FindMemberships(ctx context.Context, person vigil.PersonID) ([]*vigil.Membership, error) {
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT m.school_id, m.person_id, m.role, m.designated, m.created_at, sc.name, sc.slug, NULL
		FROM memberships m JOIN schools sc ON sc.id = m.school_id
		WHERE m.person_id = ? AND m.active = ?
		UNION ALL
		SELECT sc.id, g.person_id, g.role, false, g.created_at, sc.name, sc.slug, g.group_id
		FROM group_members g JOIN schools sc ON sc.group_id = g.group_id
		WHERE g.person_id = ? AND `+trustOnly+`
		ORDER BY 6, 7`, person, true, person, true, true)
	if err != nil {
		return nil, s.wrap(err, "find memberships")
	}
	defer rows.Close()
	var out []*vigil.Membership
	for rows.Next() {
		m := vigil.Membership{Active: true}
		var via sql.NullString
		if err := rows.Scan(&m.SchoolID, &m.PersonID, &m.Role, &m.Designated, &m.CreatedAt, &m.SchoolName, &m.SchoolSlug, &via); err != nil {
			return nil, fmt.Errorf("scan membership: %w", err)
		}
		if via.Valid {
			m.ViaGroup, m.Designated = vigil.GroupID(via.String), vigil.DesignatedRole(m.Role)
		}
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find memberships")
	}
	return out, tx.Commit()
}

// FindMembers lists the members of the school in the context, with names.
func (s *Store) FindMembers(ctx context.Context) ([]*vigil.Membership, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT m.school_id, m.person_id, m.role, m.designated, m.active, m.created_at, p.name, p.email
		FROM memberships m JOIN persons p ON p.id = m.person_id
		WHERE m.school_id = ? ORDER BY p.name, p.email`, tx.school)
	if err != nil {
		return nil, s.wrap(err, "find members")
	}
	defer rows.Close()
	var out []*vigil.Membership
	for rows.Next() {
		var m vigil.Membership
		if err := rows.Scan(&m.SchoolID, &m.PersonID, &m.Role, &m.Designated, &m.Active, &m.CreatedAt, &m.PersonName, &m.PersonEmail); err != nil {
			return nil, fmt.Errorf("scan member: %w", err)
		}
		out = append(out, &m)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find members")
	}
	return out, tx.Commit()
}
