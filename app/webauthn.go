package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/store"
)

// Security keys and passkeys (WebAuthn) as a second factor, beside the
// authenticator app: a person registers several, names and removes them,
// and uses any one to step up. The state of a ceremony between its begin
// and finish requests is kept with the session in the database, so any
// serve process can finish what another began; it lasts five minutes and
// is used once.

const (
	// CeremonyTimeout is how long a begun registration or step-up may take.
	CeremonyTimeout = 5 * time.Minute
	// MaxSecurityKeys is how many keys one person may register.
	MaxSecurityKeys = 10
	// MaxKeyName is the longest name a key may have, in characters.
	MaxKeyName = 60
	// MaxWebAuthnResponse is the largest answer from a browser that is read,
	// in bytes; real ones are a few kilobytes.
	MaxWebAuthnResponse = 64 << 10
)

// WebAuthn is Vigil as a WebAuthn relying party, for one base URL.
type WebAuthn struct {
	app    *App
	rp     *webauthn.WebAuthn
	origin string
}

// NewWebAuthn returns the relying party for a Vigil reached at baseURL: the
// RP ID is its host name ("localhost" in tests) and its origin the only one
// accepted. Browsers offer security keys only to https:// sites and to
// http://localhost, and never bind them to an IP address, so any other base
// URL is EINVALID, with a message for the operator.
func NewWebAuthn(a *App, baseURL string) (*WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, vigil.Errorf(vigil.EINVALID, "security keys need a base URL such as https://vigil.example.org")
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "security keys cannot be used at an IP address (%s); set the base URL to a host name, or http://localhost:PORT for trying Vigil out", host)
	}
	if u.Scheme == "http" && host != "localhost" {
		return nil, vigil.Errorf(vigil.EINVALID, "security keys need an https:// base URL (browsers allow plain http only for localhost)")
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	timeout := webauthn.TimeoutConfig{Enforce: true, Timeout: CeremonyTimeout, TimeoutUVD: CeremonyTimeout}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          host,
		RPDisplayName: "Vigil",
		RPOrigins:     []string{origin},
		// Passkeys where the device can keep one; a PIN or fingerprint where
		// it can ask for one. Plain security keys without either still work.
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts:              webauthn.TimeoutsConfig{Login: timeout, Registration: timeout},
	})
	if err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "security keys cannot be set up for %s: %v", origin, err)
	}
	return &WebAuthn{app: a, rp: rp, origin: origin}, nil
}

// Origin returns the one origin a ceremony is accepted from.
func (w *WebAuthn) Origin() string { return w.origin }

// keyUser is a person as the library sees them: the user handle is the
// person's id, so a key is bound to the person, never to an email address.
type keyUser struct {
	p     *vigil.Person
	keys  []*store.SecurityKey
	creds []webauthn.Credential
}

func (u *keyUser) WebAuthnID() []byte                         { return []byte(u.p.ID) }
func (u *keyUser) WebAuthnName() string                       { return u.p.Email }
func (u *keyUser) WebAuthnDisplayName() string                { return u.p.Name }
func (u *keyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// key returns the stored key whose credential id is id, or nil.
func (u *keyUser) key(id []byte) *store.SecurityKey {
	for _, k := range u.keys {
		if bytes.Equal(k.CredentialID, id) {
			return k
		}
	}
	return nil
}

// loadUser reads the person's keys. A key whose record cannot be read is
// logged and left out: it cannot be used, but it can still be removed.
func (w *WebAuthn) loadUser(ctx context.Context, p *vigil.Person) (*keyUser, error) {
	keys, err := w.app.Store.FindSecurityKeys(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	u := &keyUser{p: p}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(k.Credential), &c); err != nil {
			w.app.Log.ErrorContext(ctx, "read security key", slog.String("key", k.ID), slog.Any("err", err))
			continue
		}
		u.keys, u.creds = append(u.keys, k), append(u.creds, c)
	}
	return u, nil
}

// ceremony is what is kept with the session between begin and finish.
type ceremony struct {
	Purpose string               `json:"purpose"`        // purposeRegister or purposeStepUp
	Name    string               `json:"name,omitempty"` // the new key's name
	Session webauthn.SessionData `json:"session"`
}

const (
	purposeRegister = "register"
	purposeStepUp   = "step_up"
)

func (w *WebAuthn) saveCeremony(ctx context.Context, token string, c ceremony) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode webauthn ceremony: %w", err)
	}
	return w.app.Store.SetWebAuthnState(ctx, auth.HashToken(token), string(b), w.app.Now().Add(CeremonyTimeout))
}

