//go:build linux

package memiavl

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkSnapshotPolicyFigures prints what the rewrite policy's defaults
// are chosen from: how long opening a DB takes to replay its log, per
// 100,000 changes (in versions of 1,000 changes, a busy chain's blocks,
// and of 10, a quiet one's), per empty version, with the snapshot in the
// page cache and out of it; and how long a whole snapshot rewrite takes.
// Run it once:
//
//	go test -run '^$' -bench SnapshotPolicyFigures -benchtime 1x
//
// MEMIAVL_BENCH_LEAVES sets the tree's size (1,000,000 by default).
func BenchmarkSnapshotPolicyFigures(b *testing.B) {
	leaves := 1_000_000
	if s := os.Getenv("MEMIAVL_BENCH_LEAVES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("MEMIAVL_BENCH_LEAVES=%q: want a number of at least 1000", s)
		}
		leaves = n
	}
	dir := b.TempDir()
	rng := rand.New(rand.NewSource(1))
	value := func() []byte {
		v := make([]byte, 160) // about a land record's value
		rng.Read(v)
		return v
	}
	key := func(i int) []byte { return []byte(fmt.Sprintf("land/title/T%09d", i)) }
	// no rewrite while the figures are taken
	opts := Options{CreateIfMissing: true, InitialStores: []string{"a"}, SnapshotInterval: math.MaxUint32, AsyncCommitBuffer: -1}
	open := func() *DB {
		db, err := Load(dir, opts)
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	commit := func(db *DB, pairs []*KVPair) {
		if len(pairs) > 0 {
			if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	closeDB := func(db *DB) {
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	// opening times the best of three opens (the machine is shared); cold
	// drops the DB's files from the page cache before each.
	opening := func(cold bool) (time.Duration, LogGrowth) {
		best := time.Duration(math.MaxInt64)
		var grown LogGrowth
		for range 3 {
			if cold {
				dropFromPageCache(b, dir)
			}
			start := time.Now()
			db := open()
			best = min(best, time.Since(start))
			grown = db.LogGrowth()
			closeDB(db)
		}
		return best, grown
	}

	db := open()
	const step = 100_000
	for i := 0; i < leaves; i += step {
		var pairs []*KVPair
		for j := i; j < min(i+step, leaves); j++ {
			pairs = append(pairs, &KVPair{Key: key(j), Value: value()})
		}
		commit(db, pairs)
	}
	start := time.Now()
	if err := db.RewriteSnapshot(); err != nil {
		b.Fatal(err)
	}
	rewrite := time.Since(start)
	if err := db.Reload(); err != nil {
		b.Fatal(err)
	}
	snapshotBytes := db.TreeByName("a").SnapshotBytes()
	closeDB(db)
	b.Logf("%d leaves: snapshot %.2f GB, rewritten in %.2f s (%.0f MB/s, files synced)",
		leaves, float64(snapshotBytes)/1e9, rewrite.Seconds(), float64(snapshotBytes)/1e6/rewrite.Seconds())

	base, _ := opening(false)
	baseCold, _ := opening(true)
	b.Logf("open, nothing to replay: %.3f s warm, %.3f s cold", base.Seconds(), baseCold.Seconds())

	// changes: updates of existing keys and a tenth new keys
	changes := func(n int) []*KVPair {
		pairs := make([]*KVPair, 0, n)
		for range n {
			i := rng.Intn(leaves)
			if rng.Intn(10) == 0 {
				i = leaves + rng.Intn(leaves)
			}
			pairs = append(pairs, &KVPair{Key: key(i), Value: value()})
		}
		return pairs
	}
	for _, shape := range []struct{ versions, perVersion int }{{100, 1000}, {10_000, 10}, {10_000, 0}} {
		db := open()
		for range shape.versions {
			commit(db, changes(shape.perVersion))
		}
		closeDB(db)
		warm, grown := opening(false)
		cold, _ := opening(true)
		dw, dc := warm-base, cold-baseCold
		b.Logf("%d versions of %d changes (log %d bytes): open %.2f s warm, %.2f s cold, of which replay %.2f s warm, %.2f s cold",
			shape.versions, shape.perVersion, grown.Bytes, warm.Seconds(), cold.Seconds(), dw.Seconds(), dc.Seconds())
		if n := shape.versions * shape.perVersion; n > 0 {
			b.Logf("  per 100,000 changes: %.2f s warm, %.2f s cold", dw.Seconds()*1e5/float64(n), dc.Seconds()*1e5/float64(n))
		} else {
			b.Logf("  per empty version: %.1f µs warm", float64(dw.Microseconds())/float64(shape.versions))
		}
		// the next shape starts from a snapshot of this one's last version
		db = open()
		start := time.Now()
		if err := db.RewriteSnapshot(); err != nil {
			b.Fatal(err)
		}
		b.Logf("  rewrite after them: %.2f s", time.Since(start).Seconds())
		closeDB(db)
	}
}

// dropFromPageCache writes the files under dir out and asks the kernel to
// drop their pages, so that the next open reads them from the disk as
// after a reboot (only these files: the machine is shared).
func dropFromPageCache(b *testing.B, dir string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return err
		}
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
	if err != nil {
		b.Fatal(err)
	}
}
