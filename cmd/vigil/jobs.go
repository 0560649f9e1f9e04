package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/job"
	"github.com/vigil-safeguarding/vigil/store"
)

// jobRetention is how long done and cancelled jobs (and their payloads,
// which hold email addresses) are kept for operators to look at.
const jobRetention = 30 * 24 * time.Hour

// newJobRunner returns the runner for vigil serve with every kind of job
// registered: emails sent through a's mailer, hourly action reminders, and
// a nightly purge of finished jobs. A job enqueued in this process wakes it
// as soon as its transaction commits.
func newJobRunner(s *store.Store, a *app.App, log *slog.Logger) *job.Runner {
	r := job.NewRunner(s, log)
	r.Register(job.KindEmail, job.SendEmail(a.Mailer))
	// Each hour, every school past app.ReminderHour in its own time zone
	// gets the reminders it is owed; each is sent once, ever.
	r.Periodic("actions.remind", job.Every(time.Hour), func(ctx context.Context, _ *job.Job) error {
		n, err := a.SendReminders(ctx, a.Now())
		if n > 0 {
			log.Info("action reminders sent", slog.Int("count", n))
		}
		return err
	})
	// Every 15 minutes, each referral newly past its expected response
	// time is told to its referrer and the DSLs; each once, ever.
	r.Periodic("referrals.overdue", job.Every(15*time.Minute), func(ctx context.Context, _ *job.Job) error {
		n, err := a.ChaseOverdueReferrals(ctx)
		if n > 0 {
			log.Info("overdue referrals notified", slog.Int("count", n))
		}
		return err
	})
	// Each school linked to an MIS connector is synced from it every night
	// (once per school per night, whichever runner queues it); admins may
	// also ask for a sync now. A revoked token is not retried: the school
	// must enter a new one.
	r.Register(app.KindMISSync, func(ctx context.Context, j *job.Job) error {
		res, err := a.RunSyncJob(ctx, j.Payload)
		if err != nil {
			if vigil.ErrorCode(err) == vigil.EINVALID || vigil.ErrorCode(err) == vigil.ENOTFOUND {
				return job.Permanent(err)
			}
			return err
		}
		log.Info("MIS sync", slog.String("school", string(j.SchoolID)), slog.String("sync", res.Sync.ID),
			slog.Int("added", res.Sync.Added), slog.Int("changed", res.Sync.Changed), slog.Int("left", res.Sync.Left))
		return nil
	})
	r.Periodic("mis.nightly", job.DailyAt(1, 30, nil), func(ctx context.Context, j *job.Job) error {
		night, err := job.PeriodOf(j)
		if err != nil {
			return err
		}
		_, err = a.QueueNightlySyncs(ctx, night)
		return err
	})
	r.Periodic("jobs.purge", job.DailyAt(3, 0, nil), func(ctx context.Context, _ *job.Job) error {
		n, err := s.DeleteFinishedJobs(ctx, s.Now().Add(-jobRetention))
		if err == nil && n > 0 {
			log.Info("finished jobs removed", slog.Int64("count", n))
		}
		return err
	})
	s.JobEnqueued = r.Notify
	return r
}

// startJobs runs r until ctx ends or the returned stop is called; stop
// waits for the runner to finish (see job.Runner.Grace) and may be called
// more than once.
func startJobs(ctx context.Context, r *job.Runner, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			log.Error("job runner", slog.Any("err", err))
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// runJobs lists background jobs, or retries or cancels one. With no
// subcommand it lists.
func runJobs(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(e.stdout, "Usage: vigil jobs [list] [--state STATE] [--open] [--school SLUG] [--kind KIND] [--limit N] [flags]\n       vigil jobs retry ID [flags]\n       vigil jobs cancel ID [flags]\n\nRun vigil jobs list --help for the flags.")
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runJobsList(ctx, e, args)
	}
	switch args[0] {
	case "list":
		return runJobsList(ctx, e, args[1:])
	case "retry":
		return runJobChange(ctx, e, "retry", args[1:])
	case "cancel":
		return runJobChange(ctx, e, "cancel", args[1:])
	}
	return usageErr("unknown subcommand %q: use list, retry or cancel", args[0])
}

