package memiavl

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// A snapshot with a leaves file (written before packed leaves) reads as
// the packed snapshot of the same tree: each leaf's version, hash, key and
// value, Get, ReadAhead, a proof and the export. A whole rewrite over it
// writes the packed form, node by node (its subtrees are not copied across
// forms), and reads as the tree.
func TestUnpackedSnapshotReadsAsPacked(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(3))
	tree := New(0)
	var pairs []*KVPair
	const n = 3000
	for i := range n {
		v := make([]byte, rng.Intn(200))
		rng.Read(v)
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%06d", 2*i)), Value: v})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	tree.SaveVersion(true)
	writeUnpackedLeaves = true
	err := tree.WriteSnapshot(filepath.Join(dir, "unpacked"))
	writeUnpackedLeaves = false
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.WriteSnapshot(filepath.Join(dir, "packed")); err != nil {
		t.Fatal(err)
	}
	for name, files := range map[string][2]string{"unpacked": {FileNameLeaves, FileNameLeafOffsets}, "packed": {FileNameLeafOffsets, FileNameLeaves}} {
		if _, err := os.Stat(filepath.Join(dir, name, files[0])); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, name, files[1])); err == nil {
			t.Fatalf("%s has a %s file", name, files[1])
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "packed", FileNameLeafOffsets)); fi.Size() != n*SizeLeafOffset {
		t.Fatalf("leaf offsets: %d bytes for %d leaves", fi.Size(), n)
	}
	old, err := OpenSnapshot(filepath.Join(dir, "unpacked"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	packed, err := OpenSnapshot(filepath.Join(dir, "packed"))
	if err != nil {
		t.Fatal(err)
	}
	defer packed.Close()
	if old.packed || !packed.packed {
		t.Fatalf("packed: %v and %v", old.packed, packed.packed)
	}
	for i := range uint32(n) {
		a, b := old.leaf(i), packed.leaf(i)
		if a.Version() != b.Version() || !bytes.Equal(a.Hash(), b.Hash()) || !bytes.Equal(old.LeafKey(i), packed.LeafKey(i)) {
			t.Fatalf("leaf %d differs", i)
		}
		pa, pb := old.Leaf(i), packed.Leaf(i)
		if pa.Version() != b.Version() || pb.Version() != b.Version() || !bytes.Equal(pa.Hash(), b.Hash()) || !bytes.Equal(pb.Hash(), b.Hash()) || len(b.Hash()) != SizeHash {
			t.Fatalf("leaf %d: its node's version or hash differs from its record's", i)
		}
		_, va := old.LeafKeyValue(i)
		kb, vb := packed.LeafKeyValue(i)
		if !bytes.Equal(va, vb) || !bytes.Equal(kb, pairs[i].Key) || !bytes.Equal(vb, pairs[i].Value) {
			t.Fatalf("leaf %d: %q", i, kb)
		}
	}
	oldTree, packedTree := NewFromSnapshot(old, false, 0), NewFromSnapshot(packed, false, 0)
	if !bytes.Equal(oldTree.RootHash(), tree.RootHash()) || !bytes.Equal(packedTree.RootHash(), tree.RootHash()) {
		t.Fatal("root hashes differ")
	}
	for i := -1; i <= 2*n; i++ {
		key := []byte(fmt.Sprintf("k%06d", i))
		want := oldTree.Get(key)
		for _, tr := range []*Tree{oldTree, packedTree} {
			if got := tr.Get(key); !bytes.Equal(got, want) {
				t.Fatalf("Get(%s) differs", key)
			}
			got, err := tr.ReadAhead(key)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("ReadAhead(%s) = %x, %v; Get: %x", key, got, err, want)
			}
			if err := tr.ReadAheadWrite(key); err != nil {
				t.Fatal(err)
			}
		}
		if i%97 == 0 && want != nil {
			a, errA := oldTree.GetMembershipProof(key)
			b, errB := packedTree.GetMembershipProof(key)
			if errA != nil || errB != nil || a.String() != b.String() {
				t.Fatalf("proofs of %s differ: %v %v", key, errA, errB)
			}
		}
	}
	exported := func(s *Snapshot) (nodes []ExportNode) {
		e := s.Export()
		defer e.Close()
		for {
			node, err := e.Next()
			if err != nil {
				return nodes
			}
			nodes = append(nodes, *node)
		}
	}
	a, b := exported(old), exported(packed)
	if len(a) != 2*n-1 || len(a) != len(b) {
		t.Fatalf("exported %d and %d nodes", len(a), len(b))
	}
	for i := range a {
		if a[i].Height != b[i].Height || a[i].Version != b[i].Version || !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) {
			t.Fatalf("exported node %d differs", i)
		}
	}

	// a whole rewrite over the old form, some leaves changed
	oldTree.ApplyChangeSet(ChangeSet{Pairs: []*KVPair{{Key: []byte("k000004"), Value: []byte("new")}, {Key: []byte("k000005"), Value: []byte("added")}}})
	oldTree.SaveVersion(true)
	var report RewrittenTree
	if err := oldTree.writeWhole(context.Background(), filepath.Join(dir, "rewritten"), false, &report); err != nil {
		t.Fatal(err)
	}
	if report.Copied != 0 {
		t.Fatalf("%d leaves copied across forms", report.Copied)
	}
	rewritten, err := OpenSnapshot(filepath.Join(dir, "rewritten"))
	if err != nil {
		t.Fatal(err)
	}
	defer rewritten.Close()
	rt := NewFromSnapshot(rewritten, false, 0)
	if !rewritten.packed || !bytes.Equal(rt.RootHash(), oldTree.RootHash()) {
		t.Fatalf("rewritten: packed %v, root hash %x, want %x", rewritten.packed, rt.RootHash(), oldTree.RootHash())
	}
	for _, k := range []string{"k000004", "k000005", "k000006"} {
		if !bytes.Equal(rt.Get([]byte(k)), oldTree.Get([]byte(k))) {
			t.Fatalf("%s differs after the rewrite", k)
		}
	}
}

// A packed snapshot whose kvs file does not end with its last leaf's
// record is refused when opened.
func TestPackedSnapshotCutShortIsRefused(t *testing.T) {
	dir := t.TempDir()
	tree := New(0)
	tree.ApplyChangeSet(ChangeSet{Pairs: []*KVPair{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}}})
	tree.SaveVersion(true)
	if err := tree.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	kvs := filepath.Join(dir, FileNameKVs)
	fi, err := os.Stat(kvs)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{fi.Size() - 1, fi.Size() + 1, fi.Size() - 40} {
		if err := os.Truncate(kvs, size); err != nil {
			t.Fatal(err)
		}
		if s, err := OpenSnapshot(dir); err == nil {
			s.Close()
			t.Fatalf("a kvs file of %d bytes (complete: %d) was opened", size, fi.Size())
		}
	}
}
