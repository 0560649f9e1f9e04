package mis_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

var today = vigil.NewDate(2026, time.November, 23)

// upn returns a valid UPN with serial n.
func upn(n int) string {
	rest := fmt.Sprintf("99021452%03d%d", n%1000, n/1000%10)
	return string(vigil.UPNCheckLetter(rest)) + rest
}

func source(mis_ string, n int, forename, surname string) *mis.Pupil {
	p := &mis.Pupil{Ref: fmt.Sprintf("row %d", n+1), MISID: mis_, UPN: upn(n), LegalForename: forename, LegalSurname: surname,
		DateOfBirth: vigil.NewDate(2017, time.March, 1+n%28), YearGroup: "4", RegGroup: "4B"}
	for _, f := range []string{mis.FieldUPN, mis.FieldYearGroup, mis.FieldRegGroup, mis.FieldSex} {
		p.SetKnown(f)
	}
	return p
}

// applyPlan does to held what a store would, giving new pupils IDs.
func applyPlan(held []*vigil.Pupil, plan *mis.Plan) []*vigil.Pupil {
	out := slices.Clone(held)
	for _, p := range plan.Add {
		p.ID = vigil.PupilID(vigil.NewID())
		out = append(out, p)
	}
	for _, list := range [][]*mis.Change{plan.Change, plan.Leave} {
		for _, c := range list {
			i := slices.Index(out, c.Old)
			c.New.ID = c.Old.ID
			out[i] = c.New
		}
	}
	return out
}

func TestPlanAddsThenChangesNothing(t *testing.T) {
	b := &mis.Batch{Source: mis.SourceCSV, Complete: true, Pupils: []*mis.Pupil{
		source("A1", 1, "Ada", "Oakhollow"), source("A2", 2, "Ben", "Oakhollow"),
	}}
	plan := mis.PlanPupils(nil, nil, b, today)
	if len(plan.Problems) > 0 || len(plan.Add) != 2 || len(plan.Change)+len(plan.Leave) != 0 {
		t.Fatalf("first plan: %d added, %d changed, %d left, problems %v", len(plan.Add), len(plan.Change), len(plan.Leave), plan.Problems)
	}
	held := applyPlan(nil, plan)
	again := mis.PlanPupils(held, nil, b, today)
	if !again.Empty() || again.Unchanged != 2 {
		t.Errorf("the same batch again: empty %v, unchanged %d, added %d, changed %d", again.Empty(), again.Unchanged, len(again.Add), len(again.Change))
	}
}

func TestPlanMatchesByUPNWhenMISIDsChange(t *testing.T) {
	// A school moving from one MIS to another gets new MIS ids: UPNs carry
	// the pupils over, so nobody is added twice or marked as left.
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Complete: true, Pupils: []*mis.Pupil{source("SIMS-1", 1, "Ada", "Oak")}}, today))
	moved := source("ARBOR-9", 1, "Ada", "Oak")
	plan := mis.PlanPupils(held, nil, &mis.Batch{Complete: true, Pupils: []*mis.Pupil{moved}}, today)
	if len(plan.Add) != 0 || len(plan.Leave) != 0 || len(plan.Change) != 1 || plan.Change[0].New.MISID != "ARBOR-9" || plan.Change[0].Old.ID != held[0].ID {
		t.Fatalf("plan after an MIS move: added %d, left %d, changes %+v", len(plan.Add), len(plan.Leave), plan.Change)
	}
}

func TestPlanRenameKeepsPupilAndOldName(t *testing.T) {
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oakhollow")}}, today))
	renamed := source("A1", 1, "Ada", "Brightwater")
	plan := mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{renamed}}, today)
	if len(plan.Change) != 1 || !plan.Change[0].Renamed || plan.Change[0].Old.ID != held[0].ID {
		t.Fatalf("rename plan: %+v", plan.Change)
	}
	if got := plan.Change[0].New.FormerNames; !strings.Contains(got, "Oakhollow") {
		t.Errorf("former names %q do not keep the old surname", got)
	}
	if !slices.Equal(plan.Change[0].Fields, []string{"name"}) {
		t.Errorf("fields changed = %v, want only name", plan.Change[0].Fields)
	}
}

