package authz_test

import (
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// TestAuthzViewAudit: the audit trail is for those answerable for who sees
// records, after a second factor, and for nobody else.
func TestAuthzViewAudit(t *testing.T) {
	trust := actor(vigil.RolePastoral, true)
	trust.Permissions.Capabilities = append(trust.Permissions.Capabilities, vigil.CapTrustWide)
	noStaff := actor(vigil.RoleHeadteacher, true)
	noStaff.Permissions.Capabilities = nil
	for _, tc := range []struct {
		name string
		a    *vigil.Actor
		want bool
	}{
		{"deputy DSL", actor(vigil.RoleDeputyDSL, true), true},
		{"deputy DSL, no second factor", actor(vigil.RoleDeputyDSL, false), false},
		{"headteacher without manage staff", noStaff, true},
		{"trust-wide", trust, true},
		{"pastoral lead", actor(vigil.RolePastoral, true), false},
		{"SENCO", actor(vigil.RoleSENCO, true), false},
		{"governor", actor(vigil.RoleGovernor, true), false},
		{"staff", actor(vigil.RoleStaff, true), false},
	} {
		if got := authz.Can(tc.a, authz.ViewAudit); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
