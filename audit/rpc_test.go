package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/rpc/client/local"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/x/authority"
)

// tamperRPC is a lying node: it serves the real chain except for what
// its hooks alter.
type tamperRPC struct {
	audit.RPC
	height int64              // the block block alters
	block  func(*types.Block) // alters the block at height
	commit func(*types.Commit)
}

func (t tamperRPC) Block(ctx context.Context, h *int64) (*ctypes.ResultBlock, error) {
	res, err := t.RPC.Block(ctx, h)
	if err == nil && res != nil && res.Block != nil && t.block != nil && h != nil && *h == t.height {
		t.block(res.Block)
	}
	return res, err
}

func (t tamperRPC) Commit(ctx context.Context, h *int64) (*ctypes.ResultCommit, error) {
	res, err := t.RPC.Commit(ctx, h)
	if err == nil && res != nil && res.Commit != nil && t.commit != nil {
		t.commit(res.Commit)
	}
	return res, err
}

// chunkedOnly is a node whose genesis is too large for one answer.
type chunkedOnly struct{ audit.RPC }

func (chunkedOnly) Genesis(context.Context) (*ctypes.ResultGenesis, error) {
	return nil, errors.New("genesis response is large, please use the genesis_chunked API instead")
}

// TestReplayRPC replays a running node over its RPC (HTTP, and the local
// client the portal uses), then through lying RPC sources.
func TestReplayRPC(t *testing.T) {
	home := testnode.InitHome(t)
	n, c := testnode.Start(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var txHeight int64
	for range 3 {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		t0, err := c.Build(ctx, k.Public().(ed25519.PublicKey), authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Send(ctx, t0, k)
		if err != nil {
			t.Fatalf("register: %v", err)
		}
		txHeight = res.Height
	}
	testnode.WaitHeight(t, c, txHeight+2)

	// nodeAppHash is the app hash the node itself recorded after block h.
	nodeAppHash := func(h int64) string {
		meta := n.Comet.BlockStore().LoadBlockMeta(h + 1)
		if meta == nil {
			t.Fatalf("node has no block %d", h+1)
		}
		return fmt.Sprintf("%X", meta.Header.AppHash)
	}

	t.Run("verified over HTTP", func(t *testing.T) {
		st, err := c.RPC.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var calls, lastDone, lastTotal int64
		r, err := audit.ReplayRPC(ctx, c.RPC, audit.RPCOptions{Progress: func(done, total int64) {
			calls, lastDone, lastTotal = calls+1, done, total
		}})
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		t.Logf("%s in %.2fs", r.Summary(), r.DurationSeconds)
		if r.Result != audit.ResultVerified || r.Failure != nil || r.Source != audit.SourceRPC || r.ChainID != st.NodeInfo.Network {
			t.Fatalf("report %+v, want verified over rpc", r)
		}
		if r.FirstHeight != 1 || r.LastHeight < st.SyncInfo.LatestBlockHeight-1 || r.Blocks != r.LastHeight {
			t.Fatalf("replayed %d blocks %d to %d; the node was at %d", r.Blocks, r.FirstHeight, r.LastHeight, st.SyncInfo.LatestBlockHeight)
		}
		if r.Transactions != 3 {
			t.Fatalf("replayed %d transactions, sent 3", r.Transactions)
		}
		if calls != r.Blocks || lastDone != r.Blocks || lastTotal != r.Blocks {
			t.Fatalf("progress: %d calls, last %d/%d, for %d blocks", calls, lastDone, lastTotal, r.Blocks)
		}
		if want := nodeAppHash(r.LastHeight); r.FinalAppHash != want {
			t.Fatalf("replay ended at %d with %s, the node recorded %s", r.LastHeight, r.FinalAppHash, want)
		}
		if r.Time.IsZero() || r.DurationSeconds <= 0 {
			t.Fatalf("report time %v, duration %v", r.Time, r.DurationSeconds)
		}
	})

	t.Run("verified over the local client with the published genesis", func(t *testing.T) {
		conf, err := node.LoadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		gen, err := types.GenesisDocFromFile(conf.GenesisFile())
		if err != nil {
			t.Fatal(err)
		}
		r, err := audit.ReplayRPC(ctx, local.New(n.Comet), audit.RPCOptions{Genesis: gen})
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if want := nodeAppHash(r.LastHeight); r.Result != audit.ResultVerified || r.FinalAppHash != want {
			t.Fatalf("report %+v, want verified with %s", r, want)
		}
	})

	// expectMismatch replays through src and wants check at height.
	expectMismatch := func(t *testing.T, src audit.RPC, height int64, check, reason string) *audit.Report {
		t.Helper()
		r, err := audit.ReplayRPC(ctx, src, audit.RPCOptions{})
		var mm *audit.MismatchError
		if !errors.As(err, &mm) {
			t.Fatalf("want a mismatch, got %v", err)
		}
		if mm.Height != height || mm.Check != check || !strings.Contains(mm.Reason, reason) {
			t.Fatalf("mismatch %+v, want %s at height %d (%q)", mm, check, height, reason)
		}
		if r == nil || r.Result != audit.ResultFailed || r.Failure != mm {
			t.Fatalf("report %+v, want failed", r)
		}
		return r
	}

	t.Run("altered transaction", func(t *testing.T) {
		src := tamperRPC{RPC: c.RPC, height: txHeight, block: func(b *types.Block) {
			raw := bytes.Clone(b.Txs[0])
			raw[len(raw)/2] ^= 0x01
			b.Txs[0] = raw
		}}
		r := expectMismatch(t, src, txHeight, "data hash", "the transactions hash to")
		if r.Blocks != txHeight-1 || r.LastHeight != txHeight-1 {
			t.Fatalf("report %+v, want %d blocks verified before", r, txHeight-1)
		}
	})

	t.Run("altered header", func(t *testing.T) {
		src := tamperRPC{RPC: c.RPC, height: txHeight, block: func(b *types.Block) { b.Time = b.Time.Add(time.Second) }}
		expectMismatch(t, src, txHeight, "block hash", fmt.Sprintf("block %d names block", txHeight+1))
	})

	t.Run("lying app hash", func(t *testing.T) {
		// The header after the block claims another state.
		src := tamperRPC{RPC: c.RPC, height: txHeight + 1, block: func(b *types.Block) {
			b.AppHash = bytes.Clone(b.AppHash)
			b.AppHash[0] ^= 0xff
		}}
		expectMismatch(t, src, txHeight, "app hash", "replay computed")
	})

	t.Run("forged signature on the latest header", func(t *testing.T) {
		var forged atomic.Int64
		src := tamperRPC{RPC: c.RPC, commit: func(cm *types.Commit) {
			forged.Store(cm.Height)
			cm.Signatures[0].Signature = bytes.Clone(cm.Signatures[0].Signature)
			cm.Signatures[0].Signature[0] ^= 0xff
		}}
		r, err := audit.ReplayRPC(ctx, src, audit.RPCOptions{})
		var mm *audit.MismatchError
		if !errors.As(err, &mm) || r == nil {
			t.Fatalf("want a mismatch, got %v", err)
		}
		if mm.Check != "commit signatures" || mm.Height != r.LastHeight+1 || forged.Load() != mm.Height {
			t.Fatalf("mismatch %+v after block %d (forged commit %d), want commit signatures of the block after", mm, r.LastHeight, forged.Load())
		}
		// Every block was re-executed; only the header vouching for the
		// last app hash is unsigned, so the replay is not verified.
		if r.Result != audit.ResultFailed || r.Blocks != r.LastHeight {
			t.Fatalf("report %+v", r)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		var once atomic.Bool
		r, err := audit.ReplayRPC(cctx, c.RPC, audit.RPCOptions{Progress: func(done, total int64) {
			if once.CompareAndSwap(false, true) {
				ccancel()
			}
		}})
		if !errors.Is(err, context.Canceled) || r != nil {
			t.Fatalf("cancelled replay: report %v, err %v", r, err)
		}
	})

	t.Run("genesis in chunks", func(t *testing.T) {
		gen, err := audit.FetchGenesis(ctx, chunkedOnly{c.RPC})
		if err != nil {
			t.Fatal(err)
		}
		direct, err := audit.FetchGenesis(ctx, c.RPC)
		if err != nil {
			t.Fatal(err)
		}
		if gen.ChainID != direct.ChainID || !bytes.Equal(gen.AppState, direct.AppState) || len(gen.Validators) != len(direct.Validators) {
			t.Fatalf("chunked genesis %+v differs from %+v", gen, direct)
		}
		if r, err := audit.ReplayRPC(ctx, chunkedOnly{c.RPC}, audit.RPCOptions{}); err != nil || r.Result != audit.ResultVerified {
			t.Fatalf("replay with a chunked genesis: %v", err)
		}
	})

	t.Run("other chain's genesis", func(t *testing.T) {
		gen, err := audit.FetchGenesis(ctx, c.RPC)
		if err != nil {
			t.Fatal(err)
		}
		gen.ChainID = "another-chain"
		r, err := audit.ReplayRPC(ctx, c.RPC, audit.RPCOptions{Genesis: gen})
		if err == nil || r != nil || !strings.Contains(err.Error(), `genesis is for "another-chain"`) {
			t.Fatalf("replay against another chain's genesis: report %v, err %v", r, err)
		}
	})
}
