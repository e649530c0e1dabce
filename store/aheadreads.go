package store

import "sync"

// aheadReads keeps what a block's read-ahead found (ReadAhead: key →
// value, nil for a key not in the trees) for the block's own reads of the
// same keys. Read ahead, a record is in the page cache, but reading it
// again through the memory map walks the tree once more and maps each
// of its pages into the process, a page fault apiece: at 10M parcels in
// 8 GiB, about twenty a transfer. The values are the trees' own, read
// from the same version; any change to the trees empties the set first
// (splitKV.treesChange), so a read never sees a value the trees no longer
// hold, and so does each commit, so that it holds one block's reads.
//
// It also keeps the keys whose writes were read ahead, so that a key the
// block writes is walked for its write once: with its value, when a
// transaction's read-ahead read it (readAheadKV.Get), or else in the
// phase before the writes (ReadAheadWrites).
type aheadReads struct {
	mu     sync.RWMutex
	values map[string][]byte
	writes map[string]struct{}
}

func newAheadReads() *aheadReads {
	return &aheadReads{values: map[string][]byte{}, writes: map[string]struct{}{}}
}

// claimWrite reports whether key's write is still to be read ahead, and
// marks it read ahead.
func (a *aheadReads) claimWrite(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.writes[key]; ok {
		return false
	}
	a.writes[key] = struct{}{}
	return true
}

// put keeps key's value as read ahead, and marks key's write read ahead
// too: the walk that found it read what the write will read
// (Tree.ReadAheadForWrite).
func (a *aheadReads) put(key, value []byte) {
	k := string(key)
	a.mu.Lock()
	a.values[k] = value
	a.writes[k] = struct{}{}
	a.mu.Unlock()
}

// lookup returns key's value as read ahead, whether it was, and whether
// anything has been read ahead since the trees last changed.
func (a *aheadReads) lookup(key []byte) (v []byte, ok, any bool) {
	a.mu.RLock()
	v, ok = a.values[string(key)]
	any = len(a.values) > 0
	a.mu.RUnlock()
	return v, ok, any
}

// get returns key's value as read ahead, and whether it was.
func (a *aheadReads) get(key []byte) ([]byte, bool) {
	v, ok, _ := a.lookup(key)
	return v, ok
}

// readsAheadThroughRing lets a block's read-ahead run its transactions
// as coroutines whose keys are walked through io_uring
// (SetReadsAheadThroughRing).
var readsAheadThroughRing = true

// SetReadsAheadThroughRing says whether a block's transactions are read
// ahead on one goroutine, as coroutines whose keys are walked together
// through io_uring (AheadSession, where the kernel allows it: the
// default), or on many goroutines each walking its keys one system call
// a page (ReadAhead).
func SetReadsAheadThroughRing(on bool) { readsAheadThroughRing = on }

// ReadsAheadThroughRing says whether a block's read-ahead should open an
// AheadSession.
func ReadsAheadThroughRing() bool { return readsAheadThroughRing }

// clear forgets every value: the trees are about to change.
func (a *aheadReads) clear() {
	a.mu.Lock()
	if len(a.values) > 0 {
		clear(a.values)
	}
	if len(a.writes) > 0 {
		clear(a.writes)
	}
	a.mu.Unlock()
}
