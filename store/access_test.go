package store_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestPermissionsFollowRoleTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		cats, err := s.FindCategories(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		teacher := f.Oak.Staff["teacher"]
		p, err := s.FindPermissions(ctx, teacher.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Categories) != len(cats) || p.Max() != vigil.AccessViewOwn {
			t.Fatalf("new staff member: %d categories, max %s", len(p.Categories), p.Max())
		}
		// An adjustment survives saving the same role again...
		p.Categories[cats[0].ID] = vigil.AccessViewAll
		p.Capabilities = []vigil.Capability{vigil.CapRunReports}
		if err := s.SetPermissions(ctx, teacher.ID, p); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveMembership(ctx, &vigil.Membership{PersonID: teacher.ID, Role: vigil.RoleStaff, Active: true}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindPermissions(ctx, teacher.ID)
		if got.In(cats[0].ID) != vigil.AccessViewAll || !got.Has(vigil.CapRunReports) {
			t.Fatalf("adjustment lost: %s %v", got.In(cats[0].ID), got.Capabilities)
		}
		// ...and a new role starts from its template.
		if err := s.SaveMembership(ctx, &vigil.Membership{PersonID: teacher.ID, Role: vigil.RoleSENCO, Active: true}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindPermissions(ctx, teacher.ID)
		if got.In(cats[0].ID) != vigil.AccessReport || got.Has(vigil.CapRunReports) {
			t.Fatalf("SENCO template not applied: %s %v", got.In(cats[0].ID), got.Capabilities)
		}
		// Another school's context sees no permissions for Oak's member.
		elm, err := s.FindPermissions(f.Elm.Ctx, teacher.ID)
		if err != nil || len(elm.Categories) != 0 || len(elm.Capabilities) != 0 {
			t.Fatalf("Elm sees Oak's permissions: %+v %v", elm, err)
		}
		// A bad level is refused and nothing changes.
		bad := vigil.Permissions{Categories: map[vigil.CategoryID]vigil.Access{cats[0].ID: "everything"}}
		if err := s.SetPermissions(ctx, teacher.ID, bad); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("bad level: %v", err)
		}
		review, err := s.FindAccessReview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range review[cats[0].ID] {
			names = append(names, m.PersonEmail)
		}
		if len(names) != 1 || names[0] != "dsl@oak.test" {
			t.Fatalf("who can see %s: %v", cats[0].Key, names)
		}
	})
}

// trust is a group of two new schools, Ash and Birch, with a trust DSL who
// has no membership of either; the fixtures' Oak and Elm stay outside it.
type trust struct {
	group      *vigil.Group
	ash, birch *vigil.School
	lead       *vigil.Person
}

