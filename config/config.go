// Package config reads Vigil's settings from flags and VIGIL_* environment
// variables (a flag wins over its variable). Secrets may come from a file
// named by a *_FILE variable. Only cmd/vigil imports it; everything else is
// handed plain values.
package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config is every setting.
type Config struct {
	Data          string // data folder
	DatabaseURL   string // sqlite:PATH or postgres://...
	Addr          string // listen address
	BaseURL       string // the address people reach Vigil at
	MasterKeyFile string // the key that wraps each school's keys
	LogLevel      string // debug, info, warn, error
	LogFormat     string // json or text

	// AuditKeyFile holds the Ed25519 key that signs audit checkpoints;
	// AuditCheckpointFile is the log each checkpoint is appended to.
	AuditKeyFile, AuditCheckpointFile string

	SMTPHost, SMTPPort, SMTPTLS, SMTPUsername, SMTPPassword, SMTPFrom string

	// BlobURL names the document store: a folder, file:PATH or
	// s3://BUCKET/PREFIX?... (see blob.Open). An S3 store signs with
	// S3AccessKey and S3SecretKey, which come only from the environment.
	BlobURL                  string
	S3AccessKey, S3SecretKey string
}

// Setting documents one setting for --help and the README.
type Setting struct {
	Flag, Env, Default, Help string
}

