package extract_test

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/publica/publica/extract"
)

func pdfWith(t testing.TB, files ...[]byte) []byte {
	f := fpdf.New("P", "mm", "A4", "")
	var as []fpdf.Attachment
	for _, b := range files {
		as = append(as, fpdf.Attachment{Content: b, Filename: "T1.extract.json"})
	}
	f.SetAttachments(as)
	f.AddPage()
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttachmentsRoundTrip: every file fpdf attaches comes back byte for
// byte, in order, from a compressed or an uncompressed PDF.
func TestAttachmentsRoundTrip(t *testing.T) {
	files := [][]byte{[]byte(`{"version":1}`), bytes.Repeat([]byte("stream endstream endobj 1 0 obj "), 300), {}}
	got, err := extract.Attachments(pdfWith(t, files...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("%d attachments, want %d", len(got), len(files))
	}
	for i := range files {
		if !bytes.Equal(got[i], files[i]) {
			t.Errorf("attachment %d differs", i)
		}
	}
	if _, _, err := extract.Read([]byte("%PDF-1.3\n%%EOF")); err == nil {
		t.Error("an empty PDF gave an extract")
	}
	if _, _, err := extract.Read([]byte(`{"version":1,"unknown":2}`)); err == nil {
		t.Error("JSON with unknown members was taken for an extract")
	}
}

// FuzzRead: any bytes, as an extract file or a PDF, give an extract or an
// error, never a panic; what Read returns decodes again.
func FuzzRead(f *testing.F) {
	f.Add(pdfWith(f, []byte(`{"version":1,"chain_id":"c","height":1,"title":"T1","entries":[]}`)))
	f.Add(pdfWith(f))
	f.Add([]byte(`{"version":1,"title":"T1"}`))
	f.Add([]byte("%PDF-1.3\n1 0 obj\n<< /Type /EmbeddedFile /Length 2 0 R >>\nstream\nxx\nendstream\nendobj\n2 0 obj\n2\nendobj\n"))
	f.Add([]byte("%PDF-1.7\n3 0 obj <</Type/EmbeddedFile/Filter/FlateDecode/Length 99999999999999999999>>stream\r\nx"))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, raw, err := extract.Read(b)
		if err != nil {
			return
		}
		if x == nil {
			t.Fatal("no extract and no error")
		}
		if _, err := extract.Decode(raw); err != nil {
			t.Fatalf("Read returned bytes that do not decode: %v", err)
		}
	})
}
