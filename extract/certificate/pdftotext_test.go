package certificate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/land"
)

var (
	accountID = regexp.MustCompile(`(^|[^0-9A-Fa-f])[0-9A-Fa-f]{40}([^0-9A-Fa-f]|$)`) // an account id, exactly 40 hex digits
	longHex   = regexp.MustCompile(`[0-9A-Fa-f]{40,}`)                                // an id or a hash
	isoDate   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	space     = regexp.MustCompile(`\s+`)
)

// TestCertificateTextPdftotext reads the certificate of a real title with
// another program: Debian's pdftotext (poppler-utils, installed by
// scripts/install-poppler.sh; PUBLICA_REQUIRE_PDFTOTEXT=1 makes its
// absence a failure). The title is held by two named citizens, charged
// to a bank for €250,000.00, leased to a third citizen and under two
// caveats, one lodged for the City Council and one by a clerk. The text
// a reader copies out of the PDF names them all, shows the amount as
// money, the address, and dates as people write them; every account id
// and hash is under a "Technical details" heading, nowhere else.
func TestCertificateTextPdftotext(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("PUBLICA_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext (poppler-utils) is not installed and PUBLICA_REQUIRE_PDFTOTEXT=1")
		}
		t.Skip("pdftotext (poppler-utils) is not installed; scripts/install-poppler.sh installs it")
	}

	cert, tid := millbrookCertificate(t)
	pdf, err := cert.PDF()
	if err != nil {
		t.Fatal(err)
	}
	out := pdftotextOf(t, pdftotext, pdf, cert.FileName())
	text := space.ReplaceAllString(string(out), " ") // lines wrap where the layout breaks them
	t.Logf("pdftotext: %d characters of text from a %d-byte PDF", len(text), len(pdf))

	tech := strings.Index(text, "Technical details")
	check := strings.Index(text, "Check this certificate")
	if tech < 0 || check < tech {
		t.Fatalf("no Technical details before Check this certificate in:\n%s", out)
	}
	people, technical, checking := text[:tech], text[tech:check], text[check:]
	for _, want := range []string{
		"Title certificate", "Register of title " + tid,
		"Alice Citizen", "Bob Citizen", "Share 1/2",
		"MB-77", "14 Mill Lane, Millbrook", "1,000 m²",
		"€250,000.00 to lender Nordbank plc",
		"To Carol Citizen from 1 January 2027 to 31 December 2031",
		"Lodged for City Council", "Claim to a right of way",
		"Lodged by a land registry clerk", "Boundary dispute, court file 12/2026",
		cert.Time.Format("2 January 2006"), // the block's date, in words
	} {
		if !strings.Contains(people, want) {
			t.Errorf("the certificate's text before its technical details lacks %q", want)
		}
	}
	if m := longHex.FindString(people); m != "" {
		t.Errorf("an id or hash %s appears outside the technical details", m)
	}
	if m := isoDate.FindString(people); m != "" {
		t.Errorf("a machine date %s appears in the certificate's text", m)
	}
	if m := accountID.FindString(checking); m != "" {
		t.Errorf("an account id %s appears in the check instructions", m)
	}
	// The ids are not lost: they are where a checker looks for them.
	for _, want := range []string{"Party N1", "Party N8", "registration number SC100001", "Party N9",
		cert.SHA256, "Title deed SHA-256 " + doc("deed")} {
		if !strings.Contains(technical, want) {
			t.Errorf("the technical details lack %q", want)
		}
	}
	if !accountID.MatchString(technical) {
		t.Errorf("the technical details name no account")
	}
	if !strings.Contains(checking, cert.VerifyURL) && !strings.Contains(strings.ReplaceAll(checking, " ", ""), cert.VerifyURL) {
		t.Errorf("the check instructions lack the verify address %s", cert.VerifyURL)
	}
	if t.Failed() {
		t.Logf("pdftotext output:\n%s", out)
	}
}

// millbrookCertificate registers a title held by two named citizens,
// charged to a bank for €250,000.00, leased to a third citizen and
// under two caveats, one lodged for the City Council and one by a
// clerk, and returns its certificate.
func millbrookCertificate(t *testing.T) (*certificate.Certificate, string) {
	t.Helper()
	_, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice, bob := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")
	carol, bank := testnode.DemoKey(t, "citizen-carol"), genesis.DemoKey{Name: "millbrook-bank"}.PrivateKey() // the demo town's bank, N8's key
	testnode.Send(t, c, "authority/register-account", struct{}{}, bank)
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "MB-77", Address: "14 Mill Lane, Millbrook",
		Document: doc("survey"), Geometry: land.Geometry{Type: "Polygon",
			Coordinates: json.RawMessage("[[[0,0],[4000,0],[4000,2500],[0,2500],[0,0]]]")}}, clerk)
	// Genesis parties (genesis.DemoParties): N1 Alice Citizen, N2 Bob
	// Citizen, N3 Carol Citizen, N8 Nordbank plc, N9 City Council.
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1/2"}, {Party: "N2", Share: "1/2"}}, Tenure: "freehold", Document: doc("deed")}, clerk)
	testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: tid, Lender: "N8", Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: doc("mortgage deed")}, alice, bob, bank)
	testnode.Send(t, c, land.TypeRegisterLease, land.MsgRegisterLease{Title: tid, Lessee: "N3", Start: "2027-01-01", End: "2031-12-31",
		Document: doc("lease")}, alice, bob, carol)
	testnode.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: tid, Party: "N9", Reason: "Claim to a right of way",
		Document: doc("council claim")}, clerk)
	testnode.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: tid, Reason: "Boundary dispute, court file 12/2026",
		Document: doc("court order")}, clerk)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	latest, err := c.LatestHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, latest+2)
	x, err := extract.Build(ctx, c, tid, latest)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := certificate.New(x, "https://portal.example")
	if err != nil {
		t.Fatal(err)
	}
	return cert, tid
}

// pdftotextOf is the text pdftotext reads from pdf, after checking that
// neither it nor pdffonts complains and that every font is embedded as
// a tagged subset with a Unicode map.
func pdftotextOf(t *testing.T, pdftotext string, pdf []byte, name string) []byte {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("Syntax Error")) || bytes.Contains(out, []byte("Syntax Warning")) {
		t.Errorf("pdftotext complains about the PDF:\n%s", out)
	}
	// poppler's pdffonts: every font embedded, named as a subset, with a
	// Unicode map (what lets pdftotext read the text below).
	fonts, err := exec.Command(filepath.Join(filepath.Dir(pdftotext), "pdffonts"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, fonts)
	}
	rows := strings.Split(strings.TrimSpace(string(fonts)), "\n")
	if len(rows) < 3 {
		t.Fatalf("pdffonts lists no font:\n%s", fonts)
	}
	for _, row := range rows[2:] {
		f := strings.Fields(row)
		if len(f) < 7 || f[len(f)-5] != "yes" || f[len(f)-4] != "yes" || f[len(f)-3] != "yes" || !regexp.MustCompile(`^[A-Z]{6}\+`).MatchString(f[0]) {
			t.Errorf("pdffonts: a font not embedded as a tagged subset with a Unicode map: %s", row)
		}
	}
	return out
}

func doc(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
