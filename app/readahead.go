package app

import (
	"sync"
	"sync/atomic"

	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// ReadAheadMode says when a block's transactions are read ahead.
type ReadAheadMode int

const (
	// ReadAheadAuto reads ahead when the latest state's snapshot does not
	// fit in the memory available (store.FitsInMemory): when it does, the
	// node reads it into the page cache at start (store.Prewarm), its pages
	// stay there, and reading ahead would only spend CPU (at 10M parcels,
	// 779 µs a transfer with it against 573 µs without, no disk read
	// either way).
	ReadAheadAuto ReadAheadMode = iota
	ReadAheadOn
	ReadAheadOff
)

// SetReadAhead sets when blocks are read ahead (ReadAheadAuto by default).
func (a *App) SetReadAhead(m ReadAheadMode) { a.readAheadMode = m }

// ReadAheadTxs counts the transactions read ahead since the node started.
func (a *App) ReadAheadTxs() int64 { return a.readAheadTxs.Load() }

// KeptAhead counts the transactions whose run ahead a block kept instead
// of handling the message again (speculation.go) since the node started.
func (a *App) KeptAhead() int64 { return a.keptAhead.Load() }

// ReadAheadWrites counts the keys whose writes were read ahead since the
// node started, in the phase before each block's writes (a key a
// transaction's read-ahead read is read for its write then, and not
// again).
func (a *App) ReadAheadWrites() int64 { return a.readAheadKeys.Load() }

func (a *App) readAheadOn() bool {
	switch a.readAheadMode {
	case ReadAheadOn:
		return true
	case ReadAheadOff:
		return false
	}
	size := a.store.SnapshotBytes()
	return size > 0 && !store.FitsInMemory(size)
}

// DefaultReadAheadWorkers is how many transactions are read ahead at once
// without the ring (readAheadRing) unless SetReadAheadWorkers says
// otherwise: each keeps one disk read in
// flight, so this is the depth of the disk's queue.
const DefaultReadAheadWorkers = 16

// SetReadAheadWorkers sets how many reads a block's read-ahead keeps in
// flight (DefaultReadAheadWorkers if n < 1): a disk that answers more
// random reads a second with a deeper queue wants more.
func (a *App) SetReadAheadWorkers(n int) { a.readAheadWorkers = n }

// writesAheadFactor is how many times workersAhead a block's writes keep
// reads in flight when read ahead (readAheadWrites says why).
const writesAheadFactor = 4

func (a *App) workersAhead() int {
	if a.readAheadWorkers < 1 {
		return DefaultReadAheadWorkers
	}
	return a.readAheadWorkers
}

// readAhead runs a block's transactions ahead of the block, on a
// throwaway cache over the state as it was before the block, reading
// through store.ReadAhead (system calls, not page faults). The records
// each transaction will read are then in memory when the block executes
// it. This matters only when the state is larger than memory: then a
// transaction that reads a dozen records waits for a dozen disk reads one
// after another, while read ahead they are many in flight at once. The
// block keeps a run's outcome only where nothing the run read has changed
// since (speculation.go), and handles the message again otherwise, so
// reading ahead never changes an outcome.
//
// Only messages that declare their handler cheap to run twice
// (MsgSpec.ReadAhead) are read ahead; a transaction the block has already
// reached is skipped, and the block waits for one under way (aheadRun).
//
// Two ways to run them: as coroutines on ringAheadDrivers goroutines,
// their keys walked together through io_uring (readAheadRing, where the
// kernel allows it and store.ReadsAheadThroughRing says so: the default),
// or on workersAhead goroutines each walking its keys a system call a
// page.
type readAhead struct {
	next    atomic.Int64 // the next transaction to read ahead
	stopped atomic.Bool
	wg      sync.WaitGroup
	// runs holds each transaction's run ahead: whether one started, and
	// what it left (speculation.go: the block may keep it).
	runs []aheadRun
}

// aheadRun is one transaction's run ahead. The read-ahead claims a
// transaction before it runs it ahead, and the block before it executes
// one that no run ahead has claimed; the block waits for a run under way
// rather than do its work a second time beside it.
type aheadRun struct {
	state atomic.Int32  // runFree, runClaimed or runTaken
	done  chan struct{} // closed once a claimed run has ended
	ran   *speculation  // set before done closes; nil if not to be kept
}

const (
	runFree    = iota // neither has claimed it yet
	runClaimed        // the read-ahead runs it
	runTaken          // the block executes it without
)

// claim takes transaction i for the read-ahead, unless the block has
// reached it.
func (r *readAhead) claim(i int) bool {
	return r.runs[i].state.CompareAndSwap(runFree, runClaimed)
}

// claimed reports whether transaction i is the read-ahead's or the
// block's already.
func (r *readAhead) claimed(i int) bool { return r.runs[i].state.Load() != runFree }

// finish records how transaction i's run ahead ended.
func (r *readAhead) finish(i int, ran *speculation) {
	r.runs[i].ran = ran
	close(r.runs[i].done)
}

// startReadAhead decides whether the block is read ahead (a.readAheadOn:
// the store has a snapshot larger than memory), sets the scheduler's
// processors for it (fitProcs) and starts the workers.
func (a *App) startReadAhead(txs [][]byte, pre *prechecked) *readAhead {
	r := &readAhead{}
	a.block.readAhead = a.readAheadOn()
	a.fitProcs(a.block.readAhead)
	if !a.block.readAhead || len(txs) < 2 {
		return r
	}
	view := a.store.ReadAhead()
	r.runs = make([]aheadRun, len(txs))
	for i := range r.runs {
		r.runs[i].done = make(chan struct{})
	}
	if store.ReadsAheadThroughRing() {
		var sessions []*store.AheadSession
		for range ringAheadDrivers {
			if s := a.store.NewAheadSession(); s != nil {
				sessions = append(sessions, s)
			}
		}
		for part, s := range sessions {
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				a.readAheadRing(r, s, view, txs, pre, part, len(sessions))
			}()
		}
		if len(sessions) > 0 {
			return r
		}
	}
	for range min(a.workersAhead(), len(txs)) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for !r.stopped.Load() {
				i := int(r.next.Add(1) - 1)
				if i >= len(txs) {
					return
				}
				if r.claimed(i) {
					continue
				}
				if res := pre.wait(i); res.err == nil && res.c.spec.ReadAhead && r.claim(i) {
					r.finish(i, a.runAhead(view, res.c, txs[i]))
					a.readAheadTxs.Add(1)
				}
			}
		}()
	}
	return r
}

