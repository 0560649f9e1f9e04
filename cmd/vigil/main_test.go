package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// runCmd runs vigil in-process with the given environment and stdin.
func runCmd(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestCommandErrorsAreOneLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"VIGIL_DATA": dir}
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command", 2},
		{"unknown flag", []string{"serve", "--no-such-flag"}, "-no-such-flag", 2},
		{"bad url", []string{"migrate", "--database-url", "mysql://x"}, "must start with sqlite: or postgres://", 1},
		{"unreachable", []string{"migrate", "--database-url", "postgres://nobody@127.0.0.1:1/vigil?connect_timeout=2"}, "cannot reach PostgreSQL", 1},
		{"missing email", []string{"user", "set-password"}, "--email is required", 2},
		{"bad role", []string{"user", "add", "--email", "a@b.org", "--name", "A", "--role", "wizard"}, "--role must be one of", 2},
		{"bad slug", []string{"school", "add", "--slug", "Bad Slug!", "--name", "X"}, "--slug:", 1},
		{"school and trust", []string{"user", "add", "--email", "a@b.org", "--name", "A", "--school", "oak", "--trust", "Oak Trust"}, "--school or --trust, not both", 2},
		{"list school and trust", []string{"user", "list", "--school", "oak", "--trust", "Oak Trust"}, "--school or --trust, not both", 2},
		{"designated in a trust", []string{"user", "add", "--email", "a@b.org", "--name", "A", "--trust", "Oak Trust", "--designated"}, "--designated is for a school", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, vars, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(lastLines(stderr)), "\n"); n != 0 || strings.Contains(stderr, "goroutine") {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
}

// lastLines drops JSON log lines, leaving what a person reads.
func lastLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "{") && l != "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd(t, nil, "", "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-data", "VIGIL_DATA", "-database-url", "VIGIL_DATABASE_URL", "-addr", "VIGIL_ADDR", "-base-url", "VIGIL_BASE_URL", "-master-key-file", "VIGIL_MASTER_KEY_FILE", "-audit-key-file", "VIGIL_AUDIT_KEY_FILE", "-audit-checkpoint-file", "VIGIL_AUDIT_CHECKPOINT_FILE", "-demo"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
	for _, sub := range [][]string{{"migrate", "--help"}, {"demo", "--help"}, {"version", "--help"}, {"school", "add", "--help"}, {"school", "list", "--help"},
		{"user", "add", "--help"}, {"user", "list", "--help"}, {"user", "set-password", "--help"}, {"audit", "verify", "--help"}, {"audit", "checkpoint", "--help"}} {
		if code, out, _ := runCmd(t, nil, "", sub...); code != 0 || !strings.Contains(out, "Usage: vigil") {
			t.Errorf("%v: exit %d, %q", sub, code, out)
		}
	}
}

