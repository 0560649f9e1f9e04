package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
)

// errBadCredentials is the one answer to a wrong password, an unknown email
// and a disabled account, so the answer never tells whether an account
// exists.
func errBadCredentials() error {
	return vigil.Errorf(vigil.EUNAUTHORIZED, "That email address and password do not match an account. Check them and try again.")
}

// SignInResult is a new session.
type SignInResult struct {
	Token       string // the cookie's secret; never logged
	Session     *vigil.Session
	Memberships []*vigil.Membership // active schools; the session has one chosen when there is only one
}

// SignIn checks an email and password and starts a new session. oldToken, if
// any, is the session the browser had: it is ended, so the session id is
// renewed at sign-in. Wrong password, unknown email and disabled account all
// give the same EUNAUTHORIZED answer after the same Argon2id work.
func (a *App) SignIn(ctx context.Context, email, password, oldToken string, m Meta) (*SignInResult, error) {
	email = vigil.NormalizeEmail(email)
	p := vigil.Problems{}
	if email == "" {
		p.Add("email", "Enter your email address.")
	} else if len(email) > 254 {
		p.Add("email", "An email address is at most 254 characters.")
	}
	if password == "" {
		p.Add("password", "Enter your password.")
	} else if len(password) > 1024 {
		p.Add("password", "That password is too long.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	acct, addr := accountKey(email), addressKey(m.IP)
	if err := a.checkThrottle(ctx, acct, addr); err != nil {
		a.auditService(ctx, vigil.AuditSignInThrottled, "", m)
		return nil, err
	}
	person, err := a.Store.FindPersonByEmail(ctx, email)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		a.Hasher.VerifyNothing(password)
		return nil, a.signInFailed(ctx, "", acct, addr, m)
	} else if err != nil {
		return nil, err
	}
	ok, rehash := a.Hasher.Verify(password, person.PasswordHash)
	if !ok || person.Status != vigil.PersonActive {
		return nil, a.signInFailed(ctx, person.ID, acct, addr, m)
	}
	if err := a.Store.ClearThrottle(ctx, acct); err != nil {
		return nil, err
	}
	if a.dormant(person) {
		a.auditService(ctx, vigil.AuditDormantRefused, person.ID, m)
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "This account was locked after 60 days without use. Ask your school's Vigil administrator to set you a new password.")
	}
	ms, err := a.Store.FindMemberships(ctx, person.ID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your account is not linked to any school yet. Ask your school's Vigil administrator to add you.")
	}
	if rehash {
		if h, err := a.Hasher.Hash(password); err == nil {
			if err := a.Store.UpdatePasswordHash(ctx, person.ID, h); err != nil {
				a.Log.WarnContext(ctx, "rehash password", slog.String("person", string(person.ID)), slog.Any("err", err))
			}
		}
	}
	if oldToken != "" && auth.ValidToken(oldToken) {
		if err := a.Store.DeleteSession(ctx, auth.HashToken(oldToken)); err != nil {
			return nil, err
		}
	}
	token, hash := auth.NewToken()
	ses := &vigil.Session{
		TokenHash: hash, PersonID: person.ID,
		ExpiresAt: a.Now().UTC().Add(auth.AbsoluteTimeout),
		IP:        m.IP, UserAgent: truncate(m.UserAgent, 300),
	}
	if len(ms) == 1 {
		ses.CurrentSchoolID = ms[0].SchoolID
	}
	if err := a.Store.CreateSession(ctx, ses); err != nil {
		return nil, err
	}
	if err := a.Store.AppendAudit(ctx, &vigil.AuditEvent{Action: vigil.AuditSignIn, PersonID: person.ID, SessionID: ses.ID,
		IP: m.IP, UserAgent: m.UserAgent}); err != nil {
		return nil, err
	}
	a.Log.InfoContext(ctx, "signed in", slog.String("person", string(person.ID)), slog.String("session", ses.ID), slog.String("ip", m.IP))
	return &SignInResult{Token: token, Session: ses, Memberships: ms}, nil
}

// signInFailed counts a failure against the account and the address,
// records it, and returns the one answer for every failure.
func (a *App) signInFailed(ctx context.Context, person vigil.PersonID, acct, addr string, m Meta) error {
	if err := a.recordFailure(ctx, acct, accountRule); err != nil {
		return err
	}
	if err := a.recordFailure(ctx, addr, addressRule); err != nil {
		return err
	}
	a.auditService(ctx, vigil.AuditSignInFailed, person, m)
	a.Log.InfoContext(ctx, "sign-in failed", slog.String("person", string(person)), slog.String("ip", m.IP))
	return errBadCredentials()
}

// auditService records an event in the service's own trail. A failure to
// record is logged: refusing a sign-in because the trail is down would not
// protect anything, and the sign-in itself is recorded in the same way.
func (a *App) auditService(ctx context.Context, action string, person vigil.PersonID, m Meta) {
	err := a.Store.AppendAudit(ctx, &vigil.AuditEvent{Action: action, PersonID: person, IP: m.IP, UserAgent: m.UserAgent})
	if err != nil {
		a.Log.ErrorContext(ctx, "audit", slog.String("action", action), slog.Any("err", err))
	}
}

