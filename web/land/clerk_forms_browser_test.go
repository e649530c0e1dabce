package land_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
)

// TestParcelFormChangeAndOrientationInBrowser: a clerk enters a parcel
// whose outline runs clockwise; the check page says the portal reversed
// it (the area is unchanged); "Change your answers" returns to the form
// with every answer kept (reference, outline as re-oriented, address,
// document hash, key); continuing again registers the parcel. axe-core
// checks each page.
func TestParcelFormChangeAndOrientationInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	home := testnode.InitHome(t)
	n, _ := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	sum := sha256.Sum256([]byte("survey plan of LOT-CW"))
	doc := hex.EncodeToString(sum[:])
	ready := `document.querySelector("[data-sign-status]") && document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`
	clockwise := `{"type":"Polygon","coordinates":[[[0,0],[0,10000],[10000,10000],[10000,0],[0,0]]]}`
	counter := `[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]`

	clerkPub := browser.UseKey(t, bctx, base, apptest.DemoKey(t, "clerk"))
	keyFilled := browser.Poll(`document.getElementById("f-pubkey").value === "`+clerkPub+`"`, 10*time.Second)
	browser.Run(t, bctx, "open the parcel form", chromedp.Navigate(base+"/land/parcels/register"), keyFilled)
	for k, v := range map[string]string{"cadastral_ref": "LOT-CW", "address": "2 Low Street", "document": doc, "geometry": clockwise} {
		browser.Run(t, bctx, "fill "+k, chromedp.SetValue("#f-"+k, v, chromedp.ByID))
	}
	cont := func(what string) {
		t.Helper()
		browser.Run(t, bctx, what, browser.Submitted("form[data-sign]", chromedp.Click("form.journey-form button", chromedp.ByQuery)),
			browser.Poll(ready, 5*time.Second))
		browser.WantStatus(t, w, what, 200)
	}
	cont("continue with a clockwise outline")
	note := browser.Text(t, bctx, "[data-answer-note]")
	if !strings.Contains(note, "ran clockwise") || !strings.Contains(note, "reversed") {
		t.Errorf("check page note %q", note)
	}
	if f := browser.Text(t, bctx, "#tx-facts"); !strings.Contains(f, "LOT-CW") || !strings.Contains(f, "10,000 m²") {
		t.Errorf("check page facts %q", f)
	}
	browser.RequireAccessible(t, bctx, "check page with a re-orientation note")

	// Change your answers: every answer comes back.
	browser.Run(t, bctx, "change your answers", chromedp.Click(`//a[normalize-space()="Change your answers"]`, chromedp.BySearch),
		chromedp.WaitVisible("#f-geometry", chromedp.ByID), keyFilled)
	browser.WantStatus(t, w, "form with answers kept", 200)
	for field, want := range map[string]string{"cadastral_ref": "LOT-CW", "address": "2 Low Street", "document": doc, "pubkey": clerkPub} {
		var got string
		browser.Run(t, bctx, "read "+field, chromedp.Value("#f-"+field, &got, chromedp.ByID))
		if got != want {
			t.Errorf("after Change your answers, %s is %q, want %q", field, got, want)
		}
	}
	var geom string
	browser.Run(t, bctx, "read geometry", chromedp.Value("#f-geometry", &geom, chromedp.ByID))
	if !strings.Contains(geom, counter) || !strings.Contains(geom, `"Polygon"`) {
		t.Errorf("after Change your answers, the outline is %q, want the re-oriented %s", geom, counter)
	}
	browser.RequireAccessible(t, bctx, "parcel form with answers kept")

	// Continuing again: no note now (the outline runs counter-clockwise),
	// and the parcel is registered.
	cont("continue again")
	var notes int
	browser.Run(t, bctx, "count notes", chromedp.Evaluate(`document.querySelectorAll("[data-answer-note]").length`, &notes))
	if notes != 0 {
		t.Errorf("%d re-orientation notes for a counter-clockwise outline", notes)
	}
	browser.Run(t, bctx, "sign", browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "confirmation", 200)
	if p := strings.TrimSpace(browser.Text(t, bctx, "#result-facts dd")); p != "P1" {
		t.Fatalf("registered parcel %q", p)
	}
}
