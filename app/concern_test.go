package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// as returns a context acting as the fixture person key of school sc,
// stepped up, with their permissions read from the database.
func as(t *testing.T, s *store.Store, sc *storetest.School, key string) context.Context {
	t.Helper()
	p := sc.Staff[key]
	perms, err := s.FindPermissions(sc.Ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vigil.NewContext(context.Background(), &vigil.Actor{PersonID: p.ID, SchoolID: sc.ID, Role: sc.Roles[key],
		Designated: sc.Roles[key] == vigil.RoleDSL, SteppedUp: true, Permissions: perms, IP: "192.0.2.1"})
}

func category(t *testing.T, s *store.Store, sc *storetest.School, key string) vigil.CategoryID {
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

func logConcern(t *testing.T, env *vigiltest.Env, ctx context.Context, body string, cat vigil.CategoryID, pupils ...*vigil.Pupil) *vigil.Concern {
	t.Helper()
	in := app.NewConcern{OccurredAt: env.Now().Add(-time.Hour), Location: "Playground", Body: body}
	for i, p := range pupils {
		part := vigil.PartSubject
		if i > 0 {
			part = vigil.PartWitness
		}
		in.Pupils = append(in.Pupils, vigil.ConcernPupil{PupilID: p.ID, Part: part, Categories: []vigil.CategoryID{cat}})
	}
	c, err := env.App.LogConcern(ctx, in)
	if err != nil {
		t.Fatalf("log concern: %v", err)
	}
	return c
}

// A teacher's concern reaches the DSL, who acts on it; the teacher sees
// their own account but not the DSL's action; the admin and another school
// see nothing; both pupils' chronologies hold it in order; search finds it
// by a word of the account or the action, for those allowed.
func TestConcernJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		teacher, dsl, admin := as(t, s, oak, "teacher"), as(t, s, oak, "dsl"), as(t, s, oak, "admin")
		bullying := category(t, s, oak, "bullying")

		c := logConcern(t, env, teacher, "Amara was pushed near the gate by older pupils.", bullying, oak.Pupils["amara"], oak.Pupils["ben"])
		if !slices.Contains(c.Alerted, oak.Staff["dsl"].ID) {
			t.Errorf("the DSL was not alerted: %v", c.Alerted)
		}
		counts, err := s.CountJobs(context.Background())
		if err != nil || counts["queued"] != len(c.Alerted) {
			t.Errorf("queued alert emails = %v (%v), want %d", counts, err, len(c.Alerted))
		}
		notes, unread, err := env.App.Notifications(dsl, 10)
		if err != nil || unread != 1 || len(notes) != 1 || notes[0].ConcernID != c.ID {
			t.Fatalf("DSL notifications = %v, %d, %v", notes, unread, err)
		}

		v, err := env.App.Concern(dsl, c.ID)
		if err != nil {
			t.Fatalf("DSL opens: %v", err)
		}
		if !v.CanManage() || v.Concern.Body != c.Body || len(v.Concern.Pupils) != 2 || !v.FirstView {
			t.Fatalf("DSL view = %+v", v)
		}
		if _, unread, _ = env.App.Notifications(dsl, 0); unread != 0 {
			t.Errorf("opening the concern left %d unread", unread)
		}
		if _, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "spoke_parent", Body: "Phoned mum about the gatepost incident."}); err != nil {
			t.Fatalf("add action: %v", err)
		}

		tv, err := env.App.Concern(teacher, c.ID)
		if err != nil {
			t.Fatalf("teacher opens own concern: %v", err)
		}
		if tv.CanSeeAll() || len(tv.Actions) != 0 || tv.Concern.Body != c.Body {
			t.Errorf("teacher's view shows the DSL's actions or lacks the account: %+v", tv)
		}
		for name, ctx := range map[string]context.Context{"admin": admin, "Elm DSL": as(t, s, elm, "dsl")} {
			if v, err := env.App.Concern(ctx, c.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND || v != nil {
				t.Errorf("%s opening the concern: %v, %v; want not found", name, v, err)
			}
		}

		for _, key := range []string{"amara", "ben"} {
			ch, err := env.App.Chronology(dsl, oak.Pupils[key].ID, app.ChronologyFilter{})
			if err != nil {
				t.Fatalf("chronology: %v", err)
			}
			var kinds []string
			for _, e := range ch.Entries {
				kinds = append(kinds, e.Kind)
			}
			if !slices.Equal(kinds, []string{"concern", "action"}) {
				t.Errorf("%s's chronology = %v, want the concern then the action", key, kinds)
			}
		}
		if _, err := env.App.Chronology(teacher, oak.Pupils["amara"].ID, app.ChronologyFilter{}); err == nil {
			t.Error("a teacher read a pupil's whole chronology")
		}

		found := func(ctx context.Context, q string) bool {
			t.Helper()
			list, err := env.App.SearchConcerns(ctx, app.SearchFilter{Query: q})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			return slices.ContainsFunc(list, func(s *app.ConcernSummary) bool { return s.Concern.ID == c.ID })
		}
		if !found(dsl, "pushing GATE") || !found(dsl, "gatepost mum") || found(dsl, "gate giraffe") {
			t.Error("the DSL's search does not match all words, or matches too much")
		}
		if !found(teacher, "gate") || found(teacher, "gatepost") {
			t.Error("the teacher's search must find their own account but not the DSL's action")
		}
	})
}

