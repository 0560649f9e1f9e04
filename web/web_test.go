package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
	"github.com/vigil-safeguarding/vigil/web"
)

func TestSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.Client()
		c.Get(t, "/").Want(t, http.StatusSeeOther, "", "")
		page := c.Get(t, "/login").Want(t, http.StatusOK, `autocomplete="current-password"`, "")
		if strings.Contains(page.Body, "<script>") {
			t.Fatal("sign-in page has inline script")
		}

		// Wrong password and unknown email: the same answer.
		wrong := c.PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {"Not-the-password-1"}})
		unknown := c.PostForm(t, "/login", url.Values{"email": {"nobody@oak.test"}, "password": {"Not-the-password-1"}})
		if wrong.Status != http.StatusUnauthorized || unknown.Status != wrong.Status {
			t.Fatalf("wrong password %d, unknown email %d", wrong.Status, unknown.Status)
		}
		msg := regexp.MustCompile(`role="alert">([^<]*)<`)
		mw, mu := msg.FindStringSubmatch(wrong.Body), msg.FindStringSubmatch(unknown.Body)
		if mw == nil || mu == nil || mw[1] != mu[1] {
			t.Fatalf("messages differ: %q and %q", mw, mu)
		}
		if strings.Contains(wrong.Body, "Not-the-password-1") {
			t.Fatal("the typed password was sent back")
		}

		// The right password: a session cookie, HttpOnly and SameSite=Lax.
		ok := c.PostForm(t, "/login", url.Values{"email": {"DSL@oak.test"}, "password": {vigiltest.Password}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/" {
			t.Fatalf("sign-in: %d to %q", ok.Status, ok.Header.Get("Location"))
		}
		cookie := ok.Header.Get("Set-Cookie")
		for _, want := range []string{"vigil_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Fatalf("cookie %q lacks %s", cookie, want)
			}
		}
		c.Get(t, "/").Want(t, http.StatusOK, "Oak Primary School", "")
	})
}

func TestSignInFieldErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		r := env.Client().PostForm(t, "/login", url.Values{"email": {""}, "password": {""}})
		r.Want(t, http.StatusUnprocessableEntity, "Enter your email address.", "")
		r.Want(t, http.StatusUnprocessableEntity, "Enter your password.", "")
		if !strings.Contains(r.Body, `aria-invalid="true"`) {
			t.Fatal("fields not marked invalid")
		}
	})
}

func TestSessionRotatesAtSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "dsl@oak.test")
		u, _ := url.Parse(env.Server.URL)
		before := c.Cookie(u)
		again := c.PostForm(t, "/login", url.Values{"email": {"dsl@oak.test"}, "password": {vigiltest.Password}})
		if again.Status != http.StatusSeeOther {
			t.Fatalf("second sign-in: %d", again.Status)
		}
		after := c.Cookie(u)
		if before == "" || after == "" || before == after {
			t.Fatalf("session id not renewed: %q then %q", before, after)
		}
		// The old session no longer works.
		old := env.Client()
		old.SetCookie(u, before)
		old.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")
	})
}

func TestSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "dsl@oak.test")
		u, _ := url.Parse(env.Server.URL)
		token := c.Cookie(u)
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		c.PostForm(t, "/logout", nil).Want(t, http.StatusSeeOther, "", "")
		replay := env.Client()
		replay.SetCookie(u, token)
		r := replay.Get(t, "/pupils")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("after sign-out the old cookie got %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestIdleTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "dsl@oak.test")
		env.Advance(19 * time.Minute)
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "") // within Oak's 20 minutes, and renews
		env.Advance(19 * time.Minute)
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		env.Advance(21 * time.Minute)
		r := c.Get(t, "/pupils")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("after 21 idle minutes: %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestAbsoluteTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "dsl@oak.test")
		// Busy all day: a request every 15 minutes for 11¾ hours.
		for range 47 {
			env.Advance(15 * time.Minute)
			c.Get(t, "/").Want(t, http.StatusOK, "", "")
		}
		env.Advance(16 * time.Minute) // past 12 hours
		r := c.Get(t, "/")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("after 12 hours: %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestChooseSchool(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		f := env.Fixtures
		dsl := f.Oak.Staff["dsl"]
		if err := s.SaveMembership(f.Elm.Ctx, &vigil.Membership{PersonID: dsl.ID, Role: vigil.RoleDSL, Designated: true, Active: true}); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		r := c.PostForm(t, "/login", url.Values{"email": {dsl.Email}, "password": {vigiltest.Password}})
		if r.Header.Get("Location") != "/choose-school" {
			t.Fatalf("two schools: sent to %q", r.Header.Get("Location"))
		}
		c.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/choose-school").Want(t, http.StatusOK, "Elm Academy", "")
		// A school the person is not in is refused.
		other := &vigil.School{Slug: "ash", Name: "Ash School"}
		if err := s.CreateSchool(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		c.PostForm(t, "/choose-school", url.Values{"school": {string(other.ID)}}).Want(t, http.StatusUnprocessableEntity, "Choose one of your schools.", "")
		c.PostForm(t, "/choose-school", url.Values{"school": {string(f.Elm.ID)}}).Want(t, http.StatusSeeOther, "", "")
		c.StepUp(t)
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Bruno", "Amara")
		c.PostForm(t, "/choose-school", url.Values{"school": {string(f.Oak.ID)}}).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "Bruno")
	})
}

func TestPupilPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl := env.SignIn(t, "dsl@oak.test")
		list := dsl.Get(t, "/pupils").Want(t, http.StatusOK, "Okafor, Amara", "Costa")
		if strings.Contains(list.Body, "Price") {
			t.Fatal("a leaver is listed among pupils on roll")
		}
		dsl.Get(t, "/pupils?status=left").Want(t, http.StatusOK, "Price, Dylan", "Okafor")
		dsl.Get(t, "/pupils?flag=cp_plan").Want(t, http.StatusOK, "Okafor, Amara", "Hughes")
		dsl.PostForm(t, "/pupils", url.Values{"q": {"HUG"}}).Want(t, http.StatusOK, "Hughes, Ben", "Okafor")
		dsl.PostForm(t, "/pupils", url.Values{"q": {"Costa"}}).Want(t, http.StatusOK, "No pupils match", "Bruno")
		dsl.Get(t, "/pupils/"+string(oak.Pupils["amara"].ID)).Want(t, http.StatusOK, "Child protection plan", "")

		for _, tc := range []struct{ name, path string }{
			{"other school", "/pupils/" + string(elm.Pupils["bruno"].ID)},
			{"missing", "/pupils/" + vigil.NewID()},
			{"malformed", "/pupils/1%27%20OR%201=1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dsl.Get(t, tc.path).Want(t, http.StatusNotFound, "Page not found", "Bruno")
			})
		}

		teacher := env.SignIn(t, "teacher@oak.test")
		teacher.Get(t, "/pupils").Want(t, http.StatusForbidden, "Not available to you", "Amara")
		teacher.Get(t, "/pupils/"+string(oak.Pupils["amara"].ID)).Want(t, http.StatusForbidden, "", "Amara")
		teacher.Get(t, "/").Want(t, http.StatusOK, "dsl at Oak Primary School", "on roll")
	})
}

func TestSecurityHeaders(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	for _, path := range []string{"/login", "/", "/nowhere", "/static/vigil.css"} {
		r := env.Client().Get(t, path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows unsafe-inline", path)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", path, h)
		}
		if !strings.HasPrefix(path, "/static/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/login", strings.NewReader("email=dsl%40oak.test&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	env.Client().Do(t, req).Want(t, http.StatusForbidden, "", "")
}

// TestRouteCoverage requests every registered page without a session: only
// those marked Public may answer; every other must send the visitor to sign
// in. A route added without thinking about access fails here.
func TestRouteCoverage(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := web.New(app.New(env.Store, env.Hasher, env.Sealer, log), log, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, rt := range h.Routes() {
		if seen[rt.Pattern] {
			t.Errorf("route %s registered twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.ReplaceAll(strings.TrimSuffix(path, "{$}"), "{id}", vigil.NewID())
		req, _ := http.NewRequest(method, env.Server.URL+path, nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		r := env.Client().Do(t, req)
		switch rt.Access {
		case web.Public:
			if r.Status >= 500 {
				t.Errorf("%s: public route answered %d", rt.Pattern, r.Status)
			}
		case web.SignedIn, web.InSchool, web.StepUp, web.Enrol:
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
				t.Errorf("%s without a session: %d to %q", rt.Pattern, r.Status, r.Header.Get("Location"))
			}
		default:
			t.Errorf("%s has no access rule", rt.Pattern)
		}
	}
}
