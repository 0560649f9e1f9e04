package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

func init() {
	funcs["referralMethod"] = vigil.ReferralMethodTitle
	funcs["timescaleText"] = vigil.TimescaleText
	funcs["referralSummary"] = app.ReferralSummary
}

// referralStatuses are the list's filters, in the order the page offers
// them; "" is every referral.
var referralStatuses = []struct{ Value, Label string }{
	{"", "All"}, {vigil.ReferralOverdue, "Overdue"}, {vigil.ReferralOpen, "Open"}, {vigil.ReferralClosed, "Closed"},
}

type referralsData struct {
	List     []*vigil.Referral
	Status   string
	Pupil    string // the pupil filter's id, or ""
	Concern  string // the concern filter's id, or ""
	Statuses []struct{ Value, Label string }
	Loc      *time.Location
}

// Query returns the list's URL with the status filter set to status and
// the pupil and concern filters kept. Only ids travel in it.
func (d referralsData) Query(status string) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if d.Pupil != "" {
		q.Set("pupil", d.Pupil)
	}
	if d.Concern != "" {
		q.Set("concern", d.Concern)
	}
	if len(q) == 0 {
		return "/referrals"
	}
	return "/referrals?" + q.Encode()
}

// showReferrals handles GET /referrals: the referrals the reader may see,
// overdue ones first, filtered by status, pupil or concern.
func (h *Handler) showReferrals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := referralsData{Status: q.Get("status"), Statuses: referralStatuses, Loc: current(r.Context()).Location()}
	if p := q.Get("pupil"); vigil.ValidID(p) {
		d.Pupil = p
	}
	if c := q.Get("concern"); vigil.ValidID(c) {
		d.Concern = c
	}
	list, err := h.app.Referrals(r.Context(), app.ReferralQuery{Status: d.Status, Pupil: vigil.PupilID(d.Pupil), Concern: vigil.ConcernID(d.Concern), Limit: 200})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.List = list
	h.render(w, r, http.StatusOK, "referrals", page{Title: "Referrals", Nav: "referrals", Data: d})
}

// referralForm is the form to make a referral as it was typed.
type referralForm struct {
	Pupil, Concern, Origin             string // Origin: the concern the form was opened from
	Agency, Method, MadeAt             string
	Reference, Contact, Details        string
	FixedPupil, FixedConcern, Unlinked bool
}

type referralNewData struct {
	F       *app.ReferralForm
	Form    referralForm
	Max     string
	Loc     *time.Location
	Methods []string
}

// madeAtLayout is how the form's date-time input gives a moment.
const madeAtLayout = "2006-01-02T15:04"

// showNewReferral handles GET /referrals/new?pupil=…&concern=…, the form
// to make a referral about a pupil, or about a pupil of a concern.
func (h *Handler) showNewReferral(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var form referralForm
	if p := q.Get("pupil"); vigil.ValidID(p) {
		form.Pupil = p
	}
	if c := q.Get("concern"); vigil.ValidID(c) {
		form.Concern, form.Origin = c, c
	}
	loc := current(r.Context()).Location()
	form.MadeAt = h.app.Now().In(loc).Format(madeAtLayout)
	form.Method = vigil.ReferByPhone
	h.referralFormPage(w, r, http.StatusOK, form, nil)
}

// referralFormPage renders the form, asking app for its choices afresh.
func (h *Handler) referralFormPage(w http.ResponseWriter, r *http.Request, status int, form referralForm, problem error) {
	f, err := h.app.ReferralForm(r.Context(), vigil.PupilID(form.Pupil), vigil.ConcernID(form.Origin))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	loc := current(r.Context()).Location()
	form.FixedConcern = form.Origin != ""
	form.FixedPupil = !form.FixedConcern || len(f.Pupils) == 1
	if form.FixedPupil && form.Pupil == "" && len(f.Pupils) == 1 {
		form.Pupil = string(f.Pupils[0].ID)
	}
	form.Unlinked = f.Unlinked
	d := referralNewData{F: f, Form: form, Max: h.app.Now().In(loc).Format(madeAtLayout), Loc: loc, Methods: vigil.ReferralMethods}
	h.render(w, r, status, "referral_new", page{Title: "Make a referral", Nav: "referrals", Data: d, Err: problem})
}

// readForm parses a small URL-encoded form.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")
	}
	return r.PostForm, nil
}

