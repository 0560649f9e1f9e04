package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/ctf"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions of MIS imports and syncs. Their details are counts and
// field names, never a pupil's data.
const (
	AuditMISImported     = "mis.imported"      // a sync or import changed the roll
	AuditMISPupilChanged = "mis.pupil_changed" // one existing pupil changed by a sync
	AuditMISLinked       = "mis.linked"        // the MIS connector was set or removed
	AuditMISSyncQueued   = "mis.sync_queued"   // someone asked for a sync now
	AuditMISCTFExported  = "mis.ctf_exported"  // a leaver's CTF was exported
)

func init() {
	auditLabels[AuditMISImported] = "Imported pupils from the MIS"
	auditLabels[AuditMISPupilChanged] = "Updated a pupil from the MIS"
	auditLabels[AuditMISLinked] = "Changed the MIS link"
	auditLabels[AuditMISSyncQueued] = "Asked for an MIS sync"
	auditLabels[AuditMISCTFExported] = "Exported a leaver's CTF"
}

// LeaverShare is the share of the roll a sync may mark as left outside the
// summer without someone confirming it: more looks like a broken export.
const LeaverShare = 0.10

// ImportOptions says how to run an import.
type ImportOptions struct {
	// DryRun makes the plan and reports it, writing only the history.
	DryRun bool
	// ConfirmLeavers lets a run mark more than LeaverShare of the roll as
	// left outside July to September.
	ConfirmLeavers bool
	// Progress, if set, hears each stage ("reading", "matching",
	// "saving") with a count done and a total (0 when unknown).
	Progress func(stage string, done, total int)
}

func (o *ImportOptions) progress(stage string, done, total int) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// ImportResult is what an import did, or in a dry run would do.
type ImportResult struct {
	Sync *store.MISSync
	Plan *mis.Plan
	// Warning says why the import, run for real, would wait for
	// confirmation; set on dry runs only.
	Warning string
}

// ImportBatch brings a batch read from the MIS into the actor's school:
// it matches pupils, adds new ones, updates changed ones, marks those
// missing from a complete roll as left (never deleting anyone) and
// replaces contacts the MIS sends. Everything is written in one
// transaction, or nothing: a batch with a problem (a row matching a pupil
// another row matched, a value the pupil record refuses) writes nothing
// and returns the problems as a *mis.ProblemError. Each run, dry or not,
// is kept in the school's sync history.
//
// Importing the same data twice changes nothing and audits nothing the
// second time.
func (a *App) ImportBatch(ctx context.Context, b *mis.Batch, opt ImportOptions) (*ImportResult, error) {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return nil, err
	}
	mode := "partial"
	if b.Complete {
		mode = "full"
	}
	if b.Source == mis.SourceWonde && !b.Complete {
		mode = "delta"
	}
	y := &store.MISSync{Source: b.Source, Mode: mode, DryRun: opt.DryRun, StartedBy: act.PersonID}
	if err := a.Store.StartMISSync(ctx, y); err != nil {
		return nil, err
	}
	res, err := a.importBatch(ctx, b, opt, y)
	if err != nil {
		a.finishFailedSync(ctx, y, b.Ignored, err)
		return &ImportResult{Sync: y}, err
	}
	return res, nil
}

// RecordRefusedImport keeps in the sync history a file that could not be
// read (err, usually a *mis.ProblemError naming every problem), so the
// history shows every attempt and why it changed nothing.
func (a *App) RecordRefusedImport(ctx context.Context, source string, dryRun bool, err error) error {
	act := vigil.ActorFrom(ctx)
	if cerr := authz.Check(act, authz.ManageMIS); cerr != nil {
		return cerr
	}
	y := &store.MISSync{Source: source, Mode: "partial", DryRun: dryRun, StartedBy: act.PersonID}
	if serr := a.Store.StartMISSync(ctx, y); serr != nil {
		return serr
	}
	a.finishFailedSync(ctx, y, nil, err)
	return nil
}