// Logging is validated field by field, and a bad concern saves nothing.
func TestConcernValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		teacher := as(t, s, oak, "teacher")
		bullying := category(t, s, oak, "bullying")
		cases := map[string]struct {
			in    app.NewConcern
			field string
		}{
			"no pupils":   {app.NewConcern{Body: "x", OccurredAt: env.Now()}, "pupil_ids"},
			"future":      {app.NewConcern{Body: "x", OccurredAt: env.Now().Add(2 * time.Hour), Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{bullying}}}}, "occurred_at"},
			"empty body":  {app.NewConcern{Body: "  ", OccurredAt: env.Now(), Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{bullying}}}}, "body"},
			"other pupil": {app.NewConcern{Body: "x", OccurredAt: env.Now(), Pupils: []vigil.ConcernPupil{{PupilID: elm.Pupils["bruno"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{bullying}}}}, "pupil_ids"},
			"other cat":   {app.NewConcern{Body: "x", OccurredAt: env.Now(), Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{category(t, s, elm, "bullying")}}}}, "categories"},
			"bad part":    {app.NewConcern{Body: "x", OccurredAt: env.Now(), Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: "bystander", Categories: []vigil.CategoryID{bullying}}}}, "pupils.0.part"},
			"bad mark":    {app.NewConcern{Body: "x", OccurredAt: env.Now(), BodyMap: []vigil.BodyMark{{Side: "front", X: 2, Y: 0.5, Description: "bruise"}}, Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{bullying}}}}, "body_map.0"},
		}
		for name, tc := range cases {
			_, err := env.App.LogConcern(teacher, tc.in)
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
				t.Errorf("%s: %v, want a problem with %s", name, err, tc.field)
			}
		}
		n, err := s.CountConcerns(oak.Ctx, store.ConcernFilter{Visibility: store.Visibility{All: true}})
		if err != nil || n != 0 {
			t.Errorf("%d concerns saved after bad input (%v)", n, err)
		}
	})
}

// An edit keeps the earlier version and the reason; closing needs an
// outcome; reopening keeps the outcome as a revision.
func TestConcernRevisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl, teacher := as(t, s, oak, "dsl"), as(t, s, oak, "teacher")
		c := logConcern(t, env, teacher, "First account.", category(t, s, oak, "bullying"), oak.Pupils["amara"])
		if err := env.App.ReviseConcern(teacher, c.ID, "body", "Changed", "typo"); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("the reporter edited without manage access: %v", err)
		}
		if err := env.App.ReviseConcern(dsl, c.ID, "body", "Second account.", ""); vigil.ErrorFields(err)["reason"] == "" {
			t.Errorf("an edit without a reason: %v", err)
		}
		if err := env.App.ReviseConcern(dsl, c.ID, "body", "Second account.", "Spelling of the name"); err != nil {
			t.Fatal(err)
		}
		if err := env.App.CloseConcern(dsl, c.ID, ""); vigil.ErrorFields(err)["outcome"] == "" {
			t.Errorf("closed without an outcome: %v", err)
		}
		if err := env.App.CloseConcern(dsl, c.ID, "Resolved with parents."); err != nil {
			t.Fatal(err)
		}
		if err := env.App.ReopenConcern(dsl, c.ID, "New information"); err != nil {
			t.Fatal(err)
		}
		v, err := env.App.Concern(dsl, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Concern.Body != "Second account." || v.Concern.Status != vigil.ConcernOpen || len(v.Revisions) != 2 {
			t.Fatalf("after edits: body %q status %s revisions %d", v.Concern.Body, v.Concern.Status, len(v.Revisions))
		}
		if r := v.Revisions[0]; r.Old != "First account." || r.Reason != "Spelling of the name" || r.Field != "body" {
			t.Errorf("first revision = %+v", r)
		}
		if r := v.Revisions[1]; r.Old != "Resolved with parents." || r.Field != "outcome" {
			t.Errorf("second revision = %+v", r)
		}
	})
}

