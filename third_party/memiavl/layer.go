package memiavl

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// A layer is a snapshot that holds only the nodes its tree does not share
// with the snapshots under it: the nodes written since the last snapshot
// (the tree's MemNodes). Its branches name their children explicitly, as
// a reference to a node of the layer itself or of a snapshot below it,
// where a full snapshot finds them by position. A rewrite that writes a
// layer so costs the change since the last snapshot, not the state: at
// 10M parcels about a gigabyte against 17 GB, and the pages of the nodes
// it replaces go out of use and leave the page cache, where a full
// rewrite needs a second copy of the whole state in it.
//
// A layer's chain is the full snapshot at its bottom (the base) and the
// layers above it, oldest first; the layer itself is last. A search
// walks the same number of nodes whatever the chain's length (each node
// is in one file or another), so layers cost no reads; they cost disk
// (the nodes they replace stay in the files below) until a full rewrite
// writes the tree again as one snapshot. LayerPolicy decides when.
//
// Files of a layer directory: metadata (format SnapshotFormatLayer),
// nodes (SizeLayerNode a branch), leaves, kvs, kvs.dict, branch_keys and
// branch_keys.idx as a full snapshot's, and layer: the root's reference
// and the chain's directories, relative to the layer's.
const (
	SnapshotFormatLayer = 1

	FileNameLayer = "layer"

	// A layer's branch record: a full snapshot's (preTrees and key leaf
	// zero), then the left and the right child's references.
	OffsetLayerLeft  = SizeNode
	OffsetLayerRight = OffsetLayerLeft + 8
	SizeLayerNode    = OffsetLayerRight + 8

	layerFileMagic = 0x5259414c // "LAYR"

	// a reference: chain position << 33 | leaf << 32 | index
	layerRefLeaf = 1 << 32
	layerNoRoot  = math.MaxUint64

	// maxChain is the most snapshots a chain can hold: a reference gives
	// the position 31 bits, LayerPolicy keeps chains far shorter.
	maxChain = 1 << 16
)

func layerRef(pos int, leaf bool, index uint32) uint64 {
	ref := uint64(pos)<<33 | uint64(index)
	if leaf {
		ref |= layerRefLeaf
	}
	return ref
}

// LayerPolicy decides whether a background rewrite writes a layer over
// the current snapshot or the whole tree. A tree is written as a layer
// while its chain holds fewer than MaxLayers layers, their files take
// less than MaxFraction of the base's, and its values are stored with
// the base's dictionary (a tree that grew enough to want a new one is
// written whole). A zero policy writes no layers.
//
// With MergeFraction set, a tree whose layers are due to end (its chain
// holds MaxLayersMerging layers, or MaxLayers where that is 0) is written
// as one layer merging the chain's last layers instead of whole, while all
// its layers' files take less than MergeFraction of the base's: the nodes
// of the tree the snapshots kept do not hold, wherever they are, written
// once more, which costs their size, not the state's. Which layers merge
// is size-tiered (mergeFrom): the longest run at the chain's end whose
// files are at most half the snapshot under it, so a merge rewrites small
// layers into a larger one and seldom the large ones.
type LayerPolicy struct {
	MaxLayers        int
	MaxFraction      float64
	MergeFraction    float64
	MaxLayersMerging int
}

// withoutMerges is p with MergeFraction zero: layers written over the
// last snapshot or the whole tree, never merged (nil for nil).
func (p *LayerPolicy) withoutMerges() *LayerPolicy {
	if p == nil {
		return nil
	}
	q := *p
	q.MergeFraction = 0
	return &q
}

// onlyLayers is the policy of a rewrite the disk has no room to write
// whole: every tree a layer over its chain, however long (nil where p
// writes no layers). A longer chain costs reads; a held-back rewrite
// costs the heap (every version since the snapshot held in memory), which
// in a memory-limited node ends in the garbage collector taking the
// processors.
func (p *LayerPolicy) onlyLayers() *LayerPolicy {
	if p == nil || p.MaxLayers == 0 {
		return nil
	}
	return &LayerPolicy{MaxLayers: maxChain - 1, MaxFraction: math.Inf(1)}
}

