package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// TestIsolationOtherSchoolsPupil checks that, acting for Oak, an Elm pupil's
// id answers exactly as a missing one and nothing of Elm's changes.
func TestIsolationOtherSchoolsPupil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak := f.Oak.Ctx
		bruno := f.Elm.Pupils["bruno"]
		elmContact := []*vigil.Contact{{Name: "Rita Costa", Relationship: "Mother", Priority: 1, Phone: "07700 900456"}}
		if err := s.ReplaceContacts(f.Elm.Ctx, bruno.ID, elmContact); err != nil {
			t.Fatal(err)
		}
		missing := vigil.PupilID(vigil.NewID())

		_, errMissing := s.FindPupilByID(oak, missing)
		if vigil.ErrorCode(errMissing) != vigil.ENOTFOUND {
			t.Fatalf("missing pupil: %v", errMissing)
		}
		got, err := s.FindPupilByID(oak, bruno.ID)
		if vigil.ErrorCode(err) != vigil.ENOTFOUND || got != nil {
			t.Fatalf("FindPupilByID(Elm's pupil) = %v, %v; want ENOTFOUND", got, err)
		}
		if vigil.ErrorMessage(err) != vigil.ErrorMessage(errMissing) {
			t.Fatalf("another school's pupil answers %q, a missing one %q", vigil.ErrorMessage(err), vigil.ErrorMessage(errMissing))
		}

		upd := new(*bruno)
		upd.Flags = vigil.PupilFlags{}
		upd.LegalSurname, upd.RegGroup = "Overwritten", "6X"
		if err := s.UpdatePupil(oak, upd); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("UpdatePupil(Elm's pupil) = %v; want ENOTFOUND", err)
		}
		err = s.ReplaceContacts(oak, bruno.ID, []*vigil.Contact{{Name: "Intruder", Priority: 1}})
		if vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("ReplaceContacts(Elm's pupil) = %v; want ENOTFOUND", err)
		}
		if cs, err := s.FindContacts(oak, bruno.ID); err != nil || len(cs) != 0 {
			t.Fatalf("FindContacts(Elm's pupil) = %d contacts, %v; want none", len(cs), err)
		}
		// Oak saving a pupil with Elm's MIS id makes an Oak pupil.
		twin := newPupil("elm-bruno", "Bruno", "Twin")
		if added, changed, err := s.SavePupilsByMISID(oak, []*vigil.Pupil{twin}); err != nil || added != 1 || changed != 0 {
			t.Fatalf("SavePupilsByMISID(Elm's MIS id) = %d, %d, %v; want 1 added", added, changed, err)
		}
		if twin.ID == bruno.ID || twin.SchoolID != f.Oak.ID {
			t.Fatalf("Oak's pupil took Elm's id %s or school %s", twin.ID, twin.SchoolID)
		}

		// Elm's pupil and contacts are as they were.
		still, err := s.FindPupilByID(f.Elm.Ctx, bruno.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := pupilDiff(bruno, still); len(d) > 0 {
			t.Fatalf("Elm's pupil changed:\n%s", strings.Join(d, "\n"))
		}
		cs, err := s.FindContacts(f.Elm.Ctx, bruno.ID)
		if err != nil || len(cs) != 1 || cs[0].Name != "Rita Costa" {
			t.Fatalf("Elm's contacts = %v, %v", cs, err)
		}
	})
}

// TestIsolationFindPupils checks that no list or search for Oak shows an Elm
// pupil.
func TestIsolationFindPupils(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		elmIDs := map[vigil.PupilID]bool{}
		for _, p := range f.Elm.Pupils {
			elmIDs[p.ID] = true
		}
		for _, flt := range []vigil.PupilFilter{
			{Status: vigil.StatusAll},
			{Status: vigil.StatusAll, Query: "bruno"},
			{Status: vigil.StatusAll, Query: "costa"},
			{Status: vigil.StatusAll, Query: "ellie marsh"},
			{Status: vigil.StatusAll, Query: "elm"}, // Elm's MIS ids start elm-
			{Status: vigil.StatusAll, Flag: vigil.FlagCPPlan},
			{Status: vigil.StatusAll, YearGroup: "3", RegGroup: "3O"},
			{Status: vigil.StatusAll, ID: &f.Elm.Pupils["ellie"].ID},
			{Status: vigil.StatusAll, MISID: new("elm-ellie")},
		} {
			list, total := mustFind(t, s, f.Oak.Ctx, flt)
			for _, p := range list {
				if elmIDs[p.ID] || p.SchoolID != f.Oak.ID {
					t.Errorf("Oak's FindPupils(%+v) listed %s of school %s", flt, p.Name(), p.SchoolID)
				}
			}
			if len(list) != total {
				t.Errorf("Oak's FindPupils(%+v): %d listed, total %d", flt, len(list), total)
			}
			if flt.Query != "" || flt.ID != nil || flt.MISID != nil {
				if total != 0 {
					t.Errorf("Oak's FindPupils(%+v) found %d, want 0", flt, total)
				}
			}
		}
		// The same searches do find Elm's pupils for Elm, so the zeros
		// above are not an accident of the query.
		for _, q := range []string{"bruno", "costa", "ellie marsh", "elm"} {
			if _, n := mustFind(t, s, f.Elm.Ctx, vigil.PupilFilter{Query: q}); n == 0 {
				t.Errorf("Elm's own search %q found nothing", q)
			}
		}
		if _, n := mustFind(t, s, f.Oak.Ctx, vigil.PupilFilter{Status: vigil.StatusAll}); n != len(f.Oak.Pupils) {
			t.Errorf("Oak lists %d pupils, want %d", n, len(f.Oak.Pupils))
		}
	})
}

