package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func TestStaffAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		teacher := oak.Staff["teacher"]
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/staff").Want(t, http.StatusOK, "teacher@oak.test", "elm.test")
		admin.Get(t, "/staff/"+string(elm.Staff["teacher"].ID)).Want(t, http.StatusNotFound, "Page not found", "elm.test")

		// The teacher's session ends the moment they are deactivated.
		tc := env.SignIn(t, teacher.Email)
		tc.Get(t, "/").Want(t, http.StatusOK, "Hello", "")
		admin.PostForm(t, "/staff/"+string(teacher.ID)+"/deactivate", nil).Want(t, http.StatusOK, "their sessions have ended", "")
		tc.Get(t, "/").Want(t, http.StatusSeeOther, "", "")
		r := env.Client().PostForm(t, "/login", url.Values{"email": {teacher.Email}, "password": {vigiltest.Password}})
		r.Want(t, http.StatusForbidden, "not linked to any school", "")
		admin.PostForm(t, "/staff/"+string(teacher.ID)+"/reactivate", nil).Want(t, http.StatusOK, "Reactivated", "")

		// Giving the teacher view-all on one category takes effect on their
		// next request: they now need a second factor to list pupils.
		cats, _ := s.FindCategories(oak.Ctx, false)
		form := url.Values{"role": {"staff"}}
		for _, c := range cats {
			form.Set("access_"+string(c.ID), "view_own")
		}
		form.Set("access_"+string(cats[0].ID), "view_all")
		admin.PostForm(t, "/staff/"+string(teacher.ID)+"/access", form).Want(t, http.StatusOK, "Access saved.", "")
		p, _ := s.FindPermissions(oak.Ctx, teacher.ID)
		if p.In(cats[0].ID) != vigil.AccessViewAll || p.In(cats[1].ID) != vigil.AccessViewOwn {
			t.Fatalf("saved access: %s %s", p.In(cats[0].ID), p.In(cats[1].ID))
		}
		tc = env.SignInPassword(t, teacher.Email)
		if r := tc.Get(t, "/pupils"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/two-factor/setup") {
			t.Fatalf("teacher with view-all, no second factor: %d %q", r.Status, r.Header.Get("Location"))
		}
		// A bad level names the field; nothing is saved.
		form.Set("access_"+string(cats[0].ID), "everything")
		admin.PostForm(t, "/staff/"+string(teacher.ID)+"/access", form).Want(t, http.StatusUnprocessableEntity, "Choose a level.", "")
		// Nobody changes their own access.
		self := url.Values{"role": {"dsl"}, "template": {"1"}}
		admin.PostForm(t, "/staff/"+string(oak.Staff["admin"].ID)+"/access", self).Want(t, http.StatusForbidden, "your own access", "")

		// The access review lists who can see the first category.
		admin.Get(t, "/staff/access-review").Want(t, http.StatusOK, "teacher at Oak", "")
		// The DSL can review access but not manage staff.
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/staff/access-review").Want(t, http.StatusOK, "Who can see each category", "")
		dsl.Get(t, "/staff").Want(t, http.StatusForbidden, "", "teacher@oak.test")
		dsl.PostForm(t, "/staff/"+string(teacher.ID)+"/deactivate", nil).Want(t, http.StatusForbidden, "", "")

		// Resetting the DSL's second factor removes their app and their
		// security keys, and ends their sessions.
		dslPerson := oak.Staff["dsl"]
		storetest.Exec(t, s, "INSERT INTO webauthn_credentials (id, person_id, credential_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			vigil.NewID(), dslPerson.ID, []byte("credential-1"), "Blue key", "{}", time.Now().UTC())
		dslSession := env.SignIn(t, dslPerson.Email)
		admin.PostForm(t, "/staff/"+string(dslPerson.ID)+"/reset-2fa", nil).Want(t, http.StatusOK, "Second factor reset", "")
		dslSession.Get(t, "/").Want(t, http.StatusSeeOther, "", "")
		after, err := s.FindPersonByID(context.Background(), dslPerson.ID)
		if err != nil || after.HasSecondFactor() {
			t.Fatalf("after reset: TOTP %v, keys %d, %v", after.TOTPConfirmedAt, after.SecurityKeys, err)
		}

		events, err := s.FindAudit(oak.Ctx, oak.Staff["admin"].ID, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range events {
			if strings.HasPrefix(ev.Action, "access.") {
				got = append(got, ev.Action)
			}
		}
		if strings.Join(got, " ") != "access.permission_changed access.staff_reactivated access.staff_deactivated" {
			t.Fatalf("audit: %v", got)
		}
	})
}

