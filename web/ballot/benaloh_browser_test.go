package ballot_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// browserVoter starts a browser, makes a key in it and registers its
// account with a signature made in the browser. It returns the browser and
// the account id.
func (k *electionKit) browserVoter(base string) (context.Context, string) {
	t := k.t
	t.Helper()
	bctx := browser.New(t)
	var rec struct{ PublicKey, AccountId string }
	browser.Run(t, bctx, "make key", chromedp.Navigate(base+"/keys"), chromedp.WaitVisible("#key-create", chromedp.ByID),
		browser.EvalAwait(`PublicaKeys.create("correct horse battery staple").then(r => ({PublicKey: r.record.publicKey, AccountId: r.record.accountId}))`, &rec))
	pubRaw, _ := hex.DecodeString(rec.PublicKey)
	pub := ed25519.PublicKey(pubRaw)
	if tx.AccountID(pub) != rec.AccountId {
		t.Fatalf("browser account %s for key %s", rec.AccountId, rec.PublicKey)
	}
	reg, err := k.c.Build(k.ctx, pub, authority.TypeRegisterAccount, &authority.MsgRegisterAccount{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sigHex string
	browser.Run(t, bctx, "browser signs registration", browser.EvalAwait(`PublicaKeys.get().then(r => PublicaKeys.sign(r, PublicaKeys.unhex("`+hex.EncodeToString(reg.SignBytes(pub))+`")))`, &sigHex))
	sig, _ := hex.DecodeString(sigHex)
	reg.Signatures = []tx.Signature{{PubKey: pub, Sig: sig}}
	if _, err := k.c.BroadcastCommit(k.ctx, reg.Encode()); err != nil {
		t.Fatalf("register browser account: %v", err)
	}
	return bctx, rec.AccountId
}

// TestBenalohChallengeInBrowser: Benaloh's challenge in the order Helios
// and ElectionGuard use, in the browser: encrypt → tracker shown →
// challenge → the opening shown, and checked in another browser on the
// check page (and refused against another tracker) → encrypt again →
// cast; the confirmation's tracker is the one shown before the decision,
// and the challenged ballot is not on the chain. axe runs on every state.
func TestBenalohChallengeInBrowser(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	k := &electionKit{t: t, ctx: ctx, c: c, keys: map[string]ed25519.PrivateKey{}}
	for _, d := range genesis.DemoKeys {
		k.keys[d.Name] = d.PrivateKey()
	}
	opens := time.Now().Add(2 * time.Second)
	e := k.create("challenge-2026", "Challenge vote", opens, opens.Add(time.Hour), nil)
	bctx, voterID := k.browserVoter(base)
	w := browser.Watch(bctx)
	k.send(k.keys["election-official"], ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: e.ID, Voters: []string{voterID}})
	k.waitBlockTime(opens)

	browser.Run(t, bctx, "vote page", chromedp.Navigate(base+"/elections/"+e.ID+"/vote"),
		browser.Poll(`document.getElementById("vote-form").getAttribute("data-ready") === "1"`, 20*time.Second),
		chromedp.Click("#q0-o1", chromedp.ByID), chromedp.Click("#q1-o2", chromedp.ByID),
		chromedp.Click("#q2-o0", chromedp.ByID), chromedp.Click("#q2-o1", chromedp.ByID), chromedp.Click("#q2-o2", chromedp.ByID))
	shown, _ := benalohChallenge(t, bctx, base, e.ID)
	browser.Run(t, bctx, "encrypt again", chromedp.Click("#vote-again", chromedp.ByID), chromedp.WaitNotVisible("#challenge-result", chromedp.ByID),
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID))
	second := browser.Text(t, bctx, "#committed-tracker")
	if len(second) != 64 || second == shown {
		t.Fatalf("the second encryption's tracker %q (challenged %q)", second, shown)
	}
	browser.Run(t, bctx, "cast", browser.Submitted("form[data-sign]", chromedp.Click("#ballot-cast", chromedp.ByID)))
	browser.WantStatus(t, w, "check page", 200)
	browser.Run(t, bctx, "sign and send",
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
		chromedp.Click("form[data-sign] button", chromedp.ByQuery),
		chromedp.WaitVisible("#confirmation", chromedp.ByID))
	browser.WantStatus(t, w, "confirmation", 200)
	if facts := browser.Text(t, bctx, "#result-facts"); !strings.Contains(facts, second) {
		t.Fatalf("the confirmation does not name the tracker shown before the decision (%s):\n%s", second, facts)
	}
	res, err := c.Query(ctx, "/ballot/tracker/"+e.ID+"/"+second, nil, 0, false)
	var onChain ballot.Tracker
	if err != nil || res.Value == nil || json.Unmarshal(res.Value, &onChain) != nil || onChain.Voter != voterID || onChain.Status != ballot.TrackerCounted {
		t.Fatalf("chain's tracker record: %s (%v)", res.Value, err)
	}
	if res, _ := c.Query(ctx, "/ballot/tracker/"+e.ID+"/"+shown, nil, 0, false); res.Value != nil {
		t.Error("the challenged ballot was cast")
	}
	w.Check(t)
}

