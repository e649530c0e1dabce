package memiavl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Moving the running tree onto a snapshot written whole, without
// replaying the log.
//
// A background rewrite writes the tree at version V while the DB goes on
// committing; before it can switch, the new trees must reach the DB's
// version. memiavl replays the log since V against them, which reads the
// new snapshot along every changed path: after a whole rewrite written out
// of the page cache (a state too large for two copies in memory), every one
// of those reads goes to the disk, and the pages read push the running
// state out of the cache.
//
// The running tree at a later version T already holds the answer: every
// node it has of version V or older is a node of the tree at V, and so of
// the new snapshot, where a whole snapshot puts each node at a position
// its place in the tree at V decides (leaves in key order; branches in
// post-order). transplantTree copies the nodes newer than V and swaps each
// older one for the new snapshot's node at that position, found by
// descending the tree at V, whose pages are in memory because the running
// tree uses them. Nothing is hashed or read from the new files; the copy
// has the running tree's root hash, which the caller checks. A tree
// written as a layer is moved the same way (newLayerTransplanter), its
// nodes found in the new layer instead.

// errNotTransplanted says why a tree could not be moved; the caller then
// replays the log instead.
var errNotTransplanted = errors.New("not transplanted")

// transplantTree returns the running tree's root (a copy protected from
// the DB's later changes, at a version after v) rebuilt over snap, the
// whole snapshot written from treeV, the tree at version v.
func transplantTree(running Node, treeV Node, v uint32, snap *Snapshot) (Node, error) {
	return newTransplanter(treeV, v, snap).move(running)
}

// transplanter moves running trees of one tree onto its new snapshot,
// whole or a layer, again and again as the tree goes on: it remembers what
// it moved, so a later move of the tree copies only the nodes made since
// the last one, and its cost is the change since then, not since the
// rewrite. A running node in memory keeps what it became on itself
// (MemNode.moved); a node of the old chain, in a map of numbers. Before,
// one map of nodes to nodes held both: at 10M parcels its millions of
// entries were what a rewrite's goroutine spent its time on, and what the
// garbage collector scanned (docs/state.md).
type transplanter struct {
	treeV Node
	v     uint32
	snap  *Snapshot
	// gen tells this transplanter's marks on running nodes from those of
	// an earlier one (a rewrite that failed, or was moved before)
	gen uint64
	// found maps each node of the old chain found so far (oldNodeKey) to
	// the new snapshot's (newNodeIndex); snapshotNumber numbers the old
	// chain's snapshots for the keys
	found          map[uint64]uint64
	snapshotNumber map[*Snapshot]uint64
	// remembered counts the nodes moved so far, copied or found; moved is
	// the version of the last running tree moved
	remembered int
	moved      uint32
	// readAhead has each find read its pages with pread first
	// (readAheadFind): for a rewrite written out of the page cache, whose
	// old chain is larger than memory. Where the old chain is in memory,
	// or small, the reads cost more than the faults they save
	// (BenchmarkTransplantCold).
	readAhead bool
	// foundAhead and foundAlone count the finds made many at once
	// (findAhead) and those node made itself: the nodes not placed
	foundAhead, foundAlone int
	// oldChain is the chain the running trees lie on, for the keys of
	// copied nodes that point into its mappings (readKeysAhead); nil
	// reads none ahead. keyNodes are the nodes whose keys are read ahead
	// for the walk, in its order, keyCopies their keys (nil where the
	// read failed), keyNext the walk's place in them; keysReadAhead
	// counts the keys read.
	oldChain      []*Snapshot
	keyNodes      []*MemNode
	keyCopies     [][]byte
	keyNext       int
	keysReadAhead int
	// placed is where the snapshot's writer put the nodes of the tree at
	// v (placement.go): they are found there without a descent (place).
	// placedFound counts the nodes found so.
	placed      *placement
	placedFound int
	// kept maps the snapshots of the old chain that a new layer lies on
	// to the new chain's (the same directories): their nodes are the new
	// tree's as they are. nil for a whole snapshot.
	kept map[*Snapshot]*Snapshot
}

// moveMark is what a move made of a running node in memory: its copy, or
// the new snapshot's node found for it. A node keeps its mark until it is
// dropped (after a failed move, the running trees' marks hold the
// half-moved copies until the switch replaces those trees); gen says
// which transplanter's it is.
type moveMark struct {
	gen uint64
	to  Node
}

