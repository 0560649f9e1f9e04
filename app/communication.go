package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions for communications. Documents that come with one are
// audited as AuditDocumentUploaded, naming the communication.
const (
	AuditCommunicationCreated = "communication.created"
	AuditCommunicationViewed  = "communication.viewed"
	AuditCommunicationRefused = "communication.view_refused"
	AuditCommunicationsListed = "communication.listed"
)

// Who may see and record communications. One linked to a concern follows
// the concern: seen by those who see it in full, recorded by those who
// manage it. One linked to no concern is seen by the designated
// safeguarding team, the headteacher and the operator, and recorded by the
// team and the operator. Every read needs a second factor given in the
// session (authz.CanSeeConcerns).

// mayReadUnlinkedCommunications reports whether act may see communications
// linked to no concern.
func mayReadUnlinkedCommunications(act *vigil.Actor) bool {
	return authz.CanSeeConcerns(act) && (act.System || act.Designated || act.Role == vigil.RoleHeadteacher)
}

// mayRecordUnlinkedCommunications reports whether act may record a
// communication linked to no concern.
func mayRecordUnlinkedCommunications(act *vigil.Actor) bool {
	return authz.CanSeeConcerns(act) && (act.System || act.Designated)
}

// communicationFilter is what act may see of pupil's communications.
func communicationFilter(act *vigil.Actor, pupil vigil.PupilID) store.CommunicationFilter {
	return store.CommunicationFilter{Visibility: visibility(act), Unlinked: mayReadUnlinkedCommunications(act), Pupil: pupil}
}

func errCommunicationNotFound() error {
	return vigil.Errorf(vigil.ENOTFOUND, "Communication not found.")
}

// communicationAccess reports whether the actor may see a communication
// linked to concern ("" for none) and whether they may add to it.
func (a *App) communicationAccess(ctx context.Context, concern vigil.ConcernID) (see, change bool, err error) {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) {
		return false, false, nil
	}
	if concern == "" {
		return mayReadUnlinkedCommunications(act), mayRecordUnlinkedCommunications(act), nil
	}
	sc, err := a.Store.FindConcern(ctx, concern)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return false, false, nil
	} else if err != nil {
		return false, false, err
	}
	level := authz.Concern(act, sc.Categories(), sc.ReportedBy)
	return level >= authz.ConcernView, level >= authz.ConcernManage, nil
}

// NewCommunication is what a member of staff gives when recording a
// communication. ContactID names the parent or carer (With "parent"):
// their name and relationship are copied from the pupil's contacts.
// WithName and WithDetail are for an agency or a school.
type NewCommunication struct {
	PupilID    vigil.PupilID
	ConcernID  vigil.ConcernID // "" for none
	With       string
	ContactID  vigil.ContactID
	WithName   string
	WithDetail string
	Type       string
	OccurredAt time.Time
	Staff      []vigil.PersonID
	Others     string
	Body       string
	Agreed     string
	Files      []Upload // only with a concern
}

