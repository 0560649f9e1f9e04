-- Indexes for the audit pages: events of one kind (a range over the
-- action's group, e.g. every "auth." action) and events in a date range.
-- Events by person and by pupil have their indexes since 00002. SQLite
-- compares text byte by byte already, so the range needs nothing more.

-- +goose Up
CREATE INDEX audit_events_action ON audit_events (school_id, action, seq);
CREATE INDEX audit_events_at ON audit_events (school_id, at);

-- +goose Down
DROP INDEX audit_events_at;
DROP INDEX audit_events_action;
