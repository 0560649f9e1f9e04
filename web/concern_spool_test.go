package web

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A large upload waits in a temporary file sealed under a key of the
// request: the file never holds the plaintext, reads back whole, and is
// gone once the request ends. A small one never touches the disk.
func TestSpoolSealsWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	marker := []byte("CHILD-STATEMENT-MARKER ")
	plain := bytes.Repeat(marker, (spoolInMemory*3)/len(marker))

	s := &spool{name: "statement.txt"}
	if err := s.fill(bytes.NewReader(plain)); err != nil {
		t.Fatal(err)
	}
	if s.file == nil || s.size != int64(len(plain)) {
		t.Fatalf("spooled %d bytes, file %v", s.size, s.file)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "vigil-upload-*"))
	if len(files) != 1 {
		t.Fatalf("temporary files: %v", files)
	}
	onDisk, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(onDisk, marker[:16]) {
		t.Fatal("the temporary file holds the upload in clear")
	}
	for range 2 { // app may read it once; a second read starts again
		r, err := s.reader()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("read back %d bytes, %v", len(got), err)
		}
	}
	s.close()
	if files, _ := filepath.Glob(filepath.Join(dir, "vigil-upload-*")); len(files) != 0 {
		t.Fatalf("left behind: %v", files)
	}

	small := &spool{name: "note.txt"}
	if err := small.fill(bytes.NewReader(marker)); err != nil || small.file != nil {
		t.Fatalf("small upload: %v, file %v", err, small.file)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Fatalf("a small upload touched the disk: %v", files)
	}
	small.close()
}

func TestIndexes(t *testing.T) {
	v := map[string][]string{"pupils.2.id": {"a"}, "pupils.0.id": {"b"}, "pupils.x.id": {"c"}, "pupils.01.id": {"d"},
		"pupils.-1.id": {"e"}, "pupils.5.part": {"f"}, "pupils.1000.id": {"g"}}
	got := indexes(v, "pupils.", ".id")
	if len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Fatalf("indexes = %v", got)
	}
}
