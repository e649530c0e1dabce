package store

import (
	"sync"

	"github.com/crypto-org-chain/cronos/memiavl"
)

// aheadReads keeps what a block's read-ahead found (ReadAhead: key →
// value, nil for a key not in the trees) for the block's own reads of the
// same keys. Read ahead, a record is in the page cache, but reading it
// again through the memory map walks the tree once more and maps each
// of its pages into the process, a page fault apiece: at 10M parcels in
// 8 GiB, about twenty a transfer. The values are the trees' own, read
// from the same version; any change to the trees empties the set first
// (splitKV.applyTo), so a read never sees a value the trees no longer
// hold, and so does each commit, so that it holds one block's reads.
//
// It also keeps the keys whose writes were read ahead, so that a key the
// block writes is walked for its write once: with its value, when a
// transaction's read-ahead read it (readAheadKV.Get), or else in the
// phase before the writes (ReadAheadWrites).
//
// The walks of the keys asked go through one memiavl.RingReader, opened
// at the first key asked and closed with the next change or commit.
type aheadReads struct {
	mu     sync.RWMutex
	values map[string][]byte
	writes map[string]struct{}
	reader *memiavl.RingReader
	noRing bool // no reader could be opened since the last change
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

// get returns key's value as read ahead, and whether it was.
func (a *aheadReads) get(key []byte) ([]byte, bool) {
	a.mu.RLock()
	v, ok := a.values[string(key)]
	a.mu.RUnlock()
	return v, ok
}

// readsAheadThroughRing lets the reads ahead go through a RingReader
// (SetReadsAheadThroughRing).
var readsAheadThroughRing = false

// SetReadsAheadThroughRing says whether a block's reads ahead
// (Store.ReadAhead) walk through io_uring, one walker driving every key's
// walk (memiavl.RingReader, where the kernel allows it), or each on its
// caller's goroutine (the default). At 10M parcels in 8 GiB the reader
// read half the pages, but the block's execution found 0.8–1.9 keys a
// transfer not read ahead yet, against 0.04 walking on the goroutines
// (docs/state.md, session 25).
func SetReadsAheadThroughRing(on bool) { readsAheadThroughRing = on }

// ringReader returns the reader the keys' walks go through, opening it at
// the first key (nil where there is none: the caller walks).
func (a *aheadReads) ringReader() *memiavl.RingReader {
	a.mu.RLock()
	r, none := a.reader, a.noRing
	a.mu.RUnlock()
	if r != nil || none || !readsAheadThroughRing {
		return r
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reader == nil && !a.noRing {
		a.reader = memiavl.NewRingReader()
		a.noRing = a.reader == nil
	}
	return a.reader
}

// clear forgets every value, and closes the ring reader: the trees are
// about to change.
func (a *aheadReads) clear() {
	a.mu.Lock()
	if a.reader != nil {
		a.reader.Close()
		a.reader = nil
	}
	a.noRing = false
	if len(a.values) > 0 {
		clear(a.values)
	}
	if len(a.writes) > 0 {
		clear(a.writes)
	}
	a.mu.Unlock()
}
