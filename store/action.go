package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// SealedAction is an action as kept: Body sealed.
type SealedAction struct {
	*vigil.Action
	Body []byte
}

func errActionNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Action not found.") }

// CreateAction saves an action on a concern of the school in the context.
// a.ID must be set. An unknown type is EINVALID on the type field.
func (s *Store) CreateAction(ctx context.Context, a *SealedAction) error {
	return s.changeConcern(ctx, a.ConcernID, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT count(*) FROM action_types WHERE school_id = ? AND key = ? AND active = ?`, tx.school, a.Type, true).Scan(&n); err != nil {
			return wrapErr(tx.d, err, "check action type")
		}
		if n == 0 {
			return vigil.FieldError("type", "Choose a type of action from the list.")
		}
		a.CreatedAt = tx.now
		var doneAt any
		if !a.DoneAt.IsZero() {
			a.DoneAt = tx.now
			doneAt = a.DoneAt
		}
		_, err := tx.exec(ctx, `INSERT INTO actions (school_id, id, concern_id, type, body, taken_on, assigned_to, due_on, done_at, done_by,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tx.school, a.ID, a.ConcernID, a.Type, a.Body, a.TakenOn, nullString(string(a.AssignedTo)), a.DueOn, doneAt,
			nullString(string(a.DoneBy)), a.CreatedBy, a.CreatedAt, a.CreatedAt)
		return wrapErr(tx.d, err, "insert action")
	})
}

// SetActionDone marks an action done (or not done) by by.
func (s *Store) SetActionDone(ctx context.Context, concern vigil.ConcernID, id vigil.ActionID, done bool, by vigil.PersonID) error {
	return s.changeConcern(ctx, concern, func(tx *Tx) error {
		var res sql.Result
		var err error
		if done {
			res, err = tx.exec(ctx, `UPDATE actions SET done_at = ?, done_by = ?, updated_at = ? WHERE school_id = ? AND concern_id = ? AND id = ?`,
				tx.now, by, tx.now, tx.school, concern, id)
		} else {
			res, err = tx.exec(ctx, `UPDATE actions SET done_at = NULL, done_by = NULL, updated_at = ? WHERE school_id = ? AND concern_id = ? AND id = ?`,
				tx.now, tx.school, concern, id)
		}
		if err != nil {
			return wrapErr(tx.d, err, "set action done")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errActionNotFound()
		}
		return nil
	})
}

