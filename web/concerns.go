package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/blob"
)

// concernFuncs are the template helpers of the concern, chronology,
// dashboard and search pages.
var concernFuncs = template.FuncMap{
	"paras":     paragraphs,
	"at":        at,
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"partTitle": vigil.PartTitle,
	"firstLine": func(s string) string { return firstLine(s, 160) },
	"fileSize":  fileSize,
	"noteTitle": vigil.NotificationTitle,
	"hasCat":    func(list []vigil.CategoryID, id vigil.CategoryID) bool { return slices.Contains(list, id) },
	"join":      strings.Join,
	"statusTitle": func(s string) string {
		switch s {
		case vigil.ConcernOpen:
			return "Open"
		case vigil.ConcernClosed:
			return "Closed"
		case "done":
			return "Done"
		}
		return s
	},
	"located": func(v any, loc *time.Location) located { return located{v, loc} },
}

// located is a value handed to a sub-template with the time zone its
// times are shown in.
type located struct {
	V   any
	Loc *time.Location
}

func init() { maps.Copy(funcs, concernFuncs) }

// paragraphs splits text on blank lines, for showing an account as plain
// paragraphs: the text is escaped by html/template and never read as HTML.
// Single line breaks stay inside a paragraph (CSS keeps them).
func paragraphs(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRightFunc(line, unicode.IsSpace))
	}
	flush()
	return out
}

// at writes a moment in the school's time zone, or "" for none.
func at(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2 Jan 2006, 15:04")
}

// firstLine returns the first line of s, cut to about n characters.
func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:n])) + "…"
	}
	return s
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// errNoConcerns answers a reader whom app gave nothing and no error: its
// Chronology, Dashboard and Search return (nil, nil) to someone
// who may view pupils but not concerns (a school administrator), where an
// EFORBIDDEN is meant.
var errNoConcerns = vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include safeguarding concerns. Ask your designated safeguarding lead if you need it.")

// needsStepUp reports whether the signed-in person could see more with a
// second factor they have not given in this session.
func needsStepUp(cur *app.Current) bool {
	return cur != nil && cur.Actor != nil && !cur.Actor.SteppedUp && authz.Elevated(cur.Actor)
}

// stepUpFirst sends someone who has not given their second factor to do so
// and come back to back, when app refused them something (or could not
// find it for them) that a second factor may open. It reports whether it
// answered.
func (h *Handler) stepUpFirst(w http.ResponseWriter, r *http.Request, back string, err error) bool {
	if code := vigil.ErrorCode(err); code != vigil.EFORBIDDEN && code != vigil.ENOTFOUND {
		return false
	}
	cur := current(r.Context())
	if !needsStepUp(cur) {
		return false
	}
	target := "/step-up"
	if !cur.Person.HasSecondFactor() {
		target = "/two-factor/setup"
	}
	http.Redirect(w, r, target+"?next="+url.QueryEscape(safeNext(back)), http.StatusSeeOther)
	return true
}

// formState is a form sent back with problems: which form, what was typed
// (never files) and the error.
type formState struct {
	Which  string
	Values url.Values
	Err    error
}

// Is reports whether the form named which is the one that failed.
func (f formState) Is(which string) bool { return f.Err != nil && f.Which == which }

// Problem returns the problem with field of the form which, or "".
func (f formState) Problem(which, field string) string {
	if !f.Is(which) {
		return ""
	}
	return vigil.ErrorFields(f.Err)[field]
}

// Value returns what was typed in field of the form which, or "".
func (f formState) Value(which, field string) string {
	if f.Which != which || f.Values == nil {
		return ""
	}
	return f.Values.Get(field)
}

// ValuesOf returns every value typed in field of the form which.
func (f formState) ValuesOf(which, field string) []string {
	if f.Which != which || f.Values == nil {
		return nil
	}
	return f.Values[field]
}

