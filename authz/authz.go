// Package authz makes the one decision of who may do what. It is pure: it
// looks only at the actor and the action, never at the database, so every
// rule can be read and tested here.
package authz

import "github.com/vigil-safeguarding/vigil"

// Action is something an actor may try to do.
type Action string

// Actions checked by the application.
const (
	ViewHome     Action = "home.view"   // the signed-in home page
	ListPupils   Action = "pupil.list"  // the pupil list and search
	ViewPupil    Action = "pupil.view"  // a pupil's details, contacts and flags
	ListStaff    Action = "staff.list"  // the school's members
	ViewSettings Action = "school.view" // the school's settings
)

// Actions lists every action, so tests can check each has a rule.
var Actions = []Action{ViewHome, ListPupils, ViewPupil, ListStaff, ViewSettings}

// pupilReaders are the roles that see pupil details and vulnerable-group
// flags, once stepped up with a second factor. Plain staff and governors do
// not: staff report concerns, governors see anonymised reports.
var pupilReaders = map[vigil.Role]bool{
	vigil.RoleDSL: true, vigil.RoleDeputyDSL: true, vigil.RoleHeadteacher: true, vigil.RoleSENCO: true,
	vigil.RolePastoral: true, vigil.RoleAttendance: true, vigil.RoleSchoolAdmin: true,
}

var staffReaders = map[vigil.Role]bool{
	vigil.RoleDSL: true, vigil.RoleDeputyDSL: true, vigil.RoleHeadteacher: true, vigil.RoleSchoolAdmin: true,
}

// Can reports whether a may do action. A nil actor, or one without a school,
// may do nothing. The operator's command line (System) may do everything
// here; it never reaches the web.
func Can(a *vigil.Actor, action Action) bool {
	if a == nil || a.SchoolID == "" {
		return false
	}
	if a.System {
		return true
	}
	switch action {
	case ViewHome:
		return a.Role.Valid()
	case ListPupils, ViewPupil:
		return pupilReaders[a.Role] && a.SteppedUp
	case ListStaff, ViewSettings:
		return staffReaders[a.Role] && a.SteppedUp
	}
	return false
}

// Elevated reports whether a has more than reporting access, and so must
// give a second factor before using it.
func Elevated(a *vigil.Actor) bool {
	return a != nil && (pupilReaders[a.Role] || staffReaders[a.Role])
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
	return vigil.Errorf(vigil.EFORBIDDEN, "Your role does not give access to this.")
}
