package audit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/audit"
	"github.com/publica/publica/bench"
	"github.com/publica/publica/genesis"
)

// TestReplayBatchedSignatures: commit signatures are verified in batches
// across blocks, after later blocks have run; one forged signature among
// hundreds still ends the replay at its block, with the report of the
// block before it.
func TestReplayBatchedSignatures(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	if err := bench.BuildHome(home, genesis.DevAppState(), make([][][]byte, 300)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good, err := audit.Replay(ctx, copyHome(t, home), nil)
	if err != nil || good.Blocks != 300 {
		t.Fatalf("replay: %+v, %v", good, err)
	}

	// Block 200 carries the commit of block 199. Forge one signature in it
	// and fix the block's last commit hash, so the block is well formed but
	// its own hash no longer matches the id block 201 names: the signature
	// check of block 199 comes first and must be the one reported.
	dir := copyHome(t, home)
	const signed = 199
	var appHashBefore []byte
	rewriteBlock(t, dir, signed+1, func(b *cmtproto.Block) {
		b.LastCommit.Signatures[0].Signature[0] ^= 0xff
		c, err := types.CommitFromProto(b.LastCommit)
		if err != nil {
			t.Fatal(err)
		}
		b.Header.LastCommitHash = c.Hash()
	})
	rewriteBlock(t, dir, signed, func(b *cmtproto.Block) { appHashBefore = b.Header.AppHash })
	r, err := audit.Replay(ctx, dir, nil)
	var mm *audit.MismatchError
	if !errors.As(err, &mm) || mm.Height != signed || mm.Check != "commit signatures" {
		t.Fatalf("want a commit signature mismatch at height %d, got %v", signed, err)
	}
	if r == nil || r.Blocks != signed-1 || r.LastHeight != signed-1 || r.FinalAppHash != fmt.Sprintf("%X", appHashBefore) {
		t.Fatalf("report %+v, want %d blocks ending with app hash %X", r, signed-1, appHashBefore)
	}
}