// markView is one mark of a body map, placed on a 100 × 220 outline.
type markView struct {
	N           int
	X, Y        string
	Description string
}

// revisionView is one line of a concern's history.
type revisionView struct {
	Label  string
	Old    string
	Reason string
	By     string
	At     time.Time
}

// concernData is the concern page.
type concernData struct {
	V     *app.ConcernView
	Loc   *time.Location
	Today vigil.Date
	Saved string
	Form  formState

	Front, Back []markView
	Documents   []*vigil.Document // attached to the concern itself
	ActionDocs  map[vigil.ActionID][]*vigil.Document
	History     []revisionView
	Categories  []*vigil.Category // active, for managers' forms
	Parts       []string
	Choices     []app.PupilChoice // a pupil look-up's answers, to link
	Looked      bool              // a look-up was made

	Edits    []editField // the concern's fields a manager may change
	EditOpen bool        // one of them failed: show them open

	LinkPupil, LinkChronology bool
	StepUpNeeded              bool
	Reporter                  bool // the reader logged it
}

// editField is one field of the concern with its form to change it.
type editField struct {
	Field, Label, Value string
	Multiline, DateTime bool
}

// Overdue reports whether an action is open past its due date.
func (d concernData) Overdue(a *vigil.Action) bool { return a.Overdue(d.Today) }

// ActionText is the text in an action's edit form: what was typed, when
// that form failed, or the action's text.
func (d concernData) ActionText(a *vigil.Action) string {
	if which := "revise-action-" + string(a.ID); d.Form.Is(which) {
		return d.Form.Value(which, "value")
	}
	return a.Body
}

// Part is the part chosen in a pupil's form: what was sent, when that form
// failed, or the pupil's part now.
func (d concernData) Part(which, now string) string {
	if d.Form.Is(which) {
		return d.Form.Value(which, "part")
	}
	return now
}

// Ticked reports whether a category's box is ticked in a form: as sent,
// when that form failed, or as it is now.
func (d concernData) Ticked(which string, id vigil.CategoryID, now []vigil.CategoryID) bool {
	if d.Form.Is(which) {
		return slices.Contains(d.Form.ValuesOf(which, "categories"), string(id))
	}
	return slices.Contains(now, id)
}

// savedNotices are what a concern page says after a change; the key
// travels in the redirect, the words never do.
var savedNotices = map[string]string{
	"note":     "Your further information has been added.",
	"action":   "The action has been added.",
	"done":     "The action has been updated.",
	"revised":  "The change has been saved. The earlier version is kept in the history.",
	"pupil":    "The pupil's part and categories have been saved.",
	"linked":   "The pupils have been linked.",
	"closed":   "The concern has been closed.",
	"reopened": "The concern has been reopened.",
}

// showConcern handles GET /concerns/{id}.
func (h *Handler) showConcern(w http.ResponseWriter, r *http.Request) {
	id := vigil.ConcernID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	h.concernPage(w, r, id, http.StatusOK, formState{}, nil, false)
}

