-- Security keys and passkeys: the state of a WebAuthn ceremony between its
-- begin and finish requests, kept with the session that started it so any
-- serve process can finish it. It is single-use and short-lived.

-- +goose Up
ALTER TABLE sessions ADD COLUMN webauthn_state TEXT;
ALTER TABLE sessions ADD COLUMN webauthn_state_expires_at TIMESTAMP;

-- +goose Down
ALTER TABLE sessions DROP COLUMN webauthn_state_expires_at;
ALTER TABLE sessions DROP COLUMN webauthn_state;