// onlyMerges is the policy of a rewrite the disk has no room to write
// whole where p merges layers: the layers merged over the base however
// large they are (a merge costs them, not the state), so that the chain
// stays short (nil where p does not merge).
func (p *LayerPolicy) onlyMerges() *LayerPolicy {
	if p == nil || p.MaxLayers == 0 || p.MergeFraction == 0 {
		return nil
	}
	q := *p
	q.MergeFraction = math.Inf(1)
	return &q
}

// Validate refuses a policy that cannot work.
func (p LayerPolicy) Validate() error {
	for _, n := range []int{p.MaxLayers, p.MaxLayersMerging} {
		if n < 0 || n >= maxChain {
			return fmt.Errorf("snapshot layer policy: %d layers is not between 0 and %d", n, maxChain-1)
		}
	}
	for _, f := range []float64{p.MaxFraction, p.MergeFraction} {
		if f < 0 || f != f {
			return fmt.Errorf("snapshot layer policy: fraction %v of the base is not a fraction", f)
		}
	}
	return nil
}

// layerOver decides how t's next rewrite is written under p: as a layer
// over the first keep snapshots of its chain (all of them: a layer over
// the last; fewer: the layers from keep on merged into it), or whole
// (keep 0).
func (t *Tree) layerOver(p *LayerPolicy) (keep int) {
	s := t.snapshot
	if p == nil || p.MaxLayers == 0 || s == nil || s.IsEmpty() || t.root == nil {
		return 0
	}
	if !t.valueCodecToWriteIsKept() {
		return 0
	}
	chain := s.Chain()
	layers := len(chain) - 1
	sizes := make([]int64, len(chain))
	var layerBytes int64
	for i, m := range chain {
		if sizes[i] = m.bytes(); i > 0 {
			layerBytes += sizes[i]
		}
	}
	base := float64(sizes[0])
	if p.MergeFraction == 0 {
		if layers < p.MaxLayers && float64(layerBytes) < p.MaxFraction*base {
			return len(chain)
		}
		return 0
	}
	if float64(layerBytes) >= p.MergeFraction*base {
		return 0
	}
	maxLayers := p.MaxLayers
	if p.MaxLayersMerging > 0 {
		maxLayers = p.MaxLayersMerging
	}
	if layers < maxLayers || layers < 2 {
		return len(chain)
	}
	return mergeFrom(sizes)
}

// mergeFrom says which snapshots of a chain (their files' sizes, the base
// first and at least two layers) a merge keeps: the first keep, the
// layers from keep on merged into one. It merges the longest run of
// layers at the chain's end, at least two, whose files take at most half
// the snapshot's just under it, and all the layers where no such run
// leaves one under it: a merge rewrites small layers into a larger one
// and a large layer only once the layers over it have grown to half its
// size, as a size-tiered compaction does.
func mergeFrom(sizes []int64) (keep int) {
	last := len(sizes) - 1
	above := sizes[last]
	for j := last - 1; j >= 2; j-- {
		above += sizes[j]
		if 2*above <= sizes[j-1] {
			keep = j
		}
	}
	if keep == 0 {
		return 1
	}
	return keep
}

// valueCodecToWriteIsKept reports whether a new snapshot of t would store
// its values as its snapshot does (valueCodecToWrite), without building a
// new dictionary to find out.
func (t *Tree) valueCodecToWriteIsKept() bool {
	leaves := uint64(t.root.Size())
	if s := t.snapshot; s.values != nil {
		return leaves < valueDictRegrowth*s.values.trainedAt
	}
	return leaves < ValueDictMinLeaves
}

// SnapshotLayers is how many layers the tree's snapshot has over its
// base (0 for a full snapshot, or none).
func (t *Tree) SnapshotLayers() int {
	return max(len(t.snapshot.Chain())-1, 0)
}

// Chain is the snapshot's chain, base first and the snapshot last: the
// snapshot alone for a full one, none for no snapshot.
func (snapshot *Snapshot) Chain() []*Snapshot {
	if snapshot == nil {
		return nil
	}
	if snapshot.chain == nil {
		return []*Snapshot{snapshot}
	}
	return snapshot.chain
}

