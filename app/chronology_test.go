package app_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// everyKind gives amara one entry of every kind a chronology holds, made
// by the DSL: a concern with a document, a note, an action, a referral
// and a communication, the last two linked to no concern.
func everyKind(t *testing.T, env *vigiltest.Env, s *store.Store, oak *storetest.School) (concern *vigil.Concern, ref *vigil.Referral, comm *vigil.Communication) {
	t.Helper()
	dsl := as(t, s, oak, "dsl")
	amara := oak.Pupils["amara"]
	c, err := env.App.LogConcern(dsl, app.NewConcern{OccurredAt: env.Now().Add(-48 * time.Hour), Location: "Hall", Body: "Pushed in the hall.",
		Pupils: []vigil.ConcernPupil{{PupilID: amara.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{category(t, s, oak, "bullying")}}},
		Files:  []app.Upload{{Name: "note.txt", Body: strings.NewReader("a typed note")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.AddNote(dsl, c.ID, "More from the teacher.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.AddAction(dsl, c.ID, app.NewAction{Type: "spoke_parent", Body: "Phoned mum."}); err != nil {
		t.Fatal(err)
	}
	ref = makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "camhs", Reference: "CAMHS-9", MadeAt: env.Now().Add(-24 * time.Hour)})
	comm = recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithPupil, Type: vigil.CommMeeting,
		OccurredAt: env.Now().Add(-time.Hour), Body: "Amara says the hall is better now."})
	return c, ref, comm
}

// chronologyCounts returns the "entries" of each chronology event the
// person acting in ctx caused, oldest first.
func chronologyCounts(t *testing.T, s *store.Store, sc *storetest.School, ctx context.Context) []int {
	t.Helper()
	evs, err := s.QueryAudit(sc.Ctx, store.AuditFilter{Person: vigil.ActorFrom(ctx).PersonID, ActionPrefix: "chronology.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action != app.AuditChronologyViewed && evs[i].Action != app.AuditChronologyExported {
			continue
		}
		n, err := strconv.Atoi(evs[i].Detail["entries"])
		if err != nil {
			t.Fatalf("entries = %q", evs[i].Detail["entries"])
		}
		out = append(out, n)
	}
	return out
}

// A chronology holds every kind of ChronologyKinds; each kind filters to
// itself; an unknown kind is refused; and every view's audit event counts
// all the entries returned, of every kind.
func TestChronologyKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl := as(t, s, oak, "dsl")
		amara := oak.Pupils["amara"].ID
		everyKind(t, env, s, oak)

		ch, err := env.App.Chronology(dsl, amara, app.ChronologyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range ch.Entries {
			if !slices.Contains(kinds, e.Kind) {
				kinds = append(kinds, e.Kind)
			}
		}
		slices.Sort(kinds)
		want := app.ChronologyKinds()
		slices.Sort(want)
		if !slices.Equal(kinds, want) {
			t.Fatalf("kinds in the chronology = %v, want every one of %v", kinds, want)
		}
		counts := []int{len(ch.Entries)}
		for _, k := range app.ChronologyKinds() {
			only, err := env.App.Chronology(dsl, amara, app.ChronologyFilter{Kinds: []string{k}})
			if err != nil {
				t.Fatalf("%s only: %v", k, err)
			}
			if len(only.Entries) == 0 || slices.ContainsFunc(only.Entries, func(e *vigil.ChronologyEntry) bool { return e.Kind != k }) {
				t.Errorf("%s only: %d entries, of other kinds or none", k, len(only.Entries))
			}
			counts = append(counts, len(only.Entries))
		}
		both, err := env.App.ExportChronology(dsl, amara, app.ChronologyFilter{Kinds: []string{app.ReferralKind, app.CommunicationKind}}, "csv")
		if err != nil || len(both.Entries) != 2 {
			t.Fatalf("referrals and communications: %v, %v", both, err)
		}
		counts = append(counts, len(both.Entries))
		if got := chronologyCounts(t, s, oak, dsl); !slices.Equal(got, counts) {
			t.Errorf("audited entries = %v, want %v (what each view returned)", got, counts)
		}

		if _, err := env.App.Chronology(dsl, amara, app.ChronologyFilter{Kinds: []string{"gossip"}}); vigil.ErrorFields(err)["kind"] == "" {
			t.Errorf("an unknown kind: %v", err)
		}
	})
}

