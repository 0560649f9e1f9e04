package job

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
)

// Schedule divides time into periods; a periodic job runs once in each.
type Schedule interface {
	// Period returns the start of the period holding t, in UTC. Every
	// process must give the same answer for the same t.
	Period(t time.Time) time.Time
}

// Every is a schedule of periods of d, counted from the zero time: Every(time.Hour)
// runs on the hour. d must be at least a second.
func Every(d time.Duration) Schedule { return every(d) }

type every time.Duration

func (e every) Period(t time.Time) time.Time { return t.UTC().Truncate(time.Duration(e)) }

// DailyAt is a schedule of one period a day, starting at hour:minute in loc
// (time.UTC if nil): DailyAt(2, 30, london) runs at 02:30 London time.
func DailyAt(hour, minute int, loc *time.Location) Schedule {
	if loc == nil {
		loc = time.UTC
	}
	return daily{hour, minute, loc}
}

type daily struct {
	hour, minute int
	loc          *time.Location
}

func (d daily) Period(t time.Time) time.Time {
	lt := t.In(d.loc)
	start := time.Date(lt.Year(), lt.Month(), lt.Day(), d.hour, d.minute, 0, 0, d.loc)
	if lt.Before(start) {
		start = time.Date(lt.Year(), lt.Month(), lt.Day()-1, d.hour, d.minute, 0, 0, d.loc)
	}
	return start.UTC()
}

// periodic is one job registered with Periodic.
type periodic struct {
	name  string
	kind  string
	sched Schedule
	last  time.Time // the period this runner last enqueued or found enqueued
}

// PeriodicPrefix begins the kind of every periodic job.
const PeriodicPrefix = "periodic:"

// periodicAttempts is how often a periodic job is tried in its period.
const periodicAttempts = 5

// Periodic runs h once in every period of sched, across all processes: at
// each poll, each runner enqueues the job for the current period with
// unique key name@period-start unless any runner did already
// (store.EnqueueJobOnce), and one runner claims it. A process that starts
// in the middle of a period runs the job for it if no process has. The job
// has no school; PeriodOf tells h which period it is for. name is 1 to 70
// lowercase letters, digits and . _ : -
func (r *Runner) Periodic(name string, sched Schedule, h Handler) {
	kind := PeriodicPrefix + name
	switch {
	case !validName(name) || len(kind) > 80:
		r.errs = append(r.errs, fmt.Errorf("job: malformed periodic name %q", name))
		return
	case sched == nil:
		r.errs = append(r.errs, fmt.Errorf("job: periodic %q has no schedule", name))
		return
	}
	if e, ok := sched.(every); ok && time.Duration(e) < time.Second {
		r.errs = append(r.errs, fmt.Errorf("job: periodic %q: a period must be at least a second", name))
		return
	}
	r.Register(kind, h)
	r.periodic = append(r.periodic, &periodic{name: name, kind: kind, sched: sched})
}

type periodPayload struct {
	Period time.Time `json:"period"`
}

// PeriodOf returns the start of the period a periodic job is for. It
// returns EINVALID for any other job.
func PeriodOf(j *Job) (time.Time, error) {
	var p periodPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Period.IsZero() {
		return time.Time{}, vigil.Errorf(vigil.EINVALID, "Job %s is not a periodic job.", j.ID)
	}
	return p.Period.UTC(), nil
}

// schedule enqueues each periodic job whose period this runner has not yet
// seen enqueued.
func (r *Runner) schedule(ctx context.Context) {
	now := r.now()
	for _, p := range r.periodic {
		start := p.sched.Period(now)
		if start.Equal(p.last) {
			continue
		}
		payload, _ := json.Marshal(periodPayload{Period: start})
		j := &store.Job{Kind: p.kind, Payload: payload, RunAt: start, MaxAttempts: periodicAttempts,
			UniqueKey: p.name + "@" + start.Format(time.RFC3339)}
		ok, err := r.Store.EnqueueJobOnce(ctx, j)
		if err != nil {
			if ctx.Err() == nil {
				r.Log.Warn("enqueue periodic job", slog.String("name", p.name), slog.Any("err", err))
			}
			continue // tried again at the next poll
		}
		p.last = start
		if ok {
			r.Log.Info("periodic job enqueued", slog.String("name", p.name), slog.Time("period", start), slog.String("job", j.ID))
		}
		if r.scheduled != nil {
			r.scheduled(p.name, start, ok)
		}
	}
}
