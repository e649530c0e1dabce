package memiavl

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	// SnapshotFileMagic is little endian encoded b"IAVL"
	SnapshotFileMagic = 1280721225

	// the initial snapshot format
	SnapshotFormat = 0

	// magic: uint32, format: uint32, version: uint32
	SizeMetadata = 12

	FileNameNodes    = "nodes"
	FileNameLeaves   = "leaves"
	FileNameKVs      = "kvs"
	FileNameMetadata = "metadata"
	// FileNameBranchKeys holds each branch node's key (uint32 length, then
	// the bytes) in branch order, and FileNameBranchKeyIndex each branch's
	// offset in it (uint64). A search then reads only branch records and
	// their keys, never the leaves and key-value files, which are far
	// larger (a branch's key is otherwise its key leaf's, in kvs). Older
	// snapshots without these files are read as before.
	FileNameBranchKeys     = "branch_keys"
	FileNameBranchKeyIndex = "branch_keys.idx"
	// FileNameLeafOffsets replaces the leaves file in a snapshot whose
	// leaf records lie in kvs, each just before its key and value
	// (packedleaves.go): it holds each leaf's record offset (uint64).
	FileNameLeafOffsets = "leaf_offsets"

	// check for cancel every 1000 leaves
	CancelCheckInterval = 1000
)

// Snapshot manage the lifecycle of mmap-ed files for the snapshot,
// it must out live the objects that derived from it.
type Snapshot struct {
	nodesMap  *MmapFile
	leavesMap *MmapFile
	kvsMap    *MmapFile

	branchKeysMap, branchIndexMap *MmapFile

	nodes []byte
	// leaves is the leaves file, or for a packed snapshot the leaf
	// offsets file (packedleaves.go)
	leaves []byte
	kvs    []byte
	packed bool

	// values decodes the values stored in kvs (nil: stored as they are)
	values *valueCodec

	// nil when the snapshot has no branch key files (or no branches)
	branchKeys, branchIndex []byte

	// parsed from metadata file
	version uint32

	// wrapping the raw nodes buffer
	nodesLayout  Nodes
	leavesLayout Leaves

	// nil means empty snapshot
	root *PersistedNode

	// dir is where the snapshot was opened from, links resolved (""
	// for an empty one)
	dir string

	// held holds the branches high in the tree in memory (upper.go): a
	// full snapshot's from a height up; nil for a layer, a small snapshot
	// or one without branch keys. Set once a rewrite's trees are ready to
	// switch, while other snapshots are read, so read through upper().
	held atomic.Pointer[upperBranches]

	// chain is a layer's chain (layer.go), base first and the layer
	// last, shared by the layers in it; nil for a full snapshot
	chain []*Snapshot
	// layer is a layer's layer file, nil for a full snapshot
	layer *layerHeader
	// holders counts who holds the snapshot open (snapshot_share.go)
	holders int
	// memo keeps the leaves read-ahead walks read (leafmemo.go)
	memo leafMemo
}

func NewEmptySnapshot(version uint32) *Snapshot {
	return &Snapshot{
		version: version,
	}
}

// OpenSnapshot parse the version number and the root node index from metadata file,
// and mmap the other files. A layer's chain is opened with it.
// A snapshot open in the process already is shared (snapshot_share.go):
// each OpenSnapshot is matched by one Close.
func OpenSnapshot(snapshotDir string) (*Snapshot, error) {
	return openSnapshot(snapshotDir, true)
}

// openSnapshot is OpenSnapshot; without holdUpper a snapshot it opens
// afresh holds no upper branches until holdUpperBranches.
func openSnapshot(snapshotDir string, holdUpper bool) (*Snapshot, error) {
	// one open at a time: a snapshot shared is linked to its chain
	openSnapshotsOneAtATime.Lock()
	defer openSnapshotsOneAtATime.Unlock()
	dir, err := resolveSnapshotDir(snapshotDir)
	if err != nil {
		return nil, err
	}
	snapshot, fresh, err := acquireSnapshot(dir, holdUpper)
	if err != nil {
		return nil, err
	}
	if !fresh {
		// its chain is linked: hold it too
		holdSnapshots(snapshot.Chain()[:len(snapshot.Chain())-1])
		return snapshot, nil
	}
	if snapshot.layer == nil {
		return snapshot, nil
	}
	if err := openLayerChain(snapshot, *snapshot.layer, dir); err != nil {
		return nil, errors.Join(err, releaseSnapshots([]*Snapshot{snapshot}))
	}
	return snapshot, nil
}

// holdUpperBranches reads the snapshot's upper branches into memory
// (upper.go), if it is a full snapshot large enough to hold them and does
// not yet. A snapshot opened without them (openSnapshotFiles' holdUpper)
// must take them before any other goroutine reads it.
func (snapshot *Snapshot) holdUpperBranches() error {
	if snapshot.upper() != nil || snapshot.layer != nil || snapshot.branchIndex == nil || UpperBranchesNodes <= 0 {
		return nil
	}
	nodesLen, leavesLen := len(snapshot.nodes)/SizeNode, snapshot.leavesLen()
	if nodesLen == 0 || leavesLen < UpperBranchesMinLeaves {
		return nil
	}
	upper, err := loadUpperBranches(snapshot.dir, nodesLen, upperMinHeight(leavesLen, UpperBranchesNodes))
	if err != nil {
		return fmt.Errorf("read the upper branches of %s: %w", snapshot.dir, err)
	}
	snapshot.held.Store(upper)
	return nil
}

