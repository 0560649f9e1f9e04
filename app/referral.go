package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions for referrals to outside agencies.
const (
	AuditReferralCreated   = "referral.created"
	AuditReferralViewed    = "referral.viewed"
	AuditReferralRefused   = "referral.view_refused"
	AuditReferralsListed   = "referral.listed"
	AuditReferralResponded = "referral.response_recorded"
	AuditReferralClosed    = "referral.closed"
	AuditReferralChased    = "referral.overdue_notified"
)

func init() {
	auditLabels[AuditReferralCreated] = "Made a referral"
	auditLabels[AuditReferralViewed] = "Viewed a referral"
	auditLabels[AuditReferralRefused] = "Was refused a referral"
	auditLabels[AuditReferralsListed] = "Listed referrals"
	auditLabels[AuditReferralResponded] = "Recorded an agency's response"
	auditLabels[AuditReferralClosed] = "Closed a referral"
	auditLabels[AuditReferralChased] = "Told the school a referral is overdue"
	chronologySources = append(chronologySources, referralEntries)
}

// referralLevel is how far act may go with a referral. One linked to a
// concern follows the concern: seen by those who see the concern in full,
// changed by those who manage it. One linked to no concern is seen by the
// designated safeguarding team, the headteacher and the operator, and
// changed by the team and the operator. Either way a second factor is
// needed (authz.CanSeeConcerns).
func referralLevel(act *vigil.Actor, r *store.SealedReferral) authz.ConcernLevel {
	if !authz.CanSeeConcerns(act) {
		return authz.ConcernNone
	}
	if r.ConcernID == "" {
		return unlinkedReferralLevel(act)
	}
	if l := authz.Concern(act, r.ConcernCategories, r.ConcernReporter); l >= authz.ConcernView {
		return l
	}
	return authz.ConcernNone
}

func unlinkedReferralLevel(act *vigil.Actor) authz.ConcernLevel {
	switch {
	case !authz.CanSeeConcerns(act):
		return authz.ConcernNone
	case act.System || act.Designated:
		return authz.ConcernManage
	case act.Role == vigil.RoleHeadteacher:
		return authz.ConcernView
	}
	return authz.ConcernNone
}

// referralFilter is the store filter of what act may see.
func referralFilter(act *vigil.Actor) store.ReferralFilter {
	return store.ReferralFilter{Visibility: visibility(act), Unlinked: unlinkedReferralLevel(act) >= authz.ConcernView}
}

// errReferralNotFound is the answer for a referral that is missing, of
// another school, or one the reader may not see: the three cannot be told
// apart.
func errReferralNotFound() error { return vigil.Errorf(vigil.ENOTFOUND, "Referral not found.") }

// referral loads a referral and the actor's level on it, auditing a
// refusal. One the actor may not see is ENOTFOUND; one they may see but
// not change, when need is manage, is EFORBIDDEN.
func (a *App) referral(ctx context.Context, id vigil.ReferralID, need authz.ConcernLevel) (*store.SealedReferral, authz.ConcernLevel, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, 0, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, 0, errCannotSeeConcerns(act)
	}
	r, err := a.Store.FindReferral(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	level := referralLevel(act, r)
	if level < need {
		_ = a.audit(ctx, vigil.AuditEvent{Action: AuditReferralRefused, ObjectType: "referral", ObjectID: string(id), PupilID: r.PupilID})
		if level >= authz.ConcernView {
			return nil, 0, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include changing this referral. Ask your designated safeguarding lead.")
		}
		return nil, 0, errReferralNotFound()
	}
	return r, level, nil
}

// calendar returns the school's working-day calendar: its time zone and
// holidays.
func (a *App) calendar(ctx context.Context) (vigil.Calendar, error) {
	hs, err := a.Store.FindHolidays(ctx)
	if err != nil {
		return vigil.Calendar{}, err
	}
	return vigil.Calendar{Loc: a.location(ctx), Holidays: hs}, nil
}

// NewReferral is what the referrer gives. ConcernID is optional.
type NewReferral struct {
	PupilID   vigil.PupilID
	ConcernID vigil.ConcernID
	Agency    string // an agency's key
	Method    string
	MadeAt    time.Time
	Reference string
	Contact   string
	Details   string
}

