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
	c := newChainAtRewrite(t, nil)
	tree, treeV, full, mem, keys := c.tree, c.treeV, c.full, c.mem, c.keys
	c.rounds(3)
	running := tree.Copy(0)

	mover := newTransplanter(treeV.root, treeV.version, full)
	mover.readAhead = true // as for a rewrite written out of the page cache
	mover.oldChain = treeV.snapshot.Chain()
	root, err := mover.move(running.root)
	if err != nil {
		t.Fatal(err)
	}
	// running nodes made from persisted ones keep keys in the old chain's
	// mappings: those were read with pread for their copies
	if mover.keysReadAhead == 0 {
		t.Fatal("no key of a copied node was read ahead from the old chain")
	}
	moved := &Tree{version: running.version, root: root, snapshot: full}
	requireSameTree(t, moved, mem, keys)
	memoized := mover.remembered
	// the finds were made many at once, none left to the walk
	if mover.foundAhead == 0 || mover.foundAlone != 0 {
		t.Fatalf("%d nodes found ahead, %d by the walk itself", mover.foundAhead, mover.foundAlone)
	}

	// moved again later, it copies only what changed since
	c.rounds(2)
	running = tree.Copy(0)
	if root, err = mover.move(running.root); err != nil {
		t.Fatal(err)
	}
	moved = &Tree{version: running.version, root: root, snapshot: full}
	if grew := mover.remembered - memoized; grew <= 0 || grew >= memoized {
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
		c.round++
		layerRound([]*Tree{moved, mem}, keys, c.round)
	}
	requireSameTree(t, moved, mem, keys)
	if err := moved.Close(); err != nil {
		t.Fatal(err)
	}
}

// chainAtRewrite is a tree on a chain of a base and a layer, with
// nodes in memory, at a rewrite (treeV) written whole (full), and its
// twin in memory (mem) with their keys.
type chainAtRewrite struct {
	t         *testing.T
	parent    string
	tree, mem *Tree
	treeV     *Tree
	full      *Snapshot
	keys      map[string][]byte
	round     int
}

// newChainAtRewrite builds it; write, if set, writes the full snapshot
// instead of WriteSnapshot.
func newChainAtRewrite(t *testing.T, write func(treeV *Tree, dir string) error) *chainAtRewrite {
	t.Helper()
	const n = 3000
	c := &chainAtRewrite{t: t, parent: t.TempDir(), keys: map[string][]byte{}, mem: New(0)}
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%08d", i)
		c.keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: c.keys[k]})
	}
	c.mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := c.mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := c.mem.WriteSnapshot(filepath.Join(c.parent, "base")); err != nil {
		t.Fatal(err)
	}
	c.tree = NewFromSnapshot(c.open("base"), false, 0)
	c.rounds(2)
	if err := c.tree.WriteLayer(context.Background(), filepath.Join(c.parent, "layer")); err != nil {
		t.Fatal(err)
	}
	c.tree = NewFromSnapshot(c.open("layer"), false, 0)
	c.rounds(2)

	c.treeV = c.tree.Copy(0) // the rewrite's
	if write == nil {
		write = func(treeV *Tree, dir string) error { return treeV.WriteSnapshot(dir) }
	}
	if err := write(c.treeV, filepath.Join(c.parent, "full")); err != nil {
		t.Fatal(err)
	}
	c.full = c.open("full")
	return c
}

