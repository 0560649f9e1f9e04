package vigil

// How a person is told about notifications in one school: by email, in
// Vigil, or both (the default). Every notification is still kept in Vigil
// for the record; "email only" saves it already read, so it neither
// counts as unread nor asks for attention twice.
const (
	ChannelBoth  = "both"
	ChannelEmail = "email"
	ChannelInApp = "in_app"
)

// Channels lists the choices in the order a form offers them.
var Channels = []string{ChannelBoth, ChannelInApp, ChannelEmail}

// ChannelTitle returns a channel as a page shows it.
func ChannelTitle(c string) string {
	switch c {
	case ChannelBoth:
		return "By email and in Vigil"
	case ChannelEmail:
		return "By email only"
	case ChannelInApp:
		return "In Vigil only, no emails"
	}
	return c
}

// ValidChannel reports whether c is one of Channels.
func ValidChannel(c string) bool {
	return c == ChannelBoth || c == ChannelEmail || c == ChannelInApp
}

// Kinds of reminder about an action with a due date, each sent at most
// once per action.
const (
	ReminderDueTomorrow = "due_tomorrow" // to the assignee, the day before
	ReminderDueToday    = "due_today"    // to the assignee, on the day
	ReminderOverdue     = "overdue"      // to the DSLs, the day after
)
