package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// validUPN returns a well-formed UPN for serial n: its check letter followed
// by twelve digits.
func validUPN(n int) string {
	rest := fmt.Sprintf("%012d", n)
	return string(vigil.UPNCheckLetter(rest)) + rest
}

// newPupil returns a valid pupil on roll in Year 3 with no flags.
func newPupil(mis, forename, surname string) *vigil.Pupil {
	return &vigil.Pupil{
		MISID: mis, LegalForename: forename, LegalSurname: surname,
		DateOfBirth: vigil.NewDate(2017, 9, 14), Sex: "M", YearGroup: "3", RegGroup: "3E", OnRoll: true,
		Flags: vigil.PupilFlags{},
	}
}

// pupilDiff lists every stored field on which got differs from want.
func pupilDiff(want, got *vigil.Pupil) []string {
	var d []string
	str := func(name, w, g string) {
		if w != g {
			d = append(d, fmt.Sprintf("%s = %q, want %q", name, g, w))
		}
	}
	str("ID", string(want.ID), string(got.ID))
	str("SchoolID", string(want.SchoolID), string(got.SchoolID))
	str("MISID", want.MISID, got.MISID)
	str("UPN", want.UPN, got.UPN)
	str("LegalForename", want.LegalForename, got.LegalForename)
	str("LegalSurname", want.LegalSurname, got.LegalSurname)
	str("PreferredForename", want.PreferredForename, got.PreferredForename)
	str("PreferredSurname", want.PreferredSurname, got.PreferredSurname)
	str("Sex", want.Sex, got.Sex)
	str("YearGroup", want.YearGroup, got.YearGroup)
	str("RegGroup", want.RegGroup, got.RegGroup)
	str("Destination", want.Destination, got.Destination)
	// Dates are compared with ==, as SavePupilsByMISID compares them.
	if want.DateOfBirth != got.DateOfBirth {
		d = append(d, fmt.Sprintf("DateOfBirth = %v, want %v", got.DateOfBirth, want.DateOfBirth))
	}
	if want.LeftOn != got.LeftOn {
		d = append(d, fmt.Sprintf("LeftOn = %v, want %v", got.LeftOn, want.LeftOn))
	}
	if want.OnRoll != got.OnRoll {
		d = append(d, fmt.Sprintf("OnRoll = %v, want %v", got.OnRoll, want.OnRoll))
	}
	if !slices.Equal(want.Flags.List(), got.Flags.List()) {
		d = append(d, fmt.Sprintf("Flags = %v, want %v", got.Flags.List(), want.Flags.List()))
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d = append(d, fmt.Sprintf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt))
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		d = append(d, fmt.Sprintf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt))
	}
	return d
}

// surnames returns the surname each pupil goes by, in list order.
func surnames(ps []*vigil.Pupil) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Surname()
	}
	return out
}

// mustFind returns the pupils matching f, failing the test on error.
func mustFind(t *testing.T, s *store.Store, ctx context.Context, f vigil.PupilFilter) ([]*vigil.Pupil, int) {
	t.Helper()
	list, total, err := s.FindPupils(ctx, f)
	if err != nil {
		t.Fatalf("FindPupils(%+v): %v", f, err)
	}
	return list, total
}

func TestPupilRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		created := time.Date(2026, 9, 1, 8, 30, 15, 123456000, time.UTC)
		now := created
		s.Now = func() time.Time { return now }

		upn := validUPN(820200100001)
		leaver := &vigil.Pupil{
			MISID: "oak-1001", UPN: "  " + strings.ToLower(upn) + " ",
			LegalForename: "Zoë", LegalSurname: "O'Brien-Ng", PreferredForename: "Zee", PreferredSurname: "Ng",
			DateOfBirth: vigil.NewDate(2015, 2, 28), Sex: "X", YearGroup: "6", RegGroup: "6 Rowan",
			OnRoll: false, LeftOn: vigil.NewDate(2026, 7, 22), Destination: "Elm Academy, Testshire",
			Flags: vigil.PupilFlags{},
		}
		for _, fl := range vigil.Flags {
			leaver.Flags[fl] = true
		}
		plain := newPupil("", "Sam", "Lee") // no MIS id, no UPN, no flags
		plain.Sex, plain.YearGroup, plain.RegGroup = "", "", ""
		for _, p := range []*vigil.Pupil{leaver, plain} {
			if err := s.CreatePupil(ctx, p); err != nil {
				t.Fatalf("CreatePupil %s: %v", p.LegalForename, err)
			}
			if !vigil.ValidID(string(p.ID)) || p.SchoolID != f.Oak.ID {
				t.Fatalf("CreatePupil set ID %q, school %q", p.ID, p.SchoolID)
			}
		}
		if leaver.UPN != upn {
			t.Fatalf("UPN normalised to %q, want %q", leaver.UPN, upn)
		}

		want := map[*vigil.Pupil]*vigil.Pupil{}
		for _, p := range []*vigil.Pupil{leaver, plain} {
			w := *p
			w.CreatedAt, w.UpdatedAt = created, created
			want[p] = &w
			got, err := s.FindPupilByID(ctx, p.ID)
			if err != nil {
				t.Fatalf("FindPupilByID %s: %v", p.LegalForename, err)
			}
			if d := pupilDiff(&w, got); len(d) > 0 {
				t.Errorf("pupil %s read back differently:\n%s", p.LegalForename, strings.Join(d, "\n"))
			}
		}

		// UpdatePupil changes every field and keeps CreatedAt.
		now = created.Add(90 * time.Minute)
		upd := *want[leaver]
		upd.Flags = vigil.PupilFlags{vigil.FlagEAL: true}
		upd.UPN, upd.MISID = "", "oak-1001b"
		upd.LegalForename, upd.LegalSurname, upd.PreferredForename, upd.PreferredSurname = "Zoe", "Obrien", "", ""
		upd.DateOfBirth, upd.Sex, upd.YearGroup, upd.RegGroup = vigil.NewDate(2015, 3, 1), "F", "5", "5R"
		upd.OnRoll, upd.LeftOn, upd.Destination = true, vigil.Date{}, ""
		if err := s.UpdatePupil(ctx, &upd); err != nil {
			t.Fatalf("UpdatePupil: %v", err)
		}
		upd.UpdatedAt = now
		got, err := s.FindPupilByID(ctx, leaver.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := pupilDiff(&upd, got); len(d) > 0 {
			t.Errorf("updated pupil read back differently:\n%s", strings.Join(d, "\n"))
		}
		// The other pupil is untouched.
		got, err = s.FindPupilByID(ctx, plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := pupilDiff(want[plain], got); len(d) > 0 {
			t.Errorf("other pupil changed:\n%s", strings.Join(d, "\n"))
		}
	})
}

func TestPupilValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		_, before := mustFind(t, s, ctx, vigil.PupilFilter{Status: vigil.StatusAll})
		for _, tc := range []struct {
			name, field string
			edit        func(p *vigil.Pupil)
		}{
			{"UPN starting with a digit", "upn", func(p *vigil.Pupil) {
				u := validUPN(820200100002)
				p.UPN = "1" + u[1:]
			}},
			{"short UPN", "upn", func(p *vigil.Pupil) { p.UPN = "A12345" }},
			{"missing legal surname", "legal_surname", func(p *vigil.Pupil) { p.LegalSurname = "  " }},
			{"missing legal forename", "legal_forename", func(p *vigil.Pupil) { p.LegalForename = "" }},
			{"future date of birth", "date_of_birth", func(p *vigil.Pupil) { p.DateOfBirth = vigil.DateOf(time.Now().AddDate(1, 0, 0)) }},
			{"no date of birth", "date_of_birth", func(p *vigil.Pupil) { p.DateOfBirth = vigil.Date{} }},
			{"on roll with leaving date", "left_on", func(p *vigil.Pupil) { p.LeftOn = vigil.NewDate(2026, 7, 1) }},
			{"left without leaving date", "left_on", func(p *vigil.Pupil) { p.OnRoll = false }},
			{"unknown sex", "sex", func(p *vigil.Pupil) { p.Sex = "Q" }},
			{"unknown year group", "year_group", func(p *vigil.Pupil) { p.YearGroup = "15" }},
			{"unknown flag", "flags", func(p *vigil.Pupil) { p.Flags["wizard"] = true }},
			{"control character", "legal_forename", func(p *vigil.Pupil) { p.LegalForename = "Ann\x00" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := newPupil("oak-invalid", "Invalid", "Quarantine")
				tc.edit(p)
				err := s.CreatePupil(ctx, p)
				if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
					t.Fatalf("CreatePupil error = %v (fields %v), want EINVALID naming %q", err, vigil.ErrorFields(err), tc.field)
				}
				if _, n := mustFind(t, s, ctx, vigil.PupilFilter{Status: vigil.StatusAll}); n != before {
					t.Fatalf("%d pupils after a refused create, want %d", n, before)
				}

				// The same change refused on update leaves the pupil as it was.
				orig := f.Oak.Pupils["ben"]
				p = new(*orig)
				p.Flags = vigil.PupilFlags{}
				p.RegGroup = "Changed" // a change that would show if saved
				tc.edit(p)
				err = s.UpdatePupil(ctx, p)
				if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
					t.Fatalf("UpdatePupil error = %v, want EINVALID naming %q", err, tc.field)
				}
				got, err := s.FindPupilByID(ctx, orig.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := pupilDiff(orig, got); len(d) > 0 {
					t.Fatalf("refused update changed the pupil:\n%s", strings.Join(d, "\n"))
				}
			})
		}
	})
}

