package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// SealedCommunication is a communication as the store keeps it: the clear
// fields in Communication (whose text fields the store never fills) and
// the sealed text beside it. Package app seals before saving and opens
// after reading.
type SealedCommunication struct {
	*vigil.Communication
	WithName, WithDetail, Others, Body, Agreed []byte

	// Categories are those of the linked concern, over all its pupils,
	// filled on reads; nil when it is linked to none.
	Categories []vigil.CategoryID
}

func errCommunicationNotFound() error {
	return vigil.Errorf(vigil.ENOTFOUND, "Communication not found.")
}

// CreateCommunication saves a new communication in the school in the
// context, with the staff who took part. c.ID must be set: the sealed
// fields are bound to it. A pupil not of the school is EINVALID on
// pupil_id; a concern not of the school, or one the pupil is not linked
// to, EINVALID on concern_id.
func (s *Store) CreateCommunication(ctx context.Context, c *SealedCommunication) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if !vigil.ValidID(string(c.ID)) {
		return fmt.Errorf("create communication: the id must be set before sealing")
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM pupils WHERE school_id = ? AND id = ?`, tx.school, c.PupilID).Scan(&n); err != nil {
		return wrapErr(tx.d, err, "check pupil")
	}
	if n == 0 {
		return vigil.FieldError("pupil_id", "The pupil was not found.")
	}
	if c.ConcernID != "" {
		if err := tx.queryRow(ctx, `SELECT count(*) FROM concern_pupils WHERE school_id = ? AND concern_id = ? AND pupil_id = ?`,
			tx.school, c.ConcernID, c.PupilID).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "check concern")
		}
		if n == 0 {
			return vigil.FieldError("concern_id", "Choose a concern about this pupil.")
		}
	}
	c.SchoolID, c.RecordedAt = tx.school, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO communications (school_id, id, pupil_id, concern_id, with_kind, contact_id, with_name, with_detail,
		type, occurred_at, others, body, agreed, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.school, c.ID, c.PupilID, nullString(string(c.ConcernID)), c.With, nullString(string(c.ContactID)), c.WithName, c.WithDetail,
		c.Type, c.OccurredAt.UTC(), c.Others, c.Body, c.Agreed, c.RecordedBy, c.RecordedAt); err != nil {
		return wrapErr(tx.d, err, "insert communication")
	}
	for i, p := range c.Staff {
		if _, err := tx.exec(ctx, `INSERT INTO communication_staff (school_id, communication_id, person_id, position) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, tx.school, c.ID, p, i); err != nil {
			return wrapErr(tx.d, err, "insert communication staff")
		}
	}
	return tx.Commit()
}

// AddCommunicationDocument records a document stored in the blob store
// that came with a communication. The document belongs to the
// communication's concern (d.ConcernID is set to it), so it is seen
// wherever that concern is seen in full; a communication linked to no
// concern cannot have one (EINVALID on files).
func (s *Store) AddCommunicationDocument(ctx context.Context, id vigil.CommunicationID, d *SealedDocument) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	var concern sql.NullString
	err = tx.queryRow(ctx, `SELECT concern_id FROM communications WHERE school_id = ? AND id = ?`, tx.school, id).Scan(&concern)
	if err == sql.ErrNoRows {
		return errCommunicationNotFound()
	}
	if err != nil {
		return wrapErr(tx.d, err, "find communication")
	}
	if !concern.Valid {
		return vigil.FieldError("files", "Files can be attached only to a communication linked to a concern.")
	}
	d.ConcernID, d.UploadedAt = vigil.ConcernID(concern.String), tx.now
	if _, err := tx.exec(ctx, `INSERT INTO documents (school_id, id, concern_id, action_id, communication_id, doc_key, name, content_type, size,
		uploaded_by, uploaded_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`, tx.school, d.ID, d.ConcernID, id, d.Key, d.Name,
		d.ContentType, d.Size, d.UploadedBy, d.UploadedAt); err != nil {
		return wrapErr(tx.d, err, "insert communication document")
	}
	return tx.Commit()
}

