package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// benchDB is a migrated store beside a raw pool on the same database, for
// the baseline every benchmark reports its ratio against.
type benchDB struct {
	s      *store.Store
	raw    *sql.DB
	ph     func(n int) string // the dialect's nth placeholder
	nextID int                // next id for the scratch table
}

// benchEach runs fn as sub-benchmarks "sqlite" and "postgres"; PostgreSQL is
// skipped when VIGIL_TEST_POSTGRES_URL is unset.
func benchEach(b *testing.B, fn func(b *testing.B, db *benchDB)) {
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "vigil.db")
		db := openBench(b, "sqlite:"+path, "sqlite",
			"file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)",
			func(int) string { return "?" })
		fn(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv(storetest.PostgresEnv)
		if base == "" {
			b.Skip("VIGIL_TEST_POSTGRES_URL not set; PostgreSQL skipped")
		}
		url := storetest.NewPostgresSchema(b, base)
		db := openBench(b, url, "pgx", url, func(n int) string { return fmt.Sprintf("$%d", n) })
		fn(b, db)
	})
}

func openBench(b *testing.B, storeURL, driver, rawDSN string, ph func(int) string) *benchDB {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, storeURL)
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	raw, err := sql.Open(driver, rawDSN)
	if err != nil {
		b.Fatalf("open raw: %v", err)
	}
	b.Cleanup(func() { raw.Close() })
	raw.SetMaxOpenConns(1) // one connection, as a single store writer has
	if _, err := raw.Exec("CREATE TABLE bench_scratch (id integer PRIMARY KEY, v text NOT NULL)"); err != nil {
		b.Fatalf("create scratch table: %v", err)
	}
	return &benchDB{s: s, raw: raw, ph: ph}
}

// school creates a school and returns a context acting on it.
func (db *benchDB) school(b *testing.B, slug string) context.Context {
	b.Helper()
	sc := &vigil.School{Slug: slug, Name: "Bench " + slug, Phase: "primary"}
	if err := db.s.CreateSchool(context.Background(), sc); err != nil {
		b.Fatalf("create school: %v", err)
	}
	return vigil.SystemContext(context.Background(), sc.ID)
}

// rawCommit inserts one scratch row in its own transaction: the raw commit.
func (db *benchDB) rawCommit() error {
	db.nextID++
	tx, err := db.raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO bench_scratch (id, v) VALUES ("+db.ph(1)+", "+db.ph(2)+")", db.nextID, "raw commit"); err != nil {
		return err
	}
	return tx.Commit()
}

// rawRead reads one scratch row by primary key: one raw round trip.
func (db *benchDB) rawRead(i int) error {
	var v string
	return db.raw.QueryRow("SELECT v FROM bench_scratch WHERE id = "+db.ph(1), i%db.nextID+1).Scan(&v)
}

// fillScratch adds n rows for rawRead.
func (db *benchDB) fillScratch(b *testing.B, n int) {
	b.Helper()
	for range n {
		if err := db.rawCommit(); err != nil {
			b.Fatalf("fill scratch: %v", err)
		}
	}
}

// reportRatio measures op's raw baseline after the timed loop, with the
// timer stopped, and reports the loop's time per op as a multiple of it.
// The baseline runs as many times as the loop did, within about a second.
func reportRatio(b *testing.B, unit string, raw func(i int) error) {
	b.Helper()
	if b.N == 0 {
		return
	}
	opTime := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	start := time.Now()
	n := 0
	for n < b.N && (n < 10 || time.Since(start) < time.Second) {
		if err := raw(n); err != nil {
			b.Fatalf("raw baseline: %v", err)
		}
		n++
	}
	rawTime := float64(time.Since(start).Nanoseconds()) / float64(n)
	b.ReportMetric(rawTime, "raw-ns/op")
	b.ReportMetric(opTime/rawTime, unit)
}

// benchPupil returns a valid pupil numbered n with surname surname.
func benchPupil(n int, surname string) *vigil.Pupil {
	p := &vigil.Pupil{
		MISID: fmt.Sprintf("b%07d", n), UPN: validUPN(820200000000 + n),
		LegalForename: fmt.Sprintf("Child%d", n), LegalSurname: surname,
		DateOfBirth: vigil.NewDate(2014+n%8, time.Month(1+n%12), 1+n%28), Sex: vigil.Sexes[n%3],
		YearGroup: vigil.YearGroups[3+n%7], RegGroup: fmt.Sprintf("%dA", 1+n%7), OnRoll: n%20 != 0,
		Flags: vigil.PupilFlags{},
	}
	if !p.OnRoll {
		p.LeftOn, p.Destination = vigil.NewDate(2025, 7, 20), "Moved away"
	}
	if n%9 == 0 {
		p.Flags[vigil.FlagFSM] = true
	}
	return p
}

