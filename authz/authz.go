// Package authz makes the one decision of who may do what. It is pure: it
// looks only at the actor and the action, never at the database, so every
// rule can be read and tested here.
package authz

import "github.com/vigil-safeguarding/vigil"

// Action is something an actor may try to do.
type Action string

// Actions checked by the application.
const (
	ViewHome     Action = "home.view"     // the signed-in home page
	ListPupils   Action = "pupil.list"    // the pupil list and search
	ViewPupil    Action = "pupil.view"    // a pupil's details, contacts and flags
	ListStaff    Action = "staff.list"    // the school's members
	ManageStaff  Action = "staff.manage"  // invite, deactivate, change access, reset 2FA
	ReviewAccess Action = "access.review" // who can see each category
	ViewSettings Action = "school.view"   // the school's settings
	ViewAudit    Action = "audit.view"    // the school's audit trail: who saw or changed what, and its export
	ManageMIS    Action = "mis.manage"    // import pupils, contacts and staff; link and sync the MIS
)

// Actions lists every action, so tests can check each has a rule.
var Actions = []Action{ViewHome, ListPupils, ViewPupil, ListStaff, ManageStaff, ReviewAccess, ViewSettings, ViewAudit, ManageMIS}

// Can reports whether a may do action. A nil actor, or one without a school,
// may do nothing. The operator's command line (System) may do everything
// here; it never reaches the web. Everything beyond reporting needs a
// second factor given in this session.
func Can(a *vigil.Actor, action Action) bool {
	if a == nil || a.SchoolID == "" {
		return false
	}
	if a.System {
		return true
	}
	p := a.Permissions
	switch action {
	case ViewHome:
		return a.Role.Valid()
	case ListPupils, ViewPupil:
		return a.SteppedUp && (p.Max().AtLeast(vigil.AccessViewAll) || p.Has(vigil.CapManageSettings))
	case ListStaff, ManageStaff:
		return a.SteppedUp && p.Has(vigil.CapManageStaff)
	case ReviewAccess:
		return a.SteppedUp && (p.Has(vigil.CapManageStaff) || a.Designated)
	case ViewSettings, ManageMIS:
		return a.SteppedUp && p.Has(vigil.CapManageSettings)
	case ViewAudit:
		// Those answerable for who sees records: the DSL team, the
		// headteacher, whoever manages staff, and trust leads.
		return a.SteppedUp && (a.Designated || a.Role == vigil.RoleHeadteacher || p.Has(vigil.CapManageStaff) || p.Has(vigil.CapTrustWide))
	}
	return false
}

// Elevated reports whether a has more than reporting access, and so must
// give a second factor before using it.
func Elevated(a *vigil.Actor) bool {
	return a != nil && (a.Permissions.Max().AtLeast(vigil.AccessViewAll) || len(a.Permissions.Capabilities) > 0 || a.Designated)
}

// RoleNeedsSecondFactor reports whether a role's template gives more than
// reporting access, as for the school's default categories.
func RoleNeedsSecondFactor(r vigil.Role) bool {
	cats := vigil.DefaultCategories()
	list := make([]*vigil.Category, len(cats))
	for i := range cats {
		cats[i].ID = vigil.CategoryID(cats[i].Key)
		list[i] = &cats[i]
	}
	return Elevated(&vigil.Actor{Role: r, Permissions: vigil.RoleTemplate(r, list), Designated: r == vigil.RoleDSL || r == vigil.RoleDeputyDSL})
}

// Check returns nil if a may do action, otherwise EFORBIDDEN with a plain
// message.
func Check(a *vigil.Actor, action Action) error {
	if Can(a, action) {
		return nil
	}
	if a == nil {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if Elevated(a) && !a.SteppedUp {
		return vigil.Errorf(vigil.EFORBIDDEN, "Confirm it's you with your second factor first.")
	}
	return vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include this. Ask your designated safeguarding lead if you need it.")
}
