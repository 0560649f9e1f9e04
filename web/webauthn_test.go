package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var b64 = base64.RawURLEncoding.EncodeToString

// postJSON sends a same-origin JSON request, as webauthn.js does.
func postJSON(t testing.TB, env *vigiltest.Env, c *vigiltest.Client, path string, body any) *vigiltest.Response {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		raw = mustJSON(t, body)
	}
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

type ceremonyOptions struct {
	PublicKey struct {
		Challenge          string
		User               struct{ ID string }
		ExcludeCredentials []struct{ ID string }
		AllowCredentials   []struct{ ID string }
	}
}

func begin(t testing.TB, env *vigiltest.Env, c *vigiltest.Client, path string, body any) ceremonyOptions {
	t.Helper()
	r := postJSON(t, env, c, path, body).Want(t, http.StatusOK, `"challenge"`, "")
	var o ceremonyOptions
	if err := json.Unmarshal([]byte(r.Body), &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("%s: options %q: %v", path, r.Body, err)
	}
	return o
}

// registerKey adds k for c's person through the endpoints and returns the
// finishing answer.
func registerKey(t testing.TB, env *vigiltest.Env, c *vigiltest.Client, k *vigiltest.SecurityKey, name string) *vigiltest.Response {
	t.Helper()
	o := begin(t, env, c, "/webauthn/register/begin", map[string]string{"name": name})
	return postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": k.Attest(t, o.PublicKey.Challenge)})
}

// stepUpWithKey steps c up with k through the endpoints.
func stepUpWithKey(t testing.TB, env *vigiltest.Env, c *vigiltest.Client, k *vigiltest.SecurityKey, next string) *vigiltest.Response {
	t.Helper()
	o := begin(t, env, c, "/webauthn/step-up/begin", map[string]string{})
	return postJSON(t, env, c, "/webauthn/step-up/finish", map[string]any{"next": next, "credential": k.Assert(t, o.PublicKey.Challenge)})
}

