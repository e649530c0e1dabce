package audit

import (
	"context"

	"github.com/cometbft/cometbft/types"
)

// fetched is a block read ahead of execution with the checks that need
// nothing but the block itself already computed (on another core), so
// apply only compares: reading, decoding and hashing a block overlap the
// execution of the blocks before it.
type fetched struct {
	block *types.Block
	err   error // the source's error for this height; block is nil

	txsHash  []byte // the transactions hashed afresh
	validErr error  // block.ValidateBasic
	hash     []byte // block.Hash()
	parts    types.PartSetHeader
	partsErr error
}

func prepare(b *types.Block) *fetched {
	f := &fetched{block: b, txsHash: b.Txs.Hash()}
	f.validErr = b.ValidateBasic()
	f.hash = b.Hash()
	ps, err := b.MakePartSet(types.BlockPartSizeBytes)
	if err != nil {
		f.partsErr = err
	} else {
		f.parts = ps.Header()
	}
	return f
}

// readAhead reads blocks from..to (inclusive) from src in order on its own
// goroutine, at most ahead blocks before they are taken, and stops at the
// first error (which it delivers) or when ctx ends. stop ends it and waits
// until it no longer reads src (whose stores are closed after the replay).
func readAhead(ctx context.Context, src blockSource, from, to int64, ahead int) (blocks <-chan *fetched, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *fetched, ahead)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for h := from; h <= to; h++ {
			b, err := src.Block(ctx, h)
			f := &fetched{err: err}
			if err == nil {
				f = prepare(b)
			}
			select {
			case out <- f:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func() { cancel(); <-done }
}
