package demo_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
)

// TestGuidedVisitInBrowser: the guided visit offers every role with a
// demo-key warning; one click as Clara the clerk puts the clerk's demo key
// in the browser and signs in; back on the page, the key is named and one
// click as Alice signs in as Alice. axe-core checks the page.
func TestGuidedVisitInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	home := testnode.InitHome(t)
	n, _ := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})

	browser.Run(t, bctx, "guided visit", chromedp.Navigate(base+"/demo"), chromedp.WaitVisible("#demo-clerk-use", chromedp.ByID),
		chromedp.WaitNotVisible("#demo-nojs", chromedp.ByID))
	browser.WantStatus(t, w, "guided visit", 200)
	page := browser.Text(t, bctx, "main")
	for _, want := range []string{"These are demo keys", "Clara the clerk", "Alice the citizen", "The registrar", "An election official",
		"A trustee", "The auditor", "Vote in the Millbrook budget 2027 election", "make demo"} {
		if !strings.Contains(page, want) {
			t.Errorf("the guided visit does not show %q", want)
		}
	}
	browser.RequireAccessible(t, bctx, "guided visit")

	signedInAs := func(role, keyName string) {
		t.Helper()
		browser.Run(t, bctx, "be "+role, browser.Submitted("#session-account", chromedp.Click("#demo-"+role+"-use", chromedp.ByID)))
		browser.WantStatus(t, w, "signed in as "+role, 200)
		var href string
		browser.Run(t, bctx, "session account", chromedp.AttributeValue("#session-account", "href", &href, nil, chromedp.ByID))
		want := "/accounts/" + tx.AccountID(testnode.DemoKey(t, keyName).Public().(ed25519.PublicKey))
		if href != want {
			t.Fatalf("signed in as %s, want %s", href, want)
		}
	}
	signedInAs("clerk", "clerk")

	browser.Run(t, bctx, "guided visit again", chromedp.Navigate(base+"/demo"),
		browser.Poll(`!document.getElementById("demo-status").hidden`, 5*time.Second))
	clerk := tx.AccountID(testnode.DemoKey(t, "clerk").Public().(ed25519.PublicKey))
	if st := browser.Text(t, bctx, "#demo-status"); !strings.Contains(st, clerk) {
		t.Errorf("status with the clerk's key in the browser: %q", st)
	}
	browser.RequireAccessible(t, bctx, "guided visit, signed in")
	signedInAs("citizen", "citizen-alice")
	browser.RequireAccessible(t, bctx, "account page after the guided visit")
}
