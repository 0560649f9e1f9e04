package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/search"
	"github.com/vigil-safeguarding/vigil/store"
)

// ChronologyFilter narrows a pupil's chronology.
type ChronologyFilter struct {
	Category vigil.CategoryID
	From, To vigil.Date // inclusive days, in the school's time zone
	Kinds    []string   // concern, note, action, document; all when empty
	KeyOnly  bool
}

// Chronology is a pupil's records in time order, as one reader may see them.
type Chronology struct {
	Pupil      *vigil.Pupil
	Entries    []*vigil.ChronologyEntry
	Categories []*vigil.Category
	CanMark    bool // the reader may mark key events
}

// Chronology returns every concern, note, action and document about pupil
// that the actor may see, oldest first. It is audited before it is opened.
func (a *App) Chronology(ctx context.Context, pupil vigil.PupilID, f ChronologyFilter) (*Chronology, error) {
	return a.chronology(ctx, pupil, f, AuditChronologyViewed, "")
}

// ExportChronology is Chronology for a PDF or CSV export, audited as an
// export in that format.
func (a *App) ExportChronology(ctx context.Context, pupil vigil.PupilID, f ChronologyFilter, format string) (*Chronology, error) {
	return a.chronology(ctx, pupil, f, AuditChronologyExported, format)
}

func (a *App) chronology(ctx context.Context, pupil vigil.PupilID, f ChronologyFilter, action, format string) (*Chronology, error) {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	p, err := a.Store.FindPupilByID(ctx, pupil)
	if err != nil {
		return nil, err
	}
	vis := visibility(act)
	items, cats, err := a.Store.Chronology(ctx, pupil, vis)
	if err != nil {
		return nil, err
	}
	allCats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	byID := map[vigil.CategoryID]*vigil.Category{}
	for _, c := range allCats {
		byID[c.ID] = c
	}
	loc := a.location(ctx)
	keep := func(it *store.ChronologyItem) bool {
		if f.KeyOnly && !it.Key {
			return false
		}
		if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, it.Kind) {
			return false
		}
		if f.Category != "" && !slices.Contains(cats[it.ConcernID], f.Category) {
			return false
		}
		day := vigil.DateOf(it.At.In(loc))
		if !f.From.IsZero() && day.Before(f.From) {
			return false
		}
		if !f.To.IsZero() && day.After(f.To) {
			return false
		}
		return true
	}
	var shown []*store.ChronologyItem
	for _, it := range items {
		if keep(it) {
			shown = append(shown, it)
		}
	}
	detail := map[string]string{"entries": strconv.Itoa(len(shown))}
	if format != "" {
		detail["format"] = format
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "pupil", ObjectID: string(pupil), PupilID: pupil, Detail: detail}); err != nil {
		return nil, err
	}
	out := &Chronology{Pupil: p, CanMark: act.System || act.Designated || act.Permissions.Max() == vigil.AccessManage}
	seen := map[vigil.CategoryID]bool{}
	for _, it := range shown {
		e := &vigil.ChronologyEntry{Kind: it.Kind, ID: it.ID, ConcernID: it.ConcernID, At: it.At, By: it.By, Key: it.Key, Status: it.Status, Part: it.Part,
			Categories: cats[it.ConcernID]}
		switch it.Kind {
		case "concern":
			var names []string
			for _, c := range cats[it.ConcernID] {
				if k := byID[c]; k != nil {
					names = append(names, k.Name)
				}
			}
			e.Title = strings.Join(names, ", ")
			if e.Summary, err = a.open(ctx, "concerns", it.ID, "body", it.Sealed); err != nil {
				return nil, err
			}
		case "note":
			e.Title = "Further information"
			if e.Summary, err = a.open(ctx, "concern_notes", it.ID, "body", it.Sealed); err != nil {
				return nil, err
			}
		case "action":
			e.Title = it.Title
			if e.Summary, err = a.open(ctx, "actions", it.ID, "body", it.Sealed); err != nil {
				return nil, err
			}
		case "document":
			e.Title = "Document attached"
			e.Summary = it.Title
		}
		out.Entries = append(out.Entries, e)
	}
	// Other records about the pupil (referrals, communications) come from
	// their own sources, each deciding what the actor may see; the
	// chronology's audit event above covers them.
	for _, src := range chronologySources {
		more, err := src(a, ctx, pupil)
		if err != nil {
			return nil, err
		}
		for _, e := range more {
			day := vigil.DateOf(e.At.In(loc))
			switch {
			case f.KeyOnly && !e.Key, len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind), f.Category != "" && !slices.Contains(e.Categories, f.Category),
				!f.From.IsZero() && day.Before(f.From), !f.To.IsZero() && day.After(f.To):
				continue
			}
			out.Entries = append(out.Entries, e)
		}
	}
	slices.SortStableFunc(out.Entries, func(x, y *vigil.ChronologyEntry) int { return x.At.Compare(y.At) })
	for _, it := range items {
		for _, c := range cats[it.ConcernID] {
			if !seen[c] && byID[c] != nil {
				seen[c] = true
				out.Categories = append(out.Categories, byID[c])
			}
		}
	}
	return out, nil
}

