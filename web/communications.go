package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// The pages of communications with parents, carers, pupils, agencies and
// other schools: a pupil's list, the form to record one, and one
// communication. They work without JavaScript; every field of the form is
// shown, with a hint saying when it applies.

func init() {
	funcs["commType"] = vigil.CommTypeTitle
	funcs["commWith"] = vigil.CommWithTitle
}

// commValues is the form to record a communication as it was filled in,
// kept whole when it is shown again (files are not: they must be chosen
// again).
type commValues struct {
	PupilID, ConcernID, With, ContactID, WithName, WithDetail, Type string
	OccurredAt                                                      string // as typed, in the school's time zone
	Staff                                                           []string
	Others, Body, Agreed                                            string
}

func readCommValues(f url.Values) commValues {
	v := commValues{PupilID: f.Get("pupil_id"), ConcernID: f.Get("concern_id"), With: f.Get("with"), ContactID: f.Get("contact_id"),
		WithName: f.Get("with_name"), WithDetail: f.Get("with_detail"), Type: f.Get("type"), OccurredAt: strings.TrimSpace(f.Get("occurred_at")),
		Others: f.Get("others"), Body: f.Get("body"), Agreed: f.Get("agreed")}
	for _, s := range f["staff"] {
		if s != "" && !slices.Contains(v.Staff, s) {
			v.Staff = append(v.Staff, s)
		}
	}
	return v
}

// commPage is what communication_new.html receives.
type commPage struct {
	F         *app.CommunicationForm
	Form      commValues
	Max       string // latest time the "when" field takes
	Loc       *time.Location
	SizeLimit string
	Notice    string
}

// Ticked reports whether a member of staff is ticked as taking part.
func (p commPage) Ticked(id vigil.PersonID) bool { return slices.Contains(p.Form.Staff, string(id)) }

// Withs are the choices of with whom, in order.
func (p commPage) Withs() []string { return vigil.CommWiths }

// Types are the kinds of communication, in order.
func (p commPage) Types() []string { return vigil.CommTypes }

// showNewCommunication handles GET /communications/new?pupil=…&concern=…:
// the form to record a communication about a pupil, linked to the concern
// given when the reader manages it.
func (h *Handler) showNewCommunication(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pupil := q.Get("pupil")
	if !vigil.ValidID(pupil) {
		h.notFound(w, r)
		return
	}
	cur := current(r.Context())
	loc := cur.Location()
	v := commValues{PupilID: pupil, ConcernID: q.Get("concern"), Type: vigil.CommPhoneCall,
		OccurredAt: h.app.Now().In(loc).Format(occurredLayout), Staff: []string{string(cur.Actor.PersonID)}}
	h.commForm(w, r, http.StatusOK, v, nil, "")
}

// commForm renders the form with what was typed and its problems.
func (h *Handler) commForm(w http.ResponseWriter, r *http.Request, status int, v commValues, problem error, notice string) {
	f, err := h.app.CommunicationForm(r.Context(), vigil.PupilID(v.PupilID))
	if err != nil {
		if h.stepUpFirst(w, r, "/communications/new?pupil="+url.QueryEscape(v.PupilID), err) {
			return
		}
		h.fail(w, r, err)
		return
	}
	if v.ConcernID != "" && !slices.ContainsFunc(f.Concerns, func(c app.CommunicationConcern) bool { return string(c.ID) == v.ConcernID }) {
		v.ConcernID = "" // not one the reader manages: they choose again
	}
	if v.ConcernID == "" && !f.Unlinked && len(f.Concerns) == 1 {
		v.ConcernID = string(f.Concerns[0].ID)
	}
	if v.With == "" && len(f.Contacts) > 0 {
		v.With = vigil.CommWithParent
	}
	loc := current(r.Context()).Location()
	p := commPage{F: f, Form: v, Loc: loc, Max: h.app.Now().In(loc).Format(occurredLayout), SizeLimit: fileSize(f.UploadMax), Notice: notice}
	h.render(w, r, status, "communication_new", page{Title: "Record a communication", Nav: "pupils", Data: p, Err: problem})
}

// saveCommunication handles POST /communications: the form, URL-encoded or
// multipart with files. On success it goes to the communication; on a
// problem the form is shown again with what was typed.
func (h *Handler) saveCommunication(w http.ResponseWriter, r *http.Request) {
	f, files, err := h.readConcernForm(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := readCommValues(f)
	if !vigil.ValidID(v.PupilID) {
		h.notFound(w, r)
		return
	}
	in := app.NewCommunication{PupilID: vigil.PupilID(v.PupilID), ConcernID: vigil.ConcernID(v.ConcernID), With: v.With,
		ContactID: vigil.ContactID(v.ContactID), WithName: v.WithName, WithDetail: v.WithDetail, Type: v.Type,
		Others: v.Others, Body: v.Body, Agreed: v.Agreed, Files: files}
	for _, s := range v.Staff {
		in.Staff = append(in.Staff, vigil.PersonID(s))
	}
	badTime := false
	if v.OccurredAt != "" {
		if in.OccurredAt, err = time.ParseInLocation(occurredLayout, v.OccurredAt, current(r.Context()).Location()); err != nil {
			in.OccurredAt, badTime = time.Time{}, true
		}
	}
	c, err := h.app.RecordCommunication(r.Context(), in)
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/communications/"+string(c.ID)+"?saved=1", http.StatusSeeOther)
	case vigil.EINVALID:
		if badTime {
			fields := vigil.ErrorFields(err)
			fields["occurred_at"] = "Give the date and time it happened."
			p := vigil.Problems(fields)
			err = p.Err()
		}
		notice := ""
		if len(files) > 0 {
			notice = "Choose the files to attach again: they were not kept."
		}
		h.commForm(w, r, http.StatusUnprocessableEntity, v, err, notice)
	default:
		if h.stepUpFirst(w, r, "/pupils/"+v.PupilID+"/communications", err) {
			return
		}
		h.fail(w, r, err)
	}
}

// commData is what communication.html receives.
type commData struct {
	V     *app.CommunicationView
	Loc   *time.Location
	Saved bool
}

// showCommunication handles GET /communications/{id}.
func (h *Handler) showCommunication(w http.ResponseWriter, r *http.Request) {
	id := vigil.CommunicationID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	v, err := h.app.Communication(r.Context(), id)
	if err != nil {
		if h.stepUpFirst(w, r, "/communications/"+string(id), err) {
			return
		}
		h.fail(w, r, err)
		return
	}
	d := commData{V: v, Loc: current(r.Context()).Location(), Saved: r.URL.Query().Get("saved") == "1"}
	h.render(w, r, http.StatusOK, "communication", page{Title: "Communication", Nav: "pupils", Data: d})
}

// commsData is what communications.html receives.
type commsData struct {
	L   *app.PupilCommunications
	Loc *time.Location
}

// showPupilCommunications handles GET /pupils/{id}/communications: the
// pupil's communications the reader may see, newest first.
func (h *Handler) showPupilCommunications(w http.ResponseWriter, r *http.Request) {
	id := vigil.PupilID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	l, err := h.app.PupilCommunications(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	slices.Reverse(l.Items)
	h.render(w, r, http.StatusOK, "communications", page{Title: "Communications: " + l.Pupil.Name(), Nav: "pupils",
		Data: commsData{L: l, Loc: current(r.Context()).Location()}})
}
