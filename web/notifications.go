package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// notificationsPerPage is how many notifications a page of the centre shows.
const notificationsPerPage = 50

func init() {
	funcs["noteLink"] = app.NotificationLink
	funcs["channelTitle"] = vigil.ChannelTitle
}

type notificationsData struct {
	List        *app.NotificationList
	Loc         *time.Location
	Newer       string // link to the newer page, "" on the first
	Older       string // link to the older page, "" on the last
	Page, Pages int
}

// showNotifications handles GET /notifications?page=N: the person's alerts
// in this school, newest first, a page at a time. They name no pupil and
// hold no content: each opens its record and is marked read on the way.
func (h *Handler) showNotifications(w http.ResponseWriter, r *http.Request) {
	n := 1
	if s := r.URL.Query().Get("page"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > 100000 {
			h.fail(w, r, vigil.Errorf(vigil.ENOTFOUND, "No such page."))
			return
		}
	}
	list, err := h.app.NotificationPage(r.Context(), (n-1)*notificationsPerPage, notificationsPerPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := notificationsData{List: list, Loc: current(r.Context()).Location(), Page: n,
		Pages: max(1, (list.Total+notificationsPerPage-1)/notificationsPerPage)}
	if n > 1 {
		d.Newer = "/notifications?page=" + strconv.Itoa(n-1)
	}
	if list.More() {
		d.Older = "/notifications?page=" + strconv.Itoa(n+1)
	}
	h.render(w, r, http.StatusOK, "notifications", page{Title: "Notifications", Nav: "notifications", Data: d})
}

// readNotifications handles POST /notifications/read: mark all read.
func (h *Handler) readNotifications(w http.ResponseWriter, r *http.Request) {
	if _, err := h.app.ReadAllNotifications(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// readNotification handles POST /notifications/{id}/read: mark one read
// and open its record. Someone else's notification is a 404.
func (h *Handler) readNotification(w http.ResponseWriter, r *http.Request) {
	n, err := h.app.ReadNotification(r.Context(), vigil.NotificationID(r.PathValue("id")))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, app.NotificationLink(n), http.StatusSeeOther)
}

type notificationSettingsData struct {
	School   string
	Channel  string
	Channels []string
	Saved    bool
}

// showNotificationSettings handles GET /account/notifications: how the
// person is told about notifications in this school.
func (h *Handler) showNotificationSettings(w http.ResponseWriter, r *http.Request) {
	c, err := h.app.NotificationChannel(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "notification_settings", page{Title: "How you are notified", Nav: "notifications",
		Data: notificationSettingsData{School: schoolName(r), Channel: c, Channels: vigil.Channels}})
}

// saveNotificationSettings handles POST /account/notifications.
func (h *Handler) saveNotificationSettings(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	c := r.PostFormValue("channel")
	err := h.app.SetNotificationChannel(r.Context(), c)
	switch vigil.ErrorCode(err) {
	case "":
		h.render(w, r, http.StatusOK, "notification_settings", page{Title: "How you are notified", Nav: "notifications",
			Data: notificationSettingsData{School: schoolName(r), Channel: c, Channels: vigil.Channels, Saved: true}})
	case vigil.EINVALID:
		h.render(w, r, http.StatusUnprocessableEntity, "notification_settings", page{Title: "How you are notified", Nav: "notifications", Err: err,
			Data: notificationSettingsData{School: schoolName(r), Channel: vigil.ChannelBoth, Channels: vigil.Channels}})
	default:
		h.fail(w, r, err)
	}
}

func schoolName(r *http.Request) string {
	if cur := current(r.Context()); cur != nil && cur.School != nil {
		return cur.School.Name
	}
	return ""
}
