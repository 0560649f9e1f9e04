// Package notify sends Vigil's email. Every email is content-free: it says
// that something needs the reader's attention and gives a link, and never a
// pupil's name, a concern's text or its category. The builders in
// templates.go are the only way Vigil makes a Message, and they accept no
// record content.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	vigil "github.com/vigil-safeguarding/vigil"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes for SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed; the default
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
	TLSNone     = "none"     // no encryption, allowed only for a relay on this machine
)

// DefaultSMTPTimeout bounds each step of a conversation with the mail server
// when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig is how Vigil reaches its mail server.
type SMTPConfig struct {
	Host string
	Port int // 0 means 587 for "starttls", 465 for "tls" and 25 for "none"
	// TLS is "starttls" (the default: the server must offer it), "tls"
	// (implicit, port 465) or "none" (only for a relay on localhost).
	TLS string
	// Username and Password are optional. They are sent with AUTH PLAIN (or
	// LOGIN when the server offers only that), and only over TLS unless the
	// host is loopback.
	Username, Password string
	From               string // e.g. "Vigil <vigil@school.example>"
	Timeout            time.Duration
	// InsecureSkipVerify skips checking the server's certificate. It is for
	// tests only, and Validate refuses it for any host but loopback.
	InsecureSkipVerify bool
}

// Validate checks the configuration and fills nothing in. It returns an
// EINVALID error naming each faulty setting: smtp_host, smtp_port, smtp_tls,
// smtp_username, smtp_password, smtp_from, smtp_timeout or
// smtp_insecure_skip_verify.
func (c SMTPConfig) Validate() error {
	p := vigil.Problems{}
	loopback := isLoopback(c.Host)
	switch {
	case c.Host == "":
		p.Add("smtp_host", "Give the mail server's host name.")
	case strings.ContainsAny(c.Host, " \t\r\n/@[]") || (strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil):
		p.Add("smtp_host", "Give the mail server's host name alone, without a scheme or port.")
	}
	if c.Port < 0 || c.Port > 65535 {
		p.Add("smtp_port", "The mail server's port must be between 1 and 65535.")
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !loopback {
			p.Add("smtp_tls", `Unencrypted mail ("none") is allowed only to a relay on this machine; use "starttls" or "tls".`)
		}
	default:
		p.Add("smtp_tls", `Choose "starttls", "tls" or "none".`)
	}
	if c.Username != "" || c.Password != "" {
		switch {
		case c.Username == "":
			p.Add("smtp_username", "Give the user name that goes with the mail server password.")
		case c.Password == "":
			p.Add("smtp_password", "Give the password for the mail server user.")
		case c.TLS == TLSNone && !loopback:
			p.Add("smtp_username", "Vigil signs in to a mail server only over TLS, or to a relay on this machine.")
		}
	}
	if c.From == "" {
		p.Add("smtp_from", "Give the address Vigil's email comes from.")
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		p.Add("smtp_from", `The from address is not valid; write it like "Vigil <vigil@school.example>".`)
	}
	if c.Timeout < 0 {
		p.Add("smtp_timeout", "The mail timeout cannot be negative.")
	}
	if c.InsecureSkipVerify && !loopback {
		p.Add("smtp_insecure_skip_verify", "Skipping certificate checks is for tests on this machine only.")
	}
	return p.Err()
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Message is one email to one person. Text is required; HTML is optional and
// sent as an alternative part.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// validate checks the parts of m that could break the envelope or headers.
// Its errors never repeat the content.
func (m Message) validate() error {
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
	return p.Err()
}

// Mailer sends one message. Send returns EINVALID for a malformed message;
// use IsPermanent to decide whether a failure is worth retrying.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SMTPMailer sends email through an SMTP server. It opens a new connection
// for each message, so it is safe for concurrent use.
type SMTPMailer struct {
	cfg SMTPConfig // validated, defaults filled in
}

// NewSMTP returns a mailer for the server c describes, or c's EINVALID error
// from Validate. It does not connect.
func NewSMTP(c SMTPConfig) (*SMTPMailer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSMTPTimeout
	}
	return &SMTPMailer{cfg: c}, nil
}

