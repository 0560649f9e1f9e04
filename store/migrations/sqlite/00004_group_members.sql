-- Trust-wide roles: a person's role in a group (a multi-academy trust),
-- which gives them that role in every school of the group where they have
-- no active membership of their own. Not a tenant table: no school_id.

-- +goose Up
CREATE TABLE group_members (
    group_id   TEXT NOT NULL REFERENCES groups (id),
    person_id  TEXT NOT NULL REFERENCES persons (id),
    role       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX group_members_person ON group_members (person_id);

-- +goose Down
DROP TABLE group_members;
