package store_test

import (
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
