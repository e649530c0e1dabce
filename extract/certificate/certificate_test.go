package certificate_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"rsc.io/qr"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/pdfa/pdfatest"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/land"
)

// TestCertificatePDF: a certificate of a mortgaged title with a caveat
// carries its extract, which comes back out of the PDF byte for byte and
// verifies; its QR code is the verify URL of that extract; the same
// extract gives the same PDF; a changed attachment or a PDF with none is
// refused with a clear error.
func TestCertificatePDF(t *testing.T) {
	_, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice, bob := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")
	aliceID, bobID := apptest.Account(alice), apptest.Account(bob)
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "C-1", Address: "1 Rue Ångström", Document: d,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: aliceID, Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	mid := testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: tid, Lender: bobID, Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: d}, alice, bob)
	cid := testnode.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: tid, Reason: "Boundary dispute — court file 12/2026", Document: d}, clerk) // a clerk's caveat is in force at once

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	latest, err := c.LatestHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, latest+2) // the header of latest+1 is then canonical
	x, err := extract.Build(ctx, c, tid, latest)
	if err != nil {
		t.Fatal(err)
	}
	again, err := extract.Build(ctx, c, tid, latest)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := extract.Digest(x)
	s2, _ := extract.Digest(again)
	if s1 != s2 {
		t.Fatalf("two extracts of %s at %d differ: %s %s", tid, latest, s1, s2)
	}

	const origin = "https://portal.example"
	cert, err := certificate.New(x, origin+"/")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := cert.PDF()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("certificate of %s at %d: %d bytes (extract %d bytes)", tid, latest, len(pdf), len(cert.JSON))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:16])
	}

	// Same extract, same bytes (no wall clock anywhere).
	cert2, err := certificate.New(again, origin)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a clock read would now differ by a second
	pdf2, err := cert2.PDF()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf, pdf2) {
		t.Fatalf("the same extract gave two different PDFs (%d and %d bytes)", len(pdf), len(pdf2))
	}
	stamp := "D:" + cert.Time.Format("20060102150405")
	if !bytes.Contains(pdf, []byte(stamp)) {
		t.Errorf("PDF dates are not the block time %s", stamp)
	}

	// The attachment is the extract file, byte for byte, and verifies.
	raw, err := extract.FromPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := extract.Encode(x)
	if !bytes.Equal(raw, want) {
		t.Fatalf("attached extract differs from the extract file")
	}
	back, file, err := extract.Read(pdf)
	if err != nil || !bytes.Equal(file, raw) {
		t.Fatalf("Read(pdf): %v", err)
	}
	res, err := extract.Verify(back)
	if err != nil {
		t.Fatal(err)
	}
	tt := res.Title
	if tt.ID != tid || len(tt.Mortgages) != 1 || tt.Mortgages[0].ID != mid || len(tt.Caveats) != 1 || tt.Caveats[0].ID != cid {
		t.Fatalf("verified title %+v", tt)
	}
	sum := sha256.Sum256(raw)
	if cert.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("printed SHA-256 %s is not that of the attachment", cert.SHA256)
	}

	// The QR code drawn on the page is the verify URL of this extract.
	wantURL := fmt.Sprintf("%s/land/verify?height=%d&sha256=%s&title=%s", origin, x.Height, hex.EncodeToString(sum[:]), tid)
	if cert.VerifyURL != wantURL {
		t.Fatalf("verify URL %s, want %s", cert.VerifyURL, wantURL)
	}
	code, err := qr.Encode(wantURL, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	drawn := drawnRuns(t, pdf, code.Size)
	if exp := certificate.Runs(code); !slices.Equal(drawn, exp) {
		t.Fatalf("the PDF draws %d QR runs, the code of %s has %d (first drawn %v, want %v)", len(drawn), wantURL, len(exp), first(drawn), first(exp))
	}
	if !bytes.Contains(pdf, []byte("/URI ("+wantURL+")")) {
		t.Errorf("the QR code is not a link to %s", wantURL)
	}

	// A changed attachment (checksum kept consistent by rewriting the
	// PDF) no longer verifies; a flipped compressed byte is caught first.
	forged := strings.Replace(string(raw), `"freehold`, `"leasehold`, 1)
	if forged == string(raw) {
		t.Fatal("nothing to forge")
	}
	fx, _, err := extract.Read(plainPDF(t, []byte(forged)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extract.Verify(fx); err == nil {
		t.Fatal("a forged attachment verified")
	}
	i := bytes.Index(pdf, []byte("/Type /EmbeddedFile"))
	j := bytes.Index(pdf[i:], []byte("stream\n")) + i + len("stream\n") + 40
	broken := slices.Clone(pdf)
	broken[j] ^= 0x55
	if _, _, err := extract.Read(broken); err == nil {
		t.Fatal("a PDF with a corrupted attachment was read")
	} else {
		t.Logf("corrupted attachment: %v", err)
	}
	if _, _, err := extract.Read(plainPDF(t, nil)); !errors.Is(err, extract.ErrNoExtract) {
		t.Fatalf("PDF without attachment: %v", err)
	}
	if _, _, err := extract.Read(plainPDF(t, []byte(`{"hello":"world"}`))); !errors.Is(err, extract.ErrNoExtract) ||
		!strings.Contains(err.Error(), "1 attached file") {
		t.Fatalf("PDF with another attachment: %v", err)
	}

	// PDF/A-3 as another program reads it: qpdf finds the file clean, the
	// XMP (parsed) declares PDF/A-3 with the Info dictionary's title and
	// the block time, and the extract is the associated file, which qpdf
	// takes out byte for byte and which verifies.
	t.Run("PDF/A-3 by qpdf", func(t *testing.T) {
		r := pdfatest.Check(t, pdf)
		wantTitle := fmt.Sprintf("Title certificate %s at block %d", tid, x.Height)
		if blockTime := cert.Time.Truncate(time.Second); r.Part != "3" || r.Title != wantTitle || !r.Created.Equal(blockTime) {
			t.Errorf("XMP: PDF/A-%s%s, title %q, created %v; want PDF/A-3, %q, %v", r.Part, r.Conformance, r.Title, r.Created, wantTitle, blockTime)
		}
		if len(r.Files) != 1 {
			t.Fatalf("%d associated files, want the extract", len(r.Files))
		}
		af := r.Files[0]
		if af.Name != cert.AttachmentName() || af.MIME != "application/json" || af.Relationship != "Source" {
			t.Errorf("associated file %s (%s, /AFRelationship /%s), want %s (application/json, /Source)", af.Name, af.MIME, af.Relationship, cert.AttachmentName())
		}
		if !bytes.Equal(af.Content, want) {
			t.Fatalf("qpdf's copy of the attachment (%d bytes) is not the extract file (%d bytes)", len(af.Content), len(want))
		}
		ax, err := extract.Decode(af.Content)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := extract.Verify(ax); err != nil {
			t.Fatalf("qpdf's copy of the extract does not verify: %v", err)
		}
		t.Logf("PDF/A-%s%s, %d embedded fonts, %d-byte PDF", r.Part, r.Conformance, r.Fonts, len(pdf))
	})
}

func first(rs []certificate.Run) any {
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}

// plainPDF is a PDF with one attached file (none if content is nil).
func plainPDF(t *testing.T, content []byte) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	if content != nil {
		f.SetAttachments([]fpdf.Attachment{{Content: content, Filename: "T1.extract.json"}})
	}
	f.AddPage()
	f.SetFont("Helvetica", "", 12)
	f.Cell(40, 10, "Not a certificate")
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var reRe = regexp.MustCompile(`(-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) re f`)

// drawnRuns reads the filled rectangles of the page's content stream back
// into QR module runs (the inverse of the layout in certificate.PDF).
func drawnRuns(t *testing.T, pdf []byte, size int) []certificate.Run {
	t.Helper()
	var content []byte
	for _, m := range regexp.MustCompile(`/Filter /FlateDecode /Length (\d+)>>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		zr, err := zlib.NewReader(bytes.NewReader(pdf[m[1] : m[1]+n]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(zr)
		content = append(content, b...)
	}
	const k = 72 / 25.4
	const margin, qrSide = 18.0, 42.0
	qx, qy := 210-margin-qrSide, margin
	mod := qrSide / float64(size+2*certificate.Quiet)
	var out []certificate.Run
	for _, m := range reRe.FindAllSubmatch(content, -1) {
		v := make([]float64, 4)
		for i := range v {
			v[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
			v[i] /= k
		}
		x, yTop, w := v[0], 297-v[1], v[2] // fpdf flips y: re gives the bottom-left corner in points and a negative height
		if w >= qrSide*0.99 {
			continue // the light square behind the code
		}
		out = append(out, certificate.Run{X: int(math.Round((x-qx)/mod)) - certificate.Quiet,
			Y: int(math.Round((yTop-qy)/mod)) - certificate.Quiet, W: int(math.Round(w / mod))})
	}
	if len(out) == 0 {
		t.Fatalf("no rectangles in the page content (%d bytes)", len(content))
	}
	return out
}
