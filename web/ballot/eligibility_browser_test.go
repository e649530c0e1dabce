package ballot_test

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
)

// TestEligibilityBeforeTheBallot: a signed-in citizen who is not on an
// election's roll is told so on the vote page, with the official to ask,
// and is not shown the ballot; a visitor is asked to sign in first; a
// voter on the roll gets the ballot, whose decision button says "Cast my
// vote". axe-core checks each state.
func TestEligibilityBeforeTheBallot(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1, Logger: browser.TestLogger(t)})
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	k := &electionKit{t: t, ctx: ctx, c: c, keys: map[string]ed25519.PrivateKey{}}
	for _, d := range genesis.DemoKeys {
		k.keys[d.Name] = d.PrivateKey()
	}
	alice := tx.AccountID(k.keys["citizen-alice"].Public().(ed25519.PublicKey))
	bob := tx.AccountID(k.keys["citizen-bob"].Public().(ed25519.PublicKey))
	official := tx.AccountID(k.keys["election-official"].Public().(ed25519.PublicKey))
	opens := time.Now().Add(2 * time.Second)
	e := k.create("roll-2026", "Roll vote", opens, opens.Add(time.Hour), []string{alice})
	k.waitBlockTime(opens)
	vote := base + "/elections/" + e.ID + "/vote"

	// A visitor: asked to sign in first.
	if r := browser.Get(t, vote); !strings.Contains(r.Body, `id="vote-signin"`) || !strings.Contains(r.Body, `id="vote-form"`) {
		t.Errorf("signed-out vote page: no sign-in notice or no ballot")
	}

	// Bob, not on the roll: told why and whom to ask, no ballot.
	bctx := browser.New(t)
	w := browser.Watch(bctx)
	browser.SignInBrowser(t, bctx, base, k.keys["citizen-bob"])
	browser.Run(t, bctx, "vote page, not on the roll", chromedp.Navigate(vote), chromedp.WaitVisible("#vote-not-eligible", chromedp.ByID))
	browser.WantStatus(t, w, "vote page, not on the roll", 200)
	if s := browser.Text(t, bctx, "#vote-not-eligible"); !strings.Contains(s, "not on the voter roll") || !strings.Contains(s, bob) || !strings.Contains(s, official) {
		t.Errorf("not-eligible notice: %q", s)
	}
	var ballotShown bool
	browser.Run(t, bctx, "no ballot", chromedp.Evaluate(`!!document.getElementById("vote-form")`, &ballotShown))
	if ballotShown {
		t.Error("the ballot is shown to a citizen who is not on the roll")
	}
	browser.RequireAccessible(t, bctx, "vote page, not on the roll")

	// Alice, on the roll: the ballot, and "Cast my vote".
	browser.SignInBrowser(t, bctx, base, k.keys["citizen-alice"])
	browser.Run(t, bctx, "vote page, on the roll", chromedp.Navigate(vote),
		browser.Poll(`document.getElementById("vote-form").getAttribute("data-ready") === "1"`, 20*time.Second))
	var cast string
	var notice bool
	browser.Run(t, bctx, "cast button", chromedp.Evaluate(`document.getElementById("ballot-cast").textContent`, &cast),
		chromedp.Evaluate(`!!document.getElementById("vote-not-eligible") || !!document.getElementById("vote-signin")`, &notice))
	if cast != "Cast my vote" || notice {
		t.Errorf("voter on the roll: cast button %q, a notice %v", cast, notice)
	}
	browser.RequireAccessible(t, bctx, "vote page, on the roll")

	// The check page shows her own choices and "Cast my vote"; "Change
	// your answers" goes back to the ballot with them kept.
	encryptAndCast := func(what string) {
		t.Helper()
		browser.Run(t, bctx, what, chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID),
			browser.Submitted("form[data-sign]", chromedp.Click("#ballot-cast", chromedp.ByID)),
			chromedp.WaitVisible("#your-choices", chromedp.ByID))
		browser.WantStatus(t, w, what, 200)
	}
	browser.Run(t, bctx, "choose", chromedp.Click("#q0-o1", chromedp.ByID), chromedp.Click("#q1-o2", chromedp.ByID), chromedp.Click("#q2-o0", chromedp.ByID))
	encryptAndCast("cast: check page")
	if s := browser.Text(t, bctx, "#your-choices-list"); !strings.Contains(s, "Approve the budget?") || !strings.Contains(s, "no") ||
		!strings.Contains(s, "Cy") || !strings.Contains(s, "North") {
		t.Errorf("check page choices: %q", s)
	}
	if b := browser.Text(t, bctx, "form[data-sign] button"); b != "Cast my vote" {
		t.Errorf("check page button %q", b)
	}
	browser.RequireAccessible(t, bctx, "cast check page")
	var checked []string
	browser.Run(t, bctx, "change your answers", browser.Submitted("#vote-form", chromedp.Click(`a[href="/elections/`+e.ID+`/vote"]`, chromedp.ByQuery)),
		browser.Poll(`document.getElementById("vote-form").getAttribute("data-ready") === "1"`, 20*time.Second),
		chromedp.Evaluate(`[...document.querySelectorAll("#vote-form input:checked")].map(i => i.id)`, &checked))
	if strings.Join(checked, ",") != "q0-o1,q1-o2,q2-o0" {
		t.Errorf("answers after 'Change your answers': %v", checked)
	}
	browser.Run(t, bctx, "change one", chromedp.Click("#q1-o0", chromedp.ByID))
	encryptAndCast("cast again: check page")
	if s := browser.Text(t, bctx, "#your-choices-list"); !strings.Contains(s, "Ann") || strings.Contains(s, "Cy") {
		t.Errorf("check page choices after the change: %q", s)
	}
	browser.Run(t, bctx, "sign", browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
		browser.Submitted("#confirmation", chromedp.Click("form[data-sign] button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "receipt", 200)
	if f := browser.Text(t, bctx, "#result-facts"); !strings.Contains(f, "Keep your tracker") {
		t.Errorf("receipt: %q", f)
	}
	// The tracker's copy button puts it on the clipboard.
	var tracker, copied string
	browser.Run(t, bctx, "copy the tracker", chromedp.Evaluate(`document.querySelector("button[data-copy]").getAttribute("data-copy")`, &tracker),
		browser.EvalAwait(`(async () => {
			let got = null;
			navigator.clipboard.writeText = async (s) => { got = s; };
			document.querySelector("button[data-copy]").click();
			await new Promise(r => setTimeout(r, 50));
			return got + "|" + document.getElementById("copy-status").textContent;
		})()`, &copied))
	if len(tracker) != 64 || copied != tracker+"|Copied to the clipboard." {
		t.Errorf("copy button: tracker %q, copied %q", tracker, copied)
	}
	browser.RequireAccessible(t, bctx, "receipt")
	w.Check(t)
}
