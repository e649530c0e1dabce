package memiavl

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func openPolicyDB(t *testing.T, dir string, p RewritePolicy) *DB {
	t.Helper()
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}, RewritePolicy: &p, AsyncCommitBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// commitPairs applies pairs to tree "a" and commits a version.
func commitPairs(t *testing.T, db *DB, pairs ...*KVPair) int64 {
	t.Helper()
	if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
		t.Fatal(err)
	}
	v, err := db.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func updates(from, n, version int) []*KVPair {
	var pairs []*KVPair
	for i := from; i < from+n; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%05d", i)), Value: []byte(fmt.Sprintf("v%d", version))})
	}
	return pairs
}

// snapshotAfter waits for a rewrite the last commit may have started and
// returns the snapshot's version.
func snapshotAfter(t *testing.T, db *DB) int64 {
	t.Helper()
	if err := db.WaitSnapshotRewrite(); err != nil {
		t.Fatal(err)
	}
	return db.SnapshotVersion()
}

// A rewrite starts at the commit whose changes since the snapshot reach
// the fraction of the leaves, and not one commit before.
func TestRewriteAtChangedFraction(t *testing.T) {
	db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 1, ChangedFraction: 0.1})
	defer db.Close()
	// 1,000 leaves from an empty snapshot: due at once.
	commitPairs(t, db, updates(0, 1000, 1)...)
	if got := snapshotAfter(t, db); got != 1 {
		t.Fatalf("after loading 1,000 leaves the snapshot is at %d, want 1", got)
	}
	if g := db.LogGrowth(); g != (LogGrowth{}) {
		t.Fatalf("log beyond a fresh snapshot: %+v", g)
	}
	// Ten changes a version: 90 changes (9%) rewrite nothing, 100 do.
	for v := 2; v <= 10; v++ {
		commitPairs(t, db, updates(v*10, 10, v)...)
		if got := snapshotAfter(t, db); got != 1 {
			t.Fatalf("version %d, %d changes of 1,000 leaves: rewritten at %d", v, (v-1)*10, got)
		}
	}
	if g := db.LogGrowth(); g.Versions != 9 || g.Changes != 90 {
		t.Fatalf("log beyond the snapshot: %+v, want 9 versions and 90 changes", g)
	}
	commitPairs(t, db, updates(500, 10, 11)...)
	if got := snapshotAfter(t, db); got != 11 {
		t.Fatalf("100 changes of 1,000 leaves: snapshot at %d, want 11", got)
	}
	// Inserts grow the tree, so the fraction needs more changes: 1,100
	// leaves after version 12, 110 changes due.
	commitPairs(t, db, updates(1000, 100, 12)...)
	if got := snapshotAfter(t, db); got != 11 {
		t.Fatalf("100 changes of 1,100 leaves: rewritten at %d", got)
	}
	commitPairs(t, db, updates(0, 9, 13)...)
	if got := snapshotAfter(t, db); got != 11 {
		t.Fatalf("109 changes of 1,100 leaves: rewritten at %d", got)
	}
	commitPairs(t, db, updates(0, 1, 14)...)
	if got := snapshotAfter(t, db); got != 14 {
		t.Fatalf("110 changes of 1,100 leaves: snapshot at %d, want 14", got)
	}
}

// MinVersions holds rewrites back however much changes; MaxVersions and
// MaxLogBytes start one however little.
func TestRewriteBounds(t *testing.T) {
	t.Run("min versions", func(t *testing.T) {
		db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 5, ChangedFraction: 0.01})
		defer db.Close()
		var snapshots []int64
		for v := 1; v <= 16; v++ {
			commitPairs(t, db, updates(v*100, 100, v)...)
			if s := snapshotAfter(t, db); len(snapshots) == 0 || snapshots[len(snapshots)-1] != s {
				snapshots = append(snapshots, s)
			}
		}
		if fmt.Sprint(snapshots) != "[0 5 10 15]" {
			t.Fatalf("snapshots %v, want [0 5 10 15]", snapshots)
		}
	})
	t.Run("max versions", func(t *testing.T) {
		db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 1, MaxVersions: 7, ChangedFraction: 0.5})
		defer db.Close()
		commitPairs(t, db, updates(0, 1000, 1)...)
		if got := snapshotAfter(t, db); got != 1 {
			t.Fatalf("snapshot at %d, want 1", got)
		}
		for v := 2; v <= 8; v++ {
			if _, err := db.Commit(); err != nil { // empty versions
				t.Fatal(err)
			}
			want := int64(1)
			if v == 8 {
				want = 8
			}
			if got := snapshotAfter(t, db); got != want {
				t.Fatalf("version %d: snapshot at %d, want %d", v, got, want)
			}
		}
	})
	t.Run("max log bytes", func(t *testing.T) {
		db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 1, MaxLogBytes: 10_000})
		defer db.Close()
		big := bytes.Repeat([]byte{7}, 3000)
		for v := 1; v <= 4; v++ {
			commitPairs(t, db, &KVPair{Key: []byte("k"), Value: big})
			want := int64(0)
			if v == 4 {
				want = 4 // 4 entries of a little over 3,000 bytes
			}
			if got := snapshotAfter(t, db); got != want {
				t.Fatalf("version %d, log %+v: snapshot at %d, want %d", v, db.LogGrowth(), got, want)
			}
		}
	})
}