// ReviseAction replaces an action's sealed body, keeping the old one as a
// revision.
func (s *Store) ReviseAction(ctx context.Context, concern vigil.ConcernID, id vigil.ActionID, body []byte, rev *SealedRevision) error {
	return s.changeConcern(ctx, concern, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE actions SET body = ?, updated_at = ? WHERE school_id = ? AND concern_id = ? AND id = ?`,
			body, tx.now, tx.school, concern, id)
		if err != nil {
			return wrapErr(tx.d, err, "revise action")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errActionNotFound()
		}
		rev.ConcernID, rev.ObjectID, rev.Field = concern, string(id), "action.body"
		return insertRevision(ctx, tx, rev)
	})
}

const actionColumns = `a.id, a.concern_id, a.type, coalesce(t.name, a.type), a.body, a.taken_on, a.assigned_to, a.due_on, a.done_at,
	a.done_by, a.created_by, a.created_at, coalesce(pa.name, ''), coalesce(pc.name, '')`

const actionJoins = ` LEFT JOIN action_types t ON t.school_id = a.school_id AND t.key = a.type
	LEFT JOIN persons pa ON pa.id = a.assigned_to LEFT JOIN persons pc ON pc.id = a.created_by`

func scanAction(row interface{ Scan(...any) error }) (*SealedAction, error) {
	a := &SealedAction{Action: &vigil.Action{}}
	var assigned, doneBy sql.NullString
	var doneAt sql.NullTime
	if err := row.Scan(&a.ID, &a.ConcernID, &a.Type, &a.TypeName, &a.Body, &a.TakenOn, &assigned, &a.DueOn, &doneAt, &doneBy,
		&a.CreatedBy, &a.CreatedAt, &a.AssigneeName, &a.CreatorName); err != nil {
		return nil, err
	}
	a.AssignedTo, a.DoneBy, a.DoneAt = vigil.PersonID(assigned.String), vigil.PersonID(doneBy.String), doneAt.Time
	return a, nil
}

// FindActions returns a concern's actions, oldest first.
func (s *Store) FindActions(ctx context.Context, concern vigil.ConcernID) ([]*SealedAction, error) {
	return s.findActions(ctx, "a.concern_id = ?", []any{concern}, "a.taken_on, a.created_at")
}

// FindAction returns one action of a concern.
func (s *Store) FindAction(ctx context.Context, concern vigil.ConcernID, id vigil.ActionID) (*SealedAction, error) {
	if !vigil.ValidID(string(id)) {
		return nil, errActionNotFound()
	}
	as, err := s.findActions(ctx, "a.concern_id = ? AND a.id = ?", []any{concern, id}, "a.created_at")
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, errActionNotFound()
	}
	return as[0], nil
}

// FindOpenActions returns open actions assigned to person that the
// visibility allows, soonest due first; overdue ones first of all.
func (s *Store) FindOpenActions(ctx context.Context, person vigil.PersonID, v Visibility, limit int) ([]*SealedAction, error) {
	full, args := v.full("c")
	return s.findActions(ctx, `a.assigned_to = ? AND a.done_at IS NULL AND EXISTS (SELECT 1 FROM concerns c WHERE c.school_id = a.school_id
		AND c.id = a.concern_id AND `+full+`)`, append([]any{person}, args...), fmt.Sprintf("CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.created_at LIMIT %d", limit))
}

func (s *Store) findActions(ctx context.Context, where string, args []any, order string) ([]*SealedAction, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+actionColumns+` FROM actions a`+actionJoins+` WHERE a.school_id = ? AND `+where+` ORDER BY `+order,
		append([]any{tx.school}, args...)...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find actions")
	}
	defer rows.Close()
	var out []*SealedAction
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, fmt.Errorf("scan action: %w", err)
		}
		out = append(out, a)
	}
	return out, wrapErr(tx.d, rows.Err(), "find actions")
}

// SealedNote is a concern note as kept: Body sealed.
type SealedNote struct {
	*vigil.ConcernNote
	Body []byte
}

// AddNote saves further information on a concern. n.ID must be set.
func (s *Store) AddNote(ctx context.Context, n *SealedNote) error {
	return s.changeConcern(ctx, n.ConcernID, func(tx *Tx) error {
		n.AddedAt = tx.now
		_, err := tx.exec(ctx, `INSERT INTO concern_notes (school_id, id, concern_id, body, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tx.school, n.ID, n.ConcernID, n.Body, n.AddedBy, n.AddedAt)
		return wrapErr(tx.d, err, "insert note")
	})
}

// FindNotes returns a concern's notes, oldest first.
func (s *Store) FindNotes(ctx context.Context, concern vigil.ConcernID) ([]*SealedNote, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT n.id, n.body, n.added_by, n.added_at, coalesce(p.name, '') FROM concern_notes n
		LEFT JOIN persons p ON p.id = n.added_by WHERE n.school_id = ? AND n.concern_id = ? ORDER BY n.added_at, n.id`, tx.school, concern)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find notes")
	}
	defer rows.Close()
	var out []*SealedNote
	for rows.Next() {
		n := &SealedNote{ConcernNote: &vigil.ConcernNote{ConcernID: concern}}
		if err := rows.Scan(&n.ID, &n.Body, &n.AddedBy, &n.AddedAt, &n.AdderName); err != nil {
			return nil, fmt.Errorf("scan note: %w", err)
		}
		out = append(out, n)
	}
	return out, wrapErr(tx.d, rows.Err(), "find notes")
}

// SealedDocument is a document's record: its key and name sealed. The
// bytes are in the blob store under the document's id.
type SealedDocument struct {
	*vigil.Document
	Key, Name []byte
}

// AddDocument records a document stored in the blob store.
func (s *Store) AddDocument(ctx context.Context, d *SealedDocument) error {
	return s.changeConcern(ctx, d.ConcernID, func(tx *Tx) error {
		d.UploadedAt = tx.now
		_, err := tx.exec(ctx, `INSERT INTO documents (school_id, id, concern_id, action_id, doc_key, name, content_type, size, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tx.school, d.ID, d.ConcernID, nullString(string(d.ActionID)), d.Key, d.Name,
			d.ContentType, d.Size, d.UploadedBy, d.UploadedAt)
		return wrapErr(tx.d, err, "insert document")
	})
}

