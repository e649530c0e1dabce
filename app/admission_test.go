package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/publica/publica/app"
	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// registration signs key's registration valid until validUntil.
func registration(t *testing.T, key ed25519.PrivateKey, validUntil uint64) []byte {
	t.Helper()
	body, _ := tx.EncodeMsg(authority.MsgRegisterAccount{})
	x := &tx.Tx{ChainID: apptest.ChainID, ValidUntil: validUntil, MsgType: authority.TypeRegisterAccount, Msg: body}
	x.Sign(key)
	return x.Encode()
}

// TestAdmission: the node's admission policy in CheckTx (a registration's
// proof of work, a quota per account without a role, a share of the
// mempool for all of them that role holders are not counted in) and in
// PrepareProposal (role holders first, a per-block share for the others);
// counts start again after each commit; FinalizeBlock ignores the policy.
func TestAdmission(t *testing.T) {
	c := apptest.New(t)
	pol := app.Admission{MaxPendingPerAccount: 3, MaxPendingOpen: 5, RegisterWorkBits: 8, MaxOpenPerBlock: 2}
	c.App.SetAdmission(pol)
	var got app.Admission
	if res := c.RawQuery(&abci.RequestQuery{Path: app.AdmissionQueryPath}); res.Code != 0 || json.Unmarshal(res.Value, &got) != nil || got != pol {
		t.Fatalf("%s: %d %s", app.AdmissionQueryPath, res.Code, res.Value)
	}

	alice, bob := apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob")
	clerk, member := apptest.DemoKey(t, "clerk"), apptest.DemoKey(t, "authority-1")
	// Any message will do: CheckTx does not run the grant's authority check.
	msg := func(key ed25519.PrivateKey, seq uint64) []byte {
		return apptest.Signed(t, seq, authority.TypeGrantRole, authority.MsgGrantRole{Account: apptest.Account(bob), Role: authority.RoleAuditor}, key)
	}
	expect := func(name string, raw []byte, want *errs.Error) {
		t.Helper()
		res := c.CheckTx(raw)
		if want == nil && res.Code != 0 {
			t.Fatalf("%s refused: %d %s", name, res.Code, res.Log)
		}
		if want != nil && (res.Code != want.Code || res.Codespace != want.Codespace || res.Log == "") {
			t.Fatalf("%s: %s/%d %q, want %s/%d", name, res.Codespace, res.Code, res.Log, want.Codespace, want.Code)
		}
	}

	// A registration without the work is refused; with it, admitted.
	fresh := apptest.SeededKey("fresh", 1)
	lazy := uint64(1000)
	for tx.RegisterWork(apptest.ChainID, apptest.Pub(fresh), lazy) >= 8 {
		lazy++
	}
	expect("registration without work", registration(t, fresh, lazy), errs.NeedsWork)
	worked := registration(t, fresh, tx.FindRegisterWork(apptest.ChainID, apptest.Pub(fresh), 1000, 8))
	expect("registration with work", worked, nil) // open: 1
	// A key with an account sending a registration again needs no work
	// (it fails in its block, as without the policy).
	carol := apptest.DemoKey(t, "citizen-carol")
	c.App.SetAdmission(app.Admission{RegisterWorkBits: 8})
	if tx.RegisterWork(apptest.ChainID, apptest.Pub(carol), lazy) >= 8 {
		t.Fatal("choose another height without the work for carol")
	}
	expect("a registered key registering again", registration(t, carol, lazy), nil)
	c.Block()
	c.App.SetAdmission(pol)
	expect("registration with work, after the block", worked, nil) // open: 1

	// Three of alice's wait; the fourth exceeds her quota.
	for seq := uint64(0); seq < 3; seq++ {
		expect("alice", msg(alice, seq), nil) // open: 2, 3, 4
	}
	expect("alice's fourth", msg(alice, 3), errs.MempoolQuota)
	// Bob fills the open share; his second finds it full.
	bob0 := msg(bob, 0)
	expect("bob", bob0, nil) // open: 5
	expect("bob's second, share full", msg(bob, 1), errs.MempoolQuota)
	// Role holders and authority members still get in, beyond any quota.
	var staff [][]byte
	for seq := uint64(0); seq < 5; seq++ {
		staff = append(staff, msg(clerk, seq))
		expect("clerk", staff[seq], nil)
	}
	memberTx := msg(member, 0)
	expect("authority member", memberTx, nil)

	// The proposal: role holders first, then at most two of the others, in
	// mempool order.
	mempool := [][]byte{worked, msg(alice, 0), msg(alice, 1), bob0, staff[0], msg(alice, 2), staff[1], memberTx}
	prop, err := c.App.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: mempool, MaxTxBytes: 1 << 20, Height: c.Height + 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{staff[0], staff[1], memberTx, worked, mempool[1]}
	if len(prop.Txs) != len(want) {
		t.Fatalf("proposal has %d transactions, want %d", len(prop.Txs), len(want))
	}
	for i := range want {
		if !bytes.Equal(prop.Txs[i], want[i]) {
			t.Fatalf("proposal transaction %d is not the expected one", i)
		}
	}

	// After a commit the counts start again (CometBFT rechecks what waits).
	c.Block()
	expect("bob after the commit", bob0, nil)
	expect("alice after the commit", msg(alice, 0), nil)

	// FinalizeBlock ignores the policy: a block the policy would never
	// propose (no work, four of one account) runs as on a chain without it.
	plain := apptest.New(t)
	block := [][]byte{registration(t, fresh, lazy), msg(alice, 0), msg(alice, 1), msg(alice, 2), msg(alice, 3)}
	r1, r2 := c.Block(block...), plain.Block(block...)
	for i := range r1.TxResults {
		if r1.TxResults[i].Code != r2.TxResults[i].Code {
			t.Fatalf("tx %d: code %d with the policy, %d without", i, r1.TxResults[i].Code, r2.TxResults[i].Code)
		}
	}
	if r1.TxResults[0].Code != 0 {
		t.Fatalf("the registration without work failed in the block: %s", r1.TxResults[0].Log)
	}
}
