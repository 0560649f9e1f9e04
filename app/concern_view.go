package app

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/store"
)

// ConcernView is a concern as one reader may see it.
type ConcernView struct {
	Concern    *vigil.Concern
	Level      authz.ConcernLevel
	Categories map[vigil.CategoryID]*vigil.Category
	Notes      []*vigil.ConcernNote
	Actions    []*vigil.Action     // only for View and Manage
	Documents  []*vigil.Document   // only for View and Manage, or the reporter's own
	Revisions  []*vigil.Revision   // only for View and Manage
	Types      []vigil.ActionType  // for Manage: the form to add an action
	Staff      []*vigil.Membership // for Manage: whom to assign
	Alerted    []*vigil.Membership // who was alerted, for View and Manage
	FirstView  bool                // this reader's view marked it reviewed
	Names      map[vigil.PersonID]string
}

// CanManage reports whether the reader may act on the concern.
func (v *ConcernView) CanManage() bool { return v.Level >= authz.ConcernManage }

// CanSeeAll reports whether the reader sees the concern in full.
func (v *ConcernView) CanSeeAll() bool { return v.Level >= authz.ConcernView }

// CategoryNames returns the names of the categories of one pupil's link.
func (v *ConcernView) CategoryNames(ids []vigil.CategoryID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if c := v.Categories[id]; c != nil {
			out = append(out, c.Name)
		}
	}
	return out
}

// errConcernNotFound is the answer for a concern that is missing, of
// another school, or one the reader may not see: the three cannot be told
// apart.
func errConcernNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Concern not found.") }

// concernLevel loads a concern and the actor's level on it, auditing a
// refusal. A concern the actor may not see is ENOTFOUND.
func (a *App) concernLevel(ctx context.Context, id vigil.ConcernID, need authz.ConcernLevel) (*store.SealedConcern, authz.ConcernLevel, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil {
		return nil, 0, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	sc, err := a.Store.FindConcern(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	level := authz.Concern(act, sc.Categories(), sc.ReportedBy)
	if level < need {
		_ = a.audit(ctx, vigil.AuditEvent{Action: AuditConcernRefused, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern)})
		if level >= authz.ConcernOwn && need > level {
			if act.Permissions.Max().AtLeast(vigil.AccessViewAll) && !act.SteppedUp {
				return nil, 0, vigil.Errorf(vigil.EFORBIDDEN, "Confirm it's you with your second factor first.")
			}
			return nil, 0, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include this. Ask your designated safeguarding lead if you need it.")
		}
		return nil, 0, errConcernNotFound()
	}
	return sc, level, nil
}

// Concern returns a concern as the actor may see it. The view is audited
// before anything is opened; a manager's first view marks it reviewed.
func (a *App) Concern(ctx context.Context, id vigil.ConcernID) (*ConcernView, error) {
	act := vigil.ActorFrom(ctx)
	sc, level, err := a.concernLevel(ctx, id, authz.ConcernOwn)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernViewed, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
		Detail: map[string]string{"pupils": strconv.Itoa(len(sc.Pupils))}}); err != nil {
		return nil, err
	}
	v := &ConcernView{Level: level, Names: map[vigil.PersonID]string{}}
	if level >= authz.ConcernManage && sc.ReviewedAt.IsZero() && !act.System {
		first, err := a.Store.MarkReviewed(ctx, id, act.PersonID)
		if err != nil {
			return nil, err
		}
		if first {
			v.FirstView = true
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernReviewed, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern)}); err != nil {
				return nil, err
			}
			sc.ReviewedBy, sc.ReviewedAt = act.PersonID, a.Now()
		}
	}
	if !act.System {
		if err := a.Store.MarkNotificationsRead(ctx, act.PersonID, id); err != nil {
			return nil, err
		}
	}
	if v.Concern, err = a.openConcern(ctx, sc); err != nil {
		return nil, err
	}
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	v.Categories = map[vigil.CategoryID]*vigil.Category{}
	for _, c := range cats {
		v.Categories[c.ID] = c
	}
	notes, err := a.Store.FindNotes(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if level < authz.ConcernView && n.AddedBy != act.PersonID {
			continue
		}
		if n.ConcernNote.Body, err = a.open(ctx, "concern_notes", n.ID, "body", n.Body); err != nil {
			return nil, err
		}
		v.Notes = append(v.Notes, n.ConcernNote)
	}
	docs, err := a.Store.FindDocuments(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if level < authz.ConcernView && d.UploadedBy != act.PersonID {
			continue
		}
		if d.Document.Name, err = a.open(ctx, "documents", string(d.ID), "name", d.Name); err != nil {
			return nil, err
		}
		v.Documents = append(v.Documents, d.Document)
	}
	if level < authz.ConcernView {
		return v, nil
	}
	if v.Actions, err = a.openActions(ctx, id); err != nil {
		return nil, err
	}
	revs, err := a.Store.FindRevisions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range revs {
		if r.Revision.Old, err = a.open(ctx, "revisions", r.ID, "old", r.Old); err != nil {
			return nil, err
		}
		if r.Revision.Reason, err = a.open(ctx, "revisions", r.ID, "reason", r.Reason); err != nil {
			return nil, err
		}
		v.Revisions = append(v.Revisions, r.Revision)
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		v.Names[m.PersonID] = m.PersonName
		if slices.Contains(sc.Alerted, m.PersonID) {
			v.Alerted = append(v.Alerted, m)
		}
		if m.Active && level >= authz.ConcernManage {
			v.Staff = append(v.Staff, m)
		}
	}
	if level >= authz.ConcernManage {
		if v.Types, err = a.Store.ActionTypes(ctx); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (a *App) openActions(ctx context.Context, id vigil.ConcernID) ([]*vigil.Action, error) {
	as, err := a.Store.FindActions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]*vigil.Action, len(as))
	for i, s := range as {
		if s.Action.Body, err = a.open(ctx, "actions", string(s.ID), "body", s.Body); err != nil {
			return nil, err
		}
		out[i] = s.Action
	}
	return out, nil
}

