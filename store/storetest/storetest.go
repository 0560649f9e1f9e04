// Package storetest runs store tests on every database Vigil supports and
// builds named fixtures. Tests import it; the application never does.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for set-up

	"github.com/vigil-safeguarding/vigil/store"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests.
const PostgresEnv = "VIGIL_TEST_POSTGRES_URL"

// Each runs fn on a fresh, migrated SQLite store and, when
// VIGIL_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema. Both run in
// parallel and are removed when the test ends.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, OpenSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv(PostgresEnv)
		if url == "" {
			t.Skip(PostgresEnv + " not set; PostgreSQL skipped")
		}
		t.Parallel()
		fn(t, OpenPostgres(t, url))
	})
}

// OpenSQLite returns a migrated store in a new temporary folder.
func OpenSQLite(t testing.TB) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.db")
	return open(t, "sqlite:"+path)
}

// OpenPostgres returns a migrated store in a new schema of the database at
// baseURL; the schema is dropped when the test ends.
func OpenPostgres(t testing.TB, baseURL string) *store.Store {
	t.Helper()
	return open(t, NewPostgresSchema(t, baseURL))
}

// NewPostgresSchema makes an empty schema and returns a URL whose
// connections use it. The schema is dropped when the test ends.
func NewPostgresSchema(t testing.TB, baseURL string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "vigil_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, rawURL string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, rawURL)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// OpenSQLiteAt opens (and migrates) the SQLite database at path, for tests
// that inspect what a command wrote. The caller closes it.
func OpenSQLiteAt(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return s
}

// Exec runs raw SQL on s outside any school, for tests that must set up what
// the store itself would never write.
func Exec(t testing.TB, s *store.Store, q string, args ...any) {
	t.Helper()
	if err := s.ExecForTest(context.Background(), q, args...); err != nil {
		t.Fatalf("exec %q: %v", q, err)
	}
}
