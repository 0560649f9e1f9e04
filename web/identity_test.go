package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func TestTOTPStepUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		u, _ := url.Parse(env.Server.URL)
		c := env.SignInPassword(t, "dsl@oak.test")

		// A password alone: home works, pupil records ask for the code.
		c.Get(t, "/").Want(t, http.StatusOK, "Hello", "")
		r := c.Get(t, "/pupils")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/step-up?next=%2Fpupils" {
			t.Fatalf("unstepped /pupils: %d to %q", r.Status, r.Header.Get("Location"))
		}
		c.Get(t, "/step-up?next=%2Fpupils").Want(t, http.StatusOK, `autocomplete="one-time-code"`, "")

		// A wrong code is refused and does not open the records.
		wrong := c.PostForm(t, "/step-up", url.Values{"code": {"000000"}, "next": {"/pupils"}})
		wrong.Want(t, http.StatusUnprocessableEntity, "That code is not right", "")
		c.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")

		// The right code opens them, under a new session id.
		before := c.Cookie(u)
		code, _ := auth.TOTPCode(vigiltest.TOTPSecret, env.Now())
		ok := c.PostForm(t, "/step-up", url.Values{"code": {code}, "next": {"/pupils"}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/pupils" {
			t.Fatalf("step up: %d to %q", ok.Status, ok.Header.Get("Location"))
		}
		if after := c.Cookie(u); after == before || after == "" {
			t.Fatal("session id not renewed at step-up")
		}
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Okafor, Amara", "")
		old := env.Client()
		old.SetCookie(u, before)
		old.Get(t, "/").Want(t, http.StatusSeeOther, "", "")

		// The same code cannot be used again, even in another session.
		other := env.SignInPassword(t, "dsl@oak.test")
		other.PostForm(t, "/step-up", url.Values{"code": {code}, "next": {"/"}}).Want(t, http.StatusUnprocessableEntity, "That code is not right", "")

		// An open redirect is not possible through next.
		env.Advance(30 * time.Second)
		code, _ = auth.TOTPCode(vigiltest.TOTPSecret, env.Now())
		r = other.PostForm(t, "/step-up", url.Values{"code": {code}, "next": {"//evil.example/x"}})
		if r.Header.Get("Location") != "/" {
			t.Fatalf("next //evil.example went to %q", r.Header.Get("Location"))
		}
	})
}

func TestTOTPRecoveryCodeWorksOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		codes, hashes := auth.NewRecoveryCodes()
		st, err := s.FindTOTP(context.Background(), dsl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetTOTP(context.Background(), dsl.ID, st.Sealed, hashes); err != nil {
			t.Fatal(err)
		}
		c := env.SignInPassword(t, dsl.Email)
		c.PostForm(t, "/step-up", url.Values{"code": {codes[3]}, "next": {"/pupils"}}).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		again := env.SignInPassword(t, dsl.Email)
		again.PostForm(t, "/step-up", url.Values{"code": {codes[3]}, "next": {"/"}}).Want(t, http.StatusUnprocessableEntity, "not right", "")
		if n, _ := s.CountRecoveryCodes(context.Background(), dsl.ID); n != 9 {
			t.Fatalf("%d recovery codes left, want 9", n)
		}
	})
}

func TestTOTPEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		hash, _ := env.Hasher.Hash(vigiltest.Password)
		p := &vigil.Person{Email: "newdsl@oak.test", Name: "New DSL", PasswordHash: hash}
		if err := s.CreatePerson(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveMembership(oak.Ctx, &vigil.Membership{PersonID: p.ID, Role: vigil.RoleDeputyDSL, Designated: true, Active: true}); err != nil {
			t.Fatal(err)
		}
		c := env.SignIn(t, p.Email) // no second factor yet: a password session
		r := c.Get(t, "/pupils")
		if r.Header.Get("Location") != "/two-factor/setup?next=%2Fpupils" {
			t.Fatalf("no app yet: sent to %q", r.Header.Get("Location"))
		}
		c.Get(t, "/step-up").Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/two-factor/setup?next=%2Fpupils").Want(t, http.StatusOK, "Set up an authenticator app", "data:image/png")
		page := c.PostForm(t, "/two-factor/setup", url.Values{"next": {"/pupils"}}).Want(t, http.StatusOK, "data:image/png;base64,", "")
		m := regexp.MustCompile(`<span class="mono key">([A-Z2-7]+)</span>`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no key shown: %.500s", page.Body)
		}
		st, _ := s.FindTOTP(context.Background(), p.ID)
		if st.Confirmed || len(st.Sealed) == 0 || regexp.MustCompile(m[1]).Match(st.Sealed) {
			t.Fatalf("pending secret stored wrongly: confirmed %v, %d bytes", st.Confirmed, len(st.Sealed))
		}
		c.PostForm(t, "/two-factor/confirm", url.Values{"code": {"123456"}, "next": {"/pupils"}}).Want(t, http.StatusUnprocessableEntity, "not right", "")
		page = c.PostForm(t, "/two-factor/setup", url.Values{"next": {"/pupils"}})
		m = regexp.MustCompile(`<span class="mono key">([A-Z2-7]+)</span>`).FindStringSubmatch(page.Body)
		code, _ := auth.TOTPCode(m[1], env.Now())
		done := c.PostForm(t, "/two-factor/confirm", url.Values{"code": {code}, "next": {"/pupils"}}).Want(t, http.StatusOK, "Keep your recovery codes", "")
		if n := len(regexp.MustCompile(`<li>[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}</li>`).FindAllString(done.Body, -1)); n != 10 {
			t.Fatalf("%d recovery codes shown", n)
		}
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		// Now enrolled, set-up cannot be started again to replace the app.
		r = c.PostForm(t, "/two-factor/setup", url.Values{"next": {"/"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("second set-up: %d", r.Status)
		}
	})
}

func TestReportingSessionNeedsNoSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "teacher@oak.test")
		c.Get(t, "/").Want(t, http.StatusOK, "Hello", "")
		c.Get(t, "/pupils").Want(t, http.StatusForbidden, "Your access does not include this", "Amara")
	})
}

func TestThrottleSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.Client()
		for i := range 5 {
			c.PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {"Wrong-guess-" + string(rune('a'+i))}}).
				Want(t, http.StatusUnauthorized, "do not match", "")
		}
		// Locked for a while, even with the right password; an unknown
		// email is treated the same, so the lock reveals nothing.
		c.PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {vigiltest.Password}}).
			Want(t, http.StatusTooManyRequests, "Too many attempts", "")
		for i := range 5 {
			c.PostForm(t, "/login", url.Values{"email": {"ghost@oak.test"}, "password": {"Wrong-guess-" + string(rune('a'+i))}})
		}
		c.PostForm(t, "/login", url.Values{"email": {"ghost@oak.test"}, "password": {"x"}}).Want(t, http.StatusTooManyRequests, "Too many attempts", "")
		// Another account from the same address is not locked.
		env.SignInPassword(t, "teacher@oak.test")
		// After the delay, the right password works and clears the count.
		env.Advance(2 * time.Second)
		c.PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {vigiltest.Password}}).Want(t, http.StatusSeeOther, "", "")
		th, err := s.FindThrottle(context.Background(), "account:"+"x")
		if err != nil || th.Failures != 0 {
			t.Fatalf("unknown key: %+v %v", th, err)
		}
	})
}

func TestThrottleStepUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignInPassword(t, "dsl@oak.test")
		for range 5 {
			c.PostForm(t, "/step-up", url.Values{"code": {"111111"}, "next": {"/"}}).Want(t, http.StatusUnprocessableEntity, "not right", "")
		}
		code, _ := auth.TOTPCode(vigiltest.TOTPSecret, env.Now())
		c.PostForm(t, "/step-up", url.Values{"code": {code}, "next": {"/"}}).Want(t, http.StatusTooManyRequests, "Too many attempts", "")
	})
}

func TestAuditSignInAndViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		env.Client().PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {"Wrong-pass-1!"}})
		c := env.SignIn(t, "dsl@oak.test")
		amara := oak.Pupils["amara"]
		c.Get(t, "/pupils/"+string(amara.ID)).Want(t, http.StatusOK, "Amara", "")
		ctx := context.Background()
		dsl := oak.Staff["dsl"]
		service, err := s.FindServiceAudit(ctx, dsl.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if actions(service) != "auth.sign_in auth.sign_in_failed" {
			t.Fatalf("service trail for the DSL: %s", actions(service))
		}
		school, err := s.FindAudit(oak.Ctx, dsl.ID, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if actions(school) != "pupil.viewed auth.step_up" {
			t.Fatalf("Oak trail for the DSL: %s", actions(school))
		}
		if school[0].PupilID != amara.ID || school[0].SessionID == "" || school[0].IP == "" || school[1].Seq != school[0].Seq-1 {
			t.Fatalf("view event %+v", school[0])
		}
		elm, err := s.FindAudit(env.Fixtures.Elm.Ctx, "", "", 10)
		if err != nil || len(elm) != 0 {
			t.Fatalf("Elm's trail has %d events of Oak's", len(elm))
		}
	})
}

func actions(evs []*vigil.AuditEvent) string {
	var s string
	for i, ev := range evs {
		if i > 0 {
			s += " "
		}
		s += ev.Action
	}
	return s
}
