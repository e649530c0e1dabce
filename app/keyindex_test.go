package app_test

import (
	"encoding/hex"
	"testing"

	"github.com/publica/publica/app"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/governance"
	"github.com/publica/publica/x/identity"
)

func indexed(c *apptest.Chain, k []byte) bool {
	return present(c, "/authority/pubkey/"+hex.EncodeToString(k))
}

// A chain at protocol 3 keeps a key index entry for every key; the upgrade
// to protocol 4 deletes those the account records answer for and keeps
// the rotated-to keys', and every account still signs as before.
func TestUpgradeToSparseKeyIndex(t *testing.T) {
	c, _ := fourValidators(t, governance.ProtocolPowerLimit)
	a1, a2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	alice, bob := apptest.DemoKey(t, "citizen-alice"), apptest.DemoKey(t, "citizen-bob")
	newAlice, newBob := apptest.SeededKey("key index", 1), apptest.SeededKey("key index", 2)
	carol := apptest.SeededKey("key index", 3)

	c.MustOK(identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newAlice))}, alice, newAlice)
	if !indexed(c, apptest.Pub(bob)) || !indexed(c, apptest.Pub(newAlice)) || indexed(c, apptest.Pub(alice)) {
		t.Fatal("protocol 3: every current key has an index entry, a rotated-away key none")
	}
	at := c.Height + 3
	c.MustOK(governance.TypeScheduleUpgrade, governance.MsgScheduleUpgrade{Plan: governance.Plan{Name: "sparse-key-index", Height: at, Version: authority.ProtocolSparseKeyIndex}}, a1, a2)
	for c.Height < at {
		c.Block()
	}
	if v := c.App.Protocol(); v != authority.ProtocolSparseKeyIndex || app.ProtocolVersion != authority.ProtocolSparseKeyIndex {
		t.Fatalf("protocol %d after the upgrade", v)
	}
	if indexed(c, apptest.Pub(bob)) || indexed(c, apptest.Pub(a1)) || !indexed(c, apptest.Pub(newAlice)) {
		t.Fatal("after the upgrade: bob's and the authority's entries should be gone, alice's rotated-to key's kept")
	}
	if string(c.View().Get([]byte("authority/key-index"))) != "rotated" {
		t.Fatal("the layout is not recorded")
	}

	// Keys found through their accounts sign as before: bob rotates, alice
	// rotates back to the key her account is named by, the authority acts.
	c.MustOK(identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newBob))}, bob, newBob)
	c.MustOK(identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(alice))}, newAlice, alice)
	c.MustOK(authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, carol)
	c.MustOK(authority.TypeGrantRole, authority.MsgGrantRole{Account: apptest.Account(carol), Role: authority.RoleClerk}, a1, a2)
	for _, k := range []struct {
		name    string
		key     []byte
		account string
		entry   bool
	}{
		{"bob's new key", apptest.Pub(newBob), apptest.Account(bob), true},
		{"bob's old key", apptest.Pub(bob), "", false},
		{"alice, rotated back", apptest.Pub(alice), apptest.Account(alice), false},
		{"alice's middle key", apptest.Pub(newAlice), "", false},
		{"carol, registered after the upgrade", apptest.Pub(carol), tx.AccountID(apptest.Pub(carol)), false},
	} {
		if got := (authority.Keeper{}).AccountIDByPubKey(c.View(), k.key); got != k.account || indexed(c, k.key) != k.entry {
			t.Errorf("%s: controls %q (want %q), index entry %v (want %v)", k.name, got, k.account, indexed(c, k.key), k.entry)
		}
	}
	c.Expect(identity.ErrKeyInUse, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(apptest.Pub(newBob))}, carol, newBob)
}
