package app

import (
	"context"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/store"
)

// SchoolJob is one of a school's background jobs as its administrators see
// it: what kind, where it is and why it failed, never its payload (which
// holds email addresses).
type SchoolJob struct {
	ID          string
	Kind        string
	State       string
	Attempts    int
	MaxAttempts int
	RunAt       time.Time
	CreatedAt   time.Time
	FinishedAt  time.Time
	Reason      string // why the last try failed, "" if none did
}

// Label returns the job's kind in words.
func (j *SchoolJob) Label() string {
	switch j.Kind {
	case "email.send":
		return "Email"
	}
	return AuditLabel(j.Kind)
}

// SchoolJobs lists the actor's school's queued, running and failed jobs,
// failed first, for those who manage the school's settings.
func (a *App) SchoolJobs(ctx context.Context) ([]*SchoolJob, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return nil, err
	}
	jobs, err := a.Store.FindSchoolJobs(ctx, []string{store.JobFailed, store.JobRunning, store.JobQueued}, 200)
	if err != nil {
		return nil, err
	}
	out := make([]*SchoolJob, len(jobs))
	for i, j := range jobs {
		out[i] = &SchoolJob{ID: j.ID, Kind: j.Kind, State: j.State, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
			RunAt: j.RunAt, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, Reason: j.LastError}
	}
	return out, nil
}

// RetrySchoolJob queues a failed job of the actor's school to run again
// with all its tries, and audits it. Another school's job is ENOTFOUND like
// a missing one; a job that has not failed is ECONFLICT.
func (a *App) RetrySchoolJob(ctx context.Context, id string) error {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewSettings); err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		j, err := a.Store.RetrySchoolJob(ctx, id)
		if err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditJobRetried, ObjectType: "job", ObjectID: j.ID, Detail: map[string]string{"kind": j.Kind}})
	})
}
