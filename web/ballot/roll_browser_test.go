package ballot_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/ballot"
)

// TestRollImportInBrowser: the official imports a roll of 2,500 voters
// from a CSV in the browser, through the register-voters journey in five
// batches signed by the key in the browser, with a progress bar; the four
// unusable lines (not an account, a repeated voter, an empty voter, a
// credential id: credential elections are the other rule) are
// listed with their line numbers and every other voter is on the roll.
// A citizen's key is refused by the portal, which names the official.
// axe-core checks the page before and after.
func TestRollImportInBrowser(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	k := &electionKit{t: t, ctx: ctx, c: c, keys: map[string]ed25519.PrivateKey{}}
	for _, d := range genesis.DemoKeys {
		k.keys[d.Name] = d.PrivateKey()
	}
	acct := func(name string) string { return tx.AccountID(k.keys[name].Public().(ed25519.PublicKey)) }
	now := time.Now()
	k.send(k.keys["election-official"], ballot.TypeCreateElection, &ballot.MsgCreateElection{ID: "roll-2026", Title: "Roll import",
		Questions:   []ballot.Question{{Text: "Approve?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}}},
		Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll}, Trustees: []string{acct("trustee-1"), acct("trustee-2"), acct("trustee-3")},
		Threshold: 2, OpensAt: now.Add(time.Hour).Unix(), ClosesAt: now.Add(2 * time.Hour).Unix()})

	var csv strings.Builder
	csv.WriteString("name,account\n")
	var voters []string
	for i := range 2500 {
		id := fmt.Sprintf("%040x", 77_000+i)
		voters = append(voters, id)
		if i%3 == 0 {
			id = "did:publica:" + id
		}
		fmt.Fprintf(&csv, "v%d,%s\n", i, id)
	}
	csv.WriteString("bad,zz-not-an-account\n")                              // line 2502
	csv.WriteString("again," + voters[10] + "\n")                           // line 2503: line 12's voter
	csv.WriteString("nobody,\n")                                            // line 2504
	csv.WriteString("cred,urn:uuid:6f1c0a3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f\n") // line 2505
	file := filepath.Join(t.TempDir(), "roll.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	bctx := browser.NewFor(t, 110*time.Second)
	w := browser.Watch(bctx)
	page := func(what string) {
		t.Helper()
		browser.Run(t, bctx, what, chromedp.Navigate(base+"/elections/roll-2026/roll/import"),
			chromedp.WaitVisible("#roll-form", chromedp.ByID))
		browser.WantStatus(t, w, what, 200)
	}
	// A citizen cannot: the portal refuses the first batch.
	browser.UseKey(t, bctx, base, k.keys["citizen-alice"])
	page("import page as a citizen")
	browser.Run(t, bctx, "citizen imports", chromedp.SetUploadFiles("#roll-file", []string{file}, chromedp.ByID),
		chromedp.Click("#roll-form button", chromedp.ByQuery), chromedp.WaitVisible("#roll-error", chromedp.ByID))
	if e := browser.Text(t, bctx, "#roll-error"); !strings.Contains(e, "After 0 of 2500 voters") || !strings.Contains(e, "official") {
		t.Errorf("citizen's import: %q", e)
	}

	browser.UseKey(t, bctx, base, k.keys["election-official"])
	page("import page")
	browser.RequireAccessible(t, bctx, "roll import page")
	browser.Run(t, bctx, "import", chromedp.SetUploadFiles("#roll-file", []string{file}, chromedp.ByID),
		chromedp.Click("#roll-form button", chromedp.ByQuery),
		browser.Poll(`document.getElementById("roll-form").getAttribute("data-done") === "2500" || !document.getElementById("roll-error").hidden`, 90*time.Second))
	if e := browser.Text(t, bctx, "main"); !strings.Contains(e, "Done: 2500 voters are on the roll; 4 lines were not imported") {
		t.Fatalf("import: %q", e)
	}
	var value, max string
	var ok bool
	browser.Run(t, bctx, "progress", chromedp.AttributeValue("#roll-progress", "max", &max, &ok, chromedp.ByID),
		chromedp.Evaluate(`String(document.getElementById("roll-progress").value)`, &value))
	if value != "2500" || max != "2500" {
		t.Errorf("progress bar %s of %s", value, max)
	}
	refused := browser.Text(t, bctx, "#roll-refused")
	for _, s := range []string{"2502", "zz-not-an-account", "not an account id", "2503", "the same voter as line 12", "2504", "no voter on this line", "2505", "a credential, not an account"} {
		if !strings.Contains(refused, s) {
			t.Errorf("refused lines lack %q:\n%s", s, refused)
		}
	}
	browser.RequireAccessible(t, bctx, "roll import done")
	for _, v := range []string{voters[0], voters[1999], voters[2000], voters[2499]} {
		if res, err := c.Query(ctx, "/key", ballot.RollKey("roll-2026", v), 0, false); err != nil || res.Value == nil {
			t.Errorf("%s not on the roll: %v", v, err)
		}
	}
	w.Check(t)
}