// upper is the snapshot's held branches (nil: none).
func (snapshot *Snapshot) upper() *upperBranches { return snapshot.held.Load() }

// resolveSnapshotDir is dir absolute, links resolved: the key the process
// shares open snapshots by, and what a layer's chain is relative to.
func resolveSnapshotDir(dir string) (string, error) {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	return filepath.Abs(dir)
}

// openSnapshotFiles opens the snapshot in snapshotDir alone; for a layer
// it also returns its layer file, and the caller links its chain.
func openSnapshotFiles(snapshotDir string, holdUpper bool) (snapshot *Snapshot, layer *layerHeader, err error) {
	dir, err := resolveSnapshotDir(snapshotDir)
	if err != nil {
		return nil, nil, err
	}
	// read metadata file
	bz, err := os.ReadFile(filepath.Join(snapshotDir, FileNameMetadata))
	if err != nil {
		return nil, nil, err
	}
	if len(bz) != SizeMetadata {
		return nil, nil, fmt.Errorf("wrong metadata file size, expcted: %d, found: %d", SizeMetadata, len(bz))
	}

	magic := binary.LittleEndian.Uint32(bz)
	if magic != SnapshotFileMagic {
		return nil, nil, fmt.Errorf("invalid metadata file magic: %d", magic)
	}
	format := binary.LittleEndian.Uint32(bz[4:])
	if format != SnapshotFormat && format != SnapshotFormatLayer {
		return nil, nil, fmt.Errorf("unknown snapshot format: %d", format)
	}
	if format == SnapshotFormatLayer {
		h, err := readLayerHeader(snapshotDir)
		if err != nil {
			return nil, nil, err
		}
		layer = &h
	}
	sizeNode := SizeNode
	if layer != nil {
		sizeNode = SizeLayerNode
	}
	version := binary.LittleEndian.Uint32(bz[8:])

	var nodesMap, leavesMap, kvsMap *MmapFile
	defer func() {
		if err != nil {
			errs := []error{err}
			if nodesMap != nil {
				errs = append(errs, nodesMap.Close())
			}
			if leavesMap != nil {
				errs = append(errs, leavesMap.Close())
			}
			if kvsMap != nil {
				errs = append(errs, kvsMap.Close())
			}
			err = errors.Join(errs...)
		}
	}()

	if nodesMap, err = NewMmap(filepath.Join(snapshotDir, FileNameNodes)); err != nil {
		return nil, nil, err
	}
	_, statErr := os.Stat(filepath.Join(snapshotDir, FileNameLeafOffsets))
	packed := statErr == nil
	leavesName, leafSize := leavesFile(packed)
	if leavesMap, err = NewMmap(filepath.Join(snapshotDir, leavesName)); err != nil {
		return nil, nil, err
	}
	if kvsMap, err = NewMmap(filepath.Join(snapshotDir, FileNameKVs)); err != nil {
		return nil, nil, err
	}

	nodes := nodesMap.Data()
	leaves := leavesMap.Data()
	kvs := kvsMap.Data()

	// validate nodes length
	if len(nodes)%sizeNode != 0 {
		return nil, nil, fmt.Errorf("corrupted snapshot, nodes file size %d is not a multiple of %d", len(nodes), sizeNode)
	}
	if len(leaves)%leafSize != 0 {
		return nil, nil, fmt.Errorf("corrupted snapshot, %s file size %d is not a multiple of %d", leavesName, len(leaves), leafSize)
	}

	nodesLen := len(nodes) / sizeNode
	leavesLen := len(leaves) / leafSize
	// a layer holds what changed: branches without leaves, or none
	if layer == nil && ((leavesLen > 0 && nodesLen+1 != leavesLen) || (leavesLen == 0 && nodesLen != 0)) {
		return nil, nil, fmt.Errorf("corrupted snapshot, branch nodes size %d don't match leaves size %d", nodesLen, leavesLen)
	}

	var nodesData Nodes
	if layer == nil { // a layer's branches are read by layerBranch
		if nodesData, err = NewNodes(nodes); err != nil {
			return nil, nil, err
		}
	}

	var branchKeysMap, branchIndexMap *MmapFile
	defer func() {
		if err != nil {
			for _, m := range []*MmapFile{branchKeysMap, branchIndexMap} {
				if m != nil {
					err = errors.Join(err, m.Close())
				}
			}
		}
	}()
	if _, statErr := os.Stat(filepath.Join(snapshotDir, FileNameBranchKeyIndex)); statErr == nil {
		if branchIndexMap, err = NewMmap(filepath.Join(snapshotDir, FileNameBranchKeyIndex)); err != nil {
			return nil, nil, err
		}
		if branchKeysMap, err = NewMmap(filepath.Join(snapshotDir, FileNameBranchKeys)); err != nil {
			return nil, nil, err
		}
		if len(branchIndexMap.Data()) != 8*nodesLen {
			return nil, nil, fmt.Errorf("corrupted snapshot, branch key index size %d does not match %d branches", len(branchIndexMap.Data()), nodesLen)
		}
		if nodesLen > 0 {
			// the last branch's key must end the branch keys file exactly
			keys := uint64(len(branchKeysMap.Data()))
			last := binary.LittleEndian.Uint64(branchIndexMap.Data()[8*(nodesLen-1):])
			if last > keys || keys-last < 4 || keys-last-4 != uint64(binary.LittleEndian.Uint32(branchKeysMap.Data()[last:])) {
				return nil, nil, fmt.Errorf("corrupted snapshot, branch keys file size %d does not end with the last branch's key at %d", keys, last)
			}
		}
	}

	var leavesData Leaves
	if packed {
		if err := checkPackedLeaves(leaves, kvs); err != nil {
			return nil, nil, err
		}
	} else if leavesData, err = NewLeaves(leaves); err != nil {
		return nil, nil, err
	}

	values, err := readValueCodec(snapshotDir)
	if err != nil {
		return nil, nil, err
	}

	snapshot = &Snapshot{
		values:    values,
		nodesMap:  nodesMap,
		leavesMap: leavesMap,
		kvsMap:    kvsMap,

		branchKeysMap:  branchKeysMap,
		branchIndexMap: branchIndexMap,

		// cache the pointers
		nodes:  nodes,
		leaves: leaves,
		kvs:    kvs,
		packed: packed,

		version: version,
		dir:     dir,
		layer:   layer,

		nodesLayout:  nodesData,
		leavesLayout: leavesData,
	}

	if branchIndexMap != nil && nodesLen > 0 {
		snapshot.branchIndex = branchIndexMap.Data()
		snapshot.branchKeys = branchKeysMap.Data()
		// Every search walks these three files: ask the kernel to read
		// them ahead, in the background and in order, rather than page by
		// page at random as the first searches touch them.
		for _, data := range [][]byte{nodes, snapshot.branchIndex, snapshot.branchKeys} {
			willNeed(data)
		}
		if holdUpper {
			if err := snapshot.holdUpperBranches(); err != nil {
				return nil, nil, err
			}
		}
	}

	if layer != nil {
		// its root and children are references: openLayerChain
	} else if nodesLen > 0 {
		snapshot.root = &PersistedNode{
			snapshot: snapshot,
			isLeaf:   false,
			index:    uint32(nodesLen - 1),
		}
	} else if leavesLen > 0 {
		snapshot.root = &PersistedNode{
			snapshot: snapshot,
			isLeaf:   true,
			index:    0,
		}
	}

	return snapshot, layer, nil
}

