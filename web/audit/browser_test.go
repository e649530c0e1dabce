package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	webaudit "github.com/publica/publica/web/audit"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
)

// TestReplayInBrowser: a citizen is refused a replay (no button; a forged
// start gets a 403 page that says why); the genesis auditor signs in,
// starts a replay, watches the progress bar fill and pauses and resumes
// its updates, and sees it verified with the node's app hash. axe-core
// checks every state of the page.
func TestReplayInBrowser(t *testing.T) {
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	testnode.WaitHeight(t, c, 10)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	defer webaudit.SetReplayBlockDelay(300 * time.Millisecond)()
	poll := func(what, cond string, timeout time.Duration) {
		t.Helper()
		browser.Run(t, bctx, what, browser.Poll(cond, timeout))
	}
	signIn := func(name string) {
		t.Helper()
		browser.UseKey(t, bctx, base, apptest.DemoKey(t, name))
		browser.Run(t, bctx, "sign in as "+name, chromedp.Navigate(base+"/signin"),
			browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
			chromedp.Click("form[data-sign] button", chromedp.ByQuery), chromedp.WaitVisible("#session-account", chromedp.ByID))
	}

	// 1. A citizen sees why it cannot start a replay, and a forged start is refused.
	signIn("citizen-alice")
	browser.Run(t, bctx, "replay page, citizen", chromedp.Navigate(base+"/audit/replay"), chromedp.WaitVisible("#replay-not-auditor", chromedp.ByID))
	browser.WantStatus(t, w, "replay page, citizen", 200)
	var hasButton bool
	browser.Run(t, bctx, "start button?", chromedp.Evaluate(`!!document.getElementById("replay-start-button")`, &hasButton))
	if hasButton {
		t.Error("a citizen is offered the start button")
	}
	browser.RequireAccessible(t, bctx, "replay page, citizen")
	browser.Run(t, bctx, "forged start", browser.Submitted("main h1", chromedp.Evaluate(`(() => {
		const f = document.createElement("form");
		f.method = "post"; f.action = "/audit/replay";
		const tok = document.querySelector(".session input[name=_csrf]").cloneNode();
		f.appendChild(tok); document.body.appendChild(f); f.submit();
	})()`, nil)))
	browser.WantStatus(t, w, "forged start", 403)
	if msg := browser.Text(t, bctx, "main"); !strings.Contains(msg, "does not hold the auditor role") {
		t.Errorf("refusal page: %q", msg)
	}
	browser.RequireAccessible(t, bctx, "refused start")
	browser.Run(t, bctx, "sign out", chromedp.Click(".session button", chromedp.ByQuery), chromedp.WaitVisible("form[data-sign]", chromedp.ByQuery))

	// 2. The auditor starts a replay and follows it.
	signIn("auditor")
	browser.Run(t, bctx, "replay page, auditor", chromedp.Navigate(base+"/audit/replay"), chromedp.WaitVisible("#replay-start-button", chromedp.ByID))
	browser.RequireAccessible(t, bctx, "replay page, auditor")
	browser.Run(t, bctx, "start", browser.Submitted("#replay-bar", chromedp.Click("#replay-start-button", chromedp.ByID)))
	browser.WantStatus(t, w, "replay started", 200)
	browser.RequireAccessible(t, bctx, "replay running")
	poll("progress bar part filled", `(() => { const b = document.getElementById("replay-bar"); return !!b && b.value > 0 && b.value < b.max; })()`, 20*time.Second)
	if st := browser.Text(t, bctx, "#replay-status"); !strings.HasPrefix(st, "Replay running: ") {
		t.Errorf("live status while running: %q", st)
	}
	var label string
	browser.Run(t, bctx, "bar label", chromedp.Evaluate(`document.getElementById("replay-bar").labels[0].textContent`, &label))
	if label != "Blocks replayed" {
		t.Errorf("progress bar label %q", label)
	}
	browser.RequireAccessible(t, bctx, "replay in progress")
	// Pausing stops the updates; resuming starts them again.
	browser.Run(t, bctx, "pause", chromedp.Click("#replay-pause", chromedp.ByID))
	var before, after int
	browser.Run(t, bctx, "value when paused", chromedp.Evaluate(`document.getElementById("replay-bar").value`, &before))
	time.Sleep(2500 * time.Millisecond)
	browser.Run(t, bctx, "value after a pause", chromedp.Evaluate(`document.getElementById("replay-bar").value`, &after))
	if after != before {
		t.Errorf("the bar moved from %d to %d while paused", before, after)
	}
	if p := attrOf(t, bctx, "#replay-pause", "aria-pressed"); p != "true" {
		t.Errorf("pause button aria-pressed=%q", p)
	}
	browser.Run(t, bctx, "resume", chromedp.Click("#replay-pause", chromedp.ByID))
	poll("replay verified", `(() => { const r = document.getElementById("replay-result"); return !!r && r.textContent === "Verified" && !document.getElementById("replay-live").hasAttribute("data-replay-poll"); })()`, 60*time.Second)
	var barDone bool
	browser.Run(t, bctx, "bar full", chromedp.Evaluate(`(() => { const b = document.getElementById("replay-bar"); return b.value === b.max; })()`, &barDone))
	if !barDone {
		t.Error("the progress bar did not reach the end")
	}
	if st := browser.Text(t, bctx, "#replay-status"); !strings.HasPrefix(st, "Replay finished: verified") {
		t.Errorf("live status at the end: %q", st)
	}
	facts := browser.Text(t, bctx, "#replay-facts")
	var last int64
	browser.Run(t, bctx, "last height", chromedp.Evaluate(`parseInt(document.getElementById("replay-bar").dataset.total, 10)`, &last))
	want := n.Comet.BlockStore().LoadBlockMeta(last + 1).Header.AppHash.String()
	if !strings.Contains(facts, want) {
		t.Errorf("report %q lacks the node's app hash %s after block %d", facts, want, last)
	}
	var pauseHidden bool
	browser.Run(t, bctx, "pause hidden", chromedp.Evaluate(`document.getElementById("replay-pause").hidden`, &pauseHidden))
	if !pauseHidden {
		t.Error("the pause button is still shown after the replay finished")
	}
	browser.RequireAccessible(t, bctx, "replay verified")

	// 3. The explorer's panel shows the same report and links to the page.
	browser.Run(t, bctx, "explorer", chromedp.Navigate(base+"/blocks"), chromedp.WaitVisible("#replay-page-link", chromedp.ByID))
	if f := browser.Text(t, bctx, "#replay-facts"); !strings.Contains(f, want) {
		t.Errorf("explorer panel %q lacks %s", f, want)
	}
	w.Check(t)
}

func attrOf(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	var v string
	var ok bool
	browser.Run(t, ctx, "attribute "+name+" of "+sel, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	return v
}
