package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

func send(t *testing.T, env *vigiltest.Env, method, path, auth, contentType string, body []byte) *vigiltest.Response {
	t.Helper()
	req, err := http.NewRequest(method, env.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return env.Client().Do(t, req)
}

// An integrator logs a concern about two pupils; it is in both
// chronologies and found by a word of it; the DSL adds an action and a
// document; the teacher cannot read the DSL's view; bad bodies name their
// field.
func TestConcernsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")
		elmDSL, _ := newToken(t, env, elm, "dsl")
		amara, ben := oak.Pupils["amara"].ID, oak.Pupils["ben"].ID
		when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		body := `{"pupil_ids":["` + string(amara) + `","` + string(ben) + `"],"categories":["Bullying"],"occurred_at":"` + when +
			`","location":"Playground","body":"Seen pushing near the gate. Marker Zebracornish."}`
		res := send(t, env, "POST", "/api/v1/concerns", bearer(dsl), "application/json", []byte(body))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST concern: %d %s", res.Status, res.Body)
		}
		c := decode[api.Concern](t, res)
		if c.ID == "" || len(c.Pupils) != 2 || c.Categories[0].Name != "Bullying" || c.Access != "manage" || !strings.Contains(c.Body, "Zebracornish") {
			t.Fatalf("created concern = %+v", c)
		}
		for _, p := range []string{string(amara), string(ben)} {
			ch := decode[struct{ Items []api.ChronologyEntry }](t, get(t, env, "/api/v1/pupils/"+p+"/chronology", bearer(dsl)))
			if len(ch.Items) != 1 || ch.Items[0].ConcernID != c.ID {
				t.Errorf("chronology of %s = %+v", p, ch.Items)
			}
		}
		hits := decode[api.SearchList](t, get(t, env, "/api/v1/search?q=zebracornish", bearer(dsl)))
		if len(hits.Items) != 1 || hits.Items[0].ID != c.ID {
			t.Errorf("search = %+v", hits)
		}
		if r := get(t, env, "/api/v1/concerns/"+c.ID, bearer(teacher)); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("teacher reading the DSL's concern: %d", r.Status)
		}
		wantProblem(t, get(t, env, "/api/v1/concerns/"+c.ID, bearer(elmDSL)), http.StatusNotFound, "not_found")

		act := send(t, env, "POST", "/api/v1/concerns/"+c.ID+"/actions", bearer(dsl), "application/json",
			[]byte(`{"type":"Spoke to parent or carer","body":"Phoned mum.","due_on":"`+time.Now().AddDate(0, 0, 7).Format("2006-01-02")+`"}`))
		if act.Status != http.StatusCreated {
			t.Fatalf("POST action: %d %s", act.Status, act.Body)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "note.txt")
		fw.Write([]byte("A typed note about the incident.\n"))
		mw.Close()
		doc := send(t, env, "POST", "/api/v1/concerns/"+c.ID+"/documents", bearer(dsl), mw.FormDataContentType(), buf.Bytes())
		if doc.Status != http.StatusCreated || !strings.Contains(doc.Body, "note.txt") {
			t.Fatalf("POST document: %d %s", doc.Status, doc.Body)
		}
		got := decode[api.Concern](t, get(t, env, "/api/v1/concerns/"+c.ID, bearer(dsl)))
		if len(got.Actions) != 1 || len(got.Documents) != 1 || got.Actions[0].DueOn == nil {
			t.Errorf("concern after action and document = %+v", got)
		}

		for name, tc := range map[string]struct {
			body   string
			status int
			field  string
		}{
			"empty":       {`{"pupil_ids":[],"categories":[],"body":""}`, 422, "pupil_ids"},
			"no category": {`{"pupil_ids":["` + string(amara) + `"],"categories":["Astrology"],"body":"x"}`, 422, "categories"},
			"bad time":    {`{"pupil_ids":["` + string(amara) + `"],"categories":["Bullying"],"occurred_at":"yesterday","body":"x"}`, 422, "occurred_at"},
			"future":      {`{"pupil_ids":["` + string(amara) + `"],"categories":["Bullying"],"occurred_at":"2099-01-01T00:00:00Z","body":"x"}`, 422, "occurred_at"},
			"elm pupil":   {`{"pupil_ids":["` + string(elm.Pupils["bruno"].ID) + `"],"categories":["Bullying"],"body":"x"}`, 422, "pupil_ids"},
			"unknown":     {`{"pupil_ids":["` + string(amara) + `"],"categories":["Bullying"],"body":"x","colour":"red"}`, 400, "colour"},
		} {
			r := send(t, env, "POST", "/api/v1/concerns", bearer(dsl), "application/json", []byte(tc.body))
			code := "invalid"
			if tc.status == 400 {
				code = "bad_request"
			}
			p := wantProblem(t, r, tc.status, code)
			found := false
			for _, f := range p.Errors {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Errorf("%s: problem %+v does not name %s", name, p, tc.field)
			}
		}
		n, err := s.CountConcerns(oak.Ctx, store.ConcernFilter{Visibility: store.Visibility{All: true}})
		if err != nil || n != 1 {
			t.Errorf("%d concerns saved (%v), want 1", n, err)
		}
	})
}