// Close closes the file and mmap handles, clears the buffers; a layer's
// closes its chain's too.
func (snapshot *Snapshot) Close() error {
	if snapshot.dir == "" { // not opened from a directory: nothing shared
		return snapshot.closeFiles()
	}
	return releaseSnapshots(snapshot.Chain())
}

// closeFiles closes the snapshot's own files.
func (snapshot *Snapshot) closeFiles() error {
	var errs []error

	if snapshot.nodesMap != nil {
		errs = append(errs, snapshot.nodesMap.Close())
	}
	if snapshot.leavesMap != nil {
		errs = append(errs, snapshot.leavesMap.Close())
	}
	if snapshot.kvsMap != nil {
		errs = append(errs, snapshot.kvsMap.Close())
	}
	if snapshot.branchKeysMap != nil {
		errs = append(errs, snapshot.branchKeysMap.Close())
	}
	if snapshot.branchIndexMap != nil {
		errs = append(errs, snapshot.branchIndexMap.Close())
	}

	// reset to an empty tree
	*snapshot = *NewEmptySnapshot(snapshot.version)
	return errors.Join(errs...)
}

// IsEmpty returns if the snapshot is an empty tree.
func (snapshot *Snapshot) IsEmpty() bool {
	return snapshot.root == nil
}

// Node returns the branch node by index
func (snapshot *Snapshot) Node(index uint32) PersistedNode {
	return PersistedNode{
		snapshot: snapshot,
		index:    index,
		isLeaf:   false,
	}
}

// Leaf returns the leaf node by index
func (snapshot *Snapshot) Leaf(index uint32) PersistedNode {
	return PersistedNode{
		snapshot: snapshot,
		index:    index,
		isLeaf:   true,
	}
}

// Version returns the version of the snapshot
func (snapshot *Snapshot) Version() uint32 {
	return snapshot.version
}

// RootNode returns the root node
func (snapshot *Snapshot) RootNode() PersistedNode {
	if snapshot.IsEmpty() {
		panic("RootNode not supported on an empty snapshot")
	}
	return *snapshot.root
}

func (snapshot *Snapshot) RootHash() []byte {
	if snapshot.IsEmpty() {
		return emptyHash
	}
	return snapshot.RootNode().Hash()
}

// nodesLen returns the number of nodes in the snapshot
func (snapshot *Snapshot) nodesLen() int {
	if snapshot.chain != nil {
		return len(snapshot.nodes) / SizeLayerNode
	}
	return len(snapshot.nodes) / SizeNode
}