// RecordCommunication records a communication about a pupil: validated,
// sealed, indexed for search and audited, with its attachments, all or
// nothing. It needs
// manage access to the linked concern, or to be designated for one linked
// to none. Problems are EINVALID naming the field (see
// vigil.Communication.Validate, and files).
func (a *App) RecordCommunication(ctx context.Context, in NewCommunication) (*vigil.Communication, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	c := &vigil.Communication{PupilID: in.PupilID, ConcernID: in.ConcernID, With: in.With, Type: in.Type, OccurredAt: in.OccurredAt,
		Others: strings.TrimSpace(in.Others), Body: strings.TrimSpace(in.Body), Agreed: strings.TrimSpace(in.Agreed), RecordedBy: act.PersonID}
	for _, s := range in.Staff {
		if s != "" && !slices.Contains(c.Staff, s) {
			c.Staff = append(c.Staff, s)
		}
	}
	p := vigil.Problems{}
	pupil, err := a.Store.FindPupilByID(ctx, in.PupilID)
	switch vigil.ErrorCode(err) {
	case "":
		c.PupilName = pupil.Name()
	case vigil.ENOTFOUND:
		p.Add("pupil_id", "Choose a pupil of this school.")
	default:
		return nil, err
	}

	// The concern decides who may record it; a concern the actor may not
	// manage, cannot see, or that is not about this pupil gets one answer.
	if c.ConcernID != "" {
		ok := false
		if vigil.ValidID(string(c.ConcernID)) {
			sc, err := a.Store.FindConcern(ctx, c.ConcernID)
			if err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
				return nil, err
			}
			ok = err == nil && sc.Link(c.PupilID) != nil && authz.Concern(act, sc.Categories(), sc.ReportedBy) >= authz.ConcernManage
		}
		if !ok {
			p.Add("concern_id", "Choose a concern about this pupil that you manage.")
		}
	} else if !mayRecordUnlinkedCommunications(act) {
		p.Add("concern_id", "Only the designated safeguarding team can record a communication that is not about a concern. Choose the concern it is about.")
	}

	switch c.With {
	case vigil.CommWithParent:
		if vigil.ValidID(string(in.ContactID)) && pupil != nil {
			contacts, err := a.Store.FindContacts(ctx, c.PupilID)
			if err != nil {
				return nil, err
			}
			for _, k := range contacts {
				if k.ID == in.ContactID {
					c.ContactID, c.WithName, c.WithDetail = k.ID, k.Name, k.Relationship
				}
			}
		}
		if c.ContactID == "" {
			p.Add("contact_id", "Choose the parent or carer from the pupil's contacts.")
		}
	case vigil.CommWithAgency, vigil.CommWithSchool:
		c.WithName, c.WithDetail = strings.TrimSpace(in.WithName), strings.TrimSpace(in.WithDetail)
	}
	if len(c.Staff) > 0 {
		members, err := a.Store.FindMembers(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range c.Staff {
			if !slices.ContainsFunc(members, func(m *vigil.Membership) bool { return m.PersonID == s }) {
				p.Add("staff", "Choose staff of this school from the list.")
			}
		}
	}
	if err := c.Validate(a.Now()); err != nil {
		for f, msg := range vigil.ErrorFields(err) {
			p.Add(f, msg)
		}
	}
	switch {
	case len(in.Files) > 0 && c.ConcernID == "":
		p.Add("files", "Files can be attached only to a communication about a concern. Choose the concern, or keep the files elsewhere.")
	case len(in.Files) > 10:
		p.Add("files", "Attach at most 10 files at once.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}

	c.ID = vigil.CommunicationID(vigil.NewID())
	sealed, err := a.sealCommunication(ctx, c)
	if err != nil {
		return nil, err
	}
	// Found by a search for what was said or agreed.
	toks, err := a.tokens(ctx, c.Body, c.Agreed)
	if err != nil {
		return nil, err
	}
	// Files go to the blob store first (it cannot join a transaction); if
	// the record then fails, they are removed again.
	docs, err := a.storeFiles(ctx, c.ConcernID, "", in.Files)
	if err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.CreateCommunication(ctx, sealed); err != nil {
			return err
		}
		if err := a.Store.IndexRecord(ctx, CommunicationKind, string(c.ID), toks); err != nil {
			return err
		}
		for _, d := range docs {
			if err := a.Store.AddCommunicationDocument(ctx, c.ID, d); err != nil {
				return err
			}
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditDocumentUploaded, ObjectType: "document", ObjectID: string(d.ID), PupilID: c.PupilID,
				Detail: map[string]string{"concern": string(c.ConcernID), "communication": string(c.ID), "type": d.ContentType,
					"size": strconv.FormatInt(d.Size, 10)}}); err != nil {
				return err
			}
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditCommunicationCreated, ObjectType: "communication", ObjectID: string(c.ID), PupilID: c.PupilID,
			Detail: map[string]string{"concern": string(c.ConcernID), "type": c.Type, "with": c.With, "staff": strconv.Itoa(len(c.Staff)),
				"documents": strconv.Itoa(len(docs))}})
	})
	if err != nil {
		a.removeFiles(docs)
		return nil, err
	}
	return c, nil
}

