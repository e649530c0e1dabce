package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
)

// RPC is the part of CometBFT's RPC client (rpc/client.Client: the local
// client of an in-process node, or rpc/client/http) a replay reads.
type RPC interface {
	Genesis(ctx context.Context) (*ctypes.ResultGenesis, error)
	GenesisChunked(ctx context.Context, chunk uint) (*ctypes.ResultGenesisChunk, error)
	Status(ctx context.Context) (*ctypes.ResultStatus, error)
	Block(ctx context.Context, height *int64) (*ctypes.ResultBlock, error)
	Commit(ctx context.Context, height *int64) (*ctypes.ResultCommit, error)
}

// RPCOptions tune ReplayRPC.
type RPCOptions struct {
	// Genesis is the genesis the chain must start from. nil fetches the
	// node's own; an auditor who does not trust the node passes the
	// published genesis instead.
	Genesis *types.GenesisDoc
	// Progress, if not nil, is called after each block with the blocks
	// done and the total.
	Progress func(done, total int64)
}

// ReplayRPC re-executes a running node's chain, read over its RPC, from
// genesis into a fresh temporary state, with the same checks as Replay.
// It replays from the initial height to the node's latest height − 1, so
// every replayed block has a next block whose header records its app hash
// and results hash and whose last commit signs it; that latest header is
// itself checked against its commit. The node is trusted for nothing but
// availability: each block must hash to the id the next one names, and
// each id must be signed by +2/3 of the validator set derived from genesis.
//
// A difference is returned as a *MismatchError together with the report.
// The report is not written anywhere (see WriteReport). Other errors (node
// unreachable, pruned blocks, a cancelled ctx) return no report.
func ReplayRPC(ctx context.Context, c RPC, opts RPCOptions) (*Report, error) {
	start := time.Now()
	return finish(start)(replayRPC(ctx, c, opts))
}

func replayRPC(ctx context.Context, c RPC, opts RPCOptions) (*Report, error) {
	if c == nil {
		return nil, errors.New("no RPC client")
	}
	gen := opts.Genesis
	if gen == nil {
		var err error
		if gen, err = FetchGenesis(ctx, c); err != nil {
			return nil, err
		}
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("node status: %w", err)
	}
	if st.NodeInfo.Network != gen.ChainID {
		return nil, fmt.Errorf("the node is on chain %q but the genesis is for %q", st.NodeInfo.Network, gen.ChainID)
	}
	first, latest := gen.InitialHeight, st.SyncInfo.LatestBlockHeight
	if latest < first+1 {
		return nil, fmt.Errorf("the node holds blocks up to height %d: a replay over RPC needs at least two blocks from height %d (each block is checked against the next)", latest, first)
	}
	if e := st.SyncInfo.EarliestBlockHeight; e > first {
		return nil, fmt.Errorf("the node pruned the blocks below height %d; a replay needs every block from genesis (height %d)", e, first)
	}
	report := &Report{ChainID: gen.ChainID, FirstHeight: first, Source: SourceRPC}
	p := plan{gen: gen, src: rpcSource{c}, first: first, last: latest - 1, top: latest, signedTip: true}
	return run(ctx, p, report, opts.Progress)
}

// FetchGenesis reads a node's genesis over RPC, in chunks when it is too
// large for one answer, and validates it.
func FetchGenesis(ctx context.Context, c RPC) (*types.GenesisDoc, error) {
	var raw []byte
	res, err := c.Genesis(ctx)
	if err == nil && res != nil && res.Genesis != nil {
		// A copy: a local client hands out the node's own document.
		if raw, err = cmtjson.Marshal(res.Genesis); err != nil {
			return nil, fmt.Errorf("genesis: %w", err)
		}
	} else {
		// Too large for one answer (or unavailable): ask for the chunks.
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ch, err := c.GenesisChunked(ctx, uint(i))
			if err != nil {
				return nil, fmt.Errorf("genesis from the node: %w", err)
			}
			data, err := base64.StdEncoding.DecodeString(ch.Data)
			if err != nil {
				return nil, fmt.Errorf("genesis chunk %d: %w", i, err)
			}
			raw = append(raw, data...)
			if i+1 >= ch.TotalChunks {
				break
			}
		}
	}
	gen, err := types.GenesisDocFromJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("genesis from the node: %w", err)
	}
	return gen, nil
}

// rpcSource reads blocks and commits over RPC.
type rpcSource struct{ c RPC }

func (s rpcSource) Block(ctx context.Context, h int64) (b *types.Block, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, &MismatchError{Height: h, Check: "block decoding", Reason: fmt.Sprintf("block decoding: %v", r)}
		}
	}()
	res, err := s.c.Block(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d: %w", h, err)
	}
	if res == nil || res.Block == nil {
		return nil, &MismatchError{Height: h, Check: "block missing", Reason: fmt.Sprintf("block missing: the node served no block %d", h)}
	}
	// Re-decode through protobuf, as the block store does: a fresh block
	// with no cached hashes, whatever the client handed out.
	pb, err := res.Block.ToProto()
	if err != nil {
		return nil, &MismatchError{Height: h, Check: "block decoding", Reason: fmt.Sprintf("block decoding: %v", err)}
	}
	return blockFromProto(h, pb, "served for height")
}

func (s rpcSource) Commit(ctx context.Context, h int64) (*types.Commit, error) {
	res, err := s.c.Commit(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("fetch commit %d: %w", h, err)
	}
	if res == nil || res.Commit == nil {
		return nil, nil
	}
	// A copy through protobuf, for the same reason as Block.
	c, err := types.CommitFromProto(res.Commit.ToProto())
	if err != nil {
		return nil, &MismatchError{Height: h, Check: "commit decoding", Reason: fmt.Sprintf("commit decoding: %v", err)}
	}
	return c, nil
}
