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
    school_id   TEXT NOT NULL REFERENCES schools (id),
    id          TEXT NOT NULL,
    pupil_id    TEXT NOT NULL,
    concern_id  TEXT,
    with_kind   TEXT NOT NULL CHECK (with_kind IN ('parent', 'pupil', 'agency', 'school')),
    contact_id  TEXT,
    with_name   BLOB NOT NULL, -- sealed
    with_detail BLOB NOT NULL, -- sealed
    type        TEXT NOT NULL CHECK (type IN ('meeting', 'phone_call', 'letter', 'email', 'home_visit')),
    occurred_at TIMESTAMP NOT NULL,
    others      BLOB NOT NULL, -- sealed
    body        BLOB NOT NULL, -- sealed
    agreed      BLOB NOT NULL, -- sealed
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id)
);
CREATE INDEX communications_pupil ON communications (school_id, pupil_id, occurred_at);
CREATE INDEX communications_concern ON communications (school_id, concern_id);

CREATE TABLE communication_staff (
    school_id        TEXT NOT NULL,
    communication_id TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    position         INTEGER NOT NULL,
    PRIMARY KEY (school_id, communication_id, person_id),
    FOREIGN KEY (school_id, communication_id) REFERENCES communications (school_id, id) ON DELETE CASCADE
);

ALTER TABLE documents ADD COLUMN communication_id TEXT;
CREATE INDEX documents_communication ON documents (school_id, communication_id);

-- +goose Down
DROP INDEX documents_communication;
ALTER TABLE documents DROP COLUMN communication_id;
DROP TABLE communication_staff;
DROP TABLE communications;