func (a *App) sealCommunication(ctx context.Context, c *vigil.Communication) (*store.SealedCommunication, error) {
	sc := &store.SealedCommunication{Communication: c}
	row := string(c.ID)
	for _, f := range []struct {
		field, text string
		dst         *[]byte
	}{
		{"with_name", c.WithName, &sc.WithName},
		{"with_detail", c.WithDetail, &sc.WithDetail},
		{"others", c.Others, &sc.Others},
		{"body", c.Body, &sc.Body},
		{"agreed", c.Agreed, &sc.Agreed},
	} {
		var err error
		if *f.dst, err = a.seal(ctx, "communications", row, f.field, []byte(f.text)); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// openCommunication fills c's text from its sealed fields.
func (a *App) openCommunication(ctx context.Context, sc *store.SealedCommunication) (*vigil.Communication, error) {
	c, row := sc.Communication, string(sc.ID)
	for _, f := range []struct {
		field  string
		sealed []byte
		dst    *string
	}{
		{"with_name", sc.WithName, &c.WithName},
		{"with_detail", sc.WithDetail, &c.WithDetail},
		{"others", sc.Others, &c.Others},
		{"body", sc.Body, &c.Body},
		{"agreed", sc.Agreed, &c.Agreed},
	} {
		var err error
		if *f.dst, err = a.open(ctx, "communications", row, f.field, f.sealed); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// CommunicationView is a communication as its reader sees it.
type CommunicationView struct {
	Communication *vigil.Communication
	Documents     []*vigil.Document
	Categories    []string // the linked concern's, by name
	CanAdd        bool     // the reader may attach documents to it
}

// findCommunication returns a communication the actor may see, sealed,
// and whether they may add to it. One they may not see is ENOTFOUND,
// exactly as a missing one or another school's, and the refusal is
// audited.
func (a *App) findCommunication(ctx context.Context, id vigil.CommunicationID) (*store.SealedCommunication, bool, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, false, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, false, errCannotSeeConcerns(act)
	}
	sc, err := a.Store.FindCommunication(ctx, id)
	if err != nil {
		return nil, false, err
	}
	see, change, err := a.communicationAccess(ctx, sc.ConcernID)
	if err != nil {
		return nil, false, err
	}
	if !see {
		if err := a.audit(ctx, vigil.AuditEvent{Action: AuditCommunicationRefused, ObjectType: "communication", ObjectID: string(id), PupilID: sc.PupilID}); err != nil {
			return nil, false, err
		}
		return nil, false, errCommunicationNotFound()
	}
	return sc, change, nil
}

// Communication returns a communication the actor may see. One they may
// not see is ENOTFOUND, exactly as a missing one or another school's, and
// the refusal is audited; the view is audited before anything is opened.
func (a *App) Communication(ctx context.Context, id vigil.CommunicationID) (*CommunicationView, error) {
	sc, change, err := a.findCommunication(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditCommunicationViewed, ObjectType: "communication", ObjectID: string(id), PupilID: sc.PupilID,
		Detail: map[string]string{"concern": string(sc.ConcernID)}}); err != nil {
		return nil, err
	}
	v := &CommunicationView{CanAdd: change && sc.ConcernID != ""}
	if v.Communication, err = a.openCommunication(ctx, sc); err != nil {
		return nil, err
	}
	docs, err := a.Store.FindCommunicationDocuments(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.Document.Name, err = a.open(ctx, "documents", string(d.ID), "name", d.Name); err != nil {
			return nil, err
		}
		v.Documents = append(v.Documents, d.Document)
	}
	if v.Categories, err = a.communicationCategoryNames(ctx, sc.Categories); err != nil {
		return nil, err
	}
	return v, nil
}

func (a *App) communicationCategoryNames(ctx context.Context, ids []vigil.CategoryID) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cats, err := a.Store.FindCategories(ctx, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		for _, c := range cats {
			if c.ID == id {
				out = append(out, c.Name)
			}
		}
	}
	return out, nil
}

// PupilCommunications is a pupil's communications as one reader may see
// them, oldest first.
type PupilCommunications struct {
	Pupil     *vigil.Pupil
	Items     []*vigil.Communication
	CanRecord bool // the reader may record one about this pupil
}

// PupilCommunications returns the communications about pupil that the
// actor may see. The list is audited before it is opened.
func (a *App) PupilCommunications(ctx context.Context, pupil vigil.PupilID) (*PupilCommunications, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	p, err := a.Store.FindPupilByID(ctx, pupil)
	if err != nil {
		return nil, err
	}
	list, err := a.Store.FindCommunications(ctx, communicationFilter(act, pupil))
	if err != nil {
		return nil, err
	}
	managed, err := a.communicationConcerns(ctx, pupil)
	if err != nil {
		return nil, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditCommunicationsListed, ObjectType: "pupil", ObjectID: string(pupil), PupilID: pupil,
		Detail: map[string]string{"shown": strconv.Itoa(len(list))}}); err != nil {
		return nil, err
	}
	out := &PupilCommunications{Pupil: p, CanRecord: mayRecordUnlinkedCommunications(act) || len(managed) > 0}
	for _, sc := range list {
		c, err := a.openCommunication(ctx, sc)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, c)
	}
	return out, nil
}