// concernPage renders the concern page, with a failed form's problems or a
// pupil look-up's answers when given.
func (h *Handler) concernPage(w http.ResponseWriter, r *http.Request, id vigil.ConcernID, status int, form formState, choices []app.PupilChoice, looked bool) {
	v, err := h.app.Concern(r.Context(), id)
	if err != nil {
		if h.stepUpFirst(w, r, "/concerns/"+string(id), err) {
			return
		}
		h.fail(w, r, err)
		return
	}
	cur := current(r.Context())
	act := cur.Actor
	d := concernData{V: v, Loc: cur.Location(), Form: form, Choices: choices, Looked: looked, Parts: vigil.Parts,
		ActionDocs: map[vigil.ActionID][]*vigil.Document{}, StepUpNeeded: needsStepUp(cur) && !v.CanSeeAll(),
		LinkPupil: authz.Can(act, authz.ViewPupil), LinkChronology: authz.CanSeeConcerns(act), Reporter: v.Concern.ReportedBy == act.PersonID}
	d.Today = vigil.DateOf(time.Now().In(d.Loc))
	if form.Err == nil {
		d.Saved = savedNotices[r.URL.Query().Get("saved")]
	}
	for i, m := range v.Concern.BodyMap {
		mv := markView{N: i + 1, X: strconv.FormatFloat(m.X*100, 'f', 1, 64), Y: strconv.FormatFloat(m.Y*220, 'f', 1, 64), Description: m.Description}
		if m.Side == "back" {
			d.Back = append(d.Back, mv)
		} else {
			d.Front = append(d.Front, mv)
		}
	}
	for _, doc := range v.Documents {
		if doc.ActionID == "" {
			d.Documents = append(d.Documents, doc)
		} else {
			d.ActionDocs[doc.ActionID] = append(d.ActionDocs[doc.ActionID], doc)
		}
	}
	actions := map[string]*vigil.Action{}
	for _, a := range v.Actions {
		actions[string(a.ID)] = a
	}
	for _, rv := range v.Revisions {
		line := revisionView{Label: revisionLabel(rv.Field), Old: rv.Old, Reason: rv.Reason, By: rv.ChangerName, At: rv.ChangedAt}
		if a := actions[rv.ObjectID]; a != nil {
			line.Label = "Action “" + a.TypeName + "”: text"
		}
		if line.By == "" {
			line.By = v.Names[rv.ChangedBy]
		}
		d.History = append(d.History, line)
	}
	if v.CanManage() {
		for _, c := range v.Categories {
			if c.Active {
				d.Categories = append(d.Categories, c)
			}
		}
		slices.SortFunc(d.Categories, func(a, b *vigil.Category) int { return a.Position - b.Position })
		c := v.Concern
		d.Edits = []editField{
			{Field: "body", Label: "The account", Value: c.Body, Multiline: true},
			{Field: "occurred_at", Label: "When it happened", Value: c.OccurredAt.In(d.Loc).Format("2006-01-02T15:04"), DateTime: true},
			{Field: "location", Label: "Where it happened", Value: c.Location},
			{Field: "agencies", Label: "Agencies already involved", Value: c.Agencies, Multiline: true},
		}
		for i := range d.Edits {
			if which := "revise-" + d.Edits[i].Field; form.Is(which) {
				d.Edits[i].Value, d.EditOpen = form.Value(which, "value"), true
			}
		}
	}
	h.render(w, r, status, "concern", page{Title: "Concern", Nav: "concerns", Data: d})
}

func revisionLabel(field string) string {
	switch field {
	case "body":
		return "The account"
	case "location":
		return "Where it happened"
	case "agencies":
		return "Agencies already involved"
	case "occurred_at":
		return "When it happened"
	case "outcome":
		return "Outcome (before the concern was reopened)"
	}
	return field
}

// Limits on what the concern forms accept.
const (
	maxTextField   = 128 << 10 // one text field of a form, in bytes
	maxFormFields  = 200
	maxUploadFiles = 10
)

// uploadLimit is the largest file accepted, as app applies it.
func (h *Handler) uploadLimit() int64 {
	if h.app.UploadLimit > 0 {
		return h.app.UploadLimit
	}
	return 20 << 20
}

