package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// roll returns a complete batch of n pupils with MIS ids prefix-1...
func roll(prefix string, n int) *mis.Batch {
	b := &mis.Batch{Source: mis.SourceCSV, Complete: true}
	for i := 1; i <= n; i++ {
		rest := fmt.Sprintf("99021452%04d", i)[:12]
		p := &mis.Pupil{Ref: fmt.Sprintf("row %d", i+1), MISID: fmt.Sprintf("%s-%d", prefix, i), UPN: string(vigil.UPNCheckLetter(rest)) + rest,
			LegalForename: fmt.Sprintf("Pupil%d", i), LegalSurname: "Testwood", DateOfBirth: vigil.NewDate(2018, time.May, 1+i%28),
			YearGroup: "3", RegGroup: "3W"}
		p.SetKnown(mis.FieldUPN)
		p.SetKnown(mis.FieldYearGroup)
		p.SetKnown(mis.FieldRegGroup)
		yes := true
		p.ContactsKnown = true
		p.Contacts = []mis.Contact{{Forename: "Parent", Surname: fmt.Sprintf("Testwood%d", i), Relationship: "Mother", ParentalResponsibility: &yes, Priority: 1}}
		b.Pupils = append(b.Pupils, p)
	}
	return b
}

func auditCount(t *testing.T, s *store.Store, ctx context.Context, action string) int {
	t.Helper()
	evs, err := s.QueryAudit(ctx, store.AuditFilter{ActionPrefix: "mis.", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

func TestImportBatchIsIdempotentAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		// In November, outside the summer's leavers.
		env.Advance(time.Until(time.Date(time.Now().Year()+1, time.November, 20, 12, 0, 0, 0, time.UTC)))
		f := env.Fixtures
		admin := as(t, s, f.Oak, "admin")

		// A dry run writes only the history.
		res, err := env.App.ImportBatch(admin, roll("R", 5), app.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sync.Added != 5 || !res.Sync.DryRun || !strings.Contains(res.Sync.Message, "confirming the leavers") {
			t.Fatalf("dry run: %+v", res.Sync)
		}
		if _, n, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusAll, Query: "Testwood"}); n != 0 {
			t.Fatalf("a dry run added %d pupils", n)
		}

		// The seed's on-roll pupils are not in this roll: the run would
		// take more than a tenth of the roll off, so it needs confirming.
		if _, err := env.App.ImportBatch(admin, roll("R", 5), app.ImportOptions{}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("marking most of the roll as left without confirming: %v", err)
		}
		res, err = env.App.ImportBatch(admin, roll("R", 5), app.ImportOptions{ConfirmLeavers: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Sync.Added != 5 || res.Sync.Left == 0 || res.Sync.ContactsChanged != 5 {
			t.Fatalf("first import: %+v", res.Sync)
		}
		imported := auditCount(t, s, admin, app.AuditMISImported)
		changed := auditCount(t, s, admin, app.AuditMISPupilChanged)
		if imported != 1 || changed != res.Sync.Left {
			t.Errorf("audit after the first import: %d imports, %d pupil changes (left %d)", imported, changed, res.Sync.Left)
		}

		// The same roll again changes and audits nothing.
		res, err = env.App.ImportBatch(admin, roll("R", 5), app.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if y := res.Sync; y.Added+y.Changed+y.Left+y.ContactsChanged != 0 {
			t.Errorf("the same roll again: %+v", y)
		}
		if auditCount(t, s, admin, app.AuditMISImported) != imported || auditCount(t, s, admin, app.AuditMISPupilChanged) != changed {
			t.Error("importing the same roll again was audited")
		}

		// The seed's leavers keep their records: nobody was deleted.
		if _, err := s.FindPupilByID(admin, f.Oak.Pupils["amara"].ID); err != nil {
			t.Errorf("a pupil missing from the roll is gone: %v", err)
		}
		history, err := env.App.MISSyncs(admin, 10)
		if err != nil || len(history) != 4 {
			t.Fatalf("history: %d syncs, %v", len(history), err)
		}
		if history[0].Status != store.SyncDone || history[2].Status != store.SyncRefused {
			t.Errorf("history statuses: %s, %s", history[0].Status, history[2].Status)
		}
	})
}

func TestImportBatchWithAProblemWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		admin := as(t, s, env.Fixtures.Oak, "admin")
		b := roll("P", 4)
		b.Complete = false
		b.Pupils[2].YearGroup = "Year Twelve and a half"
		_, err := env.App.ImportBatch(admin, b, app.ImportOptions{})
		var pe *mis.ProblemError
		if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].Ref != "row 4" {
			t.Fatalf("err = %v", err)
		}
		if _, n, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusAll, Query: "Testwood"}); n != 0 {
			t.Errorf("a refused import added %d pupils", n)
		}
		history, _ := env.App.MISSyncs(admin, 1)
		if len(history) != 1 || history[0].Status != store.SyncRefused || history[0].Problems != 1 || len(history[0].Report.Problems) != 1 {
			t.Errorf("history of the refused import: %+v", history)
		}
	})
}

func TestImportNeedsSettingsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		for _, key := range []string{"teacher", "dsl"} {
			if _, err := env.App.ImportBatch(as(t, s, env.Fixtures.Oak, key), roll("X", 1), app.ImportOptions{}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s importing: %v", key, err)
			}
		}
	})
}

func TestImportRenameAndReturn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		admin := as(t, s, env.Fixtures.Oak, "admin")
		b := roll("N", 2)
		b.Complete = false
		if _, err := env.App.ImportBatch(admin, b, app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		list, _, _ := s.FindPupils(admin, vigil.PupilFilter{Query: "Pupil1 Testwood"})
		if len(list) != 1 {
			t.Fatalf("found %d", len(list))
		}
		before := list[0]

		// Renamed, and (by the MIS) left yesterday.
		b2 := roll("N", 1)
		b2.Complete = false
		b2.Pupils[0].LegalSurname = "Brightwater"
		b2.Pupils[0].LeavingDate = vigil.DateOf(time.Now().AddDate(0, 0, -1))
		if _, err := env.App.ImportBatch(admin, b2, app.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		after, err := s.FindPupilByID(admin, before.ID)
		if err != nil || after.LegalSurname != "Brightwater" || after.OnRoll || after.LeftReason != vigil.LeftByMIS {
			t.Fatalf("after: %+v, %v", after, err)
		}
		names, _ := s.FindPupilNames(admin, before.ID)
		if len(names) != 1 || names[0].LegalSurname != "Testwood" {
			t.Errorf("earlier names: %+v", names)
		}
		// Still found by the old name.
		if _, n, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusAll, Query: "Pupil1 Testwood"}); n != 1 {
			t.Errorf("search by the earlier name found %d", n)
		}

		// Back on the MIS's roll: matched back, on roll again.
		b3 := roll("N", 1)
		b3.Complete = false
		b3.Pupils[0].LegalSurname = "Brightwater"
		res, err := env.App.ImportBatch(admin, b3, app.ImportOptions{})
		if err != nil || res.Sync.Returned != 1 || res.Sync.Added != 0 {
			t.Fatalf("return: %+v, %v", res, err)
		}
		// The earlier time on roll is kept.
		details, err := env.App.Pupil(admin, before.ID)
		if err != nil || len(details.Enrolments) != 1 || details.Enrolments[0].LeftOn != after.LeftOn || !details.Pupil.OnRoll {
			t.Fatalf("after returning: %+v, %v", details, err)
		}
	})
}

// Two imports of one school at once (the nightly job and "sync now", say)
// run one after the other: neither adds a pupil the other added.
func TestConcurrentImportsDoNotDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		admin := as(t, s, env.Fixtures.Oak, "admin")
		for round := range 3 {
			b := roll(fmt.Sprintf("C%d", round), 30)
			b.Complete = false
			for i, p := range b.Pupils {
				p.MISID = "" // matched by UPN only, the harder case
				rest := fmt.Sprintf("9902145%d%04d", round, i)
				p.UPN = string(vigil.UPNCheckLetter(rest)) + rest
			}
			errs := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := env.App.ImportBatch(admin, b, app.ImportOptions{})
					errs <- err
				}()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, n, _ := s.FindPupils(admin, vigil.PupilFilter{Status: vigil.StatusAll, Query: "Testwood"}); n != 90 {
			t.Fatalf("%d pupils after three rounds of two concurrent imports of 30, want 90", n)
		}
	})
}
