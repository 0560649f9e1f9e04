package blob_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/blob"
	"github.com/vigil-safeguarding/vigil/crypt"
)

func schoolKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

func pdf(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, "%PDF-1.7\n")
	return b[:n]
}

// office builds a zip whose entries are names, in order, as Office writes.
func office(t testing.TB, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "<?xml version=\"1.0\"?><part name=%q/>", n)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t *testing.T, s blob.Store, key []byte, school, doc string) (string, []byte) {
	t.Helper()
	name, rc, err := blob.OpenDocument(context.Background(), s, key, school, doc)
	if err != nil {
		t.Fatalf("OpenDocument: %v", err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, rc); err != nil {
		t.Fatalf("read document: %v", err)
	}
	return name, out.Bytes()
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := newDir(t)
	key, school := schoolKey(), vigil.NewID()
	for _, size := range []int{1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 1<<20 + 7} {
		content := pdf(size)
		if size == 1 {
			content = []byte("x")
		}
		doc := vigil.NewID()
		meta, err := blob.PutDocument(ctx, d, key, school, doc, "Statement from class teacher.pdf", bytes.NewReader(content), 10<<20, blob.DocumentTypes)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if meta.Size != int64(size) || meta.Stored <= meta.Size {
			t.Fatalf("size %d: meta %+v", size, meta)
		}
		name, got := readAll(t, d, key, school, doc)
		if name != "Statement from class teacher.pdf" || !bytes.Equal(got, content) {
			t.Fatalf("size %d: name %q, %d bytes", size, name, len(got))
		}
	}
}

// TestUploadTypeByContent: the type comes from the bytes, never the name.
func TestUploadTypeByContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := newDir(t)
	key, school := schoolKey(), vigil.NewID()
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // "" for refused
	}{
		{"report.png", pdf(3000), blob.TypePDF}, // a PDF renamed .png is a PDF
		{"photo.jpg", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), blob.TypePNG},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), blob.TypeJPEG},
		{"a.gif", []byte("GIF89a\x01\x00\x01\x00"), blob.TypeGIF},
		{"a.webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), blob.TypeWebP},
		{"notes.txt", []byte("Spoke to J. at break; seemed withdrawn.\n"), blob.TypeText},
		{"letter.docx", office(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), blob.TypeDOCX},
		{"sheet.xlsx", office(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), blob.TypeXLSX},
		{"letter.docx", office(t, "readme.txt", "word/document.xml"), ""}, // a zip, not Office
		{"archive.zip", office(t, "a.txt", "b.txt"), ""},
		{"page.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), ""},
		{"setup.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...), ""},
		{"run.txt", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 200)...), ""},
		{"empty.pdf", nil, ""},
	} {
		doc := vigil.NewID()
		meta, err := blob.PutDocument(ctx, d, key, school, doc, tc.name, bytes.NewReader(tc.content), 1<<20, blob.DocumentTypes)
		if tc.want == "" {
			if vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)["file"] == "" {
				t.Errorf("%s (%.8q): want EINVALID on file, got %v", tc.name, tc.content, err)
			}
			if strings.Contains(fmt.Sprint(err), tc.name) {
				t.Errorf("error shows the file name: %v", err)
			}
			if ok, _ := d.Exists(ctx, doc); ok {
				t.Errorf("%s: refused but stored", tc.name)
			}
			continue
		}
		if err != nil || meta.Type != tc.want {
			t.Errorf("%s: type %q, %v; want %q", tc.name, meta.Type, err, tc.want)
		}
	}
	// A narrower allow-list refuses what the default takes.
	_, err := blob.PutDocument(ctx, d, key, school, vigil.NewID(), "a.txt", strings.NewReader("hello"), 100, []string{blob.TypePDF})
	if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(vigil.ErrorMessage(err), "PDF") {
		t.Errorf("text under a PDF-only list: %v", err)
	}
}

func TestUploadLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	key, school := schoolKey(), vigil.NewID()
	for _, tc := range []struct {
		size, limit int
	}{{1001, 1000}, {5000, 4096}, {3 << 20, 1 << 20}} {
		doc := vigil.NewID()
		_, err := blob.PutDocument(ctx, d, key, school, doc, "big.pdf", bytes.NewReader(pdf(tc.size)), int64(tc.limit), blob.DocumentTypes)
		if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(vigil.ErrorFields(err)["file"], "too large") {
			t.Fatalf("%d bytes over a %d limit: %v", tc.size, tc.limit, err)
		}
		if fs := files(t, root); len(fs) != 0 {
			t.Fatalf("left on disk after refusing: %v", fs)
		}
	}
	if _, err := blob.PutDocument(ctx, d, key, school, vigil.NewID(), "fits.pdf", bytes.NewReader(pdf(1000)), 1000, blob.DocumentTypes); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
}

// TestPlaintextNameNotStored: neither the name nor the content shows in the
// stored bytes.
func TestPlaintextNameNotStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	key, school, doc := schoolKey(), vigil.NewID(), vigil.NewID()
	const name = "Disclosure - Jamie Smith - 2026.txt"
	content := strings.Repeat("Jamie said that his stepfather hits him. ", 5000)
	if _, err := blob.PutDocument(ctx, d, key, school, doc, name, strings.NewReader(content), 1<<20, blob.DocumentTypes); err != nil {
		t.Fatal(err)
	}
	fs := files(t, root)
	if len(fs) != 1 {
		t.Fatalf("files: %v", fs)
	}
	stored, err := os.ReadFile(fs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Jamie", "Disclosure", "stepfather", ".txt"} {
		if bytes.Contains(stored, []byte(s)) {
			t.Errorf("%q visible in the stored bytes", s)
		}
	}
	if strings.Contains(fs[0], "Jamie") {
		t.Errorf("name in the path %s", fs[0])
	}
}

func TestSwapDocumentAAD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := newDir(t)
	key, school, doc := schoolKey(), vigil.NewID(), vigil.NewID()
	if _, err := blob.PutDocument(ctx, d, key, school, doc, "a.pdf", bytes.NewReader(pdf(100_000)), 1<<20, blob.DocumentTypes); err != nil {
		t.Fatal(err)
	}
	// The same bytes copied to another record's key.
	rc, _ := d.Get(ctx, doc)
	raw, _ := io.ReadAll(rc)
	rc.Close()
	other := vigil.NewID()
	if _, err := d.Put(ctx, other, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func() error{
		"another record": func() error { _, _, err := blob.OpenDocument(ctx, d, key, school, other); return err },
		"another school": func() error { _, _, err := blob.OpenDocument(ctx, d, key, vigil.NewID(), doc); return err },
		"another key":    func() error { _, _, err := blob.OpenDocument(ctx, d, schoolKey(), school, doc); return err },
	} {
		if err := open(); !errors.Is(err, crypt.ErrOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, got := readAll(t, d, key, school, doc); len(got) != 100_000 {
		t.Fatalf("the original: %d bytes", len(got))
	}
}

// TestTamperDocumentStored flips a byte of the stored name, then of the
// content: the first fails to open, the second fails while reading.
func TestTamperDocumentStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := newDir(t)
	key, school, doc := schoolKey(), vigil.NewID(), vigil.NewID()
	if _, err := blob.PutDocument(ctx, d, key, school, doc, "a.pdf", bytes.NewReader(pdf(200_000)), 1<<20, blob.DocumentTypes); err != nil {
		t.Fatal(err)
	}
	path := files(t, root)[0]
	good, _ := os.ReadFile(path)
	for _, off := range []int{10, len(good) / 2, len(good) - 1} {
		bad := bytes.Clone(good)
		bad[off] ^= 0x40
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		_, rc, err := blob.OpenDocument(ctx, d, key, school, doc)
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if !errors.Is(err, crypt.ErrOpen) {
			t.Errorf("byte %d flipped: %v", off, err)
		}
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("%PDF-1.4"))
	f.Add(office(f, "[Content_Types].xml", "word/document.xml"))
	f.Add([]byte("PK\x03\x04\x14\x00\x08\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if blob.Sniff(data) == "" {
			t.Fatal("no type")
		}
	})
}
