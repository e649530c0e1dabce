package store

import "sync"

// aheadReads keeps what a block's read-ahead found (ReadAhead: key →
// value, nil for a key not in the trees) for the block's own reads of the
// same keys. Read ahead, a record is in the page cache, but reading it
// again through the memory map walks the tree once more and maps each
// of its pages into the process, a page fault apiece: at 10M parcels in
// 8 GiB, about twenty a transfer. The values are the trees' own, read
// from the same version; any change to the trees empties the set first
// (splitKV.applyTo), so a read never sees a value the trees no longer
// hold, and so does each commit, so that it holds one block's reads.
type aheadReads struct {
	mu     sync.RWMutex
	values map[string][]byte
}

func newAheadReads() *aheadReads { return &aheadReads{values: map[string][]byte{}} }

func (a *aheadReads) put(key, value []byte) {
	a.mu.Lock()
	a.values[string(key)] = value
	a.mu.Unlock()
}

// get returns key's value as read ahead, and whether it was.
func (a *aheadReads) get(key []byte) ([]byte, bool) {
	a.mu.RLock()
	v, ok := a.values[string(key)]
	a.mu.RUnlock()
	return v, ok
}

// clear forgets every value: the trees are about to change.
func (a *aheadReads) clear() {
	a.mu.Lock()
	if len(a.values) > 0 {
		clear(a.values)
	}
	a.mu.Unlock()
}