// takeCeremony returns the ceremony begun in this session for purpose and
// forgets it. None, an expired one, or one for the other purpose is
// EINVALID: the person starts again.
func (w *WebAuthn) takeCeremony(ctx context.Context, token, purpose string) (*ceremony, error) {
	raw, err := w.app.Store.TakeWebAuthnState(ctx, auth.HashToken(token))
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, errCeremonyGone()
	} else if err != nil {
		return nil, err
	}
	var c ceremony
	if err := json.Unmarshal([]byte(raw), &c); err != nil || c.Purpose != purpose {
		return nil, errCeremonyGone()
	}
	return &c, nil
}

func errCeremonyGone() error {
	return vigil.Errorf(vigil.EINVALID, "This security key request has expired or was already used. Please try again.")
}

// mayChangeKeys refuses changes to a person's second factors unless they
// gave one in this session, or have none yet and are enrolling their first.
func mayChangeKeys(cur *Current) error {
	if cur.Actor.SteppedUp || !cur.Person.HasSecondFactor() {
		return nil
	}
	return vigil.Errorf(vigil.EFORBIDDEN, "Confirm it's you with your second factor first.")
}

// needsSecondFactor reports whether the person needs a second factor: for
// their access in the current school or that school's setting, or for their
// role in any other school.
func needsSecondFactor(cur *Current) bool {
	if authz.Elevated(cur.Actor) || (cur.School != nil && cur.School.Settings.TwoFactorForEveryone()) {
		return true
	}
	for _, m := range cur.Memberships {
		if authz.RoleNeedsSecondFactor(m.Role) {
			return true
		}
	}
	return false
}

// CheckKeyName trims a key's name and checks it: at most MaxKeyName
// characters and no control characters. An empty name is EINVALID on the
// "name" field unless allowEmpty, when it becomes "Security key".
func CheckKeyName(name string, allowEmpty bool) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" && allowEmpty:
		return "Security key", nil
	case name == "":
		return "", vigil.FieldError("name", "Give the key a name, such as \"Blue key\" or \"Work laptop\".")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxKeyName:
		return "", vigil.FieldError("name", fmt.Sprintf("A key's name is at most %d characters.", MaxKeyName))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", vigil.FieldError("name", "A key's name cannot contain tabs or line breaks.")
	}
	return name, nil
}

// BeginRegistration starts adding a security key or passkey named name
// ("" for a default name). It returns the options for the browser's
// navigator.credentials.create. Keys the person has already are excluded,
// so one key is not registered twice. The person must have stepped up in
// this session, or have no second factor yet (EFORBIDDEN otherwise); a
// person with MaxSecurityKeys keys gets ECONFLICT.
func (w *WebAuthn) BeginRegistration(ctx context.Context, cur *Current, token, name string) (*protocol.CredentialCreation, error) {
	if err := mayChangeKeys(cur); err != nil {
		return nil, err
	}
	name, err := CheckKeyName(name, true)
	if err != nil {
		return nil, err
	}
	u, err := w.loadUser(ctx, cur.Person)
	if err != nil {
		return nil, err
	}
	if cur.Person.SecurityKeys >= MaxSecurityKeys || len(u.keys) >= MaxSecurityKeys {
		return nil, vigil.Errorf(vigil.ECONFLICT, "You have %d security keys, the most Vigil keeps. Remove one you no longer use first.", MaxSecurityKeys)
	}
	creation, session, err := w.rp.BeginRegistration(u, webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return nil, fmt.Errorf("begin webauthn registration for %s: %w", cur.Person.ID, err)
	}
	if err := w.saveCeremony(ctx, token, ceremony{Purpose: purposeRegister, Name: name, Session: *session}); err != nil {
		return nil, err
	}
	return creation, nil
}

// FinishRegistration checks the browser's answer to BeginRegistration (the
// JSON of a PublicKeyCredential) against the ceremony begun in this session
// and saves the key. When the person had no second factor before,
// registering counts as stepping up, as enrolling an authenticator app
// does: the session gets a new secret, returned for the cookie; otherwise
// newToken is "". A bad, expired or replayed answer is EINVALID; a key
// registered already is ECONFLICT.
func (w *WebAuthn) FinishRegistration(ctx context.Context, cur *Current, token string, response []byte) (key *store.SecurityKey, newToken string, err error) {
	if err := mayChangeKeys(cur); err != nil {
		return nil, "", err
	}
	c, err := w.takeCeremony(ctx, token, purposeRegister)
	if err != nil {
		return nil, "", err
	}
	parsed, err := ParseRegistrationResponse(response)
	if err != nil {
		return nil, "", err
	}
	u, err := w.loadUser(ctx, cur.Person)
	if err != nil {
		return nil, "", err
	}
	cred, err := w.rp.CreateCredential(u, c.Session, parsed)
	if err != nil {
		w.logRefused(ctx, "registration", cur.Person.ID, err)
		return nil, "", vigil.Errorf(vigil.EINVALID, "The security key could not be added. Please try again.")
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return nil, "", fmt.Errorf("encode security key: %w", err)
	}
	key = &store.SecurityKey{PersonID: cur.Person.ID, CredentialID: cred.ID, Name: c.Name, Credential: string(record)}
	if err := w.app.Store.AddSecurityKey(ctx, key); err != nil {
		return nil, "", err
	}
	first := !cur.Person.HasSecondFactor()
	if first {
		var newHash string
		newToken, newHash = auth.NewToken()
		if err := w.app.Store.StepUpSession(ctx, auth.HashToken(token), newHash); err != nil {
			return nil, "", err
		}
	}
	detail := map[string]string{"key": key.ID, "first_factor": fmt.Sprint(first)}
	if err := w.app.audit(ctx, vigil.AuditEvent{Action: vigil.AuditWebAuthnRegistered, Detail: detail}); err != nil {
		return nil, "", err
	}
	w.app.Log.InfoContext(ctx, "security key registered", slog.String("person", string(cur.Person.ID)), slog.String("key", key.ID))
	return key, newToken, nil
}