// IsLayer reports whether the snapshot is a layer over others.
func (snapshot *Snapshot) IsLayer() bool {
	return snapshot.chain != nil
}

// bytes is the size of the snapshot's own files as mapped.
func (snapshot *Snapshot) bytes() int64 {
	return int64(len(snapshot.nodes) + len(snapshot.leaves) + len(snapshot.kvs) + len(snapshot.branchKeys) + len(snapshot.branchIndex))
}

// Dir is the directory the snapshot was opened from, links resolved.
func (snapshot *Snapshot) Dir() string {
	return snapshot.dir
}

// resolve is the node a reference of the layer's names.
func (snapshot *Snapshot) resolve(ref uint64) PersistedNode {
	return PersistedNode{
		snapshot: snapshot.chain[ref>>33],
		isLeaf:   ref&layerRefLeaf != 0,
		index:    uint32(ref),
	}
}

// layerChild is the child of the layer's branch index at offset
// (OffsetLayerLeft or OffsetLayerRight).
func (snapshot *Snapshot) layerChild(index uint32, offset int) PersistedNode {
	at := int(index)*SizeLayerNode + offset
	return snapshot.resolve(binary.LittleEndian.Uint64(snapshot.nodes[at : at+8]))
}

// checkRef refuses a reference to no node of the chain below pos (the
// position of the layer that holds it).
func checkRef(chain []*Snapshot, pos int, ref uint64) error {
	at := int(ref >> 33)
	if ref>>33 > uint64(pos) {
		return fmt.Errorf("reference %#x names chain position %d above the layer's %d", ref, ref>>33, pos)
	}
	s, index := chain[at], uint32(ref)
	count := s.nodesLen() // the chain is linked: a layer's by its record size
	if ref&layerRefLeaf != 0 {
		count = s.leavesLen()
	}
	if int(index) >= count {
		return fmt.Errorf("reference %#x names node %d of %d at chain position %d", ref, index, count, at)
	}
	return nil
}

// layerHeader is what a layer's layer file holds.
type layerHeader struct {
	root  uint64
	chain []string // directories, relative to the layer's, base first
}

func (h layerHeader) marshal() []byte {
	buf := binary.LittleEndian.AppendUint32(nil, layerFileMagic)
	buf = binary.LittleEndian.AppendUint64(buf, h.root)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(h.chain)))
	for _, dir := range h.chain {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(len(dir)))
		buf = append(buf, dir...)
	}
	return buf
}

func readLayerHeader(dir string) (layerHeader, error) {
	var h layerHeader
	bz, err := os.ReadFile(filepath.Join(dir, FileNameLayer))
	if err != nil {
		return h, err
	}
	if len(bz) < 16 || binary.LittleEndian.Uint32(bz) != layerFileMagic {
		return h, fmt.Errorf("layer file of %s is not one", dir)
	}
	h.root = binary.LittleEndian.Uint64(bz[4:])
	n := binary.LittleEndian.Uint32(bz[12:])
	if n == 0 || n >= maxChain {
		return h, fmt.Errorf("layer %s lies on %d snapshots", dir, n)
	}
	bz = bz[16:]
	for i := uint32(0); i < n; i++ {
		if len(bz) < 2 || len(bz) < 2+int(binary.LittleEndian.Uint16(bz)) {
			return h, fmt.Errorf("layer file of %s is cut short", dir)
		}
		l := int(binary.LittleEndian.Uint16(bz))
		h.chain = append(h.chain, string(bz[2:2+l]))
		bz = bz[2+l:]
	}
	if len(bz) != 0 {
		return h, fmt.Errorf("layer file of %s has %d bytes after its chain", dir, len(bz))
	}
	return h, nil
}

