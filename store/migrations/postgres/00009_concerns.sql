-- Concerns, their pupils and categories, actions, notes, earlier versions,
-- documents, the blind search index, key events and notifications.
--
-- Free text is sealed (AES-256-GCM under the school's data key, bound to
-- school, table, row and field) before it reaches these tables: the
-- columns marked "sealed" hold ciphertext only. Dates, categories, pupil
-- links and statuses stay clear so that lists and reports work.

-- +goose Up
CREATE TABLE concerns (
    school_id   uuid NOT NULL REFERENCES schools (id),
    id          uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    location    bytea NOT NULL, -- sealed
    body        bytea NOT NULL, -- sealed
    agencies    bytea NOT NULL, -- sealed
    body_map    bytea NOT NULL, -- sealed JSON
    status      text NOT NULL CHECK (status IN ('open', 'closed')),
    outcome     bytea, -- sealed
    reported_by uuid NOT NULL,
    reported_at timestamptz NOT NULL,
    reviewed_by uuid,
    reviewed_at timestamptz,
    closed_by   uuid,
    closed_at   timestamptz,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX concerns_recent ON concerns (school_id, reported_at);
CREATE INDEX concerns_unreviewed ON concerns (school_id, reviewed_at, reported_at);

CREATE TABLE concern_pupils (
    school_id  uuid NOT NULL,
    concern_id uuid NOT NULL,
    pupil_id   uuid NOT NULL,
    part       text NOT NULL CHECK (part IN ('subject', 'victim', 'alleged_perpetrator', 'witness', 'involved')),
    position   integer NOT NULL,
    PRIMARY KEY (school_id, concern_id, pupil_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);
CREATE INDEX concern_pupils_pupil ON concern_pupils (school_id, pupil_id);

CREATE TABLE concern_categories (
    school_id   uuid NOT NULL,
    concern_id  uuid NOT NULL,
    pupil_id    uuid NOT NULL,
    category_id uuid NOT NULL,
    PRIMARY KEY (school_id, concern_id, pupil_id, category_id),
    FOREIGN KEY (school_id, concern_id, pupil_id) REFERENCES concern_pupils (school_id, concern_id, pupil_id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, category_id) REFERENCES categories (school_id, id)
);
CREATE INDEX concern_categories_category ON concern_categories (school_id, category_id);

CREATE TABLE concern_alerts (
    school_id  uuid NOT NULL,
    concern_id uuid NOT NULL,
    person_id  uuid NOT NULL,
    PRIMARY KEY (school_id, concern_id, person_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);

CREATE TABLE concern_notes (
    school_id  uuid NOT NULL,
    id         uuid NOT NULL,
    concern_id uuid NOT NULL,
    body       bytea NOT NULL, -- sealed
    added_by   uuid NOT NULL,
    added_at   timestamptz NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX concern_notes_concern ON concern_notes (school_id, concern_id);

CREATE TABLE action_types (
    school_id uuid NOT NULL REFERENCES schools (id),
    key       text NOT NULL,
    name      text NOT NULL,
    position  integer NOT NULL,
    active    boolean NOT NULL,
    PRIMARY KEY (school_id, key)
);

CREATE TABLE actions (
    school_id   uuid NOT NULL,
    id          uuid NOT NULL,
    concern_id  uuid NOT NULL,
    type        text NOT NULL,
    body        bytea NOT NULL, -- sealed
    taken_on    date NOT NULL,
    assigned_to uuid,
    due_on      date,
    done_at     timestamptz,
    done_by     uuid,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE,
    FOREIGN KEY (school_id, type) REFERENCES action_types (school_id, key)
);
CREATE INDEX actions_concern ON actions (school_id, concern_id);
CREATE INDEX actions_assigned ON actions (school_id, assigned_to, done_at);

CREATE TABLE revisions (
    school_id  uuid NOT NULL,
    id         uuid NOT NULL,
    concern_id uuid NOT NULL,
    object_id  uuid NOT NULL,
    field      text NOT NULL,
    old        bytea NOT NULL, -- sealed
    reason     bytea NOT NULL, -- sealed
    changed_by uuid NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX revisions_concern ON revisions (school_id, concern_id);

-- A document's bytes and name are in the blob store, encrypted under a key
-- of its own; that key is sealed here with the school's data key, so a
-- rotation re-seals the key and never rewrites the bytes.
CREATE TABLE documents (
    school_id    uuid NOT NULL,
    id           uuid NOT NULL,
    concern_id   uuid NOT NULL,
    action_id    uuid,
    doc_key      bytea NOT NULL, -- sealed
    name         bytea NOT NULL, -- sealed
    content_type text NOT NULL,
    size         bigint NOT NULL,
    uploaded_by  uuid NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    PRIMARY KEY (school_id, id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id)
);
CREATE INDEX documents_concern ON documents (school_id, concern_id);

-- The blind index: keyed, truncated HMACs of the words of each record
-- (source_id: the concern, a note or an action), never the words.
CREATE TABLE search_tokens (
    school_id  uuid NOT NULL,
    token      bytea NOT NULL,
    source_id  uuid NOT NULL,
    concern_id uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('concern', 'note', 'action')),
    PRIMARY KEY (school_id, token, source_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
CREATE INDEX search_tokens_source ON search_tokens (school_id, source_id);

CREATE TABLE key_events (
    school_id uuid NOT NULL,
    pupil_id  uuid NOT NULL,
    item_id   uuid NOT NULL,
    marked_by uuid NOT NULL,
    marked_at timestamptz NOT NULL,
    PRIMARY KEY (school_id, pupil_id, item_id),
    FOREIGN KEY (school_id, pupil_id) REFERENCES pupils (school_id, id)
);

CREATE TABLE notifications (
    school_id  uuid NOT NULL,
    id         uuid NOT NULL,
    person_id  uuid NOT NULL,
    kind       text NOT NULL,
    concern_id uuid,
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    PRIMARY KEY (school_id, id)
);
CREATE INDEX notifications_person ON notifications (school_id, person_id, read_at, created_at);

-- Each school's search key, wrapped by the master key like its data keys
-- but apart from them: rotating the data key does not rebuild the index.
CREATE TABLE school_search_keys (
    school_id  uuid NOT NULL REFERENCES schools (id),
    wrapped    bytea NOT NULL,
    wrapper_id text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (school_id)
);

-- Every existing school gets the usual kinds of action.
INSERT INTO action_types (school_id, key, name, position, active)
SELECT s.id, t.key, t.name, t.position, true FROM schools s CROSS JOIN (VALUES
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
) AS t(key, name, position);

ALTER TABLE concerns ENABLE ROW LEVEL SECURITY;
ALTER TABLE concerns FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON concerns
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE concern_pupils ENABLE ROW LEVEL SECURITY;
ALTER TABLE concern_pupils FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON concern_pupils
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE concern_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE concern_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON concern_categories
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE concern_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE concern_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON concern_alerts
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE concern_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE concern_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON concern_notes
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE action_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE action_types FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON action_types
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE actions FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON actions
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON revisions
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON documents
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE search_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE search_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON search_tokens
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE key_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE key_events FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON key_events
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON notifications
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);
ALTER TABLE school_search_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE school_search_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON school_search_keys
    USING (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (school_id = nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON concerns, concern_pupils, concern_categories, concern_alerts, concern_notes, action_types, actions, revisions, documents, search_tokens, key_events, notifications, school_search_keys TO vigil_app;

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