// benchSurname is one of 200 surnames, so each is shared by 1 pupil in 200.
func benchSurname(n int) string { return fmt.Sprintf("Surname%03d", n%200) }

// fillPupils saves n pupils in one school in batches and returns their ids.
func fillPupils(b *testing.B, db *benchDB, ctx context.Context, n int) []vigil.PupilID {
	b.Helper()
	var ids []vigil.PupilID
	for start := 0; start < n; start += 500 {
		var batch []*vigil.Pupil
		for i := start; i < min(start+500, n); i++ {
			batch = append(batch, benchPupil(i, benchSurname(i)))
		}
		if _, _, err := db.s.SavePupilsByMISID(ctx, batch); err != nil {
			b.Fatalf("fill pupils: %v", err)
		}
		for _, p := range batch {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// BenchmarkPupilInsert creates one pupil per transaction; x-raw-commit is
// its time over a raw one-row insert committed in its own transaction.
func BenchmarkPupilInsert(b *testing.B) {
	benchEach(b, func(b *testing.B, db *benchDB) {
		ctx := db.school(b, "bench")
		db.fillScratch(b, 10)
		i := 0
		for b.Loop() {
			i++
			if err := db.s.CreatePupil(ctx, benchPupil(i, benchSurname(i))); err != nil {
				b.Fatal(err)
			}
		}
		reportRatio(b, "x-raw-commit", func(int) error { return db.rawCommit() })
	})
}

// BenchmarkPupilInsertBatch saves 100 new pupils per call, as an MIS sync
// of a new class does, each into a fresh school so every call does the same
// work; x-raw-commit is its time over one raw commit.
func BenchmarkPupilInsertBatch(b *testing.B) {
	const perOp = 100
	benchEach(b, func(b *testing.B, db *benchDB) {
		db.fillScratch(b, 10)
		n := 0
		for b.Loop() {
			b.StopTimer()
			n++
			ctx := db.school(b, fmt.Sprintf("batch%d", n))
			batch := make([]*vigil.Pupil, perOp)
			for i := range batch {
				batch[i] = benchPupil(n*perOp+i, benchSurname(i))
			}
			b.StartTimer()
			added, _, err := db.s.SavePupilsByMISID(ctx, batch)
			if err != nil || added != perOp {
				b.Fatalf("added %d, %v", added, err)
			}
		}
		b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "pupils/s")
		reportRatio(b, "x-raw-commit", func(int) error { return db.rawCommit() })
	})
}

// readBench sets up 2,000 pupils in one school for the read benchmarks.
func readBench(b *testing.B, db *benchDB) (context.Context, []vigil.PupilID) {
	b.Helper()
	ctx := db.school(b, "read")
	ids := fillPupils(b, db, ctx, 2000)
	db.fillScratch(b, 2000)
	return ctx, ids
}

// BenchmarkPupilList reads pages of 50 from 2,000 pupils, by surname.
func BenchmarkPupilList(b *testing.B) {
	benchEach(b, func(b *testing.B, db *benchDB) {
		ctx, _ := readBench(b, db)
		i := 0
		for b.Loop() {
			f := vigil.PupilFilter{Limit: 50, Offset: i % 30 * 50}
			i++
			list, total, err := db.s.FindPupils(ctx, f)
			if err != nil || len(list) != 50 || total != 1900 {
				b.Fatalf("page at %d: %d of %d, %v", f.Offset, len(list), total, err)
			}
		}
		reportRatio(b, "x-raw-read", db.rawRead)
	})
}

// BenchmarkPupilGet reads one pupil by id from 2,000.
func BenchmarkPupilGet(b *testing.B) {
	benchEach(b, func(b *testing.B, db *benchDB) {
		ctx, ids := readBench(b, db)
		i := 0
		for b.Loop() {
			if _, err := db.s.FindPupilByID(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
		reportRatio(b, "x-raw-read", db.rawRead)
	})
}

// BenchmarkPupilSearch searches 2,000 pupils, leavers too, for one surname
// (ten match).
func BenchmarkPupilSearch(b *testing.B) {
	benchEach(b, func(b *testing.B, db *benchDB) {
		ctx, _ := readBench(b, db)
		i := 0
		for b.Loop() {
			q := benchSurname(i)
			i++
			list, _, err := db.s.FindPupils(ctx, vigil.PupilFilter{Query: q, Status: vigil.StatusAll, Limit: 50})
			if err != nil || len(list) != 10 {
				b.Fatalf("search %s: %d, %v", q, len(list), err)
			}
		}
		reportRatio(b, "x-raw-read", db.rawRead)
	})
}