// watchEncryptionJS records, in order, every call into the ballot
// encryption (the keys of its request, and whether the cast and challenge
// buttons could be seen at that moment), the tracker it committed to, and
// every click on the two decisions with the tracker then on screen.
const watchEncryptionJS = `(function () {
	var log = window.__benaloh = [];
	var encrypt = window.publicaEncryptBallot;
	var seen = function (id) { var el = document.getElementById(id); return !!el && !el.closest("[hidden]"); };
	window.publicaEncryptBallot = function (s) {
		log.push({op: "encrypt", keys: Object.keys(JSON.parse(s)).sort(), decision_offered: seen("ballot-cast") || seen("ballot-challenge")});
		var out = encrypt(s);
		log.push({op: "committed", tracker: JSON.parse(out).tracker || ""});
		return out;
	};
	["ballot-cast", "ballot-challenge"].forEach(function (id) {
		document.getElementById(id).addEventListener("click", function () {
			log.push({op: "click " + id, tracker: document.getElementById("committed-tracker").textContent});
		}, true);
	});
	return true;
})()`

type encryptionEvent struct {
	Op              string   `json:"op"`
	Keys            []string `json:"keys"`
	DecisionOffered bool     `json:"decision_offered"`
	Tracker         string   `json:"tracker"`
}

