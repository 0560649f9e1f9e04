package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/search"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions for concerns and what hangs off them.
const (
	AuditConcernCreated     = "concern.created"
	AuditConcernViewed      = "concern.viewed"
	AuditConcernRefused     = "concern.view_refused"
	AuditConcernReviewed    = "concern.reviewed"
	AuditConcernRevised     = "concern.revised"
	AuditConcernClosed      = "concern.closed"
	AuditConcernReopened    = "concern.reopened"
	AuditConcernLinked      = "concern.pupils_linked"
	AuditConcernCategorised = "concern.categories_changed"
	AuditConcernNoteAdded   = "concern.note_added"
	AuditConcernsListed     = "concern.listed"
	AuditConcernsSearched   = "concern.searched"
	AuditActionCreated      = "action.created"
	AuditActionDone         = "action.done"
	AuditActionReopened     = "action.reopened"
	AuditActionRevised      = "action.revised"
	AuditDocumentUploaded   = "document.uploaded"
	AuditDocumentOpened     = "document.opened"
	AuditChronologyViewed   = "chronology.viewed"
	AuditChronologyExported = "chronology.exported"
	AuditKeyEventMarked     = "chronology.key_event_marked"
	AuditPupilsLookedUp     = "pupil.looked_up"
)

// EmailQueue puts a content-free email on the durable job queue, inside
// the caller's transaction when there is one, so an alert is sent once the
// record is saved and never for one that was rolled back.
type EmailQueue interface {
	EnqueueEmail(ctx context.Context, m notify.Message) error
}

// queueEmail enqueues m, or, with no queue (some tests), sends it after the
// request.
func (a *App) queueEmail(ctx context.Context, m notify.Message) error {
	if a.Emails != nil {
		return a.Emails.EnqueueEmail(ctx, m)
	}
	a.sendLater("alert email", m)
	return nil
}

// visibility is what the actor may see, for the store's queries.
func visibility(act *vigil.Actor) store.Visibility {
	if act == nil {
		return store.Visibility{}
	}
	if act.System {
		return store.Visibility{All: true}
	}
	all, own := authz.VisibleCategories(act)
	return store.Visibility{Person: act.PersonID, ViewAll: all, ViewOwn: own}
}

// seal seals text for a field of a row of the actor's school.
func (a *App) seal(ctx context.Context, table, row, field string, text []byte) ([]byte, error) {
	if a.Vault == nil {
		return nil, errors.New("app: no vault to seal records with")
	}
	return a.Vault.Seal(ctx, vigil.ActorFrom(ctx).SchoolID, table, row, field, text)
}

// open opens a sealed field; nil opens to "".
func (a *App) open(ctx context.Context, table, row, field string, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	if a.Vault == nil {
		return "", errors.New("app: no vault to open records with")
	}
	pt, err := a.Vault.Open(ctx, vigil.ActorFrom(ctx).SchoolID, table, row, field, sealed)
	if err != nil {
		// The detail (which key, what failed) is logged; the reader sees
		// that the record cannot be opened, never a fragment of it.
		return "", fmt.Errorf("open %s.%s of %s: %w", table, field, row, err)
	}
	return string(pt), nil
}

// tokens returns the blind-index tokens of a record's text. It is called
// before the record's transaction: the first call for a school makes its
// search key, which must not wait on that transaction.
func (a *App) tokens(ctx context.Context, texts ...string) ([][]byte, error) {
	if a.Vault == nil {
		return nil, errors.New("app: no vault for the search key")
	}
	key, err := a.Vault.SearchKey(ctx, vigil.ActorFrom(ctx).SchoolID)
	if err != nil {
		return nil, err
	}
	toks := search.Index(key, strings.Join(texts, "\n"))
	bs := make([][]byte, len(toks))
	for i, t := range toks {
		bs[i] = []byte(t)
	}
	return bs, nil
}

// Upload is a file given with a concern or an action.
type Upload struct {
	Name string
	Body io.Reader
}

// NewConcern is what a member of staff gives when logging a concern.
type NewConcern struct {
	Pupils     []vigil.ConcernPupil
	OccurredAt time.Time
	Location   string
	Body       string
	Agencies   string
	BodyMap    []vigil.BodyMark
	Alert      []vigil.PersonID // staff to alert beyond the categories' defaults
	Files      []Upload
}

// ConcernForm is what the form to log a concern offers the actor.
type ConcernForm struct {
	Categories []*vigil.Category // those the actor may report in
	Staff      []*vigil.Membership
	Parts      []string
	UploadMax  int64
	Types      []string
}

