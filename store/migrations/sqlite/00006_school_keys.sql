-- The keyring: one data key per school and version, wrapped by the master
-- key (or, later, a KMS) named by wrapper_id. It is kept apart from the
-- records: nothing joins it, so it can be dumped, backed up and, later,
-- moved to its own file without touching them. A destroyed version keeps
-- its row (for status and the shredding ledger) with the wrapped key wiped.

-- +goose Up
CREATE TABLE school_keys (
    school_id    TEXT NOT NULL REFERENCES schools (id),
    version      INTEGER NOT NULL CHECK (version > 0),
    wrapped      BLOB NOT NULL,
    wrapper_id   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('active', 'retiring', 'destroyed')),
    created_at   TIMESTAMP NOT NULL,
    retired_at   TIMESTAMP,
    destroyed_at TIMESTAMP,
    PRIMARY KEY (school_id, version)
);

-- +goose Down
DROP TABLE school_keys;
