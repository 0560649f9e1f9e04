// Package ctf reads pupils from a DfE Common Transfer File (CTF) and writes
// a leaver's CTF. See reference/mis.md §4.
//
// A CTF comes from another school's MIS, so it is outside input twice over:
// the XML is read as a stream of tokens under fixed limits, and anything a
// CTF never needs is refused before it is acted on. In particular a
// <!DOCTYPE> (or any other <!...> declaration) is refused unread, so no
// DTD, external entity (XXE) or entity expansion (billion laughs) ever
// reaches the XML decoder's care. Nothing is fetched, ever.
package ctf

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
	"golang.org/x/text/encoding/charmap"
)

// Default limits for Read.
const (
	DefaultMaxBytes  = 50 << 20 // 50 MB
	DefaultMaxPupils = 5000
)

// Fixed limits: a real CTF comes nowhere near them.
const (
	maxDepth = 32       // elements nested inside one another
	maxText  = 64 << 10 // bytes of text in one element
	// maxRun is the longest stretch of raw input without a '<'. Every
	// text node, attribute and tag lies in one, so this stops a huge
	// text node while it is read rather than after it is buffered. The
	// slack covers the tag in front of a text node of maxText bytes.
	maxRun = maxText + 1024
	// maxElements caps the elements kept for one pupil (the header too),
	// so a hostile pupil cannot turn a few bytes per element into a large
	// tree in memory. Elements Vigil does not use are skipped, not kept.
	maxElements = 2000
	// maxIgnored caps the Ignored list in a batch.
	maxIgnored = 200
)

// Options are Read's limits and clock. Zero fields take the defaults.
type Options struct {
	MaxBytes  int64      // default DefaultMaxBytes
	MaxPupils int        // default DefaultMaxPupils
	Today     vigil.Date // for current FSM and plausible dates; default today
}

// School is a school named in a CTF header: its LA number (LEA), its
// establishment number (Estab), its URN when given, its name and the
// academic year (the year it starts: 2025 for 2025/26).
type School struct {
	LEA, Estab, URN, Name string
	AcademicYear          string
}

// Header is the CTF's header, as given.
type Header struct {
	Version    string // CTFversion, such as "25.0"
	DateTime   string // when the file was made, yyyy-MM-ddTHH:mm:ss
	Qualifier  string // DocumentQualifier: "full" or "partial"
	SupplierID string // the MIS that wrote the file
	Source     School // the school that sent it
	Dest       School // the school it is for; XXX/XXXX when not known
}

// Read reads a CTF and returns its header and its pupils as a batch keyed
// by UPN (a CTF carries no MIS id). Every problem in the file is collected
// and returned as a *mis.ProblemError (EINVALID) with no header or batch;
// problems name the pupil ("pupil 3") and element, never the value. A file
// that is not XML, is not a CTF, has a DTD or breaks a limit is refused
// with a file-level problem (no Ref), listed first; reading stops there.
// Any other error comes from reading r.
//
// Pupils carry no MISID (a CTF has none) and Known marks only the fields
// the file carried. The batch is never Complete: a CTF is not a whole roll.
func Read(r io.Reader, opt Options) (*Header, *mis.Batch, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxPupils <= 0 {
		opt.MaxPupils = DefaultMaxPupils
	}
	if opt.Today.IsZero() {
		opt.Today = vigil.DateOf(time.Now()) // callers should pass their clock
	}
	rd := &reader{
		opt:     opt,
		src:     &guardReader{r: r, max: opt.MaxBytes},
		ignored: map[string]bool{},
		upns:    map[string]string{},
		batch:   &mis.Batch{Source: mis.SourceCTF},
	}
	err := rd.read()
	var fp *fileProblem
	switch {
	case err == nil:
	case rd.src.readErr != nil:
		return nil, nil, fmt.Errorf("read ctf: %w", rd.src.readErr)
	case errors.As(err, &fp):
		// A file-level problem goes first: it is why reading stopped.
		rd.probs = append(mis.Problems{{Message: fp.msg}}, rd.probs...)
	default:
		rd.probs = append(mis.Problems{rd.xmlProblem(err)}, rd.probs...)
	}
	if len(rd.probs) > 0 {
		return nil, nil, rd.probs.Err()
	}
	rd.batch.Ignored = mis.SortedKeys(rd.ignored)
	return rd.header, rd.batch, nil
}

// fileProblem stops reading: the file as a whole is refused.
type fileProblem struct{ msg string }

