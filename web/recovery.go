package web

import (
	"net/http"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
)

// Password reset and invitation links.
//
// The emailed link is BaseURL/reset/{token} (or /invite/{token}), and the
// access log records every request's path. So the token is kept out of
// every URL but that first one: GET /reset/{token} only moves the token into
// a short-lived cookie, scoped to /reset and HttpOnly, and redirects to
// /reset/new, whose form and POST read it from the cookie. The token
// therefore reaches the log once, on a redirect that neither shows nor
// changes anything, never on the page with the form, and never in a Referer.
// (Using the token up on that first GET would make the logged copy
// worthless, but mail scanners that open every link would then spend it
// before the person could.)
//
// The cookie is SameSite=Lax, not Strict: the link is usually opened from
// webmail, another site, and a browser treats the redirect as part of that
// cross-site navigation, so a Strict cookie set by it would not come back
// on /reset/new. Lax still keeps it off every cross-site POST.

// The cookies that carry a link's token from its URL to the form.
const (
	resetCookie  = "vigil_reset"
	inviteCookie = "vigil_invite"
)

// linkCookieAge is how long a browser keeps a link's token: long enough to
// choose a password. The token's own expiry is checked on the server.
const linkCookieAge = 30 * 60 // seconds

// Fixed notices on the sign-in page after a link has been used, by the
// query flag that asks for each.
var signInNotices = []struct{ flag, notice string }{
	{"reset", "Your password has been changed. Sign in with it."},
	{"invited", "Your account is ready. Sign in with your new password."},
	{"joined", "Your invitation is accepted. Sign in with your usual password."},
}

// linkCookie returns the cookie's name: with the __Secure- prefix over
// HTTPS (__Host- would need Path=/).
func (h *Handler) linkCookie(r *http.Request, name string) string {
	if h.secure || r.TLS != nil {
		return "__Secure-" + name
	}
	return name
}

// keepLinkToken stores token in the named cookie for path, or clears the
// cookie when token is "".
func (h *Handler) keepLinkToken(w http.ResponseWriter, r *http.Request, name, path, token string) {
	c := &http.Cookie{
		Name: h.linkCookie(r, name), Value: token, Path: path, MaxAge: linkCookieAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure || r.TLS != nil,
	}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// linkToken returns the token kept in the named cookie, or "".
func (h *Handler) linkToken(r *http.Request, name string) string {
	if c, err := r.Cookie(h.linkCookie(r, name)); err == nil {
		return c.Value
	}
	return ""
}

// showSignInAfter handles GET /login: the sign-in page, with a fixed notice
// when ?reset=1, ?invited=1 or ?joined=1 says a link has just been used.
// The notice travels in Fields under "notice", a name no input has, so the
// sign-in form itself is unchanged.
func (h *Handler) showSignInAfter(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, n := range signInNotices {
		if q.Get(n.flag) == "1" && current(r.Context()) == nil {
			h.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: signInForm{},
				Fields: map[string]string{"notice": n.notice}})
			return
		}
	}
	h.showSignIn(w, r)
}

type resetRequestData struct {
	Email string
	Sent  bool
}

// showResetRequest handles GET /reset, the "forgot your password" form.
func (h *Handler) showResetRequest(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "reset_request", page{Title: "Reset your password", Data: resetRequestData{}})
}

// requestReset handles POST /reset. Whether or not an account has the
// address, the answer is the same page, byte for byte.
func (h *Handler) requestReset(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	form := resetRequestData{Email: strings.TrimSpace(r.PostFormValue("email"))}
	err := h.app.RequestPasswordReset(r.Context(), form.Email, meta(r))
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, http.StatusOK, "reset_request", page{Title: "Check your email", Data: resetRequestData{Sent: true}})
	case vigil.EINVALID, vigil.ETHROTTLED:
		h.render(w, r, statusFor(err), "reset_request", page{Title: "Reset your password", Data: form, Err: err})
	default:
		h.fail(w, r, err)
	}
}

// openResetLink handles GET /reset/{token}, the emailed link: it moves the
// token into a cookie and out of the URL (see the top of this file).
func (h *Handler) openResetLink(w http.ResponseWriter, r *http.Request) {
	h.openLink(w, r, resetCookie, "/reset", "/reset/new")
}

// openInviteLink handles GET /invite/{token}, as openResetLink.
func (h *Handler) openInviteLink(w http.ResponseWriter, r *http.Request) {
	h.openLink(w, r, inviteCookie, "/invite", "/invite/accept")
}

func (h *Handler) openLink(w http.ResponseWriter, r *http.Request, cookie, path, next string) {
	token := r.PathValue("token")
	if !auth.ValidToken(token) {
		token = "" // nothing worth keeping; the next page says the link does not work
	}
	h.keepLinkToken(w, r, cookie, path, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// newPasswordData is the page that sets a password from a link.
type newPasswordData struct {
	*app.NewPasswordForm
	Action string // where the form posts
	Invite bool
}

// linkGone shows the one page for a link that does not work, and forgets
// the token.
func (h *Handler) linkGone(w http.ResponseWriter, r *http.Request, cookie, path string, invite bool) {
	h.keepLinkToken(w, r, cookie, path, "")
	h.render(w, r, http.StatusGone, "reset_expired", page{Title: "This link no longer works", Data: newPasswordData{Invite: invite}})
}

// showResetForm handles GET /reset/new: the new-password form, or the
// expired-link page.
func (h *Handler) showResetForm(w http.ResponseWriter, r *http.Request) {
	f, err := h.app.OpenResetLink(r.Context(), h.linkToken(r, resetCookie))
	h.renderResetForm(w, r, http.StatusOK, f, err)
}

func (h *Handler) renderResetForm(w http.ResponseWriter, r *http.Request, status int, f *app.NewPasswordForm, err error) {
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, status, "reset_form", page{Title: "Choose a new password", Data: newPasswordData{NewPasswordForm: f, Action: "/reset/new"}})
	case vigil.ENOTFOUND:
		h.linkGone(w, r, resetCookie, "/reset", false)
	default:
		h.fail(w, r, err)
	}
}

