package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// commMember adds a member of staff with role to school sc and returns a
// context acting as them, stepped up, with their role's permissions.
func commMember(t *testing.T, s *store.Store, sc *storetest.School, key string, role vigil.Role) context.Context {
	t.Helper()
	p := &vigil.Person{Email: key + "@" + sc.Slug + ".test", Name: key + " at " + sc.Name}
	if err := s.CreatePerson(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMembership(sc.Ctx, &vigil.Membership{PersonID: p.ID, Role: role, Designated: vigil.DesignatedRole(role), Active: true}); err != nil {
		t.Fatal(err)
	}
	sc.Staff[key], sc.Roles[key] = p, role
	ctx := as(t, s, sc, key)
	vigil.ActorFrom(ctx).Designated = vigil.DesignatedRole(role)
	return ctx
}

// commContacts gives a pupil a mother and a father and returns them.
func commContacts(t *testing.T, s *store.Store, sc *storetest.School, pupil *vigil.Pupil) []*vigil.Contact {
	t.Helper()
	cs := []*vigil.Contact{
		{Name: "Grace Okafor", Relationship: "Mother", ParentalResponsibility: true, Priority: 1, Phone: "01632 960001"},
		{Name: "Daniel Okafor", Relationship: "Father", ParentalResponsibility: true, Priority: 2},
	}
	if err := s.ReplaceContacts(sc.Ctx, pupil.ID, cs); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindContacts(sc.Ctx, pupil.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("contacts: %v %v", got, err)
	}
	return got
}

func recordComm(t *testing.T, env *vigiltest.Env, ctx context.Context, in app.NewCommunication) *vigil.Communication {
	t.Helper()
	c, err := env.App.RecordCommunication(ctx, in)
	if err != nil {
		t.Fatalf("record communication: %v", err)
	}
	return c
}

// Bad input is refused naming its field, and nothing is saved.
func TestRecordCommunicationProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, teacher := as(t, s, oak, "dsl"), as(t, s, oak, "teacher")
		pastoral := commMember(t, s, oak, "pastoral", vigil.RolePastoral)
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		mum := commContacts(t, s, oak, amara)[0]
		benMum := commContacts(t, s, oak, ben)[0]
		bullying := category(t, s, oak, "bullying")
		aboutAmara := logConcern(t, env, teacher, "Pushed at the gate.", bullying, amara)
		aboutBen := logConcern(t, env, teacher, "Crying at lunch.", bullying, ben)
		elmConcern := logConcern(t, env, as(t, s, elm, "dsl"), "Elm's concern.", category(t, s, elm, "bullying"), elm.Pupils["bruno"])

		good := func() app.NewCommunication {
			return app.NewCommunication{PupilID: amara.ID, ConcernID: aboutAmara.ID, With: vigil.CommWithParent, ContactID: mum.ID,
				Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-time.Hour), Staff: []vigil.PersonID{oak.Staff["dsl"].ID},
				Body: "Mum was told about the incident at the gate."}
		}
		for name, tc := range map[string]struct {
			ctx    context.Context
			change func(in *app.NewCommunication)
			field  string
		}{
			"no pupil":                {dsl, func(in *app.NewCommunication) { in.PupilID = "" }, "pupil_id"},
			"Elm's pupil":             {dsl, func(in *app.NewCommunication) { in.PupilID = elm.Pupils["bruno"].ID }, "pupil_id"},
			"another pupil's concern": {dsl, func(in *app.NewCommunication) { in.ConcernID = aboutBen.ID }, "concern_id"},
			"Elm's concern":           {dsl, func(in *app.NewCommunication) { in.ConcernID = elmConcern.ID }, "concern_id"},
			"malformed concern":       {dsl, func(in *app.NewCommunication) { in.ConcernID = "1 OR 1=1" }, "concern_id"},
			"unlinked, not the DSL":   {pastoral, func(in *app.NewCommunication) { in.ConcernID = "" }, "concern_id"},
			"no contact":              {dsl, func(in *app.NewCommunication) { in.ContactID = "" }, "contact_id"},
			"another pupil's contact": {dsl, func(in *app.NewCommunication) { in.ContactID = benMum.ID }, "contact_id"},
			"agency with no name":     {dsl, func(in *app.NewCommunication) { in.With, in.ContactID = vigil.CommWithAgency, "" }, "with_name"},
			"no one":                  {dsl, func(in *app.NewCommunication) { in.With = "" }, "with"},
			"no type":                 {dsl, func(in *app.NewCommunication) { in.Type = "fax" }, "type"},
			"in the future":           {dsl, func(in *app.NewCommunication) { in.OccurredAt = env.Now().Add(2 * time.Hour) }, "occurred_at"},
			"no time":                 {dsl, func(in *app.NewCommunication) { in.OccurredAt = time.Time{} }, "occurred_at"},
			"Elm's staff":             {dsl, func(in *app.NewCommunication) { in.Staff = []vigil.PersonID{elm.Staff["dsl"].ID} }, "staff"},
			"nothing said":            {dsl, func(in *app.NewCommunication) { in.Body = "   " }, "body"},
			"files, no concern": {dsl, func(in *app.NewCommunication) {
				in.ConcernID, in.Files = "", []app.Upload{{Name: "letter.txt", Body: strings.NewReader("Dear parent")}}
			}, "files"},
		} {
			t.Run(name, func(t *testing.T) {
				in := good()
				tc.change(&in)
				c, err := env.App.RecordCommunication(tc.ctx, in)
				if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" || c != nil {
					t.Fatalf("RecordCommunication = %v, %v (fields %v); want a problem with %s", c, err, vigil.ErrorFields(err), tc.field)
				}
			})
		}
		// Several problems at once are all named.
		in := good()
		in.Type, in.Body, in.ContactID = "", "", ""
		_, err := env.App.RecordCommunication(dsl, in)
		if f := vigil.ErrorFields(err); f["type"] == "" || f["body"] == "" || f["contact_id"] == "" {
			t.Fatalf("several problems: %v", f)
		}
		// Those who may not see concerns may not record.
		if _, err := env.App.RecordCommunication(teacher, good()); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("teacher records: %v", err)
		}
		if _, err := env.App.RecordCommunication(as(t, s, oak, "admin"), good()); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("admin records: %v", err)
		}
		list, err := s.FindCommunications(oak.Ctx, store.CommunicationFilter{Visibility: store.Visibility{All: true}})
		if err != nil || len(list) != 0 {
			t.Fatalf("%d communications saved (%v), want none", len(list), err)
		}

		// The good one is saved, with the contact's name and relationship
		// as they were; the pastoral lead, who manages bullying, may too.
		c := recordComm(t, env, dsl, good())
		if c.WithName != "Grace Okafor" || c.WithDetail != "Mother" || c.Title() != "Phone call with Grace Okafor (mother)" {
			t.Fatalf("recorded %+v", c)
		}
		recordComm(t, env, pastoral, good())
	})
}

