package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/crypt"
)

// Document types PutDocument recognises by their bytes.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeText = "text/plain"
)

// DocumentTypes is the usual allow-list for attachments.
var DocumentTypes = []string{TypePDF, TypePNG, TypeJPEG, TypeGIF, TypeWebP, TypeDOCX, TypeXLSX, TypeText}

// typeLabels names each type for the person uploading.
var typeLabels = map[string]string{
	TypePDF: "PDF", TypePNG: "PNG", TypeJPEG: "JPEG", TypeGIF: "GIF", TypeWebP: "WebP",
	TypeDOCX: "Word (.docx)", TypeXLSX: "Excel (.xlsx)", TypeText: "plain text",
}

// MaxNameSize is the longest file name kept, in bytes.
const MaxNameSize = 255

// Meta describes a stored document. Type is the type found in its bytes,
// never the one its name or the browser claims.
type Meta struct {
	Type   string // e.g. TypePDF
	Size   int64  // plaintext bytes
	Stored int64  // bytes on the store: header, sealed name and stream
}

// A stored document is
//
//	"VGD1" | sealed name length (uint16, big-endian) | sealed name | stream
//
// The name is sealed with AES-256-GCM under a key derived for names; the
// content is a crypt stream. Both are bound to school, document and field.
const docMagic = "VGD1"

// sniffSize is how much of the start of a file is read to find its type: the
// 512 bytes http.DetectContentType looks at, and room for the first few entry
// names of an Office document.
const sniffSize = 4096

func docAAD(school, docID, field string) []byte {
	return []byte("vigil|" + school + "|documents|" + docID + "|" + field)
}

// errTooLarge ends the copy of an upload that passes its limit.
var errTooLarge = errors.New("blob: upload over its limit")

// PutDocument seals the document r and its file name under the school's
// 32-byte key, bound to school and docID (both Vigil identifiers; docID is
// also the store key), and stores it. It reads the start of r to find the
// type from the bytes and refuses, before storing anything, a type not in
// allow (EINVALID, field "file"); it refuses a document longer than limit
// bytes, leaving nothing stored (EINVALID, field "file"), and an empty one or
// an unusable name the same way. Memory stays constant whatever the size.
func PutDocument(ctx context.Context, s Store, key []byte, school, docID, name string, r io.Reader, limit int64, allow []string) (Meta, error) {
	if !ValidKey(school) || !ValidKey(docID) {
		return Meta{}, ErrKey
	}
	if limit <= 0 {
		return Meta{}, errors.New("blob: put document: no size limit given")
	}
	if name == "" || len(name) > MaxNameSize || !utf8.ValidString(name) {
		return Meta{}, vigil.FieldError("file", fmt.Sprintf("The file name must be 1 to %d bytes of text; rename the file and try again.", MaxNameSize))
	}
	names, err := crypt.NewDerivedSealer(key, "vigil document name v1")
	if err != nil {
		return Meta{}, fmt.Errorf("put document %s: %w", docID, err)
	}

	head := make([]byte, sniffSize)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return Meta{}, fmt.Errorf("put document %s: read: %w", docID, err)
	}
	head = head[:n]
	if n == 0 {
		return Meta{}, vigil.FieldError("file", "The file is empty.")
	}
	typ := Sniff(head)
	if !allowed(typ, allow) {
		return Meta{}, vigil.FieldError("file", "This type of file cannot be uploaded. Allowed: "+labels(allow)+".")
	}

	sealedName := names.Seal([]byte(name), docAAD(school, docID, "name"))
	prefix := make([]byte, 0, len(docMagic)+2+len(sealedName))
	prefix = append(prefix, docMagic...)
	prefix = binary.BigEndian.AppendUint16(prefix, uint16(len(sealedName)))
	prefix = append(prefix, sealedName...)

	body := &limitReader{r: io.MultiReader(bytes.NewReader(head), r), limit: limit}
	pr, pw := io.Pipe()
	sealed := make(chan error, 1)
	go func() { // seal into the pipe while the store reads from it
		w, err := crypt.NewStreamWriter(pw, key, docAAD(school, docID, "content"))
		if err == nil {
			_, err = io.Copy(w, body)
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
		sealed <- err
	}()
	stored, err := s.Put(ctx, docID, io.MultiReader(bytes.NewReader(prefix), pr))
	pr.CloseWithError(errAbandoned) // frees the sealer if the store stopped early
	if serr := <-sealed; serr != nil && !errors.Is(serr, errAbandoned) {
		if err == nil { // cannot happen: the store saw the error; be sure
			_ = s.Delete(ctx, docID)
		}
		err = serr
	}
	if errors.Is(err, errTooLarge) {
		return Meta{}, vigil.FieldError("file", "The file is too large; the limit is "+sizeText(limit)+".")
	} else if err != nil {
		return Meta{}, fmt.Errorf("put document %s: %w", docID, err)
	}
	return Meta{Type: typ, Size: body.n, Stored: stored}, nil
}

var errAbandoned = errors.New("blob: store stopped reading")