// transplantGens numbers the transplanters, for their marks
var transplantGens atomic.Uint64

func newTransplanter(treeV Node, v uint32, snap *Snapshot) *transplanter {
	return &transplanter{
		treeV: treeV, v: v, snap: snap, moved: v, gen: transplantGens.Add(1),
		found: map[uint64]uint64{}, snapshotNumber: map[*Snapshot]uint64{},
	}
}

// recall returns what n was moved to, if it was.
func (t *transplanter) recall(n Node) (Node, bool) {
	switch n := n.(type) {
	case *MemNode:
		if n.moved != nil && n.moved.gen == t.gen {
			return n.moved.to, true
		}
	case PersistedNode:
		if i, ok := t.found[t.oldNodeKey(n)]; ok {
			return PersistedNode{snapshot: t.snap, isLeaf: i>>32 != 0, index: uint32(i)}, true
		}
	}
	return nil, false
}

// remember notes that n was moved to to. A node of the old chain found
// outside the new snapshot (none is: a find ends in the new layer or
// snapshot) is not remembered, and would be found again.
func (t *transplanter) remember(n, to Node) {
	switch n := n.(type) {
	case *MemNode:
		n.moved = &moveMark{gen: t.gen, to: to}
	case PersistedNode:
		p, ok := to.(PersistedNode)
		if !ok || p.snapshot != t.snap {
			return
		}
		i := uint64(p.index)
		if p.isLeaf {
			i |= 1 << 32
		}
		t.found[t.oldNodeKey(n)] = i
	}
	t.remembered++
}

// oldNodeKey numbers n, a node of the old chain, by its snapshot, kind
// and index: a key of plain numbers, which the garbage collector does not
// scan.
func (t *transplanter) oldNodeKey(n PersistedNode) uint64 {
	number, ok := t.snapshotNumber[n.snapshot]
	if !ok {
		number = uint64(len(t.snapshotNumber))
		t.snapshotNumber[n.snapshot] = number
	}
	key := number<<33 | uint64(n.index)
	if n.isLeaf {
		key |= 1 << 32
	}
	return key
}

// newLayerTransplanter moves running trees of one tree onto snap, a
// layer written from treeV (on oldChain) over the first snapshots of
// oldChain: all of them (a layer over the last), or fewer, the layers
// above merged into it (LayerPolicy's merges). A node of the kept
// snapshots stays where it is; a node of a merged layer, or in memory at
// v, is one of the new layer's, found by its key and height in the new
// tree at v: its way down from the root runs through the new layer alone
// (a node's ancestors are as new as it), whose pages were just written.
// Without the move the log since v is replayed into the new chain,
// reading along every changed path a base that a node whose state is
// larger than its memory mostly has on disk (docs/state.md: a 96 s
// switch after a merge at 10M parcels in 8 GiB, and 42 s after a plain
// layer once the page cache turned over faster than the replay).
func newLayerTransplanter(treeV Node, v uint32, oldChain []*Snapshot, snap *Snapshot) (*transplanter, error) {
	chain := snap.Chain()
	if snap.chain == nil || len(chain)-1 > len(oldChain) {
		return nil, fmt.Errorf("%w: the snapshot is not a layer over the old chain", errNotTransplanted)
	}
	kept := make(map[*Snapshot]*Snapshot, len(chain)-1)
	for i, s := range chain[:len(chain)-1] {
		if s.dir != oldChain[i].dir {
			return nil, fmt.Errorf("%w: the layer lies on %s, not on %s", errNotTransplanted, s.dir, oldChain[i].dir)
		}
		kept[oldChain[i]] = s
	}
	t := newTransplanter(treeV, v, snap)
	t.kept = kept
	return t, nil
}

// move returns running (a copy at a version no older than the last
// moved) rebuilt over the snapshot.
func (t *transplanter) move(running Node) (Node, error) {
	if (t.snap.chain != nil) != (t.kept != nil) {
		return nil, fmt.Errorf("%w: a layer moved onto as a whole snapshot, or the other way round", errNotTransplanted)
	}
	if running == nil {
		return nil, nil
	}
	if t.snap.IsEmpty() {
		return nil, fmt.Errorf("%w: the snapshot is empty and the tree is not", errNotTransplanted)
	}
	t.findAhead(running)
	moved, err := t.node(running)
	if err == nil {
		t.moved = max(t.moved, running.Version())
	}
	return moved, err
}

