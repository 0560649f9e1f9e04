package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/audit"
	"github.com/vigil-safeguarding/vigil/config"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, "Usage: vigil audit verify [--school SLUG] [--checkpoints FILE] [flags]\n       vigil audit checkpoint [flags]\n\nRun vigil audit verify --help for the flags.")
		if len(args) == 0 {
			return usageErr("say verify or checkpoint")
		}
		return nil
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, e, args[1:])
	case "checkpoint":
		return runAuditCheckpoint(ctx, e, args[1:])
	}
	return usageErr("unknown subcommand %q: use verify or checkpoint", args[0])
}

// runAuditVerify recomputes every audit chain and checks it against the
// signed checkpoints, printing one line per school; any finding is exit 1.
func runAuditVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	c := dbConfig(e, fs)
	slug := fs.String("school", "", "check only this school's trail (slug); \"service\" for the service's own")
	shippedPath := fs.String("checkpoints", "", "checkpoint file to check against, e.g. the copy shipped off the host (default the --audit-checkpoint-file)")
	s, err := openCommand(ctx, e, c, fs, "audit verify [--school SLUG] [--checkpoints FILE] [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()

	var shipped []audit.Checkpoint
	path := *shippedPath
	if path == "" {
		path = c.AuditCheckpointFile
	}
	shipped, err = audit.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && *shippedPath == "" {
		shipped = nil // no checkpoint written yet
	} else if err != nil {
		return fmt.Errorf("cannot read the checkpoint file: %w", err)
	}
	var pub ed25519.PublicKey
	key, _, err := audit.LoadKey(c.AuditKeyFile, false)
	if err != nil && vigil.ErrorCode(err) != vigil.ENOTFOUND {
		return err
	} else if err == nil {
		pub = key.Public().(ed25519.PublicKey)
	}

	names := map[vigil.SchoolID]string{vigil.ServiceSchoolID: "service"}
	var ids []vigil.SchoolID
	switch *slug {
	case "":
		schools, err := s.FindSchools(ctx)
		if err != nil {
			return err
		}
		for _, sc := range schools {
			ids, names[sc.ID] = append(ids, sc.ID), sc.Slug
		}
		ids = append(ids, vigil.ServiceSchoolID)
		// A school in the checkpoint file but not the database lost its
		// whole trail.
		for _, cp := range shipped {
			if _, ok := names[cp.School]; !ok {
				ids, names[cp.School] = append(ids, cp.School), string(cp.School)
			}
		}
	case "service":
		ids = []vigil.SchoolID{vigil.ServiceSchoolID}
	default:
		sc, err := s.FindSchoolBySlug(ctx, *slug)
		if err != nil {
			return err
		}
		ids, names[sc.ID] = []vigil.SchoolID{sc.ID}, sc.Slug
	}

	failed := 0
	for _, id := range ids {
		res, err := audit.Verify(ctx, s, id, pub, shipped)
		if err != nil {
			return err
		}
		label := "school " + names[id]
		if id == vigil.ServiceSchoolID {
			label = "service"
		}
		if res.Problem != "" {
			failed++
			fmt.Fprintf(e.stdout, "%s: %s\n", label, res.Problem)
			continue
		}
		line := fmt.Sprintf("%s: %d events, chain intact", label, res.Seq)
		if cp := res.Checkpoint; cp == nil {
			line += "; no checkpoint yet"
		} else {
			line += fmt.Sprintf("; checkpoint at event %d signed %s", cp.Seq, cp.Time.UTC().Format(time.RFC3339))
			if n := res.Seq - cp.Seq; n > 0 {
				line += fmt.Sprintf(", %d newer events rest on the chain alone", n)
			}
		}
		fmt.Fprintln(e.stdout, line)
	}
	if failed > 0 {
		return fmt.Errorf("the audit trail failed verification for %d of %d sequences", failed, len(ids))
	}
	return nil
}

// runAuditCheckpoint signs the head of every trail that has moved since its
// last checkpoint.
func runAuditCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("audit checkpoint", flag.ContinueOnError)
	c := dbConfig(e, fs)
	s, err := openCommand(ctx, e, c, fs, "audit checkpoint [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	log := newLogger(c, e.stderr)
	cp, err := newCheckpointer(c, e, log, s)
	if err != nil {
		return err
	}
	n, err := cp.Checkpoint(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d checkpoints to %s\n", n, c.AuditCheckpointFile)
	return nil
}

// newCheckpointer loads the audit signing key, making it (with a warning to
// keep it apart from the database) if it is missing.
func newCheckpointer(c *config.Config, e *env, log *slog.Logger, st audit.CheckpointStore) (*audit.Checkpointer, error) {
	key, created, err := audit.LoadKey(c.AuditKeyFile, true)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("generated a new audit signing key; keep it apart from the database and its backups", slog.String("file", c.AuditKeyFile))
		fmt.Fprintf(e.stderr, "\n*** A new audit signing key was written to %s.\n*** Keep it apart from the database and its backups, and ship %s off this machine.\n\n",
			c.AuditKeyFile, c.AuditCheckpointFile)
	}
	return &audit.Checkpointer{Store: st, Key: key, File: c.AuditCheckpointFile, Log: log}, nil
}
