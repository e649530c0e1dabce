package main

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/app"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/identity/vc"
)

// phoneW × phoneH is the phone the portal must fit (an iPhone 12 to 15).
const phoneW, phoneH = 390, 844

// widthSkips are the GET routes that are not pages, and why.
var widthSkips = map[string]string{
	"/healthz":                                       "plain text for load balancers",
	"/static/*":                                      "assets",
	"/lang/:code":                                    "the language switcher: sets a cookie and redirects to a page measured here",
	"/static/ballot.wasm":                            "WebAssembly",
	"/static/present.wasm":                           "WebAssembly",
	"/api/status":                                    "JSON",
	"/api/openapi.yaml":                              "OpenAPI (YAML download)",
	"/api/openapi.json":                              "OpenAPI (JSON)",
	"/api/documents/:hash":                           "a document's bytes for the CLI",
	"/documents/:hash":                               "a document's bytes (a download, not a page)",
	"/land/titles/:id/extract.json":                  "JSON download",
	"/land/titles/:id/certificate.pdf":               "PDF download",
	"/identity/status-lists/:account/:purpose":       "JSON-LD credential",
	"/identity/status-lists/:account/:purpose/chain": "JSON evidence",
	"/identity/schemas/:id/:version":                 "JSON Schema",
	"/1.0/identifiers/:did":                          "DID resolution (JSON)",
	vc.ContextPath:                                   "JSON-LD context",
	"/openapi.json":                                  "OpenAPI (JSON)",
	"/features":                                      "OGC API (JSON)",
	"/features/":                                     "OGC API (JSON)",
	"/features/*":                                    "OGC API (JSON)",
	"/features/api":                                  "OGC API (JSON)",
	"/features/conformance":                          "OGC API (JSON)",
	"/features/collections":                          "OGC API (JSON)",
	"/features/collections/parcels":                  "OGC API (JSON)",
	"/features/collections/parcels/items":            "OGC API (GeoJSON)",
	"/features/collections/parcels/items/:id":        "OGC API (GeoJSON)",
	"/features/collections/parcels/download":         "OGC API (GeoJSON download)",
}

