package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
)

// States of a job (jobs.state).
const (
	JobQueued    = "queued"    // waiting for its run_at, or for a retry
	JobRunning   = "running"   // claimed by a runner until locked_until
	JobDone      = "done"      // finished without error
	JobFailed    = "failed"    // gave up: out of attempts, or a permanent error
	JobCancelled = "cancelled" // withdrawn by an operator
)

// JobStates lists every state, in the order an operator reads them.
var JobStates = []string{JobQueued, JobRunning, JobFailed, JobDone, JobCancelled}

// Limits on a job.
const (
	DefaultJobAttempts = 10       // tries before a job is failed
	MaxJobAttempts     = 100      // the most a job may ask for
	MaxJobPayload      = 64 << 10 // bytes of JSON
	maxJobError        = 1000     // characters of last_error kept
)

// Job is one unit of background work. Payload is JSON holding IDs and
// content-free text, never a record's plaintext: it is stored as it is.
type Job struct {
	ID          string
	Kind        string         // names the handler, e.g. "email.send"
	SchoolID    vigil.SchoolID // the school the handler acts for; "" for none
	Payload     json.RawMessage
	State       string
	Attempts    int // tries started so far
	MaxAttempts int // 0 on enqueue means DefaultJobAttempts
	RunAt       time.Time
	LockedBy    string    // the runner holding it while running
	LockedUntil time.Time // when that runner's lease lapses
	LastError   string    // why the last try failed
	CreatedAt   time.Time
	FinishedAt  time.Time
	// UniqueKey, if set, makes the job unique among the unfinished (queued
	// or running) jobs of its school with the same key.
	UniqueKey string
}

// JobFilter chooses jobs for an operator's list. Zero fields mean any.
type JobFilter struct {
	State  string
	Kind   string
	School vigil.SchoolID // only this school's jobs
	Open   bool           // only jobs queued, running or failed: still to run, or needing someone
	Limit  int            // 0 means 50; at most 1,000
}

const jobColumns = `id, kind, school_id, payload, state, attempts, max_attempts, run_at, locked_by, locked_until,
	last_error, created_at, finished_at, unique_key`

// EnqueueJob saves j to run at j.RunAt (now, if zero) for the school of the
// actor in ctx, or for no school without one. It joins a transaction opened
// with RunInTx, so the job is saved if and only if that commits. When an
// unfinished job of the same school has j.UniqueKey, nothing is saved and
// EnqueueJob reports false with j.ID empty. Otherwise it fills in j's ID,
// state and times. It returns
// EINVALID for a malformed job and EFORBIDDEN for a j.SchoolID other than
// the actor's.
func (s *Store) EnqueueJob(ctx context.Context, j *Job) (bool, error) {
	return s.enqueueJob(ctx, j, false)
}

// EnqueueJobOnce is EnqueueJob for a job that must run once ever for its
// unique key, as a periodic job runs once per period: it saves nothing when
// any job of the same school and key exists, finished or not, unless it was
// cancelled. j.UniqueKey is required.
func (s *Store) EnqueueJobOnce(ctx context.Context, j *Job) (bool, error) {
	if j.UniqueKey == "" {
		return false, vigil.FieldError("unique_key", "A job run once needs a unique key.")
	}
	return s.enqueueJob(ctx, j, true)
}

