package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// FindAllContacts returns the contacts of every pupil of the school, by
// pupil, for a sync to compare against.
func (s *Store) FindAllContacts(ctx context.Context) (map[vigil.PupilID][]*vigil.Contact, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT id, pupil_id, name, relationship, parental_responsibility, priority, phone, email, address
		FROM pupil_contacts WHERE school_id = ? ORDER BY pupil_id, priority, name`, tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find contacts")
	}
	defer rows.Close()
	out := map[vigil.PupilID][]*vigil.Contact{}
	for rows.Next() {
		c := &vigil.Contact{SchoolID: tx.school}
		if err := rows.Scan(&c.ID, &c.PupilID, &c.Name, &c.Relationship, &c.ParentalResponsibility, &c.Priority, &c.Phone, &c.Email, &c.Address); err != nil {
			return nil, fmt.Errorf("scan contact: %w", err)
		}
		out[c.PupilID] = append(out[c.PupilID], c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find contacts")
	}
	return out, tx.Commit()
}

// ApplyPupilPlan writes a sync's plan in one transaction (the caller's, if
// there is one): new pupils, changes, leavers and contacts. A renamed
// pupil's earlier name is kept in pupil_names. Nothing is deleted but
// contacts, which the MIS owns and which are replaced as a set. New
// pupils' IDs are set in the plan.
func (s *Store) ApplyPupilPlan(ctx context.Context, plan *mis.Plan) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	defer tx.prepareEach()()
	if err := insertPupils(ctx, tx, plan.Add); err != nil {
		return err
	}
	for _, list := range [][]*mis.Change{plan.Change, plan.Leave} {
		for _, c := range list {
			if c.Renamed {
				if _, err := tx.exec(ctx, `INSERT INTO pupil_names (school_id, pupil_id, legal_forename, legal_surname, preferred_forename,
					preferred_surname, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, tx.school, c.Old.ID, c.Old.LegalForename, c.Old.LegalSurname,
					c.Old.PreferredForename, c.Old.PreferredSurname, tx.now); err != nil {
					return wrapErr(tx.d, err, "keep earlier name")
				}
			}
			if c.Returned && !c.Old.LeftOn.IsZero() {
				if _, err := tx.exec(ctx, `INSERT INTO pupil_enrolments (school_id, pupil_id, admitted_on, left_on, left_reason, recorded_at)
					VALUES (?, ?, ?, ?, ?, ?)`, tx.school, c.Old.ID, c.Old.AdmittedOn, c.Old.LeftOn, c.Old.LeftReason, tx.now); err != nil {
					return wrapErr(tx.d, err, "keep earlier enrolment")
				}
			}
			c.New.ID = c.Old.ID
			if err := updatePupil(ctx, tx, c.New); err != nil {
				return err
			}
		}
	}
	// Contacts are replaced as sets: one delete per pupil, then the new
	// rows several to a statement.
	var rows []string
	var args []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.exec(ctx, `INSERT INTO pupil_contacts (school_id, id, pupil_id, name, relationship, parental_responsibility, priority,
			phone, email, address) VALUES `+strings.Join(rows, ", "), args...)
		rows, args = rows[:0], args[:0]
		return wrapErr(tx.d, err, "insert contacts")
	}
	added := make(map[*vigil.Pupil]bool, len(plan.Add))
	for _, p := range plan.Add {
		added[p] = true
	}
	for _, set := range plan.Contacts {
		if !added[set.Pupil] { // a new pupil has none to delete
			if _, err := tx.exec(ctx, "DELETE FROM pupil_contacts WHERE school_id = ? AND pupil_id = ?", tx.school, set.Pupil.ID); err != nil {
				return wrapErr(tx.d, err, "delete contacts")
			}
		}
		for _, c := range set.Contacts {
			c.ID, c.SchoolID, c.PupilID = vigil.ContactID(vigil.NewID()), tx.school, set.Pupil.ID
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, tx.school, c.ID, c.PupilID, c.Name, c.Relationship, c.ParentalResponsibility, c.Priority, c.Phone, c.Email, c.Address)
			if len(rows) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}

// PupilName is an earlier name of a pupil and when it was replaced.
type PupilName struct {
	LegalForename, LegalSurname, PreferredForename, PreferredSurname string
	ReplacedAt                                                       time.Time
}

