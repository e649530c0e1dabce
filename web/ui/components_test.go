package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/publica/publica/web/chain"
)

func TestStatusPageRendersEveryKindOfTx(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &chain.Status{
		ChainID: "test-chain", LatestHeight: 1234567, LatestAppHash: "ABCD", LatestBlockHash: "EF01",
		LatestBlockTime: now.Add(-3 * time.Second), ObservedAt: now, CatchingUp: true,
		ValidatorCount: 2, TotalVotingPower: 20,
		Validators: []chain.Validator{{Address: "AA11", VotingPower: 10, PubKeyType: "ed25519", PubKey: "cHVi"}},
		ScanFrom:   1234518, ScanTo: 1234567,
		RecentTxs: []chain.TxSummary{
			{Height: 9, Hash: "0123456789ABCDEF", MsgType: "x/ok", Signer: "acct1", Signers: 1, HasResult: true},
			{Height: 8, Hash: "FEDCBA9876543210", MsgType: "x/bad", Signer: "acct2", Signers: 3, HasResult: true,
				Code: 9, Codespace: "authority", Log: "<script>alert(1)</script>"},
			{Height: 7, Hash: "1111", DecodeError: "unsupported envelope version 2", HasResult: true, Code: 2, Codespace: "app"},
			{Height: 6, Hash: "2222", MsgType: "x/unknown", Signer: "acct3", Signers: 1},
		},
	}
	var b strings.Builder
	if err := StatusPage(s, 5).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		"1,234,567", `data-height="1234567"`, "3 s ago", "catching up", "Showing 1 of 2 validators",
		"0123456789AB", `<span class="tag tag-ok">OK</span>`,
		"Failed authority/9", "&lt;script&gt;alert(1)&lt;/script&gt;", "+2 co-signer(s)",
		"Undecodable", "unsupported envelope version 2", "Failed app/2",
		`<span class="tag tag-warn">Unknown</span>`, `aria-current="page"`, "blocks 1,234,518 to 1,234,567",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>alert") {
		t.Error("result log was not escaped")
	}
	// Landmarks and structure the layout promises.
	for _, want := range []string{`<html lang="en">`, `<header class="site-header">`, `<nav class="site-nav" aria-label="Main">`,
		`<main id="main" tabindex="-1">`, `<footer class="site-footer">`, `<th scope="col">`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestEmptyChain(t *testing.T) {
	var b strings.Builder
	if err := StatusPage(&chain.Status{ChainID: "c"}, 0).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"No block yet", "No validators to show", `id="no-txs"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "refresh-toggle") || strings.Contains(html, "data-refresh") {
		t.Error("refresh controls shown with refresh off")
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}