// SnapshotChainDirs lists the directories of the snapshots the snapshot
// in dir lies on, base first (none for a full snapshot), as paths joined
// to dir.
func SnapshotChainDirs(dir string) ([]string, error) {
	h, err := readLayerHeader(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dirs := make([]string, len(h.chain))
	for i, rel := range h.chain {
		dirs[i] = filepath.Join(dir, rel)
	}
	return dirs, nil
}

// openLayerChain opens the snapshots layer lies on (sharing those the
// process has open) and links the chain; on error it releases what it
// acquired (not layer).
func openLayerChain(layer *Snapshot, h layerHeader, dir string) (err error) {
	chain := make([]*Snapshot, len(h.chain)+1)
	fresh := make([]bool, len(h.chain)+1)
	defer func() {
		if err != nil {
			var held []*Snapshot
			for _, m := range chain[:len(h.chain)] {
				if m != nil {
					held = append(held, m)
				}
			}
			err = errors.Join(err, releaseSnapshots(held))
		}
	}()
	for i, rel := range h.chain {
		memberDir, err := resolveSnapshotDir(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("open snapshot %d of the chain under %s: %w", i, dir, err)
		}
		m, isNew, err := acquireSnapshot(memberDir, true)
		if err != nil {
			return fmt.Errorf("open snapshot %d of the chain under %s: %w", i, dir, err)
		}
		chain[i], fresh[i] = m, isNew
		mh := m.layer
		switch {
		case i == 0 && mh != nil:
			return fmt.Errorf("the base of the chain under %s, %s, is a layer", dir, rel)
		case i > 0 && mh == nil:
			return fmt.Errorf("snapshot %d of the chain under %s, %s, is not a layer", i, dir, rel)
		case mh != nil && len(mh.chain) != i:
			return fmt.Errorf("layer %s of the chain under %s lies on %d snapshots, not %d", rel, dir, len(mh.chain), i)
		case m.version > layer.version || (i > 0 && m.version <= chain[i-1].version):
			return fmt.Errorf("snapshot %s of the chain under %s is at version %d, out of order", rel, dir, m.version)
		case !isNew && i > 0 && (len(m.chain) != i+1 || m.chain[i-1] != chain[i-1]):
			// shared, it is linked to the same snapshots below it
			return fmt.Errorf("layer %s of the chain under %s is open over another chain", rel, dir)
		}
	}
	fresh[len(h.chain)] = true
	chain[len(h.chain)] = layer
	for i, m := range chain {
		// A shared layer is linked already, and trees may be reading it.
		if i > 0 && fresh[i] {
			m.chain = chain[: i+1 : i+1]
			// Layers store values with their base's dictionary: one codec
			// for the chain lets a full rewrite copy stored values as they
			// are (writeRecursive compares codecs).
			if m.values.sameAs(chain[0].values) {
				m.values = chain[0].values
			}
		}
	}
	// A reference out of the chain or its files would panic at the first
	// read that followed it; refuse the layer instead.
	for i, m := range chain[1:] {
		pos := i + 1
		if !fresh[pos] {
			continue // checked when it was opened
		}
		for j := 0; j < len(m.nodes)/SizeLayerNode; j++ {
			at := j * SizeLayerNode
			for _, ref := range []uint64{binary.LittleEndian.Uint64(m.nodes[at+OffsetLayerLeft:]), binary.LittleEndian.Uint64(m.nodes[at+OffsetLayerRight:])} {
				if err := checkRef(chain, pos, ref); err != nil {
					return fmt.Errorf("layer %s: branch %d: %w", m.dir, j, err)
				}
			}
		}
	}
	if h.root != layerNoRoot {
		if err := checkRef(chain, len(h.chain), h.root); err != nil {
			return fmt.Errorf("layer %s: root: %w", dir, err)
		}
		root := layer.resolve(h.root)
		layer.root = &root
	}
	return nil
}

// WriteLayer writes the nodes of the tree its snapshot does not hold
// into dir, as a layer over the snapshot's chain. The directories of the
// chain are recorded relative to dir, so dir must stay beside them (a
// rewrite's temporary directory renamed to its final name does).
func (t *Tree) WriteLayer(ctx context.Context, dir string) error {
	return t.writeLayerOver(ctx, dir, len(t.snapshot.Chain()), nil)
}

// writeLayerOver writes t as a layer over the first keep snapshots of
// its snapshot's chain: the nodes they do not hold, those of the chain's
// later layers included (keep less than the chain merges them).
func (t *Tree) writeLayerOver(ctx context.Context, dir string, keep int, report *RewrittenTree) error {
	s := t.snapshot
	if s == nil || s.IsEmpty() || t.root == nil {
		return errors.New("write layer: the tree has no snapshot to lie on, or is empty")
	}
	chain := s.Chain()
	if keep < 1 || keep > len(chain) {
		return fmt.Errorf("write layer: over %d of a chain of %d snapshots", keep, len(chain))
	}
	chain = chain[:keep]
	if len(chain) >= maxChain {
		return fmt.Errorf("write layer: the chain holds %d snapshots already", len(chain))
	}
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return err
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(dir))
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(filepath.Join(parent, filepath.Base(dir)))
	if err != nil {
		return err
	}
	h := layerHeader{chain: make([]string, len(chain))}
	positions := make(map[*Snapshot]int, len(chain))
	for i, m := range chain {
		if h.chain[i], err = filepath.Rel(abs, m.dir); err != nil {
			return err
		}
		positions[m] = i
	}
	merged := make(map[*Snapshot]bool)
	for _, m := range s.Chain()[keep:] {
		merged[m] = true
	}
	return writeSnapshot(ctx, dir, t.version, SnapshotFormatLayer, true, func(w *snapshotWriter) (uint32, error) {
		if len(merged) > 0 {
			defer prefetchMerged(t.root, positions)()
		}
		w.values = s.values
		w.layerPositions, w.layerSelf, w.layerMerged = positions, len(chain), merged
		if report != nil {
			w.placed = newPlacement()
		}
		root, err := w.writeLayerNode(t.root)
		if err != nil {
			return 0, err
		}
		if report != nil {
			report.placed = w.placed.seal()
			report.Placed = report.placed.size()
		}
		h.root = root
		return w.leafCounter, WriteFileSync(filepath.Join(dir, FileNameLayer), h.marshal())
	})
}

