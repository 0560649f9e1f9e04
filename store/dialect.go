package store

import (
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vigil-safeguarding/vigil"
)

// dialect is the little that differs between SQLite and PostgreSQL.
type dialect interface {
	name() string
	// rebind turns ? placeholders into the dialect's own.
	rebind(q string) string
	// scope returns the statement that scopes a new transaction to a school
	// and person, or "" where the database has no such thing.
	scope(school vigil.SchoolID, person vigil.PersonID) (string, []any)
	// tableExists is a query taking a table name that returns one boolean.
	tableExists() string
	// lockSchool is a statement taking a school id that serialises writers
	// of that school's audit trail until the transaction ends, or "" where
	// writers are serialised already.
	lockSchool() string
	classify(err error) errKind
}

type errKind int

const (
	errOther errKind = iota
	errUnique
	errUnavailable
)

type sqliteDialect struct{}

func (sqliteDialect) name() string                                         { return "sqlite" }
func (sqliteDialect) rebind(q string) string                               { return q }
func (sqliteDialect) scope(vigil.SchoolID, vigil.PersonID) (string, []any) { return "", nil }
func (sqliteDialect) lockSchool() string                                   { return "" } // one writer connection

func (sqliteDialect) tableExists() string {
	return "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?"
}

func (sqliteDialect) classify(err error) errKind {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errUnique
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return errUnavailable
		}
	}
	return errOther
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

// rebind numbers each ? as $1, $2... Vigil's SQL never puts ? in a literal.
func (postgresDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// scope sets the role and the row-level security settings for this
// transaction only (set_config's third argument), so a pooled connection
// never carries them to its next borrower.
func (postgresDialect) scope(school vigil.SchoolID, person vigil.PersonID) (string, []any) {
	return "SELECT set_config('role', '" + AppRole + "', true), set_config('vigil.school_id', $1, true), set_config('vigil.person_id', $2, true)",
		[]any{string(school), string(person)}
}

func (postgresDialect) lockSchool() string {
	return "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))"
}

func (postgresDialect) tableExists() string {
	return "SELECT to_regclass($1) IS NOT NULL"
}

func (postgresDialect) classify(err error) errKind {
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case e.Code == "23505":
			return errUnique
		case strings.HasPrefix(e.Code, "08"), e.Code == "57P01", e.Code == "57P03", e.Code == "53300":
			return errUnavailable
		}
		return errOther
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return errUnavailable
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return errUnavailable
	}
	return errOther
}

// pgReason gives a one-line reason a connection failed, without the URL.
func pgReason(err error) string {
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Message
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}
