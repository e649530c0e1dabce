package proofop_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	storetypes "cosmossdk.io/store/types"
	dbm "github.com/cometbft/cometbft-db"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lproxy "github.com/cometbft/cometbft/light/proxy"
	lrpc "github.com/cometbft/cometbft/light/rpc"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	rpcserver "github.com/cometbft/cometbft/rpc/jsonrpc/server"

	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/proofop"
	"github.com/publica/publica/x/land"
)

// TestStockLightClient: CometBFT's own light/rpc client, with a light
// client trusted only from a header the test pins and the Cosmos SDK's
// ICS23 proof operators, verifies a land title read with abci_query
// /store/land/key from a real node, verifies an absent key's
// non-membership, and refuses a value, proof, key or height changed on
// the way. CometBFT's light proxy serves the same verified reads, also of
// a module query answered from one key, and refuses what it cannot verify.
func TestStockLightClient(t *testing.T) {
	n, c := testnode.Start(t, testnode.InitHome(t))
	clerk, alice := testnode.DemoKey(t, "clerk"), testnode.DemoKey(t, "citizen-alice")
	h := sha256.Sum256([]byte("deed"))
	d := hex.EncodeToString(h[:])
	testnode.Send(t, c, land.TypeRegisterParcel, land.MsgRegisterParcel{CadastralRef: "LC-1", Document: d,
		Geometry: land.Geometry{Type: "Polygon", CRS: "EPSG:32633", Coordinates: json.RawMessage("[[[0,0],[100,0],[100,100],[0,100],[0,0]]]")}}, clerk)
	tid := testnode.Send(t, c, land.TypeRegisterTitle, land.MsgRegisterTitle{Parcels: []string{"P1"},
		Owners: []land.Share{{Party: apptest.Account(alice), Share: "1"}}, Tenure: "freehold", Document: d}, clerk)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// The pinned root: header 1's hash, taken once before the reads; every
	// later header is verified from it by the light client (skipping
	// verification with the validator sets the trusted headers commit to).
	one := int64(1)
	commit, err := c.RPC.Commit(ctx, &one)
	if err != nil {
		t.Fatal(err)
	}
	pinned := commit.SignedHeader.Hash()
	addr := n.RPCAddress()
	newLight := func(hash []byte) (*light.Client, error) {
		p, err := lighthttp.New(genesis.DevChainID, addr)
		if err != nil {
			return nil, err
		}
		w, err := lighthttp.New(genesis.DevChainID, addr)
		if err != nil {
			return nil, err
		}
		return light.NewClient(ctx, genesis.DevChainID, light.TrustOptions{Period: 24 * time.Hour, Height: 1, Hash: hash},
			p, []provider.Provider{w}, lightdb.New(dbm.NewMemDB(), "test"), light.Logger(log.NewNopLogger()))
	}
	wrong := append([]byte(nil), pinned...)
	wrong[0] ^= 0xff
	if _, err := newLight(wrong); err == nil {
		t.Fatal("a light client trusted a header 1 hash that is not the chain's")
	}
	lc, err := newLight(pinned)
	if err != nil {
		t.Fatal(err)
	}

	// A height holding the title whose next header exists (the app hash
	// of H is in header H+1).
	info, err := c.RPC.ABCIInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	height := info.Response.LastBlockHeight
	testnode.WaitHeight(t, c, height+1)
	opts := rpcclient.ABCIQueryOptions{Height: height, Prove: true}
	key := land.TitleKey(tid)

	tampering := &tamperingRPC{}
	newClient := func() *lrpc.Client {
		next, err := rpchttp.New(addr, "/websocket")
		if err != nil {
			t.Fatal(err)
		}
		tampering.Client = next
		cl := lrpc.NewClient(tampering, lc, lrpc.KeyPathFn(proofop.KeyPath))
		// The SDK's own decoder, as an SDK chain's client registers it.
		cl.RegisterOpDecoder(storetypes.ProofOpIAVLCommitment, storetypes.CommitmentOpDecoder)
		return cl
	}
	cl := newClient()

	res, err := cl.ABCIQueryWithOptions(ctx, "/store/land/key", key, opts)
	if err != nil {
		t.Fatalf("stock light client: %v", err)
	}
	var title struct {
		ID     string
		Owners []struct{ Party, Share string }
	}
	if err := json.Unmarshal(res.Response.Value, &title); err != nil {
		t.Fatalf("title %q: %v", res.Response.Value, err)
	}
	if title.ID != tid || len(title.Owners) != 1 || title.Owners[0].Party != apptest.Account(alice) || title.Owners[0].Share != "1" {
		t.Fatalf("verified title %s", res.Response.Value)
	}
	if ops := res.Response.ProofOps.Ops; len(ops) != 1 || ops[0].Type != "ics23:iavl" || string(ops[0].Key) != string(key) {
		t.Fatalf("proof ops %+v", ops)
	}
	if _, err := cl.ABCIQueryWithOptions(ctx, "/store/state/key", key, opts); err != nil {
		t.Fatalf("/store/state/key: %v", err)
	}
	// An absent key: its non-membership proof verifies.
	res, err = cl.ABCIQueryWithOptions(ctx, "/store/land/key", land.TitleKey("T999"), opts)
	if err != nil {
		t.Fatalf("absent key: %v", err)
	}
	if len(res.Response.Value) != 0 {
		t.Fatalf("absent key has value %q", res.Response.Value)
	}
	// Bad paths get the app's clear refusals.
	for _, bad := range []struct{ path, data, want string }{
		{"/store/identity/key", string(key), `key "land/title/` + tid + `" is not in store "identity"`},
		{"/store/nosuch/key", string(key), `unknown store "nosuch"`},
		{"/store/land/key", "", "/store/land/key needs the key in data"},
	} {
		if _, err := cl.ABCIQueryWithOptions(ctx, bad.path, []byte(bad.data), opts); err == nil {
			t.Errorf("%s %q: the light client accepted an answer", bad.path, bad.data)
		}
		r, err := c.RPC.ABCIQueryWithOptions(ctx, bad.path, []byte(bad.data), opts)
		if err != nil || r.Response.Code == 0 || !strings.Contains(r.Response.Log, bad.want) {
			t.Errorf("%s %q: %v %+v, want a refusal saying %q", bad.path, bad.data, err, r, bad.want)
		}
	}

	// Lies on the way (a dishonest node or a man in the middle): refused.
	lies := []struct {
		name string
		lie  func(r *ctypes.ResultABCIQuery)
		want string
	}{
		{"value changed", func(r *ctypes.ResultABCIQuery) {
			r.Response.Value = []byte(strings.Replace(string(r.Response.Value), `"share":"1"`, `"share":"1/2"`, 1))
		}, "verify value proof"},
		{"value dropped (a present key claimed absent)", func(r *ctypes.ResultABCIQuery) { r.Response.Value = nil }, "verify absence proof"},
		{"proof byte changed", func(r *ctypes.ResultABCIQuery) {
			data := r.Response.ProofOps.Ops[0].Data
			data[len(data)-3] ^= 1
		}, ""},
		{"proof for another key", func(r *ctypes.ResultABCIQuery) {
			r.Response.Key = land.TitleKey("T2")
		}, "key mismatch"},
		// Every block changes the state (the block-time index), so the
		// state at H-1 is not the state at H.
		{"older height claimed", func(r *ctypes.ResultABCIQuery) { r.Response.Height-- }, "calculated root hash is invalid"},
		{"unknown proof operation", func(r *ctypes.ResultABCIQuery) { r.Response.ProofOps.Ops[0].Type = "ics23:other" }, "unrecognized proof type"},
	}
	for _, l := range lies {
		tampering.lie = l.lie
		_, err := cl.ABCIQueryWithOptions(ctx, "/store/land/key", key, opts)
		if err == nil {
			t.Errorf("%s: accepted", l.name)
		} else if !strings.Contains(err.Error(), l.want) {
			t.Errorf("%s: %v, want %q", l.name, err, l.want)
		}
	}
	tampering.lie = nil
	if _, err := cl.ABCIQueryWithOptions(ctx, "/store/land/key", key, opts); err != nil {
		t.Fatalf("honest answer after the lies: %v", err)
	}

	// CometBFT's light proxy, with the same key path and operators, answers
	// abci_query only with verified values.
	proxyAddr := "tcp://" + testnode.FreeAddr(t)
	p, err := lproxy.NewProxy(lc, proxyAddr, addr, rpcserver.DefaultConfig(), log.NewNopLogger(), lrpc.KeyPathFn(proofop.KeyPath))
	if err != nil {
		t.Fatal(err)
	}
	proofop.Register(p.Client)
	served := make(chan error, 1)
	go func() { served <- p.ListenAndServe() }()
	t.Cleanup(func() {
		for i := 0; i < 100 && p.Listener == nil; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if p.Listener != nil {
			p.Listener.Close()
		}
	})
	pc, err := rpchttp.New(proxyAddr, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	var pres *ctypes.ResultABCIQuery
	for i := 0; ; i++ { // wait for the proxy to listen
		pres, err = pc.ABCIQueryWithOptions(ctx, "/store/land/key", cmtbytes.HexBytes(key), opts)
		if err == nil || i == 50 || !strings.Contains(err.Error(), "connection refused") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("light proxy: %v", err)
	}
	if !strings.Contains(string(pres.Response.Value), `"id":"`+tid+`"`) {
		t.Fatalf("light proxy answered %s", pres.Response.Value)
	}
	// A module query answered from one key verifies the same way.
	pres, err = pc.ABCIQueryWithOptions(ctx, "/land/title/"+tid, nil, opts)
	if err != nil || string(pres.Response.Key) != string(key) || !strings.Contains(string(pres.Response.Value), `"id":"`+tid+`"`) {
		t.Fatalf("light proxy, /land/title/%s: %v %+v", tid, err, pres)
	}
	// What it cannot verify it refuses rather than pass on: a list (no
	// proof) and a module query's absence (its key is no key path).
	for _, path := range []string{"/land/parties", "/land/title/T999"} {
		if r, err := pc.ABCIQueryWithOptions(ctx, path, nil, opts); err == nil {
			t.Errorf("light proxy passed on %s unverified: %+v", path, r.Response)
		}
	}
	select {
	case err := <-served:
		t.Fatalf("light proxy stopped: %v", err)
	default:
	}
}

// tamperingRPC passes every call on to the node and changes abci_query
// answers with lie, when set.
type tamperingRPC struct {
	rpcclient.Client
	lie func(*ctypes.ResultABCIQuery)
}

func (r *tamperingRPC) ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes, opts rpcclient.ABCIQueryOptions) (*ctypes.ResultABCIQuery, error) {
	res, err := r.Client.ABCIQueryWithOptions(ctx, path, data, opts)
	if err == nil && r.lie != nil {
		r.lie(res)
	}
	return res, err
}
