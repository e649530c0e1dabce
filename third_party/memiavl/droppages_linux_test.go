//go:build linux

package memiavl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentFraction is the share of data's pages in the page cache.
func residentFraction(t *testing.T, data []byte) float64 {
	t.Helper()
	page := os.Getpagesize()
	vec := make([]byte, (len(data)+page-1)/page)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return float64(n) / float64(len(vec))
}

// A whole rewrite written out of the cache leaves its files out of the
// page cache, where one written through it leaves them in; the switch is
// reported with what was written either way.
func TestWholeRewriteOutOfCache(t *testing.T) {
	for _, outOfCache := range []bool{false, true} {
		t.Run(fmt.Sprint("out of cache ", outOfCache), func(t *testing.T) {
			var switched []RewriteReport
			policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.05}
			db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}, RewritePolicy: &policy,
				AsyncCommitBuffer: -1, OutOfCacheRewrite: func(int64, int64) bool { return outOfCache },
				SnapshotSwitched: func(r RewriteReport) { switched = append(switched, r) }})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var pairs []*KVPair
			for i := 0; i < 20000; i++ {
				pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i)})
			}
			if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := db.WaitSnapshotRewrite(); err != nil {
				t.Fatal(err)
			}
			if len(switched) != 1 || switched[0].Trees[0].Layer || switched[0].Trees[0].OutOfCache != outOfCache {
				t.Fatalf("switches reported: %+v", switched)
			}
			s := db.TreeByName("a").snapshot
			kvs, leaves := residentFraction(t, s.kvs), residentFraction(t, s.leaves)
			t.Logf("resident after the switch: kvs %.2f, leaves %.2f", kvs, leaves)
			if outOfCache && (kvs > 0.5 || leaves > 0.5) || !outOfCache && (kvs < 0.9 || leaves < 0.9) {
				t.Fatalf("written out of cache %v: kvs %.2f and leaves %.2f of their pages resident", outOfCache, kvs, leaves)
			}
			checkRecords(t, db.TreeByName("a"), 20000, nil)
		})
	}
}

// fileResident is the share of the file's pages in the page cache.
func fileResident(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(data)
	return residentFraction(t, data)
}

// A switch drops the snapshots it leaves out of use from the page cache
// (here one kept on disk by SnapshotKeepRecent).
func TestSwitchDropsTheOldSnapshot(t *testing.T) {
	dir := t.TempDir()
	policy := RewritePolicy{MinVersions: 1, ChangedFraction: 0.05}
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}, RewritePolicy: &policy,
		AsyncCommitBuffer: -1, SnapshotKeepRecent: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	commit := func(v int) {
		var pairs []*KVPair
		for i := 0; i < 20000; i += 1 + v%3 {
			pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i + v)})
		}
		if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.WaitSnapshotRewrite(); err != nil {
			t.Fatal(err)
		}
	}
	commit(1)
	first := filepath.Join(dir, snapshotName(db.SnapshotVersion()), "a", FileNameKVs)
	if r := fileResident(t, first); r < 0.9 {
		t.Fatalf("the snapshot in use has %.2f of its pages resident", r)
	}
	commit(2)
	if db.SnapshotVersion() != 2 {
		t.Fatalf("snapshot at %d, want 2", db.SnapshotVersion())
	}
	// dropped with the pruning, after the switch
	db.pruneSnapshotLock.Lock()
	db.pruneSnapshotLock.Unlock()
	if r := fileResident(t, first); r > 0.1 {
		t.Fatalf("the snapshot the switch left has %.2f of its pages still resident", r)
	}
}

