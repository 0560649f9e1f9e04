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

// The DSL refers a concern from its page, sees the referral overdue at the
// top of the dashboard and in the list, records the response and closes
// it; another school and a teacher see none of it.
func TestReferralPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		amara := oak.Pupils["amara"]
		c := logAsTeacher(t, env, "Amara was pushed against the fence.", nil, amara)
		dsl := env.SignIn(t, "dsl@oak.test")

		dsl.Get(t, "/concerns/"+string(c.ID)).Want(t, http.StatusOK, `href="/referrals/new?concern=`+string(c.ID)+`"`, "")
		dsl.Get(t, "/pupils/"+string(amara.ID)).Want(t, http.StatusOK, `href="/referrals/new?pupil=`+string(amara.ID)+`"`, "")
		form := dsl.Get(t, "/referrals/new?concern="+string(c.ID)).Want(t, http.StatusOK, "Record the referral", "")
		for _, want := range []string{`value="childrens_services"`, "response within 1 working day", "About:</strong> <a href=\"/concerns/" + string(c.ID) + "\">Bullying, ", `name="origin" value="` + string(c.ID) + `"`, amara.LegalForename} {
			if !strings.Contains(form.Body, want) {
				t.Errorf("the form lacks %q", want)
			}
		}
		dsl.Get(t, "/referrals/new").Want(t, http.StatusUnprocessableEntity, "from a pupil", "")

		loc, _ := time.LoadLocation("Europe/London")
		made := env.Now().In(loc).AddDate(0, 0, -10).Format("2006-01-02T15:04")
		fields := url.Values{"origin": {string(c.ID)}, "pupil_id": {string(amara.ID)}, "concern_id": {string(c.ID)}, "agency": {"childrens_services"},
			"method": {"phone"}, "made_at": {made}, "reference": {"MASH-4411"}, "contact": {"Duty worker Fenwick-Oddly"}, "details": {"Shared the account."}}
		bad := url.Values{}
		for k, v := range fields {
			bad[k] = v
		}
		bad.Set("made_at", "yesterday")
		dsl.PostForm(t, "/referrals", bad).Want(t, http.StatusUnprocessableEntity, "Give the date and time", "")
		bad.Set("made_at", made)
		bad.Set("agency", "")
		r := dsl.PostForm(t, "/referrals", bad).Want(t, http.StatusUnprocessableEntity, "Choose the agency", "")
		if !strings.Contains(r.Body, "Fenwick-Oddly") {
			t.Errorf("the form shown again lost what was typed")
		}

		r = dsl.PostForm(t, "/referrals", fields)
		wantRedirect(t, r, "/referrals/")
		path, _, _ := strings.Cut(r.Header.Get("Location"), "?")
		id := strings.TrimPrefix(path, "/referrals/")
		if !vigil.ValidID(id) {
			t.Fatalf("redirected to %q", r.Header.Get("Location"))
		}
		page := dsl.Get(t, r.Header.Get("Location")).Want(t, http.StatusOK, "The referral has been recorded.", "")
		for _, want := range []string{"Referral to Children", "Overdue", "MASH-4411", "Duty worker Fenwick-Oddly", "Record the response", "Close with an outcome"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the referral page lacks %q", want)
			}
		}

		list := dsl.Get(t, "/referrals").Want(t, http.StatusOK, "/referrals/"+id, "")
		if !strings.Contains(list.Body, `class="badge overdue"`) {
			t.Errorf("the list shows no overdue badge")
		}
		dsl.Get(t, "/referrals?status=overdue").Want(t, http.StatusOK, "/referrals/"+id, "")
		dsl.Get(t, "/referrals?status=closed").Want(t, http.StatusOK, "No referrals to show", "/referrals/"+id)
		dsl.Get(t, "/referrals?pupil="+string(oak.Pupils["ben"].ID)).Want(t, http.StatusOK, "No referrals to show", "/referrals/"+id)
		dsl.Get(t, "/referrals?concern="+string(c.ID)).Want(t, http.StatusOK, "/referrals/"+id, "")
		dsl.Get(t, "/referrals?status=lost").Want(t, http.StatusUnprocessableEntity, "", "/referrals/"+id)

		dash := dsl.Get(t, "/dashboard").Want(t, http.StatusOK, "Referrals overdue for a response", "")
		if i, j := strings.Index(dash.Body, "Referrals overdue for a response"), strings.Index(dash.Body, "New concerns not yet reviewed"); i < 0 || j < 0 || i > j {
			t.Errorf("overdue referrals are not at the top of the dashboard")
		}
		if !strings.Contains(dash.Body, "/referrals/"+id) {
			t.Errorf("the dashboard does not link the overdue referral")
		}

		// Others see nothing of it.
		elm := env.SignIn(t, "dsl@elm.test")
		elm.Get(t, "/referrals/"+id).Want(t, http.StatusNotFound, "Page not found", "Fenwick")
		elm.Get(t, "/referrals").Want(t, http.StatusOK, "No referrals to show", id)
		elm.PostForm(t, "/referrals/"+id+"/close", url.Values{"outcome": {"x"}}).Want(t, http.StatusNotFound, "", "Fenwick")
		teacher := env.SignIn(t, "teacher@oak.test")
		if r := teacher.Get(t, "/referrals/"+id); (r.Status != http.StatusForbidden && r.Status != http.StatusNotFound) || strings.Contains(r.Body, "Fenwick") {
			t.Errorf("teacher opens the referral: %d", r.Status)
		}
		dsl.Get(t, "/referrals/"+vigil.NewID()).Want(t, http.StatusNotFound, "Page not found", "")
		dsl.Get(t, "/referrals/42").Want(t, http.StatusNotFound, "Page not found", "")

		// The response, then the outcome.
		dsl.PostForm(t, "/referrals/"+id+"/response", url.Values{"response_on": {vigil.DateOf(env.Now().In(loc)).String()}, "response": {""}}).
			Want(t, http.StatusUnprocessableEntity, "This is required", "")
		wantRedirect(t, dsl.PostForm(t, "/referrals/"+id+"/response", url.Values{"response_on": {vigil.DateOf(env.Now().In(loc)).String()},
			"response": {"Assessment opened by the Larkspur team."}}), "/referrals/"+id+"?saved=response")
		dsl.Get(t, "/referrals/"+id).Want(t, http.StatusOK, "Assessment opened by the Larkspur team.", "Record the response")
		dsl.Get(t, "/dashboard").Want(t, http.StatusOK, "Safeguarding dashboard", "Referrals overdue for a response")
		dsl.PostForm(t, "/referrals/"+id+"/response", url.Values{"response_on": {vigil.DateOf(env.Now().In(loc)).String()}, "response": {"Again"}}).
			Want(t, http.StatusUnprocessableEntity, "already", "")
		wantRedirect(t, dsl.PostForm(t, "/referrals/"+id+"/close", url.Values{"outcome": {"Early Help plan agreed."}}), "/referrals/"+id+"?saved=closed")
		dsl.Get(t, "/referrals/"+id).Want(t, http.StatusOK, "Early Help plan agreed.", "Close with an outcome")
		dsl.Get(t, "/referrals?status=closed").Want(t, http.StatusOK, "/referrals/"+id, "")

		// The pupil's chronology holds it.
		ch := dsl.Get(t, "/pupils/"+string(amara.ID)+"/chronology").Want(t, http.StatusOK, "Referral to Children", "")
		if !strings.Contains(ch.Body, `href="/referrals/`+id+`"`) {
			t.Errorf("the chronology does not link the referral")
		}
		dsl.Get(t, "/pupils/"+string(amara.ID)+"/chronology?kind=referral").Want(t, http.StatusOK, "Referral to Children", "Amara was pushed")
	})
}

