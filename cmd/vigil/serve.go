package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/api"
	"github.com/vigil-safeguarding/vigil/app"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/config"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/job"
	"github.com/vigil-safeguarding/vigil/notify"
	"github.com/vigil-safeguarding/vigil/server"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/web"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &config.Config{}
	c.Register(fs, true)
	withDemo := fs.Bool("demo", false, "create or refresh the demo school first and print how to sign in (password from VIGIL_DEMO_PASSWORD, or generated)")
	if err := parse(e, fs, "serve [flags]", args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (see vigil serve --help)", fs.Arg(0))
	}
	if err := c.Resolve(e.getenv); err != nil {
		return usageErr("%v", err)
	}
	log := newLogger(c, e.stderr)
	sealer, err := loadSealer(c, e, log)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Close()
	// The audit checkpointer signs each trail's head every 15 minutes,
	// when a trail passes a multiple of 1,000 events, and at shutdown.
	checkpoints, err := newCheckpointer(c, e, log, s)
	if err != nil {
		return err
	}
	s.AuditMilestone = checkpoints.Nudge
	hasher := auth.NewHasher(auth.DefaultArgon2, max(2, runtime.NumCPU()))
	if *withDemo {
		if err := seedDemo(ctx, e, s, hasher, sealer, c); err != nil {
			return err
		}
	}
	a := app.New(s, hasher, sealer, log)
	a.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if err := openRecords(ctx, c, e, s, a); err != nil {
		return err
	}
	if a.Mailer, err = newMailer(c, log); err != nil {
		return err
	}
	keys, err := app.NewWebAuthn(a, c.BaseURL)
	if err != nil {
		// Not fatal: the authenticator app still works. The default base
		// URL is an IP address, to which no browser binds a security key.
		log.Warn("security keys and passkeys are off", slog.String("reason", vigil.ErrorMessage(err)))
	}
	pages, err := web.New(a, log, web.Options{Secure: c.Secure(), BaseURL: c.BaseURL, WebAuthn: keys})
	if err != nil {
		return err
	}
	srv := server.New(s, pages, log, version)
	srv.API = api.New(a, log, api.Options{Secure: c.Secure()})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", c.Addr, errors.Unwrap(err))
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go sweepSessions(ctx, a, log)
	go runKeyRotation(ctx, c, e, s, log)
	go checkpoints.Run(ctx, 15*time.Minute)
	// Background jobs (emails, periodic work) stop with the service; one
	// still running after the grace period is taken up again, here or by
	// another process, once its lease lapses.
	stopJobs := startJobs(ctx, newJobRunner(s, a, log), log)
	defer stopJobs()
	log.Info("vigil listening", slog.String("addr", ln.Addr().String()), slog.String("base_url", c.BaseURL),
		slog.String("database", s.Dialect()), slog.String("version", version))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	// SIGTERM or Ctrl-C: stop taking requests and let those in flight finish.
	log.Info("shutting down; finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopJobs()
	if n, err := checkpoints.Checkpoint(shutdown); err != nil {
		log.Error("audit checkpoint at shutdown", slog.Any("err", err))
	} else if n > 0 {
		log.Info("audit checkpoints written", slog.Int("schools", n))
	}
	log.Info("stopped")
	return nil
}

// newMailer returns the SMTP mailer the settings describe or, with no mail
// server set, one that only logs each email's recipient and subject.
func newMailer(c *config.Config, log *slog.Logger) (notify.Mailer, error) {
	if c.SMTPHost == "" {
		log.Warn("no mail server set (VIGIL_SMTP_HOST): password reset and invitation emails are logged, not sent")
		return notify.NewLogMailer(log), nil
	}
	port := 0
	if c.SMTPPort != "" {
		p, err := strconv.Atoi(c.SMTPPort)
		if err != nil {
			return nil, usageErr("--smtp-port must be a number")
		}
		port = p
	}
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: c.SMTPHost, Port: port, TLS: c.SMTPTLS, Username: c.SMTPUsername,
		Password: c.SMTPPassword, From: c.SMTPFrom})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// sweepSessions deletes expired sessions every ten minutes. Expiry is also
// checked on every request; this only keeps the table small.
func sweepSessions(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// 120 minutes is the longest idle timeout a school may choose.
			n, err := a.Store.DeleteExpiredSessions(ctx, a.Now().Add(-120*time.Minute))
			if err != nil {
				log.Warn("sweep sessions", slog.Any("err", err))
			} else if n > 0 {
				log.Info("expired sessions removed", slog.Int64("count", n))
			}
		}
	}
}

// openRecords gives the app the vault that seals school records and the
// blob store that keeps documents (--blob-url: the data folder's blobs/ unless
// set).
func openRecords(ctx context.Context, c *config.Config, e *env, s *store.Store, a *app.App) error {
	v, _, err := openVault(c, e, s)
	if err != nil {
		return err
	}
	a.Vault = v
	a.Emails = job.EmailQueue{Store: s}
	if a.Blobs, err = blob.Open(ctx, c.BlobURL, blob.S3Credentials{AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey}); err != nil {
		return fmt.Errorf("document store: %w", err)
	}
	return nil
}

// loadSealer makes the master key if it is missing (see ensureMasterKey) and
// returns the sealer for person-level secrets.
func loadSealer(c *config.Config, e *env, log *slog.Logger) (*crypt.Sealer, error) {
	if c.SQLite() {
		if err := os.MkdirAll(filepath.Join(c.Data, "blobs"), 0o700); err != nil {
			return nil, fmt.Errorf("cannot make the data folder %s: %w", c.Data, err)
		}
	}
	master, err := masterKey(c, e, log) // VIGIL_MASTER_KEY, or the file made if missing
	if err != nil {
		return nil, err
	}
	return crypt.NewPersonSealer(master)
}

// ensureMasterKey makes the master key file if it is missing, with a loud
// warning to keep a copy away from the machine, and refuses one that others
// can read.
func ensureMasterKey(path string, e *env, log *slog.Logger) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("cannot make the folder for the master key: %w", err)
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("cannot create the master key file: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return fmt.Errorf("cannot write the master key file: %w", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("cannot write the master key file: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("cannot write the master key file: %w", err)
		}
		log.Warn("generated a new master key; copy it somewhere safe, off this machine: without it the records cannot be read",
			slog.String("file", path))
		fmt.Fprintf(e.stderr, "\n*** A new master key was written to %s.\n*** Keep a copy somewhere safe and OFF this machine, and never in the same place as backups.\n*** Without it, encrypted records cannot be read.\n\n", path)
		return nil
	} else if err != nil {
		return fmt.Errorf("cannot read the master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("the master key file %s can be read by other users (mode %v); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if fi.Size() != 32 {
		return fmt.Errorf("the master key file %s must hold exactly 32 bytes", path)
	}
	return nil
}
