package memiavl

import (
	"bytes"
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// ReadAhead answers as Get does for keys present and absent, in the
// snapshot, in the memory tree over it and in a tree with no snapshot.
func TestReadAheadAgreesWithGet(t *testing.T) {
	defer func(mapped int) { ReadAheadMappedLevels = mapped }(ReadAheadMappedLevels)
	// 2999: keys longer than preadStep's first read of a branch key.
	for _, n := range []int{1, 2, 3, 100, 2999, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rng := rand.New(rand.NewSource(int64(n)))
			var pairs []*KVPair
			for i := 0; i < n; i++ {
				v := make([]byte, rng.Intn(300))
				rng.Read(v)
				pairs = append(pairs, &KVPair{Key: []byte(kf(n, i*2)), Value: v})
			}
			apply := func(ps []*KVPair) {
				if err := db.ApplyChangeSet("a", ChangeSet{Pairs: ps}); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			check := func(stage string) {
				tree := db.TreeByName("a")
				for i := -1; i <= 2*n+1; i++ {
					key := []byte(kf(n, i))
					if i < 0 {
						key = []byte("a")
					}
					want := tree.Get(key)
					// Every split between mapped and pread levels.
					for _, mapped := range []int{0, 1, 5, 16} {
						ReadAheadMappedLevels = mapped
						got, err := tree.ReadAhead(key)
						if err != nil {
							t.Fatalf("%s, %d mapped levels: %q: %v", stage, mapped, key, err)
						}
						if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
							t.Fatalf("%s, %d mapped levels: %q: ReadAhead %x, Get %x", stage, mapped, key, got, want)
						}
						got, err = tree.ReadAheadForWrite(key)
						if err != nil || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
							t.Fatalf("%s, %d mapped levels: %q: ReadAheadForWrite %x (%v), Get %x", stage, mapped, key, got, err, want)
						}
					}
				}
				// ReadAheadWrite reads without error for present and absent
				// keys, and changes nothing.
				root := tree.RootHash()
				for i := -1; i <= 2*n+1; i++ {
					key := []byte(kf(n, i))
					if i < 0 {
						key = []byte("a")
					}
					for _, mapped := range []int{0, 1, 5, 16} {
						ReadAheadMappedLevels = mapped
						if err := tree.ReadAheadWrite(key); err != nil {
							t.Fatalf("%s, %d mapped levels: ReadAheadWrite %q: %v", stage, mapped, key, err)
						}
					}
				}
				if !bytes.Equal(tree.RootHash(), root) {
					t.Fatalf("%s: ReadAheadWrite changed the tree", stage)
				}
				ReadAheadMappedLevels = 0
				for _, key := range [][]byte{[]byte("k/0000000"), []byte("k/000000000"), []byte("z"), bytes.Repeat([]byte("k"), 200)} {
					if got, _ := tree.ReadAhead(key); got != nil {
						t.Fatalf("%s: absent %q read as %x", stage, key, got)
					}
				}
			}
			apply(pairs)
			check("in memory")
			if err := db.RewriteSnapshot(); err != nil {
				t.Fatal(err)
			}
			if err := db.Reload(); err != nil {
				t.Fatal(err)
			}
			check("snapshot")
			var more []*KVPair
			for i := 0; i < n; i += 3 {
				more = append(more, &KVPair{Key: []byte(kf(n, i)), Value: []byte{byte(i)}})
				if i%2 == 0 {
					more = append(more, &KVPair{Key: []byte(kf(n, i+1)), Delete: i%4 == 0, Value: []byte("x")})
				}
			}
			apply(more)
			check("changes over the snapshot")
		})
	}
}

// preadStep reads a branch as left() and right() do: for a key below the
// branch's key it goes on to left() and gives right() as the other child,
// and the other way round from the branch's key up; checked at every
// branch of a snapshot, with short keys and keys longer than its first
// read of a branch key.
func TestPreadStepChildren(t *testing.T) {
	for _, n := range []int{2, 3, 100, 2999, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var pairs []*KVPair
			for i := 0; i < n; i++ {
				pairs = append(pairs, &KVPair{Key: []byte(kf(n, i*2)), Value: []byte{byte(i)}})
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
			if err := db.Reload(); err != nil {
				t.Fatal(err)
			}
			if branches := requirePreadStepsAsChildren(t, db.TreeByName("a")); branches != n-1 {
				t.Fatalf("walked %d branches, want %d", branches, n-1)
			}
		})
	}
}

