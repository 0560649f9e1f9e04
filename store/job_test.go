package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// jobClock is a clock tests move by hand; the store reads it through Now.
type jobClock struct {
	mu sync.Mutex
	t  time.Time
}

func newJobClock(s *store.Store) *jobClock {
	c := &jobClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	s.Now = c.Now
	return c
}

func (c *jobClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *jobClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *jobClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func mustEnqueue(t *testing.T, s *store.Store, ctx context.Context, j *store.Job) *store.Job {
	t.Helper()
	ok, err := s.EnqueueJob(ctx, j)
	if err != nil || !ok {
		t.Fatalf("enqueue %s: %v, %v", j.Kind, ok, err)
	}
	return j
}

func mustClaim(t *testing.T, s *store.Store, runner string, n int, kinds ...string) []*store.Job {
	t.Helper()
	jobs, err := s.ClaimJobs(context.Background(), runner, kinds, n, 5*time.Minute)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	return jobs
}

func mustCount(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	n, err := s.CountJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueJobJoinsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		var nudges atomic.Int32
		s.JobEnqueued = func() { nudges.Add(1) }
		amara := f.Oak.Pupils["amara"]

		// Rolled back with the record that needed it: no job, no nudge.
		boom := errors.New("boom")
		err := s.RunInTx(f.Oak.Ctx, func(ctx context.Context) error {
			amara.YearGroup = "4"
			if err := s.UpdatePupil(ctx, amara); err != nil {
				return err
			}
			if _, err := s.EnqueueJob(ctx, &store.Job{Kind: "test.alert", Payload: json.RawMessage(`{"pupil":"` + string(amara.ID) + `"}`)}); err != nil {
				return err
			}
			if nudges.Load() != 0 {
				t.Error("nudged before the transaction committed")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("RunInTx: %v", err)
		}
		if n := mustCount(t, s); n[store.JobQueued] != 0 {
			t.Fatalf("after rollback: %v jobs; want none", n)
		}
		if nudges.Load() != 0 {
			t.Errorf("nudged %d times for a rolled-back job", nudges.Load())
		}

		// Committed: one job, for the actor's school, and one nudge.
		j := &store.Job{Kind: "test.alert", Payload: json.RawMessage(`{"pupil":"` + string(amara.ID) + `"}`)}
		err = s.RunInTx(f.Oak.Ctx, func(ctx context.Context) error {
			if err := s.UpdatePupil(ctx, amara); err != nil {
				return err
			}
			_, err := s.EnqueueJob(ctx, j)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if nudges.Load() != 1 {
			t.Errorf("nudged %d times; want 1", nudges.Load())
		}
		got, err := s.FindJob(context.Background(), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.SchoolID != f.Oak.ID || got.State != store.JobQueued || got.MaxAttempts != store.DefaultJobAttempts || string(got.Payload) != string(j.Payload) {
			t.Errorf("saved job %+v", got)
		}

		// A job of no school, from no actor; and none for another school.
		g := mustEnqueue(t, s, context.Background(), &store.Job{Kind: "test.global"})
		if g.SchoolID != "" {
			t.Errorf("global job has school %q", g.SchoolID)
		}
		_, err = s.EnqueueJob(f.Oak.Ctx, &store.Job{Kind: "test.alert", SchoolID: f.Elm.ID})
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("enqueue for another school: %v; want EFORBIDDEN", err)
		}
		for _, bad := range []*store.Job{
			{Kind: ""}, {Kind: "Email Send"}, {Kind: "x", Payload: json.RawMessage("{nope")}, {Kind: "x", MaxAttempts: -1},
		} {
			if _, err := s.EnqueueJob(f.Oak.Ctx, bad); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("enqueue %+v: %v; want EINVALID", bad, err)
			}
		}
	})
}

func TestEnqueueJobUniqueKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		newJ := func() *store.Job { return &store.Job{Kind: "test.overdue", UniqueKey: "referral:1"} }
		first := mustEnqueue(t, s, f.Oak.Ctx, newJ())
		dup := newJ()
		if ok, err := s.EnqueueJob(f.Oak.Ctx, dup); ok || err != nil || dup.ID != "" {
			t.Errorf("second unfinished job with the key: %v, %v, id %q; want skipped", ok, err, dup.ID)
		}
		// Keys are per school: Elm's job with the same key is its own.
		mustEnqueue(t, s, f.Elm.Ctx, newJ())
		mustEnqueue(t, s, context.Background(), newJ())

		// Still unique while running; once done, a new one may be queued.
		claimed := mustClaim(t, s, "r1", 10, "test.overdue")
		if len(claimed) != 3 {
			t.Fatalf("claimed %d; want 3", len(claimed))
		}
		if ok, _ := s.EnqueueJob(f.Oak.Ctx, newJ()); ok {
			t.Error("enqueued beside a running job with the key")
		}
		for _, j := range claimed {
			if err := s.CompleteJob(context.Background(), j); err != nil {
				t.Fatal(err)
			}
		}
		// EnqueueJobOnce also counts the finished job.
		if ok, err := s.EnqueueJobOnce(f.Oak.Ctx, newJ()); ok || err != nil {
			t.Errorf("EnqueueJobOnce after the key's job finished: %v, %v; want skipped", ok, err)
		}
		again := mustEnqueue(t, s, f.Oak.Ctx, newJ())
		if again.ID == first.ID {
			t.Error("same id")
		}
		if _, err := s.EnqueueJobOnce(f.Oak.Ctx, &store.Job{Kind: "test.once"}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("EnqueueJobOnce without a key: %v", err)
		}
	})
}

func TestClaimJobsLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		clock := newJobClock(s)
		later := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.a", RunAt: clock.Now().Add(time.Hour)})
		a := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.a"})
		mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.b"})

		got := mustClaim(t, s, "r1", 10, "test.a")
		if len(got) != 1 || got[0].ID != a.ID {
			t.Fatalf("claimed %+v; want only the due job of the kind asked for", got)
		}
		c1 := got[0]
		if c1.State != store.JobRunning || c1.Attempts != 1 || c1.LockedBy != "r1" || !c1.LockedUntil.Equal(clock.Now().Add(5*time.Minute)) {
			t.Errorf("claim %+v", c1)
		}
		if again := mustClaim(t, s, "r2", 10, "test.a"); len(again) != 0 {
			t.Fatalf("claimed a leased job again: %+v", again)
		}

		// r1 stops without a word; once its lease lapses r2 takes the job.
		clock.Add(5*time.Minute + time.Second)
		got = mustClaim(t, s, "r2", 10, "test.a")
		if len(got) != 1 || got[0].ID != a.ID || got[0].Attempts != 2 || got[0].LockedBy != "r2" {
			t.Fatalf("after the lease: %+v", got)
		}
		c2 := got[0]
		// r1's late report must not overwrite r2's claim.
		if err := s.CompleteJob(context.Background(), c1); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("complete with a lapsed lease: %v; want ECONFLICT", err)
		}
		if err := s.FailJob(context.Background(), c1, "late", false); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("fail with a lapsed lease: %v; want ECONFLICT", err)
		}
		if err := s.CompleteJob(context.Background(), c2); err != nil {
			t.Fatal(err)
		}
		done, _ := s.FindJob(context.Background(), a.ID)
		if done.State != store.JobDone || !done.FinishedAt.Equal(clock.Now()) || done.LockedBy != "" {
			t.Errorf("done job %+v", done)
		}

		// A job that lapses on its last attempt fails instead of running again.
		clock.Add(time.Hour)
		got = mustClaim(t, s, "r1", 10, "test.a")
		if len(got) != 1 || got[0].ID != later.ID {
			t.Fatalf("claimed %+v; want the later job", got)
		}
		last := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.a", MaxAttempts: 1})
		if got = mustClaim(t, s, "r1", 10, "test.a"); len(got) != 1 || got[0].ID != last.ID {
			t.Fatalf("claimed %+v", got)
		}
		clock.Add(time.Hour)
		got = mustClaim(t, s, "r2", 10, "test.a")
		if len(got) != 1 || got[0].ID != later.ID {
			t.Fatalf("after lapse claimed %+v; want only the job with attempts left", got)
		}
		gone, _ := s.FindJob(context.Background(), last.ID)
		if gone.State != store.JobFailed || gone.LastError == "" {
			t.Errorf("lapsed last attempt: %+v; want failed with a reason", gone)
		}
	})
}

func TestFailJobBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		clock := newJobClock(s)
		const tries = 10
		j := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.flaky", MaxAttempts: tries})
		var prev, prevFull time.Duration
		for i := 1; i <= tries; i++ {
			got := mustClaim(t, s, "r1", 1, "test.flaky")
			if len(got) != 1 || got[0].Attempts != i {
				t.Fatalf("try %d: claimed %+v", i, got)
			}
			if err := s.FailJob(context.Background(), got[0], "smtp: server replied 451", false); err != nil {
				t.Fatal(err)
			}
			saved, err := s.FindJob(context.Background(), j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if i == tries {
				if saved.State != store.JobFailed || saved.LastError != "smtp: server replied 451" || saved.FinishedAt.IsZero() {
					t.Errorf("after the last try: %+v; want failed with its reason", saved)
				}
				break
			}
			delay := saved.RunAt.Sub(clock.Now())
			full := min(30*time.Second<<(i-1), time.Hour)
			if saved.State != store.JobQueued || delay < full/2 || delay > full {
				t.Errorf("try %d: %s, retry in %v; want queued, in [%v, %v]", i, saved.State, delay, full/2, full)
			}
			// Each range starts where the one before ended, until the cap.
			if full/2 >= prevFull && delay < prev {
				t.Errorf("try %d: backoff shrank from %v to %v", i, prev, delay)
			}
			prev, prevFull = delay, full
			// Not due a moment before its time; due at it.
			clock.Add(delay - time.Second)
			if early := mustClaim(t, s, "r1", 1, "test.flaky"); len(early) != 0 {
				t.Fatalf("try %d: claimed before its backoff ended", i)
			}
			clock.Add(time.Second)
		}
		if prev < 30*time.Minute {
			t.Errorf("backoff reached only %v; want it to grow to the cap", prev)
		}

		// A permanent failure ends the job at once.
		p := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.flaky"})
		got := mustClaim(t, s, "r1", 1, "test.flaky")
		if len(got) != 1 || got[0].ID != p.ID {
			t.Fatalf("claimed %+v", got)
		}
		if err := s.FailJob(context.Background(), got[0], "rejected", true); err != nil {
			t.Fatal(err)
		}
		if saved, _ := s.FindJob(context.Background(), p.ID); saved.State != store.JobFailed || saved.Attempts != 1 {
			t.Errorf("permanent failure: %+v", saved)
		}
	})
}

func TestJobBackoffBounds(t *testing.T) {
	for attempt := -1; attempt <= 40; attempt++ {
		full := time.Hour
		if a := max(attempt, 1); a <= 8 {
			full = min(30*time.Second<<(a-1), time.Hour)
		}
		for range 50 {
			if d := store.JobBackoff(attempt); d < full/2 || d > full {
				t.Fatalf("JobBackoff(%d) = %v; want in [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestJobOperator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := context.Background()
		q := mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.op"})
		r := mustEnqueue(t, s, f.Elm.Ctx, &store.Job{Kind: "test.op", MaxAttempts: 1, UniqueKey: "k"})
		run := mustClaim(t, s, "r1", 1, "test.op")
		if len(run) != 1 || run[0].ID != q.ID {
			t.Fatalf("claimed %+v", run)
		}
		failing := mustClaim(t, s, "r1", 1, "test.op")[0]
		if err := s.FailJob(ctx, failing, "gave up", false); err != nil {
			t.Fatal(err)
		}
		c := mustEnqueue(t, s, ctx, &store.Job{Kind: "test.op"})

		n := mustCount(t, s)
		if n[store.JobQueued] != 1 || n[store.JobRunning] != 1 || n[store.JobFailed] != 1 || n[store.JobDone] != 0 || n[store.JobCancelled] != 0 {
			t.Errorf("counts %v", n)
		}
		list, err := s.FindJobs(ctx, store.JobFilter{State: store.JobFailed})
		if err != nil || len(list) != 1 || list[0].ID != r.ID || list[0].LastError != "gave up" || list[0].SchoolID != f.Elm.ID {
			t.Errorf("failed jobs: %+v, %v", list, err)
		}
		if all, _ := s.FindJobs(ctx, store.JobFilter{}); len(all) != 3 || all[0].ID != c.ID {
			t.Errorf("all jobs newest first: %d", len(all))
		}
		if lim, _ := s.FindJobs(ctx, store.JobFilter{Limit: 2}); len(lim) != 2 {
			t.Errorf("limit 2 gave %d", len(lim))
		}
		if _, err := s.FindJobs(ctx, store.JobFilter{State: "lost"}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("unknown state: %v", err)
		}

		// Cancel: queued yes, running no; retry: failed and cancelled only.
		if _, err := s.CancelJob(ctx, q.ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("cancel running: %v; want ECONFLICT", err)
		}
		if j, err := s.CancelJob(ctx, c.ID); err != nil || j.State != store.JobCancelled {
			t.Errorf("cancel queued: %+v, %v", j, err)
		}
		if got := mustClaim(t, s, "r1", 10, "test.op"); len(got) != 0 {
			t.Errorf("claimed a cancelled job")
		}
		if _, err := s.RetryJob(ctx, q.ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("retry running: %v; want ECONFLICT", err)
		}
		// Another job took the failed one's key meanwhile: retry refused.
		blocker := mustEnqueue(t, s, f.Elm.Ctx, &store.Job{Kind: "test.op", UniqueKey: "k"})
		if _, err := s.RetryJob(ctx, r.ID); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("retry beside an unfinished job with its key: %v; want ECONFLICT", err)
		}
		if _, err := s.CancelJob(ctx, blocker.ID); err != nil {
			t.Fatal(err)
		}
		j, err := s.RetryJob(ctx, r.ID)
		if err != nil || j.State != store.JobQueued || j.Attempts != 0 {
			t.Fatalf("retry failed: %+v, %v", j, err)
		}
		if got := mustClaim(t, s, "r1", 10, "test.op"); len(got) != 1 || got[0].ID != r.ID || got[0].Attempts != 1 {
			t.Errorf("claim after retry: %+v", got)
		}
		for _, id := range []string{"nope", vigil.NewID()} {
			if _, err := s.RetryJob(ctx, id); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("retry %q: %v", id, err)
			}
			if _, err := s.FindJob(ctx, id); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("find %q: %v", id, err)
			}
		}

		// Finished jobs are removed after their time; failed ones stay.
		if n, err := s.DeleteFinishedJobs(ctx, s.Now().Add(time.Minute)); err != nil || n != 2 {
			t.Errorf("deleted %d, %v; want the two cancelled", n, err)
		}
	})
}

