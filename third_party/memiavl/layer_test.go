package memiavl

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// layerValue is record(i), never empty: ics23 proves no empty value.
func layerValue(i int) []byte {
	if v := record(i); len(v) > 0 {
		return v
	}
	return []byte("-")
}

// layerRound changes a tree and its in-memory twin alike (layerChanges)
// and saves a version of each.
func layerRound(trees []*Tree, keys map[string][]byte, round int) {
	pairs := layerChanges(keys, round)
	for _, tree := range trees {
		tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := tree.SaveVersion(true); err != nil {
			panic(err)
		}
	}
}

// layerChanges makes updates, new keys and deletions spread over keys,
// seeded by round, and applies them to keys.
func layerChanges(keys map[string][]byte, round int) []*KVPair {
	return layerChangesN(keys, round, 300)
}

// layerChangesN is layerChanges making about n changes.
func layerChangesN(keys map[string][]byte, round, n int) []*KVPair {
	rng := rand.New(rand.NewSource(int64(round)))
	var existing []string
	for k := range keys {
		existing = append(existing, k)
	}
	sort.Strings(existing)
	var pairs []*KVPair
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		var key string
		switch rng.Intn(4) {
		case 0: // a new key
			key = fmt.Sprintf("k%08d-%d", rng.Intn(4000), round)
		default:
			key = existing[rng.Intn(len(existing))]
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := keys[key]; ok && rng.Intn(5) == 0 {
			pairs = append(pairs, &KVPair{Key: []byte(key), Delete: true})
			delete(keys, key)
			continue
		}
		value := layerValue(rng.Intn(5000))
		pairs = append(pairs, &KVPair{Key: []byte(key), Value: value})
		keys[key] = value
	}
	sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
	return pairs
}

