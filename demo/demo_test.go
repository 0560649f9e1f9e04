package demo_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/demo"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

const password = "Riverside-demo-7!"

// now is in the spring term of the school year that began in September 2025.
var now = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

// wantStaff is every demo account, as the demo's documentation promises.
var wantStaff = []struct {
	key        string
	role       vigil.Role
	designated bool
}{
	{"dsl", vigil.RoleDSL, true},
	{"deputy", vigil.RoleDeputyDSL, true},
	{"head", vigil.RoleHeadteacher, false},
	{"senco", vigil.RoleSENCO, false},
	{"pastoral", vigil.RolePastoral, false},
	{"attendance", vigil.RoleAttendance, false},
	{"teacher", vigil.RoleStaff, false},
	{"governor", vigil.RoleGovernor, false},
	{"admin", vigil.RoleSchoolAdmin, false},
}

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := auth.NewHasher(auth.TestArgon2, 2)
		res, err := demo.Seed(ctx, s, h, password, now)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if !res.Created || res.PupilsAdded != 206 || res.PupilsChanged != 0 || res.ContactsChanged != 206 {
			t.Fatalf("first Seed: created %v, %d added, %d changed, contacts of %d replaced",
				res.Created, res.PupilsAdded, res.PupilsChanged, res.ContactsChanged)
		}
		sc := res.School
		if sc.Slug != "riverside" || sc.Name != "Riverside Primary Academy" || len(sc.URN) != 6 || sc.Phase != "primary" || sc.LocalAuthority == "" {
			t.Fatalf("school = %+v", sc)
		}
		sctx := vigil.SystemContext(ctx, sc.ID)
		checkRoll(t, s, sctx, 2025)
		checkStaff(t, s, h, sctx, res, password)
		persons, contacts := countPersons(t, s), contactIDs(t, s, sctx)

		again, err := demo.Seed(ctx, s, h, password, now)
		if err != nil {
			t.Fatalf("second Seed: %v", err)
		}
		if again.Created || again.School.ID != sc.ID || again.PupilsAdded != 0 || again.PupilsChanged != 0 || again.ContactsChanged != 0 {
			t.Fatalf("second Seed: created %v, school %s (first %s), %d added, %d changed, contacts of %d replaced",
				again.Created, again.School.ID, sc.ID, again.PupilsAdded, again.PupilsChanged, again.ContactsChanged)
		}
		if n := countPersons(t, s); n != persons {
			t.Fatalf("persons: %d after the second Seed, %d before", n, persons)
		}
		if after := contactIDs(t, s, sctx); !sameSet(after, contacts) {
			t.Fatalf("contacts: %d after the second Seed, %d before, or their IDs changed", len(after), len(contacts))
		}
		if schools, err := s.FindSchools(ctx); err != nil || len(schools) != 1 {
			t.Fatalf("FindSchools = %d schools, %v", len(schools), err)
		}
		checkRoll(t, s, sctx, 2025)
		checkStaff(t, s, h, sctx, again, password)
	})
}

func TestSeedNewPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := auth.NewHasher(auth.TestArgon2, 2)
		if _, err := demo.Seed(ctx, s, h, password, now); err != nil {
			t.Fatal(err)
		}
		const newPassword = "Kingfisher&Heron42"
		res, err := demo.Seed(ctx, s, h, newPassword, now)
		if err != nil {
			t.Fatal(err)
		}
		checkStaff(t, s, h, vigil.SystemContext(ctx, res.School.ID), res, newPassword)
		for _, w := range wantStaff {
			p, err := s.FindPersonByEmail(ctx, w.key+"@riverside.example")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := h.Verify(password, p.PasswordHash); ok {
				t.Errorf("%s: the old password still works", w.key)
			}
		}
	})
}

func TestSeedRefusesWeakPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := auth.NewHasher(auth.TestArgon2, 2)
		for _, pw := range []string{"", "short1!", "riverside2026", "Password123!"} {
			_, err := demo.Seed(ctx, s, h, pw, now)
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)["password"] == "" {
				t.Errorf("Seed with a weak password: %v, want EINVALID on password", err)
			}
		}
		if _, err := s.FindSchoolBySlug(ctx, "riverside"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("a refused Seed made the school: %v", err)
		}
	})
}

