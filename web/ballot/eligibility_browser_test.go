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
		chromedp.Poll(`document.getElementById("vote-form").getAttribute("data-ready") === "1"`, nil, chromedp.WithPollingTimeout(20*time.Second)))
	var cast string
	var notice bool
	browser.Run(t, bctx, "cast button", chromedp.Evaluate(`document.getElementById("ballot-cast").textContent`, &cast),
		chromedp.Evaluate(`!!document.getElementById("vote-not-eligible") || !!document.getElementById("vote-signin")`, &notice))
	if cast != "Cast my vote" || notice {
		t.Errorf("voter on the roll: cast button %q, a notice %v", cast, notice)
	}
	browser.RequireAccessible(t, bctx, "vote page, on the roll")
	w.Check(t)
}