// NewAction is what a manager gives when adding an action.
type NewAction struct {
	Type       string
	Body       string
	TakenOn    vigil.Date // today when zero
	AssignedTo vigil.PersonID
	DueOn      vigil.Date
	Done       bool
	Files      []Upload
}

// AddAction adds an action to a concern the actor manages; the assignee, if
// another person, is alerted.
func (a *App) AddAction(ctx context.Context, concern vigil.ConcernID, in NewAction) (*vigil.Action, error) {
	act := vigil.ActorFrom(ctx)
	sc, _, err := a.concernLevel(ctx, concern, authz.ConcernManage)
	if err != nil {
		return nil, err
	}
	today := vigil.DateOf(a.Now().In(a.location(ctx)))
	if in.TakenOn.IsZero() {
		in.TakenOn = today
	}
	ac := &vigil.Action{ID: vigil.ActionID(vigil.NewID()), ConcernID: concern, Type: strings.TrimSpace(in.Type), Body: strings.TrimSpace(in.Body),
		TakenOn: in.TakenOn, AssignedTo: in.AssignedTo, DueOn: in.DueOn, CreatedBy: act.PersonID}
	if in.Done {
		ac.DoneAt, ac.DoneBy = a.Now(), act.PersonID
	}
	if err := ac.Validate(today); err != nil {
		return nil, err
	}
	if ac.AssignedTo != "" {
		if err := a.checkMember(ctx, ac.AssignedTo, sc.Categories()); err != nil {
			return nil, err
		}
	}
	sealed, err := a.seal(ctx, "actions", string(ac.ID), "body", []byte(ac.Body))
	if err != nil {
		return nil, err
	}
	toks, err := a.tokens(ctx, ac.Body)
	if err != nil {
		return nil, err
	}
	docs, err := a.storeFiles(ctx, concern, ac.ID, in.Files)
	if err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CreateAction(ctx, &store.SealedAction{Action: ac, Body: sealed}); err != nil {
			return err
		}
		for _, d := range docs {
			if err := a.Store.AddDocument(ctx, d); err != nil {
				return err
			}
		}
		if err := a.Store.IndexText(ctx, concern, "action", string(ac.ID), toks); err != nil {
			return err
		}
		if ac.AssignedTo != "" && ac.AssignedTo != act.PersonID && !ac.Done() {
			if err := a.notifyPeople(ctx, []vigil.PersonID{ac.AssignedTo}, vigil.NotifyActionAssigned, concern, string(ac.ID)); err != nil {
				return err
			}
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditActionCreated, ObjectType: "action", ObjectID: string(ac.ID), PupilID: firstPupil(sc.Concern),
			Detail: map[string]string{"concern": string(concern), "type": ac.Type, "documents": strconv.Itoa(len(docs))}})
	})
	if err != nil {
		a.removeFiles(docs)
		return nil, err
	}
	return ac, nil
}

