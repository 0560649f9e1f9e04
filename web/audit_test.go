package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// TestAuditPages: a DSL sees who viewed a pupil and what a person did, only
// in their own school; a teacher sees none of it; every read of the trail
// is itself recorded.
func TestAuditPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		amara, bruno := oak.Pupils["amara"], elm.Pupils["bruno"]

		// Elm's DSL is busy in Elm.
		elmDSL := env.SignIn(t, "dsl@elm.test")
		elmDSL.Get(t, "/pupils/"+string(bruno.ID)).Want(t, http.StatusOK, "Bruno", "")

		dsl := env.SignIn(t, "dsl@oak.test")
		dsl.Get(t, "/pupils/"+string(amara.ID)).Want(t, http.StatusOK, "/pupils/"+string(amara.ID)+"/audit", "")

		r := dsl.Get(t, "/pupils/"+string(amara.ID)+"/audit").Want(t, http.StatusOK, "Who has seen Amara Okafor", "elm.test")
		for _, want := range []string{"Viewed pupil", "dsl at Oak Primary School", "dsl@oak.test"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("pupil's audit lacks %q", want)
			}
		}
		for _, tc := range []struct{ name, path string }{
			{"other school's pupil", "/pupils/" + string(bruno.ID) + "/audit"},
			{"missing pupil", "/pupils/" + vigil.NewID() + "/audit"},
			{"malformed pupil", "/pupils/x'%20OR%201=1/audit"},
			{"other school's person", "/staff/" + string(elm.Staff["dsl"].ID) + "/audit"},
			{"pupil filter of another school", "/audit?pupil=" + string(bruno.ID)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dsl.Get(t, tc.path).Want(t, http.StatusNotFound, "Page not found", "Bruno")
			})
		}

		// The school's trail and one person's: Oak's events only.
		dsl.Get(t, "/audit").Want(t, http.StatusOK, "Viewed pupil", "elm.test")
		dsl.Get(t, "/audit?group=auth").Want(t, http.StatusOK, "Confirmed with second factor", "Viewed pupil")
		dsl.Get(t, "/audit?from=2099-01-01").Want(t, http.StatusOK, "No events match", "Viewed pupil")
		dsl.Get(t, "/audit?from=yesterday").Want(t, http.StatusUnprocessableEntity, "start date", "")
		dsl.Get(t, "/audit?from=2026-05-02&to=2026-05-01").Want(t, http.StatusUnprocessableEntity, "end date is before", "")
		dsl.Get(t, "/staff/"+string(oak.Staff["dsl"].ID)+"/audit").Want(t, http.StatusOK, "Viewed pupil", "elm.test")

		// A teacher may not read the trail.
		teacher := env.SignIn(t, "teacher@oak.test")
		teacher.Get(t, "/audit").Want(t, http.StatusForbidden, "Not available to you", "dsl@oak.test")
		teacher.Get(t, "/pupils/"+string(amara.ID)+"/audit").Want(t, http.StatusForbidden, "", "Amara")
		teacher.Get(t, "/audit?format=csv").Want(t, http.StatusForbidden, "", "dsl@oak.test")

		// Reading the trail was recorded, before it was shown.
		views, err := s.QueryAudit(oak.Ctx, store.AuditFilter{ActionPrefix: "audit.", Person: oak.Staff["dsl"].ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var pupilView bool
		for _, ev := range views {
			if ev.Action == app.AuditTrailViewed && ev.ObjectType == "pupil" && ev.ObjectID == string(amara.ID) && ev.PupilID == "" {
				pupilView = true
			}
		}
		if !pupilView || len(views) < 5 {
			t.Fatalf("audit views recorded: %d, pupil's page among them %v", len(views), pupilView)
		}
	})
}

