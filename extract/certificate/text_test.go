package certificate

import (
	"os"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/publica/publica/internal/pdfa"
)

// TestWrapChinese: Chinese text, which has no spaces, is broken into
// lines no wider than the column, between characters; a line never
// starts with closing punctuation such as "，" or "。"; Latin words in
// it are kept whole and each character is drawn with the font that has
// it; nothing is lost or added but the spaces the lines break at.
func TestWrapChinese(t *testing.T) {
	if err := pdfa.ChineseAvailable(); err != nil {
		if os.Getenv("PUBLICA_REQUIRE_CJKFONT") == "1" {
			t.Fatalf("%v, and PUBLICA_REQUIRE_CJKFONT=1", err)
		}
		t.Skipf("%v", err)
	}
	f := fpdf.New("P", "mm", "A4", "")
	pdfa.AddFonts(f)
	if err := pdfa.AddChinese(f); err != nil {
		t.Fatal(err)
	}
	f.AddPage()
	w := &writer{f: f, chinese: true}
	w.font(pdfa.Sans, "", 9)
	s := "扫描二维码或打开下方地址：门户会获取产权 T12 在第 1,234 号区块的登记簿摘录，加以核验，并核对其 SHA-256 与本证书所印的是否一致。抵押权人 Nordbank Group plc，€250,000.00，1,000 m²。"
	const wd = 40.0
	lines := w.wrap(w.runs(s), wd)
	if len(lines) < 4 {
		t.Fatalf("%d lines for %d characters in %v mm", len(lines), len([]rune(s)), wd)
	}
	var all strings.Builder
	for i, l := range lines {
		var text string
		width := 0.0
		for _, r := range l {
			for _, c := range r.text {
				width += w.width(r.family, r.style, c)
				want, _ := w.fontOf(c)
				if r.family != want {
					t.Errorf("line %d: %q drawn with %s, want %s", i, c, r.family, want)
				}
			}
			text += r.text
		}
		if width > wd+1e-9 {
			t.Errorf("line %d %q is %.2f mm wide, more than %v", i, text, width, wd)
		}
		if first := []rune(text)[0]; strings.ContainsRune(noStart, first) || first == ' ' {
			t.Errorf("line %d starts with %q", i, first)
		}
		all.WriteString(text)
	}
	if got, want := all.String(), strings.ReplaceAll(s, " ", ""); strings.ReplaceAll(got, " ", "") != want {
		t.Errorf("the lines read %q, want %q", got, want)
	}
	for _, word := range []string{"Nordbank", "€250,000.00", "SHA-256"} {
		found := false
		for _, l := range lines {
			var text string
			for _, r := range l {
				text += r.text
			}
			found = found || strings.Contains(text, word)
		}
		if !found {
			t.Errorf("%q is broken across lines", word)
		}
	}
}