// The DSL marks a referral and a communication as key events, as a
// concern; only those who may mark, and may see the record, can; another
// pupil's, another school's or a made-up entry is not found.
func TestKeyEventsOnReferralsAndCommunications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, teacher := as(t, s, oak, "dsl"), as(t, s, oak, "teacher")
		pastoral := commMember(t, s, oak, "pastoral", vigil.RolePastoral)
		amara, ben := oak.Pupils["amara"].ID, oak.Pupils["ben"].ID
		c, ref, comm := everyKind(t, env, s, oak)

		keys := func(ctx context.Context) []string {
			t.Helper()
			ch, err := env.App.Chronology(ctx, amara, app.ChronologyFilter{KeyOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range ch.Entries {
				out = append(out, e.Kind)
			}
			return out
		}
		for _, id := range []string{string(c.ID), string(ref.ID), string(comm.ID)} {
			if err := env.App.SetKeyEvent(dsl, amara, id, true); err != nil {
				t.Fatalf("mark %s: %v", id, err)
			}
		}
		if got := keys(dsl); !slices.Equal(got, []string{"concern", app.ReferralKind, app.CommunicationKind}) {
			t.Fatalf("key events = %v", got)
		}
		ch, err := env.App.Chronology(dsl, amara, app.ChronologyFilter{Kinds: []string{app.CommunicationKind}})
		if err != nil || len(ch.Entries) != 1 || !ch.Entries[0].Key || ch.Entries[0].Summary != comm.Body {
			t.Fatalf("the communication's entry: %+v, %v", ch, err)
		}
		if err := env.App.SetKeyEvent(dsl, amara, string(ref.ID), false); err != nil {
			t.Fatal(err)
		}
		if got := keys(dsl); !slices.Equal(got, []string{"concern", app.CommunicationKind}) {
			t.Fatalf("after unmarking the referral: %v", got)
		}

		for _, tc := range []struct {
			name  string
			ctx   context.Context
			pupil vigil.PupilID
			item  string
			code  string
		}{
			{"a teacher", teacher, amara, string(ref.ID), vigil.EFORBIDDEN},
			// The pastoral lead manages bullying concerns but may not see
			// a referral or communication linked to none.
			{"pastoral, unlinked referral", pastoral, amara, string(ref.ID), vigil.ENOTFOUND},
			{"pastoral, unlinked communication", pastoral, amara, string(comm.ID), vigil.ENOTFOUND},
			{"another pupil's", dsl, ben, string(ref.ID), vigil.ENOTFOUND},
			{"another school's DSL", as(t, s, elm, "dsl"), amara, string(comm.ID), vigil.ENOTFOUND},
			{"another school's DSL, own pupil", as(t, s, elm, "dsl"), elm.Pupils["bruno"].ID, string(ref.ID), vigil.ENOTFOUND},
			{"made up", dsl, amara, vigil.NewID(), vigil.ENOTFOUND},
			{"not an id", dsl, amara, "1 OR 1=1", vigil.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := env.App.SetKeyEvent(tc.ctx, tc.pupil, tc.item, true); vigil.ErrorCode(err) != tc.code {
					t.Errorf("SetKeyEvent = %v; want %s", err, tc.code)
				}
			})
		}
		if got := keys(dsl); !slices.Equal(got, []string{"concern", app.CommunicationKind}) {
			t.Errorf("refused marks changed the key events: %v", got)
		}
		// The pastoral lead may mark the concern, which they see.
		if err := env.App.SetKeyEvent(pastoral, amara, string(c.ID), false); err != nil {
			t.Errorf("pastoral lead unmarks the concern: %v", err)
		}
	})
}