// ChronologySource returns the entries of one kind of record about a pupil
// that the actor in ctx may see, opened. Referrals and communications
// register one in an init function of their own file.
type ChronologySource func(a *App, ctx context.Context, pupil vigil.PupilID) ([]*vigil.ChronologyEntry, error)

var chronologySources []ChronologySource

// SetKeyEvent marks or unmarks an entry of a pupil's chronology as a key
// event. Designated staff and managers may.
func (a *App) SetKeyEvent(ctx context.Context, pupil vigil.PupilID, item string, key bool) error {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) || !(act.System || act.Designated || act.Permissions.Max() == vigil.AccessManage) {
		return vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include marking key events.")
	}
	if !vigil.ValidID(item) {
		return vigil.FieldError("item", "Choose an entry of the chronology.")
	}
	items, _, err := a.Store.Chronology(ctx, pupil, visibility(act))
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(items, func(it *store.ChronologyItem) bool {
		return it.ID == item && (it.Kind == "concern" || it.Kind == "action")
	}) {
		return vigil.Errorf(vigil.ENOTFOUND, "That entry is not in this pupil's chronology.")
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetKeyEvent(ctx, pupil, item, key, act.PersonID); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditKeyEventMarked, ObjectType: "chronology", ObjectID: item, PupilID: pupil,
			Detail: map[string]string{"key": strconv.FormatBool(key)}})
	})
}

// ConcernSummary is a concern in a list: enough to choose it, with its
// account opened only for those who may see it.
type ConcernSummary struct {
	Concern    *vigil.Concern
	Categories []string
}

// SearchFilter narrows a search or a list of concerns.
type SearchFilter struct {
	Query     string
	Category  vigil.CategoryID
	Pupil     vigil.PupilID
	YearGroup string
	Status    string
	From, To  vigil.Date
	Limit     int
}

// SearchConcerns finds concerns whose text holds every word of the query
// (through the blind index) and that match the filters, among those the
// actor may see. Permissions are applied in the database, before anything
// is decrypted. The words searched for are never recorded.
func (a *App) SearchConcerns(ctx context.Context, f SearchFilter) ([]*ConcernSummary, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) && act.Permissions.Max() != vigil.AccessViewOwn {
		return nil, errCannotSeeConcerns(act)
	}
	if len(f.Query) > 200 {
		return nil, vigil.FieldError("q", "Search for fewer words.")
	}
	if f.Status != "" && f.Status != vigil.ConcernOpen && f.Status != vigil.ConcernClosed {
		return nil, vigil.FieldError("status", "Choose open or closed.")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	loc := a.location(ctx)
	cf := store.ConcernFilter{Visibility: visibility(act), Pupil: f.Pupil, Category: f.Category, YearGroup: f.YearGroup, Status: f.Status, Limit: f.Limit}
	if !f.From.IsZero() {
		cf.From = dayStart(f.From, loc)
	}
	if !f.To.IsZero() {
		cf.To = dayStart(f.To, loc).AddDate(0, 0, 1)
	}
	searched := strings.TrimSpace(f.Query) != ""
	if searched {
		key, err := a.Vault.SearchKey(ctx, act.SchoolID)
		if err != nil {
			return nil, err
		}
		toks := search.Query(key, f.Query)
		if len(toks) == 0 {
			return nil, vigil.FieldError("q", "Search for words of three letters or more.")
		}
		bs := make([][]byte, len(toks))
		for i, t := range toks {
			bs[i] = []byte(t)
		}
		ids, err := a.Store.SearchConcerns(ctx, bs, cf.Visibility, 500)
		if err != nil {
			return nil, err
		}
		cf.IDs = append([]vigil.ConcernID{}, ids...)
	}
	list, err := a.Store.FindConcerns(ctx, cf)
	if err != nil {
		return nil, err
	}
	action := AuditConcernsListed
	if searched {
		action = AuditConcernsSearched
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, PupilID: f.Pupil, Detail: map[string]string{"shown": strconv.Itoa(len(list)), "searched": strconv.FormatBool(searched)}}); err != nil {
		return nil, err
	}
	return a.summaries(ctx, list)
}

