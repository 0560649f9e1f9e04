package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/London for the DailyAt test, wherever it runs

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// patience bounds every wait for the runners' goroutines. It is generous:
// a passing test never comes near it.
const patience = 30 * time.Second

// clock is a clock tests move by hand, shared by a store and its runners.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(s *store.Store) *clock {
	c := &clock{t: time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC)}
	s.Now = c.Now
	return c
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestRunner returns a runner that polls often and logs nowhere.
func newTestRunner(s *store.Store, c *clock) *Runner {
	r := NewRunner(s, slog.New(slog.DiscardHandler))
	r.Poll, r.Workers = 10*time.Millisecond, 4
	if c != nil {
		r.Now = c.Now
	}
	return r
}

// start runs r until the returned stop is called (or the test ends) and
// checks Run's result.
func start(t *testing.T, r *Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(patience):
				t.Errorf("runner did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor waits until cond holds, checking every few milliseconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

func findJob(t *testing.T, s *store.Store, id string) *store.Job {
	t.Helper()
	j, err := s.FindJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func countJobs(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	n, err := s.CountJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func enqueue(t *testing.T, s *store.Store, ctx context.Context, j *store.Job) *store.Job {
	t.Helper()
	if ok, err := s.EnqueueJob(ctx, j); err != nil || !ok {
		t.Fatalf("enqueue: %v, %v", ok, err)
	}
	return j
}

func TestJobRunsOnceWithTwoRunners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		const n = 120
		var mu sync.Mutex
		runs := map[string]int{}
		var wrongActor []string
		all := make(chan struct{})
		handler := func(ctx context.Context, j *Job) error {
			a := vigil.ActorFrom(ctx)
			mu.Lock()
			defer mu.Unlock()
			if j.SchoolID != "" && (a == nil || a.SchoolID != j.SchoolID || !a.System) || j.SchoolID == "" && a != nil {
				wrongActor = append(wrongActor, j.ID)
			}
			runs[j.ID]++
			if len(runs) == n {
				close(all)
			}
			return nil
		}
		a, b := newTestRunner(s, nil), newTestRunner(s, nil)
		a.Register("test.count", handler)
		b.Register("test.count", handler)
		s.JobEnqueued = func() { a.Notify(); b.Notify() }
		stopA, stopB := start(t, a), start(t, b)

		// Enqueue while both run, for both schools and for none.
		ids := map[string]bool{}
		for i := range n {
			ctx := []context.Context{f.Oak.Ctx, f.Elm.Ctx, context.Background()}[i%3]
			ids[enqueue(t, s, ctx, &store.Job{Kind: "test.count"}).ID] = true
		}
		receive(t, "every job to run", all)
		stopA()
		stopB()

		mu.Lock()
		defer mu.Unlock()
		for id, k := range runs {
			if k != 1 || !ids[id] {
				t.Errorf("job %s ran %d times (enqueued: %v)", id, k, ids[id])
			}
		}
		if len(wrongActor) > 0 {
			t.Errorf("jobs run without their school's system actor: %q", wrongActor)
		}
		if c := countJobs(t, s); c[store.JobDone] != n || c[store.JobQueued]+c[store.JobRunning]+c[store.JobFailed] != 0 {
			t.Errorf("counts %v; want %d done", c, n)
		}
	})
}

func TestFailingJobIsFailedWithItsReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		c := newClock(s)
		calls := make(chan int, 10)
		r := newTestRunner(s, c)
		r.Register("test.flaky", func(ctx context.Context, j *Job) error {
			calls <- j.Attempts
			return errors.New("mail server away (451)")
		})
		j := enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.flaky", MaxAttempts: 3})
		start(t, r)
		for try := 1; try <= 3; try++ {
			if got := receive(t, "a try", calls); got != try {
				t.Fatalf("try %d ran as attempt %d", try, got)
			}
			waitFor(t, "the try to be recorded", func() bool { return findJob(t, s, j.ID).State != store.JobRunning })
			saved := findJob(t, s, j.ID)
			if try < 3 {
				if saved.State != store.JobQueued || !saved.RunAt.After(c.Now()) {
					t.Fatalf("after try %d: %+v; want queued for later", try, saved)
				}
				c.Add(2 * time.Hour) // past the longest backoff
				r.Notify()
				continue
			}
			if saved.State != store.JobFailed || saved.LastError != "mail server away (451)" || saved.Attempts != 3 {
				t.Errorf("after the last try: %+v; want failed with its reason", saved)
			}
		}
		c.Add(2 * time.Hour)
		if again, err := s.ClaimJobs(context.Background(), "other", []string{"test.flaky"}, 10, time.Minute); err != nil || len(again) != 0 {
			t.Errorf("a failed job was claimable: %v, %v", again, err)
		}
		list, err := s.FindJobs(context.Background(), store.JobFilter{State: store.JobFailed})
		if err != nil || len(list) != 1 || list[0].ID != j.ID {
			t.Errorf("operator's list of failed jobs: %v, %v", list, err)
		}
	})
}

func TestStoppedRunnerLosesNoJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		c := newClock(s)
		// Runner a takes three jobs and hangs in them, ignoring its
		// context, as a process that froze or died would.
		release := make(chan struct{})
		started := make(chan string, 10)
		a := newTestRunner(s, c)
		a.Workers, a.Lease, a.Grace = 3, time.Minute, 20*time.Millisecond
		a.Register("test.slow", func(ctx context.Context, j *Job) error {
			started <- j.ID
			<-release
			return nil
		})
		const n = 5
		ids := map[string]bool{}
		for range n {
			ids[enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.slow"}).ID] = true
		}
		stopA := start(t, a)
		held := map[string]bool{}
		for range 3 {
			held[receive(t, "runner a to start a job", started)] = true
		}
		stopA() // returns after the grace period with three handlers stuck

		var mu sync.Mutex
		doneByB := map[string]int{}
		b := newTestRunner(s, c)
		b.Register("test.slow", func(ctx context.Context, j *Job) error {
			mu.Lock()
			doneByB[j.ID]++
			mu.Unlock()
			return nil
		})
		start(t, b)
		byB := func() int { mu.Lock(); defer mu.Unlock(); return len(doneByB) }
		waitFor(t, "runner b to do the two jobs a never started", func() bool { return byB() == n-3 })
		for id := range held {
			if j := findJob(t, s, id); j.State != store.JobRunning || j.LockedBy != a.ID() {
				t.Errorf("job %s held by the stopped runner: %+v; want running under its lease", id, j)
			}
		}

		// Once a's lease lapses, b takes its jobs.
		c.Add(time.Minute + time.Second)
		b.Notify()
		waitFor(t, "runner b to finish the lapsed jobs", func() bool { return countJobs(t, s)[store.JobDone] == n })

		// a's handlers come back at last; their outcome must not count.
		close(release)
		a.Wait()
		mu.Lock()
		defer mu.Unlock()
		for id := range ids {
			if doneByB[id] != 1 {
				t.Errorf("job %s done %d times by runner b", id, doneByB[id])
			}
			if j := findJob(t, s, id); j.State != store.JobDone || (held[id] && j.Attempts != 2) {
				t.Errorf("job %s: %+v", id, j)
			}
		}
	})
}

func TestStoppingRunnerCancelsHandlersAfterGrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		c := newClock(s)
		started := make(chan struct{}, 1)
		a := newTestRunner(s, c)
		a.Grace = 20 * time.Millisecond
		a.Register("test.polite", func(ctx context.Context, j *Job) error {
			started <- struct{}{}
			<-ctx.Done() // honours its context
			return ctx.Err()
		})
		j := enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.polite"})
		stop := start(t, a)
		receive(t, "the handler to start", started)
		stop()
		// Run waited for the handler to return and recorded it: queued
		// again for later, not lost and not stuck until the lease lapses.
		saved := findJob(t, s, j.ID)
		if saved.State != store.JobQueued || saved.Attempts != 1 || saved.LastError != context.Canceled.Error() {
			t.Errorf("interrupted job: %+v; want queued with the interruption as its reason", saved)
		}
	})
}

func TestPeriodicRunsOncePerPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		storetest.Seed(t, s)
		c := newClock(s)
		type report struct {
			runner   string
			period   time.Time
			enqueued bool
		}
		reports := make(chan report, 100)
		ran := make(chan time.Time, 100)
		var mu sync.Mutex
		runs := map[time.Time]int{}
		tick := func(ctx context.Context, j *Job) error {
			p, err := PeriodOf(j)
			if err != nil {
				return err
			}
			mu.Lock()
			runs[p]++
			mu.Unlock()
			ran <- p
			return nil
		}
		var runners []*Runner
		for range 2 {
			r := newTestRunner(s, c)
			r.Periodic("tick", Every(time.Hour), tick)
			id := r.ID()
			r.scheduled = func(name string, period time.Time, enqueued bool) {
				reports <- report{id, period, enqueued}
			}
			runners = append(runners, r)
		}
		var stops []func()
		for _, r := range runners { // both at once: they race for the first period
			stops = append(stops, start(t, r))
		}
		const periods = 3
		for p := range periods {
			want := time.Date(2026, 11, 16, 9+p, 0, 0, 0, time.UTC)
			seen, enqueued := map[string]bool{}, 0
			for len(seen) < len(runners) {
				rep := receive(t, "each runner to schedule the period", reports)
				if !rep.period.Equal(want) {
					t.Fatalf("runner scheduled period %v; want %v", rep.period, want)
				}
				seen[rep.runner] = true
				if rep.enqueued {
					enqueued++
				}
			}
			if enqueued != 1 {
				t.Errorf("period %v enqueued %d times; want once", want, enqueued)
			}
			if got := receive(t, "the periodic job to run", ran); !got.Equal(want) {
				t.Fatalf("ran for %v; want %v", got, want)
			}
			waitFor(t, "the periodic job to be recorded", func() bool { return countJobs(t, s)[store.JobDone] == p+1 })

			// A process that starts once the period's job is done does
			// not run it again.
			late := newTestRunner(s, c)
			late.Periodic("tick", Every(time.Hour), tick)
			late.scheduled = func(name string, period time.Time, enqueued bool) {
				reports <- report{"late", period, enqueued}
			}
			stopLate := start(t, late)
			if rep := receive(t, "the late runner to schedule", reports); rep.runner != "late" || !rep.period.Equal(want) || rep.enqueued {
				t.Errorf("late runner: %+v; want period %v found enqueued already", rep, want)
			}
			stopLate()
			if p == periods-1 {
				break
			}
			c.Add(time.Hour)
			for _, r := range runners {
				r.Notify()
			}
		}
		for _, stop := range stops {
			stop()
		}
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != periods {
			t.Errorf("ran in %d periods; want %d", len(runs), periods)
		}
		for p, k := range runs {
			if k != 1 {
				t.Errorf("period %v ran %d times", p, k)
			}
		}
		list, err := s.FindJobs(context.Background(), store.JobFilter{Kind: PeriodicPrefix + "tick"})
		if err != nil || len(list) != periods {
			t.Fatalf("periodic jobs: %d, %v; want %d", len(list), err, periods)
		}
		for _, j := range list {
			if j.SchoolID != "" || !strings.HasPrefix(j.UniqueKey, "tick@") {
				t.Errorf("periodic job %+v", j)
			}
		}
	})
}

func TestHandlerPanicIsAFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		r := newTestRunner(s, nil)
		ok := make(chan string, 1)
		r.Register("test.panic", func(ctx context.Context, j *Job) error {
			if string(j.Payload) == `{"how":"runtime"}` {
				var m map[string]int
				//lint:ignore SA5000 the runtime panic under test
				m["x"] = 1
			}
			panic("Amara told her teacher") // must not reach the job's record
		})
		r.Register("test.fine", func(ctx context.Context, j *Job) error {
			ok <- j.ID
			return nil
		})
		rt := enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.panic", MaxAttempts: 1, Payload: []byte(`{"how":"runtime"}`)})
		val := enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.panic", MaxAttempts: 1})
		start(t, r)
		waitFor(t, "both panics to be recorded", func() bool { return countJobs(t, s)[store.JobFailed] == 2 })
		if j := findJob(t, s, rt.ID); !strings.Contains(j.LastError, "panicked") || !strings.Contains(j.LastError, "nil map") {
			t.Errorf("runtime panic recorded as %q", j.LastError)
		}
		if j := findJob(t, s, val.ID); j.LastError != "handler panicked (string)" {
			t.Errorf("panic recorded as %q; want its type only", j.LastError)
		}
		// The runner is still there.
		fine := enqueue(t, s, f.Oak.Ctx, &store.Job{Kind: "test.fine"})
		r.Notify()
		if got := receive(t, "a job after the panics", ok); got != fine.ID {
			t.Errorf("ran %s", got)
		}
	})
}

func TestRunRefusesFaultySetUp(t *testing.T) {
	s := storetest.OpenSQLite(t)
	nop := func(context.Context, *Job) error { return nil }
	for name, setUp := range map[string]func(r *Runner){
		"nothing registered": func(r *Runner) {},
		"twice":              func(r *Runner) { r.Register("a", nop); r.Register("a", nop) },
		"bad kind":           func(r *Runner) { r.Register("Send Email", nop) },
		"nil handler":        func(r *Runner) { r.Register("a", nil) },
		"short period":       func(r *Runner) { r.Periodic("p", Every(time.Millisecond), nop) },
		"no schedule":        func(r *Runner) { r.Periodic("p", nil, nop) },
	} {
		r := NewRunner(s, nil)
		setUp(r)
		if err := r.Run(context.Background()); err == nil {
			t.Errorf("%s: Run started", name)
		}
	}
}

func TestSchedules(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		sched    Schedule
		at, want string
	}{
		{Every(time.Hour), "2026-11-16T09:59:59Z", "2026-11-16T09:00:00Z"},
		{Every(15 * time.Minute), "2026-11-16T09:31:00+01:00", "2026-11-16T08:30:00Z"},
		{DailyAt(2, 30, nil), "2026-11-16T02:30:00Z", "2026-11-16T02:30:00Z"},
		{DailyAt(2, 30, nil), "2026-11-16T02:29:59Z", "2026-11-15T02:30:00Z"},
		// London in summer is UTC+1; in winter UTC.
		{DailyAt(2, 30, london), "2026-07-01T01:30:00Z", "2026-07-01T01:30:00Z"},
		{DailyAt(2, 30, london), "2026-07-01T01:29:00Z", "2026-06-30T01:30:00Z"},
		{DailyAt(2, 30, london), "2026-12-01T12:00:00Z", "2026-12-01T02:30:00Z"},
		// The clocks go forward on 29 March 2026: 01:00 GMT becomes 02:00 BST.
		{DailyAt(2, 30, london), "2026-03-29T03:00:00Z", "2026-03-29T01:30:00Z"},
	} {
		if got := tc.sched.Period(utc(tc.at)); !got.Equal(utc(tc.want)) || got.Location() != time.UTC {
			t.Errorf("%v at %s: period %v; want %s", tc.sched, tc.at, got, tc.want)
		}
	}
	if _, err := PeriodOf(&Job{ID: "x", Payload: []byte(`{}`)}); vigil.ErrorCode(err) != vigil.EINVALID {
		t.Errorf("PeriodOf a plain job: %v", err)
	}
	if err := Permanent(nil); err != nil {
		t.Errorf("Permanent(nil) = %v", err)
	}
	if e := fmt.Errorf("send: %w", Permanent(errors.New("550"))); !IsPermanent(e) || IsPermanent(errors.New("451")) {
		t.Error("IsPermanent")
	}
}
