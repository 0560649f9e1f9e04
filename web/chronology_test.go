package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

var kindBox = regexp.MustCompile(`name="kind" value="([a-z_]+)"[^>]*> ([^<]+)</label>`)

// The chronology's filter offers every kind app's chronology holds, in
// app's order, each by a name; the page and its downloads take each. The
// DSL marks a referral and a communication as key events from the page;
// a teacher and another school cannot.
func TestChronologyKindsAndKeyEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		amara := oak.Pupils["amara"]
		dslCtx := actingAs(t, s, oak, "dsl")
		c := logAsTeacher(t, env, "Concern text for the chronology.", nil, amara)
		ref, err := env.App.MakeReferral(dslCtx, app.NewReferral{PupilID: amara.ID, Agency: "camhs", Method: vigil.ReferByPhone,
			MadeAt: env.Now().Add(-2 * time.Hour), Reference: "CAMHS-77"})
		if err != nil {
			t.Fatal(err)
		}
		comm, err := env.App.RecordCommunication(dslCtx, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithPupil, Type: vigil.CommMeeting,
			OccurredAt: env.Now().Add(-time.Hour), Body: "Communication text for the chronology."})
		if err != nil {
			t.Fatal(err)
		}
		path := "/pupils/" + string(amara.ID) + "/chronology"
		dsl := env.SignIn(t, "dsl@oak.test")

		page := dsl.Get(t, path).Want(t, http.StatusOK, "Referral to NHS", "")
		var values []string
		for _, m := range kindBox.FindAllStringSubmatch(page.Body, -1) {
			values = append(values, m[1])
			if m[2] == m[1] || strings.TrimSpace(m[2]) == "" {
				t.Errorf("the kind %s is offered by its code, not a name: %q", m[1], m[2])
			}
		}
		if !slices.Equal(values, app.ChronologyKinds()) {
			t.Errorf("the filter offers %v, want %v", values, app.ChronologyKinds())
		}
		for _, k := range app.ChronologyKinds() {
			dsl.Get(t, path+"?kind="+k).Want(t, http.StatusOK, `value="`+k+`" checked`, "")
			dsl.Get(t, path+".csv?kind="+k).Want(t, http.StatusOK, "", "")
		}
		dsl.Get(t, path+"?kind=communication").Want(t, http.StatusOK, "Communication text for the chronology.", "Concern text for the chronology.")
		dsl.Get(t, path+".csv?kind=gossip").Want(t, http.StatusUnprocessableEntity, "", "")

		// Every entry that may be a key event has the button: the concern,
		// the referral and the communication.
		for _, id := range []string{string(c.ID), string(ref.ID), string(comm.ID)} {
			if !strings.Contains(page.Body, `name="item" value="`+id+`"`) {
				t.Errorf("no key event button for %s", id)
			}
		}
		for _, item := range []string{string(ref.ID), string(comm.ID)} {
			r := dsl.PostForm(t, path+"/key", url.Values{"item": {item}, "mark": {"1"}, "kind": {"referral", "communication"}})
			wantRedirect(t, r, path+"?kind=referral&kind=communication#entry-"+item)
		}
		key := dsl.Get(t, path+"?key=1").Want(t, http.StatusOK, "Referral to NHS", "Concern text for the chronology.").
			Want(t, http.StatusOK, "Communication text for the chronology.", "Mark as key event")
		if n := strings.Count(key.Body, "Unmark key event"); n != 2 {
			t.Errorf("%d entries to unmark, want 2", n)
		}
		wantRedirect(t, dsl.PostForm(t, path+"/key", url.Values{"item": {string(ref.ID)}, "mark": {"0"}}), path+"#entry-"+string(ref.ID))
		dsl.Get(t, path+"?key=1").Want(t, http.StatusOK, "Communication text for the chronology.", "Referral to NHS")

		env.SignIn(t, "teacher@oak.test").PostForm(t, path+"/key", url.Values{"item": {string(ref.ID)}, "mark": {"1"}}).
			Want(t, http.StatusForbidden, "", "")
		elm := env.SignIn(t, "dsl@elm.test")
		elm.PostForm(t, path+"/key", url.Values{"item": {string(comm.ID)}, "mark": {"1"}}).Want(t, http.StatusNotFound, "", "Communication text")
		bruno := "/pupils/" + string(env.Fixtures.Elm.Pupils["bruno"].ID) + "/chronology"
		elm.PostForm(t, bruno+"/key", url.Values{"item": {string(ref.ID)}, "mark": {"1"}}).Want(t, http.StatusNotFound, "", "")
		dsl.Get(t, path+"?key=1").Want(t, http.StatusOK, "Communication text for the chronology.", "Referral to NHS")
	})
}
