package memiavl

import (
	"encoding/binary"
	"fmt"
)

// A packed snapshot keeps each leaf's record in the kvs file, just before
// the leaf's key and value, and in place of the leaves file an array of
// each record's offset (FileNameLeafOffsets):
//
//	kvs record:   version (4) | hash (32) | key len (4) | key | value len (4) | value
//	leaf_offsets: the offset of each leaf's kvs record (8)
//
// A walk that ends at a leaf reads its version, hash, key and value from
// one place, where a snapshot with a leaves file (48 bytes a leaf, mostly
// its hash) read two: at 10M parcels, in a page cache smaller than the
// state, each a page from the disk. The offsets are a sixth of the leaves
// file and stay in the cache. Snapshots written before are read as they
// are (leafRecord hides the difference); every snapshot written now is
// packed, but for tests asking for the old form (writeUnpackedLeaves).
const (
	OffsetPackedLeafVersion = 0
	OffsetPackedLeafHash    = OffsetPackedLeafVersion + 4
	// SizePackedLeafHead is a packed record's bytes before the key's
	// length: the offset of that length (a leaf's KeyOffset) from the
	// record's start.
	SizePackedLeafHead = OffsetPackedLeafHash + SizeHash
	// SizeLeafOffset is a packed snapshot's leaf offset record.
	SizeLeafOffset = 8
)

// writeUnpackedLeaves, set by tests, writes snapshots with a leaves file
// as before packed leaves.
var writeUnpackedLeaves bool

// leafRecord is a leaf's record, read from either form of snapshot.
type leafRecord struct {
	version, keyLen uint32
	keyOffset       uint64 // of the key's length in kvs
	hash            []byte
}

func (l leafRecord) Version() uint32   { return l.version }
func (l leafRecord) KeyLength() uint32 { return l.keyLen }
func (l leafRecord) KeyOffset() uint64 { return l.keyOffset }
func (l leafRecord) Hash() []byte      { return l.hash }

// leaf returns leaf index's record.
func (snapshot *Snapshot) leaf(index uint32) leafRecord {
	if !snapshot.packed {
		l := snapshot.leavesLayout.Leaf(index)
		return leafRecord{version: l.Version(), keyLen: l.KeyLength(), keyOffset: l.KeyOffset(), hash: l.Hash()}
	}
	at := snapshot.packedLeafAt(index)
	kvs := snapshot.kvs
	return leafRecord{
		version:   binary.LittleEndian.Uint32(kvs[at+OffsetPackedLeafVersion:]),
		hash:      kvs[at+OffsetPackedLeafHash : at+OffsetPackedLeafHash+SizeHash : at+OffsetPackedLeafHash+SizeHash],
		keyOffset: at + SizePackedLeafHead,
		keyLen:    binary.LittleEndian.Uint32(kvs[at+SizePackedLeafHead:]),
	}
}

// leafVersion and leafHash are leaf index's version and hash, read alone
// (a leaf's Version and Hash are asked for often: a rehash, a proof).
func (snapshot *Snapshot) leafVersion(index uint32) uint32 {
	if !snapshot.packed {
		return snapshot.leavesLayout.Leaf(index).Version()
	}
	if l, ok := snapshot.memo.get(index); ok {
		return l.version
	}
	return binary.LittleEndian.Uint32(snapshot.kvs[snapshot.packedLeafAt(index)+OffsetPackedLeafVersion:])
}

func (snapshot *Snapshot) leafHash(index uint32) []byte {
	if !snapshot.packed {
		return snapshot.leavesLayout.Leaf(index).Hash()
	}
	if l, ok := snapshot.memo.get(index); ok {
		return l.hash[:]
	}
	at := snapshot.packedLeafAt(index) + OffsetPackedLeafHash
	return snapshot.kvs[at : at+SizeHash : at+SizeHash]
}

// packedLeafAt is where a packed snapshot's leaf index has its record in
// kvs.
func (snapshot *Snapshot) packedLeafAt(index uint32) uint64 {
	return binary.LittleEndian.Uint64(snapshot.leaves[SizeLeafOffset*uint64(index):])
}

// leavesFile is the name and record size of the file a snapshot of the
// form keeps its leaves in: the leaf offsets when packed, else the leaves.
func leavesFile(packed bool) (name string, recordSize int) {
	if packed {
		return FileNameLeafOffsets, SizeLeafOffset
	}
	return FileNameLeaves, SizeLeaf
}

// leafRecordSize is the size of the snapshot's records in its leaves (or
// leaf offsets) file.
func (snapshot *Snapshot) leafRecordSize() int64 {
	_, size := leavesFile(snapshot.packed)
	return int64(size)
}

// checkPackedLeaves checks that the last leaf's record ends the kvs file
// exactly, as a complete packed snapshot's does.
func checkPackedLeaves(offsets, kvs []byte) error {
	if len(offsets) == 0 {
		return nil
	}
	last := binary.LittleEndian.Uint64(offsets[len(offsets)-SizeLeafOffset:])
	end, ok := packedRecordEnd(kvs, last)
	if !ok || end != uint64(len(kvs)) {
		return fmt.Errorf("corrupted snapshot, kvs file size %d does not end with the last leaf's record at %d", len(kvs), last)
	}
	return nil
}

// packedRecordEnd is the end of the packed record at offset at in kvs;
// false if it does not fit.
func packedRecordEnd(kvs []byte, at uint64) (uint64, bool) {
	n := uint64(len(kvs))
	at += SizePackedLeafHead
	for range 2 { // the key, then the value
		if at > n || n-at < 4 {
			return 0, false
		}
		at += 4 + uint64(binary.LittleEndian.Uint32(kvs[at:]))
	}
	return at, at <= n
}
