// Package csvfile reads a school's MIS export saved as CSV (pupils,
// contacts or staff, from SIMS, Arbor, Bromcom, ScholarPack and the like)
// into a mis.Batch. See reference/mis.md §2 for the columns and rules.
//
// Read streams the file: it never holds more than one row of text at a
// time, and stops at a size or row limit, so a 2 GB upload costs no more
// than the limits allow. Every row is checked; if any has a problem, Read
// returns all the problems (each naming a row and column, never a value)
// and no batch, so nothing is imported from a file that is partly wrong.
package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/mis"
)

// Default limits (reference/mis.md §2).
const (
	DefaultMaxBytes = 20 << 20
	DefaultMaxRows  = 100_000
)

// maxProblems caps the problems listed; the rest are counted.
const maxProblems = 1000

// headerSearch is how many rows may come before the header (title rows
// some exports put first).
const headerSearch = 10

// progressEvery is how often, in rows, Options.Progress is called.
const progressEvery = 500

// Options say what to read and set the limits.
type Options struct {
	// Kind is KindPupils, KindContacts or KindStaff; "" detects it from
	// the headers.
	Kind string
	// Today decides the century of two-digit years, whether a leaving
	// date has passed and whether a date of birth is plausible. Zero
	// means the current date.
	Today vigil.Date
	// MaxBytes and MaxRows refuse larger files; zero means the defaults.
	// MaxRows counts the rows after the header, blank ones too. Memory
	// grows with the rows kept (about 1.5 KB a pupil), so a caller that
	// knows the school's size may set a lower MaxRows.
	MaxBytes int64
	MaxRows  int
	// Progress, if not nil, is called every 500 rows with the rows and
	// bytes read so far.
	Progress func(rows int, bytes int64)
}