// requireSameTree requires tree to answer every read as want (a tree
// that never touched a snapshot) and as keys says.
func requireSameTree(t *testing.T, tree, want *Tree, keys map[string][]byte) {
	t.Helper()
	mappedLevels := ReadAheadMappedLevels
	defer func() { ReadAheadMappedLevels = mappedLevels }()
	if !bytes.Equal(tree.RootHash(), want.RootHash()) {
		t.Fatalf("root hash %X, in memory %X", tree.RootHash(), want.RootHash())
	}
	if tree.root.Size() != int64(len(keys)) {
		t.Fatalf("%d leaves, want %d", tree.root.Size(), len(keys))
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for i, k := range sorted {
		if got := tree.Get([]byte(k)); !bytes.Equal(got, keys[k]) {
			t.Fatalf("Get(%s) = %q, want %q", k, got, keys[k])
		}
		if idx, _ := tree.GetWithIndex([]byte(k)); idx != int64(i) {
			t.Fatalf("GetWithIndex(%s) = %d, want %d", k, idx, i)
		}
		// the rank of an absent key just after k
		absent := k + "\x00"
		if idx, v := tree.GetWithIndex([]byte(absent)); v != nil || idx != int64(i+1) {
			t.Fatalf("GetWithIndex(%q) = %d, %q; want %d, nil", absent, idx, v, i+1)
		}
		if key, v := tree.GetByIndex(int64(i)); string(key) != k || !bytes.Equal(v, keys[k]) {
			t.Fatalf("GetByIndex(%d) = %s, want %s", i, key, k)
		}
		// Every split between levels read through the map and with
		// pread, which below the top reads the layers' branches too.
		for _, mapped := range []int{0, 1, 5, 16} {
			ReadAheadMappedLevels = mapped
			got, err := tree.ReadAhead([]byte(k))
			if err != nil || !bytes.Equal(got, keys[k]) {
				t.Fatalf("%d mapped levels: ReadAhead(%s) = %q, %v; want %q", mapped, k, got, err, keys[k])
			}
			if got, err := tree.ReadAhead([]byte(absent)); err != nil || got != nil {
				t.Fatalf("%d mapped levels: ReadAhead(%q) = %q, %v; want nil", mapped, absent, got, err)
			}
			if err := tree.ReadAheadWrite([]byte(k)); err != nil {
				t.Fatalf("%d mapped levels: ReadAheadWrite(%s): %v", mapped, k, err)
			}
		}
		ReadAheadMappedLevels = mappedLevels
	}
	requirePreadStepsAsChildren(t, tree)
	for _, ascending := range []bool{true, false} {
		it, wantIt := tree.Iterator(nil, nil, ascending), want.Iterator(nil, nil, ascending)
		n := 0
		for ; wantIt.Valid(); wantIt.Next() {
			if !it.Valid() || !bytes.Equal(it.Key(), wantIt.Key()) || !bytes.Equal(it.Value(), wantIt.Value()) {
				t.Fatalf("iterator (ascending %v) at %d differs", ascending, n)
			}
			it.Next()
			n++
		}
		if it.Valid() {
			t.Fatalf("iterator (ascending %v) goes on past %d", ascending, n)
		}
	}
	for _, k := range sorted[:min(len(sorted), 50)] {
		proof, err := tree.GetMembershipProof([]byte(k))
		if err != nil || !want.VerifyMembership(proof, []byte(k)) {
			t.Fatalf("membership proof of %s: %v", k, err)
		}
		absent := []byte(k + "\x00")
		proof, err = tree.GetNonMembershipProof(absent)
		if err != nil || !want.VerifyNonMembership(proof, absent) {
			t.Fatalf("non-membership proof of %q: %v", absent, err)
		}
	}
	var got, expected []ExportNode
	for _, e := range []struct {
		tree *Tree
		into *[]ExportNode
	}{{tree, &got}, {want, &expected}} {
		exporter := e.tree.Export()
		for {
			node, err := exporter.Next()
			if err != nil {
				break
			}
			*e.into = append(*e.into, *node)
		}
		exporter.Close()
	}
	if len(got) != len(expected) {
		t.Fatalf("exported %d nodes, want %d", len(got), len(expected))
	}
	for i := range got {
		if got[i].Height != expected[i].Height || got[i].Version != expected[i].Version || !bytes.Equal(got[i].Key, expected[i].Key) || !bytes.Equal(got[i].Value, expected[i].Value) {
			t.Fatalf("exported node %d differs", i)
		}
	}
}

func TestLayersReadAsTheTree(t *testing.T) { testLayersReadAsTheTree(t, false) }

// The same with the upper branches of the base held in memory (upper.go):
// the layers' searches enter it below them.
func TestLayersOverHeldBranches(t *testing.T) { testLayersReadAsTheTree(t, true) }

func testLayersReadAsTheTree(t *testing.T, held bool) {
	if held {
		withUpper(t, 64)
	} else {
		withUpper(t, 0)
	}
	const n = 3000
	parent := t.TempDir()
	keys := map[string][]byte{}
	mem := New(0)
	for i := 0; i < n; i++ {
		keys[fmt.Sprintf("k%08d", i)] = layerValue(i)
	}
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%08d", i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := mem.WriteSnapshot(filepath.Join(parent, "base")); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(filepath.Join(parent, "base"))
	if err != nil {
		t.Fatal(err)
	}
	tree := NewFromSnapshot(s, false, 0)
	if tree.snapshot.values == nil {
		t.Fatal("the base does not compress its values: the layers' codec is not tested")
	}

	for round := 1; round <= 5; round++ {
		layerRound([]*Tree{tree, mem}, keys, round)
		dir := filepath.Join(parent, fmt.Sprintf("layer-%d", round))
		if err := tree.WriteLayer(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
		if err := tree.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := OpenSnapshot(dir)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !s.IsLayer() || len(s.Chain()) != round+1 {
			t.Fatalf("round %d: a chain of %d, layer %v", round, len(s.Chain()), s.IsLayer())
		}
		for _, m := range s.Chain()[1:] {
			if m.values != s.Chain()[0].values {
				t.Fatal("a layer of the chain does not share the base's value codec")
			}
		}
		for i, m := range s.Chain() {
			if want := held && i == 0; want != (m.upper() != nil && m.upper().count() > 0) {
				t.Fatalf("round %d: snapshot %d of the chain holds branches: %v", round, i, m.upper() != nil)
			}
		}
		tree = NewFromSnapshot(s, false, 0)
		if tree.Version() != mem.Version() {
			t.Fatalf("layer at version %d, tree at %d", tree.Version(), mem.Version())
		}
		requireSameTree(t, tree, mem, keys)
		// A layer holds what changed, not the state.
		if b := s.bytes(); b*3 > s.Chain()[0].bytes() {
			t.Fatalf("round %d: a layer of %d bytes over a base of %d", round, b, s.Chain()[0].bytes())
		}
	}

	// A layer of nothing new: its root is the chain's.
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := tree.WriteLayer(context.Background(), filepath.Join(parent, "layer-empty")); err != nil {
		t.Fatal(err)
	}
	empty, err := OpenSnapshot(filepath.Join(parent, "layer-empty"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(empty.RootHash(), mem.RootHash()) {
		t.Fatal("a layer with no new node has another root")
	}
	if err := empty.Close(); err != nil {
		t.Fatal(err)
	}

	// The whole tree written again from the chain, values copied as
	// stored (the chain shares one codec).
	if err := tree.WriteSnapshot(filepath.Join(parent, "full")); err != nil {
		t.Fatal(err)
	}
	if err := tree.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSnapshot(filepath.Join(parent, "full"))
	if err != nil {
		t.Fatal(err)
	}
	if s.IsLayer() {
		t.Fatal("a full rewrite of a layered tree is a layer")
	}
	full := NewFromSnapshot(s, false, 0)
	defer full.Close()
	requireSameTree(t, full, mem, keys)
}

func TestLayerRefusesABrokenChain(t *testing.T) {
	parent := t.TempDir()
	mem := New(0)
	for i := 0; i < 2000; i++ {
		mem.set([]byte(fmt.Sprintf("k%08d", i)), record(i))
	}
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := mem.WriteSnapshot(filepath.Join(parent, "base")); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(filepath.Join(parent, "base"))
	if err != nil {
		t.Fatal(err)
	}
	tree := NewFromSnapshot(s, false, 0)
	keys := map[string][]byte{}
	for i := 0; i < 2000; i++ {
		keys[fmt.Sprintf("k%08d", i)] = record(i)
	}
	layerRound([]*Tree{tree}, keys, 1)
	layer := filepath.Join(parent, "layer")
	if err := tree.WriteLayer(context.Background(), layer); err != nil {
		t.Fatal(err)
	}
	if err := tree.Close(); err != nil {
		t.Fatal(err)
	}
	if err := New(0).WriteLayer(context.Background(), filepath.Join(parent, "nothing")); err == nil {
		t.Fatal("a tree without a snapshot wrote a layer")
	}

	broken := func(name string, breakIt func(dir string), want string) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(parent, name)
			copyDir(t, layer, dir)
			breakIt(dir)
			s, err := OpenSnapshot(dir)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		})
	}
	rewriteHeader := func(dir string, change func(*layerHeader)) {
		h, err := readLayerHeader(dir)
		if err != nil {
			t.Fatal(err)
		}
		change(&h)
		if err := os.WriteFile(filepath.Join(dir, FileNameLayer), h.marshal(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	broken("missing-base", func(dir string) {
		rewriteHeader(dir, func(h *layerHeader) { h.chain[0] = "../gone" })
	}, "open snapshot 0 of the chain")
	broken("layer-as-base", func(dir string) {
		rewriteHeader(dir, func(h *layerHeader) { h.chain[0] = "../layer" })
	}, "is a layer")
	broken("root-out-of-range", func(dir string) {
		rewriteHeader(dir, func(h *layerHeader) { h.root = layerRef(1, false, 1<<30) })
	}, "root")
	broken("child-out-of-range", func(dir string) {
		path := filepath.Join(dir, FileNameNodes)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint64(b[OffsetLayerLeft:], layerRef(0, true, 1<<30))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}, "branch 0")
	broken("child-above-the-layer", func(dir string) {
		path := filepath.Join(dir, FileNameNodes)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint64(b[OffsetLayerRight:], layerRef(7, false, 0))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}, "above the layer")
	broken("cut-layer-file", func(dir string) {
		path := filepath.Join(dir, FileNameLayer)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b[:len(b)-3], 0o600); err != nil {
			t.Fatal(err)
		}
	}, "cut short")
	broken("nodes-not-records", func(dir string) {
		f, err := os.OpenFile(filepath.Join(dir, FileNameNodes), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte{1, 2, 3})
		f.Close()
	}, "not a multiple of 64")
}

// copyDir copies the files of from into a new directory to.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(to, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshotDirs lists the versions of the snapshot directories in dir.
func snapshotDirs(t *testing.T, dir string) []int64 {
	t.Helper()
	var versions []int64
	if err := traverseSnapshots(dir, true, func(v int64) (bool, error) {
		versions = append(versions, v)
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	return versions
}

// A DB with a layer policy writes its background rewrites as layers
// until the policy's bound, then the whole tree; it keeps the snapshots
// its layers lie on and prunes the rest; it reopens from any of them to
// the same state.
func TestLayeredRewrites(t *testing.T) {
	dir := t.TempDir()
	policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.05}
	layers := LayerPolicy{MaxLayers: 3, MaxFraction: 1}
	open := func() *DB {
		db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a", "b"},
			RewritePolicy: &policy, LayerPolicy: &layers, AsyncCommitBuffer: -1})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	defer func() { db.Close() }()
	keys := map[string][]byte{}
	mem := New(0)
	var pairs []*KVPair
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("k%08d", i)
		keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	apply := func(pairs []*KVPair) {
		t.Helper()
		for _, name := range []string{"a", "b"} {
			if err := db.ApplyChangeSet(name, ChangeSet{Pairs: pairs}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.WaitSnapshotRewrite(); err != nil {
			t.Fatal(err)
		}
	}
	apply(pairs)
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if r := db.LastRewrite(); len(r.Trees) != 2 || r.Trees[0].Layer {
		t.Fatalf("the first rewrite, from an empty snapshot: %+v", r)
	}

	// Each round's 300 changes pass 5% of 3,000 leaves: a rewrite.
	wantChain := []int{2, 3, 4, 1, 2}
	for round, chain := range wantChain {
		before := db.SnapshotVersion()
		pairs := layerChanges(keys, 100+round)
		mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := mem.SaveVersion(true); err != nil {
			t.Fatal(err)
		}
		apply(pairs)
		if db.SnapshotVersion() == before {
			t.Fatalf("round %d: no rewrite", round)
		}
		r := db.LastRewrite()
		for _, tree := range r.Trees {
			if tree.Chain != chain || tree.Layer != (chain > 1) || tree.Bytes <= 0 {
				t.Fatalf("round %d: tree %s written as %+v, want a chain of %d", round, tree.Name, tree, chain)
			}
		}
		a := db.TreeByName("a")
		if got := len(a.snapshot.Chain()); got != chain || a.SnapshotLayers() != chain-1 {
			t.Fatalf("round %d: the DB runs on a chain of %d (%d layers), want %d", round, got, a.SnapshotLayers(), chain)
		}
		requireSameTree(t, a, mem, keys)

		// Kept: the chain and nothing else, once the pruning is done.
		db.pruneSnapshotLock.Lock()
		db.pruneSnapshotLock.Unlock() //nolint:staticcheck // waiting for the prune
		var want []int64
		for _, s := range a.snapshot.Chain() {
			want = append(want, int64(s.Version()))
		}
		if got := snapshotDirs(t, dir); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: snapshots %v on disk, the chain is %v", round, got, want)
		}
		if need, _, _ := db.roomForRewrite(); chain < layers.MaxLayers+1 && need != rewriteHeadroom {
			// nothing logged since the switch: a layer needs the headroom
			t.Fatalf("round %d: a layer due needs %d, want the headroom alone", round, need)
		}

		// Reopened, the DB reads its chain to the same state.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = open()
		requireSameTree(t, db.TreeByName("a"), mem, keys)
		requireSameTree(t, db.TreeByName("b"), mem, keys)
	}
}

// A layer opened while the snapshots under it are open shares them: the
// base is mapped once, and each holder may close first.
func TestLayerSharesTheOpenChain(t *testing.T) {
	parent := t.TempDir()
	keys := map[string][]byte{}
	mem := New(0)
	for i := 0; i < 2000; i++ {
		keys[fmt.Sprintf("k%08d", i)] = layerValue(i)
		mem.set([]byte(fmt.Sprintf("k%08d", i)), layerValue(i))
	}
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := mem.WriteSnapshot(filepath.Join(parent, "base")); err != nil {
		t.Fatal(err)
	}
	base, err := OpenSnapshot(filepath.Join(parent, "base"))
	if err != nil {
		t.Fatal(err)
	}
	running := NewFromSnapshot(base, false, 0)
	layerRound([]*Tree{running, mem}, keys, 1)
	if err := running.WriteLayer(context.Background(), filepath.Join(parent, "layer")); err != nil {
		t.Fatal(err)
	}
	layer, err := OpenSnapshot(filepath.Join(parent, "layer"))
	if err != nil {
		t.Fatal(err)
	}
	if layer.Chain()[0] != base {
		t.Fatal("the layer mapped its base again while the base is open")
	}
	again, err := OpenSnapshot(filepath.Join(parent, "layer"))
	if err != nil {
		t.Fatal(err)
	}
	if again != layer || base.holders != 3 || layer.holders != 2 {
		t.Fatalf("opened twice: the same snapshot %v, holders of the base %d and the layer %d", again == layer, base.holders, layer.holders)
	}
	// The running tree (and its own hold on the base) goes first.
	if err := running.Close(); err != nil {
		t.Fatal(err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	tree := NewFromSnapshot(layer, false, 0)
	requireSameTree(t, tree, mem, keys)
	if err := tree.Close(); err != nil {
		t.Fatal(err)
	}
	resolved, err := resolveSnapshotDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	openSnapshots.Lock()
	var left []string
	for dir := range openSnapshots.byDir {
		if strings.HasPrefix(dir, resolved) {
			left = append(left, dir)
		}
	}
	openSnapshots.Unlock()
	if len(left) != 0 || base.nodes != nil || layer.nodes != nil {
		t.Fatalf("after every holder closed, %v are open", left)
	}
}

// With LayerPolicy.MergeFraction, a tree whose layers are due to end has
// them merged into one layer over the base instead of being written
// whole: the chain goes back to the base and one layer, every key reads
// as the tree, the merged layers leave the disk once pruned, and the DB
// reopens on the merged chain.
func TestMergedLayers(t *testing.T) {
	dir := t.TempDir()
	policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.004}
	layers := LayerPolicy{MaxLayers: 2, MaxFraction: 1, MergeFraction: 10, MaxLayersMerging: 3}
	mayMerge := true
	open := func() *DB {
		db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a", "b"},
			RewritePolicy: &policy, LayerPolicy: &layers, AsyncCommitBuffer: -1,
			MergeLayers: func(int64) bool { return mayMerge }})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	defer func() { db.Close() }()
	keys := map[string][]byte{}
	mem := New(0)
	var pairs []*KVPair
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("k%08d", i)
		keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	apply := func(pairs []*KVPair) {
		t.Helper()
		for _, name := range []string{"a", "b"} {
			if err := db.ApplyChangeSet(name, ChangeSet{Pairs: pairs}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.WaitSnapshotRewrite(); err != nil {
			t.Fatal(err)
		}
	}
	apply(pairs)
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	base := db.SnapshotVersion()

	// Three layers (MaxLayersMerging), then all three merged into one
	// over the base; then smaller layers, merged over that one while they
	// take at most half its size (mergeFrom).
	wantChain := []int{2, 3, 4, 2, 3, 4, 3, 4, 3}
	wantMerged := []int{0, 0, 0, 3, 0, 0, 2, 0, 2}
	changes := []int{300, 300, 300, 300, 20, 20, 20, 20, 20}
	for round, chain := range wantChain {
		pairs := layerChangesN(keys, 100+round, changes[round])
		mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := mem.SaveVersion(true); err != nil {
			t.Fatal(err)
		}
		apply(pairs)
		r := db.LastRewrite()
		for _, tree := range r.Trees {
			if tree.Chain != chain || !tree.Layer || tree.Merged != wantMerged[round] || tree.Bytes <= 0 {
				t.Fatalf("round %d: tree %s written as %+v, want a chain of %d merging %d", round, tree.Name, tree, chain, wantMerged[round])
			}
		}
		a := db.TreeByName("a")
		if got := a.snapshot.Chain(); len(got) != chain || got[0].Version() != uint32(base) {
			t.Fatalf("round %d: the DB runs on a chain of %d over version %d, want %d over %d", round, len(got), got[0].Version(), chain, base)
		}
		requireSameTree(t, a, mem, keys)
		requireSameTree(t, db.TreeByName("b"), mem, keys)

		db.pruneSnapshotLock.Lock()
		db.pruneSnapshotLock.Unlock() //nolint:staticcheck // waiting for the prune
		var want []int64
		for _, s := range a.snapshot.Chain() {
			want = append(want, int64(s.Version()))
		}
		if got := snapshotDirs(t, dir); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: snapshots %v on disk, the chain is %v", round, got, want)
		}

		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = open()
		requireSameTree(t, db.TreeByName("a"), mem, keys)
		requireSameTree(t, db.TreeByName("b"), mem, keys)
	}

	// Where Options.MergeLayers says no, the layers end in a whole
	// rewrite, as without MergeFraction (which also bounds the plain
	// layers by all of them, not those over the first: the next rewrite
	// finds the bounds passed).
	mayMerge = false
	for round := 0; ; round++ {
		pairs := layerChanges(keys, 200+round)
		mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
		if _, _, err := mem.SaveVersion(true); err != nil {
			t.Fatal(err)
		}
		apply(pairs)
		if r := db.LastRewrite(); !r.Trees[0].Layer {
			break
		}
		if round == 3 {
			t.Fatal("no whole rewrite where merges are refused")
		}
	}
	requireSameTree(t, db.TreeByName("a"), mem, keys)
	if got := len(db.TreeByName("a").snapshot.Chain()); got != 1 {
		t.Fatalf("written whole, the chain holds %d", got)
	}
}

// mergeFrom merges the longest run of layers at the chain's end (at least
// two) that takes at most half the snapshot under it, else every layer.
func TestMergeFromIsSizeTiered(t *testing.T) {
	for _, c := range []struct {
		sizes []int64 // the base first
		keep  int
	}{
		{[]int64{100, 1, 1}, 1},             // two layers: both
		{[]int64{100, 1, 1, 1}, 1},          // equal layers: all
		{[]int64{100, 10, 1, 1, 1}, 2},      // small ones over a large one: over it
		{[]int64{100, 10, 3, 1, 1}, 2},      // 5 <= 10/2
		{[]int64{100, 10, 4, 1, 1}, 3},      // 6 > 10/2, but 2 <= 4/2
		{[]int64{100, 10, 4, 2, 1}, 1},      // 7 > 10/2 and 3 > 4/2: all
		{[]int64{100, 40, 10, 2, 1, 1}, 2},  // the longest run under half: 14 <= 40/2
		{[]int64{100, 40, 30, 2, 1, 1}, 3},  // 34 > 40/2, but 4 <= 30/2
		{[]int64{100, 40, 30, 20, 1, 1}, 4}, // only the last two fit under 20
	} {
		if got := mergeFrom(c.sizes); got != c.keep {
			t.Errorf("mergeFrom(%v) = %d, want %d", c.sizes, got, c.keep)
		}
	}
}

// A tree rewritten whole leaves its old chain to no one: the pruning
// removes it even where the other tree's layers still lie on the same
// snapshot directories, and keeps exactly the trees some kept chain holds.
func TestPruningDropsAChainNoTreeLiesOn(t *testing.T) {
	dir := t.TempDir()
	policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.05}
	layers := LayerPolicy{MaxLayers: 8, MaxFraction: 0.3}
	open := func() *DB {
		db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"busy", "quiet"},
			RewritePolicy: &policy, LayerPolicy: &layers, AsyncCommitBuffer: -1})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	defer func() { db.Close() }()
	keys := map[string]map[string][]byte{"busy": {}, "quiet": {}}
	mem := map[string]*Tree{"busy": New(0), "quiet": New(0)}
	apply := func(changes map[string][]*KVPair) {
		t.Helper()
		for _, name := range []string{"busy", "quiet"} {
			if err := db.ApplyChangeSet(name, ChangeSet{Pairs: changes[name]}); err != nil {
				t.Fatal(err)
			}
			mem[name].ApplyChangeSet(ChangeSet{Pairs: changes[name]})
			if _, _, err := mem[name].SaveVersion(true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.WaitSnapshotRewrite(); err != nil {
			t.Fatal(err)
		}
		db.pruneSnapshotLock.Lock()
		db.pruneSnapshotLock.Unlock() //nolint:staticcheck // waiting for the prune
	}
	first := map[string][]*KVPair{}
	for _, name := range []string{"busy", "quiet"} {
		for i := 0; i < 3000; i++ {
			k := fmt.Sprintf("k%08d", i)
			keys[name][k] = layerValue(i)
			first[name] = append(first[name], &KVPair{Key: []byte(k), Value: keys[name][k]})
		}
	}
	apply(first)

	// The busy tree changes a fifth of its keys a round, so its layers
	// pass 30% of its base in two rounds and it is written whole; the
	// quiet tree changes a few and stays layered on the first snapshot.
	wholeRewrites := 0
	for round := 0; round < 6; round++ {
		apply(map[string][]*KVPair{
			"busy":  layerChangesN(keys["busy"], 200+round, 600),
			"quiet": layerChangesN(keys["quiet"], 300+round, 5),
		})
		r := db.LastRewrite()
		for _, tree := range r.Trees {
			if tree.Name == "busy" && !tree.Layer {
				wholeRewrites++
			}
			if tree.Name == "quiet" && !tree.Layer {
				t.Fatalf("round %d: the quiet tree written whole", round)
			}
		}
		// On disk: for each snapshot directory, exactly the trees that the
		// current chains hold.
		want := map[int64][]string{}
		for _, name := range []string{"busy", "quiet"} {
			for _, s := range db.TreeByName(name).snapshot.Chain() {
				want[int64(s.Version())] = append(want[int64(s.Version())], name)
			}
		}
		got := map[int64][]string{}
		for _, v := range snapshotDirs(t, dir) {
			entries, err := os.ReadDir(filepath.Join(dir, snapshotName(v)))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.IsDir() {
					got[v] = append(got[v], e.Name())
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d: trees on disk %v, the chains hold %v", round, got, want)
		}
		for _, name := range []string{"busy", "quiet"} {
			requireSameTree(t, db.TreeByName(name), mem[name], keys[name])
		}
	}
	if wholeRewrites < 2 {
		t.Fatalf("the busy tree was written whole %d times, want at least 2", wholeRewrites)
	}
	if got := len(db.TreeByName("quiet").snapshot.Chain()); got < 5 {
		t.Fatalf("the quiet tree's chain holds %d snapshots, want its layers over the first", got)
	}

	// Reopened on the pruned directories, both trees read as before.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open()
	for _, name := range []string{"busy", "quiet"} {
		requireSameTree(t, db.TreeByName(name), mem[name], keys[name])
	}
}

// pruneTreesOutside removes the trees not kept, and one half removed
// before a crash (renamed aside), and leaves the kept trees and the
// snapshot's metadata.
func TestPruneTreesOutsideKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	for _, tree := range []string{"low", "high", "high" + TmpSuffix} {
		if err := os.MkdirAll(filepath.Join(dir, tree), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, tree, "nodes"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, MetadataFileName), []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := pruneTreesOutside(dir, map[string]bool{"low": true}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{"low", MetadataFileName}; fmt.Sprint(sorted(left)) != fmt.Sprint(sorted(want)) {
		t.Fatalf("left %v, want %v", left, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "low", "nodes")); err != nil {
		t.Fatalf("the kept tree lost its files: %v", err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
