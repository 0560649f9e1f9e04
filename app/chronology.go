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
	Kinds    []string   // of ChronologyKinds; all when empty
	KeyOnly  bool
}

// ChronologyKinds returns the kinds of entry a chronology holds, in the
// order its filters offer them. The web page's filter, the API's kind
// parameter and its OpenAPI enum all follow this list (their tests check).
func ChronologyKinds() []string {
	return []string{"concern", "action", "note", "document", ReferralKind, CommunicationKind}
}

// KeyEventKind reports whether entries of kind may be marked as key events.
func KeyEventKind(kind string) bool {
	switch kind {
	case "concern", "action", ReferralKind, CommunicationKind:
		return true
	}
	return false
}

// Chronology is a pupil's records in time order, as one reader may see them.
type Chronology struct {
	Pupil      *vigil.Pupil
	Entries    []*vigil.ChronologyEntry
	Categories []*vigil.Category
	CanMark    bool // the reader may mark key events
}

// Chronology returns every concern, note, action, document, referral and
// communication about pupil that the actor may see, oldest first. It is
// audited, counting every entry returned, before anything is opened. A
// kind not of ChronologyKinds is EINVALID.
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
	kinds := ChronologyKinds()
	for _, k := range f.Kinds {
		if !slices.Contains(kinds, k) {
			return nil, vigil.FieldError("kind", "Choose kinds of entry from the list.")
		}
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
	keep := func(kind string, key bool, categories []vigil.CategoryID, at time.Time) bool {
		day := vigil.DateOf(at.In(loc))
		switch {
		case f.KeyOnly && !key,
			len(f.Kinds) > 0 && !slices.Contains(f.Kinds, kind),
			f.Category != "" && !slices.Contains(categories, f.Category),
			!f.From.IsZero() && day.Before(f.From),
			!f.To.IsZero() && day.After(f.To):
			return false
		}
		return true
	}
	var shown []*store.ChronologyItem
	for _, it := range items {
		if keep(it.Kind, it.Key, cats[it.ConcernID], it.At) {
			shown = append(shown, it)
		}
	}
	// Other records about the pupil (referrals, communications) come from
	// their own sources, each deciding what the actor may see, unopened.
	more, err := a.sourcedEntries(ctx, pupil)
	if err != nil {
		return nil, err
	}
	more = slices.DeleteFunc(more, func(se SourcedEntry) bool {
		e := se.Entry
		return !keep(e.Kind, e.Key, e.Categories, e.At)
	})

	// The audit counts every entry returned, of every kind, and is
	// written before any of them is opened.
	detail := map[string]string{"entries": strconv.Itoa(len(shown) + len(more))}
	if format != "" {
		detail["format"] = format
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "pupil", ObjectID: string(pupil), PupilID: pupil, Detail: detail}); err != nil {
		return nil, err
	}
	out := &Chronology{Pupil: p, CanMark: mayMarkKeyEvents(act)}
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
	for _, se := range more {
		if se.Open != nil {
			if err := se.Open(ctx); err != nil {
				return nil, err
			}
		}
		out.Entries = append(out.Entries, se.Entry)
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
// that the actor in ctx may see, with nothing sealed opened yet.
// Referrals and communications register one in an init function of their
// own file.
type ChronologySource func(a *App, ctx context.Context, pupil vigil.PupilID) ([]SourcedEntry, error)

// SourcedEntry is an entry a ChronologySource found. Open, when not nil,
// fills in the entry's sealed text; the chronology calls it only once it
// has been audited, and only for the entries it returns.
type SourcedEntry struct {
	Entry *vigil.ChronologyEntry
	Open  func(ctx context.Context) error
}

var chronologySources []ChronologySource

// sourcedEntries returns the entries every ChronologySource finds about
// pupil, unopened, each marked if it is a key event.
func (a *App) sourcedEntries(ctx context.Context, pupil vigil.PupilID) ([]SourcedEntry, error) {
	var out []SourcedEntry
	for _, src := range chronologySources {
		got, err := src(a, ctx, pupil)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	if len(out) == 0 {
		return nil, nil
	}
	keys, err := a.Store.FindKeyEvents(ctx, pupil)
	if err != nil {
		return nil, err
	}
	for _, se := range out {
		se.Entry.Key = keys[se.Entry.ID]
	}
	return out, nil
}

// mayMarkKeyEvents reports whether act may mark entries of a chronology
// as key events: the designated team, managers and the operator.
func mayMarkKeyEvents(act *vigil.Actor) bool {
	return act.System || act.Designated || act.Permissions.Max() == vigil.AccessManage
}

// SetKeyEvent marks or unmarks an entry of a pupil's chronology as a key
// event: a concern, an action, a referral or a communication (see
// KeyEventKind). Designated staff and managers may, for an entry they may
// see; one they may not see, another pupil's or another school's is
// ENOTFOUND, exactly as a missing one.
func (a *App) SetKeyEvent(ctx context.Context, pupil vigil.PupilID, item string, key bool) error {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) || !mayMarkKeyEvents(act) {
		return vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include marking key events.")
	}
	if !vigil.ValidID(item) {
		return vigil.FieldError("item", "Choose an entry of the chronology.")
	}
	items, _, err := a.Store.Chronology(ctx, pupil, visibility(act))
	if err != nil {
		return err
	}
	kind := ""
	if i := slices.IndexFunc(items, func(it *store.ChronologyItem) bool { return it.ID == item && KeyEventKind(it.Kind) }); i >= 0 {
		kind = items[i].Kind
	} else {
		// Referrals and communications: their sources list only those the
		// actor may see, and open nothing.
		more, err := a.sourcedEntries(ctx, pupil)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(more, func(se SourcedEntry) bool { return se.Entry.ID == item && KeyEventKind(se.Entry.Kind) }); i >= 0 {
			kind = more[i].Entry.Kind
		}
	}
	if kind == "" {
		return vigil.Errorf(vigil.ENOTFOUND, "That entry is not in this pupil's chronology.")
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetKeyEvent(ctx, pupil, item, key, act.PersonID); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditKeyEventMarked, ObjectType: "chronology", ObjectID: item, PupilID: pupil,
			Detail: map[string]string{"key": strconv.FormatBool(key), "kind": kind}})
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

// SearchResults is what a search found among the records the actor may
// see. Referrals and communications are searched only when words are
// given, and only for those who may see concerns beyond their own.
type SearchResults struct {
	Concerns       []*ConcernSummary
	Referrals      []*vigil.Referral      // nothing sealed opened
	Communications []*vigil.Communication // opened
	Records        bool                   // referrals and communications were searched
}

// SearchConcerns finds concerns whose text holds every word of the query
// (through the blind index) and that match the filters, among those the
// actor may see. Permissions are applied in the database, before anything
// is decrypted. The words searched for are never recorded.
func (a *App) SearchConcerns(ctx context.Context, f SearchFilter) ([]*ConcernSummary, error) {
	res, err := a.search(ctx, f, false)
	if err != nil {
		return nil, err
	}
	return res.Concerns, nil
}

// Search is SearchConcerns that, when words are given, also finds the
// referrals (by agency, reference, details, response and outcome) and the
// communications (by what was said and agreed) holding every word, among
// those the actor may see. The filters apply to them too: the category
// to the concern each is linked to, the pupil and year group to its
// pupil, the dates to when it was made or took place, and the status
// (open or closed) to referrals only. Permissions are applied in the
// database before anything is decrypted; one audit event counts all that
// is shown, before any of it is opened, and never records the words.
func (a *App) Search(ctx context.Context, f SearchFilter) (*SearchResults, error) {
	return a.search(ctx, f, true)
}

func (a *App) search(ctx context.Context, f SearchFilter, records bool) (*SearchResults, error) {
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
	if f.Category != "" && !vigil.ValidID(string(f.Category)) {
		return nil, vigil.FieldError("category", "Choose a category from the list.")
	}
	if f.Pupil != "" && !vigil.ValidID(string(f.Pupil)) {
		return nil, vigil.FieldError("pupil", "The pupil is not known.")
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
	var tokens [][]byte
	if searched {
		key, err := a.Vault.SearchKey(ctx, act.SchoolID)
		if err != nil {
			return nil, err
		}
		toks := search.Query(key, f.Query)
		if len(toks) == 0 {
			return nil, vigil.FieldError("q", "Search for words of three letters or more.")
		}
		tokens = make([][]byte, len(toks))
		for i, t := range toks {
			tokens[i] = []byte(t)
		}
		ids, err := a.Store.SearchConcerns(ctx, tokens, cf.Visibility, 500)
		if err != nil {
			return nil, err
		}
		cf.IDs = append([]vigil.ConcernID{}, ids...)
	}
	list, err := a.Store.FindConcerns(ctx, cf)
	if err != nil {
		return nil, err
	}

	// Referrals and communications: the tokens and who may see each are
	// both conditions of one query, so nothing else is read.
	records = records && searched && authz.CanSeeConcerns(act)
	var refs []*store.SealedReferral
	var comms []*store.SealedCommunication
	if records {
		rf := referralFilter(act)
		rf.Tokens, rf.Pupil, rf.Category, rf.YearGroup, rf.From, rf.To, rf.Limit = tokens, f.Pupil, f.Category, f.YearGroup, cf.From, cf.To, f.Limit
		switch f.Status {
		case vigil.ConcernOpen:
			rf.Status = vigil.ReferralOpen
		case vigil.ConcernClosed:
			rf.Status = vigil.ReferralClosed
		}
		if refs, err = a.Store.FindReferrals(ctx, rf); err != nil {
			return nil, err
		}
		mf := communicationFilter(act, f.Pupil)
		mf.Tokens, mf.Category, mf.YearGroup, mf.From, mf.To, mf.Limit, mf.NewestFirst = tokens, f.Category, f.YearGroup, cf.From, cf.To, f.Limit, true
		if comms, err = a.Store.FindCommunications(ctx, mf); err != nil {
			return nil, err
		}
	}

	action := AuditConcernsListed
	if searched {
		action = AuditConcernsSearched
	}
	detail := map[string]string{"shown": strconv.Itoa(len(list) + len(refs) + len(comms)), "searched": strconv.FormatBool(searched)}
	if records {
		detail["concerns"], detail["referrals"], detail["communications"] = strconv.Itoa(len(list)), strconv.Itoa(len(refs)), strconv.Itoa(len(comms))
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, PupilID: f.Pupil, Detail: detail}); err != nil {
		return nil, err
	}
	res := &SearchResults{Records: records}
	if res.Concerns, err = a.summaries(ctx, list); err != nil {
		return nil, err
	}
	for _, r := range refs {
		res.Referrals = append(res.Referrals, r.Referral)
	}
	for _, sc := range comms {
		c, err := a.openCommunication(ctx, sc)
		if err != nil {
			return nil, err
		}
		res.Communications = append(res.Communications, c)
	}
	return res, nil
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
