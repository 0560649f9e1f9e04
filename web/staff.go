package web

import (
	"net/http"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// showStaff handles GET /staff.
func (h *Handler) showStaff(w http.ResponseWriter, r *http.Request) {
	list, err := h.app.ListStaff(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "staff", page{Title: "Staff", Nav: "staff", Data: list})
}

type staffMemberData struct {
	*app.StaffDetails
	Roles        []vigil.Role
	Levels       []vigil.Access
	Capabilities []vigil.Capability
	Saved        string
}

func (h *Handler) renderStaffMember(w http.ResponseWriter, r *http.Request, status int, d *app.StaffDetails, saved string, err error) {
	h.render(w, r, status, "staff_member", page{Title: d.Member.PersonName, Nav: "staff", Err: err, Data: staffMemberData{
		StaffDetails: d, Roles: vigil.Roles, Levels: vigil.AccessLevels, Capabilities: vigil.Capabilities, Saved: saved}})
}

// showStaffMember handles GET /staff/{id}.
func (h *Handler) showStaffMember(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.Staff(r.Context(), vigil.PersonID(r.PathValue("id")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderStaffMember(w, r, http.StatusOK, d, "", nil)
}

// saveStaffAccess handles POST /staff/{id}/access: role, designation and
// access per category; "template" resets to the role's template.
func (h *Handler) saveStaffAccess(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := vigil.PersonID(r.PathValue("id"))
	d, err := h.app.Staff(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := app.AccessChange{
		Role: vigil.Role(r.PostFormValue("role")), Designated: r.PostFormValue("designated") == "on",
		UseTemplate: r.PostFormValue("template") != "",
		Permissions: vigil.Permissions{Categories: map[vigil.CategoryID]vigil.Access{}},
	}
	p := vigil.Problems{}
	for _, cat := range d.Categories {
		level := vigil.Access(r.PostFormValue("access_" + string(cat.ID)))
		if level == "" {
			level = vigil.AccessNone
		}
		if !level.Valid() {
			p.Add("access_"+string(cat.ID), "Choose a level.")
			continue
		}
		c.Permissions.Categories[cat.ID] = level
	}
	for _, capb := range vigil.Capabilities {
		if r.PostFormValue("cap_"+string(capb)) == "on" {
			c.Permissions.Capabilities = append(c.Permissions.Capabilities, capb)
		}
	}
	if err = p.Err(); err == nil {
		err = h.app.ChangeAccess(r.Context(), id, c)
	}
	switch vigil.ErrorCode(err) {
	case "":
		d, err = h.app.Staff(r.Context(), id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.renderStaffMember(w, r, http.StatusOK, d, "Access saved.", nil)
	case vigil.EINVALID, vigil.EFORBIDDEN:
		h.renderStaffMember(w, r, statusFor(err), d, "", err)
	default:
		h.fail(w, r, err)
	}
}

// staffAction handles the buttons on a member's page: deactivate,
// reactivate and reset the second factor.
func (h *Handler) staffAction(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := vigil.PersonID(r.PathValue("id"))
	var err error
	var saved string
	switch r.PathValue("action") {
	case "deactivate":
		err, saved = h.app.SetStaffActive(r.Context(), id, false), "Deactivated: their sessions have ended."
	case "reactivate":
		err, saved = h.app.SetStaffActive(r.Context(), id, true), "Reactivated."
	case "reset-2fa":
		err, saved = h.app.ResetSecondFactors(r.Context(), id), "Second factor reset: they set up a new one at their next sign-in."
	default:
		err = vigil.Errorf(vigil.ENOTFOUND, "Page not found.")
	}
	if err != nil && vigil.ErrorCode(err) != vigil.EFORBIDDEN {
		h.fail(w, r, err)
		return
	}
	d, derr := h.app.Staff(r.Context(), id)
	if derr != nil {
		h.fail(w, r, derr)
		return
	}
	if err != nil {
		h.renderStaffMember(w, r, http.StatusForbidden, d, "", err)
		return
	}
	h.renderStaffMember(w, r, http.StatusOK, d, saved, nil)
}

// showAccessReview handles GET /staff/access-review.
func (h *Handler) showAccessReview(w http.ResponseWriter, r *http.Request) {
	rev, err := h.app.ReviewAccess(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "access_review", page{Title: "Who can see each category", Nav: "staff", Data: rev})
}
