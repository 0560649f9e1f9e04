// Package api serves Vigil's JSON API under /api/v1: bearer tokens or the
// browser's session, RFC 9457 problem+json errors, cursor pagination and an
// OpenAPI document. Handlers decode the request, call app, and encode the
// answer; who may do what is app's decision.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1/"

// The browser session's cookie, as package web sets it: the __Host- name
// when the service is reached over HTTPS.
const (
	cookieName       = "vigil_session"
	secureCookieName = "__Host-vigil_session"
)

// Handler serves the API. It is an http.Handler for everything under
// Prefix.
type Handler struct {
	app    *app.App
	log    *slog.Logger
	secure bool
	mux    *http.ServeMux
	cop    *http.CrossOriginProtection
}

// Options configure the API.
type Options struct {
	// Secure reads the browser session from the __Host- cookie, as package
	// web names it when the base URL is https://.
	Secure bool
}

// New returns the API handler.
func New(a *app.App, log *slog.Logger, o Options) *Handler {
	h := &Handler{app: a, log: log, secure: o.Secure, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	for _, rt := range h.Routes() {
		switch rt.Access {
		case Public:
			h.mux.Handle(rt.Pattern, rt.handler)
		case SignedIn:
			h.mux.Handle(rt.Pattern, h.require(false, rt.handler))
		default: // InSchool, and the strictest rule for a route without one (TestRouteCoverage fails it)
			h.mux.Handle(rt.Pattern, h.require(true, rt.handler))
		}
	}
	return h
}

// ServeHTTP answers a request under Prefix. Anything the routes do not
// match is a problem+json 404 or 405, never the mux's plain text.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		if allow := h.allowed(r); allow != "" {
			w.Header().Set("Allow", allow)
			h.problem(w, r, &requestError{status: http.StatusMethodNotAllowed, detail: "This address accepts only " + allow + "."})
			return
		}
		h.problem(w, r, vigil.Errorf(vigil.ENOTFOUND, "There is nothing at this address. See %sopenapi.json for what there is.", Prefix))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// allowed lists the methods the path would accept, or "" when none would.
func (h *Handler) allowed(r *http.Request) string {
	var out []string
	seen := map[string]bool{}
	for _, rt := range h.Routes() {
		m, _, _ := strings.Cut(rt.Pattern, " ")
		if seen[m] || m == r.Method {
			continue
		}
		seen[m] = true
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := h.mux.Handler(probe); p != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

type ctxKey int

const (
	currentKey ctxKey = iota
	viaTokenKey
)

// current returns who the request is from; the access rule of every
// non-public route guarantees one.
func current(ctx context.Context) *app.Current {
	c, _ := ctx.Value(currentKey).(*app.Current)
	return c
}

// viaToken reports whether the request came with a bearer token rather than
// the browser's session.
func viaToken(ctx context.Context) bool {
	v, _ := ctx.Value(viaTokenKey).(bool)
	return v
}

func meta(r *http.Request) app.Meta {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return app.Meta{IP: ip, UserAgent: r.UserAgent()}
}

// sessionCookie returns the browser session's secret, or "".
func (h *Handler) sessionCookie(r *http.Request) string {
	name := cookieName
	if h.secure || r.TLS != nil {
		name = secureCookieName
	}
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// authenticate works out who the request is from: the bearer token in the
// Authorization header when there is one, otherwise the browser's session
// cookie. A request with a cookie that changes something must come from
// Vigil's own pages (cross-origin protection); a bearer token cannot be sent
// by another site without the integrator's code, so it needs none.
func (h *Handler) authenticate(r *http.Request) (*http.Request, error) {
	var cur *app.Current
	var err error
	token := false
	if hdr := r.Header.Get("Authorization"); hdr != "" {
		scheme, secret, ok := strings.Cut(hdr, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return r, vigil.Errorf(vigil.EUNAUTHORIZED, `Send the API token as "Authorization: Bearer <token>".`)
		}
		token = true
		cur, err = h.app.AuthenticateToken(r.Context(), strings.TrimSpace(secret), meta(r))
	} else if secret := h.sessionCookie(r); secret != "" {
		if err := h.cop.Check(r); err != nil {
			return r, errCrossOrigin()
		}
		cur, err = h.app.Authenticate(r.Context(), secret, meta(r))
		if err == nil && cur.PasswordExpired {
			return r, vigil.Errorf(vigil.EFORBIDDEN, "Your password has expired. Change it in Vigil before using the API.")
		}
	} else {
		return r, vigil.Errorf(vigil.EUNAUTHORIZED, `Send an API token as "Authorization: Bearer <token>", or sign in to Vigil in this browser.`)
	}
	if err != nil {
		return r, err
	}
	ctx := context.WithValue(r.Context(), currentKey, cur)
	ctx = context.WithValue(ctx, viaTokenKey, token)
	ctx = vigil.NewContext(ctx, cur.Actor)
	return r.WithContext(ctx), nil
}

// require authenticates the request and, with needSchool, insists on a
// school (a browser session may not have chosen one yet) and, where the
// school asks a second factor of everyone, on one: as web's pages do.
func (h *Handler) require(needSchool bool, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := h.authenticate(r)
		if err != nil {
			h.problem(w, r, err)
			return
		}
		cur := current(r.Context())
		if needSchool {
			if cur.School == nil {
				h.problem(w, r, vigil.Errorf(vigil.EFORBIDDEN, "Choose a school in Vigil first."))
				return
			}
			if cur.School.Settings.TwoFactorForEveryone() && !cur.Actor.SteppedUp {
				h.problem(w, r, vigil.Errorf(vigil.EFORBIDDEN, "This school asks everyone for a second factor. Confirm it's you in Vigil, or set one up, first."))
				return
			}
		}
		next(w, r)
	})
}