func dayStart(d vigil.Date, loc *time.Location) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func (a *App) summaries(ctx context.Context, list []*store.SealedConcern) ([]*ConcernSummary, error) {
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	byID := map[vigil.CategoryID]string{}
	for _, c := range cats {
		byID[c.ID] = c.Name
	}
	out := make([]*ConcernSummary, 0, len(list))
	for _, sc := range list {
		c, err := a.openConcern(ctx, sc)
		if err != nil {
			return nil, err
		}
		s := &ConcernSummary{Concern: c}
		for _, id := range c.Categories() {
			s.Categories = append(s.Categories, byID[id])
		}
		out = append(out, s)
	}
	return out, nil
}

// Dashboard is what a DSL sees first.
type Dashboard struct {
	Counts     store.ConcernCounts
	Unreviewed []*ConcernSummary
	MyActions  []*vigil.Action
	Recent     []*ConcernSummary
	Today      vigil.Date
}

// Dashboard returns new concerns not yet reviewed, the actor's open and
// overdue actions and recent concerns. It is audited as a list.
func (a *App) Dashboard(ctx context.Context) (*Dashboard, error) {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	vis := visibility(act)
	d := &Dashboard{Today: vigil.DateOf(a.Now().In(a.location(ctx)))}
	var err error
	if d.Counts, err = a.Store.CountDashboard(ctx, act.PersonID, vis, d.Today); err != nil {
		return nil, err
	}
	unrev, err := a.Store.FindConcerns(ctx, store.ConcernFilter{Visibility: vis, Unreviewed: true, Limit: 20})
	if err != nil {
		return nil, err
	}
	recent, err := a.Store.FindConcerns(ctx, store.ConcernFilter{Visibility: vis, Limit: 10})
	if err != nil {
		return nil, err
	}
	acts, err := a.Store.FindOpenActions(ctx, act.PersonID, vis, 20)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernsListed, Detail: map[string]string{"view": "dashboard",
		"shown": strconv.Itoa(len(unrev) + len(recent) + len(acts))}}); err != nil {
		return nil, err
	}
	if d.Unreviewed, err = a.summaries(ctx, unrev); err != nil {
		return nil, err
	}
	if d.Recent, err = a.summaries(ctx, recent); err != nil {
		return nil, err
	}
	for _, s := range acts {
		if s.Action.Body, err = a.open(ctx, "actions", string(s.ID), "body", s.Body); err != nil {
			return nil, err
		}
		d.MyActions = append(d.MyActions, s.Action)
	}
	return d, nil
}

// Counts returns the numbers the navigation shows: unread notifications
// and, for those who see concerns, unreviewed concerns and overdue
// actions. Nothing is opened, so nothing is audited.
func (a *App) Counts(ctx context.Context) (unread int, c store.ConcernCounts, err error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.System {
		return 0, c, nil
	}
	if _, unread, err = a.Store.FindNotifications(ctx, act.PersonID, 0); err != nil {
		return 0, c, err
	}
	if authz.CanSeeConcerns(act) {
		c, err = a.Store.CountDashboard(ctx, act.PersonID, visibility(act), vigil.DateOf(a.Now().In(a.location(ctx))))
	}
	return unread, c, err
}

// Notifications returns the actor's notifications, newest first, and the
// unread count. They carry no record content.
func (a *App) Notifications(ctx context.Context, limit int) ([]*vigil.Notification, int, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, 0, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return a.Store.FindNotifications(ctx, act.PersonID, limit)
}

// MarkNotificationsRead marks all the actor's notifications read.
func (a *App) MarkNotificationsRead(ctx context.Context) error {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	return a.Store.MarkNotificationsRead(ctx, act.PersonID, "")
}

// errCannotSeeConcerns explains why act may not see concerns beyond their
// own: no second factor given yet, or no access.
func errCannotSeeConcerns(act *vigil.Actor) error {
	if act == nil {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if act.Permissions.Max().AtLeast(vigil.AccessViewAll) && !act.SteppedUp {
		return vigil.Errorf(vigil.EFORBIDDEN, "Confirm it's you with your second factor first.")
	}
	return vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include safeguarding records. Ask your designated safeguarding lead if you need it.")
}
