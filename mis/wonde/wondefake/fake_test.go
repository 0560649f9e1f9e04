package wondefake_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
)

const token = "fake-token"

func get(t *testing.T, srv *httptest.Server, path string, auth func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	auth(req)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", path, err)
	}
	return resp.StatusCode, v
}

func bearer(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) }

func TestServer(t *testing.T) {
	t.Parallel()
	fake := wondefake.NewServer(token)
	var pupils []*mis.Pupil
	for i := range 250 {
		pupils = append(pupils, &mis.Pupil{LegalForename: "A", LegalSurname: fmt.Sprint("B", i), DateOfBirth: vigil.NewDate(2015, 1, 1), ContactsKnown: true,
			Contacts: []mis.Contact{{Surname: "C", Email: "c@example.org"}}})
	}
	fake.SetSchool("A1", pupils, nil)
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, path string
		auth       func(*http.Request)
		status     int
		check      func(t *testing.T, v map[string]any)
	}{
		{"basic auth, per_page capped at 200", "/v1.0/schools/A1/students?per_page=500", func(r *http.Request) { r.SetBasicAuth(token, "") }, 200,
			func(t *testing.T, v map[string]any) {
				p := v["meta"].(map[string]any)["pagination"].(map[string]any)
				if len(v["data"].([]any)) != 200 || p["more"] != true || p["per_page"] != float64(200) || p["next"] == nil {
					t.Errorf("page = %d records, pagination %v", len(v["data"].([]any)), p)
				}
			}},
		{"last page", "/v1.0/schools/A1/students?per_page=200&page=2", bearer, 200,
			func(t *testing.T, v map[string]any) {
				p := v["meta"].(map[string]any)["pagination"].(map[string]any)
				if len(v["data"].([]any)) != 50 || p["more"] != false || p["next"] != nil || p["previous"] == nil {
					t.Errorf("page = %d records, pagination %v", len(v["data"].([]any)), p)
				}
			}},
		{"includes only when asked", "/v1.0/schools/A1/students?include=contacts", bearer, 200,
			func(t *testing.T, v map[string]any) {
				s := v["data"].([]any)[0].(map[string]any)
				c := s["contacts"].(map[string]any)["data"].([]any)[0].(map[string]any)
				if _, ok := s["education_details"]; ok || c["contact_details"] != nil {
					t.Errorf("student = %v", s)
				}
			}},
		{"nested include", "/v1.0/schools/A1/students?include=contacts.contact_details", bearer, 200,
			func(t *testing.T, v map[string]any) {
				s := v["data"].([]any)[0].(map[string]any)
				c := s["contacts"].(map[string]any)["data"].([]any)[0].(map[string]any)
				if c["contact_details"] == nil {
					t.Errorf("contact = %v", c)
				}
			}},
		{"bad updated_after", "/v1.0/schools/A1/students?updated_after=2025-09-01", bearer, 422,
			func(t *testing.T, v map[string]any) {
				if _, ok := v["errors"].(map[string]any)["updated_after"]; !ok {
					t.Errorf("body = %v", v)
				}
			}},
		{"huge page", "/v1.0/schools/A1/students?page=9223372036854775807", bearer, 200,
			func(t *testing.T, v map[string]any) {
				if len(v["data"].([]any)) != 0 {
					t.Errorf("body = %v", v)
				}
			}},
		{"wrong token", "/v1.0/schools/A1/students", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401,
			func(t *testing.T, v map[string]any) {
				if v["error"] != "unauthenticated" {
					t.Errorf("body = %v", v)
				}
			}},
		{"basic with a password", "/v1.0/schools/A1", func(r *http.Request) { r.SetBasicAuth(token, "x") }, 401, nil},
		{"unknown school", "/v1.0/schools/A2/students", bearer, 404, nil},
		{"unknown path", "/v1.0/schools/A1/lessons", bearer, 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, v := get(t, srv, tc.path, tc.auth)
			if status != tc.status {
				t.Fatalf("status = %d, want %d; body %v", status, tc.status, v)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
	for _, line := range fake.RequestLog() {
		if strings.Contains(line, token) {
			t.Errorf("request log holds the token: %q", line)
		}
	}
}