func (t *transplanter) node(n Node) (Node, error) {
	if p, ok := t.keptNode(n); ok {
		return p, nil
	}
	if at, ok := t.placeOnce(n); ok {
		return at, nil
	}
	if n.Version() <= t.moved {
		// moved before, or a node of the tree at v under one that was
		if moved, ok := t.recall(n); ok {
			return moved, nil
		}
		if n.Version() > t.v {
			return nil, fmt.Errorf("%w: a node of version %d was not in the tree moved at %d", errNotTransplanted, n.Version(), t.moved)
		}
		found, err := t.find(n)
		if err == nil {
			t.remember(n, found)
			t.foundAlone++
		}
		return found, err
	}
	m, ok := n.(*MemNode)
	if !ok {
		return nil, fmt.Errorf("%w: a node of version %d newer than the snapshot's %d is not in memory", errNotTransplanted, n.Version(), t.v)
	}
	if m.hash == nil {
		return nil, fmt.Errorf("%w: a node of version %d has no hash", errNotTransplanted, m.version)
	}
	// A key read from the old chain points into its mapping, which the
	// switch unmaps; values come from the changes, on the heap.
	c := &MemNode{height: m.height, size: m.size, version: m.version, key: t.keyCopy(m), value: m.value, hash: m.hash}
	t.remember(m, c)
	if m.height == 0 {
		return c, nil
	}
	var err error
	if c.left, err = t.node(m.left); err != nil {
		return nil, err
	}
	if c.right, err = t.node(m.right); err != nil {
		return nil, err
	}
	return c, nil
}

// keptNode is n's node in the new chain where n lies on a snapshot the
// new layer kept.
func (t *transplanter) keptNode(n Node) (PersistedNode, bool) {
	p, ok := n.(PersistedNode)
	if !ok || t.kept == nil {
		return PersistedNode{}, false
	}
	s, ok := t.kept[p.snapshot]
	if !ok {
		return PersistedNode{}, false
	}
	return PersistedNode{snapshot: s, isLeaf: p.isLeaf, index: p.index}, true
}

// transplantFindWorkers is how many finds a move runs at once. Below the
// levels a snapshot holds in memory each find reads the old chain's
// pages, and for a node whose state is larger than its memory those pages
// are mostly on the disk: found one after another, the move reads at the
// disk's rate for a queue of one, slower than the blocks it must catch up
// with (docs/state.md: a third of the rate at sixteen in flight). For a
// rewrite written out of the page cache each find first reads its pages
// with pread (readAheadFind, transplanter.readAhead): a fault on the map
// holds the goroutine's processor, so through the map alone no more than
// GOMAXPROCS finds would wait on the disk at once.
var transplantFindWorkers = 16

// findAhead finds, many at once, the nodes of the tree at v that running
// hangs its new nodes on (the nodes node would find one by one) and
// remembers them, so that node meets each remembered. It only reads: a node
// it could not find is left to node, which finds it again and says why.
func (t *transplanter) findAhead(running Node) {
	var frontier []Node
	t.keyNodes, t.keyNext = t.keyNodes[:0], 0
	t.collectFrontier(running, &frontier)
	t.readKeysAhead()
	if len(frontier) < 2*transplantFindWorkers {
		return
	}
	found := make([]Node, len(frontier))
	eachInParallel(len(frontier), transplantFindWorkers, func(i int) {
		if t.readAhead {
			t.readAheadFind(frontier[i])
		}
		if n, err := t.find(frontier[i]); err == nil {
			found[i] = n
		}
	})
	for i, x := range frontier {
		if found[i] != nil {
			t.remember(x, found[i])
			t.foundAhead++
		}
	}
}