func TestWebAuthnRegistration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		c := env.SignIn(t, dsl.Email)
		c.Get(t, "/account/security").Want(t, http.StatusOK, "You have no security keys", "")

		// The user handle is the person's id; the key is added under its name.
		key := vigiltest.NewSecurityKey(t, env.BaseURL)
		o := begin(t, env, c, "/webauthn/register/begin", map[string]string{"name": "  Blue key "})
		if got, _ := base64.RawURLEncoding.DecodeString(o.PublicKey.User.ID); string(got) != string(dsl.ID) {
			t.Fatalf("user handle %q, want the person id", got)
		}
		finish := map[string]any{"credential": key.Attest(t, o.PublicKey.Challenge)}
		postJSON(t, env, c, "/webauthn/register/finish", finish).Want(t, http.StatusOK, `"next":"/account/security"`, "")
		c.Get(t, "/account/security").Want(t, http.StatusOK, "Blue key", "You have no security keys")

		// Replayed: the ceremony was used up.
		postJSON(t, env, c, "/webauthn/register/finish", finish).Want(t, http.StatusUnprocessableEntity, "expired or was already used", "")

		// Another ceremony's challenge, or none at all, is refused.
		other := vigiltest.NewSecurityKey(t, env.BaseURL)
		begin(t, env, c, "/webauthn/register/begin", map[string]string{})
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": other.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "could not be added", "")
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": other.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "expired or was already used", "")

		// A key claiming another origin is refused.
		evil := vigiltest.NewSecurityKey(t, env.BaseURL)
		evil.Origin = "https://evil.example"
		o = begin(t, env, c, "/webauthn/register/begin", map[string]string{})
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": evil.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "could not be added", "")

		// Expired: five minutes is the limit.
		o = begin(t, env, c, "/webauthn/register/begin", map[string]string{})
		env.Advance(5*time.Minute + time.Second)
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": other.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "expired or was already used", "")

		// The key already registered is excluded, and refused if sent again.
		o = begin(t, env, c, "/webauthn/register/begin", map[string]string{})
		if len(o.PublicKey.ExcludeCredentials) != 1 || o.PublicKey.ExcludeCredentials[0].ID != b64(key.ID) {
			t.Fatalf("excluded %+v", o.PublicKey.ExcludeCredentials)
		}
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"credential": key.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusConflict, "already registered", "")

		// A bad name is refused before any ceremony starts.
		postJSON(t, env, c, "/webauthn/register/begin", map[string]string{"name": strings.Repeat("x", 61)}).
			Want(t, http.StatusUnprocessableEntity, "at most 60", "")

		keys, err := s.FindSecurityKeys(context.Background(), dsl.ID)
		if err != nil || len(keys) != 1 || keys[0].Name != "Blue key" {
			t.Fatalf("keys: %d %v", len(keys), err)
		}

		// Someone with a second factor who has not given it in this session
		// may not add a key.
		env.Advance(30 * time.Second)
		unstepped := env.SignInPassword(t, dsl.Email)
		postJSON(t, env, unstepped, "/webauthn/register/begin", map[string]string{}).Want(t, http.StatusForbidden, "second factor first", "")
		r := unstepped.Get(t, "/account/security")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/step-up?next=%2Faccount%2Fsecurity" {
			t.Fatalf("unstepped security page: %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestWebAuthnStepUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		u, _ := url.Parse(env.Server.URL)
		dsl := env.Fixtures.Oak.Staff["dsl"]
		key := vigiltest.NewSecurityKey(t, env.BaseURL)
		registerKey(t, env, env.SignIn(t, dsl.Email), key, "Blue key").Want(t, http.StatusOK, "", "")

		c := env.SignInPassword(t, dsl.Email)
		c.Get(t, "/step-up?next=%2Fpupils").Want(t, http.StatusOK, "Use a security key", "")
		c.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")

		// A right answer steps up under a new session id.
		before := c.Cookie(u)
		o := begin(t, env, c, "/webauthn/step-up/begin", map[string]string{})
		if len(o.PublicKey.AllowCredentials) != 1 || o.PublicKey.AllowCredentials[0].ID != b64(key.ID) {
			t.Fatalf("allowed %+v", o.PublicKey.AllowCredentials)
		}
		answer := key.Assert(t, o.PublicKey.Challenge)
		postJSON(t, env, c, "/webauthn/step-up/finish", map[string]any{"next": "/pupils", "credential": answer}).
			Want(t, http.StatusOK, `"next":"/pupils"`, "")
		if after := c.Cookie(u); after == before || after == "" {
			t.Fatal("session id not renewed at step-up")
		}
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Okafor, Amara", "")

		// Replayed, in the same session or another, the answer is refused.
		postJSON(t, env, c, "/webauthn/step-up/finish", map[string]any{"credential": answer}).Want(t, http.StatusUnprocessableEntity, "", "")
		other := env.SignInPassword(t, dsl.Email)
		begin(t, env, other, "/webauthn/step-up/begin", map[string]string{})
		postJSON(t, env, other, "/webauthn/step-up/finish", map[string]any{"credential": answer}).Want(t, http.StatusUnprocessableEntity, "not accepted", "")
		other.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")

		// Expired after five minutes.
		o = begin(t, env, other, "/webauthn/step-up/begin", map[string]string{})
		env.Advance(5*time.Minute + time.Second)
		postJSON(t, env, other, "/webauthn/step-up/finish", map[string]any{"credential": key.Assert(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "expired or was already used", "")

		// A counter that goes backwards means a copied key: refused.
		o = begin(t, env, other, "/webauthn/step-up/begin", map[string]string{})
		key.Count = 0
		postJSON(t, env, other, "/webauthn/step-up/finish", map[string]any{"credential": key.Assert(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusUnprocessableEntity, "may have been copied", "")

		// Each refusal counted against the same throttle as wrong codes.
		th, err := s.FindThrottle(context.Background(), "code:"+string(dsl.ID))
		if err != nil || th.Failures != 4 {
			t.Fatalf("throttle after four refusals: %+v %v", th, err)
		}
		// The fifth starts a delay, for keys and codes alike.
		postJSON(t, env, other, "/webauthn/step-up/finish", map[string]any{"credential": json.RawMessage("{}")}).Want(t, http.StatusUnprocessableEntity, "", "")
		postJSON(t, env, other, "/webauthn/step-up/begin", map[string]string{}).Want(t, http.StatusTooManyRequests, "Too many attempts", "")
		other.PostForm(t, "/step-up", url.Values{"code": {"000000"}}).Want(t, http.StatusTooManyRequests, "Too many attempts", "")

		// After the delay the key works, and its success clears the count.
		env.Advance(2 * time.Second)
		key.Count = 10
		stepUpWithKey(t, env, other, key, "/").Want(t, http.StatusOK, `"next":"/"`, "")
		if th, _ := s.FindThrottle(context.Background(), "code:"+string(dsl.ID)); th.Failures != 0 {
			t.Fatalf("throttle not cleared: %+v", th)
		}
		other.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
	})
}

func TestWebAuthnRemoveLastFactor(t *testing.T) {
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
		// With no second factor yet, the set-up page offers a key, and the
		// first key counts as stepping up, as enrolling an app does.
		c := env.SignIn(t, p.Email)
		c.Get(t, "/two-factor/setup?next=%2Fpupils").Want(t, http.StatusOK, `href="/account/security?next=%2fpupils"`, "")
		c.Get(t, "/account/security?next=%2Fpupils").Want(t, http.StatusOK, `data-next="/pupils"`, "")
		first := vigiltest.NewSecurityKey(t, env.BaseURL)
		o := begin(t, env, c, "/webauthn/register/begin", map[string]string{"name": "First"})
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"next": "/pupils", "credential": first.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusOK, `"next":"/pupils"`, "")
		c.Get(t, "/pupils").Want(t, http.StatusOK, "Amara", "")
		c.Get(t, "/step-up").Want(t, http.StatusOK, "Use a security key", `autocomplete="one-time-code"`) // no app, so no code box

		keys, _ := s.FindSecurityKeys(context.Background(), p.ID)
		remove := func(k *store.SecurityKey) *vigiltest.Response {
			return c.PostForm(t, "/account/security/keys/"+k.ID+"/remove", nil)
		}
		// The only second factor of someone whose role needs one stays.
		remove(keys[0]).Want(t, http.StatusConflict, "only second factor", "")
		// With a second key, the first may go.
		registerKey(t, env, c, vigiltest.NewSecurityKey(t, env.BaseURL), "Second").Want(t, http.StatusOK, "", "")
		remove(keys[0]).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/account/security").Want(t, http.StatusOK, "Second", "First")
		keys, _ = s.FindSecurityKeys(context.Background(), p.ID)
		if len(keys) != 1 {
			t.Fatalf("%d keys left", len(keys))
		}
		remove(keys[0]).Want(t, http.StatusConflict, "only second factor", "")

		// Renaming: a name is needed.
		c.PostForm(t, "/account/security/keys/"+keys[0].ID+"/rename", url.Values{"name": {" "}}).Want(t, http.StatusUnprocessableEntity, "Give the key a name", "")
		c.PostForm(t, "/account/security/keys/"+keys[0].ID+"/rename", url.Values{"name": {"Spare"}}).Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/account/security").Want(t, http.StatusOK, "Spare", "")

		// Someone with reporting access only may remove their only key.
		teacher := env.SignIn(t, oak.Staff["teacher"].Email)
		registerKey(t, env, teacher, vigiltest.NewSecurityKey(t, env.BaseURL), "Mine").Want(t, http.StatusOK, "", "")
		tk, _ := s.FindSecurityKeys(context.Background(), oak.Staff["teacher"].ID)
		teacher.PostForm(t, "/account/security/keys/"+tk[0].ID+"/remove", nil).Want(t, http.StatusSeeOther, "", "")

		events, err := s.FindAudit(oak.Ctx, p.ID, "", 20)
		if err != nil || !strings.Contains(actions(events), "auth.webauthn_removed") || !strings.Contains(actions(events), "auth.webauthn_registered") {
			t.Fatalf("audit: %s %v", actions(events), err)
		}
	})
}

func TestWebAuthnOtherPersonsKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl := env.SignIn(t, oak.Staff["dsl"].Email)
		registerKey(t, env, dsl, vigiltest.NewSecurityKey(t, env.BaseURL), "DSL key").Want(t, http.StatusOK, "", "")
		keys, _ := s.FindSecurityKeys(context.Background(), oak.Staff["dsl"].ID)

		for _, who := range []string{oak.Staff["admin"].Email, elm.Staff["dsl"].Email} {
			c := env.SignIn(t, who)
			registerKey(t, env, c, vigiltest.NewSecurityKey(t, env.BaseURL), "Own key").Want(t, http.StatusOK, "", "")
			for _, path := range []string{
				"/account/security/keys/" + keys[0].ID + "/rename",
				"/account/security/keys/" + keys[0].ID + "/remove",
				"/account/security/keys/" + vigil.NewID() + "/remove",
				"/account/security/keys/1%27%20OR%201=1/remove",
			} {
				c.PostForm(t, path, url.Values{"name": {"Mine now"}}).Want(t, http.StatusNotFound, "Page not found", "DSL key")
			}
			c.Get(t, "/account/security").Want(t, http.StatusOK, "Own key", "DSL key")
		}
		after, _ := s.FindSecurityKeys(context.Background(), oak.Staff["dsl"].ID)
		if len(after) != 1 || after[0].Name != "DSL key" {
			t.Fatalf("the DSL's key changed: %+v", after)
		}

		// Another person's key cannot step up this person either.
		c := env.SignInPassword(t, oak.Staff["dsl"].Email)
		stranger := vigiltest.NewSecurityKey(t, env.BaseURL)
		registerKey(t, env, env.SignIn(t, oak.Staff["admin"].Email), stranger, "Admin key").Want(t, http.StatusOK, "", "")
		stepUpWithKey(t, env, c, stranger, "/").Want(t, http.StatusUnprocessableEntity, "not accepted", "")
		c.Get(t, "/pupils").Want(t, http.StatusSeeOther, "", "")
	})
}

