package report

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

// Page geometry in millimetres, A4 portrait.
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 15.0
	marginTop    = 10.0
	marginBottom = 18.0 // room for the footer
	bodyW        = pageW - 2*marginX
)

// pageTotal stands for the number of pages until the document is closed.
// fpdf swaps it for the total by searching the page streams for it (both
// as UTF-8 and as the UTF-16 text is written in), so it must be something
// no record can hold: pdfText turns every private-use character into
// U+FFFD, and two of U+E0E0 cannot be found straddling other characters
// either, since any four bytes E0 E0 E0 E0 hold a whole U+E0E0. "{nb}",
// fpdf's default, would change a record that happened to contain it.
const pageTotal = "\uE0E0\uE0E0"

// ChronologyPDF writes c as an A4 PDF: the pupil's name and details, the
// filter, then every entry oldest first with its time in the school's time
// zone, kind, title, who recorded it, the pupil's part, its status, a
// marker for key events and its whole text, wrapped and continued across
// pages. Every page is headed with the OFFICIAL-SENSITIVE marking, the
// school and who exported it when, and footed with "Page n of N". Text the
// fonts cannot draw (emoji, for one) is shown as U+FFFD. The error never
// quotes the record.
func ChronologyPDF(w io.Writer, c *app.Chronology, meta ExportMeta) error {
	return chronologyPDF(w, c, meta, true)
}

