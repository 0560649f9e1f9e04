package job

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/notify/smtptest"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// attention is a content-free alert, as notify's builders make.
func attention(t *testing.T, to string) notify.Message {
	t.Helper()
	return notify.Message{To: to, Subject: notify.SubjectAttention, Text: "A concern needs your attention.\n\nhttps://vigil.example/concerns/0190\n"}
}

func TestEmailJobSendsAfterATemporaryFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		c := newClock(s)
		srv := smtptest.Start(t, smtptest.FailNext(1, 451))
		mailer, err := notify.NewSMTP(srv.Config())
		if err != nil {
			t.Fatal(err)
		}
		r := newTestRunner(s, c)
		r.Register(KindEmail, SendEmail(mailer))
		s.JobEnqueued = r.Notify

		// Enqueued in the transaction of the change that needs it; a
		// rolled-back one sends nothing.
		boom := errors.New("boom")
		err = s.RunInTx(f.Oak.Ctx, func(ctx context.Context) error {
			if err := EnqueueEmail(ctx, s, attention(t, "nobody@oak.test")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = s.RunInTx(f.Oak.Ctx, func(ctx context.Context) error {
			return EnqueueEmail(ctx, s, attention(t, "dsl@oak.test"))
		})
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
		waitFor(t, "the first try to fail", func() bool { return countJobs(t, s)[store.JobQueued] == 1 && len(failedOnce(t, s)) == 1 })
		j := failedOnce(t, s)[0]
		if j.SchoolID != f.Oak.ID || !strings.Contains(j.LastError, "451") || strings.Contains(j.LastError, "dsl@oak.test") {
			t.Errorf("after a 451: %+v; want queued, its reason the reply code without the address", j)
		}
		c.Add(time.Hour)
		r.Notify()
		got := srv.WaitFor(t, 1, patience)
		if len(got[0].To) != 1 || got[0].To[0] != "dsl@oak.test" || got[0].Subject != notify.SubjectAttention || !strings.Contains(got[0].Text, "/concerns/0190") {
			t.Errorf("delivered %+v", got[0])
		}
		waitFor(t, "the job to be done", func() bool { return countJobs(t, s)[store.JobDone] == 1 })
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages delivered; want 1", n)
		}
	})
}

// failedOnce returns the queued jobs that have failed a try.
func failedOnce(t *testing.T, s *store.Store) []*store.Job {
	t.Helper()
	list, err := s.FindJobs(context.Background(), store.JobFilter{State: store.JobQueued})
	if err != nil {
		t.Fatal(err)
	}
	var out []*store.Job
	for _, j := range list {
		if j.Attempts > 0 {
			out = append(out, j)
		}
	}
	return out
}

func TestEmailJobRejectedForGood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		srv := smtptest.Start(t, smtptest.FailNext(1, 550))
		mailer, err := notify.NewSMTP(srv.Config())
		if err != nil {
			t.Fatal(err)
		}
		r := newTestRunner(s, nil)
		r.Register(KindEmail, SendEmail(mailer))
		if err := EnqueueEmail(f.Elm.Ctx, s, attention(t, "gone@elm.test")); err != nil {
			t.Fatal(err)
		}
		start(t, r)
		waitFor(t, "the job to fail", func() bool { return countJobs(t, s)[store.JobFailed] == 1 })
		list, _ := s.FindJobs(context.Background(), store.JobFilter{State: store.JobFailed})
		if j := list[0]; j.Attempts != 1 || !strings.Contains(j.LastError, "550") || j.SchoolID != f.Elm.ID {
			t.Errorf("rejected email: %+v; want failed at the first try with the reply code", j)
		}
	})
}

func TestEnqueueEmailRefusesMalformed(t *testing.T) {
	s := storetest.OpenSQLite(t)
	for _, m := range []notify.Message{
		{To: "not an address", Subject: "s", Text: "t"},
		{To: "a@b.test", Subject: "two\nlines", Text: "t"},
		{To: "a@b.test", Subject: "s", Text: " "},
	} {
		err := EnqueueEmail(context.Background(), s, m)
		if vigil.ErrorCode(err) != vigil.EINVALID || strings.Contains(err.Error(), m.To) {
			t.Errorf("enqueue %+v: %v; want EINVALID not repeating it", m, err)
		}
	}
	if n := countJobs(t, s); n[store.JobQueued] != 0 {
		t.Errorf("malformed emails enqueued: %v", n)
	}
}