// resetPassword handles POST /reset/new.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	token := h.linkToken(r, resetCookie)
	err := h.app.ResetPassword(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("confirm"), meta(r))
	switch vigil.ErrorCode(err) {
	case "":
		h.keepLinkToken(w, r, resetCookie, "/reset", "")
		http.Redirect(w, r, "/login?reset=1", http.StatusSeeOther)
	case vigil.EINVALID:
		f, ferr := h.app.OpenResetLink(r.Context(), token)
		if ferr != nil {
			h.renderResetForm(w, r, 0, nil, ferr)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "reset_form", page{Title: "Choose a new password", Err: err,
			Data: newPasswordData{NewPasswordForm: f, Action: "/reset/new"}})
	case vigil.ENOTFOUND:
		h.linkGone(w, r, resetCookie, "/reset", false)
	default:
		h.fail(w, r, err)
	}
}

// showInvitation handles GET /invite/accept: the form for a first password
// or, for someone who has one already, the invitation confirmed at once.
func (h *Handler) showInvitation(w http.ResponseWriter, r *http.Request) {
	token := h.linkToken(r, inviteCookie)
	f, err := h.app.OpenInvitation(r.Context(), token)
	if err == nil && f.HasPassword {
		err = h.app.AcceptInvitation(r.Context(), token, "", "", meta(r))
		if err == nil {
			h.keepLinkToken(w, r, inviteCookie, "/invite", "")
			http.Redirect(w, r, "/login?joined=1", http.StatusSeeOther)
			return
		}
	}
	h.renderInvitation(w, r, http.StatusOK, f, err, nil)
}

func (h *Handler) renderInvitation(w http.ResponseWriter, r *http.Request, status int, f *app.NewPasswordForm, err, formErr error) {
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, status, "reset_form", page{Title: "Set up your account", Err: formErr,
			Data: newPasswordData{NewPasswordForm: f, Action: "/invite/accept", Invite: true}})
	case vigil.ENOTFOUND:
		h.linkGone(w, r, inviteCookie, "/invite", true)
	default:
		h.fail(w, r, err)
	}
}

// acceptInvitation handles POST /invite/accept.
func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	token := h.linkToken(r, inviteCookie)
	err := h.app.AcceptInvitation(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("confirm"), meta(r))
	switch vigil.ErrorCode(err) {
	case "":
		h.keepLinkToken(w, r, inviteCookie, "/invite", "")
		http.Redirect(w, r, "/login?invited=1", http.StatusSeeOther)
	case vigil.EINVALID:
		f, ferr := h.app.OpenInvitation(r.Context(), token)
		h.renderInvitation(w, r, http.StatusUnprocessableEntity, f, ferr, err)
	case vigil.ENOTFOUND:
		h.linkGone(w, r, inviteCookie, "/invite", true)
	default:
		h.fail(w, r, err)
	}
}

type inviteStaffData struct {
	Email, Name string
	Role        vigil.Role
	Roles       []vigil.Role
	Sent        string // the address just invited
}

// showInviteStaff handles GET /staff/invite.
func (h *Handler) showInviteStaff(w http.ResponseWriter, r *http.Request) {
	if cur := current(r.Context()); !cur.Can(string(authz.ManageStaff)) {
		h.fail(w, r, vigil.Errorf(vigil.EFORBIDDEN, "Only those who manage staff can invite."))
		return
	}
	h.render(w, r, http.StatusOK, "invite_staff", page{Title: "Invite a member of staff", Nav: "staff",
		Data: inviteStaffData{Role: vigil.RoleStaff, Roles: vigil.Roles}})
}

// inviteStaff handles POST /staff/invite.
func (h *Handler) inviteStaff(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	form := inviteStaffData{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: vigil.Role(r.PostFormValue("role")), Roles: vigil.Roles}
	p, err := h.app.InviteStaff(r.Context(), app.Invitation{Email: form.Email, Name: form.Name, Role: form.Role})
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, http.StatusOK, "invite_staff", page{Title: "Invite a member of staff", Nav: "staff",
			Data: inviteStaffData{Role: vigil.RoleStaff, Roles: vigil.Roles, Sent: p.Email}})
	case vigil.EINVALID:
		h.render(w, r, http.StatusUnprocessableEntity, "invite_staff", page{Title: "Invite a member of staff", Nav: "staff", Data: form, Err: err})
	default:
		h.fail(w, r, err)
	}
}

// sendReset handles POST /staff/{id}/send-reset: an administrator sends a
// member the same reset link they could ask for themselves.
func (h *Handler) sendReset(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	id := vigil.PersonID(r.PathValue("id"))
	err := h.app.SendPasswordReset(r.Context(), id)
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
	h.renderStaffMember(w, r, http.StatusOK, d, "Password reset link sent to their email address. It works once, for 30 minutes.", nil)
}
