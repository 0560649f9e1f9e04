package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// Security keys and passkeys: the account security page, and the JSON
// endpoints that static/webauthn.js calls to register a key and to step up
// with one. The endpoints take and give JSON only; cross-site requests are
// refused by the server's CrossOriginProtection, and a JSON content type is
// required as well, which no plain cross-site form can send.

const securityPath = "/account/security"

type securityKeyRow struct {
	ID, Name, Added, LastUsed string
}

type securityData struct {
	Keys    []securityKeyRow
	TOTP    bool   // an authenticator app is set up
	Enabled bool   // security keys can be used at this address
	Next    string // where to go once a key is added
}

// showSecurity handles GET /account/security. Someone with a second factor
// gives it first; someone with none may add a key as their first.
func (h *Handler) showSecurity(w http.ResponseWriter, r *http.Request) {
	cur := current(r.Context())
	if cur.Person.HasSecondFactor() && !cur.Actor.SteppedUp {
		http.Redirect(w, r, "/step-up?next="+url.QueryEscape(securityPath), http.StatusSeeOther)
		return
	}
	next := securityPath
	if q := r.URL.Query().Get("next"); q != "" {
		next = safeNext(q)
	}
	h.renderSecurity(w, r, http.StatusOK, next, nil)
}

func (h *Handler) renderSecurity(w http.ResponseWriter, r *http.Request, status int, next string, pageErr error) {
	cur := current(r.Context())
	keys, err := h.app.ListKeys(r.Context(), cur)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := securityData{TOTP: !cur.Person.TOTPConfirmedAt.IsZero(), Enabled: h.webauthn != nil, Next: next}
	for _, k := range keys {
		row := securityKeyRow{ID: k.ID, Name: k.Name, Added: k.CreatedAt.Local().Format("2 Jan 2006"), LastUsed: "Never"}
		if !k.LastUsedAt.IsZero() {
			row.LastUsed = k.LastUsedAt.Local().Format("2 Jan 2006, 15:04")
		}
		data.Keys = append(data.Keys, row)
	}
	// A problem is shown at the top, not by a field: there is a name box per key.
	h.render(w, r, status, "security", page{Title: "Sign-in security", Nav: "security", Data: data, Err: pageErr})
}

// renameKey handles POST /account/security/keys/{id}/rename.
func (h *Handler) renameKey(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	err := h.app.RenameKey(r.Context(), current(r.Context()), r.PathValue("id"), r.PostFormValue("name"))
	h.afterKeyChange(w, r, err)
}

// removeKey handles POST /account/security/keys/{id}/remove.
func (h *Handler) removeKey(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	err := h.app.RemoveKey(r.Context(), current(r.Context()), r.PathValue("id"))
	h.afterKeyChange(w, r, err)
}

func (h *Handler) afterKeyChange(w http.ResponseWriter, r *http.Request, err error) {
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, securityPath, http.StatusSeeOther)
	case vigil.EINVALID:
		h.renderSecurity(w, r, http.StatusUnprocessableEntity, securityPath, err)
	case vigil.ECONFLICT:
		h.renderSecurity(w, r, http.StatusConflict, securityPath, err)
	case vigil.EFORBIDDEN:
		http.Redirect(w, r, "/step-up?next="+url.QueryEscape(securityPath), http.StatusSeeOther)
	default:
		h.fail(w, r, err) // 404 for another person's key, as for a missing one
	}
}

// webauthnRequest is the body of every security-key endpoint.
type webauthnRequest struct {
	Name       string          `json:"name,omitempty"`       // a new key's name, at registration
	Next       string          `json:"next,omitempty"`       // where the page goes afterwards
	Credential json.RawMessage `json:"credential,omitempty"` // the browser's PublicKeyCredential, at finish
}

// maxWebAuthnBody allows the largest credential app reads, and a little
// for the rest.
const maxWebAuthnBody = app.MaxWebAuthnResponse + 4<<10

var errBadRequest = errors.New("bad request")

// decodeWebAuthnRequest reads one JSON object with only the known members.
// Anything else is errBadRequest; outside input never panics.
func decodeWebAuthnRequest(b []byte) (*webauthnRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var req webauthnRequest
	if err := dec.Decode(&req); err != nil {
		return nil, errBadRequest
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errBadRequest // something after the object
	}
	if len(req.Credential) > 0 && !bytes.HasPrefix(bytes.TrimSpace(req.Credential), []byte("{")) {
		return nil, errBadRequest
	}
	return &req, nil
}

