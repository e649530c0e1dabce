package testnet_test

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/client"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

// TestNodeJoinsByStateSync: a node that is not a validator joins a running
// chain from a snapshot its peer serves (CometBFT's state sync: the light
// client verifies the snapshot's header from a trusted block, the
// application restores the state and keeps it only under that header's app
// hash), then follows the chain by block sync. It holds no blocks and no
// state before the snapshot, and the same app hashes as the validator after.
func TestNodeJoinsByStateSync(t *testing.T) {
	nw := generate(t, 2, 0)
	// node1 is not in the genesis validator set.
	for _, n := range nw.tn.Nodes {
		conf, err := node.LoadConfig(n.Home)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		doc.Validators = doc.Validators[:1]
		if err := node.WriteGenesis(conf, doc); err != nil {
			t.Fatal(err)
		}
	}
	v, err := node.Start(nw.tn.Nodes[0].Home, node.Options{Store: store.DefaultOptions(), SnapshotInterval: 10})
	if err != nil {
		t.Fatal(err)
	}
	nw.nodes[0] = v
	if nw.clients[0], err = client.New(nw.tn.Nodes[0].RPCAddr()); err != nil {
		t.Fatal(err)
	}
	// The development genesis's state (accounts, roles, parties) is what
	// the snapshot carries.

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var snapHeight uint64
	for snapHeight == 0 {
		if ctx.Err() != nil {
			t.Fatalf("no snapshot written (%v)", v.App.SnapshotError())
		}
		res, _ := v.App.ListSnapshots(ctx, &abci.RequestListSnapshots{})
		for _, s := range res.Snapshots {
			snapHeight = max(snapHeight, s.Height)
		}
		time.Sleep(200 * time.Millisecond)
	}
	trust, err := nw.clients[0].RPC.Block(ctx, ptr(int64(2)))
	if err != nil {
		t.Fatal(err)
	}

	home := nw.tn.Nodes[1].Home
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	rpc := "127.0.0.1:" + strconv.Itoa(nw.tn.Nodes[0].RPCPort)
	conf.StateSync.Enable = true
	conf.StateSync.RPCServers = []string{rpc, rpc} // CometBFT asks for two; one validator serves both
	conf.StateSync.TrustHeight = 2
	conf.StateSync.TrustHash = hex.EncodeToString(trust.BlockID.Hash)
	conf.StateSync.TrustPeriod = 24 * time.Hour
	conf.StateSync.DiscoveryTime = 6 * time.Second
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), conf)

	joinStart := time.Now()
	j, err := node.Start(home, node.Options{Store: store.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	nw.nodes[1] = j
	if nw.clients[1], err = client.New(nw.tn.Nodes[1].RPCAddr()); err != nil {
		t.Fatal(err)
	}
	var joined int64
	for {
		if ctx.Err() != nil {
			t.Fatal("the new node did not catch up")
		}
		st, err := nw.clients[1].RPC.Status(ctx)
		if err == nil && !st.SyncInfo.CatchingUp && st.SyncInfo.LatestBlockHeight > int64(snapHeight) {
			joined = st.SyncInfo.LatestBlockHeight
			if st.SyncInfo.EarliestBlockHeight <= 1 {
				t.Fatalf("the new node holds blocks from %d: it replayed instead of restoring", st.SyncInfo.EarliestBlockHeight)
			}
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("joined at height %d from the snapshot of height %d in %s", joined, snapHeight, time.Since(joinStart).Round(time.Millisecond))
	js := j.App.Store()
	if js.HasVersion(2) || !js.HasVersion(int64(snapHeight)) {
		t.Fatalf("the new node's state: version 2 held %v, the snapshot's %d held %v", js.HasVersion(2), snapHeight, js.HasVersion(int64(snapHeight)))
	}
	for _, h := range []int64{int64(snapHeight), joined} {
		a, err := nw.clients[0].RPC.Block(ctx, ptr(h+1))
		if err != nil {
			t.Fatal(err)
		}
		view, err := js.At(h)
		if err != nil {
			t.Fatal(err)
		}
		if got := view.Hash(); string(got) != string(a.Block.AppHash) {
			t.Fatalf("height %d: the new node's app hash %X, the chain's %X", h, got, a.Block.AppHash)
		}
	}
}

func ptr[T any](v T) *T { return &v }
