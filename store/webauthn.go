package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// SecurityKey is a WebAuthn security key or passkey a person registered as
// a second factor. Keys belong to a person, not a school, like sessions.
type SecurityKey struct {
	ID           string // Vigil's id for the key, safe in a URL
	PersonID     vigil.PersonID
	CredentialID []byte // the authenticator's id for the credential
	Name         string // the person's name for the key, shown on their security page
	Credential   string // the relying party's credential record (public key, sign count, flags), JSON
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero until the key is first used to step up
}

// AddSecurityKey saves a newly registered key and fills in its ID and
// CreatedAt. A credential id that is already registered, to anyone, is
// ECONFLICT.
func (s *Store) AddSecurityKey(ctx context.Context, k *SecurityKey) error {
	tx, err := s.beginScoped(ctx, true, "", k.PersonID)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	k.ID, k.CreatedAt = vigil.NewID(), tx.now
	_, err = tx.exec(ctx, `INSERT INTO webauthn_credentials (id, person_id, credential_id, name, credential, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, k.ID, k.PersonID, k.CredentialID, k.Name, k.Credential, k.CreatedAt)
	if err != nil {
		if vigil.ErrorCode(s.wrap(err, "")) == vigil.ECONFLICT {
			return vigil.Errorf(vigil.ECONFLICT, "This security key is already registered.")
		}
		return s.wrap(err, "insert security key")
	}
	return tx.Commit()
}

// FindSecurityKeys returns a person's keys, oldest first.
func (s *Store) FindSecurityKeys(ctx context.Context, person vigil.PersonID) ([]*SecurityKey, error) {
	if !vigil.ValidID(string(person)) {
		return nil, nil
	}
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT id, person_id, credential_id, name, credential, created_at, last_used_at
		FROM webauthn_credentials WHERE person_id = ? ORDER BY created_at, id`, person)
	if err != nil {
		return nil, s.wrap(err, "find security keys")
	}
	defer rows.Close()
	var out []*SecurityKey
	for rows.Next() {
		var k SecurityKey
		var used sql.NullTime
		if err := rows.Scan(&k.ID, &k.PersonID, &k.CredentialID, &k.Name, &k.Credential, &k.CreatedAt, &used); err != nil {
			return nil, fmt.Errorf("scan security key: %w", err)
		}
		k.LastUsedAt = used.Time
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "find security keys")
	}
	return out, tx.Commit()
}

// RenameSecurityKey changes the name of one of a person's keys. Another
// person's key, or a missing one, is ENOTFOUND.
func (s *Store) RenameSecurityKey(ctx context.Context, person vigil.PersonID, id, name string) error {
	if !vigil.ValidID(id) {
		return errKeyNotFound()
	}
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE webauthn_credentials SET name = ? WHERE id = ? AND person_id = ?", name, id, person)
	if err != nil {
		return s.wrap(err, "rename security key")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errKeyNotFound()
	}
	return tx.Commit()
}

// DeleteSecurityKey removes one of a person's keys. Another person's key,
// or a missing one, is ENOTFOUND. With keepSecondFactor, removing the
// person's only second factor (no other key and no confirmed authenticator
// app) is ECONFLICT, and nothing is removed.
func (s *Store) DeleteSecurityKey(ctx context.Context, person vigil.PersonID, id string, keepSecondFactor bool) error {
	if !vigil.ValidID(id) {
		return errKeyNotFound()
	}
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Lock the person's row first, so two removals racing on PostgreSQL
	// cannot each see the other's key and leave none. SQLite has one writer.
	var totp sql.NullTime
	err = tx.queryRow(ctx, "UPDATE persons SET totp_last_step = totp_last_step WHERE id = ? RETURNING totp_confirmed_at", person).Scan(&totp)
	if errors.Is(err, sql.ErrNoRows) {
		return errKeyNotFound()
	} else if err != nil {
		return s.wrap(err, "lock person")
	}
	var mine, all int
	err = tx.queryRow(ctx, "SELECT count(CASE WHEN id = ? THEN 1 END), count(*) FROM webauthn_credentials WHERE person_id = ?", id, person).Scan(&mine, &all)
	if err != nil {
		return s.wrap(err, "count security keys")
	}
	if mine == 0 {
		return errKeyNotFound()
	}
	if keepSecondFactor && all == 1 && !totp.Valid {
		return vigil.Errorf(vigil.ECONFLICT, "This is your only second factor, so it cannot be removed.")
	}
	res, err := tx.exec(ctx, "DELETE FROM webauthn_credentials WHERE id = ? AND person_id = ?", id, person)
	if err != nil {
		return s.wrap(err, "delete security key")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errKeyNotFound()
	}
	return tx.Commit()
}

// UseSecurityKey records that a person stepped up with the key whose
// credential id is credentialID: the updated credential record (its new
// sign count and flags) and the time. A key that is not the person's is
// ENOTFOUND.
func (s *Store) UseSecurityKey(ctx context.Context, person vigil.PersonID, credentialID []byte, credential string) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE webauthn_credentials SET credential = ?, last_used_at = ? WHERE person_id = ? AND credential_id = ?",
		credential, tx.now, person, credentialID)
	if err != nil {
		return s.wrap(err, "use security key")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errKeyNotFound()
	}
	return tx.Commit()
}

func errKeyNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Security key not found.") }

// SetWebAuthnState keeps the state of a WebAuthn ceremony with the session
// whose token hash is given, replacing any earlier one, until expires. A
// session that has ended is EUNAUTHORIZED.
func (s *Store) SetWebAuthnState(ctx context.Context, tokenHash, state string, expires time.Time) error {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE sessions SET webauthn_state = ?, webauthn_state_expires_at = ? WHERE token_hash = ?",
		state, expires.UTC().Truncate(time.Microsecond), tokenHash)
	if err != nil {
		return s.wrap(err, "set webauthn state")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Your session has ended. Please sign in again.")
	}
	return tx.Commit()
}

// TakeWebAuthnState returns the ceremony state kept with the session and
// clears it, so it is used at most once. No state, or an expired one, is
// ENOTFOUND; an expired state is cleared all the same.
func (s *Store) TakeWebAuthnState(ctx context.Context, tokenHash string) (string, error) {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var state sql.NullString
	var expires sql.NullTime
	err = tx.queryRow(ctx, "SELECT webauthn_state, webauthn_state_expires_at FROM sessions WHERE token_hash = ?", tokenHash).Scan(&state, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", vigil.Errorf(vigil.EUNAUTHORIZED, "Your session has ended. Please sign in again.")
	} else if err != nil {
		return "", s.wrap(err, "find webauthn state")
	}
	if !state.Valid {
		return "", errNoCeremony()
	}
	// Clear only the value read, so two requests racing for one state
	// cannot both have it (PostgreSQL's read committed lets both read it).
	res, err := tx.exec(ctx, "UPDATE sessions SET webauthn_state = NULL, webauthn_state_expires_at = NULL WHERE token_hash = ? AND webauthn_state = ?",
		tokenHash, state.String)
	if err != nil {
		return "", s.wrap(err, "clear webauthn state")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", errNoCeremony()
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	if !expires.Valid || !tx.now.Before(expires.Time) {
		return "", errNoCeremony()
	}
	return state.String, nil
}

func errNoCeremony() error {
	return vigil.Errorf(vigil.ENOTFOUND, "This security key request has expired or was already used. Please try again.")
}
