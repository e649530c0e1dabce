package pdfa_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/publica/publica/internal/pdfa"
	"github.com/publica/publica/internal/pdfa/pdfatest"
)

// TestChinese: the Chinese font (Debian's fonts-arphic-gbsn00lp, or the
// file PUBLICA_CJK_FONT names) is embedded as the subset a document
// uses, a few kilobytes of its 5 MB, in a file qpdf finds a clean
// PDF/A-3; Printable keeps the Chinese characters it has. A missing
// file, a font collection, CFF outlines or a font without Chinese are
// refused with ErrNoChineseFont and a sentence on what is needed.
func TestChinese(t *testing.T) {
	if err := pdfa.ChineseAvailable(); err != nil {
		if os.Getenv("PUBLICA_REQUIRE_CJKFONT") == "1" {
			t.Fatalf("%v, and PUBLICA_REQUIRE_CJKFONT=1", err)
		}
		t.Skipf("%v", err)
	}
	s, err := pdfa.Printable(pdfa.Chinese, "", "不动产权证书：王小明 😀")
	if err != nil || s != "不动产权证书：王小明 \uFFFD" {
		t.Errorf("Printable(Chinese) = %q, %v", s, err)
	}
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	if err := pdfa.AddChinese(f); err != nil {
		t.Fatal(err)
	}
	f.AddPage()
	f.SetFont(pdfa.Chinese, "", 14)
	f.Cell(100, 10, s[:len(s)-len("\uFFFD")])
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	pdf, err := pdfa.Convert(b.Bytes(), pdfa.Meta{Title: "不动产权证书", Created: when, Modified: when}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pdf) > 30<<10 {
		t.Errorf("a page of ten Chinese characters is %d bytes: the font is not subset", len(pdf))
	}
	r := pdfatest.Check(t, pdf)
	if r.Title != "不动产权证书" || r.Fonts != 1 {
		t.Errorf("qpdf reads title %q, %d embedded fonts", r.Title, r.Fonts)
	}
	t.Logf("%d-byte PDF/A-3 with a subset of %s", len(pdf), pdfa.ChineseFontPath())

	dir := t.TempDir()
	ttf, err := os.ReadFile(pdfa.ChineseFontPath())
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "none.ttf"), "fonts-arphic-gbsn00lp"},
		{write("uming.ttc", append([]byte("ttcf"), ttf[4:64]...)), "collection"},
		{write("noto.otf", append([]byte("OTTO"), ttf[4:64]...)), "CFF"},
		{write("text.txt", []byte("not a font at all")), "not a TrueType font"},
		{write("latin.ttf", latinFont(t)), "not a Chinese font"},
	} {
		t.Setenv(pdfa.ChineseFontEnv, c.path)
		err := pdfa.ChineseAvailable()
		if !errors.Is(err, pdfa.ErrNoChineseFont) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrNoChineseFont saying %q", filepath.Base(c.path), err, c.want)
		}
		if err := pdfa.AddChinese(fpdf.New("P", "mm", "A4", "")); !errors.Is(err, pdfa.ErrNoChineseFont) {
			t.Errorf("AddChinese with %s: %v", filepath.Base(c.path), err)
		}
	}
}

// latinFont is a TrueType font without Chinese: the DejaVu Sans this
// package embeds.
func latinFont(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("DejaVuSans.ttf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
