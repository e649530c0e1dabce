package land_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/publica/publica/extract/certificate"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestCertificateOriginIgnoresHost: a title certificate's verify link and
// QR code name the portal's --public-url, or else its listen address;
// never the Host header of the request (here forged as a lookalike).
func TestCertificateOriginIgnoresHost(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk := apptest.DemoKey(t, "clerk")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "ORIGIN-1", Address: "1 Mill Lane", Document: d,
		Geometry: land.Geometry{Type: "Polygon", Coordinates: json.RawMessage("[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]")}}, clerk)
	browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: d}, clerk)
	latest, err := c.LatestHeight(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, latest+2)

	const forgedHost = "registry.example.gov.evil.example"
	page := func(base string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/land/titles/T1/certificate", nil)
		req.Host = forgedHost
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("certificate page: %d\n%.500s", resp.StatusCode, b)
		}
		return string(b)
	}
	// The QR code's drawing for url, as the page draws it.
	qrPath := func(url string) string {
		code, err := qr.Encode(url, qr.M)
		if err != nil {
			t.Fatal(err)
		}
		var p strings.Builder
		for _, r := range certificate.Runs(code) {
			fmt.Fprintf(&p, "M%d %dh%dv1h-%dz", r.X+certificate.Quiet, r.Y+certificate.Quiet, r.W, r.W)
		}
		return p.String()
	}
	check := func(name, body, origin string) {
		t.Helper()
		if strings.Contains(body, forgedHost) {
			t.Fatalf("%s: the certificate names the forged Host", name)
		}
		i := strings.Index(body, origin+"/land/verify?")
		if i < 0 {
			t.Fatalf("%s: no verify link under %s", name, origin)
		}
		url := body[i:]
		url = strings.ReplaceAll(url[:strings.IndexAny(url, `"<`)], "&amp;", "&")
		if !strings.Contains(body, qrPath(url)) {
			t.Fatalf("%s: the QR code does not encode %s", name, url)
		}
	}
	public := browser.Serve(t, n, web.Options{PublicOrigin: "https://registry.example.gov"})
	check("--public-url", page(public), "https://registry.example.gov")
	listen := browser.Serve(t, n, web.Options{})
	check("no --public-url", page(listen), listen)
}
