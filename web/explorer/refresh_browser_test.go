package explorer_test

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
)

// TestRefreshNoteInPageLanguage: the status page's update note, written
// by static/refresh.js from the page's data-i18n, reads in the page's
// language — "Updates every 30 seconds." and, paused, "Updates paused."
// in English as before; 每 30 秒更新一次。 and 已暂停更新。 in Chinese — with
// no axe-core violation.
func TestRefreshNoteInPageLanguage(t *testing.T) {
	n, _ := testnode.Start(t, testnode.InitHome(t))
	base := browser.Serve(t, n, web.Options{Refresh: 30 * time.Second, Logger: browser.TestLogger(t)})
	bctx := browser.New(t)
	for _, l := range []struct{ code, every, paused string }{
		{"en", "Updates every 30 seconds.", "Updates paused."},
		{"zh", "每 30 秒更新一次。", "已暂停更新。"},
	} {
		// The script shows its pause button, then writes the note.
		browser.Run(t, bctx, l.code+": status page", network.SetCookie("lang", l.code).WithURL(base+"/"),
			chromedp.Navigate(base+"/status"), chromedp.WaitVisible("#refresh-toggle", chromedp.ByID))
		if got := browser.Text(t, bctx, "#refresh-note"); got != l.every {
			t.Errorf("%s: the note reads %q, want %q", l.code, got, l.every)
		}
		browser.Run(t, bctx, l.code+": pause", chromedp.Click("#refresh-toggle", chromedp.ByID))
		if got := browser.Text(t, bctx, "#refresh-note"); got != l.paused {
			t.Errorf("%s: paused, the note reads %q, want %q", l.code, got, l.paused)
		}
		browser.RequireAccessible(t, bctx, l.code+": status page paused")
	}
}
