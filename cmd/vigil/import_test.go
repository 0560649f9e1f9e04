package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// importDBs is SQLite always, and PostgreSQL too when the test database is
// given, as the other command tests run.
func importDBs(t *testing.T) map[string]string {
	t.Helper()
	dbs := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.PostgresEnv); u != "" {
		dbs["postgres"] = storetest.NewPostgresSchema(t, u)
	}
	return dbs
}

// schoolCSV writes a generated school's pupils export to a file and
// returns the file's path and the school.
func schoolCSV(t *testing.T, seed int64, n int) (string, *mis.Batch) {
	t.Helper()
	b := misgen.School(seed, n)
	var buf bytes.Buffer
	if err := misgen.WriteCSV(&buf, b); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "pupils.csv", buf.Bytes()), b
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// schoolCtx is the system actor of the school with the slug.
func schoolCtx(t *testing.T, s *store.Store, slug string) context.Context {
	t.Helper()
	ctx := context.Background()
	sc, err := s.FindSchoolBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.SystemContext(ctx, sc.ID)
}

// countPupils returns how many pupils, on roll or not, the school holds.
func countPupils(t *testing.T, s *store.Store, slug string) int {
	t.Helper()
	_, n, err := s.FindPupils(schoolCtx(t, s, slug), vigil.PupilFilter{Status: vigil.StatusAll})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hasCount reports whether the import summary has the line "label n",
// such as "  added            120".
func hasCount(out, label string, n int) bool {
	return regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(label) + `\s+` + strconv.Itoa(n) + `\s*$`).MatchString(out)
}

// importer runs vigil commands against one data folder and database.
type importer struct {
	t    *testing.T
	vars map[string]string
}

