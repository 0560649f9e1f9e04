-- Pupil data from the school's MIS: what a sync needs to match pupils and
-- keep their history, the school's staff as the MIS lists them, the school's
-- link to an MIS connector (Wonde), and the history of syncs.
--
-- pupils gains the connector's key (source_id), earlier UPNs and names
-- (kept so a pupil is matched and found by them), middle names, the date
-- they joined the roll and why they left: 'mis' when the MIS gave a leaving
-- date, 'absent' when they dropped out of a full roll (for a DSL or the
-- office to check). Nobody is ever deleted by a sync.
--
-- pupil_enrolments keeps a returning pupil's earlier time on roll (when
-- they joined and left, and why), since their record now holds the new one.
--
-- pupil_names keeps each earlier name with the date it was replaced, so a
-- name change keeps the chronology and the old name stays searchable.
--
-- mis_staff is the MIS's staff list, matched to Vigil accounts by work
-- email. A member of staff the MIS no longer lists is flagged (left_on) for
-- an admin to deactivate; a sync never deactivates anyone itself.
--
-- mis_links holds the school's connector: the Wonde school id and its
-- token, sealed with the school's key (table mis_links, row = school id,
-- field "token"); last_delta_from is where the next delta sync starts.
--
-- mis_syncs is the history of syncs and imports, with counts and the
-- problems found, by row and column only: never a value from the file.

-- +goose Up
ALTER TABLE pupils ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN former_upns TEXT NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN former_names TEXT NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN middle_names TEXT NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN admitted_on DATE;
ALTER TABLE pupils ADD COLUMN left_reason TEXT NOT NULL DEFAULT '' CHECK (left_reason IN ('', 'mis', 'absent', 'manual'));
CREATE INDEX pupils_source_id ON pupils (school_id, source_id) WHERE source_id <> '';

CREATE TABLE pupil_names (
    school_id          TEXT NOT NULL,
    pupil_id           TEXT NOT NULL,
    legal_forename     TEXT NOT NULL,
    legal_surname      TEXT NOT NULL,
    preferred_forename TEXT NOT NULL DEFAULT '',
    preferred_surname  TEXT NOT NULL DEFAULT '',
    replaced_at        TIMESTAMP NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX pupil_names_pupil ON pupil_names (school_id, pupil_id, replaced_at);

CREATE TABLE pupil_enrolments (
    school_id   TEXT NOT NULL,
    pupil_id    TEXT NOT NULL,
    admitted_on DATE,
    left_on     DATE NOT NULL,
    left_reason TEXT NOT NULL DEFAULT '',
    recorded_at TIMESTAMP NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX pupil_enrolments_pupil ON pupil_enrolments (school_id, pupil_id, left_on);

CREATE TABLE mis_staff (
    school_id  TEXT NOT NULL REFERENCES schools (id),
    id         TEXT NOT NULL,
    source_id  TEXT NOT NULL DEFAULT '',
    mis_id     TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    forename   TEXT NOT NULL DEFAULT '',
    surname    TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL,
    job_title  TEXT NOT NULL DEFAULT '',
    staff_code TEXT NOT NULL DEFAULT '',
    teaching   INTEGER,
    current    INTEGER NOT NULL DEFAULT 1,
    left_on    DATE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE UNIQUE INDEX mis_staff_email ON mis_staff (school_id, email);

CREATE TABLE mis_links (
    school_id       TEXT NOT NULL PRIMARY KEY REFERENCES schools (id),
    provider        TEXT NOT NULL CHECK (provider IN ('wonde')),
    remote_id       TEXT NOT NULL,
    token           BLOB NOT NULL,
    base_url        TEXT NOT NULL DEFAULT '',
    nightly         INTEGER NOT NULL DEFAULT 1,
    status          TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing', 'reauthorise')),
    status_message  TEXT NOT NULL DEFAULT '',
    last_delta_from TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT
);

CREATE TABLE mis_syncs (
    school_id        TEXT NOT NULL REFERENCES schools (id),
    id               TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('csv', 'ctf', 'wonde')),
    mode             TEXT NOT NULL CHECK (mode IN ('full', 'delta', 'partial')),
    dry_run          INTEGER NOT NULL DEFAULT 0,
    status           TEXT NOT NULL CHECK (status IN ('running', 'done', 'refused', 'failed')),
    started_by       TEXT,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    pupils_seen      INTEGER NOT NULL DEFAULT 0,
    pupils_added     INTEGER NOT NULL DEFAULT 0,
    pupils_changed   INTEGER NOT NULL DEFAULT 0,
    pupils_left      INTEGER NOT NULL DEFAULT 0,
    pupils_returned  INTEGER NOT NULL DEFAULT 0,
    contacts_changed INTEGER NOT NULL DEFAULT 0,
    staff_added      INTEGER NOT NULL DEFAULT 0,
    staff_changed    INTEGER NOT NULL DEFAULT 0,
    staff_left       INTEGER NOT NULL DEFAULT 0,
    problems         INTEGER NOT NULL DEFAULT 0,
    message          TEXT NOT NULL DEFAULT '',
    report           TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (school_id, id)
);
CREATE INDEX mis_syncs_recent ON mis_syncs (school_id, started_at);

-- +goose Down
DROP TABLE mis_syncs;
DROP TABLE mis_links;
DROP TABLE mis_staff;
DROP TABLE pupil_names;
DROP TABLE pupil_enrolments;
DROP INDEX pupils_source_id;
ALTER TABLE pupils DROP COLUMN left_reason;
ALTER TABLE pupils DROP COLUMN admitted_on;
ALTER TABLE pupils DROP COLUMN middle_names;
ALTER TABLE pupils DROP COLUMN former_names;
ALTER TABLE pupils DROP COLUMN former_upns;
ALTER TABLE pupils DROP COLUMN source_id;
