package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/vigil-safeguarding/vigil/app"
)

// ChronologyCSVHeader names the chronology export's columns. at is RFC 3339
// in the school's time zone; kind, part and status are the codes the API
// uses (concern, note, action, document; subject, victim, …; open, closed,
// done); key_event is yes or no.
var ChronologyCSVHeader = []string{"at", "kind", "title", "part", "by", "status", "key_event", "concern_id", "text"}

// ChronologyCSV writes c as CSV in UTF-8 with a byte-order mark (so Excel
// reads accents right): the header row, one row per entry oldest first,
// then two rows whose first cell starts with "#": "# Chronology of …" naming
// the pupil, and "# Exported by NAME (EMAIL) on TIME …" with the school,
// the filter and the marking, so every copy says who took it and when.
// Every cell is made safe to open in a spreadsheet.
func ChronologyCSV(w io.Writer, c *app.Chronology, meta ExportMeta) error {
	if c == nil || c.Pupil == nil {
		return fmt.Errorf("report: chronology csv: no pupil")
	}
	fail := func(err error) error { return fmt.Errorf("write chronology csv for pupil %s: %w", c.Pupil.ID, err) }
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fail(err)
	}
	cw := csv.NewWriter(w)
	row := func(cells ...string) error {
		cells = append([]string(nil), cells...) // never write into the caller's slice (the shared header)
		for i, s := range cells {
			cells[i] = csvCell(s)
		}
		return cw.Write(cells)
	}
	if err := row(ChronologyCSVHeader...); err != nil {
		return fail(err)
	}
	loc := meta.loc()
	for _, e := range c.Entries {
		if e == nil {
			continue
		}
		key := "no"
		if e.Key {
			key = "yes"
		}
		if err := row(e.At.In(loc).Format(time.RFC3339), e.Kind, e.Title, e.Part, e.By, e.Status, key, string(e.ConcernID), e.Summary); err != nil {
			return fail(err)
		}
	}
	about := "# Chronology of " + c.Pupil.Name()
	for _, d := range pupilDetails(c.Pupil) {
		about += "; " + d[0] + ": " + d[1]
	}
	filter := meta.Filter
	if filter == "" {
		filter = "All entries"
	}
	by := "# Exported by " + meta.ByName + " (" + meta.ByEmail + ") on " + meta.At.In(loc).Format(time.RFC3339) +
		" from " + meta.School + "; showing: " + filter + "; " + countEntries(len(c.Entries)) + "; " + Classification
	for _, line := range []string{about, by} {
		cells := make([]string, len(ChronologyCSVHeader))
		cells[0] = strings.ReplaceAll(line, "\n", " ")
		if err := row(cells...); err != nil {
			return fail(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fail(err)
	}
	return nil
}

// csvCell cleans a cell: invalid UTF-8 becomes U+FFFD, line breaks become
// \n, other control characters but tab go, and a cell a spreadsheet would
// run as a formula (CSV injection, ASVS 1.2.10: one starting with = + - @,
// a tab or a carriage return) gets a leading apostrophe, which spreadsheets
// show as text. web's audit export applies the same rule.
func csvCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }) >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\r':
				return '\n'
			case r != '\n' && r != '\t' && unicode.IsControl(r):
				return -1
			}
			return r
		}, s)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
