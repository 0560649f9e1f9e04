-- Communications about a pupil: meetings, phone calls, letters, emails and
-- home visits with a parent or carer, the pupil, another agency or another
-- school, each perhaps about one of the pupil's concerns.
--
-- Who it was with (a name and how to reach them), who else took part,
-- what was said and what was agreed are sealed before they reach this
-- table: those columns hold ciphertext only. The kind, the time, the
-- pupil, the concern and the staff who took part stay clear so that lists
-- and the chronology work.
--
-- contact_id names the pupil's contact it was with, but the name and
-- relationship are kept (sealed) as they were: the MIS sync may replace
-- contacts later, so there is no foreign key to pupil_contacts.
--
-- Attachments are documents of the linked concern (documents.concern_id
-- stays NOT NULL) that also name the communication they came with, so a
-- document is never visible more widely than its concern. A communication
-- linked to no concern has no attachments.

-- +goose Up
CREATE TABLE communications (
    school_id   uuid NOT NULL REFERENCES schools (id),
    id          uuid NOT NULL,
    pupil_id    uuid NOT NULL,
    concern_id  uuid,
    with_kind   text NOT NULL CHECK (with_kind IN ('parent', 'pupil', 'agency', 'school')),
    contact_id  uuid,
    with_name   bytea NOT NULL, -- sealed
    with_detail bytea NOT NULL, -- sealed
    type        text NOT NULL CHECK (type IN ('meeting', 'phone_call', 'letter', 'email', 'home_visit')),
    occurred_at timestamptz NOT NULL,
    others      bytea NOT NULL, -- sealed
    body        bytea NOT NULL, -- sealed
    agreed      bytea NOT NULL, -- sealed
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id)
);
CREATE INDEX communications_pupil ON communications (school_id, pupil_id, occurred_at);
CREATE INDEX communications_concern ON communications (school_id, concern_id);

CREATE TABLE communication_staff (
    school_id        uuid NOT NULL,
    communication_id uuid NOT NULL,
    person_id        uuid NOT NULL,
    position         integer NOT NULL,
    PRIMARY KEY (school_id, communication_id, person_id),
    FOREIGN KEY (school_id, communication_id) REFERENCES communications (school_id, id) ON DELETE CASCADE
);

ALTER TABLE documents ADD COLUMN communication_id uuid;
CREATE INDEX documents_communication ON documents (school_id, communication_id);

ALTER TABLE communications ENABLE ROW LEVEL SECURITY;
ALTER TABLE communications FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON communications
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE communication_staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE communication_staff FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON communication_staff
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON communications, communication_staff TO vigil_app;

-- +goose Down
DROP INDEX documents_communication;
ALTER TABLE documents DROP COLUMN communication_id;
DROP TABLE communication_staff;
DROP TABLE communications;
