package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// actingAs returns a context acting as the fixture person key of school
// sc, stepped up, with their permissions read from the database (as app's
// tests do), to log concerns without going through the form.
func actingAs(t *testing.T, s *store.Store, sc *storetest.School, key string) context.Context {
	t.Helper()
	p := sc.Staff[key]
	perms, err := s.FindPermissions(sc.Ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: sc.ID, Role: sc.Roles[key],
		Designated: sc.Roles[key] == vigil.RoleDSL, SteppedUp: true, Permissions: perms, IP: "192.0.2.1"})
}

func categoryID(t *testing.T, s *store.Store, sc *storetest.School, key string) vigil.CategoryID {
	t.Helper()
	cats, err := s.FindCategories(sc.Ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Key == key {
			return c.ID
		}
	}
	t.Fatalf("no category %s", key)
	return ""
}

// logAsTeacher logs a concern about the pupils as Oak's teacher, in the
// bullying category, an hour ago, with any files given.
func logAsTeacher(t *testing.T, env *vigiltest.Env, body string, files []app.Upload, pupils ...*vigil.Pupil) *vigil.Concern {
	t.Helper()
	oak := env.Fixtures.Oak
	cat := categoryID(t, env.Store, oak, "bullying")
	in := app.NewConcern{OccurredAt: env.Now().Add(-time.Hour), Location: "Playground", Body: body, Files: files,
		BodyMap: []vigil.BodyMark{{Side: "front", X: 0.3, Y: 0.4, Description: "Small bruise"}}}
	for i, p := range pupils {
		part := vigil.PartSubject
		if i > 0 {
			part = vigil.PartWitness
		}
		in.Pupils = append(in.Pupils, vigil.ConcernPupil{PupilID: p.ID, Part: part, Categories: []vigil.CategoryID{cat}})
	}
	c, err := env.App.LogConcern(actingAs(t, env.Store, oak, "teacher"), in)
	if err != nil {
		t.Fatalf("log concern: %v", err)
	}
	return c
}

// postMultipart sends a same-origin multipart form with files, as a
// browser sends the concern page's forms.
func postMultipart(t *testing.T, env *vigiltest.Env, c *vigiltest.Client, path string, fields url.Values, files map[string]string) *vigiltest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, env.Server.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(t, req)
}

func wantRedirect(t *testing.T, r *vigiltest.Response, prefix string) {
	t.Helper()
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), prefix) {
		t.Fatalf("got %d to %q, want 303 to %s…; body %.400s", r.Status, r.Header.Get("Location"), prefix, r.Body)
	}
}

