// Package web serves Vigil's HTML pages: server-rendered templates and
// embedded assets, no inline script, readable on a phone. Handlers decode
// the request, call app, and render; who may do what is app's decision.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the pages.
type Handler struct {
	app    *app.App
	log    *slog.Logger
	pages  map[string]*template.Template
	secure bool // cookies marked Secure: the service is reached over HTTPS

	webauthn *app.WebAuthn // security keys; nil where they cannot be used
}

// Options configure the pages.
type Options struct {
	// Secure marks cookies Secure and names them with the __Host- prefix. Set
	// it when the base URL is https://.
	Secure bool
	// BaseURL is the address people reach Vigil at. Security keys are bound
	// to its host name; see app.NewWebAuthn.
	BaseURL string
	// WebAuthn is the relying party for security keys at BaseURL, as
	// cmd/vigil builds it. When nil, New makes one from BaseURL (as tests
	// do); when that cannot be done either, security keys are off.
	WebAuthn *app.WebAuthn
}

// New parses every template, so a broken one stops start-up rather than a
// request.
func New(a *app.App, log *slog.Logger, o Options) (*Handler, error) {
	h := &Handler{app: a, log: log, pages: map[string]*template.Template{}, secure: o.Secure, webauthn: o.WebAuthn}
	if h.webauthn == nil && o.BaseURL != "" {
		wa, err := app.NewWebAuthn(a, o.BaseURL)
		if err != nil {
			log.Debug("security keys are off", slog.String("reason", vigil.ErrorMessage(err)))
		}
		h.webauthn = wa
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", base, err)
		}
		h.pages[base] = t
	}
	return h, nil
}

var funcs = template.FuncMap{
	"yearTitle": vigil.YearGroupTitle,
	"date": func(d vigil.Date) string {
		return d.Format("2 Jan 2006")
	},
	"age": func(d vigil.Date) int {
		return d.AgeOn(vigil.DateOf(time.Now()))
	},
	"add":    func(a, b int) int { return a + b },
	"errMsg": vigil.ErrorMessage,
	// pngData lets a PNG data URI we made ourselves (the TOTP QR code)
	// through html/template's URL filter, and nothing else.
	"pngData": func(s string) template.URL {
		if strings.HasPrefix(s, "data:image/png;base64,") && !strings.ContainsAny(s, "\"'<> ") {
			return template.URL(s)
		}
		return ""
	},
}

// page is what every template receives.
type page struct {
	Title string
	Cur   *app.Current
	Nav   string // which navigation item is current
	Data  any
	Err   error
	// Fields maps an input's name to its problem, shown next to it.
	Fields map[string]string
	// Counts are the navigation's badges, filled by render.
	Counts *navCounts
	// Print shows the page for printing: no navigation, black on white.
	Print bool
}

// render writes a page into a buffer first, so a template failure never
// sends half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := h.pages[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "no such template", slog.String("template", name))
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if p.Cur == nil {
		p.Cur = current(r.Context())
	}
	if p.Counts == nil {
		p.Counts = h.navCounts(r, p.Cur)
	}
	if p.Err != nil && p.Fields == nil {
		p.Fields = vigil.ErrorFields(p.Err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		h.log.ErrorContext(r.Context(), "render", slog.String("template", name), slog.Any("err", err))
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail shows the error page that fits err: 404 for a missing or foreign
// record, 403 for a forbidden one, the sign-in page when not signed in, and
// a plain 500 (detail only logged) for anything else.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, title := http.StatusInternalServerError, "Something went wrong"
	switch vigil.ErrorCode(err) {
	case vigil.EUNAUTHORIZED:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case vigil.ENOTFOUND:
		status, title = http.StatusNotFound, "Page not found"
	case vigil.EFORBIDDEN:
		status, title = http.StatusForbidden, "Not available to you"
	case vigil.EINVALID:
		status, title = http.StatusUnprocessableEntity, "Please check what you entered"
	case vigil.ECONFLICT:
		status, title = http.StatusConflict, "This cannot be done now"
	case vigil.ETHROTTLED:
		status, title = http.StatusTooManyRequests, "Too many attempts"
	case vigil.EUNAVAILABLE:
		status, title = http.StatusServiceUnavailable, "Vigil is busy"
	default:
		h.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	h.render(w, r, status, "error", page{Title: title, Err: err, Data: requestID(r.Context())})
}

type ctxKey int

const (
	currentKey ctxKey = iota
	requestIDKey
)

func current(ctx context.Context) *app.Current {
	c, _ := ctx.Value(currentKey).(*app.Current)
	return c
}

// WithRequestID returns ctx carrying the request's id, shown on error pages.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