func TestFindPupils(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		bobby := newPupil("oak-bobby", "Robert", "Smith")
		bobby.PreferredForename, bobby.PreferredSurname, bobby.UPN = "Bobby", "Jones", validUPN(820200100003)
		bobby.YearGroup, bobby.Flags[vigil.FlagFSM] = "5", true
		zoe := newPupil("oak-zoe", "Zoë", "Åberg")
		zoe.YearGroup, zoe.Flags[vigil.FlagFSM], zoe.Flags[vigil.FlagEAL] = "5", true, true
		// MIS ids are searched too: one holds a literal "_" and "%", the
		// other would match if they were wildcards.
		under := newPupil("oak-x_1%", "Una", "Underscore")
		near := newPupil("oak-xy1z", "Nia", "Near")
		for _, p := range []*vigil.Pupil{bobby, zoe, under, near} {
			if err := s.CreatePupil(ctx, p); err != nil {
				t.Fatalf("CreatePupil %s: %v", p.LegalForename, err)
			}
		}

		for _, tc := range []struct {
			name  string
			f     vigil.PupilFilter
			names []string // surnames as the pupil goes by, in list order
		}{
			{"default is on roll, by surname", vigil.PupilFilter{},
				[]string{"Hughes", "Jones", "Near", "Nowak", "Okafor", "Underscore", "Åberg"}},
			{"left", vigil.PupilFilter{Status: vigil.StatusLeft}, []string{"Price"}},
			{"all", vigil.PupilFilter{Status: vigil.StatusAll},
				[]string{"Hughes", "Jones", "Near", "Nowak", "Okafor", "Price", "Underscore", "Åberg"}},
			{"query upper case", vigil.PupilFilter{Query: "OKAFOR"}, []string{"Okafor"}},
			{"query with spaces", vigil.PupilFilter{Query: "  okaf  "}, []string{"Okafor"}},
			{"query non-ASCII upper case", vigil.PupilFilter{Query: "ZOË"}, []string{"Åberg"}},
			{"query preferred forename", vigil.PupilFilter{Query: "bobby"}, []string{"Jones"}},
			{"query preferred surname", vigil.PupilFilter{Query: "Jones"}, []string{"Jones"}},
			{"query legal surname", vigil.PupilFilter{Query: "smith"}, []string{"Jones"}},
			{"query UPN", vigil.PupilFilter{Query: strings.ToLower(bobby.UPN)}, []string{"Jones"}},
			{"query every word", vigil.PupilFilter{Query: "amara okafor"}, []string{"Okafor"}},
			{"query one word missing", vigil.PupilFilter{Query: "amara hughes"}, nil},
			{"query left pupil needs status", vigil.PupilFilter{Query: "price"}, nil},
			{"query left pupil", vigil.PupilFilter{Query: "price", Status: vigil.StatusAll}, []string{"Price"}},
			{"percent is literal", vigil.PupilFilter{Query: "ok%r"}, nil},
			{"underscore is literal", vigil.PupilFilter{Query: "o_afor"}, nil},
			{"lone percent", vigil.PupilFilter{Query: "%"}, []string{"Underscore"}},
			{"lone underscore", vigil.PupilFilter{Query: "_"}, []string{"Underscore"}},
			{"literal match only", vigil.PupilFilter{Query: "x_1%"}, []string{"Underscore"}},
			{"backslash is literal", vigil.PupilFilter{Query: `\`}, nil},
			{"year group", vigil.PupilFilter{YearGroup: "5"}, []string{"Jones", "Åberg"}},
			{"year group none", vigil.PupilFilter{YearGroup: "11"}, nil},
			{"flag", vigil.PupilFilter{Flag: vigil.FlagCPPlan}, []string{"Okafor"}},
			{"flag and query", vigil.PupilFilter{Flag: vigil.FlagFSM, Query: "zo"}, []string{"Åberg"}},
			{"flag and year", vigil.PupilFilter{Flag: vigil.FlagEAL, YearGroup: "5"}, []string{"Åberg"}},
			{"reg group", vigil.PupilFilter{RegGroup: "3O"}, []string{"Hughes", "Nowak", "Okafor"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				list, total := mustFind(t, s, ctx, tc.f)
				if got := surnames(list); !slices.Equal(got, tc.names) || total != len(tc.names) {
					t.Fatalf("FindPupils(%+v) = %q (total %d), want %q", tc.f, got, total, tc.names)
				}
				for _, p := range list {
					if p.SchoolID != f.Oak.ID {
						t.Fatalf("pupil %s has school %s", p.ID, p.SchoolID)
					}
				}
			})
		}
	})
}

func TestFindPupilsPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		// Created in reverse, so the order must come from the query.
		var want []string
		for i := 11; i >= 0; i-- {
			p := newPupil(fmt.Sprintf("page-%02d", i), "Pat", fmt.Sprintf("Page%02d", i))
			p.YearGroup = "7"
			if err := s.CreatePupil(ctx, p); err != nil {
				t.Fatal(err)
			}
			want = append([]string{p.LegalSurname}, want...)
		}
		var got []string
		for _, page := range []struct{ offset, n int }{{0, 5}, {5, 5}, {10, 2}, {15, 0}} {
			list, total := mustFind(t, s, ctx, vigil.PupilFilter{YearGroup: "7", Limit: 5, Offset: page.offset})
			if len(list) != page.n || total != 12 {
				t.Fatalf("offset %d: %d pupils, total %d; want %d, total 12", page.offset, len(list), total, page.n)
			}
			got = append(got, surnames(list)...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages = %q, want %q", got, want)
		}
		// A query narrows the total as well as the page.
		list, total := mustFind(t, s, ctx, vigil.PupilFilter{Query: "page1", Limit: 1})
		if total != 2 || len(list) != 1 || list[0].LegalSurname != "Page10" {
			t.Fatalf("query page = %q, total %d", surnames(list), total)
		}
	})
}

func TestSavePupilsByMISID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		batch := func() []*vigil.Pupil {
			a := newPupil("mis-1", "Ada", "Ansah")
			a.UPN = validUPN(820200100004)
			b := newPupil("mis-2", "Bea", "Bell")
			b.Flags[vigil.FlagSENSupport] = true
			c := newPupil("mis-3", "Cal", "Cole")
			c.OnRoll, c.LeftOn, c.Destination = false, vigil.NewDate(2026, 4, 1), "Home educated"
			return []*vigil.Pupil{a, b, c}
		}
		first := batch()
		added, changed, err := s.SavePupilsByMISID(ctx, first)
		if err != nil || added != 3 || changed != 0 {
			t.Fatalf("first save: added %d, changed %d, %v; want 3, 0", added, changed, err)
		}
		stored := map[string]*vigil.Pupil{}
		for _, p := range first {
			got, err := s.FindPupilByID(ctx, p.ID)
			if err != nil {
				t.Fatalf("saved pupil %s: %v", p.MISID, err)
			}
			stored[p.MISID] = got
		}

		// The same input again changes nothing, not even UpdatedAt.
		again := batch()
		added, changed, err = s.SavePupilsByMISID(ctx, again)
		if err != nil || added != 0 || changed != 0 {
			t.Fatalf("same input: added %d, changed %d, %v; want 0, 0", added, changed, err)
		}
		for _, p := range again {
			got, err := s.FindPupilByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := pupilDiff(stored[p.MISID], got); len(d) > 0 {
				t.Fatalf("unchanged pupil %s differs:\n%s", p.MISID, strings.Join(d, "\n"))
			}
		}

		// One changed field, one changed flag, one new pupil.
		s.Now = func() time.Time { return time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC) }
		third := batch()
		third[0].RegGroup = "3W"
		third[1].Flags[vigil.FlagEHCP] = true
		third = append(third, newPupil("mis-4", "Dev", "Dunn"))
		added, changed, err = s.SavePupilsByMISID(ctx, third)
		if err != nil || added != 1 || changed != 2 {
			t.Fatalf("changes: added %d, changed %d, %v; want 1, 2", added, changed, err)
		}
		for i, p := range third[:3] {
			got, err := s.FindPupilByID(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *stored[p.MISID]
			want.RegGroup, want.Flags = p.RegGroup, p.Flags
			if i < 2 {
				want.UpdatedAt = s.Now().UTC()
			}
			if d := pupilDiff(&want, got); len(d) > 0 {
				t.Errorf("pupil %s after sync:\n%s", p.MISID, strings.Join(d, "\n"))
			}
			stored[p.MISID] = got
		}

		_, all := mustFind(t, s, ctx, vigil.PupilFilter{Status: vigil.StatusAll})
		unchanged := func(t *testing.T) {
			t.Helper()
			if _, n := mustFind(t, s, ctx, vigil.PupilFilter{Status: vigil.StatusAll}); n != all {
				t.Fatalf("%d pupils after a refused batch, want %d", n, all)
			}
			for mis, want := range stored {
				got, err := s.FindPupilByID(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := pupilDiff(want, got); len(d) > 0 {
					t.Fatalf("refused batch changed %s:\n%s", mis, strings.Join(d, "\n"))
				}
			}
		}
		for _, tc := range []struct {
			name, field string
			edit        func([]*vigil.Pupil) []*vigil.Pupil
		}{
			{"one invalid", "date_of_birth", func(ps []*vigil.Pupil) []*vigil.Pupil {
				ps[0].RegGroup = "3Z" // a change that must not be kept
				bad := newPupil("mis-5", "Eve", "Evans")
				bad.DateOfBirth = vigil.DateOf(time.Now().AddDate(0, 1, 0))
				return append(ps, newPupil("mis-6", "Fin", "Ford"), bad)
			}},
			{"no MIS id", "mis_id", func(ps []*vigil.Pupil) []*vigil.Pupil {
				return append(ps, newPupil("mis-7", "Gus", "Gray"), newPupil("", "Hal", "Hunt"))
			}},
			{"duplicate MIS id in batch", "mis_id", func(ps []*vigil.Pupil) []*vigil.Pupil {
				ps[0].RegGroup = "3Z" // written before the failing insert, then rolled back
				return append(ps, newPupil("mis-8", "Ivy", "Ives"), newPupil("mis-8", "Jo", "Jay"))
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ps := batch()
				ps[0].RegGroup = "3W"
				ps[1].Flags[vigil.FlagEHCP] = true
				ps = tc.edit(append(ps, newPupil("mis-4", "Dev", "Dunn")))
				added, changed, err := s.SavePupilsByMISID(ctx, ps)
				if vigil.ErrorFields(err)[tc.field] == "" {
					t.Fatalf("SavePupilsByMISID error = %v (fields %v), want one naming %q", err, vigil.ErrorFields(err), tc.field)
				}
				if code := vigil.ErrorCode(err); code != vigil.EINVALID && code != vigil.ECONFLICT {
					t.Fatalf("error code %q, want invalid or conflict", code)
				}
				if added != 0 || changed != 0 {
					t.Fatalf("refused batch reported added %d, changed %d", added, changed)
				}
				unchanged(t)
			})
		}

		// CreatePupil with a MIS id already in use is refused on that field.
		err = s.CreatePupil(ctx, newPupil("mis-1", "Kit", "Kerr"))
		if vigil.ErrorFields(err)["mis_id"] == "" {
			t.Fatalf("CreatePupil with a used MIS id: %v", err)
		}
		if code := vigil.ErrorCode(err); code != vigil.EINVALID && code != vigil.ECONFLICT {
			t.Fatalf("error code %q, want invalid or conflict", code)
		}
		unchanged(t)
		// ...and so is moving another pupil onto it.
		p := new(*stored["mis-2"])
		p.MISID = "mis-1"
		if err := s.UpdatePupil(ctx, p); vigil.ErrorFields(err)["mis_id"] == "" {
			t.Fatalf("UpdatePupil onto a used MIS id: %v", err)
		}
		unchanged(t)

		// MIS ids are per school: Elm may use the same one.
		added, _, err = s.SavePupilsByMISID(f.Elm.Ctx, []*vigil.Pupil{newPupil("mis-1", "Lou", "Lamb")})
		if err != nil || added != 1 {
			t.Fatalf("Elm saving Oak's MIS id: added %d, %v", added, err)
		}
		unchanged(t)
	})
}

func TestContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		ctx := f.Oak.Ctx
		amara, ben := f.Oak.Pupils["amara"].ID, f.Oak.Pupils["ben"].ID
		contacts := func() []*vigil.Contact {
			return []*vigil.Contact{
				{Name: "Social Worker", Relationship: "Social worker", Priority: 3, Phone: "01234 567890", Email: "sw@la.test", Address: "County Hall\nTestshire"},
				{Name: "Ngozi Okafor", Relationship: "Mother", ParentalResponsibility: true, Priority: 1, Phone: "+44 (0)7700 900123", Email: " Ngozi@Example.Test "},
				{Name: "Bayo Okafor", Relationship: "Father", ParentalResponsibility: true, Priority: 2},
				{Name: "Ada Okafor", Relationship: "Grandparent", Priority: 2},
			}
		}
		if err := s.ReplaceContacts(ctx, ben, []*vigil.Contact{{Name: "Ben's Dad", Priority: 1}}); err != nil {
			t.Fatal(err)
		}
		in := contacts()
		if err := s.ReplaceContacts(ctx, amara, in); err != nil {
			t.Fatalf("ReplaceContacts: %v", err)
		}
		got, err := s.FindContacts(ctx, amara)
		if err != nil {
			t.Fatal(err)
		}
		want := []*vigil.Contact{in[1], in[3], in[2], in[0]} // priority, then name
		if len(got) != len(want) {
			t.Fatalf("%d contacts, want %d", len(got), len(want))
		}
		for i, w := range want {
			if w.Email == " Ngozi@Example.Test " {
				t.Fatalf("email was not normalised by Validate")
			}
			if *got[i] != *w {
				t.Errorf("contact %d = %+v, want %+v", i, *got[i], *w)
			}
			if got[i].SchoolID != f.Oak.ID || got[i].PupilID != amara || !vigil.ValidID(string(got[i].ID)) {
				t.Errorf("contact %d ids: %+v", i, *got[i])
			}
		}

		// An invalid contact refuses the whole replacement.
		bad := contacts()
		bad[2].Phone = "call me"
		if err := s.ReplaceContacts(ctx, amara, bad); vigil.ErrorFields(err)["phone"] == "" {
			t.Fatalf("invalid phone: %v", err)
		}
		bad = contacts()[:1]
		bad[0].Priority = 0
		if err := s.ReplaceContacts(ctx, amara, bad); vigil.ErrorFields(err)["priority"] == "" {
			t.Fatalf("priority 0: %v", err)
		}
		if got, err := s.FindContacts(ctx, amara); err != nil || len(got) != 4 {
			t.Fatalf("after refused replacements: %d contacts, %v", len(got), err)
		}

		// Replacing leaves exactly the new list; other pupils keep theirs.
		if err := s.ReplaceContacts(ctx, amara, contacts()[2:3]); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindContacts(ctx, amara); err != nil || len(got) != 1 || got[0].Name != "Bayo Okafor" {
			t.Fatalf("after replacing with one: %v, %v", got, err)
		}
		if err := s.ReplaceContacts(ctx, amara, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindContacts(ctx, amara); err != nil || len(got) != 0 {
			t.Fatalf("after replacing with none: %d, %v", len(got), err)
		}
		if got, err := s.FindContacts(ctx, ben); err != nil || len(got) != 1 || got[0].Name != "Ben's Dad" {
			t.Fatalf("Ben's contacts: %v, %v", got, err)
		}
		// A pupil that does not exist has no contacts to replace.
		if err := s.ReplaceContacts(ctx, vigil.PupilID(vigil.NewID()), contacts()); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("contacts for a missing pupil: %v", err)
		}
	})
}

func TestYearGroupsInUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		for _, tc := range []struct {
			ctx  context.Context
			mis  string
			year string
		}{
			{f.Oak.Ctx, "y10", "10"}, {f.Oak.Ctx, "yR", "R"}, {f.Oak.Ctx, "yN1", "N1"}, {f.Oak.Ctx, "ynone", ""},
			{f.Elm.Ctx, "y13", "13"},
		} {
			p := newPupil(tc.mis, "Yan", "Year")
			p.YearGroup = tc.year
			if err := s.CreatePupil(tc.ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			want []string
		}{
			{"oak", f.Oak.Ctx, []string{"N1", "R", "3", "10"}},
			{"elm", f.Elm.Ctx, []string{"3", "13"}},
		} {
			got, err := s.YearGroupsInUse(tc.ctx)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s YearGroupsInUse = %q, %v; want %q", tc.name, got, err, tc.want)
			}
		}
	})
}