// A teacher's concern is opened by the DSL, who adds an action that then
// shows; the teacher sees their own account and adds to it, but sees no
// action and cannot add one; the admin and Elm's DSL get the same 404 as
// a missing concern, and nothing of the record.
func TestConcernPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "Amara was pushed by the gate.\n\nShe said <b>it</b> happens every day.", nil, oak.Pupils["amara"], oak.Pupils["ben"])
		path := "/concerns/" + string(c.ID)

		dsl := env.SignIn(t, "dsl@oak.test")
		page := dsl.Get(t, path).Want(t, http.StatusOK, "Amara was pushed by the gate.", "<b>it</b>")
		for _, want := range []string{"<p>She said &lt;b&gt;it&lt;/b&gt; happens every day.</p>", "Add an action", "Okafor", "Witness",
			"Subject of the concern", "Bullying", "Small bruise", `class="mark"`, "marked as reviewed by you", "/pupils/" + string(oak.Pupils["amara"].ID) + "/chronology"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("DSL's page lacks %q", want)
			}
		}
		r := postMultipart(t, env, dsl, path+"/actions", url.Values{"type": {"spoke_parent"}, "body": {"Phoned mum about the gate."},
			"assigned_to": {string(oak.Staff["dsl"].ID)}, "due_on": {env.Now().AddDate(0, 0, 7).Format(time.DateOnly)}}, map[string]string{"call.txt": "notes of the call\n"})
		wantRedirect(t, r, path+"?saved=action#actions")
		page = dsl.Get(t, r.Header.Get("Location")).Want(t, http.StatusOK, "Phoned mum about the gate.", "")
		for _, want := range []string{"Spoke to parent or carer", "The action has been added.", "call.txt", "Due "} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("after adding an action the page lacks %q", want)
			}
		}
		// A bad action is shown again with its problem beside it.
		dsl.PostForm(t, path+"/actions", url.Values{"type": {"spoke_parent"}, "body": {"  "}}).
			Want(t, http.StatusUnprocessableEntity, "Add an action", "")

		teacher := env.SignIn(t, "teacher@oak.test")
		own := teacher.Get(t, path).Want(t, http.StatusOK, "Amara was pushed by the gate.", "Phoned mum")
		for _, not := range []string{"Add an action", "call.txt", "Close with an outcome"} {
			if strings.Contains(own.Body, not) {
				t.Errorf("the teacher's page shows %q", not)
			}
		}
		teacher.PostForm(t, path+"/actions", url.Values{"type": {"note"}, "body": {"Teacher's own action"}}).
			Want(t, http.StatusForbidden, "", "Teacher's own action")
		r = postMultipart(t, env, teacher, path+"/notes", url.Values{"body": {"She also mentioned the bus."}}, map[string]string{"drawing.txt": "a drawing\n"})
		wantRedirect(t, r, path+"?saved=note#notes")
		teacher.Get(t, path).Want(t, http.StatusOK, "She also mentioned the bus.", "").Want(t, http.StatusOK, "drawing.txt", "")
		dsl.Get(t, path).Want(t, http.StatusOK, "She also mentioned the bus.", "")

		for _, tc := range []struct{ name, email, path string }{
			{"admin", "admin@oak.test", path},
			{"Elm DSL", "dsl@elm.test", path},
			{"missing", "dsl@oak.test", "/concerns/" + vigil.NewID()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				env.SignIn(t, tc.email).Get(t, tc.path).Want(t, http.StatusNotFound, "Page not found", "Amara")
			})
		}

		// The DSL without a second factor yet is sent to give it, then back.
		unconfirmed := env.SignInPassword(t, "dsl@oak.test")
		for _, r := range []*vigiltest.Response{unconfirmed.Get(t, path), unconfirmed.PostForm(t, path+"/close", url.Values{"outcome": {"Not yet"}})} {
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/step-up?next="+url.QueryEscape(path) {
				t.Fatalf("DSL without step-up: %d to %q", r.Status, r.Header.Get("Location"))
			}
		}
		dsl.Get(t, path).Want(t, http.StatusOK, "Close with an outcome", "Not yet")
	})
}

