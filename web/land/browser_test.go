package land_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/extract"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestLandJourneysInBrowser: a clerk registers a parcel (empty, malformed
// and overlapping outlines are refused with 422 and an error summary) and
// its first title; the owner offers it, the buyer accepts, a clerk
// registers the transfer; the title page shows the new owner with a
// verified proof; an auditor reads the parcel timeline; the downloaded
// extract verifies on the verify page (and offline), a tampered one does
// not. axe-core checks every page.
func TestLandJourneysInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	clerk, alice, bob := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob")
	aliceID, bobID := tx.AccountID(alice.Public().(ed25519.PublicKey)), tx.AccountID(bob.Public().(ed25519.PublicKey))
	sum := sha256.Sum256([]byte("deed of grant"))
	doc := hex.EncodeToString(sum[:])
	ready := `document.querySelector("[data-sign-status]") && document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`

	// open shows a journey's form with the browser's key filled in.
	open := func(path, pub string) {
		t.Helper()
		browser.Run(t, bctx, "open "+path, chromedp.Navigate(base+path),
			browser.Poll(`document.getElementById("f-pubkey").value === "`+pub+`"`, 10*time.Second))
		browser.WantStatus(t, w, path, 200)
	}
	fill := func(values map[string]string) {
		t.Helper()
		for k, v := range values {
			browser.Run(t, bctx, "fill "+k, chromedp.SetValue("#f-"+k, v, chromedp.ByID))
		}
	}
	// refused submits the form and expects a 422 error summary with each want.
	refused := func(what string, wants ...string) {
		t.Helper()
		browser.Run(t, bctx, what, browser.Submitted(".error-summary", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
		browser.WantStatus(t, w, what, 422)
		sum := browser.Text(t, bctx, ".error-summary")
		for _, want := range wants {
			if !strings.Contains(sum, want) {
				t.Errorf("%s: error summary %q lacks %q", what, sum, want)
			}
		}
		var title string
		browser.Run(t, bctx, "title", chromedp.Title(&title))
		if !strings.HasPrefix(title, "Error: ") {
			t.Errorf("%s: title %q", what, title)
		}
	}
	// signed continues to the check page, signs and returns the confirmation's first fact.
	signed := func(what string, check func()) string {
		t.Helper()
		browser.Run(t, bctx, what+": prepare", browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)),
			browser.Poll(ready, 5*time.Second))
		browser.WantStatus(t, w, what+" check page", 200)
		if check != nil {
			check()
		}
		browser.Run(t, bctx, what+": sign", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
		browser.WantStatus(t, w, what+" confirmation", 200)
		return strings.TrimSpace(browser.Text(t, bctx, "#result-facts dd"))
	}

	// 1. A clerk registers a parcel; bad answers are refused before signing.
	browser.Run(t, bctx, "land home", chromedp.Navigate(base+"/land"), chromedp.WaitVisible("main", chromedp.ByQuery))
	browser.RequireAccessible(t, bctx, "/land")
	clerkPub := browser.UseKey(t, bctx, base, clerk)
	open("/land/parcels/register", clerkPub)
	browser.RequireAccessible(t, bctx, "register parcel form")
	refused("empty parcel form", "Enter the cadastral reference", "Enter the parcel’s outline as GeoJSON", "Enter the document hash")
	if e := browser.Text(t, bctx, "#f-geometry-error"); !strings.Contains(e, "outline") {
		t.Errorf("inline geometry error %q", e)
	}
	browser.RequireAccessible(t, bctx, "register parcel form with errors")
	fill(map[string]string{"cadastral_ref": "LOT-1", "address": "1 High Street", "document": doc,
		"geometry": `{"type":"Polygon","coordinates":[[[0,0],[10000,0],[0,10000],[10000,10000],[0,0]]]}`})
	refused("self-intersecting outline", "The geometry is not valid")
	fill(map[string]string{"geometry": `{"type":"Polygon","coordinates":[[[0,0],[10000,0]`})
	refused("outline that is not JSON", "not valid JSON")
	fill(map[string]string{"geometry": `{"type":"Polygon","coordinates":[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]}`})
	p1 := signed("register parcel", func() {
		var d string
		var ok bool
		browser.Run(t, bctx, "preview", chromedp.AttributeValue("#parcel-preview svg path", "d", &d, &ok, chromedp.ByQuery))
		if d != "M0 0L10000 0L10000 -10000L0 -10000L0 0Z" {
			t.Errorf("preview path %q", d)
		}
		if f := browser.Text(t, bctx, "#tx-facts"); !strings.Contains(f, "LOT-1") || !strings.Contains(f, "10,000 m²") {
			t.Errorf("check page facts %q", f)
		}
		browser.RequireAccessible(t, bctx, "register parcel check page")
	})
	if p1 != "P1" {
		t.Fatalf("registered parcel %q", p1)
	}
	browser.RequireAccessible(t, bctx, "register parcel confirmation")
	// An overlapping parcel is refused with the parcel it overlaps.
	// (The outline comes from a GeoJSON file, loaded into the field by land.js.)
	geo := filepath.Join(t.TempDir(), "lot-2.geojson")
	if err := os.WriteFile(geo, []byte(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","crs":"EPSG:32633","coordinates":[[[5000,5000],[15000,5000],[15000,15000],[5000,15000],[5000,5000]]]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	open("/land/parcels/register", clerkPub)
	browser.Run(t, bctx, "load GeoJSON file", chromedp.SetUploadFiles("#f-geometry-file", []string{geo}, chromedp.ByID),
		browser.Poll(`document.getElementById("f-geometry").value.includes("15000")`, 5*time.Second))
	fill(map[string]string{"cadastral_ref": "LOT-2", "document": doc})
	refused("overlapping parcel", "overlaps active parcel P1 (LOT-1)")

	// 2. The first title, to alice.
	open("/land/titles/register?parcel=P1", clerkPub)
	fill(map[string]string{"owner": aliceID, "tenure": "freehold", "document": doc})
	if t1 := signed("register title", nil); t1 != "T1" {
		t.Fatalf("registered title %q", t1)
	}

	// 3. Alice offers it to bob, bob accepts, the clerk registers.
	alicePub := browser.UseKey(t, bctx, base, alice)
	open("/land/transfers/offer?title=T1", alicePub)
	fill(map[string]string{"buyer": bobID, "share": "1"})
	if o1 := signed("offer", nil); o1 != "O1" {
		t.Fatalf("offer %q", o1)
	}
	bobPub := browser.UseKey(t, bctx, base, bob)
	open("/land/transfers/accept?offer=O1", bobPub)
	signed("accept", nil)
	browser.UseKey(t, bctx, base, clerk)
	open("/land/transfers/register?offer=O1", clerkPub)
	fill(map[string]string{"document": doc})
	signed("register transfer", nil)

	// 4. The title page: bob owns it, with a verified proof.
	browser.Run(t, bctx, "title page", chromedp.Navigate(base+"/land/titles/T1"), chromedp.WaitVisible("#title-proof", chromedp.ByID))
	browser.WantStatus(t, w, "title page", 200)
	owners := browser.Text(t, bctx, "#title-owners")
	if !strings.Contains(owners, bobID) || strings.Contains(owners, aliceID) {
		t.Errorf("title owners %q: want bob %s only", owners, bobID)
	}
	if p := browser.Text(t, bctx, "#title-proof"); !strings.Contains(p, "Proof verified") || !strings.Contains(p, "app hash") {
		t.Errorf("title proof line %q", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.Query(ctx, "/land/title/T1", nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var onChain land.Title
	if err := json.Unmarshal(res.Value, &onChain); err != nil || len(onChain.Owners) != 1 || onChain.Owners[0].Party != bobID {
		t.Fatalf("title on chain %+v (%v)", onChain, err)
	}
	browser.RequireAccessible(t, bctx, "title page")
	browser.Run(t, bctx, "holdings", chromedp.Navigate(base+"/land?account="+bobID), chromedp.WaitVisible("#holdings", chromedp.ByID))
	if h := browser.Text(t, bctx, "#holdings"); !strings.Contains(h, "T1") {
		t.Errorf("bob's holdings %q", h)
	}
	browser.Run(t, bctx, "bad account", chromedp.Navigate(base+"/land?account=nope"), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "bad account", 422)

	// 5. An auditor reads the parcel's timeline.
	browser.Run(t, bctx, "parcel page", chromedp.Navigate(base+"/land/parcels/P1"), chromedp.WaitVisible("#timeline", chromedp.ByID))
	browser.WantStatus(t, w, "parcel page", 200)
	var events int
	browser.Run(t, bctx, "events", chromedp.Evaluate(`document.querySelectorAll("#timeline > li").length`, &events))
	tl := browser.Text(t, bctx, "#timeline")
	if events < 3 || !strings.Contains(tl, "Parcel registered") || !strings.Contains(tl, "First title registered") ||
		!strings.Contains(tl, "Transfer registered") || !strings.Contains(tl, bobID) {
		t.Errorf("timeline (%d events): %q", events, tl)
	}
	if p := browser.Text(t, bctx, "#parcel-proof"); !strings.Contains(p, "Proof verified") {
		t.Errorf("parcel proof line %q", p)
	}
	browser.RequireAccessible(t, bctx, "parcel page")

	// 6. The extract verifies on the verify page and offline; a changed one does not.
	resp, err := http.Get(base + "/land/titles/T1/extract.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "T1.extract.json") {
		t.Fatalf("extract download: %d %v", resp.StatusCode, resp.Header)
	}
	var x extract.Extract
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	if r, err := extract.Verify(&x); err != nil || r.Title.Owners[0].Party != bobID {
		t.Fatalf("offline verify: %+v %v", r, err)
	}
	file := filepath.Join(t.TempDir(), "T1.extract.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	browser.Run(t, bctx, "verify page", chromedp.Navigate(base+"/land/verify"), chromedp.WaitVisible("#f-file", chromedp.ByID))
	browser.RequireAccessible(t, bctx, "verify page")
	refused("empty verify", "Choose an extract file or paste the extract")
	browser.Run(t, bctx, "upload extract", chromedp.SetUploadFiles("#f-file", []string{file}, chromedp.ByID),
		browser.Submitted("#verdict", chromedp.Click("form.journey-form button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "verify", 200)
	if v := browser.Text(t, bctx, "#verdict"); !strings.Contains(v, "Verified: title T1") || !strings.Contains(v, "2 records") {
		t.Errorf("verdict %q", v)
	}
	if o := browser.Text(t, bctx, "#verdict-owners"); !strings.Contains(o, bobID) {
		t.Errorf("verdict owners %q", o)
	}
	browser.RequireAccessible(t, bctx, "verify page with a verdict")
	tampered := strings.Replace(string(raw), `\"tenure\":\"freehold\"`, `\"tenure\":\"leasehold\"`, 1)
	if tampered == string(raw) {
		t.Fatal("nothing to tamper with in the extract")
	}
	browser.Run(t, bctx, "paste tampered", chromedp.SetValue("#f-extract", tampered, chromedp.ByID))
	refused("tampered extract", "does not verify")
	browser.RequireAccessible(t, bctx, "verify page with an error")
	w.Check(t)

	// Page weights (HTML + CSS + JS), logged and kept under the portal's budget.
	for _, page := range []string{"/land", "/land?account=" + bobID, "/land/titles/T1", "/land/parcels/P1", "/land/verify", "/land/parcels/register"} {
		r := browser.Get(t, base+page)
		if r.Code != http.StatusOK {
			t.Errorf("GET %s = %d", page, r.Code)
		}
		h, as := browser.Weight(t, base, r)
		t.Logf("page weight %-24s HTML %5d + CSS/JS %5d = %5d bytes", page, h, as, h+as)
		if h+as > 48<<10 {
			t.Errorf("%s weighs %d bytes, over the 48 KiB budget", page, h+as)
		}
	}
	for page, code := range map[string]int{"/land/titles/T99": 404, "/land/titles/X1": 404, "/land/parcels/P99": 404,
		"/land/titles/T99/extract.json": 404, "/land?account=zz": 422} {
		if r := browser.Get(t, base+page); r.Code != code {
			t.Errorf("GET %s = %d, want %d", page, r.Code, code)
		}
	}
}
