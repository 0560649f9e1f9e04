-- Indexes for the audit pages: events of one kind (a range over the
-- action's group, e.g. every "auth." action) and events in a date range.
-- Events by person and by pupil have their indexes since 00002.
--
-- The store finds a group with action >= 'auth.' AND action < 'auth/'. Under
-- a linguistic collation (en_GB.UTF-8, say) punctuation is nearly ignored
-- and that range would be wrong, so action, an ASCII name the application
-- chooses, compares byte by byte whatever the database's collation. Only the
-- column's collation changes: the table is not rewritten, and the hash chain
-- (computed in Go) is untouched.

-- +goose Up
ALTER TABLE audit_events ALTER COLUMN action TYPE text COLLATE "C";
CREATE INDEX audit_events_action ON audit_events (school_id, action, seq);
CREATE INDEX audit_events_at ON audit_events (school_id, at);

-- +goose Down
DROP INDEX audit_events_at;
DROP INDEX audit_events_action;
ALTER TABLE audit_events ALTER COLUMN action TYPE text COLLATE "default";
