package api

import (
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// ConcernIn is the body of POST /api/v1/concerns. Pupils come either as
// pupil_ids, each the subject with the categories given, or as pupils,
// each with their own part and categories.
type ConcernIn struct {
	PupilIDs   []string         `json:"pupil_ids"`
	Pupils     []ConcernPupilIn `json:"pupils"`
	Categories []string         `json:"categories"`
	OccurredAt string           `json:"occurred_at"` // RFC 3339; now when empty
	Location   string           `json:"location"`
	Body       string           `json:"body"`
	Agencies   string           `json:"agencies"`
	BodyMap    []vigil.BodyMark `json:"body_map"`
	Alert      []string         `json:"alert"`
}

// ConcernPupilIn is one pupil's link in ConcernIn.
type ConcernPupilIn struct {
	ID         string   `json:"id"`
	Part       string   `json:"part"`
	Categories []string `json:"categories"` // the concern's categories when empty
}

// Ref names a record: its id and what a person calls it.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ConcernPupil is a pupil's link to a concern.
type ConcernPupil struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	YearGroup  string `json:"year_group"`
	Part       string `json:"part"`
	Categories []Ref  `json:"categories"`
}

// Concern is a concern as its reader may see it. Actions, revisions and
// alerted are present only for those who see it in full.
type Concern struct {
	ID         string           `json:"id"`
	Pupils     []ConcernPupil   `json:"pupils"`
	Categories []Ref            `json:"categories"`
	OccurredAt time.Time        `json:"occurred_at"`
	Location   string           `json:"location"`
	Body       string           `json:"body"`
	Agencies   string           `json:"agencies"`
	BodyMap    []vigil.BodyMark `json:"body_map"`
	Status     string           `json:"status"`
	Outcome    string           `json:"outcome,omitempty"`
	ReportedBy Ref              `json:"reported_by"`
	ReportedAt time.Time        `json:"reported_at"`
	ReviewedAt *time.Time       `json:"reviewed_at"`
	ClosedAt   *time.Time       `json:"closed_at"`
	Access     string           `json:"access"` // own, view or manage
	Notes      []Note           `json:"notes"`
	Actions    []Action         `json:"actions,omitempty"`
	Documents  []Document       `json:"documents"`
	Revisions  []Revision       `json:"revisions,omitempty"`
}