func (e *fileProblem) Error() string { return e.msg }

// Messages for file-level problems; tests match on them.
const (
	msgDTD      = "DTD not allowed: the file has a <!DOCTYPE> or other declaration, which a Common Transfer File never needs, so it was refused unread."
	msgNotXML   = "The file is not XML. A Common Transfer File is the .xml file the MIS exports; check this is not a PDF, a web page or a spreadsheet."
	msgEmpty    = "The file is empty."
	msgRoot     = "The file is XML but not a Common Transfer File: its top element is not CTfile."
	msgUTF16    = "The file is in UTF-16. Export the CTF again as UTF-8."
	msgCharset  = "The file's character encoding is not supported. A Common Transfer File must be UTF-8 or Windows-1252."
	msgTooBig   = "The file is larger than %s."
	msgDepth    = "The XML is nested more than 32 elements deep, which no Common Transfer File is."
	msgText     = "A value in the file is longer than 64 KB, which no Common Transfer File has."
	msgPupils   = "The file holds more than %d pupils."
	msgNoPupils = "The file holds no pupils (no CTFpupilData/Pupil elements)."
	msgAfter    = "There is more after the end of the CTfile element; the file may be two files joined together."
)

// guardReader counts the raw bytes read and refuses, as they arrive, a file
// over its size limit, a run of more than maxRun bytes without a '<', and
// the start of any declaration ("<!" then a letter: DOCTYPE, ENTITY...). It
// sits under any charset decoder, so it sees the file as written.
type guardReader struct {
	r       io.Reader
	max     int64
	n       int64
	run     int
	last    [2]byte // the two bytes before this read, for "<!X" across reads
	err     error   // a guard error, returned from then on
	readErr error   // an error from r itself, which is not the file's fault
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		g.readErr = err
	}
	g.n += int64(n)
	if g.n > g.max {
		g.err = &fileProblem{msg: fmt.Sprintf(msgTooBig, size(g.max))}
		return 0, g.err
	}
	for i := 0; i < n; i++ {
		b := p[i]
		if b == '<' {
			g.run = 0
		} else if g.run++; g.run > maxRun {
			g.err = &fileProblem{msg: msgText}
			return 0, g.err
		}
		if g.last[0] == '<' && g.last[1] == '!' && (b|0x20 >= 'a' && b|0x20 <= 'z') {
			g.err = &fileProblem{msg: msgDTD}
			return 0, g.err
		}
		g.last[0], g.last[1] = g.last[1], b
	}
	return n, err
}

// size says a limit in bytes as people do: "50 MB".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// charsetReader allows UTF-8 and Windows-1252 only. ISO-8859-1 is read as
// Windows-1252, as browsers do (WHATWG): it differs only in 0x80-0x9F,
// which in real files are Windows-1252's quotes and dashes, not controls.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8":
		return in, nil
	case "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	}
	return nil, &fileProblem{msg: msgCharset}
}

// reader holds the state of one Read.
type reader struct {
	opt     Options
	src     *guardReader
	d       *xml.Decoder
	depth   int
	probs   mis.Problems
	ignored map[string]bool
	upns    map[string]string // UPN → the ref of the pupil that has it
	header  *Header
	batch   *mis.Batch
	pupils  int
	rooted  bool // the CTfile element has started
}

// xmlProblem turns a decoder error into a file-level problem. The
// decoder's own message is not shown: it may quote the file.
func (rd *reader) xmlProblem(err error) mis.Problem {
	if !rd.rooted {
		return mis.Problem{Message: msgNotXML}
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Msg == "invalid UTF-8" {
			return mis.Problem{Message: fmt.Sprintf("The file is not valid UTF-8 at line %d. If it is Windows-1252, its first line must say encoding=\"windows-1252\".", se.Line)}
		}
		return mis.Problem{Message: fmt.Sprintf("The XML is not well formed at line %d; the file may be cut short or damaged.", se.Line)}
	}
	return mis.Problem{Message: "The XML is not well formed; the file may be cut short or damaged."}
}

