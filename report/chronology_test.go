package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/app"
)

var london, _ = time.LoadLocation("Europe/London")

func testMeta() ExportMeta {
	return ExportMeta{School: "Oak Primary School", ByName: "Zoë Ångström", ByEmail: "dsl@oak.test",
		At: time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC), Location: london, Filter: "All entries"}
}

func testPupil() *vigil.Pupil {
	return &vigil.Pupil{ID: "p1", LegalForename: "Siobhán", LegalSurname: "Nguyễn-Øberg", PreferredForename: "Shiv",
		DateOfBirth: vigil.NewDate(2017, 3, 4), YearGroup: "3", RegGroup: "3O", UPN: "A123456789012", OnRoll: true}
}

// chronology returns n entries a day apart from 1 June 2025 (summer time
// in London), each with text(i).
func chronology(n int, text func(i int) string) *app.Chronology {
	c := &app.Chronology{Pupil: testPupil()}
	start := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
	kinds := []string{"concern", "action", "note", "document"}
	for i := range n {
		e := &vigil.ChronologyEntry{Kind: kinds[i%4], ID: "e" + strconv.Itoa(i), ConcernID: "c1", At: start.AddDate(0, 0, i),
			Title: "Bullying, Neglect", Summary: text(i), By: "Mrs Ôlafsdóttir", Status: "open", Part: vigil.PartVictim, Key: i%7 == 0}
		c.Entries = append(c.Entries, e)
	}
	return c
}

