package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
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
// A snapshot offered under another app hash, a damaged chunk and chunks
// that match their hashes but make a wrong stream are refused and leave
// it empty.
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

	// Chunks that match the hashes their metadata names but make a wrong
	// stream (a peer that wrote the metadata for them): the snapshot's
	// chunks twice over, and a chunk that is not snappy-compressed. The
	// import beside the transfer stops, the snapshot is refused and the
	// app stays empty; the same app then restores the right snapshot.
	forged := func(chunks ...[]byte) *abci.Snapshot {
		var m struct {
			Split  string   `json:"split"`
			Chunks [][]byte `json:"chunks"`
		}
		if err := json.Unmarshal(snap.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		m.Chunks = nil
		for _, c := range chunks {
			sum := sha256.Sum256(c)
			m.Chunks = append(m.Chunks, sum[:])
		}
		meta, _ := json.Marshal(m)
		sum := sha256.Sum256(meta)
		return &abci.Snapshot{Height: snap.Height, Format: snap.Format, Chunks: uint32(len(chunks)), Hash: sum[:], Metadata: meta}
	}
	var real [][]byte
	for i := range snap.Chunks {
		real = append(real, chunk(i))
	}
	b := fresh()
	for name, chunks := range map[string][][]byte{"every chunk twice": append(slices.Clone(real), real...), "not snappy": {[]byte("not a snappy-compressed chunk")}} {
		s := forged(chunks...)
		offer, err := b.OfferSnapshot(ctx, &abci.RequestOfferSnapshot{Snapshot: s, AppHash: blocks[10].hash})
		if err != nil || offer.Result != abci.ResponseOfferSnapshot_ACCEPT {
			t.Fatalf("%s: offer: %v %v", name, offer, err)
		}
		var last abci.ResponseApplySnapshotChunk_Result
		for i, c := range chunks {
			res, err := b.ApplySnapshotChunk(ctx, &abci.RequestApplySnapshotChunk{Index: uint32(i), Chunk: c, Sender: "peer"})
			if err != nil {
				t.Fatal(err)
			}
			if last = res.Result; last != abci.ResponseApplySnapshotChunk_ACCEPT {
				break
			}
		}
		if last != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT {
			t.Fatalf("%s: %v", name, last)
		}
		if info, _ := b.Info(ctx, &abci.RequestInfo{}); info.LastBlockHeight != 0 {
			t.Fatalf("%s: after a refused snapshot the app is at height %d", name, info.LastBlockHeight)
		}
	}
	// An offer while another restore is under way replaces it.
	if offer, err := b.OfferSnapshot(ctx, &abci.RequestOfferSnapshot{Snapshot: forged(real...), AppHash: blocks[10].hash}); err != nil || offer.Result != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer: %v %v", offer, err)
	}
	if len(real) > 1 {
		if _, err := b.ApplySnapshotChunk(ctx, &abci.RequestApplySnapshotChunk{Index: 0, Chunk: real[0], Sender: "peer"}); err != nil {
			t.Fatal(err)
		}
	}
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
