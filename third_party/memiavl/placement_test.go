package memiavl

import (
	"bytes"
	"testing"
)

// A placement finds a node by its runs, coalesced where they continue one
// another and sorted where they came out of order; a node in memory by its
// hash's first eight bytes, none of those two nodes share.
func TestPlacementLooksUp(t *testing.T) {
	s := &Snapshot{}
	p := newPlacement()
	p.place(s, true, 10, 100, 5) // leaves 10–14 at 100–104
	p.place(s, true, 15, 105, 1) // continues it
	p.place(s, true, 2, 50, 3)   // out of order: leaves 2–4 at 50–52
	p.place(s, false, 7, 70, 1)  // a branch alone
	p.place(s, false, 8, 90, 1)  // does not continue it: a run of its own
	p.place(s, true, 20, 200, 0) // nothing
	p.placeInMemory(bytes.Repeat([]byte{1}, 32), 11)
	shared := bytes.Repeat([]byte{2}, 32)
	p.placeInMemory(shared, 12)
	p.placeInMemory(append(bytes.Repeat([]byte{2}, 8), bytes.Repeat([]byte{3}, 24)...), 13) // the same first eight bytes
	p.seal()
	if len(p.runs[s].leaves) != 2 || len(p.runs[s].branches) != 2 {
		t.Fatalf("runs %+v", p.runs[s])
	}
	for _, c := range []struct {
		leaf      bool
		index, at uint32
		placed    bool
	}{
		{true, 10, 100, true}, {true, 15, 105, true}, {true, 16, 0, false}, {true, 3, 51, true},
		{true, 5, 0, false}, {true, 1, 0, false}, {false, 7, 70, true}, {false, 8, 90, true}, {false, 9, 0, false},
	} {
		at, ok := p.lookup(PersistedNode{snapshot: s, isLeaf: c.leaf, index: c.index})
		if ok != c.placed || at != c.at {
			t.Fatalf("leaf %v %d: placed %v at %d, want %v at %d", c.leaf, c.index, ok, at, c.placed, c.at)
		}
	}
	if _, ok := p.lookup(PersistedNode{snapshot: &Snapshot{}, isLeaf: true, index: 10}); ok {
		t.Fatal("a node of another snapshot is placed")
	}
	if at, ok := p.lookupInMemory(&MemNode{hash: bytes.Repeat([]byte{1}, 32)}); !ok || at != 11 {
		t.Fatalf("the node in memory placed %v at %d", ok, at)
	}
	if _, ok := p.lookupInMemory(&MemNode{hash: shared}); ok {
		t.Fatal("a node whose id another shares is placed")
	}
	if _, ok := p.lookupInMemory(&MemNode{hash: bytes.Repeat([]byte{4}, 32)}); ok {
		t.Fatal("a node not written is placed")
	}
	if p.size() != 4+1 {
		t.Fatalf("size %d", p.size())
	}
	var none *placement
	if _, ok := none.lookup(PersistedNode{snapshot: s}); ok {
		t.Fatal("no placement places a node")
	}
}