// FindPupilNames returns a pupil's earlier names, oldest first.
func (s *Store) FindPupilNames(ctx context.Context, pupil vigil.PupilID) ([]PupilName, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(string(pupil)) {
		return nil, tx.Commit()
	}
	rows, err := tx.query(ctx, `SELECT legal_forename, legal_surname, preferred_forename, preferred_surname, replaced_at FROM pupil_names
		WHERE school_id = ? AND pupil_id = ? ORDER BY replaced_at`, tx.school, pupil)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find earlier names")
	}
	defer rows.Close()
	var out []PupilName
	for rows.Next() {
		var n PupilName
		if err := rows.Scan(&n.LegalForename, &n.LegalSurname, &n.PreferredForename, &n.PreferredSurname, &n.ReplacedAt); err != nil {
			return nil, fmt.Errorf("scan earlier name: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find earlier names")
	}
	return out, tx.Commit()
}

// MISStaff is a member of staff as the school's MIS lists them, with the
// Vigil account their work email matches in the school, if any.
type MISStaff struct {
	ID        string
	SourceID  string
	MISID     string
	Title     string
	Forename  string
	Surname   string
	Email     string
	JobTitle  string
	StaffCode string
	Teaching  sql.NullBool
	Current   bool
	LeftOn    vigil.Date // when the MIS stopped listing them, or said they left
	UpdatedAt time.Time

	PersonID     vigil.PersonID // the matching member of the school, or ""
	PersonName   string
	MemberActive bool
}

// Name returns the staff member's name as the MIS has it.
func (m *MISStaff) Name() string {
	return strings.Join(strings.Fields(m.Title+" "+m.Forename+" "+m.Surname), " ")
}

// NeedsDeactivating reports whether the MIS says they have gone but their
// Vigil account in the school is still active: an admin should look.
func (m *MISStaff) NeedsDeactivating() bool {
	return !m.Current && m.PersonID != "" && m.MemberActive
}

// FindMISStaff returns the school's staff as the MIS lists them, matched
// by email to the school's members, by surname.
func (s *Store) FindMISStaff(ctx context.Context) ([]*MISStaff, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT s.id, s.source_id, s.mis_id, s.title, s.forename, s.surname, s.email, s.job_title, s.staff_code,
		s.teaching, s.current, s.left_on, s.updated_at, coalesce(CAST(pm.id AS TEXT), ''), coalesce(pm.name, ''), coalesce(pm.active, ?)
		FROM mis_staff s
		LEFT JOIN (SELECT p.id, p.name, p.email, m.active FROM persons p JOIN memberships m ON m.person_id = p.id AND m.school_id = ?) pm
			ON pm.email = s.email
		WHERE s.school_id = ? ORDER BY lower(s.surname), lower(s.forename), s.id`, false, tx.school, tx.school)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find MIS staff")
	}
	defer rows.Close()
	var out []*MISStaff
	for rows.Next() {
		m := &MISStaff{}
		var person string
		if err := rows.Scan(&m.ID, &m.SourceID, &m.MISID, &m.Title, &m.Forename, &m.Surname, &m.Email, &m.JobTitle, &m.StaffCode,
			&m.Teaching, &m.Current, &m.LeftOn, &m.UpdatedAt, &person, &m.PersonName, &m.MemberActive); err != nil {
			return nil, fmt.Errorf("scan MIS staff: %w", err)
		}
		m.PersonID = vigil.PersonID(person)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find MIS staff")
	}
	return out, tx.Commit()
}

// StaffPlan is what a sync does to the school's MIS staff list.
type StaffPlan struct {
	Add    []*MISStaff
	Change []*MISStaff // with ID set
	Leave  []*MISStaff // with ID set: no longer current
}

// Empty reports whether the plan writes nothing.
func (p *StaffPlan) Empty() bool { return len(p.Add)+len(p.Change)+len(p.Leave) == 0 }

// ApplyStaffPlan writes a staff plan in one transaction (the caller's, if
// there is one). Nobody's Vigil account changes: leavers are only marked.
func (s *Store) ApplyStaffPlan(ctx context.Context, plan *StaffPlan) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	for _, m := range plan.Add {
		m.ID, m.UpdatedAt = vigil.NewID(), tx.now
		if _, err := tx.exec(ctx, `INSERT INTO mis_staff (school_id, id, source_id, mis_id, title, forename, surname, email, job_title, staff_code,
			teaching, current, left_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tx.school, m.ID, m.SourceID, m.MISID, m.Title, m.Forename, m.Surname, m.Email, m.JobTitle, m.StaffCode,
			m.Teaching, m.Current, m.LeftOn, m.UpdatedAt); err != nil {
			return wrapErr(tx.d, err, "insert MIS staff")
		}
	}
	for _, list := range [][]*MISStaff{plan.Change, plan.Leave} {
		for _, m := range list {
			m.UpdatedAt = tx.now
			if _, err := tx.exec(ctx, `UPDATE mis_staff SET source_id = ?, mis_id = ?, title = ?, forename = ?, surname = ?, email = ?,
				job_title = ?, staff_code = ?, teaching = ?, current = ?, left_on = ?, updated_at = ? WHERE school_id = ? AND id = ?`,
				m.SourceID, m.MISID, m.Title, m.Forename, m.Surname, m.Email, m.JobTitle, m.StaffCode, m.Teaching, m.Current, m.LeftOn,
				m.UpdatedAt, tx.school, m.ID); err != nil {
				return wrapErr(tx.d, err, "update MIS staff")
			}
		}
	}
	return tx.Commit()
}

