package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Purposes of a single-use link (person_tokens.purpose).
const (
	TokenReset  = "reset"  // choose a new password
	TokenInvite = "invite" // set up an account after an invitation
)

// PersonToken is what a single-use link's token stands for. The token itself
// is never stored: only its SHA-256 (auth.HashToken).
type PersonToken struct {
	PersonID       vigil.PersonID
	Purpose        string
	InviteSchoolID vigil.SchoolID // the inviting school; "" for a reset
	ExpiresAt      time.Time
}

// errTokenGone is the one answer for a token that is unknown, used, expired
// or of another purpose, so none can be told from another.
func errTokenGone() error {
	return vigil.Errorf(vigil.ENOTFOUND, "This link has expired or was already used.")
}

// CreatePersonToken stores the hash of a new single-use token for person,
// valid for ttl from the transaction's time. A new reset token replaces the
// person's unused reset tokens, and a new invitation their unused
// invitations to the same school, so only the newest link works. It joins a
// transaction opened with RunInTx. It returns EINVALID for an unknown
// purpose, an invitation without a school or a ttl that is not positive.
func (s *Store) CreatePersonToken(ctx context.Context, person vigil.PersonID, purpose string, inviteSchool vigil.SchoolID, tokenHash string, ttl time.Duration) error {
	switch {
	case purpose != TokenReset && purpose != TokenInvite:
		return vigil.Errorf(vigil.EINVALID, "Unknown link purpose.")
	case purpose == TokenInvite && !vigil.ValidID(string(inviteSchool)):
		return vigil.Errorf(vigil.EINVALID, "An invitation needs a school.")
	case purpose == TokenReset && inviteSchool != "":
		return vigil.Errorf(vigil.EINVALID, "A reset link belongs to no school.")
	case ttl <= 0 || tokenHash == "":
		return vigil.Errorf(vigil.EINVALID, "A link needs a token and a lifetime.")
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Expired links of this person are of no further use: tidy them away.
	if _, err := tx.exec(ctx, "DELETE FROM person_tokens WHERE person_id = ? AND expires_at <= ?", person, tx.now); err != nil {
		return s.wrap(err, "delete expired links")
	}
	q, args := "DELETE FROM person_tokens WHERE person_id = ? AND purpose = ? AND used_at IS NULL", []any{person, purpose}
	if purpose == TokenInvite {
		q, args = q+" AND invite_school_id = ?", append(args, inviteSchool)
	}
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return s.wrap(err, "replace older links")
	}
	_, err = tx.exec(ctx, `INSERT INTO person_tokens (token_hash, person_id, purpose, invite_school_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, tokenHash, person, purpose, nullString(string(inviteSchool)), tx.now, tx.now.Add(ttl))
	if err != nil {
		return s.wrap(err, "create link")
	}
	return tx.Commit()
}

// FindPersonToken returns what an unused, unexpired token of the purpose
// stands for, without using it up: for showing the form the link leads to.
// Anything else is ENOTFOUND.
func (s *Store) FindPersonToken(ctx context.Context, tokenHash, purpose string) (*PersonToken, error) {
	tx, err := s.beginScoped(ctx, false, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := scanPersonToken(tx.queryRow(ctx, `SELECT person_id, purpose, invite_school_id, expires_at FROM person_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, purpose, tx.now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTokenGone()
	} else if err != nil {
		return nil, s.wrap(err, "find link")
	}
	return t, tx.Commit()
}

// TakePersonToken uses up an unused, unexpired token of the purpose and
// returns what it stood for. Marking it used is the one statement that
// finds it, so of two requests racing with the same token exactly one
// succeeds. Anything else is ENOTFOUND.
func (s *Store) TakePersonToken(ctx context.Context, tokenHash, purpose string) (*PersonToken, error) {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := scanPersonToken(tx.queryRow(ctx, `UPDATE person_tokens SET used_at = ?
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		RETURNING person_id, purpose, invite_school_id, expires_at`, tx.now, tokenHash, purpose, tx.now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errTokenGone()
	} else if err != nil {
		return nil, s.wrap(err, "use link")
	}
	return t, tx.Commit()
}

func scanPersonToken(row *sql.Row) (*PersonToken, error) {
	var t PersonToken
	var school sql.NullString
	if err := row.Scan(&t.PersonID, &t.Purpose, &school, &t.ExpiresAt); err != nil {
		return nil, err
	}
	t.InviteSchoolID = vigil.SchoolID(school.String)
	return &t, nil
}