// run runs vigil and fails the test unless it exits with want.
func (im importer) run(want int, stdin string, args ...string) (stdout, stderr string) {
	im.t.Helper()
	code, out, errOut := runCmd(im.t, im.vars, stdin, args...)
	if code != want {
		im.t.Fatalf("vigil %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out, errOut
}

func TestImportCSV(t *testing.T) {
	const n = 120
	file, school := schoolCSV(t, 1, n)
	for name, dbURL := range importDBs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			im := importer{t, map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}}
			im.run(0, "", "school", "add", "--slug", "oak", "--name", "Oak Primary")
			im.run(0, "", "school", "add", "--slug", "elm", "--name", "Elm Academy")
			s := openStoreForTest(t, dir, dbURL)

			// A dry run says what it would do and adds nobody.
			out, _ := im.run(0, "", "import", "csv", "--school", "oak", "--dry-run", file)
			if !strings.HasPrefix(out, "Dry run: nothing was changed (csv, full).") || !hasCount(out, "added", n) || !hasCount(out, "pupils read", n) {
				t.Errorf("dry run summary:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != 0 {
				t.Fatalf("a dry run added %d pupils", got)
			}

			// The real thing adds everyone, once.
			out, _ = im.run(0, "", "import", "csv", "--school", "oak", file)
			if !strings.HasPrefix(out, "Imported (csv, full).") || !hasCount(out, "added", n) || !hasCount(out, "changed", 0) || !hasCount(out, "marked as left", 0) {
				t.Errorf("first import summary:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != n {
				t.Fatalf("%d pupils after the import, want %d", got, n)
			}
			out, _ = im.run(0, "", "import", "csv", "--school", "oak", file)
			if !hasCount(out, "pupils read", n) || !hasCount(out, "added", 0) || !hasCount(out, "changed", 0) || !hasCount(out, "contacts updated", 0) {
				t.Errorf("the same file again changed something:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != n {
				t.Fatalf("%d pupils after the second import, want %d", got, n)
			}
			if got := countPupils(t, s, "elm"); got != 0 {
				t.Fatalf("importing into oak put %d pupils in elm", got)
			}

			// One impossible date: the row and column are named, the value
			// and the pupil are not, and nothing is imported.
			bad := brokenCSV(t, file, 17, "Date of Birth", "31/02/2016")
			_, errOut := im.run(1, "", "import", "csv", "--school", "elm", bad)
			p := school.Pupils[17]
			if !strings.Contains(errOut, p.Ref+", Date of Birth:") || !strings.Contains(errOut, "Nothing was imported. 1 problem:") {
				t.Errorf("broken row: stderr lacks %q:\n%s", p.Ref+", Date of Birth:", errOut)
			}
			for _, secret := range []string{"31/02/2016", "2016-02-31", p.LegalSurname, p.UPN} {
				if strings.Contains(errOut, secret) {
					t.Errorf("broken row: stderr shows the pupil's data (%q):\n%s", secret, errOut)
				}
			}
			if got := countPupils(t, s, "elm"); got != 0 {
				t.Fatalf("a file with a problem imported %d pupils", got)
			}
			// The refusal is in the sync history, without the value.
			syncs, err := s.FindMISSyncs(schoolCtx(t, s, "elm"), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(syncs) != 1 || syncs[0].Status != store.SyncRefused || syncs[0].Problems != 1 || syncs[0].Added != 0 {
				t.Errorf("elm's sync history after a refused file: %+v", syncs)
			} else if strings.Contains(syncs[0].Message+strings.Join(problemTexts(syncs[0]), "\n"), "31/02") {
				t.Errorf("the sync history holds the bad value: %+v", syncs[0])
			}

			// A PDF saved with a .csv name: one clear message.
			pdf := writeTemp(t, "pupils.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"))
			_, errOut = im.run(1, "", "import", "csv", "--school", "elm", pdf)
			if strings.Count(errOut, "This is a PDF file") != 1 {
				t.Errorf("PDF: want the PDF message once:\n%s", errOut)
			}
			if got := countPupils(t, s, "elm"); got != 0 {
				t.Fatalf("a PDF imported %d pupils", got)
			}

			// Standard input, as "-".
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, _ = im.run(0, string(data), "import", "csv", "--school", "elm", "-")
			if !hasCount(out, "added", n) {
				t.Errorf("import from stdin:\n%s", out)
			}
			if got := countPupils(t, s, "elm"); got != n {
				t.Fatalf("%d pupils after the import from stdin, want %d", got, n)
			}
		})
	}
}

// problemTexts is a sync's reported problems, as shown.
func problemTexts(y *store.MISSync) []string {
	if y.Report == nil {
		return nil
	}
	var out []string
	for _, p := range y.Report.Problems {
		out = append(out, p.String())
	}
	return out
}

// brokenCSV copies the CSV at path with one pupil's (0-based) column set
// to value, and returns the copy's path.
func brokenCSV(t *testing.T, path string, pupil int, column, value string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], column)
	if col < 0 || pupil+1 >= len(recs) {
		t.Fatalf("no column %q or row %d in the generated file", column, pupil)
	}
	if recs[pupil+1][col] == value {
		t.Fatalf("the generated file already has %q", value)
	}
	recs[pupil+1][col] = value
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "broken.csv", buf.Bytes())
}

