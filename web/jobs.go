package web

import (
	"net/http"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

type schoolJobsData struct {
	Jobs    []*app.SchoolJob
	Loc     *time.Location
	Retried bool
	Failed  int
}

// showSchoolJobs handles GET /settings/jobs: the school's background work
// (alert emails, reminders) that is waiting, running or has failed, with
// why, for those who manage the school's settings.
func (h *Handler) showSchoolJobs(w http.ResponseWriter, r *http.Request) {
	h.renderSchoolJobs(w, r, http.StatusOK, nil, r.URL.Query().Get("retried") == "1")
}

func (h *Handler) renderSchoolJobs(w http.ResponseWriter, r *http.Request, status int, problem error, retried bool) {
	jobs, err := h.app.SchoolJobs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := schoolJobsData{Jobs: jobs, Loc: current(r.Context()).Location(), Retried: retried}
	for _, j := range jobs {
		if j.State == "failed" {
			d.Failed++
		}
	}
	h.render(w, r, status, "school_jobs", page{Title: "Background jobs", Nav: "settings", Err: problem, Data: d})
}

// retrySchoolJob handles POST /settings/jobs/{id}/retry. Another school's
// job is a 404, like a missing one.
func (h *Handler) retrySchoolJob(w http.ResponseWriter, r *http.Request) {
	err := h.app.RetrySchoolJob(r.Context(), r.PathValue("id"))
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/settings/jobs?retried=1", http.StatusSeeOther)
	case vigil.ECONFLICT:
		h.renderSchoolJobs(w, r, http.StatusConflict, err, false)
	default:
		h.fail(w, r, err)
	}
}