// leavesLen returns the number of nodes in the snapshot
func (snapshot *Snapshot) leavesLen() int {
	return len(snapshot.leaves) / int(snapshot.leafRecordSize())
}

// ScanNodes iterate over the nodes in the snapshot order (depth-first post-order, leaf nodes before branch nodes)
func (snapshot *Snapshot) ScanNodes(callback func(node PersistedNode) error) error {
	for i := 0; i < snapshot.leavesLen(); i++ {
		if err := callback(snapshot.Leaf(uint32(i))); err != nil {
			return err
		}
	}
	for i := 0; i < snapshot.nodesLen(); i++ {
		if err := callback(snapshot.Node(uint32(i))); err != nil {
			return err
		}
	}
	return nil
}

// Key returns a zero-copy slice of key by offset
func (snapshot *Snapshot) Key(offset uint64) []byte {
	keyLen := binary.LittleEndian.Uint32(snapshot.kvs[offset:])
	offset += 4
	return snapshot.kvs[offset : offset+uint64(keyLen)]
}

// KeyValue returns the key/value pair at offset: zero-copy slices, but for
// a value the snapshot stores compressed
func (snapshot *Snapshot) KeyValue(offset uint64) ([]byte, []byte) {
	len := uint64(binary.LittleEndian.Uint32(snapshot.kvs[offset:]))
	offset += 4
	key := snapshot.kvs[offset : offset+len]
	offset += len
	len = uint64(binary.LittleEndian.Uint32(snapshot.kvs[offset:]))
	offset += 4
	return key, snapshot.value(snapshot.kvs[offset : offset+len])
}

// BranchKey returns a zero-copy slice of a branch node's key: from the
// branch key files when the snapshot has them, else from its key leaf.
func (snapshot *Snapshot) BranchKey(index uint32) []byte {
	if snapshot.branchIndex == nil {
		return snapshot.LeafKey(snapshot.nodesLayout.Node(index).KeyLeaf())
	}
	u := snapshot.upper()
	if slot, ok := u.slot(index); ok {
		return u.key(slot)
	}
	offset, ok, _ := u.keyOffset(index, func(at uint64) (uint32, error) {
		return binary.LittleEndian.Uint32(snapshot.branchKeys[at:]), nil
	})
	if !ok {
		offset = binary.LittleEndian.Uint64(snapshot.branchIndex[8*uint64(index):])
	}
	keyLen := uint64(binary.LittleEndian.Uint32(snapshot.branchKeys[offset:]))
	offset += 4
	return snapshot.branchKeys[offset : offset+keyLen]
}

func (snapshot *Snapshot) LeafKey(index uint32) []byte {
	leaf := snapshot.leaf(index)
	offset := leaf.KeyOffset() + 4
	return snapshot.kvs[offset : offset+uint64(leaf.KeyLength())]
}

// LeafKeyValue returns leaf index's key and value: zero-copy slices, but
// for a value the snapshot stores compressed.
func (snapshot *Snapshot) LeafKeyValue(index uint32) ([]byte, []byte) {
	leaf := snapshot.leaf(index)
	offset := leaf.KeyOffset() + 4
	length := uint64(leaf.KeyLength())
	key := snapshot.kvs[offset : offset+length]
	offset += length
	length = uint64(binary.LittleEndian.Uint32(snapshot.kvs[offset:]))
	offset += 4
	return key, snapshot.value(snapshot.kvs[offset : offset+length])
}

// leafStored returns leaf index's value in the form kvs stores it.
func (snapshot *Snapshot) leafStored(index uint32) []byte {
	leaf := snapshot.leaf(index)
	offset := leaf.KeyOffset() + 4 + uint64(leaf.KeyLength())
	length := uint64(binary.LittleEndian.Uint32(snapshot.kvs[offset:]))
	offset += 4
	return snapshot.kvs[offset : offset+length]
}

// Export exports the nodes from snapshot file sequentially, more efficient than a post-order traversal.
func (snapshot *Snapshot) Export() *Exporter {
	return newExporter(snapshot.export)
}

func (snapshot *Snapshot) export(callback func(*ExportNode) bool) {
	if snapshot.chain != nil {
		panic("export: a layer is exported by a walk of its tree (Tree.Export)")
	}
	if snapshot.leavesLen() == 0 {
		return
	}

	if snapshot.leavesLen() == 1 {
		leaf := snapshot.Leaf(0)
		callback(&ExportNode{
			Height:  0,
			Version: int64(leaf.Version()),
			Key:     leaf.Key(),
			Value:   leaf.Value(),
		})
		return
	}

	var pendingTrees int
	var i, j uint32
	for ; i < uint32(snapshot.nodesLen()); i++ {
		// pending branch node
		node := snapshot.nodesLayout.Node(i)
		for pendingTrees < int(node.PreTrees())+2 {
			// add more leaf nodes
			leaf := snapshot.leaf(j)
			key, value := snapshot.KeyValue(leaf.KeyOffset())
			enode := &ExportNode{
				Height:  0,
				Version: int64(leaf.Version()),
				Key:     key,
				Value:   value,
			}
			j++
			pendingTrees++

			if callback(enode) {
				return
			}
		}
		enode := &ExportNode{
			Height:  int8(node.Height()),
			Version: int64(node.Version()),
			Key:     snapshot.LeafKey(node.KeyLeaf()),
		}
		pendingTrees--

		if callback(enode) {
			return
		}
	}
}

