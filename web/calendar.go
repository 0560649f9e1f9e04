package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// The school's calendar and referral agencies, as settings pages: the
// holidays and per-agency timescales from which a referral's response
// time is worked out. Who may change them is app's decision
// (authz.ViewSettings, as for the other settings pages).

// calendarNotices are what the pages say after a change; the key travels
// in the redirect, the words never do.
var calendarNotices = map[string]string{
	"added":    "The holiday has been added.",
	"removed":  "The holiday has been removed. Referrals already made keep their due times.",
	"agency":   "The agency has been added.",
	"changed":  "The timescale has been changed. Referrals already made keep their due times.",
	"retired":  "The agency has been retired: the referral form no longer offers it. Referrals made to it keep it.",
	"restored": "The agency is offered on the referral form again.",
}

// holidayForm is the form to add a holiday, as it was typed.
type holidayForm struct {
	Name, From, To string
}

type holidaysData struct {
	Cal    *app.HolidayCalendar
	Form   holidayForm
	Notice string
}

// showHolidays handles GET /settings/holidays: the school's holidays by
// academic year, the bank holidays skipped, and the form to add one.
func (h *Handler) showHolidays(w http.ResponseWriter, r *http.Request) {
	h.holidaysPage(w, r, http.StatusOK, holidayForm{}, nil)
}

func (h *Handler) holidaysPage(w http.ResponseWriter, r *http.Request, status int, form holidayForm, problem error) {
	cal, err := h.app.HolidayCalendar(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := holidaysData{Cal: cal, Form: form}
	if problem == nil {
		d.Notice = calendarNotices[r.URL.Query().Get("done")]
	}
	h.render(w, r, status, "settings_holidays", page{Title: "School holidays", Nav: "settings", Err: problem, Data: d})
}

// addHoliday handles POST /settings/holidays: a holiday from a first to a
// last day (the first, when no last is given), with a name.
func (h *Handler) addHoliday(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	form := holidayForm{Name: r.PostFormValue("name"), From: strings.TrimSpace(r.PostFormValue("from")), To: strings.TrimSpace(r.PostFormValue("to"))}
	hol := vigil.Holiday{Name: form.Name}
	p := vigil.Problems{}
	for _, f := range []struct {
		field, value string
		dst          *vigil.Date
	}{{"from", form.From, &hol.From}, {"to", form.To, &hol.To}} {
		if f.value == "" {
			continue
		}
		d, err := vigil.ParseDate(f.value)
		if err != nil {
			p.Add(f.field, "Enter the date as year, month and day, e.g. 2026-10-26.")
			continue
		}
		*f.dst = d
	}
	if form.From == "" {
		p.Add("from", "Give the first day.")
	}
	err := p.Err()
	if err == nil {
		err = h.app.AddHoliday(r.Context(), &hol)
	}
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/settings/holidays?done=added", http.StatusSeeOther)
	case vigil.EINVALID:
		h.holidaysPage(w, r, http.StatusUnprocessableEntity, form, err)
	default:
		h.fail(w, r, err)
	}
}

// removeHoliday handles POST /settings/holidays/{id}/remove. Another
// school's holiday is a 404, like a missing one.
func (h *Handler) removeHoliday(w http.ResponseWriter, r *http.Request) {
	if _, err := h.app.RemoveHoliday(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/holidays?done=removed", http.StatusSeeOther)
}

// agencyForm is the form to add an agency, as it was typed.
type agencyForm struct {
	Name, Days string
	Fields     map[string]string
}

// agencyRow is one agency on the page, with the timescale as typed and its
// problem when a change to it was refused.
type agencyRow struct {
	vigil.ReferralAgency
	Days  string
	Error string
}

type agenciesData struct {
	Agencies []agencyRow
	Form     agencyForm
	Max      int
	Notice   string
}

// showAgencies handles GET /settings/agencies: the school's agencies with
// their response timescales, in use or retired, and the form to add one.
func (h *Handler) showAgencies(w http.ResponseWriter, r *http.Request) {
	h.agenciesPage(w, r, http.StatusOK, agencyForm{Days: "10"}, "", "", nil)
}

// agenciesPage renders the page. A problem belongs to the form to add an
// agency when row is "", otherwise to the row with that key, which keeps
// days as typed.
func (h *Handler) agenciesPage(w http.ResponseWriter, r *http.Request, status int, form agencyForm, row, days string, problem error) {
	list, err := h.app.ReferralAgencies(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if row != "" && !slices.ContainsFunc(list, func(g vigil.ReferralAgency) bool { return g.Key == row }) {
		h.notFound(w, r) // another school's agency, or none
		return
	}
	d := agenciesData{Form: form, Max: vigil.MaxTimescaleDays}
	for _, g := range list {
		ar := agencyRow{ReferralAgency: g, Days: strconv.Itoa(g.TimescaleDays)}
		if problem != nil && row == g.Key {
			ar.Days, ar.Error = days, vigil.ErrorMessage(problem)
		}
		d.Agencies = append(d.Agencies, ar)
	}
	if problem == nil {
		d.Notice = calendarNotices[r.URL.Query().Get("done")]
	} else if row == "" {
		d.Form.Fields = vigil.ErrorFields(problem)
	}
	// page.Fields stays empty: the problem is shown where it belongs.
	h.render(w, r, status, "settings_agencies", page{Title: "Referral agencies", Nav: "settings", Err: problem, Fields: map[string]string{}, Data: d})
}

// readDays reads a timescale in working days from the form.
func readDays(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, vigil.FieldError("timescale_days", "Enter a number of working days from 0 to "+strconv.Itoa(vigil.MaxTimescaleDays)+".")
	}
	return n, nil
}

// addAgency handles POST /settings/agencies: a new agency, offered on the
// referral form at once.
func (h *Handler) addAgency(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	form := agencyForm{Name: r.PostFormValue("name"), Days: r.PostFormValue("timescale_days")}
	days, err := readDays(form.Days)
	if err == nil {
		_, err = h.app.AddReferralAgency(r.Context(), vigil.ReferralAgency{Name: form.Name, TimescaleDays: days, Active: true})
	}
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/settings/agencies?done=agency", http.StatusSeeOther)
	case vigil.EINVALID:
		h.agenciesPage(w, r, http.StatusUnprocessableEntity, form, "", "", err)
	default:
		h.fail(w, r, err)
	}
}

// changeAgency handles POST /settings/agencies/{key}/{change}: a new
// timescale, or retiring or bringing back the agency. Another school's
// agency is a 404, like a missing one.
func (h *Handler) changeAgency(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	key, days := r.PathValue("key"), r.PostFormValue("timescale_days")
	var c app.AgencyChange
	var err error
	done := r.PathValue("change")
	switch done {
	case "timescale":
		var n int
		if n, err = readDays(days); err == nil {
			c.TimescaleDays = &n
		}
		done = "changed"
	case "retire":
		c.Active, done = new(false), "retired"
	case "restore":
		c.Active, done = new(true), "restored"
	default:
		h.notFound(w, r)
		return
	}
	if err == nil {
		_, err = h.app.ChangeReferralAgency(r.Context(), key, c)
	}
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/settings/agencies?done="+done, http.StatusSeeOther)
	case vigil.EINVALID:
		h.agenciesPage(w, r, http.StatusUnprocessableEntity, agencyForm{Days: "10"}, key, days, err)
	default:
		h.fail(w, r, err)
	}
}
