package memiavl

import (
	"encoding/binary"
	"io"
)

// copyRecordsBatch is how many records a subtree copy patches before it
// hands them to a file's writer.
const copyRecordsBatch = 4096

// noSubtreeCopy, set by tests, writes every node one by one.
var noSubtreeCopy bool

// copyableSubtree reports whether the writer can copy p and everything
// under it as the records of its snapshot: p is a branch of a full
// snapshot (not a layer) that stores its values as the writer does and
// has the branch key files.
func (w *snapshotWriter) copyableSubtree(p PersistedNode) bool {
	s := p.snapshot
	return !noSubtreeCopy && !p.isLeaf && s.chain == nil && s.values == w.values && s.branchIndex != nil
}

// copySubtree writes p, a branch of a full snapshot, and every node under
// it by copying the snapshot's records. A subtree of a full snapshot is
// stored in runs: its leaves, its branches (post-order), their keys and
// values, their branch keys, each one stretch of its file. What the
// writer would write node by node is the same bytes but for the positions
// inside the files: a leaf's offset in the kvs file, a branch's key leaf,
// its count of pending subtrees (preTrees) and its offset in the branch
// keys file, which all move by as much as the run moved. Copying skips
// the work per node (an interface call per field, a boxed node, a write
// per field) that made a whole rewrite at 10M parcels CPU-bound, most of
// whose tree is unchanged since its base. The files are byte for byte
// those written node by node (TestSubtreeCopyWritesTheSameFiles).
func (w *snapshotWriter) copySubtree(p PersistedNode) error {
	s := p.snapshot
	data := p.branchNode()
	size := data.Size()
	oldPre := uint32(data.PreTrees())
	leafStart := getStartLeaf(p.index, size, oldPre)
	branchStart := p.index + 2 - size
	newPre := w.leafCounter - w.branchCounter
	newLeafStart := w.leafCounter

	select {
	case <-w.ctx.Done():
		return w.ctx.Err()
	default:
	}

	// the keys and values: one stretch, from the first leaf's record to
	// the end of the last's
	kvStart := s.leavesLayout.Leaf(leafStart).KeyOffset()
	last := s.leavesLayout.Leaf(leafStart + size - 1)
	kvEnd := last.KeyOffset() + 4 + uint64(last.KeyLength())
	kvEnd += 4 + uint64(binary.LittleEndian.Uint32(s.kvs[kvEnd:]))
	if _, err := w.kvWriter.Write(s.kvs[kvStart:kvEnd]); err != nil {
		return err
	}

	// the leaves, each with its record's new offset
	kvsOffset := w.kvsOffset
	if err := w.copyRecords(w.leavesWriter, s.leaves[uint64(leafStart)*SizeLeaf:], SizeLeaf, size, func(leaf []byte) {
		field := leaf[OffsetLeafKeyOffset:]
		binary.LittleEndian.PutUint64(field, binary.LittleEndian.Uint64(field)-kvStart+kvsOffset)
	}, func(n uint32) {
		before := w.leafCounter
		w.leafCounter += n
		if w.ahead != nil && before/1024 != w.leafCounter/1024 {
			w.ahead.wrote(w.leafCounter)
		}
	}); err != nil {
		return err
	}
	w.kvsOffset += kvEnd - kvStart

	// the branch keys, one stretch, and their new offsets
	branches := size - 1
	keysStart := binary.LittleEndian.Uint64(s.branchIndex[8*uint64(branchStart):])
	keysEnd := binary.LittleEndian.Uint64(s.branchIndex[8*uint64(p.index):])
	keysEnd += 4 + uint64(binary.LittleEndian.Uint32(s.branchKeys[keysEnd:]))
	if _, err := w.branchKeysWriter.Write(s.branchKeys[keysStart:keysEnd]); err != nil {
		return err
	}
	keysOffset := w.branchKeysOffset
	if err := w.copyRecords(w.branchIndexWriter, s.branchIndex[8*uint64(branchStart):], 8, branches, func(offset []byte) {
		binary.LittleEndian.PutUint64(offset, binary.LittleEndian.Uint64(offset)-keysStart+keysOffset)
	}, nil); err != nil {
		return err
	}
	w.branchKeysOffset += keysEnd - keysStart

	// the branches, each with its key leaf and pending subtrees moved
	if err := w.copyRecords(w.nodesWriter, s.nodes[uint64(branchStart)*SizeNode:], SizeNode, branches, func(branch []byte) {
		// preTrees moves by newPre-oldPre; the sum stays within a byte
		// because the new value counts pending subtrees as the old did
		branch[OffsetPreTrees] = uint8(uint32(branch[OffsetPreTrees]) + newPre - oldPre)
		keyLeaf := binary.LittleEndian.Uint32(branch[OffsetKeyLeaf:])
		binary.LittleEndian.PutUint32(branch[OffsetKeyLeaf:], keyLeaf-leafStart+newLeafStart)
	}, nil); err != nil {
		return err
	}
	w.branchCounter += branches
	w.copiedLeaves += int64(size)
	return nil
}

// copyRecords writes the first count records of recordSize bytes in src
// to dst in batches of copyRecordsBatch, each record patched first in the
// writer's scratch buffer; wrote, if set, hears each batch's count once
// it is written.
func (w *snapshotWriter) copyRecords(dst io.Writer, src []byte, recordSize int, count uint32, patch func(record []byte), wrote func(n uint32)) error {
	if need := copyRecordsBatch * recordSize; cap(w.copyScratch) < need {
		w.copyScratch = make([]byte, need)
	}
	for i := uint32(0); i < count; i += copyRecordsBatch {
		n := min(count-i, copyRecordsBatch)
		batch := w.copyScratch[:int(n)*recordSize]
		copy(batch, src[int(i)*recordSize:])
		for r := 0; r < len(batch); r += recordSize {
			patch(batch[r : r+recordSize])
		}
		if _, err := dst.Write(batch); err != nil {
			return err
		}
		if wrote != nil {
			wrote(n)
		}
	}
	return nil
}
