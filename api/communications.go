package api

import (
	"net/http"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// CommunicationIn is the body of POST /api/v1/communications.
type CommunicationIn struct {
	PupilID    string   `json:"pupil_id"`
	ConcernID  string   `json:"concern_id"` // "" or absent for none
	With       string   `json:"with"`       // parent, pupil, agency or school
	ContactID  string   `json:"contact_id"` // the parent or carer, from the pupil's contacts
	WithName   string   `json:"with_name"`  // the agency's or school's name
	WithDetail string   `json:"with_detail"`
	Type       string   `json:"type"`        // meeting, phone_call, letter, email or home_visit
	OccurredAt string   `json:"occurred_at"` // RFC 3339
	Staff      []string `json:"staff"`       // ids of staff who took part
	Others     string   `json:"others"`
	Body       string   `json:"body"`
	Agreed     string   `json:"agreed"`
}

// Communication is a communication about a pupil as its reader may see it.
type Communication struct {
	ID         string     `json:"id"`
	Pupil      Ref        `json:"pupil"`
	ConcernID  *string    `json:"concern_id"`
	Categories []string   `json:"categories"` // the concern's, by name
	Title      string     `json:"title"`
	With       string     `json:"with"`
	ContactID  *string    `json:"contact_id"`
	WithName   string     `json:"with_name"`
	WithDetail string     `json:"with_detail"`
	Type       string     `json:"type"`
	OccurredAt time.Time  `json:"occurred_at"`
	Staff      []Ref      `json:"staff"`
	Others     string     `json:"others"`
	Body       string     `json:"body"`
	Agreed     string     `json:"agreed"`
	Documents  []Document `json:"documents"`
	RecordedBy Ref        `json:"recorded_by"`
	RecordedAt time.Time  `json:"recorded_at"`
}

// CommunicationList is the answer of GET /api/v1/pupils/{id}/communications.
type CommunicationList struct {
	Pupil PupilSummary    `json:"pupil"`
	Items []Communication `json:"items"`
}

func communicationOut(c *vigil.Communication, cats []string, docs []*vigil.Document) Communication {
	out := Communication{ID: string(c.ID), Pupil: Ref{string(c.PupilID), c.PupilName}, Title: c.Title(), With: c.With, WithName: c.WithName,
		WithDetail: c.WithDetail, Type: c.Type, OccurredAt: c.OccurredAt.UTC(), Others: c.Others, Body: c.Body, Agreed: c.Agreed,
		RecordedBy: Ref{string(c.RecordedBy), c.RecorderName}, RecordedAt: c.RecordedAt.UTC(), Categories: []string{}, Staff: []Ref{}, Documents: []Document{}}
	if c.ConcernID != "" {
		id := string(c.ConcernID)
		out.ConcernID = &id
	}
	if c.ContactID != "" {
		id := string(c.ContactID)
		out.ContactID = &id
	}
	out.Categories = append(out.Categories, cats...)
	for i, p := range c.Staff {
		r := Ref{ID: string(p)}
		if i < len(c.StaffNames) {
			r.Name = c.StaffNames[i]
		}
		out.Staff = append(out.Staff, r)
	}
	for _, d := range docs {
		out.Documents = append(out.Documents, documentOut(d))
	}
	return out
}

// createCommunication handles POST /api/v1/communications. Attachments go
// to POST /api/v1/communications/{id}/documents afterwards.
func (h *Handler) createCommunication(w http.ResponseWriter, r *http.Request) {
	var in CommunicationIn
	if err := decodeJSON(w, r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	if len(in.Staff) > vigil.MaxCommStaff {
		h.problem(w, r, vigil.FieldError("staff", "Name at most 30 members of staff."))
		return
	}
	nc := app.NewCommunication{PupilID: vigil.PupilID(in.PupilID), ConcernID: vigil.ConcernID(in.ConcernID), With: in.With,
		ContactID: vigil.ContactID(in.ContactID), WithName: in.WithName, WithDetail: in.WithDetail, Type: in.Type,
		Others: in.Others, Body: in.Body, Agreed: in.Agreed}
	for _, s := range in.Staff {
		nc.Staff = append(nc.Staff, vigil.PersonID(s))
	}
	if in.OccurredAt == "" {
		h.problem(w, r, vigil.FieldError("occurred_at", "Give occurred_at as an RFC 3339 date and time, e.g. 2026-11-23T10:40:00Z."))
		return
	}
	t, err := time.Parse(time.RFC3339, in.OccurredAt)
	if err != nil {
		h.problem(w, r, vigil.FieldError("occurred_at", "Give occurred_at as an RFC 3339 date and time, e.g. 2026-11-23T10:40:00Z."))
		return
	}
	nc.OccurredAt = t
	c, err := h.app.RecordCommunication(r.Context(), nc)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	v, err := h.app.Communication(r.Context(), c.ID)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/communications/"+string(c.ID))
	h.writeJSON(w, r, http.StatusCreated, communicationOut(v.Communication, v.Categories, v.Documents))
}

// showCommunication handles GET /api/v1/communications/{id}. One the
// reader may not see is a 404, exactly as a missing one.
func (h *Handler) showCommunication(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Communication(r.Context(), vigil.CommunicationID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, communicationOut(v.Communication, v.Categories, v.Documents))
}

// pupilCommunications handles GET /api/v1/pupils/{id}/communications: the
// pupil's communications the reader may see, oldest first. Their
// attachments are listed on each communication's own answer.
func (h *Handler) pupilCommunications(w http.ResponseWriter, r *http.Request) {
	l, err := h.app.PupilCommunications(r.Context(), vigil.PupilID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := CommunicationList{Pupil: pupilSummary(l.Pupil), Items: []Communication{}}
	for _, c := range l.Items {
		out.Items = append(out.Items, communicationOut(c, nil, nil))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// createCommunicationDocuments handles POST
// /api/v1/communications/{id}/documents, multipart with one or more parts
// named "file", for a communication about a concern the reader manages.
// The files stream to the encrypted blob store and are kept with the
// concern.
func (h *Handler) createCommunicationDocuments(w http.ResponseWriter, r *http.Request) {
	id := vigil.CommunicationID(r.PathValue("id"))
	h.uploadDocuments(w, r, func(u app.Upload) ([]*vigil.Document, error) {
		return h.app.AddCommunicationDocuments(r.Context(), id, []app.Upload{u})
	})
}
