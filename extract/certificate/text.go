package certificate

import (
	"strings"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/publica/publica/internal/pdfa"
)

// writer puts the certificate's text on the page. Text the DejaVu fonts
// draw is written with fpdf's own CellFormat and MultiCell. With the
// Chinese font (a Chinese certificate, or an English one whose register
// holds Chinese text) text that needs it is written here: each character
// is drawn with the font that has it (Chinese characters and punctuation
// with pdfa.Chinese, Latin letters, digits and symbols such as € and ²
// with DejaVu), and lines break between any two Chinese characters as
// well as at spaces: fpdf's MultiCell breaks only at spaces, which
// Chinese text has none of.
type writer struct {
	f             *fpdf.Fpdf
	chinese       bool // the document has the Chinese font (pdfa.AddChinese)
	family, style string
	size          float64
	err           error // the first font pdfa does not know
	wantChinese   bool  // text only the Chinese font draws, written without it
	widths        map[fontRune]float64
}

type fontRune struct {
	family, style string
	size          float64
	r             rune
}

// run is text drawn in one font.
type run struct {
	family, style string
	text          string
}

// font selects a font (pdfa.Sans or pdfa.Mono) for the text that follows.
func (w *writer) font(family, style string, size float64) {
	w.family, w.style, w.size = family, style, size
	w.f.SetFont(family, style, size)
}

// printable is s as the current font draws it (pdfa.Printable).
func (w *writer) printable(s string) string {
	p, err := pdfa.Printable(w.family, w.style, s)
	if err != nil && w.err == nil {
		w.err = err
	}
	return p
}

// line writes s on one line of width wd and height h, then goes to the
// next line at the left margin; border as CellFormat's.
func (w *writer) line(wd, h float64, s, border string) {
	need := w.needsChinese(s)
	w.wantChinese = w.wantChinese || need
	if !w.chinese || !need {
		w.f.CellFormat(wd, h, w.printable(s), border, 1, "L", false, 0, "")
		return
	}
	w.breakPage(h)
	w.draw(w.runs(s), h)
	w.f.CellFormat(wd, h, "", border, 1, "L", false, 0, "")
}

// para writes s in lines of width wd and height h (MultiCell's place:
// from the current position, ending at the left margin below).
func (w *writer) para(wd, h float64, s string) {
	need := w.needsChinese(s)
	w.wantChinese = w.wantChinese || need
	if !w.chinese || !need {
		w.f.MultiCell(wd, h, w.printable(s), "", "L", false)
		return
	}
	x := w.f.GetX()
	for _, l := range w.wrap(w.runs(s), wd-2*w.f.GetCellMargin()) {
		w.breakPage(h)
		w.f.SetX(x)
		w.draw(l, h)
		w.f.CellFormat(wd, h, "", "", 2, "L", false, 0, "")
	}
	left, _, _, _ := w.f.GetMargins()
	w.f.SetX(left)
}

// breakPage starts a new page when a line of height h would pass the
// bottom margin, keeping the position's x, as fpdf's cells do.
func (w *writer) breakPage(h float64) {
	_, pageH := w.f.GetPageSize()
	auto, bottom := w.f.GetAutoPageBreak()
	if auto && w.f.GetY()+h > pageH-bottom {
		x := w.f.GetX()
		w.f.AddPage()
		w.f.SetX(x)
	}
}

// draw writes the runs of one line from the current position where
// CellFormat puts the text of a cell of height h (after the cell
// margin, on the baseline 0.5 h + 0.3 font size down); the caller then
// writes an empty cell to draw any border and move on.
func (w *writer) draw(l []run, h float64) {
	x := w.f.GetX() + w.f.GetCellMargin()
	y := w.f.GetY()
	for _, r := range l {
		w.f.SetFont(r.family, r.style, w.size)
		_, fs := w.f.GetFontSize()
		w.f.Text(x, y+0.5*h+0.3*fs, r.text)
		x += w.f.GetStringWidth(r.text)
	}
	w.f.SetFont(w.family, w.style, w.size)
}

// needsChinese reports whether s has a character only the Chinese font
// draws.
func (w *writer) needsChinese(s string) bool {
	for _, r := range s {
		if fam, _ := w.fontOf(r); fam == pdfa.Chinese {
			return true
		}
	}
	return false
}