// BeginStepUp starts a step-up with one of the person's keys and returns
// the options for the browser's navigator.credentials.get. A person with no
// usable key is ECONFLICT; one locked out by failed attempts ETHROTTLED.
func (w *WebAuthn) BeginStepUp(ctx context.Context, cur *Current, token string) (*protocol.CredentialAssertion, error) {
	if err := w.app.checkThrottle(ctx, codeKey(cur.Person.ID)); err != nil {
		return nil, err
	}
	u, err := w.loadUser(ctx, cur.Person)
	if err != nil {
		return nil, err
	}
	if len(u.creds) == 0 {
		return nil, vigil.Errorf(vigil.ECONFLICT, "You have no security key registered. Use your authenticator app instead.")
	}
	assertion, session, err := w.rp.BeginLogin(u)
	if err != nil {
		return nil, fmt.Errorf("begin webauthn step-up for %s: %w", cur.Person.ID, err)
	}
	if err := w.saveCeremony(ctx, token, ceremony{Purpose: purposeStepUp, Session: *session}); err != nil {
		return nil, err
	}
	return assertion, nil
}

// FinishStepUp checks the browser's answer to BeginStepUp and, if the key
// signed this session's challenge, marks the session stepped up under a new
// secret, which it returns for the cookie: the same outcome as a right
// authenticator-app code. Every refusal (no ceremony, a bad signature, a
// key that is not the person's, a sign count that went backwards) counts
// against the same per-person throttle as wrong codes and is EINVALID,
// or ETHROTTLED once locked.
func (w *WebAuthn) FinishStepUp(ctx context.Context, cur *Current, token string, response []byte) (string, error) {
	person := cur.Person.ID
	key := codeKey(person)
	if err := w.app.checkThrottle(ctx, key); err != nil {
		return "", err
	}
	c, err := w.takeCeremony(ctx, token, purposeStepUp)
	if vigil.ErrorCode(err) == vigil.EINVALID {
		return "", w.keyRefused(ctx, key, "no_ceremony", err)
	} else if err != nil {
		return "", err
	}
	parsed, err := ParseStepUpResponse(response)
	if err != nil {
		return "", w.keyRefused(ctx, key, "malformed", err)
	}
	u, err := w.loadUser(ctx, cur.Person)
	if err != nil {
		return "", err
	}
	cred, err := w.rp.ValidateLogin(u, c.Session, parsed)
	if err != nil {
		w.logRefused(ctx, "step-up", person, err)
		return "", w.keyRefused(ctx, key, "not_verified", nil)
	}
	k := u.key(cred.ID)
	if k == nil { // the library found it among u.creds, so this cannot happen
		return "", w.keyRefused(ctx, key, "unknown_key", nil)
	}
	if cred.Authenticator.CloneWarning {
		// The key's counter did not move forward: another copy of the key
		// may be in use. Refuse, and keep the stored count as it was.
		w.app.Log.WarnContext(ctx, "security key sign count went backwards", slog.String("person", string(person)), slog.String("key", k.ID))
		return "", w.keyRefused(ctx, key, "clone_warning", vigil.Errorf(vigil.EINVALID,
			"This security key may have been copied, so it was not accepted. Use another key or your authenticator app, and tell your Vigil administrator."))
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return "", fmt.Errorf("encode security key %s: %w", k.ID, err)
	}
	if err := w.app.Store.UseSecurityKey(ctx, person, cred.ID, string(record)); err != nil {
		return "", err
	}
	if err := w.app.Store.ClearThrottle(ctx, key); err != nil {
		return "", err
	}
	newToken, newHash := auth.NewToken()
	if err := w.app.Store.StepUpSession(ctx, auth.HashToken(token), newHash); err != nil {
		return "", err
	}
	if err := w.app.audit(ctx, vigil.AuditEvent{Action: vigil.AuditStepUp, Detail: map[string]string{"method": "webauthn", "key": k.ID}}); err != nil {
		return "", err
	}
	return newToken, nil
}

