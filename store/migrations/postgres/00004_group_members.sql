-- Trust-wide roles: a person's role in a group (a multi-academy trust),
-- which gives them that role in every school of the group where they have
-- no active membership of their own.
--
-- Not a tenant table: it has no school_id, and like groups, schools and
-- persons it has no row-level security. The store reads it only to decide
-- a person's own schools and permissions; the records of each school stay
-- behind that school's policy.

-- +goose Up
CREATE TABLE group_members (
    group_id   uuid NOT NULL REFERENCES groups (id),
    person_id  uuid NOT NULL REFERENCES persons (id),
    role       text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX group_members_person ON group_members (person_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON group_members TO vigil_app;

-- +goose Down
DROP TABLE group_members;
