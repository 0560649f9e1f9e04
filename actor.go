package vigil

import "context"

// Actor is who is acting: a signed-in person in one school, or the operator's
// command line acting on one school. The store scopes every tenant query by
// Actor.SchoolID; it never takes a school from a URL or a form.
type Actor struct {
	PersonID   PersonID
	SchoolID   SchoolID
	Role       Role
	Designated bool
	SessionID  string // the session's public id (not the cookie's secret), for audit
	SteppedUp  bool   // gave a second factor in this session
	// Permissions in SchoolID, read from the database for each request.
	Permissions Permissions
	System      bool // the operator's command line or a background job
	IP          string
	UserAgent   string
}

type actorKey struct{}

// NewContext returns a copy of ctx that carries a.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// SystemContext returns ctx acting as the operator on school, as the command
// line and background jobs do.
func SystemContext(ctx context.Context, school SchoolID) context.Context {
	return NewContext(ctx, &Actor{SchoolID: school, System: true})
}
