package app

import (
	"context"
	"log/slog"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/crypt"
)

func totpAAD(person vigil.PersonID) []byte {
	return crypt.AAD("persons", string(person), "totp_secret")
}

func errWrongCode() error {
	return vigil.FieldError("code", "That code is not right. Use the newest code from your authenticator app, or a recovery code.")
}

// StepUp checks a second factor (a six-digit code or a recovery code) and,
// if it is right, marks the session stepped up under a new secret, which it
// returns for the cookie. Wrong codes are throttled per person.
func (a *App) StepUp(ctx context.Context, cur *Current, token, code string) (string, error) {
	person := cur.Person.ID
	key := codeKey(person)
	if err := a.checkThrottle(ctx, key); err != nil {
		return "", err
	}
	st, err := a.Store.FindTOTP(ctx, person)
	if err != nil {
		return "", err
	}
	if !st.Confirmed {
		return "", vigil.Errorf(vigil.EFORBIDDEN, "Set up an authenticator app first.")
	}
	method := "totp"
	if auth.LooksLikeRecoveryCode(code) {
		method = "recovery_code"
		ok, err := a.Store.UseRecoveryCode(ctx, person, auth.HashRecoveryCode(code))
		if err != nil {
			return "", err
		}
		if !ok {
			return "", a.stepUpFailed(ctx, key)
		}
	} else {
		secret, err := a.Sealer.Open(st.Sealed, totpAAD(person))
		if err != nil {
			a.Log.ErrorContext(ctx, "open totp secret", slog.String("person", string(person)), slog.Any("err", err))
			return "", vigil.Errorf(vigil.EINTERNAL, "Your authenticator app cannot be checked just now.")
		}
		step, ok := auth.CheckTOTP(string(secret), code, a.Now(), st.LastStep)
		if !ok {
			return "", a.stepUpFailed(ctx, key)
		}
		if err := a.Store.UseTOTPStep(ctx, person, step); err != nil {
			if vigil.ErrorCode(err) == vigil.EUNAUTHORIZED {
				return "", a.stepUpFailed(ctx, key)
			}
			return "", err
		}
	}
	if err := a.Store.ClearThrottle(ctx, key); err != nil {
		return "", err
	}
	newToken, newHash := auth.NewToken()
	if err := a.Store.StepUpSession(ctx, auth.HashToken(token), newHash); err != nil {
		return "", err
	}
	action := vigil.AuditStepUp
	if method == "recovery_code" {
		action = vigil.AuditRecoveryUsed
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, Detail: map[string]string{"method": method}}); err != nil {
		return "", err
	}
	return newToken, nil
}

func (a *App) stepUpFailed(ctx context.Context, key string) error {
	if err := a.recordFailure(ctx, key, codeRule); err != nil {
		return err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditStepUpFailed}); err != nil {
		return err
	}
	return errWrongCode()
}

// BeginTOTP makes a new authenticator-app secret for a person who has none
// confirmed, stores it sealed and unconfirmed, and returns it to show once.
func (a *App) BeginTOTP(ctx context.Context, cur *Current) (*auth.TOTPEnrolment, error) {
	issuer := "Vigil"
	if cur.School != nil {
		issuer = "Vigil (" + cur.School.Name + ")"
	}
	e, err := auth.NewTOTP(issuer, cur.Person.Email)
	if err != nil {
		return nil, err
	}
	if err := a.Store.StartTOTP(ctx, cur.Person.ID, a.Sealer.Seal([]byte(e.Secret), totpAAD(cur.Person.ID))); err != nil {
		return nil, err
	}
	return e, nil
}

// ConfirmTOTP finishes enrolment with the first code from the app. It
// returns the new session secret (enrolling counts as stepping up) and ten
// recovery codes to show once.
func (a *App) ConfirmTOTP(ctx context.Context, cur *Current, token, code string) (newToken string, recovery []string, err error) {
	key := codeKey(cur.Person.ID)
	if err := a.checkThrottle(ctx, key); err != nil {
		return "", nil, err
	}
	st, err := a.Store.FindTOTP(ctx, cur.Person.ID)
	if err != nil {
		return "", nil, err
	}
	if st.Confirmed || st.Sealed == nil {
		return "", nil, vigil.Errorf(vigil.ECONFLICT, "There is no authenticator app set-up waiting to be confirmed.")
	}
	secret, err := a.Sealer.Open(st.Sealed, totpAAD(cur.Person.ID))
	if err != nil {
		return "", nil, vigil.Errorf(vigil.EINTERNAL, "The set-up could not be checked; please start again.")
	}
	step, ok := auth.CheckTOTP(string(secret), code, a.Now(), 0)
	if !ok {
		if err := a.recordFailure(ctx, key, codeRule); err != nil {
			return "", nil, err
		}
		return "", nil, vigil.FieldError("code", "That code is not right. Check the app shows Vigil and type the newest six-digit code.")
	}
	codes, hashes := auth.NewRecoveryCodes()
	if err := a.Store.ConfirmTOTP(ctx, cur.Person.ID, step, hashes); err != nil {
		return "", nil, err
	}
	newToken, newHash := auth.NewToken()
	if err := a.Store.StepUpSession(ctx, auth.HashToken(token), newHash); err != nil {
		return "", nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditTOTPEnrolled}); err != nil {
		return "", nil, err
	}
	return newToken, codes, nil
}