func (t *Tree) WriteSnapshot(snapshotDir string) error {
	return t.WriteSnapshotWithContext(context.Background(), snapshotDir)
}

// WriteSnapshotWithContext save the IAVL tree to a new snapshot directory.
func (t *Tree) WriteSnapshotWithContext(ctx context.Context, snapshotDir string) error {
	return t.writeWhole(ctx, snapshotDir, false, nil)
}

// writeWhole writes the tree into a new full snapshot in snapshotDir; out
// of the page cache (snapshotFileWriter.dropBehind) if outOfCache.
func (t *Tree) writeWhole(ctx context.Context, snapshotDir string, outOfCache bool, report *RewrittenTree) error {
	var writer *snapshotWriter
	defer func() {
		if report != nil && writer != nil {
			report.WriteWaited, report.CopyReadTook = writer.waited()
		}
	}()
	return writeSnapshot(ctx, snapshotDir, t.version, SnapshotFormat, outOfCache, func(w *snapshotWriter) (uint32, error) {
		writer = w
		if t.root == nil {
			return 0, nil
		} else {
			// A tree written out of the cache is one too large to be
			// all in it: read its base and layers ahead of the writer
			// (baseahead.go).
			if outOfCache && t.snapshot != nil {
				w.ahead = startBaseAhead(t.snapshot.Chain(), uint32(t.root.Size()))
				defer func() {
					w.ahead.end()
					if w.ahead != nil && report != nil {
						report.ReadAhead, report.Cooled = w.ahead.asked, w.ahead.cooled
					}
				}()
			}
			w.values = t.valueCodecToWrite()
			if report != nil {
				w.placed = newPlacement()
			}
			if outOfCache && t.snapshot != nil {
				w.writeAhead = startWriterAhead(w, t.root)
				defer func() {
					w.writeAhead.end()
					if w.writeAhead != nil && report != nil {
						report.WrittenAhead = w.writeAhead.read.Load()
					}
				}()
			}
			if err := w.writeRecursive(t.root); err != nil {
				return 0, err
			}
			if report != nil {
				report.Copied = w.copiedLeaves
				report.placed = w.placed.seal()
				report.Placed = report.placed.size()
			}
			return w.leafCounter, nil
		}
	})
}

// valueCodecToWrite is how a new snapshot of the tree stores its values:
// with the dictionary of the tree's snapshot while the tree has not grown
// valueDictRegrowth times since it was made (so unchanged leaves' stored
// values are copied as they are), else with one made from the tree's
// values now; nil (as they are) for a small tree.
func (t *Tree) valueCodecToWrite() *valueCodec {
	leaves := uint64(t.root.Size())
	if s := t.snapshot; s != nil && s.values != nil && leaves < valueDictRegrowth*s.values.trainedAt {
		return s.values
	}
	return makeValueCodec(leaves, func(i uint64) []byte {
		_, v := t.root.GetByIndex(uint32(i))
		return v
	})
}

// snapshotWriteBuffer is each snapshot file's write buffer (a file
// written direct: directWriteBuffer): bufio's 4 KiB
// default made a write system call every 4 KiB, about a third of a whole
// rewrite's CPU (BenchmarkWriteWhole).
const snapshotWriteBuffer = 1 << 20

func writeSnapshot(
	ctx context.Context,
	dir string, version, format uint32, outOfCache bool,
	doWrite func(*snapshotWriter) (uint32, error),
) (returnErr error) {
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return err
	}

	nodesFile := filepath.Join(dir, FileNameNodes)
	packed := !writeUnpackedLeaves
	leavesName, _ := leavesFile(packed)
	leavesPath := filepath.Join(dir, leavesName)
	kvsFile := filepath.Join(dir, FileNameKVs)
	branchKeysFile := filepath.Join(dir, FileNameBranchKeys)
	branchIndexFile := filepath.Join(dir, FileNameBranchKeyIndex)

	fpNodes, err := createFile(nodesFile)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpNodes.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	fpLeaves, err := createFile(leavesPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpLeaves.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	fpKVs, err := createFile(kvsFile)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpKVs.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	fpBranchKeys, err := createFile(branchKeysFile)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpBranchKeys.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	fpBranchIndex, err := createFile(branchIndexFile)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpBranchIndex.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	files := []*os.File{fpNodes, fpLeaves, fpKVs, fpBranchKeys, fpBranchIndex}
	out := make([]*snapshotFileWriter, len(files))
	for i, f := range files {
		out[i] = newSnapshotFileWriter(f, outOfCache)
		defer out[i].close()
	}
	nodesWriter, leavesWriter, kvsWriter, branchKeysWriter, branchIndexWriter := out[0], out[1], out[2], out[3], out[4]

	w := newSnapshotWriter(ctx, nodesWriter, leavesWriter, kvsWriter)
	w.files = out
	w.packed = packed
	w.branchKeysWriter, w.branchIndexWriter = branchKeysWriter, branchIndexWriter
	leaves, err := doWrite(w)
	if err != nil {
		return err
	}

	if leaves > 0 || w.branchCounter > 0 {
		for _, w := range out {
			if err := w.flush(); err != nil {
				return err
			}
		}
		if err := fpBranchKeys.Sync(); err != nil {
			return err
		}
		if err := fpBranchIndex.Sync(); err != nil {
			return err
		}

		if err := fpKVs.Sync(); err != nil {
			return err
		}
		if err := fpLeaves.Sync(); err != nil {
			return err
		}
		if err := fpNodes.Sync(); err != nil {
			return err
		}
		if outOfCache {
			for _, f := range files {
				dropWritten(f, 0, 0) // synced: what is left of it in the cache
			}
		}
	}

	if w.values != nil {
		if err := w.values.write(dir); err != nil {
			return err
		}
	}

	// write metadata
	var metadataBuf [SizeMetadata]byte
	binary.LittleEndian.PutUint32(metadataBuf[:], SnapshotFileMagic)
	binary.LittleEndian.PutUint32(metadataBuf[4:], format)
	binary.LittleEndian.PutUint32(metadataBuf[8:], version)

	metadataFile := filepath.Join(dir, FileNameMetadata)
	fpMetadata, err := createFile(metadataFile)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpMetadata.Close(); returnErr == nil {
			returnErr = err
		}
	}()

	if _, err := fpMetadata.Write(metadataBuf[:]); err != nil {
		return err
	}

	return fpMetadata.Sync()
}

