package app_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/app"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/store"
)

// TestStateSync: a chain writes snapshots; a new application with no
// state restores one through the four ABCI calls, reports its height and
// app hash, and runs the next blocks to the same app hashes as the chain.
// A snapshot offered under another app hash, and a damaged chunk, are
// refused and leave it empty.
func TestStateSync(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := apptest.NewWith(t, apptest.Options{Store: st})
	c.App.EnableSnapshots(t.TempDir(), 5, 2)
	g := newBlockGen(t, 11)
	type block struct {
		txs  [][]byte
		at   time.Time
		hash []byte
	}
	blocks := map[int64]block{}
	for c.Height < 14 {
		txs := g.block(c)
		c.Block(txs...)
		blocks[c.Height] = block{txs, c.Time, c.AppHash()}
	}
	var snap *abci.Snapshot
	for wait := 0; snap == nil && wait < 200; wait++ {
		res, _ := c.App.ListSnapshots(ctx, &abci.RequestListSnapshots{})
		for _, s := range res.Snapshots {
			if s.Height == 10 {
				snap = s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if snap == nil {
		t.Fatalf("no snapshot at height 10 (%v)", c.App.SnapshotError())
	}
	chunk := func(i uint32) []byte {
		res, err := c.App.LoadSnapshotChunk(ctx, &abci.RequestLoadSnapshotChunk{Height: snap.Height, Format: snap.Format, Chunk: i})
		if err != nil || len(res.Chunk) == 0 {
			t.Fatalf("chunk %d: %v", i, err)
		}
		return res.Chunk
	}

	fresh := func() *app.App {
		st, err := store.Open(t.TempDir(), dbm.PebbleDBBackend, store.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a := app.New(st)
		a.EnableSnapshots(t.TempDir(), 5, 2)
		return a
	}
	restore := func(a *app.App, appHash []byte, damage bool) abci.ResponseApplySnapshotChunk_Result {
		offer, err := a.OfferSnapshot(ctx, &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: appHash})
		if err != nil || offer.Result != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatalf("offer: %v %v", offer, err)
		}
		var last abci.ResponseApplySnapshotChunk_Result
		for i := range snap.Chunks {
			b := chunk(i)
			if damage {
				b = append(bytes.Clone(b[:len(b)-1]), b[len(b)-1]^1)
			}
			res, err := a.ApplySnapshotChunk(ctx, &abci.RequestApplySnapshotChunk{Index: i, Chunk: b, Sender: "peer"})
			if err != nil {
				t.Fatal(err)
			}
			if last = res.Result; damage {
				if last != abci.ResponseApplySnapshotChunk_RETRY || len(res.RejectSenders) != 1 {
					t.Fatalf("a damaged chunk: %v", res)
				}
				return last
			}
		}
		return last
	}

	bad := fresh()
	if got := restore(bad, []byte("another app hash of thirty-two b"), false); got != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
		t.Fatalf("a snapshot under another app hash: %v", got)
	}
	if info, _ := bad.Info(ctx, &abci.RequestInfo{}); info.LastBlockHeight != 0 {
		t.Fatalf("after a refused snapshot the app is at height %d", info.LastBlockHeight)
	}
	restore(fresh(), blocks[10].hash, true)

	b := fresh()
	if got := restore(b, blocks[10].hash, false); got != abci.ResponseApplySnapshotChunk_ACCEPT {
		t.Fatalf("restore: %v", got)
	}
	info, _ := b.Info(ctx, &abci.RequestInfo{})
	if info.LastBlockHeight != 10 || !bytes.Equal(info.LastBlockAppHash, blocks[10].hash) || b.ChainID() != c.App.ChainID() {
		t.Fatalf("restored: height %d hash %X chain %q", info.LastBlockHeight, info.LastBlockAppHash, b.ChainID())
	}
	for h := int64(11); h <= 14; h++ {
		if _, err := b.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Height: h, Time: blocks[h].at, Txs: blocks[h].txs}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Commit(ctx, &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Store().Hash(), blocks[h].hash) {
			t.Fatalf("height %d after the restore: app hash %X, the chain's %X", h, b.Store().Hash(), blocks[h].hash)
		}
	}
}
