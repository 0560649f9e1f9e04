package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
)

// Password resets and invitations: single-use links sent by email. A link
// holds a 256-bit token; the database keeps only its SHA-256. A reset link
// sets a password and nothing else: second factors stay as they were
// (ASVS 6.4.3), so a stolen mailbox alone opens no record.

// How long the links work.
const (
	ResetLinkTTL  = 30 * time.Minute
	InviteLinkTTL = 7 * 24 * time.Hour
)

// Audit actions of resets and invitations. Requests and resets are in the
// service's own sequence (they belong to no school); what an administrator
// does is in the school's.
const (
	AuditPasswordResetRequested = "auth.password_reset_requested"
	AuditPasswordReset          = "auth.password_reset"
	AuditResetSent              = "access.reset_sent"
	AuditInvited                = "access.invited"
	AuditInvitationAccepted     = "access.invitation_accepted"
)

// resetRequestRule lets three reset emails go to one account, then one an
// hour, so nobody can fill a mailbox by asking again and again. Requests
// beyond it are dropped without a word: the answer must not change.
var resetRequestRule = throttleRule{free: 3, cap: time.Hour, lockAt: 3, lock: time.Hour}

// Throttle keys of reset requests, apart from sign-in failures so asking
// for a link never locks anyone out of signing in.
func resetAccountKey(email string) string { return "reset:" + accountKey(email) }
func resetAddressKey(ip string) string    { return "reset:" + addressKey(ip) }

// errLinkGone is the one answer for a link that is unknown, used, expired,
// or whose person was disabled: it tells nothing about the account.
func errLinkGone() error {
	return vigil.Errorf(vigil.ENOTFOUND, "This link has expired or was already used; ask for a new one.")
}

// RequestPasswordReset emails a reset link to the account with this
// address, if there is an active one. The answer is the same whether or not
// there is: nil, or EINVALID for a malformed address, or ETHROTTLED when
// this network address has asked too often. The account is looked up and the
// email sent after the request has been answered, so its timing says nothing
// either. After three requests for one email address, one an hour gets
// through and the rest are dropped silently.
func (a *App) RequestPasswordReset(ctx context.Context, email string, m Meta) error {
	email = vigil.NormalizeEmail(email)
	if msg := vigil.ValidateEmail(email); msg != "" {
		return vigil.FieldError("email", msg)
	}
	addr := resetAddressKey(m.IP)
	if err := a.checkThrottle(ctx, addr); err != nil {
		return err
	}
	if err := a.recordFailure(ctx, addr, addressRule); err != nil {
		return err
	}
	acct := resetAccountKey(email)
	if err := a.checkThrottle(ctx, acct); vigil.ErrorCode(err) == vigil.ETHROTTLED {
		return nil // enough emails have gone to this address for now
	} else if err != nil {
		return err
	}
	if err := a.recordFailure(ctx, acct, resetRequestRule); err != nil {
		return err
	}
	a.background("password reset email", func(ctx context.Context) error {
		p, err := a.Store.FindPersonByEmail(ctx, email)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if p.Status != vigil.PersonActive {
			return nil // a disabled account gets nothing
		}
		msg, err := a.newResetLink(ctx, p)
		if err != nil {
			return err
		}
		a.auditService(ctx, AuditPasswordResetRequested, p.ID, m)
		return a.Mailer.Send(ctx, msg)
	})
	return nil
}

// SendPasswordReset emails a reset link to a member of the actor's school,
// for an administrator helping someone who is locked out. A person of
// another school only is ENOTFOUND; a deactivated member is EFORBIDDEN.
func (a *App) SendPasswordReset(ctx context.Context, id vigil.PersonID) error {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageStaff); err != nil {
		return err
	}
	mem, err := a.Store.FindMember(ctx, id)
	if err != nil {
		return err
	}
	p, err := a.Store.FindPersonByID(ctx, id)
	if err != nil {
		return err
	}
	if !mem.Active || p.Status != vigil.PersonActive {
		return vigil.Errorf(vigil.EFORBIDDEN, "Reactivate them first: a deactivated member cannot sign in.")
	}
	var msg notify.Message
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if msg, err = a.newResetLink(ctx, p); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditResetSent, ObjectType: "person", ObjectID: string(id)})
	})
	if err != nil {
		return err
	}
	a.sendLater("password reset email", msg)
	return nil
}

// newResetLink stores a new reset token for p, replacing any older one,
// and returns the email that carries it.
func (a *App) newResetLink(ctx context.Context, p *vigil.Person) (notify.Message, error) {
	token, hash := auth.NewToken()
	if err := a.Store.CreatePersonToken(ctx, p.ID, store.TokenReset, "", hash, ResetLinkTTL); err != nil {
		return notify.Message{}, err
	}
	return notify.ResetEmail(p.Email, a.BaseURL, token, ResetLinkTTL)
}

// NewPasswordForm is what a page for setting a password from a link shows.
type NewPasswordForm struct {
	Rules      string // the rules, in a sentence
	SchoolName string // for an invitation: the inviting school
	// HasPassword is set when an invited person has a password already: the
	// invitation only needs confirming.
	HasPassword bool
}