// benalohChallenge runs the challenge on the vote page (ready, with the
// answers no / Cy / North, South, East selected): encrypt → tracker shown →
// challenge → opening shown, then checks the challenge file on another
// device (another browser: no key, no storage) against the tracker
// shown. It returns that tracker and the encryption time.
//
// It is the browser's proof of the order: the encryption is called once,
// with the election, the voter and the choices and nothing else, while no
// decision button can be seen; the tracker it commits to is the one shown,
// the one the voter's click acts on, and the one the opening opens.
func benalohChallenge(t *testing.T, bctx context.Context, base, id string) (shown, encryptMs string) {
	t.Helper()
	browser.Run(t, bctx, "watch the encryption", chromedp.Evaluate(watchEncryptionJS, nil))
	browser.Run(t, bctx, "encrypt", chromedp.Click("#q2-o1", chromedp.ByID), // North, East
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID))
	shown = browser.Text(t, bctx, "#committed-tracker")
	var locked bool
	var ok bool
	browser.Run(t, bctx, "choices locked", chromedp.Evaluate(`Array.from(document.querySelectorAll("fieldset[data-question]")).every(f => f.disabled) && document.getElementById("vote-encrypt").hidden`, &locked),
		chromedp.AttributeValue("#vote-form", "data-encrypt-ms", &encryptMs, &ok, chromedp.ByID))
	if len(shown) != 64 || !locked {
		t.Fatalf("after encrypting: tracker %q, choices locked %v", shown, locked)
	}
	browser.RequireAccessible(t, bctx, "vote page: ballot encrypted, cast or challenge")

	browser.Run(t, bctx, "challenge", chromedp.Click("#ballot-challenge", chromedp.ByID), chromedp.WaitVisible("#challenge-result", chromedp.ByID))
	var file, deviceOK, download string
	var events []encryptionEvent
	browser.Run(t, bctx, "challenge file", chromedp.Value("#challenge-file", &file, chromedp.ByID),
		chromedp.AttributeValue("#challenge-result", "data-ok", &deviceOK, &ok, chromedp.ByID),
		chromedp.AttributeValue("#challenge-download", "download", &download, &ok, chromedp.ByID),
		chromedp.Evaluate(`window.__benaloh`, &events))
	if len(events) != 3 || events[0].Op != "encrypt" || events[1].Op != "committed" || events[2].Op != "click ballot-challenge" {
		t.Fatalf("events %+v: want encrypt, committed, then the challenge click", events)
	}
	if want := []string{"choices", "election_id", "public_key", "questions", "voter"}; !slices.Equal(events[0].Keys, want) || events[0].DecisionOffered {
		t.Fatalf("the encryption was called with %v (decision offered: %v): want exactly %v, before any decision is offered", events[0].Keys, events[0].DecisionOffered, want)
	}
	if events[1].Tracker != shown || events[2].Tracker != shown {
		t.Fatalf("committed %s, shown %s, clicked on %s", events[1].Tracker, shown, events[2].Tracker)
	}
	var ch struct{ Election, Voter, Tracker, Ballot, Opening string }
	if err := json.Unmarshal([]byte(file), &ch); err != nil {
		t.Fatalf("challenge file %q: %v", file, err)
	}
	raw, _ := hex.DecodeString(ch.Ballot)
	if sum := sha512.Sum512_256(raw); hex.EncodeToString(sum[:]) != shown || ch.Tracker != shown || ch.Election != id || ch.Opening == "" {
		t.Fatalf("the opened ballot is not the committed one: %+v", ch)
	}
	if c := browser.Text(t, bctx, "#challenge-choices"); deviceOK != "1" || !strings.Contains(c, "Approve the budget?: no") || !strings.Contains(c, "Chair: Cy") || !strings.Contains(c, "Parks to renovate: North, East") {
		t.Errorf("this device's check: ok=%q choices %q", deviceOK, c)
	}
	if download != "challenge-"+shown[:8]+".json" {
		t.Errorf("download name %q", download)
	}
	browser.RequireAccessible(t, bctx, "vote page: challenged ballot")

	// Another device: another browser, with its own empty profile.
	other := browser.New(t)
	w := browser.Watch(other)
	path := filepath.Join(t.TempDir(), download)
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	checkURL := base + "/elections/" + id + "/check"
	browser.Run(t, other, "check page", chromedp.Navigate(checkURL), chromedp.WaitVisible("#check-form", chromedp.ByID))
	browser.WantStatus(t, w, "check page", 200)
	browser.RequireAccessible(t, other, "check a challenged ballot")
	browser.Run(t, other, "check without answers", browser.Submitted(".error-summary", chromedp.Click("#check-form button[type=submit]", chromedp.ByQuery)))
	browser.WantStatus(t, w, "check without answers", 422)
	if e := browser.Text(t, other, ".error-summary"); !strings.Contains(e, "Enter the tracker") || !strings.Contains(e, "challenge file") {
		t.Errorf("check without answers: %q", e)
	}
	browser.RequireAccessible(t, other, "check page with errors")
	browser.Run(t, other, "check the file", chromedp.SendKeys("#f-tracker", shown, chromedp.ByID),
		chromedp.SetUploadFiles("#f-challenge_file", []string{path}, chromedp.ByID),
		browser.Submitted("#check-result", chromedp.Click("#check-form button[type=submit]", chromedp.ByQuery)))
	browser.WantStatus(t, w, "check", 200)
	var verdict string
	browser.Run(t, other, "verdict", chromedp.AttributeValue("#check-result", "data-ok", &verdict, &ok, chromedp.ByID))
	choices := browser.Text(t, other, "#check-choices")
	if verdict != "1" || !strings.Contains(choices, "Approve the budget?") || !strings.Contains(choices, "Cy") || !strings.Contains(choices, "North, East") ||
		!strings.Contains(browser.Text(t, other, "#check-facts"), shown) {
		t.Errorf("check: ok=%q choices %q", verdict, choices)
	}
	browser.RequireAccessible(t, other, "challenged ballot checked: passed")
	// The same file against a tracker the voter was not shown: FAIL.
	browser.Run(t, other, "check another tracker", chromedp.Navigate(checkURL), chromedp.WaitVisible("#check-form", chromedp.ByID),
		chromedp.SendKeys("#f-tracker", strings.Repeat("ab", 32), chromedp.ByID), chromedp.SetValue("#f-challenge", file, chromedp.ByID),
		browser.Submitted("#check-result", chromedp.Click("#check-form button[type=submit]", chromedp.ByQuery)))
	browser.Run(t, other, "verdict", chromedp.AttributeValue("#check-result", "data-ok", &verdict, &ok, chromedp.ByID))
	if r := browser.Text(t, other, "#check-result"); verdict != "0" || !strings.Contains(r, "not the tracker you were shown") {
		t.Errorf("check against another tracker: ok=%q %q", verdict, r)
	}
	browser.RequireAccessible(t, other, "challenged ballot checked: failed")
	w.Check(t)
	return shown, encryptMs
}
