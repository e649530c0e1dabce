package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crypto-org-chain/cronos/memiavl"
)

// The latest tree's snapshots keep each branch's key in a file of its own
// (third_party/memiavl, docs/state.md), and a search walks the branches
// instead of binary-searching the leaves. The answers must be the same as
// the search over a snapshot without those files (as older homes have):
// for present and absent keys, below, between and above the stored ones,
// the same value and the same index, and the same iteration.
func TestBranchKeySearchMatchesLeafSearch(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 100, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			tree := memiavl.New(0)
			stored := map[string]bool{}
			for len(stored) < n {
				k := fmt.Sprintf("k/%06d", rng.IntN(4*n+10)*2) // even numbers: odd ones are absent
				stored[k] = true
				set(tree, []byte(k), []byte("v"+k))
			}
			if _, _, err := tree.SaveVersion(true); err != nil {
				t.Fatal(err)
			}
			withKeys := filepath.Join(t.TempDir(), "with")
			if err := tree.WriteSnapshot(withKeys); err != nil {
				t.Fatal(err)
			}
			without := filepath.Join(t.TempDir(), "without")
			if err := tree.WriteSnapshot(without); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{memiavl.FileNameBranchKeys, memiavl.FileNameBranchKeyIndex} {
				if _, err := os.Stat(filepath.Join(withKeys, f)); err != nil {
					t.Fatalf("the snapshot has no %s: %v", f, err)
				}
				if err := os.Remove(filepath.Join(without, f)); err != nil {
					t.Fatal(err)
				}
			}
			a, err := memiavl.OpenSnapshot(withKeys)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := memiavl.OpenSnapshot(without)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ta, tb := memiavl.NewFromSnapshot(a, true, 0), memiavl.NewFromSnapshot(b, true, 0)
			if !bytes.Equal(ta.RootHash(), tb.RootHash()) {
				t.Fatal("root hashes differ")
			}
			found := 0
			for i := -1; i <= 8*n+24; i++ {
				k := []byte(fmt.Sprintf("k/%06d", i))
				if i < 0 {
					k = []byte("a") // below every key
				}
				ia, va := a.RootNode().Get(k)
				ib, vb := b.RootNode().Get(k)
				if !bytes.Equal(ia, ib) || va != vb {
					t.Fatalf("Get(%s): %q index %d with branch keys, %q index %d without", k, ia, va, ib, vb)
				}
				if stored[string(k)] != (ia != nil) {
					t.Fatalf("Get(%s) = %q, stored %v", k, ia, stored[string(k)])
				}
				if ia != nil {
					found++
					if !bytes.Equal(ia, []byte("v"+string(k))) {
						t.Fatalf("Get(%s) = %q", k, ia)
					}
				}
			}
			if found != n {
				t.Fatalf("found %d of %d keys", found, n)
			}
			// Writes over the snapshot read branch keys on the way down.
			for k := range stored {
				set(ta, []byte(k), []byte("w"))
				set(tb, []byte(k), []byte("w"))
				break
			}
			set(ta, []byte("k/000001"), []byte("new"))
			set(tb, []byte("k/000001"), []byte("new"))
			ha, _, err := ta.SaveVersion(true)
			if err != nil {
				t.Fatal(err)
			}
			hb, _, err := tb.SaveVersion(true)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ha, hb) {
				t.Fatal("hashes differ after writes")
			}
			var ka, kb [][]byte
			for it := ta.Iterator(nil, nil, true); it.Valid(); it.Next() {
				ka = append(ka, bytes.Clone(it.Key()))
			}
			for it := tb.Iterator(nil, nil, true); it.Valid(); it.Next() {
				kb = append(kb, bytes.Clone(it.Key()))
			}
			if len(ka) != n+1 || len(ka) != len(kb) {
				t.Fatalf("iterated %d and %d keys, want %d", len(ka), len(kb), n+1)
			}
			for i := range ka {
				if !bytes.Equal(ka[i], kb[i]) {
					t.Fatalf("key %d: %s and %s", i, ka[i], kb[i])
				}
			}
		})
	}
}

func set(t *memiavl.Tree, key, value []byte) {
	t.ApplyChangeSet(memiavl.ChangeSet{Pairs: []*memiavl.KVPair{{Key: key, Value: value}}})
}

// A branch key index that does not match the branches is refused when the
// snapshot opens, not read past its end later.
func TestBranchKeyIndexOfTheWrongSizeIsRefused(t *testing.T) {
	tree := memiavl.New(0)
	for i := range 10 {
		set(tree, []byte(fmt.Sprintf("k%02d", i)), []byte("v"))
	}
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "snapshot")
	if err := tree.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, memiavl.FileNameBranchKeyIndex)
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(index, b[:len(b)-8], 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := memiavl.OpenSnapshot(dir); err == nil {
		s.Close()
		t.Fatal("a snapshot with a short branch key index opened")
	} else if !strings.Contains(err.Error(), "branch key index") {
		t.Fatalf("error %q does not name the branch key index", err)
	}
}

// A branch keys file cut short is refused when the snapshot opens.
func TestBranchKeysFileCutShortIsRefused(t *testing.T) {
	tree := memiavl.New(0)
	for i := range 10 {
		set(tree, []byte(fmt.Sprintf("k%02d", i)), []byte("v"))
	}
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "snapshot")
	if err := tree.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, memiavl.FileNameBranchKeys)
	b, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 3, 5} {
		if err := os.WriteFile(keys, b[:len(b)-cut], 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := memiavl.OpenSnapshot(dir); err == nil {
			s.Close()
			t.Fatalf("a snapshot with its branch keys cut by %d bytes opened", cut)
		} else if !strings.Contains(err.Error(), "branch keys file") {
			t.Fatalf("error %q does not name the branch keys file", err)
		}
	}
}