// TestAuditExportCSV: the export has a header, one row per event, cells a
// spreadsheet would run defused, nothing of another school, and is itself
// recorded.
func TestAuditExportCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		amara := oak.Pupils["amara"]
		bg := context.Background()
		for _, ev := range []*vigil.AuditEvent{
			{SchoolID: oak.ID, PersonID: oak.Staff["teacher"].ID, Action: vigil.AuditPupilViewed, PupilID: amara.ID,
				ObjectType: "pupil", ObjectID: string(amara.ID), IP: "192.0.2.7", UserAgent: "=cmd|' /C calc'!A0"},
			{SchoolID: elm.ID, PersonID: elm.Staff["dsl"].ID, Action: vigil.AuditSignIn, UserAgent: "@elm-agent"},
		} {
			if err := s.AppendAudit(bg, ev); err != nil {
				t.Fatal(err)
			}
		}
		dsl := env.SignIn(t, "dsl@oak.test")
		r := dsl.Get(t, "/pupils/"+string(amara.ID)+"/audit?format=csv").Want(t, http.StatusOK, "", "elm")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatalf("read CSV: %v\n%s", err, r.Body)
		}
		if strings.Join(rows[0], ",") != "seq,time,person_email,action,object_type,object_id,pupil_id,pupil_name,ip,user_agent,detail" {
			t.Fatalf("header: %v", rows[0])
		}
		if len(rows) != 2 {
			t.Fatalf("%d rows, want the header and Amara's one view:\n%s", len(rows), r.Body)
		}
		row := rows[1]
		if row[2] != "teacher@oak.test" || row[3] != vigil.AuditPupilViewed || row[6] != string(amara.ID) || row[7] != "Amara Okafor" || row[8] != "192.0.2.7" {
			t.Fatalf("row: %v", row)
		}
		if row[9] != "'=cmd|' /C calc'!A0" {
			t.Fatalf("user agent cell %q: a spreadsheet would run it", row[9])
		}
		if !strings.HasSuffix(row[1], "Z") {
			t.Fatalf("time %q is not RFC 3339 UTC", row[1])
		}

		// The school's export: every event of Oak, none of Elm.
		all := dsl.Get(t, "/audit?format=csv").Want(t, http.StatusOK, "dsl@oak.test", "elm")
		if !strings.Contains(all.Body, app.AuditTrailExported) {
			t.Fatal("the school's export lacks the record of the first export")
		}
		exports, err := s.QueryAudit(oak.Ctx, store.AuditFilter{ActionPrefix: "audit.", Person: oak.Staff["dsl"].ID})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range exports {
			if ev.Action == app.AuditTrailExported {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d exports recorded, want 2", n)
		}
	})
}

// TestAuditPaging: a page shows the newest events and links to older ones,
// keeping the filter.
func TestAuditPaging(t *testing.T) {
	env := vigiltest.Start(t, storetest.OpenSQLite(t))
	oak := env.Fixtures.Oak
	for range app.AuditPageSize + 5 {
		if err := env.Store.AppendAudit(context.Background(), &vigil.AuditEvent{SchoolID: oak.ID, Action: vigil.AuditPupilsListed}); err != nil {
			t.Fatal(err)
		}
	}
	dsl := env.SignIn(t, "dsl@oak.test")
	r := dsl.Get(t, "/audit?group=pupil").Want(t, http.StatusOK, "Older events", "")
	if got := strings.Count(r.Body, "Listed or searched pupils"); got != app.AuditPageSize {
		t.Fatalf("first page shows %d events", got)
	}
	i := strings.Index(r.Body, `href="/audit?before=`)
	if i < 0 {
		t.Fatal("no link to older events")
	}
	link := r.Body[i+len(`href="`):]
	link = strings.ReplaceAll(link[:strings.Index(link, `"`)], "&amp;", "&")
	if !strings.Contains(link, "group=pupil") {
		t.Fatalf("older link %q loses the filter", link)
	}
	r = dsl.Get(t, link).Want(t, http.StatusOK, "Newest", "Older events")
	if got := strings.Count(r.Body, "Listed or searched pupils"); got != 5 {
		t.Fatalf("second page shows %d events", got)
	}
}
