package app

import (
	"context"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
)

// Audit actions of the notification centre and reminders.
const (
	AuditNotificationsChanged = "account.notifications_changed" // how a person is told
	AuditReminderSent         = "action.reminder_sent"
	AuditJobRetried           = "job.retried"
)

func init() {
	auditLabels[AuditNotificationsChanged] = "Changed how they are notified"
	auditLabels[AuditReminderSent] = "Sent an action reminder"
	auditLabels[AuditJobRetried] = "Retried a background job"
}

// NotificationLink returns the page a notification leads to: its record's
// page, chosen by the kind of record (the part of Kind before the dot).
// An action opens on its concern's page; a referral or communication on
// its own. The link names records by ID only.
func NotificationLink(n *vigil.Notification) string {
	record, _, _ := strings.Cut(n.Kind, ".")
	switch {
	case record == "action" && n.ConcernID != "" && n.ObjectID != "":
		return "/concerns/" + string(n.ConcernID) + "#action-" + n.ObjectID
	case record == "referral" && n.ObjectID != "":
		return "/referrals/" + n.ObjectID
	case record == "communication" && n.ObjectID != "":
		return "/communications/" + n.ObjectID
	case n.ConcernID != "":
		return "/concerns/" + string(n.ConcernID)
	}
	return "/notifications"
}

// notifyPeople tells each of people about a record, in the caller's
// transaction: an in-app notification of kind about concern (and object,
// the action, referral or communication, when there is one) and a
// content-free email linking to it, each as the person chose for this
// school. Someone who chose email only still has the notification, saved
// already read, so the record of who was told stays whole.
func (a *App) notifyPeople(ctx context.Context, people []vigil.PersonID, kind string, concern vigil.ConcernID, object string) error {
	if len(people) == 0 {
		return nil
	}
	// Recipients come from the caller's transaction: a second connection
	// taken here could wait forever on a pool that concurrent reminder
	// passes hold. Someone no longer a member of the school is not told.
	recipients, err := a.Store.NotificationRecipients(ctx, people)
	if err != nil {
		return err
	}
	ns := make([]store.NewNotification, 0, len(people))
	for _, p := range people {
		r, ok := recipients[p]
		if !ok {
			continue
		}
		ns = append(ns, store.NewNotification{PersonID: p, Kind: kind, ConcernID: concern, ObjectID: object, Read: r.Channel == vigil.ChannelEmail})
	}
	if err := a.Store.SaveNotifications(ctx, ns); err != nil {
		return err
	}
	// The email's link has no fragment: AttentionEmail allows only a path.
	path, _, _ := strings.Cut(NotificationLink(&vigil.Notification{Kind: kind, ConcernID: concern, ObjectID: object}), "#")
	for _, n := range ns {
		r := recipients[n.PersonID]
		if r.Channel == vigil.ChannelInApp {
			continue
		}
		msg, err := notify.AttentionEmail(r.Email, a.BaseURL, path)
		if err != nil {
			return err
		}
		if err := a.queueEmail(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// NotificationList is one page of the actor's notifications.
type NotificationList struct {
	Items   []*vigil.Notification
	Unread  int
	Total   int
	Offset  int
	PerPage int
}

// More reports whether notifications older than this page remain.
func (l *NotificationList) More() bool { return l.Offset+len(l.Items) < l.Total }

// NotificationPage returns limit of the actor's notifications in their
// school (50 when 0, at most 200), newest first, skipping offset, and the
// unread count. They carry no record content.
func (a *App) NotificationPage(ctx context.Context, offset, limit int) (*NotificationList, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.PersonID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	offset = max(offset, 0)
	p, err := a.Store.FindNotificationPage(ctx, act.PersonID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &NotificationList{Items: p.Items, Unread: p.Unread, Total: p.Total, Offset: offset, PerPage: limit}, nil
}

// ReadNotification marks one of the actor's notifications read and returns
// it, for its link. Someone else's, another school's and a missing one are
// ENOTFOUND alike.
func (a *App) ReadNotification(ctx context.Context, id vigil.NotificationID) (*vigil.Notification, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.PersonID == "" {
		return nil, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	return a.Store.MarkNotificationRead(ctx, act.PersonID, id)
}

// ReadAllNotifications marks every notification of the actor in their
// school read and returns how many were unread.
func (a *App) ReadAllNotifications(ctx context.Context) (int64, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.PersonID == "" {
		return 0, vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	return a.Store.MarkAllNotificationsRead(ctx, act.PersonID)
}

// NotificationChannel returns how the actor is told about notifications in
// their school: one of vigil.Channels.
func (a *App) NotificationChannel(ctx context.Context) (string, error) {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.PersonID == "" {
		return "", vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	return a.Store.NotificationChannel(ctx, act.PersonID)
}

// SetNotificationChannel saves how the actor wants to be told about
// notifications in their school, and audits the change. An unknown channel
// is EINVALID on the channel field.
func (a *App) SetNotificationChannel(ctx context.Context, channel string) error {
	act := vigil.ActorFrom(ctx)
	if act == nil || act.SchoolID == "" || act.PersonID == "" {
		return vigil.Errorf(vigil.EUNAUTHORIZED, "Please sign in.")
	}
	if !vigil.ValidChannel(channel) {
		return vigil.FieldError("channel", "Choose email, in Vigil, or both.")
	}
	return a.Store.RunInTx(ctx, func(ctx context.Context) error {
		before, err := a.Store.NotificationChannel(ctx, act.PersonID)
		if err != nil {
			return err
		}
		if before == channel {
			return nil
		}
		if err := a.Store.SetNotificationChannel(ctx, act.PersonID, channel); err != nil {
			return err
		}
		return a.audit(ctx, vigil.AuditEvent{Action: AuditNotificationsChanged, ObjectType: "person", ObjectID: string(act.PersonID),
			Detail: map[string]string{"from": before, "to": channel}})
	})
}
