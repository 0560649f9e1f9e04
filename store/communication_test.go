package store_test

import (
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// commConcern saves a concern about pupil in category key of sc, with
// stand-in ciphertext, and returns it with the category's id.
func commConcern(t *testing.T, s *store.Store, sc *storetest.School, key string, pupil *vigil.Pupil) (*vigil.Concern, vigil.CategoryID) {
	t.Helper()
	cats, err := s.FindCategories(sc.Ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var cat vigil.CategoryID
	for _, c := range cats {
		if c.Key == key {
			cat = c.ID
		}
	}
	c := &vigil.Concern{ID: vigil.ConcernID(vigil.NewID()), OccurredAt: time.Now().Add(-time.Hour), ReportedBy: sc.Staff["teacher"].ID,
		Pupils: []vigil.ConcernPupil{{PupilID: pupil.ID, Part: vigil.PartSubject, Categories: []vigil.CategoryID{cat}}}}
	x := []byte("sealed")
	if err := s.CreateConcern(sc.Ctx, &store.SealedConcern{Concern: c, Location: x, Body: x, Agencies: x, BodyMap: x}); err != nil {
		t.Fatalf("create concern: %v", err)
	}
	return c, cat
}

func newComm(sc *storetest.School, pupil *vigil.Pupil, concern vigil.ConcernID, at time.Time, staff ...vigil.PersonID) *store.SealedCommunication {
	x := []byte("sealed")
	return &store.SealedCommunication{Communication: &vigil.Communication{ID: vigil.CommunicationID(vigil.NewID()), PupilID: pupil.ID,
		ConcernID: concern, With: vigil.CommWithPupil, Type: vigil.CommMeeting, OccurredAt: at, Staff: staff, RecordedBy: sc.Staff["dsl"].ID},
		WithName: x, WithDetail: x, Others: x, Body: x, Agreed: x}
}

func TestCommunicationStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := storetest.Seed(t, s)
		oak, elm := f.Oak, f.Elm
		amara, ben := oak.Pupils["amara"], oak.Pupils["ben"]
		aboutAmara, bullying := commConcern(t, s, oak, "bullying", amara)
		aboutBen, _ := commConcern(t, s, oak, "bullying", ben)
		now := time.Now().UTC().Truncate(time.Second)

		linked := newComm(oak, amara, aboutAmara.ID, now.Add(-2*time.Hour), oak.Staff["teacher"].ID, oak.Staff["dsl"].ID)
		unlinked := newComm(oak, amara, "", now.Add(-3*time.Hour))
		for _, c := range []*store.SealedCommunication{linked, unlinked} {
			if err := s.CreateCommunication(oak.Ctx, c); err != nil {
				t.Fatalf("create: %v", err)
			}
		}
		if unlinked.RecordedAt.IsZero() || unlinked.SchoolID != oak.ID {
			t.Fatalf("created %+v", unlinked.Communication)
		}
		for name, tc := range map[string]struct {
			c     *store.SealedCommunication
			field string
		}{
			"another pupil's concern": {newComm(oak, amara, aboutBen.ID, now), "concern_id"},
			"Elm's pupil":             {newComm(oak, elm.Pupils["bruno"], "", now), "pupil_id"},
			"a concern of no pupil":   {newComm(oak, amara, vigil.ConcernID(vigil.NewID()), now), "concern_id"},
		} {
			if err := s.CreateCommunication(oak.Ctx, tc.c); vigil.ErrorFields(err)[tc.field] == "" {
				t.Errorf("%s: %v, want a problem with %s", name, err, tc.field)
			}
		}
		if err := s.CreateCommunication(elm.Ctx, newComm(elm, amara, "", now)); vigil.ErrorFields(err)["pupil_id"] == "" {
			t.Errorf("Elm writes about Oak's pupil: %v", err)
		}

		ids := func(v store.CommunicationFilter) []vigil.CommunicationID {
			t.Helper()
			cs, err := s.FindCommunications(oak.Ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			var out []vigil.CommunicationID
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		sees := func(name string, got []vigil.CommunicationID, want ...*store.SealedCommunication) {
			t.Helper()
			ok := len(got) == len(want)
			for i := 0; ok && i < len(want); i++ {
				ok = got[i] == want[i].ID
			}
			if !ok {
				t.Errorf("%s sees %v, want %d", name, got, len(want))
			}
		}
		sees("the operator", ids(store.CommunicationFilter{Visibility: store.Visibility{All: true}}), unlinked, linked)
		sees("a DSL", ids(store.CommunicationFilter{Visibility: store.Visibility{ViewAll: []vigil.CategoryID{bullying}}, Unlinked: true}), unlinked, linked)
		sees("the pastoral lead", ids(store.CommunicationFilter{Visibility: store.Visibility{ViewAll: []vigil.CategoryID{bullying}}}), linked)
		sees("someone of other categories", ids(store.CommunicationFilter{Visibility: store.Visibility{ViewAll: []vigil.CategoryID{vigil.CategoryID(vigil.NewID())}}}))
		sees("no one", ids(store.CommunicationFilter{}))
		sees("about Ben", ids(store.CommunicationFilter{Visibility: store.Visibility{All: true}, Pupil: ben.ID}))
		sees("about one concern", ids(store.CommunicationFilter{Visibility: store.Visibility{All: true}, Concern: aboutAmara.ID}), linked)
		if cs, err := s.FindCommunications(elm.Ctx, store.CommunicationFilter{Visibility: store.Visibility{All: true}}); err != nil || len(cs) != 0 {
			t.Errorf("Elm sees %d of Oak's communications (%v)", len(cs), err)
		}

		got, err := s.FindCommunication(oak.Ctx, linked.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ConcernID != aboutAmara.ID || len(got.Staff) != 2 || got.Staff[0] != oak.Staff["teacher"].ID || got.StaffNames[1] != oak.Staff["dsl"].Name ||
			len(got.Categories) != 1 || got.Categories[0] != bullying || got.PupilName != "Amara Okafor" || string(got.Body) != "sealed" ||
			!got.OccurredAt.Equal(linked.OccurredAt) {
			t.Fatalf("found %+v", got.Communication)
		}
		for _, ctx := range []struct {
			name string
			s    *storetest.School
			id   vigil.CommunicationID
		}{{"Elm", elm, linked.ID}, {"missing", oak, vigil.CommunicationID(vigil.NewID())}, {"malformed", oak, "x' OR 1=1"}} {
			if _, err := s.FindCommunication(ctx.s.Ctx, ctx.id); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("%s: %v, want not found", ctx.name, err)
			}
		}

		// Documents come with one about a concern, and belong to that
		// concern; one about none takes none.
		doc := func() *store.SealedDocument {
			return &store.SealedDocument{Document: &vigil.Document{ID: vigil.DocumentID(vigil.NewID()), ContentType: "text/plain", Size: 5,
				UploadedBy: oak.Staff["dsl"].ID}, Key: []byte("k"), Name: []byte("n")}
		}
		if err := s.AddCommunicationDocument(oak.Ctx, unlinked.ID, doc()); vigil.ErrorFields(err)["files"] == "" {
			t.Errorf("a document on an unlinked communication: %v", err)
		}
		if err := s.AddCommunicationDocument(elm.Ctx, linked.ID, doc()); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("Elm adds a document: %v", err)
		}
		d := doc()
		if err := s.AddCommunicationDocument(oak.Ctx, linked.ID, d); err != nil {
			t.Fatal(err)
		}
		ds, err := s.FindCommunicationDocuments(oak.Ctx, linked.ID)
		if err != nil || len(ds) != 1 || ds[0].ID != d.ID || ds[0].ConcernID != aboutAmara.ID {
			t.Fatalf("communication documents: %v, %v", ds, err)
		}
		ds, err = s.FindDocuments(oak.Ctx, aboutAmara.ID)
		if err != nil || len(ds) != 1 || ds[0].ID != d.ID {
			t.Fatalf("the concern's documents: %v, %v", ds, err)
		}
	})
}
