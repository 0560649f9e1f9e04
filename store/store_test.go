package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct{ name, url, code string }{
		{"scheme", "mysql://x", vigil.EINVALID},
		{"empty sqlite", "sqlite:", vigil.EINVALID},
		{"missing folder", "sqlite:" + filepath.Join(t.TempDir(), "no", "such", "vigil.db"), vigil.EUNAVAILABLE},
		{"bad postgres", "postgres://user@host:notaport/db", vigil.EINVALID},
		{"unreachable postgres", "postgres://nobody@127.0.0.1:1/vigil?connect_timeout=2", vigil.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.Open(ctx, tc.url)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if got := vigil.ErrorCode(err); got != tc.code {
				t.Fatalf("Open(%q) code = %q (%v), want %q", tc.url, got, err, tc.code)
			}
		})
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		n, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("second Migrate applied %d migrations", n)
		}
		cur, latest, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || cur < 1 {
			t.Fatalf("version = %d, latest %d", cur, latest)
		}
	})
}

func TestSchoolsAndCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		bg := context.Background()
		got, err := s.FindSchoolBySlug(bg, "OAK")
		if err != nil || got.ID != f.Oak.ID || got.Settings.IdleTimeoutMinutes != 20 {
			t.Fatalf("FindSchoolBySlug = %+v, %v", got, err)
		}
		dup := &vigil.School{Slug: "oak", Name: "Another Oak"}
		if err := s.CreateSchool(bg, dup); vigil.ErrorFields(err)["slug"] == "" {
			t.Fatalf("duplicate slug: %v", err)
		}
		cats, err := s.FindCategories(f.Oak.Ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.FindCategories(f.Oak.Ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(cats) != 25 || len(all) != 31 {
			t.Fatalf("categories: %d active, %d in all", len(cats), len(all))
		}
		if cats[0].Key != "child_protection" || cats[0].Sensitivity != vigil.SensitivityHigh {
			t.Fatalf("first category %+v", cats[0])
		}
		if _, err := s.FindCategories(bg, true); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("categories without a school: %v", err)
		}
		list, err := s.FindSchools(bg)
		if err != nil || len(list) != 2 || list[0].Slug != "elm" {
			t.Fatalf("FindSchools = %v, %v", list, err)
		}
	})
}

func TestPersonsAndMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		bg := context.Background()
		p, err := s.FindPersonByEmail(bg, "  DSL@Oak.Test ")
		if err != nil || p.ID != f.Oak.Staff["dsl"].ID {
			t.Fatalf("FindPersonByEmail = %v, %v", p, err)
		}
		dup := &vigil.Person{Email: "Dsl@oak.test", Name: "Copy"}
		if err := s.CreatePerson(bg, dup); vigil.ErrorFields(err)["email"] == "" {
			t.Fatalf("email differing only in case was accepted: %v", err)
		}
		// The Oak DSL joins Elm too: two schools to choose from.
		if err := s.SaveMembership(f.Elm.Ctx, &vigil.Membership{PersonID: p.ID, Role: vigil.RoleHeadteacher, Active: true}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.FindMemberships(bg, p.ID)
		if err != nil || len(ms) != 2 || ms[0].SchoolName != "Elm Academy" || ms[0].Role != vigil.RoleHeadteacher {
			t.Fatalf("FindMemberships = %v, %v", ms, err)
		}
		members, err := s.FindMembers(f.Oak.Ctx)
		if err != nil || len(members) != 3 {
			t.Fatalf("Oak members = %d, %v", len(members), err)
		}
		elm, err := s.FindMembers(f.Elm.Ctx)
		if err != nil || len(elm) != 4 {
			t.Fatalf("Elm members = %d, %v", len(elm), err)
		}
		people, err := s.FindPersons(f.Oak.Ctx)
		if err != nil || len(people) != 3 {
			t.Fatalf("Oak persons = %d, %v", len(people), err)
		}
		everyone, err := s.FindPersons(bg)
		if err != nil || len(everyone) != 6 {
			t.Fatalf("all persons = %d, %v", len(everyone), err)
		}
	})
}