// checkMember checks person is an active member who may see a concern in
// cats in full, so that an action can be given to them.
func (a *App) checkMember(ctx context.Context, person vigil.PersonID, cats []vigil.CategoryID) error {
	m, err := a.Store.FindMember(ctx, person)
	if err != nil || !m.Active {
		return vigil.FieldError("assigned_to", "Choose an active member of staff.")
	}
	perms, err := a.Store.FindPermissions(ctx, person)
	if err != nil {
		return err
	}
	who := &vigil.Actor{PersonID: person, SchoolID: vigil.ActorFrom(ctx).SchoolID, SteppedUp: true, Permissions: perms}
	if authz.Concern(who, cats, "") < authz.ConcernView {
		return vigil.FieldError("assigned_to", "This person cannot see concerns in these categories.")
	}
	return nil
}

// SetActionDone marks an action done or not done.
func (a *App) SetActionDone(ctx context.Context, concern vigil.ConcernID, id vigil.ActionID, done bool) error {
	sc, _, err := a.concernLevel(ctx, concern, authz.ConcernManage)
	if err != nil {
		return err
	}
	action := AuditActionDone
	if !done {
		action = AuditActionReopened
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetActionDone(ctx, concern, id, done, vigil.ActorFrom(ctx).PersonID); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "action", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
			Detail: map[string]string{"concern": string(concern)}})
	})
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	p := vigil.Problems{}
	if reason == "" {
		p.Add("reason", "Say why this is being changed: the earlier version is kept and shown with your reason.")
	} else if len([]rune(reason)) > 500 {
		p.Add("reason", "This is too long (at most 500 characters).")
	}
	return reason, p.Err()
}

// ReviseConcern changes one field of a concern (location, body, agencies
// or occurred_at), keeping the earlier version with the reason given.
func (a *App) ReviseConcern(ctx context.Context, id vigil.ConcernID, field, value, reason string) error {
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	if reason, err = checkReason(reason); err != nil {
		return err
	}
	c, err := a.openConcern(ctx, sc)
	if err != nil {
		return err
	}
	var old string
	next := *c
	value = strings.TrimSpace(value)
	switch field {
	case "location":
		old, next.Location = c.Location, value
	case "body":
		old, next.Body = c.Body, value
	case "agencies":
		old, next.Agencies = c.Agencies, value
	case "occurred_at":
		t, err := time.ParseInLocation("2006-01-02T15:04", value, a.location(ctx))
		if err != nil {
			return vigil.FieldError("occurred_at", "Give a date and time.")
		}
		old, next.OccurredAt = c.OccurredAt.In(a.location(ctx)).Format("2006-01-02 15:04"), t
	default:
		return vigil.FieldError("field", "This cannot be edited.")
	}
	if err := next.Validate(a.Now()); err != nil {
		return err
	}
	rev := &store.SealedRevision{Revision: &vigil.Revision{ID: vigil.NewID(), ChangedBy: vigil.ActorFrom(ctx).PersonID}}
	if rev.Old, err = a.seal(ctx, "revisions", rev.ID, "old", []byte(old)); err != nil {
		return err
	}
	if rev.Reason, err = a.seal(ctx, "revisions", rev.ID, "reason", []byte(reason)); err != nil {
		return err
	}
	toks, err := a.tokens(ctx, next.Body, next.Location, next.Agencies, bodyMapText(next.BodyMap))
	if err != nil {
		return err
	}
	var sealed []byte
	if field != "occurred_at" {
		if sealed, err = a.seal(ctx, "concerns", string(id), field, []byte(value)); err != nil {
			return err
		}
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.ReviseConcern(ctx, id, field, sealed, next.OccurredAt, rev); err != nil {
			return err
		}
		if err := a.Store.IndexText(ctx, id, "concern", string(id), toks); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernRevised, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
			Detail: map[string]string{"field": field}})
	})
}

