package api

import (
	"net/http"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// Notification is an in-app alert. It carries no record content: what
// kind, which record, and where to open it.
type Notification struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	ConcernID *string   `json:"concern_id"`
	ObjectID  *string   `json:"object_id"` // the action, referral or communication
	Link      string    `json:"link"`      // the page of Vigil it opens, a path
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// NotificationList is a page of notifications with the unread count.
type NotificationList struct {
	Unread     int            `json:"unread"`
	Items      []Notification `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

func notification(n *vigil.Notification) Notification {
	out := Notification{ID: string(n.ID), Kind: n.Kind, Title: vigil.NotificationTitle(n.Kind), Link: app.NotificationLink(n),
		CreatedAt: n.CreatedAt.UTC(), Read: !n.ReadAt.IsZero()}
	if n.ConcernID != "" {
		id := string(n.ConcernID)
		out.ConcernID = &id
	}
	if n.ObjectID != "" {
		id := n.ObjectID
		out.ObjectID = &id
	}
	return out
}

// notifications handles GET /api/v1/notifications: a page of the newest
// (50 unless ?limit= says) and the unread count.
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) {
	page, err := readPage(r.URL.Query())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	list, err := h.app.NotificationPage(r.Context(), page.Offset, page.Limit)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	out := NotificationList{Unread: list.Unread, Items: make([]Notification, 0, len(list.Items)), NextCursor: page.next(len(list.Items), list.Total)}
	for _, n := range list.Items {
		out.Items = append(out.Items, notification(n))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// readNotification handles POST /api/v1/notifications/{id}/read: mark one
// read and answer it. Someone else's is a 404, like a missing one.
func (h *Handler) readNotification(w http.ResponseWriter, r *http.Request) {
	n, err := h.app.ReadNotification(r.Context(), vigil.NotificationID(r.PathValue("id")))
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, notification(n))
}

// readAllNotifications handles POST /api/v1/notifications/read-all.
func (h *Handler) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	n, err := h.app.ReadAllNotifications(r.Context())
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, struct {
		Marked int64 `json:"marked"` // how many were unread
	}{Marked: n})
}
