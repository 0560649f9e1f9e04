package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/authz"
)

// navCounts is what the navigation shows beside its links: unread
// notifications for everyone; for those who see concerns, the concerns
// not yet reviewed and their own overdue actions.
type navCounts struct {
	Unread     int
	Dashboard  bool // a DSL-type reader: the dashboard is offered
	Concerns   bool // may list concerns: their own, or more
	Sees       bool // sees concerns beyond their own now (stepped up)
	Unreviewed int
	Overdue    int
}

// navCounts counts for the layout. It costs two or three small queries and
// opens nothing; a failure leaves the badges off rather than the page.
func (h *Handler) navCounts(r *http.Request, cur *app.Current) *navCounts {
	if cur == nil || cur.School == nil || cur.Actor == nil {
		return nil
	}
	act := cur.Actor
	n := &navCounts{
		Dashboard: act.Designated || act.Permissions.Max().AtLeast(vigil.AccessViewAll),
		Concerns:  act.Permissions.Max().AtLeast(vigil.AccessViewOwn),
		Sees:      authz.CanSeeConcerns(act),
	}
	unread, c, err := h.app.Counts(r.Context())
	if err != nil {
		h.log.WarnContext(r.Context(), "navigation counts", slog.Any("err", err))
		return n
	}
	n.Unread, n.Unreviewed, n.Overdue = unread, c.Unreviewed, c.MyOverdueActions
	return n
}

type dashboardData struct {
	D   *app.Dashboard
	Loc *time.Location
	// OverdueReferrals are shown at the top until each has a response or
	// is closed.
	OverdueReferrals []*vigil.Referral
}

// showDashboard handles GET /dashboard: what a DSL sees first.
func (h *Handler) showDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := h.app.Dashboard(r.Context())
	if err == nil && d == nil {
		err = errNoConcerns
	}
	var overdue []*vigil.Referral
	if err == nil {
		overdue, err = h.app.OverdueReferrals(r.Context())
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard", Nav: "dashboard", Data: dashboardData{D: d, Loc: current(r.Context()).Location(),
		OverdueReferrals: overdue}})
}
