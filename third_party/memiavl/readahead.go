package memiavl

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// ReadAhead returns key's value (nil if absent) as Get does, but reads the
// snapshot's leaf record and key-value record with pread instead of
// through the memory map. A page fault on the map holds the goroutine's
// processor (P) while the disk answers; a pread is a system call, during
// which the Go scheduler runs other goroutines. Many goroutines calling
// ReadAhead therefore keep many disk reads in flight, and the pages they
// read are then in the page cache for the mapped reads of Get. It reads
// the tree only: it must not run while the tree is being changed (or the
// snapshot replaced), and it does not touch the tree's cache.
func (t *Tree) ReadAhead(key []byte) ([]byte, error) { return t.readAheadValue(key, nil) }

// ReadAheadForWrite is ReadAhead for a key that may be written next: it
// also reads what ReadAheadWrite would (the other child of each branch
// on the way), in the same walk, so that the key's write needs no walk
// of its own.
func (t *Tree) ReadAheadForWrite(key []byte) ([]byte, error) {
	return t.readAheadValue(key, preadRecordKept)
}

func (t *Tree) readAheadValue(key []byte, visitOther func(*preadSpans, PersistedNode) error) ([]byte, error) {
	node, depth := t.memDescend(key)
	n, ok := node.(PersistedNode)
	if !ok {
		return valueAbove(node, key)
	}
	w := newPreadSpans()
	defer w.done()
	return n.readAhead(w, key, depth, visitOther)
}

// valueAbove is key's value where its search ends above the snapshot
// (memDescend's node not a PersistedNode): at a leaf in memory, or in an
// empty tree.
func valueAbove(node Node, key []byte) ([]byte, error) {
	switch n := node.(type) {
	case *MemNode: // a leaf
		if bytes.Equal(n.key, key) {
			return n.value, nil
		}
		return nil, nil
	case nil:
		return nil, nil
	default:
		v, _ := n.Get(key)
		return v, nil
	}
}

// memDescend follows key's search through the part of the tree held in
// memory (its MemNodes) and returns where it leaves it, a leaf or the
// first node of a snapshot (nil for an empty tree), with that node's
// depth from the root.
func (t *Tree) memDescend(key []byte) (Node, int) {
	node, depth := t.root, 0
	for node != nil {
		n, ok := node.(*MemNode)
		if !ok || n.IsLeaf() {
			return node, depth
		}
		if bytes.Compare(key, n.key) < 0 {
			node = n.left
		} else {
			node = n.right
		}
		depth++
	}
	return nil, depth
}

// ReadAheadMappedLevels is how many levels from the top of the tree
// ReadAhead reads through the memory map; below them it reads each
// branch with pread too, in a full snapshot or in a layer alike. The top
// levels are touched by every search and are the likeliest to stay
// resident: 2^16 branches, whose records and keys are about 3 MiB but,
// lying in post-order among the rest, spread over about as many pages as
// there are branches (so in a tight memory cgroup they too are read from
// disk). Below them, when the snapshots are larger than memory, the
// branch records and keys are as likely to be on disk as the leaves:
// read through the map, each would be a page fault holding the
// goroutine's processor, so that read-ahead goroutines could wait on at
// most GOMAXPROCS disk reads at a time. A snapshot whose upper branches
// are held in memory (upper.go) reads those from memory at any level. The
// levels count from the tree's root, through its MemNodes and the layers,
// so that a search entering a snapshot deep down does not read its bottom
// pages through the map.
var ReadAheadMappedLevels = 16

// readAhead finds key's leaf below node, at depth from the root, reading
// branches as preadDescend does (visitOther, when not nil, given the
// children off the way), and reads the leaf and its key-value record with
// pread.
func (node PersistedNode) readAhead(w *preadSpans, key []byte, depth int, visitOther func(*preadSpans, PersistedNode) error) ([]byte, error) {
	leaf, err := node.preadDescend(w, key, depth, 0, visitOther)
	if err != nil {
		return nil, err
	}
	return leaf.snapshot.preadLeafValue(w, leaf, key)
}

// preadLeafValue reads with pread the value of leaf if its key is key
// (nil if not), from its record and its key-value record.
func (s *Snapshot) preadLeafValue(w *preadSpans, leaf PersistedNode, key []byte) ([]byte, error) {
	head, offset, err := s.preadLeafHead(w, leaf, key, true)
	if err != nil || head == nil {
		return nil, err
	}
	keyLen := len(head) - 8
	if !bytes.Equal(head[4:4+keyLen], key) {
		return nil, nil
	}
	value := make([]byte, binary.LittleEndian.Uint32(head[4+keyLen:]))
	if len(value) > 0 {
		if err := w.readAt(spanKVs, s.kvsMap.file, value, offset+int64(len(head))); err != nil {
			if err == errRingPending {
				return nil, err
			}
			return nil, fmt.Errorf("read value at %d: %w", offset, err)
		}
	}
	if s.values != nil {
		return s.values.decode(value)
	}
	return value, nil
}

