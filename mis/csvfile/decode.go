package csvfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the file is looked at before deciding its
// encoding and, once decoded, its delimiter and header row.
const sniffSize = 64 << 10

// maxRecord bounds one row: a quoted value that is never closed would
// otherwise make encoding/csv gather the rest of the file into memory.
const maxRecord = 256 << 10

var (
	errTooBig     = errors.New("csvfile: input over the size limit")
	errRecordLong = errors.New("csvfile: row over the length limit")
)

// source counts the bytes read from the caller's reader and fails, for
// good, once more than max have come.
type source struct {
	r   io.Reader
	n   int64
	max int64
	err error
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	// Reading one byte past the limit is how we know it was passed.
	if rem := s.max + 1 - s.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.n > s.max {
		err = errTooBig
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// sniffBinary names what a file that is not text looks like, or "".
func sniffBinary(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "This is a PDF file, not a CSV export from an MIS. Export the list from the MIS as CSV and upload that."
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "This is an Excel workbook (or another zip file), not a CSV file. Open it in Excel and save it as “CSV UTF-8”."
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "This is an older Excel workbook (.xls), not a CSV file. Open it in Excel and save it as “CSV UTF-8”."
	case bytes.IndexByte(head, 0) >= 0:
		return "This is not a text file, so it cannot be a CSV export from an MIS. Save the list from Excel as “CSV UTF-8”."
	}
	return ""
}

// looksUTF8 reports whether b is valid UTF-8, allowing a rune cut short
// at the end when b is only the first part of the input.
func looksUTF8(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	for k := 1; k <= 3 && k < len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) && !utf8.FullRune(b[len(b)-k:]) {
			return true
		}
	}
	return false
}

// decoder turns the raw input into UTF-8 text with "\n" line endings, one
// physical line at a time.
//
// Encoding: UTF-8 (a byte order mark is dropped) or, as Excel writes it on
// Windows, Windows-1252. If the first 64 KB are not valid UTF-8 the whole
// file is read as Windows-1252. Otherwise each line is decided on its own:
// valid UTF-8 is kept and any other line is read as Windows-1252. Deciding
// per line keeps memory bounded (nothing is read twice) and gets right the
// common case of a long export whose first non-ASCII byte, a "£" or an
// "é" from Excel, comes after the first 64 KB. Splitting at '\n' is safe
// for both encodings: that byte is never part of a longer character.
//
// Line endings: "\r\n", "\n" and a lone "\r" (old Mac exports) all end a
// line and come out as "\n", so encoding/csv's line numbers are right.
type decoder struct {
	in     *bufio.Reader
	cp1252 bool

	line    []byte // the physical line being read, raw
	out     []byte // its decoded form
	pending []byte // what Read has still to hand out
	inQuote bool   // inside a quoted value at the end of the last line
	recLen  int    // bytes in the row so far, across quoted line breaks
	err     error
}

// newDecoder looks at the start of the input and returns a decoder for
// it, or a message saying why it is not a text file. An empty message and
// a nil decoder mean the input is empty.
func newDecoder(src io.Reader) (*decoder, string) {
	in := bufio.NewReaderSize(src, sniffSize)
	head, _ := in.Peek(sniffSize) // a read error comes back again on the next read
	if len(head) == 0 {
		return nil, ""
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		// Excel's "Unicode text": UTF-16 with a byte order mark.
		u16 := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		in = bufio.NewReaderSize(transform.NewReader(in, u16), sniffSize)
		head, _ = in.Peek(sniffSize)
	}
	if msg := sniffBinary(head); msg != "" {
		return nil, msg
	}
	d := &decoder{in: in}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		in.Discard(3)
	} else {
		d.cp1252 = !looksUTF8(head, len(head) == sniffSize)
	}
	return d, ""
}

func (d *decoder) Read(p []byte) (int, error) {
	for len(d.pending) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.fill()
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	return n, nil
}

// fill reads and decodes the next physical line into pending.
func (d *decoder) fill() {
	d.line = d.line[:0]
	ended := false
	for !ended {
		if _, err := d.in.Peek(1); err != nil {
			d.err = err
			break
		}
		buf, _ := d.in.Peek(d.in.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			i = len(buf)
		} else {
			ended = true
		}
		if d.recLen+len(d.line)+i > maxRecord {
			d.err = errRecordLong
			return
		}
		d.line = append(d.line, buf[:i]...)
		if !ended {
			d.in.Discard(i)
			continue
		}
		d.in.Discard(i + 1)
		if buf[i] == '\r' {
			if next, _ := d.in.Peek(1); len(next) == 1 && next[0] == '\n' {
				d.in.Discard(1)
			}
		}
		d.line = append(d.line, '\n')
	}
	if len(d.line) == 0 {
		return
	}
	// RFC 4180 quotes come in pairs ("" inside a quoted value), so an odd
	// count flips whether the row goes on past this line.
	if bytes.Count(d.line, []byte{'"'})%2 == 1 {
		d.inQuote = !d.inQuote
	}
	if d.inQuote {
		d.recLen += len(d.line)
	} else {
		d.recLen = 0
	}
	if !d.cp1252 && utf8.Valid(d.line) {
		d.pending = d.line
		return
	}
	d.out = d.out[:0]
	for _, b := range d.line {
		if b < utf8.RuneSelf {
			d.out = append(d.out, b)
		} else {
			d.out = utf8.AppendRune(d.out, charmap.Windows1252.DecodeByte(b))
		}
	}
	d.pending = d.out
}