// chronologyPDF is ChronologyPDF with the choice of compressing the page
// streams, which tests turn off to read the pages.
func chronologyPDF(w io.Writer, c *app.Chronology, meta ExportMeta, compress bool) (err error) {
	if c == nil || c.Pupil == nil {
		return errors.New("report: chronology pdf: no pupil")
	}
	g, err := coverage()
	if err != nil {
		return err
	}
	regular, err := fontFS.ReadFile(fontRegular)
	if err != nil {
		return err
	}
	bold, err := fontFS.ReadFile(fontBold)
	if err != nil {
		return err
	}
	failed := fmt.Errorf("report: chronology pdf for pupil %s: layout failed", c.Pupil.ID)
	defer func() {
		// pdfText keeps fpdf from panicking on any text we know of; should
		// it still, the export fails rather than the server. The panic's
		// value may quote the record, so it is dropped.
		if recover() != nil {
			err = failed
		}
	}()
	t := func(s string) string { return pdfText(g, s) }
	loc := meta.loc()

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.AliasNbPages(pageTotal)
	pdf.AddUTF8FontFromBytes("DejaVu", "", regular)
	pdf.AddUTF8FontFromBytes("DejaVu", "B", bold)
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.SetTitle(t("Chronology — "+c.Pupil.Name()), true)
	pdf.SetSubject(Classification, true)
	pdf.SetAuthor(t(meta.ByName), true)
	pdf.SetCreator("Vigil", true)
	pdf.SetCreationDate(meta.At)
	pdf.SetModificationDate(meta.At)

	banner := t(Classification + " — " + meta.School + " — " + meta.exportedBy("2 Jan 2006 15:04 MST"))
	pdf.SetHeaderFunc(func() {
		pdf.SetFont("DejaVu", "", 7.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(bodyW, 3.4, banner, "", "C", false)
		y := pdf.GetY() + 1.5
		pdf.SetDrawColor(150, 150, 150)
		pdf.SetLineWidth(0.2)
		pdf.Line(marginX, y, pageW-marginX, y)
		pdf.SetY(y + 4)
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.SetFooterFunc(func() {
		y := pageH - 13
		pdf.SetDrawColor(150, 150, 150)
		pdf.SetLineWidth(0.2)
		pdf.Line(marginX, y, pageW-marginX, y)
		pdf.SetTextColor(70, 70, 70)
		pdf.SetXY(marginX, y+1.5)
		pdf.SetFont("DejaVu", "B", 7.5)
		pdf.CellFormat(100, 4, Classification, "", 0, "L", false, 0, "")
		// Left-aligned at a fixed place: the total is not known while the
		// line is laid out, so it must not be right-aligned.
		pdf.SetFont("DejaVu", "", 7.5)
		pdf.SetXY(pageW-marginX-32, y+1.5)
		pdf.CellFormat(32, 4, "Page "+strconv.Itoa(pdf.PageNo())+" of "+pageTotal, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})

	pdf.AddPage()
	pdf.SetFont("DejaVu", "B", 16)
	pdf.MultiCell(bodyW, 7.5, t("Chronology — "+c.Pupil.Name()), "", "L", false)
	pdf.Ln(1.5)
	pdf.SetFont("DejaVu", "", 9.5)
	var details []string
	for _, d := range pupilDetails(c.Pupil) {
		// No-break spaces keep each detail whole on one line.
		details = append(details, strings.ReplaceAll(d[0]+": "+d[1], " ", "\u00a0"))
	}
	if len(details) > 0 {
		pdf.MultiCell(bodyW, 5, t(strings.Join(details, "\u00a0\u00a0\u00a0 ")), "", "L", false)
	}
	filter := meta.Filter
	if filter == "" {
		filter = "All entries"
	}
	pdf.MultiCell(bodyW, 5, t("Showing: "+filter), "", "L", false)
	pdf.MultiCell(bodyW, 5, t(countEntries(len(c.Entries))+", oldest first. Times are in "+loc.String()+"."), "", "L", false)
	rule(pdf)

	for _, e := range c.Entries {
		if e == nil {
			continue
		}
		pdfEntry(pdf, t, e, e.At.In(loc).Format("Mon 2 Jan 2006, 15:04"))
	}
	if len(c.Entries) == 0 {
		pdf.SetFont("DejaVu", "", 10)
		pdf.MultiCell(bodyW, 5, "No entries match this filter.", "", "L", false)
	}
	pdf.Ln(2)
	pdf.SetFont("DejaVu", "B", 9)
	pdf.MultiCell(bodyW, 5, "End of chronology: "+countEntries(len(c.Entries))+".", "", "L", false)

	if pdf.Err() {
		return failed // fpdf's own message may quote the record
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write chronology pdf for pupil %s: %w", c.Pupil.ID, err)
	}
	return nil
}

func countEntries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return strconv.Itoa(n) + " entries"
}

func rule(pdf *fpdf.Fpdf) {
	pdf.Ln(2)
	y := pdf.GetY()
	pdf.SetDrawColor(190, 190, 190)
	pdf.SetLineWidth(0.2)
	pdf.Line(marginX, y, pageW-marginX, y)
	pdf.Ln(3)
}

// Line heights of an entry, in millimetres.
const (
	headLine = 5.0
	metaLine = 4.2
	textLine = 4.9
)

// pdfEntry writes one entry: a heading (time, kind, title; shaded with a
// star for a key event), a line of who and what, then the whole text. The
// heading starts a new page rather than sit alone at the foot of one.
func pdfEntry(pdf *fpdf.Fpdf, t func(string) string, e *vigil.ChronologyEntry, when string) {
	head := when + " · " + KindTitle(e.Kind)
	if e.Title != "" {
		head += ": " + e.Title
	}
	if e.Key {
		head = "★ Key event · " + head
	}
	head = t(head)
	var about []string
	if e.By != "" {
		about = append(about, "Recorded by "+e.By)
	}
	if e.Part != "" {
		about = append(about, "Pupil's part: "+vigil.PartTitle(e.Part))
	}
	if e.Status != "" {
		about = append(about, "Status: "+StatusTitle(e.Status))
	}
	meta := t(strings.Join(about, "  ·  "))
	text := strings.TrimRight(t(e.Summary), "\n ")

	pdf.SetFont("DejaVu", "B", 10)
	need := float64(len(pdf.SplitText(head, bodyW))) * headLine
	if meta != "" {
		pdf.SetFont("DejaVu", "", 8.5)
		need += float64(len(pdf.SplitText(meta, bodyW))) * metaLine
	}
	if text != "" {
		pdf.SetFont("DejaVu", "", 10)
		need += float64(min(2, len(pdf.SplitText(text, bodyW)))) * textLine
	}
	if pdf.GetY()+need > pageH-marginBottom {
		pdf.AddPage()
	}

	pdf.SetFont("DejaVu", "B", 10)
	if e.Key {
		pdf.SetFillColor(255, 236, 179)
	}
	pdf.MultiCell(bodyW, headLine, head, "", "L", e.Key)
	if meta != "" {
		pdf.SetFont("DejaVu", "", 8.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(bodyW, metaLine, meta, "", "L", false)
		pdf.SetTextColor(0, 0, 0)
	}
	if text != "" {
		pdf.Ln(0.8)
		pdf.SetFont("DejaVu", "", 10)
		pdf.MultiCell(bodyW, textLine, text, "", "L", false)
	}
	rule(pdf)
}
