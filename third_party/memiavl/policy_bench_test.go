//go:build linux

package memiavl

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
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
	logf := func(format string, args ...any) { fmt.Printf(format+"\n", args...) } // all of it, unlike b.Logf's
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
	// opening times the best of three opens, wall and CPU (the machine may
	// be shared: CPU time is what other jobs do not inflate as much); cold
	// drops the DB's files from the page cache before each.
	// heap is what the open DB holds in the heap: the nodes the replay made
	var heap uint64
	opening := func(cold bool) (time.Duration, time.Duration, LogGrowth) {
		best, bestCPU := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
		var grown LogGrowth
		for range 3 {
			if cold {
				dropFromPageCache(b, dir)
			}
			start, startCPU := time.Now(), cpuTime()
			db := open()
			best, bestCPU = min(best, time.Since(start)), min(bestCPU, cpuTime()-startCPU)
			grown = db.LogGrowth()
			heap = heapInUse()
			closeDB(db)
		}
		return best, bestCPU, grown
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
	start, startCPU := time.Now(), cpuTime()
	if err := db.RewriteSnapshot(); err != nil {
		b.Fatal(err)
	}
	rewrite, rewriteCPU := time.Since(start), cpuTime()-startCPU
	if err := db.Reload(); err != nil {
		b.Fatal(err)
	}
	snapshotBytes := db.TreeByName("a").SnapshotBytes()
	closeDB(db)
	logf("%d leaves: snapshot %.2f GB, rewritten in %.2f s (%.2f s CPU; %.0f MB/s, files synced)",
		leaves, float64(snapshotBytes)/1e9, rewrite.Seconds(), rewriteCPU.Seconds(), float64(snapshotBytes)/1e6/rewrite.Seconds())

	base, baseCPU, _ := opening(false)
	baseHeap := heap
	baseCold, _, _ := opening(true)
	logf("open, nothing to replay: %.3f s warm (%.3f s CPU), %.3f s cold", base.Seconds(), baseCPU.Seconds(), baseCold.Seconds())

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
		warm, warmCPU, grown := opening(false)
		cold, coldCPU, _ := opening(true)
		dw, dwCPU, dc := warm-base, warmCPU-baseCPU, cold-baseCold
		logf("%d versions of %d changes (log %d bytes): open %.2f s warm (%.2f s CPU), %.2f s cold (%.2f s CPU)",
			shape.versions, shape.perVersion, grown.Bytes, warm.Seconds(), warmCPU.Seconds(), cold.Seconds(), coldCPU.Seconds())
		if n := shape.versions * shape.perVersion; n > 0 {
			logf("  replay per 100,000 changes: %.2f s warm (%.2f s CPU), %.2f s cold", dw.Seconds()*1e5/float64(n), dwCPU.Seconds()*1e5/float64(n), dc.Seconds()*1e5/float64(n))
			logf("  heap held after the replay: %.0f MB, %.0f bytes a change", float64(heap-min(heap, baseHeap))/1e6, float64(heap-min(heap, baseHeap))/float64(n))
		} else {
			logf("  replay per empty version: %.1f µs warm (%.1f µs CPU)", float64(dw.Microseconds())/float64(shape.versions), float64(dwCPU.Microseconds())/float64(shape.versions))
		}
		// the next shape starts from a snapshot of this one's last version
		db = open()
		start, startCPU := time.Now(), cpuTime()
		if err := db.RewriteSnapshot(); err != nil {
			b.Fatal(err)
		}
		logf("  rewrite after them: %.2f s (%.2f s CPU), snapshot %.2f GB", time.Since(start).Seconds(), (cpuTime() - startCPU).Seconds(),
			float64(db.TreeByName("a").SnapshotBytes())/1e9)
		closeDB(db)
	}
}

// dropFromPageCache writes the files under dir out and asks the kernel to
// drop their pages, so that the next open reads them from the disk as
// after a reboot (only these files: the machine is shared).
func dropFromPageCache(b testing.TB, dir string) {
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

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