// prefetchMergedWorkers is how many subtrees prefetchMerged reads at
// once: the depth of the disk's queue, as the blocks' read-ahead.
const prefetchMergedWorkers = 16

// prefetchMerged reads, from prefetchMergedWorkers goroutines, the
// records and keys of the nodes of root's tree that a merge writes again
// (those of the merged layers: not in memory and not on a kept snapshot),
// subtree after subtree in the writer's order, and returns the function
// that stops it. The writer alone reads them one fault at a time through
// the map: at 10M parcels in 8 GiB a merge of four layers ran for minutes
// beside the flood while the versions it would be moved on by piled up in
// the heap. It reads only what the writer will, live nodes in key order,
// not the layers' files whole (which flooded the page cache with the
// nodes later layers replaced). It only reads.
func prefetchMerged(root Node, kept map[*Snapshot]int) (stop func()) {
	inKept := func(n Node) bool {
		p, ok := n.(PersistedNode)
		if !ok {
			return false
		}
		_, ok = kept[p.snapshot]
		return ok
	}
	// the subtrees to read, left to right: the tree's nodes not kept, cut
	// where there are enough of them to share out
	subtrees := []Node{root}
	for depth := 0; depth < 10 && len(subtrees) < 4*prefetchMergedWorkers; depth++ {
		var next []Node
		for _, n := range subtrees {
			if n.IsLeaf() {
				next = append(next, n)
				continue
			}
			for _, c := range []Node{n.Left(), n.Right()} {
				if !inKept(c) {
					next = append(next, c)
				}
			}
		}
		subtrees = next
	}
	var read func(n Node, done *atomic.Bool)
	read = func(n Node, done *atomic.Bool) {
		if done.Load() || inKept(n) {
			return
		}
		if _, ok := n.(PersistedNode); ok {
			_, _ = n.Key(), n.Hash()
		}
		if !n.IsLeaf() {
			read(n.Left(), done)
			read(n.Right(), done)
		}
	}
	var done atomic.Bool
	var next atomic.Int64
	var wg sync.WaitGroup
	for range prefetchMergedWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(subtrees)) && !done.Load(); i = next.Add(1) - 1 {
				read(subtrees[i], &done)
			}
		}()
	}
	return func() {
		done.Store(true)
		wg.Wait()
	}
}

