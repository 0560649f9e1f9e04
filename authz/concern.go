package authz

import "github.com/vigil-safeguarding/vigil"

// ConcernLevel is how far an actor may go with one concern.
type ConcernLevel int

// Levels of access to a concern, from least to most.
const (
	ConcernNone   ConcernLevel = iota // may not know it exists
	ConcernOwn                        // the reporter: their account and their notes, no actions
	ConcernView                       // everything on it, actions and documents included
	ConcernManage                     // act: actions, edits, categories, closing
)

// CanReport reports whether a may log a concern in every one of cats. It
// needs no second factor: any member of staff can report.
func CanReport(a *vigil.Actor, cats []vigil.CategoryID) bool {
	if a == nil || a.SchoolID == "" || len(cats) == 0 {
		return false
	}
	if a.System {
		return true
	}
	for _, c := range cats {
		if !a.Permissions.In(c).AtLeast(vigil.AccessReport) {
			return false
		}
	}
	return true
}

// Concern returns a's level on a concern with the given categories, logged
// by reporter. A concern is as sensitive as its most sensitive category, so
// the lowest access a has over its categories decides. Viewing beyond one's
// own report needs a second factor given in this session.
func Concern(a *vigil.Actor, cats []vigil.CategoryID, reporter vigil.PersonID) ConcernLevel {
	if a == nil || a.SchoolID == "" || len(cats) == 0 {
		return ConcernNone
	}
	if a.System {
		return ConcernManage
	}
	least := vigil.AccessManage
	for _, c := range cats {
		if acc := a.Permissions.In(c); !acc.AtLeast(least) {
			least = acc
		}
	}
	switch {
	case least == vigil.AccessManage && a.SteppedUp:
		return ConcernManage
	case least.AtLeast(vigil.AccessViewAll) && a.SteppedUp:
		return ConcernView
	case least.AtLeast(vigil.AccessViewOwn) && reporter == a.PersonID:
		return ConcernOwn
	}
	return ConcernNone
}

// CanSeeConcerns reports whether a may see any concern they did not log: the
// dashboard, search across the school and chronologies.
func CanSeeConcerns(a *vigil.Actor) bool {
	if a == nil || a.SchoolID == "" {
		return false
	}
	return a.System || (a.SteppedUp && a.Permissions.Max().AtLeast(vigil.AccessViewAll))
}

// VisibleCategories returns the categories in which a may see every concern
// (view all or more, stepped up), and those in which a may see the concerns
// they logged. A concern is visible when all its categories are in the
// first set, or the actor logged it and all are in the second.
func VisibleCategories(a *vigil.Actor) (all, own []vigil.CategoryID) {
	if a == nil || a.SchoolID == "" {
		return nil, nil
	}
	for id, acc := range a.Permissions.Categories {
		if acc.AtLeast(vigil.AccessViewAll) && a.SteppedUp {
			all = append(all, id)
		}
		if acc.AtLeast(vigil.AccessViewOwn) {
			own = append(own, id)
		}
	}
	return all, own
}
