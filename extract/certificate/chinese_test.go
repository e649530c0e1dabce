package certificate_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/pdfa"
	"github.com/publica/publica/internal/pdfa/pdfatest"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/x/land"
	"github.com/publica/publica/x/land/money"
)

// needChinese skips the test when the Chinese font (pdfa.ChineseFontPath)
// is missing, or fails it under PUBLICA_REQUIRE_CJKFONT=1, as `make test`
// runs it after scripts/install-fonts.sh.
func needChinese(t *testing.T) {
	t.Helper()
	if err := pdfa.ChineseAvailable(); err != nil {
		if os.Getenv("PUBLICA_REQUIRE_CJKFONT") == "1" {
			t.Fatalf("%v, and PUBLICA_REQUIRE_CJKFONT=1", err)
		}
		t.Skipf("%v", err)
	}
}

var blank = regexp.MustCompile(`[\s\x{00A0}]+`)

// TestCertificateChinese: the certificate of the Millbrook title asked
// for in Chinese is printed in Chinese, as pdftotext reads it: the
// Chinese headings, the owners' names, the amount, the block's date and
// the lease's dates written as the Chinese page writes them, and no
// English heading; every font embedded as a subset with a Unicode map;
// qpdf finds it a clean PDF/A-3 with a Chinese title; the same extract
// gives the same bytes. Without the Chinese font it is printed in English
// with a note, and says why.
func TestCertificateChinese(t *testing.T) {
	needChinese(t)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PUBLICA_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext (poppler-utils) is not installed and PUBLICA_REQUIRE_PDFTOTEXT=1")
		}
		t.Skip("pdftotext (poppler-utils) is not installed; scripts/install-poppler.sh installs it")
	}

	cert, tid := millbrookCertificate(t)
	pdf, fallback, err := cert.PDFIn(i18n.Chinese)
	if err != nil || fallback != nil {
		t.Fatalf("Chinese certificate: %v (fallback %v)", err, fallback)
	}
	again, _, err := cert.PDFIn(i18n.Chinese)
	if err != nil || !bytes.Equal(pdf, again) {
		t.Fatalf("the same certificate printed twice in Chinese gave different bytes (%v)", err)
	}
	if d := os.Getenv("PUBLICA_CERT_DUMP"); d != "" { // a folder to keep the PDF in, to look at
		if err := os.WriteFile(filepath.Join(d, "certificate-zh.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := pdftotextOf(t, pdftotext, pdf, cert.FileName())
	// Chinese has no spaces between words, and lines wrap between any
	// two characters: compare with all white space taken out.
	text := blank.ReplaceAllString(string(out), "")
	t.Logf("pdftotext: %d characters of text from a %d-byte PDF", len([]rune(text)), len(pdf))

	tech := strings.Index(text, "技术信息")
	if tech < 0 {
		t.Fatalf("no technical details (技术信息) in:\n%s", out)
	}
	people := text[:tech]
	amount := money.Format("25000000", "EUR", i18n.Chinese)
	for _, want := range []string{
		"不动产权证书", "产权" + tid + "登记簿", "权利人及份额", "抵押", "租赁与地役权", "异议登记",
		"AliceCitizen", "BobCitizen", "份额1/2",
		"MB-77", "14MillLane,Millbrook", "1,000平方米",
		amount + "，抵押权人Nordbankplc",
		"承租人CarolCitizen，自2027年1月1日至2031年12月31日",
		"为CityCouncil登记", "Claimtoarightofway",
		"由不动产登记员于第", "在撤回或注销之前，交易均被冻结。",
		"完全所有权", "有效", // freehold, active: the register's words in Chinese
		i18n.DateTime(i18n.Chinese, cert.Time)[:len(i18n.Date(i18n.Chinese, cert.Time))], // the block's date
	} {
		if w := blank.ReplaceAllString(want, ""); !strings.Contains(people, w) {
			t.Errorf("the Chinese certificate's text before its technical details lacks %q", w)
		}
	}
	if !strings.Contains(text, "核验本证书") || !strings.Contains(text, "publicaverifyextract"+cert.FileName()) {
		t.Errorf("the Chinese certificate lacks its check instructions")
	}
	for _, english := range []string{"Titlecertificate", "Ownersandshares", "Technicaldetails", "Lodgedfor", "tolender"} {
		if strings.Contains(text, english) {
			t.Errorf("the Chinese certificate has English text %q", english)
		}
	}
	if strings.ContainsRune(text, pdfa.Missing) {
		t.Errorf("a character no font has was printed as %q", pdfa.Missing)
	}
	if t.Failed() {
		t.Logf("pdftotext output:\n%s", out)
	}

	t.Run("PDF/A-3 by qpdf", func(t *testing.T) {
		r := pdfatest.Check(t, pdf) // qpdf --check, then its JSON view
		wantTitle := "不动产权证书 " + tid + "（第 " + strconv.FormatInt(cert.Extract.Height, 10) + " 号区块）"
		if r.Part != "3" || r.Title != wantTitle {
			t.Errorf("XMP: PDF/A-%s, title %q; want PDF/A-3, %q", r.Part, r.Title, wantTitle)
		}
		if r.Fonts < 2 {
			t.Errorf("%d embedded fonts; want DejaVu and the Chinese font", r.Fonts)
		}
	})

	t.Run("no Chinese font", func(t *testing.T) {
		t.Setenv(pdfa.ChineseFontEnv, filepath.Join(t.TempDir(), "missing.ttf"))
		pdf, fallback, err := cert.PDFIn(i18n.Chinese)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(fallback, pdfa.ErrNoChineseFont) || !strings.Contains(fallback.Error(), "fonts-arphic-gbsn00lp") {
			t.Fatalf("fallback %v, want ErrNoChineseFont naming the Debian package", fallback)
		}
		text := blank.ReplaceAllString(string(pdftotextOf(t, pdftotext, pdf, cert.FileName())), " ")
		for _, want := range []string{"Title certificate", "printed in English", "Alice Citizen"} {
			if !strings.Contains(text, want) {
				t.Errorf("the English certificate printed for want of a Chinese font lacks %q", want)
			}
		}
	})
}

// TestEnglishCertificateChineseNames: an English certificate prints a
// name the register holds in Chinese with the Chinese font, not as
// U+FFFD; one with no Chinese text does not embed the Chinese font (its
// bytes are those of a portal with no Chinese font at all).
func TestEnglishCertificateChineseNames(t *testing.T) {
	needChinese(t)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PUBLICA_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext (poppler-utils) is not installed and PUBLICA_REQUIRE_PDFTOTEXT=1")
		}
		t.Skip("pdftotext (poppler-utils) is not installed; scripts/install-poppler.sh installs it")
	}
	cert := func(owner, address string) *certificate.Certificate {
		return &certificate.Certificate{
			Extract: &extract.Extract{ChainID: "publica-test", Height: 41, Title: "T7", Entries: make([]extract.Entry, 3)},
			Result: &extract.Result{Height: 41, AppHash: bytes.Repeat([]byte{0xAB}, 32), ValidatorsHash: bytes.Repeat([]byte{0xCD}, 32),
				Title: &land.Title{ID: "T7", Parcels: []string{"P3"}, Owners: []land.Share{{Party: "N20", Share: "1"}},
					Tenure: "freehold", Status: "active", Document: strings.Repeat("e", 64), Registered: 12},
				Parcels: []*land.Parcel{{ID: "P3", CadastralRef: "SH-88", AreaM2: "250", Address: address}},
				Parties: map[string]*land.Party{"N20": {ID: "N20", Kind: "natural-person", Name: owner}}},
			JSON: []byte("{}\n"), SHA256: strings.Repeat("f", 64), Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
			VerifyURL: "https://portal.example" + certificate.VerifyPath("T7", 41, strings.Repeat("f", 64)),
		}
	}
	pdf, err := cert("王小明", "上海市黄浦区中山东一路 1 号").PDF()
	if err != nil {
		t.Fatal(err)
	}
	text := string(pdftotextOf(t, pdftotext, pdf, "T7-at-41.certificate.pdf"))
	for _, want := range []string{"Title certificate", "Owners and shares", "王小明", "上海市黄浦区中山东一路 1 号"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English certificate of a Chinese owner lacks %q", want)
		}
	}
	if strings.ContainsRune(text, pdfa.Missing) {
		t.Errorf("the English certificate of a Chinese owner prints %q:\n%s", pdfa.Missing, text)
	}
	latin, err := cert("Alice Citizen", "1 Mill Lane").PDF()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(pdfa.ChineseFontEnv, filepath.Join(t.TempDir(), "missing.ttf"))
	without, err := cert("Alice Citizen", "1 Mill Lane").PDF()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(latin, without) || bytes.Contains(latin, []byte("arplsungtilgb")) {
		t.Errorf("an English certificate with no Chinese text depends on the Chinese font")
	}
}
