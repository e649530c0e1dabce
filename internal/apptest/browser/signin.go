package browser

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// SignInBrowser puts key into the browser's key store and signs in with
// it on the sign-in page, as a person would; it returns when the page
// names the signed-in account.
func SignInBrowser(t testing.TB, ctx context.Context, base string, key ed25519.PrivateKey) {
	t.Helper()
	UseKey(t, ctx, base, key)
	Run(t, ctx, "sign in", chromedp.Navigate(base+"/signin"),
		Poll(`document.querySelector("[data-sign-status]") && document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 10*time.Second),
		// The button is pressed by script, not by a click at its place on
		// the screen: the page's script may still be adding its notices
		// above it, and a click aimed before the page moved lands beside it.
		Submitted("#session-account", chromedp.Evaluate(`document.querySelector("form[data-sign] button").click()`, nil)))
}
