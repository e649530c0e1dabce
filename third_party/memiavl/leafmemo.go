package memiavl

import "sync"

// The leaves a read-ahead walk read, kept for the block's writes.
//
// A walk reads a leaf's record and key with pread (or through a ring)
// into its own buffer: the page is then in the page cache, but not in the
// process's map of the snapshot. The block's writes that follow compare
// their key with that leaf's (setRecursive, removeRecursive), and hashing
// a branch made over it reads its hash, both through the map: a page
// fault each, on a page the walk has just read (at 10M parcels in 8 GiB,
// a tenth of a transfer's CPU, most of it the fault under this machine's
// hypervisor). So a packed snapshot keeps what its walks read of each
// leaf, its version, hash and key, and the reads of those fields look
// there first. A leaf's record never changes while its snapshot is open,
// so nothing kept goes stale; the memo is emptied when it is full.

// leafMemoMax is how many leaves a snapshot keeps (some 100 bytes each):
// a block's writes need a few thousand, read ahead just before.
const leafMemoMax = 1 << 16

type leafMemo struct {
	mu     sync.RWMutex
	leaves map[uint32]memoLeaf
}

type memoLeaf struct {
	version uint32
	hash    *[SizeHash]byte
	key     []byte
}

// keep records leaf index's version, hash and key (copied; nil where the
// walk read the leaf's record only, as the child beside its way).
func (m *leafMemo) keep(index uint32, version uint32, hash, key []byte) {
	l := memoLeaf{version: version, hash: new([SizeHash]byte), key: append([]byte(nil), key...)}
	copy(l.hash[:], hash)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leaves == nil || len(m.leaves) >= leafMemoMax {
		m.leaves = make(map[uint32]memoLeaf, 1024)
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
	m.mu.RUnlock()
	return l, ok
}

// len counts the leaves kept, for tests.
func (m *leafMemo) len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.leaves)
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
