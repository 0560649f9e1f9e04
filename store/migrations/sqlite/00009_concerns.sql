-- Concerns, their pupils and categories, actions, notes, earlier versions,
-- documents, the blind search index, key events and notifications.
--
-- Free text is sealed (AES-256-GCM under the school's data key, bound to
-- school, table, row and field) before it reaches these tables: the
-- columns marked "sealed" hold ciphertext only. Dates, categories, pupil
-- links and statuses stay clear so that lists and reports work.

-- +goose Up
CREATE TABLE concerns (
    school_id   TEXT NOT NULL REFERENCES schools (id),
    id          TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    location    BLOB NOT NULL, -- sealed
    body        BLOB NOT NULL, -- sealed
    agencies    BLOB NOT NULL, -- sealed
    body_map    BLOB NOT NULL, -- sealed JSON
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    outcome     BLOB, -- sealed
    reported_by TEXT NOT NULL,
    reported_at TIMESTAMP NOT NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMP,
    closed_by   TEXT,
    closed_at   TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX concerns_recent ON concerns (school_id, reported_at);
CREATE INDEX concerns_unreviewed ON concerns (school_id, reviewed_at, reported_at);

CREATE TABLE concern_pupils (
    school_id  TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    pupil_id   TEXT NOT NULL,
    part       TEXT NOT NULL CHECK (part IN ('subject', 'victim', 'alleged_perpetrator', 'witness', 'involved')),
    position   INTEGER NOT NULL,
    PRIMARY KEY (school_id, concern_id, pupil_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX concern_pupils_pupil ON concern_pupils (school_id, pupil_id);

CREATE TABLE concern_categories (
    school_id   TEXT NOT NULL,
    concern_id  TEXT NOT NULL,
    pupil_id    TEXT NOT NULL,
    category_id TEXT NOT NULL,
    PRIMARY KEY (school_id, concern_id, pupil_id, category_id),
    FOREIGN KEY (school_id, concern_id, pupil_id) REFERENCES concern_pupils (school_id, concern_id, pupil_id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, category_id) REFERENCES categories (school_id, id)
);
CREATE INDEX concern_categories_category ON concern_categories (school_id, category_id);

CREATE TABLE concern_alerts (
    school_id  TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    PRIMARY KEY (school_id, concern_id, person_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);

CREATE TABLE concern_notes (
    school_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    body       BLOB NOT NULL, -- sealed
    added_by   TEXT NOT NULL,
    added_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX concern_notes_concern ON concern_notes (school_id, concern_id);

CREATE TABLE action_types (
    school_id TEXT NOT NULL REFERENCES schools (id),
    key       TEXT NOT NULL,
    name      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    active    INTEGER NOT NULL,
    PRIMARY KEY (school_id, key)
);

CREATE TABLE actions (
    school_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    concern_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    body        BLOB NOT NULL, -- sealed
    taken_on    DATE NOT NULL,
    assigned_to TEXT,
    due_on      DATE,
    done_at     TIMESTAMP,
    done_by     TEXT,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, type) REFERENCES action_types (school_id, key)
);
CREATE INDEX actions_concern ON actions (school_id, concern_id);
CREATE INDEX actions_assigned ON actions (school_id, assigned_to, done_at);

CREATE TABLE revisions (
    school_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    old        BLOB NOT NULL, -- sealed
    reason     BLOB NOT NULL, -- sealed
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX revisions_concern ON revisions (school_id, concern_id);

-- A document's bytes and name are in the blob store, encrypted under a key
-- of its own; that key is sealed here with the school's data key, so a
-- rotation re-seals the key and never rewrites the bytes.
CREATE TABLE documents (
    school_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    concern_id   TEXT NOT NULL,
    action_id    TEXT,
    doc_key      BLOB NOT NULL, -- sealed
    name         BLOB NOT NULL, -- sealed
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id)
);
CREATE INDEX documents_concern ON documents (school_id, concern_id);

-- The blind index: keyed, truncated HMACs of the words of each record
-- (source_id: the concern, a note or an action), never the words.
CREATE TABLE search_tokens (
    school_id  TEXT NOT NULL,
    token      BLOB NOT NULL,
    source_id  TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('concern', 'note', 'action')),
    PRIMARY KEY (school_id, token, source_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX search_tokens_source ON search_tokens (school_id, source_id);

CREATE TABLE key_events (
    school_id TEXT NOT NULL,
    pupil_id  TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, pupil_id, item_id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);

CREATE TABLE notifications (
    school_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    concern_id TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX notifications_person ON notifications (school_id, person_id, read_at, created_at);

-- Each school's search key, wrapped by the master key like its data keys
-- but apart from them: rotating the data key does not rebuild the index.
CREATE TABLE school_search_keys (
    school_id  TEXT NOT NULL REFERENCES schools (id),
    wrapped    BLOB NOT NULL,
    wrapper_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id)
);

-- Every existing school gets the usual kinds of action.
INSERT INTO action_types (school_id, key, name, position, active)
SELECT s.id, t.column1, t.column2, t.column3, 1 FROM schools s CROSS JOIN (VALUES
    ('discussed_dsl', 'Discussed with DSL', 1),
    ('spoke_pupil', 'Spoke to pupil', 2),
    ('spoke_parent', 'Spoke to parent or carer', 3),
    ('monitoring', 'Monitoring', 4),
    ('early_help', 'Early Help assessment', 5),
    ('referral_cs', 'Referral to children''s services', 6),
    ('referral_police', 'Referral to police', 7),
    ('referral_camhs', 'Referral to CAMHS or NHS', 8),
    ('lado', 'Consulted the LADO', 9),
    ('pastoral_support', 'Pastoral support', 10),
    ('meeting', 'Meeting held', 11),
    ('letter', 'Letter sent', 12),
    ('note', 'Note for the record', 13),
    ('no_further_action', 'No further action', 14)
) AS t;

-- +goose Down
DROP TABLE school_search_keys;
DROP TABLE notifications;
DROP TABLE key_events;
DROP TABLE search_tokens;
DROP TABLE documents;
DROP TABLE revisions;
DROP TABLE actions;
DROP TABLE action_types;
DROP TABLE concern_notes;
DROP TABLE concern_alerts;
DROP TABLE concern_categories;
DROP TABLE concern_pupils;
DROP TABLE concerns;
