package storetest

import (
	"context"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
)

// School is a seeded school with its named staff and pupils.
type School struct {
	*vigil.School
	Ctx    context.Context // acts as the operator on this school
	Staff  map[string]*vigil.Person
	Roles  map[string]vigil.Role // each staff member's role, by the same key
	Pupils map[string]*vigil.Pupil
}

// Fixtures are two schools, Oak and Elm, each with staff and pupils, so
// every test can check that one school never sees the other's records.
type Fixtures struct {
	Oak, Elm *School
}

// Seed fills s with the fixtures. Staff are named by role ("dsl", "teacher",
// "admin"); pupils by a short key. Emails are at the school's slug, e.g.
// dsl@oak.test. Passwords are left empty: tests that sign in set them.
func Seed(t testing.TB, s *store.Store) *Fixtures {
	t.Helper()
	return &Fixtures{
		Oak: seedSchool(t, s, "oak", "Oak Primary School", map[string][2]string{
			"amara":  {"Amara", "Okafor"},
			"ben":    {"Ben", "Hughes"},
			"chloe":  {"Chloe", "Nowak"},
			"leaver": {"Dylan", "Price"},
		}),
		Elm: seedSchool(t, s, "elm", "Elm Academy", map[string][2]string{
			"bruno": {"Bruno", "Costa"},
			"ellie": {"Ellie", "Marsh"},
		}),
	}
}

func seedSchool(t testing.TB, s *store.Store, slug, name string, pupils map[string][2]string) *School {
	t.Helper()
	bg := context.Background()
	sc := &vigil.School{Slug: slug, Name: name, Phase: "primary", LocalAuthority: "Testshire"}
	if err := s.CreateSchool(bg, sc); err != nil {
		t.Fatalf("seed school %s: %v", slug, err)
	}
	ctx := vigil.SystemContext(bg, sc.ID)
	out := &School{School: sc, Ctx: ctx, Staff: map[string]*vigil.Person{}, Roles: map[string]vigil.Role{}, Pupils: map[string]*vigil.Pupil{}}
	for key, role := range map[string]vigil.Role{"dsl": vigil.RoleDSL, "teacher": vigil.RoleStaff, "admin": vigil.RoleSchoolAdmin} {
		p := &vigil.Person{Email: key + "@" + slug + ".test", Name: key + " at " + name}
		if err := s.CreatePerson(bg, p); err != nil {
			t.Fatalf("seed person %s: %v", p.Email, err)
		}
		m := &vigil.Membership{PersonID: p.ID, Role: role, Designated: role == vigil.RoleDSL, Active: true}
		if err := s.SaveMembership(ctx, m); err != nil {
			t.Fatalf("seed membership %s: %v", p.Email, err)
		}
		out.Staff[key], out.Roles[key] = p, role
	}
	n := 0
	for key, names := range pupils {
		n++
		p := &vigil.Pupil{
			MISID: slug + "-" + key, LegalForename: names[0], LegalSurname: names[1],
			DateOfBirth: vigil.NewDate(2017, 3, n), Sex: "F", YearGroup: "3", RegGroup: "3O", OnRoll: true,
			Flags: vigil.PupilFlags{},
		}
		if key == "leaver" {
			p.OnRoll, p.LeftOn, p.Destination = false, vigil.NewDate(2026, 7, 20), "Moved out of area"
		}
		if key == "amara" || key == "bruno" {
			p.Flags[vigil.FlagCPPlan] = true
		}
		if err := s.CreatePupil(ctx, p); err != nil {
			t.Fatalf("seed pupil %s: %v", key, err)
		}
		out.Pupils[key] = p
	}
	return out
}
