package certificate_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/x/land"
)

// TestCertificateNamesParties: a title held by a party of the development
// genesis and charged to another carries their proven party records in
// its extract, and the certificate PDF prints their names and the
// formatted amount, with the party ids under its technical details.
func TestCertificateNamesParties(t *testing.T) {
	_, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice, bob := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice"), testnode.DemoKey(t, "citizen-bob")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "NAMES-1", Address: "1 Mill Lane", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	// N1 is Alice Citizen and N2 Bob Citizen (genesis.DemoParties).
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	testnode.Send(t, c, land.TypeRegisterMortgage, land.MsgRegisterMortgage{Title: tid, Lender: "N2", Amount: "25000000",
		Currency: "EUR", Rank: 1, Document: d}, alice, bob)

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
	res, err := extract.Verify(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Entries) != 4 || res.Name("N1") != "Alice Citizen" || res.Name("N2") != "Bob Citizen" {
		t.Fatalf("extract entries %d, parties %+v", len(x.Entries), res.Parties)
	}
	cert, err := certificate.New(x, "https://portal.example")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := cert.PDF()
	if err != nil {
		t.Fatal(err)
	}
	text := pageText(pdf)
	for _, want := range []string{"Alice Citizen", "to lender Bob Citizen", "250,000.00", "Technical details: parties", "Party N1", "Party N2"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate text lacks %q", want)
		}
	}
}

// pageText is the text the page content streams show, line by line:
// the certificate's fonts are Identity-H fonts whose codes are the
// characters themselves, so each (…)Tj string is the line's text in
// UTF-16BE.
func pageText(pdf []byte) string {
	var lines []string
	for _, m := range regexp.MustCompile(`/Filter /FlateDecode /Length (\d+)>>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
		zr, err := zlib.NewReader(bytes.NewReader(pdf[m[1] : m[1]+n]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(zr)
		for _, tj := range tjRe.FindAllSubmatch(b, -1) {
			raw := unescape.Replace(string(tj[1]))
			u := make([]uint16, len(raw)/2)
			for i := range u {
				u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
			}
			lines = append(lines, string(utf16.Decode(u)))
		}
	}
	return strings.Join(lines, " ")
}

var (
	tjRe     = regexp.MustCompile(`(?s)\(((?:[^\\()]|\\.)*)\)Tj`)
	unescape = strings.NewReplacer(`\\`, `\`, `\(`, "(", `\)`, ")", `\r`, "\r")
)
