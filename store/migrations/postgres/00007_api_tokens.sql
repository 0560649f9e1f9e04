-- API tokens: bearer credentials for the JSON API (vigil token create).
-- Each acts as one person in one school. The secret is never stored: only
-- its SHA-256, like session cookies. Tokens are revoked, never deleted, so
-- the audit trail's references to them stay meaningful.
--
-- A tenant table like the others: row-level security, enabled and forced.
-- A request arrives with a token and no school, so the policy also shows a
-- row to a transaction that names the row's token hash
-- (vigil.api_token_hash): only someone holding the secret can name it.
-- The hash index is not unique: unique checks ignore row-level security,
-- and 256 random bits do not collide.

-- +goose Up
CREATE TABLE api_tokens (
    school_id    uuid NOT NULL REFERENCES schools (id),
    id           uuid NOT NULL,
    person_id    uuid NOT NULL REFERENCES persons (id),
    name         text NOT NULL DEFAULT '',
    token_hash   text NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   uuid REFERENCES persons (id), -- NULL: the operator's command line
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_person ON api_tokens (school_id, person_id);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON api_tokens
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid
        OR token_hash = nullif(current_setting('vigil.api_token_hash', true), ''))
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

-- Revoked, never deleted.
GRANT SELECT, INSERT, UPDATE ON api_tokens TO vigil_app;

-- +goose Down
DROP TABLE api_tokens;
