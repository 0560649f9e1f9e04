-- Identity and access: second factors, per-category access, password
-- history, throttling, one-time tokens and audit events.

-- +goose Up
ALTER TABLE persons ADD COLUMN password_changed_at TIMESTAMP;
-- The TOTP secret is sealed (AES-256-GCM, bound to the person) before it
-- reaches the database. last_step stops a code being used twice.
ALTER TABLE persons ADD COLUMN totp_secret BLOB;
ALTER TABLE persons ADD COLUMN totp_confirmed_at TIMESTAMP;
ALTER TABLE persons ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (person_id, code_hash)
);

CREATE TABLE webauthn_credentials (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL, -- the library's credential record, JSON
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP
);
CREATE INDEX webauthn_credentials_person ON webauthn_credentials (person_id);

-- Capabilities beside category access: manage_staff, manage_settings,
-- run_reports; comma-separated.
ALTER TABLE memberships ADD COLUMN capabilities TEXT NOT NULL DEFAULT '';

CREATE TABLE category_access (
    school_id   TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    category_id TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('none', 'report', 'view_own', 'view_all', 'manage')),
    PRIMARY KEY (school_id, person_id, category_id),
    FOREIGN KEY (school_id, person_id) REFERENCES memberships (school_id, person_id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, category_id) REFERENCES categories (school_id, id) ON DELETE CASCADE
);

CREATE TABLE password_history (
    person_id  TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, created_at)
);

-- Failed sign-ins per account and per address, for growing delays and
-- lockout. key is "account:<sha-256 of the email>" or "ip:<address>".
CREATE TABLE throttles (
    key              TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL DEFAULT 0,
    last_failure_at  TIMESTAMP NOT NULL,
    locked_until     TIMESTAMP
);

-- Single-use links: password reset and invitation. Only the hash is kept.
CREATE TABLE person_tokens (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
    invite_school_id TEXT REFERENCES schools (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX person_tokens_person ON person_tokens (person_id);

-- Audit events, one sequence per school. Events that belong to no school
-- (a sign-in attempt for an unknown email) use the all-zero school id, the
-- service's own sequence. They hold ids, never record text.
CREATE TABLE audit_events (
    school_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    person_id   TEXT,
    session_id  TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    pupil_id    TEXT,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (school_id, seq),
    UNIQUE (school_id, id)
);
CREATE INDEX audit_events_person ON audit_events (school_id, person_id, seq);
CREATE INDEX audit_events_pupil ON audit_events (school_id, pupil_id, seq);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE person_tokens;
DROP TABLE throttles;
DROP TABLE password_history;
DROP TABLE category_access;
DROP TABLE webauthn_credentials;
DROP TABLE recovery_codes;