type snapshotWriter struct {
	// context for cancel the writing process
	ctx context.Context

	nodesWriter, leavesWriter, kvWriter io.Writer
	// packed writes each leaf's record into kvs and its offset into the
	// leaves writer (packedleaves.go)
	packed bool

	// each branch's key, and its offset in the branch keys file
	branchKeysWriter, branchIndexWriter io.Writer
	branchKeysOffset                    uint64

	// count how many nodes have been written
	branchCounter, leafCounter uint32

	// record the current writing offset in kvs file
	kvsOffset uint64

	// values encodes the values written (nil: as they are), with scratch
	// and stored as its buffers
	values          *valueCodec
	scratch, stored []byte

	// a layer's writer: the chain's snapshots' positions, and the
	// layer's own
	layerPositions map[*Snapshot]int
	layerSelf      int
	layerMerged    map[*Snapshot]bool // layers whose nodes are written again (writeLayerOver)

	// ahead, if set, reads the base ahead of a whole rewrite, writeAhead
	// what it writes node by node (writeahead.go)
	ahead      *baseAhead
	writeAhead *writerAhead

	// copyScratch holds the records a subtree copy patches; copiedLeaves
	// counts the leaves copied so
	copyScratch  []byte
	copiedLeaves int64
	// copyFiles reads the files subtrees are copied from
	copyFiles map[*Snapshot]*copyFiles

	// files are the files it writes
	files []*snapshotFileWriter

	// placed, if set, notes where the nodes were written (placement.go)
	placed *placement
}

func newSnapshotWriter(ctx context.Context, nodesWriter, leavesWriter, kvsWriter io.Writer) *snapshotWriter {
	return &snapshotWriter{
		ctx:          ctx,
		nodesWriter:  nodesWriter,
		leavesWriter: leavesWriter,
		kvWriter:     kvsWriter,
	}
}

// writeKeyValue append key-value pair to kvs file and record the offset
func (w *snapshotWriter) writeKeyValue(key, value []byte) error {
	if w.values != nil {
		w.stored = w.values.encode(w.stored[:0], &w.scratch, value)
		value = w.stored
	}
	return w.writeKeyStored(key, value)
}

// writeKeyStored appends a key and a value already in its stored form.
func (w *snapshotWriter) writeKeyStored(key, value []byte) error {
	var numBuf [4]byte

	binary.LittleEndian.PutUint32(numBuf[:], uint32(len(key)))
	if _, err := w.kvWriter.Write(numBuf[:]); err != nil {
		return err
	}
	if _, err := w.kvWriter.Write(key); err != nil {
		return err
	}

	binary.LittleEndian.PutUint32(numBuf[:], uint32(len(value)))
	if _, err := w.kvWriter.Write(numBuf[:]); err != nil {
		return err
	}
	if _, err := w.kvWriter.Write(value); err != nil {
		return err
	}

	w.kvsOffset += 4 + 4 + uint64(len(key)) + uint64(len(value))
	return nil
}

func (w *snapshotWriter) writeLeaf(version uint32, key, value, hash []byte) error {
	return w.writeLeafStored(version, key, value, nil, hash)
}

