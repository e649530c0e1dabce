package land_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestCertificateSaysWhatChangedSince: a certificate's check address
// says "still current" while nothing has happened to the title; after a
// clerk lodges a caveat the same certificate still verifies (it is
// genuine for its block) but the page warns that the title has changed
// since, names the dealing and its block, and says the title is now
// frozen — never a bare green tick for a stale certificate. axe-core
// checks both pages.
func TestCertificateSaysWhatChangedSince(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk := apptest.DemoKey(t, "clerk")
	sum := sha256.Sum256([]byte("grant"))
	doc := hex.EncodeToString(sum[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "SINCE-1", Address: "1 Mill Lane", Document: doc,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]`)}}, clerk)
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: doc}, clerk)
	testnode.WaitHeight(t, c, res.Height+2)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})

	cert := browser.Get(t, base+"/land/titles/T1/certificate")
	m := regexp.MustCompile(`id="certificate-verify-link"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="certificate-verify-link"`).FindStringSubmatch(cert.Body)
	if m == nil {
		t.Fatalf("no verify link on the certificate page")
	}
	verify := strings.ReplaceAll(m[1]+m[2], "&amp;", "&")
	if !strings.HasPrefix(verify, "http") {
		verify = base + verify
	}

	bctx := browser.New(t)
	w := browser.Watch(bctx)
	browser.Run(t, bctx, "fresh certificate", chromedp.Navigate(verify), chromedp.WaitVisible("#since", chromedp.ByID))
	browser.WantStatus(t, w, "fresh certificate", 200)
	if s := browser.Text(t, bctx, "#since"); !strings.Contains(s, "Still current") {
		t.Errorf("fresh certificate: %q", s)
	}
	browser.RequireAccessible(t, bctx, "fresh certificate")

	lodged := browser.Send(t, c, land.TypeLodgeCaveat, land.MsgLodgeCaveat{Title: "T1", Reason: "Court order", Document: doc}, clerk)
	testnode.WaitHeight(t, c, lodged.Height+2)
	browser.Run(t, bctx, "stale certificate", chromedp.Navigate(verify), chromedp.WaitVisible("#since", chromedp.ByID))
	browser.WantStatus(t, w, "stale certificate", 200)
	s := browser.Text(t, bctx, "#since")
	for _, want := range []string{"The title has changed since this certificate", "now frozen by a caveat", "Caveat lodged at block", "See title T1 as it stands now"} {
		if !strings.Contains(s, want) {
			t.Errorf("stale certificate lacks %q: %q", want, s)
		}
	}
	if v := browser.Text(t, bctx, "#verdict"); !strings.Contains(v, "Verified: title T1") {
		t.Errorf("the stale certificate no longer verifies for its block: %q", v)
	}
	browser.RequireAccessible(t, bctx, "stale certificate")
	w.Check(t)
}