// ReviseAction changes an action's text, keeping the earlier version.
func (a *App) ReviseAction(ctx context.Context, concern vigil.ConcernID, id vigil.ActionID, body, reason string) error {
	sc, _, err := a.concernLevel(ctx, concern, authz.ConcernManage)
	if err != nil {
		return err
	}
	if reason, err = checkReason(reason); err != nil {
		return err
	}
	s, err := a.Store.FindAction(ctx, concern, id)
	if err != nil {
		return err
	}
	old, err := a.open(ctx, "actions", string(id), "body", s.Body)
	if err != nil {
		return err
	}
	next := *s.Action
	next.Body = strings.TrimSpace(body)
	// Only the text changes: the dates were valid when the action was saved.
	if err := next.Validate(next.TakenOn); err != nil {
		return err
	}
	rev := &store.SealedRevision{Revision: &vigil.Revision{ID: vigil.NewID(), ChangedBy: vigil.ActorFrom(ctx).PersonID}}
	if rev.Old, err = a.seal(ctx, "revisions", rev.ID, "old", []byte(old)); err != nil {
		return err
	}
	if rev.Reason, err = a.seal(ctx, "revisions", rev.ID, "reason", []byte(reason)); err != nil {
		return err
	}
	sealed, err := a.seal(ctx, "actions", string(id), "body", []byte(next.Body))
	if err != nil {
		return err
	}
	toks, err := a.tokens(ctx, next.Body)
	if err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.ReviseAction(ctx, concern, id, sealed, rev); err != nil {
			return err
		}
		if err := a.Store.IndexText(ctx, concern, "action", string(id), toks); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditActionRevised, ObjectType: "action", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
			Detail: map[string]string{"concern": string(concern)}})
	})
}

// location is the time zone of the actor's school: dates people give
// ("today", "at 14:05") are read in it.
func (a *App) location(ctx context.Context) *time.Location {
	tz := "Europe/London"
	if act := vigil.ActorFrom(ctx); act != nil {
		if sc, err := a.Store.FindSchoolByID(ctx, act.SchoolID); err == nil && sc.Settings.Timezone != "" {
			tz = sc.Settings.Timezone
		}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CloseConcern closes a concern with its outcome.
func (a *App) CloseConcern(ctx context.Context, id vigil.ConcernID, outcome string) error {
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	if sc.Status == vigil.ConcernClosed {
		return vigil.Errorf(vigil.ECONFLICT, "This concern is already closed.")
	}
	outcome = strings.TrimSpace(outcome)
	p := vigil.Problems{}
	if outcome == "" {
		p.Add("outcome", "Record the outcome before closing.")
	} else if len([]rune(outcome)) > vigil.MaxBodyText {
		p.Add("outcome", "This is too long.")
	}
	if err := p.Err(); err != nil {
		return err
	}
	sealed, err := a.seal(ctx, "concerns", string(id), "outcome", []byte(outcome))
	if err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetConcernStatus(ctx, id, vigil.ConcernClosed, sealed, vigil.ActorFrom(ctx).PersonID); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernClosed, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern)})
	})
}