// ReferralConcern is a concern a referral may be linked to, as the form
// lists it: when, and its categories; never its account.
type ReferralConcern struct {
	ID         vigil.ConcernID
	OccurredAt time.Time
	Categories []string
	Status     string
}

// ReferralForm is what the form to make a referral offers the actor.
type ReferralForm struct {
	Pupils   []*vigil.Pupil // the concern's pupils, or the one pupil
	Pupil    vigil.PupilID  // the one chosen, if any
	Concern  vigil.ConcernID
	Concerns []ReferralConcern // the pupil's concerns the actor manages
	Linked   *ReferralConcern  // the concern given, if one was
	Agencies []vigil.ReferralAgency
	Methods  []string
	// Unlinked is true when the actor may make a referral linked to no
	// concern.
	Unlinked bool
}

// ReferralForm returns the choices for making a referral about pupil, or
// about one of the pupils of concern, or both. The concern must be one the
// actor manages. It is audited as a list of the pupil's concerns.
func (a *App) ReferralForm(ctx context.Context, pupil vigil.PupilID, concern vigil.ConcernID) (*ReferralForm, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	f := &ReferralForm{Pupil: pupil, Concern: concern, Methods: vigil.ReferralMethods, Unlinked: unlinkedReferralLevel(act) >= authz.ConcernManage}
	var linked *store.SealedConcern
	if concern != "" {
		sc, _, err := a.concernLevel(ctx, concern, authz.ConcernManage)
		if err != nil {
			return nil, err
		}
		linked = sc
		if pupil != "" && sc.Link(pupil) == nil {
			return nil, vigil.FieldError("pupil_id", "The pupil is not linked to this concern.")
		}
		names, err := a.referralCategoryNames(ctx, sc.Categories())
		if err != nil {
			return nil, err
		}
		f.Linked = &ReferralConcern{ID: sc.ID, OccurredAt: sc.OccurredAt, Categories: names, Status: sc.Status}
	}
	switch {
	case linked != nil:
		for _, l := range linked.Pupils {
			p, err := a.Store.FindPupilByID(ctx, l.PupilID)
			if err != nil {
				return nil, err
			}
			f.Pupils = append(f.Pupils, p)
		}
		if len(f.Pupils) == 1 {
			f.Pupil = f.Pupils[0].ID
		}
	case pupil != "":
		p, err := a.Store.FindPupilByID(ctx, pupil)
		if err != nil {
			return nil, err
		}
		f.Pupils = []*vigil.Pupil{p}
	default:
		return nil, vigil.FieldError("pupil_id", "Make a referral from a pupil's page or from a concern.")
	}
	if f.Pupil != "" {
		var err error
		if f.Concerns, err = a.managedReferralConcerns(ctx, f.Pupil); err != nil {
			return nil, err
		}
	}
	if len(f.Concerns) == 0 && !f.Unlinked && linked == nil {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "You can make a referral about a concern you manage. Open the concern, or ask your designated safeguarding lead.")
	}
	ags, err := a.Store.ReferralAgencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range ags {
		if g.Active {
			f.Agencies = append(f.Agencies, g)
		}
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernsListed, PupilID: f.Pupil, Detail: map[string]string{"view": "referral_form",
		"shown": strconv.Itoa(len(f.Concerns))}}); err != nil {
		return nil, err
	}
	return f, nil
}

// managedReferralConcerns lists the pupil's concerns the actor manages,
// newest first.
func (a *App) managedReferralConcerns(ctx context.Context, pupil vigil.PupilID) ([]ReferralConcern, error) {
	act := vigil.ActorFrom(ctx)
	list, err := a.Store.FindConcerns(ctx, store.ConcernFilter{Visibility: visibility(act), Pupil: pupil, Limit: 200})
	if err != nil {
		return nil, err
	}
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	names := map[vigil.CategoryID]string{}
	for _, c := range cats {
		names[c.ID] = c.Name
	}
	var out []ReferralConcern
	for _, sc := range list {
		if authz.Concern(act, sc.Categories(), sc.ReportedBy) < authz.ConcernManage {
			continue
		}
		ch := ReferralConcern{ID: sc.ID, OccurredAt: sc.OccurredAt, Status: sc.Status}
		for _, id := range sc.Categories() {
			ch.Categories = append(ch.Categories, names[id])
		}
		out = append(out, ch)
	}
	return out, nil
}