// TestSeedNewSchoolYear runs Seed later in the same school year, which
// changes nothing, then in the next, which moves every pupil's birthday so
// they still fit their year group.
func TestSeedNewSchoolYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		h := auth.NewHasher(auth.TestArgon2, 2)
		if _, err := demo.Seed(ctx, s, h, password, time.Date(2025, time.September, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		res, err := demo.Seed(ctx, s, h, password, time.Date(2026, time.August, 31, 23, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if res.PupilsAdded != 0 || res.PupilsChanged != 0 || res.ContactsChanged != 0 {
			t.Fatalf("later in the year: %d added, %d changed, contacts of %d replaced", res.PupilsAdded, res.PupilsChanged, res.ContactsChanged)
		}
		res, err = demo.Seed(ctx, s, h, password, time.Date(2026, time.September, 7, 8, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if res.PupilsAdded != 0 || res.PupilsChanged != 206 {
			t.Fatalf("next year: %d added, %d changed", res.PupilsAdded, res.PupilsChanged)
		}
		checkRoll(t, s, vigil.SystemContext(ctx, res.School.ID), 2026)
	})
}

// checkRoll checks the school's pupils and contacts for the school year that
// began in September of year y.
func checkRoll(t *testing.T, s *store.Store, ctx context.Context, y int) {
	t.Helper()
	onRoll, total, err := s.FindPupils(ctx, vigil.PupilFilter{Status: vigil.StatusOnRoll})
	if err != nil || total != 200 || len(onRoll) != 200 {
		t.Fatalf("on roll: %d of %d, %v; want 200", len(onRoll), total, err)
	}
	left, total, err := s.FindPupils(ctx, vigil.PupilFilter{Status: vigil.StatusLeft})
	if err != nil || total != 6 {
		t.Fatalf("left: %d, %v; want 6", total, err)
	}

	perYear := map[string]int{}
	upns, misIDs := map[string]bool{}, map[string]bool{}
	for _, p := range append(onRoll, left...) {
		if msg := vigil.CheckUPN(p.UPN); msg != "" || upns[p.UPN] {
			t.Errorf("pupil %s: UPN %q: %s (or used twice)", p.MISID, p.UPN, msg)
		}
		upns[p.UPN] = true
		if !regexp.MustCompile(`^RPA\d{4}$`).MatchString(p.MISID) || misIDs[p.MISID] {
			t.Errorf("MIS id %q is malformed or used twice", p.MISID)
		}
		misIDs[p.MISID] = true
		if p.Sex != "F" && p.Sex != "M" || p.RegGroup == "" || len(p.RegGroup) >= 40 {
			t.Errorf("pupil %s: sex %q, registration group %q", p.MISID, p.Sex, p.RegGroup)
		}
		yearOf := y
		if !p.OnRoll {
			if !p.LeftOn.Before(vigil.NewDate(y, time.September, 1)) || p.Destination == "" {
				t.Errorf("pupil %s left on %s for %q", p.MISID, p.LeftOn, p.Destination)
			}
			yearOf = academicYear(p.LeftOn)
		} else {
			perYear[p.YearGroup]++
		}
		if !fitsYearGroup(p.DateOfBirth, p.YearGroup, yearOf) {
			t.Errorf("pupil %s, born %s, is not in year group %q in %d/%d", p.MISID, p.DateOfBirth, p.YearGroup, yearOf, yearOf+1)
		}
		checkContacts(t, s, ctx, p)
	}
	for _, yg := range []string{"R", "1", "2", "3", "4", "5", "6"} {
		if n := perYear[yg]; n < 28 || n > 29 {
			t.Errorf("year group %s has %d pupils, want 28 or 29", yg, n)
		}
	}

	count := func(f vigil.Flag) int {
		t.Helper()
		_, n, err := s.FindPupils(ctx, vigil.PupilFilter{Flag: f})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		flag     vigil.Flag
		min, max int
	}{
		{vigil.FlagCPPlan, 3, 3}, {vigil.FlagCIN, 4, 4}, {vigil.FlagLAC, 2, 2}, {vigil.FlagPLAC, 2, 2},
		{vigil.FlagYoungCarer, 3, 3}, {vigil.FlagEarlyHelp, 8, 8}, {vigil.FlagEHCP, 3, 6}, {vigil.FlagSENSupport, 20, 28},
		{vigil.FlagFSM, 34, 46}, {vigil.FlagPupilPremium, 44, 56}, {vigil.FlagEAL, 24, 36},
	} {
		if n := count(tc.flag); n < tc.min || n > tc.max {
			t.Errorf("%d pupils on roll have flag %s, want %d to %d", n, tc.flag, tc.min, tc.max)
		}
	}
	preferred := 0
	for _, p := range onRoll {
		f := p.Flags
		if (f[vigil.FlagFSM] || f[vigil.FlagLAC] || f[vigil.FlagPLAC]) && !f[vigil.FlagPupilPremium] {
			t.Errorf("pupil %s has %v but not pupil premium", p.MISID, f.List())
		}
		if p.PreferredForename != "" {
			preferred++
		}
	}
	if preferred < 10 || preferred > 22 {
		t.Errorf("%d pupils have a preferred forename, want about 16", preferred)
	}
}

var phoneRE = regexp.MustCompile(`^(07700 900|01632 960)\d{3}$`)

// checkContacts checks a pupil has one to three contacts in priority order,
// with fictional phone numbers and email addresses, and that a looked-after
// child's include a foster carer and a social worker.
func checkContacts(t *testing.T, s *store.Store, ctx context.Context, p *vigil.Pupil) {
	t.Helper()
	cs, err := s.FindContacts(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 1 || len(cs) > 3 {
		t.Errorf("pupil %s has %d contacts", p.MISID, len(cs))
	}
	kinds := map[string]bool{}
	for i, c := range cs {
		kinds[c.Relationship] = true
		if c.Priority != i+1 || !phoneRE.MatchString(c.Phone) ||
			c.Email != "" && !strings.HasSuffix(c.Email, "@example.com") && !strings.HasSuffix(c.Email, "@example.org") {
			t.Errorf("pupil %s, contact %d: priority %d, phone %q, email %q", p.MISID, i+1, c.Priority, c.Phone, c.Email)
		}
		if (c.Relationship == "Mother" || c.Relationship == "Father") && !c.ParentalResponsibility {
			t.Errorf("pupil %s: a parent without parental responsibility", p.MISID)
		}
	}
	if p.Flags[vigil.FlagLAC] && (!kinds["Foster carer"] || !kinds["Social worker"]) {
		t.Errorf("looked-after pupil %s has contacts %v", p.MISID, kinds)
	}
}

// checkStaff checks every demo account is a member in its role and signs in
// with the password.
func checkStaff(t *testing.T, s *store.Store, h *auth.Hasher, ctx context.Context, res *demo.Result, password string) {
	t.Helper()
	members, err := s.FindMembers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]*vigil.Membership{}
	for _, m := range members {
		byEmail[m.PersonEmail] = m
	}
	if len(members) != len(wantStaff) || len(res.Staff) != len(wantStaff) {
		t.Fatalf("%d members, %d accounts reported; want %d", len(members), len(res.Staff), len(wantStaff))
	}
	for i, w := range wantStaff {
		email := w.key + "@riverside.example"
		if a := res.Staff[i]; a.Email != email || a.Role != w.role || a.Name == "" {
			t.Errorf("account %d reported as %+v, want %s as %s", i, a, email, w.role)
		}
		m := byEmail[email]
		if m == nil || m.Role != w.role || m.Designated != w.designated || !m.Active {
			t.Errorf("%s: membership %+v, want role %s, designated %v", email, m, w.role, w.designated)
		}
		p, err := s.FindPersonByEmail(context.Background(), email)
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if ok, _ := h.Verify(password, p.PasswordHash); !ok || p.Status != vigil.PersonActive {
			t.Errorf("%s: status %s, password verifies %v", email, p.Status, ok)
		}
	}
}

func countPersons(t *testing.T, s *store.Store) int {
	t.Helper()
	ps, err := s.FindPersons(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

// contactIDs returns the IDs of every contact of every pupil in the school.
func contactIDs(t *testing.T, s *store.Store, ctx context.Context) map[vigil.ContactID]bool {
	t.Helper()
	pupils, _, err := s.FindPupils(ctx, vigil.PupilFilter{Status: vigil.StatusAll})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[vigil.ContactID]bool{}
	for _, p := range pupils {
		cs, err := s.FindContacts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			ids[c.ID] = true
		}
	}
	return ids
}

func sameSet(a, b map[vigil.ContactID]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for id := range a {
		if !b[id] {
			return false
		}
	}
	return true
}

// academicYear returns the year in which the English school year holding d
// began.
func academicYear(d vigil.Date) int {
	if d.Time().Month() >= time.September {
		return d.Time().Year()
	}
	return d.Time().Year() - 1
}

// fitsYearGroup reports whether a child born on dob is in the year group in
// the school year that began in September of year y: a Reception child turns
// five during it, a Year 1 child six, and so on.
func fitsYearGroup(dob vigil.Date, yearGroup string, y int) bool {
	for k, yg := range []string{"R", "1", "2", "3", "4", "5", "6"} {
		if yg == yearGroup {
			return !dob.Before(vigil.NewDate(y-5-k, time.September, 1)) && !dob.After(vigil.NewDate(y-4-k, time.August, 31))
		}
	}
	return false
}
