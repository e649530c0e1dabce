package land_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestLandSearchAndReadHeights: property search by address words, by
// reference (in any case) and by area, with owners by name
// (with its errors), pages read at the settled height without waiting for
// a block, ?height= for a past state, and read-your-writes through the
// cookie /tx/send sets. The search page is checked with axe in a browser.
func TestLandSearchAndReadHeights(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	clerk, alice := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "citizen-alice")
	doc := sha256.Sum256([]byte("plan"))
	for i, x := range []int64{0, 2000, 10000} {
		browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("SRCH-%d", i+1), Address: fmt.Sprintf("%d Mill Lane, Millbrook", i+1), Document: hex.EncodeToString(doc[:]),
			Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633",
				Coordinates: json.RawMessage(fmt.Sprintf("[[[%d,0],[%d,0],[%d,1000],[%d,1000],[%d,0]]]", x, x+1000, x+1000, x, x))}}, clerk)
	}
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: tx.AccountID(alice.Public().(ed25519.PublicKey)), Share: "1"}}, Tenure: "freehold", Document: hex.EncodeToString(doc[:])}, clerk)
	titleHeight := res.Height

	base := browser.Serve(t, n, web.Options{})
	testnode.WaitHeight(t, c, titleHeight+2) // the title is settled

	r := browser.Get(t, base+"/land/search?ref=SRCH-")
	if r.Code != http.StatusOK {
		t.Fatalf("search by reference: %d\n%s", r.Code, r.Body)
	}
	browser.MustContain(t, "search by reference", r.Body, `href="/land/parcels/P1"`, `href="/land/parcels/P2"`, `href="/land/parcels/P3"`, "3 properties found")
	// By address words or by reference in one box; owners named.
	r = browser.Get(t, base+"/land/search?q=mill+LANE")
	browser.MustContain(t, "search by address", r.Body, "3 properties found", "1 Mill Lane, Millbrook", "3 Mill Lane, Millbrook", "SRCH-2",
		"account "+tx.AccountID(alice.Public().(ed25519.PublicKey))[:10], "No title registered", `id="hits-map"`)
	r = browser.Get(t, base+"/land/search?q=srch-1")
	browser.MustContain(t, "search by a reference in small letters", r.Body, "1 property found", `href="/land/parcels/P1"`)
	if strings.Contains(r.Body, "0, 0 – 0, 0") {
		t.Error("a search by reference shows empty bounding boxes")
	}
	r = browser.Get(t, base+"/land/search?bbox=500,100,2500,200")
	browser.MustContain(t, "search by area", r.Body, "2 properties found", `href="/land/parcels/P1"`, `href="/land/parcels/P2"`, `id="hits-map"`)
	if strings.Contains(r.Body, `href="/land/parcels/P3"`) {
		t.Error("the area search found P3, which lies outside the area")
	}
	r = browser.Get(t, base+"/land/search?bbox=50000,50000,60000,60000")
	browser.MustContain(t, "empty search", r.Body, "No property matches")
	for q, want := range map[string]string{
		"bbox=1,2,3":          "four whole numbers",
		"bbox=5,0,1,1":        "West must not be greater than east",
		"bbox=a,0,1,1":        "is not a whole number",
		"ref=%20bad%20ref%21": "A cadastral reference is",
		"ref=A&bbox=0,0,1,1":  "not both",
		"ref=&bbox=":          "Enter an address or a cadastral reference",
		"q=%2C%3B":            "at least one letter or digit",
		"q=Mill&bbox=0,0,1,1": "not both",
	} {
		r := browser.Get(t, base+"/land/search?"+q)
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("search %s = %d, want 422", q, r.Code)
		}
		browser.MustContain(t, "search "+q, r.Body, "<title>Error:", want)
	}

	// A title page reads the settled height: it answers without waiting
	// for the next block (blocks here are a second apart).
	start := time.Now()
	r = browser.Get(t, base+"/land/titles/T1")
	if r.Code != http.StatusOK {
		t.Fatalf("title page: %d", r.Code)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("title page took %s: it waited for a block", d)
	}
	// A past height before the title existed proves its absence there.
	r = browser.Get(t, base+fmt.Sprintf("/land/titles/T1?height=%d", titleHeight-1))
	if r.Code != http.StatusNotFound {
		t.Errorf("title page before the title: %d, want 404", r.Code)
	}
	if r = browser.Get(t, base+fmt.Sprintf("/land/titles/T1?height=%d", titleHeight)); r.Code != http.StatusOK {
		t.Errorf("title page at the title's height: %d", r.Code)
	}
	for q, code := range map[string]int{"height=0": 400, "height=x": 400, "height=99999999": 404} {
		if r := browser.Get(t, base+"/land/titles/T1?"+q); r.Code != code {
			t.Errorf("title page ?%s = %d, want %d", q, r.Code, code)
		}
	}

	// Read your writes: a viewer whose last transaction is in block h sees
	// state at h at least, even before it is settled.
	latest, err := c.LatestHeight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/land/parcels/P1", nil)
	req.AddCookie(&http.Cookie{Name: "publica_seen", Value: fmt.Sprint(latest)})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("parcel page with a fresh seen height: %d", resp.StatusCode)
	}
	// A forged cookie far beyond the tip is clamped, not waited for.
	req, _ = http.NewRequest("GET", base+"/land/parcels/P1", nil)
	req.AddCookie(&http.Cookie{Name: "publica_seen", Value: "999999999"})
	start = time.Now()
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || time.Since(start) > 5*time.Second {
		t.Errorf("forged seen cookie: %d after %s", resp.StatusCode, time.Since(start))
	}

	bctx := browser.New(t)
	w := browser.Watch(bctx)
	browser.Run(t, bctx, "search form", chromedp.Navigate(base+"/land/search"), chromedp.WaitVisible("#f-q", chromedp.ByID),
		browser.Poll(`!!window.htmx`, 5*time.Second))
	browser.RequireAccessible(t, bctx, "search form")
	// htmx replaces the main content in place: the page's marker survives,
	// the address shows the search, and focus moves to the new content.
	browser.Run(t, bctx, "search", chromedp.Evaluate(`window.__samePage = true`, nil), chromedp.SetValue("#f-bbox", "0,0,3000,1000", chromedp.ByID),
		chromedp.Click("form.journey-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#hits", chromedp.ByID))
	var same bool
	var loc, focused string
	browser.Run(t, bctx, "in place", chromedp.Evaluate(`window.__samePage === true`, &same), chromedp.Evaluate(`location.search`, &loc),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused))
	if !same || !strings.Contains(loc, "bbox=0%2C0%2C3000%2C1000") || focused != "main" {
		t.Errorf("htmx search: same page %v, location %q, focus on %q", same, loc, focused)
	}
	browser.RequireAccessible(t, bctx, "search results")
	// A refused search (422) is swapped in too, with its error summary focused.
	browser.Run(t, bctx, "bad search in place", chromedp.Evaluate(`document.getElementById("f-bbox").value = "1,2"; document.getElementById("f-q").value = ""`, nil),
		chromedp.Click("form.journey-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	var title string
	browser.Run(t, bctx, "error title", chromedp.Evaluate(`document.title`, &title), chromedp.Evaluate(`window.__samePage === true`, &same),
		chromedp.Evaluate(`document.activeElement && document.activeElement.className`, &focused))
	if !strings.HasPrefix(title, "Error:") || !same || !strings.Contains(focused, "error-summary") {
		t.Errorf("refused htmx search: title %q, same page %v, focus %q", title, same, focused)
	}
	browser.Run(t, bctx, "bad search", chromedp.Navigate(base+"/land/search?bbox=1,2"), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.RequireAccessible(t, bctx, "search error")
	w.Check(t)
}
