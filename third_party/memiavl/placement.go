package memiavl

import (
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
//   - a node in memory: its index, in the post-order of the tree's nodes
//     in memory (mem), which a walk of them in memory numbers again
//     (transplanter.placeInMemory).
//
// The runs of a snapshot come in the order of their nodes' indexes: the
// writer goes through the tree in post-order, and the nodes of one
// snapshot lie in its files in post-order (leaves in key order), which no
// later tree changes. A placement is sealed (sorted, should that order not
// hold) before it is read.
type placement struct {
	runs map[*Snapshot]*placedRuns
	// mem is the index of each node in memory written, leaf or branch,
	// in post-order
	mem []uint32
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

// placeInMemory notes that the next node in memory was written at index.
func (p *placement) placeInMemory(index uint32) {
	if p != nil {
		p.mem = append(p.mem, index)
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
