package app

import (
	"context"
	"slices"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// SearchCategories returns the school's active categories in which the
// actor may see concerns (every one, or those they logged), in the
// school's order, for the filters of a list or search of concerns. They are
// names, not records, so nothing is audited. It returns EUNAUTHORIZED when
// no one is signed in to a school.
func (a *App) SearchCategories(ctx context.Context) ([]*vigil.Category, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	cats, err := a.Store.FindCategories(ctx, true)
	if err != nil {
		return nil, err
	}
	if act.System {
		return cats, nil
	}
	all, own := authz.VisibleCategories(act)
	var out []*vigil.Category
	for _, c := range cats {
		if slices.Contains(all, c.ID) || slices.Contains(own, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}