// placeOnce is place for node and collectFrontier: a node in memory it
// placed keeps its place as a move's mark (remember), so that the rounds
// after, and the walk after collectFrontier, recall it without a search
// (at 10M parcels, searching again for every node the switch met took it
// from about 100 ms to 300–600). A node of the old chain is searched for
// in its runs each time it is met, as a find was remembered in a map.
func (t *transplanter) placeOnce(n Node) (Node, bool) {
	if t.placed == nil {
		return nil, false
	}
	m, inMemory := n.(*MemNode)
	if inMemory && (m.version > t.v || m.moved != nil && m.moved.gen == t.gen) {
		return nil, false // newer than v, or placed or moved before: recalled
	}
	at, ok := t.place(n)
	if !ok {
		return nil, false
	}
	if inMemory {
		t.remember(m, at)
	}
	t.placedFound++
	return at, true
}

// place returns where the writer put n, a node of the tree at v (of the
// old chain, or in memory no newer than v: placeOnce tells), if it placed
// it (placement.go): nothing is read, but for a layer (whose pages
// readLayerFiles read) the placed node's hash, which must be n's. The
// descents it spares walked the new layer from its root for each node
// (findInLayer: at 10M parcels in 8 GiB, 27 % of a long rewrite's moves)
// or the tree at v, reading the old chain's records.
func (t *transplanter) place(n Node) (Node, bool) {
	switch n := n.(type) {
	case PersistedNode:
		if i, ok := t.placed.lookup(n); ok {
			return PersistedNode{snapshot: t.snap, isLeaf: n.isLeaf, index: i}, true
		}
	case *MemNode:
		if i, ok := t.placed.lookupInMemory(n); ok {
			at := PersistedNode{snapshot: t.snap, isLeaf: n.height == 0, index: i}
			if t.kept == nil || bytes.Equal(at.Hash(), n.hash) {
				return at, true
			}
		}
	}
	return nil, false
}

// readKeysAhead reads the keys of keyNodes with pread, from
// transplantFindWorkers goroutines, each into its own slice: the copies'
// keys. A key it could not read is left to keyCopy to clone.
func (t *transplanter) readKeysAhead() {
	if len(t.keyNodes) == 0 {
		return
	}
	t.keyCopies = make([][]byte, len(t.keyNodes))
	eachInParallel(len(t.keyNodes), transplantFindWorkers, func(i int) {
		key := t.keyNodes[i].key
		if f, at, ok := t.mappedKey(key); ok {
			c := make([]byte, len(key))
			if _, err := readParked(f, c, at); err == nil {
				t.keyCopies[i] = c
			}
		}
	})
	for _, c := range t.keyCopies {
		if c != nil {
			t.keysReadAhead++
		}
	}
}

// eachInParallel calls do(i) for every i below n from up to workers
// goroutines, and returns once all are done.
func eachInParallel(n, workers int, do func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				do(int(i))
			}
		}()
	}
	wg.Wait()
}

// readAheadFind reads with pread what find(x) will read through the map:
// x's record and key, and below the tree's nodes in memory each branch on
// the way down to x with its key and the record of its other child (the
// left one's size, counted when the way turns right). It only reads; an
// error leaves the reads to find.
func (t *transplanter) readAheadFind(x Node) {
	w := newPreadSpans()
	defer w.done()
	var key []byte
	var height uint8
	switch x := x.(type) {
	case *MemNode:
		key, height = x.key, x.height
	case PersistedNode:
		var err error
		if key, height, err = preadKeyHeight(w, x); err != nil || key == nil {
			return
		}
	default:
		return
	}
	n, depth := t.treeV, 0
	for ; ; depth++ {
		m, ok := n.(*MemNode)
		if !ok {
			break
		}
		if m.height <= height {
			return
		}
		if bytes.Compare(key, m.key) < 0 {
			n = m.left
		} else {
			n = m.right
		}
	}
	if p, ok := n.(PersistedNode); ok {
		_, _ = p.preadDescend(w, key, depth, height, preadRecord) // an error leaves the reads to find
	}
}

// preadKeyHeight reads node's key and height with pread (from memory for
// a held branch). A nil key: the snapshot has no branch key files, and
// the key is left to be read through the map.
func preadKeyHeight(w *preadSpans, node PersistedNode) ([]byte, uint8, error) {
	s := node.snapshot
	if node.isLeaf {
		head, _, err := s.preadLeafHead(w, node, nil, false)
		if err != nil {
			return nil, 0, err
		}
		return head[4 : len(head)-4], 0, nil
	}
	if s.branchIndex == nil { // and so nothing held (holdUpperBranches)
		return nil, 0, nil
	}
	var rec [SizeNodeWithoutHash]byte
	key, err := s.readBranch(w, node.index, rec[:])
	return key, rec[OffsetHeight], err
}

