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
	for _, unpacked := range []bool{false, true} {
		for _, tc := range shapes {
			if unpacked {
				tc.name = "unpacked " + tc.name
			}
			t.Run(tc.name, func(t *testing.T) {
				testSubtreeCopy(t, tc.leaves, tc.changes, unpacked)
			})
		}
	}
}

// testSubtreeCopy is one tree of TestSubtreeCopyWritesTheSameFiles, its
// snapshots written packed or (unpacked) with a leaves file.
func testSubtreeCopy(t *testing.T, leaves, changes int, unpacked bool) {
	writeUnpackedLeaves = unpacked
	defer func() { writeUnpackedLeaves = false }()
	tc := struct{ leaves, changes int }{leaves, changes}
	leavesFile := FileNameLeafOffsets
	if unpacked {
		leavesFile = FileNameLeaves
	}
	{
		{
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
			// The base read in pieces far smaller than a subtree's runs,
			// with and without reading back before the byte asked for.
			for i, piece := range [][2]int64{{100, 30}, {4096, 0}, {7, 7}} {
				copyReadChunk, copyReadBack = piece[0], piece[1]
				err := tree.writeWhole(context.Background(), filepath.Join(dir, fmt.Sprint("copied-", i)), false, nil)
				copyReadChunk, copyReadBack = 4<<20, 1<<20
				if err != nil {
					t.Fatal(err)
				}
			}
			// Written out of the page cache: direct where the file
			// system allows it, in the writer's buffer and in buffers
			// of two blocks, a file ending in a block cut to its length.
			// Its base read in pieces of the reader's size and of a few
			// blocks, with and without reading back.
			for i, c := range []struct {
				buffer      int
				chunk, back int64
			}{{4 << 20, 4 << 20, 1 << 20}, {2 * directAlign, 3 * directAlign, 100}, {directAlign, 5000, 0}} {
				directWriteBuffer, copyReadChunk, copyReadBack = c.buffer, c.chunk, c.back
				var report RewrittenTree
				readAllAheadFirst = true
				err := tree.writeWhole(context.Background(), filepath.Join(dir, fmt.Sprint("direct-", i)), true, &report)
				directWriteBuffer, copyReadChunk, copyReadBack = 4<<20, 4<<20, 1<<20
				readAllAheadFirst = false
				if err != nil {
					t.Fatal(err)
				}
				// what is not copied is read ahead of the writer
				// (writeahead.go)
				if report.Copied < int64(tree.root.Size()) && report.WrittenAhead == 0 {
					t.Fatal("nothing was read ahead of the writer")
				}
			}
			for _, copy := range []string{"copied", "copied-0", "copied-1", "copied-2", "direct-0", "direct-1", "direct-2"} {
				for _, name := range []string{FileNameNodes, leavesFile, FileNameKVs, FileNameBranchKeys, FileNameBranchKeyIndex, FileNameMetadata} {
					copied, err := os.ReadFile(filepath.Join(dir, copy, name))
					if err != nil {
						t.Fatal(err)
					}
					byNode, err := os.ReadFile(filepath.Join(dir, "by-node", name))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(copied, byNode) {
						t.Fatalf("%s/%s: %d bytes copied differ from the %d written node by node", copy, name, len(copied), len(byNode))
					}
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
		}
	}
}

// A copyReader gives a file's bytes at any offset, forward, backward and
// across its pieces, and refuses reads beyond the file.
func TestCopyReaderReadsTheFile(t *testing.T) {
	defer func(chunk, back int64) { copyReadChunk, copyReadBack = chunk, back }(copyReadChunk, copyReadBack)
	path := filepath.Join(t.TempDir(), "file")
	data := make([]byte, 10_000)
	rng := rand.New(rand.NewSource(1))
	rng.Read(data)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := NewMmap(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, piece := range [][2]int64{{4 << 20, 1 << 20}, {512, 100}, {64, 0}, {1, 1}} {
		copyReadChunk, copyReadBack = piece[0], piece[1]
		r := newCopyReader(f)
		offset := int64(0)
		for i := 0; i < 2000; i++ {
			switch rng.Intn(3) {
			case 0: // on
				offset += int64(rng.Intn(300))
			case 1: // back
				offset -= int64(rng.Intn(300))
			default: // anywhere
				offset = int64(rng.Intn(len(data)))
			}
			offset = max(0, min(offset, int64(len(data)-1)))
			n := rng.Intn(min(2000, len(data)-int(offset))) + 1
			got := make([]byte, n)
			if err := r.readInto(got, offset); err != nil {
				t.Fatalf("pieces of %d: %d bytes at %d: %v", piece[0], n, offset, err)
			}
			if !bytes.Equal(got, data[offset:offset+int64(n)]) {
				t.Fatalf("pieces of %d: %d bytes at %d differ from the file's", piece[0], n, offset)
			}
			var copied bytes.Buffer
			if err := r.copyTo(&copied, offset, offset+int64(n)); err != nil || !bytes.Equal(copied.Bytes(), got) {
				t.Fatalf("pieces of %d: copyTo [%d, %d): %v", piece[0], offset, offset+int64(n), err)
			}
		}
		if err := r.readInto(make([]byte, 2), int64(len(data)-1)); err == nil {
			t.Fatalf("pieces of %d: a read past the end was not refused", piece[0])
		}
	}
}
