package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"regexp"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// States of a school key version. A school has at most one active version,
// which seals new values; retiring versions still open old values until the
// re-encryption job has moved them; a destroyed version's key is wiped.
const (
	KeyActive    = "active"
	KeyRetiring  = "retiring"
	KeyDestroyed = "destroyed"
)

// SchoolKey is one version of a school's data key, wrapped by the key that
// WrapperID names. The store never sees an unwrapped key.
type SchoolKey struct {
	School      vigil.SchoolID
	Version     uint32
	Wrapped     []byte // empty once destroyed
	WrapperID   string
	State       string
	CreatedAt   time.Time
	RetiredAt   time.Time // zero while active
	DestroyedAt time.Time // zero until destroyed
}

// SealedColumn names a table whose fields hold values sealed with school
// keys, so re-encryption and status can walk it. The table has school_id,
// the ID column and each field (bytes whose second to fifth byte are the
// key version, as crypt writes them).
type SealedColumn struct {
	Table, ID string
	Fields    []string
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (c SealedColumn) check(field string) error {
	for _, n := range []string{c.Table, c.ID, field} {
		if !identifier.MatchString(n) {
			return fmt.Errorf("sealed column: bad identifier %q", n)
		}
	}
	return nil
}

// versionBytes is how a key version appears inside a sealed value.
func versionBytes(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// SchoolKeys returns every key version of the school, oldest first. It
// always reads committed rows in a transaction of its own, so the vault sees
// a rotation made by another process.
func (s *Store) SchoolKeys(ctx context.Context, school vigil.SchoolID) ([]SchoolKey, error) {
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	keys, err := findSchoolKeys(ctx, tx, "")
	if err != nil {
		return nil, err
	}
	return keys, tx.Commit()
}

func findSchoolKeys(ctx context.Context, tx *Tx, where string, args ...any) ([]SchoolKey, error) {
	q := `SELECT version, wrapped, wrapper_id, state, created_at, retired_at, destroyed_at
		FROM school_keys WHERE school_id = ?`
	if where != "" {
		q += " AND " + where
	}
	rows, err := tx.query(ctx, q+" ORDER BY version", append([]any{tx.school}, args...)...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find school keys")
	}
	defer rows.Close()
	var out []SchoolKey
	for rows.Next() {
		k := SchoolKey{School: tx.school}
		var version int64
		var retired, destroyed sql.NullTime
		if err := rows.Scan(&version, &k.Wrapped, &k.WrapperID, &k.State, &k.CreatedAt, &retired, &destroyed); err != nil {
			return nil, wrapErr(tx.d, err, "scan school key")
		}
		k.Version, k.RetiredAt, k.DestroyedAt = uint32(version), retired.Time, destroyed.Time
		out = append(out, k)
	}
	return out, wrapErr(tx.d, rows.Err(), "find school keys")
}

// beginKeys starts a write transaction for school, joining one RunInTx
// opened for the same school (so a value sealed inside it can make the
// school's first key without waiting on itself).
func (s *Store) beginKeys(ctx context.Context, school vigil.SchoolID) (*Tx, error) {
	if outer, ok := ctx.Value(txKey{}).(*Tx); ok && outer.school == school {
		return &Tx{tx: outer.tx, d: outer.d, now: outer.now, school: school, person: outer.person, joined: true}, nil
	}
	return s.beginScoped(ctx, true, school, "")
}

// EnsureSchoolKey saves k as the school's first key unless the school has a
// key already, and returns the active version. Two callers racing get the
// same key.
func (s *Store) EnsureSchoolKey(ctx context.Context, k SchoolKey) (SchoolKey, error) {
	tx, err := s.beginKeys(ctx, k.School)
	if err != nil {
		return SchoolKey{}, err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.queryRow(ctx, "SELECT count(*) FROM school_keys WHERE school_id = ?", k.School).Scan(&n); err != nil {
		return SchoolKey{}, s.wrap(err, "count school keys")
	}
	if n == 0 {
		// A racing first key wins; this one is dropped.
		_, err = tx.exec(ctx, `INSERT INTO school_keys (school_id, version, wrapped, wrapper_id, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (school_id, version) DO NOTHING`,
			k.School, int64(k.Version), k.Wrapped, k.WrapperID, KeyActive, tx.now)
		if err != nil {
			return SchoolKey{}, s.wrap(err, "insert school key")
		}
	}
	keys, err := findSchoolKeys(ctx, tx, "state = ?", KeyActive)
	if err != nil {
		return SchoolKey{}, err
	}
	if len(keys) == 0 {
		return SchoolKey{}, vigil.Errorf(vigil.ECONFLICT, "The school has no active key.")
	}
	return keys[len(keys)-1], tx.Commit()
}

// RotateSchoolKey retires the school's active key and saves a new version,
// wrapped by wrap, as the active one, in one transaction. It returns the new
// version.
func (s *Store) RotateSchoolKey(ctx context.Context, school vigil.SchoolID, wrap func(version uint32) (wrapped []byte, wrapperID string, err error)) (uint32, error) {
	tx, err := s.beginScoped(ctx, true, school, "")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var top sql.NullInt64
	if err := tx.queryRow(ctx, "SELECT max(version) FROM school_keys WHERE school_id = ?", school).Scan(&top); err != nil {
		return 0, s.wrap(err, "read key version")
	}
	next := uint32(top.Int64) + 1
	wrapped, wrapperID, err := wrap(next)
	if err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, "UPDATE school_keys SET state = ?, retired_at = ? WHERE school_id = ? AND state = ?",
		KeyRetiring, tx.now, school, KeyActive); err != nil {
		return 0, s.wrap(err, "retire school key")
	}
	if _, err := tx.exec(ctx, `INSERT INTO school_keys (school_id, version, wrapped, wrapper_id, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, school, int64(next), wrapped, wrapperID, KeyActive, tx.now); err != nil {
		return 0, s.wrap(err, "insert school key")
	}
	return next, tx.Commit()
}

// RewrapSchoolKeys passes each of the school's live keys to fn and saves
// what it returns: the master key rotation. fn returns changed false for a
// key already under the new wrapper. It returns how many changed.
func (s *Store) RewrapSchoolKeys(ctx context.Context, school vigil.SchoolID, fn func(k SchoolKey) (wrapped []byte, wrapperID string, changed bool, err error)) (int, error) {
	tx, err := s.beginScoped(ctx, true, school, "")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	keys, err := findSchoolKeys(ctx, tx, "state <> ?", KeyDestroyed)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		wrapped, id, changed, err := fn(k)
		if err != nil {
			return 0, err
		}
		if !changed {
			continue
		}
		if _, err := tx.exec(ctx, "UPDATE school_keys SET wrapped = ?, wrapper_id = ? WHERE school_id = ? AND version = ?",
			wrapped, id, school, int64(k.Version)); err != nil {
			return 0, s.wrap(err, "rewrap school key")
		}
		n++
	}
	return n, tx.Commit()
}

// DestroySchoolKey wipes a retiring key version retired before
// retiredBefore, if no field in cols still holds a value sealed with it. It
// reports whether it did.
func (s *Store) DestroySchoolKey(ctx context.Context, school vigil.SchoolID, version uint32, retiredBefore time.Time, cols []SealedColumn) (bool, error) {
	tx, err := s.beginScoped(ctx, true, school, "")
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	counts, err := countSealed(ctx, tx, cols)
	if err != nil {
		return false, err
	}
	if counts[version] > 0 {
		return false, nil
	}
	res, err := tx.exec(ctx, `UPDATE school_keys SET wrapped = ?, state = ?, destroyed_at = ?
		WHERE school_id = ? AND version = ? AND state = ? AND retired_at <= ?`,
		[]byte{}, KeyDestroyed, tx.now, school, int64(version), KeyRetiring, retiredBefore.UTC())
	if err != nil {
		return false, s.wrap(err, "destroy school key")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.Commit()
}

// CountSealed returns how many values in cols each key version of the
// school seals.
func (s *Store) CountSealed(ctx context.Context, school vigil.SchoolID, cols []SealedColumn) (map[uint32]int64, error) {
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	counts, err := countSealed(ctx, tx, cols)
	if err != nil {
		return nil, err
	}
	return counts, tx.Commit()
}

func countSealed(ctx context.Context, tx *Tx, cols []SealedColumn) (map[uint32]int64, error) {
	counts := map[uint32]int64{}
	for _, c := range cols {
		for _, f := range c.Fields {
			if err := c.check(f); err != nil {
				return nil, err
			}
			rows, err := tx.query(ctx, "SELECT substr("+f+", 2, 4), count(*) FROM "+c.Table+
				" WHERE school_id = ? AND "+f+" IS NOT NULL GROUP BY substr("+f+", 2, 4)", tx.school)
			if err != nil {
				return nil, wrapErr(tx.d, err, "count sealed "+c.Table)
			}
			for rows.Next() {
				var v []byte
				var n int64
				if err := rows.Scan(&v, &n); err != nil {
					rows.Close()
					return nil, wrapErr(tx.d, err, "count sealed "+c.Table)
				}
				if len(v) == 4 {
					counts[binary.BigEndian.Uint32(v)] += n
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, wrapErr(tx.d, err, "count sealed "+c.Table)
			}
		}
	}
	return counts, nil
}

// ResealBatch passes up to limit values of one field that are not sealed
// with version active, in ID order after the ID after, to fn, and saves
// what it returns (nil leaves a value as it is) in one transaction. A value changed meanwhile by a writer
// is left as the writer saved it. It returns the last ID seen ("" when none
// was left) and how many values it saved.
func (s *Store) ResealBatch(ctx context.Context, school vigil.SchoolID, c SealedColumn, field string, active uint32, after string, limit int,
	fn func(id string, sealed []byte) ([]byte, error)) (last string, n int, err error) {
	if err := c.check(field); err != nil {
		return "", 0, err
	}
	tx, err := s.beginScoped(ctx, true, school, "")
	if err != nil {
		return "", 0, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT "+c.ID+", "+field+" FROM "+c.Table+" WHERE school_id = ? AND "+field+" IS NOT NULL AND substr("+field+", 2, 4) <> ? AND CAST("+c.ID+" AS TEXT) > ? ORDER BY "+c.ID+" LIMIT ?",
		school, versionBytes(active), after, limit)
	if err != nil {
		return "", 0, s.wrap(err, "read sealed "+c.Table)
	}
	type row struct {
		id     string
		sealed []byte
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			rows.Close()
			return "", 0, s.wrap(err, "read sealed "+c.Table)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", 0, s.wrap(err, "read sealed "+c.Table)
	}
	for _, r := range batch {
		last = r.id
		fresh, err := fn(r.id, r.sealed)
		if err != nil {
			return "", 0, err
		}
		if fresh == nil {
			continue // left as it is
		}
		res, err := tx.exec(ctx, "UPDATE "+c.Table+" SET "+field+" = ? WHERE school_id = ? AND "+c.ID+" = ? AND "+field+" = ?",
			fresh, school, r.id, r.sealed)
		if err != nil {
			return "", 0, s.wrap(err, "reseal "+c.Table)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return last, n, tx.Commit()
}

// SealedValue returns one sealed field of one row of the school, or
// ENOTFOUND.
func (s *Store) SealedValue(ctx context.Context, school vigil.SchoolID, c SealedColumn, field, id string) ([]byte, error) {
	if err := c.check(field); err != nil {
		return nil, err
	}
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var v []byte
	err = tx.queryRow(ctx, "SELECT "+field+" FROM "+c.Table+" WHERE school_id = ? AND "+c.ID+" = ?", school, id).Scan(&v)
	if err == sql.ErrNoRows {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Not found.")
	} else if err != nil {
		return nil, s.wrap(err, "read sealed "+c.Table)
	}
	return v, tx.Commit()
}

// ResealPersonSecrets passes every person's sealed TOTP secret to fn and
// saves what it returns, in one transaction: the master key rotation, as
// those secrets are sealed under a key derived from it. fn returns nil to
// leave a value as it is. It returns how many changed.
func (s *Store) ResealPersonSecrets(ctx context.Context, fn func(person vigil.PersonID, sealed []byte) ([]byte, error)) (int, error) {
	tx, err := s.beginScoped(ctx, true, "", "")
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, "SELECT id, totp_secret FROM persons WHERE totp_secret IS NOT NULL")
	if err != nil {
		return 0, s.wrap(err, "read person secrets")
	}
	type row struct {
		id     vigil.PersonID
		sealed []byte
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			rows.Close()
			return 0, s.wrap(err, "read person secrets")
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.wrap(err, "read person secrets")
	}
	n := 0
	for _, r := range all {
		fresh, err := fn(r.id, r.sealed)
		if err != nil {
			return 0, err
		}
		if fresh == nil {
			continue
		}
		if _, err := tx.exec(ctx, "UPDATE persons SET totp_secret = ? WHERE id = ?", fresh, r.id); err != nil {
			return 0, s.wrap(err, "reseal person secret")
		}
		n++
	}
	return n, tx.Commit()
}
