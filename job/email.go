package job

import (
	"context"
	"encoding/json"
	"net/mail"
	"strings"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/store"
)

// KindEmail is the kind of a job that sends one email.
const KindEmail = "email.send"

// emailAttempts is how often an email is tried: with JobBackoff's doubling
// from 30 seconds to an hour, about four hours of a mail server being away.
const emailAttempts = 10

// emailPayload is an email job's payload. Body is the plain text; the
// message is content-free (notify's builders make it so), since the payload
// is kept in the database as it is.
type emailPayload struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	HTML    string `json:"html,omitempty"`
}

// Enqueuer saves a job; *store.Store is one.
type Enqueuer interface {
	EnqueueJob(ctx context.Context, j *store.Job) (bool, error)
}

// EmailJob returns the job that sends m, for a caller that sets more of it
// (a UniqueKey, a later RunAt) before store.EnqueueJob. m must come from
// one of notify's builders, which put no record content in an email, and
// must carry no secret such as a password-reset link: the job is stored in
// the clear until it is purged. It returns EINVALID naming to, subject or
// text, without repeating them.
func EmailJob(m notify.Message) (*Job, error) {
	p := vigil.Problems{}
	if _, err := mail.ParseAddress(m.To); err != nil {
		p.Add("to", "The email address is not valid.")
	}
	if strings.TrimSpace(m.Subject) == "" || strings.ContainsAny(m.Subject, "\r\n") {
		p.Add("subject", "An email needs a one-line subject.")
	}
	if strings.TrimSpace(m.Text) == "" {
		p.Add("text", "An email needs a plain-text body.")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(emailPayload{To: m.To, Subject: m.Subject, Body: m.Text, HTML: m.HTML})
	if err != nil {
		return nil, err
	}
	return &Job{Kind: KindEmail, Payload: payload, MaxAttempts: emailAttempts}, nil
}

// EnqueueEmail enqueues a job that sends m (see EmailJob for what m may
// hold) for the school of the actor in ctx. Inside store.RunInTx it joins
// that transaction, so the email goes only if the transaction commits.
func EnqueueEmail(ctx context.Context, s Enqueuer, m notify.Message) error {
	j, err := EmailJob(m)
	if err != nil {
		return err
	}
	_, err = s.EnqueueJob(ctx, j)
	return err
}

// SendEmail returns the handler for KindEmail jobs: it sends each through
// mailer. A rejection the mail server will repeat (notify.IsPermanent)
// fails the job at once; anything else is tried again later.
func SendEmail(mailer notify.Mailer) Handler {
	return func(ctx context.Context, j *Job) error {
		var p emailPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return Permanent(vigil.Errorf(vigil.EINVALID, "The email job's payload cannot be read."))
		}
		err := mailer.Send(ctx, notify.Message{To: p.To, Subject: p.Subject, Text: p.Body, HTML: p.HTML})
		if notify.IsPermanent(err) {
			return Permanent(err)
		}
		return err
	}
}

// EmailQueue enqueues emails on the store's job queue; app uses it to send
// alerts from inside the transaction that records what they are about.
type EmailQueue struct{ Store Enqueuer }

// EnqueueEmail implements app.EmailQueue.
func (q EmailQueue) EnqueueEmail(ctx context.Context, m notify.Message) error {
	return EnqueueEmail(ctx, q.Store, m)
}