// FindDocuments returns a concern's documents, oldest first.
func (s *Store) FindDocuments(ctx context.Context, concern vigil.ConcernID) ([]*SealedDocument, error) {
	return s.findDocuments(ctx, "d.concern_id = ?", concern)
}

// FindDocument returns one document of the school.
func (s *Store) FindDocument(ctx context.Context, id vigil.DocumentID) (*SealedDocument, error) {
	if !vigil.ValidID(string(id)) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	}
	ds, err := s.findDocuments(ctx, "d.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	}
	return ds[0], nil
}

func (s *Store) findDocuments(ctx context.Context, where string, arg any) ([]*SealedDocument, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT d.id, d.concern_id, d.action_id, d.doc_key, d.name, d.content_type, d.size, d.uploaded_by, d.uploaded_at,
		coalesce(p.name, '') FROM documents d LEFT JOIN persons p ON p.id = d.uploaded_by
		WHERE d.school_id = ? AND `+where+` ORDER BY d.uploaded_at, d.id`, tx.school, arg)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find documents")
	}
	defer rows.Close()
	var out []*SealedDocument
	for rows.Next() {
		d := &SealedDocument{Document: &vigil.Document{}}
		var action sql.NullString
		if err := rows.Scan(&d.ID, &d.ConcernID, &action, &d.Key, &d.Name, &d.ContentType, &d.Size, &d.UploadedBy, &d.UploadedAt, &d.UploaderName); err != nil {
			return nil, fmt.Errorf("scan document: %w", err)
		}
		d.ActionID = vigil.ActionID(action.String)
		out = append(out, d)
	}
	return out, wrapErr(tx.d, rows.Err(), "find documents")
}

// IndexText replaces the blind-index tokens of one record of a concern (the
// concern itself, a note or an action): kind is "concern", "note" or
// "action".
func (s *Store) IndexText(ctx context.Context, concern vigil.ConcernID, kind, source string, tokens [][]byte) error {
	switch kind {
	case "concern", "note", "action":
	default:
		return fmt.Errorf("index %s: not a record of a concern", kind)
	}
	return s.index(ctx, kind, source, nullString(string(concern)), tokens, true)
}

// IndexRecord replaces the blind-index tokens of a referral or a
// communication: kind is "referral" or "communication", source its id.
// Who may find it is decided from its own row when searching (see
// ReferralFilter.Tokens and CommunicationFilter.Tokens), so its tokens name
// no concern.
func (s *Store) IndexRecord(ctx context.Context, kind, source string, tokens [][]byte) error {
	if kind != "referral" && kind != "communication" {
		return fmt.Errorf("index %s: not a referral or a communication", kind)
	}
	return s.index(ctx, kind, source, nil, tokens, true)
}

// AddToIndex adds tokens to those of a referral or a communication,
// keeping the ones it has: for text that is only ever added to a record,
// such as a referral's response and outcome.
func (s *Store) AddToIndex(ctx context.Context, kind, source string, tokens [][]byte) error {
	if kind != "referral" && kind != "communication" {
		return fmt.Errorf("index %s: not a referral or a communication", kind)
	}
	return s.index(ctx, kind, source, nil, tokens, false)
}

func (s *Store) index(ctx context.Context, kind, source string, concern any, tokens [][]byte, replace bool) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if replace {
		if _, err := tx.exec(ctx, `DELETE FROM search_tokens WHERE school_id = ? AND source_id = ?`, tx.school, source); err != nil {
			return wrapErr(tx.d, err, "clear index")
		}
	}
	for _, t := range tokens {
		if _, err := tx.exec(ctx, `INSERT INTO search_tokens (school_id, token, source_id, concern_id, kind) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, tx.school, t, source, concern, kind); err != nil {
			return wrapErr(tx.d, err, "index")
		}
	}
	return tx.Commit()
}