// readConcernForm reads a concern form: URL-encoded, or multipart with
// files. Files are held in memory, never written to a temporary file, so
// their plaintext does not reach the disk; the whole body is capped.
func (h *Handler) readConcernForm(w http.ResponseWriter, r *http.Request) (url.Values, []app.Upload, error) {
	limit := h.uploadLimit()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return nil, nil, vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")
		}
		return r.PostForm, nil, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, 3*limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")
	}
	vals := url.Values{}
	var files []app.Upload
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, readProblem(err, limit)
		}
		if n >= maxFormFields {
			return nil, nil, vigil.Errorf(vigil.EINVALID, "The form has too many fields.")
		}
		name := p.FormName()
		if name == "files" {
			var buf bytes.Buffer
			got, err := io.Copy(&buf, io.LimitReader(p, limit+1))
			if err != nil {
				return nil, nil, readProblem(err, limit)
			}
			if p.FileName() == "" && got == 0 {
				continue // no file chosen
			}
			if got > limit {
				return nil, nil, vigil.FieldError("files", "“"+firstLine(p.FileName(), 80)+"” is larger than "+fileSize(limit)+".")
			}
			if len(files) == maxUploadFiles {
				return nil, nil, vigil.FieldError("files", "Attach at most "+strconv.Itoa(maxUploadFiles)+" files at once.")
			}
			files = append(files, app.Upload{Name: p.FileName(), Body: bytes.NewReader(buf.Bytes())})
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, maxTextField+1))
		if err != nil {
			return nil, nil, readProblem(err, limit)
		}
		if len(b) > maxTextField {
			return nil, nil, vigil.FieldError(name, "This is too long.")
		}
		vals.Add(name, string(b))
	}
	return vals, files, nil
}

func readProblem(err error, limit int64) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return vigil.FieldError("files", "The files are too large together: attach at most "+fileSize(3*limit)+" at a time.")
	}
	return vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")
}

// concernChange is one of the concern page's forms: what it is called (to
// show its problems beside it), where to land afterwards and what it does.
type concernChange struct {
	which  string
	named  func(f url.Values) string // names the form from what was sent, when set
	saved  string
	anchor string
	do     func(ctx context.Context, id vigil.ConcernID, f url.Values, files []app.Upload) error
}

// change runs a concern page's form: on success back to the page (303),
// on a problem the page again with the form's problems beside it.
func (h *Handler) change(w http.ResponseWriter, r *http.Request, c concernChange) {
	id := vigil.ConcernID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	f, files, err := h.readConcernForm(w, r)
	if err == nil {
		err = c.do(r.Context(), id, f, files)
	}
	switch vigil.ErrorCode(err) {
	case "":
		target := "/concerns/" + string(id) + "?saved=" + c.saved
		if c.anchor != "" {
			target += "#" + c.anchor
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	case vigil.EINVALID, vigil.ECONFLICT:
		which := c.which
		if f != nil {
			f = stripFiles(f)
			if c.named != nil {
				which = c.named(f)
			}
		}
		status := http.StatusUnprocessableEntity
		if vigil.ErrorCode(err) == vigil.ECONFLICT {
			status = http.StatusConflict
		}
		h.concernPage(w, r, id, status, formState{Which: which, Values: f, Err: err}, nil, false)
	default:
		if h.stepUpFirst(w, r, "/concerns/"+string(id), err) {
			return
		}
		h.fail(w, r, err)
	}
}

func stripFiles(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		if k != "files" {
			out[k] = v
		}
	}
	return out
}

// actionID reads the {action} of the path.
func actionID(r *http.Request) (vigil.ActionID, error) {
	id := r.PathValue("action")
	if !vigil.ValidID(id) {
		return "", vigil.Errorf(vigil.ENOTFOUND, "Action not found.")
	}
	return vigil.ActionID(id), nil
}

// addNote handles POST /concerns/{id}/notes: further information and
// attachments, from the reporter or anyone who sees the concern in full.
func (h *Handler) addNote(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "note", saved: "note", anchor: "notes",
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, files []app.Upload) error {
			return h.app.AddNote(ctx, id, f.Get("body"), files)
		}})
}