func (s *Store) enqueueJob(ctx context.Context, j *Job, once bool) (bool, error) {
	if err := validateJob(j); err != nil {
		return false, err
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	switch {
	case j.SchoolID == "":
		j.SchoolID = tx.school
	case j.SchoolID != tx.school:
		return false, vigil.Errorf(vigil.EFORBIDDEN, "A job can be enqueued only for the school you act in.")
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = DefaultJobAttempts
	}
	if len(j.Payload) == 0 {
		j.Payload = json.RawMessage("{}")
	}
	if j.RunAt.IsZero() {
		j.RunAt = tx.now
	}
	j.ID, j.State, j.Attempts, j.CreatedAt = vigil.NewID(), JobQueued, 0, tx.now
	j.RunAt = j.RunAt.UTC()
	j.LockedBy, j.LockedUntil, j.LastError, j.FinishedAt = "", time.Time{}, "", time.Time{}

	if j.UniqueKey != "" {
		states := "state IN ('queued', 'running')"
		if once {
			states = "state <> 'cancelled'"
			// Serialise enqueuers of this key until commit, so the check
			// below sees a job another process enqueued and has already
			// finished. SQLite's single writer serialises them already.
			if tx.d.name() == "postgres" {
				if _, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 8))", string(j.SchoolID)+"/"+j.UniqueKey); err != nil {
					return false, s.wrap(err, "lock job key")
				}
			}
		}
		var id string
		err := tx.queryRow(ctx, "SELECT id FROM jobs WHERE school_id IS NOT DISTINCT FROM ? AND unique_key = ? AND "+states+" LIMIT 1",
			nullString(string(j.SchoolID)), j.UniqueKey).Scan(&id)
		switch {
		case err == nil:
			j.ID = ""
			return false, tx.Commit()
		case !errors.Is(err, sql.ErrNoRows):
			return false, s.wrap(err, "find job by key")
		}
	}
	// ON CONFLICT: an unfinished job with the key committed after the check
	// above (the unique indexes make this one wait for it).
	var id string
	err = tx.queryRow(ctx, `INSERT INTO jobs (id, kind, school_id, payload, state, attempts, max_attempts, run_at, created_at, unique_key)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		j.ID, j.Kind, nullString(string(j.SchoolID)), string(j.Payload), JobQueued, j.MaxAttempts, j.RunAt, j.CreatedAt,
		nullString(j.UniqueKey)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		j.ID = ""
		return false, tx.Commit()
	} else if err != nil {
		return false, s.wrap(err, "enqueue job")
	}
	if s.JobEnqueued != nil {
		tx.afterCommit(s.JobEnqueued)
	}
	return true, tx.Commit()
}

// validateJob checks what the caller sets on a new job.
func validateJob(j *Job) error {
	p := vigil.Problems{}
	if !validJobKind(j.Kind) {
		p.Add("kind", "A job kind is 1 to 100 lowercase letters, digits and . _ : -")
	}
	if len(j.Payload) > MaxJobPayload {
		p.Add("payload", "A job's payload is at most 64 KiB.")
	} else if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		p.Add("payload", "A job's payload must be JSON.")
	}
	if j.MaxAttempts < 0 || j.MaxAttempts > MaxJobAttempts {
		p.Add("max_attempts", "A job may be tried 1 to 100 times.")
	}
	if len(j.UniqueKey) > 200 || !utf8.ValidString(j.UniqueKey) {
		p.Add("unique_key", "A job's unique key is at most 200 bytes of text.")
	}
	return p.Err()
}

func validJobKind(k string) bool {
	if k == "" || len(k) > 100 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			return false
		}
	}
	return true
}

// beginJobs starts a transaction that sees the jobs of every school: the
// runner's and the operator's. On PostgreSQL it sets vigil.jobs = 'all',
// which the jobs table's policy (and no other) honours.
func (s *Store) beginJobs(ctx context.Context, write bool) (*Tx, error) {
	tx, err := s.beginScoped(ctx, write, "", "")
	if err != nil {
		return nil, err
	}
	if tx.d.name() == "postgres" {
		if _, err := tx.exec(ctx, "SELECT set_config('vigil.jobs', 'all', true)"); err != nil {
			tx.Rollback()
			return nil, s.wrap(err, "scope jobs transaction")
		}
	}
	return tx, nil
}

// ClaimJobs marks up to n jobs of the given kinds as running for runner and
// returns them: those queued and due, and those whose runner's lease lapsed
// (it stopped or crashed). Each claim counts an attempt and holds the job
// for lease. A lapsed job that has used all its attempts is failed instead.
// On PostgreSQL, SKIP LOCKED lets several runners claim at once without
// taking the same job; on SQLite the single writer does.
func (s *Store) ClaimJobs(ctx context.Context, runner string, kinds []string, n int, lease time.Duration) ([]*Job, error) {
	if n <= 0 || len(kinds) == 0 {
		return nil, nil
	}
	if runner == "" || lease <= 0 {
		return nil, vigil.Errorf(vigil.EINVALID, "A claim needs a runner and a lease.")
	}
	tx, err := s.beginJobs(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	in := "kind IN (?" + strings.Repeat(", ?", len(kinds)-1) + ")"
	kindArgs := make([]any, len(kinds))
	for i, k := range kinds {
		kindArgs[i] = k
	}
	_, err = tx.exec(ctx, `UPDATE jobs SET state = 'failed', finished_at = ?, locked_by = NULL, locked_until = NULL,
			last_error = 'stopped before it finished its last attempt (lease expired)'
		WHERE state = 'running' AND locked_until < ? AND attempts >= max_attempts AND `+in,
		append([]any{tx.now, tx.now}, kindArgs...)...)
	if err != nil {
		return nil, s.wrap(err, "fail lapsed jobs")
	}
	lock := ""
	if tx.d.name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	args := append([]any{runner, tx.now.Add(lease), tx.now, tx.now}, kindArgs...)
	args = append(args, n)
	rows, err := tx.query(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?
		WHERE id IN (SELECT id FROM jobs
			WHERE ((state = 'queued' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)) AND `+in+`
			ORDER BY run_at, id LIMIT ?`+lock+`)
		RETURNING `+jobColumns, args...)
	if err != nil {
		return nil, s.wrap(err, "claim jobs")
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, "claim jobs")
	}
	return jobs, tx.Commit()
}

