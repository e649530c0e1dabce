package app_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// TestErrorCodes gives each documented envelope error a transaction that
// must produce it, in CheckTx and again in FinalizeBlock.
func TestErrorCodes(t *testing.T) {
	c := newChain(t, store.OpenMemory())
	c.block()
	a1, a2 := demoKey(t, "authority-1"), demoKey(t, "authority-2")
	clerk := demoKey(t, "clerk")
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	clerkID := tx.AccountID(clerk.Public().(ed25519.PublicKey))
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
		{"unknown envelope version", append([]byte{0x02}, signed(t, 0, authority.TypeGrantRole, grant, a1, a2)[1:]...), errs.Undecodable, true},
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
		res := c.checkTx(tc.raw)
		if tc.check {
			if res.Code != tc.code.Code || res.Codespace != tc.code.Codespace {
				t.Errorf("%s: CheckTx gave %s/%d (%s), want %s/%d", tc.name, res.Codespace, res.Code, res.Log, tc.code.Codespace, tc.code.Code)
			}
		} else if res.Code != 0 {
			t.Errorf("%s: CheckTx rejected with %d (%s); the check belongs to FinalizeBlock", tc.name, res.Code, res.Log)
		}
		block = append(block, tc.raw)
	}
	// FinalizeBlock re-checks everything, whatever CheckTx said.
	fin := c.block(block...)
	for i, tc := range cases {
		r := fin.TxResults[i]
		if r.Code != tc.code.Code || r.Codespace != tc.code.Codespace {
			t.Errorf("%s: FinalizeBlock gave %s/%d (%s), want %s/%d", tc.name, r.Codespace, r.Code, r.Log, tc.code.Codespace, tc.code.Code)
		}
		if r.Log == "" {
			t.Errorf("%s: no log message for the user", tc.name)
		}
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
	c := newChain(t, store.OpenMemory())
	a1, a2 := demoKey(t, "authority-1"), demoKey(t, "authority-2")
	clerkID := tx.AccountID(demoKey(t, "clerk").Public().(ed25519.PublicKey))
	_, fresh, _ := ed25519.GenerateKey(rand.Reader)
	freshID := tx.AccountID(fresh.Public().(ed25519.PublicKey))
	res := c.block(
		signed(t, 0, authority.TypeGrantRole, authority.MsgGrantRole{Account: clerkID, Role: authority.RoleClerk}, a1, a2),
		signed(t, 1, authority.TypeRevokeRole, authority.MsgRevokeRole{Account: clerkID, Role: authority.RoleTrustee}, a1, a2),
		signed(t, 2, authority.TypeGrantRole, authority.MsgGrantRole{Account: freshID, Role: authority.RoleClerk}, a1, a2),
		signed(t, 0, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh),
		signed(t, 1, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh),
		signed(t, 3, authority.TypeGrantRole, authority.MsgGrantRole{Account: freshID, Role: authority.RoleClerk}, a1, a2),
		signed(t, 0, authority.TypeRevokeRole, authority.MsgRevokeRole{Account: clerkID, Role: authority.RoleClerk}, a2, a1),
	)
	want := []struct {
		space string
		code  uint32
	}{
		{authority.Codespace, authority.ErrRoleHeld.Code},
		{authority.Codespace, authority.ErrRoleNotHeld.Code},
		{authority.Codespace, authority.ErrUnknownAccount.Code},
		{"", 0},
		{authority.Codespace, authority.ErrAccountExists.Code},
		{"", 0},
		{"", 0},
	}
	for i, w := range want {
		r := res.TxResults[i]
		if r.Code != w.code || r.Codespace != w.space {
			t.Errorf("tx %d: got %s/%d (%s), want %s/%d", i, r.Codespace, r.Code, r.Log, w.space, w.code)
		}
	}
	if !account(t, c, freshID).HasRole(authority.RoleClerk) {
		t.Error("grant to the registered account did not apply")
	}
	if account(t, c, clerkID).HasRole(authority.RoleClerk) {
		t.Error("revoke did not apply")
	}
}

func account(t testing.TB, c *chain, id string) *authority.Account {
	t.Helper()
	view, err := c.app.Store().At(c.app.Store().Version())
	if err != nil {
		t.Fatal(err)
	}
	b := view.Get(authority.AccountKey(id))
	if b == nil {
		t.Fatalf("no account %s", id)
	}
	var a authority.Account
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestCheckTxPendingSequences: CheckTx admits consecutive sequences of one
// account waiting together in the mempool, refuses a repeat, and forgets
// the pending ones at Commit.
func TestCheckTxPendingSequences(t *testing.T) {
	c := newChain(t, store.OpenMemory())
	c.block()
	a1, a2 := demoKey(t, "authority-1"), demoKey(t, "authority-2")
	id := tx.AccountID(demoKey(t, "citizen-alice").Public().(ed25519.PublicKey))
	g := func(seq uint64, role string) []byte {
		return signed(t, seq, authority.TypeGrantRole, authority.MsgGrantRole{Account: id, Role: role}, a1, a2)
	}
	for seq, want := range []uint32{0, 0, 0} {
		if res := c.checkTx(g(uint64(seq), authority.Roles[seq])); res.Code != want {
			t.Fatalf("seq %d: code %d (%s)", seq, res.Code, res.Log)
		}
	}
	if res := c.checkTx(g(1, authority.RoleAuditor)); res.Code != errs.BadSequence.Code {
		t.Fatalf("repeated sequence admitted: %d %s", res.Code, res.Log)
	}
	c.block(g(0, authority.Roles[0]))
	// After the commit the mempool is rechecked from committed state.
	if res := c.checkTx(g(1, authority.Roles[1])); res.Code != 0 {
		t.Fatalf("next sequence after commit refused: %s", res.Log)
	}
	if res := c.checkTx(g(0, authority.Roles[1])); res.Code != errs.BadSequence.Code {
		t.Fatalf("consumed sequence admitted after commit: %s", res.Log)
	}
}