// Current is who a request is from, loaded fresh from the database on
// every request so a revoked membership takes effect at once.
type Current struct {
	Session     *vigil.Session
	Person      *vigil.Person
	School      *vigil.School       // nil until a school is chosen
	Membership  *vigil.Membership   // in School
	Memberships []*vigil.Membership // every active school of the person
	Actor       *vigil.Actor
	// PasswordExpired is set when the password has outlived its profile's
	// life: the person must change it before anything else.
	PasswordExpired bool
}

// Authenticate loads the session whose cookie secret is token, ends it if it
// has passed its absolute limit or the school's idle timeout, and returns
// who is acting. Any failure is EUNAUTHORIZED.
func (a *App) Authenticate(ctx context.Context, token string, m Meta) (*Current, error) {
	if !auth.ValidToken(token) {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	hash := auth.HashToken(token)
	ses, err := a.Store.FindSession(ctx, hash)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	} else if err != nil {
		return nil, err
	}
	now := a.Now().UTC()
	end := func(why string) (*Current, error) {
		if err := a.Store.DeleteSession(ctx, hash); err != nil {
			return nil, err
		}
		a.Log.InfoContext(ctx, "session ended", slog.String("session", ses.ID), slog.String("reason", why))
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Your session has ended. Please sign in again.")
	}
	if !now.Before(ses.ExpiresAt) {
		return end("absolute timeout")
	}
	person, err := a.Store.FindPersonByID(ctx, ses.PersonID)
	if err != nil || person.Status != vigil.PersonActive {
		return end("person disabled")
	}
	ms, err := a.Store.FindMemberships(ctx, person.ID)
	if err != nil {
		return nil, err
	}
	cur := &Current{Session: ses, Person: person, Memberships: ms}
	if cur.PasswordExpired, err = a.passwordExpired(ctx, person, ms); err != nil {
		return nil, err
	}
	idle := vigil.DefaultSchoolSettings().IdleTimeout()
	if ses.CurrentSchoolID != "" {
		for _, mem := range ms {
			if mem.SchoolID == ses.CurrentSchoolID {
				cur.Membership = mem
			}
		}
		if cur.Membership != nil {
			if cur.School, err = a.Store.FindSchoolByID(ctx, ses.CurrentSchoolID); err != nil {
				return nil, err
			}
			idle = cur.School.Settings.IdleTimeout()
		}
	}
	if now.Sub(ses.LastSeenAt) > idle {
		return end("idle timeout")
	}
	// Record use at most every 15 seconds: the idle clock needs no finer
	// grain, and SQLite has one writer.
	if now.Sub(ses.LastSeenAt) > 15*time.Second {
		if err := a.Store.TouchSession(ctx, hash); err != nil {
			return nil, err
		}
	}
	cur.Actor = &vigil.Actor{PersonID: person.ID, SessionID: ses.ID, IP: m.IP, UserAgent: m.UserAgent, SteppedUp: !ses.SteppedUpAt.IsZero()}
	if cur.Membership != nil {
		cur.Actor.SchoolID, cur.Actor.Role, cur.Actor.Designated = cur.School.ID, cur.Membership.Role, cur.Membership.Designated
		perms, err := a.Store.FindPermissions(vigil.NewContext(ctx, cur.Actor), person.ID)
		if err != nil {
			return nil, err
		}
		cur.Actor.Permissions = perms
	}
	return cur, nil
}

// ChooseSchool switches the session to one of its person's schools. A school
// they are not an active member of is ENOTFOUND.
func (a *App) ChooseSchool(ctx context.Context, cur *Current, token string, school vigil.SchoolID) error {
	for _, mem := range cur.Memberships {
		if mem.SchoolID == school {
			if err := a.Store.SetSessionSchool(ctx, auth.HashToken(token), school); err != nil {
				return fmt.Errorf("choose school: %w", err)
			}
			if err := a.Store.AppendAudit(ctx, &vigil.AuditEvent{SchoolID: school, Action: vigil.AuditSchoolChosen, PersonID: cur.Person.ID,
				SessionID: cur.Session.ID, IP: cur.Actor.IP, UserAgent: cur.Actor.UserAgent}); err != nil {
				return err
			}
			a.Log.InfoContext(ctx, "school chosen", slog.String("session", cur.Session.ID), slog.String("school", string(school)))
			return nil
		}
	}
	return vigil.Errorf(vigil.ENOTFOUND, "School not found.")
}

// SignOut ends the session.
func (a *App) SignOut(ctx context.Context, token string) error {
	if !auth.ValidToken(token) {
		return nil
	}
	return a.Store.DeleteSession(ctx, auth.HashToken(token))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Can reports whether the person may do the named authz action, for pages
// deciding what to offer; app checks again when it is done.
func (c *Current) Can(action string) bool { return authz.Can(c.Actor, authz.Action(action)) }
