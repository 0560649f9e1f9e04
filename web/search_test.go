package web_test

import (
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
)

// The search page finds referrals and communications by their words, with
// links to their pages, beside the concerns; the words stay out of every
// URL; a teacher's search, and a list with no words, show neither; another
// school finds nothing.
func TestSearchPageFindsReferralsAndCommunications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		amara := oak.Pupils["amara"]
		dslCtx := actingAs(t, s, oak, "dsl")
		c := logAsTeacher(t, env, "Seen near the Hollyhock gate.", nil, amara)
		ref, err := env.App.MakeReferral(dslCtx, app.NewReferral{PupilID: amara.ID, ConcernID: c.ID, Agency: "early_help", Method: vigil.ReferByPhone,
			MadeAt: env.Now().Add(-2 * time.Hour), Reference: "EH-Gorsebrook", Details: "Family support around the Hollyhock gate."})
		if err != nil {
			t.Fatal(err)
		}
		comm, err := env.App.RecordCommunication(dslCtx, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithAgency, WithName: "Testshire Early Help",
			Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-time.Hour), Body: "Talked about the Hollyhock gate.\nSecond line.", Agreed: "Gorsebrook visit."})
		if err != nil {
			t.Fatal(err)
		}

		dsl := env.SignIn(t, "dsl@oak.test")
		r := dsl.PostForm(t, "/concerns/search", url.Values{"q": {"hollyhock"}}).Want(t, http.StatusOK, `href="/concerns/`+string(c.ID)+`"`, "Second line.")
		if r.Header.Get("Location") != "" {
			t.Fatalf("search answered with a redirect to %q", r.Header.Get("Location"))
		}
		for _, want := range []string{`href="/referrals/` + string(ref.ID) + `"`, `href="/communications/` + string(comm.ID) + `"`,
			"Early Help", "EH-Gorsebrook", "Phone call with Testshire Early Help", "Talked about the Hollyhock gate.", "1 referral with every word", "1 communication with every word"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the results lack %q", want)
			}
		}
		// Words of the referral and of the communication alone find each.
		dsl.PostForm(t, "/concerns/search", url.Values{"q": {"gorsebrook"}}).Want(t, http.StatusOK, "/referrals/"+string(ref.ID), "/concerns/"+string(c.ID)).
			Want(t, http.StatusOK, "/communications/"+string(comm.ID), "No communications match.")
		dsl.PostForm(t, "/concerns/search", url.Values{"q": {"hollyhock"}, "pupil": {string(oak.Pupils["ben"].ID)}}).
			Want(t, http.StatusOK, "No referrals match.", "/referrals/"+string(ref.ID)).Want(t, http.StatusOK, "No communications match.", "")

		// A list without words, and a teacher's search, show only concerns.
		dsl.Get(t, "/concerns").Want(t, http.StatusOK, "/concerns/"+string(c.ID), `id="referrals"`)
		env.SignIn(t, "teacher@oak.test").PostForm(t, "/concerns/search", url.Values{"q": {"hollyhock"}}).
			Want(t, http.StatusOK, "/concerns/"+string(c.ID), `id="referrals"`).Want(t, http.StatusOK, "", "/communications/")
		env.SignIn(t, "dsl@elm.test").PostForm(t, "/concerns/search", url.Values{"q": {"hollyhock"}}).
			Want(t, http.StatusOK, "No referrals match.", string(ref.ID)).Want(t, http.StatusOK, "No communications match.", string(comm.ID))
	})
}
