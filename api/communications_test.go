package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
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

// An integrator records a phone call with a pupil's mother about a
// concern, attaches a letter, reads it back, finds it in the pupil's list
// and chronology; one about no concern takes no files; the teacher and
// another school cannot read it; bad bodies name their field.
func TestCommunicationsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")
		elmDSL, _ := newToken(t, env, elm, "dsl")
		amara := oak.Pupils["amara"]
		if err := s.ReplaceContacts(oak.Ctx, amara.ID, []*vigil.Contact{{Name: "Grace Okafor", Relationship: "Mother", Priority: 1}}); err != nil {
			t.Fatal(err)
		}
		pupil := decode[api.Pupil](t, get(t, env, "/api/v1/pupils/"+string(amara.ID), bearer(dsl)))
		if len(pupil.Contacts) != 1 {
			t.Fatalf("contacts: %+v", pupil.Contacts)
		}
		when := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		concern := decode[api.Concern](t, send(t, env, "POST", "/api/v1/concerns", bearer(dsl), "application/json",
			[]byte(`{"pupil_ids":["`+string(amara.ID)+`"],"categories":["Bullying"],"occurred_at":"`+when+`","body":"Pushed at the gate."}`)))

		body := `{"pupil_id":"` + string(amara.ID) + `","concern_id":"` + concern.ID + `","with":"parent","contact_id":"` + pupil.Contacts[0].ID +
			`","type":"phone_call","occurred_at":"` + when + `","staff":["` + string(oak.Staff["dsl"].ID) +
			`"],"others":"Family support worker","body":"Told mum about the Quokkaland gate.","agreed":"Mum walks her in."}`
		res := send(t, env, "POST", "/api/v1/communications", bearer(dsl), "application/json", []byte(body))
		if res.Status != http.StatusCreated {
			t.Fatalf("POST communication: %d %s", res.Status, res.Body)
		}
		c := decode[api.Communication](t, res)
		if c.ID == "" || c.Title != "Phone call with Grace Okafor (mother)" || c.ConcernID == nil || *c.ConcernID != concern.ID ||
			c.WithName != "Grace Okafor" || c.WithDetail != "Mother" || len(c.Staff) != 1 || c.Staff[0].Name == "" || c.Agreed != "Mum walks her in." ||
			len(c.Categories) != 1 || c.Categories[0] != "Bullying" || res.Header.Get("Location") != "/api/v1/communications/"+c.ID {
			t.Fatalf("created = %+v", c)
		}

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "letter.txt")
		fw.Write([]byte("Dear Mrs Okafor, thank you for your call.\n"))
		mw.Close()
		doc := send(t, env, "POST", "/api/v1/communications/"+c.ID+"/documents", bearer(dsl), mw.FormDataContentType(), buf.Bytes())
		if doc.Status != http.StatusCreated || !strings.Contains(doc.Body, "letter.txt") {
			t.Fatalf("POST document: %d %s", doc.Status, doc.Body)
		}

		got := decode[api.Communication](t, get(t, env, "/api/v1/communications/"+c.ID, bearer(dsl)))
		if got.Body != c.Body || len(got.Documents) != 1 || got.Documents[0].Name != "letter.txt" || got.Documents[0].ConcernID != concern.ID {
			t.Fatalf("read back = %+v", got)
		}
		list := decode[api.CommunicationList](t, get(t, env, "/api/v1/pupils/"+string(amara.ID)+"/communications", bearer(dsl)))
		if len(list.Items) != 1 || list.Items[0].ID != c.ID || list.Pupil.ID != string(amara.ID) {
			t.Fatalf("list = %+v", list)
		}
		ch := decode[struct{ Items []api.ChronologyEntry }](t, get(t, env, "/api/v1/pupils/"+string(amara.ID)+"/chronology?kind=communication", bearer(dsl)))
		if len(ch.Items) != 1 || ch.Items[0].Kind != app.CommunicationKind || ch.Items[0].ID != c.ID || !strings.Contains(ch.Items[0].Text, "Quokkaland") {
			t.Fatalf("chronology = %+v", ch.Items)
		}

		// One about no concern, with an agency: the DSL may, but it takes
		// no files.
		other := send(t, env, "POST", "/api/v1/communications", bearer(dsl), "application/json", []byte(`{"pupil_id":"`+string(amara.ID)+
			`","with":"agency","with_name":"Testshire Early Help","type":"email","occurred_at":"`+when+`","body":"Asked for an update."}`))
		if other.Status != http.StatusCreated {
			t.Fatalf("POST unlinked: %d %s", other.Status, other.Body)
		}
		o := decode[api.Communication](t, other)
		if o.ConcernID != nil || o.Title != "Email with Testshire Early Help" {
			t.Fatalf("unlinked = %+v", o)
		}
		buf.Reset()
		mw = multipart.NewWriter(&buf)
		fw, _ = mw.CreateFormFile("file", "note.txt")
		fw.Write([]byte("A note.\n"))
		mw.Close()
		p := wantProblem(t, send(t, env, "POST", "/api/v1/communications/"+o.ID+"/documents", bearer(dsl), mw.FormDataContentType(), buf.Bytes()),
			http.StatusUnprocessableEntity, "invalid")
		if len(p.Errors) != 1 || p.Errors[0].Field != "file" {
			t.Fatalf("files on an unlinked communication: %+v", p)
		}

		// Others cannot read them.
		for _, path := range []string{"/api/v1/communications/" + c.ID, "/api/v1/communications/" + o.ID, "/api/v1/pupils/" + string(amara.ID) + "/communications"} {
			if r := get(t, env, path, bearer(teacher)); r.Status != http.StatusForbidden || strings.Contains(r.Body, "Quokkaland") {
				t.Errorf("teacher GET %s: %d", path, r.Status)
			}
			wantProblem(t, get(t, env, path, bearer(elmDSL)), http.StatusNotFound, "not_found")
		}
		wantProblem(t, get(t, env, "/api/v1/communications/"+vigil.NewID(), bearer(dsl)), http.StatusNotFound, "not_found")

		// Bad bodies name their field.
		for name, tc := range map[string]struct {
			body   string
			status int
			field  string
		}{
			"no pupil":    {`{"with":"pupil","type":"meeting","occurred_at":"` + when + `","body":"x"}`, 422, "pupil_id"},
			"no time":     {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"meeting","body":"x"}`, 422, "occurred_at"},
			"bad time":    {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"meeting","occurred_at":"today","body":"x"}`, 422, "occurred_at"},
			"future":      {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"meeting","occurred_at":"2099-01-01T00:00:00Z","body":"x"}`, 422, "occurred_at"},
			"bad type":    {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"fax","occurred_at":"` + when + `","body":"x"}`, 422, "type"},
			"no contact":  {`{"pupil_id":"` + string(amara.ID) + `","with":"parent","type":"meeting","occurred_at":"` + when + `","body":"x"}`, 422, "contact_id"},
			"elm concern": {`{"pupil_id":"` + string(amara.ID) + `","concern_id":"` + vigil.NewID() + `","with":"pupil","type":"meeting","occurred_at":"` + when + `","body":"x"}`, 422, "concern_id"},
			"staff type":  {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"meeting","occurred_at":"` + when + `","body":"x","staff":"everyone"}`, 400, "staff"},
			"unknown":     {`{"pupil_id":"` + string(amara.ID) + `","with":"pupil","type":"meeting","occurred_at":"` + when + `","body":"x","mood":"calm"}`, 400, "mood"},
		} {
			r := send(t, env, "POST", "/api/v1/communications", bearer(dsl), "application/json", []byte(tc.body))
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
		if r := send(t, env, "POST", "/api/v1/communications", bearer(teacher), "application/json", []byte(body)); r.Status != http.StatusForbidden {
			t.Errorf("teacher records: %d", r.Status)
		}
		saved, err := s.FindCommunications(oak.Ctx, store.CommunicationFilter{Visibility: store.Visibility{All: true}})
		if err != nil || len(saved) != 2 {
			t.Errorf("%d communications saved (%v), want 2", len(saved), err)
		}
	})
}