// Settings lists every setting, in the order help shows them.
var Settings = []Setting{
	{"data", "VIGIL_DATA", "./vigil-data", "data folder: SQLite database, document blobs, master key"},
	{"database-url", "VIGIL_DATABASE_URL", "sqlite:<data>/vigil.db", "database: sqlite:PATH or postgres://user@host:5432/db (or VIGIL_DATABASE_URL_FILE)"},
	{"master-key-file", "VIGIL_MASTER_KEY_FILE", "<data>/master.key", "file holding the 32-byte master key; made on first start if missing"},
	{"blob-url", "VIGIL_BLOB_URL", "<data>/blobs", "where documents are kept: a folder, file:PATH or s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&tls=true&path_style=false (keys in VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY, or their _FILE variants)"},
	{"audit-key-file", "VIGIL_AUDIT_KEY_FILE", "<data>/audit-signing.key", "file holding the Ed25519 key that signs audit checkpoints; keep it apart from the database and its backups; made on first start if missing"},
	{"audit-checkpoint-file", "VIGIL_AUDIT_CHECKPOINT_FILE", "<data>/audit-checkpoints.jsonl", "file each signed audit checkpoint is appended to; ship it off this machine"},
	{"addr", "VIGIL_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"base-url", "VIGIL_BASE_URL", "http://<addr>", "address people reach Vigil at; https:// marks cookies Secure"},
	{"log-level", "VIGIL_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
	{"log-format", "VIGIL_LOG_FORMAT", "json", "log format: json or text"},
	{"smtp-host", "VIGIL_SMTP_HOST", "", "mail server for password resets and invitations; unset logs emails' recipient and subject instead of sending"},
	{"smtp-port", "VIGIL_SMTP_PORT", "587", "mail server port (465 for implicit TLS)"},
	{"smtp-tls", "VIGIL_SMTP_TLS", "starttls", "starttls, tls (implicit) or none (a relay on this machine only)"},
	{"smtp-username", "VIGIL_SMTP_USERNAME", "", "mail server user name"},
	{"smtp-password", "VIGIL_SMTP_PASSWORD", "", "mail server password (or VIGIL_SMTP_PASSWORD_FILE)"},
	{"smtp-from", "VIGIL_SMTP_FROM", "Vigil <vigil@localhost>", "sender address of Vigil's emails"},
}

// Register adds the settings to fs. With serving false, the listening
// settings are left out (for commands that only touch the database).
func (c *Config) Register(fs *flag.FlagSet, serving bool) {
	vars := map[string]*string{
		"data": &c.Data, "database-url": &c.DatabaseURL, "master-key-file": &c.MasterKeyFile,
		"blob-url": &c.BlobURL, "audit-key-file": &c.AuditKeyFile, "audit-checkpoint-file": &c.AuditCheckpointFile,
		"addr": &c.Addr, "base-url": &c.BaseURL, "log-level": &c.LogLevel, "log-format": &c.LogFormat,
		"smtp-host": &c.SMTPHost, "smtp-port": &c.SMTPPort, "smtp-tls": &c.SMTPTLS, "smtp-username": &c.SMTPUsername,
		"smtp-password": &c.SMTPPassword, "smtp-from": &c.SMTPFrom,
	}
	for _, s := range Settings {
		if !serving && (s.Flag == "addr" || s.Flag == "base-url" || strings.HasPrefix(s.Flag, "smtp-")) {
			continue
		}
		fs.StringVar(vars[s.Flag], s.Flag, "", s.Help+" (env "+s.Env+"; default "+s.Default+")")
	}
}

// Resolve fills each unset setting from its environment variable, then from
// its default, and checks them. getenv is os.Getenv outside tests.
func (c *Config) Resolve(getenv func(string) string) error {
	pick := func(v *string, env, def string) {
		if *v == "" {
			*v = getenv(env)
		}
		if *v == "" {
			*v = def
		}
	}
	pick(&c.Data, "VIGIL_DATA", "./vigil-data")
	if c.DatabaseURL == "" && getenv("VIGIL_DATABASE_URL") == "" {
		if f := getenv("VIGIL_DATABASE_URL_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("cannot read VIGIL_DATABASE_URL_FILE: %w", err)
			}
			c.DatabaseURL = strings.TrimSpace(string(b))
		}
	}
	pick(&c.DatabaseURL, "VIGIL_DATABASE_URL", "sqlite:"+filepath.Join(c.Data, "vigil.db"))
	pick(&c.MasterKeyFile, "VIGIL_MASTER_KEY_FILE", filepath.Join(c.Data, "master.key"))
	pick(&c.BlobURL, "VIGIL_BLOB_URL", filepath.Join(c.Data, "blobs"))
	for _, k := range []struct {
		v   *string
		env string
	}{{&c.S3AccessKey, "VIGIL_S3_ACCESS_KEY"}, {&c.S3SecretKey, "VIGIL_S3_SECRET_KEY"}} {
		if *k.v = getenv(k.env); *k.v == "" {
			if f := getenv(k.env + "_FILE"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("cannot read %s_FILE: %w", k.env, err)
				}
				*k.v = strings.TrimSpace(string(b))
			}
		}
	}
	if strings.HasPrefix(c.BlobURL, "s3://") && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		return fmt.Errorf("an s3:// --blob-url needs VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY (or VIGIL_S3_ACCESS_KEY_FILE and VIGIL_S3_SECRET_KEY_FILE)")
	}
	pick(&c.AuditKeyFile, "VIGIL_AUDIT_KEY_FILE", filepath.Join(c.Data, "audit-signing.key"))
	pick(&c.AuditCheckpointFile, "VIGIL_AUDIT_CHECKPOINT_FILE", filepath.Join(c.Data, "audit-checkpoints.jsonl"))
	pick(&c.Addr, "VIGIL_ADDR", "127.0.0.1:8080")
	pick(&c.BaseURL, "VIGIL_BASE_URL", "http://"+c.Addr)
	if c.SMTPPassword == "" && getenv("VIGIL_SMTP_PASSWORD") == "" {
		if f := getenv("VIGIL_SMTP_PASSWORD_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return fmt.Errorf("cannot read VIGIL_SMTP_PASSWORD_FILE: %w", err)
			}
			c.SMTPPassword = strings.TrimSpace(string(b))
		}
	}
	pick(&c.SMTPHost, "VIGIL_SMTP_HOST", "")
	pick(&c.SMTPPort, "VIGIL_SMTP_PORT", "")
	pick(&c.SMTPTLS, "VIGIL_SMTP_TLS", "starttls")
	pick(&c.SMTPUsername, "VIGIL_SMTP_USERNAME", "")
	pick(&c.SMTPPassword, "VIGIL_SMTP_PASSWORD", "")
	pick(&c.SMTPFrom, "VIGIL_SMTP_FROM", "Vigil <vigil@localhost>")
	pick(&c.LogLevel, "VIGIL_LOG_LEVEL", "info")
	pick(&c.LogFormat, "VIGIL_LOG_FORMAT", "json")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level must be debug, info, warn or error")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format must be json or text")
	}
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("--base-url must start with http:// or https://")
	}
	return nil
}

// Secure reports whether people reach Vigil over HTTPS.
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// SQLite reports whether the database is the embedded SQLite file.
func (c *Config) SQLite() bool { return strings.HasPrefix(c.DatabaseURL, "sqlite:") }