// read reads the whole file.
func (rd *reader) read() error {
	br := bufio.NewReader(rd.src)
	switch head, _ := br.Peek(3); {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3) // a UTF-8 byte order mark, which the decoder would take as text
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return &fileProblem{msg: msgUTF16}
	}
	rd.d = xml.NewDecoder(br)
	rd.d.Strict = true
	rd.d.Entity = map[string]string{} // the five XML entities and character references only
	rd.d.CharsetReader = charsetReader

	// Before the root: only the XML declaration, comments and space.
	seen := false // something other than space has come
	for {
		t, err := rd.token()
		switch {
		case err == io.EOF && !seen:
			return &fileProblem{msg: msgEmpty}
		case err == io.EOF:
			return &fileProblem{msg: msgNotXML} // a declaration or comment but no element
		case err != nil:
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return &fileProblem{msg: msgNotXML}
			}
		default:
			seen = true
		case xml.StartElement:
			if t.Name.Local != "CTfile" {
				return &fileProblem{msg: msgRoot}
			}
			rd.rooted = true
			if err := rd.root(); err != nil {
				return err
			}
			return rd.epilogue()
		}
	}
}

// root reads the children of CTfile up to its end.
func (rd *reader) root() error {
	for {
		t, err := rd.token()
		if err != nil {
			return eofInside(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch name := t.Name.Local; name {
			case "Header":
				if rd.header != nil {
					rd.probs.Add("", "Header", "The file has two headers.")
					if err := rd.skip(); err != nil {
						return err
					}
					continue
				}
				budget := maxElements
				n, err := rd.tree(name, true, &budget)
				if err != nil {
					return err
				}
				rd.header = rd.readHeader(n)
				if budget < 0 {
					rd.probs.Add("", "Header", "The header has too many elements.")
				}
			case "CTFpupilData":
				if err := rd.pupilData(); err != nil {
					return err
				}
			default:
				rd.ignore(name)
				if err := rd.skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if rd.header == nil {
				rd.probs.Add("", "Header", "There is no Header; a Common Transfer File starts with one.")
			}
			if rd.pupils == 0 {
				rd.probs.Add("", "CTFpupilData", msgNoPupils)
			}
			return nil
		}
	}
}

// pupilData reads CTFpupilData, one Pupil at a time.
func (rd *reader) pupilData() error {
	for {
		t, err := rd.token()
		if err != nil {
			return eofInside(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local != "Pupil" {
				rd.ignore("CTFpupilData/" + t.Name.Local)
				if err := rd.skip(); err != nil {
					return err
				}
				continue
			}
			rd.pupils++
			if rd.pupils > rd.opt.MaxPupils {
				return &fileProblem{msg: fmt.Sprintf(msgPupils, rd.opt.MaxPupils)}
			}
			ref := fmt.Sprintf("pupil %d", rd.pupils)
			budget := maxElements
			n, err := rd.tree("Pupil", false, &budget)
			if err != nil {
				return err
			}
			if budget < 0 {
				rd.probs.Add(ref, "", "The pupil has more than %d elements.", maxElements)
				continue
			}
			if p := rd.readPupil(ref, n); p != nil {
				rd.batch.Pupils = append(rd.batch.Pupils, p)
			}
			rd.ignoreUnused(n, "Pupil")
		case xml.EndElement:
			return nil
		}
	}
}

// epilogue checks nothing but comments and space follow the root.
func (rd *reader) epilogue() error {
	for {
		t, err := rd.token()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return &fileProblem{msg: msgAfter}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return &fileProblem{msg: msgAfter}
			}
		}
	}
}

// eofInside turns io.EOF inside the root into a syntax error. (The
// decoder does this itself; this is belt and braces.)
func eofInside(err error) error {
	if err == io.EOF {
		return &xml.SyntaxError{Msg: "unexpected EOF"}
	}
	return err
}

// token returns the next token, refusing a declaration, nesting deeper
// than maxDepth and text longer than maxText. The guard reader refuses
// most of these as the bytes arrive; this is the check on what the
// decoder made of them.
func (rd *reader) token() (xml.Token, error) {
	t, err := rd.d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case xml.StartElement:
		rd.depth++
		if rd.depth > maxDepth {
			return nil, &fileProblem{msg: msgDepth}
		}
	case xml.EndElement:
		rd.depth--
	case xml.Directive:
		return nil, &fileProblem{msg: msgDTD}
	case xml.CharData:
		if len(t) > maxText {
			return nil, &fileProblem{msg: msgText}
		}
	}
	return t, nil
}

// skip reads to the end of the element just started, keeping nothing.
func (rd *reader) skip() error {
	for depth := 1; depth > 0; {
		t, err := rd.token()
		if err != nil {
			return eofInside(err)
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// ignore notes an element that was not used, for the run report.
func (rd *reader) ignore(path string) {
	if len(rd.ignored) < maxIgnored && len(path) <= 200 {
		rd.ignored[path] = true
	}
}
