package store

import (
	"context"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// The school's own view of its jobs, for its administrators. Unlike the
// operator's job methods these run scoped to the school in the context, so
// on PostgreSQL the jobs table's policy shows them nothing else.

// FindSchoolJobs lists the jobs of the school in the context in the given
// states (all when none), those needing attention first (failed, then
// running, then queued), newest first within each, at most limit (50 when
// 0, at most 1,000). It returns EINVALID for an unknown state.
func (s *Store) FindSchoolJobs(ctx context.Context, states []string, limit int) ([]*Job, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	where, args := "school_id = ?", []any{tx.school}
	if len(states) > 0 {
		for _, st := range states {
			if !validJobState(st) {
				return nil, vigil.FieldError("state", "Choose queued, running, failed, done or cancelled.")
			}
			args = append(args, st)
		}
		where += " AND state IN (" + placeholders(len(states)) + ")"
	}
	switch {
	case limit <= 0:
		limit = 50
	case limit > 1000:
		limit = 1000
	}
	rows, err := tx.query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE "+where+` ORDER BY
		CASE state WHEN 'failed' THEN 0 WHEN 'running' THEN 1 WHEN 'queued' THEN 2 ELSE 3 END, created_at DESC, id DESC LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, s.wrap(err, "find school jobs")
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, "find school jobs")
	}
	return jobs, tx.Commit()
}

// RetrySchoolJob queues a failed job of the school in the context to run
// now with all its attempts again, as RetryJob does for the operator.
// Another school's job, a job of no school and a missing one are
// ENOTFOUND alike; a job in another state is ECONFLICT.
func (s *Store) RetrySchoolJob(ctx context.Context, id string) (*Job, error) {
	if !vigil.ValidID(id) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	lock := ""
	if tx.d.name() == "postgres" {
		lock = " FOR UPDATE"
	}
	rows, err := tx.query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE school_id = ? AND id = ?"+lock, tx.school, id)
	if err != nil {
		return nil, s.wrap(err, "retry job")
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, "retry job")
	} else if len(jobs) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	j := jobs[0]
	if j.State != JobFailed {
		return nil, vigil.Errorf(vigil.ECONFLICT, "Only a failed job can be retried; this one is %s.", j.State)
	}
	_, err = tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, finished_at = NULL WHERE school_id = ? AND id = ?`,
		tx.now, tx.school, j.ID)
	if tx.d.classify(err) == errUnique {
		return nil, vigil.Errorf(vigil.ECONFLICT, "Another job with the same key is waiting; it will do this job's work.")
	} else if err != nil {
		return nil, s.wrap(err, "retry job")
	}
	j.State, j.Attempts, j.RunAt, j.FinishedAt = JobQueued, 0, tx.now, time.Time{}
	if s.JobEnqueued != nil {
		tx.afterCommit(s.JobEnqueued)
	}
	return j, tx.Commit()
}