// Sync statuses.
const (
	SyncRunning = "running"
	SyncDone    = "done"
	SyncRefused = "refused" // the input had problems: nothing was written
	SyncFailed  = "failed"  // the source could not be read
)

// MISSync is one sync or import, for the history.
type MISSync struct {
	ID            string
	Source        string // mis.SourceCSV, SourceCTF, SourceWonde
	Mode          string // full, delta or partial
	DryRun        bool
	Status        string
	StartedBy     vigil.PersonID // "" for the nightly job
	StartedByName string
	StartedAt     time.Time
	FinishedAt    time.Time

	Seen, Added, Changed, Left, Returned, ContactsChanged int
	StaffAdded, StaffChanged, StaffLeft, Problems         int

	Message string      // a summary safe to show: never a value from the input
	Report  *SyncReport // problems and ignored columns
}

// SyncReport is what a sync found, kept with its history: never values.
type SyncReport struct {
	Problems []mis.Problem `json:"problems,omitempty"`
	Warnings []mis.Problem `json:"warnings,omitempty"`
	Ignored  []string      `json:"ignored,omitempty"`
	// Leavers are the pupils the sync took off roll, by ID, so someone
	// can check them.
	Leavers []vigil.PupilID `json:"leavers,omitempty"`
}

// StartMISSync records a sync as running, setting its ID and start time.
func (s *Store) StartMISSync(ctx context.Context, y *MISSync) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	y.ID, y.StartedAt, y.Status = vigil.NewID(), tx.now, SyncRunning
	// A sync still "running" after an hour died with its process.
	if _, err := tx.exec(ctx, `UPDATE mis_syncs SET status = ?, finished_at = ?, message = ? WHERE school_id = ? AND status = ? AND started_at < ?`,
		SyncFailed, tx.now, "Interrupted: the sync stopped before it finished, and changed nothing.", tx.school, SyncRunning,
		tx.now.Add(-time.Hour)); err != nil {
		return wrapErr(tx.d, err, "close interrupted MIS syncs")
	}
	if _, err := tx.exec(ctx, `INSERT INTO mis_syncs (school_id, id, source, mode, dry_run, status, started_by, started_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tx.school, y.ID, y.Source, y.Mode, y.DryRun, y.Status, nullString(string(y.StartedBy)), y.StartedAt); err != nil {
		return wrapErr(tx.d, err, "start MIS sync")
	}
	return tx.Commit()
}

// FinishMISSync saves a sync's outcome and counts.
func (s *Store) FinishMISSync(ctx context.Context, y *MISSync) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	report := []byte("{}")
	if y.Report != nil {
		if report, err = json.Marshal(y.Report); err != nil {
			return fmt.Errorf("encode sync report: %w", err)
		}
	}
	y.FinishedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE mis_syncs SET status = ?, finished_at = ?, pupils_seen = ?, pupils_added = ?, pupils_changed = ?,
		pupils_left = ?, pupils_returned = ?, contacts_changed = ?, staff_added = ?, staff_changed = ?, staff_left = ?, problems = ?,
		message = ?, report = ? WHERE school_id = ? AND id = ?`, y.Status, y.FinishedAt, y.Seen, y.Added, y.Changed, y.Left, y.Returned,
		y.ContactsChanged, y.StaffAdded, y.StaffChanged, y.StaffLeft, y.Problems, y.Message, string(report), tx.school, y.ID)
	if err != nil {
		return wrapErr(tx.d, err, "finish MIS sync")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "Sync not found.")
	}
	return tx.Commit()
}

