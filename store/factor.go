package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-safeguarding/vigil"
)

// TOTPState is a person's authenticator-app enrolment.
type TOTPState struct {
	Sealed    []byte // the secret, sealed by crypt; nil when none
	Confirmed bool   // false while an enrolment waits for its first code
	LastStep  int64  // the newest time step used, so no code is used twice
}

// FindTOTP returns a person's TOTP state.
func (s *Store) FindTOTP(ctx context.Context, person vigil.PersonID) (*TOTPState, error) {
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var st TOTPState
	var confirmed sql.NullTime
	err = tx.queryRow(ctx, "SELECT totp_secret, totp_confirmed_at, totp_last_step FROM persons WHERE id = ?", person).
		Scan(&st.Sealed, &confirmed, &st.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Person not found.")
	} else if err != nil {
		return nil, s.wrap(err, "find totp")
	}
	st.Confirmed = confirmed.Valid
	return &st, tx.Commit()
}

// StartTOTP stores a new, unconfirmed sealed secret for a person who has no
// confirmed one. A confirmed enrolment is ECONFLICT: it must be reset first.
func (s *Store) StartTOTP(ctx context.Context, person vigil.PersonID, sealed []byte) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE persons SET totp_secret = ?, totp_confirmed_at = NULL, totp_last_step = 0 WHERE id = ? AND totp_confirmed_at IS NULL",
		sealed, person)
	if err != nil {
		return s.wrap(err, "start totp")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ECONFLICT, "An authenticator app is already set up.")
	}
	return tx.Commit()
}

// ConfirmTOTP marks the pending enrolment confirmed by a code of step, and
// replaces the person's recovery codes with the given hashes.
func (s *Store) ConfirmTOTP(ctx context.Context, person vigil.PersonID, step int64, recoveryHashes []string) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE persons SET totp_confirmed_at = ?, totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL AND totp_confirmed_at IS NULL",
		tx.now, step, person)
	if err != nil {
		return s.wrap(err, "confirm totp")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ECONFLICT, "There is no authenticator app set-up waiting to be confirmed.")
	}
	if err := replaceRecoveryCodes(ctx, tx, person, recoveryHashes); err != nil {
		return err
	}
	return tx.Commit()
}

// SetTOTP enrols a confirmed secret directly, as the demo does, with new
// recovery codes.
func (s *Store) SetTOTP(ctx context.Context, person vigil.PersonID, sealed []byte, recoveryHashes []string) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "UPDATE persons SET totp_secret = ?, totp_confirmed_at = ?, totp_last_step = 0 WHERE id = ?", sealed, tx.now, person); err != nil {
		return s.wrap(err, "set totp")
	}
	if err := replaceRecoveryCodes(ctx, tx, person, recoveryHashes); err != nil {
		return err
	}
	return tx.Commit()
}

// UseTOTPStep records that a code of step was used. It fails with
// EUNAUTHORIZED if that step or a later one was already used, so two
// requests racing with one code cannot both succeed.
func (s *Store) UseTOTPStep(ctx context.Context, person vigil.PersonID, step int64) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE persons SET totp_last_step = ? WHERE id = ? AND totp_last_step < ? AND totp_confirmed_at IS NOT NULL", step, person, step)
	if err != nil {
		return s.wrap(err, "use totp step")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "That code has already been used. Wait for the next one.")
	}
	return tx.Commit()
}

// UseRecoveryCode spends one unused recovery code. It reports false for an
// unknown or spent code.
func (s *Store) UseRecoveryCode(ctx context.Context, person vigil.PersonID, hash string) (bool, error) {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE recovery_codes SET used_at = ? WHERE person_id = ? AND code_hash = ? AND used_at IS NULL", tx.now, person, hash)
	if err != nil {
		return false, s.wrap(err, "use recovery code")
	}
	n, _ := res.RowsAffected()
	return n == 1, tx.Commit()
}

// CountRecoveryCodes returns how many unused recovery codes a person has.
func (s *Store) CountRecoveryCodes(ctx context.Context, person vigil.PersonID) (int, error) {
	tx, err := s.beginScoped(ctx, false, "", person)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, "SELECT count(*) FROM recovery_codes WHERE person_id = ? AND used_at IS NULL", person).Scan(&n); err != nil {
		return 0, s.wrap(err, "count recovery codes")
	}
	return n, tx.Commit()
}

// ResetSecondFactors removes a person's authenticator app, recovery codes
// and security keys and ends their sessions, for an administrator's "reset
// 2FA" after a lost phone or key.
func (s *Store) ResetSecondFactors(ctx context.Context, person vigil.PersonID) error {
	tx, err := s.beginScoped(ctx, true, "", person)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		"UPDATE persons SET totp_secret = NULL, totp_confirmed_at = NULL, totp_last_step = 0 WHERE id = ?",
		"DELETE FROM recovery_codes WHERE person_id = ?",
		"DELETE FROM webauthn_credentials WHERE person_id = ?",
		"DELETE FROM sessions WHERE person_id = ?",
	} {
		if _, err := tx.exec(ctx, q, person); err != nil {
			return s.wrap(err, "reset second factors")
		}
	}
	return tx.Commit()
}

func replaceRecoveryCodes(ctx context.Context, tx *Tx, person vigil.PersonID, hashes []string) error {
	if _, err := tx.exec(ctx, "DELETE FROM recovery_codes WHERE person_id = ?", person); err != nil {
		return wrapErr(tx.d, err, "delete recovery codes")
	}
	for _, h := range hashes {
		if _, err := tx.exec(ctx, "INSERT INTO recovery_codes (person_id, code_hash) VALUES (?, ?)", person, h); err != nil {
			return wrapErr(tx.d, err, "insert recovery code")
		}
	}
	return nil
}

// StepUpSession marks a session stepped up and gives it a new secret: the
// row's token hash changes from oldHash to newHash (ASVS 7.2.4).
func (s *Store) StepUpSession(ctx context.Context, oldHash, newHash string) error {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "UPDATE sessions SET token_hash = ?, stepped_up_at = ?, last_seen_at = ? WHERE token_hash = ?", newHash, tx.now, tx.now, oldHash)
	if err != nil {
		return s.wrap(err, "step up session")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Your session has ended. Please sign in again.")
	}
	return tx.Commit()
}