// preadDescend follows key's search from node, at depth from the tree's
// root, down to the leaf it ends at, through whichever snapshots of the
// chain the path crosses: through the map for the top
// ReadAheadMappedLevels levels and in snapshots without branch key
// files, from memory for a snapshot's held upper branches, and with pread
// (preadStep) elsewhere. At each level not read through the map,
// visitOther (when not nil) is given the child the search does not take.
// Given a height above 0 (stopAt), it stops at the first branch no higher,
// having read that branch but not its children.
func (node PersistedNode) preadDescend(w *preadSpans, key []byte, depth int, stopAt uint8, visitOther func(*preadSpans, PersistedNode) error) (PersistedNode, error) {
	for ; !node.isLeaf; depth++ {
		next, stop, err := node.descendStep(w, key, depth, stopAt, visitOther)
		if err != nil || stop {
			return node, err
		}
		node = next
	}
	return node, nil
}

// descendStep is one level of preadDescend below branch node: the child
// the search goes on to, or stop where the search ends at node (stopAt
// reached, or a read failed).
func (node PersistedNode) descendStep(w *preadSpans, key []byte, depth int, stopAt uint8, visitOther func(*preadSpans, PersistedNode) error) (next PersistedNode, stop bool, err error) {
	s := node.snapshot
	if s.branchIndex == nil || depth < ReadAheadMappedLevels && !s.upper().holds(node.index) {
		if stopAt > 0 && node.Height() <= stopAt {
			return node, true, nil
		}
		if bytes.Compare(key, s.BranchKey(node.index)) < 0 {
			return node.left(), false, nil
		}
		return node.right(), false, nil
	}
	next, other, height, err := s.preadStep(w, node.index, key)
	if err != nil || height <= stopAt {
		return node, true, err
	}
	if visitOther != nil {
		if err := visitOther(w, other); err != nil {
			return node, true, err
		}
	}
	return next, false, nil
}

