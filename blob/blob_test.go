package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/blob"
)

func newDir(t *testing.T) (*blob.Dir, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return d, root
}

// files lists every regular file under root, temporary ones included.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lister lists everything a store holds, in any form: objects, temporary
// files, unfinished uploads.
type lister func(t *testing.T) []string

// storeContract is the behaviour every Store has. newStore returns an empty
// store and its lister.
func storeContract(t *testing.T, newStore func(t *testing.T) (blob.Store, lister)) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s, list := newStore(t)
		key := vigil.NewID()
		if ok, err := s.Exists(ctx, key); ok || err != nil {
			t.Fatalf("Exists before Put = %v, %v", ok, err)
		}
		if _, err := s.Get(ctx, key); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("Get before Put: %v", err)
		}
		if n, err := s.Put(ctx, key, strings.NewReader("ciphertext")); err != nil || n != 10 {
			t.Fatalf("Put = %d, %v", n, err)
		}
		if n, err := s.Put(ctx, key, strings.NewReader("replaced")); err != nil || n != 8 {
			t.Fatalf("second Put = %d, %v", n, err)
		}
		if got := get(t, s, key); string(got) != "replaced" {
			t.Fatalf("Get = %q", got)
		}
		if ok, err := s.Exists(ctx, key); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		if l := list(t); len(l) != 1 {
			t.Fatalf("stored: %v", l)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete of a missing object: %v", err)
		}
		if ok, err := s.Exists(ctx, key); ok || err != nil {
			t.Fatalf("Exists after Delete = %v, %v", ok, err)
		}
		if _, err := s.Get(ctx, key); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("Get after Delete: %v", err)
		}
		if l := list(t); len(l) != 0 {
			t.Fatalf("left after Delete: %v", l)
		}
	})

	t.Run("EmptyAndBinary", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s, _ := newStore(t)
		empty, bin := vigil.NewID(), vigil.NewID()
		if n, err := s.Put(ctx, empty, strings.NewReader("")); err != nil || n != 0 {
			t.Fatalf("Put empty = %d, %v", n, err)
		}
		if got := get(t, s, empty); len(got) != 0 {
			t.Fatalf("empty object: %d bytes", len(got))
		}
		want := make([]byte, 300_001)
		_, _ = rand.Read(want)
		if n, err := s.Put(ctx, bin, iotest.OneByteReader(bytes.NewReader(want[:1000]))); err != nil || n != 1000 {
			t.Fatalf("Put one byte at a time = %d, %v", n, err)
		}
		if n, err := s.Put(ctx, bin, onlyReader{bytes.NewReader(want)}); err != nil || n != int64(len(want)) {
			t.Fatalf("Put = %d, %v", n, err)
		}
		if got := get(t, s, bin); !bytes.Equal(got, want) {
			t.Fatalf("Get: %d bytes, not the %d put", len(got), len(want))
		}
	})

	t.Run("RejectsBadKeys", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s, list := newStore(t)
		id := vigil.NewID()
		for _, key := range []string{
			"", "..", "../" + id[3:], id[:34] + "/.", "/etc/passwd", "..%2f" + id[5:],
			strings.ToUpper(id), id + "x", id[:35], id[:8] + "/" + id[9:], id[:8] + "\\" + id[9:],
			".put-123456", id[:35] + "\x00", "0000000000000000000000000000000000..",
		} {
			if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, blob.ErrKey) {
				t.Errorf("Put %q: %v", key, err)
			}
			if _, err := s.Get(ctx, key); !errors.Is(err, blob.ErrKey) {
				t.Errorf("Get %q: %v", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrKey) {
				t.Errorf("Delete %q: %v", key, err)
			}
			if _, err := s.Exists(ctx, key); !errors.Is(err, blob.ErrKey) {
				t.Errorf("Exists %q: %v", key, err)
			}
		}
		if l := list(t); len(l) != 0 {
			t.Fatalf("stored: %v", l)
		}
	})

	// A Put whose reader fails part way, or whose context ends, stores
	// nothing, leaves nothing behind and keeps the object it would replace.
	t.Run("FailedPutStoresNothing", func(t *testing.T) {
		t.Parallel()
		s, list := newStore(t)
		key, old := vigil.NewID(), vigil.NewID()
		if _, err := s.Put(context.Background(), key, &failingReader{n: 100_000}); err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Put(ctx, key, bytes.NewReader(make([]byte, 10))); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put after cancel: %v", err)
		}
		if l := list(t); len(l) != 0 {
			t.Fatalf("stored: %v", l)
		}
		if _, err := s.Put(context.Background(), old, strings.NewReader("old")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(context.Background(), old, &failingReader{n: 1000}); err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		if got := get(t, s, old); string(got) != "old" {
			t.Fatalf("after a failed Put: %q", got)
		}
		if l := list(t); len(l) != 1 {
			t.Fatalf("stored: %v", l)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		t.Parallel()
		s, _ := newStore(t)
		key := vigil.NewID()
		if _, err := s.Put(context.Background(), key, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Get(ctx, key); !errors.Is(err, context.Canceled) {
			t.Errorf("Get: %v", err)
		}
		if _, err := s.Exists(ctx, key); !errors.Is(err, context.Canceled) {
			t.Errorf("Exists: %v", err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete: %v", err)
		}
		if got := get(t, s, key); string(got) != "x" {
			t.Fatalf("after cancelled calls: %q", got)
		}
	})
}

// get reads the whole object under key.
func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b
}

// onlyReader hides any other method of its reader (WriteTo, Seek...).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func TestDir(t *testing.T) {
	t.Parallel()
	storeContract(t, func(t *testing.T) (blob.Store, lister) {
		d, root := newDir(t)
		// The parent too: nothing may be written beside the folder.
		return d, func(t *testing.T) []string { return files(t, filepath.Dir(root)) }
	})
}

// TestDirModes: only the service's user can open the folders and files.
func TestDirModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	if _, err := d.Put(ctx, vigil.NewID(), strings.NewReader("ciphertext")); err != nil {
		t.Fatal(err)
	}
	fs := files(t, root)
	if len(fs) != 1 {
		t.Fatalf("files on disk: %v", fs)
	}
	for path, want := range map[string]os.FileMode{root: 0o700, filepath.Dir(fs[0]): 0o700, fs[0]: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
}

func TestDirRefusesOpenFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewDir(root); err == nil {
		t.Fatal("NewDir accepted a folder others can open")
	}
}
