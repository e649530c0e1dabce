package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/web"
	"github.com/publica/publica/web/browsertest"
)

// TestReplayInBrowser: a citizen is refused a replay (no button; a forged
// start gets a 403 page that says why); the genesis auditor signs in,
// starts a replay, watches the progress bar fill and pauses and resumes
// its updates, and sees it verified with the node's app hash. axe-core
// checks every state of the page.
func TestReplayInBrowser(t *testing.T) {
	bctx := browsertest.New(t)
	w := watch(bctx)
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	testnode.WaitHeight(t, c, 10)
	s, err := web.NewForNode(n, web.Options{Refresh: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	base := "http://" + s.Addr()
	defer web.SetReplayBlockDelay(300 * time.Millisecond)()
	poll := func(what, cond string, timeout time.Duration) {
		t.Helper()
		run(t, bctx, what, chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(timeout)))
	}
	signIn := func(name string) {
		t.Helper()
		useKey(t, bctx, base, testnode.DemoKey(t, name))
		run(t, bctx, "sign in as "+name, chromedp.Navigate(base+"/signin"),
			chromedp.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, nil, chromedp.WithPollingTimeout(5*time.Second)),
			chromedp.Click("form[data-sign] button", chromedp.ByQuery), chromedp.WaitVisible("#session-account", chromedp.ByID))
	}

	// 1. A citizen sees why it cannot start a replay, and a forged start is refused.
	signIn("citizen-alice")
	run(t, bctx, "replay page, citizen", chromedp.Navigate(base+"/audit/replay"), chromedp.WaitVisible("#replay-not-auditor", chromedp.ByID))
	wantStatus(t, w, "replay page, citizen", 200)
	var hasButton bool
	run(t, bctx, "start button?", chromedp.Evaluate(`!!document.getElementById("replay-start-button")`, &hasButton))
	if hasButton {
		t.Error("a citizen is offered the start button")
	}
	browsertest.RequireAccessible(t, bctx, "replay page, citizen")
	run(t, bctx, "forged start", submitted("main h1", chromedp.Evaluate(`(() => {
		const f = document.createElement("form");
		f.method = "post"; f.action = "/audit/replay";
		const tok = document.querySelector(".session input[name=_csrf]").cloneNode();
		f.appendChild(tok); document.body.appendChild(f); f.submit();
	})()`, nil)))
	wantStatus(t, w, "forged start", 403)
	if msg := text(t, bctx, "main"); !strings.Contains(msg, "does not hold the auditor role") {
		t.Errorf("refusal page: %q", msg)
	}
	browsertest.RequireAccessible(t, bctx, "refused start")
	run(t, bctx, "sign out", chromedp.Click(".session button", chromedp.ByQuery), chromedp.WaitVisible("form[data-sign]", chromedp.ByQuery))

	// 2. The auditor starts a replay and follows it.
	signIn("auditor")
	run(t, bctx, "replay page, auditor", chromedp.Navigate(base+"/audit/replay"), chromedp.WaitVisible("#replay-start-button", chromedp.ByID))
	browsertest.RequireAccessible(t, bctx, "replay page, auditor")
	run(t, bctx, "start", submitted("#replay-bar", chromedp.Click("#replay-start-button", chromedp.ByID)))
	wantStatus(t, w, "replay started", 200)
	browsertest.RequireAccessible(t, bctx, "replay running")
	poll("progress bar part filled", `(() => { const b = document.getElementById("replay-bar"); return !!b && b.value > 0 && b.value < b.max; })()`, 20*time.Second)
	if st := text(t, bctx, "#replay-status"); !strings.HasPrefix(st, "Replay running: ") {
		t.Errorf("live status while running: %q", st)
	}
	var label string
	run(t, bctx, "bar label", chromedp.Evaluate(`document.getElementById("replay-bar").labels[0].textContent`, &label))
	if label != "Blocks replayed" {
		t.Errorf("progress bar label %q", label)
	}
	browsertest.RequireAccessible(t, bctx, "replay in progress")
	// Pausing stops the updates; resuming starts them again.
	run(t, bctx, "pause", chromedp.Click("#replay-pause", chromedp.ByID))
	var before, after int
	run(t, bctx, "value when paused", chromedp.Evaluate(`document.getElementById("replay-bar").value`, &before))
	time.Sleep(2500 * time.Millisecond)
	run(t, bctx, "value after a pause", chromedp.Evaluate(`document.getElementById("replay-bar").value`, &after))
	if after != before {
		t.Errorf("the bar moved from %d to %d while paused", before, after)
	}
	if p := attrOf(t, bctx, "#replay-pause", "aria-pressed"); p != "true" {
		t.Errorf("pause button aria-pressed=%q", p)
	}
	run(t, bctx, "resume", chromedp.Click("#replay-pause", chromedp.ByID))
	poll("replay verified", `(() => { const r = document.getElementById("replay-result"); return !!r && r.textContent === "Verified" && !document.getElementById("replay-live").hasAttribute("data-replay-poll"); })()`, 60*time.Second)
	var barDone bool
	run(t, bctx, "bar full", chromedp.Evaluate(`(() => { const b = document.getElementById("replay-bar"); return b.value === b.max; })()`, &barDone))
	if !barDone {
		t.Error("the progress bar did not reach the end")
	}
	if st := text(t, bctx, "#replay-status"); !strings.HasPrefix(st, "Replay finished: verified") {
		t.Errorf("live status at the end: %q", st)
	}
	facts := text(t, bctx, "#replay-facts")
	var last int64
	run(t, bctx, "last height", chromedp.Evaluate(`parseInt(document.getElementById("replay-bar").dataset.total, 10)`, &last))
	want := n.Comet.BlockStore().LoadBlockMeta(last + 1).Header.AppHash.String()
	if !strings.Contains(facts, want) {
		t.Errorf("report %q lacks the node's app hash %s after block %d", facts, want, last)
	}
	var pauseHidden bool
	run(t, bctx, "pause hidden", chromedp.Evaluate(`document.getElementById("replay-pause").hidden`, &pauseHidden))
	if !pauseHidden {
		t.Error("the pause button is still shown after the replay finished")
	}
	browsertest.RequireAccessible(t, bctx, "replay verified")

	// 3. The explorer's panel shows the same report and links to the page.
	run(t, bctx, "explorer", chromedp.Navigate(base+"/blocks"), chromedp.WaitVisible("#replay-page-link", chromedp.ByID))
	if f := text(t, bctx, "#replay-facts"); !strings.Contains(f, want) {
		t.Errorf("explorer panel %q lacks %s", f, want)
	}
	w.check(t)
}

func attrOf(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	var v string
	var ok bool
	run(t, ctx, "attribute "+name+" of "+sel, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	return v
}
