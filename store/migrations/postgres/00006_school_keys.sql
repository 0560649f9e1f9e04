-- The keyring: one data key per school and version, wrapped by the master
-- key (or, later, a KMS) named by wrapper_id. It is kept apart from the
-- records: nothing joins it, so it can be dumped, backed up and, later,
-- moved to its own schema without touching them. A destroyed version keeps
-- its row (for status and the shredding ledger) with the wrapped key wiped.
--
-- A tenant table like the others: row-level security, enabled and forced.

-- +goose Up
CREATE TABLE school_keys (
    school_id    uuid NOT NULL REFERENCES schools (id),
    version      integer NOT NULL CHECK (version > 0),
    wrapped      bytea NOT NULL,
    wrapper_id   text NOT NULL,
    state        text NOT NULL CHECK (state IN ('active', 'retiring', 'destroyed')),
    created_at   timestamptz NOT NULL,
    retired_at   timestamptz,
    destroyed_at timestamptz,
    PRIMARY KEY (school_id, version)
);

ALTER TABLE school_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE school_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON school_keys
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE ON school_keys TO vigil_app;

-- +goose Down
DROP TABLE school_keys;