// readWebAuthnRequest reads a request body, answering a wrong content type
// (415), an oversized body (413) or malformed JSON (400) itself.
func (h *Handler) readWebAuthnRequest(w http.ResponseWriter, r *http.Request) (*webauthnRequest, bool) {
	if h.webauthn == nil {
		writeJSON(w, http.StatusNotFound, jsonError{"Security keys cannot be used at this address of Vigil."})
		return nil, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, jsonError{"Send the request as JSON."})
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebAuthnBody))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		writeJSON(w, http.StatusRequestEntityTooLarge, jsonError{"The request is too large."})
		return nil, false
	} else if err != nil {
		writeJSON(w, http.StatusBadRequest, jsonError{"The request could not be read. Please try again."})
		return nil, false
	}
	req, err := decodeWebAuthnRequest(b)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, jsonError{"The request could not be read. Please try again."})
		return nil, false
	}
	return req, true
}

type jsonError struct {
	Error string `json:"error"`
}

type jsonNext struct {
	Next string `json:"next"`
}

// writeJSON encodes v before writing anything, so a failure never sends
// half an answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Something went wrong on our side."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// jsonFail answers err with its status and safe message; the detail of an
// internal error is only logged.
func (h *Handler) jsonFail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch vigil.ErrorCode(err) {
	case vigil.EINVALID:
		status = http.StatusUnprocessableEntity
	case vigil.EUNAUTHORIZED:
		status = http.StatusUnauthorized
		h.setToken(w, r, "")
	case vigil.EFORBIDDEN:
		status = http.StatusForbidden
	case vigil.ENOTFOUND:
		status = http.StatusNotFound
	case vigil.ECONFLICT:
		status = http.StatusConflict
	case vigil.ETHROTTLED:
		status = http.StatusTooManyRequests
	case vigil.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	default:
		h.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	writeJSON(w, status, jsonError{vigil.ErrorMessage(err)})
}

// beginRegistration handles POST /webauthn/register/begin: the options for
// navigator.credentials.create.
func (h *Handler) beginRegistration(w http.ResponseWriter, r *http.Request) {
	req, ok := h.readWebAuthnRequest(w, r)
	if !ok {
		return
	}
	creation, err := h.webauthn.BeginRegistration(r.Context(), current(r.Context()), h.token(r), req.Name)
	if err != nil {
		h.jsonFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, creation)
}

// finishRegistration handles POST /webauthn/register/finish: the new key's
// answer. Adding a first second factor renews the session cookie.
func (h *Handler) finishRegistration(w http.ResponseWriter, r *http.Request) {
	req, ok := h.readWebAuthnRequest(w, r)
	if !ok {
		return
	}
	_, token, err := h.webauthn.FinishRegistration(r.Context(), current(r.Context()), h.token(r), req.Credential)
	if err != nil {
		h.jsonFail(w, r, err)
		return
	}
	if token != "" {
		h.setToken(w, r, token)
	}
	next := securityPath
	if req.Next != "" {
		next = safeNext(req.Next)
	}
	writeJSON(w, http.StatusOK, jsonNext{next})
}

// beginStepUp handles POST /webauthn/step-up/begin: the options for
// navigator.credentials.get.
func (h *Handler) beginStepUp(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.readWebAuthnRequest(w, r); !ok {
		return
	}
	assertion, err := h.webauthn.BeginStepUp(r.Context(), current(r.Context()), h.token(r))
	if err != nil {
		h.jsonFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, assertion)
}

// finishStepUp handles POST /webauthn/step-up/finish: the key's signature.
// Success renews the session cookie, as a right code does.
func (h *Handler) finishStepUp(w http.ResponseWriter, r *http.Request) {
	req, ok := h.readWebAuthnRequest(w, r)
	if !ok {
		return
	}
	token, err := h.webauthn.FinishStepUp(r.Context(), current(r.Context()), h.token(r), req.Credential)
	if err != nil {
		h.jsonFail(w, r, err)
		return
	}
	h.setToken(w, r, token)
	writeJSON(w, http.StatusOK, jsonNext{safeNext(req.Next)})
}
