package explorer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
)

// TestStatusPageInBrowser opens the status page in headless Chromium against
// a real node: the committed transaction is listed, the page's own script
// runs under the CSP without errors, and axe-core finds no violations.
func TestStatusPageInBrowser(t *testing.T) {
	bctx := browser.New(t)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	reg, err := c.Build(ctx, key.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, reg, key)
	if err != nil {
		t.Fatal(err)
	}
	base := browser.Serve(t, n, web.Options{})

	var title, body string
	err = chromedp.Run(bctx,
		chromedp.Navigate(base+"/status"),
		chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.Title(&title),
		chromedp.Text("main", &body, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Publica") {
		t.Errorf("title %q", title)
	}
	hash := strings.ToUpper(hex.EncodeToString(res.Hash))
	for _, want := range []string{genesis.DevChainID, hash[:12], authority.TypeRegisterAccount} {
		if !strings.Contains(body, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	browser.RequireAccessible(t, bctx, "status page")

	// The 404 page is accessible too.
	if err := chromedp.Run(bctx, chromedp.Navigate(base+"/no-such-page"), chromedp.WaitVisible("main", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	browser.RequireAccessible(t, bctx, "404 page")
}
