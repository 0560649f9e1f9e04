// Package job runs Vigil's background work from a queue kept in the
// database: alert emails, reminders, periodic reviews. A job is enqueued in
// the same transaction as the record that needs it (store.EnqueueJob joins
// a store.RunInTx), so it is never lost and never sent for a change that
// rolled back. A Runner in each vigil serve process claims due jobs with a
// lease, so a job runs once however many processes there are, and a job
// whose process died is tried again once its lease lapses.
//
// The job package never imports app: cmd/vigil hands the runner the work,
// as Handlers.
package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
)

// Job is one unit of background work, as the store keeps it.
type Job = store.Job

// Handler does one job's work. It runs with vigil.SystemContext for the
// job's school when the job has one, and its ctx ends when the runner's
// lease on the job is about to lapse or the runner stops. An error is
// recorded as the job's last error, so it must hold no record content; the
// job is tried again later unless the error is Permanent or the job is out
// of attempts. A handler may run more than once for one job (a runner that
// dies after the work but before recording it), so make it safe to repeat.
type Handler func(ctx context.Context, j *Job) error

// Permanent marks err as a failure that trying again will not mend, such as
// an address the mail server refuses: the job fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	_, ok := errors.AsType[*permanentError](err)
	return ok
}

// Defaults for a Runner's settings.
const (
	DefaultWorkers = 4
	DefaultPoll    = 2 * time.Second
	DefaultLease   = 5 * time.Minute
	DefaultGrace   = 10 * time.Second
)

// Runner claims due jobs from the store and runs their handlers. Make one
// with NewRunner; set its fields, Register its kinds and add its Periodic
// jobs before Run.
type Runner struct {
	Store *store.Store
	Log   *slog.Logger

	Workers int           // handlers run at once; 0 means DefaultWorkers
	Poll    time.Duration // how often to look for due jobs; 0 means DefaultPoll
	// Lease is how long a claimed job is held. Its handler's context ends
	// a little before, and another runner may take the job after it. 0
	// means DefaultLease.
	Lease time.Duration
	// Grace is how long Run waits at shutdown for running handlers before
	// it cancels their contexts, and again after that; a handler still
	// running then is abandoned and its job taken up again once the lease
	// lapses. 0 means DefaultGrace.
	Grace time.Duration
	// Now is the clock that places periodic jobs in their period; nil
	// means time.Now. The store's own clock (store.Now) dates claims and
	// retries.
	Now func() time.Time

	id       string
	handlers map[string]Handler
	periodic []*periodic
	errs     []error // from Register and Periodic, returned by Run
	wake     chan struct{}
	all      sync.WaitGroup // every handler started, for Wait

	// scheduled, if set, is told of each periodic enqueue a runner tries
	// (tests).
	scheduled func(name string, period time.Time, enqueued bool)
}

// NewRunner returns a runner over s with the default settings.
func NewRunner(s *store.Store, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{Store: s, Log: log, id: runnerID(), handlers: map[string]Handler{}, wake: make(chan struct{}, 1)}
}

// runnerID names this runner in locked_by: host, process and a random part,
// so two runners in one process are told apart.
func runnerID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "vigil"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b)
	if len(id) > 200 {
		id = id[len(id)-200:]
	}
	return id
}

// ID returns the name the runner claims jobs under.
func (r *Runner) ID() string { return r.id }

// Register makes h the handler for jobs of kind. A runner claims only the
// kinds registered with it. A kind registered twice, or malformed, makes Run
// return an error.
func (r *Runner) Register(kind string, h Handler) {
	switch {
	case h == nil:
		r.errs = append(r.errs, fmt.Errorf("job: no handler for %q", kind))
	case !validName(kind):
		r.errs = append(r.errs, fmt.Errorf("job: malformed kind %q: use lowercase letters, digits and . _ : -", kind))
	case r.handlers[kind] != nil:
		r.errs = append(r.errs, fmt.Errorf("job: kind %q registered twice", kind))
	default:
		r.handlers[kind] = h
	}
}

// validName reports whether a kind or periodic name is 1 to 80 lowercase
// letters, digits and . _ : -, as store.EnqueueJob allows.
func validName(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// Notify wakes the runner to look for due jobs now rather than at its next
// poll. It never blocks; set store.Store.JobEnqueued to it so a job
// enqueued in this process starts as soon as its transaction commits.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Wait blocks until every handler the runner started has returned and its
// outcome is recorded. After Run returns, only handlers that ignored their
// context are still running.
func (r *Runner) Wait() { r.all.Wait() }

func (r *Runner) workers() int {
	if r.Workers > 0 {
		return r.Workers
	}
	return DefaultWorkers
}

func (r *Runner) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return DefaultPoll
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return DefaultLease
}

