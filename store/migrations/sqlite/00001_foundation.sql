-- Foundation: trusts, schools, people, memberships, pupils, contacts,
-- categories and sessions. Every tenant table leads its primary key with
-- school_id, as the PostgreSQL schema does.

-- +goose Up
CREATE TABLE groups (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE schools (
    id              TEXT PRIMARY KEY,
    group_id        TEXT REFERENCES groups (id),
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    urn             TEXT NOT NULL DEFAULT '',
    local_authority TEXT NOT NULL DEFAULT '',
    phase           TEXT NOT NULL DEFAULT '',
    settings        TEXT NOT NULL DEFAULT '{}',
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE persons (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash   TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP
);
CREATE UNIQUE INDEX persons_email ON persons (lower(email));

CREATE TABLE memberships (
    school_id  TEXT NOT NULL REFERENCES schools (id),
    person_id  TEXT NOT NULL REFERENCES persons (id),
    role       TEXT NOT NULL,
    designated INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, person_id)
);
CREATE INDEX memberships_person ON memberships (person_id);

CREATE TABLE pupils (
    school_id          TEXT NOT NULL REFERENCES schools (id),
    id                 TEXT NOT NULL,
    mis_id             TEXT NOT NULL DEFAULT '',
    upn                TEXT NOT NULL DEFAULT '',
    legal_forename     TEXT NOT NULL,
    legal_surname      TEXT NOT NULL,
    preferred_forename TEXT NOT NULL DEFAULT '',
    preferred_surname  TEXT NOT NULL DEFAULT '',
    date_of_birth      DATE NOT NULL,
    sex                TEXT NOT NULL DEFAULT '',
    year_group         TEXT NOT NULL DEFAULT '',
    reg_group          TEXT NOT NULL DEFAULT '',
    on_roll            INTEGER NOT NULL DEFAULT 1,
    left_on            DATE,
    destination        TEXT NOT NULL DEFAULT '',
    cp_plan                 INTEGER NOT NULL DEFAULT 0,
    child_in_need           INTEGER NOT NULL DEFAULT 0,
    looked_after            INTEGER NOT NULL DEFAULT 0,
    previously_looked_after INTEGER NOT NULL DEFAULT 0,
    early_help              INTEGER NOT NULL DEFAULT 0,
    sen_support             INTEGER NOT NULL DEFAULT 0,
    ehcp                    INTEGER NOT NULL DEFAULT 0,
    fsm                     INTEGER NOT NULL DEFAULT 0,
    pupil_premium           INTEGER NOT NULL DEFAULT 0,
    eal                     INTEGER NOT NULL DEFAULT 0,
    young_carer             INTEGER NOT NULL DEFAULT 0,
    sort_name          TEXT NOT NULL,
    search_text        TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE UNIQUE INDEX pupils_mis_id ON pupils (school_id, mis_id) WHERE mis_id <> '';
CREATE INDEX pupils_upn ON pupils (school_id, upn) WHERE upn <> '';
CREATE INDEX pupils_list ON pupils (school_id, on_roll, sort_name);

CREATE TABLE pupil_contacts (
    school_id               TEXT NOT NULL,
    id                      TEXT NOT NULL,
    pupil_id                TEXT NOT NULL,
    name                    TEXT NOT NULL,
    relationship            TEXT NOT NULL DEFAULT '',
    parental_responsibility INTEGER NOT NULL DEFAULT 0,
    priority                INTEGER NOT NULL DEFAULT 1,
    phone                   TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id) ON DELETE CASCADE
);
CREATE INDEX pupil_contacts_pupil ON pupil_contacts (school_id, pupil_id, priority);

CREATE TABLE categories (
    school_id   TEXT NOT NULL REFERENCES schools (id),
    id          TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    subtypes    TEXT NOT NULL DEFAULT '',
    sensitivity TEXT NOT NULL CHECK (sensitivity IN ('low', 'medium', 'high', 'restricted')),
    alert       TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (school_id, id),
    UNIQUE (school_id, key)
);

-- Sessions belong to a person, not a school: current_school_id is the school
-- they chose. The cookie's secret is never stored, only its SHA-256.
CREATE TABLE sessions (
    token_hash        TEXT PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    person_id         TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    current_school_id TEXT REFERENCES schools (id),
    created_at        TIMESTAMP NOT NULL,
    last_seen_at      TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    stepped_up_at     TIMESTAMP,
    ip                TEXT NOT NULL DEFAULT '',
    user_agent        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

-- +goose Down
DROP TABLE sessions;
DROP TABLE categories;
DROP TABLE pupil_contacts;
DROP TABLE pupils;
DROP TABLE memberships;
DROP TABLE persons;
DROP TABLE schools;
DROP TABLE groups;
