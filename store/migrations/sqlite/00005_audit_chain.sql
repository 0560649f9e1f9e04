-- The audit chain: each event carries the hash of the one before it and its
-- own (hex SHA-256, package audit), and signed checkpoints of each chain's
-- head are kept here as well as in a file shipped off the host. Rows from
-- before this migration have empty hashes and fail `vigil audit verify`;
-- there was no production data then.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

CREATE TABLE audit_checkpoints (
    school_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    head      TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL, -- Ed25519, base64
    PRIMARY KEY (school_id, seq)
);

-- +goose Down
DROP TABLE audit_checkpoints;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
