package memiavl

import (
	"encoding/binary"
	"slices"
)

// The upper branches of a chain's layers, held in memory while live.
//
// A full snapshot holds its upper branches (upper.go), but the tree moves
// off them: every layer holds the paths changed since the snapshot under
// it, so after a few layers most of a search's upper branches are a
// layer's, and a layer held none. Each was then a page of its own in each
// of three files, read through the map near the root and through the
// rings below: at 10M parcels the pages a transfer read rose from 36 with
// the base alone to about 70 with chains of eight layers, and the layers'
// sparse pages crowded the page cache.
//
// So at each switch (and at open) the tree's branches from the base's
// held height up that lie in layers, the ones a search can still reach,
// are held in memory, a layer at a time; those a later layer replaced are
// dropped from what each layer held. A layer's live upper branches number
// about as many as the base's that they replaced, so the memory held
// stays near the base's budget. Nothing else changes: the copy holds the
// files' bytes, and a branch not held is read from the files as before.

// holdLiveLayerBranches holds, for each tree whose snapshot is a layer,
// the live upper branches of its chain's layers (those of the base's held
// height and above that the tree reaches from its root).
func (t *MultiTree) holdLiveLayerBranches() {
	for _, entry := range t.trees {
		entry.Tree.holdLiveLayerBranches()
	}
}

// holdLiveLayerBranches is MultiTree.holdLiveLayerBranches for one tree.
// The tree must not change meanwhile; readers of its snapshots may go on.
func (t *Tree) holdLiveLayerBranches() {
	if t.snapshot == nil || t.snapshot.chain == nil {
		return
	}
	chain := t.snapshot.Chain()
	base := chain[0].upper()
	if base == nil {
		return
	}
	live := liveLayerBranches(t.root, base.minHeight)
	for _, s := range chain[1:] {
		if s.branchIndex == nil {
			continue
		}
		indexes := live[s]
		slices.Sort(indexes)
		s.held.Store(heldLayerBranches(s, indexes, base.minHeight))
	}
}

// liveLayerBranches lists, by layer, the branches of minHeight and above
// reachable from root that lie in layers. A full snapshot's branch has
// only its own snapshot's nodes below it, so a walk stops there.
func liveLayerBranches(root Node, minHeight uint8) map[*Snapshot][]uint32 {
	live := map[*Snapshot][]uint32{}
	stack := []Node{root}
	for len(stack) > 0 {
		node := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n := node.(type) {
		case *MemNode:
			if n.IsLeaf() || n.Height() < minHeight {
				continue
			}
			stack = append(stack, n.left, n.right)
		case PersistedNode:
			if n.isLeaf || n.snapshot.chain == nil || n.Height() < minHeight {
				continue
			}
			live[n.snapshot] = append(live[n.snapshot], n.index)
			stack = append(stack, n.left(), n.right())
		}
	}
	return live
}

// heldLayerBranches is what layer s holds of its branches: those at
// indexes (sorted), their records and keys copied from what it held
// before or from its files, with the key offsets sampled every
// keySampleStride branches.
func heldLayerBranches(s *Snapshot, indexes []uint32, minHeight uint8) *upperBranches {
	branches := len(s.nodes) / SizeLayerNode
	old := s.upper()
	u := &upperBranches{
		minHeight:  minHeight,
		recordSize: SizeLayerNode,
		held:       make([]uint64, (branches+63)/64),
		before:     make([]uint32, (branches+63)/64),
		records:    make([]byte, 0, len(indexes)*SizeLayerNode),
		keyEnds:    make([]uint32, 0, len(indexes)),
	}
	for _, i := range indexes {
		var record, key []byte
		if slot, ok := old.slot(i); ok {
			record, key = old.record(slot), old.key(slot)
		} else {
			record, key = s.nodes[int(i)*SizeLayerNode:int(i+1)*SizeLayerNode], s.BranchKey(i)
		}
		u.held[i/64] |= 1 << (i % 64)
		u.records = append(u.records, record...)
		u.keys = append(u.keys, key...)
		u.keyEnds = append(u.keyEnds, uint32(len(u.keys)))
	}
	u.countBefore()
	if old != nil {
		u.keyOffsets = old.keyOffsets
	} else {
		u.keyOffsets = make([]uint64, 0, (branches+keySampleStride-1)/keySampleStride)
		for i := 0; i < branches; i += keySampleStride {
			u.keyOffsets = append(u.keyOffsets, binary.LittleEndian.Uint64(s.branchIndex[8*i:]))
		}
	}
	return u
}