// MakeReferral records a referral: validated, its response time worked out
// from the agency's timescale in working days (weekends and the school's
// holidays skipped), sealed, indexed for search and audited, all or
// nothing. Linking it to a
// concern needs manage access to the concern; one linked to no concern
// needs the designated safeguarding team.
func (a *App) MakeReferral(ctx context.Context, in NewReferral) (*vigil.Referral, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	r := &vigil.Referral{PupilID: in.PupilID, ConcernID: in.ConcernID, Agency: strings.TrimSpace(in.Agency), Method: in.Method, MadeAt: in.MadeAt,
		Reference: strings.TrimSpace(in.Reference), Contact: strings.TrimSpace(in.Contact), Details: strings.TrimSpace(in.Details), MadeBy: act.PersonID}
	if err := r.Validate(a.Now()); err != nil {
		return nil, err
	}
	if r.ConcernID != "" {
		sc, _, err := a.concernLevel(ctx, r.ConcernID, authz.ConcernManage)
		if err != nil {
			if vigil.ErrorCode(err) == vigil.ENOTFOUND {
				return nil, vigil.FieldError("concern_id", "The concern was not found.")
			}
			return nil, err
		}
		if sc.Link(r.PupilID) == nil {
			return nil, vigil.FieldError("concern_id", "The pupil is not linked to this concern.")
		}
	} else if unlinkedReferralLevel(act) < authz.ConcernManage {
		return nil, vigil.FieldError("concern_id", "Choose the concern this referral is about. Only the designated safeguarding team may make a referral not linked to a concern.")
	}
	p, err := a.Store.FindPupilByID(ctx, r.PupilID)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return nil, vigil.FieldError("pupil_id", "The pupil was not found.")
		}
		return nil, err
	}
	ags, err := a.Store.ReferralAgencies(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(ags, func(g vigil.ReferralAgency) bool { return g.Key == r.Agency && g.Active })
	if i < 0 {
		return nil, vigil.FieldError("agency", "Choose an agency from the list.")
	}
	cal, err := a.calendar(ctx)
	if err != nil {
		return nil, err
	}
	r.TimescaleDays, r.AgencyName, r.PupilName = ags[i].TimescaleDays, ags[i].Name, p.Name()
	r.ExpectedBy = cal.ResponseDue(r.MadeAt, r.TimescaleDays)
	r.ID = vigil.ReferralID(vigil.NewID())
	// Found by a search for its agency, reference or details; the contact
	// (a person at the agency) is not indexed.
	toks, err := a.tokens(ctx, r.AgencyName, r.Reference, r.Details)
	if err != nil {
		return nil, err
	}
	sr := &store.SealedReferral{Referral: r}
	if sr.Contact, err = a.seal(ctx, "referrals", string(r.ID), "contact", []byte(r.Contact)); err != nil {
		return nil, err
	}
	if sr.Details, err = a.seal(ctx, "referrals", string(r.ID), "details", []byte(r.Details)); err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CreateReferral(ctx, sr); err != nil {
			return err
		}
		if err := a.Store.IndexRecord(ctx, ReferralKind, string(r.ID), toks); err != nil {
			return err
		}
		detail := map[string]string{"agency": r.Agency, "method": r.Method, "timescale_days": strconv.Itoa(r.TimescaleDays),
			"expected_by": r.ExpectedBy.UTC().Format(time.RFC3339)}
		if r.ConcernID != "" {
			detail["concern"] = string(r.ConcernID)
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditReferralCreated, ObjectType: "referral", ObjectID: string(r.ID), PupilID: r.PupilID, Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	r.Overdue = r.OverdueAt(a.Now())
	r.MakerName = a.personName(ctx, act.PersonID)
	return r, nil
}

func (a *App) personName(ctx context.Context, id vigil.PersonID) string {
	if id == "" {
		return ""
	}
	p, err := a.Store.FindPersonByID(ctx, id)
	if err != nil {
		return ""
	}
	return p.Name
}

// ResolveReferralAgency turns an agency's key or name, as an API client
// gives it, into the key of one of the school's agencies in use.
func (a *App) ResolveReferralAgency(ctx context.Context, name string) (string, error) {
	ags, err := a.Store.ReferralAgencies(ctx)
	if err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	for _, g := range ags {
		if g.Active && (g.Key == name || strings.EqualFold(g.Name, name)) {
			return g.Key, nil
		}
	}
	return "", vigil.FieldError("agency", "Choose an agency the school uses, e.g. childrens_services, police, lado, camhs or early_help.")
}

// ReferralQuery narrows a list of referrals.
type ReferralQuery struct {
	Pupil   vigil.PupilID
	Concern vigil.ConcernID
	Status  string // "", open, overdue or closed
	Limit   int    // 50 when 0, at most 500
	Offset  int
}

// Referrals lists the referrals the actor may see, overdue ones first,
// then the other open ones by when a response is due, then closed ones.
// Nothing sealed is opened; the list is audited.
func (a *App) Referrals(ctx context.Context, q ReferralQuery) ([]*vigil.Referral, error) {
	return a.referrals(ctx, q, "list")
}

// OverdueReferrals lists the open referrals the actor may see that have
// had no response by the time one was expected, most overdue first, for
// the top of the dashboard. Nothing sealed is opened; a list that shows
// any is audited.
func (a *App) OverdueReferrals(ctx context.Context) ([]*vigil.Referral, error) {
	return a.referrals(ctx, ReferralQuery{Status: vigil.ReferralOverdue, Limit: 50}, "dashboard")
}

func (a *App) referrals(ctx context.Context, q ReferralQuery, view string) ([]*vigil.Referral, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	switch q.Status {
	case "", vigil.ReferralOpen, vigil.ReferralOverdue, vigil.ReferralClosed:
	default:
		return nil, vigil.FieldError("status", "Choose open, overdue or closed.")
	}
	if q.Pupil != "" && !vigil.ValidID(string(q.Pupil)) {
		return nil, vigil.FieldError("pupil", "The pupil is not known.")
	}
	if q.Concern != "" && !vigil.ValidID(string(q.Concern)) {
		return nil, vigil.FieldError("concern", "The concern is not known.")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	f := referralFilter(act)
	f.Pupil, f.Concern, f.Status, f.Limit, f.Offset = q.Pupil, q.Concern, q.Status, q.Limit, q.Offset
	list, err := a.Store.FindReferrals(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 || view == "list" {
		detail := map[string]string{"view": view, "shown": strconv.Itoa(len(list))}
		if q.Status != "" {
			detail["status"] = q.Status
		}
		if err := a.audit(ctx, vigil.AuditEvent{Action: AuditReferralsListed, PupilID: q.Pupil, Detail: detail}); err != nil {
			return nil, err
		}
	}
	out := make([]*vigil.Referral, len(list))
	for i, r := range list {
		out[i] = r.Referral
	}
	return out, nil
}

// ReferralView is a referral as one reader may see it.
type ReferralView struct {
	Referral   *vigil.Referral
	Level      authz.ConcernLevel
	Categories []string // of the linked concern
	Today      vigil.Date
}

// CanManage reports whether the reader may record the response and close
// the referral.
func (v *ReferralView) CanManage() bool { return v.Level >= authz.ConcernManage }

// Referral returns a referral with its sealed text opened, for those who
// may see it. The view is audited before anything is opened. A referral
// the actor may not see is ENOTFOUND, exactly as a missing one.
func (a *App) Referral(ctx context.Context, id vigil.ReferralID) (*ReferralView, error) {
	sr, level, err := a.referral(ctx, id, authz.ConcernView)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditReferralViewed, ObjectType: "referral", ObjectID: string(id), PupilID: sr.PupilID}); err != nil {
		return nil, err
	}
	r, row := sr.Referral, string(sr.ID)
	for _, f := range []struct {
		field  string
		sealed []byte
		dst    *string
	}{
		{"contact", sr.Contact, &r.Contact},
		{"details", sr.Details, &r.Details},
		{"response", sr.Response, &r.Response},
		{"outcome", sr.Outcome, &r.Outcome},
	} {
		if *f.dst, err = a.open(ctx, "referrals", row, f.field, f.sealed); err != nil {
			return nil, err
		}
	}
	v := &ReferralView{Referral: r, Level: level, Today: vigil.DateOf(a.Now().In(a.location(ctx)))}
	if len(sr.ConcernCategories) > 0 {
		if v.Categories, err = a.referralCategoryNames(ctx, sr.ConcernCategories); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (a *App) referralCategoryNames(ctx context.Context, ids []vigil.CategoryID) ([]string, error) {
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		if i := slices.IndexFunc(cats, func(c *vigil.Category) bool { return c.ID == id }); i >= 0 {
			out = append(out, cats[i].Name)
		}
	}
	return out, nil
}

// RecordReferralResponse records the agency's response: the day it came
// and what it said, sealed. It needs manage access (see MakeReferral). A
// referral with a response already, or closed, is ECONFLICT.
func (a *App) RecordReferralResponse(ctx context.Context, id vigil.ReferralID, on vigil.Date, text string) error {
	sr, _, err := a.referral(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if err := sr.ValidateResponse(on, text, vigil.DateOf(a.Now().In(a.location(ctx)))); err != nil {
		return err
	}
	if sr.Responded() || sr.Closed() {
		return vigil.Errorf(vigil.ECONFLICT, "This referral already has a response, or is closed.")
	}
	sealed, err := a.seal(ctx, "referrals", string(id), "response", []byte(text))
	if err != nil {
		return err
	}
	// A referral's text is only ever added to, so its index is too.
	toks, err := a.tokens(ctx, text)
	if err != nil {
		return err
	}
	act := vigil.ActorFrom(ctx)
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.RecordReferralResponse(ctx, id, on, sealed, act.PersonID); err != nil {
			return err
		}
		if err := a.Store.AddToIndex(ctx, ReferralKind, string(id), toks); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditReferralResponded, ObjectType: "referral", ObjectID: string(id), PupilID: sr.PupilID,
			Detail: map[string]string{"response_on": on.String(), "was_overdue": strconv.FormatBool(sr.Overdue)}})
	})
}

