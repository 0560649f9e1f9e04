package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// Checkpoint is a signed statement that a school's chain had head Head at
// event Seq at Time. One is written to the database and appended to a file
// the operator ships off the host, so cutting the newest events from the
// database is caught.
type Checkpoint struct {
	School    vigil.SchoolID `json:"school"`
	Seq       int64          `json:"seq"`
	Head      string         `json:"head"`
	Time      time.Time      `json:"time"`
	KeyID     string         `json:"key_id"`
	Signature string         `json:"signature"` // Ed25519, base64
}

// message is what a checkpoint's signature covers.
func (c *Checkpoint) message() []byte {
	return []byte("vigil-audit-checkpoint-v1|" + string(c.School) + "|" + strconv.FormatInt(c.Seq, 10) + "|" + c.Head + "|" +
		c.Time.UTC().Format(time.RFC3339Nano) + "|" + c.KeyID)
}

// Sign fills in the key id and signature.
func (c *Checkpoint) Sign(key ed25519.PrivateKey) {
	c.Time = c.Time.UTC().Truncate(time.Microsecond) // what a database keeps
	c.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.message()))
}

// Valid reports whether the checkpoint was signed by pub and not altered
// since.
func (c *Checkpoint) Valid(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || c.KeyID != KeyID(pub) {
		return false
	}
	return ed25519.Verify(pub, c.message(), sig)
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// LoadKey reads the Ed25519 signing key (its 32-byte seed) from path. With
// create set, a missing file is made (mode 0600), and created reports it. A
// file that other users can read is refused.
func LoadKey(path string, create bool) (key ed25519.PrivateKey, created bool, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("cannot make the folder for the audit signing key: %w", err)
		}
		seed := make([]byte, ed25519.SeedSize)
		_, _ = rand.Read(seed)
		if err := writeNew(path, seed); err != nil {
			return nil, false, fmt.Errorf("cannot write the audit signing key file: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), true, nil
	} else if errors.Is(err, fs.ErrNotExist) {
		return nil, false, vigil.Errorf(vigil.ENOTFOUND, "the audit signing key file %s does not exist", path)
	} else if err != nil {
		return nil, false, fmt.Errorf("cannot read the audit signing key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("the audit signing key file %s can be read by other users (mode %v); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the audit signing key file: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("the audit signing key file %s must hold exactly %d bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), false, nil
}

func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// AppendFile appends the checkpoint to the log at path as one JSON line and
// syncs it to disk.
func AppendFile(path string, c *Checkpoint) error {
	line, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot make the folder for the audit checkpoint file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open the audit checkpoint file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the audit checkpoint file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the audit checkpoint file: %w", err)
	}
	return f.Close()
}

// ReadFile reads a checkpoint log. A line that cannot be read is an error
// naming its number: a damaged log is a finding, not something to skip.
func ReadFile(path string) ([]Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Checkpoint
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s line %d is not a checkpoint: %v", path, n, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// Head is the newest event of a school's chain and the newest event a
// checkpoint covers (0 for none).
type Head struct {
	School       vigil.SchoolID
	Seq          int64
	Hash         string
	Checkpointed int64
}

// CheckpointStore is what a Checkpointer needs from the database.
type CheckpointStore interface {
	// AuditHeads returns each school's head, the service's sequence too.
	AuditHeads(ctx context.Context) ([]Head, error)
	// AddAuditCheckpoint stores a checkpoint; ECONFLICT if one is
	// stored at that event already.
	AddAuditCheckpoint(ctx context.Context, c *Checkpoint) error
}

// Checkpointer signs the head of every chain that has moved since its last
// checkpoint, storing each checkpoint in the database and appending it to
// File.
type Checkpointer struct {
	Store CheckpointStore
	Key   ed25519.PrivateKey
	File  string
	Log   *slog.Logger
	Now   func() time.Time

	mu    sync.Mutex
	nudge chan struct{}
	once  sync.Once
}

// Checkpoint writes a checkpoint for each school whose head moved and
// returns how many it wrote.
func (c *Checkpointer) Checkpoint(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	heads, err := c.Store.AuditHeads(ctx)
	if err != nil {
		return 0, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	n := 0
	for _, h := range heads {
		if h.Seq == 0 || h.Seq <= h.Checkpointed {
			continue
		}
		cp := &Checkpoint{School: h.School, Seq: h.Seq, Head: h.Hash, Time: now()}
		cp.Sign(c.Key)
		if err := c.Store.AddAuditCheckpoint(ctx, cp); vigil.ErrorCode(err) == vigil.ECONFLICT {
			continue // another process signed this head first
		} else if err != nil {
			return n, fmt.Errorf("store audit checkpoint: %w", err)
		}
		if err := AppendFile(c.File, cp); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Nudge asks Run for a checkpoint soon, without blocking: the store calls
// it when a school's trail reaches a multiple of 1,000 events.
func (c *Checkpointer) Nudge() {
	c.once.Do(c.init)
	select {
	case c.nudge <- struct{}{}:
	default:
	}
}

func (c *Checkpointer) init() { c.nudge = make(chan struct{}, 1) }

// Run writes checkpoints every interval and when nudged, until ctx ends.
// Failures are logged: the next tick tries again.
func (c *Checkpointer) Run(ctx context.Context, every time.Duration) {
	c.once.Do(c.init)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.nudge:
			// The nudge comes from inside the appending transaction; give
			// it a moment to commit.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
		if n, err := c.Checkpoint(ctx); err != nil {
			c.Log.Error("audit checkpoint", slog.Any("err", err))
		} else if n > 0 {
			c.Log.Info("audit checkpoints written", slog.Int("schools", n))
		}
	}
}
