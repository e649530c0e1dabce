package store

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// TestArchiveMatchesIAVL writes the same random blocks to a one-tree store
// and to IAVL itself (the reference), then at every version, long after it
// was written: the same root, the same values, and byte-identical ICS23
// proofs (membership and non-membership) from IAVL's own proof code.
//
// Odd seeds ingest every version as a table (archive_ingest.go), even
// ones write batches, and the ingested store is read after reopening.
func TestArchiveMatchesIAVL(t *testing.T) {
	defer func(m int) { ingestMin = m }(ingestMin)
	for seed := uint64(1); seed <= 4; seed++ {
		ingested := seed%2 == 1
		ingestMin = 1 << 62
		if ingested {
			ingestMin = 1
		}
		rng := rand.New(rand.NewPCG(seed, 5))
		ref := iavl.NewMutableTree(iavldb.NewWrapper(dbm.NewMemDB()), 0, true, iavl.NewNopLogger())
		dir := t.TempDir()
		opts := Options{Split: NoSplit, SnapshotInterval: 7}
		s, err := Open(dir, dbm.PebbleDBBackend, opts)
		if err != nil {
			t.Fatal(err)
		}
		const versions = 40
		for v := 1; v <= versions; v++ {
			// The store writes a block's keys once each, in key order;
			// IAVL is given the same writes in the same order.
			block := NewCache(s.Working())
			writes := map[string][]byte{}
			for range 1 + rng.IntN(60) {
				k := fmt.Sprintf("k%04d", rng.IntN(500))
				if rng.IntN(4) == 0 {
					block.Delete([]byte(k))
					writes[k] = nil
				} else {
					val := fmt.Appendf(nil, "v%d", rng.Int())
					block.Set([]byte(k), val)
					writes[k] = val
				}
			}
			block.Write()
			for _, k := range slices.Sorted(maps.Keys(writes)) {
				var err error
				if writes[k] == nil {
					_, _, err = ref.Remove([]byte(k))
				} else {
					_, err = ref.Set([]byte(k), writes[k])
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			got, _, err := s.Commit()
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := ref.SaveVersion()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("seed %d version %d: root %X, IAVL %X", seed, v, got, want)
			}
		}
		if err := s.arch.waitWrite(); err != nil {
			t.Fatal(err)
		}
		if n := s.archDB.(*dbm.PebbleDB).DB().Metrics().Ingest.Count; ingested != (n == versions) || !ingested && n != 0 {
			t.Fatalf("seed %d: %d tables ingested for %d versions", seed, n, versions)
		}
		if left, err := os.ReadDir(filepath.Join(dir, "state", ingestDirName)); err != nil || len(left) > 0 {
			t.Fatalf("seed %d: tables left to ingest: %v (%v)", seed, left, err)
		}
		if ingested {
			s.Close()
			if s, err = Open(dir, dbm.PebbleDBBackend, opts); err != nil {
				t.Fatal(err)
			}
		}
		for v := int64(1); v <= versions; v++ {
			view, err := s.At(v)
			if err != nil {
				t.Fatal(err)
			}
			old, err := ref.GetImmutable(v)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 510 {
				k := fmt.Appendf(nil, "k%04d", i)
				wantV, _ := old.Get(k)
				if got := view.Get(k); !bytes.Equal(got, wantV) {
					t.Fatalf("version %d key %s: %q, IAVL %q", v, k, got, wantV)
				}
				if i%7 != 0 {
					continue
				}
				p, err := view.Proof(k)
				if err != nil {
					t.Fatal(err)
				}
				q, err := old.GetProof(k)
				if err != nil {
					t.Fatal(err)
				}
				pb, _ := p.Marshal()
				qb, _ := q.Marshal()
				if !bytes.Equal(pb, qb) {
					t.Fatalf("version %d key %s: proof differs from IAVL's", v, k)
				}
			}
			var keys, wantKeys []string
			view.Iterate([]byte("k0100"), []byte("k0300"), v%2 == 0, func(k, _ []byte) bool { keys = append(keys, string(k)); return true })
			it, err := old.Iterator([]byte("k0100"), []byte("k0300"), v%2 == 1)
			if err != nil {
				t.Fatal(err)
			}
			for ; it.Valid(); it.Next() {
				wantKeys = append(wantKeys, string(it.Key()))
			}
			it.Close()
			if fmt.Sprint(keys) != fmt.Sprint(wantKeys) {
				t.Fatalf("version %d: iteration %v, IAVL %v", v, keys, wantKeys)
			}
		}
		s.Close()
	}
}

// TestArchivePruning: with KeepRecent, pruned versions are gone, kept ones
// still read and prove, and the archive holds no more nodes than the kept
// versions reach.
func TestArchivePruning(t *testing.T) {
	defer func(m int) { ingestMin = m }(ingestMin)
	for _, min := range []int{1 << 62, 1} {
		ingestMin = min
		testArchivePruning(t)
	}
}

func testArchivePruning(t *testing.T) {
	s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{KeepRecent: 3, Split: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 3))
	for range 30 {
		for range 20 {
			s.Working().Set(fmt.Appendf(nil, "k%d", rng.IntN(40)), fmt.Appendf(nil, "%d", rng.Int()))
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if s.HasVersion(27) || !s.HasVersion(28) || !s.HasVersion(30) {
		t.Fatal("pruning kept the wrong versions")
	}
	reached := map[string]bool{}
	for v := int64(28); v <= 30; v++ {
		view, err := s.At(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range []*archiveTree{view.low, view.high} {
			var walk func(version int64, hash []byte)
			walk = func(version int64, hash []byte) {
				reached[string(nodeKey(version, hash))] = true
				n, err := s.arch.get(version, hash)
				if err != nil {
					t.Fatal(err)
				}
				if !n.leaf() {
					walk(n.leftVersion, n.leftHash)
					walk(n.rightVersion, n.rightHash)
				}
			}
			if !tr.root.empty() {
				walk(tr.root.version, tr.root.hash)
			}
		}
		p, err := view.Proof([]byte("k1"))
		if err != nil || p == nil {
			t.Fatal(err)
		}
	}
	it, err := s.archDB.Iterator([]byte("n"), []byte("o"))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	stored := 0
	for ; it.Valid(); it.Next() {
		if isRootKey(it.Key()) {
			continue
		}
		stored++
		if !reached[string(it.Key())] {
			t.Fatalf("node %X outlived its versions", it.Key())
		}
	}
	if stored != len(reached) {
		t.Fatalf("%d nodes stored, %d reached", stored, len(reached))
	}
}

// TestTreeRoot: the fork's Tree.Root gives the root node the archive
// walks (nil for an empty tree).
func TestTreeRoot(t *testing.T) {
	tr := memiavl.New(0)
	if tr.Root() != nil {
		t.Fatal("an empty tree has a root")
	}
	tr.ApplyChangeSet(memiavl.ChangeSet{Pairs: []*memiavl.KVPair{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}}})
	r := tr.Root()
	if r == nil || r.Size() != 2 || r.Height() != 1 || !bytes.Equal(r.Hash(), tr.RootHash()) {
		t.Fatalf("root %v", r)
	}
}

// TestCommitUnarchived: a state loaded in unarchived steps has the same
// root as one committed normally, and its first archived version holds
// every key, with proofs, though the steps are not history.
func TestCommitUnarchived(t *testing.T) {
	bulk, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: "k1", SnapshotInterval: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	plain := OpenMemory()
	if err := plain.SetSplit("k1"); err != nil {
		t.Fatal(err)
	}
	for step := range 4 {
		for i := range 300 {
			k := fmt.Appendf(nil, "k%d", step*1000+i*7%300)
			for _, s := range []*Store{bulk, plain} {
				s.Working().Set(k, k)
			}
		}
		commit := bulk.CommitUnarchived
		if step == 3 {
			commit = bulk.Commit
		}
		got, _, err := commit()
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := plain.Commit()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("step %d: root %X, want %X (%v)", step, got, want, err)
		}
	}
	if bulk.HasVersion(3) || !bulk.HasVersion(4) {
		t.Fatal("unarchived steps are readable, or the last is not")
	}
	view, err := bulk.At(4)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	view.Iterate(nil, nil, false, func(k, v []byte) bool {
		n++
		if !bytes.Equal(k, v) {
			t.Fatalf("%s = %s", k, v)
		}
		return true
	})
	p, err := view.Proof([]byte("k2005"))
	if n != 1200 || err != nil || p.GetExist() == nil {
		t.Fatalf("%d keys archived, proof %v", n, err)
	}
}

// TestHashIsTheSavedVersions: writes made after a commit (a block under
// way) do not show in Hash, which Info reports, until they are saved.
func TestHashIsTheSavedVersions(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	s.Working().Set([]byte("a"), []byte("1"))
	s.Working().Set([]byte("z"), []byte("1"))
	committed, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	s.Working().Set([]byte("b"), []byte("2"))
	if !bytes.Equal(s.Hash(), committed) {
		t.Fatalf("hash %X moved with unsaved writes, saved %X", s.Hash(), committed)
	}
	next, _, err := s.Commit()
	if err != nil || !bytes.Equal(s.Hash(), next) || bytes.Equal(next, committed) {
		t.Fatalf("after saving: %X, want %X (%v)", s.Hash(), next, err)
	}
	s.Close()
	s, err = Open(dir, dbm.PebbleDBBackend, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !bytes.Equal(s.Hash(), next) {
		t.Fatalf("reopened with hash %X, want %X", s.Hash(), next)
	}
}

// TestHashesOutliveSnapshots: hashes and values handed out stay valid
// after the latest tree moves to a newer memory-mapped snapshot and
// unmaps the old one.
func TestHashesOutliveSnapshots(t *testing.T) {
	for _, split := range []string{NoSplit, DefaultSplit} {
		s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: split, SnapshotInterval: 2})
		if err != nil {
			t.Fatal(err)
		}
		var handed, copies [][]byte
		var values [][]byte
		for v := range 16 {
			if v < 4 { // then versions with no writes: the root stays a snapshot's node
				s.Working().Set(fmt.Appendf(nil, "k%d", v), fmt.Appendf(nil, "v%d", v))
			}
			h, _, err := s.Commit()
			if err != nil {
				t.Fatal(err)
			}
			handed, copies = append(handed, h, s.Hash()), append(copies, bytes.Clone(h), bytes.Clone(h))
			values = append(values, s.Working().Get([]byte("k0")))
			time.Sleep(20 * time.Millisecond) // let a background snapshot finish and be switched to
		}
		for i := range handed {
			if !bytes.Equal(handed[i], copies[i]) {
				t.Fatalf("split %q: hash %d changed after snapshots", split, i)
			}
		}
		for _, v := range values {
			if string(v) != "v0" {
				t.Fatalf("split %q: a value read earlier now reads %q", split, v)
			}
		}
		s.Close()
	}
}