func seedTrust(t *testing.T, s *store.Store) *trust {
	t.Helper()
	ctx := context.Background()
	g, err := s.FindOrCreateGroup(ctx, "Forest Learning Trust")
	if err != nil {
		t.Fatal(err)
	}
	tr := &trust{group: g,
		ash:   &vigil.School{GroupID: g.ID, Slug: "ash", Name: "Ash Academy"},
		birch: &vigil.School{GroupID: g.ID, Slug: "birch", Name: "Birch Academy"},
	}
	for _, sc := range []*vigil.School{tr.ash, tr.birch} {
		if err := s.CreateSchool(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	tr.lead = &vigil.Person{Email: "lead@forest.test", Name: "Lee Lead"}
	if err := s.CreatePerson(ctx, tr.lead); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveGroupMember(ctx, &vigil.GroupMember{GroupID: g.ID, PersonID: tr.lead.ID, Role: vigil.RoleDSL, Active: true}); err != nil {
		t.Fatal(err)
	}
	return tr
}

// schoolsOf returns "slug:role:via" for each of a person's memberships, in
// order, where via is "trust" for one through the trust.
func schoolsOf(t *testing.T, s *store.Store, person vigil.PersonID) string {
	t.Helper()
	ms, err := s.FindMemberships(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		via := "own"
		if m.ViaGroup != "" {
			via = "trust"
		}
		if !m.Active || m.SchoolName == "" {
			t.Errorf("membership %+v: not active or no school name", m)
		}
		out = append(out, m.SchoolSlug+":"+string(m.Role)+":"+via)
	}
	return strings.Join(out, " ")
}

func TestTrustWideAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		tr := seedTrust(t, s)
		bg := context.Background()
		ash, birch := vigil.SystemContext(bg, tr.ash.ID), vigil.SystemContext(bg, tr.birch.ID)
		lead := tr.lead.ID

		// Both schools of the trust, through the trust; not Oak or Elm.
		if got := schoolsOf(t, s, lead); got != "ash:dsl:trust birch:dsl:trust" {
			t.Fatalf("memberships: %q", got)
		}
		ms, _ := s.FindMemberships(bg, lead)
		if ms[0].ViaGroup != tr.group.ID || !ms[0].Designated || ms[0].SchoolID != tr.ash.ID {
			t.Fatalf("trust membership: %+v", ms[0])
		}

		// In each, the DSL template plus trust-wide access.
		for _, ctx := range []context.Context{ash, birch} {
			cats, err := s.FindCategories(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			want := vigil.RoleTemplate(vigil.RoleDSL, cats)
			p, err := s.FindPermissions(ctx, lead)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(p.Categories, want.Categories) || len(p.Categories) != len(cats) || p.Max() != vigil.AccessManage {
				t.Fatalf("trust DSL's access: %v", p.Categories)
			}
			if !p.Has(vigil.CapTrustWide) || !p.Has(vigil.CapRunReports) || len(p.Capabilities) != 2 {
				t.Fatalf("trust DSL's capabilities: %v", p.Capabilities)
			}
		}
		// Nothing in a school outside the trust.
		if p, err := s.FindPermissions(f.Oak.Ctx, lead); err != nil || len(p.Categories) != 0 || len(p.Capabilities) != 0 {
			t.Fatalf("trust DSL at Oak: %+v %v", p, err)
		}

		// The access review shows them in every category, as trust.
		cats, _ := s.FindCategories(ash, false)
		review, err := s.FindAccessReview(ash)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cats {
			if len(review[c.ID]) != 1 || review[c.ID][0].PersonID != lead || review[c.ID][0].ViaGroup != tr.group.ID ||
				review[c.ID][0].Permissions.In(c.ID) != vigil.AccessManage || review[c.ID][0].PersonEmail != "lead@forest.test" {
				t.Fatalf("review of %s: %+v", c.Key, review[c.ID])
			}
		}
		oakReview, _ := s.FindAccessReview(f.Oak.Ctx)
		for _, ms := range oakReview {
			for _, m := range ms {
				if m.PersonID == lead || m.ViaGroup != "" {
					t.Fatalf("Oak's access review lists %s through a trust", m.PersonEmail)
				}
			}
		}
		// A school's staff administration does not reach them.
		if _, err := s.FindMember(ash, lead); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("FindMember of a trust member: %v", err)
		}
		if gm, err := s.FindGroupMembers(bg, tr.group.ID); err != nil || len(gm) != 1 || gm[0].PersonEmail != "lead@forest.test" || gm[0].Role != vigil.RoleDSL || !gm[0].Active {
			t.Fatalf("group members: %+v %v", gm, err)
		}

		// An active membership of Ash's own wins there, and only there.
		if err := s.SaveMembership(ash, &vigil.Membership{PersonID: lead, Role: vigil.RoleStaff, Active: true}); err != nil {
			t.Fatal(err)
		}
		if got := schoolsOf(t, s, lead); got != "ash:staff:own birch:dsl:trust" {
			t.Fatalf("with a membership of Ash: %q", got)
		}
		if p, _ := s.FindPermissions(ash, lead); p.Max() != vigil.AccessViewOwn || p.Has(vigil.CapTrustWide) {
			t.Fatalf("at Ash as staff: max %s, %v", p.Max(), p.Capabilities)
		}
		if p, _ := s.FindPermissions(birch, lead); p.Max() != vigil.AccessManage || !p.Has(vigil.CapTrustWide) {
			t.Fatalf("at Birch: max %s, %v", p.Max(), p.Capabilities)
		}
		review, _ = s.FindAccessReview(ash)
		if len(review[cats[0].ID]) != 1 || review[cats[0].ID][0].ViaGroup != "" || review[cats[0].ID][0].Permissions.In(cats[0].ID) != vigil.AccessViewOwn {
			t.Fatalf("review with a membership of Ash: %+v", review[cats[0].ID])
		}
		// A deactivated one no longer does: the trust role applies again.
		if err := s.SetMembershipActive(ash, lead, false); err != nil {
			t.Fatal(err)
		}
		if got := schoolsOf(t, s, lead); got != "ash:dsl:trust birch:dsl:trust" {
			t.Fatalf("with a deactivated membership of Ash: %q", got)
		}

		// Deactivating the trust role removes every school it gave.
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: tr.group.ID, PersonID: lead, Role: vigil.RoleDSL}); err != nil {
			t.Fatal(err)
		}
		if got := schoolsOf(t, s, lead); got != "" {
			t.Fatalf("after deactivating the trust role: %q", got)
		}
		if p, _ := s.FindPermissions(birch, lead); len(p.Categories) != 0 || len(p.Capabilities) != 0 {
			t.Fatalf("at Birch after deactivating: %+v", p)
		}
		if review, _ := s.FindAccessReview(birch); len(review) != 0 {
			t.Fatalf("Birch's review after deactivating: %v", review)
		}
		if gm, _ := s.FindGroupMembers(bg, tr.group.ID); len(gm) != 1 || gm[0].Active {
			t.Fatalf("group members after deactivating: %+v", gm)
		}

		// Mistakes.
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: vigil.GroupID(vigil.NewID()), PersonID: lead, Role: vigil.RoleDSL}); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("unknown group: %v", err)
		}
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: tr.group.ID, PersonID: vigil.PersonID(vigil.NewID()), Role: vigil.RoleDSL}); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("unknown person: %v", err)
		}
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: tr.group.ID, PersonID: lead, Role: "wizard"}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("bad role: %v", err)
		}
	})
}