// ConcernForm returns the choices for logging a concern.
func (a *App) ConcernForm(ctx context.Context) (*ConcernForm, error) {
	act := vigil.ActorFrom(ctx)
	cats, err := a.Store.FindCategories(ctx, true)
	if err != nil {
		return nil, err
	}
	var mine []*vigil.Category
	for _, c := range cats {
		if authz.CanReport(act, []vigil.CategoryID{c.ID}) {
			mine = append(mine, c)
		}
	}
	if len(mine) == 0 {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include logging concerns. Ask your designated safeguarding lead.")
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return nil, err
	}
	var staff []*vigil.Membership
	for _, m := range members {
		if m.Active && m.PersonID != act.PersonID {
			staff = append(staff, m)
		}
	}
	return &ConcernForm{Categories: mine, Staff: staff, Parts: vigil.Parts, UploadMax: a.uploadLimit(ctx), Types: blob.DocumentTypes}, nil
}

// PupilChoice is a pupil as the concern form's picker shows them: enough to
// tell two pupils apart, nothing more.
type PupilChoice struct {
	ID        vigil.PupilID
	Name      string
	LegalName string
	YearGroup string
	RegGroup  string
}

// LookUpPupils finds pupils on roll by name for someone logging a concern,
// who may not otherwise see the pupil list. It needs two characters and
// returns at most ten.
func (a *App) LookUpPupils(ctx context.Context, q string) ([]PupilChoice, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || !(act.System || act.Permissions.Max().AtLeast(vigil.AccessReport)) {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include logging concerns.")
	}
	q = strings.TrimSpace(q)
	if len([]rune(q)) < 2 {
		return nil, nil
	}
	if len(q) > 100 {
		return nil, vigil.FieldError("q", "This is too long.")
	}
	ps, _, err := a.Store.FindPupils(ctx, vigil.PupilFilter{Query: q, Limit: 10})
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditPupilsLookedUp, Detail: map[string]string{"shown": strconv.Itoa(len(ps))}}); err != nil {
		return nil, err
	}
	out := make([]PupilChoice, len(ps))
	for i, p := range ps {
		out[i] = PupilChoice{ID: p.ID, Name: p.Name(), LegalName: p.LegalName(), YearGroup: p.YearGroup, RegGroup: p.RegGroup}
	}
	return out, nil
}

func (a *App) uploadLimit(ctx context.Context) int64 {
	if a.UploadLimit > 0 {
		return a.UploadLimit
	}
	return 20 << 20
}

// LogConcern records a concern: validated, sealed, indexed, audited, and
// the right people alerted, all or nothing.
func (a *App) LogConcern(ctx context.Context, in NewConcern) (*vigil.Concern, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	c := &vigil.Concern{Pupils: in.Pupils, OccurredAt: in.OccurredAt, Location: strings.TrimSpace(in.Location), Body: strings.TrimSpace(in.Body),
		Agencies: strings.TrimSpace(in.Agencies), BodyMap: in.BodyMap, ReportedBy: act.PersonID}
	if err := c.Validate(a.Now()); err != nil {
		return nil, err
	}
	cats := c.Categories()
	known, err := a.activeCategories(ctx, cats)
	if err != nil {
		return nil, err
	}
	if !authz.CanReport(act, cats) {
		return nil, vigil.FieldError("categories", "Your access does not include logging concerns in one of these categories.")
	}
	if len(in.Files) > 10 {
		return nil, vigil.FieldError("files", "Attach at most 10 files at once.")
	}
	alert, err := a.recipients(ctx, cats, in.Alert, act.PersonID)
	if err != nil {
		return nil, err
	}
	c.Alerted = alert
	c.ID = vigil.ConcernID(vigil.NewID())
	sc, err := a.sealConcern(ctx, c)
	if err != nil {
		return nil, err
	}
	// Files go to the blob store first (it cannot join a transaction);
	// if the record then fails, they are removed again.
	toks, err := a.tokens(ctx, c.Body, c.Location, c.Agencies, bodyMapText(c.BodyMap))
	if err != nil {
		return nil, err
	}
	docs, err := a.storeFiles(ctx, c.ID, "", in.Files)
	if err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CreateConcern(ctx, sc); err != nil {
			return err
		}
		for _, d := range docs {
			if err := a.Store.AddDocument(ctx, d); err != nil {
				return err
			}
		}
		if err := a.Store.IndexText(ctx, c.ID, "concern", string(c.ID), toks); err != nil {
			return err
		}
		if err := a.alert(ctx, alert, vigil.NotifyConcernLogged, c.ID); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernCreated, ObjectType: "concern", ObjectID: string(c.ID),
			PupilID: firstPupil(c), Detail: map[string]string{"pupils": strconv.Itoa(len(c.Pupils)), "alerted": strconv.Itoa(len(alert)),
				"documents": strconv.Itoa(len(docs)), "categories": categoryKeys(known, cats)}})
	})
	if err != nil {
		a.removeFiles(docs)
		return nil, err
	}
	return c, nil
}

