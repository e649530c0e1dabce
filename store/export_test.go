package store

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
)

// randomBlocks writes versions of random sets and deletes to s and
// returns the model after each.
func randomBlocks(t *testing.T, s *Store, rng *rand.Rand, versions int, model map[string]string) {
	t.Helper()
	for range versions {
		block := NewCache(s.Working())
		for range 1 + rng.IntN(60) {
			k := fmt.Sprintf("k%02d_%03d", rng.IntN(40), rng.IntN(60))
			if rng.IntN(4) == 0 {
				block.Delete([]byte(k))
				delete(model, k)
			} else {
				v := fmt.Sprintf("v%d", rng.Int())
				block.Set([]byte(k), []byte(v))
				model[k] = v
			}
		}
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func exportOf(t *testing.T, s *Store, version int64) []ExportedNode {
	t.Helper()
	view, err := s.At(version)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []ExportedNode
	if err := view.Export(func(n ExportedNode) error { nodes = append(nodes, n); return nil }); err != nil {
		t.Fatal(err)
	}
	return nodes
}

func replay(nodes []ExportedNode) func() (ExportedNode, error) {
	i := 0
	return func() (ExportedNode, error) {
		if i == len(nodes) {
			return ExportedNode{}, io.EOF
		}
		i++
		return nodes[i-1], nil
	}
}

// TestExportRestoresTheSameTrees: a state grown by blocks, exported at a
// version and imported elsewhere, has the same app hash, values and
// proofs; the same blocks written to both afterwards give the same hashes
// (the shape and node versions came across, not only the records).
func TestExportRestoresTheSameTrees(t *testing.T) {
	for _, split := range []string{"k20", NoSplit} {
		t.Run(fmt.Sprintf("split=%q", split), func(t *testing.T) {
			opts := Options{Split: split, SnapshotInterval: 4}
			src, err := Open(t.TempDir(), dbm.PebbleDBBackend, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if err := src.SetSplit(split); err != nil {
				t.Fatal(err)
			}
			model := map[string]string{}
			randomBlocks(t, src, rand.New(rand.NewPCG(1, 2)), 25, model)
			at := src.Version()
			nodes := exportOf(t, src, at)

			dir := t.TempDir()
			hash, err := ImportExported(dir, at, opts, replay(nodes))
			if err != nil {
				t.Fatal(err)
			}
			if string(hash) != string(src.Hash()) {
				t.Fatalf("restored hash %X, exported %X", hash, src.Hash())
			}
			dst, err := Open(dir, dbm.PebbleDBBackend, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if dst.Version() != at || string(dst.Hash()) != string(hash) {
				t.Fatalf("opened at %d %X", dst.Version(), dst.Hash())
			}
			view, err := dst.At(at)
			if err != nil {
				t.Fatal(err)
			}
			checkIteration(t, rand.New(rand.NewPCG(3, 3)), view, model, "restored")
			checkProofs(t, view, model, "restored")

			// The same blocks on both: the same hashes.
			m1, m2 := maps.Clone(model), maps.Clone(model)
			randomBlocks(t, src, rand.New(rand.NewPCG(9, 9)), 10, m1)
			randomBlocks(t, dst, rand.New(rand.NewPCG(9, 9)), 10, m2)
			if string(src.Hash()) != string(dst.Hash()) {
				t.Fatalf("after the same blocks: %X and %X", src.Hash(), dst.Hash())
			}
			if _, err := dst.At(at - 1); err == nil {
				t.Fatal("a restored state reads a version before the one it was restored at")
			}
		})
	}
}

// TestImportExportedRefusesBadStreams: each kind of damage a peer could
// send is refused by name, or, where the hash covers it, changes the hash.
func TestImportExportedRefusesBadStreams(t *testing.T) {
	s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: NoSplit})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetSplit(NoSplit); err != nil {
		t.Fatal(err)
	}
	randomBlocks(t, s, rand.New(rand.NewPCG(5, 6)), 8, map[string]string{})
	good := exportOf(t, s, s.Version())
	innerAt := func() int {
		for i, n := range good {
			if n.Height > 1 {
				return i
			}
		}
		t.Fatal("no inner node")
		return 0
	}
	damage := map[string]struct {
		edit func([]ExportedNode) []ExportedNode
		want string
	}{
		"inner key":         {func(n []ExportedNode) []ExportedNode { n[innerAt()].Key = []byte("k00"); return n }, "smallest key on its right"},
		"height":            {func(n []ExportedNode) []ExportedNode { n[innerAt()].Height++; return n }, "of height"},
		"node missing":      {func(n []ExportedNode) []ExportedNode { return append(n[:3:3], n[4:]...) }, ""},
		"future version":    {func(n []ExportedNode) []ExportedNode { n[0].Version = 99; return n }, "version 99"},
		"keys out of order": {func(n []ExportedNode) []ExportedNode { n[0].Key = []byte("z"); return n }, "strictly ascending"},
		"second tree, no split": {func(n []ExportedNode) []ExportedNode {
			return append(n, ExportedNode{Tree: 1, Key: []byte("x"), Value: []byte("v"), Version: 1})
		}, "split"},
	}
	for name, d := range damage {
		t.Run(name, func(t *testing.T) {
			nodes := d.edit(append([]ExportedNode(nil), good...))
			hash, err := ImportExported(t.TempDir(), s.Version(), Options{Split: NoSplit}, replay(nodes))
			if err == nil && string(hash) == string(s.Hash()) {
				t.Fatal("a damaged stream restored the same state")
			}
			if d.want != "" && (err == nil || !strings.Contains(err.Error(), d.want)) {
				t.Fatalf("got %v, want an error saying %q", err, d.want)
			}
		})
	}
	t.Run("value", func(t *testing.T) {
		nodes := append([]ExportedNode(nil), good...)
		nodes[0].Value = []byte("forged")
		hash, err := ImportExported(t.TempDir(), s.Version(), Options{Split: NoSplit}, replay(nodes))
		if err != nil || string(hash) == string(s.Hash()) {
			t.Fatalf("a forged value: %v, hash %X (the hash must differ)", err, hash)
		}
	})
	t.Run("source fails", func(t *testing.T) {
		_, err := ImportExported(t.TempDir(), s.Version(), Options{Split: NoSplit}, func() (ExportedNode, error) { return ExportedNode{}, errors.New("peer gone") })
		if err == nil || !strings.Contains(err.Error(), "peer gone") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestRestore: an empty opened store takes another's export when the hash
// is the trusted one, and stays empty and usable when it is not.
func TestRestore(t *testing.T) {
	src, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.SetSplit("k20"); err != nil {
		t.Fatal(err)
	}
	model := map[string]string{}
	randomBlocks(t, src, rand.New(rand.NewPCG(2, 7)), 12, model)
	nodes := exportOf(t, src, src.Version())

	dst, err := Open(t.TempDir(), dbm.PebbleDBBackend, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	err = dst.Restore(src.Version(), "k20", []byte("not the hash"), replay(nodes))
	if err == nil || !strings.Contains(err.Error(), "not the trusted app hash") || dst.Version() != 0 {
		t.Fatalf("restore under a wrong hash: %v, version %d", err, dst.Version())
	}
	if err := dst.Restore(src.Version(), "k20", src.Hash(), replay(nodes)); err != nil {
		t.Fatal(err)
	}
	if dst.Version() != src.Version() || string(dst.Hash()) != string(src.Hash()) || dst.Split() != "k20" {
		t.Fatalf("restored %d %X %q", dst.Version(), dst.Hash(), dst.Split())
	}
	view, err := dst.At(dst.Version())
	if err != nil {
		t.Fatal(err)
	}
	checkProofs(t, view, model, "restored")
	if err := dst.Restore(1, "k20", src.Hash(), replay(nodes)); err == nil {
		t.Fatal("a store with state restored over it")
	}
}
