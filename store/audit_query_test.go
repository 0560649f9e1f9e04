package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// auditFixture appends the same events to Oak and Elm, each a day after
// the one before from 1 March 2026, and returns Oak's events by name.
func auditFixture(t *testing.T, s *store.Store, f *storetest.Fixtures) map[string]*vigil.AuditEvent {
	t.Helper()
	day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return day }
	t.Cleanup(func() { s.Now = time.Now })
	type ev struct{ name, person, pupil, action string }
	list := []ev{
		{"dsl signs in", "dsl", "", vigil.AuditSignIn},
		{"dsl views amara", "dsl", "amara", vigil.AuditPupilViewed},
		{"admin changes access", "admin", "", vigil.AuditPermissionChanged},
		{"dsl views ben", "dsl", "ben", vigil.AuditPupilViewed},
		{"admin signs in", "admin", "", vigil.AuditSignIn},
		{"authz lookalike", "admin", "", "authz.checked"},
		{"system", "", "", "school.settings_changed"},
	}
	oak := map[string]*vigil.AuditEvent{}
	for _, e := range list {
		for _, sc := range []*storetest.School{f.Oak, f.Elm} {
			pupil := map[string]string{"amara": "bruno", "ben": "ellie"}[e.pupil]
			if sc == f.Oak {
				pupil = e.pupil
			}
			ev := &vigil.AuditEvent{SchoolID: sc.ID, Action: e.action, UserAgent: "test"}
			if e.person != "" {
				ev.PersonID = sc.Staff[e.person].ID
			}
			if pupil != "" {
				ev.PupilID, ev.ObjectType, ev.ObjectID = sc.Pupils[pupil].ID, "pupil", string(sc.Pupils[pupil].ID)
			}
			if err := s.AppendAudit(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if sc == f.Oak {
				oak[e.name] = ev
			}
		}
		day = day.Add(24 * time.Hour)
	}
	return oak
}

func TestQueryAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		evs := auditFixture(t, s, f)
		ctx := f.Oak.Ctx
		names := func(t *testing.T, flt store.AuditFilter) string {
			t.Helper()
			got, err := s.QueryAudit(ctx, flt)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, en := range got {
				if en.SchoolID != f.Oak.ID {
					t.Fatalf("an event of another school: %+v", en.AuditEvent)
				}
				for name, ev := range evs {
					if ev.ID == en.ID {
						out = append(out, name)
					}
				}
			}
			return strings.Join(out, ", ")
		}
		for _, tc := range []struct {
			name string
			f    store.AuditFilter
			want string
		}{
			{"all, newest first", store.AuditFilter{},
				"system, authz lookalike, admin signs in, dsl views ben, admin changes access, dsl views amara, dsl signs in"},
			{"person", store.AuditFilter{Person: f.Oak.Staff["dsl"].ID}, "dsl views ben, dsl views amara, dsl signs in"},
			{"pupil", store.AuditFilter{Pupil: f.Oak.Pupils["amara"].ID}, "dsl views amara"},
			{"group", store.AuditFilter{ActionPrefix: "auth."}, "admin signs in, dsl signs in"},
			{"group and person", store.AuditFilter{ActionPrefix: "pupil.", Person: f.Oak.Staff["dsl"].ID}, "dsl views ben, dsl views amara"},
			{"from", store.AuditFilter{From: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)}, "system, authz lookalike"},
			{"to (exclusive)", store.AuditFilter{To: evs["admin changes access"].At}, "dsl views amara, dsl signs in"},
			{"range", store.AuditFilter{From: evs["admin changes access"].At, To: evs["admin signs in"].At}, "dsl views ben, admin changes access"},
			{"page", store.AuditFilter{Limit: 2}, "system, authz lookalike"},
			{"next page", store.AuditFilter{Limit: 2, Before: evs["authz lookalike"].Seq}, "admin signs in, dsl views ben"},
			{"another school's pupil", store.AuditFilter{Pupil: f.Elm.Pupils["bruno"].ID}, ""},
			{"another school's person", store.AuditFilter{Person: f.Elm.Staff["dsl"].ID}, ""},
			{"malformed id", store.AuditFilter{Person: "1' OR '1'='1"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := names(t, tc.f); got != tc.want {
					t.Errorf("got  %s\nwant %s", got, tc.want)
				}
			})
		}

		// Names come with each event: who acted, and the pupil's name.
		got, err := s.QueryAudit(ctx, store.AuditFilter{Pupil: f.Oak.Pupils["amara"].ID})
		if err != nil || len(got) != 1 {
			t.Fatalf("%d events, %v", len(got), err)
		}
		if en := got[0]; en.PersonEmail != "dsl@oak.test" || en.PersonName != "dsl at Oak Primary School" || en.PupilName != "Amara Okafor" || en.UserAgent != "test" {
			t.Fatalf("entry: %q %q %q %q", en.PersonEmail, en.PersonName, en.PupilName, en.UserAgent)
		}
		got, err = s.QueryAudit(ctx, store.AuditFilter{ActionPrefix: "school."})
		if err != nil || len(got) != 1 || got[0].PersonEmail != "" || got[0].PupilName != "" {
			t.Fatalf("system event: %+v %v", got, err)
		}

		for _, bad := range []string{"auth", "AUTH.", "auth%.", ".", "auth.sign_in"} {
			if _, err := s.QueryAudit(ctx, store.AuditFilter{ActionPrefix: bad}); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("prefix %q: %v, want EINVALID", bad, err)
			}
		}
		if _, err := s.QueryAudit(context.Background(), store.AuditFilter{}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("no school: %v, want EFORBIDDEN", err)
		}

		// Elm sees its own seven events and none of Oak's.
		elm, err := s.QueryAudit(f.Elm.Ctx, store.AuditFilter{Limit: 100})
		if err != nil || len(elm) != 7 {
			t.Fatalf("Elm: %d events, %v", len(elm), err)
		}
		for _, en := range elm {
			if en.SchoolID != f.Elm.ID || strings.Contains(en.PersonEmail, "oak") || en.PupilName == "Amara Okafor" {
				t.Fatalf("Elm sees %+v", en)
			}
		}
	})
}
