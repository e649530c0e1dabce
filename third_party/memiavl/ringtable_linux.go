//go:build linux

package memiavl

import (
	"math/bits"
	"unsafe"
)

// ringTable finds a walker's page by file and offset. It is an open
// addressing table with linear probing, sized once for the walker's pages
// (at most half full), that deletes by shifting the entries after a hole
// back (no tombstones). A Go map keyed by the same pair took about 6 % of
// the CPU of a 10M-parcel pass in its hashing and probing
// (docs/state.md, session 31): a walk asks the table for every page it
// reads, most of which are in it already.
type ringTable struct {
	keys  []ringPageKey // f nil: empty
	vals  []int32
	shift uint // 64 - log2(len(keys))
	count int
}

// newRingTable makes a table for up to n entries.
func newRingTable(n int) ringTable {
	size := 1 << bits.Len(uint(2*max(n, 1)-1)) // the power of two at or above 2n
	return ringTable{
		keys:  make([]ringPageKey, size),
		vals:  make([]int32, size),
		shift: uint(64 - bits.TrailingZeros(uint(size))),
	}
}

// home is k's first slot: Fibonacci hashing of the file's address and
// the page's number, which takes the product's top bits.
func (t *ringTable) home(k ringPageKey) int {
	h := uint64(uintptr(unsafe.Pointer(k.f)))*0x9e3779b97f4a7c15 ^ uint64(k.off>>12)
	return int((h * 0x9e3779b97f4a7c15) >> t.shift)
}

func (t *ringTable) get(k ringPageKey) (int32, bool) {
	mask := len(t.keys) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case ringPageKey{}:
			return 0, false
		}
	}
}

// put sets k's value; the table must have room (count below half).
func (t *ringTable) put(k ringPageKey, v int32) {
	mask := len(t.keys) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			t.vals[i] = v
			return
		case ringPageKey{}:
			if 2*(t.count+1) > len(t.keys) {
				panic("ring table: full")
			}
			t.keys[i], t.vals[i] = k, v
			t.count++
			return
		}
	}
}

func (t *ringTable) delete(k ringPageKey) {
	mask := len(t.keys) - 1
	i := t.home(k)
	for ; t.keys[i] != k; i = (i + 1) & mask {
		if t.keys[i] == (ringPageKey{}) {
			return
		}
	}
	// Move back each later entry of the run that the hole at i would hide
	// from its home slot.
	for j := (i + 1) & mask; t.keys[j] != (ringPageKey{}); j = (j + 1) & mask {
		h := t.home(t.keys[j])
		// j's entry stays where it is if its home lies cyclically in (i, j]
		if (j > i && h > i && h <= j) || (j < i && (h > i || h <= j)) {
			continue
		}
		t.keys[i], t.vals[i] = t.keys[j], t.vals[j]
		i = j
	}
	t.keys[i] = ringPageKey{}
	t.count--
}

func (t *ringTable) clear() {
	clear(t.keys)
	t.count = 0
}
