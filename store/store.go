// Package store keeps Vigil's records in SQLite (the embedded default) or
// PostgreSQL (the scale option) with the same code: portable SQL over
// database/sql, one migration folder per dialect, and the little that differs
// in dialect.go.
//
// Every exported method takes the school from the actor in its context, never
// from an argument a request could forge, and names it in every query. On
// PostgreSQL each transaction also sets vigil.school_id for row-level
// security and runs as the non-owning role vigil_app, the second wall.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vigil-safeguarding/vigil"
)

//go:embed migrations
var migrations embed.FS

// AppRole is the PostgreSQL role every transaction runs as. It owns no table,
// is not a superuser and cannot bypass row-level security.
const AppRole = "vigil_app"

// Store is Vigil's database.
type Store struct {
	dialect dialect
	db      *sql.DB // writes; on SQLite one connection, so writers queue
	read    *sql.DB // reads; on PostgreSQL the same pool as db
	pool    *pgxpool.Pool

	// Now returns the time a transaction records. Tests replace it.
	Now func() time.Time

	// AuditMilestone, if set, is called when a school's audit trail
	// reaches a multiple of 1,000 events, so a checkpoint is signed soon
	// (audit.Checkpointer.Nudge). It must not block.
	AuditMilestone func()

	// JobEnqueued, if set, is called after a transaction that enqueued a
	// job commits, so a runner in this process starts it at once
	// (job.Runner.Notify). It must not block.
	JobEnqueued func()
}

// Open connects to the database named by rawURL: "sqlite:PATH" (the folder
// must exist) or "postgres://..." (or "postgresql://"). It checks the
// connection but does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	}
	return nil, vigil.Errorf(vigil.EINVALID, "the database URL must start with sqlite: or postgres://")
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, vigil.Errorf(vigil.EINVALID, "the sqlite: URL needs a file path without ? or #")
	}
	if dir := filepath.Dir(path); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, vigil.Errorf(vigil.EUNAVAILABLE, "the folder for the SQLite database does not exist: %s", dir)
		}
	}
	// busy_timeout comes first so the pragmas after it wait for a lock
	// rather than fail; synchronous(FULL) makes a commit survive a power cut;
	// _txlock=immediate takes the write lock at BEGIN so writers queue.
	const common = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	writer, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, vigil.Errorf(vigil.EUNAVAILABLE, "cannot open the SQLite database %s: %v", path, err)
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	return &Store{dialect: sqliteDialect{}, db: writer, read: reader, Now: time.Now}, nil
}

func openPostgres(ctx context.Context, rawURL string) (*Store, error) {
	if _, err := url.Parse(rawURL); err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "the PostgreSQL URL cannot be read; check its form (postgres://user@host:port/database)")
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "the PostgreSQL URL cannot be read; check its form (postgres://user@host:port/database)")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, vigil.Errorf(vigil.EUNAVAILABLE, "cannot reach PostgreSQL at %s:%d: %s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, pgReason(err))
	}
	db := stdlib.OpenDBFromPool(pool)
	return &Store{dialect: postgresDialect{}, db: db, read: db, pool: pool, Now: time.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name() }

// Ping checks the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return vigil.Errorf(vigil.EUNAVAILABLE, "the database does not answer")
	}
	return nil
}

// Version returns the schema version of the database and the newest this
// binary knows.
func (s *Store) Version(ctx context.Context) (current, latest int64, err error) {
	p, err := s.migrator()
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	latest = srcs[len(srcs)-1].Version
	current, err = s.dbVersion(ctx)
	return current, latest, err
}

// Migrate brings the schema up to date. A database written by a newer Vigil
// is refused with EINVALID rather than touched. On PostgreSQL an advisory
// lock lets several processes start at once.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	current, latest, err := s.Version(ctx)
	if err != nil {
		return 0, err
	}
	if current > latest {
		return 0, vigil.Errorf(vigil.EINVALID,
			"the database is at schema version %d, newer than this vigil knows (%d); run the newer vigil or restore a backup", current, latest)
	}
	if current == latest {
		return 0, nil // nothing to do, and the app role may not create tables
	}
	p, err := s.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect.name())
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if s.dialect.name() == "postgres" {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, s.db, sub, opts...)
}

// dbVersion reads the newest applied migration, 0 for an empty database.
func (s *Store) dbVersion(ctx context.Context) (int64, error) {
	var exists bool
	if err := s.db.QueryRowContext(ctx, s.dialect.tableExists(), goose.DefaultTablename).Scan(&exists); err != nil {
		return 0, s.wrap(err, "read schema version")
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT max(version_id) FROM "+goose.DefaultTablename+" WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, s.wrap(err, "read schema version")
	}
	return v.Int64, nil
}

// Tx is a transaction scoped to one school, with one timestamp for every
// change it makes.
type Tx struct {
	tx     *sql.Tx
	d      dialect
	now    time.Time
	school vigil.SchoolID
	person vigil.PersonID
	joined bool      // part of a RunInTx transaction: Commit and Rollback are left to it
	after  *[]func() // run once the outermost transaction commits; shared with joined Txs
	// stmts, when set, keeps each statement exec prepares, for a bulk
	// write that runs the same few statements thousands of times.
	stmts map[string]*sql.Stmt
}

