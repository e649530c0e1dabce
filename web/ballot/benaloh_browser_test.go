package ballot_test

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/internal/apptest/browser"
)

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