// Replaying the log with ReadAheadReplay gives the same trees; against a
// snapshot dropped from the page cache it reads the versions' paths many
// at a time (the times are logged, not asserted).
func TestReplayReadsAhead(t *testing.T) {
	dir := t.TempDir()
	const leaves = 100_000
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}, AsyncCommitBuffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []*KVPair
	for i := 0; i < leaves; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i)})
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
	for v := 2; v <= 11; v++ { // in the log only
		pairs = pairs[:0]
		for i := 0; i < 1000; i++ {
			k := (v*7919 + i*104729) % leaves
			pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", k)), Value: record(k + v)})
		}
		sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
		if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	want := db.LastCommitInfo().StoreInfos[0].CommitId.Hash
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(dir, snapshotName(1), "a")
	for _, readAhead := range []bool{false, true} {
		dropCachedFiles(snapshot)
		start := time.Now()
		db, err := Load(dir, Options{InitialStores: []string{"a"}, AsyncCommitBuffer: -1, ReadAheadReplay: readAhead})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		got := db.LastCommitInfo().StoreInfos[0].CommitId.Hash
		if db.Version() != 11 || !bytes.Equal(got, want) {
			t.Fatalf("read ahead %v: replayed to %d with %X, want 11 with %X", readAhead, db.Version(), got, want)
		}
		t.Logf("10,000 changes replayed against a cold snapshot of %d leaves, read ahead %v: %s", leaves, readAhead, took.Round(time.Millisecond))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A whole rewrite out of the cache reads its base ahead of the writer,
// all of it, and marks cold behind it exactly the pages that were not in
// the page cache before; the pages that were stay. The snapshot written is
// the tree.
func TestWholeRewriteReadsTheBaseAhead(t *testing.T) {
	parent := t.TempDir()
	const n = 60000
	tree := New(0)
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i)})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(parent, "base")
	if err := tree.WriteSnapshot(base); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(base)
	if err != nil {
		t.Fatal(err)
	}
	onBase := NewFromSnapshot(s, false, 0)
	defer onBase.Close()
	for _, ts := range []*Tree{onBase, tree} { // a few changes in memory
		ts.ApplyChangeSet(ChangeSet{Pairs: []*KVPair{{Key: []byte("k00000007"), Value: []byte("changed")}, {Key: []byte("k00050001"), Delete: true}}})
		if _, _, err := ts.SaveVersion(true); err != nil {
			t.Fatal(err)
		}
	}
	// the base out of the cache but for the first half of its values
	dropCachedFiles(base)
	half := s.kvs[:len(s.kvs)/2/os.Getpagesize()*os.Getpagesize()]
	var sum byte
	for i := 0; i < len(half); i += os.Getpagesize() {
		sum += half[i]
	}
	t.Logf("read half the values in (%d)", sum)
	if residentFraction(t, s.leaves) > 0.1 || residentFraction(t, half) < 0.99 {
		t.Skipf("the page cache does not drop or keep pages as asked here: leaves %.2f resident, half the values %.2f", residentFraction(t, s.leaves), residentFraction(t, half))
	}
	cold := 0
	for _, f := range [][]byte{s.nodes, s.leaves, s.kvs, s.branchKeys, s.branchIndex} {
		for _, sp := range notResident(f) {
			cold += sp.end - sp.start
		}
	}

	var report RewrittenTree
	if err := onBase.writeWhole(context.Background(), filepath.Join(parent, "whole"), true, &report); err != nil {
		t.Fatal(err)
	}
	total := int64(len(s.nodes) + len(s.leaves) + len(s.kvs) + len(s.branchKeys) + len(s.branchIndex))
	if report.ReadAhead != total || report.Cooled != int64(cold) {
		t.Fatalf("read ahead %d of the base's %d bytes, marked cold %d of the %d not in the cache before", report.ReadAhead, total, report.Cooled, cold)
	}
	if residentFraction(t, half) < 0.99 {
		t.Fatal("the values in the cache before the rewrite left it")
	}
	whole, err := OpenSnapshot(filepath.Join(parent, "whole"))
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if !bytes.Equal(whole.RootHash(), tree.RootHash()) || whole.RootNode().Size() != n-1 {
		t.Fatal("the snapshot written is not the tree")
	}
}

// A whole rewrite out of the cache of a tree on a chain reads the layers'
// files ahead with the base's, all of them, and the snapshot written is
// the tree: the writer's read-ahead walks the layers' nodes through the
// map instead of reading each with pread.
func TestWholeRewriteReadsTheLayersAhead(t *testing.T) {
	parent := t.TempDir()
	const n = 60000
	twin := New(0)
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i)})
	}
	twin.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := twin.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if err := twin.WriteSnapshot(filepath.Join(parent, "base")); err != nil {
		t.Fatal(err)
	}
	base, err := OpenSnapshot(filepath.Join(parent, "base"))
	if err != nil {
		t.Fatal(err)
	}
	onBase := NewFromSnapshot(base, false, 0)
	defer onBase.Close()
	change := func(trees []*Tree, from, step int, value string) {
		var pairs []*KVPair
		for i := from; i < n; i += step {
			pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: []byte(fmt.Sprintf("%s %d", value, i))})
		}
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", from+1)), Delete: true})
		for _, tr := range trees {
			tr.ApplyChangeSet(ChangeSet{Pairs: pairs})
			if _, _, err := tr.SaveVersion(true); err != nil {
				t.Fatal(err)
			}
		}
	}
	change([]*Tree{onBase, twin}, 3, 11, "in the layer")
	if err := onBase.WriteLayer(context.Background(), filepath.Join(parent, "layer")); err != nil {
		t.Fatal(err)
	}
	layer, err := OpenSnapshot(filepath.Join(parent, "layer"))
	if err != nil {
		t.Fatal(err)
	}
	onLayer := NewFromSnapshot(layer, false, 0)
	defer onLayer.Close()
	change([]*Tree{onLayer, twin}, 5, 97, "in memory")

	dropCachedFiles(filepath.Join(parent, "base"))
	dropCachedFiles(filepath.Join(parent, "layer"))
	var report RewrittenTree
	if err := onLayer.writeWhole(context.Background(), filepath.Join(parent, "whole"), true, &report); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range []*Snapshot{base, layer} {
		total += int64(len(s.nodes) + len(s.leaves) + len(s.kvs) + len(s.branchKeys) + len(s.branchIndex))
	}
	if report.ReadAhead != total {
		t.Fatalf("read ahead %d bytes of the chain's %d", report.ReadAhead, total)
	}
	whole, err := OpenSnapshot(filepath.Join(parent, "whole"))
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if !bytes.Equal(whole.RootHash(), twin.RootHash()) || whole.RootNode().Size() != twin.root.Size() {
		t.Fatal("the snapshot written is not the tree")
	}
	written := NewFromSnapshot(whole, false, 0)
	for i := 0; i < n; i += 7 {
		key := []byte(fmt.Sprintf("k%08d", i))
		if !bytes.Equal(written.Get(key), twin.Get(key)) {
			t.Fatalf("%s: %q, the tree has %q", key, written.Get(key), twin.Get(key))
		}
	}
}