// Send delivers m. It returns EINVALID for a malformed message and otherwise
// an error that names the failed step and the server's reply code but never
// the recipient, the subject or the body; IsPermanent tells a 5xx rejection
// from a failure worth retrying. Cancelling ctx abandons the conversation.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	// connCtx ends when Send returns, which releases dialer's AfterFunc.
	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	client, err := gomail.NewClient(s.cfg.Host, s.options(connCtx)...)
	if err != nil {
		return fmt.Errorf("notify: set up mail client: %w", err)
	}
	err = client.DialAndSendWithContext(connCtx, msg)
	if err != nil && !msg.IsDelivered() {
		return classify(ctx, err)
	}
	// Delivered, perhaps with a failed QUIT afterwards: sending again would
	// deliver twice.
	return nil
}

// build turns m into a go-mail message. Addresses were checked by validate.
func (s *SMTPMailer) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.cfg.From); err != nil {
		return nil, vigil.FieldError("smtp_from", "The from address is not valid.")
	}
	if err := msg.To(m.To); err != nil {
		return nil, vigil.FieldError("to", "The email address is not valid.")
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	// RFC 3834: tells mail servers and auto-responders this is automated.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// options configures one go-mail client for one message.
func (s *SMTPMailer) options(ctx context.Context) []gomail.Option {
	c := s.cfg
	tlsConfig := &tls.Config{
		ServerName:         c.Host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: c.InsecureSkipVerify, // #nosec G402 -- Validate allows it for loopback only
	}
	opts := []gomail.Option{
		gomail.WithPort(c.Port),
		gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dialer(ctx, c, tlsConfig)),
	}
	switch c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&plainOrLogin{
			user: c.Username, pass: c.Password, host: c.Host,
			// Validate allows "none" with a password only on loopback.
			allowPlaintext: c.TLS == TLSNone && isLoopback(c.Host),
		}))
	}
	return opts
}

// dialer connects to the server and closes the connection when ctx ends,
// since go-mail watches ctx only while dialling; Send ends ctx when it
// returns. The connection is returned unwrapped: go-mail knows it is
// encrypted by its type, *tls.Conn.
func dialer(ctx context.Context, c SMTPConfig, tlsConfig *tls.Config) gomail.DialContextFunc {
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	return func(dialCtx context.Context, network, _ string) (net.Conn, error) {
		nd := &net.Dialer{}
		var conn net.Conn
		var err error
		if c.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: nd, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = nd.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { conn.Close() }) // harmless once go-mail has closed it
		return conn, nil
	}
}

// plainOrLogin signs in with AUTH PLAIN, or LOGIN when the server offers only
// that. go-mail's own PLAIN and LOGIN refuse to send the password without TLS
// unless allowPlaintext is set.
type plainOrLogin struct {
	user, pass, host string
	allowPlaintext   bool
	smtp.Auth        // the mechanism chosen by Start
}

// Start chooses the mechanism from those the server advertised.
func (a *plainOrLogin) Start(server *smtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.Auth = smtp.PlainAuth("", a.user, a.pass, a.host, a.allowPlaintext)
	case slices.Contains(server.Auth, "LOGIN"):
		a.Auth = smtp.LoginAuth(a.user, a.pass, a.host, a.allowPlaintext)
	default:
		return "", nil, errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN")
	}
	return a.Auth.Start(server)
}

// SendError is a failed delivery. Its Error names the step and the server's
// reply code but never the recipient, subject, body or the server's reply
// text, which often repeats the address.
type SendError struct {
	Step      string // "connect" (including STARTTLS and AUTH), "MAIL FROM", "RCPT TO", "DATA", ...
	Code      int    // the server's SMTP reply code, or 0 for a network or TLS failure
	Enhanced  string // the enhanced status code, e.g. "5.1.1", when the server gave one
	Permanent bool   // a 5xx reply: sending the same message again will fail again
	detail    string // safe description when there is no reply code
	err       error
}

