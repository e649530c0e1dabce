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

// readAhead finds key's leaf through the branch key files (resident: they
// are read ahead at open and touched by every search) and reads the leaf
// and its key-value record with pread. Snapshots without branch key files
// are read through the map.
func (node PersistedNode) readAhead(key []byte) ([]byte, error) {
	s := node.snapshot
	if s.branchIndex == nil && !node.isLeaf {
		v, _ := node.Get(key)
		return v, nil
	}
	for !node.isLeaf {
		if bytes.Compare(key, s.BranchKey(node.index)) < 0 {
			node = node.left()
		} else {
			node = node.right()
		}
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
