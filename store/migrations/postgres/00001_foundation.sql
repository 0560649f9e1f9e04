-- Foundation: trusts, schools, people, memberships, pupils, contacts,
-- categories and sessions, with row-level security on every tenant table.
--
-- Tenant isolation has two walls. The first is the store: every query names
-- the school taken from the session. The second is here: each tenant table
-- has ROW LEVEL SECURITY, enabled and forced, with a policy on the
-- per-transaction setting vigil.school_id. The store runs every transaction
-- as the role vigil_app (SET LOCAL ROLE), which owns nothing, is not a
-- superuser and cannot bypass RLS, so even a connection made as the table
-- owner sees only the school it named. Unset, the setting reads '' and
-- nullif(...) makes it NULL: no rows, and no writes.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigil_app') THEN
        CREATE ROLE vigil_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another migration made it at the same moment
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO vigil_app', current_schema());
END
$$;
-- +goose StatementEnd

CREATE TABLE groups (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE schools (
    id              uuid PRIMARY KEY,
    group_id        uuid REFERENCES groups (id),
    slug            text NOT NULL UNIQUE,
    name            text NOT NULL,
    urn             text NOT NULL DEFAULT '',
    local_authority text NOT NULL DEFAULT '',
    phase           text NOT NULL DEFAULT '',
    settings        text NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL
);

CREATE TABLE persons (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    name            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    last_sign_in_at timestamptz
);
CREATE UNIQUE INDEX persons_email ON persons (lower(email));

CREATE TABLE memberships (
    school_id  uuid NOT NULL REFERENCES schools (id),
    person_id  uuid NOT NULL REFERENCES persons (id),
    role       text NOT NULL,
    designated boolean NOT NULL DEFAULT false,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, person_id)
);
CREATE INDEX memberships_person ON memberships (person_id);

CREATE TABLE pupils (
    school_id          uuid NOT NULL REFERENCES schools (id),
    id                 uuid NOT NULL,
    mis_id             text NOT NULL DEFAULT '',
    upn                text NOT NULL DEFAULT '',
    legal_forename     text NOT NULL,
    legal_surname      text NOT NULL,
    preferred_forename text NOT NULL DEFAULT '',
    preferred_surname  text NOT NULL DEFAULT '',
    date_of_birth      date NOT NULL,
    sex                text NOT NULL DEFAULT '',
    year_group         text NOT NULL DEFAULT '',
    reg_group          text NOT NULL DEFAULT '',
    on_roll            boolean NOT NULL DEFAULT true,
    left_on            date,
    destination        text NOT NULL DEFAULT '',
    cp_plan                 boolean NOT NULL DEFAULT false,
    child_in_need           boolean NOT NULL DEFAULT false,
    looked_after            boolean NOT NULL DEFAULT false,
    previously_looked_after boolean NOT NULL DEFAULT false,
    early_help              boolean NOT NULL DEFAULT false,
    sen_support             boolean NOT NULL DEFAULT false,
    ehcp                    boolean NOT NULL DEFAULT false,
    fsm                     boolean NOT NULL DEFAULT false,
    pupil_premium           boolean NOT NULL DEFAULT false,
    eal                     boolean NOT NULL DEFAULT false,
    young_carer             boolean NOT NULL DEFAULT false,
    sort_name          text COLLATE "C" NOT NULL,
    search_text        text NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE UNIQUE INDEX pupils_mis_id ON pupils (school_id, mis_id) WHERE mis_id <> '';
CREATE INDEX pupils_upn ON pupils (school_id, upn) WHERE upn <> '';
CREATE INDEX pupils_list ON pupils (school_id, on_roll, sort_name);

CREATE TABLE pupil_contacts (
    school_id               uuid NOT NULL,
    id                      uuid NOT NULL,
    pupil_id                uuid NOT NULL,
    name                    text NOT NULL,
    relationship            text NOT NULL DEFAULT '',
    parental_responsibility boolean NOT NULL DEFAULT false,
    priority                integer NOT NULL DEFAULT 1,
    phone                   text NOT NULL DEFAULT '',
    email                   text NOT NULL DEFAULT '',
    address                 text NOT NULL DEFAULT '',
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id) ON DELETE CASCADE
);
CREATE INDEX pupil_contacts_pupil ON pupil_contacts (school_id, pupil_id, priority);

CREATE TABLE categories (
    school_id   uuid NOT NULL REFERENCES schools (id),
    id          uuid NOT NULL,
    key         text NOT NULL,
    name        text NOT NULL,
    subtypes    text NOT NULL DEFAULT '',
    sensitivity text NOT NULL CHECK (sensitivity IN ('low', 'medium', 'high', 'restricted')),
    alert       text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    position    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (school_id, id),
    UNIQUE (school_id, key)
);

CREATE TABLE sessions (
    token_hash        text PRIMARY KEY,
    id                uuid NOT NULL UNIQUE,
    person_id         uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    current_school_id uuid REFERENCES schools (id),
    created_at        timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    stepped_up_at     timestamptz,
    ip                text NOT NULL DEFAULT '',
    user_agent        text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Row level security on every tenant table.
ALTER TABLE pupils ENABLE ROW LEVEL SECURITY;
ALTER TABLE pupils FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON pupils
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

ALTER TABLE pupil_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE pupil_contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON pupil_contacts
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

ALTER TABLE categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE categories FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON categories
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

-- A person signing in may read their own memberships in every school (to
-- choose one); writing still needs the school.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON memberships
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid
        OR person_id = nullif(current_setting('vigil.person_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON groups, schools, persons, memberships,
    pupils, pupil_contacts, categories, sessions TO vigil_app;
-- The app reads the schema version to refuse a database newer than itself.
GRANT SELECT ON goose_db_version TO vigil_app;

-- +goose Down
DROP TABLE sessions;
DROP TABLE categories;
DROP TABLE pupil_contacts;
DROP TABLE pupils;
DROP TABLE memberships;
DROP TABLE persons;
DROP TABLE schools;
DROP TABLE groups;
