package app

import (
	"context"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// School returns the actor's school for its settings page.
func (a *App) School(ctx context.Context) (*vigil.School, error) {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ViewSettings); err != nil {
		return nil, err
	}
	return a.Store.FindSchoolByID(ctx, actor.SchoolID)
}

// SettingsChange is what the settings page may change.
type SettingsChange struct {
	Name                                    string
	IdleTimeoutMinutes                      int
	PasswordProfile, TwoFactorFor, Timezone string
	DfENumber                               string
}

// UpdateSettings saves the actor's school's name and settings and records
// which changed.
func (a *App) UpdateSettings(ctx context.Context, c SettingsChange) (*vigil.School, error) {
	sc, err := a.School(ctx)
	if err != nil {
		return nil, err
	}
	before := *sc
	sc.Name = c.Name
	sc.Settings.IdleTimeoutMinutes, sc.Settings.PasswordProfile, sc.Settings.TwoFactorFor, sc.Settings.Timezone =
		c.IdleTimeoutMinutes, c.PasswordProfile, c.TwoFactorFor, c.Timezone
	sc.Settings.DfENumber = vigil.NormalizeDfENumber(c.DfENumber)
	detail := map[string]string{}
	if before.Name != sc.Name {
		detail["name"] = "changed"
	}
	if before.Settings.IdleTimeoutMinutes != sc.Settings.IdleTimeoutMinutes {
		detail["idle_timeout_minutes"] = itoa(sc.Settings.IdleTimeoutMinutes)
	}
	if before.Settings.Profile() != sc.Settings.Profile() {
		detail["password_profile"] = sc.Settings.PasswordProfile
	}
	if before.Settings.TwoFactorFor != sc.Settings.TwoFactorFor {
		detail["two_factor_for"] = sc.Settings.TwoFactorFor
	}
	if before.Settings.DfENumber != sc.Settings.DfENumber {
		detail["dfe_number"] = sc.Settings.DfENumber
	}
	if before.Settings.Timezone != sc.Settings.Timezone {
		detail["timezone"] = sc.Settings.Timezone
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.UpdateSchool(ctx, sc); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditSettingsChanged, ObjectType: "school", ObjectID: string(sc.ID), Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}
