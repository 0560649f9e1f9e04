package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/authz"
	"github.com/vigil-safeguarding/vigil/mis"
	"github.com/vigil-safeguarding/vigil/mis/wonde"
	"github.com/vigil-safeguarding/vigil/store"
)

// KindMISSync is the job that syncs one school from its MIS connector; its
// payload is a SyncJob.
const KindMISSync = "mis.sync"

// SyncJob is the payload of a KindMISSync job: read the whole roll, not
// only what changed; and mark leavers even past the leaver guard, as a
// person confirmed. The zero value is a nightly sync.
type SyncJob struct {
	Full           bool `json:"full,omitempty"`
	ConfirmLeavers bool `json:"confirm_leavers,omitempty"`
}

// RunSyncJob runs a KindMISSync job's payload for the school of the
// (system) actor in ctx.
func (a *App) RunSyncJob(ctx context.Context, payload []byte) (*ImportResult, error) {
	var j SyncJob
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &j); err != nil {
			return nil, vigil.Errorf(vigil.EINVALID, "The sync job's payload cannot be read.")
		}
	}
	return a.SyncMIS(ctx, j.Full, ImportOptions{ConfirmLeavers: j.Full && j.ConfirmLeavers})
}

// FullSyncEvery is how often a school's nightly delta sync reads the whole
// roll instead, to see who has left.
const FullSyncEvery = 7 * 24 * time.Hour

// deltaOverlap is how far before the last good sync's start the next delta
// sync reaches back, so a change made while that sync ran is not missed.
const deltaOverlap = 10 * time.Minute

// WondeLink is what the settings page shows of a school's Wonde link:
// never the token.
type WondeLink struct {
	SchoolID      string
	BaseURL       string
	Nightly       bool
	Status        string
	StatusMessage string
	LastDeltaFrom time.Time
	UpdatedAt     time.Time
}

// MISLink returns the actor's school's connector, or ENOTFOUND if none.
func (a *App) MISLink(ctx context.Context) (*WondeLink, error) {
	if err := authz.Check(vigil.ActorFrom(ctx), authz.ManageMIS); err != nil {
		return nil, err
	}
	l, err := a.Store.FindMISLink(ctx)
	if err != nil {
		return nil, err
	}
	return &WondeLink{SchoolID: l.RemoteID, BaseURL: l.BaseURL, Nightly: l.Nightly, Status: l.Status, StatusMessage: l.StatusMessage,
		LastDeltaFrom: l.LastDeltaFrom, UpdatedAt: l.UpdatedAt}, nil
}

// LinkWonde saves the school's Wonde id and token, sealed with the
// school's key, after checking with Wonde that they work. baseURL is ""
// for Wonde's own; another must be https (or a loopback address, for
// tests). The next sync is a full one.
func (a *App) LinkWonde(ctx context.Context, schoolID, token, baseURL string, nightly bool) error {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return err
	}
	schoolID, token, baseURL = strings.TrimSpace(schoolID), strings.TrimSpace(token), strings.TrimSpace(baseURL)
	p := vigil.Problems{}
	if schoolID == "" {
		p.Add("wonde_school_id", "Enter the school's Wonde id, such as A1930499544.")
	}
	if token == "" {
		p.Add("wonde_token", "Enter the token Wonde gave for this school.")
	} else if len(token) > 500 || strings.ContainsAny(token, " \t\r\n") {
		p.Add("wonde_token", "This does not look like a Wonde token.")
	}
	if baseURL != "" {
		// Where the token is sent is the operator's choice (a test
		// server), never a school user's.
		if !act.System {
			p.Add("wonde_url", "Only an operator may point Vigil at another Wonde address.")
		} else if msg := checkConnectorURL(baseURL); msg != "" {
			p.Add("wonde_url", msg)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	c := a.wondeClient(token, baseURL)
	if err := c.Check(ctx, schoolID); err != nil {
		return vigil.FieldError("wonde_token", connectorMessage(err))
	}
	sealed, err := a.Vault.Seal(ctx, act.SchoolID, "mis_links", string(act.SchoolID), "token", []byte(token))
	if err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		l := &store.MISLink{Provider: "wonde", RemoteID: schoolID, Token: sealed, BaseURL: baseURL, Nightly: nightly, UpdatedBy: act.PersonID}
		if err := a.Store.SaveMISLink(ctx, l); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditMISLinked, ObjectType: "school", ObjectID: string(act.SchoolID),
			Detail: map[string]string{"provider": "wonde", "nightly": boolText(nightly)}})
	})
}