// writeLeafStored writes a leaf whose value, when stored is not nil, is
// already in the form the writer stores it (copied from a snapshot with
// the same value codec) and is not encoded again.
func (w *snapshotWriter) writeLeafStored(version uint32, key, value, stored, hash []byte) (err error) {
	if w.leafCounter%CancelCheckInterval == 0 {
		select {
		case <-w.ctx.Done():
			return w.ctx.Err()
		default:
		}
	}

	if w.packed {
		var head [SizeLeafOffset + SizePackedLeafHead]byte
		binary.LittleEndian.PutUint64(head[:], w.kvsOffset)
		if _, err := w.leavesWriter.Write(head[:SizeLeafOffset]); err != nil {
			return err
		}
		rec := head[SizeLeafOffset:]
		binary.LittleEndian.PutUint32(rec[OffsetPackedLeafVersion:], version)
		copy(rec[OffsetPackedLeafHash:], hash)
		if _, err := w.kvWriter.Write(rec); err != nil {
			return err
		}
		w.kvsOffset += SizePackedLeafHead
	}

	var buf [SizeLeafWithoutHash]byte
	binary.LittleEndian.PutUint32(buf[OffsetLeafVersion:], version)
	binary.LittleEndian.PutUint32(buf[OffsetLeafKeyLen:], uint32(len(key)))
	binary.LittleEndian.PutUint64(buf[OffsetLeafKeyOffset:], w.kvsOffset)

	if stored != nil {
		err = w.writeKeyStored(key, stored)
	} else {
		err = w.writeKeyValue(key, value)
	}
	if err != nil {
		return err
	}

	if !w.packed {
		if _, err := w.leavesWriter.Write(buf[:]); err != nil {
			return err
		}
		if _, err := w.leavesWriter.Write(hash); err != nil {
			return err
		}
	}

	w.leafCounter++
	if w.leafCounter%1024 == 0 {
		w.ahead.wrote(w.leafCounter)
		w.writeAhead.wrote(w.leafCounter)
	}
	return nil
}

func (w *snapshotWriter) writeBranch(version, size uint32, height, preTrees uint8, keyLeaf uint32, key, hash []byte) error {
	if err := w.writeBranchKey(key); err != nil {
		return err
	}
	var buf [SizeNodeWithoutHash]byte
	buf[OffsetHeight] = height
	buf[OffsetPreTrees] = preTrees
	binary.LittleEndian.PutUint32(buf[OffsetVersion:], version)
	binary.LittleEndian.PutUint32(buf[OffsetSize:], size)
	binary.LittleEndian.PutUint32(buf[OffsetKeyLeaf:], keyLeaf)

	if _, err := w.nodesWriter.Write(buf[:]); err != nil {
		return err
	}
	if _, err := w.nodesWriter.Write(hash); err != nil {
		return err
	}

	w.branchCounter++
	return nil
}

func (w *snapshotWriter) writeBranchKey(key []byte) error {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], w.branchKeysOffset)
	if _, err := w.branchIndexWriter.Write(buf[:]); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(buf[:4], uint32(len(key)))
	if _, err := w.branchKeysWriter.Write(buf[:4]); err != nil {
		return err
	}
	if _, err := w.branchKeysWriter.Write(key); err != nil {
		return err
	}
	w.branchKeysOffset += 4 + uint64(len(key))
	return nil
}

// writeRecursive write the node recursively in depth-first post-order,
// returns `(nodeIndex, err)`.
func (w *snapshotWriter) writeRecursive(node Node) error {
	p, persisted := node.(PersistedNode)
	if persisted && w.copyableSubtree(p) {
		return w.copySubtree(p)
	}
	if node.IsLeaf() {
		if persisted {
			w.placed.place(p.snapshot, true, p.index, w.leafCounter, 1)
		}
		if persisted && w.values != nil && p.snapshot.values == w.values {
			return w.writeLeafStored(p.Version(), p.Key(), nil, p.snapshot.leafStored(p.index), p.Hash())
		}
		if !persisted {
			w.placed.placeInMemory(node.Hash(), w.leafCounter)
		}
		return w.writeLeaf(node.Version(), node.Key(), node.Value(), node.Hash())
	}

	// record the number of pending subtrees before the current one,
	// it's always positive and won't exceed the tree height, so we can use an uint8 to store it.
	preTrees := uint8(w.leafCounter - w.branchCounter)

	if err := w.writeRecursive(node.Left()); err != nil {
		return err
	}
	keyLeaf := w.leafCounter
	if err := w.writeRecursive(node.Right()); err != nil {
		return err
	}

	if persisted {
		w.placed.place(p.snapshot, false, p.index, w.branchCounter, 1)
	} else {
		w.placed.placeInMemory(node.Hash(), w.branchCounter)
	}
	return w.writeBranch(node.Version(), uint32(node.Size()), node.Height(), preTrees, keyLeaf, node.Key(), node.Hash())
}

