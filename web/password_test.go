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

func TestPasswordPolicyChangePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		other := env.SignIn(t, dsl.Email)
		c := env.SignIn(t, dsl.Email)
		c.Get(t, "/account/password").Want(t, http.StatusOK, "at least 10 characters", "")
		change := func(current, next, confirm string) *vigiltest.Response {
			return c.PostForm(t, "/account/password", url.Values{"current": {current}, "password": {next}, "confirm": {confirm}})
		}
		change("Wrong-current-1!", "Brand-new-Lantern-77!", "Brand-new-Lantern-77!").Want(t, http.StatusUnprocessableEntity, "not your current password", "")
		change(vigiltest.Password, "short1!", "short1!").Want(t, http.StatusUnprocessableEntity, "at least 10 characters", "")
		change(vigiltest.Password, "Fixture-pass-2027!", "Fixture-pass-2027!").Want(t, http.StatusUnprocessableEntity, "too close to your current password", "")
		change(vigiltest.Password, "Brand-new-Lantern-77!", "Brand-new-Lantern-78!").Want(t, http.StatusUnprocessableEntity, "not the same", "")
		change(vigiltest.Password, "Password123!", "Password123!").Want(t, http.StatusUnprocessableEntity, "common", "")
		r := change(vigiltest.Password, "Brand-new-Lantern-77!", "Brand-new-Lantern-77!")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("good change: %d %.300s", r.Status, r.Body)
		}
		c.Get(t, "/account/password?changed=1").Want(t, http.StatusOK, "Your password has been changed", "")
		// This browser keeps its second factor; the other session has ended.
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		other.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")
		env.Client().PostForm(t, "/login", url.Values{"email": {dsl.Email}, "password": {vigiltest.Password}}).Want(t, http.StatusUnauthorized, "", "")
		hist, err := s.PasswordHistory(context.Background(), dsl.ID, 5)
		if err != nil || len(hist) != 1 {
			t.Fatalf("history: %d %v", len(hist), err)
		}
		// The old password cannot come back.
		env.Advance(time.Second)
		r = c.PostForm(t, "/account/password", url.Values{"current": {"Brand-new-Lantern-77!"}, "password": {vigiltest.Password}, "confirm": {vigiltest.Password}})
		r.Want(t, http.StatusUnprocessableEntity, "used this password recently", "")
	})
}

func TestPasswordPolicyExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		teacher := env.Fixtures.Oak.Staff["teacher"]
		old := env.Now().Add(-61 * 24 * time.Hour).UTC()
		storetest.Exec(t, s, "UPDATE persons SET password_changed_at = ? WHERE id = ?", old, teacher.ID)
		c := env.SignIn(t, teacher.Email) // signed in recently enough: not dormant
		for _, path := range []string{"/", "/pupils", "/choose-school"} {
			if r := c.Get(t, path); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
				t.Fatalf("%s with an expired password: %d %q", path, r.Status, r.Header.Get("Location"))
			}
		}
		c.Get(t, "/account/password").Want(t, http.StatusOK, "Your password has expired", "")
		c.PostForm(t, "/account/password", url.Values{"current": {vigiltest.Password}, "password": {"Quiet-Harbour-Kettle-9!"}, "confirm": {"Quiet-Harbour-Kettle-9!"}}).
			Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/").Want(t, http.StatusOK, "Hello", "")

		// Under the NIST profile a password does not expire.
		sc, _ := s.FindSchoolByID(env.Fixtures.Oak.Ctx, env.Fixtures.Oak.ID)
		sc.Settings.PasswordProfile = vigil.ProfileNIST
		if err := s.UpdateSchool(env.Fixtures.Oak.Ctx, sc); err != nil {
			t.Fatal(err)
		}
		admin := env.Fixtures.Oak.Staff["admin"]
		storetest.Exec(t, s, "UPDATE persons SET password_changed_at = ? WHERE id = ?", old, admin.ID)
		env.SignIn(t, admin.Email).Get(t, "/").Want(t, http.StatusOK, "Hello", "")
	})
}

func TestPasswordPolicyDormantAccountLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		teacher := env.Fixtures.Oak.Staff["teacher"]
		old := env.Now().Add(-61 * 24 * time.Hour).UTC()
		storetest.Exec(t, s, "UPDATE persons SET created_at = ?, password_changed_at = ?, last_sign_in_at = ? WHERE id = ?", old, old, old, teacher.ID)
		r := env.Client().PostForm(t, "/login", url.Values{"email": {teacher.Email}, "password": {vigiltest.Password}})
		r.Want(t, http.StatusForbidden, "locked after 60 days without use", "")
		// A wrong password says nothing about the lock.
		r = env.Client().PostForm(t, "/login", url.Values{"email": {teacher.Email}, "password": {"Not-the-password-9!"}})
		if r.Status != http.StatusUnauthorized || strings.Contains(r.Body, "60 days") {
			t.Fatalf("wrong password on a dormant account: %d", r.Status)
		}
		// An administrator's new password wakes the account.
		hash, _ := env.Hasher.Hash(vigiltest.Password)
		if err := s.SetPasswordHash(context.Background(), teacher.ID, hash); err != nil {
			t.Fatal(err)
		}
		env.SignIn(t, teacher.Email).Get(t, "/").Want(t, http.StatusOK, "Hello", "")
	})
}

func TestPasswordStrengthEndpoint(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	post := func(body string) *vigiltest.Response {
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/password-strength", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return env.Client().Do(t, req)
	}
	weak := post(`{"password":"password1"}`).Want(t, http.StatusOK, `"score":0`, "")
	strong := post(`{"password":"correct horse battery staple lantern"}`).Want(t, http.StatusOK, `"score":4`, "")
	if weak.Body == strong.Body {
		t.Fatal("weak and strong passwords score the same")
	}
	post(`not json`).Want(t, http.StatusBadRequest, "", "")
	post(`{"password":"`+strings.Repeat("x", 5000)+`"}`).Want(t, http.StatusBadRequest, "", "")
}
