-- API tokens: bearer credentials for the JSON API (vigil token create).
-- Each acts as one person in one school. The secret is never stored: only
-- its SHA-256, like session cookies. Tokens are revoked, never deleted, so
-- the audit trail's references to them stay meaningful.

-- +goose Up
CREATE TABLE api_tokens (
    school_id    TEXT NOT NULL REFERENCES schools (id),
    id           TEXT NOT NULL,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT REFERENCES persons (id), -- NULL: the operator's command line
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_person ON api_tokens (school_id, person_id);

-- +goose Down
DROP TABLE api_tokens;
