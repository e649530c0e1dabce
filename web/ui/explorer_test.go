package ui

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/x/authority"
)

func renderString(t *testing.T, c templ.Component, ctx context.Context) string {
	t.Helper()
	if ctx == nil {
		ctx = context.Background()
	}
	var b strings.Builder
	if err := c.Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func has(t *testing.T, what, html string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(html, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestChartsAreAccessibleSVGWithData(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a := &chain.Activity{From: 1, To: 3, Blocks: []chain.ActivityBlock{
		{Height: 1, Time: t0, NumTxs: 0}, {Height: 2, Time: t0.Add(time.Second), NumTxs: 7}, {Height: 3, Time: t0.Add(61 * time.Second), NumTxs: 1}}}
	a.Minutes = chain.ByMinute(a.Blocks)
	c := TxsPerBlockChart(context.Background(), a)
	if len(c.Bars) != 3 || c.Max != 7 {
		t.Fatalf("chart %+v", c)
	}
	// The tallest bar fills the plot (axis top 8 ≥ 7), the empty one has no height.
	h0, _ := strconv.ParseFloat(c.Bars[0].H, 64)
	h1, _ := strconv.ParseFloat(c.Bars[1].H, 64)
	if h0 != 0 || h1 <= 0 || h1 > chartH-padTop-padBottom {
		t.Errorf("bar heights %v %v", h0, h1)
	}
	html := renderString(t, BlocksPage(&chain.BlockList{Rows: []chain.BlockRow{}}, a, Replay{}), nil)
	has(t, "blocks page", html,
		`role="img" aria-labelledby="chart-tpb-title chart-tpb-desc"`, `<title id="chart-tpb-title">Transactions per block</title>`,
		`<desc id="chart-tpb-desc">`, "Highest value 7.", `<th scope="col" class="num">Transactions</th>`,
		"<td>2</td><td class=\"num\">7</td>", "10:00", "10:01", "cannot show replay reports")
	if n := len(regexp.MustCompile(`<rect class="bar"`).FindAllString(html, -1)); n != 3+2 {
		t.Errorf("%d bars drawn, want 5 (3 blocks, 2 minutes)", n)
	}
	if strings.Contains(html, "style=") || strings.Contains(html, "<script") {
		t.Error("inline style or script in the page")
	}
	empty := renderString(t, BlocksPage(&chain.BlockList{Rows: []chain.BlockRow{}}, &chain.Activity{}, Replay{Enabled: true}), nil)
	has(t, "empty blocks page", empty, "No blocks yet.", `id="replay-none"`)
}

func TestReplayPanel(t *testing.T) {
	ok := &audit.Report{Result: audit.ResultVerified, Blocks: 10, FirstHeight: 1, LastHeight: 10, Transactions: 4, FinalAppHash: "AAFF", DurationSeconds: 75}
	html := renderString(t, replayPanel(Replay{Enabled: true, Report: ok}), nil)
	has(t, "verified panel", html, "Verified", "AAFF", "1 to 10", "1 min 15 s")
	bad := &audit.Report{Result: audit.ResultFailed, Blocks: 4, Failure: &audit.MismatchError{Height: 5, Check: "app hash", Reason: "<b>differs</b>", Expected: "01", Got: "02"}}
	html = renderString(t, replayPanel(Replay{Enabled: true, Report: bad}), nil)
	has(t, "failed panel", html, "Failed", "at block 5", "&lt;b&gt;differs&lt;/b&gt;", "<code>01</code>", "<code>02</code>")
}

func TestFormsAndViewer(t *testing.T) {
	errs := []FormError{{Field: "pubkey", Message: "Enter <your> key"}}
	p := FormPage{Title: "Register your account", Action: "/account/register", Submit: "Continue",
		Fields: WithErrors([]Field{{Name: "pubkey", Label: "Your public key", Hint: "hint", Value: `"><x`, Fill: "pubkey"}}, errs), Errors: errs}
	ctx := WithViewer(context.Background(), Viewer{Account: "00112233445566778899aabbccddeeff00112233", CSRF: "tok"})
	html := renderString(t, JourneyForm(p), ctx)
	has(t, "form with errors", html,
		"<title>Error: Register your account – Publica</title>", `class="error-summary" role="alert"`,
		`<a href="#f-pubkey">Enter &lt;your&gt; key</a>`, `aria-invalid="true"`, `aria-describedby="f-pubkey-hint f-pubkey-error"`,
		`value="&#34;&gt;&lt;x"`, `name="_csrf" value="tok"`, `data-fill="pubkey"`,
		`href="/accounts/00112233445566778899aabbccddeeff00112233"`, "Sign out")
	signedOut := renderString(t, JourneyForm(FormPage{Title: "T"}), nil)
	has(t, "signed-out form", signedOut, `<a href="/signin"`, "<title>T – Publica</title>")
	if strings.Contains(signedOut, "error-summary") {
		t.Error("error summary without errors")
	}
}

func TestAccountAndTxPages(t *testing.T) {
	v := AccountView{ID: "00112233445566778899aabbccddeeff00112233", Height: 41, ProofHeight: 42, AppHash: "ABCD",
		Account: &authority.Account{ID: "00112233445566778899aabbccddeeff00112233", PubKey: "ff", Sequence: 2, Roles: []string{"auditor", "clerk"}}}
	html := renderString(t, AccountPage(v), nil)
	has(t, "account page", html, "auditor, clerk", "against app hash <code>ABCD</code> at height 42", "after block 41")
	v.Account = nil
	has(t, "absent account", renderString(t, AccountPage(v), nil), `id="account-absent"`)

	d := chain.TxDetail{TxSummary: chain.TxSummary{Height: 5, Hash: "AB12", MsgType: "authority/register-account", HasResult: true, Code: 3, Codespace: "authority", Log: "<nope>"},
		MsgJSON: "{}", SignerList: []chain.Signer{{Account: "acct", Primary: true}},
		Events: []chain.Event{{Type: "tx", Attrs: []chain.EventAttr{{Key: "signer", Value: "acct"}}}}}
	html = renderString(t, TxPage(&d), nil)
	has(t, "tx page", html, "Failed authority/3: &lt;nope&gt;", "(primary signer)", "<h2>Signed by</h2>", "<code class=\"event-type\">tx</code>")
	blk := renderString(t, BlockPage(&chain.BlockDetail{Height: 5, Earliest: 1, Latest: 9, Txs: []chain.TxDetail{d}, HasResults: true}), nil)
	has(t, "block page", blk, "<h4>Signed by</h4>", `href="/blocks/4"`, `href="/blocks/6"`, "Transactions (1)")
}

// TestBlocksPageWeightFullWindow renders the explorer with a full chart
// window and a full page of blocks, and keeps its HTML within budget.
func TestBlocksPageWeightFullWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a := &chain.Activity{From: 1, To: chain.ChartBlocks}
	l := &chain.BlockList{Latest: chain.ChartBlocks, Earliest: 1, Older: 100}
	for h := int64(1); h <= chain.ChartBlocks; h++ {
		a.Blocks = append(a.Blocks, chain.ActivityBlock{Height: h + 100000, Time: t0.Add(time.Duration(h) * time.Second), NumTxs: int(h % 5)})
	}
	for h := int64(0); h < chain.BlocksPerPage; h++ {
		l.Rows = append(l.Rows, chain.BlockRow{Height: 100120 - h, Time: t0, Hash: strings.Repeat("AB", 32), Proposer: strings.Repeat("CD", 20), NumTxs: 1})
	}
	a.Minutes = chain.ByMinute(a.Blocks)
	html := renderString(t, BlocksPage(l, a, Replay{Enabled: true}), nil)
	t.Logf("/blocks HTML with %d chart blocks and %d rows: %d bytes", chain.ChartBlocks, len(l.Rows), len(html))
	if len(html) > 32<<10 {
		t.Errorf("/blocks HTML %d bytes, budget 32 KiB", len(html))
	}
}
