package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions of the audit pages themselves: reading the trail is
// recorded in it like any other read.
const (
	AuditTrailViewed   = "audit.viewed"
	AuditTrailExported = "audit.exported"
)

// AuditGroup is a kind of action the audit pages filter by: every action
// whose name starts with Key and a dot.
type AuditGroup struct{ Key, Title string }

// AuditGroups lists the kinds of action, in the order the filter shows
// them.
var AuditGroups = []AuditGroup{
	{"auth", "Sign-in and security"},
	{"pupil", "Pupil records"},
	{"concern", "Concerns"},
	{"access", "Staff access"},
	{"school", "School settings"},
	{"audit", "Audit trail"},
}

// ValidAuditGroup reports whether key names one of AuditGroups.
func ValidAuditGroup(key string) bool {
	for _, g := range AuditGroups {
		if g.Key == key {
			return true
		}
	}
	return false
}

// auditLabels words the actions a reader meets most; AuditLabel words any
// other from its name.
var auditLabels = map[string]string{
	vigil.AuditSignIn:             "Signed in",
	vigil.AuditSignInFailed:       "Sign-in failed",
	vigil.AuditSignInThrottled:    "Sign-in slowed after failures",
	vigil.AuditSignOut:            "Signed out",
	vigil.AuditSchoolChosen:       "Chose this school",
	vigil.AuditStepUp:             "Confirmed with second factor",
	vigil.AuditStepUpFailed:       "Second factor failed",
	vigil.AuditTOTPEnrolled:       "Set up authenticator app",
	vigil.AuditRecoveryUsed:       "Used a recovery code",
	vigil.AuditWebAuthnRegistered: "Added a security key",
	vigil.AuditWebAuthnRemoved:    "Removed a security key",
	vigil.AuditWebAuthnRenamed:    "Renamed a security key",
	vigil.AuditSecondFactorsReset: "Reset someone's second factor",
	vigil.AuditPasswordChanged:    "Changed password",
	vigil.AuditPasswordExpired:    "Password had expired",
	vigil.AuditDormantRefused:     "Refused: account unused too long",
	vigil.AuditPermissionChanged:  "Changed someone's access",
	vigil.AuditStaffDeactivated:   "Deactivated a member of staff",
	vigil.AuditStaffReactivated:   "Reactivated a member of staff",
	vigil.AuditSettingsChanged:    "Changed school settings",
	vigil.AuditPupilViewed:        "Viewed pupil",
	vigil.AuditPupilsListed:       "Listed or searched pupils",
	vigil.AuditAPITokenCreated:    "Created an API token",
	vigil.AuditAPITokenRevoked:    "Revoked an API token",
	vigil.AuditAPITokenRefused:    "API token refused",
	AuditSessionEnded:             "Ended one of their sessions",
	AuditSignedOutEverywhere:      "Signed out everywhere else",
	AuditPasswordResetRequested:   "Asked for a password reset",
	AuditPasswordReset:            "Reset password",
	AuditResetSent:                "Sent someone a password reset link",
	AuditInvited:                  "Invited a member of staff",
	AuditInvitationAccepted:       "Accepted an invitation",
	AuditTrailViewed:              "Viewed the audit trail",
	AuditTrailExported:            "Exported the audit trail",
}

