package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/config"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/store"
)

// keysGrace is how long a retired school key is kept after rotation so
// running servers, which read the keyring every few seconds, stop sealing
// with it first. Tests shorten it.
var keysGrace = 15 * time.Second

func runKeys(ctx context.Context, e *env, args []string) error {
	const help = "Usage: vigil keys init [flags]\n       vigil keys status [flags]\n       vigil keys rotate --school SLUG|--all [flags]\n       vigil keys rotate-master --new-key-file FILE [flags]\n\nRun vigil keys <subcommand> --help for the flags."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, help)
		if len(args) == 0 {
			return usageErr("say init, status, rotate or rotate-master")
		}
		return nil
	}
	switch args[0] {
	case "init":
		return runKeysInit(ctx, e, args[1:])
	case "status":
		return runKeysStatus(ctx, e, args[1:])
	case "rotate":
		return runKeysRotate(ctx, e, args[1:])
	case "rotate-master":
		return runKeysRotateMaster(ctx, e, args[1:])
	}
	return usageErr("unknown subcommand %q: use init, status, rotate or rotate-master", args[0])
}

// masterKey returns the master key from VIGIL_MASTER_KEY (base64) if set,
// or else from the key file, which serve (log not nil) makes if missing.
func masterKey(c *config.Config, e *env, log *slog.Logger) ([]byte, error) {
	if v := e.getenv("VIGIL_MASTER_KEY"); v != "" {
		return crypt.MasterKeyFromEnv(v)
	}
	if log != nil {
		if err := ensureMasterKey(c.MasterKeyFile, e, log); err != nil {
			return nil, err
		}
	}
	return crypt.LoadMasterKey(c.MasterKeyFile)
}

// openVault returns the vault over the store's keyring under the master key.
func openVault(c *config.Config, e *env, s *store.Store) (*crypt.Vault, *crypt.MasterWrapper, error) {
	master, err := masterKey(c, e, nil)
	if err != nil {
		return nil, nil, err
	}
	w, err := crypt.NewMasterWrapper(master)
	if err != nil {
		return nil, nil, err
	}
	v := crypt.NewVault(s, w)
	v.Grace = keysGrace
	return v, w, nil
}

// runKeyRotation finishes school key rotations in the background of serve:
// every minute it re-encrypts values still on a retiring key and destroys
// keys nothing uses.
func runKeyRotation(ctx context.Context, c *config.Config, e *env, s *store.Store, log *slog.Logger) {
	v, _, err := openVault(c, e, s)
	if err != nil {
		log.Warn("school key rotation is off", slog.String("reason", vigil.ErrorMessage(err)))
		return
	}
	v.RunReencryption(ctx, time.Minute, log)
}

func runKeysInit(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("keys init", flag.ContinueOnError)
	c := dbConfig(e, fs)
	if err := parse(e, fs, "keys init [flags]", args); err != nil {
		return err
	}
	if err := c.Resolve(e.getenv); err != nil {
		return usageErr("%v", err)
	}
	if e.getenv("VIGIL_MASTER_KEY") != "" {
		return errors.New("the master key is given in VIGIL_MASTER_KEY; unset it to make a key file")
	}
	path := c.MasterKeyFile
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("the master key file %s exists already; it is never overwritten", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot read the master key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot make the folder for the master key: %w", err)
	}
	if err := writeKeyFile(path); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "made the master key %s (mode 0600)\n", path)
	fmt.Fprintln(e.stderr, "Keep a copy somewhere safe and OFF this machine, never with the backups: without it the records cannot be read.")
	return nil
}

// writeKeyFile writes 32 random bytes to a new file only its owner reads.
func writeKeyFile(path string) error {
	key := make([]byte, crypt.MasterKeySize)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create the master key file: %w", err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write the master key file: %w", err)
	}
	return nil
}

// keySchools returns the school --school names, or every school for --all.
func keySchools(ctx context.Context, s *store.Store, slug string, all bool) ([]*vigil.School, error) {
	if all {
		return s.FindSchools(ctx)
	}
	sc, err := s.FindSchoolBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return []*vigil.School{sc}, nil
}

