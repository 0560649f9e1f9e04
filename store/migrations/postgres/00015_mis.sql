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
ALTER TABLE pupils ADD COLUMN source_id text NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN former_upns text NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN former_names text NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN middle_names text NOT NULL DEFAULT '';
ALTER TABLE pupils ADD COLUMN admitted_on date;
ALTER TABLE pupils ADD COLUMN left_reason text NOT NULL DEFAULT '' CHECK (left_reason IN ('', 'mis', 'absent', 'manual'));
CREATE INDEX pupils_source_id ON pupils (school_id, source_id) WHERE source_id <> '';

CREATE TABLE pupil_names (
    school_id          uuid NOT NULL,
    pupil_id           uuid NOT NULL,
    legal_forename     text NOT NULL,
    legal_surname      text NOT NULL,
    preferred_forename text NOT NULL DEFAULT '',
    preferred_surname  text NOT NULL DEFAULT '',
    replaced_at        timestamptz NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX pupil_names_pupil ON pupil_names (school_id, pupil_id, replaced_at);

CREATE TABLE pupil_enrolments (
    school_id   uuid NOT NULL,
    pupil_id    uuid NOT NULL,
    admitted_on date,
    left_on     date NOT NULL,
    left_reason text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX pupil_enrolments_pupil ON pupil_enrolments (school_id, pupil_id, left_on);

CREATE TABLE mis_staff (
    school_id  uuid NOT NULL REFERENCES schools (id),
    id         uuid NOT NULL,
    source_id  text NOT NULL DEFAULT '',
    mis_id     text NOT NULL DEFAULT '',
    title      text NOT NULL DEFAULT '',
    forename   text NOT NULL DEFAULT '',
    surname    text NOT NULL DEFAULT '',
    email      text NOT NULL,
    job_title  text NOT NULL DEFAULT '',
    staff_code text NOT NULL DEFAULT '',
    teaching   boolean,
    current    boolean NOT NULL DEFAULT true,
    left_on    date,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE UNIQUE INDEX mis_staff_email ON mis_staff (school_id, email);

CREATE TABLE mis_links (
    school_id       uuid NOT NULL PRIMARY KEY REFERENCES schools (id),
    provider        text NOT NULL CHECK (provider IN ('wonde')),
    remote_id       text NOT NULL,
    token           bytea NOT NULL,
    base_url        text NOT NULL DEFAULT '',
    nightly         boolean NOT NULL DEFAULT true,
    status          text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failing', 'reauthorise')),
    status_message  text NOT NULL DEFAULT '',
    last_delta_from timestamptz,
    updated_at      timestamptz NOT NULL,
    updated_by      uuid
);

CREATE TABLE mis_syncs (
    school_id        uuid NOT NULL REFERENCES schools (id),
    id               uuid NOT NULL,
    source           text NOT NULL CHECK (source IN ('csv', 'ctf', 'wonde')),
    mode             text NOT NULL CHECK (mode IN ('full', 'delta', 'partial')),
    dry_run          boolean NOT NULL DEFAULT false,
    status           text NOT NULL CHECK (status IN ('running', 'done', 'refused', 'failed')),
    started_by       uuid,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    pupils_seen      integer NOT NULL DEFAULT 0,
    pupils_added     integer NOT NULL DEFAULT 0,
    pupils_changed   integer NOT NULL DEFAULT 0,
    pupils_left      integer NOT NULL DEFAULT 0,
    pupils_returned  integer NOT NULL DEFAULT 0,
    contacts_changed integer NOT NULL DEFAULT 0,
    staff_added      integer NOT NULL DEFAULT 0,
    staff_changed    integer NOT NULL DEFAULT 0,
    staff_left       integer NOT NULL DEFAULT 0,
    problems         integer NOT NULL DEFAULT 0,
    message          text NOT NULL DEFAULT '',
    report           text NOT NULL DEFAULT '{}',
    PRIMARY KEY (school_id, id)
);
CREATE INDEX mis_syncs_recent ON mis_syncs (school_id, started_at);

ALTER TABLE pupil_names ENABLE ROW LEVEL SECURITY;
ALTER TABLE pupil_names FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON pupil_names
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE pupil_enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE pupil_enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON pupil_enrolments
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE mis_staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE mis_staff FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON mis_staff
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE mis_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE mis_links FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON mis_links
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE mis_syncs ENABLE ROW LEVEL SECURITY;
ALTER TABLE mis_syncs FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON mis_syncs
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON mis_staff, mis_links TO vigil_app;
-- Earlier names and the sync history are kept: the application may add to
-- them (and finish a sync's row), never delete.
GRANT SELECT, INSERT ON pupil_names, pupil_enrolments TO vigil_app;
GRANT SELECT, INSERT, UPDATE ON mis_syncs TO vigil_app;

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
