package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/notify/smtptest"
	"github.com/vigil-safeguarding/vigil/server"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
	"github.com/vigil-safeguarding/vigil/web"
)

// mailTo points the app's email at a real SMTP server for this test, with
// links to the test server.
func mailTo(t *testing.T, env *vigiltest.Env) *smtptest.Server {
	t.Helper()
	srv := smtptest.Start(t)
	m, err := notify.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	env.App.Mailer, env.App.BaseURL = m, env.BaseURL
	return srv
}

// waitMail waits for n emails in all and returns them.
func waitMail(t *testing.T, srv *smtptest.Server, n int) []smtptest.Received {
	t.Helper()
	return srv.WaitFor(t, n, 20*time.Second)
}

// mailFor returns the emails to address with the subject.
func mailFor(msgs []smtptest.Received, to, subject string) []smtptest.Received {
	var out []smtptest.Received
	for _, m := range msgs {
		if slices.Contains(m.To, to) && m.Subject == subject {
			out = append(out, m)
		}
	}
	return out
}

// emailLink returns the path of the one kind ("reset" or "invite") link in
// an email, and its token.
func emailLink(t *testing.T, env *vigiltest.Env, m smtptest.Received, kind string) (path, token string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(env.BaseURL) + `(/` + kind + `/([A-Za-z0-9_-]{43}))$`)
	found := re.FindAllStringSubmatch(m.Text, -1)
	if len(found) != 1 {
		t.Fatalf("want one %s link in the email, found %d:\n%s", kind, len(found), m.Text)
	}
	return found[0][1], found[0][2]
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		old := env.SignIn(t, dsl.Email) // ends with the reset

		c := env.Client()
		c.Get(t, "/login").Want(t, http.StatusOK, `href="/reset"`, "")
		c.Get(t, "/reset").Want(t, http.StatusOK, `name="email"`, "")

		// A known and an unknown address: the same page, byte for byte.
		unknown := c.PostForm(t, "/reset", url.Values{"email": {"nobody@oak.test"}})
		known := c.PostForm(t, "/reset", url.Values{"email": {"DSL@oak.test"}})
		known.Want(t, http.StatusOK, "If an account exists for that address, we have sent a link. It works once, for 30 minutes.", "oak.test")
		if unknown.Status != known.Status || unknown.Body != known.Body {
			t.Fatalf("known and unknown addresses answered differently: %d and %d", known.Status, unknown.Status)
		}

		// Only the known address gets an email: fixed text and the link.
		m := waitMail(t, mail, 1)[0]
		if len(m.To) != 1 || m.To[0] != dsl.Email || m.Subject != notify.SubjectReset {
			t.Fatalf("email to %v, subject %q", m.To, m.Subject)
		}
		path, token := emailLink(t, env, m, "reset")
		want, err := notify.ResetEmail(dsl.Email, env.BaseURL, token, app.ResetLinkTTL)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(m.Text) != strings.TrimSpace(want.Text) {
			t.Fatalf("email body is not the fixed text with the link:\n%s", m.Text)
		}
		for _, private := range []string{dsl.Name, "Oak Primary", dsl.Email} {
			if strings.Contains(m.Text, private) || strings.Contains(m.HTML, private) {
				t.Fatalf("email body holds %q", private)
			}
		}

		// The link's token leaves the URL at once: a cookie for /reset
		// only, and a form page at a plain address.
		r := c.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		if loc := r.Header.Get("Location"); loc != "/reset/new" {
			t.Fatalf("link redirects to %q", loc)
		}
		cookie := r.Header.Get("Set-Cookie")
		for _, want := range []string{"vigil_reset=" + token, "Path=/reset", "HttpOnly", "SameSite=Lax", "Max-Age=1800"} {
			if !strings.Contains(cookie, want) {
				t.Fatalf("cookie %q lacks %s", cookie, want)
			}
		}
		c.Get(t, "/reset/new").Want(t, http.StatusOK, "data-strength", token)

		// Weak, mismatched and reused passwords are refused beside the field,
		// and the link still works.
		c.PostForm(t, "/reset/new", url.Values{"password": {"short1!"}, "confirm": {"short1!"}}).
			Want(t, http.StatusUnprocessableEntity, `<p class="error" id="password-error">Use at least 10 characters.</p>`, "short1!")
		c.PostForm(t, "/reset/new", url.Values{"password": {"Quiet-lantern-harbour-77"}, "confirm": {"Quiet-lantern-harbour-78"}}).
			Want(t, http.StatusUnprocessableEntity, "The two passwords are not the same.", "")
		c.PostForm(t, "/reset/new", url.Values{"password": {vigiltest.Password}, "confirm": {vigiltest.Password}}).
			Want(t, http.StatusUnprocessableEntity, "You have used this password recently", "")

		const newPassword = "Quiet-lantern-harbour-77"
		r = c.PostForm(t, "/reset/new", url.Values{"password": {newPassword}, "confirm": {newPassword}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?reset=1" {
			t.Fatalf("reset: %d to %q: %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		c.Get(t, "/login?reset=1").Want(t, http.StatusOK, "Your password has been changed. Sign in with it.", "")

		// The link works once.
		c.Get(t, "/reset/new").Want(t, http.StatusGone, "This link has expired or was already used; ask for a new one.", "")
		again := env.Client()
		again.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		again.Get(t, "/reset/new").Want(t, http.StatusGone, "expired or was already used", "")
		again.PostForm(t, "/reset/new", url.Values{"password": {"Another-quiet-harbour-88"}, "confirm": {"Another-quiet-harbour-88"}}).
			Want(t, http.StatusGone, "expired or was already used", "")

		// Old sessions have ended; the old password fails and the new one
		// works, but the second factor is still asked for.
		if r := old.Get(t, "/pupils"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("old session after reset: %d to %q", r.Status, r.Header.Get("Location"))
		}
		env.Client().PostForm(t, "/login", url.Values{"email": {dsl.Email}, "password": {vigiltest.Password}}).
			Want(t, http.StatusUnauthorized, "", "")
		n := env.Client()
		n.PostForm(t, "/login", url.Values{"email": {dsl.Email}, "password": {newPassword}}).Want(t, http.StatusSeeOther, "", "")
		if r := n.Get(t, "/pupils"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/step-up") {
			t.Fatalf("after reset, /pupils: %d to %q; want the step-up page", r.Status, r.Header.Get("Location"))
		}
		n.StepUp(t)
		n.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")

		// A "password changed" email follows; nothing ever went to the
		// unknown address.
		msgs := waitMail(t, mail, 2)
		if len(mailFor(msgs, dsl.Email, notify.SubjectPasswordChanged)) != 1 {
			t.Fatalf("no password-changed email among %d", len(msgs))
		}
		for _, m := range mail.Messages() {
			if slices.Contains(m.To, "nobody@oak.test") {
				t.Fatal("an email went to an address with no account")
			}
		}

		// Both steps are in the service's audit trail.
		events, err := s.FindServiceAudit(context.Background(), dsl.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range events {
			if strings.HasPrefix(ev.Action, "auth.password_reset") {
				got = append(got, ev.Action)
			}
		}
		if strings.Join(got, " ") != app.AuditPasswordReset+" "+app.AuditPasswordResetRequested {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestPasswordResetLinkExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		teacher := env.Fixtures.Oak.Staff["teacher"]
		open := func(path string) *vigiltest.Response {
			c := env.Client()
			c.Get(t, path).Want(t, http.StatusSeeOther, "", "")
			return c.Get(t, "/reset/new")
		}

		// A second request replaces the first link.
		env.Client().PostForm(t, "/reset", url.Values{"email": {teacher.Email}}).Want(t, http.StatusOK, "", "")
		first, _ := emailLink(t, env, waitMail(t, mail, 1)[0], "reset")
		env.Client().PostForm(t, "/reset", url.Values{"email": {teacher.Email}}).Want(t, http.StatusOK, "", "")
		second, _ := emailLink(t, env, waitMail(t, mail, 2)[1], "reset")
		open(first).Want(t, http.StatusGone, "expired or was already used", "")
		open(second).Want(t, http.StatusOK, "data-strength", "")

		// After 30 minutes the newest link has expired too.
		env.Advance(31 * time.Minute)
		open(second).Want(t, http.StatusGone, "expired or was already used", "")

		// Made-up and malformed tokens get the same page.
		open("/reset/"+strings.Repeat("A", 43)).Want(t, http.StatusGone, "expired or was already used", "")
		open("/reset/not-a-token").Want(t, http.StatusGone, "expired or was already used", "")
	})
}

func TestPasswordResetThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		oak := env.Fixtures.Oak
		teacher, admin, dsl := oak.Staff["teacher"], oak.Staff["admin"], oak.Staff["dsl"]
		storetest.Exec(t, s, "UPDATE persons SET status = ? WHERE id = ?", vigil.PersonDisabled, dsl.ID)

		// Five requests for one account, one for a disabled account, then
		// one for another account: every answer is the same page, but only
		// three emails go to the first account and none to the disabled one.
		c := env.Client()
		first := c.PostForm(t, "/reset", url.Values{"email": {teacher.Email}}).Want(t, http.StatusOK, "If an account exists", "")
		for _, email := range []string{teacher.Email, teacher.Email, teacher.Email, teacher.Email, dsl.Email, admin.Email} {
			r := c.PostForm(t, "/reset", url.Values{"email": {email}})
			if r.Status != first.Status || r.Body != first.Body {
				t.Fatalf("request for %s answered differently: %d", email, r.Status)
			}
		}
		msgs := waitMail(t, mail, 4)
		if got := len(mailFor(msgs, admin.Email, notify.SubjectReset)); got != 1 {
			t.Fatalf("%d emails to the other account", got)
		}
		if got := len(mailFor(msgs, teacher.Email, notify.SubjectReset)); got != 3 {
			t.Fatalf("%d emails to one account from five requests, want 3", got)
		}
		if got := len(mailFor(mail.Messages(), dsl.Email, notify.SubjectReset)); got != 0 {
			t.Fatal("a disabled account was sent a reset link")
		}

		// A malformed address is named, and nothing is sent.
		c.PostForm(t, "/reset", url.Values{"email": {"teacher@"}}).
			Want(t, http.StatusUnprocessableEntity, `<p class="error" id="email-error">`, "If an account exists")
	})
}

func TestPasswordResetByAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		teacher := oak.Staff["teacher"]
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/staff/"+string(teacher.ID)).Want(t, http.StatusOK, "Send a password reset link", "")

		// Another school's member is not found, and nobody without the
		// right to manage staff may send a link.
		admin.PostForm(t, "/staff/"+string(elm.Staff["teacher"].ID)+"/send-reset", nil).Want(t, http.StatusNotFound, "Page not found", "elm.test")
		env.SignIn(t, "dsl@oak.test").PostForm(t, "/staff/"+string(teacher.ID)+"/send-reset", nil).Want(t, http.StatusForbidden, "", "")

		admin.PostForm(t, "/staff/"+string(teacher.ID)+"/send-reset", nil).Want(t, http.StatusOK, "Password reset link sent", "")
		msgs := waitMail(t, mail, 1)
		if len(msgs) != 1 || len(mailFor(msgs, teacher.Email, notify.SubjectReset)) != 1 {
			t.Fatalf("emails: %d, want one to the teacher", len(msgs))
		}
		path, _ := emailLink(t, env, msgs[0], "reset")
		c := env.Client()
		c.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/reset/new").Want(t, http.StatusOK, "Choose a new password", "")

		events, err := s.FindAudit(oak.Ctx, oak.Staff["admin"].ID, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, ev := range events {
			if ev.Action == app.AuditResetSent && ev.ObjectID == string(teacher.ID) {
				sent++
			}
		}
		if sent != 1 {
			t.Fatalf("%d reset_sent events, want 1", sent)
		}
		if len(mail.Messages()) != 1 {
			t.Fatal("an email went to another school's member")
		}
	})
}

func TestInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		oak := env.Fixtures.Oak
		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/staff").Want(t, http.StatusOK, `href="/staff/invite"`, "")
		admin.Get(t, "/staff/invite").Want(t, http.StatusOK, `name="role"`, "")

		// Bad input is named beside each field, and nothing is created.
		r := admin.PostForm(t, "/staff/invite", url.Values{"email": {"nia.newbie@"}, "name": {""}, "role": {"wizard"}})
		r.Want(t, http.StatusUnprocessableEntity, `<p class="error" id="email-error">Enter an email address like`, "")
		r.Want(t, http.StatusUnprocessableEntity, `<p class="error" id="name-error">`, "")
		r.Want(t, http.StatusUnprocessableEntity, `<p class="error" id="role-error">Choose a role.</p>`, "")
		admin.PostForm(t, "/staff/invite", url.Values{"email": {"nia.newbie@oak"}, "name": {"Nia Newbie"}, "role": {"staff"}}).
			Want(t, http.StatusUnprocessableEntity, "Enter an email address like", "")
		admin.Get(t, "/staff").Want(t, http.StatusOK, "", "Nia Newbie")
		if _, err := s.FindPersonByEmail(context.Background(), "nia.newbie@oak"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("a person was created from a bad invitation: %v", err)
		}
		// Someone already on the staff list is named too.
		admin.PostForm(t, "/staff/invite", url.Values{"email": {"teacher@oak.test"}, "name": {"Teacher"}, "role": {"staff"}}).
			Want(t, http.StatusUnprocessableEntity, "already on your staff list", "")

		admin.PostForm(t, "/staff/invite", url.Values{"email": {"Nia.Newbie@oak.test"}, "name": {"Nia Newbie"}, "role": {"staff"}}).
			Want(t, http.StatusOK, "We have sent an invitation to nia.newbie@oak.test", "")
		admin.Get(t, "/staff").Want(t, http.StatusOK, "Nia Newbie", "")
		msgs := waitMail(t, mail, 1)
		if len(msgs) != 1 || len(mailFor(msgs, "nia.newbie@oak.test", notify.SubjectInvitation)) != 1 {
			t.Fatalf("emails: %d, want one invitation", len(msgs))
		}
		if !strings.Contains(msgs[0].Text, "Oak Primary School") {
			t.Fatalf("invitation does not name the school:\n%s", msgs[0].Text)
		}
		path, token := emailLink(t, env, msgs[0], "invite")

		// The link moves its token into a cookie, then asks for a password
		// under the school's rules.
		n := env.Client()
		r = n.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		if r.Header.Get("Location") != "/invite/accept" || !strings.Contains(r.Header.Get("Set-Cookie"), "Path=/invite") {
			t.Fatalf("invitation link: to %q, cookie %q", r.Header.Get("Location"), r.Header.Get("Set-Cookie"))
		}
		n.Get(t, "/invite/accept").Want(t, http.StatusOK, "Oak Primary School", token).Want(t, http.StatusOK, "data-strength", "")
		n.PostForm(t, "/invite/accept", url.Values{"password": {"Newbie-2026!"}, "confirm": {"Newbie-2026!"}}).
			Want(t, http.StatusUnprocessableEntity, "Don&#39;t use your name, email or school&#39;s name", "")
		const password = "Copper-kettle-meadow-19"
		r = n.PostForm(t, "/invite/accept", url.Values{"password": {password}, "confirm": {password}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?invited=1" {
			t.Fatalf("accept: %d to %q: %.300s", r.Status, r.Header.Get("Location"), r.Body)
		}
		n.Get(t, "/login?invited=1").Want(t, http.StatusOK, "Your account is ready.", "")

		// They sign in and land in the school.
		r = n.PostForm(t, "/login", url.Values{"email": {"nia.newbie@oak.test"}, "password": {password}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Fatalf("sign in: %d to %q", r.Status, r.Header.Get("Location"))
		}
		n.Get(t, "/").Want(t, http.StatusOK, "Oak Primary School", "")

		// The link works once.
		again := env.Client()
		again.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		again.Get(t, "/invite/accept").Want(t, http.StatusGone, "expired or was already used", "")

		events, err := s.FindAudit(oak.Ctx, "", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range events {
			if ev.Action == app.AuditInvited || ev.Action == app.AuditInvitationAccepted {
				got = append(got, ev.Action)
			}
		}
		if strings.Join(got, " ") != app.AuditInvitationAccepted+" "+app.AuditInvited {
			t.Fatalf("audit: %v", got)
		}
	})
}

