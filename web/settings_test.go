package web_test

import (
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

func TestSchoolSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/settings").Want(t, http.StatusOK, `value="20"`, "")
		form := url.Values{"name": {"Oak Primary School"}, "idle_timeout_minutes": {"3"}, "two_factor_for": {"elevated"},
			"password_profile": {"dpia-classic"}, "timezone": {"Europe/London"}}
		admin.PostForm(t, "/settings", form).Want(t, http.StatusUnprocessableEntity, "between 5 and 120", "")
		form.Set("idle_timeout_minutes", "5")
		form.Set("password_profile", "anything-goes")
		admin.PostForm(t, "/settings", form).Want(t, http.StatusUnprocessableEntity, "Choose the DPIA classic or the NIST", "")
		form.Set("password_profile", "nist-800-63b")
		admin.PostForm(t, "/settings", form).Want(t, http.StatusOK, "Settings saved.", "")

		// The shorter idle timeout applies at once.
		teacher := env.SignIn(t, "teacher@oak.test")
		env.Advance(6 * time.Minute)
		if r := teacher.Get(t, "/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("after 6 idle minutes with a 5-minute timeout: %d %q", r.Status, r.Header.Get("Location"))
		}

		// A second factor for everyone: a teacher without one is sent to set one up.
		admin = env.SignIn(t, "admin@oak.test")
		form.Set("idle_timeout_minutes", "20")
		form.Set("two_factor_for", "everyone")
		admin.PostForm(t, "/settings", form).Want(t, http.StatusOK, "Settings saved.", "")
		teacher = env.SignIn(t, "teacher@oak.test")
		if r := teacher.Get(t, "/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/two-factor/setup") {
			t.Fatalf("teacher when everyone needs a second factor: %d %q", r.Status, r.Header.Get("Location"))
		}
		teacher.Get(t, "/two-factor/setup").Want(t, http.StatusOK, "Set up an authenticator app", "")

		// Only those who manage settings see them.
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/settings").Want(t, http.StatusForbidden, "", "Oak Primary School</textarea>")

		sc, err := s.FindSchoolByID(oak.Ctx, oak.ID)
		if err != nil || sc.Settings.PasswordProfile != vigil.ProfileNIST || !sc.Settings.TwoFactorForEveryone() {
			t.Fatalf("saved settings: %+v %v", sc, err)
		}
		events, _ := s.FindAudit(oak.Ctx, oak.Staff["admin"].ID, "", 20)
		n := 0
		for _, ev := range events {
			if ev.Action == vigil.AuditSettingsChanged {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d settings-changed events, want 2", n)
		}
	})
}
