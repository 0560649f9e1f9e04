package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis/misgen"
	"github.com/vigil-safeguarding/vigil/mis/wonde/wondefake"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

const wondeSchool = "A1930499544"

func TestWondeLinkSyncAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		env.Advance(time.Until(time.Date(time.Now().Year()+1, time.November, 20, 12, 0, 0, 0, time.UTC)))
		oak := env.Fixtures.Oak
		admin := as(t, s, oak, "admin")

		const token = "wonde-secret-token-4f9a"
		fake := wondefake.NewServer(token)
		fake.PageSize = 40
		school := misgen.School(7, 120)
		for i, p := range school.Pupils {
			p.SourceID = fmt.Sprintf("S%d", i+1)
		}
		fake.SetSchool(wondeSchool, school.Pupils, school.Staff)
		srv := httptest.NewServer(fake.Handler())
		defer srv.Close()
		base := srv.URL + "/v1.0/"

		// A wrong token is refused when the link is made, on the token field.
		// Only an operator may point the link at another address.
		if err := env.App.LinkWonde(admin, wondeSchool, token, base, true); vigil.ErrorFields(err)["wonde_url"] == "" {
			t.Fatalf("a school admin setting the Wonde address: %v", err)
		}
		operator := vigil.SystemContext(context.Background(), oak.ID)
		err := env.App.LinkWonde(operator, wondeSchool, "not-it", base, true)
		if vigil.ErrorFields(err)["wonde_token"] == "" {
			t.Fatalf("linking with a wrong token: %v", err)
		}
		if err := env.App.LinkWonde(operator, wondeSchool, token, base, true); err != nil {
			t.Fatal(err)
		}
		// The first sync is full: every pupil comes in.
		// As the job runner does, from a "sync the whole roll, confirming
		// the leavers" job.
		res, err := env.App.RunSyncJob(operator, []byte(`{"full":true,"confirm_leavers":true}`))
		if err != nil {
			t.Fatal(err)
		}
		if res.Sync.Added != 120 || res.Sync.Mode != "full" || res.Sync.StaffAdded != len(school.Staff) {
			t.Fatalf("first sync: %+v", res.Sync)
		}
		link, _ := env.App.MISLink(admin)
		if link.Status != store.LinkOK || link.LastDeltaFrom.IsZero() {
			t.Fatalf("link after a good sync: %+v", link)
		}

		// The next is a delta: one pupil changed at source comes back.
		before := fake.Requests()
		changed := school.Pupils[3]
		changed.RegGroup = "6Z"
		fake.SetSchool(wondeSchool, school.Pupils, school.Staff)
		for _, p := range school.Pupils {
			fake.SetUpdated(wondeSchool, p.SourceID, env.Now().Add(-48*time.Hour))
		}
		fake.SetUpdated(wondeSchool, changed.SourceID, env.Now())
		res, err = env.App.SyncMIS(admin, false, app.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sync.Mode != "delta" || res.Sync.Seen != 1 || res.Sync.Changed != 1 || res.Sync.Left != 0 {
			t.Fatalf("delta sync: %+v", res.Sync)
		}
		if fake.Requests() == before {
			t.Fatal("the delta sync asked Wonde nothing")
		}

		// A pupil deleted at source is marked as left by the next delta,
		// for someone to check; their record stays.
		fake.Delete(wondeSchool, "S7", env.Now())
		res, err = env.App.SyncMIS(admin, false, app.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sync.Mode != "delta" || res.Sync.Left != 1 || len(res.Sync.Report.Leavers) != 1 {
			t.Fatalf("delta after a deletion at source: %+v", res.Sync)
		}
		gone, err := s.FindPupilByID(admin, res.Sync.Report.Leavers[0])
		if err != nil || gone.OnRoll || gone.LeftReason != vigil.LeftAbsent || gone.SourceID != "S7" {
			t.Fatalf("the pupil removed at source: %+v, %v", gone, err)
		}

		// A revoked token: the sync fails clearly, marks nobody as left,
		// and the link asks for a new token.
		_, offRoll, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusLeft})
		fake.Revoke()
		_, err = env.App.SyncMIS(admin, true, app.ImportOptions{})
		if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(vigil.ErrorMessage(err), "re-authorise") || strings.Contains(err.Error(), token) {
			t.Fatalf("sync with a revoked token: %v", err)
		}
		link, _ = env.App.MISLink(admin)
		if link.Status != store.LinkReauthorise {
			t.Errorf("link status after a revoked token = %q", link.Status)
		}
		if _, n, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusLeft}); n != offRoll {
			t.Errorf("%d pupils off roll after a failed sync, %d before", n, offRoll)
		}
		// A revoked link is not queued for the night.
		if n, err := env.App.QueueNightlySyncs(context.Background(), time.Now()); err != nil || n != 0 {
			t.Errorf("nightly queue with a revoked link: %d, %v", n, err)
		}
	})
}

func TestNightlySyncQueuedOncePerNight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		fake := wondefake.NewServer("tok")
		fake.SetSchool(wondeSchool, misgen.School(3, 5).Pupils, nil)
		srv := httptest.NewServer(fake.Handler())
		defer srv.Close()
		if err := env.App.LinkWonde(vigil.SystemContext(context.Background(), env.Fixtures.Oak.ID), wondeSchool, "tok", srv.URL+"/v1.0/", true); err != nil {
			t.Fatal(err)
		}
		night := time.Date(2026, time.November, 24, 1, 30, 0, 0, time.UTC)
		total := 0
		for range 3 { // three runners, or one asking three times
			n, err := env.App.QueueNightlySyncs(context.Background(), night)
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		if total != 1 {
			t.Fatalf("queued %d syncs for one night, want 1", total)
		}
		if n, _ := env.App.QueueNightlySyncs(context.Background(), night.Add(24*time.Hour)); n != 1 {
			t.Errorf("the next night queued %d", n)
		}
	})
}
