package authz_test

import (
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

func categories() []*vigil.Category {
	cats := vigil.DefaultCategories()
	out := make([]*vigil.Category, len(cats))
	for i := range cats {
		cats[i].ID = vigil.CategoryID(cats[i].Key)
		out[i] = &cats[i]
	}
	return out
}

func actor(role vigil.Role, steppedUp bool) *vigil.Actor {
	return &vigil.Actor{SchoolID: "s", PersonID: "p", Role: role, SteppedUp: steppedUp,
		Designated:  role == vigil.RoleDSL || role == vigil.RoleDeputyDSL,
		Permissions: vigil.RoleTemplate(role, categories())}
}

func TestAuthzMatrix(t *testing.T) {
	type want map[authz.Action]bool
	all := want{authz.ViewHome: true, authz.ListPupils: true, authz.ViewPupil: true}
	for _, tc := range []struct {
		role vigil.Role
		up   bool
		want want
	}{
		{vigil.RoleDSL, true, want{authz.ViewHome: true, authz.ListPupils: true, authz.ViewPupil: true, authz.ReviewAccess: true, authz.ViewAudit: true}},
		{vigil.RoleDSL, false, want{authz.ViewHome: true}},
		{vigil.RoleHeadteacher, true, want{authz.ViewHome: true, authz.ListPupils: true, authz.ViewPupil: true, authz.ListStaff: true, authz.ManageStaff: true, authz.ReviewAccess: true, authz.ViewAudit: true}},
		{vigil.RoleSENCO, true, all},
		{vigil.RolePastoral, true, all},
		{vigil.RoleAttendance, true, all},
		{vigil.RoleStaff, true, want{authz.ViewHome: true}},
		{vigil.RoleGovernor, true, want{authz.ViewHome: true}},
		{vigil.RoleSchoolAdmin, true, want{authz.ViewHome: true, authz.ListPupils: true, authz.ViewPupil: true, authz.ListStaff: true, authz.ManageStaff: true, authz.ReviewAccess: true, authz.ViewSettings: true, authz.ViewAudit: true, authz.ManageMIS: true}},
		{vigil.RoleSchoolAdmin, false, want{authz.ViewHome: true}},
	} {
		a := actor(tc.role, tc.up)
		for _, action := range authz.Actions {
			if got := authz.Can(a, action); got != tc.want[action] {
				t.Errorf("%s (stepped up %v) %s: %v, want %v", tc.role, tc.up, action, got, tc.want[action])
			}
		}
	}
	for _, action := range authz.Actions {
		if authz.Can(nil, action) || authz.Can(&vigil.Actor{Role: vigil.RoleDSL, SteppedUp: true}, action) {
			t.Errorf("%s allowed without an actor or a school", action)
		}
	}
}

func TestAuthzRevokedAccessTakesEffect(t *testing.T) {
	a := actor(vigil.RoleSENCO, true)
	if !authz.Can(a, authz.ListPupils) {
		t.Fatal("SENCO cannot list pupils")
	}
	for c := range a.Permissions.Categories {
		a.Permissions.Categories[c] = vigil.AccessReport
	}
	if authz.Can(a, authz.ListPupils) || authz.Elevated(a) {
		t.Fatal("reporting-only access still lists pupils or needs a second factor")
	}
}

func TestRoleTemplates(t *testing.T) {
	cats := categories()
	byKey := func(p vigil.Permissions, key string) vigil.Access { return p.In(vigil.CategoryID(key)) }
	dsl, deputy, head := vigil.RoleTemplate(vigil.RoleDSL, cats), vigil.RoleTemplate(vigil.RoleDeputyDSL, cats), vigil.RoleTemplate(vigil.RoleHeadteacher, cats)
	if byKey(dsl, "allegation_staff") != vigil.AccessManage || byKey(deputy, "allegation_staff") != vigil.AccessReport || byKey(head, "allegation_staff") != vigil.AccessManage {
		t.Error("staff allegations are not restricted to the DSL and headteacher")
	}
	senco := vigil.RoleTemplate(vigil.RoleSENCO, cats)
	if byKey(senco, "sen") != vigil.AccessManage || byKey(senco, "child_protection") != vigil.AccessReport {
		t.Errorf("SENCO: sen %s, child protection %s", byKey(senco, "sen"), byKey(senco, "child_protection"))
	}
	staff := vigil.RoleTemplate(vigil.RoleStaff, cats)
	if staff.Max() != vigil.AccessViewOwn || len(staff.Capabilities) != 0 {
		t.Errorf("staff: %s %v", staff.Max(), staff.Capabilities)
	}
	admin := vigil.RoleTemplate(vigil.RoleSchoolAdmin, cats)
	if admin.Max() != vigil.AccessNone || !admin.Has(vigil.CapManageStaff) {
		t.Errorf("admin sees concern content or cannot manage staff: %s %v", admin.Max(), admin.Capabilities)
	}
	for _, r := range vigil.Roles {
		if got, want := authz.RoleNeedsSecondFactor(r), r != vigil.RoleStaff; got != want {
			t.Errorf("%s needs a second factor: %v, want %v", r, got, want)
		}
	}
}
