package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestDirRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	key := vigil.NewID()
	if ok, err := d.Exists(ctx, key); ok || err != nil {
		t.Fatalf("Exists before Put = %v, %v", ok, err)
	}
	if _, err := d.Get(ctx, key); vigil.ErrorCode(err) != vigil.ENOTFOUND {
		t.Fatalf("Get before Put: %v", err)
	}
	if n, err := d.Put(ctx, key, strings.NewReader("ciphertext")); err != nil || n != 10 {
		t.Fatalf("Put = %d, %v", n, err)
	}
	if n, err := d.Put(ctx, key, strings.NewReader("replaced")); err != nil || n != 8 {
		t.Fatalf("second Put = %d, %v", n, err)
	}
	rc, err := d.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "replaced" {
		t.Fatalf("Get = %q", got)
	}
	if ok, err := d.Exists(ctx, key); !ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
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
	if err := d.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of a missing object: %v", err)
	}
	if ok, _ := d.Exists(ctx, key); ok {
		t.Fatal("still there after Delete")
	}
}

func TestDirRejectsTraversalKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	id := vigil.NewID()
	for _, key := range []string{
		"", "..", "../" + id[3:], id[:34] + "/.", "/etc/passwd", "..%2f" + id[5:],
		strings.ToUpper(id), id + "x", id[:35], id[:8] + "/" + id[9:], id[:8] + "\\" + id[9:],
		".put-123456", id[:35] + "\x00", "0000000000000000000000000000000000..",
	} {
		if _, err := d.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, blob.ErrKey) {
			t.Errorf("Put %q: %v", key, err)
		}
		if _, err := d.Get(ctx, key); !errors.Is(err, blob.ErrKey) {
			t.Errorf("Get %q: %v", key, err)
		}
		if err := d.Delete(ctx, key); !errors.Is(err, blob.ErrKey) {
			t.Errorf("Delete %q: %v", key, err)
		}
		if _, err := d.Exists(ctx, key); !errors.Is(err, blob.ErrKey) {
			t.Errorf("Exists %q: %v", key, err)
		}
	}
	if fs := files(t, filepath.Dir(root)); len(fs) != 0 {
		t.Fatalf("files written: %v", fs)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

// TestTruncatedPutLeavesNothing: a Put whose reader fails part way, or whose
// context ends, stores nothing and leaves no temporary file.
func TestTruncatedPutLeavesNothing(t *testing.T) {
	t.Parallel()
	d, root := newDir(t)
	key := vigil.NewID()
	if _, err := d.Put(context.Background(), key, &failingReader{n: 100_000}); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Put(ctx, key, bytes.NewReader(make([]byte, 10))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put after cancel: %v", err)
	}
	if fs := files(t, root); len(fs) != 0 {
		t.Fatalf("left on disk: %v", fs)
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