func (r *Runner) grace() time.Duration {
	if r.Grace > 0 {
		return r.Grace
	}
	return DefaultGrace
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run claims and runs jobs until ctx ends, then stops claiming, lets
// running handlers finish (see Grace) and returns nil. Errors reaching the
// database are logged and retried at the next poll. Run returns an error at
// once if a Register or Periodic call was faulty or no kind is registered.
// Call Run once per Runner.
func (r *Runner) Run(ctx context.Context) error {
	if err := errors.Join(r.errs...); err != nil {
		return err
	}
	if len(r.handlers) == 0 {
		return errors.New("job: no kinds registered")
	}
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	workers := r.workers()

	// Handlers outlive ctx by the grace period: a job half done at
	// shutdown is better finished than repeated.
	base, stopHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHandlers()
	var running sync.WaitGroup
	done := make(chan struct{}, workers) // one per finished handler
	busy := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	r.Log.Info("job runner started", slog.String("runner", r.id), slog.Int("workers", workers))
	for ctx.Err() == nil {
		r.schedule(ctx)
		if free := workers - busy; free > 0 {
			jobs, err := r.Store.ClaimJobs(ctx, r.id, kinds, free, r.lease())
			if err != nil && ctx.Err() == nil {
				r.Log.Warn("claim jobs", slog.Any("err", err))
			}
			for _, j := range jobs {
				busy++
				running.Add(1)
				r.all.Add(1)
				go func() {
					defer r.all.Done()
					defer running.Done()
					r.work(base, j)
					done <- struct{}{}
				}()
			}
		}
		timer.Reset(r.poll())
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-timer.C:
		case <-done:
			busy--
		}
		// Count every handler that finished meanwhile.
		for drained := false; !drained; {
			select {
			case <-done:
				busy--
			default:
				drained = true
			}
		}
	}

	finished := make(chan struct{})
	go func() { running.Wait(); close(finished) }()
	if busy > 0 {
		r.Log.Info("job runner stopping; waiting for running jobs", slog.Int("running", busy))
	}
	wait := time.NewTimer(r.grace())
	defer wait.Stop()
	select {
	case <-finished:
	case <-wait.C:
		// Handlers that honour their context return at once; give them
		// time to record that they were interrupted, even on a busy disk.
		stopHandlers()
		wait.Reset(max(r.grace(), 10*time.Second))
		select {
		case <-finished:
		case <-wait.C:
			r.Log.Warn("job runner stopped with handlers still running; their jobs run again when the lease lapses",
				slog.Duration("lease", r.lease()))
		}
	}
	r.Log.Info("job runner stopped", slog.String("runner", r.id))
	return nil
}

// work runs one claimed job and records how it went.
func (r *Runner) work(base context.Context, j *Job) {
	start := time.Now()
	err := r.call(base, j)
	attrs := []any{slog.String("job", j.ID), slog.String("kind", j.Kind), slog.String("school", string(j.SchoolID)),
		slog.Int("attempt", j.Attempts), slog.Duration("took", time.Since(start))}
	// Record the outcome even when the runner is stopping.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(base), 30*time.Second)
	defer cancel()
	var recErr error
	if err == nil {
		recErr = r.Store.CompleteJob(ctx, j)
		if recErr == nil {
			r.Log.Info("job done", attrs...)
		}
	} else {
		recErr = r.Store.FailJob(ctx, j, err.Error(), IsPermanent(err))
		if recErr == nil {
			attrs = append(attrs, slog.String("state", j.State), slog.Any("err", err))
			if j.State == store.JobFailed {
				r.Log.Error("job failed", attrs...)
			} else {
				r.Log.Warn("job will be retried", append(attrs, slog.Time("retry_at", j.RunAt))...)
			}
		}
	}
	switch {
	case recErr == nil:
	case vigil.ErrorCode(recErr) == vigil.ECONFLICT:
		r.Log.Warn("job outcome not recorded: its lease lapsed and another runner took it", attrs...)
	default:
		r.Log.Error("job outcome not recorded; it runs again when the lease lapses", append(attrs, slog.Any("err", recErr))...)
	}
}

// leaseMargin is how long before the lease lapses a handler's context ends,
// so its outcome is recorded while the job is still its runner's.
const leaseMargin = 5 * time.Second

// call runs j's handler, turning a panic into an error.
func (r *Runner) call(base context.Context, j *Job) (err error) {
	h := r.handlers[j.Kind]
	if h == nil { // ClaimJobs returns only registered kinds
		return Permanent(fmt.Errorf("no handler for kind %q", j.Kind))
	}
	limit := r.lease()
	if limit > 2*leaseMargin {
		limit -= leaseMargin
	}
	ctx, cancel := context.WithTimeout(base, limit)
	defer cancel()
	if j.SchoolID != "" {
		ctx = vigil.SystemContext(ctx, j.SchoolID)
	}
	defer func() {
		if v := recover(); v != nil {
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			// The panic value may hold data, so only its type is kept
			// unless it is the runtime's own (nil map, index out of range).
			msg := fmt.Sprintf("handler panicked (%T)", v)
			if re, ok := v.(runtime.Error); ok {
				msg = "handler panicked: " + re.Error()
			}
			r.Log.Error("job handler panicked", slog.String("job", j.ID), slog.String("kind", j.Kind), slog.String("stack", string(buf)))
			err = errors.New(msg)
		}
	}()
	return h(ctx, j)
}
