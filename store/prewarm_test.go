package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// TestPrewarmReadsTheSnapshot requires Open to read every byte of the
// latest snapshot ahead with Options.Prewarm and none without, and a
// cancelled read to stop.
func TestPrewarmReadsTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "m"})
	if err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		block := NewCache(s.Working())
		for i := range 2000 {
			block.Set([]byte(fmt.Sprintf("%c%05d", 'a'+i%26, i)), []byte(fmt.Sprintf(`{"record":%d,"version":%d,"note":"a value long enough to compress"}`, i, v)))
		}
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	want := s.SnapshotBytes()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, size := snapshotFilesIn(filepath.Join(dir, "state", "latest"))
	if len(files) != 10 || size != want {
		t.Fatalf("%d snapshot files of %d bytes, want the five files of each of two trees, %d bytes", len(files), size, want)
	}
	for i, f := range files { // what a search walks first, the values last
		if (filepath.Base(f) == memiavl.FileNameKVs) != (i >= 8) {
			t.Fatalf("read in the order %q", files)
		}
	}
	for _, prewarm := range []bool{true, false} {
		s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "m", Prewarm: prewarm})
		if err != nil {
			t.Fatal(err)
		}
		read, _ := s.Prewarmed()
		s.Close()
		if prewarm && read != want || !prewarm && read != 0 {
			t.Fatalf("Open with Prewarm %v read %d bytes ahead; the snapshot has %d", prewarm, read, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if read, err := Prewarm(ctx, files); !errors.Is(err, context.Canceled) || read != 0 {
		t.Fatalf("a cancelled Prewarm read %d bytes and returned %v", read, err)
	}
	if !FitsInMemory(size) || !FitsInMemory(0) || FitsInMemory(math.MaxInt64) {
		t.Fatalf("FitsInMemory: %d bytes %v, nothing %v, the largest size %v", size, FitsInMemory(size), FitsInMemory(0), FitsInMemory(math.MaxInt64))
	}
}

// A whole rewrite written out of the page cache is read back into it
// after the switch, in the background, all of it.
func TestRewriteOutOfCacheIsReadBack(t *testing.T) {
	// the rule: a second copy of the tree beside the state must fit
	if rewriteOutOfCache(1<<20, 4<<20) || !rewriteOutOfCache(1<<61, 1<<61) {
		t.Fatal("a small state is written out of the cache, or a huge one through it")
	}
	defer func(old func(int64, int64) bool) { rewriteOutOfCache = old }(rewriteOutOfCache)
	asked := 0
	rewriteOutOfCache = func(tree, state int64) bool {
		if state < tree {
			t.Errorf("asked for a tree of %d bytes in a state of %d", tree, state)
		}
		asked++
		return true
	}
	s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: "m", SnapshotPolicy: SnapshotPolicy{MinVersions: 1, ChangedFraction: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for v := range 3 {
		block := NewCache(s.Working())
		for i := range 2000 {
			block.Set([]byte(fmt.Sprintf("%c%05d", 'a'+i%26, i)), []byte(fmt.Sprintf(`{"record":%d,"version":%d}`, i, v)))
		}
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		waitSnapshot(t, s)
	}
	r := s.LastRewrite()
	if asked == 0 || len(r.Trees) != 2 || !r.Trees[0].OutOfCache {
		t.Fatalf("asked %d times; last rewrite %+v", asked, r)
	}
	s.rewarm.running.Wait()
	if got, want := s.Rewarmed(), s.SnapshotBytes(); got < want {
		t.Fatalf("read back %d bytes after the switches; the snapshot has %d", got, want)
	}
}
