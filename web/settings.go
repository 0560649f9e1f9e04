package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
)

type settingsData struct {
	School   *vigil.School
	Form     app.SettingsChange
	Profiles []auth.Profile
	Saved    bool
}

func settingsForm(sc *vigil.School) app.SettingsChange {
	st := sc.Settings
	return app.SettingsChange{Name: sc.Name, IdleTimeoutMinutes: int(st.IdleTimeout().Minutes()), PasswordProfile: st.Profile(),
		TwoFactorFor: map[bool]string{true: vigil.TwoFactorEveryone, false: vigil.TwoFactorElevated}[st.TwoFactorForEveryone()], Timezone: st.Timezone, DfENumber: st.DfENumber}
}

// showSettings handles GET /settings.
func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request) {
	sc, err := h.app.School(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings", page{Title: "School settings", Nav: "settings",
		Data: settingsData{School: sc, Form: settingsForm(sc), Profiles: auth.Profiles()}})
}

// saveSettings handles POST /settings.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	sc, err := h.app.School(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := app.SettingsChange{
		Name:            strings.TrimSpace(r.PostFormValue("name")),
		PasswordProfile: r.PostFormValue("password_profile"),
		TwoFactorFor:    r.PostFormValue("two_factor_for"),
		Timezone:        strings.TrimSpace(r.PostFormValue("timezone")),
		DfENumber:       r.PostFormValue("dfe_number"),
	}
	p := vigil.Problems{}
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("idle_timeout_minutes"))); err != nil {
		p.Add("idle_timeout_minutes", "Enter a number of minutes from 5 to 120.")
	} else {
		f.IdleTimeoutMinutes = n
	}
	err = p.Err()
	if err == nil {
		sc, err = h.app.UpdateSettings(r.Context(), f)
	}
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, http.StatusOK, "settings", page{Title: "School settings", Nav: "settings",
			Data: settingsData{School: sc, Form: settingsForm(sc), Profiles: auth.Profiles(), Saved: true}})
	case vigil.EINVALID:
		h.render(w, r, http.StatusUnprocessableEntity, "settings", page{Title: "School settings", Nav: "settings", Err: err,
			Data: settingsData{School: sc, Form: f, Profiles: auth.Profiles()}})
	default:
		h.fail(w, r, err)
	}
}