// finishFailedSync records in the history why a sync wrote nothing.
func (a *App) finishFailedSync(ctx context.Context, y *store.MISSync, ignored []string, err error) {
	var pe *mis.ProblemError
	switch {
	case errors.As(err, &pe):
		y.Status, y.Problems = store.SyncRefused, len(pe.Problems)
		y.Report = &store.SyncReport{Problems: capProblems(pe.Problems), Ignored: ignored}
		y.Message = fmt.Sprintf("Nothing was imported: %d problem%s to fix.", len(pe.Problems), plural(len(pe.Problems)))
	case vigil.ErrorCode(err) == vigil.EINVALID || vigil.ErrorCode(err) == vigil.ECONFLICT:
		y.Status, y.Message = store.SyncRefused, vigil.ErrorMessage(err)
	case y.Source == mis.SourceWonde:
		y.Status, y.Message = store.SyncFailed, connectorMessage(err)
	default:
		a.Log.Error("MIS import", "sync", y.ID, "err", err)
		y.Status, y.Message = store.SyncFailed, "The import failed and nothing was imported."
	}
	if ferr := a.Store.FinishMISSync(context.WithoutCancel(ctx), y); ferr != nil {
		a.Log.Error("record failed MIS sync", "err", ferr)
	}
}

// capProblems keeps the history's report a readable size.
func capProblems(ps mis.Problems) []mis.Problem {
	const most = 500
	if len(ps) > most {
		out := append([]mis.Problem(nil), ps[:most]...)
		return append(out, mis.Problem{Message: fmt.Sprintf("And %d more problems.", len(ps)-most)})
	}
	return ps
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (a *App) importBatch(ctx context.Context, b *mis.Batch, opt ImportOptions, y *store.MISSync) (*ImportResult, error) {
	loc := a.location(ctx)
	now := a.Now().In(loc)
	today := vigil.DateOf(now)
	var res *ImportResult
	// One transaction reads, plans and writes, after taking the school's
	// sync lock: two syncs of one school (the nightly job, "sync now", the
	// command line) run one after the other, each planning from what the
	// one before wrote. A dry run reads and writes only its history.
	run := a.Store.RunInTx
	if opt.DryRun {
		run = func(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
	}
	err := run(ctx, func(ctx context.Context) error {
		if !opt.DryRun {
			if err := a.Store.LockSchoolWork(ctx, "mis.sync"); err != nil {
				return err
			}
		}
		var err error
		res, err = a.planAndApply(ctx, b, opt, y, now, today)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// guardLeavers says why a run taking pupils off roll should wait for a
// person, or nil. Outside July to September, more than LeaverShare of the
// roll looks like a partial export; at any time of year, more than a
// quarter of the roll, or a "whole roll" with under half the pupils on
// roll, looks like a filtered export or a connector that lost its scopes.
func guardLeavers(plan *mis.Plan, complete bool, onRoll int, now time.Time) error {
	left := len(plan.Leave)
	if left == 0 || onRoll == 0 {
		return nil
	}
	summer := now.Month() >= time.July && now.Month() <= time.September
	share := float64(left) / float64(onRoll)
	switch {
	case share > 0.25 || complete && plan.Seen < onRoll/2:
	case share > LeaverShare && !summer:
	default:
		return nil
	}
	// On the confirm_leavers field: the command line names its flag, the
	// form marks its tick box.
	return vigil.FieldError("confirm_leavers", fmt.Sprintf("This would mark %d of the %d pupils on roll as left. "+
		"Check the export is the whole roll, then run it again confirming the leavers.", left, onRoll))
}

func (a *App) planAndApply(ctx context.Context, b *mis.Batch, opt ImportOptions, y *store.MISSync, now time.Time, today vigil.Date) (*ImportResult, error) {
	opt.progress("matching", 0, len(b.Pupils))
	existing, _, err := a.Store.FindPupils(ctx, vigil.PupilFilter{Status: vigil.StatusAll})
	if err != nil {
		return nil, err
	}
	contacts, err := a.Store.FindAllContacts(ctx)
	if err != nil {
		return nil, err
	}
	plan := mis.PlanPupils(existing, contacts, b, today)
	if err := plan.Problems.Err(); err != nil {
		return nil, err
	}
	staff, err := a.planStaff(ctx, b, today)
	if err != nil {
		return nil, err
	}
	opt.progress("matching", len(b.Pupils), len(b.Pupils))

	onRoll := 0
	for _, p := range existing {
		if p.OnRoll {
			onRoll++
		}
	}
	guard := guardLeavers(plan, b.Complete, onRoll, now)
	if opt.ConfirmLeavers {
		guard = nil
	}
	if guard != nil && !opt.DryRun {
		return nil, guard
	}

	y.Seen, y.Added, y.Changed, y.Left, y.Returned = plan.Seen, len(plan.Add), len(plan.Change), plan.Left(), plan.Returned()
	y.ContactsChanged = len(plan.Contacts)
	y.StaffAdded, y.StaffChanged, y.StaffLeft = len(staff.Add), len(staff.Change), len(staff.Leave)
	y.Report = &store.SyncReport{Ignored: b.Ignored, Warnings: capProblems(plan.Warnings)}
	for _, c := range plan.Leave {
		y.Report.Leavers = append(y.Report.Leavers, c.Old.ID)
	}
	for _, c := range plan.Change {
		if c.Left {
			y.Report.Leavers = append(y.Report.Leavers, c.Old.ID)
		}
	}
	y.Status = store.SyncDone
	y.Message = syncSummary(y)
	res := &ImportResult{Sync: y, Plan: plan}
	if guard != nil {
		y.Message += " " + vigil.ErrorMessage(guard)
		res.Warning = vigil.ErrorMessage(guard)
	}
	if opt.DryRun || (plan.Empty() && staff.Empty()) {
		if err := a.Store.FinishMISSync(ctx, y); err != nil {
			return nil, err
		}
		return res, nil
	}

	total := len(plan.Add) + len(plan.Change) + len(plan.Leave)
	opt.progress("saving", 0, total)
	if err := a.Store.ApplyPupilPlan(ctx, plan); err != nil {
		return nil, err
	}
	if err := a.Store.ApplyStaffPlan(ctx, staff); err != nil {
		return nil, err
	}
	// One event for the run; one per existing pupil changed, naming the
	// fields (contacts among them), so a pupil's audit trail shows what
	// the MIS did. New pupils are counted in the run's event.
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditMISImported, ObjectType: "mis_sync", ObjectID: y.ID, Detail: map[string]string{
		"source": b.Source, "mode": y.Mode, "added": itoa(y.Added), "changed": itoa(y.Changed), "left": itoa(y.Left),
		"returned": itoa(y.Returned), "contacts": itoa(y.ContactsChanged), "staff_added": itoa(y.StaffAdded),
		"staff_changed": itoa(y.StaffChanged), "staff_left": itoa(y.StaffLeft)}}); err != nil {
		return nil, err
	}
	fields := map[vigil.PupilID][]string{}
	var order []vigil.PupilID
	for _, list := range [][]*mis.Change{plan.Change, plan.Leave} {
		for _, c := range list {
			order = append(order, c.Old.ID)
			fields[c.Old.ID] = c.Fields
		}
	}
	added := map[*vigil.Pupil]bool{}
	for _, p := range plan.Add {
		added[p] = true
	}
	for _, set := range plan.Contacts {
		if added[set.Pupil] {
			continue
		}
		if _, ok := fields[set.Pupil.ID]; !ok {
			order = append(order, set.Pupil.ID)
		}
		fields[set.Pupil.ID] = append(fields[set.Pupil.ID], "contacts")
	}
	for _, id := range order {
		if err := a.audit(ctx, vigil.AuditEvent{Action: AuditMISPupilChanged, ObjectType: "pupil", ObjectID: string(id),
			PupilID: id, Detail: map[string]string{"sync": y.ID, "fields": strings.Join(fields[id], " ")}}); err != nil {
			return nil, err
		}
	}
	if err := a.Store.FinishMISSync(ctx, y); err != nil {
		return nil, err
	}
	opt.progress("saving", total, total)
	return res, nil
}

// syncSummary says what a sync did in a line.
func syncSummary(y *store.MISSync) string {
	verb := "Added"
	if y.DryRun {
		verb = "Would add"
	}
	parts := []string{fmt.Sprintf("%s %d pupil%s", verb, y.Added, plural(y.Added)), fmt.Sprintf("changed %d", y.Changed),
		fmt.Sprintf("marked %d as left", y.Left)}
	if y.Returned > 0 {
		parts = append(parts, fmt.Sprintf("%d returned", y.Returned))
	}
	if y.ContactsChanged > 0 {
		parts = append(parts, fmt.Sprintf("updated the contacts of %d", y.ContactsChanged))
	}
	if y.StaffAdded+y.StaffChanged+y.StaffLeft > 0 {
		parts = append(parts, fmt.Sprintf("staff: %d new, %d changed, %d gone from the MIS", y.StaffAdded, y.StaffChanged, y.StaffLeft))
	}
	return strings.Join(parts, ", ") + "."
}

// planStaff diffs the batch's staff against the school's MIS staff list.
// Staff are matched by connector id, MIS id, then work email. Someone the
// MIS no longer lists (in a complete list) or lists as not current is
// marked as gone; their Vigil account is left for an admin to deactivate.
func (a *App) planStaff(ctx context.Context, b *mis.Batch, today vigil.Date) (*store.StaffPlan, error) {
	plan := &store.StaffPlan{}
	if len(b.Staff) == 0 && !b.StaffComplete {
		return plan, nil
	}
	have, err := a.Store.FindMISStaff(ctx)
	if err != nil {
		return nil, err
	}
	bySource, byMIS, byEmail := map[string]*store.MISStaff{}, map[string]*store.MISStaff{}, map[string]*store.MISStaff{}
	for _, m := range have {
		if m.SourceID != "" {
			bySource[m.SourceID] = m
		}
		if m.MISID != "" {
			byMIS[m.MISID] = m
		}
		byEmail[m.Email] = m
	}
	var problems mis.Problems
	seen := map[string]bool{}
	emails := map[string]string{}
	for _, in := range b.Staff {
		email := vigil.NormalizeEmail(in.Email)
		if msg := vigil.ValidateEmail(email); email == "" || msg != "" {
			problems.Add(in.Ref, "email", "A member of staff needs a valid work email: it is how they are matched to their Vigil account.")
			continue
		}
		if first, ok := emails[email]; ok {
			problems.Add(in.Ref, "email", "The same work email as %s.", first)
			continue
		}
		emails[email] = in.Ref
		var old *store.MISStaff
		switch {
		case in.SourceID != "" && bySource[in.SourceID] != nil:
			old = bySource[in.SourceID]
		case in.MISID != "" && byMIS[in.MISID] != nil:
			old = byMIS[in.MISID]
		default:
			old = byEmail[email]
		}
		m := &store.MISStaff{SourceID: in.SourceID, MISID: in.MISID, Title: strings.TrimSpace(in.Title), Forename: strings.TrimSpace(in.Forename),
			Surname: strings.TrimSpace(in.Surname), Email: email, JobTitle: strings.TrimSpace(in.JobTitle), StaffCode: strings.TrimSpace(in.StaffCode),
			Current: in.Current}
		if in.Teaching != nil {
			m.Teaching.Bool, m.Teaching.Valid = *in.Teaching, true
		}
		if !m.Current {
			m.LeftOn = today
		}
		if old == nil {
			plan.Add = append(plan.Add, m)
			continue
		}
		seen[old.ID] = true
		m.ID = old.ID
		if m.SourceID == "" {
			m.SourceID = old.SourceID
		}
		if m.MISID == "" {
			m.MISID = old.MISID
		}
		if !m.Current && !old.Current {
			m.LeftOn = old.LeftOn
		}
		if sameStaff(old, m) {
			continue
		}
		if old.Current && !m.Current {
			plan.Leave = append(plan.Leave, m)
		} else {
			plan.Change = append(plan.Change, m)
		}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	if b.StaffComplete {
		for _, old := range have {
			if seen[old.ID] || !old.Current {
				continue
			}
			m := *old
			m.Current, m.LeftOn = false, today
			plan.Leave = append(plan.Leave, &m)
		}
	}
	return plan, nil
}

func sameStaff(a, b *store.MISStaff) bool {
	return a.SourceID == b.SourceID && a.MISID == b.MISID && a.Title == b.Title && a.Forename == b.Forename && a.Surname == b.Surname &&
		a.Email == b.Email && a.JobTitle == b.JobTitle && a.StaffCode == b.StaffCode && a.Teaching == b.Teaching && a.Current == b.Current &&
		a.LeftOn == b.LeftOn
}

// MISSyncs returns the school's recent imports and syncs, newest first.
func (a *App) MISSyncs(ctx context.Context, limit int) ([]*store.MISSync, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageMIS); err != nil {
		return nil, err
	}
	return a.Store.FindMISSyncs(ctx, limit)
}

// MISSync returns one of the school's syncs with its report.
func (a *App) MISSync(ctx context.Context, id string) (*store.MISSync, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageMIS); err != nil {
		return nil, err
	}
	return a.Store.FindMISSync(ctx, id)
}

// MISStaff returns the school's staff as the MIS lists them, with their
// Vigil accounts, for an admin to invite newcomers and deactivate leavers.
func (a *App) MISStaff(ctx context.Context) ([]*store.MISStaff, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageMIS); err != nil {
		return nil, err
	}
	return a.Store.FindMISStaff(ctx)
}

// SyncLeavers returns up to limit of the pupils a sync took off roll (or,
// for a dry run, would have), for someone to check.
func (a *App) SyncLeavers(ctx context.Context, y *store.MISSync, limit int) ([]*vigil.Pupil, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageMIS); err != nil {
		return nil, err
	}
	if y.Report == nil {
		return nil, nil
	}
	var out []*vigil.Pupil
	for _, id := range y.Report.Leavers {
		if len(out) == limit {
			break
		}
		p, err := a.Store.FindPupilByID(ctx, id)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// LeaverCTF writes a Common Transfer File of a former pupil's basic
// details (names, date of birth, year, contacts: never a safeguarding
// record) for their next school, dest, whose LA and establishment numbers
// may be blank when not known. The export is audited before a byte is
// written. A pupil still on roll is refused: the MIS sends joiners' and
// movers' CTFs while they are on its roll.
func (a *App) LeaverCTF(ctx context.Context, id vigil.PupilID, dest ctf.School, w io.Writer) error {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return err
	}
	p := vigil.Problems{}
	if dest.LEA != "" && !vigil.IsDigits(dest.LEA, 3) {
		p.Add("lea", "An LA number has 3 digits.")
	}
	if dest.Estab != "" && !vigil.IsDigits(dest.Estab, 4) {
		p.Add("estab", "An establishment number has 4 digits.")
	}
	if err := p.Err(); err != nil {
		return err
	}
	pupil, err := a.Store.FindPupilByID(ctx, id)
	if err != nil {
		return err
	}
	if pupil.OnRoll {
		return vigil.Errorf(vigil.ECONFLICT, "This pupil is on roll: a CTF is exported here only for a pupil who has left.")
	}
	contacts, err := a.Store.FindContacts(ctx, id)
	if err != nil {
		return err
	}
	sc, err := a.Store.FindSchoolByID(ctx, act.SchoolID)
	if err != nil {
		return err
	}
	n := sc.Settings.DfENumber
	if len(n) != 7 {
		return vigil.Errorf(vigil.ECONFLICT, "Enter the school's DfE number (LA and establishment) in the school settings first: a CTF names the school by it.")
	}
	h := ctf.Header{Source: ctf.School{LEA: n[:3], Estab: n[3:], URN: sc.URN, Name: sc.Name}, Dest: dest}
	var buf bytes.Buffer
	if err := ctf.WriteLeaver(&buf, h, pupil, contacts, ctf.ExportOptions{Now: a.Now().In(a.location(ctx))}); err != nil {
		return err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditMISCTFExported, ObjectType: "pupil", ObjectID: string(id), PupilID: id,
		Detail: map[string]string{"dest_known": boolText(dest.LEA != "" && dest.Estab != "")}}); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// CTFDestinationWarning warns of a CTF addressed to another school: one
// whose destination LA and establishment numbers are given and differ from
// the school's DfE number (when the school has entered it). It is a
// warning, not a refusal: a joiner's file is often forwarded. Codes such
// as XXX (destination not known) pass.
func (a *App) CTFDestinationWarning(ctx context.Context, h *ctf.Header) (*mis.Problem, error) {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return nil, err
	}
	if h == nil || !vigil.IsDigits(h.Dest.LEA, 3) || !vigil.IsDigits(h.Dest.Estab, 4) {
		return nil, nil
	}
	sc, err := a.Store.FindSchoolByID(ctx, act.SchoolID)
	if err != nil {
		return nil, err
	}
	if n := sc.Settings.DfENumber; n != "" && n != h.Dest.LEA+h.Dest.Estab {
		return &mis.Problem{Column: "DestSchool", Message: fmt.Sprintf("The file is addressed to school %s/%s, not this school (%s/%s): check the pupils are joining here.",
			h.Dest.LEA, h.Dest.Estab, n[:3], n[3:])}, nil
	}
	return nil, nil
}