// A referral made from a pupil's page offers the pupil's concerns, and the
// DSL may record one linked to none.
func TestReferralFromPupil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		ben := oak.Pupils["ben"]
		c := logAsTeacher(t, env, "Ben seemed withdrawn.", nil, ben)
		dsl := env.SignIn(t, "dsl@oak.test")
		form := dsl.Get(t, "/referrals/new?pupil="+string(ben.ID)).Want(t, http.StatusOK, `value="`+string(c.ID)+`"`, "")
		if !strings.Contains(form.Body, `<option value="none">Not about a concern recorded here</option>`) {
			t.Errorf("the DSL is not offered a referral linked to no concern")
		}
		fields := url.Values{"pupil_id": {string(ben.ID)}, "concern_id": {""}, "agency": {"school_nurse"},
			"method": {"email"}, "made_at": {env.Now().In(time.UTC).Add(-time.Hour).Format("2006-01-02T15:04")}}
		dsl.PostForm(t, "/referrals", fields).Want(t, http.StatusUnprocessableEntity, "Choose the concern", "")
		r := dsl.PostForm(t, "/referrals", url.Values{"pupil_id": {string(ben.ID)}, "concern_id": {"none"}, "agency": {"school_nurse"},
			"method": {"email"}, "made_at": {env.Now().In(time.UTC).Add(-time.Hour).Format("2006-01-02T15:04")}})
		wantRedirect(t, r, "/referrals/")
		dsl.Get(t, r.Header.Get("Location")).Want(t, http.StatusOK, "Not linked to a concern", "")
		dsl.Get(t, "/referrals?pupil="+string(ben.ID)).Want(t, http.StatusOK, "School nurse", "")
	})
}