// managedConcerns returns the concerns about pupil that the actor
// manages, newest logged first, unopened.
func (a *App) communicationConcerns(ctx context.Context, pupil vigil.PupilID) ([]*store.SealedConcern, error) {
	act := vigil.ActorFrom(ctx)
	list, err := a.Store.FindConcerns(ctx, store.ConcernFilter{Visibility: visibility(act), Pupil: pupil, Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []*store.SealedConcern
	for _, sc := range list {
		if authz.Concern(act, sc.Categories(), sc.ReportedBy) >= authz.ConcernManage {
			out = append(out, sc)
		}
	}
	return out, nil
}

// CommunicationConcern is a concern offered on the form to record a
// communication: when, its categories and status, never its text.
type CommunicationConcern struct {
	ID         vigil.ConcernID
	OccurredAt time.Time
	Categories []string
	Status     string
}

// CommunicationForm is what the form to record a communication offers.
type CommunicationForm struct {
	Pupil     *vigil.Pupil
	Contacts  []*vigil.Contact
	Concerns  []CommunicationConcern // the pupil's concerns the actor manages
	Unlinked  bool                   // the actor may record one linked to no concern
	Staff     []*vigil.Membership
	UploadMax int64
	FileTypes []string
}

// CommunicationForm returns the choices for recording a communication about
// pupil: their contacts, the concerns about them the actor manages, and
// the school's staff. Someone who may record none is EFORBIDDEN. The
// concerns listed are audited as a list.
func (a *App) CommunicationForm(ctx context.Context, pupil vigil.PupilID) (*CommunicationForm, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !authz.CanSeeConcerns(act) {
		return nil, errCannotSeeConcerns(act)
	}
	p, err := a.Store.FindPupilByID(ctx, pupil)
	if err != nil {
		return nil, err
	}
	managed, err := a.communicationConcerns(ctx, pupil)
	if err != nil {
		return nil, err
	}
	f := &CommunicationForm{Pupil: p, Unlinked: mayRecordUnlinkedCommunications(act), UploadMax: a.uploadLimit(ctx), FileTypes: blob.DocumentTypes}
	if len(managed) == 0 && !f.Unlinked {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include recording communications about this pupil. Ask your designated safeguarding lead.")
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditConcernsListed, PupilID: pupil,
		Detail: map[string]string{"view": "communication_form", "shown": strconv.Itoa(len(managed))}}); err != nil {
		return nil, err
	}
	for _, sc := range managed {
		names, err := a.communicationCategoryNames(ctx, sc.Categories())
		if err != nil {
			return nil, err
		}
		f.Concerns = append(f.Concerns, CommunicationConcern{ID: sc.ID, OccurredAt: sc.OccurredAt, Categories: names, Status: sc.Status})
	}
	if f.Contacts, err = a.Store.FindContacts(ctx, pupil); err != nil {
		return nil, err
	}
	members, err := a.Store.FindMembers(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.Active {
			f.Staff = append(f.Staff, m)
		}
	}
	return f, nil
}

// AddCommunicationDocuments attaches files to a communication linked to a
// concern the actor manages. One linked to no concern takes none (EINVALID
// on files).
func (a *App) AddCommunicationDocuments(ctx context.Context, id vigil.CommunicationID, files []Upload) ([]*vigil.Document, error) {
	sc, change, err := a.findCommunication(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case sc.ConcernID == "":
		return nil, vigil.FieldError("file", "Files can be attached only to a communication about a concern.")
	case !change:
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "Your access does not include adding to this communication.")
	case len(files) == 0:
		return nil, vigil.FieldError("file", "Choose a file to attach.")
	case len(files) > 10:
		return nil, vigil.FieldError("file", "Attach at most 10 files at once.")
	}
	docs, err := a.storeFiles(ctx, sc.ConcernID, "", files)
	if err != nil {
		return nil, err
	}
	err = a.Store.RunInTx(ctx, func(ctx context.Context) error {
		for _, d := range docs {
			if err := a.Store.AddCommunicationDocument(ctx, id, d); err != nil {
				return err
			}
			if err := a.audit(ctx, vigil.AuditEvent{Action: AuditDocumentUploaded, ObjectType: "document", ObjectID: string(d.ID), PupilID: sc.PupilID,
				Detail: map[string]string{"concern": string(sc.ConcernID), "communication": string(id), "type": d.ContentType,
					"size": strconv.FormatInt(d.Size, 10)}}); err != nil {
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

// CommunicationKind is the Kind of a communication's chronology entries
// and of its blind-index tokens.
const CommunicationKind = "communication"

func init() { chronologySources = append(chronologySources, communicationEntries) }

// communicationEntries is the chronology's source of communications: those
// about pupil the actor may see. Each entry's title (which names who it
// was with) and text are sealed, so they are filled in only when the
// chronology opens the entry. The chronology's own audit event covers
// them.
func communicationEntries(a *App, ctx context.Context, pupil vigil.PupilID) ([]SourcedEntry, error) {
	act := vigil.ActorFrom(ctx)
	if !authz.CanSeeConcerns(act) {
		return nil, nil
	}
	list, err := a.Store.FindCommunications(ctx, communicationFilter(act, pupil))
	if err != nil {
		return nil, err
	}
	out := make([]SourcedEntry, 0, len(list))
	for _, sc := range list {
		e := &vigil.ChronologyEntry{Kind: CommunicationKind, ID: string(sc.ID), ConcernID: sc.ConcernID, At: sc.OccurredAt,
			By: sc.RecorderName, Categories: sc.Categories}
		out = append(out, SourcedEntry{Entry: e, Open: func(ctx context.Context) error {
			c, err := a.openCommunication(ctx, sc)
			if err != nil {
				return err
			}
			e.Title, e.Summary = c.Title(), c.Body
			if c.Agreed != "" {
				e.Summary += "\n\nAgreed: " + c.Agreed
			}
			return nil
		}})
	}
	return out, nil
}
