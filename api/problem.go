package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
)

// ProblemTypeBase starts the type URI of every problem Vigil answers with;
// the rest is the problem's code (vigil.EINVALID and the others, or
// "bad_request", "method_not_allowed", "unsupported_media_type"). docs/api.md
// lists them.
const ProblemTypeBase = "urn:vigil:problem:"

// Problem is an RFC 9457 problem detail, the body of every error answer.
// Detail is safe to show to a person; it never holds record content.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is what is wrong with one field of the request.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// requestError is a request the API could not read at all: bad JSON, an
// unknown field, a body too large, a query parameter out of range. It is a
// 400 (or the status given), unlike vigil.EINVALID, which is a readable
// request whose values app refused (422).
type requestError struct {
	status int    // 0 means 400
	detail string // safe to show
	fields map[string]string
}

func (e *requestError) Error() string { return e.detail }

// badRequest returns a 400 about one named field ("" for the body as a
// whole).
func badRequest(field, detail string) error {
	e := &requestError{detail: detail}
	if field != "" {
		e.fields = map[string]string{field: detail}
	}
	return e
}

// codeStatus maps each vigil error code to its HTTP status and title, in
// one place.
var codeStatus = map[string]struct {
	status int
	title  string
}{
	vigil.EINVALID:      {http.StatusUnprocessableEntity, "The request has invalid values"},
	vigil.EUNAUTHORIZED: {http.StatusUnauthorized, "Not authenticated"},
	vigil.EFORBIDDEN:    {http.StatusForbidden, "Not allowed"},
	vigil.ENOTFOUND:     {http.StatusNotFound, "Not found"},
	vigil.ECONFLICT:     {http.StatusConflict, "Conflict"},
	vigil.ETHROTTLED:    {http.StatusTooManyRequests, "Too many attempts"},
	vigil.EUNAVAILABLE:  {http.StatusServiceUnavailable, "Temporarily unavailable"},
	vigil.EINTERNAL:     {http.StatusInternalServerError, "Internal error"},
}

// problemFor turns any error into the problem to send. An error that is not
// a vigil.Error or a requestError is a 500 with a plain detail: what went
// wrong is only logged.
func problemFor(err error) Problem {
	if re, ok := errors.AsType[*requestError](err); ok {
		status, code, title := re.status, "bad_request", "The request could not be read"
		switch status {
		case 0:
			status = http.StatusBadRequest
		case http.StatusMethodNotAllowed:
			code, title = "method_not_allowed", "Method not allowed"
		case http.StatusUnsupportedMediaType:
			code, title = "unsupported_media_type", "Unsupported media type"
		}
		return Problem{Type: ProblemTypeBase + code, Title: title, Status: status, Detail: re.detail, Errors: fieldProblems(re.fields)}
	}
	code := vigil.ErrorCode(err)
	cs, ok := codeStatus[code]
	if !ok {
		code, cs = vigil.EINTERNAL, codeStatus[vigil.EINTERNAL]
	}
	p := Problem{Type: ProblemTypeBase + code, Title: cs.title, Status: cs.status, Detail: vigil.ErrorMessage(err)}
	if code == vigil.EINVALID {
		p.Errors = fieldProblems(vigil.ErrorFields(err))
	}
	return p
}

// fieldProblems lists per-field problems in a stable order.
func fieldProblems(m map[string]string) []FieldProblem {
	if len(m) == 0 {
		return nil
	}
	out := make([]FieldProblem, 0, len(m))
	for f, msg := range m {
		out = append(out, FieldProblem{Field: f, Message: msg})
	}
	slices.SortFunc(out, func(a, b FieldProblem) int {
		if a.Field < b.Field {
			return -1
		} else if a.Field > b.Field {
			return 1
		}
		return 0
	})
	return out
}

// problem sends err as application/problem+json. Only internal errors are
// logged, with their detail; the answer says nothing of it.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		h.log.ErrorContext(r.Context(), "api request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(60))
	}
	h.send(w, r, p.Status, "application/problem+json", p)
}

// writeJSON sends v as JSON with the status.
func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	h.send(w, r, status, "application/json", v)
}

// send encodes v into a buffer first, so a failure never sends half an
// answer.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, status int, contentType string, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		h.log.ErrorContext(r.Context(), "encode json", slog.String("path", r.URL.Path), slog.Any("err", err))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"type":"` + ProblemTypeBase + `internal","title":"Internal error","status":500}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errCrossOrigin is the answer to a state-changing request sent with the
// browser's session from another site.
func errCrossOrigin() error {
	return vigil.Errorf(vigil.EFORBIDDEN, "This request was sent from another site and has been refused.")
}

// CrossOriginRefused answers a request under /api/ that the server's
// cross-origin protection refused, as a problem like every other API error.
func CrossOriginRefused(w http.ResponseWriter, r *http.Request) {
	(&Handler{log: slog.New(slog.DiscardHandler)}).problem(w, r, errCrossOrigin())
}