// Error implements error.
func (e *SendError) Error() string {
	s := "notify: send email: " + e.Step
	if e.Code != 0 {
		s += fmt.Sprintf(": server replied %d", e.Code)
		if e.Enhanced != "" {
			s += " (" + e.Enhanced + ")"
		}
		if e.Permanent {
			s += ", permanent"
		}
		return s
	}
	return s + ": " + e.detail
}

// Unwrap returns the underlying error, for errors.Is with context errors and
// the like. Do not log its text: go-mail's include the recipient.
func (e *SendError) Unwrap() error { return e.err }

// IsPermanent reports whether err means the message will never be
// delivered, so a job runner should stop retrying: a 5xx reply from the
// server (including a rejected AUTH) or an invalid message. A 4xx reply, a
// network or TLS failure, a timeout and a cancelled context are temporary.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if e, ok := errors.AsType[*SendError](err); ok {
		return e.Permanent
	}
	return vigil.ErrorCode(err) == vigil.EINVALID
}

// enhancedCode finds an RFC 3463 status code such as "5.1.1" in a reply.
var enhancedCode = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// classify turns a go-mail error into a *SendError that keeps the reply
// code and drops the text.
func classify(ctx context.Context, err error) error {
	e := &SendError{Step: "connect", err: err}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.err = errors.Join(ctxErr, err)
		e.detail = ctxErr.Error()
		return e
	}
	if se, ok := errors.AsType[*gomail.SendError](err); ok {
		e.Step = sendStep(se.Reason)
		e.Code = se.ErrorCode()
		e.Enhanced = se.EnhancedStatusCode()
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			e.Permanent = true
			e.detail = "message refused before sending"
		default:
			e.Permanent = e.Code >= 500
			e.detail = "connection failed"
		}
		return e
	}
	// Failures before MAIL FROM: the greeting, EHLO, STARTTLS or AUTH.
	if tp, ok := errors.AsType[*textproto.Error](err); ok {
		e.Code = tp.Code
		e.Enhanced = enhancedCode.FindString(tp.Msg)
		e.Permanent = tp.Code >= 500
		return e
	}
	// A network, TLS or protocol error from go-mail or the standard
	// library: none of these carries the message or the recipient.
	e.detail = err.Error()
	return e
}

// sendStep names the step of a go-mail SendError.
func sendStep(r gomail.SendErrReason) string {
	switch r {
	case gomail.ErrGetSender, gomail.ErrSMTPMailFrom:
		return "MAIL FROM"
	case gomail.ErrGetRcpts, gomail.ErrSMTPRcptTo:
		return "RCPT TO"
	case gomail.ErrSMTPData, gomail.ErrWriteContent, gomail.ErrSMTPDataClose:
		return "DATA"
	case gomail.ErrSMTPReset:
		return "RSET"
	case gomail.ErrNoUnencoded:
		return "8BITMIME"
	default:
		return "connection check"
	}
}

// LogMailer is the mailer to use when no SMTP server is configured: instead
// of sending, it logs that an email was not sent, with only its recipient and
// subject. It never logs a body, whose link may carry a one-time token, so a
// password reset cannot be completed from the log.
type LogMailer struct {
	log *slog.Logger
}

// NewLogMailer returns a LogMailer writing to logger; a nil logger discards.
func NewLogMailer(logger *slog.Logger) *LogMailer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LogMailer{log: logger}
}

// Send logs m's recipient and subject. It returns EINVALID for a malformed
// message, as SMTPMailer would.
func (l *LogMailer) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	l.log.InfoContext(ctx, "email not sent: no SMTP server configured",
		slog.String("to", m.To), slog.String("subject", m.Subject))
	return nil
}

// Discard is a mailer that drops every message, for tests and tools that
// need a Mailer but no email.
type Discard struct{}

// Send returns EINVALID for a malformed message, as SMTPMailer would, and
// otherwise nil.
func (Discard) Send(_ context.Context, m Message) error { return m.validate() }
