package app

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
)

// StaffMember is a member with what an administrator needs to see.
type StaffMember struct {
	*vigil.Membership
	Person *vigil.Person
}

// ListStaff returns the school's members, active and not.
func (a *App) ListStaff(ctx context.Context) ([]*StaffMember, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ListStaff); err != nil {
		return nil, err
	}
	ms, err := a.Store.FindMembers(ctx)
	if err != nil {
		return nil, err
	}
	people, err := a.Store.FindPersons(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[vigil.PersonID]*vigil.Person{}
	for _, p := range people {
		byID[p.ID] = p
	}
	out := make([]*StaffMember, len(ms))
	for i, m := range ms {
		out[i] = &StaffMember{Membership: m, Person: byID[m.PersonID]}
	}
	return out, nil
}

// StaffDetails is one member with the school's categories, for the access
// form.
type StaffDetails struct {
	Member     *StaffMember
	Categories []*vigil.Category
}

// Staff returns one member of the actor's school. A person of another
// school only is ENOTFOUND.
func (a *App) Staff(ctx context.Context, id vigil.PersonID) (*StaffDetails, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ListStaff); err != nil {
		return nil, err
	}
	m, err := a.Store.FindMember(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := a.Store.FindPersonByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	return &StaffDetails{Member: &StaffMember{Membership: m, Person: p}, Categories: cats}, nil
}

// AccessChange is a new role, designation and permissions for a member.
// With UseTemplate, the role's template replaces Permissions.
type AccessChange struct {
	Role        vigil.Role
	Designated  bool
	UseTemplate bool
	Permissions vigil.Permissions
}

// ChangeAccess saves a member's role and permissions, and records who
// changed what. Nobody may change their own access.
func (a *App) ChangeAccess(ctx context.Context, id vigil.PersonID, c AccessChange) error {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ManageStaff); err != nil {
		return err
	}
	if id == actor.PersonID {
		return vigil.Errorf(vigil.EFORBIDDEN, "You cannot change your own access; ask another administrator.")
	}
	if !c.Role.Valid() {
		return vigil.FieldError("role", "Choose a role.")
	}
	before, err := a.Store.FindMember(ctx, id)
	if err != nil {
		return err
	}
	m := &vigil.Membership{PersonID: id, Role: c.Role, Designated: c.Designated, Active: before.Active}
	if c.UseTemplate {
		cats, err := a.Store.FindCategories(ctx, false)
		if err != nil {
			return err
		}
		m.Permissions = vigil.RoleTemplate(c.Role, cats)
	} else {
		m.Permissions = c.Permissions
		if m.Permissions.Categories == nil {
			m.Permissions.Categories = map[vigil.CategoryID]vigil.Access{}
		}
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SaveMembership(ctx, m); err != nil {
			return err
		}
		detail := map[string]string{"role": string(c.Role), "role_before": string(before.Role),
			"capabilities": vigil.CapabilityList(m.Permissions.Capabilities)}
		changed := 0
		for _, k := range slices.Sorted(maps.Keys(m.Permissions.Categories)) {
			if before.Permissions.In(k) != m.Permissions.In(k) {
				changed++
			}
		}
		for k := range before.Permissions.Categories {
			if _, ok := m.Permissions.Categories[k]; !ok && before.Permissions.In(k) != vigil.AccessNone {
				changed++
			}
		}
		detail["categories_changed"] = itoa(changed)
		return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditPermissionChanged, ObjectType: "person", ObjectID: string(id), Detail: detail})
	})
}

// SetStaffActive deactivates (ending every session at once) or reactivates
// a member.
func (a *App) SetStaffActive(ctx context.Context, id vigil.PersonID, active bool) error {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ManageStaff); err != nil {
		return err
	}
	if id == actor.PersonID {
		return vigil.Errorf(vigil.EFORBIDDEN, "You cannot deactivate yourself.")
	}
	action := vigil.AuditStaffReactivated
	if !active {
		action = vigil.AuditStaffDeactivated
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetMembershipActive(ctx, id, active); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "person", ObjectID: string(id)})
	})
}

// ResetSecondFactors removes a member's authenticator app and recovery
// codes and ends their sessions, for someone who lost their phone.
func (a *App) ResetSecondFactors(ctx context.Context, id vigil.PersonID) error {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ManageStaff); err != nil {
		return err
	}
	if _, err := a.Store.FindMember(ctx, id); err != nil {
		return err // only members of this school
	}
	if err := a.Store.ResetSecondFactors(ctx, id); err != nil {
		return err
	}
	return a.audit(ctx, vigil.AuditEvent{Action: vigil.AuditSecondFactorsReset, ObjectType: "person", ObjectID: string(id)})
}

// AccessReview is who can see concerns in each category.
type AccessReview struct {
	Categories []*vigil.Category
	Who        map[vigil.CategoryID][]*vigil.Membership
}

// ReviewAccess returns the access review, for a DSL or an administrator to
// check and print.
func (a *App) ReviewAccess(ctx context.Context) (*AccessReview, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ReviewAccess); err != nil {
		return nil, err
	}
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	who, err := a.Store.FindAccessReview(ctx)
	if err != nil {
		return nil, err
	}
	return &AccessReview{Categories: cats, Who: who}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
