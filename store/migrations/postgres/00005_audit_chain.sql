-- The audit chain: each event carries the hash of the one before it and its
-- own (hex SHA-256, package audit), and signed checkpoints of each chain's
-- head are kept here as well as in a file shipped off the host. Rows from
-- before this migration have empty hashes and fail `vigil audit verify`;
-- there was no production data then.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN prev_hash text NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash text NOT NULL DEFAULT '';

CREATE TABLE audit_checkpoints (
    school_id uuid NOT NULL,
    seq       bigint NOT NULL,
    head      text NOT NULL,
    signed_at timestamptz NOT NULL,
    key_id    text NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (school_id, seq)
);

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON audit_checkpoints
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

-- Append-only for the application, like the events.
GRANT SELECT, INSERT ON audit_checkpoints TO vigil_app;

-- +goose Down
DROP TABLE audit_checkpoints;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