const misSyncColumns = `y.id, y.source, y.mode, y.dry_run, y.status, y.started_by, coalesce(p.name, ''), y.started_at, y.finished_at,
	y.pupils_seen, y.pupils_added, y.pupils_changed, y.pupils_left, y.pupils_returned, y.contacts_changed, y.staff_added, y.staff_changed,
	y.staff_left, y.problems, y.message, y.report`

func scanMISSync(row interface{ Scan(...any) error }) (*MISSync, error) {
	y := &MISSync{}
	var startedBy sql.NullString
	var report string
	var finished sql.NullTime
	if err := row.Scan(&y.ID, &y.Source, &y.Mode, &y.DryRun, &y.Status, &startedBy, &y.StartedByName, &y.StartedAt, &finished,
		&y.Seen, &y.Added, &y.Changed, &y.Left, &y.Returned, &y.ContactsChanged, &y.StaffAdded, &y.StaffChanged, &y.StaffLeft,
		&y.Problems, &y.Message, &report); err != nil {
		return nil, err
	}
	y.StartedBy, y.FinishedAt = vigil.PersonID(startedBy.String), finished.Time
	y.Report = &SyncReport{}
	if err := json.Unmarshal([]byte(report), y.Report); err != nil {
		return nil, fmt.Errorf("decode sync report: %w", err)
	}
	return y, nil
}

// FindMISSyncs returns the school's most recent syncs, newest first.
func (s *Store) FindMISSyncs(ctx context.Context, limit int) ([]*MISSync, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+misSyncColumns+` FROM mis_syncs y LEFT JOIN persons p ON p.id = y.started_by
		WHERE y.school_id = ? ORDER BY y.started_at DESC, y.id DESC LIMIT ?`, tx.school, limit)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find MIS syncs")
	}
	defer rows.Close()
	var out []*MISSync
	for rows.Next() {
		y, err := scanMISSync(rows)
		if err != nil {
			return nil, fmt.Errorf("scan MIS sync: %w", err)
		}
		out = append(out, y)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find MIS syncs")
	}
	return out, tx.Commit()
}

// FindMISSync returns one of the school's syncs; another school's is
// ENOTFOUND.
func (s *Store) FindMISSync(ctx context.Context, id string) (*MISSync, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(id) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Sync not found.")
	}
	y, err := scanMISSync(tx.queryRow(ctx, `SELECT `+misSyncColumns+` FROM mis_syncs y LEFT JOIN persons p ON p.id = y.started_by
		WHERE y.school_id = ? AND y.id = ?`, tx.school, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Sync not found.")
	} else if err != nil {
		return nil, wrapErr(tx.d, err, "find MIS sync")
	}
	return y, tx.Commit()
}

// MISLink is a school's connection to an MIS connector.
type MISLink struct {
	Provider      string // "wonde"
	RemoteID      string // the school's id at the provider
	Token         []byte // sealed by the caller
	BaseURL       string // "" for the provider's own
	Nightly       bool
	Status        string // ok, failing or reauthorise
	StatusMessage string
	LastDeltaFrom time.Time // where the next delta sync starts; zero: the next sync is full
	UpdatedAt     time.Time
	UpdatedBy     vigil.PersonID
}

// Link statuses.
const (
	LinkOK          = "ok"
	LinkFailing     = "failing"
	LinkReauthorise = "reauthorise"
)

// FindMISLink returns the school's connector, or ENOTFOUND if it has none.
func (s *Store) FindMISLink(ctx context.Context) (*MISLink, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	l := &MISLink{}
	var delta sql.NullTime
	var by sql.NullString
	err = tx.queryRow(ctx, `SELECT provider, remote_id, token, base_url, nightly, status, status_message, last_delta_from, updated_at, updated_by
		FROM mis_links WHERE school_id = ?`, tx.school).Scan(&l.Provider, &l.RemoteID, &l.Token, &l.BaseURL, &l.Nightly, &l.Status,
		&l.StatusMessage, &delta, &l.UpdatedAt, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "This school is not linked to an MIS connector.")
	} else if err != nil {
		return nil, wrapErr(tx.d, err, "find MIS link")
	}
	l.LastDeltaFrom, l.UpdatedBy = delta.Time, vigil.PersonID(by.String)
	return l, tx.Commit()
}

