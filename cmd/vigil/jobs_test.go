package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestJobsCommands(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.PostgresEnv); u != "" {
		dbs["postgres"] = storetest.NewPostgresSchema(t, u)
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}
			cmd := func(want int, args ...string) (string, string) {
				t.Helper()
				code, out, stderr := runCmd(t, vars, "", args...)
				if code != want {
					t.Fatalf("%v: exit %d, want %d: %s", args, code, want, stderr)
				}
				return out, stderr
			}
			cmd(0, "school", "add", "--slug", "hillside", "--name", "Hillside School")

			url := dbURL
			if url == "" {
				url = "sqlite:" + filepath.Join(dir, "vigil.db")
			}
			ctx := context.Background()
			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			schools, err := s.FindSchools(ctx)
			if err != nil || len(schools) != 1 {
				t.Fatalf("schools %v, %v", schools, err)
			}
			failing := &store.Job{Kind: "email.send", MaxAttempts: 1}
			waiting := &store.Job{Kind: "test.later", RunAt: time.Now().Add(time.Hour)}
			for _, e := range []struct {
				ctx context.Context
				j   *store.Job
			}{{vigil.SystemContext(ctx, schools[0].ID), failing}, {ctx, waiting}} {
				if ok, err := s.EnqueueJob(e.ctx, e.j); err != nil || !ok {
					t.Fatalf("enqueue: %v, %v", ok, err)
				}
			}
			claimed, err := s.ClaimJobs(ctx, "test", []string{"email.send"}, 1, time.Minute)
			if err != nil || len(claimed) != 1 {
				t.Fatalf("claim: %v, %v", claimed, err)
			}
			if err := s.FailJob(ctx, claimed[0], "notify: send email: RCPT TO: server replied 550 (5.1.1), permanent", true); err != nil {
				t.Fatal(err)
			}

			out, _ := cmd(0, "jobs")
			if !strings.HasPrefix(out, "queued 1, running 0, failed 1, done 0, cancelled 0\n") {
				t.Errorf("counts: %q", out)
			}
			if !regexp.MustCompile(`(?m)^`+failing.ID+`\s+email\.send\s+hillside\s+failed\s+1/1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+notify: send email: RCPT TO: server replied 550`).MatchString(out) ||
				!regexp.MustCompile(`(?m)^`+waiting.ID+`\s+test\.later\s+-\s+queued\s+0/10\s+.+\s+-\s*$`).MatchString(out) {
				t.Errorf("list:\n%s", out)
			}
			if out, _ := cmd(0, "jobs", "list", "--state", "failed"); !strings.Contains(out, failing.ID) || strings.Contains(out, waiting.ID) {
				t.Errorf("failed jobs:\n%s", out)
			}
			// One school's jobs that still need something: the school-less
			// job is left out.
			if out, _ := cmd(0, "jobs", "--open", "--school", "hillside"); !strings.Contains(out, failing.ID) || strings.Contains(out, waiting.ID) {
				t.Errorf("hillside's open jobs:\n%s", out)
			}
			if _, stderr := cmd(1, "jobs", "--school", "nowhere"); !strings.Contains(stderr, "No school has the slug") {
				t.Errorf("unknown school: %q", stderr)
			}

			// The ID may come before or after the flags.
			if out, _ := cmd(0, "jobs", "retry", failing.ID, "--log-level", "warn"); !strings.Contains(out, "queued to run again") {
				t.Errorf("retry: %q", out)
			}
			if j, _ := s.FindJob(ctx, failing.ID); j.State != store.JobQueued || j.Attempts != 0 {
				t.Errorf("after retry: %+v", j)
			}
			if out, _ := cmd(0, "jobs", "cancel", "--log-level", "warn", failing.ID); !strings.Contains(out, "cancelled") {
				t.Errorf("cancel: %q", out)
			}
			if j, _ := s.FindJob(ctx, failing.ID); j.State != store.JobCancelled {
				t.Errorf("after cancel: %+v", j)
			}

			for _, tc := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"jobs", "cancel", failing.ID}, 1, "Only a queued or failed job can be cancelled"},
				{[]string{"jobs", "retry", vigil.NewID()}, 1, "Job not found"},
				{[]string{"jobs", "retry"}, 2, "say which job"},
				{[]string{"jobs", "retry", "a", "b"}, 2, "unexpected argument"},
				{[]string{"jobs", "list", "--state", "lost"}, 2, "--state must be one of"},
				{[]string{"jobs", "--limit", "0"}, 2, "--limit must be between"},
				{[]string{"jobs", "frob"}, 2, "use list, retry or cancel"},
			} {
				_, stderr := cmd(tc.code, tc.args...)
				if !strings.Contains(stderr, tc.want) {
					t.Errorf("%v: stderr %q lacks %q", tc.args, stderr, tc.want)
				}
			}
		})
	}
}
