package report

import (
	"embed"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The PDF core fonts know only Windows-1252, so the PDF embeds DejaVu Sans
// (licence in fonts/LICENSE), which covers Latin, Greek, Cyrillic, Hebrew,
// Arabic and many symbols: pupils' and staff names as schools hold them.
//
//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf
var fontFS embed.FS

const (
	fontRegular = "fonts/DejaVuSans.ttf"
	fontBold    = "fonts/DejaVuSans-Bold.ttf"
)

// glyphSet holds one bit for each Basic Multilingual Plane character a
// font can draw.
type glyphSet [0x10000 / 64]uint64

func (g *glyphSet) has(r rune) bool {
	return r >= 0 && r < 0x10000 && g[r/64]&(1<<(r%64)) != 0
}

// coverage is the characters both embedded fonts can draw, read once from
// their character maps.
var coverage = sync.OnceValues(func() (*glyphSet, error) {
	var both *glyphSet
	for _, name := range []string{fontRegular, fontBold} {
		b, err := fontFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		g, err := cmapCoverage(b)
		if err != nil {
			return nil, errors.New("report: " + name + ": " + err.Error())
		}
		if both == nil {
			both = g
			continue
		}
		for i := range both {
			both[i] &= g[i]
		}
	}
	return both, nil
})

var errFont = errors.New("no usable Unicode character map")

// cmapCoverage reads which characters a TrueType font maps to a glyph, from
// its format 4 (Unicode BMP) character map: the same table fpdf uses, read
// the same way, so a character counted here is one fpdf can draw.
func cmapCoverage(ttf []byte) (*glyphSet, error) {
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[off:])), true
	}
	numTables, ok := u16(4)
	if !ok {
		return nil, errFont
	}
	cmap := -1
	for i := range numTables {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errFont
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
		}
	}
	n, ok := u16(cmap + 2)
	if cmap < 0 || !ok {
		return nil, errFont
	}
	sub := -1
	for i := range n {
		platform, _ := u16(cmap + 4 + 8*i)
		encoding, _ := u16(cmap + 6 + 8*i)
		off, ok := u32(cmap + 8 + 8*i)
		if !ok {
			return nil, errFont
		}
		if format, _ := u16(cmap + off); format == 4 && (platform == 3 && encoding == 1 || platform == 0) {
			sub = cmap + off
			break
		}
	}
	if sub < 0 {
		return nil, errFont
	}
	length, _ := u16(sub + 2)
	segX2, ok := u16(sub + 6)
	if !ok || sub+length > len(ttf) {
		return nil, errFont
	}
	ends, starts, deltas, ranges := sub+14, sub+16+segX2, sub+16+2*segX2, sub+16+3*segX2
	g := new(glyphSet)
	for s := 0; s < segX2; s += 2 {
		end, ok1 := u16(ends + s)
		start, ok2 := u16(starts + s)
		delta, ok3 := u16(deltas + s)
		ro, ok4 := u16(ranges + s)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, errFont
		}
		for c := start; c <= end && c < 0xFFFF; c++ {
			gid := 0
			if ro == 0 {
				gid = (c + delta) & 0xFFFF
			} else if pos := ranges + s + ro + 2*(c-start); pos < sub+length {
				if gid, _ = u16(pos); gid != 0 {
					gid = (gid + delta) & 0xFFFF
				}
			}
			if gid != 0 && c != 0 {
				g[c/64] |= 1 << (c % 64)
			}
		}
	}
	return g, nil
}

// pdfText makes outside text safe to draw with the embedded fonts: invalid
// UTF-8, private-use characters and anything the fonts cannot draw (emoji,
// most CJK) become one U+FFFD each run, emoji joiners and selectors are
// dropped, line breaks become \n and other control characters go. fpdf
// panics or fails on characters outside the Basic Multilingual Plane and
// on invalid UTF-8, so every string of a record passes through here.
func pdfText(g *glyphSet, s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = norm.NFC.String(s) // é as one character, which the font has
	var b strings.Builder
	b.Grow(len(s))
	replaced := false
	replace := func() {
		if !replaced {
			if g.has('\uFFFD') {
				b.WriteRune('\uFFFD')
			} else {
				b.WriteByte('?')
			}
		}
		replaced = true
	}
	prevCR := false
	for _, r := range s {
		cr := r == '\r'
		switch {
		case r == '\n' && prevCR:
			// the \r before it was the line break
		case cr || r == '\n' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			b.WriteByte('\n')
			replaced = false
		case r == '\t':
			b.WriteByte(' ')
			replaced = false
		case ignorable(r) || unicode.IsControl(r):
		case unicode.Is(unicode.Co, r) || !g.has(r):
			replace()
		default:
			b.WriteRune(r)
			replaced = false
		}
		prevCR = cr
	}
	return b.String()
}

// ignorable reports characters that only change how others look or run:
// emoji variation selectors, joiners, skin tones, tags and direction marks
// (the PDF is drawn left to right).
func ignorable(r rune) bool {
	switch {
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE007F, r >= 0x1F3FB && r <= 0x1F3FF:
		return true
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x200E || r == 0x200F || r == 0x2060 || r == 0xFEFF:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
