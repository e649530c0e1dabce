package memiavl

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
)

// The leaves the block walks read are kept as the snapshot has them, and
// writes that find them there (key comparisons, hashes) give the tree the
// same root hash as writes that read the map: the same changes over a
// copy of one snapshot, one read ahead first and one not.
func TestLeafMemoKeepsWhatWalksRead(t *testing.T) {
	// every level read with pread, as below the top of a large tree, so
	// that the walks read the leaves beside their way too
	defer func(mapped int) { ReadAheadMappedLevels = mapped }(ReadAheadMappedLevels)
	ReadAheadMappedLevels = 0
	const n = 3000
	dir := filepath.Join(t.TempDir(), "a")
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(kf(n, i*2)), Value: []byte(fmt.Sprint("value ", i))})
	}
	if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.RewriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	copyDir := filepath.Join(t.TempDir(), "b")
	if out, err := exec.Command("cp", "-a", dir, copyDir).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v %s", err, out)
	}
	// updates, inserts between and beside keys (of other lengths too),
	// deletes
	var changes []*KVPair
	for i := 0; i < n; i += 7 {
		changes = append(changes,
			&KVPair{Key: []byte(kf(n, i*2)), Value: []byte("updated")},
			&KVPair{Key: []byte(kf(n, i*2+1)), Value: []byte("inserted")},
			&KVPair{Key: []byte(kf(n, i*2+2) + "/longer"), Value: []byte("inserted, longer key")},
		)
		if i%3 == 0 {
			changes = append(changes, &KVPair{Key: []byte(kf(n, i*2+4)), Delete: true})
		}
	}
	root := func(dir string, readAhead bool) ([]byte, int) {
		db, err := Load(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tree := db.TreeByName("a")
		s := tree.snapshot
		if !s.packed {
			t.Fatal("the snapshot is not packed")
		}
		if readAhead {
			for i, c := range changes {
				var err error
				if i%2 == 0 {
					err = tree.ReadAheadWrite(c.Key)
				} else {
					_, err = tree.ReadAheadForWrite(c.Key)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		kept, beside := s.memo.len(), 0
		for i := uint32(0); i < uint32(s.leavesLen()); i++ {
			l, ok := s.memo.get(i)
			if !ok {
				continue
			}
			if l.key == nil {
				beside++
			}
			at := s.packedLeafAt(i)
			if l.version != binary.LittleEndian.Uint32(s.kvs[at+OffsetPackedLeafVersion:]) ||
				!bytes.Equal(l.hash[:], s.kvs[at+OffsetPackedLeafHash:at+OffsetPackedLeafHash+SizeHash]) ||
				l.key != nil && !bytes.Equal(l.key, s.LeafKey(i)) {
				t.Fatalf("leaf %d kept as %d %x %q", i, l.version, l.hash, l.key)
			}
		}
		if readAhead && beside == 0 {
			t.Fatal("no leaf beside a walk's way kept")
		}
		if err := db.ApplyChangeSet("a", ChangeSet{Pairs: changes}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		return tree.RootHash(), kept
	}
	got, kept := root(dir, true)
	want, keptNone := root(copyDir, false)
	if kept < len(changes)/2 || keptNone != 0 {
		t.Fatalf("%d leaves kept reading ahead %d changes, %d without", kept, len(changes), keptNone)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("root %X with the leaves kept, %X without", got, want)
	}
}
