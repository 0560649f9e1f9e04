package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// TestRouteCoverage checks every route has an access rule, and that every
// route but the public ones answers 401 to a request without credentials.
func TestRouteCoverage(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	h := api.New(env.App, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{})
	seen := map[string]bool{}
	for _, rt := range h.Routes() {
		if seen[rt.Pattern] {
			t.Errorf("route %s registered twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(path, api.Prefix) {
			t.Errorf("route %s is not under %s", rt.Pattern, api.Prefix)
		}
		path = strings.NewReplacer("{id}", vigil.NewID(), "{$}", "").Replace(path)
		req, _ := http.NewRequest(method, env.Server.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		r := env.Client().Do(t, req)
		switch rt.Access {
		case api.Public:
			if r.Status != http.StatusOK {
				t.Errorf("%s: public route answered %d", rt.Pattern, r.Status)
			}
		case api.SignedIn, api.InSchool:
			if r.Status != http.StatusUnauthorized || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s without credentials: %d %s", rt.Pattern, r.Status, r.Header.Get("Content-Type"))
			}
		default:
			t.Errorf("%s has no access rule", rt.Pattern)
		}
	}
}

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI  string                                `json:"openapi"`
	Servers  []struct{ URL string }                `json:"servers"`
	Paths    map[string]map[string]json.RawMessage `json:"paths"`
	Planned  map[string]map[string]json.RawMessage `json:"x-planned-paths"`
	Security []map[string][]string                 `json:"security"`
}

// TestOpenAPIMatchesRoutes checks the document describes exactly the routes
// the API serves, and that every reference in it resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc openAPIDoc
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL+"/" != api.Prefix {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	h := api.New(nil, slog.New(slog.DiscardHandler), api.Options{})
	served := map[string]bool{}
	for _, rt := range h.Routes() {
		served[rt.Pattern] = true
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch":
				described[strings.ToUpper(method)+" "+strings.TrimSuffix(api.Prefix, "/")+path] = true
			case "parameters", "summary", "description":
			default:
				t.Errorf("%s: unexpected key %q", path, method)
			}
		}
		if _, ok := doc.Planned[path]; ok {
			t.Errorf("%s is both served and planned; remove it from x-planned-paths", path)
		}
	}
	for p := range served {
		if !described[p] {
			t.Errorf("route %s is not in openapi.json", p)
		}
	}
	for p := range described {
		if !served[p] {
			t.Errorf("openapi.json describes %s, which is not served", p)
		}
	}

	// Every $ref points at something in the document.
	var whole map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &whole); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var at any = whole
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := at.(map[string]any)
					at = m[part]
				}
				if at == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(whole)
}

func TestOpenAPIServed(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	r := get(t, env, "/api/v1/openapi.json", "")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" || r.Body != string(api.OpenAPI()) {
		t.Fatalf("openapi.json: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
}

func TestProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		token, _ := newToken(t, env, env.Fixtures.Oak, "dsl")
		auth := bearer(token)

		wantProblem(t, get(t, env, "/api/v1/nothing-here", auth), http.StatusNotFound, vigil.ENOTFOUND)
		wantProblem(t, get(t, env, "/api/v2/pupils", auth), http.StatusNotFound, vigil.ENOTFOUND)

		// A method the path does not take: 405 naming the ones it does.
		req, _ := http.NewRequest(http.MethodDelete, env.Server.URL+"/api/v1/pupils", nil)
		req.Header.Set("Authorization", auth)
		r := env.Client().Do(t, req)
		wantProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
		if r.Header.Get("Allow") != "GET" {
			t.Fatalf("Allow %q", r.Header.Get("Allow"))
		}

		// Bad parameters are 400s naming the parameter.
		for _, tc := range []struct{ query, field string }{
			{"limit=0", "limit"},
			{"limit=201", "limit"},
			{"limit=ten", "limit"},
			{"cursor=not-ours", "cursor"},
			{"cursor=eyJvIjotMX0", "cursor"}, // {"o":-1}
			{"status=expelled", "status"},
			{"year_group=15", "year_group"},
			{"q=" + strings.Repeat("a", 101), "q"},
		} {
			p := wantProblem(t, get(t, env, "/api/v1/pupils?"+tc.query, auth), http.StatusBadRequest, "bad_request")
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Message == "" {
				t.Errorf("%s: errors %+v, want one about %s", tc.query, p.Errors, tc.field)
			}
		}
		if r := get(t, env, "/api/v1/pupils?limit=200", auth); r.Status != http.StatusOK {
			t.Fatalf("limit=200: %d", r.Status)
		}
	})
}

func TestSessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak

		// A DSL signed in and stepped up in the browser uses the API too.
		dsl := env.SignIn(t, oak.Staff["dsl"].Email)
		me := decode[api.Me](t, dsl.Get(t, "/api/v1/me").Want(t, http.StatusOK, "", ""))
		if me.Auth != "session" || me.School == nil || me.School.Slug != "oak" || !me.SteppedUp || !me.Can["pupil.list"] {
			t.Fatalf("me %+v", me)
		}
		dsl.Get(t, "/api/v1/pupils").Want(t, http.StatusOK, "Amara Okafor", "Bruno")

		// Before the second factor, the pupils stay closed.
		pw := env.SignInPassword(t, oak.Staff["dsl"].Email)
		wantProblem(t, pw.Get(t, "/api/v1/pupils"), http.StatusForbidden, vigil.EFORBIDDEN)

		// A cookie-authenticated request that changes something, from
		// another site, is refused before anything else.
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/api/v1/pupils", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		wantProblem(t, dsl.Do(t, req), http.StatusForbidden, vigil.EFORBIDDEN)

		// A bearer token wins over the cookie.
		token, _ := newToken(t, env, oak, "teacher")
		req, _ = http.NewRequest(http.MethodGet, env.Server.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", bearer(token))
		if me := decode[api.Me](t, dsl.Do(t, req)); me.Auth != "token" || me.Person.Email != "teacher@oak.test" {
			t.Fatalf("with both: %+v", me)
		}

		// A session that has ended is 401, as no credentials are.
		dsl.SetCookie(mustURL(t, env.Server.URL), "not-a-session")
		wantProblem(t, dsl.Get(t, "/api/v1/me"), http.StatusUnauthorized, vigil.EUNAUTHORIZED)
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")

		me := decode[api.Me](t, get(t, env, "/api/v1/me", bearer(dsl)).Want(t, http.StatusOK, "", ""))
		if me.Auth != "token" || me.Person.ID != string(oak.Staff["dsl"].ID) || me.School == nil || me.School.ID != string(oak.ID) ||
			me.Role == nil || *me.Role != "dsl" || !me.Designated || !me.SteppedUp || me.Permissions.HighestAccess != "manage" ||
			!me.Can["pupil.view"] || !slices.Contains(me.Permissions.Capabilities, "run_reports") {
			t.Fatalf("DSL's me %+v", me)
		}
		// The teacher has no second factor: the token opens only what
		// needs none.
		me = decode[api.Me](t, get(t, env, "/api/v1/me", bearer(teacher)).Want(t, http.StatusOK, "", ""))
		if me.SteppedUp || me.Can["pupil.list"] || *me.Role != "staff" || me.Permissions.HighestAccess != "view_own" {
			t.Fatalf("teacher's me %+v", me)
		}

		// Permissions are read on every request: a change shows at once.
		if err := s.SetPermissions(oak.Ctx, oak.Staff["dsl"].ID, vigil.Permissions{}); err != nil {
			t.Fatal(err)
		}
		me = decode[api.Me](t, get(t, env, "/api/v1/me", bearer(dsl)).Want(t, http.StatusOK, "", ""))
		if me.Can["pupil.list"] || me.Permissions.HighestAccess != "none" {
			t.Fatalf("after the change: %+v", me)
		}
		wantProblem(t, get(t, env, "/api/v1/pupils", bearer(dsl)), http.StatusForbidden, vigil.EFORBIDDEN)

		// Where the school asks a second factor of everyone, a token of
		// someone without one reaches only /me.
		sc, err := s.FindSchoolByID(oak.Ctx, oak.ID)
		if err != nil {
			t.Fatal(err)
		}
		sc.Settings.TwoFactorFor = vigil.TwoFactorEveryone
		if err := s.UpdateSchool(oak.Ctx, sc); err != nil {
			t.Fatal(err)
		}
		get(t, env, "/api/v1/me", bearer(teacher)).Want(t, http.StatusOK, "", "")
		if p := wantProblem(t, get(t, env, "/api/v1/pupils", bearer(teacher)), http.StatusForbidden, vigil.EFORBIDDEN); !strings.Contains(p.Detail, "asks everyone") {
			t.Fatalf("teacher where everyone needs a second factor: %q", p.Detail)
		}
	})
}

func TestTokenLastUsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		token, id := newToken(t, env, oak, "dsl")
		lastUsed := func() time.Time {
			t.Helper()
			list, err := env.App.APITokens(oak.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range list {
				if tk.ID == id {
					return tk.LastUsedAt
				}
			}
			t.Fatal("token not listed")
			return time.Time{}
		}
		if !lastUsed().IsZero() {
			t.Fatal("a new token has been used")
		}
		get(t, env, "/api/v1/me", bearer(token)).Want(t, http.StatusOK, "", "")
		first := lastUsed()
		if first.IsZero() {
			t.Fatal("use not recorded")
		}
		env.Advance(30 * time.Second)
		get(t, env, "/api/v1/me", bearer(token)).Want(t, http.StatusOK, "", "")
		if !lastUsed().Equal(first) {
			t.Fatal("recorded again within a minute")
		}
		env.Advance(31 * time.Second)
		get(t, env, "/api/v1/me", bearer(token)).Want(t, http.StatusOK, "", "")
		if !lastUsed().After(first) {
			t.Fatal("not recorded after a minute")
		}
	})
}

func TestTokenThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		token, _ := newToken(t, env, env.Fixtures.Oak, "dsl")
		forged := bearer("vigil_" + strings.Repeat("B", 43))
		// A whole school may share an address: many failures are free.
		for i := range 50 {
			wantProblem(t, get(t, env, "/api/v1/me", forged), http.StatusUnauthorized, vigil.EUNAUTHORIZED)
			if i < 49 {
				get(t, env, "/api/v1/me", bearer(token)).Want(t, http.StatusOK, "", "")
			}
		}
		// Then the address waits, even with a good token. The first delay
		// is a second and doubles with each failure, so on a slow machine
		// it may need another failure or two to be seen.
		var r *vigiltest.Response
		for range 10 {
			if r = get(t, env, "/api/v1/me", bearer(token)); r.Status == http.StatusTooManyRequests {
				break
			}
			get(t, env, "/api/v1/me", forged)
		}
		wantProblem(t, r, http.StatusTooManyRequests, vigil.ETHROTTLED)
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// Browser sign-in from the address is not locked by the API's
		// failures.
		env.SignInPassword(t, env.Fixtures.Oak.Staff["teacher"].Email)
		env.Advance(time.Hour)
		get(t, env, "/api/v1/me", bearer(token)).Want(t, http.StatusOK, "", "")
	})
}
