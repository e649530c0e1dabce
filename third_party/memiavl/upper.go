package memiavl

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"os"
	"slices"
)

// The upper branches of a large snapshot, held in memory.
//
// A snapshot stores its branches in post-order, so a branch high in the
// tree lies after the whole subtree below it: two branches of the same
// height from the seventh up are more than a page apart. A search touches
// one branch at each level, and above the bottom few levels each of those
// (with its key's offset and its key, in two more files) is a page of its
// own: keeping the top levels of a tree resident costs about a page for
// every branch in them, in each of the three files, while their records
// and keys are a few dozen bytes each. When the snapshot is larger than
// memory those sparse pages compete with the bottom ones for the page
// cache and are read from disk again and again.
//
// upperBranches copies the branches from a height up (their records and
// keys) into memory at open, read from the files in order, and the
// snapshot's reads of a branch (PersistedNode.branchNode, BranchKey,
// preadStep) look there first. The tree, its hashes and proofs are
// unchanged: the copy holds the same bytes.
type upperBranches struct {
	minHeight uint8
	held      []uint64 // bit i: branch i is held
	before    []uint32 // branches held in the words before word w of held
	records   []byte   // SizeNode bytes each, in branch order
	keyEnds   []uint32 // the end of each held branch's key in keys
	keys      []byte
	// keyOffsets is the offset in the branch keys file of every
	// keySampleStride-th branch's key: a branch not held finds its key
	// by stepping over the keys after the sample's (keyOffset), in the
	// page it reads for the key anyway, instead of reading its offset
	// from the branch key index, a page of its own.
	keyOffsets []uint64
}

// keySampleStride is how many branches apart the key offsets kept are
// (half a byte of memory a branch): a branch's key then lies at most 15
// keys, about 700 bytes at 10M parcels, after its sample's, usually in the
// same page.
const keySampleStride = 16

// UpperBranchesNodes is about how many branches of each large snapshot
// are held in memory (about 100 bytes each, a branch's record and key):
// the height they are held from is the lowest that keeps them under it.
// Zero holds none.
var UpperBranchesNodes = 1 << 21

// UpperBranchesMinLeaves is the fewest leaves a snapshot has for its upper
// branches to be held: a smaller one is read from memory anyway.
var UpperBranchesMinLeaves = 1 << 22

// upperMinHeight is the lowest height whose branches, with all above them,
// number at most budget in a tree of leaves leaves (balanced: about
// leaves/2^(h-1) branches of height h or more); never below 2, so that a
// held branch is never the parent of a leaf alone.
func upperMinHeight(leaves, budget int) uint8 {
	h := 2
	for h < 64 && leaves>>(h-1) > budget {
		h++
	}
	return uint8(h)
}

// slot is the position of branch index among the held ones, if it is held
// (none is for a snapshot that holds none: u nil).
func (u *upperBranches) slot(index uint32) (int, bool) {
	if u == nil {
		return 0, false
	}
	w := index / 64
	if int(w) >= len(u.held) {
		return 0, false
	}
	word, bit := u.held[w], uint64(1)<<(index%64)
	if word&bit == 0 {
		return 0, false
	}
	return int(u.before[w]) + bits.OnesCount64(word&(bit-1)), true
}

// holds reports whether branch index is held.
func (u *upperBranches) holds(index uint32) bool {
	_, ok := u.slot(index)
	return ok
}

// record is the held branch's record.
func (u *upperBranches) record(slot int) []byte {
	return u.records[slot*SizeNode : (slot+1)*SizeNode]
}

// key is the held branch's key.
func (u *upperBranches) key(slot int) []byte {
	start := uint32(0)
	if slot > 0 {
		start = u.keyEnds[slot-1]
	}
	return u.keys[start:u.keyEnds[slot]:u.keyEnds[slot]]
}

// countBefore fills before from held, once every held bit is set.
func (u *upperBranches) countBefore() {
	held := uint32(0)
	for w := range u.held {
		u.before[w] = held
		held += uint32(bits.OnesCount64(u.held[w]))
	}
}

// Count is how many branches are held.
func (u *upperBranches) count() int {
	return len(u.keyEnds)
}

// bytes is the memory the held branches take.
func (u *upperBranches) bytes() int {
	return 8*len(u.held) + 4*len(u.before) + len(u.records) + 4*len(u.keyEnds) + len(u.keys) + 8*len(u.keyOffsets)
}

// keySample is the nearest branch at or before index whose key's offset
// is kept, and that offset; ok is false where none are (u nil).
func (u *upperBranches) keySample(index uint32) (from uint32, offset uint64, ok bool) {
	if u == nil || int(index/keySampleStride) >= len(u.keyOffsets) {
		return 0, 0, false
	}
	return index / keySampleStride * keySampleStride, u.keyOffsets[index/keySampleStride], true
}