// CloseReferral closes a referral with its outcome, sealed. It needs
// manage access. One closed already is ECONFLICT.
func (a *App) CloseReferral(ctx context.Context, id vigil.ReferralID, outcome string) error {
	sr, _, err := a.referral(ctx, id, authz.ConcernManage)
	if err != nil {
		return err
	}
	outcome = strings.TrimSpace(outcome)
	p := vigil.Problems{}
	switch {
	case outcome == "":
		p.Add("outcome", "Say what came of the referral.")
	case len([]rune(outcome)) > vigil.MaxBodyText:
		p.Add("outcome", "This is too long (at most "+strconv.Itoa(vigil.MaxBodyText)+" characters).")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if sr.Closed() {
		return vigil.Errorf(vigil.ECONFLICT, "This referral is closed already.")
	}
	sealed, err := a.seal(ctx, "referrals", string(id), "outcome", []byte(outcome))
	if err != nil {
		return err
	}
	toks, err := a.tokens(ctx, outcome)
	if err != nil {
		return err
	}
	act := vigil.ActorFrom(ctx)
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CloseReferral(ctx, id, sealed, act.PersonID); err != nil {
			return err
		}
		if err := a.Store.AddToIndex(ctx, ReferralKind, string(id), toks); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditReferralClosed, ObjectType: "referral", ObjectID: string(id), PupilID: sr.PupilID,
			Detail: map[string]string{"responded": strconv.FormatBool(sr.Responded())}})
	})
}