// Read reads one CSV export. It returns the batch, or a *mis.ProblemError
// (EINVALID) listing every problem found and no batch, or another error
// if r itself fails.
//
// A pupils file gives a complete roll (Batch.Complete) and a staff file a
// complete staff list (Batch.StaffComplete). A contacts file, one row per
// pupil and contact, gives pupils holding only their MIS id or UPN and
// their contacts.
func Read(r io.Reader, opt Options) (*mis.Batch, error) {
	var want []*table
	switch opt.Kind {
	case "":
		want = tables
	case KindPupils:
		want = []*table{pupilTable}
	case KindContacts:
		want = []*table{contactTable}
	case KindStaff:
		want = []*table{staffTable}
	default:
		return nil, fmt.Errorf("csvfile: unknown kind %q", opt.Kind)
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	if opt.Today.IsZero() {
		opt.Today = vigil.DateOf(time.Now())
	}

	src := &source{r: r, max: opt.MaxBytes}
	dec, msg := newDecoder(src)
	if dec == nil {
		if src.err != nil && src.err != io.EOF && src.err != errTooBig {
			return nil, fmt.Errorf("read csv: %w", src.err)
		}
		if msg == "" {
			msg = "The file is empty."
		}
		return nil, mis.Problems{{Message: msg}}.Err()
	}
	text := bufio.NewReaderSize(dec, sniffSize)
	sample, _ := text.Peek(sniffSize) // errors come back on the next read
	cr := csv.NewReader(text)
	cr.Comma = sniffDelimiter(sample, want)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rd := &reader{opt: opt, src: src, cr: cr}

	header, err := rd.findHeader(want)
	if err != nil {
		return nil, err
	}
	if header == nil {
		kind := ""
		if len(want) == 1 {
			kind = want[0].kind
		}
		return nil, mis.Problems{notRecognised(kind)}.Err()
	}
	t := want[0]
	if len(want) > 1 {
		if t = detectKind(header); t == nil {
			return nil, mis.Problems{notRecognised("")}.Err()
		}
	}
	cols, probs := mapColumns(header, t)
	if len(probs) > 0 {
		return nil, probs.Err()
	}

	var b *mis.Batch
	switch t.kind {
	case KindPupils:
		b, err = rd.readPupils(cols)
	case KindContacts:
		b, err = rd.readContacts(cols)
	case KindStaff:
		b, err = rd.readStaff(cols)
	}
	if err != nil {
		return nil, err
	}
	if rd.dataRows == 0 && len(rd.probs) == 0 && rd.fileProblem == nil {
		rd.fileProblem = &mis.Problem{Message: "The file has column headers but no rows under them."}
	}
	if ps := rd.problems(); len(ps) > 0 {
		return nil, ps.Err()
	}
	return b, nil
}

// reader holds one read in progress.
type reader struct {
	opt Options
	src *source
	cr  *csv.Reader

	header   []string
	extra    int // line breaks inside quoted values so far: lines minus rows
	lastRow  int
	rows     int // rows after the header, for the limit and progress
	dataRows int // rows that are not blank

	probs       mis.Problems
	more        int          // problems past maxProblems
	fileProblem *mis.Problem // a limit passed; shown first
}

// problems returns every problem found, the file-level one first.
func (rd *reader) problems() mis.Problems {
	var out mis.Problems
	if rd.fileProblem != nil {
		out = append(out, *rd.fileProblem)
	}
	out = append(out, rd.probs...)
	if rd.more > 0 {
		out.Add("", "", "And %d more problems not listed here.", rd.more)
	}
	return out
}

// failed reports whether any problem has been found, after which rows are
// still checked but no longer kept: nothing will be imported.
func (rd *reader) failed() bool { return len(rd.probs) > 0 || rd.fileProblem != nil }

func (rd *reader) add(ref, column, msg string) {
	if len(rd.probs) >= maxProblems {
		rd.more++
		return
	}
	rd.probs = append(rd.probs, mis.Problem{Ref: ref, Column: column, Message: msg})
}

// next reads a record and says which row it is as a spreadsheet shows it:
// a line break inside a quoted value does not start a new row, a blank
// line does.
func (rd *reader) next() (rec []string, row int, err error) {
	rec, err = rd.cr.Read()
	if err == io.EOF {
		return nil, 0, err
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		row = pe.StartLine - rd.extra
		rd.extra += pe.Line - pe.StartLine
		rd.lastRow = row
		return nil, row, err
	}
	if err != nil {
		return nil, rd.lastRow + 1, err
	}
	line, _ := rd.cr.FieldPos(0)
	row = line - rd.extra
	for _, f := range rec {
		rd.extra += strings.Count(f, "\n")
	}
	rd.lastRow = row
	return rec, row, nil
}

// fatal turns an error that stops the read into a problem, or returns it
// when it is not the file's fault.
func (rd *reader) fatal(err error, row int) error {
	switch {
	case errors.Is(err, errTooBig):
		rd.fileProblem = &mis.Problem{Message: fmt.Sprintf("The file is larger than %s, the most that can be imported at once. Check it is the right file, or split it.", sizeText(rd.opt.MaxBytes))}
	case errors.Is(err, errRecordLong):
		rd.fileProblem = &mis.Problem{Ref: rowRef(row), Message: fmt.Sprintf("This row is longer than %d KB: a quote mark is probably not closed. Check the row in a text editor.", maxRecord>>10)}
	default:
		return fmt.Errorf("read csv: %w", err)
	}
	return nil
}

// findHeader reads up to the header row: the first of the first few rows
// with at least three known headers. It returns nil if there is none.
func (rd *reader) findHeader(want []*table) ([]string, error) {
	for range headerSearch {
		rec, row, err := rd.next()
		if err == io.EOF {
			return nil, nil
		}
		if _, ok := errors.AsType[*csv.ParseError](err); ok {
			continue // a title row with stray quotes
		}
		if err != nil {
			if err := rd.fatal(err, row); err != nil {
				return nil, err
			}
			return nil, rd.problems().Err()
		}
		if score(rec, want) >= 3 {
			rd.header = slices.Clone(rec)
			return rd.header, nil
		}
	}
	return nil, nil
}

// eachRow calls fn for every row after the header that is not blank,
// recording the problems of rows that cannot be read, until the end of
// the file or a limit.
func (rd *reader) eachRow(fn func(rec []string, row int)) error {
	for {
		rec, row, err := rd.next()
		if err == io.EOF {
			return nil
		}
		if err == nil || errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote) {
			rd.rows++
			if rd.rows > rd.opt.MaxRows {
				rd.fileProblem = &mis.Problem{Message: fmt.Sprintf("The file has more than %d rows, the most that can be imported at once. Check it is the right file, or split it.", rd.opt.MaxRows)}
				return nil
			}
			if rd.opt.Progress != nil && rd.rows%progressEvery == 0 {
				rd.opt.Progress(rd.rows, rd.src.n)
			}
		}
		switch {
		case errors.Is(err, csv.ErrBareQuote):
			rd.add(rowRef(row), "", "A value has a quote mark in it but is not in quotes. Put the value in quotes and double the quote mark.")
			continue
		case errors.Is(err, csv.ErrQuote):
			rd.add(rowRef(row), "", "A quoted value is not closed properly, or has something after its closing quote mark.")
			continue
		case err != nil:
			return rd.fatal(err, row)
		}
		if blank(rec) {
			continue
		}
		rd.dataRows++
		if len(rec) > len(rd.header) && !blank(rec[len(rd.header):]) {
			rd.add(rowRef(row), "", "This row has more values than there are column headers: a value with the delimiter in it may need quotes.")
			continue
		}
		fn(rec, row)
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func rowRef(row int) string { return fmt.Sprintf("row %d", row) }

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// sniffDelimiter picks the comma, semicolon or tab: whichever splits one
// of the first rows into the most known headers. With no known header at
// all it takes the one the first line has most of.
func sniffDelimiter(sample []byte, want []*table) rune {
	best, bestScore := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		cr := csv.NewReader(bytes.NewReader(sample))
		cr.Comma = d
		cr.LazyQuotes = true // only sniffing: the real read is strict
		cr.FieldsPerRecord = -1
		for range headerSearch {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if s := score(rec, want); s > bestScore {
				best, bestScore = d, s
			}
		}
	}
	if bestScore > 0 {
		return best
	}
	first, _, _ := bytes.Cut(sample, []byte("\n"))
	most := 0
	for _, d := range []rune{',', ';', '\t'} {
		if n := bytes.Count(first, []byte(string(d))); n > most {
			best, most = d, n
		}
	}
	return best
}