// OpenResetLink checks a reset token without using it up and returns what
// the form shows. A token that does not work is ENOTFOUND.
func (a *App) OpenResetLink(ctx context.Context, token string) (*NewPasswordForm, error) {
	l, err := a.openLink(ctx, token, store.TokenReset)
	if err != nil {
		return nil, err
	}
	rules, err := a.rulesFor(ctx, l.person)
	if err != nil {
		return nil, err
	}
	return &NewPasswordForm{Rules: rules.Describe(l.person.HasSecondFactor())}, nil
}

// ResetPassword sets a new password with a reset token, which it uses up.
// The password must meet the strictest profile among the person's schools.
// Their second factors are kept; their sessions all end. It returns EINVALID
// naming password or confirm, or ENOTFOUND for a token that does not work.
func (a *App) ResetPassword(ctx context.Context, token, password, confirm string, m Meta) error {
	l, err := a.openLink(ctx, token, store.TokenReset)
	if err != nil {
		return err
	}
	p := l.person
	if err := a.checkNewPassword(ctx, p, password, confirm); err != nil {
		return err
	}
	if err := a.setPasswordWithLink(ctx, l, password); err != nil {
		return err
	}
	// Whoever could read the mailbox has shown it; the sign-in lock, if any,
	// has done its work.
	if err := a.Store.ClearThrottle(ctx, accountKey(p.Email)); err != nil {
		return err
	}
	if err := a.Store.AppendAudit(ctx, &vigil.AuditEvent{Action: AuditPasswordReset, PersonID: p.ID, IP: m.IP, UserAgent: m.UserAgent}); err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "password reset", slog.String("person", string(p.ID)))
	msg, err := notify.PasswordChangedEmail(p.Email, a.BaseURL)
	if err != nil {
		return err
	}
	a.sendLater("password changed email", msg)
	return nil
}

// Invitation is a member of staff to invite to the actor's school.
type Invitation struct {
	Email string
	Name  string // used only for a person new to Vigil
	Role  vigil.Role
}

// InviteStaff adds a person to the actor's school with the role's usual
// access and emails them a link to set up their account, valid for a week.
// A person new to Vigil is created without a password; for someone already
// known (perhaps at another school) only the membership is added, and the
// answer is the same, so it tells nothing about other schools. It returns
// EINVALID naming email, name or role (email also for someone already on the
// staff list), or EFORBIDDEN without the right to manage staff.
func (a *App) InviteStaff(ctx context.Context, in Invitation) (*vigil.Person, error) {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ManageStaff); err != nil {
		return nil, err
	}
	in.Email, in.Name = vigil.NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
	p := &vigil.Person{Email: in.Email, Name: in.Name, Status: vigil.PersonActive}
	problems := vigil.Problems{}
	if err := p.Validate(); err != nil {
		for field, msg := range vigil.ErrorFields(err) {
			problems.Add(field, msg)
		}
	}
	if !in.Role.Valid() {
		problems.Add("role", "Choose a role.")
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	school, err := a.Store.FindSchoolByID(ctx, actor.SchoolID)
	if err != nil {
		return nil, err
	}
	known, err := a.Store.FindPersonByEmail(ctx, in.Email)
	switch vigil.ErrorCode(err) {
	case "":
		p = known
		if _, err := a.Store.FindMember(ctx, p.ID); err == nil {
			return nil, vigil.FieldError("email", "This person is already on your staff list.")
		} else if vigil.ErrorCode(err) != vigil.ENOTFOUND {
			return nil, err
		}
	case vigil.ENOTFOUND:
		if err := a.Store.CreatePerson(ctx, p); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	token, hash := auth.NewToken()
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SaveMembership(ctx, &vigil.Membership{PersonID: p.ID, Role: in.Role, Active: true}); err != nil {
			return err
		}
		if err := a.Store.CreatePersonToken(ctx, p.ID, store.TokenInvite, school.ID, hash, InviteLinkTTL); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditInvited, ObjectType: "person", ObjectID: string(p.ID),
			Detail: map[string]string{"role": string(in.Role)}})
	})
	if err != nil {
		return nil, err
	}
	msg, err := notify.InvitationEmail(p.Email, a.BaseURL, token, school.Name, InviteLinkTTL)
	if err != nil {
		return nil, err
	}
	a.sendLater("invitation email", msg)
	return p, nil
}

// OpenInvitation checks an invitation token without using it up and
// returns what the page shows. A token that does not work is ENOTFOUND.
func (a *App) OpenInvitation(ctx context.Context, token string) (*NewPasswordForm, error) {
	l, err := a.openLink(ctx, token, store.TokenInvite)
	if err != nil {
		return nil, err
	}
	school, err := a.Store.FindSchoolByID(ctx, l.token.InviteSchoolID)
	if err != nil {
		return nil, err
	}
	f := &NewPasswordForm{SchoolName: school.Name, HasPassword: l.person.PasswordHash != ""}
	if !f.HasPassword {
		rules, err := a.rulesFor(ctx, l.person)
		if err != nil {
			return nil, err
		}
		f.Rules = rules.Describe(l.person.HasSecondFactor())
	}
	return f, nil
}