func TestSchoolAndUserCommands(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.PostgresEnv); u != "" {
		dbs["postgres"] = storetest.NewPostgresSchema(t, u)
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"VIGIL_DATA": t.TempDir(), "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}
			must := func(stdin string, args ...string) string {
				t.Helper()
				code, out, stderr := runCmd(t, vars, stdin, args...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr)
				}
				return out
			}
			must("", "school", "add", "--slug", "hillside", "--name", "Hillside School", "--urn", "123456", "--phase", "secondary", "--trust", "Valley Learning Trust")
			must("", "school", "add", "--slug", "brook", "--name", "Brook Infants", "--trust", "Valley Learning Trust")
			if code, _, stderr := runCmd(t, vars, "", "school", "add", "--slug", "hillside", "--name", "Again"); code == 0 || !strings.Contains(stderr, "already exists") {
				t.Fatalf("duplicate slug: %d %q", code, stderr)
			}
			if out := must("", "school", "list"); !regexp.MustCompile(`hillside\s+Hillside School\s+123456\s+secondary\s+Valley Learning Trust`).MatchString(out) ||
				strings.Count(out, "Valley Learning Trust") != 2 {
				t.Fatalf("school list: %q", out)
			}
			must("Hillside-pass-2026!\n", "user", "add", "--email", "Head@Hillside.example", "--name", "Hana Head", "--school", "hillside", "--role", "dsl", "--password-stdin")
			if code, _, stderr := runCmd(t, vars, "short\n", "user", "set-password", "--email", "head@hillside.example", "--password-stdin"); code == 0 || !strings.Contains(stderr, "at least 10") {
				t.Fatalf("weak password: %d %q", code, stderr)
			}
			must("Another-pass-2027!\n", "user", "set-password", "--email", "head@hillside.example", "--password-stdin")
			out := must("", "user", "list", "--school", "hillside")
			if !regexp.MustCompile(`head@hillside.example\s+Hana Head\s+dsl\s+yes\s+yes`).MatchString(out) {
				t.Fatalf("user list --school: %q", out)
			}
			if out := must("", "user", "list"); !strings.Contains(out, "head@hillside.example") {
				t.Fatalf("user list: %q", out)
			}

			// A trust lead: a role in the trust, not in a school.
			out = must("Trust-lead-pass-2026!\n", "user", "add", "--email", "lead@valley.example", "--name", "Lena Lead", "--trust", "Valley Learning Trust", "--role", "dsl", "--password-stdin")
			if !strings.Contains(out, "in every school of the trust Valley Learning Trust") {
				t.Fatalf("user add --trust: %q", out)
			}
			out = must("", "user", "list", "--trust", "Valley Learning Trust")
			if !regexp.MustCompile(`lead@valley.example\s+Lena Lead\s+dsl\s+yes`).MatchString(out) || strings.Contains(out, "head@hillside.example") {
				t.Fatalf("user list --trust: %q", out)
			}
			if out := must("", "user", "list", "--school", "hillside"); strings.Contains(out, "lead@valley.example") {
				t.Fatalf("a trust lead is on a school's list: %q", out)
			}
			// A new trust is made; listing an unknown one makes nothing.
			must("", "user", "add", "--email", "ceo@hills.example", "--name", "Cal Chief", "--trust", "Hills Trust", "--role", "headteacher")
			if out := must("", "user", "list", "--trust", "Hills Trust"); !strings.Contains(out, "ceo@hills.example") {
				t.Fatalf("user list --trust of a new trust: %q", out)
			}
			for range 2 { // the second time shows the first made nothing
				if code, _, stderr := runCmd(t, vars, "", "user", "list", "--trust", "Nowhere Trust"); code != 1 || !strings.Contains(stderr, "No trust is named") {
					t.Fatalf("unknown trust: %d %q", code, stderr)
				}
			}
		})
	}
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_LOG_LEVEL": "warn"}
	if code, out, stderr := runCmd(t, vars, "", "migrate"); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %d %q %q", code, out, stderr)
	}
	// Pretend a newer vigil migrated this database.
	s := storetest.OpenSQLiteAt(t, filepath.Join(dir, "vigil.db"))
	storetest.Exec(t, s, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)")
	s.Close()
	code, _, stderr := runCmd(t, vars, "", "migrate")
	if code == 0 || !strings.Contains(stderr, "newer than this vigil") {
		t.Fatalf("newer database: exit %d, %q", code, stderr)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemo runs `vigil serve --demo` with no other configuration in a
// fresh folder, as a newcomer does, signs in as the demo DSL, and stops it
// the way SIGTERM does.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	vars := map[string]string{"VIGIL_DEMO_PASSWORD": "Demo-pass-for-tests-1!", "VIGIL_DEMO_TOTP_SECRET": totpSecret, "VIGIL_ADDR": "127.0.0.1:0"}
	pr, pw := io.Pipe()
	var stdout syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: pw, getenv: func(k string) string { return vars[k] }}, []string{"serve", "--demo"})
		pw.Close()
	}()
	// The log says where it listens.
	var addr string
	var logs []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		logs = append(logs, line)
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "vigil listening" {
			addr = rec.Addr
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		t.Fatalf("serve did not start: %s", strings.Join(logs, "\n"))
	}
	for _, f := range []string{"vigil-data/vigil.db", "vigil-data/master.key", "vigil-data/blobs"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "vigil-data/master.key")); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Errorf("master key: %v %v", fi, err)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "master key") {
		t.Error("no warning about the new master key")
	}
	if out := stdout.String(); !strings.Contains(out, "dsl@riverside.example") {
		t.Errorf("serve --demo did not say how to sign in: %q", out)
	} else if !strings.Contains(out, "Safeguarding history added") {
		t.Errorf("serve --demo did not add the demo school's history: %q", out)
	}
	base := "http://" + addr
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(base + path)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, res, err)
		}
		res.Body.Close()
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), "go_goroutines") {
		t.Error("/metrics has no Go metrics")
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	form := url.Values{"email": {"dsl@riverside.example"}, "password": {vars["VIGIL_DEMO_PASSWORD"]}}
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// Opening pupil records asks for the authenticator code first.
	code, err := auth.TOTPCode(totpSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	form = url.Values{"code": {code}, "next": {"/pupils"}}
	req, _ = http.NewRequest(http.MethodPost, base+"/step-up", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "of 200 pupils") {
		t.Fatalf("demo DSL /pupils: %d %.300s", res.StatusCode, body)
	}
	if n := len(regexp.MustCompile(`href="/pupils/[0-9a-f-]{36}"`).FindAllString(string(body), -1)); n != 50 {
		t.Fatalf("first page lists %d pupils, want 50", n)
	}

	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	// Stopping signed the audit trails' heads; the trail verifies.
	if fi, err := os.Stat(filepath.Join(dir, "vigil-data/audit-signing.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit signing key: %v %v", fi, err)
	}
	if code, out, stderr := runCmd(t, nil, "", "audit", "verify"); code != 0 || !strings.Contains(out, "school riverside:") || !strings.Contains(out, "checkpoint at event") {
		t.Errorf("audit verify after serve: exit %d, %q %q", code, out, stderr)
	}
}
