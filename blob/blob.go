// Package blob keeps document bytes, always as ciphertext: a Store holds
// opaque objects under fixed-shape keys, and PutDocument and OpenDocument seal
// and open a document (content and file name) on top of any Store.
//
// Dir, a local folder, is the default store; S3, any S3-compatible object
// store, is the scale option. Both run the same contract tests, and Open picks
// one from a blob URL.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vigil-safeguarding/vigil"
)

// Store holds opaque objects by key. Keys are Vigil identifiers (ValidKey);
// anything else is refused with ErrKey before the store is touched.
type Store interface {
	// Put stores everything r yields under key, replacing any object there,
	// and returns the number of bytes stored. If r fails, nothing is stored.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the object under key; ENOTFOUND if there is none.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object under key; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Exists reports whether an object is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
}

// ErrKey is returned for a key that is not a Vigil identifier.
var ErrKey = errors.New("blob: invalid key")

// ValidKey reports whether key may name an object: a Vigil identifier, 36
// characters of lowercase hexadecimal and hyphens, so it can never climb out
// of a folder or name a hidden file.
func ValidKey(key string) bool { return vigil.ValidID(key) }

// Dir is a Store on the local filesystem. Objects live in 256 subfolders
// named by the last two characters of their key (the random end of the
// identifier), folders 0700 and files 0600. A Put writes a temporary file,
// syncs it, renames it into place and syncs the folder, so a crash leaves the
// old object or the new one, never a torn one.
type Dir struct {
	root string
}

// NewDir returns the store in the folder path, creating it (0700) if needed.
// It refuses a folder other users can open.
func NewDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create folder: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("blob: open folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("blob: %s is not a folder", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("blob: the folder %s can be opened by other users (mode %v); run: chmod 700 %s", path, fi.Mode().Perm(), path)
	}
	return &Dir{root: path}, nil
}

// path returns the object's folder and file; key must be valid.
func (d *Dir) path(key string) (dir, file string) {
	dir = filepath.Join(d.root, key[len(key)-2:])
	return dir, filepath.Join(dir, key)
}

// Put implements Store.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrKey
	}
	dir, file := d.path(key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*") // mode 0600; never a valid key
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("blob: put %s: sync: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return 0, fmt.Errorf("blob: put %s: sync folder: %w", key, err)
	}
	return n, nil
}

// Get implements Store.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, ErrKey
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, file := d.path(key)
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "Document not found.")
	} else if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return f, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return ErrKey
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, file := d.path(key)
	if err := os.Remove(file); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("blob: delete %s: sync folder: %w", key, err)
	}
	return nil
}

// Exists implements Store.
func (d *Dir) Exists(ctx context.Context, key string) (bool, error) {
	if !ValidKey(key) {
		return false, ErrKey
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, file := d.path(key)
	_, err := os.Stat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return true, nil
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// ctxReader stops a copy once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
