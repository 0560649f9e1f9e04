-- Reminders about actions with a due date, each person's choice of how to
-- be told, and what a notification is about beyond its concern.
--
-- action_reminders records each reminder sent: its primary key lets one
-- reminder of each kind (due_tomorrow, due_today, overdue) be sent per
-- action, however many runners look at once, and it is written in the
-- same transaction as the notifications and emails it stands for.
--
-- notification_preferences is per membership (person × school): someone
-- who works in two schools may want emails from one and not the other. No
-- row means both email and in-app.
--
-- notifications.object_id names the action, referral or communication a
-- notification is about, so its link can go straight to it.

-- +goose Up
CREATE TABLE action_reminders (
    school_id  TEXT NOT NULL,
    action_id  TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('due_tomorrow', 'due_today', 'overdue')),
    due_on     DATE NOT NULL,
    recipients INTEGER NOT NULL,
    sent_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, action_id, kind),
    FOREIGN KEY (school_id, action_id) REFERENCES actions (school_id, id) ON DELETE CASCADE
);
CREATE INDEX actions_due ON actions (school_id, due_on) WHERE done_at IS NULL;

CREATE TABLE notification_preferences (
    school_id  TEXT NOT NULL REFERENCES schools (id),
    person_id  TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('both', 'email', 'in_app')),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (school_id, person_id)
);

ALTER TABLE notifications ADD COLUMN object_id TEXT;

-- +goose Down
ALTER TABLE notifications DROP COLUMN object_id;
DROP TABLE notification_preferences;
DROP INDEX actions_due;
DROP TABLE action_reminders;