// OpenDocument opens the document stored under docID for school with the
// school's key, returning its file name and a reader of its content; the
// caller closes the reader. The content is verified chunk by chunk as it is
// read: a Read fails (wrapping crypt.ErrOpen) at the first damaged chunk, and
// a document moved to another record or school fails to open at all. A
// missing document is ENOTFOUND.
func OpenDocument(ctx context.Context, s Store, key []byte, school, docID string) (string, io.ReadCloser, error) {
	if !ValidKey(school) || !ValidKey(docID) {
		return "", nil, ErrKey
	}
	names, err := crypt.NewDerivedSealer(key, "vigil document name v1")
	if err != nil {
		return "", nil, fmt.Errorf("open document %s: %w", docID, err)
	}
	rc, err := s.Get(ctx, docID)
	if err != nil {
		return "", nil, err
	}
	name, r, err := openDocument(rc, names, key, school, docID)
	if err != nil {
		rc.Close()
		return "", nil, fmt.Errorf("open document %s: %w", docID, err)
	}
	return name, &docReader{r: r, c: rc}, nil
}

func openDocument(rc io.Reader, names *crypt.Sealer, key []byte, school, docID string) (string, io.Reader, error) {
	var start [len(docMagic) + 2]byte
	if _, err := io.ReadFull(rc, start[:]); err != nil || string(start[:len(docMagic)]) != docMagic {
		return "", nil, crypt.ErrOpen
	}
	sealedName := make([]byte, binary.BigEndian.Uint16(start[len(docMagic):]))
	if _, err := io.ReadFull(rc, sealedName); err != nil {
		return "", nil, crypt.ErrOpen
	}
	name, err := names.Open(sealedName, docAAD(school, docID, "name"))
	if err != nil {
		return "", nil, err
	}
	r, err := crypt.NewStreamReader(rc, key, docAAD(school, docID, "content"))
	if err != nil {
		return "", nil, err
	}
	return string(name), r, nil
}

// docReader reads a document's verified content and closes its object.
type docReader struct {
	r io.Reader
	c io.Closer
}

func (d *docReader) Read(p []byte) (int, error) { return d.r.Read(p) }
func (d *docReader) Close() error               { return d.c.Close() }

// WriteTo lets io.Copy take the plaintext straight from the chunk buffer.
func (d *docReader) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := d.r.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, struct{ io.Reader }{d.r})
}

// limitReader fails with errTooLarge once more than limit bytes pass.
type limitReader struct {
	r     io.Reader
	limit int64
	n     int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if left := l.limit - l.n; int64(len(p)) > left {
		p = p[:left+1] // one byte over is enough to know
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		return 0, errTooLarge
	}
	return n, err
}

// Sniff returns the type of a file from its first bytes: PDF, PNG, JPEG, GIF,
// WebP and Office (DOCX, XLSX) by their signatures, anything else as
// http.DetectContentType sees it, without parameters ("text/plain", "text/html",
// "application/zip", "application/octet-stream"...). A file's name and the
// type a browser claims play no part.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return TypeJPEG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return TypeGIF
	case len(head) >= 16 && string(head[:4]) == "RIFF" && string(head[8:15]) == "WEBPVP8":
		return TypeWebP
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(head)
	}
	t := http.DetectContentType(head)
	t, _, _ = strings.Cut(t, ";")
	return strings.TrimSpace(t)
}

// sniffZip tells an Office document from any other zip by the names of the
// entries at its start: Office writes [Content_Types].xml first, then the
// parts, under word/ for a document and xl/ for a workbook. It walks the
// local file headers in head and, where a writer left the sizes out of them,
// looks for the next header's signature instead.
func sniffZip(head []byte) string {
	const localHeader = 30
	contentTypes, word, xl := false, false, false
	for i := 0; i+localHeader <= len(head); {
		if string(head[i:i+4]) != "PK\x03\x04" {
			next := bytes.Index(head[i+1:], []byte("PK\x03\x04"))
			if next < 0 {
				break
			}
			i += 1 + next
			continue
		}
		flags := binary.LittleEndian.Uint16(head[i+6:])
		size := int(binary.LittleEndian.Uint32(head[i+18:]))
		nameLen := int(binary.LittleEndian.Uint16(head[i+26:]))
		extraLen := int(binary.LittleEndian.Uint16(head[i+28:]))
		if i+localHeader+nameLen > len(head) {
			break
		}
		name := string(head[i+localHeader : i+localHeader+nameLen])
		switch {
		case i == 0 && name == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(name, "word/"):
			word = true
		case strings.HasPrefix(name, "xl/"):
			xl = true
		}
		step := localHeader + nameLen + extraLen
		if flags&0x08 == 0 { // sizes in the header: jump over the data
			step += size
		}
		i += step
	}
	switch {
	case contentTypes && word && !xl:
		return TypeDOCX
	case contentTypes && xl && !word:
		return TypeXLSX
	}
	return "application/zip"
}

func allowed(typ string, allow []string) bool {
	for _, a := range allow {
		if a == typ {
			return true
		}
	}
	return false
}

// labels lists the allowed types for a message.
func labels(allow []string) string {
	var out []string
	for _, a := range allow {
		if l, ok := typeLabels[a]; ok {
			out = append(out, l)
		} else {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// sizeText writes a byte count for people: "25 MB", "512 KB", "100 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e6)) + " MB"
	case n >= 1_000_000:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1000:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e3)) + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