// An edit needs a reason and keeps the earlier version in the history;
// closing needs an outcome; reopening needs a reason.
func TestConcernEditCloseReopen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "First account of the day.", nil, oak.Pupils["amara"])
		path := "/concerns/" + string(c.ID)
		dsl := env.SignIn(t, "dsl@oak.test")

		dsl.PostForm(t, path+"/revise", url.Values{"field": {"body"}, "value": {"Second account."}, "reason": {""}}).
			Want(t, http.StatusUnprocessableEntity, "Say why this is being changed", "")
		wantRedirect(t, dsl.PostForm(t, path+"/revise", url.Values{"field": {"body"}, "value": {"Second account."}, "reason": {"Spelling of the name"}}), path+"?saved=revised")
		page := dsl.Get(t, path).Want(t, http.StatusOK, "Second account.", "")
		for _, want := range []string{"History of changes", "First account of the day.", "Spelling of the name", "Earlier version"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("after the edit the page lacks %q", want)
			}
		}
		dsl.PostForm(t, path+"/revise", url.Values{"field": {"status"}, "value": {"x"}, "reason": {"y"}}).
			Want(t, http.StatusUnprocessableEntity, "This cannot be edited.", "")

		dsl.PostForm(t, path+"/close", url.Values{"outcome": {""}}).Want(t, http.StatusUnprocessableEntity, "Record the outcome before closing.", "")
		wantRedirect(t, dsl.PostForm(t, path+"/close", url.Values{"outcome": {"Resolved with the family."}}), path+"?saved=closed")
		dsl.Get(t, path).Want(t, http.StatusOK, "Resolved with the family.", "Close with an outcome").Want(t, http.StatusOK, "Reopen this concern", "")
		dsl.PostForm(t, path+"/close", url.Values{"outcome": {"Again"}}).Want(t, http.StatusConflict, "already closed", "")
		dsl.PostForm(t, path+"/reopen", url.Values{"reason": {""}}).Want(t, http.StatusUnprocessableEntity, "Say why", "")
		wantRedirect(t, dsl.PostForm(t, path+"/reopen", url.Values{"reason": {"New information from mum"}}), path+"?saved=reopened")
		dsl.Get(t, path).Want(t, http.StatusOK, "New information from mum", "Reopen this concern").Want(t, http.StatusOK, "Close with an outcome", "")

		// An action's text is edited the same way, and marked done.
		ac, err := env.App.AddAction(actingAs(t, s, oak, "dsl"), c.ID, app.NewAction{Type: "note", Body: "Original action text."})
		if err != nil {
			t.Fatal(err)
		}
		apath := path + "/actions/" + string(ac.ID)
		dsl.PostForm(t, apath+"/revise", url.Values{"value": {"Better action text."}}).Want(t, http.StatusUnprocessableEntity, "Say why", "")
		wantRedirect(t, dsl.PostForm(t, apath+"/revise", url.Values{"value": {"Better action text."}, "reason": {"Clearer"}}), path+"?saved=revised#action-")
		wantRedirect(t, dsl.PostForm(t, apath+"/done", url.Values{"done": {"1"}}), path+"?saved=done#action-")
		page = dsl.Get(t, path).Want(t, http.StatusOK, "Better action text.", "")
		if !strings.Contains(page.Body, "Original action text.") || !strings.Contains(page.Body, "Mark not done") {
			t.Error("the action's earlier text or its done state is not shown")
		}

		// Another pupil is found and linked, and a pupil's part changed.
		found := dsl.PostForm(t, path+"/pupils/find", url.Values{"q": {"Hughes"}}).Want(t, http.StatusOK, "Pupils to link", "")
		if !strings.Contains(found.Body, string(oak.Pupils["ben"].ID)) {
			t.Fatal("the look-up did not offer Ben")
		}
		bullying := string(categoryID(t, s, oak, "bullying"))
		wantRedirect(t, dsl.PostForm(t, path+"/pupils", url.Values{"pupil_id": {string(oak.Pupils["ben"].ID)}, "part": {vigil.PartVictim}, "categories": {bullying}}), path+"?saved=linked")
		wantRedirect(t, dsl.PostForm(t, path+"/pupils/change", url.Values{"pupil_id": {string(oak.Pupils["amara"].ID)}, "part": {vigil.PartPerpetrator}, "categories": {bullying}}), path+"?saved=pupil")
		page = dsl.Get(t, path).Want(t, http.StatusOK, "Hughes", "")
		if !strings.Contains(page.Body, "Victim") || !strings.Contains(page.Body, "Alleged perpetrator") {
			t.Error("the new parts are not shown")
		}

		// The teacher may do none of this.
		teacher := env.SignIn(t, "teacher@oak.test")
		teacher.PostForm(t, path+"/close", url.Values{"outcome": {"x"}}).Want(t, http.StatusForbidden, "", "")
		teacher.PostForm(t, path+"/revise", url.Values{"field": {"body"}, "value": {"x"}, "reason": {"y"}}).Want(t, http.StatusForbidden, "", "")
	})
}

// A document downloads with its bytes, as an attachment under a safe name,
// never cached or sniffed; the admin gets a 404.
func TestDocumentDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		const content = "Statement written by the pupil.\n"
		c := logAsTeacher(t, env, "See the attached statement.", []app.Upload{{Name: `../state"ment é.txt`, Body: strings.NewReader(content)}}, oak.Pupils["amara"])
		v, err := env.App.Concern(actingAs(t, s, oak, "dsl"), c.ID)
		if err != nil || len(v.Documents) != 1 {
			t.Fatalf("documents: %v %v", v, err)
		}
		path := "/documents/" + string(v.Documents[0].ID)

		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/concerns/"+string(c.ID)).Want(t, http.StatusOK, `href="`+path+`"`, "")
		r := dsl.Get(t, path)
		if r.Status != http.StatusOK || r.Body != content {
			t.Fatalf("download: %d %q", r.Status, r.Body)
		}
		cd := r.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment;") || strings.Contains(cd, "/") || strings.Contains(cd, `\"`) || !strings.Contains(cd, "filename*=utf-8''") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", r.Header)
		}
		env.SignIn(t, "teacher@oak.test").Get(t, path).Want(t, http.StatusOK, "Statement written", "")
		env.SignIn(t, "admin@oak.test").Get(t, path).Want(t, http.StatusNotFound, "Page not found", "Statement")
		env.SignIn(t, "dsl@elm.test").Get(t, path).Want(t, http.StatusNotFound, "Page not found", "Statement")
	})
}