// matchingSources returns SQL for the ids of the records of kind whose
// tokens include every one of tokens, to follow "id IN", and its
// arguments. Nothing is decrypted to decide.
func matchingSources(tx *Tx, kind string, tokens [][]byte) (string, []any) {
	args := []any{tx.school, kind}
	for _, t := range tokens {
		args = append(args, t)
	}
	args = append(args, len(tokens))
	return `(SELECT st.source_id FROM search_tokens st WHERE st.school_id = ? AND st.kind = ? AND st.token IN (` + placeholders(len(tokens)) + `)
		GROUP BY st.source_id HAVING count(DISTINCT st.token) = ?)`, args
}

// SearchConcerns returns the ids of concerns the visibility allows with a
// record holding every one of tokens: the concern's own text and notes for
// anyone who may see it, its actions only for those who may see it in full.
// Nothing is decrypted to decide.
func (s *Store) SearchConcerns(ctx context.Context, tokens [][]byte, v Visibility, limit int) ([]vigil.ConcernID, error) {
	if len(tokens) == 0 {
		return nil, nil
	}
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	anyVis, anyArgs := v.any("c")
	fullVis, fullArgs := v.full("c")
	args := []any{tx.school}
	for _, t := range tokens {
		args = append(args, t)
	}
	args = append(args, len(tokens), tx.school)
	args = append(args, anyArgs...)
	args = append(args, fullArgs...)
	args = append(args, limit)
	rows, err := tx.query(ctx, `SELECT c.id FROM concerns c JOIN (
			SELECT st.concern_id, st.kind FROM search_tokens st WHERE st.school_id = ? AND st.kind IN ('concern', 'note', 'action')
				AND st.token IN (`+placeholders(len(tokens))+`)
			GROUP BY st.source_id, st.concern_id, st.kind HAVING count(DISTINCT st.token) = ?
		) m ON m.concern_id = c.id
		WHERE c.school_id = ? AND `+anyVis+` AND (m.kind <> 'action' OR `+fullVis+`)
		GROUP BY c.id, c.reported_at ORDER BY c.reported_at DESC LIMIT ?`, args...)
	if err != nil {
		return nil, wrapErr(tx.d, err, "search")
	}
	defer rows.Close()
	var out []vigil.ConcernID
	for rows.Next() {
		var id vigil.ConcernID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan search: %w", err)
		}
		out = append(out, id)
	}
	return out, wrapErr(tx.d, rows.Err(), "search")
}

// ChronologyItem is one concern, note, action or document touching a pupil,
// with its sealed text, for app to open what the reader may see.
type ChronologyItem struct {
	Kind      string // concern, note, action, document
	ID        string
	ConcernID vigil.ConcernID
	At        time.Time
	Sealed    []byte // concern body, note body, action body; nil for documents
	Title     string // action type name, document content type
	By        string
	ByID      vigil.PersonID
	Status    string
	Part      string
	Key       bool
	Full      bool // the reader may see the concern in full
	Reporter  vigil.PersonID
}

