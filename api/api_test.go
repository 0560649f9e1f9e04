package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// newToken makes an API token for a fixture person of a school, as vigil
// token create does.
func newToken(t *testing.T, env *vigiltest.Env, sc *storetest.School, staff string) (token, id string) {
	t.Helper()
	res, err := env.App.CreateAPIToken(sc.Ctx, sc.Staff[staff].ID, "test "+staff)
	if err != nil {
		t.Fatalf("create token for %s: %v", staff, err)
	}
	return res.Token, res.Record.ID
}

// get sends GET path with the Authorization header auth ("" for none) from
// a client without cookies.
func get(t *testing.T, env *vigiltest.Env, path, auth string) *vigiltest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return env.Client().Do(t, req)
}

func bearer(token string) string { return "Bearer " + token }

// decode unmarshals a JSON answer, failing on anything else.
func decode[T any](t *testing.T, r *vigiltest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("answer is not the JSON expected: %v: %.300s", err, r.Body)
	}
	return v
}

// wantProblem checks an answer is an RFC 9457 problem with the status and
// type code, and returns it.
func wantProblem(t *testing.T, r *vigiltest.Response, status int, code string) api.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.300s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.Body), &raw); err != nil {
		t.Fatalf("problem is not JSON: %v: %.300s", err, r.Body)
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("problem lacks %q: %s", k, r.Body)
		}
	}
	p := decode[api.Problem](t, r)
	if p.Status != status || p.Type != api.ProblemTypeBase+code || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v, want status %d and type %s", p, status, api.ProblemTypeBase+code)
	}
	return p
}

func TestTokenListsPupils(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		token, _ := newToken(t, env, oak, "dsl")

		r := get(t, env, "/api/v1/pupils", bearer(token))
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET pupils: %d %q: %.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		list := decode[api.List[api.PupilSummary]](t, r)
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Name)
			if !p.OnRoll || p.YearGroup != "3" || p.RegistrationGroup != "3O" || p.PreferredName != nil {
				t.Errorf("pupil %+v", p)
			}
		}
		if got := strings.Join(names, ", "); got != "Ben Hughes, Chloe Nowak, Amara Okafor" || list.NextCursor != nil {
			t.Fatalf("pupils %q, next %v; want Oak's three on roll, by surname, on one page", got, list.NextCursor)
		}
		if strings.Contains(r.Body, "Bruno") || strings.Contains(r.Body, "Ellie") {
			t.Fatal("Oak's token listed Elm's pupils")
		}

		// A search, the leaver, and an empty q.
		if l := decode[api.List[api.PupilSummary]](t, get(t, env, "/api/v1/pupils?q=okaf", bearer(token))); len(l.Items) != 1 || l.Items[0].ID != string(oak.Pupils["amara"].ID) {
			t.Fatalf("q=okaf: %+v", l.Items)
		}
		if l := decode[api.List[api.PupilSummary]](t, get(t, env, "/api/v1/pupils?q=&status=left", bearer(token))); len(l.Items) != 1 || l.Items[0].OnRoll {
			t.Fatalf("status=left: %+v", l.Items)
		}
		if l := decode[api.List[api.PupilSummary]](t, get(t, env, "/api/v1/pupils?q=zzzz", bearer(token))); l.Items == nil || len(l.Items) != 0 || l.NextCursor != nil {
			t.Fatalf("no match: %+v", l)
		}

		// Pages of two: the cursor leads on, and ends with null.
		var paged []string
		path := "/api/v1/pupils?status=all&limit=2"
		for range 5 {
			l := decode[api.List[api.PupilSummary]](t, get(t, env, path, bearer(token)))
			for _, p := range l.Items {
				paged = append(paged, p.Name)
			}
			if l.NextCursor == nil {
				break
			}
			path = "/api/v1/pupils?status=all&limit=2&cursor=" + url.QueryEscape(*l.NextCursor)
		}
		if got := strings.Join(paged, ", "); got != "Ben Hughes, Chloe Nowak, Amara Okafor, Dylan Price" {
			t.Fatalf("paged through %q", got)
		}

		// Each list was audited, as the pupil page's is.
		evs, err := s.FindAudit(oak.Ctx, oak.Staff["dsl"].ID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Action == vigil.AuditPupilsListed {
				n++
			}
		}
		if n != 6 {
			t.Fatalf("%d list events, want 6", n)
		}
	})
}

