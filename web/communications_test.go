package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// The DSL records a phone call with a pupil's mother from the concern
// page, with a letter attached; it shows on its own page, in the pupil's
// list and in the chronology. Problems keep what was typed. The teacher,
// the administrator and another school see none of it.
func TestCommunicationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		amara := oak.Pupils["amara"]
		if err := s.ReplaceContacts(oak.Ctx, amara.ID, []*vigil.Contact{{Name: "Grace Okafor", Relationship: "Mother", Priority: 1}}); err != nil {
			t.Fatal(err)
		}
		contacts, err := s.FindContacts(oak.Ctx, amara.ID)
		if err != nil || len(contacts) != 1 {
			t.Fatalf("contacts: %v", err)
		}
		c := logAsTeacher(t, env, "Pushed at the gate.", nil, amara)
		london, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Fatal(err)
		}

		dsl := env.SignIn(t, oak.Staff["dsl"].Email)
		dsl.Get(t, "/pupils/"+string(amara.ID)).Want(t, http.StatusOK, "/pupils/"+string(amara.ID)+"/communications", "")
		newLink := "/communications/new?pupil=" + string(amara.ID) + "&amp;concern=" + string(c.ID)
		dsl.Get(t, "/concerns/"+string(c.ID)).Want(t, http.StatusOK, newLink, "")
		form := dsl.Get(t, "/communications/new?pupil="+string(amara.ID)+"&concern="+string(c.ID)).Want(t, http.StatusOK, "Grace Okafor (Mother)", "<script>")
		if !strings.Contains(form.Body, `value="`+string(c.ID)+`" selected`) || !strings.Contains(form.Body, `enctype="multipart/form-data"`) {
			t.Fatalf("the form does not offer the concern chosen: %.2000s", form.Body)
		}

		fields := url.Values{
			"pupil_id": {string(amara.ID)}, "concern_id": {string(c.ID)}, "with": {"parent"}, "contact_id": {string(contacts[0].ID)},
			"type": {"phone_call"}, "occurred_at": {env.Now().Add(-time.Hour).In(london).Format("2006-01-02T15:04")},
			"staff": {string(oak.Staff["dsl"].ID)}, "others": {"Kestrelwood, the family support worker"},
			"body": {"Told mum about the incident at the Zebrafinch gate."}, "agreed": {"Mum will walk her in."},
		}

		// Problems: the form again, with what was typed and each field's
		// problem.
		bad := url.Values{}
		for k, v := range fields {
			bad[k] = v
		}
		bad.Set("with", "agency")
		bad.Set("body", " ")
		bad.Set("occurred_at", "yesterday")
		r := postMultipart(t, env, dsl, "/communications", bad, map[string]string{"letter.txt": "Dear Mrs Okafor"})
		r.Want(t, http.StatusUnprocessableEntity, "Write what was said.", "")
		for _, want := range []string{"Give the name of the agency.", "Give the date and time it happened.", "Kestrelwood", "Choose the files to attach again"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the form shown again lacks %q", want)
			}
		}

		r = postMultipart(t, env, dsl, "/communications", fields, map[string]string{"letter.txt": "Dear Mrs Okafor"})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/communications/") {
			t.Fatalf("save: %d %q %.500s", r.Status, r.Header.Get("Location"), r.Body)
		}
		path, _, _ := strings.Cut(r.Header.Get("Location"), "?")
		page := dsl.Get(t, r.Header.Get("Location")).Want(t, http.StatusOK, "Phone call with Grace Okafor (mother)", "<script>")
		for _, want := range []string{"has been recorded", "Zebrafinch gate", "Mum will walk her in.", "Kestrelwood", "letter.txt", "Bullying", oak.Staff["dsl"].Name} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the communication's page lacks %q", want)
			}
		}
		dsl.Get(t, "/pupils/"+string(amara.ID)+"/communications").Want(t, http.StatusOK, `href="`+path+`"`, "")
		ch := dsl.Get(t, "/pupils/"+string(amara.ID)+"/chronology").Want(t, http.StatusOK, "Zebrafinch gate", "")
		if !strings.Contains(ch.Body, "Open the communication") || !strings.Contains(ch.Body, `value="communication"`) {
			t.Error("the chronology does not show the communication or offer it in its filter")
		}
		dsl.Get(t, "/pupils/"+string(amara.ID)+"/chronology?kind=communication").Want(t, http.StatusOK, "Zebrafinch gate", "Pushed at the gate")
		dsl.Get(t, "/pupils/"+string(amara.ID)+"/chronology.csv?kind=communication").Want(t, http.StatusOK, "Zebrafinch gate", "Pushed at the gate")

		// Others see nothing of it.
		teacher := env.SignIn(t, oak.Staff["teacher"].Email)
		teacher.Get(t, path).Want(t, http.StatusForbidden, "", "Zebrafinch")
		teacher.Get(t, "/pupils/"+string(amara.ID)+"/communications").Want(t, http.StatusForbidden, "", "Zebrafinch")
		teacher.Get(t, "/communications/new?pupil="+string(amara.ID)).Want(t, http.StatusForbidden, "", "Grace")
		admin := env.SignIn(t, oak.Staff["admin"].Email)
		admin.Get(t, path).Want(t, http.StatusForbidden, "", "Zebrafinch")
		elmDSL := env.SignIn(t, elm.Staff["dsl"].Email)
		elmDSL.Get(t, path).Want(t, http.StatusNotFound, "Page not found", "Zebrafinch")
		elmDSL.Get(t, "/pupils/"+string(amara.ID)+"/communications").Want(t, http.StatusNotFound, "Page not found", "Amara")
		elmDSL.Get(t, "/communications/new?pupil="+string(amara.ID)).Want(t, http.StatusNotFound, "Page not found", "Grace")
		fields.Set("body", "Elm writes about Oak's pupil.")
		postMultipart(t, env, elmDSL, "/communications", fields, nil).Want(t, http.StatusNotFound, "Page not found", "Grace")
		dsl.Get(t, "/communications/"+vigil.NewID()).Want(t, http.StatusNotFound, "Page not found", "")
		list, err := s.FindCommunications(oak.Ctx, store.CommunicationFilter{Visibility: store.Visibility{All: true}})
		if err != nil || len(list) != 1 {
			t.Fatalf("%d communications saved (%v), want 1", len(list), err)
		}
	})
}
