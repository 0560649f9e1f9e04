package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
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