// snapshotFileWriter writes a snapshot's file from its start, through a
// buffer.
//
// A file written out of the page cache (a whole rewrite of a state larger
// than memory, a layer) is written direct (O_DIRECT) where the file system
// allows it, in aligned blocks of directWriteBuffer, by a goroutine of its
// own while the writer fills the next block, and cut to its length at the
// end. Written through the page cache it went out at the kernel's
// writeback rate, which on the machine of docs/state.md is 65–93 MB/s
// (170 MB/s with its writeback throttling off) against 1.5 GB/s direct:
// at 10M parcels in 8 GiB a whole rewrite of the high tree (6.9 GB) took
// 66 s, the node's transfers halved beside it, and a layer of 0.2 GB
// took 1.5–5 s. Written direct, its pages never enter the page cache, so
// it leaves the running state's there; the moves read a layer back whole
// (readLayerFiles), and the node reads a whole snapshot back after its
// switch (Options.SnapshotSwitched).
//
// Where direct writes are refused it writes through the cache and, for a
// file written out of it, every dropBehindChunk bytes writes out what it
// wrote and drops it from the page cache.
type snapshotFileWriter struct {
	f       *os.File
	buf     []byte // aligned to directAlign where direct
	written int64  // bytes written to the file, the buffer's not counted
	direct  bool
	// dropBehind: out of the cache, but not direct
	dropBehind bool
	dropped    int64
	// a direct writer's blocks go to its goroutine through full and come
	// back through free; failed holds its first error, done closes when
	// it ends
	full, free chan []byte
	done       chan struct{}
	failed     error
	// waited is how long the writer waited for the file's writes
	waited time.Duration
}

const (
	dropBehindChunk = 64 << 20
	directAlign     = 4096
	directBuffers   = 2 // a file written direct: one filled while one is written
)

// directWriteBuffer is a direct writer's buffer, a multiple of
// directAlign (tests make it small).
var directWriteBuffer = 4 << 20

func newSnapshotFileWriter(f *os.File, outOfCache bool) *snapshotFileWriter {
	w := &snapshotFileWriter{f: f, dropBehind: outOfCache}
	if !outOfCache || writeDirect(f) != nil {
		w.buf = make([]byte, 0, snapshotWriteBuffer)
		return w
	}
	w.direct, w.dropBehind = true, false
	w.full, w.free, w.done = make(chan []byte, directBuffers), make(chan []byte, directBuffers), make(chan struct{})
	for range directBuffers - 1 {
		w.free <- alignedBuffer(directWriteBuffer)
	}
	w.buf = alignedBuffer(directWriteBuffer)
	go w.writeBlocks()
	return w
}

// writeBlocks writes the blocks sent to full, each back to free once
// written, until full is closed.
func (w *snapshotFileWriter) writeBlocks() {
	defer close(w.done)
	for b := range w.full {
		if w.failed == nil {
			n, err := w.f.Write(b)
			w.written += int64(n)
			w.failed = err
		}
		w.free <- b[:0]
	}
}

// alignedBuffer is an empty slice of capacity size whose first byte is
// aligned to directAlign.
func alignedBuffer(size int) []byte {
	b := make([]byte, size+directAlign)
	skip := int(uintptr(directAlign)-uintptr(unsafe.Pointer(unsafe.SliceData(b)))%directAlign) % directAlign
	return b[skip : skip : skip+size]
}

func (w *snapshotFileWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf, p = w.buf[:len(w.buf)+k], p[k:]
		if len(w.buf) == cap(w.buf) {
			if err := w.writeOut(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// writeOut writes the buffer to the file and empties it. A direct writer
// hands it to its goroutine and takes a free one; an error of its writes
// is returned by flush.
func (w *snapshotFileWriter) writeOut() error {
	began := time.Now()
	defer func() { w.waited += time.Since(began) }()
	if w.direct {
		w.full <- w.buf
		w.buf = <-w.free
		return nil
	}
	n, err := w.f.Write(w.buf)
	w.written += int64(n)
	w.buf = w.buf[:0]
	if err != nil {
		return err
	}
	if w.dropBehind && w.written-w.dropped >= dropBehindChunk {
		dropWritten(w.f, w.dropped, w.written-w.dropped)
		w.dropped = w.written
	}
	return nil
}

// flush writes what the buffer holds, and ends a direct writer's
// goroutine. A file written direct ends with a block padded to
// directAlign, which is then cut to the bytes written.
func (w *snapshotFileWriter) flush() error {
	if !w.direct {
		if len(w.buf) == 0 {
			return nil
		}
		return w.writeOut()
	}
	began := time.Now()
	b := w.buf
	padded := (len(b) + directAlign - 1) / directAlign * directAlign
	b = b[:padded]
	clear(b[len(w.buf):])
	if len(b) > 0 {
		w.full <- b
	}
	w.close()
	length := w.written - int64(padded-len(w.buf))
	w.buf = nil
	w.waited += time.Since(began)
	if w.failed != nil {
		return w.failed
	}
	if w.written > length {
		if err := w.f.Truncate(length); err != nil {
			return err
		}
		w.written = length
	}
	return nil
}

// close ends a direct writer's goroutine, once its blocks are written
// (flush, or a write that failed before it).
func (w *snapshotFileWriter) close() {
	if w.direct && w.full != nil {
		close(w.full)
		<-w.done
		w.full = nil
	}
}

// waited returns how long the writer waited for its files' writes, and
// for its subtree copies' reads.
func (w *snapshotWriter) waited() (writes, copyReads time.Duration) {
	for _, f := range w.files {
		writes += f.waited
	}
	for _, in := range w.copyFiles {
		for _, r := range []*copyReader{in.nodes, in.leaves, in.kvs, in.branchKeys, in.branchIndex} {
			copyReads += r.took
		}
	}
	return writes, copyReads
}

func createFile(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}
