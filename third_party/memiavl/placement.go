package memiavl

import (
	"cmp"
	"encoding/binary"
	"slices"
	"sort"
)

// placement is where a rewrite's writer put the nodes it wrote, kept for
// the moves (transplant.go): a move swaps each node of the tree at the
// rewrite that the running trees hang on for the new snapshot's node at
// the same place, and without the placement it finds that place by
// descending the tree at the rewrite (a whole snapshot) or the new layer
// from its root, reading records on the way (sizes, keys). At 10M parcels
// in 8 GiB the old chain's records are mostly on the disk, and the finds
// were what the moves waited on. The writer knows every place as it
// writes:
//
//   - a node of the old chain: a copied subtree is a run of leaves and a
//     run of branches moved as one (snapshot_copy.go), a node written
//     alone (a merged layer's, or a layer's under a whole rewrite) a run
//     of one. A find is a binary search in memory.
//   - a node in memory: its index, by the first eight bytes of its hash
//     (`placement.mem`, sorted; 16 bytes a node, nothing the collector
//     scans). Two nodes of one tree with the same hash would be the same
//     subtree twice, which a tree does not hold; two whose first eight
//     bytes agree are both dropped, and left to the descent.
//
// The runs of a snapshot come in the order of their nodes' indexes: the
// writer goes through the tree in post-order, and the nodes of one
// snapshot lie in its files in post-order (leaves in key order), which no
// later tree changes. A placement is sealed (sorted, should that order not
// hold) before it is read.
type placement struct {
	runs map[*Snapshot]*placedRuns
	// mem places the nodes in memory written, by their hashes (sorted
	// by seal)
	mem []placedInMemory
}

// placedInMemory is a node in memory, by the first eight bytes of its
// hash, written at index.
type placedInMemory struct {
	id    uint64
	index uint32
}

// memID is the id a node in memory is placed by.
func memID(hash []byte) uint64 {
	if len(hash) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(hash)
}

// placedRuns are a snapshot's nodes placed: its leaves and its branches,
// by their indexes in its files.
type placedRuns struct {
	leaves, branches []placedRun
}

// placedRun is count nodes, from index from on in the old snapshot, at
// index to on in the new.
type placedRun struct {
	from, to, count uint32
}

func newPlacement() *placement {
	return &placement{runs: map[*Snapshot]*placedRuns{}}
}

// place notes that count nodes of s (leaves or branches), from index
// from on, were written from index to on.
func (p *placement) place(s *Snapshot, leaves bool, from, to, count uint32) {
	if p == nil || count == 0 {
		return
	}
	r := p.runs[s]
	if r == nil {
		r = &placedRuns{}
		p.runs[s] = r
	}
	runs := &r.branches
	if leaves {
		runs = &r.leaves
	}
	if n := len(*runs); n > 0 {
		last := &(*runs)[n-1]
		if last.from+last.count == from && last.to+last.count == to {
			last.count += count // a node written alone after its neighbour
			return
		}
	}
	*runs = append(*runs, placedRun{from: from, to: to, count: count})
}

// placeInMemory notes that a node in memory, of hash, was written at
// index.
func (p *placement) placeInMemory(hash []byte, index uint32) {
	if p != nil {
		p.mem = append(p.mem, placedInMemory{id: memID(hash), index: index})
	}
}

// seal sorts the runs where they did not come in order, and returns p.
func (p *placement) seal() *placement {
	if p == nil {
		return nil
	}
	byFrom := func(a, b placedRun) int { return int(int64(a.from) - int64(b.from)) }
	for _, r := range p.runs {
		for _, runs := range [][]placedRun{r.leaves, r.branches} {
			if !slices.IsSortedFunc(runs, byFrom) {
				slices.SortFunc(runs, byFrom)
			}
		}
	}
	slices.SortFunc(p.mem, func(a, b placedInMemory) int { return cmp.Compare(a.id, b.id) })
	// ids met more than once place none of their nodes
	kept := p.mem[:0]
	for i := 0; i < len(p.mem); {
		j := i + 1
		for j < len(p.mem) && p.mem[j].id == p.mem[i].id {
			j++
		}
		if j == i+1 {
			kept = append(kept, p.mem[i])
		}
		i = j
	}
	p.mem = slices.Clip(kept)
	return p
}

// size counts the runs and the nodes in memory held, for the report.
func (p *placement) size() (n int64) {
	if p == nil {
		return 0
	}
	for _, r := range p.runs {
		n += int64(len(r.leaves) + len(r.branches))
	}
	return n + int64(len(p.mem))
}

// lookup returns the new index of n, a node of the old chain, if the
// writer placed it.
func (p *placement) lookup(n PersistedNode) (uint32, bool) {
	if p == nil {
		return 0, false
	}
	r := p.runs[n.snapshot]
	if r == nil {
		return 0, false
	}
	runs := r.branches
	if n.isLeaf {
		runs = r.leaves
	}
	i := sort.Search(len(runs), func(i int) bool { return runs[i].from+runs[i].count > n.index })
	if i == len(runs) || runs[i].from > n.index {
		return 0, false
	}
	return runs[i].to + n.index - runs[i].from, true
}

// lookupInMemory returns the index m, a node in memory of the tree
// written, was written at, if the writer placed it.
func (p *placement) lookupInMemory(m *MemNode) (uint32, bool) {
	if p == nil {
		return 0, false
	}
	id := memID(m.hash)
	i, ok := slices.BinarySearchFunc(p.mem, id, func(e placedInMemory, id uint64) int { return cmp.Compare(e.id, id) })
	if !ok {
		return 0, false
	}
	return p.mem[i].index, true
}