// TestEveryPageFitsAPhone: on the demo town, every page of the portal —
// every GET route of the router that serves HTML, with real ids — is
// opened in Chromium at 390×844 by a visitor, by Alice (a citizen and
// voter), by Clara the clerk and by the demo town's election observer
// (who sees the observation pages the others are refused), each signed in
// with the key in the browser; no page may be wider than the viewport (the document's scroll
// width). A route the test does not know fails it, so a new page is
// measured too. The widest elements are named when a page is too wide.
func TestEveryPageFitsAPhone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a real node and a browser")
	}
	defer func(d time.Duration) { demoCloseAfter = d }(demoCloseAfter)
	demoCloseAfter = 20 * time.Second // as in TestDemoTown
	bctx := browser.NewFor(t, 8*time.Minute)
	home := testnode.InitHome(t)
	for _, f := range []func(string) error{storeDemoKeys, storeDemoParties, markDemo} {
		if err := f(home); err != nil {
			t.Fatal(err)
		}
	}
	// No admission quotas or registration work: the demo seeding is not
	// what this test measures.
	n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), Admission: &app.Admission{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	s, err := web.NewForNode(n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(testnode.FreeAddr(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	base := "http://" + s.Addr()
	var log strings.Builder
	stop := startDemoSeeding(&log, home, n.RPCAddress(), base)
	for deadline := time.Now().Add(3 * time.Minute); demoPending(home) && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	if demoPending(home) {
		t.Fatalf("seeding did not finish:\n%s", log.String())
	}

	// Real ids for the routes' parameters.
	alice, registrar := demoAccount("citizen-alice"), demoAccount("registrar")
	var txHash string
	for h := 1; h <= 10 && txHash == ""; h++ {
		if m := regexp.MustCompile(`/tx/([0-9A-Fa-f]{64})`).FindStringSubmatch(browser.Get(t, fmt.Sprintf("%s/blocks/%d", base, h)).Body); m != nil {
			txHash = m[1]
		}
	}
	if txHash == "" {
		t.Fatal("no transaction in blocks 1 to 10")
	}
	ids := map[string][]string{
		"/blocks/:height":                               {"/blocks/2"},
		"/tx/:hash":                                     {"/tx/" + txHash},
		"/accounts/:id":                                 {"/accounts/" + alice},
		"/land/titles/:id":                              {"/land/titles/T1", "/land/titles/T12"},
		"/land/titles/:id/certificate":                  {"/land/titles/T1/certificate"},
		"/land/parcels/:id":                             {"/land/parcels/P1", "/land/parcels/P36", "/land/parcels/P999"},
		"/land/parties/:id":                             {"/land/parties/N1", "/land/parties/N8"},
		"/elections/:id":                                {"/elections/" + demoOpenElection, "/elections/" + demoClosedElection},
		"/elections/:id/vote":                           {"/elections/" + demoOpenElection + "/vote"},
		"/elections/:id/ballots":                        {"/elections/" + demoOpenElection + "/ballots", "/elections/" + demoClosedElection + "/ballots"},
		"/elections/:id/check":                          {"/elections/" + demoOpenElection + "/check"},
		"/elections/:id/board":                          {"/elections/" + demoOpenElection + "/board", "/elections/" + demoClosedElection + "/board"},
		"/elections/:id/roll/import":                    {"/elections/" + demoOpenElection + "/roll/import"},
		"/elections/:id/trustees":                       {"/elections/" + demoOpenElection + "/trustees", "/elections/" + demoClosedElection + "/trustees"},
		"/elections/:id/observe":                        {"/elections/" + demoOpenElection + "/observe", "/elections/" + demoClosedElection + "/observe"},
		"/identity/issuers/:account":                    {"/identity/issuers/" + registrar},
		"/identity/issuers/:account/credentials":        {"/identity/issuers/" + registrar + "/credentials"},
		"/identity/issuers/:account/credentials/:index": {"/identity/issuers/" + registrar + "/credentials/1"},
		"/identity/recovery/:account":                   {"/identity/recovery/" + alice},
	}
	extra := []string{"/land/search?q=mill+lane", "/land/search?bbox=0,0,1,1", "/no-such-page"}

	var pages []string
	var unknown []string
	for _, r := range s.Handler().(*echo.Echo).Routes() {
		if r.Method != http.MethodGet || widthSkips[r.Path] != "" || strings.HasPrefix(r.Path, "/api/v1") { // the machine API (JSON)
			continue
		}
		if strings.ContainsAny(r.Path, ":*") {
			if ids[r.Path] == nil {
				unknown = append(unknown, r.Path)
			}
			pages = append(pages, ids[r.Path]...)
			continue
		}
		pages = append(pages, r.Path)
	}
	if len(unknown) > 0 {
		t.Errorf("routes the width test cannot open (give them ids or a reason to skip): %v", unknown)
	}
	pages = append(pages, extra...)
	sort.Strings(pages)
	pages = compactStrings(pages)

	browser.Run(t, bctx, "phone viewport", chromedp.EmulateViewport(phoneW, phoneH))
	measure := func(who string) {
		for _, p := range pages {
			var got struct {
				HTML   bool
				Width  int
				Inner  int
				Widest []string
			}
			err := chromedp.Run(bctx, chromedp.Navigate(base+p), browser.EvalAwait(`(async () => {
				await new Promise(r => setTimeout(r, 150)); // page scripts fill in what they show
				const inner = window.innerWidth;
				const width = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
				const widest = [...document.querySelectorAll("body *")]
					.filter(e => e.getBoundingClientRect().right > inner + 0.5 && !e.closest("[data-scroll-x], .table-wrap"))
					.slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + String(e.className).split(" ").join(".") : "") + " " + Math.round(e.getBoundingClientRect().right));
				return {HTML: document.contentType === "text/html", Width: width, Inner: inner, Widest: widest};
			})()`, &got))
			if err != nil {
				t.Errorf("%s: %s: %v", who, p, err)
				continue
			}
			if !got.HTML {
				t.Errorf("%s: %s is not an HTML page: skip it with a reason", who, p)
				continue
			}
			if got.Inner != phoneW {
				t.Fatalf("viewport %d wide, want %d", got.Inner, phoneW)
			}
			if got.Width > phoneW {
				t.Errorf("%s: %s is %d px wide at %d×%d (widest: %s)", who, p, got.Width, phoneW, phoneH, strings.Join(got.Widest, ", "))
			}
		}
	}
	measure("a visitor")
	browser.SignInBrowser(t, bctx, base, demoKey("citizen-alice"))
	measure("Alice")
	browser.SignInBrowser(t, bctx, base, demoKey("clerk"))
	measure("the clerk")
	browser.SignInBrowser(t, bctx, base, demoKey(demoObserver))
	measure("the observer")
	t.Logf("%d pages measured four times at %d×%d", len(pages), phoneW, phoneH)
}

func compactStrings(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