// prepareEach makes exec prepare each statement once, until the returned
// func closes them.
func (tx *Tx) prepareEach() (done func()) {
	tx.stmts = map[string]*sql.Stmt{}
	return func() {
		for _, st := range tx.stmts {
			st.Close()
		}
		tx.stmts = nil
	}
}

type txKey struct{}

// RunInTx runs fn in one write transaction: every store call fn makes with
// the context it is given joins it. The transaction commits if fn returns
// nil and rolls back otherwise.
func (s *Store) RunInTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*Tx); ok {
		return fn(ctx)
	}
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	return tx.Commit()
}

// begin starts a transaction for the school of the actor in ctx, or joins the
// one RunInTx opened. A read transaction uses the read pool.
func (s *Store) begin(ctx context.Context, write bool) (*Tx, error) {
	var school vigil.SchoolID
	var person vigil.PersonID
	if a := vigil.ActorFrom(ctx); a != nil {
		school, person = a.SchoolID, a.PersonID
	}
	if outer, ok := ctx.Value(txKey{}).(*Tx); ok {
		if outer.school != school {
			return nil, fmt.Errorf("begin: joined transaction is for another school")
		}
		return &Tx{tx: outer.tx, d: outer.d, now: outer.now, school: school, person: person, joined: true, after: outer.after}, nil
	}
	return s.beginScoped(ctx, write, school, person)
}

// beginScoped starts a transaction for an explicit school and person. Only
// the store's own global lookups (sign-in, sessions) call it directly.
func (s *Store) beginScoped(ctx context.Context, write bool, school vigil.SchoolID, person vigil.PersonID) (*Tx, error) {
	db, opts := s.db, (*sql.TxOptions)(nil)
	if !write {
		db = s.read
		if s.dialect.name() == "postgres" {
			opts = &sql.TxOptions{ReadOnly: true}
		}
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, s.wrap(err, "begin")
	}
	t := &Tx{tx: tx, d: s.dialect, now: s.Now().UTC().Truncate(time.Microsecond), school: school, person: person, after: new([]func())}
	if q, args := s.dialect.scope(school, person); q != "" {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			tx.Rollback()
			return nil, s.wrap(err, "scope transaction")
		}
	}
	return t, nil
}

// Commit commits the transaction, unless it was joined.
func (tx *Tx) Commit() error {
	if tx.joined {
		return nil
	}
	if err := wrapErr(tx.d, tx.tx.Commit(), "commit"); err != nil {
		return err
	}
	if tx.after != nil {
		for _, fn := range *tx.after {
			fn()
		}
		*tx.after = nil
	}
	return nil
}

// afterCommit arranges for fn to run once the outermost transaction has
// committed, and never if it rolls back.
func (tx *Tx) afterCommit(fn func()) {
	if tx.after != nil {
		*tx.after = append(*tx.after, fn)
	}
}

// Rollback abandons the transaction, unless it was joined. It is safe to
// call after Commit.
func (tx *Tx) Rollback() {
	if !tx.joined {
		_ = tx.tx.Rollback()
	}
}

// School returns the school the transaction is scoped to.
func (tx *Tx) School() vigil.SchoolID { return tx.school }

// Now returns the transaction's timestamp.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if tx.stmts == nil {
		return tx.tx.ExecContext(ctx, tx.d.rebind(q), args...)
	}
	st, ok := tx.stmts[q]
	if !ok {
		var err error
		if st, err = tx.tx.PrepareContext(ctx, tx.d.rebind(q)); err != nil {
			return nil, err
		}
		tx.stmts[q] = st
	}
	return st.ExecContext(ctx, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.d.rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.d.rebind(q), args...)
}

// needSchool refuses a tenant query made without a school in the context.
func (tx *Tx) needSchool() error {
	if tx.school == "" {
		return vigil.Errorf(vigil.EFORBIDDEN, "Choose a school first.")
	}
	return nil
}

// wrap turns a driver error into a vigil.Error where it has a meaning users
// can act on; the detail stays in the wrapped error for the log.
func (s *Store) wrap(err error, action string) error {
	return wrapErr(s.dialect, err, action)
}

func wrapErr(d dialect, err error, action string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*vigil.Error](err); ok {
		return err
	}
	switch d.classify(err) {
	case errUnique:
		return &wrapped{vigil.Errorf(vigil.ECONFLICT, "That already exists."), fmt.Errorf("%s: %w", action, err)}
	case errUnavailable:
		return &wrapped{vigil.Errorf(vigil.EUNAVAILABLE, "The database is not available just now."), fmt.Errorf("%s: %w", action, err)}
	}
	return fmt.Errorf("%s: %w", action, err)
}

// wrapped is a user-safe error that keeps the driver's detail for the log.
type wrapped struct {
	safe   *vigil.Error
	detail error
}

func (w *wrapped) Error() string { return w.detail.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{w.safe, w.detail}
}

// ExecForTest runs raw SQL outside any school scope. Only tests call it, to
// set up states the store would never write (a schema from a newer Vigil).
func (s *Store) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := s.db.ExecContext(ctx, s.dialect.rebind(q), args...)
	return err
}
