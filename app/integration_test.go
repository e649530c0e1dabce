package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/proof"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// TestNodeEndToEnd runs a real node, registers an account and grants it a
// role over the RPC, then proves the account record against a header.
func TestNodeEndToEnd(t *testing.T) {
	home := testnode.InitHome(t)
	_, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, citizen, _ := ed25519.GenerateKey(rand.Reader)
	pub := citizen.Public().(ed25519.PublicKey)
	id := tx.AccountID(pub)

	reg, err := c.Build(ctx, pub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(ctx, reg, citizen)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	if string(res.Data) != id {
		t.Fatalf("register returned %q, want account id %s", res.Data, id)
	}

	// k-of-n: one authority signature is not enough...
	a1, a2 := testnode.DemoKey(t, "authority-1"), testnode.DemoKey(t, "authority-2")
	grant := authority.MsgGrantRole{Account: id, Role: authority.RoleClerk}
	one, err := c.Build(ctx, a1.Public().(ed25519.PublicKey), authority.TypeGrantRole, grant, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(ctx, one, a1)
	var txErr *client.TxError
	if !errors.As(err, &txErr) || txErr.Stage != "deliver" || txErr.Code != 9 {
		t.Fatalf("grant with one authority signature: want deliver code 9 (unauthorized), got %v", err)
	}
	// ...two are.
	two, err := c.Build(ctx, a1.Public().(ed25519.PublicKey), authority.TypeGrantRole, grant, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.Send(ctx, two, a1, a2)
	if err != nil {
		t.Fatalf("grant with two authority signatures: %v", err)
	}
	if !hasEvent(res, "authority.role_granted", "account", id) {
		t.Fatalf("no authority.role_granted event for %s in %+v", id, res.Events)
	}

	p, err := c.QueryProven(ctx, "/authority/account/"+id, nil, res.Height)
	if err != nil {
		t.Fatalf("proven query: %v", err)
	}
	var acct authority.Account
	if err := json.Unmarshal(p.Value, &acct); err != nil {
		t.Fatal(err)
	}
	if !acct.HasRole(authority.RoleClerk) || acct.Sequence != 1 {
		t.Fatalf("account at height %d = %+v, want clerk role and sequence 1", p.Height, acct)
	}
	// The same proof must not verify a different value or another hash.
	raw, err := c.Query(ctx, "/authority/account/"+id, nil, res.Height, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(p.AppHash, raw.ProofOps, raw.Key, append([]byte(nil), `{"forged":1}`...)); err == nil {
		t.Fatal("proof verified a forged value")
	}
	// Before registration the account was absent: a non-membership proof.
	absent, err := c.QueryProven(ctx, "/authority/account/"+id, nil, 1)
	if err != nil {
		t.Fatalf("proven absence at height 1: %v", err)
	}
	if absent.Value != nil {
		t.Fatalf("account existed at height 1: %s", absent.Value)
	}
}

func hasEvent(r *client.Result, typ, key, value string) bool {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key && a.Value == value {
				return true
			}
		}
	}
	return false
}

// TestRestart stops a node and starts it again on the same home: it resumes
// at the same height and app hash, with the data intact, and goes on.
func TestRestart(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	reg, err := c.Build(ctx, pub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, reg, key); err != nil {
		t.Fatal(err)
	}
	testnode.WaitHeight(t, c, 3)
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	// Read the committed state straight from disk while the node is down.
	st, err := store.Open(node.AppDBDir(home), dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	height, hash := st.Version(), st.Hash()
	st.Close()

	n2, c2 := testnode.Start(t, home)
	info, err := n2.App.Info(ctx, &abci.RequestInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if info.LastBlockHeight < height {
		t.Fatalf("restarted at height %d, below the %d committed before the stop", info.LastBlockHeight, height)
	}
	view, err := n2.App.Store().At(height)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(view.Hash(), hash) {
		t.Fatalf("app hash at height %d changed across restart: %X then %X", height, hash, view.Hash())
	}
	acct, err := c2.Account(ctx, tx.AccountID(pub))
	if err != nil || acct == nil || acct.Sequence != 1 {
		t.Fatalf("account after restart: %+v, %v", acct, err)
	}
	// And the chain goes on from there.
	testnode.WaitHeight(t, c2, height+2)
	next := height + 1
	hdr, err := c2.RPC.Commit(ctx, &next)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hdr.SignedHeader.Header.AppHash, hash) {
		t.Fatalf("header %d app hash %X, state at %d had %X", next, hdr.SignedHeader.Header.AppHash, height, hash)
	}
}