// UnlinkMIS removes the school's connector and its token.
func (a *App) UnlinkMIS(ctx context.Context) error {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.DeleteMISLink(ctx); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditMISLinked, ObjectType: "school", ObjectID: string(act.SchoolID),
			Detail: map[string]string{"provider": "none"}})
	})
}

// SetMISNightly turns the school's nightly sync on or off.
func (a *App) SetMISNightly(ctx context.Context, on bool) error {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if err := a.Store.SetMISLinkNightly(ctx, on); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditMISLinked, ObjectType: "school", ObjectID: string(act.SchoolID),
			Detail: map[string]string{"nightly": boolText(on)}})
	})
}

// QueueMISSync asks the job runner to sync the school now ("sync now"). A
// sync already queued or running for the school is not queued twice.
// confirm (with full) lets the sync mark leavers past the leaver guard.
func (a *App) QueueMISSync(ctx context.Context, full, confirm bool) error {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return err
	}
	if _, err := a.Store.FindMISLink(ctx); err != nil {
		return err
	}
	payload, err := json.Marshal(SyncJob{Full: full, ConfirmLeavers: full && confirm})
	if err != nil {
		return err
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		if _, err := a.Store.EnqueueJob(ctx, &store.Job{Kind: KindMISSync, SchoolID: act.SchoolID, Payload: payload,
			UniqueKey: KindMISSync, MaxAttempts: 3}); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditMISSyncQueued, ObjectType: "school", ObjectID: string(act.SchoolID),
			Detail: map[string]string{"full": boolText(full), "confirm_leavers": boolText(full && confirm)}})
	})
}

