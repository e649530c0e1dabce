package pdfa

import (
	"encoding/binary"
	"errors"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// Missing is what Printable puts for a character the font cannot draw:
// PDF/A forbids drawing the font's .notdef glyph, which fpdf would use.
const Missing = '\uFFFD'

// coverage is the set of BMP characters a font's cmap maps to a glyph
// (fpdf maps characters to glyphs only within the BMP).
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool { return r >= 0 && r < 0x10000 && c[r/64]&(1<<(r%64)) != 0 }

var (
	coverOnce sync.Once
	covers    map[string]*coverage // by family+style
	coverErr  error
)

func fontCoverage(family, style string) (*coverage, error) {
	if family == Chinese && style == "" {
		c, err := chineseFont()
		if err != nil {
			return nil, err
		}
		return c.cover, nil
	}
	coverOnce.Do(func() {
		covers = map[string]*coverage{}
		for key, ttf := range map[string][]byte{Sans: sans, Sans + "B": sansBold, Mono: mono} {
			c, err := cmapCoverage(ttf)
			if err != nil {
				coverErr = err
				return
			}
			covers[key] = c
		}
	})
	if coverErr != nil {
		return nil, coverErr
	}
	c := covers[family+style]
	if c == nil {
		return nil, errors.New("pdfa: no font " + family + " " + style)
	}
	return c, nil
}

// Printable returns s (in Unicode normal form C, so that a letter and
// its accent become the one character fonts have) with every character
// that the font family/style of AddFonts (or Chinese, of AddChinese)
// cannot draw replaced by Missing.
func Printable(family, style, s string) (string, error) {
	c, err := fontCoverage(family, style)
	if err != nil {
		return "", err
	}
	s = norm.NFC.String(s)
	out := []rune(s)
	for i, r := range out {
		if r >= ' ' && !c.has(r) {
			out[i] = Missing
		}
	}
	return string(out), nil
}

// cmapCoverage reads the BMP characters of a TrueType font's Unicode
// cmap (platform 3 encoding 1 or platform 0, format 4).
func cmapCoverage(ttf []byte) (*coverage, error) {
	bad := errors.New("pdfa: not a TrueType font with a Unicode cmap")
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
	n, ok := u16(4)
	if !ok {
		return nil, bad
	}
	cmap := -1
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, bad
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return nil, bad
	}
	nsub, ok := u16(cmap + 2)
	if !ok {
		return nil, bad
	}
	for i := 0; i < nsub; i++ {
		platform, _ := u16(cmap + 4 + 8*i)
		encoding, _ := u16(cmap + 6 + 8*i)
		off, ok := u32(cmap + 8 + 8*i)
		if !ok || !(platform == 3 && encoding == 1 || platform == 0) {
			continue
		}
		sub := cmap + off
		if format, _ := u16(sub); format != 4 {
			continue
		}
		segX2, ok := u16(sub + 6)
		if !ok || sub+16+4*segX2 > len(ttf) {
			return nil, bad
		}
		ends, starts := sub+14, sub+16+segX2
		deltas, ranges := starts+segX2, starts+2*segX2
		var c coverage
		for s := 0; s < segX2/2; s++ {
			end, _ := u16(ends + 2*s)
			start, _ := u16(starts + 2*s)
			delta, _ := u16(deltas + 2*s)
			ro, _ := u16(ranges + 2*s)
			for r := start; r <= end && r < 0xFFFF; r++ {
				glyph := 0
				if ro == 0 {
					glyph = (r + delta) & 0xFFFF
				} else if g, ok := u16(ranges + 2*s + ro + 2*(r-start)); ok && g != 0 {
					glyph = (g + delta) & 0xFFFF
				}
				if glyph != 0 {
					c[r/64] |= 1 << (r % 64)
				}
			}
		}
		return &c, nil
	}
	return nil, bad
}