func TestWebAuthnEndpointsNeedSession(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	anon := env.Client()
	for _, path := range []string{"/webauthn/register/begin", "/webauthn/register/finish", "/webauthn/step-up/begin", "/webauthn/step-up/finish"} {
		r := postJSON(t, env, anon, path, map[string]string{})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("%s without a session: %d to %q", path, r.Status, r.Header.Get("Location"))
		}
	}
	for _, path := range []string{"/account/security", "/account/security/keys/" + vigil.NewID() + "/remove"} {
		method := http.MethodGet
		if strings.HasSuffix(path, "remove") {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, env.Server.URL+path, nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if r := anon.Do(t, req); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("%s without a session: %d", path, r.Status)
		}
	}

	// A cross-site request is refused before anything else.
	c := env.SignIn(t, "dsl@oak.test")
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webauthn/register/begin", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	c.Do(t, req).Want(t, http.StatusForbidden, "", "")
}

func TestWebAuthnBadInput(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	c := env.SignIn(t, "dsl@oak.test")
	form := func(path, contentType, body string) *vigiltest.Response {
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return c.Do(t, req)
	}
	for _, tc := range []struct {
		name, path, contentType, body string
		status                        int
	}{
		{"form body", "/webauthn/register/begin", "application/x-www-form-urlencoded", "name=x", http.StatusUnsupportedMediaType},
		{"not json", "/webauthn/register/begin", "application/json", "name=x", http.StatusBadRequest},
		{"trailing data", "/webauthn/step-up/begin", "application/json", "{} {}", http.StatusBadRequest},
		{"unknown member", "/webauthn/step-up/begin", "application/json", `{"admin":true}`, http.StatusBadRequest},
		{"array", "/webauthn/step-up/finish", "application/json", `[]`, http.StatusBadRequest},
		{"credential not an object", "/webauthn/step-up/finish", "application/json", `{"credential":"x"}`, http.StatusBadRequest},
		{"too large", "/webauthn/register/finish", "application/json", `{"credential":{"id":"` + strings.Repeat("A", 80<<10) + `"}}`, http.StatusRequestEntityTooLarge},
		{"no ceremony", "/webauthn/register/finish", "application/json", `{"credential":{"id":"AA"}}`, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := form(tc.path, tc.contentType, tc.body).Want(t, tc.status, `"error":`, "")
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
		})
	}
	// A ceremony begun, then answered with nonsense, is refused and used up.
	registerKey(t, env, c, vigiltest.NewSecurityKey(t, env.BaseURL), "Key").Want(t, http.StatusOK, "", "")
	begin(t, env, c, "/webauthn/step-up/begin", map[string]string{})
	postJSON(t, env, c, "/webauthn/step-up/finish", []byte(`{"credential":{"id":"AA","response":{"clientDataJSON":7}}}`)).
		Want(t, http.StatusUnprocessableEntity, "could not be read", "")
	postJSON(t, env, c, "/webauthn/step-up/finish", []byte(`{"credential":{"id":"AA"}}`)).
		Want(t, http.StatusUnprocessableEntity, "expired or was already used", "")
}

