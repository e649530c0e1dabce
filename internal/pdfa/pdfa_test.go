package pdfa_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/publica/publica/internal/pdfa"
	"github.com/publica/publica/internal/pdfa/pdfatest"
)

var when = time.Date(2026, 3, 1, 12, 30, 45, 0, time.FixedZone("CET", 3600))

// doc is a one-page fpdf document with a link and, unless attachment is
// nil, one attached file; core draws its text with a PDF core font.
func doc(t *testing.T, attachment []byte, core bool) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	pdfa.AddFonts(f)
	f.SetCompression(true)
	f.SetCatalogSort(true) // fonts in a fixed order: the same bytes every time
	f.SetCreationDate(when)
	f.SetModificationDate(when)
	if attachment != nil {
		f.SetAttachments([]fpdf.Attachment{{Content: attachment, Filename: "données (1).json", Description: "data"}})
	}
	f.AddPage()
	if core {
		f.SetFont("Helvetica", "", 12)
		f.Cell(40, 10, "core font")
	} else {
		f.SetFont(pdfa.Sans, "", 12)
		s, err := pdfa.Printable(pdfa.Sans, "", "Ångström, Dvořák, Łódź: €1")
		if err != nil {
			t.Fatal(err)
		}
		f.Cell(40, 10, s)
		f.Ln(10)
		// Hex in the mono font: its glyphs lie past the font's full hmtx
		// entries, where fpdf's subsetter used to write into the font.
		f.SetFont(pdfa.Mono, "", 9)
		f.Cell(40, 10, "SHA-256 4f0636456c6ee626be77d0c56dc9616331c04ba7123be3cfb6eb13d12bbe7653")
	}
	f.LinkString(10, 10, 20, 20, "https://portal.example/land/verify?title=T1")
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var meta = pdfa.Meta{Title: "Título (draft) \\ 1", Subject: "A test", Creator: "pdfa test", Producer: "Publica", Created: when, Modified: when.Add(time.Hour)}

// TestConvert: an fpdf document with an embedded font, a link and an
// attached JSON file becomes a file qpdf finds clean, whose XMP (parsed)
// declares PDF/A-3 with the Info dictionary's title and dates, with an
// sRGB output intent and the file as an associated file that qpdf takes
// out byte for byte; the same input gives the same bytes.
func TestConvert(t *testing.T) {
	content := []byte(`{"title":"T1","note":"ünïcode"}` + "\n")
	in := doc(t, content, false)
	files := []pdfa.File{{Name: "données (1).json", MIME: "application/json", Relationship: "Data", Modified: when}}
	out, err := pdfa.Convert(in, meta, files)
	if err != nil {
		t.Fatal(err)
	}
	r := pdfatest.Check(t, out)
	t.Logf("%d-byte fpdf output, %d bytes as PDF/A-3%s; qpdf --check:\n%s", len(in), len(out), r.Conformance, r.QpdfCheck)
	if r.Title != meta.Title || !r.Created.Equal(when) {
		t.Errorf("XMP title %q created %v, want %q %v", r.Title, r.Created, meta.Title, when)
	}
	if len(r.Files) != 1 || r.Files[0].Name != files[0].Name || r.Files[0].MIME != "application/json" || r.Files[0].Relationship != "Data" ||
		!bytes.Equal(r.Files[0].Content, content) {
		t.Fatalf("associated files %+v", r.Files)
	}
	again, err := pdfa.Convert(doc(t, content, false), meta, files)
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("the same document converted twice differs (%v)", err)
	}
	// A document without attachments has no /AF and still passes.
	plain, err := pdfa.Convert(doc(t, nil, false), meta, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := pdfatest.Check(t, plain); len(r.Files) != 0 {
		t.Fatalf("files in a document without attachments: %+v", r.Files)
	}
}

// TestConvertRefuses: what cannot be PDF/A, or does not match its
// description, is refused with a reason.
func TestConvertRefuses(t *testing.T) {
	content := []byte(`{}`)
	good := []pdfa.File{{Name: "données (1).json", MIME: "application/json", Relationship: "Data", Modified: when}}
	for _, c := range []struct {
		name  string
		in    []byte
		files []pdfa.File
		want  string
	}{
		{"core font", doc(t, content, true), good, "font Helvetica is not embedded"},
		{"undescribed attachment", doc(t, content, false), nil, "1 attached files, 0 described"},
		{"wrong name", doc(t, content, false), []pdfa.File{{Name: "other.json", MIME: "application/json", Relationship: "Data"}}, `described as "other.json"`},
		{"bad relationship", doc(t, content, false), []pdfa.File{{Name: good[0].Name, MIME: "application/json", Relationship: "Copy"}}, `relationship "Copy"`},
		{"not a PDF", []byte("hello"), nil, "not a PDF"},
		{"truncated", doc(t, content, false)[:2000], good, "startxref"},
	} {
		_, err := pdfa.Convert(c.in, meta, c.files)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

// TestPrintable: characters the font draws are kept (accents composed
// first), others become U+FFFD rather than the font's .notdef glyph.
func TestPrintable(t *testing.T) {
	for _, c := range []struct{ family, style, in, want string }{
		{pdfa.Sans, "", "Dvořák, Łódź, €250,000.00, 1,000 m²", "Dvořák, Łódź, €250,000.00, 1,000 m²"},
		{pdfa.Sans, "", "Ångstro\u0308m", "Ångström"},
		{pdfa.Sans, "B", "王小明 Wang", "\uFFFD\uFFFD\uFFFD Wang"},
		{pdfa.Mono, "", "AB12 😀", "AB12 \uFFFD"},
	} {
		got, err := pdfa.Printable(c.family, c.style, c.in)
		if err != nil || got != c.want {
			t.Errorf("Printable(%s %s, %q) = %q, %v; want %q", c.family, c.style, c.in, got, err, c.want)
		}
	}
	if _, err := pdfa.Printable("Helvetica", "", "x"); err == nil {
		t.Error("Printable with a font AddFonts does not add: no error")
	}
}