// at tells the read-ahead the block has reached transaction i, and
// returns its run ahead: nil if none has started (none will now), else
// once it has ended.
func (r *readAhead) at(i int) *speculation {
	if r.runs == nil || r.runs[i].state.CompareAndSwap(runFree, runTaken) {
		return nil
	}
	<-r.runs[i].done
	ran := r.runs[i].ran
	r.runs[i].ran = nil
	return ran
}

// stop waits for the workers: the trees must not change under them.
func (r *readAhead) stop() {
	r.stopped.Store(true)
	r.wg.Wait()
}

// runAhead authenticates and handles a fresh copy of the message (the
// block's own copy is not shared: a handler may change its message) on a
// throwaway cache. What it returns, when the handler succeeded, the block
// may keep instead of handling the message again (speculation.go). Any
// failure or panic only ends the read-ahead of this transaction (nil).
func (a *App) runAhead(view store.KV, c *checked, raw []byte) (ran *speculation) {
	defer func() {
		if recover() != nil {
			ran = nil
		}
	}()
	fresh, err := a.checkMessage(c.tx)
	if err != nil {
		return nil
	}
	kv := store.NewCache(view)
	// Any sequence will do: an account's later transactions in the block
	// are read ahead too.
	signers, _, err := a.authenticate(kv, fresh, func(*authority.Account) uint64 { return fresh.tx.Sequence })
	if err != nil {
		return nil
	}
	reads := &readRecorder{parent: kv}
	writes := store.NewCache(reads)
	ctx := &module.Context{
		Height:  a.block.height,
		Time:    a.block.time,
		ChainID: a.chainID,
		TxHash:  tx.Hash(raw),
		KV:      writes,
		Signers: signers,
	}
	data, err := fresh.spec.Handle(ctx, fresh.msg)
	if err != nil || c.spec.Prepare != nil || c.spec.PrepareBatch != nil {
		// a failure is handled again for its message; a prepared message
		// is handled with what its Prepare hook left in it
		return nil
	}
	return &speculation{signers: signers, reads: reads, writes: writes, data: data, events: ctx.Events()}
}

// readAheadWrites reads ahead what applying the block's writes will read
// from the trees, with writesAheadFactor times workersAhead reads in
// flight: nothing else runs meanwhile, so a read that waits for the disk
// parked on a timer (memiavl's read-ahead) sleeps for the Go scheduler's
// shortest wait when idle, a millisecond, and only more reads at once
// keep the phase short. Inserting and
// deleting keys (an owner period opened, a party's index entry moved, a
// history entry added) rebalance and rehash their paths, reading the
// branches beside them, which no transaction read: one fault at a time
// while the trees change, without this.
func (a *App) readAheadWrites(kv *store.Cache) {
	if !a.block.readAhead {
		return
	}
	n := a.store.ReadAheadWrites(kv.ChangedKeys(), writesAheadFactor*a.workersAhead())
	a.readAheadKeys.Add(int64(n))
}