// addAction handles POST /concerns/{id}/actions.
func (h *Handler) addAction(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "action", saved: "action", anchor: "actions",
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, files []app.Upload) error {
			in := app.NewAction{Type: f.Get("type"), Body: f.Get("body"), AssignedTo: vigil.PersonID(f.Get("assigned_to")),
				Done: f.Get("done") != "", Files: files}
			p := vigil.Problems{}
			var err error
			if s := strings.TrimSpace(f.Get("taken_on")); s != "" {
				if in.TakenOn, err = vigil.ParseDate(s); err != nil {
					p.Add("taken_on", "Give the date it was done.")
				}
			}
			if s := strings.TrimSpace(f.Get("due_on")); s != "" {
				if in.DueOn, err = vigil.ParseDate(s); err != nil {
					p.Add("due_on", "Give the due date as a date.")
				}
			}
			if err := p.Err(); err != nil {
				return err
			}
			_, err = h.app.AddAction(ctx, id, in)
			return err
		}})
}

// setActionDone handles POST /concerns/{id}/actions/{action}/done, with
// done=1 to mark it done and done=0 to open it again.
func (h *Handler) setActionDone(w http.ResponseWriter, r *http.Request) {
	aid, err := actionID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.change(w, r, concernChange{which: "done-" + string(aid), saved: "done", anchor: "action-" + string(aid),
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.SetActionDone(ctx, id, aid, f.Get("done") == "1")
		}})
}

// reviseAction handles POST /concerns/{id}/actions/{action}/revise: new
// text for an action, with the reason; the earlier text is kept.
func (h *Handler) reviseAction(w http.ResponseWriter, r *http.Request) {
	aid, err := actionID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.change(w, r, concernChange{which: "revise-action-" + string(aid), saved: "revised", anchor: "action-" + string(aid),
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.ReviseAction(ctx, id, aid, f.Get("value"), f.Get("reason"))
		}})
}

// reviseFields are the concern's fields that can be edited, each with its
// own form on the page.
var reviseFields = []string{"body", "location", "agencies", "occurred_at"}

// reviseConcern handles POST /concerns/{id}/revise: new text for one field
// of the concern, with the reason; the earlier version is kept.
func (h *Handler) reviseConcern(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "revise", saved: "revised", anchor: "account",
		named: func(f url.Values) string {
			if field := f.Get("field"); slices.Contains(reviseFields, field) {
				return "revise-" + field
			}
			return "revise"
		},
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.ReviseConcern(ctx, id, f.Get("field"), f.Get("value"), f.Get("reason"))
		}})
}

// categoryIDs reads the categories ticked on a form.
func categoryIDs(f url.Values) []vigil.CategoryID {
	var out []vigil.CategoryID
	for _, c := range f["categories"] {
		if c != "" && !slices.Contains(out, vigil.CategoryID(c)) {
			out = append(out, vigil.CategoryID(c))
		}
	}
	return out
}

// setPupilLink handles POST /concerns/{id}/pupils/change: one pupil's part
// in the concern and their categories.
func (h *Handler) setPupilLink(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "pupil", saved: "pupil", anchor: "pupils",
		named: func(f url.Values) string { return "pupil-" + f.Get("pupil_id") },
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.SetPupilLink(ctx, id, vigil.ConcernPupil{PupilID: vigil.PupilID(f.Get("pupil_id")), Part: f.Get("part"), Categories: categoryIDs(f)})
		}})
}

// linkPupils handles POST /concerns/{id}/pupils: more pupils linked to the
// concern, each with the part and categories chosen.
func (h *Handler) linkPupils(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "link", saved: "linked", anchor: "pupils",
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			var links []vigil.ConcernPupil
			for _, p := range f["pupil_id"] {
				links = append(links, vigil.ConcernPupil{PupilID: vigil.PupilID(p), Part: f.Get("part"), Categories: categoryIDs(f)})
			}
			return h.app.LinkPupils(ctx, id, links)
		}})
}