// errLeaseLost answers a runner that reports on a job it no longer holds.
func errLeaseLost() error {
	return vigil.Errorf(vigil.ECONFLICT, "The job's lease lapsed and it was claimed again.")
}

// CompleteJob records that the claim j (from ClaimJobs) finished. It
// returns ECONFLICT if the claim's lease lapsed and the job was claimed
// again or withdrawn since, so a late runner never overwrites a newer one.
func (s *Store) CompleteJob(ctx context.Context, j *Job) error {
	tx, err := s.beginJobs(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE jobs SET state = 'done', finished_at = ?, locked_by = NULL, locked_until = NULL
		WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`, tx.now, j.ID, j.LockedBy, j.Attempts)
	if err != nil {
		return s.wrap(err, "complete job")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLeaseLost()
	}
	j.State, j.FinishedAt, j.LockedBy, j.LockedUntil = JobDone, tx.now, "", time.Time{}
	return tx.Commit()
}

// JobBackoff is how long a job waits after its attempt'th failed try:
// 30 seconds doubling with each try up to an hour, less a random part of
// up to half, so jobs that failed together do not return together.
func JobBackoff(attempt int) time.Duration {
	const base, ceiling = 30 * time.Second, time.Hour
	d := ceiling
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 8 { // 30s << 7 = 64 minutes: past the ceiling
		d = min(base<<(attempt-1), ceiling)
	}
	return (d/2 + rand.N(d/2+1)).Truncate(time.Millisecond)
}

// FailJob records that the claim j failed with reason, which must hold no
// record content. The job is queued again after JobBackoff, or failed for
// good when permanent or out of attempts. It updates j and returns ECONFLICT
// as CompleteJob does.
func (s *Store) FailJob(ctx context.Context, j *Job, reason string, permanent bool) error {
	reason = clip(strings.ToValidUTF8(reason, "?"), maxJobError)
	if reason == "" {
		reason = "failed"
	}
	tx, err := s.beginJobs(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	state, runAt, finished := JobQueued, tx.now.Add(JobBackoff(j.Attempts)), sql.NullTime{}
	if permanent || j.Attempts >= j.MaxAttempts {
		state, runAt, finished = JobFailed, j.RunAt, sql.NullTime{Time: tx.now, Valid: true}
	}
	res, err := tx.exec(ctx, `UPDATE jobs SET state = ?, run_at = ?, finished_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL
		WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`,
		state, runAt.UTC(), finished, reason, j.ID, j.LockedBy, j.Attempts)
	if err != nil {
		return s.wrap(err, "fail job")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLeaseLost()
	}
	j.State, j.RunAt, j.FinishedAt, j.LastError, j.LockedBy, j.LockedUntil = state, runAt.UTC(), finished.Time, reason, "", time.Time{}
	return tx.Commit()
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// FindJob returns the job with id, of any school, or ENOTFOUND. It is for
// the operator: it does not check who is asking.
func (s *Store) FindJob(ctx context.Context, id string) (*Job, error) {
	if !vigil.ValidID(id) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	tx, err := s.beginJobs(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id)
	if err != nil {
		return nil, s.wrap(err, "find job")
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, "find job")
	} else if len(jobs) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	return jobs[0], tx.Commit()
}

// FindJobs lists the jobs of every school that f chooses, newest first. It
// is for the operator. It returns EINVALID for an unknown state.
func (s *Store) FindJobs(ctx context.Context, f JobFilter) ([]*Job, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.State != "" {
		if !validJobState(f.State) {
			return nil, vigil.FieldError("state", "Choose queued, running, failed, done or cancelled.")
		}
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.School != "" {
		where, args = append(where, "school_id = ?"), append(args, f.School)
	}
	if f.Open {
		where = append(where, "state IN ('queued', 'running', 'failed')")
	}
	switch {
	case f.Limit <= 0:
		f.Limit = 50
	case f.Limit > 1000:
		f.Limit = 1000
	}
	tx, err := s.beginJobs(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE "+strings.Join(where, " AND ")+
		" ORDER BY created_at DESC, id DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, s.wrap(err, "find jobs")
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, "find jobs")
	}
	return jobs, tx.Commit()
}

func validJobState(state string) bool {
	for _, st := range JobStates {
		if st == state {
			return true
		}
	}
	return false
}

// CountJobs returns how many jobs of every school are in each state; every
// state is present, zero if none.
func (s *Store) CountJobs(ctx context.Context) (map[string]int, error) {
	tx, err := s.beginJobs(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT state, count(*) FROM jobs GROUP BY state")
	if err != nil {
		return nil, s.wrap(err, "count jobs")
	}
	defer rows.Close()
	out := map[string]int{}
	for _, st := range JobStates {
		out[st] = 0
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, s.wrap(err, "count jobs")
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(err, "count jobs")
	}
	return out, tx.Commit()
}

// RetryJob queues a failed or cancelled job to run now with all its
// attempts again. It returns ENOTFOUND for an unknown id and ECONFLICT for
// a job in another state or when an unfinished job has its unique key.
func (s *Store) RetryJob(ctx context.Context, id string) (*Job, error) {
	return s.changeJob(ctx, id, "retry job", func(tx *Tx, j *Job) error {
		if j.State != JobFailed && j.State != JobCancelled {
			return vigil.Errorf(vigil.ECONFLICT, "Only a failed or cancelled job can be retried; this one is %s.", j.State)
		}
		_, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, finished_at = NULL WHERE id = ?`, tx.now, j.ID)
		if tx.d.classify(err) == errUnique {
			return vigil.Errorf(vigil.ECONFLICT, "Another job with the same key is waiting; it will do this job's work.")
		} else if err != nil {
			return err
		}
		j.State, j.Attempts, j.RunAt, j.FinishedAt = JobQueued, 0, tx.now, time.Time{}
		return nil
	})
}

