// Package smtptest runs a real SMTP server inside a test, on 127.0.0.1, so
// code that sends email can be tested end to end without a mail server or a
// mock. Import it from tests only.
//
//	srv := smtptest.Start(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("vigil", "secret"))
//	m, err := notify.NewSMTP(srv.Config())
//	...
//	got := srv.WaitFor(t, 1, 10*time.Second)
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/vigil-safeguarding/vigil/notify"
)

// From is the sender address in the Config a Server hands out.
const From = "Vigil <vigil@school.example>"

// Received is one message the server accepted.
type Received struct {
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	Data     []byte   // the raw message as sent
	TLS      bool     // the message came over TLS (STARTTLS or implicit)
	Username string   // the user who signed in with AUTH, or ""

	// Parsed from Data. ParseErr says why they are empty if Data could not
	// be parsed.
	Header   mail.Header
	Subject  string // decoded
	Text     string // the text/plain part, transfer encoding undone, lines ending "\n"
	HTML     string // the text/html part, transfer encoding undone, lines ending "\n"
	ParseErr error
}

// Option changes how Start sets the server up.
type Option func(*options)

type options struct {
	username, password  string
	tls                 string // notify.TLSNone, TLSStartTLS or TLSImplicit
	failCount, failCode int
}

// WithAuth makes the server require AUTH PLAIN with this user name and
// password before it accepts a message. Without TLS the server allows AUTH
// over plain TCP, as a relay on localhost may.
func WithAuth(username, password string) Option {
	return func(o *options) { o.username, o.password = username, password }
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate made for this test; with WithAuth, AUTH is offered only after
// STARTTLS. Config sets TLS "starttls" and InsecureSkipVerify.
func WithSTARTTLS() Option {
	return func(o *options) { o.tls = notify.TLSStartTLS }
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on port
// 465, with a self-signed certificate. Config sets TLS "tls" and
// InsecureSkipVerify.
func WithImplicitTLS() Option {
	return func(o *options) { o.tls = notify.TLSImplicit }
}

// FailNext makes the server reject the next n messages at the end of DATA
// with code: 451 (or another 4xx) for a temporary failure, 550 (or another
// 5xx) for a permanent one. Rejected messages are not in Messages.
func FailNext(n, code int) Option {
	return func(o *options) { o.failCount, o.failCode = n, code }
}

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	addr *net.TCPAddr
	opts options
	smtp *smtp.Server

	mu       sync.Mutex
	messages []Received
	arrived  chan struct{} // closed and replaced when a message arrives
	failLeft int
	closed   bool // stops logging to t once cleanup has begun
}

// Start runs a server on 127.0.0.1 with a free port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{opts: options{tls: notify.TLSNone}, arrived: make(chan struct{})}
	for _, o := range opts {
		o(&s.opts)
	}
	s.failLeft = s.opts.failCount

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().(*net.TCPAddr)

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.MaxRecipients = 10
	srv.ErrorLog = log.New(testWriter{t: t, s: s}, "smtptest: ", 0)
	if s.opts.tls == notify.TLSNone {
		srv.AllowInsecureAuth = true // a relay on localhost
	} else {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}, MinVersion: tls.VersionTLS12}
		if s.opts.tls == notify.TLSImplicit {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	}
	s.smtp = srv

	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns nil once Close is called
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		_ = srv.Close()
		// Close misses a listener that Serve has not yet registered.
		_ = l.Close()
		<-done
	})
	return s
}

// Config returns a configuration that reaches this server: host 127.0.0.1,
// its port and TLS mode, the WithAuth credentials, From, and
// InsecureSkipVerify when the server uses TLS.
func (s *Server) Config() notify.SMTPConfig {
	return notify.SMTPConfig{
		Host:               s.addr.IP.String(),
		Port:               s.addr.Port,
		TLS:                s.opts.tls,
		Username:           s.opts.username,
		Password:           s.opts.password,
		From:               From,
		Timeout:            10 * time.Second,
		InsecureSkipVerify: s.opts.tls != notify.TLSNone,
	}
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr.String() }

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor blocks until at least n messages have been accepted and returns
// them, or fails the test after timeout. Call it from the test's goroutine.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		if got >= n {
			msgs := append([]Received(nil), s.messages...)
			s.mu.Unlock()
			return msgs
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-timer.C:
			t.Fatalf("smtptest: %d of %d messages arrived within %v", got, n, timeout)
			return nil
		}
	}
}

// accept records a message, or reports the failure FailNext asked for.
func (s *Server) accept(r Received) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft > 0 {
		s.failLeft--
		code := s.opts.failCode
		return &smtp.SMTPError{
			Code:         code,
			EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
			Message:      "smtptest: rejected as asked",
		}
	}
	s.messages = append(s.messages, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

// session is one SMTP conversation.
type session struct {
	srv      *Server
	conn     *smtp.Conn
	username string
	from     string
	to       []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.srv.opts.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.srv.opts.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if (identity != "" && identity != username) ||
			username != ss.srv.opts.username || password != ss.srv.opts.password {
			return smtp.ErrAuthFailed
		}
		ss.username = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.username != "" && ss.username == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	msg := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: isTLS, Username: ss.username}
	msg.ParseErr = parse(&msg)
	return ss.srv.accept(msg)
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse fills in the header, subject and decoded bodies of m from m.Data.
func parse(m *Received) error {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("decode subject: %w", err)
	}
	return parsePart(m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// parsePart reads one MIME part, descending into multiparts, and keeps the
// first text/plain and text/html bodies.
func parsePart(m *Received, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextPart undoes quoted-printable itself and hides the header.
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := parsePart(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = crlf.Replace(string(b))
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = crlf.Replace(string(b))
	}
	return nil
}

// crlf turns the CRLF line ends of mail into Go's "\n".
var crlf = strings.NewReplacer("\r\n", "\n")

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// selfSigned makes a short-lived certificate for 127.0.0.1 and localhost.
func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("smtptest: key: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "smtptest"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("smtptest: certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// testWriter sends the SMTP server's error log to the test log until
// cleanup begins; logging to t after a test has ended would panic.
type testWriter struct {
	t testing.TB
	s *Server
}

func (w testWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if !w.s.closed {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}
