package ballot_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// TestObserverSeesProgress: the authority set (2 of 3) grants an account
// the observer role. During a running election — three voters on the
// roll, two ballots and a re-vote, then the close and one trustee's
// partial decryption of the two needed — the observer, signed in in the
// browser, finds the election under "Observe an election" and sees the
// roll, the ballots counted with the turnout, the trackers by status, the
// key ceremony trustee by trustee, which trustee has decrypted and how
// many more are needed, every record proven at one block; after the
// second trustee, the result. A citizen without the role, and a visitor,
// are refused with a 403 page that says why; an unknown election is 404.
// axe-core on every page; the observation page fits a phone (390 px).
func TestObserverSeesProgress(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	k := &electionKit{t: t, ctx: ctx, c: c, keys: map[string]ed25519.PrivateKey{}}
	for _, d := range genesis.DemoKeys {
		k.keys[d.Name] = d.PrivateKey()
	}

	// The observer's account, accredited by two of the three authority
	// members.
	_, observer, _ := ed25519.GenerateKey(rand.Reader)
	observerID := tx.AccountID(observer.Public().(ed25519.PublicKey))
	k.send(observer, authority.TypeRegisterAccount, &authority.MsgRegisterAccount{})
	a1, a2 := k.keys["authority-1"], k.keys["authority-2"]
	grant, err := c.Build(ctx, a1.Public().(ed25519.PublicKey), authority.TypeGrantRole, &authority.MsgGrantRole{Account: observerID, Role: authority.RoleObserver}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := c.Send(ctx, grant, a1, a2); err != nil || r.Code != 0 {
		t.Fatalf("grant observer: %+v %v", r, err)
	}
	if a, err := c.Account(ctx, observerID); err != nil || a == nil || !a.HasRole(authority.RoleObserver) {
		t.Fatalf("observer's account: %+v %v", a, err)
	}

	// Three voters on the roll; two of them vote, one votes again.
	voters := make([]ed25519.PrivateKey, 3)
	ids := make([]string, 3)
	for i := range voters {
		_, voters[i], _ = ed25519.GenerateKey(rand.Reader)
		k.send(voters[i], authority.TypeRegisterAccount, &authority.MsgRegisterAccount{})
		ids[i] = tx.AccountID(voters[i].Public().(ed25519.PublicKey))
	}
	roll := append([]string(nil), ids...)
	sort.Strings(roll)
	start := time.Now()
	opens, closes := start.Add(2*time.Second), start.Add(45*time.Second)
	e := k.create("observed-2026", "Harbour vote 2026", opens, closes, roll)
	k.waitBlockTime(opens)
	params, _ := e.Params()
	cast := func(i int, chair int) {
		t.Helper()
		choices, _ := ballot.Choices(e, [][]int{{0}, {chair}, {1}})
		b, _, err := elgamal.EncryptBallot(params, ids[i], choices, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := b.Encode()
		if r := k.send(voters[i], ballot.TypeCast, &ballot.MsgCast{Election: e.ID, Ballot: hex.EncodeToString(enc)}); r.Code != 0 {
			t.Fatalf("cast %d: %+v", i, r)
		}
	}
	cast(0, 0)
	cast(1, 1)
	cast(1, 2) // a re-vote: the first ballot is superseded

	bctx := browser.NewFor(t, 200*time.Second)
	w := browser.Watch(bctx)
	observePath := "/elections/" + e.ID + "/observe"

	// 1. A citizen without the role is refused, with the reason and the
	// public pages.
	browser.SignInBrowser(t, bctx, base, k.keys["citizen-bob"])
	browser.Run(t, bctx, "refused", chromedp.Navigate(base+observePath), chromedp.WaitVisible("#observe-refused", chromedp.ByID))
	browser.WantStatus(t, w, "observation page, citizen", http.StatusForbidden)
	bob := tx.AccountID(k.keys["citizen-bob"].Public().(ed25519.PublicKey))
	if r := browser.Text(t, bctx, "#observe-refused"); !strings.Contains(r, bob) || !strings.Contains(r, "does not hold the observer role") {
		t.Errorf("refusal: %q", r)
	}
	if p := browser.Text(t, bctx, "#observe-public"); !strings.Contains(p, "Harbour vote 2026") || !strings.Contains(p, "Bulletin board") {
		t.Errorf("public pages named in the refusal: %q", p)
	}
	browser.RequireAccessible(t, bctx, "observation page refused")
	browser.Run(t, bctx, "list refused", chromedp.Navigate(base+"/observe"), chromedp.WaitVisible("#observe-refused", chromedp.ByID))
	browser.WantStatus(t, w, "observer's list, citizen", http.StatusForbidden)

	// A visitor: 403 asking to sign in; an unknown election: 404.
	for path, want := range map[string]int{observePath: 403, "/observe": 403, "/elections/no-such-vote/observe": 404, "/elections/Bad_Id/observe": 404} {
		r := browser.Get(t, base+path)
		if r.Code != want {
			t.Errorf("visitor GET %s = %d, want %d", path, r.Code, want)
		}
		if want == 403 && !strings.Contains(r.Body, "Sign in") {
			t.Errorf("visitor refusal at %s does not ask to sign in", path)
		}
	}

	// 2. The observer, while the election is open.
	browser.SignInBrowser(t, bctx, base, observer)
	browser.Run(t, bctx, "elections list", chromedp.Navigate(base+"/elections"), chromedp.WaitVisible("#observe-link", chromedp.ByID))
	browser.Run(t, bctx, "observe an election", browser.Submitted("#observe-elections", chromedp.Click("#observe-link", chromedp.ByID)))
	browser.WantStatus(t, w, "observer's list", 200)
	if l := browser.Text(t, bctx, "#observe-elections"); !strings.Contains(l, "Observe Harbour vote 2026") {
		t.Errorf("observer's list: %q", l)
	}
	browser.RequireAccessible(t, bctx, "observer's list")
	browser.Run(t, bctx, "observe", browser.Submitted("#observe-facts", chromedp.Click(`#observe-elections a[href="`+observePath+`"]`, chromedp.ByQuery)))
	browser.WantStatus(t, w, "observation page (open)", 200)
	facts := oneLine(browser.Text(t, bctx, "#observe-facts"))
	for _, want := range []string{"Open", "Voters on the roll 3", "2 of 3 voters on the roll (66.7% turnout)",
		"3 of 3 trustees have posted their keys, 3 have dealt their shares; the election key is published", "Voting has not closed", "Not published yet"} {
		if !strings.Contains(facts, want) {
			t.Errorf("observation facts (open) lack %q:\n%s", want, facts)
		}
	}
	board := oneLine(browser.Text(t, bctx, "#observe-board"))
	for _, want := range []string{"counted 2", "later ballot 1", "roll) 0"} {
		if !strings.Contains(board, want) {
			t.Errorf("trackers by status lack %q:\n%s", want, board)
		}
	}
	if p := browser.Text(t, bctx, "#observe-proof"); !strings.Contains(p, "Proof verified") || !strings.Contains(p, "with a proof") {
		t.Errorf("proof line: %q", p)
	}
	if p := browser.Text(t, bctx, "#observe-posted"); !strings.Contains(p, "No trustee") {
		t.Errorf("partials before the close: %q", p)
	}
	// Names, not hex, on the page; ids only under the technical details.
	if main := browser.Text(t, bctx, "main"); strings.Contains(main, e.Trustees[0]) || strings.Contains(main, e.PublicKey) {
		t.Error("the page shows a trustee's account or the key outside the technical details")
	}
	var tech string
	browser.Run(t, bctx, "technical details", chromedp.Click("#observe-technical summary", chromedp.ByQuery),
		chromedp.Text("#observe-ids", &tech, chromedp.ByID))
	for _, want := range []string{e.ID, e.Trustees[0], e.PublicKey, observerID} {
		if !strings.Contains(tech, want) {
			t.Errorf("technical details lack %s:\n%s", want, tech)
		}
	}
	browser.RequireAccessible(t, bctx, "observation page (open)")

	// 3. After the close, one of the two partial decryptions needed.
	k.waitBlockTime(closes)
	k.tally(e.ID, 1)
	// The portal reads a block behind the tip (the proof needs the next
	// header): reload until the page reads the block of the partial.
	observeUntil := func(what, cond string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; {
			var ok bool
			browser.Run(t, bctx, what, chromedp.Navigate(base+observePath), chromedp.WaitVisible("#observe-tally", chromedp.ByID), chromedp.Evaluate(cond, &ok))
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the page never showed it", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	observeUntil("observe after one partial", `document.getElementById("observe-posted").textContent.includes("Trustee 1")`)
	browser.WantStatus(t, w, "observation page (closed)", 200)
	tally := oneLine(browser.Text(t, bctx, "#observe-tally"))
	for _, want := range []string{"Voting closed at", "1 of the 2 partial decryptions needed are posted", "Posted by: Trustee 1.", "1 more needed for the result"} {
		if !strings.Contains(tally, want) {
			t.Errorf("tally progress lacks %q:\n%s", want, tally)
		}
	}
	var decrypted string
	browser.Run(t, bctx, "decrypted column", chromedp.Evaluate(`Array.from(document.querySelectorAll("#observe-trustees tbody tr")).map(r => r.cells[0].textContent + ": " + r.cells[5].textContent.trim()).join("; ")`, &decrypted))
	if decrypted != "Trustee 1: Yes; Trustee 2: Not yet; Trustee 3: Not yet" {
		t.Errorf("partial decryptions by trustee: %q", decrypted)
	}
	browser.RequireAccessible(t, bctx, "observation page (one partial decryption)")
	// At a phone's width the page does not scroll sideways.
	browser.Run(t, bctx, "phone", chromedp.EmulateViewport(browser.PhoneWidth, browser.PhoneHeight), chromedp.Reload(), chromedp.WaitVisible("#observe-tally", chromedp.ByID))
	if wd := browser.Measure(t, bctx); wd.Document > wd.Viewport {
		t.Errorf("observation page at %d px is %d px wide: %v", wd.Viewport, wd.Document, wd.Widest)
	}
	browser.Run(t, bctx, "desktop", chromedp.EmulateViewport(1280, 900))

	// 4. The second trustee: the chain publishes the result.
	k.tally(e.ID, 3)
	observeUntil("observe the result", `document.querySelectorAll("table.result").length > 0`)
	if r := browser.Text(t, bctx, "#observe-result"); !strings.Contains(r, "Published") || !strings.Contains(r, "Trustee 1, Trustee 3") {
		t.Errorf("result line: %q", r)
	}
	var counts string
	browser.Run(t, bctx, "result counts", chromedp.Evaluate(`Array.from(document.querySelectorAll("table.result tbody td:nth-child(2)")).map(td => td.textContent).join(",")`, &counts))
	// Voter 0: yes, Ann, South; voter 1 (last ballot): yes, Cy, South.
	if counts != "2,0,1,0,1,0,2,0" {
		t.Errorf("result counts %q, want 2,0,1,0,1,0,2,0", counts)
	}
	if f := browser.Text(t, bctx, "#observe-facts"); !strings.Contains(f, "Finished: the result is published") {
		t.Errorf("facts after the result: %q", f)
	}
	browser.RequireAccessible(t, bctx, "observation page (result)")
	w.Check(t)
}

// oneLine is text with every run of white space one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
