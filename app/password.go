package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/notify"
)

// DormantAfter is how long an account may go unused before it is locked
// until an administrator sets a new password (reference/security.md §3).
const DormantAfter = 60 * 24 * time.Hour

// PasswordRules are the rules a person's next password must meet: the
// strictest profile among their schools (Classic when any school uses it,
// or when they have none) and the words it must not be.
type PasswordRules struct {
	Profile auth.Profile
	Context []string
}

// passwordRules works out a person's rules from their memberships.
func (a *App) passwordRules(ctx context.Context, p *vigil.Person, ms []*vigil.Membership) (PasswordRules, error) {
	r := PasswordRules{Profile: auth.ProfileNIST, Context: []string{p.Name, p.Email, "vigil"}}
	if len(ms) == 0 {
		r.Profile = auth.ProfileClassic
	}
	for _, m := range ms {
		sc, err := a.Store.FindSchoolByID(ctx, m.SchoolID)
		if err != nil {
			return r, err
		}
		r.Context = append(r.Context, sc.Name)
		if sc.Settings.Profile() == vigil.ProfileClassic {
			r.Profile = auth.ProfileClassic
		}
	}
	return r, nil
}

// PasswordExpired reports whether a person's password has outlived the
// Classic profile's 60 days in any of their schools.
func (a *App) passwordExpired(ctx context.Context, p *vigil.Person, ms []*vigil.Membership) (bool, error) {
	r, err := a.passwordRules(ctx, p, ms)
	if err != nil {
		return false, err
	}
	life := r.Profile.ExpiresAfter()
	if life == 0 {
		return false, nil
	}
	set := p.PasswordChangedAt
	if set.IsZero() {
		set = p.CreatedAt
	}
	return a.Now().Sub(set) > life, nil
}

// dormant reports whether a person has not signed in, nor had a password
// set, for DormantAfter. An administrator's new password wakes the account.
func (a *App) dormant(p *vigil.Person) bool {
	last := p.CreatedAt
	for _, t := range []time.Time{p.LastSignInAt, p.PasswordChangedAt} {
		if t.After(last) {
			last = t
		}
	}
	return a.Now().Sub(last) > DormantAfter
}

// ChangePassword checks the current password and the new one against the
// person's rules, saves it (keeping the old hash in the history of five),
// ends every other session, and returns a new session secret for this
// browser, keeping its school and second factor.
func (a *App) ChangePassword(ctx context.Context, cur *Current, current, next, confirm string) (string, error) {
	key := accountKey(cur.Person.Email)
	if err := a.checkThrottle(ctx, key); err != nil {
		return "", err
	}
	p := vigil.Problems{}
	if current == "" {
		p.Add("current", "Enter your current password.")
	}
	if next == "" {
		p.Add("password", "Enter a new password.")
	} else if next != confirm {
		p.Add("confirm", "The two new passwords are not the same.")
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	if ok, _ := a.Hasher.Verify(current, cur.Person.PasswordHash); !ok {
		if err := a.recordFailure(ctx, key, accountRule); err != nil {
			return "", err
		}
		return "", vigil.FieldError("current", "That is not your current password.")
	}
	rules, err := a.passwordRules(ctx, cur.Person, cur.Memberships)
	if err != nil {
		return "", err
	}
	history, err := a.Store.PasswordHistory(ctx, cur.Person.ID, auth.PasswordHistory)
	if err != nil {
		return "", err
	}
	err = auth.CheckPasswordChange(a.Hasher, auth.PasswordChange{
		Profile: rules.Profile, New: next, Current: current, Context: rules.Context,
		PreviousHashes:  append([]string{cur.Person.PasswordHash}, history...),
		HasSecondFactor: cur.Person.HasSecondFactor(),
	})
	if err != nil {
		return "", err
	}
	hash, err := a.Hasher.Hash(next)
	if err != nil {
		return "", err
	}
	if err := a.Store.ChangePasswordHash(ctx, cur.Person.ID, hash); err != nil {
		return "", err
	}
	// Every session ended with the change; this browser gets a fresh one.
	token, tokenHash := auth.NewToken()
	ses := &vigil.Session{TokenHash: tokenHash, PersonID: cur.Person.ID, CurrentSchoolID: cur.Session.CurrentSchoolID,
		ExpiresAt: cur.Session.ExpiresAt, IP: cur.Actor.IP, UserAgent: truncate(cur.Actor.UserAgent, 300)}
	if err := a.Store.CreateSession(ctx, ses); err != nil {
		return "", err
	}
	if !cur.Session.SteppedUpAt.IsZero() {
		if err := a.Store.StepUpSession(ctx, tokenHash, tokenHash); err != nil {
			return "", err
		}
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditPasswordChanged, SessionID: ses.ID}); err != nil {
		return "", err
	}
	a.sendPasswordChanged(cur.Person.Email)
	return token, nil
}

// sendPasswordChanged tells the person their password changed, in the
// background; the durable job runner will take this over.
func (a *App) sendPasswordChanged(to string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m, err := notify.PasswordChangedEmail(to, a.BaseURL)
		if err == nil {
			err = a.Mailer.Send(ctx, m)
		}
		if err != nil {
			a.Log.Warn("password-changed email not sent", slog.Any("err", err))
		}
	}()
}

// PasswordRulesFor returns the rules for the signed-in person, for the page
// to describe them.
func (a *App) PasswordRulesFor(ctx context.Context, cur *Current) (PasswordRules, error) {
	return a.passwordRules(ctx, cur.Person, cur.Memberships)
}

// Describe says the rules in a sentence.
func (r PasswordRules) Describe(hasSecondFactor bool) string {
	n := r.Profile.MinLength(hasSecondFactor)
	var b strings.Builder
	b.WriteString("Use at least " + itoa(n) + " characters")
	if r.Profile == auth.ProfileClassic {
		b.WriteString(" with letters, digits and a symbol, different from your last five passwords. Passwords last 60 days")
	} else {
		b.WriteString("; a few unrelated words make a good password")
	}
	b.WriteString(". Common passwords and your name, email or school are refused.")
	return b.String()
}
