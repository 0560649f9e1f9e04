// Package app holds Vigil's use cases: signing in, choosing a school,
// listing and viewing pupils. Every check of who may do what happens here,
// through authz, before the store is asked; web and api only decode and
// render.
package app

import (
	"log/slog"
	"time"

	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
)

// App is the use-case layer.
type App struct {
	Store  *store.Store
	Hasher *auth.Hasher
	Log    *slog.Logger
	Now    func() time.Time
}

// New returns an App over the store.
func New(s *store.Store, h *auth.Hasher, log *slog.Logger) *App {
	return &App{Store: s, Hasher: h, Log: log, Now: time.Now}
}

// Meta describes where a request came from, for sessions and audit.
type Meta struct {
	IP        string
	UserAgent string
}
