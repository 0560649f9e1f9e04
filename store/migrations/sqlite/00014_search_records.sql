-- Referrals and communications join the blind index, so that a search
-- finds them by their words as it finds concerns, notes and actions.
--
-- A referral's or a communication's tokens name no concern (concern_id is
-- NULL): who may find one is decided from its own row when searching, as
-- it is when reading it, and a concern is never found by the words of a
-- referral or communication about it. Tokens of a concern, a note or an
-- action still name their concern.
--
-- SQLite cannot change a CHECK constraint or NOT NULL in place, so the
-- table is rebuilt with its rows copied across. Nothing refers to it.
-- Down removes the tokens of referrals and communications, which the old
-- table cannot hold.

-- +goose Up
CREATE TABLE search_tokens_new (
    school_id  TEXT NOT NULL,
    token      BLOB NOT NULL,
    source_id  TEXT NOT NULL,
    concern_id TEXT,
    kind       TEXT NOT NULL CHECK (kind IN ('concern', 'note', 'action', 'referral', 'communication')),
    PRIMARY KEY (school_id, token, source_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE,
    CHECK ((concern_id IS NULL) = (kind IN ('referral', 'communication')))
);
INSERT INTO search_tokens_new (school_id, token, source_id, concern_id, kind)
SELECT school_id, token, source_id, concern_id, kind FROM search_tokens;
DROP TABLE search_tokens;
ALTER TABLE search_tokens_new RENAME TO search_tokens;
CREATE INDEX search_tokens_source ON search_tokens (school_id, source_id);

-- +goose Down
CREATE TABLE search_tokens_old (
    school_id  TEXT NOT NULL,
    token      BLOB NOT NULL,
    source_id  TEXT NOT NULL,
    concern_id TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('concern', 'note', 'action')),
    PRIMARY KEY (school_id, token, source_id),
    FOREIGN KEY (school_id, concern_id) REFERENCES concerns (school_id, id) ON DELETE CASCADE
);
INSERT INTO search_tokens_old (school_id, token, source_id, concern_id, kind)
SELECT school_id, token, source_id, concern_id, kind FROM search_tokens WHERE kind IN ('concern', 'note', 'action');
DROP TABLE search_tokens;
ALTER TABLE search_tokens_old RENAME TO search_tokens;
CREATE INDEX search_tokens_source ON search_tokens (school_id, source_id);
