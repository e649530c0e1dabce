package memiavl

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestSubtreeCopyWritesTheSameFiles writes trees whole, copying the
// base's unchanged subtrees as records and node by node, and requires the
// same files byte for byte, and a snapshot that reads as the tree. The
// trees are a base, a layer and changes in memory (inserts, updates,
// deletes), with values stored as they are (a small tree) and through a
// dictionary, and a base with no change at all.
func TestSubtreeCopyWritesTheSameFiles(t *testing.T) {
	type shape struct {
		name            string
		leaves, changes int
	}
	shapes := []shape{
		{"small", 600, 40},
		{"dictionary", 5000, 300},
		{"unchanged", 3000, 0},
		{"every leaf changed", 1500, 3000},
		{"one leaf", 1, 0},
		{"two leaves", 2, 2},
	}
	rng := rand.New(rand.NewSource(7))
	for i := range 12 { // and shapes at random
		leaves := 1 + rng.Intn(4000)
		shapes = append(shapes, shape{fmt.Sprint("random ", i), leaves, rng.Intn(leaves)})
	}
	for _, tc := range shapes {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rng := rand.New(rand.NewSource(int64(tc.leaves)))
			twin := map[string]string{}
			tree := New(0)
			var pairs []*KVPair
			for i := 0; i < tc.leaves; i++ {
				k, v := fmt.Sprintf("k%07d", i*3), fmt.Sprintf(`{"parcel":%d,"owner":"a name %d"}`, i, rng.Intn(50))
				twin[k] = v
				pairs = append(pairs, &KVPair{Key: []byte(k), Value: []byte(v)})
			}
			tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
			tree.SaveVersion(true)
			if err := tree.WriteSnapshot(filepath.Join(dir, "base")); err != nil {
				t.Fatal(err)
			}
			base, err := OpenSnapshot(filepath.Join(dir, "base"))
			if err != nil {
				t.Fatal(err)
			}
			tree = NewFromSnapshot(base, false, 0)
			change := func() {
				var pairs []*KVPair
				seen := map[string]bool{}
				for n := 0; n < tc.changes/2; n++ {
					k := fmt.Sprintf("k%07d", rng.Intn(tc.leaves*3))
					if seen[k] {
						continue
					}
					seen[k] = true
					if _, ok := twin[k]; ok && rng.Intn(4) == 0 {
						delete(twin, k)
						pairs = append(pairs, &KVPair{Key: []byte(k), Delete: true})
						continue
					}
					v := fmt.Sprintf(`{"parcel":"%s","owner":"another %d"}`, k, rng.Intn(50))
					twin[k] = v
					pairs = append(pairs, &KVPair{Key: []byte(k), Value: []byte(v)})
				}
				sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
				tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
				tree.SaveVersion(true)
			}
			change()
			if err := tree.WriteLayer(context.Background(), filepath.Join(dir, "layer")); err != nil {
				t.Fatal(err)
			}
			layer, err := OpenSnapshot(filepath.Join(dir, "layer"))
			if err != nil {
				t.Fatal(err)
			}
			tree.Close()
			tree = NewFromSnapshot(layer, false, 0)
			defer tree.Close()
			change()

			var report RewrittenTree
			if err := tree.writeWhole(context.Background(), filepath.Join(dir, "copied"), false, &report); err != nil {
				t.Fatal(err)
			}
			// most leaves are in unchanged subtrees of the base, but where
			// every leaf changed
			if leaves := tree.root.Size(); tc.changes < tc.leaves/10 && report.Copied < leaves/2 || report.Copied > leaves {
				t.Fatalf("%d of %d leaves copied", report.Copied, leaves)
			}
			t.Logf("%d of %d leaves copied", report.Copied, tree.root.Size())
			noSubtreeCopy = true
			err = tree.writeWhole(context.Background(), filepath.Join(dir, "by-node"), false, nil)
			noSubtreeCopy = false
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{FileNameNodes, FileNameLeaves, FileNameKVs, FileNameBranchKeys, FileNameBranchKeyIndex, FileNameMetadata} {
				copied, err := os.ReadFile(filepath.Join(dir, "copied", name))
				if err != nil {
					t.Fatal(err)
				}
				byNode, err := os.ReadFile(filepath.Join(dir, "by-node", name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(copied, byNode) {
					t.Fatalf("%s: %d bytes copied differ from the %d written node by node", name, len(copied), len(byNode))
				}
			}

			written, err := OpenSnapshot(filepath.Join(dir, "copied"))
			if err != nil {
				t.Fatal(err)
			}
			defer written.Close()
			if !bytes.Equal(written.RootHash(), tree.RootHash()) {
				t.Fatal("the written snapshot's root hash is not the tree's")
			}
			keys := make([]string, 0, len(twin))
			for k := range twin {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if got := written.leavesLen(); got != len(keys) {
				t.Fatalf("%d leaves written, the tree has %d", got, len(keys))
			}
			for i, k := range keys {
				key, value := written.LeafKeyValue(uint32(i))
				if string(key) != k || string(value) != twin[k] {
					t.Fatalf("leaf %d: %q=%q, want %q=%q", i, key, value, k, twin[k])
				}
				if got, _ := written.RootNode().Get([]byte(k)); string(got) != twin[k] {
					t.Fatalf("Get(%q) = %q, want %q", k, got, twin[k])
				}
			}
		})
	}
}
