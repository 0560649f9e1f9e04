package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/authz"
)

// ReferralIn is the body of POST /api/v1/referrals.
type ReferralIn struct {
	PupilID   string `json:"pupil_id"`
	ConcernID string `json:"concern_id"` // optional
	Agency    string `json:"agency"`     // an agency's key or name
	Method    string `json:"method"`
	MadeAt    string `json:"made_at"` // RFC 3339; now when empty
	Reference string `json:"reference"`
	Contact   string `json:"contact"`
	Details   string `json:"details"`
}

// ReferralSummary is a referral in a list: nothing sealed.
type ReferralSummary struct {
	ID                 string     `json:"id"`
	Pupil              Ref        `json:"pupil"`
	ConcernID          *string    `json:"concern_id"`
	Agency             Ref        `json:"agency"`
	Method             string     `json:"method"`
	MadeAt             time.Time  `json:"made_at"`
	MadeBy             Ref        `json:"made_by"`
	Reference          string     `json:"reference"`
	TimescaleDays      int        `json:"timescale_days"`
	ExpectedResponseBy time.Time  `json:"expected_response_by"`
	Overdue            bool       `json:"overdue"`
	Status             string     `json:"status"` // open, overdue or closed
	ResponseReceivedOn *string    `json:"response_received_on"`
	ClosedAt           *time.Time `json:"closed_at"`
}

// Referral is a referral as its reader may see it, its sealed text opened.
type Referral struct {
	ReferralSummary
	Contact  string `json:"contact"`
	Details  string `json:"details"`
	Response string `json:"response"`
	Outcome  string `json:"outcome"`
	Access   string `json:"access"` // view or manage
}

func referralSummary(r *vigil.Referral) ReferralSummary {
	out := ReferralSummary{ID: string(r.ID), Pupil: Ref{string(r.PupilID), r.PupilName}, Agency: Ref{r.Agency, r.AgencyName}, Method: r.Method,
		MadeAt: r.MadeAt.UTC(), MadeBy: Ref{string(r.MadeBy), r.MakerName}, Reference: r.Reference, TimescaleDays: r.TimescaleDays,
		ExpectedResponseBy: r.ExpectedBy.UTC(), Overdue: r.Overdue, Status: r.Status(), ClosedAt: timePtr(r.ClosedAt)}
	if r.ConcernID != "" {
		id := string(r.ConcernID)
		out.ConcernID = &id
	}
	if r.Responded() {
		on := r.ResponseOn.String()
		out.ResponseReceivedOn = &on
	}
	return out
}

func referralOut(v *app.ReferralView) Referral {
	r := v.Referral
	out := Referral{ReferralSummary: referralSummary(r), Contact: r.Contact, Details: r.Details, Response: r.Response, Outcome: r.Outcome, Access: "view"}
	if v.Level >= authz.ConcernManage {
		out.Access = "manage"
	}
	return out
}

// listReferrals handles GET /api/v1/referrals with the filters status
// (open, overdue or closed), pupil and concern: the referrals the reader
// may see, overdue ones first. The list is audited by app.
func (h *Handler) listReferrals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := readPage(q)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	rq := app.ReferralQuery{Status: q.Get("status"), Pupil: vigil.PupilID(q.Get("pupil")), Concern: vigil.ConcernID(q.Get("concern")),
		Offset: page.Offset, Limit: page.Limit + 1}
	switch {
	case rq.Status != "" && !slices.Contains([]string{vigil.ReferralOpen, vigil.ReferralOverdue, vigil.ReferralClosed}, rq.Status):
		h.problem(w, r, badRequest("status", "status is open, overdue or closed."))
		return
	case rq.Pupil != "" && !vigil.ValidID(string(rq.Pupil)):
		h.problem(w, r, badRequest("pupil", "pupil is a pupil's id."))
		return
	case rq.Concern != "" && !vigil.ValidID(string(rq.Concern)):
		h.problem(w, r, badRequest("concern", "concern is a concern's id."))
		return
	}
	list, err := h.app.Referrals(r.Context(), rq)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := List[ReferralSummary]{Items: make([]ReferralSummary, 0, len(list))}
	if len(list) > page.Limit {
		list = list[:page.Limit]
		next := encodeCursor(cursor{Offset: page.Offset + page.Limit})
		out.NextCursor = &next
	}
	for _, ref := range list {
		out.Items = append(out.Items, referralSummary(ref))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// createReferral handles POST /api/v1/referrals.
func (h *Handler) createReferral(w http.ResponseWriter, r *http.Request) {
	var in ReferralIn
	if err := decodeJSON(w, r, &in); err != nil {
		h.problem(w, r, err)
		return
	}
	ctx := r.Context()
	nr := app.NewReferral{PupilID: vigil.PupilID(in.PupilID), ConcernID: vigil.ConcernID(in.ConcernID), Method: in.Method,
		Reference: in.Reference, Contact: in.Contact, Details: in.Details}
	if in.MadeAt == "" {
		nr.MadeAt = time.Now()
	} else {
		t, err := time.Parse(time.RFC3339, in.MadeAt)
		if err != nil {
			h.problem(w, r, vigil.FieldError("made_at", "Give made_at as an RFC 3339 date and time, e.g. 2026-11-23T10:40:00Z."))
			return
		}
		nr.MadeAt = t
	}
	if in.Agency == "" {
		h.problem(w, r, vigil.FieldError("agency", "Choose the agency."))
		return
	}
	var err error
	if nr.Agency, err = h.app.ResolveReferralAgency(ctx, in.Agency); err != nil {
		h.problem(w, r, err)
		return
	}
	ref, err := h.app.MakeReferral(ctx, nr)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	v, err := h.app.Referral(ctx, ref.ID)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/referrals/"+string(ref.ID))
	h.writeJSON(w, r, http.StatusCreated, referralOut(v))
}

// showReferral handles GET /api/v1/referrals/{id}. A referral the reader
// may not see is a 404, exactly as a missing one or another school's.
func (h *Handler) showReferral(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Referral(r.Context(), vigil.ReferralID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, referralOut(v))
}