// TestTrustLeadAcrossSchools follows a trust safeguarding lead, who has a
// role in the trust and none in its schools: they choose a school, give a
// second factor, see its pupils and not the other's, and switch.
func TestTrustLeadAcrossSchools(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		bg := context.Background()
		g, err := s.FindOrCreateGroup(bg, "Forest Learning Trust")
		if err != nil {
			t.Fatal(err)
		}
		ash := &vigil.School{GroupID: g.ID, Slug: "ash", Name: "Ash Academy"}
		birch := &vigil.School{GroupID: g.ID, Slug: "birch", Name: "Birch Academy"}
		pupils := map[*vigil.School]*vigil.Pupil{
			ash:   {MISID: "ash-1", LegalForename: "Ivy", LegalSurname: "Ashdown", DateOfBirth: vigil.NewDate(2016, 5, 1), OnRoll: true, Flags: vigil.PupilFlags{}},
			birch: {MISID: "birch-1", LegalForename: "Rowan", LegalSurname: "Birchall", DateOfBirth: vigil.NewDate(2016, 6, 1), OnRoll: true, Flags: vigil.PupilFlags{}},
		}
		for _, sc := range []*vigil.School{ash, birch} {
			if err := s.CreateSchool(bg, sc); err != nil {
				t.Fatal(err)
			}
			if err := s.CreatePupil(vigil.SystemContext(bg, sc.ID), pupils[sc]); err != nil {
				t.Fatal(err)
			}
		}
		lead := &vigil.Person{Email: "lead@forest.test", Name: "Lee Lead"}
		if err := s.CreatePerson(bg, lead); err != nil {
			t.Fatal(err)
		}
		hash, err := env.Hasher.Hash(vigiltest.Password)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPasswordHash(bg, lead.ID, hash); err != nil {
			t.Fatal(err)
		}
		_, codes := auth.NewRecoveryCodes()
		sealed := env.Sealer.Seal([]byte(vigiltest.TOTPSecret), crypt.AAD("persons", string(lead.ID), "totp_secret"))
		if err := s.SetTOTP(bg, lead.ID, sealed, codes); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: g.ID, PersonID: lead.ID, Role: vigil.RoleDSL, Active: true}); err != nil {
			t.Fatal(err)
		}

		c := env.SignInPassword(t, lead.Email)
		r := c.Get(t, "/choose-school").Want(t, http.StatusOK, "Ash Academy", "Oak Primary")
		if !strings.Contains(r.Body, "Birch Academy") || strings.Count(r.Body, "through the trust") != 2 {
			t.Fatalf("school chooser: %.1500s", r.Body)
		}
		// A school outside the trust cannot be chosen.
		c.PostForm(t, "/choose-school", url.Values{"school": {string(env.Fixtures.Oak.ID)}}).
			Want(t, http.StatusUnprocessableEntity, "Choose one of your schools.", "")
		c.PostForm(t, "/choose-school", url.Values{"school": {string(ash.ID)}}).Want(t, http.StatusSeeOther, "", "")

		// Trust-wide access is elevated: a second factor first.
		if r := c.Get(t, "/pupils"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/step-up") {
			t.Fatalf("trust lead before stepping up: %d %q", r.Status, r.Header.Get("Location"))
		}
		c.StepUp(t)
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Ashdown, Ivy", "Birchall")
		c.Get(t, "/pupils/"+pupils[birch].ID.String()).Want(t, http.StatusNotFound, "Page not found", "Birchall")
		c.Get(t, "/staff/access-review").Want(t, http.StatusOK, "Lee Lead</strong> (trust)", "")

		// Switching school needs no new sign-in and shows only Birch.
		c.PostForm(t, "/choose-school", url.Values{"school": {string(birch.ID)}}).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Birchall, Rowan", "Ashdown")

		// Ending the trust role ends the session and every school with it.
		if err := s.SaveGroupMember(bg, &vigil.GroupMember{GroupID: g.ID, PersonID: lead.ID, Role: vigil.RoleDSL}); err != nil {
			t.Fatal(err)
		}
		c.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")
		env.Client().PostForm(t, "/login", url.Values{"email": {lead.Email}, "password": {vigiltest.Password}}).
			Want(t, http.StatusForbidden, "not linked to any school", "")
	})
}
