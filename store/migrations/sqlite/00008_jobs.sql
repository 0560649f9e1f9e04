-- Durable background jobs: alert emails, reminders, periodic reviews. A job
-- is enqueued in the same transaction as the record that needs it, so it
-- vanishes if that rolls back, and a runner claims it with a lease
-- (locked_by, locked_until) so a crashed runner's job is tried again once
-- the lease lapses. SQLite's single writer makes each claim atomic.
--
-- jobs is not a tenant table: a runner claims the jobs of every school. A
-- job may carry the school it acts for (school_id, NULL for a job of no
-- school); its handler then runs as that school. payload holds IDs and
-- content-free text, never a record's plaintext.
--
-- unique_key is unique among unfinished jobs of a school (or of no school):
-- "one notice per overdue referral, not one per run".

-- +goose Up
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    school_id    TEXT REFERENCES schools (id),
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at       TIMESTAMP NOT NULL,
    locked_by    TEXT,
    locked_until TIMESTAMP,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    unique_key   TEXT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_school ON jobs (school_id, created_at);
CREATE UNIQUE INDEX jobs_unique_school ON jobs (school_id, unique_key)
    WHERE school_id IS NOT NULL AND unique_key IS NOT NULL AND state IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_unique_global ON jobs (unique_key)
    WHERE school_id IS NULL AND unique_key IS NOT NULL AND state IN ('queued', 'running');

-- +goose Down
DROP TABLE jobs;
