package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// CreateSchool saves a new school with the default settings where unset and
// the usual UK categories. A slug already in use is ECONFLICT.
func (s *Store) CreateSchool(ctx context.Context, sc *vigil.School) error {
	if sc.Settings == (vigil.SchoolSettings{}) {
		sc.Settings = vigil.DefaultSchoolSettings()
	}
	if err := sc.Validate(); err != nil {
		return err
	}
	sc.ID = vigil.SchoolID(vigil.NewID())
	tx, err := s.beginScoped(ctx, true, sc.ID, "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sc.CreatedAt = tx.now
	settings, err := json.Marshal(sc.Settings)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO schools (id, group_id, slug, name, urn, local_authority, phase, settings, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sc.ID, nullString(string(sc.GroupID)), sc.Slug, sc.Name, sc.URN, sc.LocalAuthority, sc.Phase, string(settings), sc.CreatedAt)
	if err != nil {
		if vigil.ErrorCode(s.wrap(err, "")) == vigil.ECONFLICT {
			return vigil.FieldError("slug", "A school with this slug already exists.")
		}
		return s.wrap(err, "insert school")
	}
	for _, c := range vigil.DefaultCategories() {
		if err := insertCategory(ctx, tx, &c); err != nil {
			return err
		}
	}
	if err := insertActionTypes(ctx, tx); err != nil {
		return err
	}
	if err := insertReferralDefaults(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateSchool saves a school's name, details and settings. The school is
// the one in the context; sc.ID must match it.
func (s *Store) UpdateSchool(ctx context.Context, sc *vigil.School) error {
	if err := sc.Validate(); err != nil {
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
	if sc.ID != tx.school {
		return vigil.Errorf(vigil.ENOTFOUND, "School not found.")
	}
	settings, err := json.Marshal(sc.Settings)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	_, err = tx.exec(ctx, `UPDATE schools SET name = ?, urn = ?, local_authority = ?, phase = ?, settings = ? WHERE id = ?`,
		sc.Name, sc.URN, sc.LocalAuthority, sc.Phase, string(settings), tx.school)
	if err != nil {
		return s.wrap(err, "update school")
	}
	return tx.Commit()
}

// FindSchools lists every school, by name. It is an operator action.
func (s *Store) FindSchools(ctx context.Context) ([]*vigil.School, error) {
	return s.findSchools(ctx, "", nil)
}

// FindSchoolBySlug returns the school with the slug, or ENOTFOUND.
func (s *Store) FindSchoolBySlug(ctx context.Context, slug string) (*vigil.School, error) {
	list, err := s.findSchools(ctx, "slug = ?", []any{strings.ToLower(strings.TrimSpace(slug))})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "No school has the slug %q.", slug)
	}
	return list[0], nil
}

// FindSchoolByID returns the school, or ENOTFOUND.
func (s *Store) FindSchoolByID(ctx context.Context, id vigil.SchoolID) (*vigil.School, error) {
	if !vigil.ValidID(string(id)) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "School not found.")
	}
	list, err := s.findSchools(ctx, "id = ?", []any{id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "School not found.")
	}
	return list[0], nil
}

func (s *Store) findSchools(ctx context.Context, where string, args []any) ([]*vigil.School, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q := "SELECT id, group_id, slug, name, urn, local_authority, phase, settings, created_at FROM schools"
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := tx.query(ctx, q+" ORDER BY name, slug", args...)
	if err != nil {
		return nil, s.wrap(err, "find schools")
	}
	defer rows.Close()
	var out []*vigil.School
	for rows.Next() {
		var sc vigil.School
		var group sql.NullString
		var settings string
		if err := rows.Scan(&sc.ID, &group, &sc.Slug, &sc.Name, &sc.URN, &sc.LocalAuthority, &sc.Phase, &settings, &sc.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan school: %w", err)
		}
		sc.GroupID = vigil.GroupID(group.String)
		sc.Settings = vigil.DefaultSchoolSettings()
		if err := json.Unmarshal([]byte(settings), &sc.Settings); err != nil {
			return nil, fmt.Errorf("decode settings of school %s: %w", sc.ID, err)
		}
		out = append(out, &sc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find schools")
	}
	return out, tx.Commit()
}

// nullString stores "" as NULL, for optional references.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// FindOrCreateGroup returns the group with exactly this name, making it if
// there is none. It is an operator action.
func (s *Store) FindOrCreateGroup(ctx context.Context, name string) (*vigil.Group, error) {
	g := &vigil.Group{Name: strings.TrimSpace(name)}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	err = tx.queryRow(ctx, "SELECT id, created_at FROM groups WHERE name = ?", g.Name).Scan(&g.ID, &g.CreatedAt)
	if err == sql.ErrNoRows {
		g.ID, g.CreatedAt = vigil.GroupID(vigil.NewID()), tx.now
		if _, err := tx.exec(ctx, "INSERT INTO groups (id, name, created_at) VALUES (?, ?, ?)", g.ID, g.Name, g.CreatedAt); err != nil {
			return nil, s.wrap(err, "insert group")
		}
	} else if err != nil {
		return nil, s.wrap(err, "find group")
	}
	return g, tx.Commit()
}

// FindGroups lists the groups by name.
func (s *Store) FindGroups(ctx context.Context) ([]*vigil.Group, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT id, name, created_at FROM groups ORDER BY name")
	if err != nil {
		return nil, s.wrap(err, "find groups")
	}
	defer rows.Close()
	var out []*vigil.Group
	for rows.Next() {
		var g vigil.Group
		if err := rows.Scan(&g.ID, &g.Name, &g.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan group: %w", err)
		}
		out = append(out, &g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find groups")
	}
	return out, tx.Commit()
}
