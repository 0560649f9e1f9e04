-- Identity and access: second factors, per-category access, password
-- history, throttling, one-time tokens and audit events.

-- +goose Up
ALTER TABLE persons ADD COLUMN password_changed_at timestamptz;
-- The TOTP secret is sealed (AES-256-GCM, bound to the person) before it
-- reaches the database. last_step stops a code being used twice.
ALTER TABLE persons ADD COLUMN totp_secret bytea;
ALTER TABLE persons ADD COLUMN totp_confirmed_at timestamptz;
ALTER TABLE persons ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    person_id uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (person_id, code_hash)
);

CREATE TABLE webauthn_credentials (
    id            uuid PRIMARY KEY,
    person_id     uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE,
    name          text NOT NULL,
    credential    text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX webauthn_credentials_person ON webauthn_credentials (person_id);

ALTER TABLE memberships ADD COLUMN capabilities text NOT NULL DEFAULT '';

CREATE TABLE category_access (
    school_id   uuid NOT NULL,
    person_id   uuid NOT NULL,
    category_id uuid NOT NULL,
    level       text NOT NULL CHECK (level IN ('none', 'report', 'view_own', 'view_all', 'manage')),
    PRIMARY KEY (school_id, person_id, category_id),
    FOREIGN KEY (school_id, person_id) REFERENCES memberships (school_id, person_id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, category_id) REFERENCES categories (school_id, id) ON DELETE CASCADE
);

CREATE TABLE password_history (
    person_id  uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    hash       text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (person_id, created_at)
);

CREATE TABLE throttles (
    key             text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    last_failure_at timestamptz NOT NULL,
    locked_until    timestamptz
);

CREATE TABLE person_tokens (
    token_hash text PRIMARY KEY,
    person_id  uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('reset', 'invite')),
    invite_school_id uuid REFERENCES schools (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX person_tokens_person ON person_tokens (person_id);

CREATE TABLE audit_events (
    school_id   uuid NOT NULL,
    seq         bigint NOT NULL,
    id          uuid NOT NULL,
    at          timestamptz NOT NULL,
    person_id   uuid,
    session_id  uuid,
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    pupil_id    uuid,
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '{}',
    PRIMARY KEY (school_id, seq),
    UNIQUE (school_id, id)
);
CREATE INDEX audit_events_person ON audit_events (school_id, person_id, seq);
CREATE INDEX audit_events_pupil ON audit_events (school_id, pupil_id, seq);

ALTER TABLE category_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE category_access FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON category_access
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON audit_events
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON recovery_codes, webauthn_credentials, category_access,
    password_history, throttles, person_tokens TO vigil_app;
-- The audit trail is append-only for the application.
GRANT SELECT, INSERT ON audit_events TO vigil_app;

-- +goose Down
DROP TABLE audit_events;
DROP TABLE person_tokens;
DROP TABLE throttles;
DROP TABLE password_history;
DROP TABLE category_access;
DROP TABLE webauthn_credentials;
DROP TABLE recovery_codes;
ALTER TABLE memberships DROP COLUMN capabilities;
ALTER TABLE persons DROP COLUMN totp_last_step;
ALTER TABLE persons DROP COLUMN totp_confirmed_at;
ALTER TABLE persons DROP COLUMN totp_secret;
ALTER TABLE persons DROP COLUMN password_changed_at;