// fontOf is the font that draws r: Chinese characters and punctuation
// in the Chinese font, everything else in the current font, and what
// that lacks in the Chinese font if it has it.
func (w *writer) fontOf(r rune) (family, style string) {
	if wide(r) {
		if ok, _ := pdfa.Covers(pdfa.Chinese, "", r); ok {
			return pdfa.Chinese, ""
		}
	}
	if ok, _ := pdfa.Covers(w.family, w.style, r); ok || r < ' ' {
		return w.family, w.style
	}
	if ok, _ := pdfa.Covers(pdfa.Chinese, "", r); ok {
		return pdfa.Chinese, ""
	}
	return w.family, w.style
}

// wide reports whether r is written in Chinese text's full-width cells:
// ideographs, CJK punctuation and full-width forms.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) ||
		(r >= 0x2E80 && r <= 0x2FDF) || (r >= 0xFE30 && r <= 0xFE4F)
}

// runs splits s (in Unicode normal form C) into runs of one font each;
// a character no font draws becomes pdfa.Missing in the current font.
func (w *writer) runs(s string) []run {
	var out []run
	for _, r := range norm.NFC.String(s) {
		fam, st := w.fontOf(r)
		if ok, err := pdfa.Covers(fam, st, r); (err != nil || !ok) && r >= ' ' {
			if err != nil && w.err == nil {
				w.err = err
			}
			r = pdfa.Missing
		}
		out = appendRune(out, fam, st, r)
	}
	return out
}

// appendRune adds r in font family/style to the runs l, extending the last
// run when it is in the same font.
func appendRune(l []run, family, style string, r rune) []run {
	if n := len(l); n > 0 && l[n-1].family == family && l[n-1].style == style {
		l[n-1].text += string(r)
		return l
	}
	return append(l, run{family, style, string(r)})
}

// width is the width of r in its run's font at the current size.
func (w *writer) width(family, style string, r rune) float64 {
	k := fontRune{family, style, w.size, r}
	if v, ok := w.widths[k]; ok {
		return v
	}
	w.f.SetFont(family, style, w.size)
	v := w.f.GetStringWidth(string(r))
	w.f.SetFont(w.family, w.style, w.size)
	if w.widths == nil {
		w.widths = map[fontRune]float64{}
	}
	w.widths[k] = v
	return v
}

// noStart are the characters a line may not begin with (they close
// something or end a clause), noEnd those it may not end with.
const (
	noStart = "，。、；：！？）」』】》〉”’…·%,.;:!?)]}"
	noEnd   = "（「『【《〈“‘([{"
)

// wrap breaks runs into lines no wider than wd: at spaces (which are
// dropped at a line's end) and between two characters either of which
// is wide, never before a character of noStart or after one of noEnd.
// A word wider than a line is broken between any two characters.
func (w *writer) wrap(runs []run, wd float64) [][]run {
	type char struct {
		family, style string
		r             rune
		w             float64
	}
	var cs []char
	for _, rn := range runs {
		for _, r := range rn.text {
			cs = append(cs, char{rn.family, rn.style, r, w.width(rn.family, rn.style, r)})
		}
	}
	// canBreak(i): a line may end before cs[i].
	canBreak := func(i int) bool {
		if i <= 0 || i >= len(cs) {
			return false
		}
		a, b := cs[i-1].r, cs[i].r
		if strings.ContainsRune(noStart, b) || strings.ContainsRune(noEnd, a) {
			return false
		}
		return b == ' ' || a == ' ' || wide(a) || wide(b)
	}
	var lines [][]run
	emit := func(from, to int) {
		for to > from && cs[to-1].r == ' ' {
			to--
		}
		var l []run
		for _, c := range cs[from:to] {
			l = appendRune(l, c.family, c.style, c.r)
		}
		lines = append(lines, l)
	}
	start := 0
	for start < len(cs) {
		for start < len(cs) && cs[start].r == ' ' && len(lines) > 0 {
			start++ // a wrapped line does not begin with the space it broke at
		}
		if start >= len(cs) {
			break
		}
		used, end, lastBreak := 0.0, start, -1
		for end < len(cs) {
			if end > start && canBreak(end) {
				lastBreak = end
			}
			if used+cs[end].w > wd && end > start && cs[end].r != ' ' {
				break
			}
			used += cs[end].w
			end++
		}
		if end < len(cs) && lastBreak > start {
			end = lastBreak
		}
		emit(start, end)
		start = end
	}
	if len(lines) == 0 {
		lines = append(lines, nil)
	}
	return lines
}