// ReopenConcern opens a closed concern again; the reason is kept with the
// earlier outcome.
func (a *App) ReopenConcern(ctx context.Context, id vigil.ConcernID, reason string) error {
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	if sc.Status != vigil.ConcernClosed {
		return vigil.Errorf(vigil.ECONFLICT, "This concern is open.")
	}
	if reason, err = checkReason(reason); err != nil {
		return err
	}
	old, err := a.open(ctx, "concerns", string(id), "outcome", sc.Outcome)
	if err != nil {
		return err
	}
	rev := &store.SealedRevision{Revision: &vigil.Revision{ID: vigil.NewID(), ChangedBy: vigil.ActorFrom(ctx).PersonID}}
	if rev.Old, err = a.seal(ctx, "revisions", rev.ID, "old", []byte(old)); err != nil {
		return err
	}
	if rev.Reason, err = a.seal(ctx, "revisions", rev.ID, "reason", []byte(reason)); err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetConcernStatus(ctx, id, vigil.ConcernOpen, nil, ""); err != nil {
			return err
		}
		if err := a.Store.AddRevision(ctx, id, string(id), "outcome", rev); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernReopened, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern)})
	})
}

// SetPupilLink changes one pupil's part in a concern and their categories.
// The actor must manage the concern before and after the change.
func (a *App) SetPupilLink(ctx context.Context, id vigil.ConcernID, link vigil.ConcernPupil) error {
	act := vigil.ActorFrom(ctx)
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	if !slices.Contains(vigil.Parts, link.Part) {
		return vigil.FieldError("part", "Choose the pupil's part.")
	}
	if len(link.Categories) == 0 {
		return vigil.FieldError("categories", "Choose at least one category.")
	}
	if _, err := a.activeCategories(ctx, link.Categories); err != nil {
		return err
	}
	if authz.Concern(act, link.Categories, sc.ReportedBy) < authz.ConcernManage {
		return vigil.FieldError("categories", "You can only choose categories you manage.")
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetPupilCategories(ctx, id, link); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernCategorised, ObjectType: "concern", ObjectID: string(id), PupilID: link.PupilID,
			Detail: map[string]string{"part": link.Part, "categories": strconv.Itoa(len(link.Categories))}})
	})
}

// LinkPupils links more pupils to a concern the actor manages.
func (a *App) LinkPupils(ctx context.Context, id vigil.ConcernID, links []vigil.ConcernPupil) error {
	act := vigil.ActorFrom(ctx)
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	if len(links) == 0 {
		return vigil.FieldError("pupil_ids", "Choose at least one pupil.")
	}
	var cats []vigil.CategoryID
	for i, l := range links {
		if !vigil.ValidID(string(l.PupilID)) || sc.Link(l.PupilID) != nil {
			return vigil.FieldError("pupil_ids", "One of the pupils is not valid or is already linked.")
		}
		if !slices.Contains(vigil.Parts, l.Part) {
			return vigil.FieldError("pupils."+strconv.Itoa(i)+".part", "Choose the pupil's part.")
		}
		if len(l.Categories) == 0 {
			return vigil.FieldError("categories", "Choose at least one category for each pupil.")
		}
		cats = append(cats, l.Categories...)
	}
	if _, err := a.activeCategories(ctx, cats); err != nil {
		return err
	}
	if authz.Concern(act, cats, sc.ReportedBy) < authz.ConcernManage {
		return vigil.FieldError("categories", "You can only choose categories you manage.")
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.LinkPupils(ctx, id, links); err != nil {
			return err
		}
		for _, l := range links {
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernLinked, ObjectType: "concern", ObjectID: string(id), PupilID: l.PupilID,
				Detail: map[string]string{"part": l.Part}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddNote adds further information to a concern: the reporter to their
// own, or anyone who sees it in full.
func (a *App) AddNote(ctx context.Context, id vigil.ConcernID, body string, files []Upload) error {
	act := vigil.ActorFrom(ctx)
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernOwn)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	p := vigil.Problems{}
	if body == "" && len(files) == 0 {
		p.Add("body", "Write what you want to add.")
	} else if len([]rune(body)) > vigil.MaxBodyText {
		p.Add("body", "This is too long.")
	}
	if err := p.Err(); err != nil {
		return err
	}
	n := &store.SealedNote{ConcernNote: &vigil.ConcernNote{ID: vigil.NewID(), ConcernID: id, Body: body, AddedBy: act.PersonID}}
	if n.Body, err = a.seal(ctx, "concern_notes", n.ID, "body", []byte(body)); err != nil {
		return err
	}
	toks, err := a.tokens(ctx, body)
	if err != nil {
		return err
	}
	docs, err := a.storeFiles(ctx, id, "", files)
	if err != nil {
		return err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if body != "" {
			if err := a.Store.AddNote(ctx, n); err != nil {
				return err
			}
			if err := a.Store.IndexText(ctx, id, "note", n.ID, toks); err != nil {
				return err
			}
		}
		for _, d := range docs {
			if err := a.Store.AddDocument(ctx, d); err != nil {
				return err
			}
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditDocumentUploaded, ObjectType: "document", ObjectID: string(d.ID), PupilID: firstPupil(sc.Concern),
				Detail: map[string]string{"concern": string(id), "type": d.ContentType, "size": strconv.FormatInt(d.Size, 10)}}); err != nil {
				return err
			}
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditConcernNoteAdded, ObjectType: "concern", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
			Detail: map[string]string{"documents": strconv.Itoa(len(docs))}})
	})
	if err != nil {
		a.removeFiles(docs)
	}
	return err
}

