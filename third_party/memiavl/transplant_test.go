package memiavl

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"testing"
)

// The running tree moved onto a snapshot written whole at an earlier
// version reads as the tree (every read requireSameTree makes), takes
// further changes as the tree, and shares with the snapshot every node of
// that version or older. The old chain is a base and a layer, and the tree
// at the rewrite has nodes in memory, so the moved nodes come from all
// three.
func TestTransplantReadsAsTheTree(t *testing.T) {
	const n = 3000
	parent := t.TempDir()
	keys := map[string][]byte{}
	mem := New(0)
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%08d", i)
		keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *Snapshot {
		t.Helper()
		s, err := OpenSnapshot(filepath.Join(parent, dir))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := mem.WriteSnapshot(filepath.Join(parent, "base")); err != nil {
		t.Fatal(err)
	}
	tree := NewFromSnapshot(open("base"), false, 0)
	round := 0
	rounds := func(k int) {
		for range k {
			round++
			layerRound([]*Tree{tree, mem}, keys, round)
		}
	}
	rounds(2)
	if err := tree.WriteLayer(context.Background(), filepath.Join(parent, "layer")); err != nil {
		t.Fatal(err)
	}
	tree = NewFromSnapshot(open("layer"), false, 0)
	rounds(2)

	treeV := tree.Copy(0) // the rewrite's
	if err := treeV.WriteSnapshot(filepath.Join(parent, "full")); err != nil {
		t.Fatal(err)
	}
	full := open("full")
	rounds(3)
	running := tree.Copy(0)

	mover := newTransplanter(treeV.root, treeV.version, full)
	mover.readAhead = true // as for a rewrite written out of the page cache
	root, err := mover.move(running.root)
	if err != nil {
		t.Fatal(err)
	}
	moved := &Tree{version: running.version, root: root, snapshot: full}
	requireSameTree(t, moved, mem, keys)
	memoized := len(mover.memo)
	// the finds were made many at once, none left to the walk
	if mover.foundAhead == 0 || mover.foundAlone != 0 {
		t.Fatalf("%d nodes found ahead, %d by the walk itself", mover.foundAhead, mover.foundAlone)
	}

	// moved again later, it copies only what changed since
	rounds(2)
	running = tree.Copy(0)
	if root, err = mover.move(running.root); err != nil {
		t.Fatal(err)
	}
	moved = &Tree{version: running.version, root: root, snapshot: full}
	if grew := len(mover.memo) - memoized; grew <= 0 || grew >= memoized {
		t.Fatalf("the second move remembered %d more nodes; the first %d", grew, memoized)
	}
	// the old chain goes, as at the switch: nothing moved may point into it
	if err := tree.Close(); err != nil {
		t.Fatal(err)
	}
	requireSameTree(t, moved, mem, keys)
	shared, copied := 0, 0
	var count func(Node)
	count = func(n Node) {
		switch n := n.(type) {
		case PersistedNode:
			if n.snapshot != full {
				t.Fatal("a moved node is in the old chain")
			}
			shared++
		case *MemNode:
			if n.version <= treeV.version {
				t.Fatalf("a node of version %d is copied, not the snapshot's", n.version)
			}
			copied++
			if n.height > 0 {
				count(n.left)
				count(n.right)
			}
		}
	}
	count(moved.root)
	if shared == 0 || copied == 0 {
		t.Fatalf("%d nodes shared with the snapshot, %d copied", shared, copied)
	}

	// the moved tree goes on as the tree; the running one is untouched
	for range 2 {
		round++
		layerRound([]*Tree{moved, mem}, keys, round)
	}
	requireSameTree(t, moved, mem, keys)
	if err := moved.Close(); err != nil {
		t.Fatal(err)
	}
}

// A tree at v that is not the running tree's ancestor is refused with
// errNotTransplanted, never a panic: the DB then replays the log.
func TestTransplantRefusesAStrangeTree(t *testing.T) {
	dir := t.TempDir()
	grown := func(seed int) *Tree {
		tree, keys := New(0), map[string][]byte{}
		var pairs []*KVPair
		for i := 0; i < 500; i++ {
			k := fmt.Sprintf("k%08d", i*seed)
			keys[k] = layerValue(i)
			pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
		}
		tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := tree.SaveVersion(true); err != nil {
			t.Fatal(err)
		}
		for round := 1; round <= 2; round++ {
			layerRound([]*Tree{tree}, keys, round*seed)
		}
		return tree
	}
	tree, other := grown(1), grown(3)
	if err := tree.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := transplantTree(tree.root, other.root, other.version, s); !errors.Is(err, errNotTransplanted) {
		t.Fatalf("moved onto a stranger's snapshot: %v", err)
	}
}

// A rewrite that writes one tree whole and the other as a layer moves the
// first and replays the log into the second only, with versions committed
// while it ran; the DB then reads as its in-memory twins, before and after
// reopening.
func TestMixedRewriteTakesTheRunningTrees(t *testing.T) {
	dir := t.TempDir()
	layers := LayerPolicy{MaxLayers: 5, MaxFraction: 0.05}
	open := func() *DB {
		db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a", "b"},
			LayerPolicy: &layers, AsyncCommitBuffer: -1, SnapshotInterval: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	defer func() { db.Close() }()
	names := []string{"a", "b"}
	twins := map[string]*Tree{"a": New(0), "b": New(0)}
	keys := map[string]map[string][]byte{"a": {}, "b": {}}
	rng := rand.New(rand.NewSource(3))
	// changes: n updates, new keys and deletions
	changes := func(name string, n int) []*KVPair {
		var existing []string
		for k := range keys[name] {
			existing = append(existing, k)
		}
		sort.Strings(existing)
		seen := map[string]bool{}
		var pairs []*KVPair
		for len(pairs) < n {
			key := fmt.Sprintf("k%08d", rng.Intn(6000))
			if len(existing) > 0 && rng.Intn(2) == 0 {
				key = existing[rng.Intn(len(existing))]
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, ok := keys[name][key]; ok && rng.Intn(6) == 0 {
				pairs = append(pairs, &KVPair{Key: []byte(key), Delete: true})
				delete(keys[name], key)
				continue
			}
			value := layerValue(rng.Intn(5000))
			keys[name][key] = value
			pairs = append(pairs, &KVPair{Key: []byte(key), Value: value})
		}
		sort.Slice(pairs, func(i, j int) bool { return string(pairs[i].Key) < string(pairs[j].Key) })
		return pairs
	}
	commit := func(na, nb int) {
		t.Helper()
		for _, name := range names {
			n := na
			if name == "b" {
				n = nb
			}
			pairs := changes(name, n)
			if err := db.ApplyChangeSet(name, ChangeSet{Pairs: pairs}); err != nil {
				t.Fatal(err)
			}
			twins[name].ApplyChangeSet(ChangeSet{Pairs: pairs})
			if _, _, err := twins[name].SaveVersion(true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	rewrite := func(during int) RewriteReport {
		t.Helper()
		if err := db.RewriteSnapshotBackground(); err != nil {
			t.Fatal(err)
		}
		for range during {
			commit(40, 3)
		}
		if err := db.WaitSnapshotRewrite(); err != nil {
			t.Fatal(err)
		}
		return db.LastRewrite()
	}
	commit(3000, 3000)
	rewrite(0) // whole, both
	commit(900, 5)
	if r := rewrite(2); !r.Trees[0].Layer || !r.Trees[1].Layer {
		t.Fatalf("the second rewrite: %+v", r)
	}
	commit(900, 5)
	r := rewrite(3)
	if r.Trees[0].Name != "a" || r.Trees[0].Layer || !r.Trees[1].Layer {
		t.Fatalf("the third rewrite writes a whole and b as a layer: %+v", r)
	}
	if r.Transplanted == 0 || r.Version+r.Transplanted+r.CaughtUp+r.FinalCatchUp+r.FinalMoved != db.Version() {
		t.Fatalf("the third rewrite moved %d versions, replayed %d and %d, from %d to %d", r.Transplanted, r.CaughtUp, r.FinalCatchUp, r.Version, db.Version())
	}
	for _, name := range names {
		requireSameTree(t, db.TreeByName(name), twins[name], keys[name])
	}
	commit(40, 3)
	for _, name := range names {
		requireSameTree(t, db.TreeByName(name), twins[name], keys[name])
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open()
	for _, name := range names {
		requireSameTree(t, db.TreeByName(name), twins[name], keys[name])
	}
}
