package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
)

// requireStepUp sends someone with more than reporting access (or anyone,
// where the school asks a second factor of everyone) who has not given a
// second factor in this session to do so, then back. Others pass; app
// refuses them what they may not see.
func (h *Handler) requireStepUp(next http.HandlerFunc) http.HandlerFunc {
	return h.stepUpWhen(next, func(cur *app.Current) bool {
		return authz.Elevated(cur.Actor) || cur.School.Settings.TwoFactorForEveryone()
	})
}

// requireStepUpIfEveryone asks for a second factor on every page of a school
// that asks one of everyone.
func (h *Handler) requireStepUpIfEveryone(next http.HandlerFunc) http.HandlerFunc {
	return h.stepUpWhen(next, func(cur *app.Current) bool { return cur.School.Settings.TwoFactorForEveryone() })
}

func (h *Handler) stepUpWhen(next http.HandlerFunc, needed func(*app.Current) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cur := current(r.Context())
		if cur.Actor.SteppedUp || !needed(cur) {
			next(w, r)
			return
		}
		back := r.URL.Path
		if r.Method != http.MethodGet {
			back = r.URL.Path // a form's answers are not replayed; the person starts the page again
		}
		target := "/step-up"
		if !cur.Person.HasSecondFactor() {
			target = "/two-factor/setup"
		}
		http.Redirect(w, r, target+"?next="+url.QueryEscape(back), http.StatusSeeOther)
	}
}

// safeNext returns a local path to go back to, or "/".
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") || len(s) > 300 {
		return "/"
	}
	return s
}

type stepUpData struct {
	Next string
}

func (h *Handler) showStepUp(w http.ResponseWriter, r *http.Request) {
	cur := current(r.Context())
	next := safeNext(r.URL.Query().Get("next"))
	if !cur.Person.HasSecondFactor() {
		http.Redirect(w, r, "/two-factor/setup?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "step_up", page{Title: "Confirm it's you", Data: stepUpData{Next: next}})
}

// stepUp handles POST /step-up.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	cur := current(r.Context())
	next := safeNext(r.PostFormValue("next"))
	token, err := h.app.StepUp(r.Context(), cur, h.token(r), r.PostFormValue("code"))
	switch vigil.ErrorCode(err) {
	case "":
		h.setToken(w, r, token)
		http.Redirect(w, r, next, http.StatusSeeOther)
	case vigil.EINVALID, vigil.ETHROTTLED:
		h.render(w, r, statusFor(err), "step_up", page{Title: "Confirm it's you", Data: stepUpData{Next: next}, Err: err})
	default:
		h.fail(w, r, err)
	}
}

type totpSetupData struct {
	Next      string
	Enrolment *auth.TOTPEnrolment // nil on the first page
	Recovery  []string            // shown once, after confirmation
}

// showTOTPSetup explains the set-up; the secret is made only on POST.
func (h *Handler) showTOTPSetup(w http.ResponseWriter, r *http.Request) {
	cur := current(r.Context())
	next := safeNext(r.URL.Query().Get("next"))
	if cur.Person.HasSecondFactor() {
		http.Redirect(w, r, "/step-up?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "totp_setup", page{Title: "Set up an authenticator app", Data: totpSetupData{Next: next}})
}

// startTOTPSetup handles POST /two-factor/setup: a new secret, shown once.
func (h *Handler) startTOTPSetup(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	e, err := h.app.BeginTOTP(r.Context(), current(r.Context()))
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ECONFLICT {
			http.Redirect(w, r, "/step-up?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "totp_setup", page{Title: "Set up an authenticator app", Data: totpSetupData{Next: next, Enrolment: e}})
}

// confirmTOTP handles POST /two-factor/confirm, the first code.
func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	token, codes, err := h.app.ConfirmTOTP(r.Context(), current(r.Context()), h.token(r), r.PostFormValue("code"))
	switch vigil.ErrorCode(err) {
	case "":
		h.setToken(w, r, token)
		h.render(w, r, http.StatusOK, "totp_setup", page{Title: "Keep your recovery codes", Data: totpSetupData{Next: next, Recovery: codes}})
	case vigil.EINVALID, vigil.ETHROTTLED:
		// The secret is not shown again: the person starts over with a new one.
		h.render(w, r, statusFor(err), "totp_setup", page{Title: "Set up an authenticator app", Data: totpSetupData{Next: next}, Err: err})
	case vigil.ECONFLICT:
		http.Redirect(w, r, "/step-up?next="+url.QueryEscape(next), http.StatusSeeOther)
	default:
		h.fail(w, r, err)
	}
}

// parseForm reads a small form body, answering a bad one itself.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again."))
		return false
	}
	return true
}

// statusFor is the status of a form shown again with an error.
func statusFor(err error) int {
	switch vigil.ErrorCode(err) {
	case vigil.ETHROTTLED:
		return http.StatusTooManyRequests
	case vigil.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case vigil.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}