// TestJobsRowLevelSecurity checks the second wall on PostgreSQL: a
// transaction sees only its own school's jobs (none for no school but the
// school-less ones), and only vigil.jobs = 'all' sees every job.
func TestJobsRowLevelSecurity(t *testing.T) {
	s, db := openRLS(t)
	f := storetest.Seed(t, s)
	mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.rls"})
	mustEnqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.rls"})
	mustEnqueue(t, s, f.Elm.Ctx, &store.Job{Kind: "test.rls"})
	mustEnqueue(t, s, context.Background(), &store.Job{Kind: "test.rls"})
	for _, tc := range []struct {
		name   string
		school vigil.SchoolID
		want   int
	}{{"oak", f.Oak.ID, 2}, {"elm", f.Elm.ID, 1}, {"no school", "", 1}} {
		asApp(t, db, tc.school, func(tx *sql.Tx) {
			if n := count(t, tx, "SELECT count(*) FROM jobs"); n != tc.want {
				t.Errorf("%s sees %d jobs; want %d", tc.name, n, tc.want)
			}
			if n := count(t, tx, "SELECT count(*) FROM jobs WHERE school_id = $1", f.Elm.ID); tc.school == f.Oak.ID && n != 0 {
				t.Errorf("oak sees %d of elm's jobs", n)
			}
		})
	}
	asApp(t, db, f.Oak.ID, func(tx *sql.Tx) {
		if n := affected(t, tx, "UPDATE jobs SET state = 'cancelled' WHERE school_id = $1", f.Elm.ID); n != 0 {
			t.Errorf("oak cancelled %d of elm's jobs", n)
		}
		_, err := tx.Exec(`INSERT INTO jobs (id, kind, school_id, state, max_attempts, run_at, created_at)
			VALUES ($1, 'test.rls', $2, 'queued', 1, now(), now())`, vigil.NewID(), f.Elm.ID)
		wantRLSViolation(t, "oak inserting elm's job", err)
	})
	asApp(t, db, "", func(tx *sql.Tx) {
		if _, err := tx.Exec("SELECT set_config('vigil.jobs', 'all', true)"); err != nil {
			t.Fatal(err)
		}
		if n := count(t, tx, "SELECT count(*) FROM jobs"); n != 4 {
			t.Errorf("the runner sees %d jobs; want 4", n)
		}
	})
}
