package home_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
)

// TestHomeInBrowser: the front page offers a citizen's tasks — find a
// property, my property, vote, my credentials, check a certificate —
// each leading to its page; the chain's status is in the explorer, not
// here. Signed out it says to sign in for "My property"; signed in it
// does not. axe-core checks the page both ways.
func TestHomeInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	n, _ := testnode.Start(t, testnode.InitHome(t))
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})

	browser.Run(t, bctx, "home", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#home-q", chromedp.ByID))
	browser.WantStatus(t, w, "home", 200)
	main := browser.Text(t, bctx, "main")
	// The development chain's front page points to the guided first visit.
	var demoHref string
	browser.Run(t, bctx, "demo link", chromedp.Evaluate(`(document.querySelector("#demo-visit a") || {}).getAttribute ? document.querySelector("#demo-visit a").getAttribute("href") : ""`, &demoHref))
	if demoHref != "/demo" {
		t.Errorf("home page of the development chain: link to the guided visit %q, want /demo", demoHref)
	}
	for _, want := range []string{"Find a property", "Address or cadastral reference", "My property", "Vote", "My credentials",
		"Check a certificate", "Sign in with your key first"} {
		if !strings.Contains(main, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	for _, internal := range []string{"App hash", "Validators", "Latest height"} {
		if strings.Contains(main, internal) {
			t.Errorf("home page shows the chain's %q", internal)
		}
	}
	browser.RequireAccessible(t, bctx, "home, signed out")

	// Each task leads to its page.
	for id, path := range map[string]string{"home-property": "/land", "home-vote": "/elections",
		"home-credentials": "/identity/credentials", "home-verify": "/land/verify"} {
		var href string
		browser.Run(t, bctx, "back home", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#"+id, chromedp.ByID))
		browser.Run(t, bctx, "follow "+id, browser.Submitted("main h1", chromedp.Click("#"+id, chromedp.ByID)),
			chromedp.Evaluate(`location.pathname`, &href))
		browser.WantStatus(t, w, path, 200)
		if href != path {
			t.Errorf("%s leads to %s, want %s", id, href, path)
		}
	}

	// The chain status is in the explorer.
	browser.Run(t, bctx, "status", chromedp.Navigate(base+"/status"), chromedp.WaitVisible("#chain-id", chromedp.ByID))
	browser.WantStatus(t, w, "status", 200)
	var current string
	browser.Run(t, bctx, "nav", chromedp.Text(`.site-nav a[aria-current="page"]`, &current, chromedp.ByQuery))
	if current != "Explorer" {
		t.Errorf("status page marks %q in the navigation, want Explorer", current)
	}

	// Signed in, "My property" needs no sign-in.
	browser.SignInBrowser(t, bctx, base, apptest.DemoKey(t, "citizen-alice"))
	browser.Run(t, bctx, "home signed in", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#session-account", chromedp.ByID))
	if main := browser.Text(t, bctx, "main"); strings.Contains(main, "Sign in with your key first") || strings.Contains(main, "Get a key") {
		t.Errorf("signed-in home still asks to sign in: %q", main)
	}
	browser.RequireAccessible(t, bctx, "home, signed in")
}
