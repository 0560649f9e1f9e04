package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// The DSL pages through their notifications, marks one read (getting its
// link) and then all; nobody else can mark theirs, and a foreign or
// missing one is a 404.
func TestNotificationsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, _ := newToken(t, env, oak, "dsl")
		teacher, _ := newToken(t, env, oak, "teacher")
		elmDSL, _ := newToken(t, env, elm, "dsl")
		concern, action, referral := vigil.NewID(), vigil.NewID(), vigil.NewID()
		var ns []store.NewNotification
		for range 5 {
			ns = append(ns, store.NewNotification{PersonID: oak.Staff["dsl"].ID, Kind: vigil.NotifyConcernLogged, ConcernID: vigil.ConcernID(concern)})
		}
		ns = append(ns, store.NewNotification{PersonID: oak.Staff["dsl"].ID, Kind: vigil.NotifyActionOverdue, ConcernID: vigil.ConcernID(concern), ObjectID: action})
		if err := s.SaveNotifications(oak.Ctx, ns); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveNotifications(oak.Ctx, []store.NewNotification{{PersonID: oak.Staff["dsl"].ID, Kind: "referral.overdue", ObjectID: referral}}); err != nil {
			t.Fatal(err)
		}

		page := decode[api.NotificationList](t, get(t, env, "/api/v1/notifications?limit=4", bearer(dsl)))
		if page.Unread != 7 || len(page.Items) != 4 || page.NextCursor == nil {
			t.Fatalf("first page: %+v", page)
		}
		newest := page.Items[0]
		if newest.Kind != "referral.overdue" || newest.Link != "/referrals/"+referral || newest.ObjectID == nil || *newest.ObjectID != referral || newest.ConcernID != nil {
			t.Errorf("newest = %+v", newest)
		}
		rest := decode[api.NotificationList](t, get(t, env, "/api/v1/notifications?limit=4&cursor="+url.QueryEscape(*page.NextCursor), bearer(dsl)))
		if len(rest.Items) != 3 || rest.NextCursor != nil {
			t.Fatalf("second page: %+v", rest)
		}
		wantProblem(t, get(t, env, "/api/v1/notifications?limit=0", bearer(dsl)), http.StatusBadRequest, "bad_request")

		var overdue api.Notification
		for _, n := range append(page.Items, rest.Items...) {
			if n.Kind == vigil.NotifyActionOverdue {
				overdue = n
			}
		}
		for _, tc := range []struct {
			name, auth, id string
		}{
			{"someone else's", teacher, overdue.ID},
			{"another school", elmDSL, overdue.ID},
			{"missing", dsl, vigil.NewID()},
			{"not an id", dsl, "nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, send(t, env, "POST", "/api/v1/notifications/"+tc.id+"/read", bearer(tc.auth), "", nil), http.StatusNotFound, "not_found")
			})
		}
		res := send(t, env, "POST", "/api/v1/notifications/"+overdue.ID+"/read", bearer(dsl), "", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("read one: %d %s", res.Status, res.Body)
		}
		one := decode[api.Notification](t, res)
		if !one.Read || one.Link != "/concerns/"+concern+"#action-"+action {
			t.Errorf("read one = %+v", one)
		}
		if n := decode[api.NotificationList](t, get(t, env, "/api/v1/notifications", bearer(dsl))).Unread; n != 6 {
			t.Errorf("unread after one = %d", n)
		}
		res = send(t, env, "POST", "/api/v1/notifications/read-all", bearer(dsl), "", nil)
		if res.Status != http.StatusOK || res.Body != `{"marked":6}`+"\n" && res.Body != `{"marked":6}` {
			t.Errorf("read all: %d %s", res.Status, res.Body)
		}
		if n := decode[api.NotificationList](t, get(t, env, "/api/v1/notifications", bearer(dsl))).Unread; n != 0 {
			t.Errorf("unread after all = %d", n)
		}
		// The teacher's own read-all touches nobody else's.
		if err := s.SaveNotifications(oak.Ctx, []store.NewNotification{{PersonID: oak.Staff["dsl"].ID, Kind: vigil.NotifyConcernLogged}}); err != nil {
			t.Fatal(err)
		}
		res = send(t, env, "POST", "/api/v1/notifications/read-all", bearer(teacher), "", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("teacher read all: %d", res.Status)
		}
		if n := decode[api.NotificationList](t, get(t, env, "/api/v1/notifications", bearer(dsl))).Unread; n != 1 {
			t.Errorf("the DSL's unread after the teacher's read-all = %s", strconv.Itoa(n))
		}
	})
}
