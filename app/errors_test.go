package app_test

import (
	"fmt"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// TestErrorCodes gives each documented envelope error a transaction that
// must produce it, in CheckTx and again in FinalizeBlock.
func TestErrorCodes(t *testing.T) {
	c := apptest.New(t)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	clerk := apptest.DemoKey(t, "clerk")
	stranger := apptest.SeededKey("stranger", 0)
	clerkID := apptest.Account(clerk)
	grant := authority.MsgGrantRole{Account: clerkID, Role: authority.RoleAuditor}

	mutate := func(f func(*tx.Tx)) []byte {
		body, _ := tx.EncodeMsg(grant)
		x := &tx.Tx{ChainID: genesis.DevChainID, ValidUntil: 1000, MsgType: authority.TypeGrantRole, Msg: body}
		f(x)
		return x.Encode()
	}
	cases := []struct {
		name  string
		raw   []byte
		code  *errs.Error
		check bool // also rejected by CheckTx (false: only in the block)
	}{
		{"undecodable", []byte{0x01, 0xff, 0xff}, errs.Undecodable, true},
		{"unknown envelope version", append([]byte{0x02}, apptest.Signed(t, 0, authority.TypeGrantRole, grant, a1, a2)[1:]...), errs.Undecodable, true},
		{"wrong chain", mutate(func(x *tx.Tx) { x.ChainID = "other-chain"; x.Sign(a1); x.Sign(a2) }), errs.WrongChain, true},
		{"expired", mutate(func(x *tx.Tx) { x.ValidUntil = 1; x.Sign(a1); x.Sign(a2) }), errs.Expired, true},
		{"bad signature", mutate(func(x *tx.Tx) { x.Sign(a1); x.Sign(a2); x.Signatures[1].Sig[0] ^= 1 }), errs.BadSignature, true},
		{"signature by another chain's bytes", mutate(func(x *tx.Tx) {
			x.ChainID = "other-chain"
			x.Sign(a1)
			x.ChainID = genesis.DevChainID
		}), errs.BadSignature, true},
		{"bad sequence", mutate(func(x *tx.Tx) { x.Sequence = 7; x.Sign(a1); x.Sign(a2) }), errs.BadSequence, true},
		{"unknown message type", mutate(func(x *tx.Tx) { x.MsgType = "land/teleport"; x.Sign(a1) }), errs.UnknownMsgType, true},
		{"invalid message: bad role", mutate(func(x *tx.Tx) {
			x.Msg, _ = tx.EncodeMsg(authority.MsgGrantRole{Account: clerkID, Role: "king"})
			x.Sign(a1)
		}), errs.InvalidMsg, true},
		{"invalid message: non-canonical JSON", mutate(func(x *tx.Tx) {
			x.Msg = []byte(`{"role":"auditor","account":"` + clerkID + `"}`)
			x.Sign(a1)
		}), errs.InvalidMsg, true},
		{"invalid message: unknown field", mutate(func(x *tx.Tx) {
			x.Msg = []byte(`{"account":"` + clerkID + `","role":"auditor","extra":1}`)
			x.Sign(a1)
		}), errs.InvalidMsg, true},
		{"unknown account", mutate(func(x *tx.Tx) { x.Sign(stranger) }), errs.UnknownAccount, true},
		{"unauthorized: one of two authority signatures", mutate(func(x *tx.Tx) { x.Sign(a1) }), errs.Unauthorized, false},
		{"unauthorized: clerk is not in the authority set", mutate(func(x *tx.Tx) { x.Sign(clerk) }), errs.Unauthorized, false},
	}
	var block [][]byte
	for _, tc := range cases {
		res := c.CheckTx(tc.raw)
		if tc.check {
			apptest.Check(t, tc.name+": CheckTx", res, tc.code)
		} else if res.Code != 0 {
			t.Errorf("%s: CheckTx rejected with %d (%s); the check belongs to FinalizeBlock", tc.name, res.Code, res.Log)
		}
		block = append(block, tc.raw)
	}
	// FinalizeBlock re-checks everything, whatever CheckTx said.
	fin := c.Block(block...)
	for i, tc := range cases {
		apptest.Check(t, tc.name+": FinalizeBlock", fin.TxResults[i], tc.code)
	}
	// The unauthorized transactions consumed authority-1's / the clerk's
	// sequence numbers; nothing else changed the clerk's roles.
	acct := account(t, c, clerkID)
	if acct.HasRole(authority.RoleAuditor) {
		t.Fatal("a rejected grant changed state")
	}
}

// TestAuthorityModuleErrors covers the module's own codes.
func TestAuthorityModuleErrors(t *testing.T) {
	c := apptest.New(t)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	clerkID := apptest.Account(apptest.DemoKey(t, "clerk"))
	fresh := apptest.SeededKey("fresh", 0)
	freshID := apptest.Account(fresh)
	res := c.Block(
		apptest.Signed(t, 0, authority.TypeGrantRole, authority.MsgGrantRole{Account: clerkID, Role: authority.RoleClerk}, a1, a2),
		apptest.Signed(t, 1, authority.TypeRevokeRole, authority.MsgRevokeRole{Account: clerkID, Role: authority.RoleTrustee}, a1, a2),
		apptest.Signed(t, 2, authority.TypeGrantRole, authority.MsgGrantRole{Account: freshID, Role: authority.RoleClerk}, a1, a2),
		apptest.Signed(t, 0, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh),
		apptest.Signed(t, 1, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh),
		apptest.Signed(t, 3, authority.TypeGrantRole, authority.MsgGrantRole{Account: freshID, Role: authority.RoleClerk}, a1, a2),
		apptest.Signed(t, 0, authority.TypeRevokeRole, authority.MsgRevokeRole{Account: clerkID, Role: authority.RoleClerk}, a2, a1),
	)
	want := []*errs.Error{authority.ErrRoleHeld, authority.ErrRoleNotHeld, authority.ErrUnknownAccount, nil,
		authority.ErrAccountExists, nil, nil}
	for i, w := range want {
		apptest.Check(t, fmt.Sprintf("tx %d", i), res.TxResults[i], w)
	}
	if !account(t, c, freshID).HasRole(authority.RoleClerk) {
		t.Error("grant to the registered account did not apply")
	}
	if account(t, c, clerkID).HasRole(authority.RoleClerk) {
		t.Error("revoke did not apply")
	}
}

func account(t testing.TB, c *apptest.Chain, id string) *authority.Account {
	t.Helper()
	var a authority.Account
	if !c.Query("/authority/account/"+id, &a) {
		t.Fatalf("no account %s", id)
	}
	return &a
}

// TestCheckTxPendingSequences: CheckTx admits consecutive sequences of one
// account waiting together in the mempool, refuses a repeat, and forgets
// the pending ones at Commit.
func TestCheckTxPendingSequences(t *testing.T) {
	c := apptest.New(t)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	id := apptest.Account(apptest.DemoKey(t, "citizen-alice"))
	g := func(seq uint64, role string) []byte {
		return apptest.Signed(t, seq, authority.TypeGrantRole, authority.MsgGrantRole{Account: id, Role: role}, a1, a2)
	}
	for seq, want := range []uint32{0, 0, 0} {
		if res := c.CheckTx(g(uint64(seq), authority.Roles[seq])); res.Code != want {
			t.Fatalf("seq %d: code %d (%s)", seq, res.Code, res.Log)
		}
	}
	if res := c.CheckTx(g(1, authority.RoleAuditor)); res.Code != errs.BadSequence.Code {
		t.Fatalf("repeated sequence admitted: %d %s", res.Code, res.Log)
	}
	c.Block(g(0, authority.Roles[0]))
	// After the commit the mempool is rechecked from committed state.
	if res := c.CheckTx(g(1, authority.Roles[1])); res.Code != 0 {
		t.Fatalf("next sequence after commit refused: %s", res.Log)
	}
	if res := c.CheckTx(g(0, authority.Roles[1])); res.Code != errs.BadSequence.Code {
		t.Fatalf("consumed sequence admitted after commit: %s", res.Log)
	}
}