func TestRewritePolicyRefusesNonsense(t *testing.T) {
	for _, p := range []RewritePolicy{{ChangedFraction: -0.1}, {MaxLogBytes: -1}, {MinVersions: 10, MaxVersions: 5}} {
		if _, err := Load(t.TempDir(), Options{CreateIfMissing: true, RewritePolicy: &p}); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}

// A reopened DB replays many small versions to the same state, and counts
// the log it replayed as the running DB counted it, across a rewrite that
// ran while versions were committed.
func TestReopenReplaysSmallVersions(t *testing.T) {
	dir := t.TempDir()
	policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.5}
	db := openPolicyDB(t, dir, policy)
	commitPairs(t, db, updates(0, 2000, 1)...)
	if got := snapshotAfter(t, db); got != 1 {
		t.Fatalf("snapshot at %d, want 1", got)
	}
	rng := rand.New(rand.NewSource(1))
	want := map[string][]byte{}
	for i := 0; i < 2000; i++ {
		want[fmt.Sprintf("k%05d", i)] = []byte("v1")
	}
	small := func(v int) {
		var pairs []*KVPair
		for range 1 + rng.Intn(3) {
			k := fmt.Sprintf("k%05d", rng.Intn(3000))
			if rng.Intn(4) == 0 {
				pairs = append(pairs, &KVPair{Key: []byte(k), Delete: true})
				delete(want, k)
				continue
			}
			val := []byte(fmt.Sprintf("v%d-%d", v, rng.Int()))
			pairs = append(pairs, &KVPair{Key: []byte(k), Value: val})
			want[k] = val
		}
		commitPairs(t, db, pairs...)
	}
	for v := 2; v <= 400; v++ {
		small(v)
	}
	// A rewrite at 400, and versions committed before it is taken.
	if err := db.RewriteSnapshotBackground(); err != nil {
		t.Fatal(err)
	}
	for v := 401; v <= 700; v++ {
		small(v)
	}
	if got := snapshotAfter(t, db); got != 400 {
		t.Fatalf("snapshot at %d, want 400", got)
	}
	grown, hash, version := db.LogGrowth(), bytes.Clone(db.TreeByName("a").RootHash()), db.Version()
	if grown.Versions != 300 || grown.Changes < 300 || grown.Bytes == 0 {
		t.Fatalf("log beyond the snapshot at 400: %+v", grown)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openPolicyDB(t, dir, policy)
	defer db.Close()
	if db.Version() != version || db.SnapshotVersion() != 400 {
		t.Fatalf("reopened at %d from the snapshot at %d, want %d from 400", db.Version(), db.SnapshotVersion(), version)
	}
	if got := bytes.Clone(db.TreeByName("a").RootHash()); !bytes.Equal(got, hash) {
		t.Fatalf("reopened hash %X, want %X", got, hash)
	}
	if got := db.LogGrowth(); got != grown {
		t.Fatalf("replayed %+v, the running DB counted %+v", got, grown)
	}
	tree := db.TreeByName("a")
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("k%05d", i)
		if got := tree.Get([]byte(k)); !bytes.Equal(got, want[k]) || (got == nil) != (want[k] == nil) {
			t.Fatalf("%s: reopened %q, want %q", k, got, want[k])
		}
	}
	if n := db.leaves(); n != int64(len(want)) {
		t.Fatalf("reopened with %d leaves, want %d", n, len(want))
	}
}