// saveReferral handles POST /referrals.
func (h *Handler) saveReferral(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form := referralForm{Pupil: v.Get("pupil_id"), Concern: v.Get("concern_id"), Agency: v.Get("agency"), Method: v.Get("method"),
		MadeAt: strings.TrimSpace(v.Get("made_at")), Reference: v.Get("reference"), Contact: v.Get("contact"), Details: v.Get("details")}
	if o := v.Get("origin"); vigil.ValidID(o) {
		form.Origin = o
	}
	in := app.NewReferral{PupilID: vigil.PupilID(form.Pupil), ConcernID: vigil.ConcernID(form.Concern), Agency: form.Agency, Method: form.Method,
		Reference: form.Reference, Contact: form.Contact, Details: form.Details}
	// The concern is chosen from a list whose "none" is a choice too, so
	// that leaving it unchosen is a mistake rather than a referral about
	// no concern.
	switch form.Concern {
	case "none":
		in.ConcernID = ""
	case "":
		h.referralFormPage(w, r, http.StatusUnprocessableEntity, form, vigil.FieldError("concern_id", "Choose the concern this referral is about."))
		return
	}
	loc := current(r.Context()).Location()
	if form.MadeAt != "" {
		t, err := time.ParseInLocation(madeAtLayout, form.MadeAt, loc)
		if err != nil {
			h.referralFormPage(w, r, http.StatusUnprocessableEntity, form, vigil.FieldError("made_at", "Give the date and time the referral was made."))
			return
		}
		in.MadeAt = t
	}
	ref, err := h.app.MakeReferral(r.Context(), in)
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/referrals/"+string(ref.ID)+"?saved=made", http.StatusSeeOther)
	case vigil.EINVALID:
		if !vigil.ValidID(form.Pupil) {
			form.Pupil = ""
		}
		h.referralFormPage(w, r, http.StatusUnprocessableEntity, form, err)
	default:
		h.fail(w, r, err)
	}
}

type referralData struct {
	V     *app.ReferralView
	Loc   *time.Location
	Saved string
	Form  formState
	Today string
}

// referralNotices are what the referral page says after a change; the key
// travels in the redirect, the words never do.
var referralNotices = map[string]string{
	"made":     "The referral has been recorded.",
	"response": "The response has been recorded.",
	"closed":   "The referral has been closed.",
}

// showReferral handles GET /referrals/{id}.
func (h *Handler) showReferral(w http.ResponseWriter, r *http.Request) {
	id := vigil.ReferralID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	h.referralPage(w, r, id, http.StatusOK, formState{})
}

func (h *Handler) referralPage(w http.ResponseWriter, r *http.Request, id vigil.ReferralID, status int, form formState) {
	v, err := h.app.Referral(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	loc := current(r.Context()).Location()
	d := referralData{V: v, Loc: loc, Form: form, Today: v.Today.String()}
	if form.Err == nil {
		d.Saved = referralNotices[r.URL.Query().Get("saved")]
	}
	h.render(w, r, status, "referral", page{Title: "Referral", Nav: "referrals", Data: d})
}

// recordReferralResponse handles POST /referrals/{id}/response.
func (h *Handler) recordReferralResponse(w http.ResponseWriter, r *http.Request) {
	h.changeReferral(w, r, "response", func(id vigil.ReferralID, v url.Values) error {
		s := strings.TrimSpace(v.Get("response_on"))
		var on vigil.Date
		if s != "" {
			var err error
			if on, err = vigil.ParseDate(s); err != nil {
				return vigil.FieldError("response_on", "Give the date the response came.")
			}
		}
		return h.app.RecordReferralResponse(r.Context(), id, on, v.Get("response"))
	})
}

// closeReferral handles POST /referrals/{id}/close.
func (h *Handler) closeReferral(w http.ResponseWriter, r *http.Request) {
	h.changeReferral(w, r, "closed", func(id vigil.ReferralID, v url.Values) error {
		return h.app.CloseReferral(r.Context(), id, v.Get("outcome"))
	})
}

// changeReferral reads a referral's form, makes the change and goes back to
// the referral, or shows it again with the form's problems.
func (h *Handler) changeReferral(w http.ResponseWriter, r *http.Request, which string, do func(vigil.ReferralID, url.Values) error) {
	id := vigil.ReferralID(r.PathValue("id"))
	if !vigil.ValidID(string(id)) {
		h.notFound(w, r)
		return
	}
	v, err := readForm(w, r)
	if err == nil {
		err = do(id, v)
	}
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/referrals/"+string(id)+"?saved="+which, http.StatusSeeOther)
	case vigil.EINVALID, vigil.ECONFLICT:
		h.referralPage(w, r, id, http.StatusUnprocessableEntity, formState{Which: which, Values: v, Err: err})
	default:
		h.fail(w, r, err)
	}
}