// AuditLabel returns an action as a reader would say it: "Viewed pupil"
// for pupil.viewed, and for an action without its own wording, its name
// in words ("concern.created" is "Concern created").
func AuditLabel(action string) string {
	if l, ok := auditLabels[action]; ok {
		return l
	}
	s := strings.NewReplacer(".", " ", "_", " ").Replace(action)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// AuditEntry is an audit event with who acted and the pupil's name, as
// the store reads it.
type AuditEntry = store.AuditEntry

// AuditQuery is what a reader asks of the audit trail. The school is
// always the actor's.
type AuditQuery struct {
	Person vigil.PersonID // who acted
	Pupil  vigil.PupilID  // whose records
	Group  string         // an AuditGroups key, "" for every action
	// From and To are whole days in Loc, both included; zero is open.
	From, To vigil.Date
	Loc      *time.Location // the school's time zone; UTC when nil
	Before   int64          // the page cursor: events before this seq
}

// AuditPageSize is how many events a page of the trail shows.
const AuditPageSize = 50

// AuditView is one page of the audit trail.
type AuditView struct {
	Entries []*AuditEntry
	Older   int64               // the cursor of the next, older page; 0 when there is none
	Pupil   *vigil.Pupil        // set when the trail is filtered to a pupil
	Person  *vigil.Person       // set when it is filtered to a person
	Staff   []*vigil.Membership // the school's members, for the filter
}

// Audit returns a page of the school's audit trail, newest first, and
// records that the actor read it. A pupil or person of another school is
// ENOTFOUND, exactly as a missing one; a person who is not a member is
// found only if they acted in this school (a trust lead). Pupils' names
// are left out for a reader who may not view pupils.
func (a *App) Audit(ctx context.Context, q AuditQuery) (*AuditView, error) {
	v := &AuditView{}
	f, err := a.auditFilter(ctx, q, v)
	if err != nil {
		return nil, err
	}
	f.Before, f.Limit = q.Before, AuditPageSize+1
	entries, err := a.Store.QueryAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(entries) > AuditPageSize {
		entries = entries[:AuditPageSize]
		v.Older = entries[AuditPageSize-1].Seq
	}
	v.Entries = a.hidePupilNames(ctx, entries)
	if v.Staff, err = a.Store.FindMembers(ctx); err != nil {
		return nil, err
	}
	detail := auditDetail(q)
	detail["shown"] = strconv.Itoa(len(entries))
	if q.Before > 0 {
		detail["before"] = strconv.FormatInt(q.Before, 10)
	}
	if err := a.audit(ctx, auditEvent(AuditTrailViewed, q, detail)); err != nil {
		return nil, err
	}
	return v, nil
}

// ExportAudit calls emit with every event matching q (its cursor aside),
// newest first, in batches, and returns how many it emitted. The export
// is recorded before the first event is handed over; an error from emit
// stops it.
func (a *App) ExportAudit(ctx context.Context, q AuditQuery, emit func(*AuditEntry) error) (int, error) {
	f, err := a.auditFilter(ctx, q, &AuditView{})
	if err != nil {
		return 0, err
	}
	if err := a.audit(ctx, auditEvent(AuditTrailExported, q, auditDetail(q))); err != nil {
		return 0, err
	}
	f.Limit = 1000
	n := 0
	for {
		batch, err := a.Store.QueryAudit(ctx, f)
		if err != nil {
			return n, err
		}
		for _, en := range a.hidePupilNames(ctx, batch) {
			if err := emit(en); err != nil {
				return n, err
			}
			n++
		}
		if len(batch) < f.Limit {
			return n, nil
		}
		f.Before = batch[len(batch)-1].Seq
	}
}

// auditFilter checks the actor may read the trail and turns q into the
// store's filter, loading the pupil or person it names into v.
func (a *App) auditFilter(ctx context.Context, q AuditQuery, v *AuditView) (store.AuditFilter, error) {
	actor := vigil.ActorFrom(ctx)
	if err := authz.Check(actor, authz.ViewAudit); err != nil {
		return store.AuditFilter{}, err
	}
	f := store.AuditFilter{Person: q.Person, Pupil: q.Pupil}
	if q.Group != "" {
		if !ValidAuditGroup(q.Group) {
			return f, vigil.FieldError("group", "Choose a kind of action from the list.")
		}
		f.ActionPrefix = q.Group + "."
	}
	loc := q.Loc
	if loc == nil {
		loc = time.UTC
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return f, vigil.FieldError("to", "The end date is before the start date.")
	}
	if !q.From.IsZero() {
		y, m, d := q.From.Time().Date()
		f.From = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	if !q.To.IsZero() {
		y, m, d := q.To.Time().Date()
		f.To = time.Date(y, m, d+1, 0, 0, 0, 0, loc) // the whole of the last day
	}
	if q.Pupil != "" {
		// A pupil's trail names them: only for those who may view pupils.
		if err := authz.Check(actor, authz.ViewPupil); err != nil {
			return f, err
		}
		p, err := a.Store.FindPupilByID(ctx, q.Pupil)
		if err != nil {
			return f, err
		}
		v.Pupil = p
	}
	if q.Person != "" {
		p, err := a.auditPerson(ctx, q.Person)
		if err != nil {
			return f, err
		}
		v.Person = p
	}
	return f, nil
}

// auditPerson returns a member of the actor's school, or someone who has
// acted in it; anyone else is ENOTFOUND.
func (a *App) auditPerson(ctx context.Context, id vigil.PersonID) (*vigil.Person, error) {
	_, err := a.Store.FindMember(ctx, id)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		acted, qerr := a.Store.QueryAudit(ctx, store.AuditFilter{Person: id, Limit: 1})
		if qerr != nil {
			return nil, qerr
		}
		if len(acted) == 0 {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return a.Store.FindPersonByID(ctx, id)
}

// hidePupilNames blanks pupils' names for a reader who may not view pupils;
// the pupil's id stays.
func (a *App) hidePupilNames(ctx context.Context, entries []*AuditEntry) []*AuditEntry {
	if authz.Can(vigil.ActorFrom(ctx), authz.ViewPupil) {
		return entries
	}
	for _, en := range entries {
		en.PupilName = ""
	}
	return entries
}

// auditDetail records the filters of a read of the trail: ids, a group
// and dates, never names.
func auditDetail(q AuditQuery) map[string]string {
	d := map[string]string{}
	if q.Person != "" {
		d["person"] = string(q.Person)
	}
	if q.Pupil != "" {
		d["pupil"] = string(q.Pupil)
	}
	if q.Group != "" {
		d["group"] = q.Group
	}
	if !q.From.IsZero() {
		d["from"] = q.From.String()
	}
	if !q.To.IsZero() {
		d["to"] = q.To.String()
	}
	return d
}

// auditEvent names what the read was of: a pupil's trail, a person's, or
// the school's. Reading a pupil's trail is not an event about the pupil's
// own records, so PupilID stays empty and the pupil's trail does not fill
// with its readers.
func auditEvent(action string, q AuditQuery, detail map[string]string) vigil.AuditEvent {
	ev := vigil.AuditEvent{Action: action, Detail: detail}
	switch {
	case q.Pupil != "":
		ev.ObjectType, ev.ObjectID = "pupil", string(q.Pupil)
	case q.Person != "":
		ev.ObjectType, ev.ObjectID = "person", string(q.Person)
	default:
		ev.ObjectType = "audit_trail"
	}
	return ev
}
