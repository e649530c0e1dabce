package memiavl

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// copyRecordsBatch is how many records a subtree copy patches before it
// hands them to a file's writer.
const copyRecordsBatch = 4096

// noSubtreeCopy, set by tests, writes every node one by one.
var noSubtreeCopy bool

// copyableSubtree reports whether the writer can copy p and everything
// under it as the records of its snapshot: p is a branch of a full
// snapshot (not a layer) that stores its values and leaves as the writer
// does and has the branch key files.
func (w *snapshotWriter) copyableSubtree(p PersistedNode) bool {
	s := p.snapshot
	return !noSubtreeCopy && !p.isLeaf && s.chain == nil && s.values == w.values && s.branchIndex != nil && s.packed == w.packed
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
	in := w.copyFrom(s)
	var root [SizeNodeWithoutHash]byte
	if err := in.nodes.readInto(root[:], int64(p.index)*SizeNode); err != nil {
		return err
	}
	size := binary.LittleEndian.Uint32(root[OffsetSize:])
	oldPre := uint32(root[OffsetPreTrees])
	leafStart := getStartLeaf(p.index, size, oldPre)
	branchStart := p.index + 2 - size
	newPre := w.leafCounter - w.branchCounter
	newLeafStart := w.leafCounter
	w.placed.place(s, true, leafStart, newLeafStart, size)
	w.placed.place(s, false, branchStart, w.branchCounter, size-1)

	select {
	case <-w.ctx.Done():
		return w.ctx.Err()
	default:
	}

	// the keys and values (with a packed snapshot's leaf records): one
	// stretch, from the first leaf's record to the end of the last's
	kvStart, _, err := in.kvRecord(s, leafStart)
	if err != nil {
		return err
	}
	_, kvEnd, err := in.kvRecord(s, leafStart+size-1)
	if err != nil {
		return err
	}
	if err := in.kvs.copyTo(w.kvWriter, int64(kvStart), int64(kvEnd)); err != nil {
		return err
	}

	// the leaves (or leaf offsets), each with its record's new offset
	kvsOffset := w.kvsOffset
	field := OffsetLeafKeyOffset
	if s.packed {
		field = 0
	}
	recordSize := s.leafRecordSize()
	if err := w.copyRecords(w.leavesWriter, in.leaves, int64(leafStart)*recordSize, int(recordSize), size, func(leaf []byte) {
		at := leaf[field:]
		binary.LittleEndian.PutUint64(at, binary.LittleEndian.Uint64(at)-kvStart+kvsOffset)
	}, func(n uint32) {
		before := w.leafCounter
		w.leafCounter += n
		if before/1024 != w.leafCounter/1024 {
			w.ahead.wrote(w.leafCounter)
			w.writeAhead.wrote(w.leafCounter)
		}
	}); err != nil {
		return err
	}
	w.kvsOffset += kvEnd - kvStart

	// the branch keys, one stretch, and their new offsets
	branches := size - 1
	var offset [8]byte
	var length [4]byte
	if err := in.branchIndex.readInto(offset[:], 8*int64(branchStart)); err != nil {
		return err
	}
	keysStart := binary.LittleEndian.Uint64(offset[:])
	if err := in.branchIndex.readInto(offset[:], 8*int64(p.index)); err != nil {
		return err
	}
	keysEnd := binary.LittleEndian.Uint64(offset[:])
	if err := in.branchKeys.readInto(length[:], int64(keysEnd)); err != nil {
		return err
	}
	keysEnd += 4 + uint64(binary.LittleEndian.Uint32(length[:]))
	if err := in.branchKeys.copyTo(w.branchKeysWriter, int64(keysStart), int64(keysEnd)); err != nil {
		return err
	}
	keysOffset := w.branchKeysOffset
	if err := w.copyRecords(w.branchIndexWriter, in.branchIndex, 8*int64(branchStart), 8, branches, func(offset []byte) {
		binary.LittleEndian.PutUint64(offset, binary.LittleEndian.Uint64(offset)-keysStart+keysOffset)
	}, nil); err != nil {
		return err
	}
	w.branchKeysOffset += keysEnd - keysStart

	// the branches, each with its key leaf and pending subtrees moved
	if err := w.copyRecords(w.nodesWriter, in.nodes, int64(branchStart)*SizeNode, SizeNode, branches, func(branch []byte) {
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

// kvRecord returns where leaf's record in kvs (a packed snapshot's whole
// leaf record, else its key and value) begins and ends.
func (in *copyFiles) kvRecord(s *Snapshot, leaf uint32) (start, end uint64, err error) {
	var length [4]byte
	if s.packed {
		var off [SizeLeafOffset]byte
		if err := in.leaves.readInto(off[:], int64(leaf)*SizeLeafOffset); err != nil {
			return 0, 0, err
		}
		start = binary.LittleEndian.Uint64(off[:])
		end = start + SizePackedLeafHead
	} else {
		var rec [SizeLeafWithoutHash]byte
		if err := in.leaves.readInto(rec[:], int64(leaf)*SizeLeaf); err != nil {
			return 0, 0, err
		}
		start = binary.LittleEndian.Uint64(rec[OffsetLeafKeyOffset:])
		end = start
	}
	for range 2 { // the key, then the value
		if err := in.kvs.readInto(length[:], int64(end)); err != nil {
			return 0, 0, err
		}
		end += 4 + uint64(binary.LittleEndian.Uint32(length[:]))
	}
	return start, end, nil
}

// copyRecords writes count records of recordSize bytes, read from src at
// offset, to dst in batches of copyRecordsBatch, each record patched
// first in the writer's scratch buffer; wrote, if set, hears each batch's
// count once it is written.
func (w *snapshotWriter) copyRecords(dst io.Writer, src *copyReader, offset int64, recordSize int, count uint32, patch func(record []byte), wrote func(n uint32)) error {
	if need := copyRecordsBatch * recordSize; cap(w.copyScratch) < need {
		w.copyScratch = make([]byte, need)
	}
	for i := uint32(0); i < count; i += copyRecordsBatch {
		n := min(count-i, copyRecordsBatch)
		batch := w.copyScratch[:int(n)*recordSize]
		if err := src.readInto(batch, offset+int64(i)*int64(recordSize)); err != nil {
			return err
		}
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

// copyFiles are the readers of the five files of a full snapshot that
// subtrees are copied from.
type copyFiles struct {
	nodes, leaves, kvs, branchKeys, branchIndex *copyReader
}

// copyFrom is the writer's readers of s's files, opened at s's first
// copied subtree.
func (w *snapshotWriter) copyFrom(s *Snapshot) *copyFiles {
	if in := w.copyFiles[s]; in != nil {
		return in
	}
	if w.copyFiles == nil {
		w.copyFiles = map[*Snapshot]*copyFiles{}
	}
	in := &copyFiles{
		nodes:       newCopyReader(s.nodesMap),
		leaves:      newCopyReader(s.leavesMap),
		kvs:         newCopyReader(s.kvsMap),
		branchKeys:  newCopyReader(s.branchKeysMap),
		branchIndex: newCopyReader(s.branchIndexMap),
	}
	w.copyFiles[s] = in
	return in
}

// copyReadChunk is how much of a file a copyReader reads at once;
// copyReadBack how far before the byte asked for it starts (a subtree's
// copy reads its root's record, at the end of its run of branches, before
// the run). Tests make them small.
var (
	copyReadChunk int64 = 4 << 20
	copyReadBack  int64 = 1 << 20
)

// copyReader reads a snapshot's file for subtree copies with pread, in
// large pieces, instead of through the memory map. The copies of a whole
// rewrite go through each file of the base from its start to its end
// (the subtrees they copy come in key order, and so do their leaves,
// their values and, in post-order, their branches), so that one piece
// serves many small subtrees and a large one is read in a few system
// calls. Through the map, each page the page cache lacked was a fault of
// its own, one at a time: at 10M parcels in an 8 GiB memory cgroup the
// base was read at about 100 MB/s, most of the rewrite's time.
type copyReader struct {
	file *MmapFile
	size int64
	buf  []byte
	at   int64         // the file offset of buf[0]
	took time.Duration // in its reads
}

func newCopyReader(f *MmapFile) *copyReader {
	return &copyReader{file: f, size: int64(len(f.Data()))}
}

// readInto reads len(dst) bytes at offset into dst.
func (r *copyReader) readInto(dst []byte, offset int64) error {
	for len(dst) > 0 {
		piece, err := r.read(offset, int(min(int64(len(dst)), copyReadChunk)))
		if err != nil {
			return err
		}
		n := copy(dst, piece)
		dst, offset = dst[n:], offset+int64(n)
	}
	return nil
}

// copyTo writes the file's bytes [start, end) to dst.
func (r *copyReader) copyTo(dst io.Writer, start, end int64) error {
	for start < end {
		piece, err := r.read(start, int(min(end-start, copyReadChunk)))
		if err != nil {
			return err
		}
		if _, err := dst.Write(piece); err != nil {
			return err
		}
		start += int64(len(piece))
	}
	return nil
}

// read returns n bytes (at most copyReadChunk) at offset, valid until the
// next read. A piece read going forward starts where the last ended, or
// up to copyReadBack before offset if that is further on.
func (r *copyReader) read(offset int64, n int) ([]byte, error) {
	end := r.at + int64(len(r.buf))
	if offset >= r.at && offset+int64(n) <= end {
		return r.buf[offset-r.at:][:n], nil
	}
	if offset < 0 || offset+int64(n) > r.size {
		return nil, fmt.Errorf("read %d bytes at %d of a file of %d", n, offset, r.size)
	}
	from := max(offset-copyReadBack, 0)
	if offset >= end {
		from = max(from, end) // nothing read twice going forward
	}
	to := min(max(from+copyReadChunk, offset+int64(n)), r.size)
	if cap(r.buf) < int(to-from) {
		r.buf = make([]byte, to-from)
	}
	r.buf = r.buf[:to-from]
	began := time.Now()
	_, err := r.file.file.ReadAt(r.buf, from)
	r.took += time.Since(began)
	if err != nil {
		r.buf = r.buf[:0]
		return nil, fmt.Errorf("read %d bytes at %d: %w", to-from, from, err)
	}
	r.at = from
	return r.buf[offset-from:][:n], nil
}