// Who sees a communication: one about a concern follows the concern; one
// about none is for the DSL team and the headteacher. Everyone else is
// refused, and another school cannot tell it exists.
func TestCommunicationVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, teacher, admin := as(t, s, oak, "dsl"), as(t, s, oak, "teacher"), as(t, s, oak, "admin")
		head := commMember(t, s, oak, "head", vigil.RoleHeadteacher)
		pastoral := commMember(t, s, oak, "pastoral", vigil.RolePastoral)
		amara := oak.Pupils["amara"]
		concern := logConcern(t, env, teacher, "Pushed at the gate.", category(t, s, oak, "bullying"), amara)
		linked := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: concern.ID, With: vigil.CommWithPupil,
			Type: vigil.CommMeeting, OccurredAt: env.Now().Add(-2 * time.Hour), Body: "Amara said the older pupils waited at the gate."})
		unlinked := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithAgency, WithName: "Testshire Early Help",
			WithDetail: "Jo Bell, 01632 960002", Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-time.Hour), Body: "Early Help asked about attendance."})

		// A concern only the DSL and the headteacher may see: the deputy,
		// designated as they are, does not see what is linked to it.
		deputy := commMember(t, s, oak, "deputy", vigil.RoleDeputyDSL)
		restricted := logConcern(t, env, dsl, "About a member of staff.", category(t, s, oak, "allegation_staff"), amara)
		hidden := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: restricted.ID, With: vigil.CommWithAgency, WithName: "LADO",
			Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-30 * time.Minute), Body: "Spoke to the LADO about the allegation."})

		notStepped := as(t, s, oak, "dsl")
		vigil.ActorFrom(notStepped).SteppedUp = false
		for _, tc := range []struct {
			name     string
			ctx      context.Context
			see      []*vigil.Communication
			notSee   []*vigil.Communication
			refusal  string // the error code for the whole list
			refusals int    // refused views audited
		}{
			{"DSL", dsl, []*vigil.Communication{linked, unlinked, hidden}, nil, "", 0},
			{"headteacher", head, []*vigil.Communication{linked, unlinked, hidden}, nil, "", 0},
			{"deputy DSL", deputy, []*vigil.Communication{linked, unlinked}, []*vigil.Communication{hidden}, "", 0},
			{"pastoral lead", pastoral, []*vigil.Communication{linked}, []*vigil.Communication{unlinked, hidden}, "", 1},
			{"teacher", teacher, nil, []*vigil.Communication{linked, unlinked, hidden}, vigil.EFORBIDDEN, 0},
			{"admin", admin, nil, []*vigil.Communication{linked, unlinked, hidden}, vigil.EFORBIDDEN, 0},
			{"DSL without a second factor", notStepped, nil, []*vigil.Communication{linked, unlinked, hidden}, vigil.EFORBIDDEN, 0},
			{"Elm's DSL", as(t, s, elm, "dsl"), nil, []*vigil.Communication{linked, unlinked, hidden}, vigil.ENOTFOUND, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, c := range tc.see {
					v, err := env.App.Communication(tc.ctx, c.ID)
					if err != nil || v.Communication.Body != c.Body {
						t.Errorf("opening %q: %v", c.Body, err)
					}
				}
				for _, c := range tc.notSee {
					v, err := env.App.Communication(tc.ctx, c.ID)
					want := tc.refusal
					if want == "" {
						want = vigil.ENOTFOUND
					}
					if vigil.ErrorCode(err) != want || v != nil {
						t.Errorf("opening %q: %v, %v; want %s", c.Body, v, err, want)
					}
				}
				list, err := env.App.PupilCommunications(tc.ctx, amara.ID)
				if tc.refusal != "" {
					if vigil.ErrorCode(err) != tc.refusal || list != nil {
						t.Fatalf("list: %v, %v; want %s", list, err, tc.refusal)
					}
				} else if err != nil {
					t.Fatalf("list: %v", err)
				} else {
					var got []string
					for _, c := range list.Items {
						got = append(got, c.Body)
					}
					var want []string
					for _, c := range tc.see {
						want = append(want, c.Body)
					}
					if !slices.Equal(got, want) {
						t.Errorf("list = %q, want %q", got, want)
					}
				}
				ch, err := env.App.Chronology(tc.ctx, amara.ID, app.ChronologyFilter{Kinds: []string{app.CommunicationKind}})
				if tc.refusal != "" {
					if err == nil && ch != nil && len(ch.Entries) > 0 {
						t.Errorf("chronology shows %d communications", len(ch.Entries))
					}
				} else if err != nil || len(ch.Entries) != len(tc.see) {
					t.Errorf("chronology: %v, %v; want %d entries", ch, err, len(tc.see))
				}
				if tc.refusals > 0 {
					p := vigil.ActorFrom(tc.ctx).PersonID
					evs, err := s.QueryAudit(oak.Ctx, store.AuditFilter{Person: p, ActionPrefix: "communication."})
					if err != nil {
						t.Fatal(err)
					}
					n := 0
					for _, e := range evs {
						if e.Action == app.AuditCommunicationRefused && e.ObjectID == string(unlinked.ID) {
							n++
						}
					}
					if n != tc.refusals {
						t.Errorf("%d refusals audited, want %d", n, tc.refusals)
					}
				}
			})
		}

		// Every view was audited before it was returned.
		evs, err := s.QueryAudit(oak.Ctx, store.AuditFilter{Person: oak.Staff["dsl"].ID, ActionPrefix: "communication."})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range evs {
			seen[e.Action]++
		}
		if seen[app.AuditCommunicationCreated] != 3 || seen[app.AuditCommunicationViewed] != 3 || seen[app.AuditCommunicationsListed] != 1 {
			t.Errorf("DSL's communication events = %v", seen)
		}
	})
}