func firstPupil(c *vigil.Concern) vigil.PupilID {
	if len(c.Pupils) == 0 {
		return ""
	}
	return c.Pupils[0].PupilID
}

func categoryKeys(known map[vigil.CategoryID]*vigil.Category, ids []vigil.CategoryID) string {
	var keys []string
	for _, id := range ids {
		if c := known[id]; c != nil {
			keys = append(keys, c.Key)
		}
	}
	return strings.Join(keys, ",")
}

func bodyMapText(ms []vigil.BodyMark) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.Description)
		b.WriteByte('\n')
	}
	return b.String()
}

// activeCategories checks every id is an active category of the school.
func (a *App) activeCategories(ctx context.Context, ids []vigil.CategoryID) (map[vigil.CategoryID]*vigil.Category, error) {
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	byID := map[vigil.CategoryID]*vigil.Category{}
	for _, c := range cats {
		byID[c.ID] = c
	}
	for _, id := range ids {
		if c := byID[id]; c == nil || !c.Active {
			return nil, vigil.FieldError("categories", "One of the categories is not in use in this school.")
		}
	}
	return byID, nil
}

// ResolveCategories turns names, keys or ids (as an API client gives them)
// into the ids of the school's active categories.
func (a *App) ResolveCategories(ctx context.Context, names []string) ([]vigil.CategoryID, error) {
	cats, err := a.Store.FindCategories(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []vigil.CategoryID
	for _, n := range names {
		n = strings.TrimSpace(n)
		var found vigil.CategoryID
		for _, c := range cats {
			if string(c.ID) == n || strings.EqualFold(c.Key, n) || strings.EqualFold(c.Name, n) {
				found = c.ID
				break
			}
		}
		if found == "" {
			return nil, vigil.FieldError("categories", "No category in use is called "+strconv.Quote(truncate(n, 60))+".")
		}
		if !slices.Contains(out, found) {
			out = append(out, found)
		}
	}
	return out, nil
}

// recipients returns who is alerted about a concern in cats: every active
// member who may see it in full and manages all its categories (the DSL
// team, for most), plus those chosen who may see it. The reporter is never
// alerted about their own concern.
func (a *App) recipients(ctx context.Context, cats []vigil.CategoryID, chosen []vigil.PersonID, reporter vigil.PersonID) ([]vigil.PersonID, error) {
	review, err := a.Store.FindAccessReview(ctx)
	if err != nil {
		return nil, err
	}
	levels := map[vigil.PersonID]map[vigil.CategoryID]vigil.Access{}
	for cat, ms := range review {
		for _, m := range ms {
			if levels[m.PersonID] == nil {
				levels[m.PersonID] = map[vigil.CategoryID]vigil.Access{}
			}
			levels[m.PersonID][cat] = m.Permissions.In(cat)
		}
	}
	least := func(p vigil.PersonID) vigil.Access {
		l := vigil.AccessManage
		for _, c := range cats {
			if acc, ok := levels[p][c]; !ok {
				return vigil.AccessNone
			} else if !acc.AtLeast(l) {
				l = acc
			}
		}
		return l
	}
	var out []vigil.PersonID
	for p := range levels {
		if p != reporter && least(p) == vigil.AccessManage {
			out = append(out, p)
		}
	}
	for _, p := range chosen {
		if p == reporter || slices.Contains(out, p) {
			continue
		}
		if !least(p).AtLeast(vigil.AccessViewAll) {
			return nil, vigil.FieldError("alert", "One of the people chosen to alert cannot see concerns in these categories.")
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// alert notifies people in the app and queues a content-free email to each,
// as each chose for this school (notifyPeople).
func (a *App) alert(ctx context.Context, people []vigil.PersonID, kind string, concern vigil.ConcernID) error {
	return a.notifyPeople(ctx, people, kind, concern, "")
}

func (a *App) sealConcern(ctx context.Context, c *vigil.Concern) (*store.SealedConcern, error) {
	sc := &store.SealedConcern{Concern: c}
	mapJSON, err := json.Marshal(c.BodyMap)
	if err != nil {
		return nil, err
	}
	row := string(c.ID)
	for _, f := range []struct {
		field string
		text  []byte
		dst   *[]byte
	}{
		{"location", []byte(c.Location), &sc.Location},
		{"body", []byte(c.Body), &sc.Body},
		{"agencies", []byte(c.Agencies), &sc.Agencies},
		{"body_map", mapJSON, &sc.BodyMap},
	} {
		if *f.dst, err = a.seal(ctx, "concerns", row, f.field, f.text); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// openConcern fills c's text from its sealed fields.
func (a *App) openConcern(ctx context.Context, sc *store.SealedConcern) (*vigil.Concern, error) {
	c, row := sc.Concern, string(sc.ID)
	var err error
	if c.Location, err = a.open(ctx, "concerns", row, "location", sc.Location); err != nil {
		return nil, err
	}
	if c.Body, err = a.open(ctx, "concerns", row, "body", sc.Body); err != nil {
		return nil, err
	}
	if c.Agencies, err = a.open(ctx, "concerns", row, "agencies", sc.Agencies); err != nil {
		return nil, err
	}
	if c.Outcome, err = a.open(ctx, "concerns", row, "outcome", sc.Outcome); err != nil {
		return nil, err
	}
	m, err := a.open(ctx, "concerns", row, "body_map", sc.BodyMap)
	if err != nil {
		return nil, err
	}
	c.BodyMap = nil
	if m != "" && m != "null" {
		if err := json.Unmarshal([]byte(m), &c.BodyMap); err != nil {
			return nil, fmt.Errorf("body map of %s: %w", row, err)
		}
	}
	return c, nil
}

// storeFiles encrypts each upload into the blob store under a key of its
// own and returns the records to save. On any failure, what was stored is
// removed and the error names the file.
func (a *App) storeFiles(ctx context.Context, concern vigil.ConcernID, action vigil.ActionID, files []Upload) ([]*store.SealedDocument, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if a.Blobs == nil {
		return nil, vigil.Errorf(vigil.EUNAVAILABLE, "Documents cannot be stored here.")
	}
	act := vigil.ActorFrom(ctx)
	var out []*store.SealedDocument
	for i, f := range files {
		id := vigil.DocumentID(vigil.NewID())
		key := make([]byte, 32)
		if _, err := io.ReadFull(randReader, key); err != nil {
			a.removeFiles(out)
			return nil, err
		}
		meta, err := blob.PutDocument(ctx, a.Blobs, key, string(act.SchoolID), string(id), f.Name, f.Body, a.uploadLimit(ctx), blob.DocumentTypes)
		if err != nil {
			a.removeFiles(out)
			if vigil.ErrorCode(err) == vigil.EINVALID || vigil.ErrorCode(err) == "" {
				return nil, vigil.FieldError("files", fileLabel(f.Name, i)+": "+vigil.ErrorMessage(err))
			}
			return nil, err
		}
		d := &store.SealedDocument{Document: &vigil.Document{ID: id, ConcernID: concern, ActionID: action, Name: f.Name,
			ContentType: meta.Type, Size: meta.Size, UploadedBy: act.PersonID}}
		out = append(out, d)
		if d.Key, err = a.seal(ctx, "documents", string(id), "doc_key", key); err != nil {
			a.removeFiles(out)
			return nil, err
		}
		if d.Name, err = a.seal(ctx, "documents", string(id), "name", []byte(f.Name)); err != nil {
			a.removeFiles(out)
			return nil, err
		}
	}
	return out, nil
}

func fileLabel(name string, i int) string {
	if name == "" {
		return "File " + strconv.Itoa(i+1)
	}
	return strconv.Quote(truncate(name, 80))
}

func (a *App) removeFiles(docs []*store.SealedDocument) {
	for _, d := range docs {
		if err := a.Blobs.Delete(context.Background(), string(d.ID)); err != nil {
			a.Log.Warn("remove unsaved document", "err", err)
		}
	}
}

// ResolveActionType turns an action type's key or name, as an API client
// gives it, into its key.
func (a *App) ResolveActionType(ctx context.Context, name string) (string, error) {
	types, err := a.Store.ActionTypes(ctx)
	if err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	for _, t := range types {
		if t.Active && (t.Key == name || strings.EqualFold(t.Name, name)) {
			return t.Key, nil
		}
	}
	return "", vigil.FieldError("type", "Choose a type of action the school uses, e.g. spoke_parent or \"Spoke to parent or carer\".")
}
