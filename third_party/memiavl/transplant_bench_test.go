package memiavl

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"testing"
)

// BenchmarkTransplant compares moving a running tree onto a snapshot
// written whole (transplantTree) with replaying the versions since it
// (what memiavl did), for a tree of 1M leaves with 100,000 changes since
// the rewrite. Both against a snapshot in the page cache: the replay's
// cost on a cold one is its reads, which the move does not make.
func BenchmarkTransplant(b *testing.B) {
	running, treeV, full, since, _, placed := transplantBenchTrees(b)
	b.Run("transplant", func(b *testing.B) {
		for range b.N {
			if _, err := transplantTree(running.root, treeV.root, treeV.version, full); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("transplant-placed", func(b *testing.B) {
		for range b.N {
			mover := newTransplanter(treeV.root, treeV.version, full)
			mover.placed = placed
			if _, err := mover.move(running.root); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("replay", func(b *testing.B) {
		for range b.N {
			replayed := NewFromSnapshot(full, false, 0)
			for _, cs := range since {
				replayed.ApplyChangeSet(cs)
				replayed.SaveVersion(true)
			}
		}
	})
}

// transplantBenchTrees makes BenchmarkTransplant's trees: a base of 1M
// leaves, the tree at a rewrite after 100,000 changes (in memory over the
// base) written whole, and the running tree 100,000 changes later, with
// those changes, the base and where the rewrite's writer placed the
// base's nodes.
func transplantBenchTrees(b *testing.B) (running, treeV *Tree, full *Snapshot, since []ChangeSet, base *Snapshot, placed *placement) {
	const leaves, versions, perVersion = 1_000_000, 50, 2_000
	dir := b.TempDir()
	tree := New(0)
	var pairs []*KVPair
	for i := 0; i < leaves; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%09d", i*7)), Value: []byte(fmt.Sprintf("value %d", i))})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	tree.SaveVersion(true)
	if err := tree.WriteSnapshot(filepath.Join(dir, "base")); err != nil {
		b.Fatal(err)
	}
	var err error
	base, err = OpenSnapshot(filepath.Join(dir, "base"))
	if err != nil {
		b.Fatal(err)
	}
	tree = NewFromSnapshot(base, false, 0)
	rng := rand.New(rand.NewSource(1))
	change := func(t *Tree) []ChangeSet {
		var sets []ChangeSet
		for range versions {
			var pairs []*KVPair
			seen := map[int]bool{}
			for len(pairs) < perVersion {
				i := rng.Intn(leaves * 7)
				if seen[i] {
					continue
				}
				seen[i] = true
				pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%09d", i)), Value: []byte(fmt.Sprintf("changed %d", rng.Int()))})
			}
			sort.Slice(pairs, func(i, j int) bool { return string(pairs[i].Key) < string(pairs[j].Key) })
			t.ApplyChangeSet(ChangeSet{Pairs: pairs})
			t.SaveVersion(true)
			sets = append(sets, ChangeSet{Pairs: pairs})
		}
		return sets
	}
	change(tree)
	treeV = tree.Copy(0)
	if err := writePlaced(&placed)(treeV, filepath.Join(dir, "full")); err != nil {
		b.Fatal(err)
	}
	full, err = OpenSnapshot(filepath.Join(dir, "full"))
	if err != nil {
		b.Fatal(err)
	}
	since = change(tree)
	return tree.Copy(0), treeV, full, since, base, placed
}
