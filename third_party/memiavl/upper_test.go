package memiavl

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withUpper holds the upper branches of every snapshot opened until the
// test ends, from the height a budget of nodes gives.
func withUpper(t *testing.T, nodes int) {
	t.Helper()
	minLeaves, budget := UpperBranchesMinLeaves, UpperBranchesNodes
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, nodes
	t.Cleanup(func() { UpperBranchesMinLeaves, UpperBranchesNodes = minLeaves, budget })
}

// A snapshot read through its upper branches held in memory reads as the
// same snapshot read from its files alone: every branch's record and key,
// every key's value and rank, the reads ahead, proofs and the root hash.
func TestUpperBranchesReadAsTheFiles(t *testing.T) {
	for _, n := range []int{2, 3, 100, 2999, 5000} {
		for _, budget := range []int{1, 8, 64, 1 << 20} {
			t.Run(fmt.Sprintf("%d keys, %d held", n, budget), func(t *testing.T) {
				// two copies: a snapshot open in the process is shared by its directory
				dir, heldDir := t.TempDir(), t.TempDir()
				for _, dir := range []string{dir, heldDir} {
					db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}})
					if err != nil {
						t.Fatal(err)
					}
					rng := rand.New(rand.NewSource(int64(n)))
					var pairs []*KVPair
					for i := 0; i < n; i++ {
						v := make([]byte, rng.Intn(100))
						rng.Read(v)
						pairs = append(pairs, &KVPair{Key: []byte(kf(n, i*2)), Value: v})
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

				}
				withUpper(t, 0)
				plain, err := Load(dir, Options{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				defer plain.Close()
				UpperBranchesNodes = budget
				held, err := Load(heldDir, Options{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				defer held.Close()
				pt, ht := plain.TreeByName("a"), held.TreeByName("a")
				ps, hs := pt.snapshot, ht.snapshot
				if ps.upper() != nil {
					t.Fatal("the plain snapshot holds branches")
				}
				if hs.upper() == nil {
					t.Fatal("the upper branches were not read")
				}
				branches := len(ps.nodes) / SizeNode
				heldCount := 0
				for i := 0; i < branches; i++ {
					pn, hn := ps.Node(uint32(i)), hs.Node(uint32(i))
					if _, ok := hs.upper().slot(uint32(i)); ok {
						heldCount++
						if hn.Height() < hs.upper().minHeight {
							t.Fatalf("branch %d of height %d held from height %d", i, hn.Height(), hs.upper().minHeight)
						}
					} else if pn.Height() >= hs.upper().minHeight {
						t.Fatalf("branch %d of height %d not held from height %d", i, pn.Height(), hs.upper().minHeight)
					}
					// read ahead, through spans and record by record
					for _, w := range []*preadSpans{nil, newPreadSpans()} {
						var prec, hrec [SizeNodeWithoutHash]byte
						pk, perr := ps.preadBranch(w, uint32(i), prec[:])
						hk, herr := hs.preadBranch(w, uint32(i), hrec[:])
						if perr != nil || herr != nil || !bytes.Equal(pk, hk) || prec != hrec {
							t.Fatalf("branch %d read ahead: %q %x (%v) held, %q %x (%v) not", i, hk, hrec, herr, pk, prec, perr)
						}
					}
					if pn.Height() != hn.Height() || pn.Size() != hn.Size() || pn.Version() != hn.Version() ||
						!bytes.Equal(pn.Hash(), hn.Hash()) || !bytes.Equal(pn.Key(), hn.Key()) ||
						!sameNode(pn.left(), hn.left()) || !sameNode(pn.right(), hn.right()) {
						t.Fatalf("branch %d reads differently held", i)
					}
				}
				if len(hs.upper().keyOffsets) != (branches+keySampleStride-1)/keySampleStride {
					t.Fatalf("%d key offsets kept for %d branches", len(hs.upper().keyOffsets), branches)
				}
				if heldCount != hs.upper().count() {
					t.Fatalf("%d branches found held, %d counted", heldCount, hs.upper().count())
				}
				if n >= 100 && heldCount == 0 {
					t.Fatal("no branch held")
				}
				if !bytes.Equal(pt.RootHash(), ht.RootHash()) {
					t.Fatal("root hashes differ")
				}
				for i := -1; i <= 2*n+1; i++ {
					key := []byte(kf(n, i))
					want := pt.Get(key)
					if got := ht.Get(key); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
						t.Fatalf("Get %q: %x, want %x", key, got, want)
					}
					wi, _ := pt.GetWithIndex(key)
					if gi, _ := ht.GetWithIndex(key); gi != wi {
						t.Fatalf("rank of %q: %d, want %d", key, gi, wi)
					}
					for _, mapped := range []int{0, 3, 16} {
						ReadAheadMappedLevels = mapped
						got, err := ht.ReadAhead(key)
						if err != nil || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
							t.Fatalf("ReadAhead %q, %d mapped levels: %x, %v; want %x", key, mapped, got, err, want)
						}
						if err := ht.ReadAheadWrite(key); err != nil {
							t.Fatalf("ReadAheadWrite %q: %v", key, err)
						}
					}
					ReadAheadMappedLevels = 16
					if i%97 == 0 || i == -1 {
						proof := pt.GetMembershipProof
						if i < 0 || i%2 == 1 {
							proof = pt.GetNonMembershipProof
						}
						wp, err := proof(key)
						if err != nil {
							t.Fatal(err)
						}
						proof = ht.GetMembershipProof
						if i < 0 || i%2 == 1 {
							proof = ht.GetNonMembershipProof
						}
						gp, err := proof(key)
						if err != nil {
							t.Fatal(err)
						}
						if wp.String() != gp.String() {
							t.Fatalf("proof of %q differs", key)
						}
					}
				}
				var wantKeys, gotKeys [][]byte
				pt.ScanPostOrder(func(node Node) bool { wantKeys = append(wantKeys, node.Key()); return true })
				ht.ScanPostOrder(func(node Node) bool { gotKeys = append(gotKeys, node.Key()); return true })
				if len(gotKeys) != len(wantKeys) {
					t.Fatalf("scan: %d nodes, want %d", len(gotKeys), len(wantKeys))
				}
				for i := range wantKeys {
					if !bytes.Equal(gotKeys[i], wantKeys[i]) {
						t.Fatalf("scan: node %d key %q, want %q", i, gotKeys[i], wantKeys[i])
					}
				}
				// Written over: the tree changes and hashes alike.
				for _, tree := range []*Tree{pt, ht} {
					tree.set([]byte(kf(n, 1)), []byte("new"))
					tree.remove([]byte(kf(n, 0)))
				}
				if _, _, err := pt.SaveVersion(true); err != nil {
					t.Fatal(err)
				}
				if _, _, err := ht.SaveVersion(true); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pt.RootHash(), ht.RootHash()) {
					t.Fatal("root hashes differ after a write")
				}
			})
		}
	}
}