// AcceptInvitation uses up an invitation token. A person new to Vigil sets
// their first password with it, under the same rules as a reset; for one
// who has a password already the invitation is simply confirmed and
// password and confirm are ignored. It returns EINVALID naming password or
// confirm, or ENOTFOUND for a token that does not work.
func (a *App) AcceptInvitation(ctx context.Context, token, password, confirm string, m Meta) error {
	l, err := a.openLink(ctx, token, store.TokenInvite)
	if err != nil {
		return err
	}
	p := l.person
	if p.PasswordHash != "" {
		if _, err := a.Store.TakePersonToken(ctx, l.hash, store.TokenInvite); err != nil {
			return errLinkGone()
		}
	} else {
		if err := a.checkNewPassword(ctx, p, password, confirm); err != nil {
			return err
		}
		if err := a.setPasswordWithLink(ctx, l, password); err != nil {
			return err
		}
	}
	return a.Store.AppendAudit(ctx, &vigil.AuditEvent{SchoolID: l.token.InviteSchoolID, Action: AuditInvitationAccepted,
		PersonID: p.ID, IP: m.IP, UserAgent: m.UserAgent})
}

// link is a working single-use link, not yet used up.
type link struct {
	hash   string // of the token, as stored
	token  *store.PersonToken
	person *vigil.Person // active
}

// openLink checks a token of the purpose without using it up. A token that
// does not work, or whose person is disabled, is errLinkGone.
func (a *App) openLink(ctx context.Context, token, purpose string) (*link, error) {
	if !auth.ValidToken(token) {
		return nil, errLinkGone()
	}
	l := &link{hash: auth.HashToken(token)}
	var err error
	l.token, err = a.Store.FindPersonToken(ctx, l.hash, purpose)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, errLinkGone()
	} else if err != nil {
		return nil, err
	}
	l.person, err = a.Store.FindPersonByID(ctx, l.token.PersonID)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND || (err == nil && l.person.Status != vigil.PersonActive) {
		return nil, errLinkGone()
	} else if err != nil {
		return nil, err
	}
	return l, nil
}

// rulesFor returns the password rules of a person signed in nowhere: those
// of all their schools.
func (a *App) rulesFor(ctx context.Context, p *vigil.Person) (PasswordRules, error) {
	ms, err := a.Store.FindMemberships(ctx, p.ID)
	if err != nil {
		return PasswordRules{}, err
	}
	return a.passwordRules(ctx, p, ms)
}

// checkNewPassword applies the person's rules to a password set from a
// link. Nobody typed the current password, so the Classic profile's variant
// rule cannot apply; reuse of the current and last five still can.
func (a *App) checkNewPassword(ctx context.Context, p *vigil.Person, password, confirm string) error {
	problems := vigil.Problems{}
	if password == "" {
		problems.Add("password", "Enter a new password.")
	} else if password != confirm {
		problems.Add("confirm", "The two passwords are not the same.")
	}
	if err := problems.Err(); err != nil {
		return err
	}
	rules, err := a.rulesFor(ctx, p)
	if err != nil {
		return err
	}
	history, err := a.Store.PasswordHistory(ctx, p.ID, auth.PasswordHistory)
	if err != nil {
		return err
	}
	var previous []string
	if p.PasswordHash != "" {
		previous = append(previous, p.PasswordHash)
	}
	return auth.CheckPasswordChange(a.Hasher, auth.PasswordChange{
		Profile: rules.Profile, New: password, Context: rules.Context,
		PreviousHashes: append(previous, history...), HasSecondFactor: p.HasSecondFactor(),
	})
}

// setPasswordWithLink uses up the token, then saves the password (keeping
// the old hash in the history and ending every session). Using the token
// first means two submissions racing with one link set one password. Should
// saving then fail, the link is spent and the person asks for another.
func (a *App) setPasswordWithLink(ctx context.Context, l *link, password string) error {
	hash, err := a.Hasher.Hash(password)
	if err != nil {
		return err
	}
	if _, err := a.Store.TakePersonToken(ctx, l.hash, l.token.Purpose); vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return errLinkGone()
	} else if err != nil {
		return err
	}
	return a.Store.ChangePasswordHash(ctx, l.person.ID, hash)
}

// sendLater sends msg after the request has been answered.
func (a *App) sendLater(what string, msg notify.Message) {
	a.background(what, func(ctx context.Context) error { return a.Mailer.Send(ctx, msg) })
}

// background runs fn on its own goroutine, with its own context and a time
// limit, so a slow mail server never holds up a page, and logs a failure.
// The durable job runner will replace it: until then work is lost if the
// process stops first. Errors are logged without the message or recipient
// (notify's errors carry neither).
func (a *App) background(what string, fn func(ctx context.Context) error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := fn(ctx); err != nil {
			a.Log.Warn("background work failed", slog.String("work", what), slog.Any("err", err))
		}
	}()
}
