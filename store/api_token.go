package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
)

// APIToken is a bearer token for the JSON API. It acts as one person in one
// school, with that person's permissions read afresh on every request. The
// secret is never stored: only its SHA-256 (auth.HashToken).
type APIToken struct {
	ID         string
	SchoolID   vigil.SchoolID
	PersonID   vigil.PersonID
	Name       string // what the token is for, e.g. "MIS sync"
	TokenHash  string
	CreatedAt  time.Time
	CreatedBy  vigil.PersonID // "" when the operator's command line made it
	LastUsedAt time.Time      // zero until first used
	RevokedAt  time.Time      // zero while the token works

	// Filled by FindAPITokens for display.
	PersonName, PersonEmail string
}

// Revoked reports whether the token has been revoked.
func (t *APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// MaxAPITokenName is the longest name a token may have, in characters.
const MaxAPITokenName = 100

// CreateAPIToken saves a new token for the school in the context and fills
// in its ID, SchoolID, CreatedAt and CreatedBy (the actor). It joins a
// transaction opened with RunInTx. It returns EINVALID for a name that is
// too long or has control characters, or a missing hash, and EFORBIDDEN
// without a school.
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case utf8.RuneCountInString(t.Name) > MaxAPITokenName:
		return vigil.FieldError("name", fmt.Sprintf("A token's name is at most %d characters.", MaxAPITokenName))
	case !utf8.ValidString(t.Name) || strings.ContainsFunc(t.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return vigil.FieldError("name", "A token's name cannot hold control characters.")
	case t.TokenHash == "":
		return vigil.Errorf(vigil.EINVALID, "A token needs a hash.")
	case !vigil.ValidID(string(t.PersonID)):
		return vigil.FieldError("person", "Choose a person.")
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	t.ID, t.SchoolID, t.CreatedAt, t.CreatedBy = vigil.NewID(), tx.school, tx.now, tx.person
	_, err = tx.exec(ctx, `INSERT INTO api_tokens (school_id, id, person_id, name, token_hash, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, tx.school, t.ID, t.PersonID, t.Name, t.TokenHash, t.CreatedAt, nullString(string(t.CreatedBy)))
	if err != nil {
		return s.wrap(err, "insert api token")
	}
	return tx.Commit()
}

const apiTokenColumns = "school_id, id, person_id, name, token_hash, created_at, created_by, last_used_at, revoked_at"

func scanAPIToken(row interface{ Scan(...any) error }, extra ...any) (*APIToken, error) {
	var t APIToken
	var by sql.NullString
	var used, revoked sql.NullTime
	dest := append([]any{&t.SchoolID, &t.ID, &t.PersonID, &t.Name, &t.TokenHash, &t.CreatedAt, &by, &used, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	t.CreatedBy, t.LastUsedAt, t.RevokedAt = vigil.PersonID(by.String), used.Time, revoked.Time
	return &t, nil
}

// FindAPIToken returns the token, revoked or not, whose secret hashes to
// tokenHash, or ENOTFOUND. A request brings a token but no school, so this
// is not scoped to one; on PostgreSQL the row-level security policy shows
// the row only to a transaction that names its hash.
func (s *Store) FindAPIToken(ctx context.Context, tokenHash string) (*APIToken, error) {
	if tokenHash == "" {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Token not found.")
	}
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if tx.d.name() == "postgres" {
		if _, err := tx.exec(ctx, "SELECT set_config('vigil.api_token_hash', ?, true)", tokenHash); err != nil {
			return nil, s.wrap(err, "scope api token lookup")
		}
	}
	t, err := scanAPIToken(tx.queryRow(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE token_hash = ?", tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Token not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find api token")
	}
	return t, tx.Commit()
}

// FindAPITokens lists the tokens of the school in the context, revoked ones
// too, newest first, with each person's name and email. It returns
// EFORBIDDEN without a school.
func (s *Store) FindAPITokens(ctx context.Context) ([]*APIToken, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT t.school_id, t.id, t.person_id, t.name, t.token_hash, t.created_at, t.created_by, t.last_used_at, t.revoked_at,
			p.name, p.email
		FROM api_tokens t JOIN persons p ON p.id = t.person_id
		WHERE t.school_id = ? ORDER BY t.created_at DESC, t.id DESC`, tx.school)
	if err != nil {
		return nil, s.wrap(err, "find api tokens")
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		var name, email string
		t, err := scanAPIToken(rows, &name, &email)
		if err != nil {
			return nil, fmt.Errorf("scan api token: %w", err)
		}
		t.PersonName, t.PersonEmail = name, email
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find api tokens")
	}
	return out, tx.Commit()
}

// RevokeAPIToken revokes one token of the school in the context, at once.
// It joins a transaction opened with RunInTx. A missing token, or another
// school's, is ENOTFOUND; one already revoked is ECONFLICT.
func (s *Store) RevokeAPIToken(ctx context.Context, id string) (*APIToken, error) {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(id) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Token not found.")
	}
	t, err := scanAPIToken(tx.queryRow(ctx, "SELECT "+apiTokenColumns+" FROM api_tokens WHERE school_id = ? AND id = ?", tx.school, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Token not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find api token")
	}
	if t.Revoked() {
		return nil, vigil.Errorf(vigil.ECONFLICT, "This token was already revoked.")
	}
	if _, err := tx.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE school_id = ? AND id = ?", tx.now, tx.school, id); err != nil {
		return nil, s.wrap(err, "revoke api token")
	}
	t.RevokedAt = tx.now
	return t, tx.Commit()
}

// TouchAPIToken records that a token of the school in the context was used
// now, unless its last use was recorded less than every ago: one write a
// minute is plenty for "last used", and SQLite has one writer.
func (s *Store) TouchAPIToken(ctx context.Context, id string, every time.Duration) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	_, err = tx.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE school_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
		tx.now, tx.school, id, tx.now.Add(-every))
	if err != nil {
		return s.wrap(err, "touch api token")
	}
	return tx.Commit()
}