// Chronology returns everything about pupil the visibility allows, oldest
// first: concerns they are linked to, those concerns' notes and, for
// concerns seen in full, actions and documents. Categories of each
// concern for this pupil are in cats.
func (s *Store) Chronology(ctx context.Context, pupil vigil.PupilID, v Visibility) (items []*ChronologyItem, cats map[vigil.ConcernID][]vigil.CategoryID, err error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, nil, err
	}
	anyVis, anyArgs := v.any("c")
	fullVis, fullArgs := v.full("c")
	args := append([]any{pupil}, fullArgs...)
	args = append(args, tx.school, pupil)
	args = append(args, anyArgs...)
	rows, err := tx.query(ctx, `SELECT c.id, c.occurred_at, c.body, c.status, c.reported_by, coalesce(p.name, ''), cp.part,
			EXISTS (SELECT 1 FROM key_events k WHERE k.school_id = c.school_id AND k.pupil_id = ? AND k.item_id = c.id),
			CASE WHEN `+fullVis+` THEN 1 ELSE 0 END
		FROM concerns c JOIN concern_pupils cp ON cp.school_id = c.school_id AND cp.concern_id = c.id
		LEFT JOIN persons p ON p.id = c.reported_by
		WHERE c.school_id = ? AND cp.pupil_id = ? AND `+anyVis+` ORDER BY c.occurred_at`, args...)
	if err != nil {
		return nil, nil, wrapErr(tx.d, err, "chronology")
	}
	defer rows.Close()
	concerns := map[vigil.ConcernID]*ChronologyItem{}
	var ids []any
	for rows.Next() {
		it := &ChronologyItem{Kind: "concern"}
		var full int
		if err := rows.Scan(&it.ID, &it.At, &it.Sealed, &it.Status, &it.Reporter, &it.By, &it.Part, &it.Key, &full); err != nil {
			return nil, nil, fmt.Errorf("scan chronology: %w", err)
		}
		it.ConcernID, it.Full, it.ByID = vigil.ConcernID(it.ID), full == 1, it.Reporter
		concerns[it.ConcernID] = it
		items = append(items, it)
		ids = append(ids, it.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrapErr(tx.d, err, "chronology")
	}
	rows.Close()
	cats = map[vigil.ConcernID][]vigil.CategoryID{}
	if len(ids) == 0 {
		return nil, cats, tx.Commit()
	}
	in := placeholders(len(ids))
	base := append([]any{tx.school}, ids...)
	// Categories for this pupil.
	rows, err = tx.query(ctx, `SELECT cc.concern_id, cc.category_id FROM concern_categories cc
		JOIN categories k ON k.school_id = cc.school_id AND k.id = cc.category_id
		WHERE cc.school_id = ? AND cc.concern_id IN (`+in+`) AND cc.pupil_id = ? ORDER BY k.position`, append(base, pupil)...)
	if err != nil {
		return nil, nil, wrapErr(tx.d, err, "chronology categories")
	}
	for rows.Next() {
		var c vigil.ConcernID
		var cat vigil.CategoryID
		if err := rows.Scan(&c, &cat); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan chronology category: %w", err)
		}
		cats[c] = append(cats[c], cat)
	}
	rows.Close()
	// Notes: for anyone who sees the concern.
	rows, err = tx.query(ctx, `SELECT n.id, n.concern_id, n.added_at, n.body, n.added_by, coalesce(p.name, '') FROM concern_notes n
		LEFT JOIN persons p ON p.id = n.added_by WHERE n.school_id = ? AND n.concern_id IN (`+in+`)`, base...)
	if err != nil {
		return nil, nil, wrapErr(tx.d, err, "chronology notes")
	}
	for rows.Next() {
		it := &ChronologyItem{Kind: "note"}
		if err := rows.Scan(&it.ID, &it.ConcernID, &it.At, &it.Sealed, &it.ByID, &it.By); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan chronology note: %w", err)
		}
		c := concerns[it.ConcernID]
		if c.Full || it.ByID == v.Person {
			it.Full = c.Full
			items = append(items, it)
		}
	}
	rows.Close()
	// Actions and documents: only where the concern is seen in full.
	var fullIDs []any
	for _, it := range concerns {
		if it.Full {
			fullIDs = append(fullIDs, it.ID)
		}
	}
	if len(fullIDs) > 0 {
		fin := placeholders(len(fullIDs))
		fargs := append([]any{pupil, tx.school}, fullIDs...)
		rows, err = tx.query(ctx, `SELECT a.id, a.concern_id, a.taken_on, a.created_at, a.body, coalesce(t.name, a.type), a.created_by,
				coalesce(p.name, ''), CASE WHEN a.done_at IS NULL THEN 'open' ELSE 'done' END,
				EXISTS (SELECT 1 FROM key_events k WHERE k.school_id = a.school_id AND k.pupil_id = ? AND k.item_id = a.id)
			FROM actions a LEFT JOIN action_types t ON t.school_id = a.school_id AND t.key = a.type
			LEFT JOIN persons p ON p.id = a.created_by WHERE a.school_id = ? AND a.concern_id IN (`+fin+`)`, fargs...)
		if err != nil {
			return nil, nil, wrapErr(tx.d, err, "chronology actions")
		}
		for rows.Next() {
			it := &ChronologyItem{Kind: "action", Full: true}
			var taken vigil.Date
			var created time.Time
			if err := rows.Scan(&it.ID, &it.ConcernID, &taken, &created, &it.Sealed, &it.Title, &it.ByID, &it.By, &it.Status, &it.Key); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("scan chronology action: %w", err)
			}
			it.At = actionTime(taken, created)
			items = append(items, it)
		}
		rows.Close()
		rows, err = tx.query(ctx, `SELECT d.id, d.concern_id, d.uploaded_at, d.content_type, d.uploaded_by, coalesce(p.name, '')
			FROM documents d LEFT JOIN persons p ON p.id = d.uploaded_by WHERE d.school_id = ? AND d.concern_id IN (`+fin+`)`, fargs[1:]...)
		if err != nil {
			return nil, nil, wrapErr(tx.d, err, "chronology documents")
		}
		for rows.Next() {
			it := &ChronologyItem{Kind: "document", Full: true}
			if err := rows.Scan(&it.ID, &it.ConcernID, &it.At, &it.Title, &it.ByID, &it.By); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("scan chronology document: %w", err)
			}
			items = append(items, it)
		}
		rows.Close()
	}
	return items, cats, tx.Commit()
}