// Communications sit in the chronology in time order among the concerns,
// titled by who they were with; filters by kind and category apply.
func TestCommunicationsInChronology(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl := as(t, s, oak, "dsl")
		amara := oak.Pupils["amara"]
		mum := commContacts(t, s, oak, amara)[0]
		bullying := category(t, s, oak, "bullying")
		now := env.Now()
		c, err := env.App.LogConcern(dsl, app.NewConcern{OccurredAt: now.Add(-72 * time.Hour), Body: "Pushed at the gate.",
			Pupils: []vigil.ConcernPupil{{PupilID: amara.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{bullying}}}})
		if err != nil {
			t.Fatal(err)
		}
		recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithSchool, WithName: "Elm Academy",
			Type: vigil.CommEmail, OccurredAt: now.Add(-240 * time.Hour), Body: "Her old school sent her records."})
		recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: c.ID, With: vigil.CommWithParent, ContactID: mum.ID,
			Type: vigil.CommPhoneCall, OccurredAt: now.Add(-48 * time.Hour), Body: "Told mum about the gate.", Agreed: "Mum will walk her in."})
		recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithPupil, Type: vigil.CommMeeting,
			OccurredAt: now.Add(-time.Hour), Body: "Amara says things are better."})

		ch, err := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ch.Entries {
			got = append(got, e.Kind+": "+e.Title)
		}
		want := []string{
			"communication: Email with Elm Academy",
			"concern: Bullying",
			"communication: Phone call with Grace Okafor (mother)",
			"communication: Meeting with Amara Okafor (the pupil)",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("chronology =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for i := 1; i < len(ch.Entries); i++ {
			if ch.Entries[i].At.Before(ch.Entries[i-1].At) {
				t.Fatalf("entry %d is before entry %d", i, i-1)
			}
		}
		call := ch.Entries[2]
		if call.ConcernID != c.ID || !strings.Contains(call.Summary, "Told mum") || !strings.Contains(call.Summary, "Agreed: Mum will walk her in.") ||
			!slices.Equal(call.Categories, []vigil.CategoryID{bullying}) || call.By == "" {
			t.Fatalf("the call's entry = %+v", call)
		}

		only, err := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{Kinds: []string{app.CommunicationKind}})
		if err != nil || len(only.Entries) != 3 {
			t.Fatalf("communications only: %v", err)
		}
		byCat, err := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{Category: bullying, Kinds: []string{app.CommunicationKind}})
		if err != nil || len(byCat.Entries) != 1 || byCat.Entries[0].ID != call.ID {
			t.Fatalf("bullying communications: %+v, %v", byCat, err)
		}
		from := vigil.DateOf(now.Add(-24 * time.Hour).In(time.UTC))
		recent, err := env.App.Chronology(dsl, amara.ID, app.ChronologyFilter{From: from, Kinds: []string{app.CommunicationKind}})
		if err != nil || len(recent.Entries) < 1 || len(recent.Entries) > 2 {
			t.Fatalf("recent communications: %+v, %v", recent, err)
		}
	})
}