// requirePreadStepsAsChildren checks preadStep against left() and right()
// at every branch of the tree's snapshots (of a layer or of the snapshots
// under it) that its search reaches, and preadDescend, reading no level
// through the map, against the search through the map: the same leaf, the
// other child of every branch given to visitOther, in order. It returns
// the number of snapshot branches it checked.
func requirePreadStepsAsChildren(t *testing.T, tree *Tree) int {
	t.Helper()
	defer func(mapped int) { ReadAheadMappedLevels = mapped }(ReadAheadMappedLevels)
	ReadAheadMappedLevels = 0
	branches := 0
	var walk func(node Node, depth int)
	walk = func(node Node, depth int) {
		if node == nil || node.IsLeaf() {
			return
		}
		pn, ok := node.(PersistedNode)
		if !ok { // a MemNode
			walk(node.Left(), depth+1)
			walk(node.Right(), depth+1)
			return
		}
		branches++
		s, key := pn.snapshot, pn.snapshot.BranchKey(pn.index)
		below := append(bytes.Clone(key[:len(key)-1]), key[len(key)-1]-1)
		l, r := pn.left(), pn.right()
		for _, c := range []struct {
			key         []byte
			next, other PersistedNode
		}{{below, l, r}, {key, r, l}} {
			next, other, height, err := s.preadStep(nil, pn.index, c.key)
			if err != nil {
				t.Fatalf("branch %d: %v", pn.index, err)
			}
			if next != c.next || other != c.other || height != pn.Height() {
				t.Fatalf("branch %d, key %q: preadStep gives %v and %v at height %d, want %v and %v at %d", pn.index, c.key, next, other, height, c.next, c.other, pn.Height())
			}
			// The rest of the search through the map, and its other
			// children.
			var want []PersistedNode
			leaf := pn
			for !leaf.isLeaf {
				next, other := leaf.right(), leaf.left()
				if bytes.Compare(c.key, leaf.snapshot.BranchKey(leaf.index)) < 0 {
					next, other = other, next
				}
				want = append(want, other)
				leaf = next
			}
			var got []PersistedNode
			end, err := pn.preadDescend(nil, c.key, depth, 0, func(_ *preadSpans, o PersistedNode) error {
				got = append(got, o)
				return nil
			})
			if err != nil || end != leaf || !slices.Equal(got, want) {
				t.Fatalf("branch %d, key %q: preadDescend ends at %v (%v) having passed %v; through the map %v having passed %v", pn.index, c.key, end, err, got, leaf, want)
			}
			// Stopped at height 2: at the first branch no higher, having
			// passed only the branches above it.
			stop, steps := pn, 0
			for !stop.isLeaf && stop.Height() > 2 {
				if bytes.Compare(c.key, stop.snapshot.BranchKey(stop.index)) < 0 {
					stop = stop.left()
				} else {
					stop = stop.right()
				}
				steps++
			}
			got = got[:0]
			spans := newPreadSpans()
			end, err = pn.preadDescend(spans, c.key, depth, 2, func(_ *preadSpans, o PersistedNode) error {
				got = append(got, o)
				return nil
			})
			spans.done()
			if err != nil || end != stop || !slices.Equal(got, want[:steps]) {
				t.Fatalf("branch %d, key %q: preadDescend through spans to height 2 ends at %v (%v) having passed %v; through the map %v having passed %v", pn.index, c.key, end, err, got, stop, want[:steps])
			}
		}
		walk(l, depth+1)
		walk(r, depth+1)
	}
	walk(tree.root, 0)
	return branches
}

// kf is the test's i-th key: short, or for n = 2999 longer than 64 bytes.
func kf(n, i int) string {
	if n == 2999 {
		return fmt.Sprintf("k/%s/%08d", bytes.Repeat([]byte("long"), 20), i)
	}
	return fmt.Sprintf("k/%08d", i)
}