// findPupils handles POST /concerns/{id}/pupils/find: a look-up by name
// for the form that links more pupils. The name travels in the body and
// the answers are shown on the concern page; nothing goes into the URL.
func (h *Handler) findPupils(w http.ResponseWriter, r *http.Request) {
	id := vigil.ConcernID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	if !h.parseForm(w, r) {
		return
	}
	f := url.Values{"q": {strings.TrimSpace(r.PostFormValue("q"))}}
	choices, err := h.app.LookUpPupils(r.Context(), f.Get("q"))
	switch vigil.ErrorCode(err) {
	case "":
		h.concernPage(w, r, id, http.StatusOK, formState{Which: "link", Values: f}, choices, true)
	case vigil.EINVALID:
		h.concernPage(w, r, id, http.StatusUnprocessableEntity, formState{Which: "link", Values: f, Err: err}, nil, false)
	default:
		if h.stepUpFirst(w, r, "/concerns/"+string(id), err) {
			return
		}
		h.fail(w, r, err)
	}
}

// closeConcern handles POST /concerns/{id}/close, with the outcome.
func (h *Handler) closeConcern(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "close", saved: "closed", anchor: "status",
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.CloseConcern(ctx, id, f.Get("outcome"))
		}})
}

// reopenConcern handles POST /concerns/{id}/reopen, with the reason.
func (h *Handler) reopenConcern(w http.ResponseWriter, r *http.Request) {
	h.change(w, r, concernChange{which: "reopen", saved: "reopened", anchor: "status",
		do: func(ctx context.Context, id vigil.ConcernID, f url.Values, _ []app.Upload) error {
			return h.app.ReopenConcern(ctx, id, f.Get("reason"))
		}})
}

// openDocument handles GET /documents/{id}: the document's bytes as a
// download, for those app lets open it. The read is audited by app before
// a byte is sent.
func (h *Handler) openDocument(w http.ResponseWriter, r *http.Request) {
	id := vigil.DocumentID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	doc, rc, err := h.app.OpenDocument(r.Context(), id)
	if err != nil {
		if h.stepUpFirst(w, r, "/documents/"+string(id), err) {
			return
		}
		h.fail(w, r, err)
		return
	}
	defer rc.Close()
	typ := "application/octet-stream"
	if slices.Contains(blob.DocumentTypes, doc.ContentType) {
		typ = doc.ContentType
	}
	hd := w.Header()
	hd.Set("Content-Type", typ)
	hd.Set("Content-Disposition", attachment(doc.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if _, err := io.Copy(w, rc); err != nil {
		// The headers are gone: the download is cut short, and the detail
		// (never the name) is logged.
		h.log.ErrorContext(r.Context(), "send document", slog.String("document", string(id)), slog.Any("err", err))
	}
}

// attachment returns a Content-Disposition that downloads a file under a
// safe version of name: no path, no control or quote characters, at most
// 150 characters, and a plain ASCII fallback for old browsers.
func attachment(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == '"' || r == ':' || r == '*' || r == '?' || r == '<' || r == '>' || r == '|':
			return '_'
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, name)
	clean = strings.Trim(strings.TrimSpace(clean), ".")
	if r := []rune(clean); len(r) > 150 {
		clean = string(r[len(r)-150:])
	}
	if clean == "" {
		clean = "document"
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '%' {
			return '_'
		}
		return r
	}, clean)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if ascii != clean {
		// FormatMediaType writes a name that is not ASCII as RFC 2231's
		// filename*=utf-8''…, which browsers prefer to the fallback.
		v += "; " + strings.TrimPrefix(mime.FormatMediaType("attachment", map[string]string{"filename": clean}), "attachment; ")
	}
	return v
}

// searchForm is the list of concerns' filters as they were sent. The
// words searched for (Q) come only from a POST body.
type searchForm struct {
	Q, Category, Year, Status, From, To, Pupil string
}

type searchData struct {
	Form           searchForm
	Searched       bool // words were searched for
	Records        bool // referrals and communications were searched too
	Results        []*app.ConcernSummary
	Referrals      []*vigil.Referral      // holding the words searched for
	Communications []*vigil.Communication // holding the words searched for
	Categories     []*vigil.Category
	YearGroups     []string
	PupilName      string
	Loc            *time.Location
}

