package app

import (
	"context"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/store"
)

// PupilPage is a page of the pupil list.
type PupilPage struct {
	Pupils     []*vigil.Pupil
	Total      int
	YearGroups []string // year groups in use, for the filter
}

// ListPupils returns a page of the actor's school's pupils matching f.
func (a *App) ListPupils(ctx context.Context, f vigil.PupilFilter) (*PupilPage, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ListPupils); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	pupils, total, err := a.Store.FindPupils(ctx, f)
	if err != nil {
		return nil, err
	}
	years, err := a.Store.YearGroupsInUse(ctx)
	if err != nil {
		return nil, err
	}
	// Recorded before the list is returned; the search words are not.
	detail := map[string]string{"shown": strconv.Itoa(len(pupils)), "matched": strconv.Itoa(total), "searched": strconv.FormatBool(f.Query != "")}
	if f.Flag != "" {
		detail["flag"] = string(f.Flag)
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditPupilsListed, Detail: detail}); err != nil {
		return nil, err
	}
	return &PupilPage{Pupils: pupils, Total: total, YearGroups: years}, nil
}

// PupilDetails is a pupil with their contacts.
type PupilDetails struct {
	Pupil    *vigil.Pupil
	Contacts []*vigil.Contact
	// Enrolments are earlier times on roll of a pupil who came back.
	Enrolments []store.Enrolment
}

// Pupil returns a pupil of the actor's school with their contacts. Another
// school's pupil is ENOTFOUND, exactly as a missing one.
func (a *App) Pupil(ctx context.Context, id vigil.PupilID) (*PupilDetails, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ViewPupil); err != nil {
		return nil, err
	}
	p, err := a.Store.FindPupilByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := a.Store.FindContacts(ctx, id)
	if err != nil {
		return nil, err
	}
	enrolments, err := a.Store.FindEnrolments(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditPupilViewed, ObjectType: "pupil", ObjectID: string(p.ID), PupilID: p.ID}); err != nil {
		return nil, err
	}
	return &PupilDetails{Pupil: p, Contacts: cs, Enrolments: enrolments}, nil
}
