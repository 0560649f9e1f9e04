package app

import (
	"context"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
)

// CanReport reports whether the person may log concerns in the chosen
// school: report access in at least one category. Pages use it to offer
// "Log a concern"; LogConcern checks each concern's categories itself.
func (c *Current) CanReport() bool {
	if c == nil || c.Actor == nil || c.Actor.SchoolID == "" {
		return false
	}
	return c.Actor.System || c.Actor.Permissions.Max().AtLeast(vigil.AccessReport)
}

// PupilChoices returns the pupils chosen on a concern form that is shown
// again (after a mistake, or a search without JavaScript), as the picker
// shows them, in the order of ids. An id that is not a pupil of the
// actor's school is left out. It needs report access, like LookUpPupils,
// and is audited the same way. It returns EFORBIDDEN without report access.
func (a *App) PupilChoices(ctx context.Context, ids []vigil.PupilID) ([]PupilChoice, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || !(act.System || act.Permissions.Max().AtLeast(vigil.AccessReport)) {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include logging concerns.")
	}
	if len(ids) > vigil.MaxConcernPupils {
		ids = ids[:vigil.MaxConcernPupils]
	}
	var out []PupilChoice
	for _, id := range ids {
		if !vigil.ValidID(string(id)) {
			continue
		}
		ps, _, err := a.Store.FindPupils(ctx, vigil.PupilFilter{ID: &id, Status: vigil.StatusAll, Limit: 1})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, PupilChoice{ID: p.ID, Name: p.Name(), LegalName: p.LegalName(), YearGroup: p.YearGroup, RegGroup: p.RegGroup})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditPupilsLookedUp, Detail: map[string]string{"shown": strconv.Itoa(len(out))}}); err != nil {
		return nil, err
	}
	return out, nil
}
