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
	units    int // of the read-ahead memory budget it holds until taken
	// valChange: executing the block returned validator updates.
	valChange bool
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
// goroutine and stops at the first error (which it delivers) or when ctx
// ends. Blocks wait for execution in at most aheadUnits units of
// aheadUnit bytes of transactions (one unit at least each): up to
// aheadUnits small blocks, a few full ones. take returns the next one
// (nil and false once the reader stopped) and gives its units back; stop
// ends the reader and waits until it no longer reads src (whose stores
// are closed after the replay).
func readAhead(ctx context.Context, src blockSource, from, to int64) (take func() (*fetched, bool), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *fetched, aheadUnits)
	budget := make(chan struct{}, aheadUnits)
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
			f.units = unitsOf(f.block)
			for range f.units {
				select {
				case budget <- struct{}{}:
				case <-ctx.Done():
					return
				}
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
	take = func() (*fetched, bool) {
		f, ok := <-out
		if ok {
			for range f.units {
				<-budget
			}
		}
		return f, ok
	}
	return take, func() { cancel(); <-done }
}

// The read-ahead budget: 256 blocks of up to 256 KiB of transactions,
// 64 MiB in all.
const (
	aheadUnit  = 256 << 10
	aheadUnits = 256
)

func unitsOf(b *types.Block) int {
	if b == nil {
		return 1
	}
	n := 0
	for _, t := range b.Txs {
		n += len(t)
	}
	return min(aheadUnits, max(1, (n+aheadUnit-1)/aheadUnit))
}