func runJobsList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("jobs list", flag.ContinueOnError)
	c := dbConfig(e, fs)
	var f store.JobFilter
	fs.StringVar(&f.State, "state", "", "only jobs in this state: queued, running, failed, done or cancelled")
	fs.StringVar(&f.Kind, "kind", "", "only jobs of this kind, e.g. email.send")
	fs.BoolVar(&f.Open, "open", false, "only jobs queued, running or failed: still to run, or needing you")
	school := fs.String("school", "", "only the jobs of the school with this slug")
	fs.IntVar(&f.Limit, "limit", 50, "show at most this many, newest first (up to 1000)")
	const synopsis = "jobs list [--state STATE] [--open] [--school SLUG] [--kind KIND] [--limit N] [flags]"
	s, err := openCommand(ctx, e, c, fs, synopsis, args, func() error {
		if fs.NArg() > 0 {
			return usageErr("unexpected argument %q (see vigil jobs list --help)", fs.Arg(0))
		}
		if f.State != "" && !validJobState(f.State) {
			return usageErr("--state must be one of %s", strings.Join(store.JobStates, ", "))
		}
		if f.Limit < 1 || f.Limit > 1000 {
			return usageErr("--limit must be between 1 and 1000")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if *school != "" {
		sc, err := s.FindSchoolBySlug(ctx, *school)
		if err != nil {
			return err
		}
		f.School = sc.ID
	}
	counts, err := s.CountJobs(ctx)
	if err != nil {
		return err
	}
	jobs, err := s.FindJobs(ctx, f)
	if err != nil {
		return err
	}
	slugs, err := jobSchoolSlugs(ctx, s)
	if err != nil {
		return err
	}
	var parts []string
	for _, st := range store.JobStates {
		parts = append(parts, fmt.Sprintf("%s %d", st, counts[st]))
	}
	fmt.Fprintln(e.stdout, strings.Join(parts, ", "))
	if len(jobs) == 0 {
		return nil
	}
	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSCHOOL\tSTATE\tTRIES\tRUN AT\tLAST ERROR")
	for _, j := range jobs {
		school := "-"
		if j.SchoolID != "" {
			school = slugs[j.SchoolID]
		}
		lastErr := strings.Join(strings.Fields(j.LastError), " ")
		if r := []rune(lastErr); len(r) > 100 {
			lastErr = string(r[:99]) + "…"
		}
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, school, j.State, j.Attempts, j.MaxAttempts, jobTime(j.RunAt), lastErr)
	}
	return tw.Flush()
}

func validJobState(st string) bool {
	for _, s := range store.JobStates {
		if s == st {
			return true
		}
	}
	return false
}

func jobTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// jobSchoolSlugs maps each school's ID to its slug, for showing whose job is
// whose.
func jobSchoolSlugs(ctx context.Context, s *store.Store) (map[vigil.SchoolID]string, error) {
	schools, err := s.FindSchools(ctx)
	if err != nil {
		return nil, err
	}
	out := map[vigil.SchoolID]string{}
	for _, sc := range schools {
		out[sc.ID] = sc.Slug
	}
	return out, nil
}

// runJobChange retries a failed or cancelled job, or cancels a queued or
// failed one. The ID may come before or after the flags.
func runJobChange(ctx context.Context, e *env, verb string, args []string) error {
	fs := flag.NewFlagSet("jobs "+verb, flag.ContinueOnError)
	c := dbConfig(e, fs)
	id := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	synopsis := "jobs " + verb + " ID [flags]"
	s, err := openCommand(ctx, e, c, fs, synopsis, args, func() error {
		switch {
		case id == "" && fs.NArg() == 1:
			id = fs.Arg(0)
		case fs.NArg() > 0:
			return usageErr("unexpected argument %q (see vigil %s --help)", fs.Arg(0), synopsis)
		}
		if id == "" {
			return usageErr("say which job: vigil %s (vigil jobs list shows IDs)", synopsis)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	var j *store.Job
	if verb == "retry" {
		j, err = s.RetryJob(ctx, id)
	} else {
		j, err = s.CancelJob(ctx, id)
	}
	if err != nil {
		return err
	}
	if verb == "retry" {
		fmt.Fprintf(e.stdout, "job %s (%s) queued to run again with %d tries; a running vigil serve takes it within seconds\n", j.ID, j.Kind, j.MaxAttempts)
	} else {
		fmt.Fprintf(e.stdout, "job %s (%s) cancelled\n", j.ID, j.Kind)
	}
	return nil
}
