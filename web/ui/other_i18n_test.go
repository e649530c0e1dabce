package ui

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/i18n"
	"github.com/publica/publica/x/authority"
)

var (
	mainRe    = regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`)
	markupRe  = regexp.MustCompile(`(?s)<(script|style|code|pre)[^>]*>.*?</(script|style|code|pre)>|<[^>]+>`)
	englishRe = regexp.MustCompile(`[A-Za-z][a-z’']+(?:[ ,]+[A-Za-z][a-z’']+){2,}`) // three English words in a row, as TestChineseCoverage
)

// TestOtherPagesInChinese renders the explorer, block, transaction,
// account, status, replay, key, demo and error pages with Chinese chosen
// (in the states a visitor meets: a verified and a failed replay, a
// running one, an absent account, a failed transaction) and finds no
// English sentence in their main content, and no English text of the
// catalog's messages for these pages anywhere in them.
func TestOtherPagesInChinese(t *testing.T) {
	zh := i18n.With(context.Background(), i18n.Chinese, "/")
	t0 := time.Date(2026, 12, 4, 9, 28, 0, 0, time.UTC)
	a := &chain.Activity{From: 1, To: 2, Blocks: []chain.ActivityBlock{{Height: 1, Time: t0, NumTxs: 1}, {Height: 2, Time: t0.Add(time.Second)}}}
	a.Minutes = chain.ByMinute(a.Blocks)
	ok := &audit.Report{Result: audit.ResultVerified, Blocks: 10, FirstHeight: 1, LastHeight: 10, Transactions: 4, FinalAppHash: "AAFF", DurationSeconds: 75, Time: t0}
	bad := &audit.Report{Result: audit.ResultFailed, Blocks: 4, Failure: &audit.MismatchError{Height: 5, Check: "app hash", Reason: "differs", Expected: "01", Got: "02"}}
	tx := chain.TxDetail{TxSummary: chain.TxSummary{Height: 5, Hash: "AB12", MsgType: "authority/register-account", HasResult: true, Code: 3, Codespace: "authority", Signer: "acct", Signers: 2},
		MsgJSON: "{}", SignerList: []chain.Signer{{Account: "acct", Primary: true}, {Account: "acct2"}}, Size: 1234,
		Events: []chain.Event{{Type: "tx", Attrs: []chain.EventAttr{{Key: "signer", Value: "acct"}}}}}
	status := &chain.Status{ChainID: "publica-dev", LatestHeight: 12, LatestBlockTime: t0, ObservedAt: t0.Add(3 * time.Second), CatchingUp: true,
		ValidatorCount: 2, TotalVotingPower: 20, Validators: []chain.Validator{{Address: "AA", VotingPower: 10, PubKeyType: "ed25519", PubKey: "cHVi"}},
		ScanFrom: 1, ScanTo: 12, RecentTxs: []chain.TxSummary{tx.TxSummary, {Height: 4, Hash: "CD", DecodeError: "x"}, {Height: 3, Hash: "EF", MsgType: "m", Signer: "s"}}}
	acct := AccountView{ID: "00112233445566778899aabbccddeeff00112233", Height: 41, ProofHeight: 42, AppHash: "ABCD", Own: true,
		Account: &authority.Account{ID: "00112233445566778899aabbccddeeff00112233", PubKey: "ff", Sequence: 2}}
	run := &ReplayRun{By: "acct", Started: t0, Done: 50, Total: 100, Rate: 12, Running: true}
	roles := []DemoRole{{ID: "clerk", Who: i18n.T(zh, "demo.clerk"), About: i18n.T(zh, "demo.clerk.about"), KeyName: "clerk", Account: "acct",
		Try: i18n.T(zh, "demo.clerk.try"), TryURL: "/land/parcels/register"}}

	pages := map[string]templ.Component{
		"status":            StatusPage(status, 5),
		"blocks":            BlocksPage(&chain.BlockList{Rows: []chain.BlockRow{{Height: 2, Time: t0, Hash: "AB", Proposer: "CD"}}, Older: 1}, a, Replay{Enabled: true, Report: ok, Link: true}),
		"blocks, failed":    BlocksPage(&chain.BlockList{}, &chain.Activity{}, Replay{Enabled: true, Report: bad}),
		"blocks, none":      BlocksPage(&chain.BlockList{}, &chain.Activity{}, Replay{Enabled: true}),
		"block":             BlockPage(&chain.BlockDetail{Height: 5, Earliest: 1, Latest: 9, Time: t0, Txs: []chain.TxDetail{tx}, Events: tx.Events}),
		"tx":                TxPage(&tx),
		"account":           AccountPage(acct),
		"account, absent":   AccountPage(AccountView{ID: "00112233445566778899aabbccddeeff00112233", Height: 1, ProofHeight: 2}),
		"replay, running":   ReplayPage(ReplayPageView{Panel: Replay{Enabled: true, Report: ok}, Run: run, HomeKnown: true, Already: true, Poll: 1}),
		"replay, signin":    ReplayPage(ReplayPageView{Panel: Replay{Enabled: true}, HomeKnown: true}),
		"replay, auditor":   ReplayPage(ReplayPageView{Panel: Replay{Enabled: true}, HomeKnown: true, Account: "acct", Auditor: true}),
		"replay, no home":   ReplayPage(ReplayPageView{Panel: Replay{}}),
		"replay, not audit": ReplayPage(ReplayPageView{Panel: Replay{Enabled: true}, HomeKnown: true, Account: "acct"}),
		"replay, finished":  ReplayPage(ReplayPageView{Panel: Replay{Enabled: true, Report: ok}, Run: &ReplayRun{By: "acct", Started: t0, Finished: t0, Done: 10, Total: 10, Report: ok}, HomeKnown: true}),
		"keys":              KeysPage(),
		"demo":              Demo(DemoPage{Roles: roles}),
		"not found":         NotFound("/no/such/page"),
		"error":             ErrorPage(500, i18n.T(zh, "error.500"), i18n.T(zh, "error.500.msg"), "req-1"),
	}
	for name, c := range pages {
		page := renderString(t, c, zh)
		m := mainRe.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("%s: no <main>", name)
			continue
		}
		text := html.UnescapeString(markupRe.ReplaceAllString(m[1], " "))
		if en := englishRe.FindAllString(text, 3); len(en) > 0 {
			t.Errorf("%s in Chinese shows English: %q", name, en)
		}
		for _, msg := range i18n.Catalog {
			if len(msg.En) > 8 && isOtherKey(msg.Key) && strings.Contains(page, html.EscapeString(msg.En)) {
				t.Errorf("%s in Chinese shows the English %q (%s)", name, msg.En, msg.Key)
			}
		}
		if !strings.Contains(page, `<html lang="zh-Hans">`) {
			t.Errorf("%s: not marked zh-Hans", name)
		}
	}
}

func isOtherKey(k string) bool {
	for _, p := range []string{"status.", "explorer.", "chart.", "replay.", "block.", "tx.", "account.", "keys.", "demo.", "error.", "time."} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
