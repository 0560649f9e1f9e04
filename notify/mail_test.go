package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/notify/smtptest"
)

const (
	baseURL = "https://vigil.oak.example"
	token   = "tok_Q2hhbmdlTWVQbGVhc2U-x9"
	to      = "dsl@oak.example"
)

// resetMessage is a real email, so its token can be searched for in errors
// and logs.
func resetMessage(t *testing.T) notify.Message {
	t.Helper()
	m, err := notify.ResetEmail(to, baseURL, token, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newMailer(t *testing.T, c notify.SMTPConfig) *notify.SMTPMailer {
	t.Helper()
	m, err := notify.NewSMTP(c)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return m
}

func TestSend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		opts     []smtptest.Option
		tls      bool
		username string
	}{
		{"starttls with auth", []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("vigil", "pa55-word")}, true, "vigil"},
		{"implicit tls with auth", []smtptest.Option{smtptest.WithImplicitTLS(), smtptest.WithAuth("vigil", "pa55-word")}, true, "vigil"},
		{"loopback relay with auth", []smtptest.Option{smtptest.WithAuth("vigil", "pa55-word")}, false, "vigil"},
		{"loopback relay", nil, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tc.opts...)
			m := resetMessage(t)
			if err := newMailer(t, srv.Config()).Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("got %d messages, want 1", len(got))
			}
			r := got[0]
			if r.ParseErr != nil {
				t.Fatalf("parse: %v\n%s", r.ParseErr, r.Data)
			}
			if r.From != "vigil@school.example" || len(r.To) != 1 || r.To[0] != to {
				t.Errorf("envelope from %q to %q", r.From, r.To)
			}
			if r.Header.Get("To") != "<"+to+">" {
				t.Errorf("To header %q", r.Header.Get("To"))
			}
			if r.Subject != "Reset your Vigil password" {
				t.Errorf("subject %q", r.Subject)
			}
			if r.TLS != tc.tls || r.Username != tc.username {
				t.Errorf("TLS %v, user %q; want %v, %q", r.TLS, r.Username, tc.tls, tc.username)
			}
			if r.Text != m.Text || r.HTML != m.HTML {
				t.Errorf("bodies changed in transit:\ntext %q\nwant %q", r.Text, m.Text)
			}
			if !strings.Contains(r.Text, baseURL+"/reset/"+token) {
				t.Errorf("text lacks the link:\n%s", r.Text)
			}
			if r.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Auto-Submitted %q", r.Header.Get("Auto-Submitted"))
			}
		})
	}
}

// TestSendNeedsSTARTTLS checks that "starttls" never falls back to plain
// text when the server does not offer STARTTLS.
func TestSendNeedsSTARTTLS(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("vigil", "pa55-word")) // no TLS
	c := srv.Config()
	c.TLS = notify.TLSStartTLS
	err := newMailer(t, c).Send(t.Context(), resetMessage(t))
	if err == nil {
		t.Fatal("sent without TLS")
	}
	if notify.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true; a TLS problem is worth retrying", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages arrived", n)
	}
}

func TestSendWrongPassword(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("vigil", "pa55-word"))
	c := srv.Config()
	c.Password = "not-the-password"
	err := newMailer(t, c).Send(t.Context(), resetMessage(t))
	var se *notify.SendError
	if !errors.As(err, &se) || se.Code != 535 || se.Step != "connect" {
		t.Fatalf("err = %v, want a 535 at connect", err)
	}
	if !notify.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = false for a 5xx", err)
	}
	if strings.Contains(err.Error(), c.Password) {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code      int
		permanent bool
	}{
		{451, false},
		{452, false},
		{550, true},
		{554, true},
	} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("vigil", "pa55-word"), smtptest.FailNext(1, tc.code))
			mailer := newMailer(t, srv.Config())
			m := resetMessage(t)
			err := mailer.Send(t.Context(), m)
			var se *notify.SendError
			if !errors.As(err, &se) || se.Code != tc.code || se.Step != "DATA" {
				t.Fatalf("err = %v, want %d at DATA", err, tc.code)
			}
			if got := notify.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			for _, secret := range []string{token, to, "password", "rejected as asked"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q contains %q", err, secret)
				}
			}
			// Only the next message fails.
			if err := mailer.Send(t.Context(), m); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Errorf("%d messages arrived, want 1", n)
			}
		})
	}
}

func TestSendNetworkFailure(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now

	c := notify.SMTPConfig{Host: "127.0.0.1", Port: port, From: smtptest.From, Timeout: 5 * time.Second}
	err = newMailer(t, c).Send(t.Context(), resetMessage(t))
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if notify.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true for a network failure", err)
	}
}

func TestSendCancelled(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := newMailer(t, srv.Config()).Send(ctx, resetMessage(t))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if notify.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = true for a cancelled send", err)
	}
}

