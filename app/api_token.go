package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
)

// apiTokenTouchEvery is how often a token's "last used" time is written:
// often enough to tell a live integration from a dead one, rarely enough
// that a busy one does not queue behind SQLite's single writer.
const apiTokenTouchEvery = time.Minute

// errTokenRefused is the one answer to every token that does not work, so
// the answer never tells a revoked token from a mistyped one.
func errTokenRefused() error {
	return vigil.Errorf(vigil.EUNAUTHORIZED, "The API token is missing, not recognised or no longer valid.")
}

// apiTokenAddress is the throttling key for bearer-token failures from an
// address. It is kept apart from the sign-in key, so a misconfigured
// integration cannot lock a whole school's staff out of signing in.
func apiTokenAddress(ip string) string { return "api-" + addressKey(ip) }

// NewAPIToken is a token just made: the secret, shown once, and its record.
type NewAPIToken struct {
	Token  string // the secret; never logged or stored
	Record *store.APIToken
}

// CreateAPIToken makes a bearer token that acts as person in the school in
// the context. Only the operator's command line may make one for now. The
// person must be active and an active member of the school (their own
// membership or through the trust). The creation is audited in the same
// transaction. It returns EFORBIDDEN for any other actor, ENOTFOUND for a
// person who is not an active member, and EINVALID for a bad name.
func (a *App) CreateAPIToken(ctx context.Context, person vigil.PersonID, name string) (*NewAPIToken, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || !act.System || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "API tokens are made with vigil token create.")
	}
	if _, err := a.activeMember(ctx, person, act.SchoolID); err != nil {
		return nil, err
	}
	token, hash := auth.NewAPIToken()
	t := &store.APIToken{PersonID: person, Name: name, TokenHash: hash}
	err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditAPITokenCreated, ObjectType: "api_token", ObjectID: t.ID,
			Detail: map[string]string{"person": string(person)}})
	})
	if err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "api token created", slog.String("school", string(t.SchoolID)), slog.String("token", t.ID), slog.String("person", string(person)))
	return &NewAPIToken{Token: token, Record: t}, nil
}

// activeMember returns the person if they are active, not locked for
// dormancy, and an active member of school; otherwise ENOTFOUND.
func (a *App) activeMember(ctx context.Context, person vigil.PersonID, school vigil.SchoolID) (*vigil.Membership, error) {
	notMember := vigil.Errorf(vigil.ENOTFOUND, "That person is not an active member of this school.")
	p, err := a.Store.FindPersonByID(ctx, person)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, notMember
	} else if err != nil {
		return nil, err
	}
	if p.Status != vigil.PersonActive {
		return nil, notMember
	}
	ms, err := a.Store.FindMemberships(ctx, person)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.SchoolID == school {
			return m, nil
		}
	}
	return nil, notMember
}

// APITokens lists the tokens of the school in the context, revoked ones too,
// newest first. Only the operator's command line may list them for now.
func (a *App) APITokens(ctx context.Context) ([]*store.APIToken, error) {
	if act := vigil.ActorFrom(ctx); act == nil || !act.System {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "API tokens are listed with vigil token list.")
	}
	return a.Store.FindAPITokens(ctx)
}

// RevokeAPIToken revokes a token of the school in the context; it stops
// working with the next request. The revocation is audited in the same
// transaction. Only the operator's command line may revoke for now. It
// returns ENOTFOUND for a missing token or another school's, and ECONFLICT
// for one already revoked.
func (a *App) RevokeAPIToken(ctx context.Context, id string) (*store.APIToken, error) {
	if act := vigil.ActorFrom(ctx); act == nil || !act.System {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "API tokens are revoked with vigil token revoke.")
	}
	var t *store.APIToken
	err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
		var err error
		if t, err = a.Store.RevokeAPIToken(ctx, id); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditAPITokenRevoked, ObjectType: "api_token", ObjectID: t.ID,
			Detail: map[string]string{"person": string(t.PersonID)}})
	})
	if err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "api token revoked", slog.String("school", string(t.SchoolID)), slog.String("token", t.ID))
	return t, nil
}

