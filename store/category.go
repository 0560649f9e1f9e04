package store

import (
	"context"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
)

// FindCategories lists the school's categories in display order; with
// activeOnly, only those switched on.
func (s *Store) FindCategories(ctx context.Context, activeOnly bool) ([]*vigil.Category, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out, err := findCategories(ctx, tx, activeOnly)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

func findCategories(ctx context.Context, tx *Tx, activeOnly bool) ([]*vigil.Category, error) {
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	q := "SELECT id, key, name, subtypes, sensitivity, alert, active, position FROM categories WHERE school_id = ?"
	if activeOnly {
		q += " AND active = ?"
	}
	args := []any{tx.school}
	if activeOnly {
		args = append(args, true)
	}
	rows, err := tx.query(ctx, q+" ORDER BY position, name", args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find categories")
	}
	defer rows.Close()
	var out []*vigil.Category
	for rows.Next() {
		c := &vigil.Category{SchoolID: tx.school}
		if err := rows.Scan(&c.ID, &c.Key, &c.Name, &c.Subtypes, &c.Sensitivity, &c.Alert, &c.Active, &c.Position); err != nil {
			return nil, fmt.Errorf("scan category: %w", err)
		}
		out = append(out, c)
	}
	return out, wrapErr(tx.d, rows.Err(), "find categories")
}

func insertCategory(ctx context.Context, tx *Tx, c *vigil.Category) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.ID, c.SchoolID = vigil.CategoryID(vigil.NewID()), tx.school
	_, err := tx.exec(ctx, `INSERT INTO categories (school_id, id, key, name, subtypes, sensitivity, alert, active, position)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.school, c.ID, c.Key, c.Name, c.Subtypes, c.Sensitivity, c.Alert, c.Active, c.Position)
	return wrapErr(tx.d, err, "insert category "+c.Key)
}