// The chronology lists the concern then the action; its filters, key
// events and print view work, and the export links carry the filter.
func TestChronologyPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "Concern text for the chronology.", nil, oak.Pupils["amara"])
		if _, err := env.App.AddAction(actingAs(t, s, oak, "dsl"), c.ID, app.NewAction{Type: "monitoring", Body: "Action text for the chronology."}); err != nil {
			t.Fatal(err)
		}
		path := "/pupils/" + string(oak.Pupils["amara"].ID) + "/chronology"
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/pupils/"+string(oak.Pupils["amara"].ID)).Want(t, http.StatusOK, `href="`+path+`"`, "")

		page := dsl.Get(t, path).Want(t, http.StatusOK, "Chronology: Amara Okafor", "")
		ci, ai := strings.Index(page.Body, "Concern text for the chronology."), strings.Index(page.Body, "Action text for the chronology.")
		if ci < 0 || ai < 0 || ci > ai {
			t.Fatalf("concern at %d, action at %d: want the concern first", ci, ai)
		}
		for _, want := range []string{"Monitoring", "Subject of the concern", "Mark as key event", path + ".pdf", path + ".csv"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("chronology lacks %q", want)
			}
		}
		dsl.Get(t, path+"?kind=action").Want(t, http.StatusOK, "Action text for the chronology.", "Concern text for the chronology.").
			Want(t, http.StatusOK, path+".csv?kind=action", "")
		dsl.Get(t, path+"?to=2000-01-01").Want(t, http.StatusOK, "Nothing to show with these filters", "Concern text")
		dsl.Get(t, path+"?from=nonsense").Want(t, http.StatusUnprocessableEntity, "Give the first day as a date.", "")

		r := dsl.PostForm(t, path+"/key", url.Values{"item": {string(c.ID)}, "mark": {"1"}, "kind": {"concern"}})
		wantRedirect(t, r, path+"?kind=concern#entry-"+string(c.ID))
		dsl.Get(t, path+"?key=1").Want(t, http.StatusOK, "Concern text for the chronology.", "Action text for the chronology.").
			Want(t, http.StatusOK, "Unmark key event", "")
		wantRedirect(t, dsl.PostForm(t, path+"/key", url.Values{"item": {string(c.ID)}, "mark": {"0"}}), path+"#entry-")
		dsl.Get(t, path+"?key=1").Want(t, http.StatusOK, "Nothing to show", "Concern text")

		print := dsl.Get(t, path+"?print=1").Want(t, http.StatusOK, "Printed by dsl at Oak Primary School on ", "Mark as key event")
		if !strings.Contains(print.Body, `class="print-view"`) {
			t.Error("the print view is not marked for printing")
		}

		env.SignIn(t, "teacher@oak.test").Get(t, path).Want(t, http.StatusForbidden, "", "Concern text")
		env.SignIn(t, "dsl@elm.test").Get(t, path).Want(t, http.StatusNotFound, "", "Concern text")
	})
}

