package ballot_test

import (
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	webballot "github.com/publica/publica/web/ballot"

	"github.com/chromedp/chromedp"

	"github.com/publica/publica/client"
	"github.com/publica/publica/crypto/elgamal"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest/browser"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/web"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/ballot"
)

// electionKit drives an election from Go the way the CLI does: the
// official's and trustees' messages built by x/ballot's trustee tool.
type electionKit struct {
	t    *testing.T
	ctx  context.Context
	c    *client.Client
	keys map[string]ed25519.PrivateKey
}

func (k *electionKit) send(from ed25519.PrivateKey, msgType string, msg any) *client.Result {
	k.t.Helper()
	t, err := k.c.Build(k.ctx, from.Public().(ed25519.PublicKey), msgType, msg, 100)
	if err != nil {
		k.t.Fatalf("%s: build: %v", msgType, err)
	}
	r, err := k.c.Send(k.ctx, t, from)
	if err != nil {
		k.t.Fatalf("%s: %v", msgType, err)
	}
	return r
}

func (k *electionKit) election(id string) *ballot.Election {
	k.t.Helper()
	res, err := k.c.Query(k.ctx, "/ballot/election/"+id, nil, 0, false)
	if err != nil || res.Value == nil {
		k.t.Fatalf("election %s: %v", id, err)
	}
	var e ballot.Election
	if err := json.Unmarshal(res.Value, &e); err != nil {
		k.t.Fatal(err)
	}
	return &e
}

func (k *electionKit) trustees(e *ballot.Election) []*ballot.Trustee {
	out := make([]*ballot.Trustee, len(e.Trustees))
	for j := range out {
		res, err := k.c.Query(k.ctx, fmt.Sprintf("/ballot/trustee/%s/%d", e.ID, j+1), nil, 0, false)
		if err != nil {
			k.t.Fatal(err)
		}
		if res.Value != nil {
			out[j] = new(ballot.Trustee)
			json.Unmarshal(res.Value, out[j])
		}
	}
	return out
}

var trusteeNames = []string{"trustee-1", "trustee-2", "trustee-3"}

// create defines an election with 3 trustees (2 to decrypt) and runs the
// key ceremony up to the published key.
func (k *electionKit) create(id, title string, opens, closes time.Time, voters []string) *ballot.Election {
	k.t.Helper()
	var trs []string
	for _, n := range trusteeNames {
		trs = append(trs, tx.AccountID(k.keys[n].Public().(ed25519.PublicKey)))
	}
	k.send(k.keys["election-official"], ballot.TypeCreateElection, &ballot.MsgCreateElection{
		ID: id, Title: title, Trustees: trs, Threshold: 2, Eligibility: ballot.Eligibility{Kind: ballot.RuleRoll},
		Questions: []ballot.Question{
			{Text: "Approve the budget?", Kind: ballot.KindYesNo, Options: []string{"yes", "no"}},
			{Text: "Chair", Kind: ballot.KindSingle, Options: []string{"Ann", "Ben", "Cy"}},
			{Text: "Parks to renovate", Kind: ballot.KindApproval, Options: []string{"North", "South", "East"}, MaxChoices: 2},
		},
		OpensAt: opens.Unix(), ClosesAt: closes.Unix()})
	if len(voters) > 0 {
		k.send(k.keys["election-official"], ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: id, Voters: voters})
	}
	for _, n := range trusteeNames {
		k.send(k.keys[n], ballot.TypeTrusteeKey, ballot.CommKeyMsg(k.keys[n], id))
	}
	e := k.election(id)
	trs2 := k.trustees(e)
	for i, n := range trusteeNames {
		m, err := ballot.DealMsg(k.keys[n], e, uint32(i+1), trs2)
		if err != nil {
			k.t.Fatal(err)
		}
		k.send(k.keys[n], ballot.TypeDeal, m)
	}
	k.send(k.keys["election-official"], ballot.TypePublishKey, &ballot.MsgPublishKey{Election: id})
	return k.election(id)
}

func (k *electionKit) waitBlockTime(at time.Time) {
	k.t.Helper()
	// Block time follows the wall clock: wait until then, plus 30 s for
	// a loaded machine's next block.
	for deadline := time.Now().Add(max(time.Until(at), 0) + 30*time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st, err := k.c.RPC.Status(k.ctx)
		if err == nil && !st.SyncInfo.LatestBlockTime.Before(at) {
			return
		}
	}
	k.t.Fatalf("block time never reached %s", at)
}