// QueueNightlySyncs queues tonight's sync for every school whose connector
// syncs nightly: once per school per night, however many runners ask.
func (a *App) QueueNightlySyncs(ctx context.Context, night time.Time) (int, error) {
	schools, err := a.Store.FindSchools(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, sc := range schools {
		sctx := vigil.SystemContext(ctx, sc.ID)
		l, err := a.Store.FindMISLink(sctx)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND || err == nil && (!l.Nightly || l.Status == store.LinkReauthorise) {
			continue
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		ok, err := a.Store.EnqueueJobOnce(sctx, &store.Job{Kind: KindMISSync, SchoolID: sc.ID, Payload: []byte("{}"), MaxAttempts: 3,
			UniqueKey: KindMISSync + ".nightly." + night.UTC().Format(time.DateOnly)})
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// SyncMIS syncs the school of the (system) actor in ctx from its
// connector: a delta from where the last good sync started, or the whole
// roll when full is set or no sync has yet succeeded. A revoked token
// stops the school's nightly syncs until someone enters a new one, and
// nobody is marked as left by a sync that could not read everything.
func (a *App) SyncMIS(ctx context.Context, full bool, opt ImportOptions) (*ImportResult, error) {
	act := vigil.ActorFrom(ctx)
	if err := authz.Check(act, authz.ManageMIS); err != nil {
		return nil, err
	}
	l, err := a.Store.FindMISLink(ctx)
	if err != nil {
		return nil, err
	}
	token, err := a.Vault.Open(ctx, act.SchoolID, "mis_links", string(act.SchoolID), "token", l.Token)
	if err != nil {
		return nil, err
	}
	since := l.LastDeltaFrom
	if full {
		since = time.Time{}
	}
	// Wonde's leavers drop out of its lists, so only a full sync sees them
	// go: a delta becomes a full sync once a week.
	if !since.IsZero() {
		last, err := a.Store.LastFullSync(ctx, mis.SourceWonde)
		if err != nil {
			return nil, err
		}
		if a.Now().Sub(last) > FullSyncEvery {
			since = time.Time{}
		}
	}
	started := a.Now()
	c := a.wondeClient(string(token), l.BaseURL)
	c.Progress = func(kind string, n int) { opt.progress("reading "+kind, n, 0) }
	b, err := c.Fetch(ctx, l.RemoteID, since)
	if err == nil && !since.IsZero() {
		// A delta does not list who left: Wonde's deletions do.
		b.Removed, err = c.Deletions(ctx, l.RemoteID, since)
	}
	if err != nil {
		status := store.LinkFailing
		if errors.Is(err, wonde.ErrUnauthorised) {
			status = store.LinkReauthorise
		}
		msg := connectorMessage(err)
		if serr := a.Store.SetMISLinkStatus(ctx, status, msg, time.Time{}); serr != nil {
			a.Log.Error("record MIS link status", "err", serr)
		}
		y := &store.MISSync{Source: mis.SourceWonde, Mode: modeOf(since), DryRun: opt.DryRun, StartedBy: act.PersonID}
		if serr := a.Store.StartMISSync(ctx, y); serr != nil {
			return nil, serr
		}
		a.finishFailedSync(ctx, y, nil, err)
		if errors.As(err, new(*mis.ProblemError)) {
			return &ImportResult{Sync: y}, err
		}
		if status == store.LinkReauthorise || errors.Is(err, wonde.ErrNoAccess) {
			// Trying again will not help until someone acts.
			return &ImportResult{Sync: y}, vigil.Errorf(vigil.EINVALID, "%s", msg)
		}
		return &ImportResult{Sync: y}, fmt.Errorf("wonde sync: %w", err)
	}
	res, err := a.ImportBatch(ctx, b, opt)
	if err != nil {
		if serr := a.Store.SetMISLinkStatus(ctx, store.LinkFailing, vigil.ErrorMessage(err), time.Time{}); serr != nil {
			a.Log.Error("record MIS link status", "err", serr)
		}
		return res, err
	}
	if !opt.DryRun {
		if err := a.Store.SetMISLinkStatus(ctx, store.LinkOK, "", started.Add(-deltaOverlap)); err != nil {
			return res, err
		}
	}
	return res, nil
}

func modeOf(since time.Time) string {
	if since.IsZero() {
		return "full"
	}
	return "delta"
}

// wondeClient returns a client for the token and base URL ("" for Wonde's
// own).
func (a *App) wondeClient(token, baseURL string) *wonde.Client {
	if baseURL == "" {
		baseURL = a.WondeURL
	}
	c := &wonde.Client{Token: token, BaseURL: baseURL, HTTP: a.ConnectorHTTP}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	return c
}

// checkConnectorURL reports a problem with a connector base URL, or "".
func checkConnectorURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "Enter a full address, such as https://api.example/v1.0/."
	}
	host := u.Hostname()
	loopback := host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "The address must start with https://."
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "The address must not hold a user, query or fragment."
	}
	return ""
}

// connectorMessage turns a connector error into a message safe to show: it
// never holds the token or data from the response.
func connectorMessage(err error) string {
	switch {
	case errors.Is(err, wonde.ErrUnauthorised), errors.Is(err, wonde.ErrNoAccess):
		return err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The sync was stopped before it finished; nothing was changed."
	}
	if msg := vigil.ErrorMessage(err); vigil.ErrorCode(err) != vigil.EINTERNAL {
		return msg
	}
	return "Wonde could not be read: " + err.Error()
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
