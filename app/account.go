package app

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Audit actions for a person managing their own sessions. Signing out of
// this session alone is vigil.AuditSignOut.
const (
	AuditSessionEnded        = "auth.session_ended"         // another of my sessions ended from the list
	AuditSignedOutEverywhere = "auth.signed_out_everywhere" // every session but this one ended
)

// IdleTimeout is how long the session may go without a request before it
// ends: the chosen school's setting, or the default before one is chosen.
// It matches what Authenticate enforces.
func (c *Current) IdleTimeout() time.Duration {
	if c.School != nil {
		return c.School.Settings.IdleTimeout()
	}
	return vigil.DefaultSchoolSettings().IdleTimeout()
}

// IdleSeconds is IdleTimeout in whole seconds, for the page's warning.
func (c *Current) IdleSeconds() int { return int(c.IdleTimeout() / time.Second) }

// Location is the time zone to show times in: the chosen school's, or
// Europe/London.
func (c *Current) Location() *time.Location {
	tz := "Europe/London"
	if c.School != nil && c.School.Settings.Timezone != "" {
		tz = c.School.Settings.Timezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SessionInfo is one of a person's sessions as they see it in their list.
// It has no token or token hash.
type SessionInfo struct {
	ID         string // public id
	Started    time.Time
	LastActive time.Time
	Device     string // DeviceName of the User-Agent: a hint, never trusted
	IP         string
	SteppedUp  bool
	Current    bool // the session this request came with
}

// MySessions lists the signed-in person's active sessions, newest first,
// marking the current one. Sessions already past their school's idle
// timeout are left out: they end at their next use, or at the next sweep.
func (a *App) MySessions(ctx context.Context, cur *Current) ([]SessionInfo, error) {
	list, err := a.Store.FindPersonSessions(ctx, cur.Person.ID)
	if err != nil {
		return nil, err
	}
	idle := a.idleTimeouts(ctx, cur)
	now := a.Now().UTC()
	out := make([]SessionInfo, 0, len(list))
	for _, ses := range list {
		limit, err := idle(ses.CurrentSchoolID)
		if err != nil {
			return nil, err
		}
		here := ses.ID == cur.Session.ID
		if !here && now.Sub(ses.LastSeenAt) > limit {
			continue
		}
		out = append(out, SessionInfo{
			ID: ses.ID, Started: ses.CreatedAt, LastActive: ses.LastSeenAt,
			Device: DeviceName(ses.UserAgent), IP: ses.IP,
			SteppedUp: !ses.SteppedUpAt.IsZero(), Current: here,
		})
	}
	return out, nil
}

// idleTimeouts returns a function giving the idle timeout Authenticate
// applies to a session in a school: that school's setting while the person
// is an active member of it, the default otherwise. Each school is loaded
// at most once.
func (a *App) idleTimeouts(ctx context.Context, cur *Current) func(vigil.SchoolID) (time.Duration, error) {
	member := map[vigil.SchoolID]bool{}
	for _, m := range cur.Memberships {
		member[m.SchoolID] = true
	}
	loaded := map[vigil.SchoolID]time.Duration{}
	if cur.School != nil {
		loaded[cur.School.ID] = cur.School.Settings.IdleTimeout()
	}
	return func(school vigil.SchoolID) (time.Duration, error) {
		if !member[school] {
			return vigil.DefaultSchoolSettings().IdleTimeout(), nil
		}
		if d, ok := loaded[school]; ok {
			return d, nil
		}
		sc, err := a.Store.FindSchoolByID(ctx, school)
		if err != nil {
			return 0, err
		}
		loaded[school] = sc.Settings.IdleTimeout()
		return loaded[school], nil
	}
}

// EndSession ends one of the signed-in person's sessions, named by its
// public id. A missing id and another person's session both give ENOTFOUND,
// and the other person's session is left alone. Ending the current session
// is signing out; the caller clears the cookie.
func (a *App) EndSession(ctx context.Context, cur *Current, id string) error {
	if err := a.Store.DeletePersonSession(ctx, cur.Person.ID, id); err != nil {
		return err
	}
	action := AuditSessionEnded
	if id == cur.Session.ID {
		action = vigil.AuditSignOut
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: action, ObjectType: "session", ObjectID: id}); err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "session ended", slog.String("session", id), slog.String("by", cur.Session.ID), slog.String("reason", "ended by its person"))
	return nil
}

// EndOtherSessions signs the person out everywhere but here: every session
// of theirs except the current one ends. It returns how many ended.
func (a *App) EndOtherSessions(ctx context.Context, cur *Current) (int, error) {
	n, err := a.Store.DeleteOtherSessions(ctx, cur.Person.ID, cur.Session.ID)
	if err != nil {
		return 0, err
	}
	if err := a.audit(ctx, vigil.AuditEvent{Action: AuditSignedOutEverywhere, ObjectType: "session", ObjectID: cur.Session.ID,
		Detail: map[string]string{"ended": strconv.FormatInt(n, 10)}}); err != nil {
		return 0, err
	}
	a.Log.InfoContext(ctx, "signed out everywhere else", slog.String("session", cur.Session.ID), slog.Int64("ended", n))
	return int(n), nil
}

// DeviceName sums up a User-Agent header in a few plain words, such as
// "Chrome on Windows", so a person can tell their sessions apart. The header
// is whatever the browser chose to send: never use the answer for security.
func DeviceName(ua string) string {
	browser, os := browserName(ua), osName(ua)
	switch {
	case browser != "" && os != "":
		return browser + " on " + os
	case browser != "":
		return browser
	case os != "":
		return "A browser on " + os
	}
	return "Unknown device"
}

// browserName looks for the browser's own token. Order matters: Edge, Opera
// and Samsung Internet also say Chrome, and Chrome also says Safari.
func browserName(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"OPT/", "Opera"}, {"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Trident/", "Internet Explorer"}, {"MSIE ", "Internet Explorer"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	if strings.Contains(ua, "Safari/") && strings.Contains(ua, "Version/") {
		return "Safari"
	}
	return ""
}

// osName looks for the system. iPhones and iPads also say "Mac OS X", and
// Android and ChromeOS also say Linux, so those come first.
func osName(ua string) string {
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"},
		{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return o.name
		}
	}
	return ""
}
