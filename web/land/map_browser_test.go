package land_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestParcelMapsInBrowser: a citizen finds a property on the map of the
// register (drawn from the parcels' own boundaries, no tiles), selects
// it on the map and lands on its page, which draws it with its
// neighbours (and not a parcel a kilometre away), says its history in
// words (readable times, the clerk as "a land clerk", no message types,
// accounts or raw timestamps outside "Technical details") and offers no clerks' dealings to a visitor; a
// clerk sees them. The map moves and zooms by links. An unknown parcel
// has a friendly 404 with a search box; a cadastral reference in the
// address leads to its parcel. axe-core checks every page.
func TestParcelMapsInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk := apptest.DemoKey(t, "clerk")
	sum := sha256.Sum256([]byte("plan"))
	for i, p := range []struct {
		x    int64
		addr string
	}{{0, "1 Mill Lane"}, {1000, "2 Mill Lane"}, {2000, "3 Mill Lane"}, {100_000, "9 Far Road"}} {
		browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: fmt.Sprintf("MAP-%d", i+1), Address: p.addr,
			Document: hex.EncodeToString(sum[:]), Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633",
				Coordinates: json.RawMessage(fmt.Sprintf("[[[%d,0],[%d,0],[%d,1000],[%d,1000],[%d,0]]]", p.x, p.x+1000, p.x+1000, p.x, p.x))}}, clerk)
	}
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P2"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: hex.EncodeToString(sum[:])}, clerk)
	testnode.WaitHeight(t, c, res.Height+2)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})

	// 1. The map of the register opens on its parcels.
	browser.Run(t, bctx, "map", chromedp.Navigate(base+"/land/map"), chromedp.WaitVisible("#area-map svg", chromedp.ByQuery))
	browser.WantStatus(t, w, "map", 200)
	var drawn int
	browser.Run(t, bctx, "parcels drawn", chromedp.Evaluate(`document.querySelectorAll("#area-map svg a.map-parcel path").length`, &drawn))
	if drawn != 4 {
		t.Errorf("the map draws %d parcels, want 4", drawn)
	}
	if l := browser.Text(t, bctx, "#map-list"); !strings.Contains(l, "2 Mill Lane (MAP-2)") || !strings.Contains(l, "9 Far Road (MAP-4)") {
		t.Errorf("parcels listed under the map: %q", l)
	}
	browser.RequireAccessible(t, bctx, "map page")

	// 2. Selecting a parcel on the map opens its page.
	browser.Run(t, bctx, "select on the map", browser.Submitted("#parcel-facts",
		chromedp.Click(`#area-map a[href="/land/parcels/P2"] path`, chromedp.ByQuery)))
	browser.WantStatus(t, w, "parcel page", 200)
	if h := browser.Text(t, bctx, "h1"); !strings.Contains(h, "2 Mill Lane") || !strings.Contains(h, "MAP-2") {
		t.Errorf("parcel page heading %q", h)
	}
	var current string
	var neighbours []string
	browser.Run(t, bctx, "neighbour map", chromedp.AttributeValue("#parcel-map a.map-current", "href", &current, nil, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#parcel-map a.map-parcel:not(.map-current)")].map(a => a.getAttribute("aria-label"))`, &neighbours))
	if current != "/land/parcels/P2" || strings.Join(neighbours, "; ") != "1 Mill Lane (MAP-1); 3 Mill Lane (MAP-3)" {
		t.Errorf("neighbour map: current %q, neighbours %q", current, neighbours)
	}
	if l := browser.Text(t, bctx, "#parcel-neighbours"); !strings.Contains(l, "1 Mill Lane") || strings.Contains(l, "Far Road") {
		t.Errorf("neighbours listed: %q", l)
	}
	main := browser.Text(t, bctx, "main")
	for _, internal := range []string{"land/register-parcel", "land/register-title", "Subdivide this parcel", "Correct its reference"} {
		if strings.Contains(main, internal) {
			t.Errorf("a visitor's parcel page shows %q", internal)
		}
	}
	if ts := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`).FindString(main); ts != "" {
		t.Errorf("the parcel page shows a raw timestamp %q", ts)
	}
	tl := browser.Text(t, bctx, "#timeline")
	if !strings.Contains(tl, "Parcel registered") || !strings.Contains(tl, "First title registered") || !strings.Contains(tl, "Alice Citizen") ||
		!strings.Contains(tl, "A land clerk") || strings.Contains(tl, apptest.Account(clerk)) ||
		!regexp.MustCompile(`\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC`).MatchString(tl) {
		t.Errorf("timeline in words: %q", tl)
	}
	// The technical details are one click away.
	browser.Run(t, bctx, "technical details", chromedp.Click("#timeline details.tech summary", chromedp.ByQuery))
	if s := browser.Text(t, bctx, "#event-1-tech"); !strings.Contains(s, "land/register-parcel") {
		t.Errorf("technical details of the first event: %q", s)
	}
	browser.RequireAccessible(t, bctx, "parcel page with its neighbours")

	// 3. The map moves and zooms.
	browser.Run(t, bctx, "map again", chromedp.Navigate(base+"/land/map"), chromedp.WaitVisible("#map-zoom-in", chromedp.ByID))
	var before, after string
	browser.Run(t, bctx, "zoom in", chromedp.Evaluate(`document.querySelector("#area-map svg").getAttribute("viewBox")`, &before),
		browser.Submitted("#area-map", chromedp.Click("#map-zoom-in", chromedp.ByID)),
		chromedp.Evaluate(`document.querySelector("#area-map svg").getAttribute("viewBox")`, &after))
	browser.WantStatus(t, w, "zoomed map", 200)
	if before == after {
		t.Errorf("zooming in kept the view box %q", before)
	}
	browser.Run(t, bctx, "east", browser.Submitted("#area-map", chromedp.Click("#map-east", chromedp.ByID)))
	browser.WantStatus(t, w, "map moved east", 200)

	// 4. An unknown parcel: a friendly 404 with a way on; a reference leads to its parcel.
	browser.Run(t, bctx, "unknown parcel", chromedp.Navigate(base+"/land/parcels/P99"), chromedp.WaitVisible("#parcel-not-found", chromedp.ByID))
	browser.WantStatus(t, w, "unknown parcel", 404)
	if s := browser.Text(t, bctx, "main"); !strings.Contains(s, "The register has no parcel P99") || !strings.Contains(s, "Address or cadastral reference") {
		t.Errorf("404 page: %q", s)
	}
	browser.RequireAccessible(t, bctx, "unknown parcel")
	var path string
	browser.Run(t, bctx, "by reference", chromedp.Navigate(base+"/land/parcels/MAP-3"), chromedp.WaitVisible("#parcel-facts", chromedp.ByID),
		chromedp.Evaluate(`location.pathname`, &path))
	if path != "/land/parcels/P3" {
		t.Errorf("/land/parcels/MAP-3 leads to %s", path)
	}

	// 5. A clerk is offered the clerks' dealings.
	browser.SignInBrowser(t, bctx, base, clerk)
	browser.Run(t, bctx, "parcel page as clerk", chromedp.Navigate(base+"/land/parcels/P2"),
		chromedp.WaitVisible("#parcel-actions", chromedp.ByID, chromedp.RetryInterval(100*time.Millisecond)))
	w.Check(t)
}
