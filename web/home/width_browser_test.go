package home_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/land"
)

// TestEveryPageFitsAPhone opens every portal page without parameters
// (every GET route the coverage test reads), and a title, its parcel, a
// party, a certificate, a block and an account, in a 390 px wide phone
// viewport, in English and in Chinese: none is wider than the screen,
// so nothing needs scrolling sideways (wide tables scroll inside their
// own wrappers, which are left out of the measure).
func TestEveryPageFitsAPhone(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk := apptest.DemoKey(t, "clerk")
	sum := sha256.Sum256([]byte("grant"))
	doc := hex.EncodeToString(sum[:])
	browser.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "W-1", Address: "1 Mill Lane", Document: doc,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage(`[[[0,0],[1000,0],[1000,1000],[0,1000],[0,0]]]`)}}, clerk)
	res := browser.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: "N1", Share: "1"}}, Tenure: "freehold", Document: doc}, clerk)
	testnode.WaitHeight(t, c, res.Height+1)
	s := browser.StartServer(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	base := "http://" + s.Addr()

	var paths []string
	for _, r := range s.Handler().(*echo.Echo).Routes() {
		if r.Method == http.MethodGet && !strings.ContainsAny(r.Path, ":*") && !strings.HasPrefix(r.Path, "/api/") &&
			!strings.HasSuffix(r.Path, ".json") && !strings.HasSuffix(r.Path, ".wasm") && r.Path != "/healthz" && !strings.HasSuffix(r.Path, "/download") &&
			!strings.HasPrefix(r.Path, "/lang/") {
			paths = append(paths, r.Path)
		}
	}
	sort.Strings(paths)
	paths = compact(paths)
	paths = append(paths, "/land/titles/T1", "/land/parcels/P1", "/land/parties/N1", "/land/titles/T1/certificate",
		"/blocks/1", "/tx/"+strings.ToUpper(hex.EncodeToString(res.Hash)), "/accounts/"+tx.AccountID(clerk.Public().(ed25519.PublicKey)))

	bctx := browser.NewFor(t, 6*time.Minute) // some 150 pages
	browser.Run(t, bctx, "phone", chromedp.EmulateViewport(browser.PhoneWidth, browser.PhoneHeight))
	pages := 0
	for _, lang := range []string{"en", "zh"} {
		browser.Run(t, bctx, "choose "+lang, network.SetCookie("lang", lang).WithURL(base+"/"))
		for _, p := range paths {
			var html bool
			browser.Run(t, bctx, p, chromedp.Navigate(base+p), chromedp.Evaluate(`document.contentType === "text/html" && !!document.querySelector("main")`, &html))
			if !html {
				continue
			}
			pages++
			if wd := browser.Measure(t, bctx); wd.Document > wd.Viewport || wd.Viewport != browser.PhoneWidth {
				t.Errorf("%s (%s) is %d px wide in a %d px viewport (widest: %v)", p, lang, wd.Document, wd.Viewport, wd.Widest)
			}
		}
	}
	if pages < 40 {
		t.Errorf("only %d pages measured", pages)
	}
}
