package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestTokenCommands(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.PostgresEnv); u != "" {
		dbs["postgres"] = storetest.NewPostgresSchema(t, u)
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}
			must := func(args ...string) (string, string) {
				t.Helper()
				code, out, stderr := runCmd(t, vars, "", args...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr)
				}
				return out, stderr
			}
			must("school", "add", "--slug", "hillside", "--name", "Hillside School")
			must("school", "add", "--slug", "brook", "--name", "Brook Infants")
			must("user", "add", "--email", "dsl@hillside.example", "--name", "Dana Lead", "--school", "hillside", "--role", "dsl")
			must("user", "add", "--email", "nobody@brook.example", "--name", "Nia Body", "--school", "brook")

			out, stderr := must("token", "create", "--school", "hillside", "--email", "DSL@hillside.example", "--name", "MIS sync")
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			token := lines[len(lines)-1]
			if !auth.ValidAPIToken(token) {
				t.Fatalf("the last line of output is not a token: %q", out)
			}
			if !strings.Contains(stderr, "shown only now") || strings.Contains(stderr, token) {
				t.Fatalf("stderr %q", stderr)
			}

			// Listed with its person and name, never with its secret.
			list, _ := must("token", "list", "--school", "hillside")
			row := regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s+dsl@hillside.example\s+MIS sync\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+-\s+-\s*$`).FindStringSubmatch(list)
			if row == nil || strings.Contains(list, token) {
				t.Fatalf("token list: %q", list)
			}
			id := row[1]
			if list, _ := must("token", "list", "--school", "brook"); strings.Contains(list, id) {
				t.Fatalf("Brook lists Hillside's token: %q", list)
			}

			// Hashed at rest: the secret is nowhere in the database; its hash is.
			secretAtRest(t, dir, dbURL, token)

			// The token works with the API.
			s := openStoreForTest(t, dir, dbURL)
			h := api.New(app.New(s, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))), slog.New(slog.DiscardHandler), api.Options{})
			call := func() int {
				req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Code
			}
			if code := call(); code != http.StatusOK {
				t.Fatalf("GET /api/v1/me with the new token: %d", code)
			}

			// Not for someone outside the school, nor for an unknown email.
			for _, tc := range []struct{ email, want string }{
				{"nobody@brook.example", "not an active member"},
				{"ghost@hillside.example", "No one has the email address"},
			} {
				code, out, stderr := runCmd(t, vars, "", "token", "create", "--school", "hillside", "--email", tc.email)
				if code != 1 || !strings.Contains(stderr, tc.want) || out != "" {
					t.Fatalf("token for %s: %d %q %q", tc.email, code, out, stderr)
				}
			}
			if code, _, stderr := runCmd(t, vars, "", "token", "revoke", "--school", "brook", id); code != 1 || !strings.Contains(stderr, "not found") {
				t.Fatalf("Brook revoking Hillside's token: %d %q", code, stderr)
			}

			// Revoked: listed so, refused at once, and audited.
			if out, _ := must("token", "revoke", "--school", "hillside", id); !strings.Contains(out, "revoked API token "+id) {
				t.Fatalf("revoke: %q", out)
			}
			if list, _ := must("token", "list", "--school", "hillside"); !regexp.MustCompile(`(?m)^` + id + `(\s+\S+){3}(\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC){3}$`).MatchString(list) {
				t.Fatalf("revoked token not shown revoked: %q", list)
			}
			if code := call(); code != http.StatusUnauthorized {
				t.Fatalf("revoked token: %d", code)
			}
			if code, _, stderr := runCmd(t, vars, "", "token", "revoke", "--school", "hillside", id); code != 1 || !strings.Contains(stderr, "already revoked") {
				t.Fatalf("revoke twice: %d %q", code, stderr)
			}
		})
	}
}

func TestTokenCommandUsage(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"VIGIL_DATA": t.TempDir()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token"}, "say create, list or revoke"},
		{[]string{"token", "mint"}, "unknown subcommand"},
		{[]string{"token", "create", "--email", "a@b.org"}, "--school is required"},
		{[]string{"token", "create", "--school", "oak"}, "--email is required"},
		{[]string{"token", "list"}, "--school is required"},
		{[]string{"token", "revoke", "--school", "oak"}, "give the id of one token"},
	} {
		code, _, stderr := runCmd(t, vars, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	for _, sub := range []string{"create", "list", "revoke"} {
		if code, out, _ := runCmd(t, vars, "", "token", sub, "--help"); code != 0 || !strings.Contains(out, "Usage: vigil token "+sub) {
			t.Errorf("token %s --help: %d %q", sub, code, out)
		}
	}
}

func openStoreForTest(t *testing.T, dir, dbURL string) *store.Store {
	t.Helper()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "vigil.db")
	}
	s, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// secretAtRest fails the test if token appears anywhere in the database, or
// if its hash does not (which would mean the search looked in the wrong
// place).
func secretAtRest(t *testing.T, dir, dbURL, token string) {
	t.Helper()
	hash := auth.HashToken(token)
	if dbURL == "" {
		// Every byte SQLite wrote: the database, its WAL and shared memory.
		var all []byte
		files, _ := filepath.Glob(filepath.Join(dir, "vigil.db*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		secret := token[len(auth.APITokenPrefix):]
		if strings.Contains(string(all), secret) {
			t.Fatal("the token's secret is in the SQLite files")
		}
		if !strings.Contains(string(all), hash) {
			t.Fatal("the token's hash is not in the SQLite files: the search looked in the wrong place")
		}
		return
	}
	// Every row of every table in the test's schema, as text.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	found := map[string]int{}
	for _, tbl := range tables {
		for what, needle := range map[string]string{"secret": token[len(auth.APITokenPrefix):], "hash": hash} {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM "`+tbl+`" AS r WHERE r::text LIKE '%' || $1 || '%'`, needle).Scan(&n); err != nil {
				t.Fatalf("search %s: %v", tbl, err)
			}
			found[what] += n
		}
	}
	if found["secret"] != 0 || found["hash"] != 1 || len(tables) < 5 {
		t.Fatalf("in %d tables: secret in %d rows, hash in %d (want 0 and 1)", len(tables), found["secret"], found["hash"])
	}
}