// ChaseOverdueReferrals tells every school about its referrals that have
// gone overdue, as the periodic job does every 15 minutes, and returns how
// many referrals it told about. A school that fails does not stop the
// others; the errors come back together.
func (a *App) ChaseOverdueReferrals(ctx context.Context) (int, error) {
	schools, err := a.Store.FindSchools(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, sc := range schools {
		n, err := a.ChaseSchoolReferrals(vigil.SystemContext(ctx, sc.ID))
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("overdue referrals of school %s: %w", sc.ID, err))
		}
	}
	return total, errors.Join(errs...)
}

// ChaseSchoolReferrals tells the school of the system actor in ctx about
// each referral that is open, has had no response, and is past the time
// one was expected: one in-app notification (kind referral.overdue) and
// one content-free email to the person who made it and to each of the
// school's designated safeguarding leads. Each referral is told about
// once, ever: the mark that it was is set in the same transaction as the
// notifications and emails, and only where it was not set, so two runners
// at once tell once. Only the system (the job runner) chases referrals.
func (a *App) ChaseSchoolReferrals(ctx context.Context) (int, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || !act.System || act.SchoolID == "" {
		return 0, vigil.Errorf(vigil.EFORBIDDEN, "Only the job runner chases referrals.")
	}
	ids, err := a.Store.FindReferralsToChase(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return 0, err
	}
	active := map[vigil.PersonID]bool{}
	var leads []vigil.PersonID
	for _, m := range members {
		if m.Active {
			active[m.PersonID] = true
			if m.Designated {
				leads = append(leads, m.PersonID)
			}
		}
	}
	told := 0
	for _, id := range ids {
		claimed := false
		err := a.Store.RunInTx(ctx, func(ctx context.Context) error {
			ok, err := a.Store.ClaimOverdueNotice(ctx, id)
			if err != nil || !ok {
				return err
			}
			claimed = true
			r, err := a.Store.FindReferral(ctx, id)
			if err != nil {
				return err
			}
			people := slices.Clone(leads)
			if active[r.MadeBy] && !slices.Contains(people, r.MadeBy) {
				people = append(people, r.MadeBy)
			}
			slices.Sort(people)
			if err := a.notifyPeople(ctx, people, vigil.NotifyReferralOverdue, r.ConcernID, string(r.ID)); err != nil {
				return err
			}
			return a.audit(ctx, vigil.AuditEvent{Action: AuditReferralChased, ObjectType: "referral", ObjectID: string(id), PupilID: r.PupilID,
				Detail: map[string]string{"agency": r.Agency, "recipients": strconv.Itoa(len(people)),
					"expected_by": r.ExpectedBy.UTC().Format(time.RFC3339)}})
		})
		if err != nil {
			return told, fmt.Errorf("overdue notice for referral %s: %w", id, err)
		}
		if claimed {
			told++
		}
	}
	return told, nil
}

