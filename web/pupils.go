package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

const pupilsPerPage = 50

// pupilQuery is the pupil list's filter form. The name search travels only
// in a POST body, never in the URL, so pupils' names stay out of browser
// history and access logs.
type pupilQuery struct {
	Q, Year, Flag, Status string
	Page                  int
}

type pupilsData struct {
	Query      pupilQuery
	Pupils     []*vigil.Pupil
	Total      int
	From, To   int
	Pages      int
	YearGroups []string
	Flags      []vigil.Flag
}

// showPupils handles GET and POST /pupils.
func (h *Handler) showPupils(w http.ResponseWriter, r *http.Request) {
	var q pupilQuery
	var values url.Values
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read."))
			return
		}
		values = r.PostForm
		q.Q = strings.TrimSpace(values.Get("q"))
		if len(q.Q) > 100 {
			q.Q = q.Q[:100]
		}
	} else {
		values = r.URL.Query()
	}
	q.Year, q.Flag, q.Status = values.Get("year"), values.Get("flag"), values.Get("status")
	if !contains(vigil.YearGroups, q.Year) {
		q.Year = ""
	}
	if !vigil.Flag(q.Flag).Valid() {
		q.Flag = ""
	}
	if q.Status != vigil.StatusLeft && q.Status != vigil.StatusAll {
		q.Status = vigil.StatusOnRoll
	}
	q.Page, _ = strconv.Atoi(values.Get("page"))
	q.Page = max(q.Page, 1)
	res, err := h.app.ListPupils(r.Context(), vigil.PupilFilter{
		Query: q.Q, YearGroup: q.Year, Flag: vigil.Flag(q.Flag), Status: q.Status,
		Offset: (q.Page - 1) * pupilsPerPage, Limit: pupilsPerPage,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := pupilsData{Query: q, Pupils: res.Pupils, Total: res.Total, YearGroups: res.YearGroups, Flags: vigil.Flags}
	d.Pages = (res.Total + pupilsPerPage - 1) / pupilsPerPage
	if len(res.Pupils) > 0 {
		d.From = (q.Page-1)*pupilsPerPage + 1
		d.To = d.From + len(res.Pupils) - 1
	}
	h.render(w, r, http.StatusOK, "pupils", page{Title: "Pupils", Nav: "pupils", Data: d})
}

// showPupil handles GET /pupils/{id}.
func (h *Handler) showPupil(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.Pupil(r.Context(), vigil.PupilID(r.PathValue("id")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "pupil", page{Title: d.Pupil.Name(), Nav: "pupils", Data: d})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