// AddDocuments attaches files to a concern: a manager, or its reporter.
func (a *App) AddDocuments(ctx context.Context, id vigil.ConcernID, files []Upload) ([]*vigil.Document, error) {
	sc, _, err := a.concernLevel(ctx, id, authz.ConcernOwn)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, vigil.FieldError("file", "Choose a file to attach.")
	}
	if len(files) > 10 {
		return nil, vigil.FieldError("file", "Attach at most 10 files at once.")
	}
	docs, err := a.storeFiles(ctx, id, "", files)
	if err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		for _, d := range docs {
			if err := a.Store.AddDocument(ctx, d); err != nil {
				return err
			}
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditDocumentUploaded, ObjectType: "document", ObjectID: string(d.ID), PupilID: firstPupil(sc.Concern),
				Detail: map[string]string{"concern": string(id), "type": d.ContentType, "size": strconv.FormatInt(d.Size, 10)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		a.removeFiles(docs)
		return nil, err
	}
	out := make([]*vigil.Document, len(docs))
	for i, d := range docs {
		out[i] = d.Document
	}
	return out, nil
}

// OpenDocument returns a document's name, type and decrypted bytes, for one
// who may see its concern in full or who uploaded it. The read is audited
// before a byte is returned.
func (a *App) OpenDocument(ctx context.Context, id vigil.DocumentID) (*vigil.Document, io.ReadCloser, error) {
	act := vigil.ActorFrom(ctx)
	d, err := a.Store.FindDocument(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	sc, level, err := a.concernLevel(ctx, d.ConcernID, authz.ConcernOwn)
	if err != nil {
		return nil, nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	}
	if level < authz.ConcernView && d.UploadedBy != act.PersonID {
		return nil, nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditDocumentOpened, ObjectType: "document", ObjectID: string(id), PupilID: firstPupil(sc.Concern),
		Detail: map[string]string{"concern": string(d.ConcernID)}}); err != nil {
		return nil, nil, err
	}
	key, err := a.open(ctx, "documents", string(id), "doc_key", d.Key)
	if err != nil {
		return nil, nil, err
	}
	if d.Document.Name, err = a.open(ctx, "documents", string(id), "name", d.Name); err != nil {
		return nil, nil, err
	}
	_, rc, err := blob.OpenDocument(ctx, a.Blobs, []byte(key), string(act.SchoolID), string(id))
	if err != nil {
		return nil, nil, err
	}
	return d.Document, rc, nil
}