// CancelJob withdraws a queued job, or dismisses a failed one, so it never
// runs. It returns ENOTFOUND for an unknown id and ECONFLICT for a job that
// is running or finished.
func (s *Store) CancelJob(ctx context.Context, id string) (*Job, error) {
	return s.changeJob(ctx, id, "cancel job", func(tx *Tx, j *Job) error {
		if j.State != JobQueued && j.State != JobFailed {
			return vigil.Errorf(vigil.ECONFLICT, "Only a queued or failed job can be cancelled; this one is %s.", j.State)
		}
		if _, err := tx.exec(ctx, `UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ?`, tx.now, j.ID); err != nil {
			return err
		}
		j.State, j.FinishedAt = JobCancelled, tx.now
		return nil
	})
}

// changeJob reads the job with id in a write transaction and lets fn change
// it.
func (s *Store) changeJob(ctx context.Context, id, action string, fn func(tx *Tx, j *Job) error) (*Job, error) {
	if !vigil.ValidID(id) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	tx, err := s.beginJobs(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	lock := ""
	if tx.d.name() == "postgres" {
		lock = " FOR UPDATE"
	}
	rows, err := tx.query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?"+lock, id)
	if err != nil {
		return nil, s.wrap(err, action)
	}
	jobs, err := scanJobs(rows)
	if err != nil {
		return nil, s.wrap(err, action)
	} else if len(jobs) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Job not found.")
	}
	if err := fn(tx, jobs[0]); err != nil {
		return nil, s.wrap(err, action)
	}
	if jobs[0].State == JobQueued && s.JobEnqueued != nil {
		tx.afterCommit(s.JobEnqueued)
	}
	return jobs[0], tx.Commit()
}

// DeleteFinishedJobs removes done and cancelled jobs that finished before
// before, with their payloads. Failed jobs stay until an operator retries or
// cancels them.
func (s *Store) DeleteFinishedJobs(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.beginJobs(ctx, true)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, "DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND finished_at < ?", before.UTC())
	if err != nil {
		return 0, s.wrap(err, "delete finished jobs")
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

func scanJobs(rows *sql.Rows) ([]*Job, error) {
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		var j Job
		var school, lockedBy, key sql.NullString
		var payload string
		var lockedUntil, finished sql.NullTime
		if err := rows.Scan(&j.ID, &j.Kind, &school, &payload, &j.State, &j.Attempts, &j.MaxAttempts, &j.RunAt,
			&lockedBy, &lockedUntil, &j.LastError, &j.CreatedAt, &finished, &key); err != nil {
			return nil, fmt.Errorf("scan job: %w", err)
		}
		j.SchoolID, j.Payload, j.LockedBy, j.UniqueKey = vigil.SchoolID(school.String), json.RawMessage(payload), lockedBy.String, key.String
		j.RunAt, j.CreatedAt = j.RunAt.UTC(), j.CreatedAt.UTC()
		if lockedUntil.Valid {
			j.LockedUntil = lockedUntil.Time.UTC()
		}
		if finished.Valid {
			j.FinishedAt = finished.Time.UTC()
		}
		out = append(out, &j)
	}
	return out, rows.Err()
}