func TestSendInvalidMessage(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	mailer := newMailer(t, srv.Config())
	for _, tc := range []struct {
		name  string
		m     notify.Message
		field string
	}{
		{"bad address", notify.Message{To: "not an address", Subject: "S", Text: "T"}, "to"},
		{"two-line subject", notify.Message{To: to, Subject: "S\r\nBcc: x@evil.example", Text: "T"}, "subject"},
		{"no text", notify.Message{To: to, Subject: "S"}, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mailer := range []notify.Mailer{mailer, notify.Discard{}, notify.NewLogMailer(nil)} {
				err := mailer.Send(t.Context(), tc.m)
				if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
					t.Errorf("%T: err = %v, want EINVALID on %s", mailer, err, tc.field)
				}
				if !notify.IsPermanent(err) {
					t.Errorf("%T: IsPermanent(%v) = false for an invalid message", mailer, err)
				}
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages arrived", n)
	}
}

// TestWaitFor sends from other goroutines, as a job runner would.
func TestWaitFor(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("vigil", "pa55-word"))
	mailer := newMailer(t, srv.Config())
	m := resetMessage(t)
	const n = 3
	errs := make(chan error, n)
	for range n {
		go func() { errs <- mailer.Send(context.Background(), m) }()
	}
	got := srv.WaitFor(t, n, 10*time.Second)
	if len(got) != n {
		t.Errorf("WaitFor returned %d messages, want %d", len(got), n)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("anything else"), false},
		{vigil.FieldError("to", "bad"), true},
		{&notify.SendError{Step: "DATA", Code: 451}, false},
		{&notify.SendError{Step: "RCPT TO", Code: 550, Permanent: true}, true},
	} {
		if got := notify.IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := notify.SMTPConfig{Host: "smtp.school.example", Username: "vigil", Password: "pw", From: "Vigil <vigil@school.example>"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*notify.SMTPConfig)
		field string // "" for valid
	}{
		{"no host", func(c *notify.SMTPConfig) { c.Host = "" }, "smtp_host"},
		{"host with port", func(c *notify.SMTPConfig) { c.Host = "smtp.school.example:587" }, "smtp_host"},
		{"host with scheme", func(c *notify.SMTPConfig) { c.Host = "smtp://smtp.school.example" }, "smtp_host"},
		{"ipv6 host", func(c *notify.SMTPConfig) { c.Host = "2001:db8::25" }, ""},
		{"port too high", func(c *notify.SMTPConfig) { c.Port = 70000 }, "smtp_port"},
		{"negative port", func(c *notify.SMTPConfig) { c.Port = -1 }, "smtp_port"},
		{"unknown tls", func(c *notify.SMTPConfig) { c.TLS = "ssl" }, "smtp_tls"},
		{"implicit tls", func(c *notify.SMTPConfig) { c.TLS = "tls"; c.Port = 465 }, ""},
		{"no tls to a remote host", func(c *notify.SMTPConfig) { c.TLS = "none"; c.Username, c.Password = "", "" }, "smtp_tls"},
		{"auth over plain tcp to a remote host", func(c *notify.SMTPConfig) { c.TLS = "none" }, "smtp_username"},
		{"auth over plain tcp to localhost", func(c *notify.SMTPConfig) { c.TLS = "none"; c.Host = "localhost" }, ""},
		{"auth over plain tcp to ::1", func(c *notify.SMTPConfig) { c.TLS = "none"; c.Host = "::1" }, ""},
		{"password without user", func(c *notify.SMTPConfig) { c.Username = "" }, "smtp_username"},
		{"user without password", func(c *notify.SMTPConfig) { c.Password = "" }, "smtp_password"},
		{"no from", func(c *notify.SMTPConfig) { c.From = "" }, "smtp_from"},
		{"bad from", func(c *notify.SMTPConfig) { c.From = "Vigil" }, "smtp_from"},
		{"negative timeout", func(c *notify.SMTPConfig) { c.Timeout = -time.Second }, "smtp_timeout"},
		{"skip verify remotely", func(c *notify.SMTPConfig) { c.InsecureSkipVerify = true }, "smtp_insecure_skip_verify"},
		{"skip verify on loopback", func(c *notify.SMTPConfig) { c.InsecureSkipVerify = true; c.Host = "127.0.0.1" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[tc.field] == "" {
				t.Fatalf("Validate = %v, want EINVALID on %s", err, tc.field)
			}
			if _, err := notify.NewSMTP(c); vigil.ErrorFields(err)[tc.field] == "" {
				t.Errorf("NewSMTP accepted what Validate refuses: %v", err)
			}
		})
	}
}

func TestLogMailer(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := notify.NewLogMailer(slog.New(slog.NewTextHandler(&buf, nil)))
	if err := l.Send(t.Context(), resetMessage(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{to, "Reset your Vigil password"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{token, "/reset/", "30 minutes"} {
		if strings.Contains(out, not) {
			t.Errorf("log shows the body (%q):\n%s", not, out)
		}
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	var m notify.Mailer = notify.Discard{}
	if err := m.Send(t.Context(), resetMessage(t)); err != nil {
		t.Fatal(err)
	}
}