// Search finds a concern by a word of it; the words travel only in the
// POST body and come back in no Location; the list filters by status.
func TestConcernSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "Zanzibarian marks on the wrist.", nil, oak.Pupils["amara"])
		dsl := env.SignIn(t, "dsl@oak.test")
		r := dsl.PostForm(t, "/concerns/search", url.Values{"q": {"zanzibarian"}}).Want(t, http.StatusOK, "/concerns/"+string(c.ID), "")
		if r.Header.Get("Location") != "" {
			t.Fatalf("search answered with a redirect to %q", r.Header.Get("Location"))
		}
		if !strings.Contains(r.Body, "Zanzibarian marks on the wrist.") || !strings.Contains(r.Body, "Amara Okafor") || !strings.Contains(r.Body, "Bullying") {
			t.Error("the result lacks the account's first line, the pupil or the category")
		}
		dsl.PostForm(t, "/concerns/search", url.Values{"q": {"zanzibarian giraffe"}}).Want(t, http.StatusOK, "No concerns match.", string(c.ID))
		dsl.PostForm(t, "/concerns/search", url.Values{"q": {"zanzibarian"}, "status": {"closed"}}).Want(t, http.StatusOK, "No concerns match.", string(c.ID))
		// Words in a URL are ignored, never searched for.
		dsl.Get(t, "/concerns?q=giraffe").Want(t, http.StatusOK, string(c.ID), "giraffe")
		dsl.Get(t, "/concerns?status=open&pupil="+string(oak.Pupils["amara"].ID)).Want(t, http.StatusOK, string(c.ID), "")
		dsl.Get(t, "/concerns?pupil="+string(oak.Pupils["ben"].ID)).Want(t, http.StatusOK, "No concerns match.", string(c.ID))
		dsl.Get(t, "/concerns?from=bad").Want(t, http.StatusUnprocessableEntity, "Give the first day as a date.", "")
		// The teacher lists their own; the admin may not search.
		env.SignIn(t, "teacher@oak.test").PostForm(t, "/concerns/search", url.Values{"q": {"zanzibarian"}}).Want(t, http.StatusOK, string(c.ID), "")
		admin := env.SignIn(t, "admin@oak.test")
		admin.PostForm(t, "/concerns/search", url.Values{"q": {"zanzibarian"}}).Want(t, http.StatusForbidden, "", string(c.ID))
		admin.Get(t, "/concerns").Want(t, http.StatusForbidden, "", string(c.ID))
		admin.Get(t, "/dashboard").Want(t, http.StatusForbidden, "", string(c.ID))
		admin.Get(t, "/pupils/"+string(oak.Pupils["amara"].ID)+"/chronology").Want(t, http.StatusForbidden, "", "Zanzibarian")
	})
}

var unreadBadge = regexp.MustCompile(`id="unread-count">(\d+)`)

// The DSL's notification badge counts a new concern and clears once it is
// opened; the dashboard lists it until it is reviewed; "mark all read"
// clears the rest.
func TestNotificationsAndDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "First worrying account.", nil, oak.Pupils["amara"])
		dsl := env.SignIn(t, "dsl@oak.test")
		home := dsl.Get(t, "/").Want(t, http.StatusOK, `href="/dashboard"`, "")
		if m := unreadBadge.FindStringSubmatch(home.Body); m == nil || m[1] != "1" {
			t.Fatalf("unread badge = %v, want 1", m)
		}
		dsl.Get(t, "/notifications").Want(t, http.StatusOK, `action="/notifications/`, "First worrying").
			Want(t, http.StatusOK, "A concern needs your attention", "")
		dash := dsl.Get(t, "/dashboard").Want(t, http.StatusOK, "New concerns not yet reviewed", "")
		if !strings.Contains(dash.Body, "/concerns/"+string(c.ID)) || !strings.Contains(dash.Body, "First worrying account.") {
			t.Error("the dashboard does not list the new concern")
		}

		dsl.Get(t, "/concerns/"+string(c.ID)).Want(t, http.StatusOK, "", "")
		if m := unreadBadge.FindStringSubmatch(dsl.Get(t, "/").Body); m != nil {
			t.Fatalf("unread badge %v after opening the concern", m)
		}
		dsl.Get(t, "/dashboard").Want(t, http.StatusOK, "Every concern has been reviewed.", "")

		logAsTeacher(t, env, "Second account.", nil, oak.Pupils["ben"])
		if m := unreadBadge.FindStringSubmatch(dsl.Get(t, "/notifications").Body); m == nil || m[1] != "1" {
			t.Fatalf("unread badge = %v, want 1", m)
		}
		wantRedirect(t, dsl.PostForm(t, "/notifications/read", nil), "/notifications")
		dsl.Get(t, "/notifications").Want(t, http.StatusOK, "", `id="unread-count"`)

		teacher := env.SignIn(t, "teacher@oak.test")
		teacher.Get(t, "/").Want(t, http.StatusOK, "", `href="/dashboard"`)
		teacher.Get(t, "/dashboard").Want(t, http.StatusForbidden, "", "First worrying")
		teacher.Get(t, "/notifications").Want(t, http.StatusOK, "You have no notifications.", "")
	})
}