// A communication's text never reaches the database in clear: a raw SELECT
// of every column shows none of its words. Its attachment opens for those
// who see the concern and is on the concern too.
func TestCommunicationSealed(t *testing.T) {
	for _, db := range commRawStores(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			s := db.store
			env := vigiltest.Start(t, s)
			oak := env.Fixtures.Oak
			dsl := as(t, s, oak, "dsl")
			amara := oak.Pupils["amara"]
			c := logConcern(t, env, as(t, s, oak, "teacher"), "Pushed at the gate.", category(t, s, oak, "bullying"), amara)
			words := []string{"Quillfeather", "Marrowbank", "Thistlecombe", "Brackenholt", "Windlesham", "Ashgrove"}
			comm := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: c.ID, With: vigil.CommWithAgency,
				WithName: words[0] + " Family Services", WithDetail: words[1] + " on 01632 960003", Type: vigil.CommMeeting,
				OccurredAt: env.Now().Add(-time.Hour), Staff: []vigil.PersonID{oak.Staff["dsl"].ID}, Others: words[2] + " (school nurse)",
				Body: "We discussed " + words[3] + ".", Agreed: "Review at " + words[4] + ".",
				Files: []app.Upload{{Name: words[5] + ".txt", Body: strings.NewReader("Minutes: " + words[3])}}})

			rows, err := db.raw.Query("SELECT * FROM communications")
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			n := 0
			for rows.Next() {
				n++
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					b := []byte(fmt.Sprint(v))
					if x, ok := v.([]byte); ok {
						b = x
					}
					for _, w := range words {
						if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(w))) {
							t.Errorf("column %s holds %q in clear", cols[i], w)
						}
					}
				}
			}
			rows.Close()
			if n != 1 {
				t.Fatalf("%d rows, want 1", n)
			}
			var sealed []byte
			if err := db.raw.QueryRow("SELECT body FROM communications").Scan(&sealed); err != nil || len(sealed) < 16 {
				t.Fatalf("the sealed body: %d bytes, %v", len(sealed), err)
			}

			v, err := env.App.Communication(dsl, comm.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Communication.WithName != words[0]+" Family Services" || v.Communication.Others != words[2]+" (school nurse)" ||
				v.Communication.Agreed != "Review at "+words[4]+"." || len(v.Documents) != 1 || v.Documents[0].Name != words[5]+".txt" ||
				!slices.Equal(v.Communication.StaffNames, []string{oak.Staff["dsl"].Name}) || !slices.Equal(v.Categories, []string{"Bullying"}) {
				t.Fatalf("view = %+v %+v", v, v.Communication)
			}
			_, rc, err := env.App.OpenDocument(dsl, v.Documents[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != "Minutes: "+words[3] {
				t.Fatalf("document = %q", got)
			}
			cv, err := env.App.Concern(dsl, c.ID)
			if err != nil || len(cv.Documents) != 1 || cv.Documents[0].ID != v.Documents[0].ID {
				t.Fatalf("the concern's documents: %v", err)
			}
			if _, _, err := env.App.OpenDocument(as(t, s, oak, "admin"), v.Documents[0].ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Fatalf("admin opens the attachment: %v", err)
			}
		})
	}
}

type commRawStore struct {
	name  string
	store *store.Store
	raw   *sql.DB
}

// commRawStores returns a migrated SQLite store and, when PostgreSQL is set
// up, a PostgreSQL one, each with a raw connection to the same database
// that bypasses the store.
func commRawStores(t *testing.T) []commRawStore {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	lite := storetest.OpenSQLiteAt(t, path)
	t.Cleanup(func() { lite.Close() })
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	out := []commRawStore{{"sqlite", lite, raw}}
	base := os.Getenv(storetest.PostgresEnv)
	if base == "" {
		t.Log(storetest.PostgresEnv + " not set; PostgreSQL skipped")
		return out
	}
	url := storetest.NewPostgresSchema(t, base)
	pg, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if _, err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	praw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { praw.Close() })
	return append(out, commRawStore{"postgres", pg, praw})
}