// SaveMISLink creates or replaces the school's connector. Replacing it
// starts the next sync afresh (full).
func (s *Store) SaveMISLink(ctx context.Context, l *MISLink) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	l.UpdatedAt, l.Status, l.StatusMessage, l.LastDeltaFrom = tx.now, LinkOK, "", time.Time{}
	if _, err := tx.exec(ctx, `DELETE FROM mis_links WHERE school_id = ?`, tx.school); err != nil {
		return wrapErr(tx.d, err, "replace MIS link")
	}
	if _, err := tx.exec(ctx, `INSERT INTO mis_links (school_id, provider, remote_id, token, base_url, nightly, status, status_message,
		updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tx.school, l.Provider, l.RemoteID, l.Token, l.BaseURL, l.Nightly,
		l.Status, l.StatusMessage, l.UpdatedAt, nullString(string(l.UpdatedBy))); err != nil {
		return wrapErr(tx.d, err, "save MIS link")
	}
	return tx.Commit()
}

// SetMISLinkNightly turns the school's nightly sync on or off.
func (s *Store) SetMISLinkNightly(ctx context.Context, on bool) error {
	return s.updateMISLink(ctx, `nightly = ?`, on)
}

// SetMISLinkStatus records how the school's last sync went. A zero
// deltaFrom leaves where the next delta starts as it is.
func (s *Store) SetMISLinkStatus(ctx context.Context, status, message string, deltaFrom time.Time) error {
	if deltaFrom.IsZero() {
		return s.updateMISLink(ctx, `status = ?, status_message = ?`, status, message)
	}
	return s.updateMISLink(ctx, `status = ?, status_message = ?, last_delta_from = ?`, status, message, deltaFrom.UTC())
}

// DeleteMISLink removes the school's connector and its sealed token.
func (s *Store) DeleteMISLink(ctx context.Context) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM mis_links WHERE school_id = ?`, tx.school); err != nil {
		return wrapErr(tx.d, err, "delete MIS link")
	}
	return tx.Commit()
}

func (s *Store) updateMISLink(ctx context.Context, set string, args ...any) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE mis_links SET `+set+` WHERE school_id = ?`, append(args, tx.school)...)
	if err != nil {
		return wrapErr(tx.d, err, "update MIS link")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return vigil.Errorf(vigil.ENOTFOUND, "This school is not linked to an MIS connector.")
	}
	return tx.Commit()
}

// LockSchoolWork makes the caller's transaction the only one doing name for
// its school until it ends: on PostgreSQL a transaction-scoped advisory
// lock, on SQLite nothing more than the write transaction itself, which
// already excludes every other writer. It must run inside RunInTx.
func (s *Store) LockSchoolWork(ctx context.Context, name string) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !tx.joined {
		return fmt.Errorf("lock %s: not inside a transaction", name)
	}
	if tx.d.name() == "postgres" {
		if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(CAST(? AS text), 0))`, name+"/"+string(tx.school)); err != nil {
			return wrapErr(tx.d, err, "lock "+name)
		}
	}
	return tx.Commit()
}

// LastFullSync returns when the school's last full, finished, real sync
// from source started, or the zero time if there has been none.
func (s *Store) LastFullSync(ctx context.Context, source string) (time.Time, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return time.Time{}, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return time.Time{}, err
	}
	var at time.Time
	err = tx.queryRow(ctx, `SELECT started_at FROM mis_syncs WHERE school_id = ? AND source = ? AND mode = ? AND status = ? AND dry_run = ?
		ORDER BY started_at DESC LIMIT 1`, tx.school, source, "full", SyncDone, false).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, tx.Commit()
	} else if err != nil {
		return time.Time{}, wrapErr(tx.d, err, "last full sync")
	}
	return at, tx.Commit()
}

// Enrolment is an earlier time a pupil was on roll.
type Enrolment struct {
	AdmittedOn, LeftOn vigil.Date
	LeftReason         string
}

// FindEnrolments returns a pupil's earlier times on roll, oldest first.
func (s *Store) FindEnrolments(ctx context.Context, pupil vigil.PupilID) ([]Enrolment, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	if !vigil.ValidID(string(pupil)) {
		return nil, tx.Commit()
	}
	rows, err := tx.query(ctx, `SELECT admitted_on, left_on, left_reason FROM pupil_enrolments WHERE school_id = ? AND pupil_id = ?
		ORDER BY left_on`, tx.school, pupil)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find enrolments")
	}
	defer rows.Close()
	var out []Enrolment
	for rows.Next() {
		var e Enrolment
		if err := rows.Scan(&e.AdmittedOn, &e.LeftOn, &e.LeftReason); err != nil {
			return nil, fmt.Errorf("scan enrolment: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find enrolments")
	}
	return out, tx.Commit()
}