// actionTime places an action in time: the day it was taken, at the time
// of day it was recorded if it was recorded that day, otherwise at noon.
func actionTime(taken vigil.Date, created time.Time) time.Time {
	if vigil.DateOf(created.UTC()) == taken {
		return created
	}
	t := taken.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
}

// FindKeyEvents returns the ids of the items of pupil's chronology marked
// as key events. The ids are of concerns, actions, referrals and
// communications; whether the reader may see each is for the caller.
func (s *Store) FindKeyEvents(ctx context.Context, pupil vigil.PupilID) (map[string]bool, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT item_id FROM key_events WHERE school_id = ? AND pupil_id = ?`, tx.school, pupil)
	if err != nil {
		return nil, wrapErr(tx.d, err, "find key events")
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan key event: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(tx.d, err, "find key events")
	}
	return out, tx.Commit()
}

// SetKeyEvent marks (or unmarks) an item of a pupil's chronology as a key
// event.
func (s *Store) SetKeyEvent(ctx context.Context, pupil vigil.PupilID, item string, key bool, by vigil.PersonID) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	if key {
		_, err = tx.exec(ctx, `INSERT INTO key_events (school_id, pupil_id, item_id, marked_by, marked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			tx.school, pupil, item, by, tx.now)
	} else {
		_, err = tx.exec(ctx, `DELETE FROM key_events WHERE school_id = ? AND pupil_id = ? AND item_id = ?`, tx.school, pupil, item)
	}
	if err != nil {
		return wrapErr(tx.d, err, "set key event")
	}
	return tx.Commit()
}