func (k *electionKit) tally(id string, trustees ...int) {
	k.t.Helper()
	e := k.election(id)
	res, err := k.c.Query(k.ctx, "/ballot/aggregate/"+id, nil, 0, false)
	if err != nil {
		k.t.Fatal(err)
	}
	var agg ballot.Aggregate
	json.Unmarshal(res.Value, &agg)
	trs := k.trustees(e)
	for _, j := range trustees {
		key := k.keys[trusteeNames[j-1]]
		ks, err := ballot.KeyShareFor(key, e, uint32(j), trs, nil)
		if err != nil {
			k.t.Fatal(err)
		}
		m, err := ballot.TallyMsg(ks, e, &agg, rand.Reader)
		if err != nil {
			k.t.Fatal(err)
		}
		k.send(key, ballot.TypeTally, m)
	}
}

// TestVoteInBrowserAndFindBallot: an election set up in Go (official,
// three trustees' key ceremony, a roll); a citizen whose key lives in the
// browser encrypts (the tracker shown), discards that ballot, votes with the ballot encrypted
// by the WebAssembly build, gets the tracker and finds the ballot on the
// bulletin board; bad trackers and ballots are refused with 422; a second
// election, tallied, shows its result with the verifier's PASS. axe-core
// runs on every page.
func TestVoteInBrowserAndFindBallot(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	base := browser.Serve(t, n, web.Options{Refresh: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	k := &electionKit{t: t, ctx: ctx, c: c, keys: map[string]ed25519.PrivateKey{}}
	for _, d := range genesis.DemoKeys {
		k.keys[d.Name] = d.PrivateKey()
	}

	// Two voters held in Go for the election that will be tallied.
	var goVoters []ed25519.PrivateKey
	var goIDs []string
	for i := 0; i < 2; i++ {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		k.send(priv, authority.TypeRegisterAccount, &authority.MsgRegisterAccount{})
		goVoters = append(goVoters, priv)
		goIDs = append(goIDs, tx.AccountID(priv.Public().(ed25519.PublicKey)))
	}
	if goIDs[0] > goIDs[1] {
		goIDs[0], goIDs[1] = goIDs[1], goIDs[0]
		goVoters[0], goVoters[1] = goVoters[1], goVoters[0]
	}
	start := time.Now()
	opens := start.Add(2 * time.Second)
	// Both key ceremonies and the two Go ballots fall before the close:
	// 40 s leaves room for a loaded 2-core machine, and the browser journey
	// below mostly uses it up before the test waits for the close.
	closes := start.Add(40 * time.Second)
	done := k.create("budget-done", "Budget vote (tallied)", opens, closes, goIDs)
	open := k.create("city-2026", "City vote 2026", opens, start.Add(time.Hour), nil)
	t.Logf("two elections with key ceremonies in %s", time.Since(start).Round(time.Millisecond))
	k.waitBlockTime(opens)
	params, _ := done.Params()
	for i, v := range goVoters {
		choices, _ := ballot.Choices(done, [][]int{{0}, {i}, {2}})
		b, _, err := elgamal.EncryptBallot(params, goIDs[i], choices, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := b.Encode()
		k.send(v, ballot.TypeCast, &ballot.MsgCast{Election: done.ID, Ballot: hex.EncodeToString(enc)})
	}

	// The citizen's key, made in the browser; the account registered with a
	// browser signature, then put on the roll by the official.
	bctx, voterID := k.browserVoter(base)
	w := browser.Watch(bctx)
	k.send(k.keys["election-official"], ballot.TypeRegisterVoters, &ballot.MsgRegisterVoters{Election: open.ID, Voters: []string{voterID}})

	// 1. The list.
	browser.Run(t, bctx, "elections", chromedp.Navigate(base+"/elections"), chromedp.WaitVisible("#elections", chromedp.ByID))
	browser.WantStatus(t, w, "/elections", 200)
	list := browser.Text(t, bctx, "#elections")
	for _, want := range []string{"City vote 2026", "Budget vote (tallied)", "Open: closes"} {
		if !strings.Contains(list, want) {
			t.Errorf("elections list lacks %q:\n%s", want, list)
		}
	}
	browser.RequireAccessible(t, bctx, "/elections")

	// 2. The election page, then the vote page: the WebAssembly loads.
	browser.Run(t, bctx, "election", chromedp.Navigate(base+"/elections/"+open.ID), chromedp.WaitVisible("#vote-link", chromedp.ByID))
	if st := browser.Text(t, bctx, "#election-status"); !strings.HasPrefix(st, "Open") {
		t.Errorf("status %q", st)
	}
	browser.RequireAccessible(t, bctx, "/elections/"+open.ID)
	var voteHref string
	var ok bool
	browser.Run(t, bctx, "vote link", chromedp.AttributeValue("#vote-link", "href", &voteHref, &ok, chromedp.ByID))
	if voteHref != "/elections/"+open.ID+"/vote" {
		t.Errorf("vote link %q", voteHref)
	}
	browser.Run(t, bctx, "vote page", chromedp.Navigate(base+voteHref),
		browser.Poll(`document.getElementById("vote-form") && document.getElementById("vote-form").getAttribute("data-ready") === "1"`, 20*time.Second))
	var loadMs string
	browser.Run(t, bctx, "load time", chromedp.AttributeValue("#vote-form", "data-load-ms", &loadMs, &ok, chromedp.ByID))
	browser.RequireAccessible(t, bctx, "vote page")

	// 3. An answer breaking a rule is refused in the page, before anything
	// is encrypted.
	browser.Run(t, bctx, "over-vote", chromedp.Click("#q2-o0", chromedp.ByID), chromedp.Click("#q2-o1", chromedp.ByID), chromedp.Click("#q2-o2", chromedp.ByID),
		chromedp.Click("#q0-o1", chromedp.ByID), chromedp.Click("#q1-o2", chromedp.ByID),
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#vote-error", chromedp.ByID))
	if e := browser.Text(t, bctx, "#vote-error-text"); !strings.Contains(e, "Parks to renovate") || !strings.Contains(e, "at most 2") {
		t.Errorf("over-vote error %q", e)
	}
	// 4. Encrypt: the choices are locked and the tracker shown, then
	// "Change my choices" discards that ballot (neither cast nor opened);
	// encrypt again and cast. (The challenge: TestBenalohChallengeInBrowser.)
	browser.Run(t, bctx, "encrypt", chromedp.Click("#q2-o1", chromedp.ByID), // North, East
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID))
	discarded := browser.Text(t, bctx, "#committed-tracker")
	var firstMs string
	browser.Run(t, bctx, "encryption time", chromedp.AttributeValue("#vote-form", "data-encrypt-ms", &firstMs, &ok, chromedp.ByID))
	browser.RequireAccessible(t, bctx, "vote page: ballot encrypted, cast or challenge")
	browser.Run(t, bctx, "change my choices", chromedp.Click("#ballot-change", chromedp.ByID), chromedp.WaitNotVisible("#committed", chromedp.ByID),
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID))
	second := browser.Text(t, bctx, "#committed-tracker")
	if len(second) != 64 || second == discarded {
		t.Fatalf("the second encryption's tracker %q (discarded %q)", second, discarded)
	}

	// 5. Cast → check page → sign and send → confirmation.
	browser.Run(t, bctx, "cast", browser.Submitted("form[data-sign]", chromedp.Click("#ballot-cast", chromedp.ByID)))
	browser.WantStatus(t, w, "check page", 200)
	browser.RequireAccessible(t, bctx, "check page (ballot)")
	browser.Run(t, bctx, "sign and send",
		browser.Poll(`document.querySelector("[data-sign-status]").textContent.startsWith("Ready")`, 5*time.Second),
		chromedp.Click("form[data-sign] button", chromedp.ByQuery),
		chromedp.WaitVisible("#confirmation", chromedp.ByID))
	browser.WantStatus(t, w, "confirmation", 200)
	browser.RequireAccessible(t, bctx, "ballot confirmation")
	facts := browser.Text(t, bctx, "#result-facts")
	var tracker string
	for _, f := range strings.Fields(facts) {
		if len(f) == 64 && strings.Trim(f, "0123456789abcdef") == "" {
			tracker = f
			break
		}
	}
	if tracker != second {
		t.Fatalf("confirmation tracker %q, shown before the decision %q (discarded %q):\n%s", tracker, second, discarded, facts)
	}
	res, err := c.Query(ctx, "/ballot/tracker/"+open.ID+"/"+tracker, nil, 0, false)
	var onChain ballot.Tracker
	if err != nil || res.Value == nil || json.Unmarshal(res.Value, &onChain) != nil || onChain.Voter != voterID || onChain.Status != ballot.TrackerCounted {
		t.Fatalf("chain's tracker record: %s (%v)", res.Value, err)
	}
	if res, _ := c.Query(ctx, "/ballot/tracker/"+open.ID+"/"+discarded, nil, 0, false); res.Value != nil {
		t.Error("the discarded ballot was cast")
	}
	browser.Run(t, bctx, "election page again", chromedp.Navigate(base+"/elections/"+open.ID), chromedp.WaitVisible("#find-form", chromedp.ByID))

	// 6. Find my ballot: on the board, and by the form.
	if board := browser.Text(t, bctx, "#board"); !strings.Contains(board, tracker) || !strings.Contains(board, "counted") {
		t.Errorf("bulletin board lacks %s:\n%s", tracker, board)
	}
	browser.Run(t, bctx, "find", chromedp.SendKeys("#f-tracker", tracker, chromedp.ByID),
		browser.Submitted("#tracker-found", chromedp.Click("#find-form button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "find my ballot", 200)
	if f := browser.Text(t, bctx, "#tracker-facts"); !strings.Contains(f, "counted") || !strings.Contains(f, strconv.FormatInt(onChain.Height, 10)) || !strings.Contains(f, "proven") {
		t.Errorf("tracker facts:\n%s", f)
	}
	browser.RequireAccessible(t, bctx, "find my ballot: found")
	// The browsable board: the ballot on its page, every record proven; a
	// page after the last tracker is empty.
	browser.Run(t, bctx, "board", chromedp.Click("#board-link", chromedp.ByID), chromedp.WaitVisible("#board-proof", chromedp.ByID))
	browser.WantStatus(t, w, "bulletin board", 200)
	if board := browser.Text(t, bctx, "#board"); !strings.Contains(board, tracker) || !strings.Contains(board, "counted") || !strings.Contains(board, strconv.FormatInt(onChain.Height, 10)) {
		t.Errorf("browsable board lacks %s:\n%s", tracker, board)
	}
	if p := browser.Text(t, bctx, "#board-proof"); !strings.Contains(p, "Proof verified") || !strings.Contains(p, "absence of any other") {
		t.Errorf("board proof: %q", p)
	}
	browser.RequireAccessible(t, bctx, "bulletin board")
	browser.Run(t, bctx, "board after the last", chromedp.Navigate(base+"/elections/"+open.ID+"/board?after="+strings.Repeat("f", 64)), chromedp.WaitVisible("#board-empty", chromedp.ByID))
	if e := browser.Text(t, bctx, "#board-empty"); !strings.Contains(e, "No more ballots") {
		t.Errorf("board after the last tracker: %q", e)
	}
	browser.Run(t, bctx, "bad tracker", chromedp.Navigate(base+"/elections/"+open.ID+"/ballots?tracker=xyz"), chromedp.WaitVisible(".error-summary", chromedp.ByQuery))
	browser.WantStatus(t, w, "bad tracker", 422)
	browser.RequireAccessible(t, bctx, "find my ballot: bad tracker")
	browser.Run(t, bctx, "unknown tracker", chromedp.Navigate(base+"/elections/"+open.ID+"/ballots?tracker="+discarded), chromedp.WaitVisible("#tracker-missing", chromedp.ByID))
	browser.WantStatus(t, w, "unknown tracker", 404)

	// 7. A ballot that does not verify is refused by the form (422).
	browser.Run(t, bctx, "bad ballot", chromedp.Navigate(base+"/ballot/cast"),
		browser.Poll(`document.getElementById("f-pubkey").value.length === 64`, 10*time.Second),
		chromedp.SendKeys("#f-election", open.ID, chromedp.ByID), chromedp.SendKeys("#f-ballot", "00ff", chromedp.ByID),
		browser.Submitted(".error-summary", chromedp.Click(".journey-form button", chromedp.ByQuery)))
	browser.WantStatus(t, w, "bad ballot", 422)
	if e := browser.Text(t, bctx, ".error-summary"); !strings.Contains(e, "does not verify") {
		t.Errorf("bad ballot: %q", e)
	}
	browser.RequireAccessible(t, bctx, "cast form with errors")

	// 8. The tallied election: result and the verifier's verdict.
	k.waitBlockTime(closes)
	k.tally(done.ID, 1, 3)
	browser.Run(t, bctx, "result", chromedp.Navigate(base+"/elections/"+done.ID), chromedp.WaitVisible("#verdict", chromedp.ByID))
	if v := browser.Text(t, bctx, "#verdict"); !strings.Contains(v, "PASS") {
		t.Errorf("verdict: %q", v)
	}
	if q := browser.Text(t, bctx, "#questions"); !strings.Contains(q, "Ann\t1") && !strings.Contains(q, "Ann 1") && !strings.Contains(q, "Ann1") {
		t.Logf("questions: %q", q)
	}
	var counts string
	browser.Run(t, bctx, "counts", chromedp.Evaluate(`Array.from(document.querySelectorAll("table.result tbody td:nth-child(2)")).map(td => td.textContent).join(",")`, &counts))
	if counts != "2,0,1,1,0,0,0,2" {
		t.Errorf("result counts %q, want 2,0,1,1,0,0,0,2", counts)
	}
	// Shares of the ballots, the winner of each question and the turnout.
	var shares string
	browser.Run(t, bctx, "shares", chromedp.Evaluate(`Array.from(document.querySelectorAll("table.result tbody td:nth-child(3)")).map(td => td.textContent).join(",")`, &shares))
	if shares != "100.0%,0.0%,50.0%,50.0%,0.0%,0.0%,0.0%,100.0%" {
		t.Errorf("result shares %q", shares)
	}
	for id, want := range map[string]string{"#winner-0": "Most votes: yes (2).", "#winner-1": "A tie between Ann and Ben (1 each).", "#winner-2": "Most votes: East (2)."} {
		if got := browser.Text(t, bctx, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if f := browser.Text(t, bctx, "#election-facts"); !strings.Contains(f, "2 of 2 voters on the roll (100.0% turnout)") {
		t.Errorf("turnout: %q", f)
	}
	browser.RequireAccessible(t, bctx, "tallied election")

	w.Check(t)

	var encryptMs string
	browser.Run(t, bctx, "measure", chromedp.Navigate(base+"/elections/"+open.ID+"/vote"),
		browser.Poll(`document.getElementById("vote-form").getAttribute("data-ready") === "1"`, 20*time.Second),
		chromedp.Click("#q0-o0", chromedp.ByID), chromedp.Click("#q1-o0", chromedp.ByID),
		chromedp.Click("#vote-encrypt", chromedp.ByID), chromedp.WaitVisible("#committed", chromedp.ByID),
		chromedp.AttributeValue("#vote-form", "data-encrypt-ms", &encryptMs, &ok, chromedp.ByID))
	ballotHTTPChecks(t, base, open.ID)
	castRefusals(t, base, open, done, goVoters[0])
	if ms, err := strconv.ParseFloat(encryptMs, 64); err != nil || ms <= 0 {
		t.Errorf("encryption time %q", encryptMs)
	}
	t.Logf("in-browser (performance.now): WebAssembly fetched and started in %s ms; a ballot of 8 selections + 3 totals encrypted in %s ms (first, cold) and %s ms (after a page load)", loadMs, firstMs, encryptMs)
}

// ballotHTTPChecks: headers, refusals and page weights over plain HTTP.
func ballotHTTPChecks(t *testing.T, base, id string) {
	t.Helper()
	fetch := func(path string, gz bool) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	for path, code := range map[string]int{
		"/elections/no-such-election":                         404,
		"/elections/Not_An_Id":                                404,
		"/elections/" + id + "/vote/x":                        404,
		"/elections/" + id + "?after=zz":                      404,
		"/elections/" + id + "/board?after=zz":                404,
		"/elections/" + id + "/board":                         200,
		"/elections/no-such-election/board":                   404,
		"/elections/" + id + "/ballots?tracker=":              422,
		"/elections/" + id + "/ballots?tracker=" + "12345678": 422,
		"/elections/" + id + "/ballots":                       200,
	} {
		if res, _ := fetch(path, false); res.StatusCode != code {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, code)
		}
	}
	vote, html := fetch("/elections/"+id+"/vote", false)
	if csp := vote.Header.Get("Content-Security-Policy"); csp != webballot.VoteCSP || !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") {
		t.Errorf("vote page CSP %q", csp)
	}
	if other, _ := fetch("/elections/"+id, false); strings.Contains(other.Header.Get("Content-Security-Policy"), "wasm") {
		t.Error("WebAssembly allowed beyond the vote page")
	}
	assets := 0
	var wasmURL string
	for _, m := range regexp.MustCompile(`(?:href|src|data-wasm)="(/static/[^"]+)"`).FindAllStringSubmatch(string(html), -1) {
		u := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.Contains(u, "ballot.wasm") {
			wasmURL = u
			continue
		}
		if strings.Contains(u, ".svg") {
			continue
		}
		_, b := fetch(u, false)
		assets += len(b)
	}
	if wasmURL == "" {
		t.Fatal("the vote page names no ballot.wasm")
	}
	res, gzBody := fetch(wasmURL, true)
	if res.Header.Get("Content-Type") != "application/wasm" || res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("wasm headers: %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(gzBody)))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	res2, plain := fetch(wasmURL, false)
	if res2.Header.Get("Content-Encoding") != "" || string(plain) != string(raw) || string(raw[:4]) != "\x00asm" {
		t.Errorf("wasm without gzip: %v, %d bytes (gzip gives %d)", res2.Header, len(plain), len(raw))
	}
	if len(gzBody) > 1500<<10 {
		t.Errorf("gzipped wasm %d bytes: over the 1.5 MiB budget", len(gzBody))
	}
	_, ep := fetch("/elections/"+id, false)
	_, el := fetch("/elections", false)
	t.Logf("weights: vote page HTML %.1f KB + CSS/JS %.1f KB + wasm %.0f KB (%.0f KB gzipped); election page HTML %.1f KB; list HTML %.1f KB",
		float64(len(html))/1024, float64(assets)/1024, float64(len(raw))/1024, float64(len(gzBody))/1024, float64(len(ep))/1024, float64(len(el))/1024)
}

// castRefusals: the cast form refuses, with 422 and the error summary,
// what the chain would refuse: a voter not on the roll, a closed election,
// a key without an account, an unknown election.
func castRefusals(t *testing.T, base string, open, closed *ballot.Election, voter ed25519.PrivateKey) {
	t.Helper()
	a := browser.NewAgent(t, base)
	a.Get("/ballot/cast")
	pub := voter.Public().(ed25519.PublicKey)
	encFor := func(e *ballot.Election, acct string) string {
		p, _ := e.Params()
		ch, _ := ballot.Choices(e, [][]int{{0}, {0}, {}})
		b, _, err := elgamal.EncryptBallot(p, acct, ch, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := b.Encode()
		return hex.EncodeToString(raw)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	strangerPub := stranger.Public().(ed25519.PublicKey)
	for _, tc := range []struct {
		name        string
		pub         ed25519.PublicKey
		election    string
		ballot, msg string
	}{
		{"not on the roll", pub, open.ID, encFor(open, tx.AccountID(pub)), "is not on this election"},
		{"closed", pub, closed.ID, encFor(closed, tx.AccountID(pub)), "not taking ballots"},
		{"no account", strangerPub, open.ID, encFor(open, tx.AccountID(strangerPub)), "has no account yet"},
		{"unknown election", pub, "no-such-vote", "00", "There is no election no-such-vote"},
		{"bad election id", pub, "Bad Id", "00", "lowercase letters"},
	} {
		r := a.Post("/ballot/cast", url.Values{"pubkey": {hex.EncodeToString(tc.pub)}, "election": {tc.election}, "ballot": {tc.ballot}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "error-summary") || !strings.Contains(r.Body, tc.msg) {
			t.Errorf("cast %s: HTTP %d, want 422 with %q", tc.name, r.Code, tc.msg)
		}
	}
}
