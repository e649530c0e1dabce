package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/x/land"
)

func square(x0, y0, side int64) string {
	x1, y1 := x0+side, y0+side
	return fmt.Sprintf(`{"type":"Polygon","crs":"EPSG:32633","coordinates":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}`,
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// TestLandCLI runs a parcel from first registration through a three-party
// transfer to a proven owner query and a title extract checked offline,
// against a real node, and checks the CLI's errors for bad input.
func TestLandCLI(t *testing.T) {
	home, _ := devNode(t)
	dir := t.TempDir()
	plan := writeFile(t, dir, "plan.pdf", "survey plan")
	deed := writeFile(t, dir, "deed.pdf", "deed of sale")
	alice := account(t, home, "citizen-alice").ID
	bob := account(t, home, "citizen-bob").ID

	r := decodeResult(t, mustCLI(t, home, "tx", "land", "register-parcel",
		`{"cadastral_ref":"CLI-1","geometry":`+square(0, 0, 10000)+`,"address":"1 High Street","document":""}`,
		"--document-file", plan, "--from", "clerk"))
	if r.Code != 0 || r.Data != "P1" || !r.hasEvent("land.parcel_registered", "parcel", "P1") {
		t.Fatalf("register-parcel: %+v", r)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "register-title",
		`{"parcels":["P1"],"owners":[{"party":"`+alice+`","share":"1"}],"tenure":"freehold","document":""}`,
		"--document-file", deed, "--from", "clerk"))
	if r.Code != 0 || r.Data != "T1" {
		t.Fatalf("register-title: %+v", r)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "offer-transfer",
		`{"title":"T1","sellers":[{"party":"`+alice+`","share":"1"}],"buyers":[{"party":"`+bob+`","share":"1"}],"expires":100000}`,
		"--from", "citizen-alice"))
	if r.Code != 0 || r.Data != "O1" {
		t.Fatalf("offer-transfer: %+v", r)
	}
	offerHash := r.Hash
	// The clerk cannot register an offer the buyer has not accepted.
	if _, _, err := cli(t, home, "tx", "land", "register-transfer", `{"offer":"O1","document":""}`,
		"--document-file", deed, "--from", "clerk"); err == nil || !strings.Contains(err.Error(), "(land/16)") {
		t.Fatalf("register before acceptance: %v", err)
	}
	mustCLI(t, home, "tx", "land", "accept-transfer", `{"offer":"O1"}`, "--from", "citizen-bob")
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "register-transfer", `{"offer":"O1","document":""}`,
		"--document-file", deed, "--from", "clerk"))
	if r.Code != 0 || !r.hasEvent("land.transfer_registered", "offer", "O1") {
		t.Fatalf("register-transfer: %+v", r)
	}
	transferHeight := r.Height

	// The current owner, proven against the signed header.
	out := mustCLI(t, home, "query", "land", "owner", "P1", "--prove")
	value, proofLine, ok := strings.Cut(strings.TrimSpace(out), "\nproof verified against app hash ")
	if !ok || !strings.Contains(proofLine, " in header ") {
		t.Fatalf("owner --prove lacks the proof line:\n%s", out)
	}
	var period land.OwnerPeriod
	if err := json.Unmarshal([]byte(value), &period); err != nil {
		t.Fatalf("owner period: %v\n%s", err, value)
	}
	if period.Title != "T1" || len(period.Owners) != 1 || period.Owners[0].Party != bob || period.From != transferHeight || period.To != 0 {
		t.Fatalf("owner period %+v, want bob from %d", period, transferHeight)
	}
	// Before the transfer, alice owned it.
	out = mustCLI(t, home, "query", "land", "owner", "P1", fmt.Sprint(transferHeight-1), "--prove")
	if !strings.Contains(out, alice) || strings.Contains(out, bob) || !strings.Contains(out, "proof verified") {
		t.Fatalf("owner before the transfer:\n%s", out)
	}

	// The history shows the offer and acceptance as well as the registration.
	var hist []land.Event
	if err := json.Unmarshal([]byte(mustCLI(t, home, "query", "land", "history", "P1")), &hist); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range hist {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != strings.Join([]string{land.TypeRegisterParcel, land.TypeRegisterTitle,
		land.TypeOfferTransfer, land.TypeAcceptTransfer, land.TypeRegisterTransfer}, ",") {
		t.Fatalf("history types %s", got)
	}
	if !strings.EqualFold(hist[2].TxHash, offerHash) || hist[2].Time == "" || hist[2].Height == 0 {
		t.Fatalf("offer event %+v, want tx %s", hist[2], offerHash)
	}

	// Who owned P1 when the title was registered, and after the transfer:
	// dated owner proofs, checked offline; a moved date is refused.
	of := filepath.Join(dir, "P1-owner.json")
	mustCLI(t, home, "query", "land", "owner-proof", "P1", hist[1].Time, "-o", of)
	out = mustCLI(t, home, "verify", "owner", of)
	if !strings.Contains(out, "owner "+alice+" share 1") || strings.Contains(out, bob) || !strings.Contains(out, "verified: block "+fmt.Sprint(hist[1].Height)) {
		t.Fatalf("verify owner at %s:\n%s", hist[1].Time, out)
	}
	t.Logf("publica verify owner:\n%s", out)
	b, _ := os.ReadFile(of)
	moved := strings.Replace(string(b), `"date": "`+hist[1].Time+`"`, `"date": "`+hist[4].Time+`"`, 1)
	if moved == string(b) {
		t.Fatal("the date was not replaced")
	}
	if _, _, err := cli(t, home, "verify", "owner", writeFile(t, dir, "moved.json", moved)); err == nil || !strings.Contains(err.Error(), "does NOT verify") {
		t.Fatalf("a moved date: %v", err)
	}
	mustCLI(t, home, "query", "land", "owner-proof", "P1", hist[4].Time, "-o", of)
	if out = mustCLI(t, home, "verify", "owner", of); !strings.Contains(out, "owner "+bob+" share 1") {
		t.Fatalf("verify owner after the transfer:\n%s", out)
	}
	if _, _, err := cli(t, home, "query", "land", "owner-proof", "P1", "yesterday"); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("a bad date: %v", err)
	}

	// A mortgage whose amount is given as money; a bad amount is refused
	// before anything is sent.
	mortgage := `{"title":"T1","lender":"` + alice + `","currency":"EUR","rank":1,"document":""}`
	if _, _, err := cli(t, home, "tx", "land", "register-mortgage", mortgage, "--amount", "12.345",
		"--document-file", deed, "--from", "citizen-bob", "--cosign", "citizen-alice"); err == nil || !strings.Contains(err.Error(), "EUR has 2 decimal places") {
		t.Fatalf("register-mortgage --amount 12.345: %v", err)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "register-mortgage", mortgage, "--amount", "250,000.00",
		"--document-file", deed, "--from", "citizen-bob", "--cosign", "citizen-alice"))
	if r.Code != 0 || r.Data != "M1" {
		t.Fatalf("register-mortgage: %+v", r)
	}
	// A citizen's caveat is an application; the clerk rejects it.
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "lodge-caveat", `{"title":"T1","reason":"claims the garden","document":""}`,
		"--document-file", deed, "--from", "citizen-alice"))
	if r.Code != 0 || r.Data != "C1" || !r.hasEvent("land.caveat_applied", "caveat", "C1") {
		t.Fatalf("lodge-caveat: %+v", r)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "examine-caveat", `{"title":"T1","caveat":"C1","decision":"reject","reason":"no interest shown"}`,
		"--from", "clerk"))
	if r.Code != 0 || !r.hasEvent("land.caveat_rejected", "caveat", "C1") {
		t.Fatalf("examine-caveat: %+v", r)
	}

	// The extract verifies offline; a changed byte does not.
	xf := filepath.Join(dir, "T1.extract.json")
	mustCLI(t, home, "query", "land", "extract", "T1", "-o", xf)
	out = mustCLI(t, home, "verify", "extract", xf)
	if !strings.Contains(out, "owner "+bob+" share 1") || !strings.Contains(out, "parcel P1 CLI-1") || !strings.Contains(out, "verified: header") ||
		!strings.Contains(out, "mortgage M1 rank 1: €250,000.00 to "+alice) || strings.Contains(out, "caveat") {
		t.Fatalf("verify extract:\n%s", out)
	}
	b, err := os.ReadFile(xf)
	if err != nil {
		t.Fatal(err)
	}
	var x map[string]any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	entries := x["entries"].([]any)
	first := entries[0].(map[string]any)
	v, _ := first["value"].(string)
	if v == "" {
		t.Fatalf("extract entry has no value: %v", first)
	}
	// Name alice as the owner in the title record's stored bytes.
	if !strings.Contains(v, bob) {
		t.Fatalf("first extract entry does not name bob: %s", v)
	}
	first["value"] = strings.ReplaceAll(v, bob, alice)
	tampered, _ := json.Marshal(x)
	bad := writeFile(t, dir, "tampered.json", string(tampered))
	if out, _, err := cli(t, home, "verify", "extract", bad); err == nil || !strings.Contains(err.Error(), "does NOT verify") {
		t.Fatalf("tampered extract verified: %v\n%s", err, out)
	}

	// A title certificate PDF verifies by the extract attached to it; a
	// PDF carrying a changed extract, or none, is refused and says why.
	var xs extract.Extract
	if err := json.Unmarshal(b, &xs); err != nil {
		t.Fatal(err)
	}
	cert, err := certificate.New(&xs, "http://portal.example")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := cert.PDF()
	if err != nil {
		t.Fatal(err)
	}
	out = mustCLI(t, home, "verify", "extract", writeFile(t, dir, cert.FileName(), string(pdf)))
	if !strings.Contains(out, "owner "+bob+" share 1") || !strings.Contains(out, "attached extract SHA-256 "+cert.SHA256) || !strings.Contains(out, "verified: header") {
		t.Fatalf("verify extract of a certificate PDF:\n%s", out)
	}
	// Another program takes the extract out of the certificate (poppler's
	// pdfdetach): the same bytes, and they verify on their own.
	t.Run("pdfdetach", func(t *testing.T) {
		pdfdetach, err := exec.LookPath("pdfdetach")
		if err != nil {
			if os.Getenv("PUBLICA_REQUIRE_PDFTOTEXT") == "1" {
				t.Fatal("pdfdetach (poppler-utils) is not installed and PUBLICA_REQUIRE_PDFTOTEXT=1")
			}
			t.Skip("pdfdetach (poppler-utils) is not installed; scripts/install-poppler.sh installs it")
		}
		saved := filepath.Join(t.TempDir(), "detached.json")
		if out, err := exec.Command(pdfdetach, "-save", "1", "-o", saved, filepath.Join(dir, cert.FileName())).CombinedOutput(); err != nil {
			t.Fatalf("pdfdetach: %v\n%s", err, out)
		}
		got, err := os.ReadFile(saved)
		if err != nil || !bytes.Equal(got, cert.JSON) {
			t.Fatalf("pdfdetach's copy of the attachment (%d bytes, %v) is not the extract (%d bytes)", len(got), err, len(cert.JSON))
		}
		if out := mustCLI(t, home, "verify", "extract", saved); !strings.Contains(out, "owner "+bob+" share 1") || !strings.Contains(out, "verified: header") {
			t.Fatalf("verify extract of pdfdetach's copy:\n%s", out)
		}
	})
	attach := func(name string, content []byte) string {
		f := fpdf.New("P", "mm", "A4", "")
		if content != nil {
			f.SetAttachments([]fpdf.Attachment{{Content: content, Filename: "T1.extract.json"}})
		}
		f.AddPage()
		var buf bytes.Buffer
		if err := f.Output(&buf); err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, name, buf.String())
	}
	forged, _ := json.MarshalIndent(x, "", "  ")
	if out, _, err := cli(t, home, "verify", "extract", attach("forged.pdf", forged)); err == nil || !strings.Contains(err.Error(), "does NOT verify") {
		t.Fatalf("certificate with a changed extract verified: %v\n%s", err, out)
	}
	if out, _, err := cli(t, home, "verify", "extract", attach("plain.pdf", nil)); err == nil || !strings.Contains(err.Error(), "plain.pdf: the PDF has no title extract attached") {
		t.Fatalf("PDF without an extract: %v\n%s", err, out)
	}

	// Bad input: malformed GeoJSON (open ring) and an overlapping parcel
	// fail with the land code named.
	open := `{"type":"Polygon","crs":"EPSG:32633","coordinates":[[[20000,0],[30000,0],[30000,10000],[20000,10000]]]}`
	_, _, err = cli(t, home, "tx", "land", "register-parcel",
		`{"cadastral_ref":"CLI-2","geometry":`+open+`,"address":"2 High Street","document":""}`, "--document-file", plan, "--from", "clerk")
	t.Logf("open ring: %v", err)
	if err == nil || !strings.Contains(err.Error(), "land/2") || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("open ring: %v", err)
	}
	_, _, err = cli(t, home, "tx", "land", "register-parcel", `{"cadastral_ref":"CLI-3","geometry":{"type":"Polygon","coordinates":"x"}`,
		"--from", "clerk")
	if err == nil || !strings.Contains(err.Error(), land.TypeRegisterParcel) {
		t.Fatalf("malformed JSON: %v", err)
	}
	_, _, err = cli(t, home, "tx", "land", "register-parcel",
		`{"cadastral_ref":"CLI-4","geometry":`+square(5000, 5000, 10000)+`,"address":"4 High Street","document":""}`,
		"--document-file", plan, "--from", "clerk")
	t.Logf("overlap: %v", err)
	if err == nil || !strings.Contains(err.Error(), "(land/3)") || !strings.Contains(err.Error(), "P1 (CLI-1)") {
		t.Fatalf("overlap: %v", err)
	}

	// A sale in one transaction: the clerk signs it, seller and buyer
	// co-sign; without the buyer's signature it is refused.
	sale := `{"title":"T1","sellers":[{"party":"` + bob + `","share":"1/2"}],"buyers":[{"party":"` + alice + `","share":"1/2"}],"document":""}`
	if _, _, err := cli(t, home, "tx", "land", "transfer", sale, "--document-file", deed, "--from", "clerk", "--cosign", "citizen-bob"); err == nil ||
		!strings.Contains(err.Error(), "(land/") || !strings.Contains(err.Error(), "buyer "+alice+" must sign") {
		t.Fatalf("transfer without the buyer: %v", err)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "land", "transfer", sale, "--document-file", deed, "--from", "clerk", "--cosign", "citizen-bob,citizen-alice"))
	if r.Code != 0 || !r.hasEvent("land.transfer_registered", "title", "T1") {
		t.Fatalf("transfer: %+v", r)
	}
	out = mustCLI(t, home, "query", "land", "owner", "P1", "--prove")
	if !strings.Contains(out, `"share": "1/2"`) || !strings.Contains(out, alice) || !strings.Contains(out, bob) || !strings.Contains(out, "proof verified") {
		t.Fatalf("owners after the one-transaction sale:\n%s", out)
	}
}