func TestInvitationOfSomeoneKnown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		mail := mailTo(t, env)
		teacher := env.Fixtures.Oak.Staff["teacher"]
		admin := env.SignIn(t, "admin@elm.test")

		// Inviting Oak's teacher to Elm answers as for anyone new, and
		// shows nothing of Oak.
		admin.PostForm(t, "/staff/invite", url.Values{"email": {teacher.Email}, "name": {"Someone Else"}, "role": {"staff"}}).
			Want(t, http.StatusOK, "We have sent an invitation to "+teacher.Email, "Oak")
		admin.Get(t, "/staff").Want(t, http.StatusOK, teacher.Email, "Someone Else")
		msgs := waitMail(t, mail, 1)
		if !strings.Contains(msgs[0].Text, "Elm Academy") || strings.Contains(msgs[0].Text, "Oak") {
			t.Fatalf("invitation text:\n%s", msgs[0].Text)
		}
		path, _ := emailLink(t, env, msgs[0], "invite")

		// They have a password already: the link only confirms.
		c := env.Client()
		c.Get(t, path).Want(t, http.StatusSeeOther, "", "")
		r := c.Get(t, "/invite/accept")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?joined=1" {
			t.Fatalf("accept: %d to %q", r.Status, r.Header.Get("Location"))
		}
		c.Get(t, "/login?joined=1").Want(t, http.StatusOK, "Sign in with your usual password.", "")
		r = c.PostForm(t, "/login", url.Values{"email": {teacher.Email}, "password": {vigiltest.Password}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/choose-school" {
			t.Fatalf("sign in: %d to %q", r.Status, r.Header.Get("Location"))
		}
		c.Get(t, "/choose-school").Want(t, http.StatusOK, "Elm Academy", "")
	})
}