// writeLayerNode writes node's subtree but for the parts the chain holds,
// in post-order, and returns node's reference. A node of a layer being
// merged is written again, as a node made since the snapshot is.
func (w *snapshotWriter) writeLayerNode(node Node) (uint64, error) {
	if p, ok := node.(PersistedNode); ok {
		if pos, ok := w.layerPositions[p.snapshot]; ok {
			return layerRef(pos, p.isLeaf, p.index), nil
		}
		if !w.layerMerged[p.snapshot] {
			return 0, errors.New("write layer: the tree holds a node of a snapshot outside the layer's chain")
		}
	}
	if node.IsLeaf() {
		w.placeLayerNode(node)
		if err := w.writeLeaf(node.Version(), node.Key(), node.Value(), node.Hash()); err != nil {
			return 0, err
		}
		return layerRef(w.layerSelf, true, w.leafCounter-1), nil
	}
	left, err := w.writeLayerNode(node.Left())
	if err != nil {
		return 0, err
	}
	right, err := w.writeLayerNode(node.Right())
	if err != nil {
		return 0, err
	}
	if w.branchCounter%CancelCheckInterval == 0 {
		if err := w.ctx.Err(); err != nil {
			return 0, err
		}
	}
	w.placeLayerNode(node)
	if err := w.writeBranchKey(node.Key()); err != nil {
		return 0, err
	}
	var buf [SizeLayerNode]byte
	buf[OffsetHeight] = node.Height()
	binary.LittleEndian.PutUint32(buf[OffsetVersion:], node.Version())
	binary.LittleEndian.PutUint32(buf[OffsetSize:], uint32(node.Size()))
	copy(buf[OffsetHash:], node.Hash())
	binary.LittleEndian.PutUint64(buf[OffsetLayerLeft:], left)
	binary.LittleEndian.PutUint64(buf[OffsetLayerRight:], right)
	if _, err := w.nodesWriter.Write(buf[:]); err != nil {
		return 0, err
	}
	w.branchCounter++
	return layerRef(w.layerSelf, false, w.branchCounter-1), nil
}

// placeLayerNode notes where node, a leaf or branch about to be written
// into a layer (after its children), goes (placement.go).
func (w *snapshotWriter) placeLayerNode(node Node) {
	at := w.branchCounter
	if node.IsLeaf() {
		at = w.leafCounter
	}
	if p, ok := node.(PersistedNode); ok {
		w.placed.place(p.snapshot, p.isLeaf, p.index, at, 1)
	} else {
		w.placed.placeInMemory(node.Hash(), at)
	}
}

// layerGet is Get from a node of a layer: down the layers by comparing
// with the branches' keys and counting the leaves passed on the left,
// then Get in the full snapshot where the path enters it.
func (node PersistedNode) layerGet(key []byte) ([]byte, uint32) {
	var rank uint32
	for node.snapshot.chain != nil && !node.isLeaf {
		if bytes.Compare(key, node.snapshot.BranchKey(node.index)) < 0 {
			node = node.left()
		} else {
			rank += uint32(node.left().Size())
			node = node.right()
		}
	}
	if node.snapshot.chain == nil {
		value, r := node.Get(key)
		return value, rank + r
	}
	leafKey, value := node.snapshot.LeafKeyValue(node.index)
	switch bytes.Compare(leafKey, key) {
	case 0:
		return value, rank
	case -1:
		return nil, rank + 1
	default:
		return nil, rank
	}
}

// layerGetByIndex is GetByIndex from a node of a layer, by the sizes of
// the branches' left children.
func (node PersistedNode) layerGetByIndex(index uint32) ([]byte, []byte) {
	for node.snapshot.chain != nil && !node.isLeaf {
		left := node.left()
		if size := uint32(left.Size()); index < size {
			node = left
		} else {
			index -= size
			node = node.right()
		}
	}
	if node.snapshot.chain == nil {
		return node.GetByIndex(index)
	}
	if index != 0 {
		return nil, nil
	}
	return node.snapshot.LeafKeyValue(node.index)
}
