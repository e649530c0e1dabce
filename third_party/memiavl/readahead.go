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
func (t *Tree) ReadAhead(key []byte) ([]byte, error) {
	node := t.root
	for node != nil {
		switch n := node.(type) {
		case *MemNode:
			if n.IsLeaf() {
				if bytes.Equal(n.key, key) {
					return n.value, nil
				}
				return nil, nil
			}
			if bytes.Compare(key, n.key) < 0 {
				node = n.Left()
			} else {
				node = n.Right()
			}
		case PersistedNode:
			return n.readAhead(key)
		default:
			v, _ := node.Get(key)
			return v, nil
		}
	}
	return nil, nil
}

// ReadAheadMappedLevels is how many levels from the top of a snapshot's
// tree ReadAhead reads through the memory map; below them it reads each
// branch with pread too. The top levels are touched by every search and
// stay resident (2^16 branches: about 3 MiB of records and keys), while
// below them, when the snapshot is larger than memory, the branch records
// and keys are as likely to be on disk as the leaves: read through the
// map, each would be a page fault holding the goroutine's processor, so
// that read-ahead goroutines could wait on at most GOMAXPROCS disk reads
// at a time.
var ReadAheadMappedLevels = 16

// readAhead finds key's leaf through the branch key files and reads the
// leaf and its key-value record with pread (the branches too below
// ReadAheadMappedLevels). Snapshots without branch key files are read
// through the map.
func (node PersistedNode) readAhead(key []byte) ([]byte, error) {
	s := node.snapshot
	if s.branchIndex == nil && !node.isLeaf {
		v, _ := node.Get(key)
		return v, nil
	}
	for depth := 0; !node.isLeaf; depth++ {
		if depth < ReadAheadMappedLevels {
			if bytes.Compare(key, s.BranchKey(node.index)) < 0 {
				node = node.left()
			} else {
				node = node.right()
			}
			continue
		}
		next, _, err := s.preadStep(node.index, key)
		if err != nil {
			return nil, err
		}
		node = next
	}
	var leaf [SizeLeafWithoutHash]byte
	if _, err := s.leavesMap.file.ReadAt(leaf[:], int64(node.index)*SizeLeaf); err != nil {
		return nil, fmt.Errorf("read leaf %d: %w", node.index, err)
	}
	keyLen := binary.LittleEndian.Uint32(leaf[OffsetLeafKeyLen:])
	offset := binary.LittleEndian.Uint64(leaf[OffsetLeafKeyOffset:])
	if int(keyLen) != len(key) {
		return nil, nil
	}
	// The record is key length, key, value length, value; read the key and
	// the value's length first, then the value if the key matches.
	head := make([]byte, 4+keyLen+4)
	if _, err := s.kvsMap.file.ReadAt(head, int64(offset)); err != nil {
		return nil, fmt.Errorf("read key-value record at %d: %w", offset, err)
	}
	if !bytes.Equal(head[4:4+keyLen], key) {
		return nil, nil
	}
	value := make([]byte, binary.LittleEndian.Uint32(head[4+keyLen:]))
	if len(value) > 0 {
		if _, err := s.kvsMap.file.ReadAt(value, int64(offset)+int64(len(head))); err != nil {
			return nil, fmt.Errorf("read value at %d: %w", offset, err)
		}
	}
	return value, nil
}

// SnapshotBytes is the size of the tree's snapshot files as mapped (zero
// without a snapshot): what its reads need in the page cache to run from
// memory.
func (t *Tree) SnapshotBytes() int64 {
	s := t.snapshot
	if s == nil {
		return 0
	}
	return int64(len(s.nodes) + len(s.leaves) + len(s.kvs) + len(s.branchKeys) + len(s.branchIndex))
}