// AddNotifications saves one notification of kind about concern for each
// person, in the caller's transaction when there is one.
func (s *Store) AddNotifications(ctx context.Context, people []vigil.PersonID, kind string, concern vigil.ConcernID) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return err
	}
	for _, p := range people {
		if _, err := tx.exec(ctx, `INSERT INTO notifications (school_id, id, person_id, kind, concern_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tx.school, vigil.NewID(), p, kind, nullString(string(concern)), tx.now); err != nil {
			return wrapErr(tx.d, err, "insert notification")
		}
	}
	return tx.Commit()
}

// FindNotifications returns person's notifications in the school, newest
// first, and how many are unread.
func (s *Store) FindNotifications(ctx context.Context, person vigil.PersonID, limit int) ([]*vigil.Notification, int, error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return nil, 0, err
	}
	var unread int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM notifications WHERE school_id = ? AND person_id = ? AND read_at IS NULL`,
		tx.school, person).Scan(&unread); err != nil {
		return nil, 0, wrapErr(tx.d, err, "count notifications")
	}
	if limit <= 0 {
		return nil, unread, tx.Commit()
	}
	rows, err := tx.query(ctx, `SELECT id, kind, concern_id, created_at, read_at FROM notifications WHERE school_id = ? AND person_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, tx.school, person, limit)
	if err != nil {
		return nil, 0, wrapErr(tx.d, err, "find notifications")
	}
	defer rows.Close()
	var out []*vigil.Notification
	for rows.Next() {
		n := &vigil.Notification{PersonID: person}
		var concern sql.NullString
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.Kind, &concern, &n.CreatedAt, &read); err != nil {
			return nil, 0, fmt.Errorf("scan notification: %w", err)
		}
		n.ConcernID, n.ReadAt = vigil.ConcernID(concern.String), read.Time
		out = append(out, n)
	}
	return out, unread, wrapErr(tx.d, rows.Err(), "find notifications")
}

// MarkNotificationsRead marks person's notifications read: those about
// concern when it is set, or all.
func (s *Store) MarkNotificationsRead(ctx context.Context, person vigil.PersonID, concern vigil.ConcernID) error {
	tx, err := s.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	q := `UPDATE notifications SET read_at = ? WHERE school_id = ? AND person_id = ? AND read_at IS NULL`
	args := []any{tx.now, tx.school, person}
	if concern != "" {
		q, args = q+" AND concern_id = ?", append(args, concern)
	}
	if _, err := tx.exec(ctx, q, args...); err != nil {
		return wrapErr(tx.d, err, "mark notifications read")
	}
	return tx.Commit()
}

// SchoolSearchKey returns the school's wrapped search key, or nil if it has
// none yet.
func (s *Store) SchoolSearchKey(ctx context.Context, school vigil.SchoolID) (wrapped []byte, wrapperID string, err error) {
	tx, err := s.beginScoped(ctx, false, school, "")
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	err = tx.queryRow(ctx, `SELECT wrapped, wrapper_id FROM school_search_keys WHERE school_id = ?`, school).Scan(&wrapped, &wrapperID)
	if err == sql.ErrNoRows {
		return nil, "", tx.Commit()
	}
	if err != nil {
		return nil, "", wrapErr(tx.d, err, "find search key")
	}
	return wrapped, wrapperID, tx.Commit()
}

// SaveSchoolSearchKey stores the school's wrapped search key: the first
// time (replace false) only if none exists, returning false if another
// process got there first; or replacing it when the master key is rotated.
func (s *Store) SaveSchoolSearchKey(ctx context.Context, school vigil.SchoolID, wrapped []byte, wrapperID string, replace bool) (bool, error) {
	tx, err := s.beginScoped(ctx, true, school, "")
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var res sql.Result
	if replace {
		res, err = tx.exec(ctx, `UPDATE school_search_keys SET wrapped = ?, wrapper_id = ? WHERE school_id = ?`, wrapped, wrapperID, school)
	} else {
		res, err = tx.exec(ctx, `INSERT INTO school_search_keys (school_id, wrapped, wrapper_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, school, wrapped, wrapperID, tx.now)
	}
	if err != nil {
		return false, wrapErr(tx.d, err, "save search key")
	}
	n, _ := res.RowsAffected()
	return n > 0, tx.Commit()
}

// ConcernCounts are the dashboard's numbers for one reader.
type ConcernCounts struct {
	Unreviewed, Open, MyOpenActions, MyOverdueActions int
}

// CountDashboard counts what the dashboard and the navigation show.
func (s *Store) CountDashboard(ctx context.Context, person vigil.PersonID, v Visibility, today vigil.Date) (ConcernCounts, error) {
	var out ConcernCounts
	tx, err := s.begin(ctx, false)
	if err != nil {
		return out, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return out, err
	}
	full, fargs := v.full("c")
	args := append([]any{tx.school}, fargs...)
	if err := tx.queryRow(ctx, `SELECT
			coalesce(sum(CASE WHEN c.reviewed_at IS NULL THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END), 0)
		FROM concerns c WHERE c.school_id = ? AND `+full, args...).Scan(&out.Unreviewed, &out.Open); err != nil {
		return out, wrapErr(tx.d, err, "count concerns")
	}
	args = append([]any{tx.school, person}, fargs...)
	args = append([]any{today}, args...)
	if err := tx.queryRow(ctx, `SELECT count(*), coalesce(sum(CASE WHEN a.due_on < ? THEN 1 ELSE 0 END), 0)
		FROM actions a JOIN concerns c ON c.school_id = a.school_id AND c.id = a.concern_id
		WHERE a.school_id = ? AND a.assigned_to = ? AND a.done_at IS NULL AND `+full, args...).Scan(&out.MyOpenActions, &out.MyOverdueActions); err != nil {
		return out, wrapErr(tx.d, err, "count actions")
	}
	return out, tx.Commit()
}