func TestImportCTF(t *testing.T) {
	example, err := filepath.Abs("../../mis/ctf/testdata/example.xml")
	if err != nil {
		t.Fatal(err)
	}
	xxe := writeTemp(t, "xxe.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion></Header>
<CTfilePupilData><Pupil><UPN>R990214525001</UPN><Surname>&xxe;</Surname></Pupil></CTfilePupilData></CTfile>
`))
	for name, dbURL := range importDBs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			im := importer{t, map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}}
			im.run(0, "", "school", "add", "--slug", "oak", "--name", "Oak Primary")
			s := openStoreForTest(t, dir, dbURL)

			out, _ := im.run(0, "", "import", "ctf", "--school", "oak", example)
			if !strings.HasPrefix(out, "Imported (ctf, ") || !hasCount(out, "pupils read", 1) || !hasCount(out, "added", 1) {
				t.Errorf("CTF summary:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != 1 {
				t.Fatalf("%d pupils after the CTF, want 1", got)
			}

			out, errOut := im.run(1, "", "import", "ctf", "--school", "oak", xxe)
			if !strings.Contains(errOut, "DTD not allowed") || strings.Contains(errOut+out, "root:") {
				t.Errorf("XXE file: stdout %q, stderr %q", out, errOut)
			}
			if got := countPupils(t, s, "oak"); got != 1 {
				t.Fatalf("%d pupils after the refused CTF, want 1", got)
			}
		})
	}
}

func TestImportWonde(t *testing.T) {
	const (
		n       = 60
		wondeID = "A1930499544"
		// token is long and odd enough that finding it means it leaked.
		token = "wonde-test-token-7f3c9a21e4b86d05c1f2a9e8"
	)
	b := misgen.School(7, n)
	for name, dbURL := range importDBs(t) {
		t.Run(name, func(t *testing.T) {
			fake := wondefake.NewServer(token)
			fake.SetSchool(wondeID, b.Pupils, b.Staff)
			srv := httptest.NewServer(fake.Handler())
			t.Cleanup(srv.Close)
			// The token file lives outside the data folder, whose every
			// byte is searched for the token.
			tokenFile := writeTemp(t, "wonde.token", []byte(token+"\n"))

			dir := t.TempDir()
			im := importer{t, map[string]string{"VIGIL_DATA": dir, "VIGIL_DATABASE_URL": dbURL, "VIGIL_LOG_LEVEL": "warn"}}
			im.run(0, "", "keys", "init")
			im.run(0, "", "school", "add", "--slug", "oak", "--name", "Oak Primary")
			s := openStoreForTest(t, dir, dbURL)
			var said []string
			wonde := func(want int, args ...string) (string, string) {
				t.Helper()
				out, errOut := im.run(want, "", append([]string{"import", "wonde", "--school", "oak"}, args...)...)
				said = append(said, out, errOut)
				return out, errOut
			}

			// The first run links the school and reads the whole roll.
			out, _ := wonde(0, "--wonde-id", wondeID, "--token-file", tokenFile, srv.URL+"/v1.0/")
			if !strings.Contains(out, "Linked Oak Primary to Wonde school "+wondeID) || !strings.Contains(out, "Imported (wonde, full).") ||
				!hasCount(out, "added", n) || !regexp.MustCompile(`staff\s+`+strconv.Itoa(len(b.Staff))+` new`).MatchString(out) {
				t.Errorf("first sync:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != n {
				t.Fatalf("%d pupils after the first sync, want %d", got, n)
			}

			// Later runs need neither id nor token, and read only changes.
			out, _ = wonde(0)
			if !strings.HasPrefix(out, "Imported (wonde, delta).") || !hasCount(out, "pupils read", 0) || !hasCount(out, "added", 0) || !hasCount(out, "marked as left", 0) {
				t.Errorf("delta sync with nothing changed:\n%s", out)
			}
			if !fake.SetUpdated(wondeID, "S1", time.Now()) {
				t.Fatal("the fake has no student S1")
			}
			out, _ = wonde(0)
			if !strings.HasPrefix(out, "Imported (wonde, delta).") || !hasCount(out, "pupils read", 1) || !hasCount(out, "added", 0) || !hasCount(out, "changed", 0) {
				t.Errorf("delta sync after one record was touched:\n%s", out)
			}
			if got := countPupils(t, s, "oak"); got != n {
				t.Fatalf("%d pupils after the delta syncs, want %d", got, n)
			}
			// A URL is only taken when the link is made.
			wonde(2, srv.URL+"/v1.0/")

			// A revoked token: the run fails, saying to re-authorise.
			fake.Revoke()
			_, errOut := wonde(1)
			if !strings.Contains(errOut, "re-authorise") {
				t.Errorf("revoked token: stderr %q", errOut)
			}
			if got := countPupils(t, s, "oak"); got != n {
				t.Fatalf("%d pupils after the refused sync, want %d", got, n)
			}
			if l, err := s.FindMISLink(schoolCtx(t, s, "oak")); err != nil || l.Status != store.LinkReauthorise {
				t.Errorf("the link after a revoked token: %+v, %v; want status %q", l, err, store.LinkReauthorise)
			}

			for _, text := range said {
				if strings.Contains(text, token) {
					t.Fatalf("the token is in the output: %q", text)
				}
			}
			tokenAtRest(t, dir, dbURL, token, wondeID)
		})
	}
}

// tokenAtRest fails the test if token is in any file of the data folder or
// any row of the database, or if wondeID (kept in plain text beside the
// sealed token) is not, which would mean the search looked in the wrong
// place.
func tokenAtRest(t *testing.T, dir, dbURL, token, wondeID string) {
	t.Helper()
	found := map[string]int{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(token)) {
			t.Errorf("the Wonde token is in %s", path)
		}
		if bytes.Contains(b, []byte(wondeID)) {
			found["id"]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dbURL == "" {
		if found["id"] == 0 {
			t.Fatal("the Wonde school id is in no file of the data folder: the search looked in the wrong place")
		}
		return
	}
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
		var tbl string
		if err := rows.Scan(&tbl); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tbl)
	}
	rows.Close()
	for _, tbl := range tables {
		for what, needle := range map[string]string{"token": token, "id": wondeID} {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM "`+tbl+`" AS r WHERE r::text LIKE '%' || $1 || '%'`, needle).Scan(&n); err != nil {
				t.Fatalf("search %s: %v", tbl, err)
			}
			found["db "+what] += n
		}
	}
	if found["db token"] != 0 || found["db id"] == 0 || len(tables) < 5 {
		t.Fatalf("in %d tables: the token is in %d rows, the Wonde id in %d (want 0 and some)", len(tables), found["db token"], found["db id"])
	}
}

