package memiavl

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reading ahead of a whole tree's writer what it reads node by node.
//
// A whole rewrite copies the base's unchanged subtrees as runs
// (snapshot_copy.go), read ahead of it through the page cache
// (baseahead.go); what it writes node by node it reads through the
// snapshots' mappings, one fault at a time: the layers' nodes (record,
// key, children) and the leaves written alone under them and under the
// nodes in memory (at 10M parcels about half a million of the base's).
// Read direct without the base's read-ahead, those faults took a whole
// rewrite of the high tree in 8 GiB from 66–72 s to 152 s
// (docs/state.md), and with it they are still the writer's waits.
//
// writerAhead reads them from writeAheadWorkers goroutines, subtree
// after subtree in the writer's order, no more than writeAheadLeaves
// leaves ahead of the writer, so that the pages are in the page cache
// when it gets there: the base's leaves with pread, a record at a time;
// the layers' nodes are walked through the map, their files being read
// ahead whole, in order, with the base's (baseahead.go). It only reads.

// writeAheadWorkers is how many subtrees are read at once: the depth of
// the disk's queue, as the blocks' read-ahead.
const writeAheadWorkers = 16

// writeAheadLeaves is how far ahead of the writer, in leaves, a subtree
// may begin to be read.
var writeAheadLeaves uint32 = 1 << 21

type writerAhead struct {
	progress atomic.Uint32 // the writer's leaves written
	read     atomic.Int64  // records read
	done     atomic.Bool
	stop     func()
}

// startWriterAhead starts reading ahead of w, which writes root's tree
// whole; nil where nothing is to be read.
func startWriterAhead(w *snapshotWriter, root Node) *writerAhead {
	if root == nil {
		return nil
	}
	a := &writerAhead{}
	type subtree struct {
		node  Node
		start uint32 // its first leaf's index in the tree
	}
	// the subtrees to read, left to right, cut where there are enough of
	// them to share out; the top of the tree is in memory or held
	subtrees := []subtree{{node: root}}
	for depth := 0; depth < 12 && len(subtrees) < 16*writeAheadWorkers; depth++ {
		var next []subtree
		for _, s := range subtrees {
			p, persisted := s.node.(PersistedNode)
			if s.node.IsLeaf() || persisted && (p.snapshot.chain == nil || w.copyableSubtree(p)) {
				next = append(next, s)
				continue
			}
			left := s.node.Left()
			next = append(next, subtree{left, s.start}, subtree{s.node.Right(), s.start + uint32(left.Size())})
		}
		subtrees = next
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range writeAheadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spans := newPreadSpans()
			defer spans.done()
			for i := next.Add(1) - 1; i < int64(len(subtrees)) && !a.done.Load(); i = next.Add(1) - 1 {
				s := subtrees[i]
				for s.start > a.progress.Load()+writeAheadLeaves && !a.done.Load() && !readAllAheadFirst {
					a.waitForWriter()
				}
				a.readSubtree(w, spans, s.node)
			}
		}()
	}
	a.stop = sync.OnceFunc(func() {
		a.done.Store(true)
		wg.Wait()
	})
	if readAllAheadFirst {
		wg.Wait()
	}
	return a
}

// readAllAheadFirst, set by tests, reads everything ahead before the
// writer begins.
var readAllAheadFirst bool

// readSubtree reads what the writer will read of n's subtree node by
// node: nothing of a subtree it copies, nor of the nodes in memory.
func (a *writerAhead) readSubtree(w *snapshotWriter, spans *preadSpans, n Node) {
	if a.done.Load() {
		return
	}
	switch n := n.(type) {
	case *MemNode:
		if n.height > 0 {
			a.readSubtree(w, spans, n.left)
			a.readSubtree(w, spans, n.right)
		}
	case PersistedNode:
		if n.snapshot.chain != nil {
			// A layer's node: its files are read ahead whole, in order
			// (baseahead.go), so its children are found through the
			// map, and only the base's leaves under it are read here.
			if !n.isLeaf {
				a.readSubtree(w, spans, n.left())
				a.readSubtree(w, spans, n.right())
			}
			return
		}
		if n.isLeaf {
			if _, _, err := n.snapshot.preadLeafHead(spans, n, nil, false); err == nil {
				a.read.Add(1)
			}
			return
		}
		if w.copyableSubtree(n) {
			return
		}
		left, right, _, err := n.snapshot.preadStep(spans, n.index, nil) // nil: left first
		if err != nil {
			return // the writer reads it and says why
		}
		a.read.Add(1)
		a.readSubtree(w, spans, left)
		a.readSubtree(w, spans, right)
	}
}

// wrote records the writer's progress: leaves written so far.
func (a *writerAhead) wrote(leaves uint32) {
	if a != nil {
		a.progress.Store(leaves)
	}
}

// end stops the reading.
func (a *writerAhead) end() {
	if a != nil {
		a.stop()
	}
}

// waitForWriter waits a little for the writer to go on.
func (a *writerAhead) waitForWriter() { time.Sleep(5 * time.Millisecond) }