// Note is further information added to a concern.
type Note struct {
	ID      string    `json:"id"`
	Body    string    `json:"body"`
	AddedBy Ref       `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
}

// Action is something done about a concern.
type Action struct {
	ID         string     `json:"id"`
	ConcernID  string     `json:"concern_id"`
	Type       Ref        `json:"type"`
	Body       string     `json:"body"`
	TakenOn    string     `json:"taken_on"`
	AssignedTo *Ref       `json:"assigned_to"`
	DueOn      *string    `json:"due_on"`
	Done       bool       `json:"done"`
	DoneAt     *time.Time `json:"done_at"`
	CreatedBy  Ref        `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Document is a file attached to a concern.
type Document struct {
	ID          string    `json:"id"`
	ConcernID   string    `json:"concern_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	UploadedBy  Ref       `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// Revision is an earlier version of a field, kept when it was edited.
type Revision struct {
	Object    string    `json:"object_id"`
	Field     string    `json:"field"`
	Old       string    `json:"old"`
	Reason    string    `json:"reason"`
	ChangedBy Ref       `json:"changed_by"`
	ChangedAt time.Time `json:"changed_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func concernOut(v *app.ConcernView) Concern {
	c := v.Concern
	out := Concern{ID: string(c.ID), OccurredAt: c.OccurredAt.UTC(), Location: c.Location, Body: c.Body, Agencies: c.Agencies,
		BodyMap: c.BodyMap, Status: c.Status, Outcome: c.Outcome, ReportedBy: Ref{string(c.ReportedBy), c.ReporterName},
		ReportedAt: c.ReportedAt.UTC(), ReviewedAt: timePtr(c.ReviewedAt), ClosedAt: timePtr(c.ClosedAt),
		Pupils: []ConcernPupil{}, Categories: []Ref{}, Notes: []Note{}, Documents: []Document{}}
	if out.BodyMap == nil {
		out.BodyMap = []vigil.BodyMark{}
	}
	switch {
	case v.CanManage():
		out.Access = "manage"
	case v.CanSeeAll():
		out.Access = "view"
	default:
		out.Access = "own"
	}
	ref := func(id vigil.CategoryID) Ref {
		if k := v.Categories[id]; k != nil {
			return Ref{string(id), k.Name}
		}
		return Ref{ID: string(id)}
	}
	for _, p := range c.Pupils {
		cp := ConcernPupil{ID: string(p.PupilID), Name: p.Name, YearGroup: p.YearGroup, Part: p.Part, Categories: []Ref{}}
		for _, id := range p.Categories {
			cp.Categories = append(cp.Categories, ref(id))
		}
		out.Pupils = append(out.Pupils, cp)
	}
	for _, id := range c.Categories() {
		out.Categories = append(out.Categories, ref(id))
	}
	for _, n := range v.Notes {
		out.Notes = append(out.Notes, Note{ID: n.ID, Body: n.Body, AddedBy: Ref{string(n.AddedBy), n.AdderName}, AddedAt: n.AddedAt.UTC()})
	}
	for _, d := range v.Documents {
		out.Documents = append(out.Documents, documentOut(d))
	}
	if v.CanSeeAll() {
		out.Actions, out.Revisions = []Action{}, []Revision{}
		for _, a := range v.Actions {
			out.Actions = append(out.Actions, actionOut(a))
		}
		for _, r := range v.Revisions {
			out.Revisions = append(out.Revisions, Revision{Object: r.ObjectID, Field: r.Field, Old: r.Old, Reason: r.Reason,
				ChangedBy: Ref{string(r.ChangedBy), r.ChangerName}, ChangedAt: r.ChangedAt.UTC()})
		}
	}
	return out
}

func documentOut(d *vigil.Document) Document {
	return Document{ID: string(d.ID), ConcernID: string(d.ConcernID), Name: d.Name, ContentType: d.ContentType, Size: d.Size,
		UploadedBy: Ref{string(d.UploadedBy), d.UploaderName}, UploadedAt: d.UploadedAt.UTC()}
}

func actionOut(a *vigil.Action) Action {
	out := Action{ID: string(a.ID), ConcernID: string(a.ConcernID), Type: Ref{a.Type, a.TypeName}, Body: a.Body, TakenOn: a.TakenOn.String(),
		Done: a.Done(), DoneAt: timePtr(a.DoneAt), CreatedBy: Ref{string(a.CreatedBy), a.CreatorName}, CreatedAt: a.CreatedAt.UTC()}
	if out.Type.Name == "" {
		out.Type.Name = a.Type
	}
	if a.AssignedTo != "" {
		out.AssignedTo = &Ref{string(a.AssignedTo), a.AssigneeName}
	}
	if !a.DueOn.IsZero() {
		d := a.DueOn.String()
		out.DueOn = &d
	}
	return out
}

// createConcern handles POST /api/v1/concerns.
func (h *Handler) createConcern(w http.ResponseWriter, r *http.Request) {
	var in ConcernIn
	if err := decodeJSON(w, r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	ctx := r.Context()
	nc := app.NewConcern{Location: in.Location, Body: in.Body, Agencies: in.Agencies, BodyMap: in.BodyMap}
	if len(in.PupilIDs) > 0 && len(in.Pupils) > 0 {
		h.problem(w, r, badRequest("pupils", "Give pupil_ids or pupils, not both."))
		return
	}
	if len(in.PupilIDs)+len(in.Pupils) > vigil.MaxConcernPupils {
		h.problem(w, r, vigil.FieldError("pupil_ids", "A concern can name at most "+strconv.Itoa(vigil.MaxConcernPupils)+" pupils."))
		return
	}
	if len(in.Categories) > 40 {
		h.problem(w, r, vigil.FieldError("categories", "Too many categories."))
		return
	}
	var cats []vigil.CategoryID
	if len(in.Categories) > 0 {
		var err error
		if cats, err = h.app.ResolveCategories(ctx, in.Categories); err != nil {
			h.problem(w, r, err)
			return
		}
	}
	for _, id := range in.PupilIDs {
		nc.Pupils = append(nc.Pupils, vigil.ConcernPupil{PupilID: vigil.PupilID(id), Part: vigil.PartSubject, Categories: cats})
	}
	for i, p := range in.Pupils {
		link := vigil.ConcernPupil{PupilID: vigil.PupilID(p.ID), Part: p.Part, Categories: cats}
		if link.Part == "" {
			link.Part = vigil.PartSubject
		}
		if len(p.Categories) > 0 {
			own, err := h.app.ResolveCategories(ctx, p.Categories)
			if err != nil {
				h.problem(w, r, vigil.FieldError("pupils."+strconv.Itoa(i)+".categories", vigil.ErrorMessage(err)))
				return
			}
			link.Categories = own
		}
		nc.Pupils = append(nc.Pupils, link)
	}
	if in.OccurredAt == "" {
		nc.OccurredAt = time.Now()
	} else {
		t, err := time.Parse(time.RFC3339, in.OccurredAt)
		if err != nil {
			h.problem(w, r, vigil.FieldError("occurred_at", "Give occurred_at as an RFC 3339 date and time, e.g. 2026-11-23T10:40:00Z."))
			return
		}
		nc.OccurredAt = t
	}
	for _, id := range in.Alert {
		nc.Alert = append(nc.Alert, vigil.PersonID(id))
	}
	c, err := h.app.LogConcern(ctx, nc)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	v, err := h.app.Concern(ctx, c.ID)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/concerns/"+string(c.ID))
	h.writeJSON(w, r, http.StatusCreated, concernOut(v))
}

// showConcern handles GET /api/v1/concerns/{id}. A concern the reader may
// not see is a 404, exactly as a missing one.
func (h *Handler) showConcern(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Concern(r.Context(), vigil.ConcernID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, concernOut(v))
}

// ActionIn is the body of POST /api/v1/concerns/{id}/actions.
type ActionIn struct {
	Type       string `json:"type"` // an action type's key or name
	Body       string `json:"body"`
	TakenOn    string `json:"taken_on"` // YYYY-MM-DD; today when empty
	AssignedTo string `json:"assigned_to"`
	DueOn      string `json:"due_on"`
	Done       bool   `json:"done"`
}

// createAction handles POST /api/v1/concerns/{id}/actions.
func (h *Handler) createAction(w http.ResponseWriter, r *http.Request) {
	var in ActionIn
	if err := decodeJSON(w, r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	na := app.NewAction{Type: in.Type, Body: in.Body, AssignedTo: vigil.PersonID(in.AssignedTo), Done: in.Done}
	var err error
	if in.TakenOn != "" {
		if na.TakenOn, err = vigil.ParseDate(in.TakenOn); err != nil {
			h.problem(w, r, vigil.FieldError("taken_on", "Give taken_on as YYYY-MM-DD."))
			return
		}
	}
	if in.DueOn != "" {
		if na.DueOn, err = vigil.ParseDate(in.DueOn); err != nil {
			h.problem(w, r, vigil.FieldError("due_on", "Give due_on as YYYY-MM-DD."))
			return
		}
	}
	na.Type, err = h.app.ResolveActionType(r.Context(), in.Type)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	a, err := h.app.AddAction(r.Context(), vigil.ConcernID(r.PathValue("id")), na)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusCreated, actionOut(a))
}

// maxUpload bounds a multipart request: the files plus a little for the
// form's other parts. app checks each file against the school's limit.
const maxUploadRequest = 210 << 20

// createDocuments handles POST /api/v1/concerns/{id}/documents, multipart
// with one or more parts named "file". The files stream to the encrypted
// blob store; nothing is kept in memory or on disk in clear.
func (h *Handler) createDocuments(w http.ResponseWriter, r *http.Request) {
	id := vigil.ConcernID(r.PathValue("id"))
	h.uploadDocuments(w, r, func(u app.Upload) ([]*vigil.Document, error) {
		return h.app.AddDocuments(r.Context(), id, []app.Upload{u})
	})
}

// uploadDocuments reads a multipart request of up to 10 parts named
// "file", one at a time, handing each to add as a stream, and answers the
// documents made. Any other part, a bad body or a refused file is a
// problem answer, and the files before it stay.
func (h *Handler) uploadDocuments(w http.ResponseWriter, r *http.Request, add func(app.Upload) ([]*vigil.Document, error)) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		h.problem(w, r, &requestError{status: http.StatusUnsupportedMediaType, detail: "Send the files as multipart/form-data, each in a part named file."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadRequest)
	mr, err := r.MultipartReader()
	if err != nil {
		h.problem(w, r, badRequest("file", "The multipart body cannot be read."))
		return
	}
	var docs []*vigil.Document
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			h.problem(w, r, badRequest("file", "The multipart body cannot be read."))
			return
		}
		if part.FormName() != "file" {
			part.Close()
			h.problem(w, r, badRequest(part.FormName(), "Only parts named file are read."))
			return
		}
		if n >= 10 {
			h.problem(w, r, vigil.FieldError("file", "Attach at most 10 files at once."))
			return
		}
		name := part.FileName()
		if !utf8.ValidString(name) {
			name = "document"
		}
		got, err := add(app.Upload{Name: name, Body: part})
		part.Close()
		if err != nil {
			h.problem(w, r, err)
			return
		}
		docs = append(docs, got...)
	}
	if len(docs) == 0 {
		h.problem(w, r, vigil.FieldError("file", "Send at least one part named file."))
		return
	}
	out := struct {
		Items []Document `json:"items"`
	}{Items: []Document{}}
	cur := current(r.Context())
	for _, d := range docs {
		d.UploadedBy, d.UploaderName = cur.Actor.PersonID, cur.Person.Name
		out.Items = append(out.Items, documentOut(d))
	}
	h.writeJSON(w, r, http.StatusCreated, out)
}

// ChronologyEntry is one line of a pupil's chronology.
type ChronologyEntry struct {
	Kind      string    `json:"kind"` // one of app.ChronologyKinds
	ID        string    `json:"id"`
	ConcernID *string   `json:"concern_id"` // null for a referral or communication linked to no concern
	At        time.Time `json:"at"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	By        string    `json:"by"`
	Status    string    `json:"status"`
	Part      string    `json:"part,omitempty"`
	KeyEvent  bool      `json:"key_event"`
}

// chronology handles GET /api/v1/pupils/{id}/chronology with the filters
// category, from, to (YYYY-MM-DD), kind (repeatable) and key_events=true.
func (h *Handler) chronology(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f app.ChronologyFilter
	f.Category = vigil.CategoryID(q.Get("category"))
	var err error
	if s := q.Get("from"); s != "" {
		if f.From, err = vigil.ParseDate(s); err != nil {
			h.problem(w, r, badRequest("from", "Give from as YYYY-MM-DD."))
			return
		}
	}
	if s := q.Get("to"); s != "" {
		if f.To, err = vigil.ParseDate(s); err != nil {
			h.problem(w, r, badRequest("to", "Give to as YYYY-MM-DD."))
			return
		}
	}
	kinds := app.ChronologyKinds()
	for _, k := range q["kind"] {
		if !slices.Contains(kinds, k) {
			h.problem(w, r, badRequest("kind", "kind is one of "+strings.Join(kinds, ", ")+"."))
			return
		}
		f.Kinds = append(f.Kinds, k)
	}
	f.KeyOnly = q.Get("key_events") == "true"
	ch, err := h.app.Chronology(r.Context(), vigil.PupilID(r.PathValue("id")), f)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := struct {
		Pupil PupilSummary      `json:"pupil"`
		Items []ChronologyEntry `json:"items"`
	}{Pupil: pupilSummary(ch.Pupil), Items: []ChronologyEntry{}}
	for _, e := range ch.Entries {
		out.Items = append(out.Items, ChronologyEntry{Kind: e.Kind, ID: e.ID, ConcernID: concernRef(e.ConcernID), At: e.At.UTC(), Title: e.Title,
			Text: e.Summary, By: e.By, Status: e.Status, Part: e.Part, KeyEvent: e.Key})
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// concernRef returns a pointer to id, or nil (JSON null) for none.
func concernRef(id vigil.ConcernID) *string {
	if id == "" {
		return nil
	}
	s := string(id)
	return &s
}

// ConcernSummary is a concern in a list or search result.
type ConcernSummary struct {
	ID         string         `json:"id"`
	Pupils     []ConcernPupil `json:"pupils"`
	Categories []string       `json:"categories"`
	OccurredAt time.Time      `json:"occurred_at"`
	ReportedAt time.Time      `json:"reported_at"`
	Status     string         `json:"status"`
	Summary    string         `json:"summary"` // the account's first line, cut to 200 characters
}

// CommunicationHit is a communication in a search result: who it was
// with, when, and the first line of what was said.
type CommunicationHit struct {
	ID         string    `json:"id"`
	Pupil      Ref       `json:"pupil"`
	ConcernID  *string   `json:"concern_id"`
	Title      string    `json:"title"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	Summary    string    `json:"summary"` // what was said, its first line cut to 200 characters
}

// search handles GET /api/v1/search?q= with the filters category, pupil,
// year_group, status, from and to. Words are matched through the blind
// index; what the reader may not see is never considered. Concerns are
// in items; referrals and communications holding the words, when words
// are given, in referrals and communications.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := app.SearchFilter{Query: q.Get("q"), Category: vigil.CategoryID(q.Get("category")), Pupil: vigil.PupilID(q.Get("pupil")),
		YearGroup: q.Get("year_group"), Status: q.Get("status")}
	var err error
	if s := q.Get("from"); s != "" {
		if f.From, err = vigil.ParseDate(s); err != nil {
			h.problem(w, r, badRequest("from", "Give from as YYYY-MM-DD."))
			return
		}
	}
	if s := q.Get("to"); s != "" {
		if f.To, err = vigil.ParseDate(s); err != nil {
			h.problem(w, r, badRequest("to", "Give to as YYYY-MM-DD."))
			return
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > 200 {
			h.problem(w, r, badRequest("limit", "limit is a number from 1 to 200."))
			return
		}
	}
	res, err := h.app.Search(r.Context(), f)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := SearchList{Items: []ConcernSummary{}, Referrals: []ReferralSummary{}, Communications: []CommunicationHit{}}
	for _, s := range res.Concerns {
		c := s.Concern
		cs := ConcernSummary{ID: string(c.ID), OccurredAt: c.OccurredAt.UTC(), ReportedAt: c.ReportedAt.UTC(), Status: c.Status,
			Categories: s.Categories, Summary: firstLine(c.Body, 200), Pupils: []ConcernPupil{}}
		for _, p := range c.Pupils {
			cs.Pupils = append(cs.Pupils, ConcernPupil{ID: string(p.PupilID), Name: p.Name, YearGroup: p.YearGroup, Part: p.Part, Categories: []Ref{}})
		}
		out.Items = append(out.Items, cs)
	}
	for _, rf := range res.Referrals {
		out.Referrals = append(out.Referrals, referralSummary(rf))
	}
	for _, c := range res.Communications {
		out.Communications = append(out.Communications, CommunicationHit{ID: string(c.ID), Pupil: Ref{string(c.PupilID), c.PupilName},
			ConcernID: concernRef(c.ConcernID), Title: c.Title(), Type: c.Type, OccurredAt: c.OccurredAt.UTC(), Summary: firstLine(c.Body, 200)})
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// SearchList is the answer of GET /api/v1/search.
type SearchList struct {
	Items          []ConcernSummary   `json:"items"` // concerns
	Referrals      []ReferralSummary  `json:"referrals"`
	Communications []CommunicationHit `json:"communications"`
}
