package apptest_test

import (
	"testing"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/x/authority"
)

// TestChain: a message runs in its own block, several of one signer share
// a block, refusals are matched by code, and proven queries decode.
func TestChain(t *testing.T) {
	c := apptest.New(t)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	fresh := apptest.SeededKey("apptest", 1)
	if got := c.MustOK(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh); got != apptest.Account(fresh) {
		t.Fatalf("register returned %q", got)
	}
	c.Expect(authority.ErrAccountExists, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh)
	c.Expect(errs.Unauthorized, authority.TypeGrantRole, authority.MsgGrantRole{Account: apptest.Account(fresh), Role: authority.RoleClerk}, a1)
	res := c.Block(
		c.Tx(authority.TypeGrantRole, authority.MsgGrantRole{Account: apptest.Account(fresh), Role: authority.RoleClerk}, a1, a2),
		c.Tx(authority.TypeGrantRole, authority.MsgGrantRole{Account: apptest.Account(fresh), Role: authority.RoleAuditor}, a1, a2),
	)
	for _, r := range res.TxResults {
		apptest.Expect(t, r, nil)
	}
	var acct authority.Account
	if !c.Query("/authority/account/"+apptest.Account(fresh), &acct) || !acct.HasRole(authority.RoleClerk) || !acct.HasRole(authority.RoleAuditor) {
		t.Fatalf("account %+v", acct)
	}
	if c.Query("/authority/account/"+apptest.Account(apptest.SeededKey("apptest", 2)), nil) {
		t.Fatal("an unregistered account was found")
	}
	var holders []string
	c.List("/authority/role/"+authority.RoleClerk, &holders)
	if len(holders) != 2 {
		t.Fatalf("clerks %v", holders)
	}
	raw := c.Tx(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, fresh)
	c.ExpectTx("register twice", raw, authority.ErrAccountExists, false)
	if c.Height != 6 || !c.Time.Equal(apptest.GenesisTime.Add(6*c.Step)) || len(c.AppHash()) != 32 {
		t.Fatalf("height %d time %v hash %X", c.Height, c.Time, c.AppHash())
	}
}