// collectFrontier appends, in key order, the nodes under n that node
// would find: those older than the last move and not yet remembered, below
// the nodes newer than it. A persisted node is of the old chain, so no
// newer than v; telling it by its type rather than its version keeps its
// record unread here, for the finds to read in parallel.
func (t *transplanter) collectFrontier(n Node, frontier *[]Node) {
	if _, ok := t.keptNode(n); ok {
		return
	}
	if _, ok := t.placeOnce(n); ok {
		return // node takes it
	}
	switch n := n.(type) {
	case PersistedNode:
		if _, ok := t.recall(n); !ok {
			*frontier = append(*frontier, n)
		}
	case *MemNode:
		if n.version <= t.moved {
			if _, ok := t.recall(n); !ok && n.version <= t.v {
				*frontier = append(*frontier, n)
			}
			return
		}
		if t.oldChain != nil {
			if _, _, ok := t.mappedKey(n.key); ok {
				t.keyNodes = append(t.keyNodes, n)
			}
		}
		if n.height > 0 {
			t.collectFrontier(n.left, frontier)
			t.collectFrontier(n.right, frontier)
		}
	}
}

// mappedKey says where key lies in the old chain's files, if it points
// into one of their mappings: a node made from a persisted one
// (PersistedNode.Mutate, a branch over a persisted leaf) keeps the
// persisted key. Copying such a key through the map is a fault for
// every page the cache lost, made by the walk alone: at 10M parcels in
// 8 GiB, 28 % of a long rewrite's moves waited so (docs/state.md).
func (t *transplanter) mappedKey(key []byte) (*os.File, int64, bool) {
	if len(key) == 0 {
		return nil, 0, false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(key)))
	for _, s := range t.oldChain {
		for _, m := range []*MmapFile{s.kvsMap, s.branchKeysMap} {
			if m == nil || len(m.data) == 0 {
				continue
			}
			start := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
			if p >= start && p-start+uintptr(len(key)) <= uintptr(len(m.data)) {
				return m.file, int64(p - start), true
			}
		}
	}
	return nil, 0, false
}

// keyCopy is m's key for its copy: read ahead (the next of keyNodes,
// which runs in the walk's order), else cloned.
func (t *transplanter) keyCopy(m *MemNode) []byte {
	if t.keyNext < len(t.keyNodes) && t.keyNodes[t.keyNext] == m {
		key := t.keyCopies[t.keyNext]
		t.keyNext++
		if key != nil {
			return key
		}
	}
	return bytes.Clone(m.key)
}

// find returns the new snapshot's node for x, a node of the tree at v: it
// descends the tree at v to x by x's key, counting the leaves left of the
// path (x's first leaf) and the turns right (the subtrees pending before
// x in post-order, as snapshotWriter's preTrees counts them).
func (t *transplanter) find(x Node) (Node, error) {
	if t.kept != nil {
		return t.findInLayer(x)
	}
	key, height := x.Key(), x.Height()
	var leavesBefore, turnsRight uint32
	n := t.treeV
	for n != x {
		if n.Height() <= height {
			return nil, fmt.Errorf("%w: a node of version %d is not in the tree at %d", errNotTransplanted, x.Version(), t.v)
		}
		if bytes.Compare(key, n.Key()) < 0 {
			n = n.Left()
		} else {
			leavesBefore += uint32(n.Left().Size())
			turnsRight++
			n = n.Right()
		}
	}
	if height == 0 {
		return PersistedNode{snapshot: t.snap, isLeaf: true, index: leavesBefore}, nil
	}
	// a branch comes after the branches of the subtrees before it and
	// after its own subtree's: getStartLeaf turned around
	return PersistedNode{snapshot: t.snap, index: leavesBefore + uint32(x.Size()) - 2 - turnsRight}, nil
}