// showConcerns handles GET /concerns: concerns the reader may see, newest
// first, filtered by category, year group, status, dates and pupil. Words
// are never read from the URL; they are searched for with POST.
func (h *Handler) showConcerns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.searchConcerns(w, r, searchForm{Category: q.Get("category"), Year: q.Get("year"), Status: q.Get("status"),
		From: q.Get("from"), To: q.Get("to"), Pupil: q.Get("pupil")})
}

// searchConcernsPost handles POST /concerns/search: the same list, with
// words to find in the text of concerns, actions and notes, and the
// referrals and communications that hold them. The answer is the page
// itself, never a redirect, so the words stay out of every URL.
func (h *Handler) searchConcernsPost(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	f := r.PostForm
	h.searchConcerns(w, r, searchForm{Q: strings.TrimSpace(f.Get("q")), Category: f.Get("category"), Year: f.Get("year"),
		Status: f.Get("status"), From: f.Get("from"), To: f.Get("to"), Pupil: f.Get("pupil")})
}

func (h *Handler) searchConcerns(w http.ResponseWriter, r *http.Request, sf searchForm) {
	cur := current(r.Context())
	cats, err := h.app.SearchCategories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := searchData{Categories: cats, YearGroups: vigil.YearGroups, Loc: cur.Location(), Searched: sf.Q != ""}
	if len(sf.Q) > 200 {
		sf.Q = sf.Q[:200]
	}
	if !slices.ContainsFunc(cats, func(c *vigil.Category) bool { return string(c.ID) == sf.Category }) {
		sf.Category = ""
	}
	if !slices.Contains(vigil.YearGroups, sf.Year) {
		sf.Year = ""
	}
	if sf.Status != vigil.ConcernOpen && sf.Status != vigil.ConcernClosed {
		sf.Status = ""
	}
	if !vigil.ValidID(sf.Pupil) {
		sf.Pupil = ""
	}
	filter := app.SearchFilter{Query: sf.Q, Category: vigil.CategoryID(sf.Category), YearGroup: sf.Year, Status: sf.Status, Pupil: vigil.PupilID(sf.Pupil)}
	p := vigil.Problems{}
	sf.From, sf.To = strings.TrimSpace(sf.From), strings.TrimSpace(sf.To)
	if sf.From != "" {
		if filter.From, err = vigil.ParseDate(sf.From); err != nil {
			p.Add("from", "Give the first day as a date.")
		}
	}
	if sf.To != "" {
		if filter.To, err = vigil.ParseDate(sf.To); err != nil {
			p.Add("to", "Give the last day as a date.")
		}
	}
	d.Form = sf
	if err := p.Err(); err != nil {
		h.render(w, r, http.StatusUnprocessableEntity, "concern_search", page{Title: "Concerns", Nav: "concerns", Data: d, Err: err})
		return
	}
	res, err := h.app.Search(r.Context(), filter)
	if err == nil && (res == nil || res.Concerns == nil) {
		err = errNoConcerns // see errNoConcerns
	}
	if res != nil {
		d.Results, d.Referrals, d.Communications, d.Records = res.Concerns, res.Referrals, res.Communications, res.Records
	}
	switch vigil.ErrorCode(err) {
	case "":
	case vigil.EINVALID:
		h.render(w, r, http.StatusUnprocessableEntity, "concern_search", page{Title: "Concerns", Nav: "concerns", Data: d, Err: err})
		return
	default:
		h.fail(w, r, err)
		return
	}
	if sf.Pupil != "" {
		for _, s := range d.Results {
			if l := s.Concern.Link(vigil.PupilID(sf.Pupil)); l != nil {
				d.PupilName = l.Name
				break
			}
		}
	}
	h.render(w, r, http.StatusOK, "concern_search", page{Title: "Concerns", Nav: "concerns", Data: d})
}