// TestWebAuthnRoutes checks the security-key routes are registered, each
// with an access rule other than Public; TestRouteCoverage then checks each
// refuses a visitor without a session.
func TestWebAuthnRoutes(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := web.New(app.New(env.Store, env.Hasher, env.Sealer, log), log, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"GET /account/security": true, "POST /account/security/keys/{id}/rename": true, "POST /account/security/keys/{id}/remove": true,
		"POST /webauthn/register/begin": true, "POST /webauthn/register/finish": true,
		"POST /webauthn/step-up/begin": true, "POST /webauthn/step-up/finish": true,
	}
	for _, rt := range h.Routes() {
		if want[rt.Pattern] {
			delete(want, rt.Pattern)
			if rt.Access == web.Public {
				t.Errorf("%s is public", rt.Pattern)
			}
		}
	}
	for p := range want {
		t.Errorf("%s is not registered", p)
	}
}

// TestWebAuthnWhenEveryoneNeedsSecondFactor: where a school asks a second
// factor of everyone, someone with none can still reach the security page
// and enrol a key, step up with it later, and may not remove their last one.
func TestWebAuthnWhenEveryoneNeedsSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		sc, err := s.FindSchoolByID(oak.Ctx, oak.ID)
		if err != nil {
			t.Fatal(err)
		}
		sc.Settings.TwoFactorFor = vigil.TwoFactorEveryone
		if err := s.UpdateSchool(oak.Ctx, sc); err != nil {
			t.Fatal(err)
		}
		teacher := oak.Staff["teacher"]
		c := env.SignIn(t, teacher.Email)
		c.Get(t, "/").Want(t, http.StatusSeeOther, "", "")
		c.Get(t, "/account/security?next=%2F").Want(t, http.StatusOK, "Add a security key", "")
		key := vigiltest.NewSecurityKey(t, env.BaseURL)
		o := begin(t, env, c, "/webauthn/register/begin", map[string]string{"name": "Mine"})
		postJSON(t, env, c, "/webauthn/register/finish", map[string]any{"next": "/", "credential": key.Attest(t, o.PublicKey.Challenge)}).
			Want(t, http.StatusOK, `"next":"/"`, "")
		c.Get(t, "/").Want(t, http.StatusOK, "Hello", "")
		keys, _ := s.FindSecurityKeys(context.Background(), teacher.ID)
		c.PostForm(t, "/account/security/keys/"+keys[0].ID+"/remove", nil).Want(t, http.StatusConflict, "only second factor", "")

		later := env.SignInPassword(t, teacher.Email)
		later.Get(t, "/").Want(t, http.StatusSeeOther, "", "")
		stepUpWithKey(t, env, later, key, "/").Want(t, http.StatusOK, `"next":"/"`, "")
		later.Get(t, "/").Want(t, http.StatusOK, "Hello", "")
	})
}
