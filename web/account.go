package web

import (
	"net/http"
	"time"
)

// sessionRow is one line of the "My sessions" list, with times already
// written in the school's time zone.
type sessionRow struct {
	ID         string
	Started    string
	StartedISO string
	LastActive string
	ActiveISO  string
	Device     string
	IP         string
	SteppedUp  bool
	Current    bool
}

type sessionsData struct {
	Sessions    []sessionRow
	Others      int    // sessions other than this one
	Notice      string // what was just done, from a fixed list
	IdleMinutes int
}

// sessionNotices are the messages a redirect back to the list may ask for;
// nothing from the URL is shown as it is.
var sessionNotices = map[string]string{
	"ended":  "That session has ended.",
	"others": "You have been signed out everywhere else.",
}

// showSessions handles GET /account/sessions: the signed-in person's
// sessions, newest first, with this one marked.
func (h *Handler) showSessions(w http.ResponseWriter, r *http.Request) {
	cur := current(r.Context())
	list, err := h.app.MySessions(r.Context(), cur)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	loc := cur.Location()
	when := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006, 15:04") }
	d := sessionsData{Notice: sessionNotices[r.URL.Query().Get("done")], IdleMinutes: cur.IdleSeconds() / 60}
	for _, s := range list {
		d.Sessions = append(d.Sessions, sessionRow{
			ID: s.ID, Started: when(s.Started), StartedISO: s.Started.UTC().Format(time.RFC3339),
			LastActive: when(s.LastActive), ActiveISO: s.LastActive.UTC().Format(time.RFC3339),
			Device: s.Device, IP: s.IP, SteppedUp: s.SteppedUp, Current: s.Current,
		})
		if !s.Current {
			d.Others++
		}
	}
	h.render(w, r, http.StatusOK, "account_sessions", page{Title: "My sessions", Nav: "sessions", Data: d})
}

// endSession handles POST /account/sessions/{id}/end. Another person's
// session answers 404, exactly like a missing one. Ending this session is
// signing out.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	cur, id := current(r.Context()), r.PathValue("id")
	if err := h.app.EndSession(r.Context(), cur, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if id == cur.Session.ID {
		h.setToken(w, r, "")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account/sessions?done=ended", http.StatusSeeOther)
}

// endOtherSessions handles POST /account/sessions/end-others: sign out
// everywhere but here.
func (h *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if _, err := h.app.EndOtherSessions(r.Context(), current(r.Context())); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/sessions?done=others", http.StatusSeeOther)
}

// keepAlive handles POST /account/keepalive, the idle warning's "Stay signed
// in" button. Reaching it through requireSession is the whole work: the
// session is checked and its idle clock restarted like any request's.
func (h *Handler) keepAlive(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
}
