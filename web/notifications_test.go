package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/job"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

var readForm = regexp.MustCompile(`action="/notifications/([0-9a-f-]{36})/read"`)

// Opening a notification marks it read and leads to its record, whatever
// the kind; another person's or school's notification is a 404; the list
// pages by 50.
func TestNotificationCentre(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		c := logAsTeacher(t, env, "Worrying account for the centre.", nil, oak.Pupils["amara"])
		dsl := env.SignIn(t, "dsl@oak.test")
		m := readForm.FindStringSubmatch(dsl.Get(t, "/notifications").Want(t, http.StatusOK, "A concern needs your attention", "Worrying account").Body)
		if m == nil {
			t.Fatal("no form to open the notification")
		}
		for _, other := range []*vigiltest.Client{env.SignIn(t, "teacher@oak.test"), env.SignIn(t, "dsl@elm.test")} {
			other.PostForm(t, "/notifications/"+m[1]+"/read", nil).Want(t, http.StatusNotFound, "Page not found", "")
		}
		dsl.PostForm(t, "/notifications/"+vigil.NewID()+"/read", nil).Want(t, http.StatusNotFound, "Page not found", "")
		if m := unreadBadge.FindStringSubmatch(dsl.Get(t, "/notifications").Body); m == nil || m[1] != "1" {
			t.Fatalf("others' attempts changed the unread badge: %v", m)
		}
		wantRedirect(t, dsl.PostForm(t, "/notifications/"+m[1]+"/read", nil), "/concerns/"+string(c.ID))
		dsl.Get(t, "/notifications").Want(t, http.StatusOK, `href="/concerns/`+string(c.ID)+`"`, `id="unread-count"`)

		// Every kind leads to its record.
		concern, action, referral, comm := vigil.NewID(), vigil.NewID(), vigil.NewID(), vigil.NewID()
		me := oak.Staff["dsl"].ID
		for _, tc := range []struct {
			n    store.NewNotification
			want string
		}{
			{store.NewNotification{Kind: vigil.NotifyActionDueToday, ConcernID: vigil.ConcernID(concern), ObjectID: action}, "/concerns/" + concern + "#action-" + action},
			{store.NewNotification{Kind: "referral.overdue", ObjectID: referral}, "/referrals/" + referral},
			{store.NewNotification{Kind: "communication.logged", ConcernID: vigil.ConcernID(concern), ObjectID: comm}, "/communications/" + comm},
			{store.NewNotification{Kind: vigil.NotifyConcernLogged, ConcernID: vigil.ConcernID(concern)}, "/concerns/" + concern},
		} {
			tc.n.PersonID = me
			if err := s.SaveNotifications(oak.Ctx, []store.NewNotification{tc.n}); err != nil {
				t.Fatal(err)
			}
			m := readForm.FindStringSubmatch(dsl.Get(t, "/notifications").Body)
			if m == nil {
				t.Fatalf("%s: no form", tc.n.Kind)
			}
			if r := dsl.PostForm(t, "/notifications/"+m[1]+"/read", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != tc.want {
				t.Errorf("%s: %d to %q, want %q", tc.n.Kind, r.Status, r.Header.Get("Location"), tc.want)
			}
		}

		// 60 more: two pages.
		var many []store.NewNotification
		for range 60 {
			many = append(many, store.NewNotification{PersonID: me, Kind: vigil.NotifyActionOverdue, ConcernID: vigil.ConcernID(concern), ObjectID: action})
		}
		if err := s.SaveNotifications(oak.Ctx, many); err != nil {
			t.Fatal(err)
		}
		first := dsl.Get(t, "/notifications").Want(t, http.StatusOK, `href="/notifications?page=2"`, `page=0`)
		if n := len(readForm.FindAllString(first.Body, -1)); n != 50 {
			t.Errorf("first page has %d unread forms, want 50", n)
		}
		second := dsl.Get(t, "/notifications?page=2").Want(t, http.StatusOK, `href="/notifications?page=1"`, `page=3`)
		if n := strings.Count(second.Body, "<li class="); n != 65-50 {
			t.Errorf("second page has %d notifications, want 15", n)
		}
		dsl.Get(t, "/notifications?page=0").Want(t, http.StatusNotFound, "", "")
		dsl.Get(t, "/notifications?page=x").Want(t, http.StatusNotFound, "", "")
		dsl.Get(t, "/notifications?page=9").Want(t, http.StatusOK, "No notifications on this page.", "")
	})
}

