package memiavl

import (
	"encoding/binary"
	"sync"
)

// The leaves a block's read-ahead walks read, kept for its writes.
//
// A walk reads a leaf's record and key with pread (or through a ring)
// into its own buffer: the page is then in the page cache, but not in the
// process's map of the snapshot. The block's writes that follow compare
// their keys with those leaves' (setRecursive, removeRecursive), the hash
// phase reads the hashes of the leaves beside the written paths, and the
// archive their versions, all through the map: a page fault each, on a
// page a walk has just read (at 10M parcels in 8 GiB, a tenth of a
// transfer's CPU, most of it the fault under this machine's hypervisor).
// So a packed snapshot keeps what the block's walks read of each leaf:
// version, hash and key, or version and hash for a leaf beside a walk's
// way. writeKey, leafHash and leafVersion look there first. A leaf's
// record never changes while its snapshot is open, so nothing kept goes
// stale; the memo drops its older generation when the newer is full.

// leafMemoMax is how many leaves a snapshot keeps in each of two
// generations (some 100 bytes each): a block's writes need a few
// thousand, read ahead just before, and the archive reads their versions
// while the next block is read ahead.
const leafMemoMax = 1 << 16

type leafMemo struct {
	mu     sync.RWMutex
	leaves map[uint32]memoLeaf
	older  map[uint32]memoLeaf // the generation before, once leaves filled
}

type memoLeaf struct {
	version uint32
	hash    *[SizeHash]byte
	key     []byte
}

// keep records leaf index's version and hash from its record, and its
// key (copied; nil where the walk read the leaf's record only, as the
// child beside its way).
func (m *leafMemo) keep(index uint32, rec packedLeafRecord, key []byte) {
	l := memoLeaf{version: binary.LittleEndian.Uint32(rec[OffsetPackedLeafVersion:]), hash: new([SizeHash]byte), key: append([]byte(nil), key...)}
	copy(l.hash[:], rec[OffsetPackedLeafHash:])
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leaves == nil || len(m.leaves) >= leafMemoMax {
		m.older, m.leaves = m.leaves, make(map[uint32]memoLeaf, 1024)
	}
	if old, ok := m.leaves[index]; ok && key == nil && old.key != nil {
		return
	}
	m.leaves[index] = l
}

// get returns leaf index as kept, if it is.
func (m *leafMemo) get(index uint32) (memoLeaf, bool) {
	m.mu.RLock()
	l, ok := m.leaves[index]
	if !ok {
		l, ok = m.older[index]
	}
	m.mu.RUnlock()
	return l, ok
}

// len counts the leaves kept, for tests.
func (m *leafMemo) len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.leaves) + len(m.older)
}

// writeKey is node's key for a write's comparison: a snapshot leaf's as
// a read-ahead walk kept it, when it did.
func writeKey(node Node) []byte {
	if p, ok := node.(PersistedNode); ok && p.isLeaf && p.snapshot.packed {
		if l, ok := p.snapshot.memo.get(p.index); ok && l.key != nil {
			return l.key
		}
	}
	return node.Key()
}