// preadLeafHead reads leaf's record and the head of its key-value record
// with pread: the key's length, the key and the value's length. It
// returns the head and the record's offset in the key-value file. Given
// a key (not nil) it returns a nil head when the leaf's key is not as
// long (having read no further than the leaf record, but where it is to
// keep the leaf). With keep, a packed snapshot keeps the leaf for the
// block's writes (leafmemo.go).
func (s *Snapshot) preadLeafHead(w *preadSpans, leaf PersistedNode, key []byte, keep bool) ([]byte, int64, error) {
	rec, keyLen, offset, err := s.preadLeafRecord(w, leaf.index)
	if err != nil {
		return nil, 0, err
	}
	keep = keep && s.packed
	if key != nil && keyLen != len(key) && !keep {
		return nil, offset, nil
	}
	// (a leaf to keep for the write that may follow is read whole
	// whatever its key: leafmemo.go)
	head := make([]byte, 4+keyLen+4)
	if err := w.readAt(spanKVs, s.kvsMap.file, head, offset); err != nil {
		if err == errRingPending {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("read key-value record at %d: %w", offset, err)
	}
	if keep {
		s.memo.keep(leaf.index, rec, head[4:4+keyLen])
	}
	if key != nil && keyLen != len(key) {
		return nil, offset, nil
	}
	return head, offset, nil
}

// packedLeafRecord is the head of a packed snapshot's leaf record as
// preadLeafRecord reads it: version, hash and the key's length.
type packedLeafRecord [SizePackedLeafHead + 4]byte

// preadLeafRecord reads with pread the length of leaf index's key and
// where in kvs its key-value record begins (the key's length), from the
// leaf's record: in the leaves file, or in kvs itself for a packed
// snapshot, found by its offset. For a packed snapshot it also returns
// the record's head (rec is zero otherwise).
func (s *Snapshot) preadLeafRecord(w *preadSpans, index uint32) (rec packedLeafRecord, keyLen int, offset int64, err error) {
	if !s.packed {
		var leaf [SizeLeafWithoutHash]byte
		if err := w.readAt(spanLeaves, s.leavesMap.file, leaf[:], int64(index)*SizeLeaf); err != nil {
			if err == errRingPending {
				return rec, 0, 0, err
			}
			return rec, 0, 0, fmt.Errorf("read leaf %d: %w", index, err)
		}
		return rec, int(binary.LittleEndian.Uint32(leaf[OffsetLeafKeyLen:])), int64(binary.LittleEndian.Uint64(leaf[OffsetLeafKeyOffset:])), nil
	}
	at, err := s.preadLeafOffset(w, index)
	if err != nil {
		return rec, 0, 0, err
	}
	if err := w.readAt(spanKVs, s.kvsMap.file, rec[:], at); err != nil {
		if err == errRingPending {
			return rec, 0, 0, err
		}
		return rec, 0, 0, fmt.Errorf("read leaf %d's record at %d: %w", index, at, err)
	}
	return rec, int(binary.LittleEndian.Uint32(rec[SizePackedLeafHead:])), at + SizePackedLeafHead, nil
}

// preadLeafOffset reads with pread where a packed snapshot's leaf index
// has its record in kvs.
func (s *Snapshot) preadLeafOffset(w *preadSpans, index uint32) (int64, error) {
	var off [SizeLeafOffset]byte
	if err := w.readAt(spanLeaves, s.leavesMap.file, off[:], int64(index)*SizeLeafOffset); err != nil {
		if err == errRingPending {
			return 0, err
		}
		return 0, fmt.Errorf("read leaf %d's offset: %w", index, err)
	}
	return int64(binary.LittleEndian.Uint64(off[:])), nil
}

// SnapshotBytes is the size of the tree's snapshot files as mapped, its
// chain's for a layer (zero without a snapshot): what its reads need in the page cache to run from
// memory.
func (t *Tree) SnapshotBytes() int64 {
	if t.snapshot == nil {
		return 0
	}
	var n int64
	for _, s := range t.snapshot.Chain() {
		n += s.bytes()
	}
	return n
}

// preadStep is one step of a search below branch index, as left() and
// right() after comparing key with BranchKey(index), reading the branch
// record, its key's offset and the key with pread. It returns the child
// the search goes on to (next), the other one, and the branch's height.
func (s *Snapshot) preadStep(w *preadSpans, index uint32, key []byte) (next, other PersistedNode, height uint8, err error) {
	if s.chain != nil {
		return s.preadLayerStep(w, index, key)
	}
	var rec [SizeNodeWithoutHash]byte
	branchKey, err := s.readBranch(w, index, rec[:])
	if err != nil {
		return next, other, 0, err
	}
	height = rec[OffsetHeight]
	preTrees := uint32(rec[OffsetPreTrees])
	size := binary.LittleEndian.Uint32(rec[OffsetSize:])
	keyLeaf := binary.LittleEndian.Uint32(rec[OffsetKeyLeaf:])
	left := PersistedNode{snapshot: s, index: getLeftBranch(keyLeaf, preTrees)}
	if startLeaf := getStartLeaf(index, size, preTrees); startLeaf+1 == keyLeaf {
		left = PersistedNode{snapshot: s, index: startLeaf, isLeaf: true}
	}
	right := PersistedNode{snapshot: s, index: index - 1}
	if keyLeaf == getEndLeaf(index, preTrees) {
		right = PersistedNode{snapshot: s, index: keyLeaf, isLeaf: true}
	}
	if bytes.Compare(key, branchKey) < 0 { // as left()
		return left, right, height, nil
	}
	return right, left, height, nil // as right()
}

// preadLayerStep is preadStep for a layer's branch, whose record names
// its children.
func (s *Snapshot) preadLayerStep(w *preadSpans, index uint32, key []byte) (next, other PersistedNode, height uint8, err error) {
	var rec [SizeLayerNode]byte
	branchKey, err := s.readBranch(w, index, rec[:])
	if err != nil {
		return next, other, 0, err
	}
	left := s.resolve(binary.LittleEndian.Uint64(rec[OffsetLayerLeft:]))
	right := s.resolve(binary.LittleEndian.Uint64(rec[OffsetLayerRight:]))
	if bytes.Compare(key, branchKey) < 0 {
		return left, right, rec[OffsetHeight], nil
	}
	return right, left, rec[OffsetHeight], nil
}

// ReadAheadWrite reads with pread what setting or deleting key will read
// from the snapshot, as ReadAhead does for a Get: the branches on the
// key's path (below ReadAheadMappedLevels) with their keys, the other
// child of each of them (its height and size when the path is rebalanced,
// its hash when it is rehashed), and the leaf the key lands at with its
// key. Nothing is read for the part of the path the tree holds in memory.
// The same rules as ReadAhead's: the tree must not change meanwhile.
func (t *Tree) ReadAheadWrite(key []byte) error {
	node, depth := t.memDescend(key)
	n, ok := node.(PersistedNode)
	if !ok {
		return nil
	}
	w := newPreadSpans()
	defer w.done()
	leaf, err := n.preadDescend(w, key, depth, 0, preadRecordKept)
	if err != nil {
		return err
	}
	_, _, err = leaf.snapshot.preadLeafHead(w, leaf, nil, true)
	return err
}

// preadRecord reads node's record (a branch's or a leaf's) with pread,
// from whichever snapshot of a chain holds it.
func preadRecord(w *preadSpans, node PersistedNode) error { return preadRecordKeep(w, node, false) }

// preadRecordKept is preadRecord for a block's walks: a packed snapshot
// keeps a leaf's version and hash (leafmemo.go).
func preadRecordKept(w *preadSpans, node PersistedNode) error { return preadRecordKeep(w, node, true) }

func preadRecordKeep(w *preadSpans, node PersistedNode, keep bool) error {
	s := node.snapshot
	kind, f, size := spanLeaves, s.leavesMap.file, int64(SizeLeaf)
	if node.isLeaf && s.packed { // its record is the head of its key-value record
		rec, _, _, err := s.preadLeafRecord(w, node.index)
		if err == nil && keep {
			s.memo.keep(node.index, rec, nil)
		}
		return err
	}
	if !node.isLeaf {
		if s.upper().holds(node.index) {
			return nil
		}
		kind, f, size = spanNodes, s.nodesMap.file, s.branchRecordSize()
	}
	var rec [SizeLayerNode]byte
	if err := w.readAt(kind, f, rec[:size], int64(node.index)*size); err != nil {
		if err == errRingPending {
			return err
		}
		return fmt.Errorf("read node %d (leaf %v): %w", node.index, node.isLeaf, err)
	}
	return nil
}

// branchRecordSize is the size of the snapshot's branch records: a
// layer's name their children.
func (s *Snapshot) branchRecordSize() int64 {
	if s.chain != nil {
		return SizeLayerNode
	}
	return SizeNode
}

// readBranch reads the head of branch index's record into rec (as long
// as rec) and returns its key: from memory for a held branch, else with
// pread (preadBranch).
func (s *Snapshot) readBranch(w *preadSpans, index uint32, rec []byte) ([]byte, error) {
	u := s.upper()
	if slot, ok := u.slot(index); ok {
		copy(rec, u.record(slot))
		return u.key(slot), nil
	}
	return s.preadBranch(w, index, rec)
}

// preadBranch reads the head of branch index's record into rec (as long
// as rec), its key's offset and the key with pread, and returns the key.
func (s *Snapshot) preadBranch(w *preadSpans, index uint32, rec []byte) ([]byte, error) {
	if err := w.readAt(spanNodes, s.nodesMap.file, rec, int64(index)*s.branchRecordSize()); err != nil {
		if err == errRingPending {
			return nil, err
		}
		return nil, fmt.Errorf("read branch %d: %w", index, err)
	}
	var keyLen [4]byte
	readKeyLen := func(at uint64) (uint32, error) {
		if err := w.readAt(spanBranchKeys, s.branchKeysMap.file, keyLen[:], int64(at)); err != nil {
			if err == errRingPending {
				return 0, err
			}
			return 0, fmt.Errorf("read a branch key's length at %d: %w", at, err)
		}
		return binary.LittleEndian.Uint32(keyLen[:]), nil
	}
	at, ok, err := s.upper().keyOffset(index, readKeyLen)
	if err != nil {
		return nil, err
	}
	if !ok {
		var off [8]byte
		if err := w.readAt(spanBranchIndex, s.branchIndexMap.file, off[:], 8*int64(index)); err != nil {
			if err == errRingPending {
				return nil, err
			}
			return nil, fmt.Errorf("read branch key index %d: %w", index, err)
		}
		at = binary.LittleEndian.Uint64(off[:])
	}
	offset := int64(at)
	if _, err := readKeyLen(at); err != nil { // the key's own length (in the span stepped over to it)
		return nil, err
	}
	branchKey := make([]byte, binary.LittleEndian.Uint32(keyLen[:]))
	if err := w.readAt(spanBranchKeys, s.branchKeysMap.file, branchKey, offset+4); err != nil {
		if err == errRingPending {
			return nil, err
		}
		return nil, fmt.Errorf("read branch key %d at %d: %w", index, offset, err)
	}
	return branchKey, nil
}