// The DSL's search finds referrals by their agency, reference, details,
// response and outcome and communications by what was said and agreed,
// with the filters applied; each reader finds only what they may see; a
// concern is never found by the words of a referral about it; the audit
// counts what was shown and never holds the words.
func TestSearchReferralsAndCommunications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak, elm := env.Fixtures.Oak, env.Fixtures.Elm
		dsl, teacher := as(t, s, oak, "dsl"), as(t, s, oak, "teacher")
		pastoral := commMember(t, s, oak, "pastoral", vigil.RolePastoral)
		deputy := commMember(t, s, oak, "deputy", vigil.RoleDeputyDSL)
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		bullying := category(t, s, oak, "bullying")

		concern := logConcern(t, env, teacher, "Pushed at the gate.", bullying, amara)
		linked := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, ConcernID: concern.ID, Agency: "early_help", Reference: "EH-Quillfeather",
			Contact: "Worker Brackenmoor", Details: "Family asked for Marigoldsworth support."})
		unlinked := makeReferral(t, env, dsl, app.NewReferral{PupilID: amara.ID, Agency: "camhs", Reference: "CAMHS-2",
			Details: "Sleep and Marigoldsworth worries."})
		if err := env.App.RecordReferralResponse(dsl, linked.ID, vigil.DateOf(env.Now()), "Accepted by the Thistledown team."); err != nil {
			t.Fatal(err)
		}
		if err := env.App.CloseReferral(dsl, linked.ID, "Plan agreed with Periwinkleton."); err != nil {
			t.Fatal(err)
		}
		call := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: concern.ID, With: vigil.CommWithPupil, Type: vigil.CommMeeting,
			OccurredAt: env.Now().Add(-2 * time.Hour), Body: "Amara talked about Marigoldsworth.", Agreed: "Check in at Larkspurton club."})
		quiet := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, With: vigil.CommWithAgency, WithName: "Testshire Early Help",
			Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-time.Hour), Body: "Asked about Marigoldsworth attendance."})
		restricted := logConcern(t, env, dsl, "About a member of staff.", category(t, s, oak, "allegation_staff"), amara)
		hidden := recordComm(t, env, dsl, app.NewCommunication{PupilID: amara.ID, ConcernID: restricted.ID, With: vigil.CommWithAgency, WithName: "LADO",
			Type: vigil.CommPhoneCall, OccurredAt: env.Now().Add(-30 * time.Minute), Body: "Marigoldsworth allegation discussed."})

		search := func(ctx context.Context, f app.SearchFilter) (refs []vigil.ReferralID, comms []vigil.CommunicationID) {
			t.Helper()
			res, err := env.App.Search(ctx, f)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			for _, r := range res.Referrals {
				refs = append(refs, r.ID)
			}
			for _, c := range res.Communications {
				comms = append(comms, c.ID)
			}
			slices.Sort(refs)
			return refs, comms
		}
		sorted := func(ids ...vigil.ReferralID) []vigil.ReferralID { slices.Sort(ids); return ids }
		q := func(words string) app.SearchFilter { return app.SearchFilter{Query: words} }
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			f     app.SearchFilter
			refs  []vigil.ReferralID
			comms []vigil.CommunicationID // newest first
		}{
			{"a word of both", dsl, q("marigoldsworth"), sorted(linked.ID, unlinked.ID), []vigil.CommunicationID{hidden.ID, quiet.ID, call.ID}},
			{"the agency", dsl, q("early help"), []vigil.ReferralID{linked.ID}, nil},
			{"the reference", dsl, q("quillfeather"), []vigil.ReferralID{linked.ID}, nil},
			{"the response", dsl, q("thistledown"), []vigil.ReferralID{linked.ID}, nil},
			{"the outcome", dsl, q("periwinkleton"), []vigil.ReferralID{linked.ID}, nil},
			{"what was agreed", dsl, q("larkspurton"), nil, []vigil.CommunicationID{call.ID}},
			{"every word", dsl, q("marigoldsworth attendance"), nil, []vigil.CommunicationID{quiet.ID}},
			{"the contact is not indexed", dsl, q("brackenmoor"), nil, nil},
			{"another pupil", dsl, app.SearchFilter{Query: "marigoldsworth", Pupil: ben.ID}, nil, nil},
			{"the category", dsl, app.SearchFilter{Query: "marigoldsworth", Category: bullying}, []vigil.ReferralID{linked.ID}, []vigil.CommunicationID{call.ID}},
			{"closed", dsl, app.SearchFilter{Query: "marigoldsworth", Status: vigil.ConcernClosed}, []vigil.ReferralID{linked.ID},
				[]vigil.CommunicationID{hidden.ID, quiet.ID, call.ID}},
			{"open", dsl, app.SearchFilter{Query: "marigoldsworth", Status: vigil.ConcernOpen}, []vigil.ReferralID{unlinked.ID},
				[]vigil.CommunicationID{hidden.ID, quiet.ID, call.ID}},
			{"before", dsl, app.SearchFilter{Query: "marigoldsworth", To: vigil.DateOf(env.Now().AddDate(0, 0, -3))}, nil, nil},
			{"the deputy", deputy, q("marigoldsworth"), sorted(linked.ID, unlinked.ID), []vigil.CommunicationID{quiet.ID, call.ID}},
			{"the pastoral lead", pastoral, q("marigoldsworth"), []vigil.ReferralID{linked.ID}, []vigil.CommunicationID{call.ID}},
			{"the teacher", teacher, q("marigoldsworth"), nil, nil},
			{"another school", as(t, s, elm, "dsl"), q("marigoldsworth"), nil, nil},
			{"no words", dsl, app.SearchFilter{}, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				refs, comms := search(tc.ctx, tc.f)
				if !slices.Equal(refs, tc.refs) {
					t.Errorf("referrals = %v, want %v", refs, tc.refs)
				}
				if !slices.Equal(comms, tc.comms) {
					t.Errorf("communications = %v, want %v", comms, tc.comms)
				}
			})
		}

		// What is shown is opened for the reader; referrals show nothing
		// sealed.
		res, err := env.App.Search(dsl, q("larkspurton"))
		if err != nil || len(res.Communications) != 1 || res.Communications[0].Body != call.Body || !res.Records {
			t.Fatalf("the communication found: %+v, %v", res, err)
		}
		if res, err := env.App.Search(dsl, q("quillfeather")); err != nil || len(res.Referrals) != 1 || res.Referrals[0].Contact != "" ||
			res.Referrals[0].Details != "" || res.Referrals[0].AgencyName == "" {
			t.Fatalf("the referral found: %+v, %v", res, err)
		}
		if res, err := env.App.Search(teacher, q("marigoldsworth")); err != nil || res.Records {
			t.Errorf("the teacher's search looked at referrals and communications: %+v, %v", res, err)
		}

		// A concern is found by its own words only: not by a word of the
		// referral or communication about it, not even by its reporter.
		for _, ctx := range []context.Context{dsl, teacher} {
			if list, err := env.App.SearchConcerns(ctx, q("quillfeather")); err != nil || len(list) != 0 {
				t.Errorf("concerns found by a referral's word: %d, %v", len(list), err)
			}
			if list, err := env.App.SearchConcerns(ctx, q("larkspurton")); err != nil || len(list) != 0 {
				t.Errorf("concerns found by a communication's word: %d, %v", len(list), err)
			}
		}

		// The audit counts what each search showed, and holds no word.
		evs, err := s.QueryAudit(oak.Ctx, store.AuditFilter{Person: oak.Staff["dsl"].ID, ActionPrefix: "concern.", Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, e := range evs {
			if e.Action == app.AuditConcernsSearched && e.Detail["referrals"] == "2" && e.Detail["communications"] == "3" &&
				e.Detail["concerns"] == "0" && e.Detail["shown"] == "5" {
				found = true
			}
		}
		if !found {
			t.Error("no search event counts the 2 referrals and 3 communications found by marigoldsworth")
		}
		all, err := s.FindAudit(oak.Ctx, "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			text := strings.ToLower(e.Action + e.ObjectID + e.ObjectType + e.UserAgent)
			for k, v := range e.Detail {
				text += strings.ToLower(k + "=" + v)
			}
			for _, w := range []string{"marigoldsworth", "quillfeather", "larkspurton", "thistledown", "periwinkleton"} {
				if strings.Contains(text, w) {
					t.Errorf("audit event %s holds the word %s", e.Action, w)
				}
			}
		}
	})
}