func runKeysStatus(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("keys status", flag.ContinueOnError)
	c := dbConfig(e, fs)
	slug := fs.String("school", "", "show one school (default: all)")
	s, err := openCommand(ctx, e, c, fs, "keys status [--school SLUG] [flags]", args, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	schools, err := keySchools(ctx, s, *slug, *slug == "")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHOOL\tVERSION\tSTATE\tWRAPPED BY\tCREATED\tVALUES")
	for _, sc := range schools {
		keys, err := s.SchoolKeys(ctx, sc.ID)
		if err != nil {
			return err
		}
		counts, err := s.CountSealed(ctx, sc.ID, crypt.SealedColumns)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			fmt.Fprintf(tw, "%s\t-\tno key yet (made on first use)\t\t\t%d\n", sc.Slug, counts[0])
			continue
		}
		old := int64(0)
		for _, k := range keys {
			when := k.CreatedAt.UTC().Format("2006-01-02 15:04")
			state := k.State
			if k.State == store.KeyDestroyed {
				state += " " + k.DestroyedAt.UTC().Format("2006-01-02 15:04")
			} else if k.State == store.KeyRetiring {
				old += counts[k.Version]
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\n", sc.Slug, k.Version, state, k.WrapperID, when, counts[k.Version])
		}
		if old > 0 {
			fmt.Fprintf(tw, "%s\t\t%d values still to re-encrypt\t\t\t\n", sc.Slug, old)
		}
	}
	return tw.Flush()
}

func runKeysRotate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	c := dbConfig(e, fs)
	slug := fs.String("school", "", "rotate this school's key")
	all := fs.Bool("all", false, "rotate every school's key")
	s, err := openCommand(ctx, e, c, fs, "keys rotate --school SLUG|--all [flags]", args, func() error {
		if (*slug == "") == !*all {
			return usageErr("say --school SLUG or --all")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	v, _, err := openVault(c, e, s)
	if err != nil {
		return err
	}
	schools, err := keySchools(ctx, s, *slug, *all)
	if err != nil {
		return err
	}
	for _, sc := range schools {
		version, err := v.Rotate(ctx, sc.ID)
		if err != nil {
			return fmt.Errorf("rotate %s: %w", sc.Slug, err)
		}
		fmt.Fprintf(e.stdout, "%s: key version %d is active; new values use it now\n", sc.Slug, version)
	}
	// Servers keep sealing with the old key for a few seconds; wait that out
	// before anything is destroyed.
	rotated := time.Now()
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			wait := time.Until(rotated.Add(keysGrace + 500*time.Millisecond))
			if wait > 0 {
				fmt.Fprintf(e.stderr, "waiting %s for running servers to take up the new keys\n", wait.Round(time.Second))
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(wait):
				}
			}
		}
		left := false
		for _, sc := range schools {
			p, err := v.Reencrypt(ctx, sc.ID, func(table, field string, n int) {
				fmt.Fprintf(e.stderr, "%s: %d values re-encrypted (%s.%s)\n", sc.Slug, n, table, field)
			})
			if err != nil {
				return fmt.Errorf("re-encrypt %s: %w", sc.Slug, err)
			}
			for _, d := range p.Destroyed {
				fmt.Fprintf(e.stdout, "%s: key version %d destroyed\n", sc.Slug, d)
			}
			if p.Unreadable > 0 {
				fmt.Fprintf(e.stderr, "%s: %d values cannot be opened and were left as they are\n", sc.Slug, p.Unreadable)
			}
			if len(p.Retiring) > 0 {
				left = true
				if pass == 1 {
					fmt.Fprintf(e.stdout, "%s: key versions %v still in use; vigil serve finishes them\n", sc.Slug, p.Retiring)
				}
			}
		}
		if !left {
			break
		}
	}
	return nil
}

func runKeysRotateMaster(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("keys rotate-master", flag.ContinueOnError)
	c := dbConfig(e, fs)
	newFile := fs.String("new-key-file", "", "file holding the new 32-byte master key, mode 0600 (required)")
	s, err := openCommand(ctx, e, c, fs, "keys rotate-master --new-key-file FILE [flags]", args, func() error {
		if *newFile == "" {
			return usageErr("--new-key-file is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer s.Close()
	oldKey, err := masterKey(c, e, nil)
	if err != nil {
		return err
	}
	newKey, err := crypt.LoadMasterKey(*newFile)
	if err != nil {
		return err
	}
	oldW, err := crypt.NewMasterWrapper(oldKey)
	if err != nil {
		return err
	}
	newW, err := crypt.NewMasterWrapper(newKey)
	if err != nil {
		return err
	}
	if oldW.ID() == newW.ID() {
		return errors.New("the new master key is the same as the current one")
	}
	v := crypt.NewVault(s, newW, oldW)
	schools, err := s.FindSchools(ctx)
	if err != nil {
		return err
	}
	total := 0
	for _, sc := range schools {
		n, err := v.Rewrap(ctx, sc.ID, newW)
		if err != nil {
			return fmt.Errorf("re-wrap %s: %w", sc.Slug, err)
		}
		total += n
	}
	// Authenticator secrets are sealed under a key derived from the master
	// key too: seal them again under the new one.
	oldP, err := crypt.NewPersonSealer(oldKey)
	if err != nil {
		return err
	}
	newP, err := crypt.NewPersonSealer(newKey)
	if err != nil {
		return err
	}
	secrets, err := s.ResealPersonSecrets(ctx, func(p vigil.PersonID, sealed []byte) ([]byte, error) {
		aad := crypt.AAD("persons", string(p), "totp_secret")
		if _, err := newP.Open(sealed, aad); err == nil {
			return nil, nil // done by an earlier run
		}
		plain, err := oldP.Open(sealed, aad)
		if err != nil {
			return nil, nil // unreadable under either key: left as it is
		}
		return newP.Seal(plain, aad), nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "re-wrapped %d school keys of %d schools and %d authenticator secrets under %s\n", total, len(schools), secrets, newW.ID())
	fmt.Fprintf(e.stdout, "now stop vigil serve, put the new key in place of %s (or set VIGIL_MASTER_KEY_FILE), start it again, then destroy every copy of the old key\n",
		c.MasterKeyFile)
	return nil
}