// findInLayer returns the new layer's node for x, a node of the tree
// at v the kept snapshots do not hold: the new tree at v is the old one
// written again, so x's place is the node of x's height on the way down
// to x's key (heights fall strictly along it). Its version, key and hash
// must be x's.
func (t *transplanter) findInLayer(x Node) (Node, error) {
	key, height := x.Key(), x.Height()
	var n Node = t.snap.RootNode()
	for n.Height() > height {
		if bytes.Compare(key, n.Key()) < 0 {
			n = n.Left()
		} else {
			n = n.Right()
		}
	}
	if n.Height() != height || n.Version() != x.Version() || !bytes.Equal(n.Key(), key) || !bytes.Equal(n.Hash(), x.Hash()) {
		return nil, fmt.Errorf("%w: a node of version %d is not in the new layer's tree at %d", errNotTransplanted, x.Version(), t.v)
	}
	return n, nil
}

// readLayerFiles reads the files of the layer in dir into the page
// cache, each whole and in order, and returns the bytes read. A layer's
// moves find every node of a merged layer or in memory at v by walking
// the new layer from its root (findInLayer): through the map, each page
// the cache lacks is a fault that holds a processor while it waits for
// the disk. At 10M parcels in 8 GiB the moves after a merge of four
// layers (0.8 GB written in 17 s) took 102 s, the page cache turning
// over at 20 disk reads a transfer. Every node in a new layer is live at
// its version, so the reads are of the pages the tree reads next anyway.
func readLayerFiles(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, len(entries))
	for i, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := os.Open(filepath.Join(dir, e.Name()))
			if err != nil {
				errs[i] = err
				return
			}
			defer f.Close()
			adviseSequential(f)
			buf := make([]byte, 1<<20)
			for {
				n, err := f.Read(buf)
				total.Add(int64(n))
				if err != nil {
					if err != io.EOF {
						errs[i] = err
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	return total.Load(), errors.Join(errs...)
}

// readNewLayers reads the files of the layers a rewrite wrote under dir
// into the page cache (readLayerFiles), before they are opened: opening
// a layer checks every reference of its branches, through the map, and
// the writer wrote them past the page cache, so each page of the nodes
// file was a fault of its own (at 10M parcels 0.48 s of CPU a rewrite,
// and the faults' waits). The moves that follow read the whole layer too.
func readNewLayers(dir string, report *RewriteReport) error {
	for _, tree := range report.Trees {
		if !tree.Layer {
			continue
		}
		began := time.Now()
		read, err := readLayerFiles(filepath.Join(dir, tree.Name))
		if err != nil {
			return fmt.Errorf("tree %s: %w", tree.Name, err)
		}
		report.LayersRead += read
		report.LayersReadTook += time.Since(began)
	}
	return nil
}

// reloadUnmoved drops t, half-moved by a move that failed, and loads the
// trees of dir's current snapshot again, for the log to be replayed.
func reloadUnmoved(t *MultiTree, dir string, zeroCopy bool) (*MultiTree, error) {
	if err := t.Close(); err != nil {
		return nil, err
	}
	return LoadMultiTree(currentPath(dir), zeroCopy, 0)
}

// noTransplant, set by tests, has every background rewrite replay the log.
var noTransplant bool

// transplantRoundsMax bounds the background moves: a DB that commits
// faster than they move would never be caught, and the switch then moves
// the rest.
const transplantRoundsMax = 32

// transplantState is what the moves of a rewrite remember between rounds:
// a transplanter for each tree.
type transplantState struct {
	movers map[string]*transplanter
	treeV  int64
	rounds int // moves made, the switch's included
}

// spoilMove, set by tests, may spoil a move's trees before their hashes
// are checked; round counts the rewrite's moves from 0, the switch's last.
var spoilMove func(round int, t *MultiTree)

// transplantRunning brings the trees t, loaded from a background rewrite
// of treeV, up to the DB's latest committed version without replaying the
// log: it asks the DB for a copy of its trees (wanted, served between
// commits) and moves them onto t (moveRound), again while each round finds
// more than one new version, so that what the switch moves under the DB's
// lock is one version's change. On an error t is half-moved and must be
// loaded again. progress is called after each round.
func (t *MultiTree) transplantRunning(ctx context.Context, treeV *MultiTree, wanted chan chan *MultiTree, report *RewriteReport, progress func()) (*transplantState, error) {
	st := &transplantState{movers: map[string]*transplanter{}, treeV: treeV.Version()}
	if len(treeV.trees) != len(t.trees) || treeV.Version() != t.Version() {
		return nil, fmt.Errorf("%w: the trees written are not the rewrite's", errNotTransplanted)
	}
	// The copies' keys are read ahead where the state is larger than
	// memory (a tree written out of the page cache, or a merge, which the
	// store allows only then): in the cache each read is a system call
	// that saves nothing (BenchmarkTransplantCold: 0.27 CPU-seconds more a
	// move, for 3,400 fewer faults).
	readKeys := report.OutOfCache()
	for i, tree := range report.Trees {
		if i >= len(t.trees) || t.trees[i].Name != tree.Name || treeV.trees[i].Name != tree.Name {
			return nil, fmt.Errorf("%w: the trees written are not the rewrite's", errNotTransplanted)
		}
		oldChain := treeV.trees[i].snapshot.Chain()
		if tree.Layer {
			mover, err := newLayerTransplanter(treeV.trees[i].root, treeV.trees[i].version, oldChain, t.trees[i].snapshot)
			if err != nil {
				return nil, fmt.Errorf("tree %s: %w", tree.Name, err)
			}
			mover.placed, report.Trees[i].placed = tree.placed, nil
			if readKeys || tree.Merged > 0 {
				mover.oldChain = oldChain
			}
			st.movers[tree.Name] = mover
			continue
		}
		mover := newTransplanter(treeV.trees[i].root, treeV.trees[i].version, t.trees[i].snapshot)
		mover.placed, report.Trees[i].placed = tree.placed, nil
		mover.readAhead = tree.OutOfCache
		if readKeys {
			mover.oldChain = oldChain
		}
		st.movers[tree.Name] = mover
	}
	started := time.Now()
	var last int64 // versions the round before moved
	for report.TransplantRounds < transplantRoundsMax {
		if beforeMoveRound != nil {
			beforeMoveRound(report.TransplantRounds)
		}
		reply := make(chan *MultiTree, 1)
		select {
		case wanted <- reply:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		running := <-reply
		gained := running.Version() - t.Version()
		if err := t.moveRound(running, st); err != nil {
			return nil, err
		}
		report.TransplantRounds++
		report.Transplanted = running.Version() - st.treeV
		report.TransplantTook = time.Since(started)
		progress()
		// Commits that outrun the moves (their finds read a state out of
		// the page cache) would only grow the running trees and the heap
		// that holds them.
		if roundsDone(report.TransplantRounds, gained, last) {
			break
		}
		last = gained
	}
	st.count(report)
	return st, nil
}

// count sets the report's counts of what the moves read ahead and placed.
func (st *transplantState) count(report *RewriteReport) {
	report.KeysReadAhead, report.PlacedFound, report.Searched = 0, 0, 0
	for _, mover := range st.movers {
		report.KeysReadAhead += int64(mover.keysReadAhead)
		report.PlacedFound += int64(mover.placedFound)
		report.Searched += int64(mover.foundAhead + mover.foundAlone)
	}
}

// beforeMoveRound, set by tests, runs before each background move round.
var beforeMoveRound func(round int)

// moveRound brings t to running's version: each tree takes running's tree
// moved onto its snapshot, and must then hash as running's.
func (t *MultiTree) moveRound(running *MultiTree, st *transplantState) error {
	if len(running.trees) != len(t.trees) || running.Version() < t.Version() {
		return fmt.Errorf("%w: the running trees are not those written", errNotTransplanted)
	}
	for i, entry := range t.trees {
		if running.trees[i].Name != entry.Name {
			return fmt.Errorf("%w: the running trees are not those written", errNotTransplanted)
		}
		mover := st.movers[entry.Name]
		if mover == nil {
			continue
		}
		root, err := mover.move(running.trees[i].root)
		if err != nil {
			return fmt.Errorf("tree %s: %w", entry.Name, err)
		}
		entry.root, entry.version = root, running.trees[i].version
	}
	if spoilMove != nil {
		spoilMove(st.rounds, t)
	}
	st.rounds++
	t.lastCommitInfo.Version = running.Version()
	t.UpdateCommitInfo()
	want := running.lastCommitInfo.StoreInfos
	for i, info := range t.lastCommitInfo.StoreInfos {
		if i >= len(want) || want[i].Name != info.Name || !bytes.Equal(want[i].CommitId.Hash, info.CommitId.Hash) {
			return fmt.Errorf("%w: tree %s moved has another root hash than the running tree's", errNotTransplanted, info.Name)
		}
	}
	return nil
}