// keyRefused counts a failed step-up against the person, records it, and
// returns msg, or a plain refusal when msg is nil.
func (w *WebAuthn) keyRefused(ctx context.Context, key, reason string, msg error) error {
	if err := w.app.recordFailure(ctx, key, codeRule); err != nil {
		return err
	}
	if err := w.app.audit(ctx, vigil.AuditEvent{Action: vigil.AuditStepUpFailed, Detail: map[string]string{"method": "webauthn", "reason": reason}}); err != nil {
		return err
	}
	if msg != nil {
		return msg
	}
	return vigil.Errorf(vigil.EINVALID, "That security key was not accepted. Try again, or use another key or your authenticator app.")
}

// logRefused logs why the library refused an answer: its short reason
// only, never the answer itself.
func (w *WebAuthn) logRefused(ctx context.Context, ceremony string, person vigil.PersonID, err error) {
	reason := "unknown"
	if pe, ok := errors.AsType[*protocol.Error](err); ok {
		reason = pe.Type + ": " + pe.Details
	}
	w.app.Log.InfoContext(ctx, "security key refused", slog.String("ceremony", ceremony), slog.String("person", string(person)), slog.String("reason", reason))
}

// ParseRegistrationResponse reads a browser's answer to a registration (the
// JSON of a PublicKeyCredential with an attestation). Anything malformed or
// larger than MaxWebAuthnResponse is EINVALID; outside input never panics.
func ParseRegistrationResponse(b []byte) (p *protocol.ParsedCredentialCreationData, err error) {
	defer recoverParse(&err)
	if len(b) == 0 || len(b) > MaxWebAuthnResponse {
		return nil, errUnreadable()
	}
	if p, err = protocol.ParseCredentialCreationResponseBytes(b); err != nil {
		return nil, errUnreadable()
	}
	return p, nil
}

// ParseStepUpResponse reads a browser's answer to a step-up (the JSON of a
// PublicKeyCredential with an assertion). Anything malformed or larger than
// MaxWebAuthnResponse is EINVALID; outside input never panics.
func ParseStepUpResponse(b []byte) (p *protocol.ParsedCredentialAssertionData, err error) {
	defer recoverParse(&err)
	if len(b) == 0 || len(b) > MaxWebAuthnResponse {
		return nil, errUnreadable()
	}
	if p, err = protocol.ParseCredentialRequestResponseBytes(b); err != nil {
		return nil, errUnreadable()
	}
	return p, nil
}

// recoverParse turns a panic in the library's decoders into EINVALID: the
// input came from outside and must not take the process down.
func recoverParse(err *error) {
	if recover() != nil {
		*err = errUnreadable()
	}
}

func errUnreadable() error {
	return vigil.Errorf(vigil.EINVALID, "The security key's answer could not be read. Please try again.")
}

// ListKeys returns the person's security keys, oldest first.
func (a *App) ListKeys(ctx context.Context, cur *Current) ([]*store.SecurityKey, error) {
	return a.Store.FindSecurityKeys(ctx, cur.Person.ID)
}

// RenameKey renames one of the person's keys. Another person's key is
// ENOTFOUND, exactly like a missing one; a bad name EINVALID; a person who
// has not stepped up in this session EFORBIDDEN.
func (a *App) RenameKey(ctx context.Context, cur *Current, id, name string) error {
	if err := mayChangeKeys(cur); err != nil {
		return err
	}
	name, err := CheckKeyName(name, false)
	if err != nil {
		return err
	}
	if err := a.Store.RenameSecurityKey(ctx, cur.Person.ID, id, name); err != nil {
		return err
	}
	// The event holds the key's id; its name is the person's own words.
	return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditWebAuthnRenamed, Detail: map[string]string{"key": id}})
}

// RemoveKey removes one of the person's keys. Another person's key is
// ENOTFOUND; a person who has not stepped up in this session EFORBIDDEN.
// Someone whose role needs a second factor may not remove their last one
// (no other key and no authenticator app): ECONFLICT.
func (a *App) RemoveKey(ctx context.Context, cur *Current, id string) error {
	if err := mayChangeKeys(cur); err != nil {
		return err
	}
	err := a.Store.DeleteSecurityKey(ctx, cur.Person.ID, id, needsSecondFactor(cur))
	if vigil.ErrorCode(err) == vigil.ECONFLICT {
		return vigil.Errorf(vigil.ECONFLICT, "This is your only second factor, and your role needs one. Add another security key or set up an authenticator app before removing it.")
	} else if err != nil {
		return err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditWebAuthnRemoved, Detail: map[string]string{"key": id}}); err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "security key removed", slog.String("person", string(cur.Person.ID)), slog.String("key", id))
	return nil
}
