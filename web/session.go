package web

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

const (
	cookieName       = "vigil_session"
	secureCookieName = "__Host-vigil_session"
)

func (h *Handler) cookieName(r *http.Request) string {
	if h.secure || r.TLS != nil {
		return secureCookieName
	}
	return cookieName
}

func (h *Handler) token(r *http.Request) string {
	if c, err := r.Cookie(h.cookieName(r)); err == nil {
		return c.Value
	}
	return ""
}

func (h *Handler) setToken(w http.ResponseWriter, r *http.Request, token string) {
	c := &http.Cookie{
		Name: h.cookieName(r), Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure || r.TLS != nil,
	}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func meta(r *http.Request) app.Meta {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return app.Meta{IP: ip, UserAgent: r.UserAgent()}
}

// authenticate puts who is signed in, if anyone, into the request context.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, *app.Current, error) {
	token := h.token(r)
	if token == "" {
		return r, nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	cur, err := h.app.Authenticate(r.Context(), token, meta(r))
	if err != nil {
		if vigil.ErrorCode(err) == vigil.EUNAUTHORIZED {
			h.setToken(w, r, "")
		}
		return r, nil, err
	}
	ctx := context.WithValue(r.Context(), currentKey, cur)
	ctx = vigil.NewContext(ctx, cur.Actor)
	return r.WithContext(ctx), cur, nil
}

// optionalSession loads a session when there is one, for public pages that
// show differently to someone signed in.
func (h *Handler) optionalSession(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, _, err := h.authenticate(w, r)
		if err != nil && vigil.ErrorCode(err) != vigil.EUNAUTHORIZED {
			h.fail(w, r, err)
			return
		}
		next(w, r2)
	})
}

// requireSession sends anyone not signed in to the sign-in page and, when a
// school is needed, anyone who has not chosen one to the school chooser.
func (h *Handler) requireSession(needSchool bool, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, cur, err := h.authenticate(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if cur.PasswordExpired && r.URL.Path != "/account/password" {
			http.Redirect(w, r, "/account/password", http.StatusSeeOther)
			return
		}
		if needSchool && cur.School == nil {
			http.Redirect(w, r, "/choose-school", http.StatusSeeOther)
			return
		}
		next(w, r)
	})
}

type signInForm struct {
	Email string
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request) {
	if cur := current(r.Context()); cur != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: signInForm{}})
}

// signIn handles POST /login.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "login", page{Title: "Sign in", Data: signInForm{},
			Err: vigil.Errorf(vigil.EINVALID, "The form could not be read. Please try again.")})
		return
	}
	form := signInForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
	res, err := h.app.SignIn(r.Context(), form.Email, r.PostFormValue("password"), h.token(r), meta(r))
	switch vigil.ErrorCode(err) {
	case "":
	case vigil.EINVALID:
		h.render(w, r, http.StatusUnprocessableEntity, "login", page{Title: "Sign in", Data: form, Err: err})
		return
	case vigil.EUNAUTHORIZED, vigil.EFORBIDDEN, vigil.ETHROTTLED:
		h.render(w, r, statusFor(err), "login", page{Title: "Sign in", Data: form, Err: err})
		return
	default:
		h.fail(w, r, err)
		return
	}
	h.setToken(w, r, res.Token)
	if res.Session.CurrentSchoolID == "" {
		http.Redirect(w, r, "/choose-school", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signOut handles POST /logout.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if err := h.app.SignOut(r.Context(), h.token(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.setToken(w, r, "")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *Handler) showChooseSchool(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "choose_school", page{Title: "Choose a school"})
}

// chooseSchool handles POST /choose-school.
func (h *Handler) chooseSchool(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read."))
		return
	}
	cur := current(r.Context())
	err := h.app.ChooseSchool(r.Context(), cur, h.token(r), vigil.SchoolID(r.PostFormValue("school")))
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			h.render(w, r, http.StatusUnprocessableEntity, "choose_school", page{Title: "Choose a school",
				Err: vigil.FieldError("school", "Choose one of your schools.")})
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