// AuthenticateToken returns who a request bearing an API token is from, in
// the same shape as Authenticate gives for a session, loaded fresh from the
// database on every request: the person, their school and their
// permissions there. Session is nil; Actor.SessionID holds the token's id,
// so the audit trail names the token behind each read. SteppedUp is true
// only when the person has a second factor enrolled: a token stands in for
// a step-up only for someone who could give one. PasswordExpired stays
// false: a token is not a password, and an integration should not stop
// because its owner's password aged.
//
// A token that is malformed, unknown or revoked, or whose person is
// disabled, locked after 60 days without signing in, or no longer an active
// member of the token's school, gets the one EUNAUTHORIZED answer. Each
// failure counts against the address (throttled like sign-in, then
// ETHROTTLED) and is audited: in the token's school when the token is
// known, in the service's trail otherwise. Refusals while throttled are not
// audited, so a flood of guesses cannot flood the trail.
func (a *App) AuthenticateToken(ctx context.Context, token string, m Meta) (*Current, error) {
	key := apiTokenAddress(m.IP)
	if err := a.checkThrottle(ctx, key); err != nil {
		a.Log.InfoContext(ctx, "api token throttled", slog.String("ip", m.IP))
		return nil, err
	}
	if !auth.ValidAPIToken(token) {
		return nil, a.tokenRefused(ctx, key, nil, "malformed", m)
	}
	t, err := a.Store.FindAPIToken(ctx, auth.HashToken(token))
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, a.tokenRefused(ctx, key, nil, "unknown", m)
	} else if err != nil {
		return nil, err
	}
	if t.Revoked() {
		return nil, a.tokenRefused(ctx, key, t, "revoked", m)
	}
	person, err := a.Store.FindPersonByID(ctx, t.PersonID)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, a.tokenRefused(ctx, key, t, "person_missing", m)
	} else if err != nil {
		return nil, err
	}
	if person.Status != vigil.PersonActive {
		return nil, a.tokenRefused(ctx, key, t, "person_disabled", m)
	}
	if a.dormant(person) {
		return nil, a.tokenRefused(ctx, key, t, "dormant", m)
	}
	ms, err := a.Store.FindMemberships(ctx, person.ID)
	if err != nil {
		return nil, err
	}
	cur := &Current{Person: person, Memberships: ms}
	for _, mem := range ms {
		if mem.SchoolID == t.SchoolID {
			cur.Membership = mem
		}
	}
	if cur.Membership == nil {
		return nil, a.tokenRefused(ctx, key, t, "not_member", m)
	}
	if cur.School, err = a.Store.FindSchoolByID(ctx, t.SchoolID); err != nil {
		return nil, err
	}
	cur.Actor = &vigil.Actor{
		PersonID: person.ID, SchoolID: t.SchoolID, Role: cur.Membership.Role, Designated: cur.Membership.Designated,
		SessionID: t.ID, SteppedUp: person.HasSecondFactor(), IP: m.IP, UserAgent: m.UserAgent,
	}
	actx := vigil.NewContext(ctx, cur.Actor)
	if cur.Actor.Permissions, err = a.Store.FindPermissions(actx, person.ID); err != nil {
		return nil, err
	}
	if a.Now().Sub(t.LastUsedAt) >= apiTokenTouchEvery {
		if err := a.Store.TouchAPIToken(actx, t.ID, apiTokenTouchEvery); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// tokenRefused counts a failure against the address, records it, and
// returns the one answer for every refused token. The token's secret is
// never recorded: only its id, when it is known.
func (a *App) tokenRefused(ctx context.Context, key string, t *store.APIToken, reason string, m Meta) error {
	if err := a.recordFailure(ctx, key, addressRule); err != nil {
		return err
	}
	ev := &vigil.AuditEvent{Action: vigil.AuditAPITokenRefused, IP: m.IP, UserAgent: m.UserAgent, Detail: map[string]string{"reason": reason}}
	if t != nil {
		ev.SchoolID, ev.PersonID, ev.SessionID, ev.ObjectType, ev.ObjectID = t.SchoolID, t.PersonID, t.ID, "api_token", t.ID
	}
	if err := a.Store.AppendAudit(ctx, ev); err != nil {
		// As for sign-in failures: refusing is the safe answer either way.
		a.Log.ErrorContext(ctx, "audit", slog.String("action", ev.Action), slog.Any("err", err))
	}
	a.Log.InfoContext(ctx, "api token refused", slog.String("reason", reason), slog.String("ip", m.IP))
	return errTokenRefused()
}