// upperMinHeight keeps about the budget's branches, from height 2 up.
func TestUpperMinHeight(t *testing.T) {
	for _, c := range []struct {
		leaves, budget int
		want           uint8
	}{
		{1 << 20, 1 << 21, 2},
		{35_000_000, 1 << 21, 6},
		{35_000_000, 1 << 20, 7},
		{4, 1, 3},
	} {
		if got := upperMinHeight(c.leaves, c.budget); got != c.want {
			t.Errorf("upperMinHeight(%d, %d) = %d, want %d", c.leaves, c.budget, got, c.want)
		}
	}
}

// sameNode: the same place in two snapshots.
func sameNode(a, b PersistedNode) bool {
	return a.index == b.index && a.isLeaf == b.isLeaf
}

// A branch key whose length would pass the file's end is refused at open
// with an error, not read past the end.
func TestUpperBranchesRefuseABrokenKey(t *testing.T) {
	withUpper(t, 1<<20)
	mem := New(0)
	var pairs []*KVPair
	for i := 0; i < 100; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(kf(100, i)), Value: []byte{byte(i)}})
	}
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "s")
	if err := mem.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	keys, err := os.ReadFile(filepath.Join(dir, FileNameBranchKeys))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, FileNameBranchKeyIndex))
	if err != nil {
		t.Fatal(err)
	}
	// the branch before the root is the root's right child, held (and
	// not checked by the open itself, which checks the root's key ends
	// the file): make its key's length run past the end
	child := binary.LittleEndian.Uint64(idx[len(idx)-16:])
	binary.LittleEndian.PutUint32(keys[child:], uint32(len(keys)))
	if err := os.WriteFile(filepath.Join(dir, FileNameBranchKeys), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(dir)
	if err == nil {
		s.Close()
		t.Fatal("a snapshot with a broken branch key opened")
	}
	if !strings.Contains(err.Error(), "passes the file's end") {
		t.Fatalf("refused for another reason: %v", err)
	}
}