// After a concern, an action, a note and a document holding a unique
// marker word are stored, no file under the data folder (the database, its
// WAL and the blobs) holds the word.
func TestMarkerNowhereOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := storetest.OpenSQLiteAt(t, filepath.Join(dir, "vigil.db"))
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	env := vigiltest.Start(t, s)
	var err error
	if env.App.Blobs, err = blobDir(filepath.Join(dir, "blobs")); err != nil {
		t.Fatal(err)
	}
	oak := env.Fixtures.Oak
	dsl, teacher := as(t, s, oak, "dsl"), as(t, s, oak, "teacher")
	const marker = "Quixotrombulax"
	in := app.NewConcern{OccurredAt: env.Now().Add(-time.Minute), Location: "Hall " + marker, Body: "Said " + marker + " twice.",
		Agencies: marker + " team", BodyMap: []vigil.BodyMark{{Side: "back", X: 0.5, Y: 0.3, Description: marker + " bruise"}},
		Pupils: []vigil.ConcernPupil{{PupilID: oak.Pupils["amara"].ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{category(t, s, oak, "bullying")}}},
		Files:  []app.Upload{{Name: marker + ".txt", Body: strings.NewReader("notes about " + marker + "\n")}}}
	c, err := env.App.LogConcern(teacher, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "note", Body: marker + " followed up"}); err != nil {
		t.Fatal(err)
	}
	if err := env.App.AddNote(teacher, c.ID, "Also "+marker, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.App.ReviseConcern(dsl, c.ID, "body", "Edited", marker+" reason"); err != nil {
		t.Fatal(err)
	}
	// The marker must still be findable and readable through the app...
	list, err := env.App.SearchConcerns(dsl, app.SearchFilter{Query: marker})
	if err != nil || len(list) != 1 {
		t.Fatalf("search for the marker: %d, %v", len(list), err)
	}
	v, err := env.App.Concern(dsl, c.ID)
	if err != nil || len(v.Documents) != 1 || v.Documents[0].Name != marker+".txt" {
		t.Fatalf("documents: %+v %v", v, err)
	}
	_, rc, err := env.App.OpenDocument(dsl, v.Documents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(got, []byte(marker)) {
		t.Fatalf("the document did not open: %q", got)
	}
	// ...and nowhere on disk, in any case.
	files := 0
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(marker))) {
			t.Errorf("%s holds the marker in clear", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("only %d files under the data folder: the test would not see a leak", files)
	}
}

// A read of a concern is refused, and returns nothing, when its audit
// event cannot be written.
func TestTamperAuditConcernReadFailsClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl := as(t, s, oak, "dsl")
		c := logConcern(t, env, as(t, s, oak, "teacher"), "Secret account.", category(t, s, oak, "bullying"), oak.Pupils["amara"])
		if s.Dialect() == "sqlite" {
			storetest.Exec(t, s, `CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(FAIL, 'audit down'); END;`)
		} else {
			storetest.Exec(t, s, `CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`)
			storetest.Exec(t, s, `CREATE TRIGGER no_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION no_audit()`)
		}
		v, err := env.App.Concern(dsl, c.ID)
		if err == nil || v != nil {
			t.Fatalf("the concern was read with the audit trail down: %+v", v)
		}
		ch, err := env.App.Chronology(dsl, oak.Pupils["amara"].ID, app.ChronologyFilter{})
		if err == nil || ch != nil {
			t.Fatalf("the chronology was read with the audit trail down")
		}
	})
}

func blobDir(path string) (*blob.Dir, error) { return blob.NewDir(path) }
