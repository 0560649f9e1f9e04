package web

import (
	"net/http"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

type homeData struct {
	DSLTeam      []*vigil.Membership
	CanSeePupils bool
	OnRoll       int
	Flagged      []flagCount
}

type flagCount struct {
	Flag  vigil.Flag
	Count int
}

// showHome handles GET /, the signed-in start page.
func (h *Handler) showHome(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.Home(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := homeData{DSLTeam: d.DSLTeam, CanSeePupils: authz.Can(vigil.ActorFrom(r.Context()), authz.ListPupils), OnRoll: d.OnRoll}
	for _, f := range vigil.Flags {
		if n := d.FlagCounts[f]; n > 0 {
			data.Flagged = append(data.Flagged, flagCount{f, n})
		}
	}
	h.render(w, r, http.StatusOK, "home", page{Title: "Home", Nav: "home", Data: data})
}