// ReferralKind is the Kind of a referral's chronology entries and of its
// blind-index tokens.
const ReferralKind = "referral"

// referralEntries is the chronology's source of referrals: those about the
// pupil that the actor may see, each titled with its agency and summed up
// by how it was made, its reference and whether a response has come,
// none of it sealed. The chronology's own audit event covers them.
func referralEntries(a *App, ctx context.Context, pupil vigil.PupilID) ([]SourcedEntry, error) {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) {
		return nil, nil
	}
	f := referralFilter(act)
	f.Pupil, f.Limit = pupil, 500
	list, err := a.Store.FindReferrals(ctx, f)
	if err != nil {
		return nil, err
	}
	loc := a.location(ctx)
	out := make([]SourcedEntry, 0, len(list))
	for _, r := range list {
		out = append(out, SourcedEntry{Entry: &vigil.ChronologyEntry{Kind: ReferralKind, ID: string(r.ID), ConcernID: r.ConcernID, At: r.MadeAt,
			Title: "Referral to " + r.AgencyName, Summary: ReferralSummary(r.Referral, loc), By: r.MakerName, Status: r.Status(),
			Categories: r.ConcernCategories}})
	}
	return out, nil
}

// ReferralSummary sums a referral up in a line, without its sealed text:
// how it was made, its reference, and where its response stands.
func ReferralSummary(r *vigil.Referral, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	parts := []string{vigil.ReferralMethodTitle(r.Method)}
	if r.Reference != "" {
		parts = append(parts, "reference "+r.Reference)
	}
	switch {
	case r.Responded():
		parts = append(parts, "response received "+r.ResponseOn.Format("2 Jan 2006"))
	case r.Closed():
		parts = append(parts, "closed without a response")
	case r.Overdue:
		parts = append(parts, "no response: overdue since "+r.ExpectedBy.In(loc).Format("Mon 2 Jan 2006, 15:04"))
	default:
		parts = append(parts, "response expected by "+r.ExpectedBy.In(loc).Format("Mon 2 Jan 2006, 15:04"))
	}
	if r.Responded() && r.Closed() {
		parts = append(parts, "closed")
	}
	return strings.Join(parts, " · ")
}
