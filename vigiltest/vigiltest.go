// Package vigiltest runs a real Vigil server over a real database for
// tests, with the storetest fixtures and clients that sign in through the
// real sign-in form. Tests import it; the application never does.
package vigiltest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/job"
	"github.com/vigil-safeguarding/vigil/server"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/web"
)

// Password is every fixture person's password.
const Password = "Fixture-pass-2026!"

// TOTPSecret is the authenticator-app secret of every fixture person whose
// role needs a second factor.
const TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// Env is a running server with fixtures.
type Env struct {
	Store    *store.Store
	App      *app.App
	Server   *httptest.Server
	Fixtures *storetest.Fixtures
	Hasher   *auth.Hasher
	Sealer   *crypt.Sealer
	// BaseURL is the same server as http://localhost:PORT, the address its
	// security keys are bound to (browsers refuse them at 127.0.0.1).
	// Server.URL stays the 127.0.0.1 form the HTTP clients use.
	BaseURL string

	offset atomic.Int64 // added to the real time by Advance
}

// Now is the time the server sees: the real time plus any Advance.
func (e *Env) Now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// Advance moves the server's clock forward by d, for timeout tests.
func (e *Env) Advance(d time.Duration) { e.offset.Add(int64(d)) }

// Start seeds s with the fixtures, gives every fixture person Password, and
// serves the whole service on a loopback port until the test ends.
func Start(t testing.TB, s *store.Store) *Env {
	t.Helper()
	f := storetest.Seed(t, s)
	h := auth.NewHasher(auth.TestArgon2, 4)
	hash, err := h.Hash(Password)
	if err != nil {
		t.Fatal(err)
	}
	master := make([]byte, crypt.MasterKeySize)
	_, _ = rand.Read(master)
	sealer, err := crypt.NewPersonSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []*storetest.School{f.Oak, f.Elm} {
		for key, p := range sc.Staff {
			if err := s.SetPasswordHash(context.Background(), p.ID, hash); err != nil {
				t.Fatalf("set password: %v", err)
			}
			if !authz.RoleNeedsSecondFactor(sc.Roles[key]) {
				continue
			}
			_, hashes := auth.NewRecoveryCodes()
			sealed := sealer.Seal([]byte(TOTPSecret), crypt.AAD("persons", string(p.ID), "totp_secret"))
			if err := s.SetTOTP(context.Background(), p.ID, sealed, hashes); err != nil {
				t.Fatalf("set totp: %v", err)
			}
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := &Env{Store: s, Fixtures: f, Hasher: h, Sealer: sealer}
	s.Now = env.Now
	a := app.New(s, h, sealer, log)
	a.Now = env.Now
	wrapper, err := crypt.NewMasterWrapper(master)
	if err != nil {
		t.Fatal(err)
	}
	a.Vault = crypt.NewVault(s, wrapper)
	a.Emails = job.EmailQueue{Store: s}
	if a.Blobs, err = blob.NewDir(filepath.Join(t.TempDir(), "blobs")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil) // listening already, so the port is known
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	env.BaseURL = "http://localhost:" + port
	pages, err := web.New(a, log, web.Options{BaseURL: env.BaseURL})
	if err != nil {
		srv.Close()
		t.Fatalf("templates: %v", err)
	}
	whole := server.New(s, pages, log, "test")
	whole.API = api.New(a, log, api.Options{})
	srv.Config.Handler = whole.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	env.App, env.Server = a, srv
	return env
}

// Client is a browser-like client with its own cookies that does not follow
// redirects, so tests see each answer.
type Client struct {
	env  *Env
	http *http.Client
}

// Client returns a new client with no session.
func (e *Env) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// SignInPassword returns a client signed in as email with Password only: a
// reporting session.
func (e *Env) SignInPassword(t testing.TB, email string) *Client {
	t.Helper()
	c := e.Client()
	r := c.PostForm(t, "/login", url.Values{"email": {email}, "password": {Password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d: %s", email, r.Status, r.Body)
	}
	return c
}

// SignIn returns a client signed in as email and, when the person has an
// authenticator app, stepped up with its current code. The server's clock
// then moves on one time step, so the next sign-in has a fresh code.
func (e *Env) SignIn(t testing.TB, email string) *Client {
	t.Helper()
	c := e.SignInPassword(t, email)
	p, err := e.Store.FindPersonByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasSecondFactor() {
		return c
	}
	c.StepUp(t)
	return c
}

// StepUp gives the current TOTP code on the step-up form and moves the
// server's clock on one time step.
func (c *Client) StepUp(t testing.TB) {
	t.Helper()
	code, err := auth.TOTPCode(TOTPSecret, c.env.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := c.PostForm(t, "/step-up", url.Values{"code": {code}, "next": {"/"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("step up: status %d: %.300s", r.Status, r.Body)
	}
	c.env.Advance(30 * time.Second)
}

// Response is an answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Get fetches path.
func (c *Client) Get(t testing.TB, path string) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.env.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(t, req)
}

// PostForm sends a same-origin form, as a browser does.
func (c *Client) PostForm(t testing.TB, path string, v url.Values) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.env.Server.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(t, req)
}

// Do sends req as this client.
func (c *Client) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	return c.do(t, req)
}

func (c *Client) do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Want fails the test unless the answer has the status, contains want (if
// not "") and does not contain not (if not "").
func (r *Response) Want(t testing.TB, status int, want, not string) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %.400s", r.Status, status, r.Body)
	}
	if want != "" && !strings.Contains(r.Body, want) {
		t.Fatalf("body lacks %q: %.600s", want, r.Body)
	}
	if not != "" && strings.Contains(r.Body, not) {
		t.Fatalf("body contains %q", not)
	}
	return r
}

// Cookie returns the session cookie's value for u, or "".
func (c *Client) Cookie(u *url.URL) string {
	for _, k := range c.http.Jar.Cookies(u) {
		if strings.HasSuffix(k.Name, "vigil_session") {
			return k.Value
		}
	}
	return ""
}

// SetCookie gives the client a session cookie, to replay an old one.
func (c *Client) SetCookie(u *url.URL, value string) {
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_session", Value: value, Path: "/"}})
}