// FindCommunicationDocuments returns the documents that came with a
// communication, oldest first.
func (s *Store) FindCommunicationDocuments(ctx context.Context, id vigil.CommunicationID) ([]*SealedDocument, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT d.id, d.concern_id, d.doc_key, d.name, d.content_type, d.size, d.uploaded_by, d.uploaded_at,
		coalesce(p.name, '') FROM documents d LEFT JOIN persons p ON p.id = d.uploaded_by
		WHERE d.school_id = ? AND d.communication_id = ? ORDER BY d.uploaded_at, d.id`, tx.school, id)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find communication documents")
	}
	defer rows.Close()
	var out []*SealedDocument
	for rows.Next() {
		d := &SealedDocument{Document: &vigil.Document{}}
		if err := rows.Scan(&d.ID, &d.ConcernID, &d.Key, &d.Name, &d.ContentType, &d.Size, &d.UploadedBy, &d.UploadedAt, &d.UploaderName); err != nil {
			return nil, fmt.Errorf("scan communication document: %w", err)
		}
		out = append(out, d)
	}
	return out, wrapErr(tx.d, rows.Err(), "find communication documents")
}

// CommunicationFilter narrows a list of communications. Visibility always
// applies: one linked to a concern is listed when its concern may be seen
// in full (Visibility.full), one linked to none only when Unlinked is set.
type CommunicationFilter struct {
	Visibility
	Unlinked bool // the reader may see communications linked to no concern
	Pupil    vigil.PupilID
	Concern  vigil.ConcernID
	Limit    int // 500 when 0 or more

	// For a search: Tokens, when given, keeps communications whose blind
	// index holds every one of them; Category those linked to a concern
	// with that category; YearGroup those about a pupil in that year
	// group; From and To those that took place within [From, To).
	// NewestFirst lists them newest first.
	Tokens      [][]byte
	Category    vigil.CategoryID
	YearGroup   string
	From, To    time.Time
	NewestFirst bool
}

// visible returns SQL true for a communication (aliased m) the filter's
// reader may see.
func (f CommunicationFilter) visible() (string, []any) {
	if f.All {
		return "1 = 1", nil
	}
	unlinked := "1 = 0"
	if f.Unlinked {
		unlinked = "1 = 1"
	}
	full, args := f.full("mc")
	return `((m.concern_id IS NULL AND ` + unlinked + `) OR EXISTS (SELECT 1 FROM concerns mc WHERE mc.school_id = m.school_id
		AND mc.id = m.concern_id AND ` + full + `))`, args
}

const communicationColumns = `m.id, m.pupil_id, m.concern_id, m.with_kind, m.contact_id, m.with_name, m.with_detail, m.type, m.occurred_at,
	m.others, m.body, m.agreed, m.recorded_by, m.recorded_at, coalesce(r.name, ''), p.legal_forename, p.legal_surname,
	p.preferred_forename, p.preferred_surname`

const communicationJoins = ` JOIN pupils p ON p.school_id = m.school_id AND p.id = m.pupil_id LEFT JOIN persons r ON r.id = m.recorded_by`

func scanCommunication(row interface{ Scan(...any) error }, school vigil.SchoolID) (*SealedCommunication, error) {
	c := &SealedCommunication{Communication: &vigil.Communication{SchoolID: school}}
	var concern, contact sql.NullString
	var p vigil.Pupil
	if err := row.Scan(&c.ID, &c.PupilID, &concern, &c.With, &contact, &c.WithName, &c.WithDetail, &c.Type, &c.OccurredAt,
		&c.Others, &c.Body, &c.Agreed, &c.RecordedBy, &c.RecordedAt, &c.RecorderName, &p.LegalForename, &p.LegalSurname,
		&p.PreferredForename, &p.PreferredSurname); err != nil {
		return nil, err
	}
	c.ConcernID, c.ContactID, c.PupilName = vigil.ConcernID(concern.String), vigil.ContactID(contact.String), p.Name()
	return c, nil
}

// FindCommunication returns a communication of the school in the context
// with its staff, whoever may see it: app decides. Another school's is
// ENOTFOUND, exactly as a missing one.
func (s *Store) FindCommunication(ctx context.Context, id vigil.CommunicationID) (*SealedCommunication, error) {
	if !vigil.ValidID(string(id)) {
		return nil, errCommunicationNotFound()
	}
	cs, err := s.findCommunications(ctx, func(*Tx) (string, []any) { return "m.id = ?", []any{id} }, "m.occurred_at, m.id", 1)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, errCommunicationNotFound()
	}
	return cs[0], nil
}

// FindCommunications returns the communications the filter's reader may
// see, oldest first (or newest first), with their staff and their
// concern's categories.
func (s *Store) FindCommunications(ctx context.Context, f CommunicationFilter) ([]*SealedCommunication, error) {
	for _, id := range []string{string(f.Pupil), string(f.Concern), string(f.Category)} {
		if id != "" && !vigil.ValidID(id) {
			return nil, nil
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	order := "m.occurred_at, m.id"
	if f.NewestFirst {
		order = "m.occurred_at DESC, m.id DESC"
	}
	return s.findCommunications(ctx, f.where, order, f.Limit)
}

// where returns the filter's condition over communications m.
func (f CommunicationFilter) where(tx *Tx) (string, []any) {
	vis, args := f.visible()
	where := []string{vis}
	if f.Pupil != "" {
		where, args = append(where, "m.pupil_id = ?"), append(args, f.Pupil)
	}
	if f.Concern != "" {
		where, args = append(where, "m.concern_id = ?"), append(args, f.Concern)
	}
	if len(f.Tokens) > 0 {
		match, margs := matchingSources(tx, "communication", f.Tokens)
		where, args = append(where, "m.id IN "+match), append(args, margs...)
	}
	if f.Category != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM concern_categories fc WHERE fc.school_id = m.school_id AND fc.concern_id = m.concern_id
			AND fc.category_id = ?)`), append(args, f.Category)
	}
	if f.YearGroup != "" {
		where, args = append(where, "p.year_group = ?"), append(args, f.YearGroup)
	}
	if !f.From.IsZero() {
		where, args = append(where, "m.occurred_at >= ?"), append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where, args = append(where, "m.occurred_at < ?"), append(args, f.To.UTC())
	}
	return strings.Join(where, " AND "), args
}

