package memiavl

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkTransplantCold is BenchmarkTransplant's move with the old
// chain's pages out of the page cache before each one, as at 10M parcels
// in a node with less memory than its state: the finds then read the
// base from the disk, one or sixteen at a time, through the map or read
// ahead with pread, or placed by the rewrite's writer.
func BenchmarkTransplantCold(b *testing.B) {
	running, treeV, full, _, base, placed := transplantBenchTrees(b)
	defer func(workers int) { transplantFindWorkers = workers }(transplantFindWorkers)
	for _, c := range []struct {
		workers   int
		readAhead bool
		placed    bool
	}{{1, false, false}, {16, false, false}, {1, true, false}, {16, true, false}, {16, true, true}} {
		b.Run(fmt.Sprintf("finds-%d-read-ahead-%v-placed-%v", c.workers, c.readAhead, c.placed), func(b *testing.B) {
			transplantFindWorkers = c.workers
			var faults int64
			var cpu time.Duration
			for range b.N {
				b.StopTimer()
				dropSnapshotPages(base)
				var before, after unix.Rusage
				_ = unix.Getrusage(unix.RUSAGE_SELF, &before)
				b.StartTimer()
				mover := newTransplanter(treeV.root, treeV.version, full)
				mover.readAhead = c.readAhead
				if c.placed {
					mover.placed = placed
				}
				if c.readAhead {
					mover.oldChain = base.Chain() // its copies' keys read ahead too
				}
				if _, err := mover.move(running.root); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = unix.Getrusage(unix.RUSAGE_SELF, &after)
				faults += after.Majflt - before.Majflt
				cpu += time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
				b.StartTimer()
			}
			b.ReportMetric(float64(faults)/float64(b.N), "major-faults/op")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// dropSnapshotPages takes s's mapped pages out of the process and then out
// of the page cache, so its next reads go to the disk.
func dropSnapshotPages(s *Snapshot) {
	for _, data := range [][]byte{s.nodes, s.leaves, s.kvs, s.branchKeys, s.branchIndex} {
		if len(data) > 0 {
			_ = unix.Madvise(data, unix.MADV_DONTNEED)
		}
	}
	dropCachedFiles(s.dir)
}
