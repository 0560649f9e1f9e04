-- Durable background jobs: alert emails, reminders, periodic reviews. A job
-- is enqueued in the same transaction as the record that needs it, so it
-- vanishes if that rolls back, and a runner in any process claims it with a
-- lease (locked_by, locked_until) so a crashed runner's job is tried again
-- once the lease lapses.
--
-- jobs is not a tenant table: a runner claims the jobs of every school. A
-- job may carry the school it acts for (school_id, NULL for a job of no
-- school); its handler then runs as that school, under the usual policies.
-- Row-level security is still enabled and forced, with the memberships
-- pattern of a second setting: a transaction sees and writes the jobs of its
-- own school (with no school set: the jobs of no school), and only the
-- store's job methods, which set vigil.jobs = 'all' for their transaction,
-- see every job. payload holds IDs and content-free text, never a record's
-- plaintext.
--
-- unique_key is unique among unfinished jobs of a school (or of no school):
-- "one notice per overdue referral, not one per run". The primary key is a
-- random id and the global index covers school-less jobs only, so neither
-- unique check can tell one school anything about another's jobs.

-- +goose Up
CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    school_id    uuid REFERENCES schools (id),
    payload      text NOT NULL DEFAULT '{}',
    state        text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts > 0),
    run_at       timestamptz NOT NULL,
    locked_by    text,
    locked_until timestamptz,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    unique_key   text
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_school ON jobs (school_id, created_at);
CREATE UNIQUE INDEX jobs_unique_school ON jobs (school_id, unique_key)
    WHERE school_id IS NOT NULL AND unique_key IS NOT NULL AND state IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_unique_global ON jobs (unique_key)
    WHERE school_id IS NULL AND unique_key IS NOT NULL AND state IN ('queued', 'running');

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY school_isolation ON jobs
    USING (current_setting('vigil.jobs', true) = 'all'
        OR school_id IS NOT DISTINCT FROM nullif(current_setting('vigil.school_id', true), '')::uuid)
    WITH CHECK (current_setting('vigil.jobs', true) = 'all'
        OR school_id IS NOT DISTINCT FROM nullif(current_setting('vigil.school_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO vigil_app;

-- +goose Down
DROP TABLE jobs;