// A rewrite the disk has no room for is held back (the log grows instead)
// and asked again MinVersions later, not at every commit; with room again
// it runs.
func TestRewriteHeldBackWithoutRoom(t *testing.T) {
	var free int64 = 1 << 20 // less than a snapshot and the headroom
	diskFreeFunc = func(string) (int64, error) { return free, nil }
	defer func() { diskFreeFunc = diskFree }()
	db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 10, ChangedFraction: 0.1})
	defer db.Close()
	for v := 1; v <= 25; v++ {
		commitPairs(t, db, updates(0, 1000, v)...)
		if got := snapshotAfter(t, db); got != 0 {
			t.Fatalf("snapshot written at %d with %d bytes free", got, free)
		}
	}
	// Due from version 10 (MinVersions), held back at 10 and at 20.
	if n := db.RewritesHeldBack(); n != 2 {
		t.Fatalf("held back %d times in 25 versions, want 2", n)
	}
	if g := db.LogGrowth(); g.Versions != 25 {
		t.Fatalf("log beyond the snapshot %+v, want 25 versions", g)
	}
	free = 1 << 50
	for v := 26; v <= 30; v++ {
		commitPairs(t, db, updates(0, 1000, v)...)
	}
	if got := snapshotAfter(t, db); got != 30 {
		t.Fatalf("snapshot at %d once there was room, want 30", got)
	}
	if n := db.RewritesHeldBack(); n != 2 {
		t.Fatalf("held back %d times, want still 2", n)
	}
}

// roomForRewrite asks for the current snapshot's size and the headroom.
// (With layers: TestLayeredRewrites.)
func TestRoomForRewriteMeasuresTheSnapshot(t *testing.T) {
	db := openPolicyDB(t, t.TempDir(), RewritePolicy{MinVersions: 1, ChangedFraction: 0.1})
	defer db.Close()
	commitPairs(t, db, updates(0, 3000, 1)...)
	if got := snapshotAfter(t, db); got != 1 {
		t.Fatalf("snapshot at %d, want 1", got)
	}
	var size int64
	current, err := filepath.EvalSymlinks(currentPath(db.dir))
	if err != nil {
		t.Fatal(err)
	}
	_ = filepath.WalkDir(current, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			size += info.Size()
		}
		return nil
	})
	if size < 3000*10 {
		t.Fatalf("snapshot of 3,000 keys is %d bytes", size)
	}
	need, free, ok := db.roomForRewrite()
	// the trees' files as mapped: all but the small metadata files
	if tree := need - rewriteHeadroom; tree > size || tree < size-200 || free <= 0 || ok != (free >= need) {
		t.Fatalf("need %d (snapshot %d), free %d, ok %v", need, size, free, ok)
	}
}