// TestIsolationNoSchool checks that every tenant method refuses a context
// that names no school, and saves nothing.
func TestIsolationNoSchool(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		amara := f.Oak.Pupils["amara"]
		for _, c := range []struct {
			name string
			ctx  context.Context
		}{
			{"no actor", context.Background()},
			{"actor without school", vigil.NewContext(context.Background(), &vigil.Actor{PersonID: f.Oak.Staff["dsl"].ID})},
		} {
			ctx := c.ctx
			for _, tc := range []struct {
				name string
				call func() error
			}{
				{"FindPupilByID", func() error { _, err := s.FindPupilByID(ctx, amara.ID); return err }},
				{"FindPupils", func() error { _, _, err := s.FindPupils(ctx, vigil.PupilFilter{Status: vigil.StatusAll}); return err }},
				{"CreatePupil", func() error { return s.CreatePupil(ctx, newPupil("nobody-1", "No", "School")) }},
				{"UpdatePupil", func() error {
					p := new(*amara)
					p.LegalSurname = "Changed"
					return s.UpdatePupil(ctx, p)
				}},
				{"SavePupilsByMISID", func() error {
					_, _, err := s.SavePupilsByMISID(ctx, []*vigil.Pupil{newPupil("nobody-2", "No", "School")})
					return err
				}},
				{"FindContacts", func() error { _, err := s.FindContacts(ctx, amara.ID); return err }},
				{"ReplaceContacts", func() error {
					return s.ReplaceContacts(ctx, amara.ID, []*vigil.Contact{{Name: "Nobody", Priority: 1}})
				}},
				{"YearGroupsInUse", func() error { _, err := s.YearGroupsInUse(ctx); return err }},
				{"FindCategories", func() error { _, err := s.FindCategories(ctx, false); return err }},
				{"FindMembers", func() error { _, err := s.FindMembers(ctx); return err }},
			} {
				if err := tc.call(); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
					t.Errorf("%s: %s = %v; want EFORBIDDEN", c.name, tc.name, err)
				}
			}
		}
		// Nothing was written.
		if _, n := mustFind(t, s, f.Oak.Ctx, vigil.PupilFilter{Status: vigil.StatusAll, Query: "school"}); n != 0 {
			t.Errorf("%d pupils were saved without a school", n)
		}
		got, err := s.FindPupilByID(f.Oak.Ctx, amara.ID)
		if err != nil || got.LegalSurname != amara.LegalSurname {
			t.Errorf("Amara after refused calls: %v, %v", got, err)
		}
		if cs, err := s.FindContacts(f.Oak.Ctx, amara.ID); err != nil || len(cs) != 0 {
			t.Errorf("Amara's contacts after refused calls: %d, %v", len(cs), err)
		}
	})
}

// TestIsolationMalformedID checks that an id Vigil could not have issued is
// ENOTFOUND, never an internal error, on both databases.
func TestIsolationMalformedID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		amara := f.Oak.Pupils["amara"]
		for _, id := range []string{
			"",
			"42",
			"not-a-uuid",
			"' OR '1'='1",
			strings.ToUpper(string(amara.ID)), // a real id in another form
			"{" + string(amara.ID) + "}",      // PostgreSQL accepts braces
			strings.ReplaceAll(string(amara.ID), "-", ""), // and no hyphens
			string(amara.ID) + "x",
		} {
			pid := vigil.PupilID(id)
			if _, err := s.FindPupilByID(ctx, pid); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("FindPupilByID(%q) = %v; want ENOTFOUND", id, err)
			}
			p := new(*amara)
			p.ID, p.LegalSurname = pid, "Malformed"
			if err := s.UpdatePupil(ctx, p); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("UpdatePupil(%q) = %v; want ENOTFOUND", id, err)
			}
			err := s.ReplaceContacts(ctx, pid, []*vigil.Contact{{Name: "Malformed", Priority: 1}})
			if vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("ReplaceContacts(%q) = %v; want ENOTFOUND", id, err)
			}
			if cs, err := s.FindContacts(ctx, pid); len(cs) != 0 || err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("FindContacts(%q) = %d contacts, %v; want none", id, len(cs), err)
			}
		}
		got, err := s.FindPupilByID(ctx, amara.ID)
		if err != nil || got.LegalSurname != amara.LegalSurname {
			t.Errorf("Amara after malformed ids: %v, %v", got, err)
		}
		if cs, err := s.FindContacts(ctx, amara.ID); err != nil || len(cs) != 0 {
			t.Errorf("Amara's contacts after malformed ids: %d, %v", len(cs), err)
		}
	})
}
