package memiavl

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"testing"
)

// BenchmarkLayerSwitchMove is the move a switch makes onto a layer: one
// version (2,000 changes) past a layer written from a tree of 1M leaves
// with 100,000 changes in memory over its base, moved after the rounds
// before it moved the versions between; placed by the layer's writer
// (placement.go) and found by descents of the new layer (findInLayer).
func BenchmarkLayerSwitchMove(b *testing.B) {
	const leaves, perVersion = 1_000_000, 2_000
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
	base, err := OpenSnapshot(filepath.Join(dir, "base"))
	if err != nil {
		b.Fatal(err)
	}
	tree = NewFromSnapshot(base, false, 0)
	rng := rand.New(rand.NewSource(1))
	change := func(versions int) {
		for range versions {
			var pairs []*KVPair
			seen := map[int]bool{}
			for len(pairs) < perVersion {
				i := rng.Intn(leaves * 7)
				if !seen[i] {
					seen[i] = true
					pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%09d", i)), Value: []byte(fmt.Sprintf("changed %d", rng.Int()))})
				}
			}
			sort.Slice(pairs, func(i, j int) bool { return string(pairs[i].Key) < string(pairs[j].Key) })
			tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
			tree.SaveVersion(true)
		}
	}
	change(50)
	treeV := tree.Copy(0)
	var report RewrittenTree
	if err := treeV.writeLayerOver(context.Background(), filepath.Join(dir, "layer"), 1, &report); err != nil {
		b.Fatal(err)
	}
	layer, err := OpenSnapshot(filepath.Join(dir, "layer"))
	if err != nil {
		b.Fatal(err)
	}
	change(10)
	rounds := tree.Copy(0)
	change(1)
	switched := tree.Copy(0)
	for _, placed := range []bool{true, false} {
		b.Run(fmt.Sprintf("placed-%v", placed), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				mover, err := newLayerTransplanter(treeV.root, treeV.version, base.Chain(), layer)
				if err != nil {
					b.Fatal(err)
				}
				if placed {
					mover.placed = report.placed
				}
				if _, err := mover.move(rounds.root); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := mover.move(switched.root); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