func TestImportUsage(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"VIGIL_DATA": t.TempDir(), "VIGIL_LOG_LEVEL": "warn"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "say csv, ctf or wonde"},
		{[]string{"import", "csv", "pupils.csv"}, "--school is required"},
		{[]string{"import", "wonde"}, "--school is required"},
		{[]string{"import", "sims", "--school", "oak", "pupils.csv"}, "unknown source"},
		{[]string{"import", "csv", "--school", "oak"}, "give one FILE"},
		{[]string{"import", "ctf", "--school", "oak"}, "give one FILE"},
		{[]string{"import", "csv", "--school", "oak", "a.csv", "b.csv"}, "give one FILE"},
		{[]string{"import", "csv", "--school", "oak", "--wonde-id", "A1", "a.csv"}, "unknown flag"},
	} {
		code, out, stderr := runCmd(t, vars, "", tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
		if strings.Contains(out, "Imported") {
			t.Errorf("%v: imported something: %q", tc.args, out)
		}
	}
	for _, src := range []string{"csv", "ctf", "wonde"} {
		if code, out, _ := runCmd(t, vars, "", "import", src, "--help"); code != 0 || !strings.Contains(out, "Usage: vigil import "+src) {
			t.Errorf("import %s --help: %d %q", src, code, out)
		}
	}
}

// TestImportProgressOnlyOnTerminal imports with stderr a real file, which
// is not a terminal: the bar must not be drawn there.
func TestImportProgressOnlyOnTerminal(t *testing.T) {
	t.Parallel()
	const n = 50
	file, _ := schoolCSV(t, 2, n)
	vars := map[string]string{"VIGIL_DATA": t.TempDir(), "VIGIL_LOG_LEVEL": "warn"}
	if code, _, stderr := runCmd(t, vars, "", "school", "add", "--slug", "oak", "--name", "Oak Primary"); code != 0 {
		t.Fatalf("school add: %s", stderr)
	}
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	var out bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: errFile, getenv: func(k string) string { return vars[k] }}
	if code := run(context.Background(), e, []string{"import", "csv", "--school", "oak", file}); code != 0 {
		b, _ := os.ReadFile(errFile.Name())
		t.Fatalf("import: exit %d: %s", code, b)
	}
	if !hasCount(out.String(), "added", n) {
		t.Fatalf("import summary:\n%s", out.String())
	}
	b, err := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(b, "\r#") {
		t.Errorf("a progress bar was drawn on a file: %q", b)
	}
}