// keyOffset is branch index's key offset in the branch keys file, found
// from the nearest kept sample by stepping over the keys between, each by
// its length (keyLen reads the length at an offset); ok is false where no
// sample is kept.
func (u *upperBranches) keyOffset(index uint32, keyLen func(at uint64) (uint32, error)) (offset uint64, ok bool, err error) {
	from, at, ok := u.keySample(index)
	if !ok {
		return 0, false, nil
	}
	for ; from < index; from++ {
		n, err := keyLen(at)
		if err != nil {
			return 0, true, err
		}
		at += 4 + uint64(n)
	}
	return at, true, nil
}

// loadUpperBranches reads the branches of height minHeight and above from
// the snapshot's files, in order: the nodes file, then the branch key
// index and the branch keys for those branches. It reads through its own
// file handles, sequentially, rather than through the maps (advised
// random, so read a page at a time).
func loadUpperBranches(dir string, branches int, minHeight uint8) (*upperBranches, error) {
	u := &upperBranches{
		minHeight: minHeight,
		held:      make([]uint64, (branches+63)/64),
		before:    make([]uint32, (branches+63)/64),
	}
	var indexes []uint32
	err := readRecords(fileNameIn(dir, FileNameNodes), SizeNode, branches, func(i int, rec []byte) {
		if rec[OffsetHeight] >= minHeight {
			u.held[i/64] |= 1 << (i % 64)
			u.records = append(u.records, rec...)
			indexes = append(indexes, uint32(i))
		}
	})
	if err != nil {
		return nil, err
	}
	u.countBefore()
	offsets := make([]uint64, 0, len(indexes))
	next := 0
	u.keyOffsets = make([]uint64, 0, (branches+keySampleStride-1)/keySampleStride)
	err = readRecords(fileNameIn(dir, FileNameBranchKeyIndex), 8, branches, func(i int, rec []byte) {
		if i%keySampleStride == 0 {
			u.keyOffsets = append(u.keyOffsets, binary.LittleEndian.Uint64(rec))
		}
		if next < len(indexes) && indexes[next] == uint32(i) {
			offsets = append(offsets, binary.LittleEndian.Uint64(rec))
			next++
		}
	})
	if err != nil {
		return nil, err
	}
	f, err := os.Open(fileNameIn(dir, FileNameBranchKeys))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := uint64(st.Size())
	r := bufio.NewReaderSize(f, 1<<20)
	u.keyEnds = make([]uint32, 0, len(offsets))
	at := uint64(0)
	var head [4]byte
	for i, offset := range offsets {
		if offset < at {
			return nil, fmt.Errorf("branch keys of %s: branch %d's key at %d is before the one before it", dir, indexes[i], offset)
		}
		if _, err := r.Discard(int(offset - at)); err != nil {
			return nil, fmt.Errorf("branch keys of %s: branch %d's key at %d: %w", dir, indexes[i], offset, err)
		}
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return nil, fmt.Errorf("branch keys of %s: branch %d's key at %d: %w", dir, indexes[i], offset, err)
		}
		n := int(binary.LittleEndian.Uint32(head[:]))
		if offset+4+uint64(n) > size {
			return nil, fmt.Errorf("branch keys of %s: branch %d's key at %d, %d bytes long, passes the file's end", dir, indexes[i], offset, n)
		}
		start := len(u.keys)
		u.keys = slices.Grow(u.keys, n)[:start+n]
		if _, err := io.ReadFull(r, u.keys[start:]); err != nil {
			return nil, fmt.Errorf("branch keys of %s: branch %d's key at %d: %w", dir, indexes[i], offset, err)
		}
		at = offset + 4 + uint64(n)
		if len(u.keys) > 1<<32-1 {
			return nil, fmt.Errorf("branch keys of %s: the held keys pass 4 GiB", dir)
		}
		u.keyEnds = append(u.keyEnds, uint32(len(u.keys)))
	}
	return u, nil
}

// readRecords reads the first n records of size bytes from the file at
// path in order, in large reads, and gives each to visit with its number.
// The slice visit gets is reused.
func readRecords(path string, size, n int, visit func(i int, rec []byte)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	adviseSequential(f)
	buf := make([]byte, size*(1<<22/size))
	for i := 0; i < n; {
		want := min(len(buf), (n-i)*size)
		if _, err := io.ReadFull(f, buf[:want]); err != nil {
			return fmt.Errorf("read %s at record %d: %w", path, i, err)
		}
		for at := 0; at < want; at += size {
			visit(i, buf[at:at+size])
			i++
		}
	}
	return nil
}

func fileNameIn(dir, name string) string {
	return dir + string(os.PathSeparator) + name
}

// HeldBranches is how many branches of the tree's snapshots (its chain's,
// for a layer) are held in memory, and the memory they take.
func (t *Tree) HeldBranches() (branches, bytes int) {
	if t.snapshot == nil {
		return 0, 0
	}
	for _, s := range t.snapshot.Chain() {
		if u := s.upper(); u != nil {
			branches += u.count()
			bytes += u.bytes()
		}
	}
	return branches, bytes
}
