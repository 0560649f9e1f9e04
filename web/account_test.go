package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

const (
	chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	safariOnIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// signInWithAgent signs in with the password through the real form, sending
// the User-Agent a browser would.
func signInWithAgent(t *testing.T, env *vigiltest.Env, email, agent string) *vigiltest.Client {
	t.Helper()
	c := env.Client()
	form := url.Values{"email": {email}, "password": {vigiltest.Password}}
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", agent)
	c.Do(t, req).Want(t, http.StatusSeeOther, "", "")
	return c
}

// sessionOf returns the session a client's cookie belongs to.
func sessionOf(t *testing.T, env *vigiltest.Env, c *vigiltest.Client) *vigil.Session {
	t.Helper()
	u, _ := url.Parse(env.Server.URL)
	token := c.Cookie(u)
	if token == "" {
		t.Fatal("client has no session cookie")
	}
	ses, err := env.Store.FindSession(context.Background(), auth.HashToken(token))
	if err != nil {
		t.Fatalf("find session: %v", err)
	}
	return ses
}

// wantSignedOut fails unless the client is sent to sign in.
func wantSignedOut(t *testing.T, c *vigiltest.Client) {
	t.Helper()
	r := c.Get(t, "/")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("ended session: %d to %q", r.Status, r.Header.Get("Location"))
	}
}

// auditActions lists the actions recorded about a person in a school,
// newest first.
func auditActions(t *testing.T, s *store.Store, school *storetest.School, person vigil.PersonID) []*vigil.AuditEvent {
	t.Helper()
	evs, err := s.FindAudit(school.Ctx, person, "", 50)
	if err != nil {
		t.Fatalf("find audit: %v", err)
	}
	return evs
}

func findEvent(evs []*vigil.AuditEvent, action string) *vigil.AuditEvent {
	for _, ev := range evs {
		if ev.Action == action {
			return ev
		}
	}
	return nil
}

func TestAccountSessionsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		u, _ := url.Parse(env.Server.URL)
		laptop := signInWithAgent(t, env, "dsl@oak.test", chromeOnWindows)
		laptop.StepUp(t)
		env.Advance(time.Minute)
		phone := signInWithAgent(t, env, "dsl@oak.test", safariOnIPhone)
		first, second := sessionOf(t, env, laptop), sessionOf(t, env, phone)
		// Someone else's session is never listed.
		other := env.SignIn(t, "teacher@oak.test")
		theirs := sessionOf(t, env, other)

		page := phone.Get(t, "/account/sessions").Want(t, http.StatusOK, "My sessions", theirs.ID)
		rows := regexp.MustCompile(`<tr( class="this-session" aria-current="true")? data-session="([0-9a-f-]{36})">`).FindAllStringSubmatch(page.Body, -1)
		if len(rows) != 2 {
			t.Fatalf("%d sessions listed, want 2: %.2000s", len(rows), page.Body)
		}
		// Newest first, and the one the request came with is marked.
		if rows[0][2] != second.ID || rows[1][2] != first.ID {
			t.Fatalf("sessions listed as %s, %s; want %s (newest), %s", rows[0][2], rows[1][2], second.ID, first.ID)
		}
		if rows[0][1] == "" || rows[1][1] != "" {
			t.Fatalf("current marks: %q, %q", rows[0][1], rows[1][1])
		}
		for _, want := range []string{"Safari on iPhone", "Chrome on Windows", "This session", "127.0.0.1",
			`<td data-label="Second check">Given</td>`, `<td data-label="Second check">Not given</td>`,
			`action="/account/sessions/` + first.ID + `/end"`, `action="/account/sessions/end-others"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		// This session is signed out from the list, not "ended" by id.
		if strings.Contains(page.Body, `action="/account/sessions/`+second.ID+`/end"`) {
			t.Error("the current session is offered an End button")
		}
		// Neither the cookie's secret nor its hash ever reaches the page.
		for _, c := range []*vigiltest.Client{laptop, phone} {
			token := c.Cookie(u)
			if strings.Contains(page.Body, token) || strings.Contains(page.Body, auth.HashToken(token)) {
				t.Fatal("a session token or its hash is on the page")
			}
		}
		// From the other browser, the other one is current.
		again := laptop.Get(t, "/account/sessions").Want(t, http.StatusOK, "", "")
		if !strings.Contains(again.Body, `<tr class="this-session" aria-current="true" data-session="`+first.ID+`">`) {
			t.Fatal("the laptop's own session is not marked current")
		}
		laptop.Get(t, "/").Want(t, http.StatusOK, `href="/account/sessions"`, "")
	})
}

func TestAccountSessionsLeaveOutIdleOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		old := env.SignIn(t, "teacher@oak.test")
		stale := sessionOf(t, env, old)
		env.Advance(21 * time.Minute) // past Oak's 20 minutes: ended at its next use
		c := env.SignIn(t, "teacher@oak.test")
		page := c.Get(t, "/account/sessions").Want(t, http.StatusOK, "not signed in anywhere else", stale.ID)
		if n := strings.Count(page.Body, "data-session="); n != 1 {
			t.Fatalf("%d sessions listed, want 1", n)
		}
	})
}

func TestAccountEndSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		teacher := env.Fixtures.Oak.Staff["teacher"]
		here := env.SignIn(t, teacher.Email)
		there := env.SignIn(t, teacher.Email)
		gone := sessionOf(t, env, there)
		there.Get(t, "/").Want(t, http.StatusOK, "", "")

		r := here.PostForm(t, "/account/sessions/"+gone.ID+"/end", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/sessions?done=ended" {
			t.Fatalf("end session: %d to %q", r.Status, r.Header.Get("Location"))
		}
		wantSignedOut(t, there)
		here.Get(t, "/account/sessions?done=ended").Want(t, http.StatusOK, "That session has ended.", gone.ID)
		// Ending it again: it is gone.
		here.PostForm(t, "/account/sessions/"+gone.ID+"/end", nil).Want(t, http.StatusNotFound, "Page not found", "")

		ev := findEvent(auditActions(t, s, env.Fixtures.Oak, teacher.ID), app.AuditSessionEnded)
		if ev == nil || ev.ObjectType != "session" || ev.ObjectID != gone.ID || ev.SessionID != sessionOf(t, env, here).ID {
			t.Fatalf("session end audited as %+v", ev)
		}

		// Ending this session from its own list is signing out.
		mine := sessionOf(t, env, here)
		r = here.PostForm(t, "/account/sessions/"+mine.ID+"/end", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("end own session: %d to %q", r.Status, r.Header.Get("Location"))
		}
		wantSignedOut(t, here)
	})
}

func TestAccountEndOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		keep := env.SignIn(t, dsl.Email)
		others := []*vigiltest.Client{env.SignIn(t, dsl.Email), env.SignInPassword(t, dsl.Email)}
		bystander := env.SignIn(t, "teacher@oak.test") // another person: untouched

		r := keep.PostForm(t, "/account/sessions/end-others", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/sessions?done=others" {
			t.Fatalf("end others: %d to %q", r.Status, r.Header.Get("Location"))
		}
		for _, c := range others {
			wantSignedOut(t, c)
		}
		keep.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "") // still signed in and stepped up
		bystander.Get(t, "/").Want(t, http.StatusOK, "", "")
		page := keep.Get(t, "/account/sessions?done=others").Want(t, http.StatusOK, "You have been signed out everywhere else.", "")
		page.Want(t, http.StatusOK, "You are not signed in anywhere else.", "")
		if n := strings.Count(page.Body, "data-session="); n != 1 {
			t.Fatalf("%d sessions listed after signing out everywhere else", n)
		}
		ev := findEvent(auditActions(t, s, env.Fixtures.Oak, dsl.ID), app.AuditSignedOutEverywhere)
		if ev == nil || ev.Detail["ended"] != "2" || ev.SessionID != sessionOf(t, env, keep).ID {
			t.Fatalf("sign out everywhere audited as %+v", ev)
		}
	})
}

// TestAccountEndSessionOfAnotherPerson checks that someone else's session
// id answers exactly as a missing one does, and the session lives on.
func TestAccountEndSessionOfAnotherPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		victim := env.SignIn(t, "dsl@elm.test")
		theirs := sessionOf(t, env, victim)
		attacker := env.SignIn(t, "teacher@oak.test")
		var bodies []string
		for _, id := range []string{theirs.ID, vigil.NewID(), "not-an-id", "1%27%20OR%201=1"} {
			r := attacker.PostForm(t, "/account/sessions/"+id+"/end", nil).Want(t, http.StatusNotFound, "Page not found", theirs.ID)
			// Each answer differs only in its request id, shown as a reference.
			bodies = append(bodies, strings.ReplaceAll(r.Body, r.Header.Get("X-Request-Id"), "REQUEST"))
		}
		for i, b := range bodies[1:] {
			if b != bodies[0] {
				t.Fatalf("another person's session answered differently from case %d", i+1)
			}
		}
		victim.Get(t, "/").Want(t, http.StatusOK, "Elm Academy", "")
		if _, err := s.FindSession(context.Background(), theirs.TokenHash); err != nil {
			t.Fatalf("the other person's session was touched: %v", err)
		}
	})
}

func TestKeepaliveExtendsIdleWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		kept := env.SignIn(t, "teacher@oak.test")
		left := env.SignIn(t, "teacher@oak.test") // the same, without the button
		env.Advance(19 * time.Minute)
		r := kept.PostForm(t, "/account/keepalive", nil).Want(t, http.StatusNoContent, "", "")
		if r.Body != "" {
			t.Fatalf("keepalive answered a body: %q", r.Body)
		}
		env.Advance(19 * time.Minute) // 38 minutes since sign-in; 19 since the keepalive
		kept.Get(t, "/").Want(t, http.StatusOK, "", "")
		wantSignedOut(t, left)

		// Once the session has ended, the button sends the page to sign in.
		env.Advance(21 * time.Minute)
		r = kept.PostForm(t, "/account/keepalive", nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("keepalive after the idle timeout: %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestSessionWarningInLayout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		const script = `<script src="/static/session.js" defer></script>`
		anon := env.Client()
		signIn := anon.Get(t, "/login").Want(t, http.StatusOK, "", "data-idle-seconds")
		if strings.Contains(signIn.Body, "session.js") || strings.Contains(signIn.Body, "data-warn-seconds") {
			t.Fatal("the sign-in page carries the idle warning")
		}
		anon.Get(t, "/nowhere").Want(t, http.StatusNotFound, "", "session.js")

		c := env.SignIn(t, "teacher@oak.test")
		home := c.Get(t, "/").Want(t, http.StatusOK, `<body data-idle-seconds="1200" data-warn-seconds="120">`, "")
		home.Want(t, http.StatusOK, script, "")
		c.Get(t, "/account/sessions").Want(t, http.StatusOK, `data-idle-seconds="1200"`, "")
		js := c.Get(t, "/static/session.js").Want(t, http.StatusOK, "/account/keepalive", "")
		if ct := js.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Fatalf("session.js served as %q", ct)
		}

		// The warning follows the school's own timeout.
		oak := env.Fixtures.Oak
		sc, err := s.FindSchoolByID(context.Background(), oak.ID)
		if err != nil {
			t.Fatal(err)
		}
		sc.Settings.IdleTimeoutMinutes = 45
		if err := s.UpdateSchool(oak.Ctx, sc); err != nil {
			t.Fatal(err)
		}
		c.Get(t, "/").Want(t, http.StatusOK, `data-idle-seconds="2700"`, "")
	})
}

// TestSessionWarningInBrowser runs session.js in headless Chromium. The
// page's clock is moved by replacing Date.now before any script runs, and
// the server's by env.Advance, so nothing waits for real minutes.
func TestSessionWarningInBrowser(t *testing.T) {
	const browser = "/usr/bin/chromium"
	if os.Getenv("VIGIL_TEST_NO_BROWSER") != "" {
		t.Skip("VIGIL_TEST_NO_BROWSER set; browser test skipped")
	}
	if _, err := os.Stat(browser); err != nil {
		t.Skip("chromium not installed; browser test skipped")
	}
	s := storetest.OpenSQLite(t)
	env := vigiltest.Start(t, s)
	teacher := env.Fixtures.Oak.Staff["teacher"]
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() { _ = chromedp.Cancel(ctx); cancelTimeout(); cancelTab(); cancelAlloc() })
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// skip moves the page's clock on by the given seconds and lets the
	// script look at it again, as it does when a tab comes back into view.
	skip := func(seconds int) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`window.vigilSkew += `+strconv.Itoa(seconds)+` * 1000; document.dispatchEvent(new Event("visibilitychange")); true`))
		must("move the page clock", err)
	}
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.vigilSkew = 0; (function () { var now = Date.now; Date.now = function () { return now() + window.vigilSkew; }; })();`})
	must("clock hook", err)
	must("sign in", chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), teacher.Email),
		chromedp.SendKeys(chromedp.ID("password"), vigiltest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(`//h1[starts-with(normalize-space(.), "Hello")]`),
	))
	sessions := func() []*vigil.Session {
		t.Helper()
		list, err := s.FindPersonSessions(context.Background(), teacher.ID)
		must("list sessions", err)
		return list
	}
	before := sessions()
	if len(before) != 1 {
		t.Fatalf("%d sessions after sign-in", len(before))
	}

	// 100 seconds before the page's deadline (20 minutes less the server's
	// 15-second touch grain), the warning is up, counting down, with the
	// button focused.
	skip(1200 - 15 - 100)
	must("warning shown", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.idle-warning[role="alertdialog"]`))))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.idle-warning`)))
	must("warning text", err)
	if !strings.Contains(text, "You will be signed out soon") || !regexp.MustCompile(`Time left: 1:(40|39)`).MatchString(text) {
		t.Fatalf("warning reads %q", text)
	}
	focus, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`))
	must("focus", err)
	if focus != "Stay signed in" {
		t.Fatalf("focus on %q", focus)
	}

	// "Stay signed in" reaches the server, which restarts the idle clock.
	env.Advance(19 * time.Minute)
	must("stay signed in", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.idle-warning button.primary`)),
		chromedp.WaitNotVisible(chromedp.CSS(`.idle-warning`)),
	))
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.vigilSkew > 0`)) // reset by any new page
	must("same page", err)
	if !same {
		t.Fatal("the page was left or reloaded instead of staying")
	}
	if after := sessions(); len(after) != 1 || after[0].LastSeenAt.Sub(before[0].LastSeenAt) < 18*time.Minute {
		t.Fatalf("keepalive did not restart the idle clock: %v then %v", before[0].LastSeenAt, after)
	}

	// Dismissed, the warning goes; when the time is up the page signs out
	// and shows the sign-in form.
	skip(1200 - 100)
	must("dismiss", chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`.idle-warning`)),
		chromedp.Click(chromedp.CSS(`.idle-warning button:not(.primary)`)),
		chromedp.WaitNotVisible(chromedp.CSS(`.idle-warning`)),
	))
	skip(200)
	must("signed out", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("password"))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if !strings.HasSuffix(loc, "/login") {
		t.Fatalf("time up: page at %s", loc)
	}
	if n := len(sessions()); n != 0 {
		t.Fatalf("%d sessions left after the page's time ran out", n)
	}
}

func TestUserAgentSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ua, want string }{
		{chromeOnWindows, "Chrome on Windows"},
		{safariOnIPhone, "Safari on iPhone"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", "Edge on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on macOS"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36", "Chrome on Android"},
		{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"},
		{"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "Chrome on iPad"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on ChromeOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0", "Opera on Windows"},
		{"Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "A browser on Windows"},
		{"Go-http-client/1.1", "Unknown device"},
		{"", "Unknown device"},
		{"<script>alert(1)</script>", "Unknown device"}, // only fixed words come out
	} {
		if got := app.DeviceName(tc.ua); got != tc.want {
			t.Errorf("DeviceName(%.60q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}