func (c *chainAtRewrite) open(dir string) *Snapshot {
	c.t.Helper()
	s, err := OpenSnapshot(filepath.Join(c.parent, dir))
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// rounds changes the tree and its twin k times.
func (c *chainAtRewrite) rounds(k int) {
	for range k {
		c.round++
		layerRound([]*Tree{c.tree, c.mem}, c.keys, c.round)
	}
}

// writePlaced writes a tree whole as a rewrite does, keeping its
// writer's placement in placed.
func writePlaced(placed **placement) func(treeV *Tree, dir string) error {
	return func(treeV *Tree, dir string) error {
		var report RewrittenTree
		err := treeV.writeWhole(context.Background(), dir, false, &report)
		if err == nil && report.Placed != report.placed.size() {
			err = fmt.Errorf("the report counts %d runs placed, the placement %d", report.Placed, report.placed.size())
		}
		*placed = report.placed
		return err
	}
}

// A whole rewrite's writer places every node of the old chain in the tree
// at the rewrite where find's descent puts it, whether it copied the
// subtrees of the base or wrote them node by node; a node it did not write
// is not placed. A move that takes the placement finds none of the old
// chain's nodes by descent, and reads as the tree.
func TestPlacementAgreesWithFind(t *testing.T) {
	for _, copies := range []bool{true, false} {
		t.Run(fmt.Sprintf("subtrees copied %v", copies), func(t *testing.T) {
			noSubtreeCopy = !copies
			defer func() { noSubtreeCopy = false }()
			var placed *placement
			c := newChainAtRewrite(t, writePlaced(&placed))
			finder := newTransplanter(c.treeV.root, c.treeV.version, c.full)
			inSnapshot := map[*Snapshot]int{}
			inMemory := 0
			var walk func(n Node)
			walk = func(n Node) {
				if m, ok := n.(*MemNode); ok {
					if m.height > 0 {
						walk(m.left)
						walk(m.right)
					}
					at, ok := placed.lookupInMemory(m)
					if !ok {
						t.Fatalf("a node in memory (height %d) was not placed", m.height)
					}
					want, err := finder.find(m)
					if err != nil {
						t.Fatal(err)
					}
					if got := (PersistedNode{snapshot: c.full, isLeaf: m.height == 0, index: at}); got != want {
						t.Fatalf("the node in memory placed at %+v, found at %+v", got, want)
					}
					inMemory++
					return
				}
				if p, ok := n.(PersistedNode); ok {
					at, ok := placed.lookup(p)
					if !ok {
						t.Fatalf("a node of the old chain (leaf %v, index %d) was not placed", p.isLeaf, p.index)
					}
					want, err := finder.find(p)
					if err != nil {
						t.Fatal(err)
					}
					if got := (PersistedNode{snapshot: c.full, isLeaf: p.isLeaf, index: at}); got != want {
						t.Fatalf("placed at %+v, found at %+v", got, want)
					}
					inSnapshot[p.snapshot]++
				}
				if !n.IsLeaf() {
					walk(n.Left())
					walk(n.Right())
				}
			}
			walk(c.treeV.root)
			if inMemory == 0 || inMemory != len(placed.mem) {
				t.Fatalf("%d nodes in memory, %d placed", inMemory, len(placed.mem))
			}
			if chain := c.treeV.snapshot.Chain(); len(inSnapshot) != 2 || inSnapshot[chain[0]] == 0 || inSnapshot[chain[1]] == 0 {
				t.Fatalf("placed nodes of %d snapshots: %v", len(inSnapshot), inSnapshot)
			}
			if _, ok := placed.lookup(c.full.RootNode()); ok {
				t.Fatal("a node of the new snapshot is placed")
			}
			if _, ok := placed.lookup(PersistedNode{snapshot: c.treeV.snapshot, index: uint32(c.treeV.snapshot.nodesLen())}); ok {
				t.Fatal("a branch past the layer's last is placed")
			}

			c.rounds(3)
			running := c.tree.Copy(0)
			mover := newTransplanter(c.treeV.root, c.treeV.version, c.full)
			mover.placed = placed
			mover.readAhead = true
			root, err := mover.move(running.root)
			if err != nil {
				t.Fatal(err)
			}
			if mover.placedFound == 0 || mover.foundAhead+mover.foundAlone != 0 {
				t.Fatalf("%d nodes placed, %d found by descent", mover.placedFound, mover.foundAhead+mover.foundAlone)
			}
			if err := c.tree.Close(); err != nil {
				t.Fatal(err)
			}
			moved := &Tree{version: running.version, root: root, snapshot: c.full}
			requireSameTree(t, moved, c.mem, c.keys)
			if err := moved.Close(); err != nil {
				t.Fatal(err)
			}
		})
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
// runningTrees is a DB of two trees, "a" and "b", beside in-memory twins
// and the keys they hold: the rewrite tests' fixture.
type runningTrees struct {
	t     *testing.T
	dir   string
	opts  Options
	db    *DB
	twins map[string]*Tree
	keys  map[string]map[string][]byte
	rng   *rand.Rand
}

var runningTreeNames = []string{"a", "b"}

func newRunningTrees(t *testing.T, opts Options) *runningTrees {
	f := &runningTrees{t: t, dir: t.TempDir(), opts: opts,
		twins: map[string]*Tree{"a": New(0), "b": New(0)},
		keys:  map[string]map[string][]byte{"a": {}, "b": {}},
		rng:   rand.New(rand.NewSource(3))}
	f.opts.CreateIfMissing, f.opts.InitialStores, f.opts.AsyncCommitBuffer = true, runningTreeNames, -1
	f.open()
	t.Cleanup(func() { f.db.Close() })
	return f
}

func (f *runningTrees) open() {
	db, err := Load(f.dir, f.opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.db = db
}

// changes are n updates, new keys and deletions of tree name's keys.
func (f *runningTrees) changes(name string, n int) []*KVPair {
	var existing []string
	for k := range f.keys[name] {
		existing = append(existing, k)
	}
	sort.Strings(existing)
	seen := map[string]bool{}
	var pairs []*KVPair
	for len(pairs) < n {
		key := fmt.Sprintf("k%08d", f.rng.Intn(6000))
		if len(existing) > 0 && f.rng.Intn(2) == 0 {
			key = existing[f.rng.Intn(len(existing))]
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := f.keys[name][key]; ok && f.rng.Intn(6) == 0 {
			pairs = append(pairs, &KVPair{Key: []byte(key), Delete: true})
			delete(f.keys[name], key)
			continue
		}
		value := layerValue(f.rng.Intn(5000))
		f.keys[name][key] = value
		pairs = append(pairs, &KVPair{Key: []byte(key), Value: value})
	}
	sort.Slice(pairs, func(i, j int) bool { return string(pairs[i].Key) < string(pairs[j].Key) })
	return pairs
}

// commit commits na changes to "a" and nb to "b", in the DB and the twins.
func (f *runningTrees) commit(na, nb int) {
	f.t.Helper()
	for _, name := range runningTreeNames {
		n := na
		if name == "b" {
			n = nb
		}
		pairs := f.changes(name, n)
		if err := f.db.ApplyChangeSet(name, ChangeSet{Pairs: pairs}); err != nil {
			f.t.Fatal(err)
		}
		f.twins[name].ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := f.twins[name].SaveVersion(true); err != nil {
			f.t.Fatal(err)
		}
	}
	if _, err := f.db.Commit(); err != nil {
		f.t.Fatal(err)
	}
}

// rewrite starts a background rewrite, commits during versions while it
// runs, and waits for its switch.
func (f *runningTrees) rewrite(during int) RewriteReport {
	f.t.Helper()
	if err := f.db.RewriteSnapshotBackground(); err != nil {
		f.t.Fatal(err)
	}
	if p, running := f.db.RewriteProgress(); !running || p.Version != f.db.Version() {
		f.t.Fatalf("a rewrite of version %d running: %v, %d", f.db.Version(), running, p.Version)
	}
	for range during {
		f.commit(40, 3)
	}
	if err := f.db.WaitSnapshotRewrite(); err != nil {
		f.t.Fatal(err)
	}
	if _, running := f.db.RewriteProgress(); running {
		f.t.Fatal("a rewrite running after it switched")
	}
	return f.db.LastRewrite()
}

// requireMoved fails unless r moved the running trees to the DB's
// version, replaying nothing, having read the new layers' files whole
// first (readLayerFiles).
func (f *runningTrees) requireMoved(r RewriteReport) {
	f.t.Helper()
	if r.Transplanted == 0 || r.CaughtUp+r.FinalCatchUp != 0 || r.Version+r.Transplanted+r.FinalMoved != f.db.Version() {
		f.t.Fatalf("the rewrite moved %d versions, replayed %d and %d, from %d to %d", r.Transplanted, r.CaughtUp, r.FinalCatchUp, r.Version, f.db.Version())
	}
	var layers int64
	for _, tree := range r.Trees {
		if tree.Layer {
			layers += tree.Bytes
		}
	}
	if r.LayersRead != layers {
		f.t.Fatalf("the moves read %d bytes of the new layers, which hold %d", r.LayersRead, layers)
	}
	// the nodes of the tree at the rewrite were placed, none searched for
	// (placement.go)
	if r.PlacedFound == 0 || r.Searched != 0 {
		f.t.Fatalf("the moves placed %d nodes and searched for %d", r.PlacedFound, r.Searched)
	}
}

// requireSame checks both trees against their twins, then again after a
// commit and after reopening the DB.
func (f *runningTrees) requireSame() {
	f.t.Helper()
	for _, name := range runningTreeNames {
		requireSameTree(f.t, f.db.TreeByName(name), f.twins[name], f.keys[name])
	}
	f.commit(40, 3)
	for _, name := range runningTreeNames {
		requireSameTree(f.t, f.db.TreeByName(name), f.twins[name], f.keys[name])
	}
	if err := f.db.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
	for _, name := range runningTreeNames {
		requireSameTree(f.t, f.db.TreeByName(name), f.twins[name], f.keys[name])
	}
}

func TestMixedRewriteTakesTheRunningTrees(t *testing.T) {
	f := newRunningTrees(t, Options{LayerPolicy: &LayerPolicy{MaxLayers: 5, MaxFraction: 0.05}, SnapshotInterval: 1 << 30})
	f.commit(3000, 3000)
	f.rewrite(0) // whole, both
	f.commit(900, 5)
	if r := f.rewrite(2); !r.Trees[0].Layer || !r.Trees[1].Layer {
		t.Fatalf("the second rewrite: %+v", r)
	}
	f.commit(900, 5)
	r := f.rewrite(3)
	if r.Trees[0].Name != "a" || r.Trees[0].Layer || !r.Trees[1].Layer {
		t.Fatalf("the third rewrite writes a whole and b as a layer: %+v", r)
	}
	f.requireMoved(r)
	f.requireSame()
}

// A rewrite that writes a tree as a layer, over its chain or merging its
// layers over the base, moves the running tree onto the new layer, as a
// whole rewrite does, instead of replaying the log into it: the nodes of
// the snapshots kept stay, those of the merged layers and those in memory
// at the rewrite are found in the new layer. Both trees merge three layers, "a" with many changes since.
func TestMergedRewriteTakesTheRunningTrees(t *testing.T) {
	layers := LayerPolicy{MaxLayers: 2, MaxFraction: 1, MergeFraction: 10, MaxLayersMerging: 3}
	f := newRunningTrees(t, Options{LayerPolicy: &layers, SnapshotInterval: 1 << 30,
		MergeLayers: func(int64) bool { return true }})
	f.commit(3000, 3000)
	f.rewrite(0) // whole, both
	for range 3 {
		f.commit(300, 5)
		r := f.rewrite(2)
		if !r.Trees[0].Layer || r.Trees[0].Merged != 0 {
			t.Fatalf("a layer rewrite: %+v", r)
		}
		f.requireMoved(r) // a layer over the chain is moved onto too
		if r.KeysReadAhead != 0 {
			t.Fatalf("a layer over the chain, in the page cache, read %d keys ahead", r.KeysReadAhead)
		}
	}
	f.commit(300, 5)
	r := f.rewrite(3)
	if a := r.Trees[0]; !a.Layer || a.Merged != 3 || a.Chain != 2 {
		t.Fatalf("the fourth layer rewrite merges a's three layers: %+v", a)
	}
	f.requireMoved(r)         // the merged layers' nodes placed by the merge's writer
	if r.KeysReadAhead == 0 { // readKeysAhead
		t.Fatal("the moves onto the merge read none of the copies' keys ahead from the old chain")
	}
	if got := f.db.TreeByName("a").snapshot.Chain(); len(got) != 2 {
		t.Fatalf("a runs on a chain of %d", len(got))
	}
	f.requireSame()

	// A move that fails its hash check leaves the log to be replayed.
	for range 2 {
		f.commit(300, 5)
		f.rewrite(2)
	}
	spoilMove = func(_ int, mt *MultiTree) {
		mt.trees[0].root = &MemNode{size: 1, version: uint32(mt.trees[0].version), key: []byte("spoilt"), value: []byte("spoilt")}
	}
	defer func() { spoilMove = nil }()
	f.commit(300, 5)
	r = f.rewrite(3)
	if a := r.Trees[0]; a.Merged != 3 || r.Transplanted != 0 || r.Version+r.CaughtUp+r.FinalCatchUp != f.db.Version() {
		t.Fatalf("a spoilt move of a merge: %+v", r)
	}
	spoilMove = nil
	f.requireSame()
}

// A running tree moved by one transplanter keeps its marks (MemNode.moved);
// a later one, onto another snapshot (as after a rewrite that failed), must
// not take them: every node it moves is its own snapshot's or a copy. A
// clone of a marked node does not carry the mark.
func TestTransplantIgnoresEarlierMarks(t *testing.T) {
	parent := t.TempDir()
	tree := New(0)
	keys := map[string][]byte{}
	var pairs []*KVPair
	for i := range 1000 {
		k := fmt.Sprintf("k%08d", i)
		keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		layerRound([]*Tree{tree}, keys, round)
	}
	treeV := tree.Copy(0)
	snapshots := make([]*Snapshot, 2)
	for i, dir := range []string{"first", "second"} {
		if err := treeV.WriteSnapshot(filepath.Join(parent, dir)); err != nil {
			t.Fatal(err)
		}
		s, err := OpenSnapshot(filepath.Join(parent, dir))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		snapshots[i] = s
	}
	layerRound([]*Tree{tree}, keys, 4)
	running := tree.Copy(0)
	for _, s := range snapshots {
		mover := newTransplanter(treeV.root, treeV.version, s)
		root, err := mover.move(running.root)
		if err != nil {
			t.Fatal(err)
		}
		if mover.remembered == 0 {
			t.Fatal("nothing was moved")
		}
		var check func(Node)
		check = func(n Node) {
			switch n := n.(type) {
			case PersistedNode:
				if n.snapshot != s {
					t.Fatal("a node moved onto the second snapshot is the first's: an earlier mark was taken")
				}
			case *MemNode:
				if n.height > 0 {
					check(n.left)
					check(n.right)
				}
			}
		}
		check(root)
		requireSameTree(t, &Tree{version: running.version, root: root, snapshot: s}, tree, keys)
	}

	marked, ok := running.root.(*MemNode)
	if !ok || marked.moved == nil {
		t.Fatal("the running root carries no mark")
	}
	if clone := marked.Mutate(marked.version+1, marked.version); clone == marked || clone.moved != nil {
		t.Fatal("a clone of a marked node carries the mark")
	}
}
