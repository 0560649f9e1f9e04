package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/app"
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
			if len(ch.Items) != 1 || ch.Items[0].ConcernID == nil || *ch.Items[0].ConcernID != c.ID {
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

// rawItems decodes the items of a JSON answer as plain maps, to see what
// the JSON holds (null, or an empty string) rather than what Go makes of it.
func rawItems(t *testing.T, r *vigiltest.Response, list string) []map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var items []map[string]any
	if err := json.Unmarshal(doc[list], &items); err != nil {
		t.Fatalf("decode %s: %v", list, err)
	}
	return items
}

// The chronology can be filtered to every kind it holds, referrals and
// communications included; concern_id is null, never "", wherever a
// record (a chronology entry, a referral, a communication, a notification
// or a search hit) is linked to no concern; search finds referrals and
// communications by their words.
func TestChronologyKindsAndNullConcerns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl, _ := newToken(t, env, oak, "dsl")
		amara := string(oak.Pupils["amara"].ID)
		when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		res := send(t, env, "POST", "/api/v1/concerns", bearer(dsl), "application/json", []byte(`{"pupil_ids":["`+amara+
			`"],"categories":["Bullying"],"occurred_at":"`+when+`","body":"Pushed at the gate."}`))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST concern: %d %s", res.Status, res.Body)
		}
		c := decode[api.Concern](t, res)
		old := time.Now().AddDate(0, 0, -30).UTC().Format(time.RFC3339)
		res = send(t, env, "POST", "/api/v1/referrals", bearer(dsl), "application/json", []byte(`{"pupil_id":"`+amara+
			`","agency":"police","method":"phone","made_at":"`+old+`","reference":"CAD-Wolverham","details":"Reported Ottersgate."}`))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST referral: %d %s", res.Status, res.Body)
		}
		ref := decode[api.Referral](t, res)
		res = send(t, env, "POST", "/api/v1/communications", bearer(dsl), "application/json", []byte(`{"pupil_id":"`+amara+
			`","with":"agency","with_name":"Testshire Early Help","type":"email","occurred_at":"`+when+`","body":"Asked about Ottersgate.","agreed":"Reply by Friday."}`))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST communication: %d %s", res.Status, res.Body)
		}
		comm := decode[api.Communication](t, res)

		path := "/api/v1/pupils/" + amara + "/chronology"
		kinds := map[string]bool{}
		for _, it := range rawItems(t, get(t, env, path, bearer(dsl)), "items") {
			kind, _ := it["kind"].(string)
			kinds[kind] = true
			id, present := it["concern_id"]
			switch kind {
			case "referral", "communication":
				if !present || id != nil {
					t.Errorf("%s entry: concern_id = %#v (present %v), want null", kind, id, present)
				}
			default:
				if id != c.ID {
					t.Errorf("%s entry: concern_id = %#v, want %s", kind, id, c.ID)
				}
			}
		}
		if !kinds["concern"] || !kinds["referral"] || !kinds["communication"] {
			t.Errorf("chronology kinds = %v", kinds)
		}
		for _, k := range app.ChronologyKinds() {
			r := get(t, env, path+"?kind="+k, bearer(dsl))
			items := rawItems(t, r, "items")
			for _, it := range items {
				if it["kind"] != k {
					t.Errorf("kind=%s gave a %v entry", k, it["kind"])
				}
			}
			if (k == "referral" || k == "communication" || k == "concern") && len(items) != 1 {
				t.Errorf("kind=%s: %d entries, want 1", k, len(items))
			}
		}
		both := decode[struct{ Items []api.ChronologyEntry }](t, get(t, env, path+"?kind=referral&kind=communication", bearer(dsl)))
		if len(both.Items) != 2 || both.Items[0].ID != ref.ID || both.Items[1].ID != comm.ID || both.Items[0].ConcernID != nil {
			t.Errorf("referrals and communications = %+v", both.Items)
		}
		p := wantProblem(t, get(t, env, path+"?kind=gossip", bearer(dsl)), http.StatusBadRequest, "bad_request")
		for _, k := range app.ChronologyKinds() {
			if !strings.Contains(p.Detail+p.Title+strings.Join(problemFields(p), " ")+problemMessages(p), k) {
				t.Errorf("the problem for an unknown kind does not list %s: %+v", k, p)
			}
		}

		// Referrals, communications and notifications linked to no concern.
		for name, r := range map[string]*vigiltest.Response{
			"referrals":      get(t, env, "/api/v1/referrals", bearer(dsl)),
			"communications": get(t, env, "/api/v1/pupils/"+amara+"/communications", bearer(dsl)),
		} {
			items := rawItems(t, r, "items")
			if len(items) != 1 {
				t.Fatalf("%s: %d items", name, len(items))
			}
			if id, present := items[0]["concern_id"]; !present || id != nil {
				t.Errorf("%s: concern_id = %#v (present %v), want null", name, id, present)
			}
		}
		sys := vigil.SystemContext(context.Background(), oak.ID)
		if n, err := env.App.ChaseSchoolReferrals(sys); err != nil || n != 1 {
			t.Fatalf("chase overdue referrals: %d, %v", n, err)
		}
		notes := rawItems(t, get(t, env, "/api/v1/notifications", bearer(dsl)), "items")
		i := slices.IndexFunc(notes, func(n map[string]any) bool { return n["kind"] == vigil.NotifyReferralOverdue })
		if i < 0 {
			t.Fatalf("no overdue notification: %v", notes)
		}
		if id, present := notes[i]["concern_id"]; !present || id != nil {
			t.Errorf("notification: concern_id = %#v (present %v), want null", id, present)
		}

		// Search: referrals and communications by their words.
		r := get(t, env, "/api/v1/search?q=ottersgate", bearer(dsl))
		hits := decode[api.SearchList](t, r)
		if len(hits.Items) != 0 || len(hits.Referrals) != 1 || hits.Referrals[0].ID != ref.ID || len(hits.Communications) != 1 ||
			hits.Communications[0].ID != comm.ID || hits.Communications[0].Summary != "Asked about Ottersgate." || hits.Communications[0].ConcernID != nil {
			t.Errorf("search = %+v", hits)
		}
		if id, present := rawItems(t, r, "communications")[0]["concern_id"]; !present || id != nil {
			t.Errorf("search hit: concern_id = %#v, want null", id)
		}
		if hits := decode[api.SearchList](t, get(t, env, "/api/v1/search?q=wolverham+friday", bearer(dsl))); len(hits.Referrals)+len(hits.Communications) != 0 {
			t.Errorf("words of two records found one: %+v", hits)
		}
		if hits := decode[api.SearchList](t, get(t, env, "/api/v1/search", bearer(dsl))); hits.Referrals == nil || hits.Communications == nil ||
			len(hits.Referrals)+len(hits.Communications) != 0 || len(hits.Items) != 1 {
			t.Errorf("no words = %+v, want the concern and empty lists", hits)
		}
	})
}