// A node that stopped with a long log (here its rewrites were held back
// for lack of room) writes a snapshot as it replays, wherever a rewrite
// would have been due, so that it does not hold the whole log's versions
// in memory: layers where the layer policy allows, and the last versions,
// not yet due, in memory. With no room on the disk it replays them all.
func TestReopenWritesTheRewritesThatWereDue(t *testing.T) {
	for _, room := range []bool{true, false} {
		t.Run(fmt.Sprint("room ", room), func(t *testing.T) {
			var free int64 = 1 << 20 // less than a snapshot and the headroom
			diskFreeFunc = func(string) (int64, error) { return free, nil }
			defer func() { diskFreeFunc = diskFree }()
			dir := t.TempDir()
			policy := RewritePolicy{MinVersions: 10, MaxVersions: 50}
			layers := LayerPolicy{MaxLayers: 2, MaxFraction: 10}
			open := func() *DB {
				db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}, RewritePolicy: &policy,
					LayerPolicy: &layers, AsyncCommitBuffer: -1})
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open()
			want := map[string][]byte{}
			rng := rand.New(rand.NewSource(3))
			// every key from the first version: the trees keep their
			// value dictionary, and so may be written as layers
			var all []*KVPair
			for i := 0; i < 3000; i++ {
				k := fmt.Sprintf("k%05d", i)
				want[k] = layerValue(i)
				all = append(all, &KVPair{Key: []byte(k), Value: want[k]})
			}
			commitPairs(t, db, all...)
			for v := 2; v <= 175; v++ {
				var pairs []*KVPair
				seen := map[string]bool{}
				for range 20 {
					k := fmt.Sprintf("k%05d", rng.Intn(3000))
					if seen[k] {
						continue
					}
					seen[k] = true
					if rng.Intn(5) == 0 && want[k] != nil {
						pairs = append(pairs, &KVPair{Key: []byte(k), Delete: true})
						delete(want, k)
						continue
					}
					want[k] = layerValue(v*3000 + rng.Intn(3000))
					pairs = append(pairs, &KVPair{Key: []byte(k), Value: want[k]})
				}
				sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
				commitPairs(t, db, pairs...)
			}
			if got := snapshotAfter(t, db); got != 0 {
				t.Fatalf("snapshot written at %d with no room", got)
			}
			hash, version := bytes.Clone(db.TreeByName("a").RootHash()), db.Version()
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			if room {
				free = 1 << 50
				// what a replay stopped before its switch of "current"
				// leaves: a snapshot nothing names
				orphan := filepath.Join(dir, snapshotName(100))
				if err := os.MkdirAll(filepath.Join(orphan, "a"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(orphan, "a", "nodes"), []byte("left over"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db = open()
			wantSnapshot, wantLog, wantChain := int64(150), int64(25), 4 // whole at 50, layers at 100 and 150 (3 snapshots), LayerPolicy allows 2 layers
			if !room {
				wantSnapshot, wantLog, wantChain = 0, 175, 1
			}
			if db.Version() != version || db.SnapshotVersion() != wantSnapshot || db.LogGrowth().Versions != wantLog {
				t.Fatalf("reopened at %d from the snapshot at %d with %d versions in memory, want %d from %d with %d",
					db.Version(), db.SnapshotVersion(), db.LogGrowth().Versions, version, wantSnapshot, wantLog)
			}
			tree := db.TreeByName("a")
			if room {
				if got := len(tree.snapshot.Chain()); got != wantChain-1 {
					entries, _ := os.ReadDir(dir)
					t.Fatalf("the snapshot at 150 has a chain of %d (%v)", got, entries)
				}
			}
			if got := tree.RootHash(); !bytes.Equal(got, hash) {
				t.Fatalf("reopened hash %X, want %X", got, hash)
			}
			for i := 0; i < 3000; i++ {
				k := fmt.Sprintf("k%05d", i)
				if got := tree.Get([]byte(k)); !bytes.Equal(got, want[k]) || (got == nil) != (want[k] == nil) {
					t.Fatalf("%s: reopened %q, want %q", k, got, want[k])
				}
			}
			// and it goes on: a commit and a reopen from what was written
			commitPairs(t, db, updates(0, 10, 176)...)
			hash = bytes.Clone(tree.RootHash())
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = open()
			defer db.Close()
			if got := db.TreeByName("a").RootHash(); !bytes.Equal(got, hash) {
				t.Fatalf("reopened again: hash %X, want %X", got, hash)
			}
		})
	}
}

// A rewrite due to write a tree whole, without room on the disk for it but
// with room for a layer, writes a layer instead, past the layer policy's
// bounds: the log (and the heap holding it) stays short. Without room for
// a layer either, it is held back as before.
// roomTest is a DB of one tree of 3,000 keys, rewritten every ten
// versions, on a disk whose free room the test sets.
type roomTest struct {
	t    *testing.T
	dir  string
	free int64
	db   *DB
	want map[string][]byte
	rng  *rand.Rand
}

func newRoomTest(t *testing.T, opts Options) *roomTest {
	r := &roomTest{t: t, dir: t.TempDir(), free: 1 << 50, want: map[string][]byte{}, rng: rand.New(rand.NewSource(5))}
	diskFreeFunc = func(string) (int64, error) { return r.free, nil }
	t.Cleanup(func() { diskFreeFunc = diskFree })
	opts.CreateIfMissing, opts.InitialStores, opts.AsyncCommitBuffer = true, []string{"a"}, -1
	opts.RewritePolicy = &RewritePolicy{MinVersions: 10, MaxVersions: 10}
	db, err := Load(r.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	t.Cleanup(func() { r.db.Close() })
	var all []*KVPair
	for i := 0; i < 3000; i++ {
		k := fmt.Sprintf("k%05d", i)
		r.want[k] = layerValue(i)
		all = append(all, &KVPair{Key: []byte(k), Value: r.want[k]})
	}
	commitPairs(t, db, all...)
	return r
}

// run commits a few changes a version up to version to, each rewrite
// switched before the next commit.
func (r *roomTest) run(to int) {
	r.t.Helper()
	for v := int(r.db.Version()) + 1; v <= to; v++ {
		seen := map[int]bool{}
		var pairs []*KVPair
		for range 6 {
			i := r.rng.Intn(3000)
			if !seen[i] {
				seen[i] = true
				k := fmt.Sprintf("k%05d", i)
				r.want[k] = layerValue(v*3000 + i)
				pairs = append(pairs, &KVPair{Key: []byte(k), Value: r.want[k]})
			}
		}
		sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
		commitPairs(r.t, r.db, pairs...)
		if err := r.db.WaitSnapshotRewrite(); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *roomTest) chain() int { return len(r.db.TreeByName("a").snapshot.Chain()) }

// requireReopened closes the DB and opens it again with the same root
// hash and every key's value.
func (r *roomTest) requireReopened() {
	r.t.Helper()
	hash := bytes.Clone(r.db.TreeByName("a").RootHash())
	if err := r.db.Close(); err != nil {
		r.t.Fatal(err)
	}
	db, err := Load(r.dir, Options{InitialStores: []string{"a"}, AsyncCommitBuffer: -1})
	if err != nil {
		r.t.Fatal(err)
	}
	r.db = db
	tree := db.TreeByName("a")
	if !bytes.Equal(tree.RootHash(), hash) {
		r.t.Fatalf("reopened hash %X, want %X", tree.RootHash(), hash)
	}
	for k, v := range r.want {
		if got := tree.Get([]byte(k)); !bytes.Equal(got, v) {
			r.t.Fatalf("%s: %q, want %q", k, got, v)
		}
	}
}

// A rewrite due to write a tree whole, without room on the disk for it but
// with room for a layer, writes a layer instead, past the layer policy's
// bounds: the log (and the heap holding it) stays short. Without room for
// a layer either, it is held back as before.
func TestRewriteWrittenAsLayersWithoutRoomForWhole(t *testing.T) {
	r := newRoomTest(t, Options{LayerPolicy: &LayerPolicy{MaxLayers: 1, MaxFraction: 10}})
	db := func() *DB { return r.db }
	r.run(10) // whole at 10
	if db().SnapshotVersion() != 10 || r.chain() != 1 {
		t.Fatalf("snapshot at %d with a chain of %d, want a whole one at 10", db().SnapshotVersion(), r.chain())
	}
	base := db().TreeByName("a").SnapshotBytes()
	r.free = rewriteHeadroom + base*3/4 // a layer fits, the whole tree does not
	r.run(20)                           // a layer at 20, as the policy allows
	r.run(30)                           // due whole at 30: a layer instead
	if db().SnapshotVersion() != 30 || r.chain() != 3 {
		t.Fatalf("snapshot at %d with a chain of %d, want layers at 20 and 30 (a chain of 3)", db().SnapshotVersion(), r.chain())
	}
	if db().RewritesAsLayers() != 1 || db().RewritesHeldBack() != 0 {
		t.Fatalf("%d rewrites written as layers, %d held back; want 1 and 0", db().RewritesAsLayers(), db().RewritesHeldBack())
	}
	if g := db().LogGrowth(); g.Versions != 0 {
		t.Fatalf("log beyond the snapshot: %+v", g)
	}
	r.free = 1 << 20 // no room for a layer either
	r.run(40)
	if db().SnapshotVersion() != 30 || db().RewritesHeldBack() != 1 || db().RewritesAsLayers() != 1 {
		t.Fatalf("snapshot at %d, %d held back, %d as layers; want 30, 1 and 1", db().SnapshotVersion(), db().RewritesHeldBack(), db().RewritesAsLayers())
	}
	r.requireReopened()
}

// Where the policy merges layers, a rewrite due to write a tree whole
// without room for it merges the layers over the base instead, whatever
// their size, rather than lengthen the chain.
func TestRewriteMergesWithoutRoomForWhole(t *testing.T) {
	r := newRoomTest(t, Options{LayerPolicy: &LayerPolicy{MaxLayers: 2, MaxFraction: 10, MergeFraction: 1e-9},
		MergeLayers: func(int64) bool { return true }})
	r.run(10) // whole at 10
	base := r.db.TreeByName("a").SnapshotBytes()
	r.free = rewriteHeadroom + base*3/4
	r.run(20) // a layer at 20 (no layers yet: under MergeFraction)
	r.run(30) // due whole (the layers past MergeFraction): a layer, as MaxLayers allows
	if r.chain() != 3 || r.db.RewritesAsLayers() != 1 {
		t.Fatalf("a chain of %d, %d rewrites as layers; want 3 and 1", r.chain(), r.db.RewritesAsLayers())
	}
	r.run(40) // due whole again: the layers merged, not a third
	last := r.db.LastRewrite().Trees[0]
	if r.db.SnapshotVersion() != 40 || r.chain() != 2 || last.Merged != 2 || r.db.RewritesAsLayers() != 2 {
		t.Fatalf("snapshot at %d, a chain of %d, %+v, %d as layers; want 40, a chain of 2 merging 2, 2", r.db.SnapshotVersion(), r.chain(), last, r.db.RewritesAsLayers())
	}
	r.requireReopened()
}
