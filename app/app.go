// Package app holds Vigil's use cases: signing in, choosing a school,
// listing and viewing pupils. Every check of who may do what happens here,
// through authz, before the store is asked; web and api only decode and
// render.
package app

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
)

// App is the use-case layer.
type App struct {
	Store  *store.Store
	Hasher *auth.Hasher
	Sealer *crypt.Sealer // person-level secrets: TOTP
	Log    *slog.Logger
	Now    func() time.Time

	// Mailer sends content-free emails (reset links, invitations); BaseURL
	// is where their links point.
	Mailer  notify.Mailer
	BaseURL string

	// Vault seals and opens school records; Blobs keeps documents'
	// encrypted bytes; Emails queues alert emails durably. UploadLimit caps
	// one document's size (20 MiB when 0).
	Vault       *crypt.Vault
	Blobs       blob.Store
	Emails      EmailQueue
	UploadLimit int64

	// ConnectorHTTP is the client MIS connectors (Wonde) call out with;
	// nil means one with a one-minute timeout. WondeURL replaces Wonde's
	// own address for links that name none (a test server).
	ConnectorHTTP *http.Client
	WondeURL      string
}

// randReader is where keys come from; crypto/rand's never fails.
var randReader = rand.Reader

// New returns an App over the store.
func New(s *store.Store, h *auth.Hasher, sealer *crypt.Sealer, log *slog.Logger) *App {
	return &App{Store: s, Hasher: h, Sealer: sealer, Log: log, Now: time.Now, Mailer: notify.Discard{}, BaseURL: "http://localhost"}
}

// audit appends an event about what the actor in ctx did, filling in who,
// from where and in which school.
func (a *App) audit(ctx context.Context, ev vigil.AuditEvent) error {
	if act := vigil.ActorFrom(ctx); act != nil {
		if ev.SchoolID == "" {
			ev.SchoolID = act.SchoolID
		}
		if ev.PersonID == "" {
			ev.PersonID = act.PersonID
		}
		if ev.SessionID == "" {
			ev.SessionID = act.SessionID
		}
		if ev.IP == "" {
			ev.IP, ev.UserAgent = act.IP, act.UserAgent
		}
	}
	return a.Store.AppendAudit(ctx, &ev)
}

// Meta describes where a request came from, for sessions and audit.
type Meta struct {
	IP        string
	UserAgent string
}