func problemMessages(p api.Problem) string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Message)
	}
	return strings.Join(out, " ")
}

// The OpenAPI document lists the chronology's kinds as app does, and says
// concern_id may be null wherever a record may be linked to no concern,
// as it says of other optional fields: type ["string", "null"].
func TestOpenAPIChronologyKindsAndNullConcerns(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var param []string
	for _, p := range doc.Paths["/pupils/{id}/chronology"]["get"].Parameters {
		if p.Name == "kind" {
			param = p.Schema.Items.Enum
		}
	}
	if !slices.Equal(param, app.ChronologyKinds()) {
		t.Errorf("the kind parameter's enum = %v, want %v", param, app.ChronologyKinds())
	}
	var kind struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["ChronologyEntry"].Properties["kind"], &kind); err != nil || !slices.Equal(kind.Enum, app.ChronologyKinds()) {
		t.Errorf("ChronologyEntry.kind's enum = %v (%v), want %v", kind.Enum, err, app.ChronologyKinds())
	}
	for _, name := range []string{"ChronologyEntry", "ReferralSummary", "Referral", "Communication", "CommunicationHit", "Notification"} {
		sc, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		var prop struct {
			Type []string `json:"type"`
		}
		if err := json.Unmarshal(sc.Properties["concern_id"], &prop); err != nil || !slices.Equal(prop.Type, []string{"string", "null"}) {
			t.Errorf("%s.concern_id type = %s, want [\"string\", \"null\"]", name, sc.Properties["concern_id"])
		}
		if !slices.Contains(sc.Required, "concern_id") {
			t.Errorf("%s.concern_id is not required: it is always sent, as null for none", name)
		}
	}
}
