package web

import (
	"encoding/json"
	"net/http"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
)

type passwordData struct {
	Rules   string
	Expired bool
	Saved   bool
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request, status int, saved bool, err error) {
	cur := current(r.Context())
	rules, rerr := h.app.PasswordRulesFor(r.Context(), cur)
	if rerr != nil {
		h.fail(w, r, rerr)
		return
	}
	h.render(w, r, status, "password", page{Title: "Change your password", Err: err,
		Data: passwordData{Rules: rules.Describe(cur.Person.HasSecondFactor()), Expired: cur.PasswordExpired && !saved, Saved: saved}})
}

// showPassword handles GET /account/password.
func (h *Handler) showPassword(w http.ResponseWriter, r *http.Request) {
	h.passwordPage(w, r, http.StatusOK, r.URL.Query().Get("changed") == "1", nil)
}

// changePassword handles POST /account/password.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	token, err := h.app.ChangePassword(r.Context(), current(r.Context()),
		r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm"))
	switch vigil.ErrorCode(err) {
	case "":
		h.setToken(w, r, token)
		http.Redirect(w, r, "/account/password?changed=1", http.StatusSeeOther)
	case vigil.EINVALID, vigil.ETHROTTLED:
		h.passwordPage(w, r, statusFor(err), false, err)
	default:
		h.fail(w, r, err)
	}
}

// passwordStrength handles POST /password-strength, which the strength
// meter calls as a person types: {"password": "..."} in, {"score": 0-4,
// "hint": "..."} out. The password is checked and forgotten; nothing is
// logged or stored.
func (h *Handler) passwordStrength(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2<<10)
	var in struct {
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Password) > auth.MaxPasswordLength*4 {
		http.Error(w, `{"error":"Send {\"password\": \"...\"} as JSON."}`, http.StatusBadRequest)
		return
	}
	var ctxWords []string
	if cur := current(r.Context()); cur != nil {
		ctxWords = []string{cur.Person.Name, cur.Person.Email}
		if cur.School != nil {
			ctxWords = append(ctxWords, cur.School.Name)
		}
	}
	pw := in.Password
	if len([]rune(pw)) > 64 {
		pw = string([]rune(pw)[:64]) // enough to judge; keeps the estimate quick
	}
	score, hint := auth.Strength(pw, ctxWords)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"score": score, "hint": hint})
}