// findCommunications returns the communications that where (over m and
// their pupil p, built in the transaction) allows, in order.
func (s *Store) findCommunications(ctx context.Context, where func(tx *Tx) (string, []any), order string, limit int) ([]*SealedCommunication, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	cond, args := where(tx)
	args = append(append([]any{tx.school}, args...), limit)
	rows, err := tx.query(ctx, `SELECT `+communicationColumns+` FROM communications m`+communicationJoins+`
		WHERE m.school_id = ? AND `+cond+` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find communications")
	}
	defer rows.Close()
	var out []*SealedCommunication
	for rows.Next() {
		c, err := scanCommunication(rows, tx.school)
		if err != nil {
			return nil, fmt.Errorf("scan communication: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find communications")
	}
	rows.Close()
	if err := fillCommunications(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// fillCommunications loads the staff of each communication and the
// categories of each linked concern.
func fillCommunications(ctx context.Context, tx *Tx, cs []*SealedCommunication) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[vigil.CommunicationID]*SealedCommunication{}
	byConcern := map[vigil.ConcernID][]*SealedCommunication{}
	args, concerns := []any{tx.school}, []any{tx.school}
	for _, c := range cs {
		byID[c.ID] = c
		args = append(args, c.ID)
		if c.ConcernID != "" {
			if byConcern[c.ConcernID] == nil {
				concerns = append(concerns, c.ConcernID)
			}
			byConcern[c.ConcernID] = append(byConcern[c.ConcernID], c)
		}
	}
	rows, err := tx.query(ctx, `SELECT s.communication_id, s.person_id, coalesce(p.name, '') FROM communication_staff s
		LEFT JOIN persons p ON p.id = s.person_id
		WHERE s.school_id = ? AND s.communication_id IN (`+placeholders(len(cs))+`) ORDER BY s.communication_id, s.position`, args...)
	if err != nil {
		return wrapErr(tx.d, err, "find communication staff")
	}
	defer rows.Close()
	for rows.Next() {
		var id vigil.CommunicationID
		var person vigil.PersonID
		var name string
		if err := rows.Scan(&id, &person, &name); err != nil {
			return fmt.Errorf("scan communication staff: %w", err)
		}
		c := byID[id]
		c.Staff, c.StaffNames = append(c.Staff, person), append(c.StaffNames, name)
	}
	if err := rows.Err(); err != nil {
		return wrapErr(tx.d, err, "find communication staff")
	}
	rows.Close()
	if len(concerns) == 1 {
		return nil
	}
	rows, err = tx.query(ctx, `SELECT DISTINCT cc.concern_id, cc.category_id, k.position FROM concern_categories cc
		JOIN categories k ON k.school_id = cc.school_id AND k.id = cc.category_id
		WHERE cc.school_id = ? AND cc.concern_id IN (`+placeholders(len(concerns)-1)+`) ORDER BY cc.concern_id, k.position`, concerns...)
	if err != nil {
		return wrapErr(tx.d, err, "find communication categories")
	}
	defer rows.Close()
	for rows.Next() {
		var concern vigil.ConcernID
		var cat vigil.CategoryID
		var pos int
		if err := rows.Scan(&concern, &cat, &pos); err != nil {
			return fmt.Errorf("scan communication category: %w", err)
		}
		for _, c := range byConcern[concern] {
			c.Categories = append(c.Categories, cat)
		}
	}
	return wrapErr(tx.d, rows.Err(), "find communication categories")
}