func TestPlanLeaversAndReturners(t *testing.T) {
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Complete: true, Pupils: []*mis.Pupil{
		source("A1", 1, "Ada", "Oak"), source("A2", 2, "Ben", "Oak"), source("A3", 3, "Cal", "Elm")}}, today))

	// Cal is missing from a complete roll; Ben's row has a leaving date.
	ben := source("A2", 2, "Ben", "Oak")
	ben.LeavingDate = vigil.NewDate(2026, time.November, 20)
	ben.SetKnown(mis.FieldLeaving)
	plan := mis.PlanPupils(held, nil, &mis.Batch{Complete: true, Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oak"), ben}}, today)
	if plan.Left() != 2 || len(plan.Leave) != 1 || plan.Leave[0].New.LeftReason != vigil.LeftAbsent || plan.Leave[0].New.LeftOn != today {
		t.Fatalf("leavers: left %d, leave %+v", plan.Left(), plan.Leave)
	}
	if len(plan.Change) != 1 || !plan.Change[0].Left || plan.Change[0].New.LeftOn != ben.LeavingDate || plan.Change[0].New.LeftReason != vigil.LeftByMIS {
		t.Fatalf("Ben's change: %+v", plan.Change)
	}
	held = applyPlan(held, plan)

	// A partial batch (a CTF, a delta) never marks anyone as left.
	if p := mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oak")}}, today); p.Left() != 0 {
		t.Errorf("a partial batch marked %d as left", p.Left())
	}

	// Cal comes back, under a new MIS id: matched by UPN, back on roll.
	cal := source("A9", 3, "Cal", "Elm")
	plan = mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{cal}}, today)
	if plan.Returned() != 1 || len(plan.Add) != 0 || !plan.Change[0].New.OnRoll || !plan.Change[0].New.LeftOn.IsZero() {
		t.Fatalf("returning pupil: returned %d, added %d, changes %+v", plan.Returned(), len(plan.Add), plan.Change)
	}
}

func TestPlanTwinsAreTwoPupils(t *testing.T) {
	a, b := source("T1", 7, "Sam", "Reed"), source("T2", 8, "Sam", "Reed")
	b.DateOfBirth = a.DateOfBirth
	plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{a, b}}, today)
	if len(plan.Add) != 2 || len(plan.Problems) != 0 {
		t.Fatalf("twins: added %d, problems %v", len(plan.Add), plan.Problems)
	}
}

func TestPlanTwoRowsOnePupilIsAProblem(t *testing.T) {
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oak")}}, today))
	dup := source("", 1, "Ada", "Oak") // the same UPN, another row
	dup.Ref = "row 9"
	plan := mis.PlanPupils(held, nil, &mis.Batch{Complete: true, Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oak"), dup}}, today)
	if len(plan.Problems) != 1 || plan.Problems[0].Ref != "row 9" || plan.Left() != 0 {
		t.Fatalf("problems = %v, left = %d", plan.Problems, plan.Left())
	}
}

func TestPlanUnknownFlagIsLeftAlone(t *testing.T) {
	first := source("A1", 1, "Ada", "Oak")
	first.SetFlag(vigil.FlagFSM, true)
	first.SetFlag(vigil.FlagEAL, true)
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{first}}, today))

	// The next source shares EAL (now clear) and says nothing of FSM.
	next := source("A1", 1, "Ada", "Oak")
	next.SetFlag(vigil.FlagEAL, false)
	plan := mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{next}}, today)
	if len(plan.Change) != 1 {
		t.Fatalf("changes = %d", len(plan.Change))
	}
	if p := plan.Change[0].New; !p.Flags[vigil.FlagFSM] || p.Flags[vigil.FlagEAL] {
		t.Errorf("flags after = %v, want FSM kept and EAL cleared", p.Flags)
	}
}

func TestPlanContacts(t *testing.T) {
	yes := true
	in := source("A1", 1, "Ada", "Oak")
	in.ContactsKnown = true
	in.Contacts = []mis.Contact{{Forename: "Dev", Surname: "Oak", Relationship: "Father", ParentalResponsibility: &yes, Priority: 1, Email: "Dev@Example.org"}}
	plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{in}}, today)
	if len(plan.Contacts) != 1 || plan.Contacts[0].Pupil != plan.Add[0] || plan.Contacts[0].Contacts[0].Email != "dev@example.org" {
		t.Fatalf("contacts for a new pupil: %+v", plan.Contacts)
	}
	held := applyPlan(nil, plan)
	have := map[vigil.PupilID][]*vigil.Contact{held[0].ID: plan.Contacts[0].Contacts}
	if again := mis.PlanPupils(held, have, &mis.Batch{Pupils: []*mis.Pupil{in}}, today); !again.Empty() {
		t.Errorf("the same contacts again planned %d contact sets", len(again.Contacts))
	}

	// A contacts export names pupils by id only; one Vigil lacks is a problem.
	only := &mis.Pupil{Ref: "row 3", MISID: "NOPE", ContactsKnown: true}
	if p := mis.PlanPupils(held, have, &mis.Batch{Pupils: []*mis.Pupil{only}}, today); len(p.Problems) != 1 {
		t.Errorf("contacts for an unknown pupil: problems %v", p.Problems)
	}
}

func TestPlanInvalidPupilNamesRowAndField(t *testing.T) {
	bad := source("A1", 1, "Ada", "Oak")
	bad.YearGroup = "Year Twelve and a half"
	plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{bad}}, today)
	if len(plan.Problems) != 1 || plan.Problems[0].Ref != "row 2" || plan.Problems[0].Column != "year_group" {
		t.Fatalf("problems = %+v", plan.Problems)
	}
	if strings.Contains(plan.Problems.Err().Error(), "Twelve") {
		t.Errorf("the problem repeats the value: %v", plan.Problems.Err())
	}
}