// logBuffer is a log destination safe for the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPasswordResetTokenNeverLogged runs a reset through a server whose
// access log is kept, and checks the token never reaches it: the request
// that carries it is logged by its route pattern.
func TestPasswordResetTokenNeverLogged(t *testing.T) {
	s := storetest.OpenSQLite(t)
	env := vigiltest.Start(t, s)
	mail := mailTo(t, env)
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	pages, err := web.New(env.App, log, web.Options{BaseURL: env.BaseURL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(s, pages, log, "test").Handler())
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) int {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}

	if got := do(http.MethodPost, "/reset", url.Values{"email": {"teacher@oak.test"}}); got != http.StatusOK {
		t.Fatalf("ask for a link: %d", got)
	}
	path, token := emailLink(t, env, waitMail(t, mail, 1)[0], "reset")
	const password = "Velvet-orchard-compass-31"
	for _, step := range []struct {
		method, path string
		form         url.Values
		status       int
	}{
		{http.MethodGet, path, nil, http.StatusSeeOther},
		{http.MethodGet, "/reset/new", nil, http.StatusOK},
		{http.MethodPost, "/reset/new", url.Values{"password": {password}, "confirm": {password}}, http.StatusSeeOther},
	} {
		if got := do(step.method, step.path, step.form); got != step.status {
			t.Fatalf("%s %s: %d, want %d", step.method, step.path, got, step.status)
		}
	}
	var withToken []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, password) {
			t.Fatalf("the new password was logged: %s", line)
		}
		if strings.Contains(line, token) {
			withToken = append(withToken, line)
		}
	}
	if len(withToken) != 0 {
		t.Fatalf("log lines with the token: %q", withToken)
	}
	if !strings.Contains(logs.String(), `method=GET path="GET /reset/{token}" status=303`) {
		t.Fatalf("the link's request is not logged by its pattern: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "method=POST path=/reset/new status=303") {
		t.Fatalf("the reset itself is not in the log:\n%s", logs.String())
	}
}