// A person chooses how they are told in this school; "in Vigil only"
// keeps the notification and sends no email; a bad choice is shown again.
func TestNotificationSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/account/notifications").Want(t, http.StatusOK, `value="both" checked`, "")
		dsl.PostForm(t, "/account/notifications", url.Values{"channel": {"carrier pigeon"}}).Want(t, http.StatusUnprocessableEntity, "Choose email, in Vigil, or both.", "")
		dsl.PostForm(t, "/account/notifications", url.Values{"channel": {vigil.ChannelInApp}}).Want(t, http.StatusOK, "Saved: In Vigil only", "")
		dsl.Get(t, "/account/notifications").Want(t, http.StatusOK, `value="in_app" checked`, `value="both" checked`)
		// Elm's DSL has not chosen: the choice is per school.
		env.SignIn(t, "dsl@elm.test").Get(t, "/account/notifications").Want(t, http.StatusOK, `value="both" checked`, "")

		before := emailJobsTo(t, s, "dsl@oak.test")
		logAsTeacher(t, env, "Another account.", nil, oak.Pupils["ben"])
		if m := unreadBadge.FindStringSubmatch(dsl.Get(t, "/notifications").Body); m == nil || m[1] != "1" {
			t.Errorf("in-app only: unread badge %v, want 1", m)
		}
		if n := emailJobsTo(t, s, "dsl@oak.test"); n != before {
			t.Errorf("in-app only, yet %d emails were queued", n-before)
		}
		dsl.PostForm(t, "/account/notifications", url.Values{"channel": {vigil.ChannelEmail}}).Want(t, http.StatusOK, "Saved: By email only", "")
		logAsTeacher(t, env, "A third account.", nil, oak.Pupils["ben"])
		if m := unreadBadge.FindStringSubmatch(dsl.Get(t, "/notifications").Body); m == nil || m[1] != "1" {
			t.Errorf("email only: unread badge %v, want still 1", m)
		}
		if n := emailJobsTo(t, s, "dsl@oak.test"); n != before+1 {
			t.Errorf("email only: %d emails queued, want 1", n-before)
		}
	})
}

func emailJobsTo(t *testing.T, s *store.Store, email string) int {
	t.Helper()
	list, err := s.FindJobs(context.Background(), store.JobFilter{Kind: job.KindEmail, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range list {
		if strings.Contains(string(j.Payload), `"to":"`+email+`"`) {
			n++
		}
	}
	return n
}

// A school administrator sees their school's failed and waiting jobs with
// the reason, never another school's, and retries a failed one; others
// may not see the page; another school's job cannot be retried.
func TestSchoolJobsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		ctx := context.Background()
		enqueue := func(sc *storetest.School, j *store.Job) *store.Job {
			t.Helper()
			if ok, err := s.EnqueueJob(sc.Ctx, j); err != nil || !ok {
				t.Fatalf("enqueue: %v %v", ok, err)
			}
			return j
		}
		oakFail := enqueue(oak, &store.Job{Kind: "test.fails", MaxAttempts: 1})
		elmFail := enqueue(elm, &store.Job{Kind: "test.fails", MaxAttempts: 1})
		waiting := enqueue(oak, &store.Job{Kind: "test.later", RunAt: env.Now().Add(time.Hour)})
		claimed, err := s.ClaimJobs(ctx, "test", []string{"test.fails"}, 10, time.Minute)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		for _, j := range claimed {
			if err := s.FailJob(ctx, j, "mail server refused 550 mailbox unavailable", true); err != nil {
				t.Fatal(err)
			}
		}

		admin := env.SignIn(t, "admin@oak.test")
		admin.Get(t, "/settings").Want(t, http.StatusOK, `href="/settings/jobs"`, "")
		page := admin.Get(t, "/settings/jobs").Want(t, http.StatusOK, "mail server refused 550", elmFail.ID)
		page.Want(t, http.StatusOK, oakFail.ID, "").Want(t, http.StatusOK, waiting.ID, "").
			Want(t, http.StatusOK, `action="/settings/jobs/`+oakFail.ID+`/retry"`, `action="/settings/jobs/`+waiting.ID+`/retry"`)

		admin.PostForm(t, "/settings/jobs/"+elmFail.ID+"/retry", nil).Want(t, http.StatusNotFound, "Page not found", "")
		admin.PostForm(t, "/settings/jobs/"+waiting.ID+"/retry", nil).Want(t, http.StatusConflict, "Only a failed job can be retried", "")
		wantRedirect(t, admin.PostForm(t, "/settings/jobs/"+oakFail.ID+"/retry", nil), "/settings/jobs?retried=1")
		for id, want := range map[string]string{oakFail.ID: store.JobQueued, elmFail.ID: store.JobFailed} {
			if j, err := s.FindJob(ctx, id); err != nil || j.State != want || (want == store.JobQueued && j.Attempts != 0) {
				t.Errorf("job %s after retry: %+v, %v", id, j, err)
			}
		}
		admin.Get(t, "/settings/jobs?retried=1").Want(t, http.StatusOK, "queued to run again", "")
		events, err := s.QueryAudit(oak.Ctx, store.AuditFilter{ActionPrefix: "job."})
		if err != nil || len(events) != 1 || events[0].Action != "job.retried" || events[0].ObjectID != oakFail.ID {
			t.Errorf("retry audit: %v, %v", events, err)
		}

		for _, who := range []string{"teacher@oak.test", "dsl@oak.test"} {
			c := env.SignIn(t, who)
			c.Get(t, "/settings/jobs").Want(t, http.StatusForbidden, "", oakFail.ID)
			c.PostForm(t, "/settings/jobs/"+oakFail.ID+"/retry", nil).Want(t, http.StatusForbidden, "", "")
		}
	})
}