func TestPlanWarnsOfAWrongCheckLetter(t *testing.T) {
	p := source("A1", 1, "Ada", "Oak")
	good := p.UPN
	p.UPN = string("ABCDEFGHJKLMNPQRTUVWXYZ"[(strings.IndexByte("ABCDEFGHJKLMNPQRTUVWXYZ", good[0])+1)%23]) + good[1:]
	plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{p}}, today)
	if len(plan.Problems) != 0 || len(plan.Add) != 1 || len(plan.Warnings) != 1 || plan.Warnings[0].Ref != "row 2" {
		t.Fatalf("problems %v, added %d, warnings %v", plan.Problems, len(plan.Add), plan.Warnings)
	}
	p.UPN = good
	if plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{p}}, today); len(plan.Warnings) != 0 {
		t.Errorf("a good UPN warned: %v", plan.Warnings)
	}
}

func TestPlanNeverMergesAnotherChild(t *testing.T) {
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{
		source("1234", 1, "Ada", "Oak"), source("5678", 2, "Ben", "Elm")}}, today))
	held[0].OnRoll, held[0].LeftOn = false, vigil.NewDate(2025, time.July, 20)

	// A new MIS reuses Ada's old id for another child: other UPN, other
	// date of birth.
	other := source("1234", 9, "Cy", "Ash")
	other.DateOfBirth = vigil.NewDate(2019, time.January, 2)
	plan := mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{other}}, today)
	if len(plan.Problems) != 1 || len(plan.Change) != 0 {
		t.Fatalf("a reused id: problems %v, changes %d", plan.Problems, len(plan.Change))
	}

	// A row with Ada's MIS id and Ben's UPN.
	mixed := source("1234", 2, "Ada", "Oak")
	plan = mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{mixed}}, today)
	if len(plan.Problems) != 1 || len(plan.Change) != 0 {
		t.Fatalf("a row mixing two pupils: problems %v, changes %d", plan.Problems, len(plan.Change))
	}

	// A corrected UPN (same date of birth) is a change, not a problem.
	fixed := source("1234", 7, "Ada", "Oak")
	fixed.DateOfBirth = held[0].DateOfBirth
	plan = mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{fixed}}, today)
	if len(plan.Problems) != 0 || len(plan.Change) != 1 || !slices.Contains(plan.Change[0].New.FormerUPNs, held[0].UPN) {
		t.Fatalf("a corrected UPN: problems %v, changes %+v", plan.Problems, plan.Change)
	}
}

func TestPlanTwoNewPupilsWithOneKey(t *testing.T) {
	a, b := source("N1", 1, "Ada", "Oak"), source("N1", 2, "Ben", "Elm")
	if plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{a, b}}, today); len(plan.Problems) != 1 || plan.Problems[0].Ref != b.Ref {
		t.Errorf("two new pupils with one MIS id: %v", plan.Problems)
	}
	c, d := source("N1", 3, "Ada", "Oak"), source("N2", 3, "Ben", "Elm")
	if plan := mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{c, d}}, today); len(plan.Problems) != 1 {
		t.Errorf("two new pupils with one UPN: %v", plan.Problems)
	}
}

func TestPlanKeepsTheBatchsWarnings(t *testing.T) {
	b := &mis.Batch{Pupils: []*mis.Pupil{source("A1", 1, "Ada", "Oak")}, Warnings: mis.Problems{{Column: "DestSchool", Message: "elsewhere"}}}
	if plan := mis.PlanPupils(nil, nil, b, today); len(plan.Warnings) != 1 || plan.Warnings[0].Column != "DestSchool" || len(plan.Add) != 1 {
		t.Errorf("warnings %v, added %d", plan.Warnings, len(plan.Add))
	}
}

func TestPlanMarksPupilsRemovedAtSource(t *testing.T) {
	a, b := source("A1", 1, "Ada", "Oak"), source("A2", 2, "Ben", "Elm")
	a.SourceID, b.SourceID = "W1", "W2"
	held := applyPlan(nil, mis.PlanPupils(nil, nil, &mis.Batch{Pupils: []*mis.Pupil{a, b}}, today))
	plan := mis.PlanPupils(held, nil, &mis.Batch{Removed: []string{"W2", "W9"}}, today)
	if len(plan.Leave) != 1 || plan.Leave[0].Old.SourceID != "W2" || plan.Leave[0].New.LeftReason != vigil.LeftAbsent {
		t.Fatalf("removed at source: %+v", plan.Leave)
	}
	// Listed again in the same batch: not removed after all.
	if plan := mis.PlanPupils(held, nil, &mis.Batch{Pupils: []*mis.Pupil{b}, Removed: []string{"W2"}}, today); len(plan.Leave) != 0 {
		t.Errorf("a pupil both listed and removed was marked as left")
	}
}