// TestArchivedInTheBackground: a version is archived while the next
// block's writes are made, yet a view of it opened at once, a write to the
// trees made at once and a reopened store all see exactly that version.
func TestArchivedInTheBackground(t *testing.T) {
	defer func(m int) { ingestMin = m }(ingestMin)
	ingestMin = 4 << 10
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "k5"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	hashes := map[int64][]byte{}
	for v := int64(1); v <= 30; v++ {
		block := NewCache(s.Working())
		for range 200 {
			block.Set(fmt.Appendf(nil, "k%d", rng.IntN(1000)), fmt.Appendf(nil, "%d", rng.Int()))
		}
		block.Set([]byte("k-version"), fmt.Appendf(nil, "%d", v))
		block.Write()
		hash, version, err := s.Commit()
		if err != nil || version != v {
			t.Fatal(version, err)
		}
		hashes[v] = hash
		if v%3 == 0 { // a direct write while the archive may still be writing
			s.Working().Set([]byte("k-direct"), fmt.Appendf(nil, "%d", v))
		}
		view, err := s.At(v)
		if err != nil || !bytes.Equal(view.Hash(), hash) || string(view.Get([]byte("k-version"))) != fmt.Sprint(v) {
			t.Fatalf("version %d read at once: %v", v, err)
		}
	}
	s.Close()
	if s, err = Open(dir, dbm.PebbleDBBackend, Options{Split: "k5"}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for v, hash := range hashes {
		if view, err := s.At(v); err != nil || !bytes.Equal(view.Hash(), hash) {
			t.Fatalf("version %d after reopening: %v", v, err)
		}
	}
}