func TestTokenShowsPupil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		amara := oak.Pupils["amara"]
		err := s.ReplaceContacts(oak.Ctx, amara.ID, []*vigil.Contact{{Name: "Grace Okafor", Relationship: "Mother", ParentalResponsibility: true, Priority: 1, Phone: "01632 960001"}})
		if err != nil {
			t.Fatal(err)
		}
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")

		r := get(t, env, "/api/v1/pupils/"+string(amara.ID), bearer(dsl))
		if r.Status != http.StatusOK {
			t.Fatalf("GET pupil: %d: %.300s", r.Status, r.Body)
		}
		p := decode[api.Pupil](t, r)
		if p.ID != string(amara.ID) || p.Name != "Amara Okafor" || p.DateOfBirth != amara.DateOfBirth.String() || p.LeftOn != nil ||
			len(p.Flags) != 1 || p.Flags[0] != "cp_plan" || len(p.Contacts) != 1 || p.Contacts[0].Name != "Grace Okafor" || !p.Contacts[0].ParentalResponsibility {
			t.Fatalf("pupil %+v", p)
		}
		evs, err := s.FindAudit(oak.Ctx, "", amara.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || evs[0].Action != vigil.AuditPupilViewed || evs[0].PersonID != oak.Staff["dsl"].ID {
			t.Fatalf("view not audited: %+v", evs)
		}

		// Elm's pupil is not found, exactly as a missing one.
		foreign := wantProblem(t, get(t, env, "/api/v1/pupils/"+string(elm.Pupils["bruno"].ID), bearer(dsl)), http.StatusNotFound, vigil.ENOTFOUND)
		missing := wantProblem(t, get(t, env, "/api/v1/pupils/"+vigil.NewID(), bearer(dsl)), http.StatusNotFound, vigil.ENOTFOUND)
		malformed := wantProblem(t, get(t, env, "/api/v1/pupils/not-an-id", bearer(dsl)), http.StatusNotFound, vigil.ENOTFOUND)
		if foreign.Detail != missing.Detail || malformed.Detail != missing.Detail {
			t.Fatalf("another school's pupil answered %q, a missing one %q", foreign.Detail, missing.Detail)
		}

		// An Oak teacher may open no pupil record: Elm's pupil gets the same
		// answer as Oak's and as one that does not exist, so nothing about
		// Elm shows.
		tf := wantProblem(t, get(t, env, "/api/v1/pupils/"+string(elm.Pupils["bruno"].ID), bearer(teacher)), http.StatusForbidden, vigil.EFORBIDDEN)
		to := wantProblem(t, get(t, env, "/api/v1/pupils/"+string(amara.ID), bearer(teacher)), http.StatusForbidden, vigil.EFORBIDDEN)
		tm := wantProblem(t, get(t, env, "/api/v1/pupils/"+vigil.NewID(), bearer(teacher)), http.StatusForbidden, vigil.EFORBIDDEN)
		if tf.Detail != to.Detail || tf.Detail != tm.Detail {
			t.Fatalf("teacher's answers differ: %+v, %+v, %+v", tf, to, tm)
		}
		wantProblem(t, get(t, env, "/api/v1/pupils", bearer(teacher)), http.StatusForbidden, vigil.EFORBIDDEN)

		// Elm's DSL sees Bruno but not Amara.
		elmDSL, _ := newToken(t, env, elm, "dsl")
		if r := get(t, env, "/api/v1/pupils/"+string(elm.Pupils["bruno"].ID), bearer(elmDSL)); r.Status != http.StatusOK {
			t.Fatalf("Elm's DSL on Bruno: %d", r.Status)
		}
		wantProblem(t, get(t, env, "/api/v1/pupils/"+string(amara.ID), bearer(elmDSL)), http.StatusNotFound, vigil.ENOTFOUND)
	})
}

func TestTokenRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		good, _ := newToken(t, env, oak, "dsl")
		revoked, revokedID := newToken(t, env, oak, "dsl")
		if _, err := env.App.RevokeAPIToken(oak.Ctx, revokedID); err != nil {
			t.Fatal(err)
		}
		admin, _ := newToken(t, env, oak, "admin")
		if err := s.SetMembershipActive(oak.Ctx, oak.Staff["admin"].ID, false); err != nil {
			t.Fatal(err)
		}
		forged := "vigil_" + strings.Repeat("A", 43)

		var first api.Problem
		for i, tc := range []struct{ name, auth string }{
			{"none", ""},
			{"basic", "Basic ZHNsQG9hay50ZXN0OnBhc3M="},
			{"bearer without token", "Bearer "},
			{"malformed", "Bearer not-a-token"},
			{"unknown", bearer(forged)},
			{"revoked", bearer(revoked)},
			{"deactivated member", bearer(admin)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := get(t, env, "/api/v1/pupils", tc.auth)
				p := wantProblem(t, r, http.StatusUnauthorized, vigil.EUNAUTHORIZED)
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
				}
				if strings.Contains(r.Body, "Amara") || strings.Contains(r.Body, revoked) {
					t.Errorf("refusal shows too much: %s", r.Body)
				}
				// Every refused token gets one answer, whatever the reason.
				if i >= 3 {
					if first.Detail == "" {
						first = p
					} else if p.Detail != first.Detail || p.Type != first.Type {
						t.Errorf("answer %+v differs from %+v", p, first)
					}
				}
			})
		}
		if r := get(t, env, "/api/v1/pupils", bearer(good)); r.Status != http.StatusOK {
			t.Fatalf("the good token: %d", r.Status)
		}

		// The revoked token's use is in Oak's trail, with its id and not
		// its secret; the unknown one in the service's.
		evs, err := s.FindAudit(oak.Ctx, oak.Staff["dsl"].ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range evs {
			if ev.Action == vigil.AuditAPITokenRefused && ev.ObjectID == revokedID && ev.Detail["reason"] == "revoked" {
				found = true
			}
			for _, v := range ev.Detail {
				if strings.Contains(v, "vigil_") {
					t.Fatalf("a token's secret is in the audit trail: %+v", ev)
				}
			}
		}
		if !found {
			t.Fatal("the revoked token's use was not audited")
		}
		// Making and revoking it were audited too, by the operator.
		evs, err = s.FindAudit(oak.Ctx, "", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		made, gone := false, false
		for _, ev := range evs {
			made = made || ev.Action == vigil.AuditAPITokenCreated && ev.ObjectID == revokedID && ev.PersonID == ""
			gone = gone || ev.Action == vigil.AuditAPITokenRevoked && ev.ObjectID == revokedID
		}
		if !made || !gone {
			t.Fatalf("token made %v, revoked %v in the trail", made, gone)
		}

		// A disabled person's token stops working at once.
		storetest.Exec(t, s, "UPDATE persons SET status = ? WHERE id = ?", vigil.PersonDisabled, oak.Staff["dsl"].ID)
		wantProblem(t, get(t, env, "/api/v1/me", bearer(good)), http.StatusUnauthorized, vigil.EUNAUTHORIZED)
	})
}