// preadStep is one step of a search below branch index, as left() and
// right() after comparing key with BranchKey(index), reading the branch
// record, its key's offset and the key with pread. It returns the child
// the search goes on to (next) and the other one.
func (s *Snapshot) preadStep(index uint32, key []byte) (next, other PersistedNode, err error) {
	var rec [SizeNodeWithoutHash]byte
	if _, err := s.nodesMap.file.ReadAt(rec[:], int64(index)*SizeNode); err != nil {
		return next, other, fmt.Errorf("read branch %d: %w", index, err)
	}
	var off [8]byte
	if _, err := s.branchIndexMap.file.ReadAt(off[:], 8*int64(index)); err != nil {
		return next, other, fmt.Errorf("read branch key index %d: %w", index, err)
	}
	offset := int64(binary.LittleEndian.Uint64(off[:]))
	// Most keys are short: one read of the length and up to 60 bytes of
	// key, a second only for a longer key.
	var head [64]byte
	n, err := s.branchKeysMap.file.ReadAt(head[:], offset)
	if n < 4 {
		return next, other, fmt.Errorf("read branch key %d at %d: %w", index, offset, err)
	}
	keyLen := int(binary.LittleEndian.Uint32(head[:4]))
	branchKey := head[4:n]
	if keyLen <= len(branchKey) {
		branchKey = branchKey[:keyLen]
	} else {
		branchKey = make([]byte, keyLen)
		if _, err := s.branchKeysMap.file.ReadAt(branchKey, offset+4); err != nil {
			return next, other, fmt.Errorf("read branch key %d at %d: %w", index, offset, err)
		}
	}
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
		return left, right, nil
	}
	return right, left, nil // as right()
}

// ReadAheadWrite reads with pread what setting or deleting key will read
// from the snapshot, as ReadAhead does for a Get: the branches on the
// key's path (below ReadAheadMappedLevels) with their keys, the other
// child of each of them (its height and size when the path is rebalanced,
// its hash when it is rehashed), and the leaf the key lands at with its
// key. Nothing is read for the part of the path the tree holds in memory.
// The same rules as ReadAhead's: the tree must not change meanwhile.
func (t *Tree) ReadAheadWrite(key []byte) error {
	node := t.root
	for node != nil {
		switch n := node.(type) {
		case *MemNode:
			if n.IsLeaf() {
				return nil
			}
			if bytes.Compare(key, n.key) < 0 {
				node = n.Left()
			} else {
				node = n.Right()
			}
		case PersistedNode:
			return n.readAheadWrite(key)
		default:
			return nil
		}
	}
	return nil
}

func (node PersistedNode) readAheadWrite(key []byte) error {
	s := node.snapshot
	if s.branchIndex == nil {
		return nil
	}
	for depth := 0; !node.isLeaf; depth++ {
		if depth < ReadAheadMappedLevels {
			if bytes.Compare(key, s.BranchKey(node.index)) < 0 {
				node = node.left()
			} else {
				node = node.right()
			}
			continue
		}
		next, other, err := s.preadStep(node.index, key)
		if err != nil {
			return err
		}
		if err := s.preadRecord(other); err != nil {
			return err
		}
		node = next
	}
	var leaf [SizeLeafWithoutHash]byte
	if _, err := s.leavesMap.file.ReadAt(leaf[:], int64(node.index)*SizeLeaf); err != nil {
		return fmt.Errorf("read leaf %d: %w", node.index, err)
	}
	keyLen := binary.LittleEndian.Uint32(leaf[OffsetLeafKeyLen:])
	offset := binary.LittleEndian.Uint64(leaf[OffsetLeafKeyOffset:])
	head := make([]byte, 4+keyLen)
	if _, err := s.kvsMap.file.ReadAt(head, int64(offset)); err != nil {
		return fmt.Errorf("read key-value record at %d: %w", offset, err)
	}
	return nil
}

// preadRecord reads node's record (a branch's or a leaf's) with pread.
func (s *Snapshot) preadRecord(node PersistedNode) error {
	var rec [SizeNode]byte
	f, size := s.nodesMap.file, int64(SizeNode)
	if node.isLeaf {
		f, size = s.leavesMap.file, SizeLeaf
	}
	if _, err := f.ReadAt(rec[:size], int64(node.index)*size); err != nil {
		return fmt.Errorf("read node %d (leaf %v): %w", node.index, node.isLeaf, err)
	}
	return nil
}
