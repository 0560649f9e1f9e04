package demo

import (
	"context"
	"fmt"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/store"
)

// EnrolTOTP gives every demo account whose role needs a second factor the
// same authenticator-app secret, so a newcomer can step up with one app
// entry. secret is base32; the returned enrolment shows it as a QR code.
func EnrolTOTP(ctx context.Context, s *store.Store, sealer *crypt.Sealer, res *Result, secret string) (*auth.TOTPEnrolment, error) {
	e, err := auth.TOTPFromSecret("Vigil demo", "staff@"+EmailDomain, secret)
	if err != nil {
		return nil, vigil.FieldError("totp_secret", "VIGIL_DEMO_TOTP_SECRET must be a base32 secret of at least 16 characters.")
	}
	for _, st := range res.Staff {
		if !authz.RoleNeedsSecondFactor(st.Role) {
			continue
		}
		p, err := s.FindPersonByEmail(ctx, st.Email)
		if err != nil {
			return nil, fmt.Errorf("demo: find %s: %w", st.Role, err)
		}
		_, hashes := auth.NewRecoveryCodes()
		sealed := sealer.Seal([]byte(e.Secret), crypt.AAD("persons", string(p.ID), "totp_secret"))
		if err := s.SetTOTP(ctx, p.ID, sealed, hashes); err != nil {
			return nil, fmt.Errorf("demo: enrol %s: %w", st.Role, err)
		}
	}
	return e, nil
}