// pdfString is s as fpdf writes a UTF-8 font's text into a page stream:
// UTF-16BE with \ ( ) and CR escaped.
func pdfString(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`, "\r", `\r`)
	return r.Replace(string(b))
}

func nbsp(s string) string { return strings.ReplaceAll(s, " ", "\u00a0") }

// render writes c uncompressed, so the pages can be read, and returns the
// PDF and its page count.
func render(t testing.TB, c *app.Chronology, m ExportMeta) (string, int) {
	t.Helper()
	var buf bytes.Buffer
	if err := chronologyPDF(&buf, c, m, false); err != nil {
		t.Fatalf("pdf: %v", err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "%PDF-") || !strings.HasSuffix(strings.TrimSpace(out), "%%EOF") {
		t.Fatalf("not a whole PDF: %.20q … %q", out, out[max(0, len(out)-20):])
	}
	return out, strings.Count(out, "/Type /Page\n")
}

// checkPages fails unless each of the n pages has its "Page i of n" once,
// and the header and the footer's marking appear on every page.
func checkPages(t *testing.T, out string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if got := strings.Count(out, pdfString(fmt.Sprintf("Page %d of %d", i, n))); got != 1 {
			t.Errorf("footer \"Page %d of %d\" appears %d times", i, n, got)
		}
	}
	if got := strings.Count(out, "("+pdfString(Classification+" — ")); got != n {
		t.Errorf("header on %d of %d pages", got, n)
	}
	if got := strings.Count(out, "("+pdfString(Classification)+")"); got != n {
		t.Errorf("footer marking on %d of %d pages", got, n)
	}
	if strings.Contains(out, pdfString(pageTotal)) || strings.Contains(out, pageTotal) {
		t.Error("the page total placeholder was left in")
	}
}

// A short chronology: one page, the pupil's details and every entry's
// words, accents intact, emoji replaced, and a key event marked.
func TestChronologyPDF(t *testing.T) {
	t.Parallel()
	texts := []string{"Zoë said (quietly) that \\ Ben pushed her \U0001F44D\U0001F3FD near the gate.", "Phoned mum.\r\nNo answer.", "Ωmega Жук שלום"}
	c := chronology(3, func(i int) string { return texts[i] })
	m := testMeta()
	out, pages := render(t, c, m)
	if pages != 1 {
		t.Fatalf("%d pages, want 1", pages)
	}
	checkPages(t, out, 1)
	for _, want := range []string{
		"OFFICIAL-SENSITIVE — Oak Primary School — exported by Zoë Ångström (dsl@oak.test) on 2 Mar 2026 14:05 GMT",
		"Chronology — Shiv Nguyễn-Øberg",
		nbsp("Legal name: Siobhán Nguyễn-Øberg"), nbsp("Date of birth: 4 Mar 2017"), nbsp("Year: Year 3"),
		nbsp("Registration group: 3O"), nbsp("UPN: A123456789012"),
		"Showing: All entries",
		"Zoë said (quietly) that \\ Ben pushed her \uFFFD near the gate.",
		"Phoned mum.", "No answer.", "Ωmega Жук שלום",
		"★ Key event · Sun 1 Jun 2025, 09:30 · Concern: Bullying, Neglect",
		"Mon 2 Jun 2025, 09:30 · Action: Bullying, Neglect",
		"Recorded by Mrs Ôlafsdóttir  ·  Pupil's part: Victim  ·  Status: Open",
		"End of chronology: 3 entries.",
	} {
		if !strings.Contains(out, pdfString(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// The real thing is compressed, and smaller.
	var buf bytes.Buffer
	if err := ChronologyPDF(&buf, c, m); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || buf.Len() >= len(out) || strings.Contains(buf.String(), pdfString("Phoned mum.")) {
		t.Errorf("compressed PDF: %d bytes against %d uncompressed", buf.Len(), len(out))
	}
}

// A long chronology runs over many pages, each with its header and
// "Page n of N"; one entry longer than a page continues onto the next
// pages whole, its last words included.
func TestChronologyPDFPages(t *testing.T) {
	t.Parallel()
	para := strings.Repeat("The pupil described what happened at lunchtime in some detail. ", 12)
	c := chronology(80, func(i int) string { return fmt.Sprintf("Entry %d. %s", i, para) })
	long := "BEGINLONG " + strings.Repeat("word ", 3000) + strings.Repeat("x", 400) + " ENDLONG"
	c.Entries[40].Summary = long
	m := testMeta()
	m.School = "St Mary’s Church of England (Aided) Primary School"
	out, pages := render(t, c, m)
	if pages < 20 {
		t.Fatalf("%d pages for 80 long entries and one of 15,000 characters", pages)
	}
	checkPages(t, out, pages)
	for _, want := range []string{"Entry 0.", "Entry 79.", "BEGINLONG", "ENDLONG", "End of chronology: 80 entries."} {
		if !strings.Contains(out, pdfString(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// An empty chronology is one page that says so.
	out, pages = render(t, &app.Chronology{Pupil: testPupil()}, m)
	if pages != 1 || !strings.Contains(out, pdfString("No entries match this filter.")) {
		t.Errorf("empty chronology: %d pages", pages)
	}
	checkPages(t, out, 1)
}

// Text that would change if the page-total placeholder were a plain word
// stays as it was written.
func TestChronologyPDFKeepsText(t *testing.T) {
	t.Parallel()
	text := "Said {nb} twice: {nb}. ààĀ \uE0E0\uE0E0"
	out, _ := render(t, chronology(1, func(int) string { return text }), testMeta())
	if !strings.Contains(out, pdfString("Said {nb} twice: {nb}. ààĀ \uFFFD")) {
		t.Error("the entry's text was changed")
	}
}

func TestPDFText(t *testing.T) {
	t.Parallel()
	g, err := coverage()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"Zoë Ångström":                                      "Zoë Ångström",
		"Zoe\u0308":                                         "Zoë", // combining diaeresis composed
		"Ωmega Жук שלום":                                    "Ωmega Жук שלום",
		"ok \U0001F44D\U0001F3FD then":                      "ok \uFFFD then",
		"\U0001F1EC\U0001F1E7\U0001F1EC\U0001F1E7":          "\uFFFD",
		"\U0001F468\u200D\U0001F469\u200D\U0001F467 family": "\uFFFD family",
		"\u2764\uFE0F":                                      "❤",
		"漢字":                                                "\uFFFD",
		"bad \xff\xfe byte":                                 "bad \uFFFD byte",
		"a\r\nb\rc\nd\u2028e":                               "a\nb\nc\nd\ne",
		"tab\there":                                         "tab here",
		"nul\x00bell\x07":                                   "nulbell",
		"\u202Eevil":                                        "evil",
		"private \uE0E0":                                    "private \uFFFD",
		"":                                                  "",
	} {
		if got := pdfText(g, in); got != want {
			t.Errorf("pdfText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCmapCoverage(t *testing.T) {
	t.Parallel()
	g, err := coverage()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "Aé€ŁŒΩЖשب★\uFFFD" {
		if !g.has(r) {
			t.Errorf("fonts lack %q", r)
		}
	}
	for _, r := range []rune{0, '漢', 0xE0E0, 0x1F600, -1} {
		if g.has(r) {
			t.Errorf("fonts claim %q", r)
		}
	}
	b, _ := fontFS.ReadFile(fontRegular)
	for _, bad := range [][]byte{nil, []byte("OTTO"), b[:12], b[:200]} {
		if _, err := cmapCoverage(bad); err == nil {
			t.Errorf("%d bytes of font read without error", len(bad))
		}
	}
}

// readCSV parses an export, checking the byte-order mark and that every row
// has every column.
func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(b, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("no byte-order mark: %.20q", b)
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	return rows
}

func TestChronologyCSV(t *testing.T) {
	t.Parallel()
	texts := []string{"=HYPERLINK(\"http://evil.test\")", "Zoë said \"no\",\nthen left.\r\nLater: calm.", "+44 7700 900123", "-1", "@SUM(A1)", "\tx", "ordinary, with a comma"}
	c := chronology(len(texts), func(i int) string { return texts[i] })
	c.Entries[1].By = "=cmd|' /C calc'!A0"
	m := testMeta()
	var buf bytes.Buffer
	if err := ChronologyCSV(&buf, c, m); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if len(rows) != 1+len(texts)+2 {
		t.Fatalf("%d rows", len(rows))
	}
	if strings.Join(rows[0], ",") != "at,kind,title,part,by,status,key_event,concern_id,text" {
		t.Errorf("header %q", rows[0])
	}
	wantText := []string{"'=HYPERLINK(\"http://evil.test\")", "Zoë said \"no\",\nthen left.\nLater: calm.", "'+44 7700 900123", "'-1", "'@SUM(A1)", "'\tx", "ordinary, with a comma"}
	for i, w := range wantText {
		if got := rows[1+i][8]; got != w {
			t.Errorf("row %d text %q, want %q", i, got, w)
		}
	}
	if got := rows[1]; got[0] != "2025-06-01T09:30:00+01:00" || got[1] != "concern" || got[2] != "Bullying, Neglect" ||
		got[3] != "victim" || got[4] != "Mrs Ôlafsdóttir" || got[5] != "open" || got[6] != "yes" || got[7] != "c1" {
		t.Errorf("first row %q", got)
	}
	if rows[2][4] != "'=cmd|' /C calc'!A0" || rows[2][6] != "no" {
		t.Errorf("second row %q", rows[2])
	}
	about, by := rows[len(rows)-2], rows[len(rows)-1]
	if about[0] != "# Chronology of Shiv Nguyễn-Øberg; Legal name: Siobhán Nguyễn-Øberg; Date of birth: 4 Mar 2017; Year: Year 3; Registration group: 3O; UPN: A123456789012" {
		t.Errorf("pupil row %q", about[0])
	}
	if by[0] != "# Exported by Zoë Ångström (dsl@oak.test) on 2026-03-02T14:05:00Z from Oak Primary School; showing: All entries; 7 entries; OFFICIAL-SENSITIVE" {
		t.Errorf("export row %q", by[0])
	}
	for _, r := range [][]string{about, by} {
		if strings.Join(r[1:], "") != "" {
			t.Errorf("last rows have more than one cell: %q", r)
		}
	}
}

func TestFilterDescription(t *testing.T) {
	t.Parallel()
	cats := []*vigil.Category{{ID: "k1", Name: "Bullying"}}
	for _, tc := range []struct {
		f    app.ChronologyFilter
		want string
	}{
		{app.ChronologyFilter{}, "All entries"},
		{app.ChronologyFilter{Category: "k1", From: vigil.NewDate(2025, 9, 1), Kinds: []string{"concern", "action"}},
			"Category: Bullying; from 1 Sep 2025; concerns and actions only"},
		{app.ChronologyFilter{Category: "gone", To: vigil.NewDate(2026, 1, 31), KeyOnly: true}, "Category: one category; to 31 Jan 2026; key events only"},
		{app.ChronologyFilter{Kinds: []string{"note", "action", "document"}}, "notes, actions and documents only"},
	} {
		if got := FilterDescription(tc.f, cats); got != tc.want {
			t.Errorf("FilterDescription(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// FuzzChronologyExport: any text in any field gives a whole PDF and a CSV
// that reads back to the same cells, made safe; nothing panics.
func FuzzChronologyExport(f *testing.F) {
	for _, s := range []string{"", "plain", "Zoë \U0001F44D\U0001F3FD 漢字", "\xff\xfe\x00", "=1+1", "(\\)", "{nb}", "\uE0E0\uE0E0", "\r\n\r\n", strings.Repeat("w", 3000), "\U0010FFFF\uFFFF\uFFFE", "\u0301\u0301"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, text string) {
		c := chronology(2, func(int) string { return text })
		c.Pupil.PreferredForename, c.Entries[1].Title, c.Entries[1].By = name, name, name
		m := testMeta()
		m.ByName, m.School = name, name
		var pdf bytes.Buffer
		if err := ChronologyPDF(&pdf, c, m); err != nil {
			t.Fatalf("pdf: %v", err)
		}
		if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(pdf.Bytes()), []byte("%%EOF")) {
			t.Fatal("not a whole PDF")
		}
		var out bytes.Buffer
		if err := ChronologyCSV(&out, c, m); err != nil {
			t.Fatalf("csv: %v", err)
		}
		rows := readCSV(t, out.Bytes())
		if len(rows) != 5 || rows[1][8] != csvCell(text) || rows[2][4] != csvCell(name) {
			t.Fatalf("read back %q", rows)
		}
		for _, r := range rows {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("unsafe cell %q", cell)
				}
			}
		}
	})
}

// BenchmarkChronologyPDF500 writes a 500-entry chronology (about 600
// characters each) and reports its size, pages and cost per entry, and the
// ratio to an empty chronology's cost, which is the fixed cost of fonts.
func BenchmarkChronologyPDF500(b *testing.B) {
	text := strings.Repeat("Amara said an older pupil took her lunch money again; staff spoke to both. ", 8)
	c := chronology(500, func(int) string { return text })
	empty := &app.Chronology{Pupil: testPupil()}
	m := testMeta()
	var buf bytes.Buffer
	// The fixed cost, measured in the same run: an empty chronology.
	const runs = 5
	start := time.Now()
	for range runs {
		buf.Reset()
		if err := ChronologyPDF(&buf, empty, m); err != nil {
			b.Fatal(err)
		}
	}
	base := float64(time.Since(start).Nanoseconds()) / runs
	_, pages := render(b, c, m)
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := ChronologyPDF(&buf, c, m); err != nil {
			b.Fatal(err)
		}
	}
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(buf.Len()), "bytes")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(per/500, "ns/entry")
	b.ReportMetric(per/base, "x_empty")
}
