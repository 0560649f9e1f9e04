package app

import (
	"context"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// HomeData is what the start page shows.
type HomeData struct {
	DSLTeam    []*vigil.Membership // the designated safeguarding people, for every member to see
	OnRoll     int                 // only for those who may list pupils
	FlagCounts map[vigil.Flag]int  // likewise
}

// Home returns the start page's figures for the actor.
func (a *App) Home(ctx context.Context) (*HomeData, error) {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ViewHome); err != nil {
		return nil, err
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return nil, err
	}
	d := &HomeData{}
	for _, m := range members {
		if m.Designated && m.Active {
			d.DSLTeam = append(d.DSLTeam, m)
		}
	}
	if authz.Can(actor, authz.ListPupils) {
		if d.OnRoll, d.FlagCounts, err = a.Store.CountPupils(ctx); err != nil {
			return nil, err
		}
	}
	return d, nil
}
