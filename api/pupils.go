package api

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
)

// PupilSummary is a pupil in a list.
type PupilSummary struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`           // legal forename and surname
	PreferredName     *string `json:"preferred_name"` // the name they go by, when it differs; else null
	YearGroup         string  `json:"year_group"`
	RegistrationGroup string  `json:"registration_group"`
	OnRoll            bool    `json:"on_roll"`
}

// Pupil is one pupil with their contacts.
type Pupil struct {
	PupilSummary
	UPN               string    `json:"upn"`
	LegalForename     string    `json:"legal_forename"`
	LegalSurname      string    `json:"legal_surname"`
	PreferredForename string    `json:"preferred_forename"`
	PreferredSurname  string    `json:"preferred_surname"`
	DateOfBirth       string    `json:"date_of_birth"` // YYYY-MM-DD
	Sex               string    `json:"sex"`           // F, M, X or ""
	LeftOn            *string   `json:"left_on"`       // YYYY-MM-DD, null while on roll
	Destination       string    `json:"destination"`
	Flags             []string  `json:"flags"` // vulnerable-group flags that are set
	Contacts          []Contact `json:"contacts"`
}

// Contact is an adult to contact about a pupil, in priority order.
type Contact struct {
	ID                     string `json:"id"`
	Name                   string `json:"name"`
	Relationship           string `json:"relationship"`
	ParentalResponsibility bool   `json:"parental_responsibility"`
	Priority               int    `json:"priority"`
	Phone                  string `json:"phone"`
	Email                  string `json:"email"`
	Address                string `json:"address"`
}

func pupilSummary(p *vigil.Pupil) PupilSummary {
	s := PupilSummary{ID: string(p.ID), Name: p.LegalName(), YearGroup: p.YearGroup, RegistrationGroup: p.RegGroup, OnRoll: p.OnRoll}
	if goesBy := p.Name(); goesBy != p.LegalName() {
		s.PreferredName = &goesBy
	}
	return s
}

// maxQuery is the longest search the API takes, as the pupil page does.
const maxQuery = 100

// listPupils handles GET /api/v1/pupils: the school's pupils by surname,
// optionally those whose names or UPN match every word of ?q=, in a
// ?year_group=, and ?status=on_roll (the default), left or all. The list is
// audited by app, search words left out.
func (h *Handler) listPupils(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := readPage(q)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	f := vigil.PupilFilter{Query: strings.TrimSpace(q.Get("q")), YearGroup: q.Get("year_group"), Status: q.Get("status"),
		Offset: page.Offset, Limit: page.Limit}
	switch {
	case utf8.RuneCountInString(f.Query) > maxQuery || !utf8.ValidString(f.Query):
		h.problem(w, r, badRequest("q", "q is at most 100 characters of text."))
		return
	case f.YearGroup != "" && !slices.Contains(vigil.YearGroups, f.YearGroup):
		h.problem(w, r, badRequest("year_group", "year_group is one of N1, N2, R and 1 to 14."))
		return
	case f.Status == "":
		f.Status = vigil.StatusOnRoll
	case f.Status != vigil.StatusOnRoll && f.Status != vigil.StatusLeft && f.Status != vigil.StatusAll:
		h.problem(w, r, badRequest("status", "status is on_roll, left or all."))
		return
	}
	res, err := h.app.ListPupils(r.Context(), f)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := List[PupilSummary]{Items: make([]PupilSummary, 0, len(res.Pupils)), NextCursor: page.next(len(res.Pupils), res.Total)}
	for _, p := range res.Pupils {
		out.Items = append(out.Items, pupilSummary(p))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// showPupil handles GET /api/v1/pupils/{id}. Another school's pupil is a
// 404, exactly as a missing one; app audits the view before it returns.
func (h *Handler) showPupil(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.Pupil(r.Context(), vigil.PupilID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	p := d.Pupil
	out := Pupil{
		PupilSummary: pupilSummary(p), UPN: p.UPN,
		LegalForename: p.LegalForename, LegalSurname: p.LegalSurname, PreferredForename: p.PreferredForename, PreferredSurname: p.PreferredSurname,
		DateOfBirth: p.DateOfBirth.String(), Sex: p.Sex, Destination: p.Destination,
		Flags: make([]string, 0, len(p.Flags)), Contacts: make([]Contact, 0, len(d.Contacts)),
	}
	if !p.LeftOn.IsZero() {
		left := p.LeftOn.String()
		out.LeftOn = &left
	}
	for _, f := range p.Flags.List() {
		out.Flags = append(out.Flags, string(f))
	}
	for _, c := range d.Contacts {
		out.Contacts = append(out.Contacts, Contact{ID: string(c.ID), Name: c.Name, Relationship: c.Relationship,
			ParentalResponsibility: c.ParentalResponsibility, Priority: c.Priority, Phone: c.Phone, Email: c.Email, Address: c.Address})
	}
	h.writeJSON(w, r, http.StatusOK, out)
}
