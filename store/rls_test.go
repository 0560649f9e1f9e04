package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// tenantTables are the tables that hold one school's rows; the catalogue
// test also finds any added later by their school_id column.
var tenantTables = []string{"categories", "memberships", "pupil_contacts", "pupils"}

// openRLS returns a migrated store in a new PostgreSQL schema and a raw
// connection pool on the same schema, or skips the test.
func openRLS(t *testing.T) (*store.Store, *sql.DB) {
	t.Helper()
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Skip("VIGIL_TEST_POSTGRES_URL not set; PostgreSQL skipped")
	}
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewPostgresSchema(t, base)
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// queryStrings runs q and returns its single text column.
func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRowLevelSecurityCatalogue(t *testing.T) {
	_, db := openRLS(t)
	var schema string
	if err := db.QueryRow("SELECT current_schema()").Scan(&schema); err != nil || schema == "" || schema == "public" {
		t.Fatalf("current schema %q, %v; want the test's own", schema, err)
	}

	// Every table with a school_id column: RLS enabled and forced, with a
	// policy that both filters (USING) and checks writes (WITH CHECK).
	rows, err := db.Query(`
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
		       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
		            AND p.polcmd = '*' AND p.polqual IS NOT NULL AND p.polwithcheck IS NOT NULL)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
		  AND EXISTS (SELECT 1 FROM pg_attribute a
		              WHERE a.attrelid = c.oid AND a.attname = 'school_id' AND NOT a.attisdropped)
		ORDER BY c.relname`, schema)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for rows.Next() {
		var name string
		var rls, force bool
		var policies, full int
		if err := rows.Scan(&name, &rls, &force, &policies, &full); err != nil {
			t.Fatal(err)
		}
		found = append(found, name)
		if !rls || !force {
			t.Errorf("table %s: relrowsecurity %v, relforcerowsecurity %v; want both true", name, rls, force)
		}
		if policies == 0 {
			t.Errorf("table %s has no row-level security policy", name)
		}
		if full == 0 {
			t.Errorf("table %s has no policy for all commands with both USING and WITH CHECK", name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range tenantTables {
		if !slices.Contains(found, want) {
			t.Errorf("tenant table %s not found among school_id tables %q", want, found)
		}
	}

	// The application role: exists, not a superuser, cannot bypass RLS.
	var super, bypass bool
	err = db.QueryRow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", store.AppRole).Scan(&super, &bypass)
	if errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("role %s does not exist", store.AppRole)
	} else if err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Errorf("role %s: rolsuper %v, rolbypassrls %v; want both false", store.AppRole, super, bypass)
	}

	// It owns nothing in the schema (owners skip RLS unless forced, and may
	// alter or drop it) and may not TRUNCATE, which RLS does not cover.
	if owned := queryStrings(t, db, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
		schema, store.AppRole); len(owned) > 0 {
		t.Errorf("role %s owns %q", store.AppRole, owned)
	}
	var owner string
	if err := db.QueryRow(`SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&owner); err != nil || owner == store.AppRole {
		t.Errorf("schema owner %q, %v", owner, err)
	}
	if trunc := queryStrings(t, db, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND has_table_privilege($2, c.oid, 'TRUNCATE')`,
		schema, store.AppRole); len(trunc) > 0 {
		t.Errorf("role %s may TRUNCATE %q", store.AppRole, trunc)
	}

	// Views run as their owner unless security_invoker; SECURITY DEFINER
	// functions run as theirs. Neither may reach tenant data.
	if views := queryStrings(t, db, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')
		  AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)`, schema); len(views) > 0 {
		t.Errorf("views without security_invoker: %q", views)
	}
	if fns := queryStrings(t, db, `
		SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = $1 AND p.prosecdef`, schema); len(fns) > 0 {
		t.Errorf("SECURITY DEFINER functions: %q", fns)
	}

	// Unique and foreign-key checks ignore RLS, so every unique key on a
	// tenant table, and every key between tenant tables, leads with
	// school_id. jobs is the exception: not a tenant table (a runner claims
	// every school's jobs), its random primary key and its index of
	// school-less jobs' keys tell one school nothing of another.
	notTenant := []string{"jobs_pkey", "jobs_unique_global"}
	if bad := slices.DeleteFunc(queryStrings(t, db, `
		SELECT i.indexrelid::regclass::text FROM pg_index i
		JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
		WHERE n.nspname = $1 AND i.indisunique AND a.attname <> 'school_id'
		  AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = c.oid AND s.attname = 'school_id' AND NOT s.attisdropped)`,
		schema), func(name string) bool { return slices.Contains(notTenant, name) }); len(bad) > 0 {
		t.Errorf("unique keys on tenant tables not led by school_id: %q", bad)
	}
	if bad := queryStrings(t, db, `
		SELECT k.conname::text FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
		WHERE n.nspname = $1 AND k.contype = 'f' AND a.attname <> 'school_id'
		  AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = k.conrelid AND s.attname = 'school_id' AND NOT s.attisdropped)
		  AND EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = k.confrelid AND s.attname = 'school_id' AND NOT s.attisdropped)`,
		schema); len(bad) > 0 {
		t.Errorf("foreign keys between tenant tables not led by school_id: %q", bad)
	}
}

// asApp runs fn in a transaction that first switches to the application
// role and, unless school is empty, sets vigil.school_id for the
// transaction only, as the store does. The transaction is rolled back.
func asApp(t *testing.T, db *sql.DB, school vigil.SchoolID, fn func(tx *sql.Tx)) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("SET LOCAL ROLE " + store.AppRole); err != nil {
		t.Fatalf("set role: %v", err)
	}
	if school != "" {
		if _, err := tx.Exec("SELECT set_config('vigil.school_id', $1, true)", string(school)); err != nil {
			t.Fatalf("set school: %v", err)
		}
	}
	fn(tx)
}

// count returns the number of rows q finds in tx.
func count(t *testing.T, tx *sql.Tx, q string, args ...any) int {
	t.Helper()
	var n int
	if err := tx.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// affected runs a write in tx and returns how many rows it touched.
func affected(t *testing.T, tx *sql.Tx, q string, args ...any) int64 {
	t.Helper()
	res, err := tx.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRLSViolation checks err is PostgreSQL's refusal of a row by a policy
// (SQLSTATE 42501), not some other failure.
func wantRLSViolation(t *testing.T, what string, err error) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" {
		t.Errorf("%s: error %v; want a row-level security violation (42501)", what, err)
	}
}

const insertPupilSQL = `INSERT INTO pupils (school_id, id, legal_forename, legal_surname, date_of_birth, sort_name, search_text, created_at, updated_at)
	VALUES ($1, $2, 'Rogue', 'Row', '2017-01-01', 'row rogue', 'rogue row', now(), now())`

func TestRowLevelSecurityBlocksQueries(t *testing.T) {
	s, db := openRLS(t)
	db.SetMaxOpenConns(1) // every transaction below borrows the same connection
	f := storetest.Seed(t, s)
	oak, elm := f.Oak, f.Elm
	amara := oak.Pupils["amara"]
	for _, sc := range []*storetest.School{oak, elm} {
		for _, p := range sc.Pupils {
			if err := s.ReplaceContacts(sc.Ctx, p.ID, []*vigil.Contact{{Name: "Parent of " + p.LegalForename, Priority: 1}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tables := map[string]struct{ oak, elm int }{
		"pupils":         {len(oak.Pupils), len(elm.Pupils)},
		"pupil_contacts": {len(oak.Pupils), len(elm.Pupils)},
		"memberships":    {len(oak.Staff), len(elm.Staff)},
		"categories":     {31, 31},
	}

	// Each school's setting shows that school's rows, so the zeros below
	// are the policy at work, not empty tables.
	for _, sc := range []*storetest.School{oak, elm} {
		asApp(t, db, sc.ID, func(tx *sql.Tx) {
			for table, n := range tables {
				want := n.oak
				if sc == elm {
					want = n.elm
				}
				if got := count(t, tx, "SELECT count(*) FROM "+table); got != want {
					t.Errorf("%s as %s: %d rows, want %d", table, sc.Slug, got, want)
				}
			}
		})
	}

	var pid int
	t.Run("no school set", func(t *testing.T) {
		asApp(t, db, "", func(tx *sql.Tx) {
			if err := tx.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
				t.Fatal(err)
			}
			for table := range tables {
				if n := count(t, tx, "SELECT count(*) FROM "+table); n != 0 {
					t.Errorf("%s with no school set: %d rows, want 0", table, n)
				}
			}
			if n := affected(t, tx, "UPDATE pupils SET legal_surname = 'Gone'"); n != 0 {
				t.Errorf("UPDATE with no school set touched %d rows", n)
			}
			if n := affected(t, tx, "DELETE FROM pupil_contacts"); n != 0 {
				t.Errorf("DELETE with no school set removed %d rows", n)
			}
		})
		asApp(t, db, "", func(tx *sql.Tx) {
			_, err := tx.Exec(insertPupilSQL, oak.ID, vigil.NewID())
			wantRLSViolation(t, "INSERT with no school set", err)
		})
		asApp(t, db, "", func(tx *sql.Tx) {
			_, err := tx.Exec(`INSERT INTO categories (school_id, id, key, name, sensitivity) VALUES ($1, $2, 'rogue', 'Rogue', 'low')`, oak.ID, vigil.NewID())
			wantRLSViolation(t, "INSERT category with no school set", err)
		})
	})

	t.Run("Elm set", func(t *testing.T) {
		asApp(t, db, elm.ID, func(tx *sql.Tx) {
			var id string
			err := tx.QueryRow("SELECT id FROM pupils WHERE id = $1", amara.ID).Scan(&id)
			if !errors.Is(err, sql.ErrNoRows) {
				t.Errorf("Oak's pupil by id as Elm: %q, %v; want no rows", id, err)
			}
			if n := count(t, tx, "SELECT count(*) FROM pupils WHERE school_id <> $1", elm.ID); n != 0 {
				t.Errorf("as Elm, %d pupils of other schools", n)
			}
			for table := range tables {
				if n := count(t, tx, "SELECT count(*) FROM "+table+" WHERE school_id = $1", oak.ID); n != 0 {
					t.Errorf("as Elm, %d of Oak's %s", n, table)
				}
			}
			for _, w := range []struct {
				q   string
				arg any
			}{
				{"UPDATE pupils SET legal_surname = 'Gone' WHERE id = $1", amara.ID},
				{"UPDATE pupils SET legal_surname = 'Gone' WHERE school_id = $1", oak.ID},
				{"DELETE FROM pupil_contacts WHERE pupil_id = $1", amara.ID},
				{"DELETE FROM pupils WHERE id = $1", amara.ID},
				{"DELETE FROM memberships WHERE school_id = $1", oak.ID},
			} {
				if n := affected(t, tx, w.q, w.arg); n != 0 {
					t.Errorf("as Elm, %s touched %d of Oak's rows", w.q, n)
				}
			}
			if n := affected(t, tx, "DELETE FROM categories"); n != int64(tables["categories"].elm) {
				t.Errorf("as Elm, DELETE FROM categories removed %d rows, want only Elm's %d", n, tables["categories"].elm)
			}
		})
		asApp(t, db, elm.ID, func(tx *sql.Tx) {
			_, err := tx.Exec(insertPupilSQL, oak.ID, vigil.NewID())
			wantRLSViolation(t, "as Elm, INSERT of an Oak row", err)
		})
		asApp(t, db, elm.ID, func(tx *sql.Tx) {
			_, err := tx.Exec("UPDATE pupils SET school_id = $1 WHERE id = $2", oak.ID, elm.Pupils["bruno"].ID)
			wantRLSViolation(t, "as Elm, moving a pupil to Oak", err)
		})
		asApp(t, db, elm.ID, func(tx *sql.Tx) {
			// The policy admits Elm's own rows, so the refusals above
			// are about the school, not the statement.
			if _, err := tx.Exec(insertPupilSQL, elm.ID, vigil.NewID()); err != nil {
				t.Errorf("as Elm, INSERT of an Elm row: %v", err)
			}
		})
	})

	t.Run("setting ends with the transaction", func(t *testing.T) {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("SET LOCAL ROLE " + store.AppRole); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("SELECT set_config('vigil.school_id', $1, true)", string(elm.ID)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM pupils").Scan(&n); err != nil || n != len(elm.Pupils) {
			t.Fatalf("as Elm: %d pupils, %v", n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		asApp(t, db, "", func(tx *sql.Tx) {
			var again int
			var setting sql.NullString
			if err := tx.QueryRow("SELECT pg_backend_pid(), current_setting('vigil.school_id', true)").Scan(&again, &setting); err != nil {
				t.Fatal(err)
			}
			if again != pid {
				t.Fatalf("backend %d, want the same pooled connection %d", again, pid)
			}
			if setting.String != "" {
				t.Errorf("vigil.school_id = %q after the transaction ended", setting.String)
			}
			for table := range tables {
				if n := count(t, tx, "SELECT count(*) FROM "+table); n != 0 {
					t.Errorf("%s on the reused connection: %d rows, want 0", table, n)
				}
			}
		})
		// The role was local too.
		var user string
		if err := db.QueryRow("SELECT current_user").Scan(&user); err != nil || user == store.AppRole {
			t.Errorf("current_user after the transaction = %q, %v", user, err)
		}
	})

	t.Run("first wall", func(t *testing.T) {
		if _, err := s.FindPupilByID(elm.Ctx, amara.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("store as Elm, Oak's pupil: %v; want ENOTFOUND", err)
		}
		if _, n, err := s.FindPupils(elm.Ctx, vigil.PupilFilter{Status: vigil.StatusAll, Query: "okafor"}); err != nil || n != 0 {
			t.Errorf("store as Elm, search for Oak's pupil: %d, %v", n, err)
		}
		if cs, err := s.FindContacts(elm.Ctx, amara.ID); err != nil || len(cs) != 0 {
			t.Errorf("store as Elm, Oak's contacts: %d, %v", len(cs), err)
		}
	})

	// Nothing above reached Oak's data.
	got, err := s.FindPupilByID(oak.Ctx, amara.ID)
	if err != nil || got.LegalSurname != amara.LegalSurname {
		t.Fatalf("Oak's pupil afterwards: %v, %v", got, err)
	}
	if cs, err := s.FindContacts(oak.Ctx, amara.ID); err != nil || len(cs) != 1 {
		t.Fatalf("Oak's contacts afterwards: %d, %v", len(cs), err)
	}
}
