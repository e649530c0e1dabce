//go:build linux

package memiavl

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// What a 4 KiB read of a snapshot file costs read with its own preadv2,
// as the read-ahead walks read, against reads submitted together through
// io_uring (docs/state.md, session 24). The ring here is the least
// needed to measure that: one batch at a time, no registered files or
// buffers, no polling thread.

// ringRead is one read of a batch: into buf, from f at off; res is the
// kernel's answer (bytes read, or minus an errno).
type ringRead struct {
	f   *os.File
	buf []byte
	off int64
	res int32
}

// batchRing is an ioRing used by one batch at a time.
type batchRing struct{ *ioRing }

const batchRingEntries = 128

func newBatchRing() (*batchRing, error) {
	r, err := newIORing(batchRingEntries)
	if err != nil {
		return nil, err
	}
	return &batchRing{r}, nil
}

// readAll submits the reads, as many at a time as the ring holds, and
// waits for each, setting its result; it fails if the ring does.
func (r *batchRing) readAll(reads []*ringRead) error {
	next, left := 0, len(reads)
	for left > 0 {
		for next < len(reads) && !r.full() {
			rd := reads[next]
			r.queue(int(rd.f.Fd()), rd.buf, rd.off, uint64(next))
			next++
		}
		if err := r.enter(true); err != nil {
			return err
		}
		r.reap(func(tag uint64, res int32) {
			reads[tag].res = res
			left--
		})
	}
	return nil
}

// newRingReads makes reads of n bytes each from f at offs for a batchRing.
func newRingReads(f *os.File, n int, offs []int64) []*ringRead {
	reads := make([]*ringRead, len(offs))
	for i, off := range offs {
		reads[i] = &ringRead{f: f, buf: make([]byte, n), off: off}
	}
	return reads
}

func setOffsets(reads []*ringRead, offs []int64) {
	for i, off := range offs {
		reads[i].off = off
	}
}

// A batch ring reads what pread reads.
func TestBatchRingReadsAsPread(t *testing.T) {
	f, size := uringFile(t, 8<<20)
	r, err := newBatchRing()
	if err != nil {
		t.Skipf("io_uring: %v", err)
	}
	defer r.close()
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 20; round++ {
		reads := make([]*ringRead, 1+rng.Intn(300)) // past the ring's entries too
		for i := range reads {
			n := 1 + rng.Intn(5000)
			reads[i] = &ringRead{f: f, buf: make([]byte, n), off: rng.Int63n(size - int64(n))}
		}
		if err := r.readAll(reads); err != nil {
			t.Fatal(err)
		}
		for i, rd := range reads {
			want := make([]byte, len(rd.buf))
			if _, err := f.ReadAt(want, rd.off); err != nil {
				t.Fatal(err)
			}
			if int(rd.res) != len(want) || string(want) != string(rd.buf) {
				t.Fatalf("round %d read %d at %d: %d bytes, or they differ", round, i, rd.off, rd.res)
			}
		}
	}
}

func uringFile(tb testing.TB, size int64) (*os.File, int64) {
	name := filepath.Join(tb.TempDir(), "f")
	data := make([]byte, size)
	rand.New(rand.NewSource(2)).Read(data)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f, size
}

// BenchmarkCachedPageReads reads random 4 KiB pages of a 256 MiB file in
// the page cache: each with its own preadv2 (RWF_NOWAIT, as the walks
// read), or in batches through io_uring with one system call a batch. It
// reports the CPU a read.
func BenchmarkCachedPageReads(b *testing.B) {
	f, size := uringFile(b, 256<<20)
	const reads = 1 << 16
	rng := rand.New(rand.NewSource(3))
	offs := make([]int64, reads)
	for i := range offs {
		offs[i] = rng.Int63n(size/4096) * 4096
	}
	buf := make([]byte, 4096)
	for _, off := range offs { // into the page cache
		f.ReadAt(buf, off)
	}
	report := func(b *testing.B, c0 time.Duration, n int) {
		b.ReportMetric(float64(cpuTime()-c0)/float64(n), "cpu-ns/read")
	}
	b.Run("preadv2-nowait", func(b *testing.B) {
		c0 := cpuTime()
		for i := range b.N {
			if _, err := readNowait(f, buf, offs[i%reads]); err != nil {
				b.Fatal(err)
			}
		}
		report(b, c0, b.N)
	})
	for _, batch := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("io_uring-batch-%d", batch), func(b *testing.B) {
			r, err := newBatchRing()
			if err != nil {
				b.Skipf("io_uring: %v", err)
			}
			defer r.close()
			batchReads := newRingReads(f, 4096, offs[:batch])
			c0 := cpuTime()
			n := 0
			for i := 0; n < b.N; i++ {
				at := (i * batch) % (reads - batch)
				setOffsets(batchReads, offs[at:at+batch])
				if err := r.readAll(batchReads); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			report(b, c0, n)
		})
	}
}

// BenchmarkColdPageReads reads random 4 KiB pages of a 256 MiB file out
// of the page cache (dropped before each round of 4,096 reads): from 16
// goroutines each waiting in pread, from 16 goroutines parked
// (readParked, as the walks read), or in batches through io_uring. It
// reports the CPU a read.
func BenchmarkColdPageReads(b *testing.B) {
	f, size := uringFile(b, 256<<20)
	const reads = 4096
	drop := func() {
		if err := unix.Fadvise(int(f.Fd()), 0, size, unix.FADV_DONTNEED); err != nil {
			b.Fatal(err)
		}
	}
	if err := unix.Fadvise(int(f.Fd()), 0, size, unix.FADV_RANDOM); err != nil {
		b.Fatal(err)
	}
	rounds := func(b *testing.B, read func(offs []int64)) {
		var cpu, took time.Duration
		for round := range b.N {
			b.StopTimer()
			drop()
			rng := rand.New(rand.NewSource(int64(round)))
			offs := make([]int64, reads)
			for i := range offs {
				offs[i] = rng.Int63n(size/4096) * 4096
			}
			c0, t0 := cpuTime(), time.Now()
			b.StartTimer()
			read(offs)
			cpu += cpuTime() - c0
			took += time.Since(t0)
		}
		b.ReportMetric(float64(cpu)/float64(b.N*reads), "cpu-ns/read")
		b.ReportMetric(float64(took)/float64(b.N*reads), "wall-ns/read")
	}
	goroutines := func(read func(buf []byte, off int64)) func([]int64) {
		return func(offs []int64) {
			var next atomic.Int64
			done := make(chan struct{})
			for range 16 {
				go func() {
					buf := make([]byte, 4096)
					for i := next.Add(1) - 1; i < int64(len(offs)); i = next.Add(1) - 1 {
						read(buf, offs[i])
					}
					done <- struct{}{}
				}()
			}
			for range 16 {
				<-done
			}
		}
	}
	b.Run("pread-16-goroutines", func(b *testing.B) {
		rounds(b, goroutines(func(buf []byte, off int64) { f.ReadAt(buf, off) }))
	})
	b.Run("parked-16-goroutines", func(b *testing.B) {
		rounds(b, goroutines(func(buf []byte, off int64) { readParked(f, buf, off) }))
	})
	for _, batch := range []int{16, 64} {
		b.Run(fmt.Sprintf("io_uring-batch-%d", batch), func(b *testing.B) {
			r, err := newBatchRing()
			if err != nil {
				b.Skipf("io_uring: %v", err)
			}
			defer r.close()
			batchReads := newRingReads(f, 4096, make([]int64, batch))
			rounds(b, func(offs []int64) {
				for at := 0; at < len(offs); at += batch {
					setOffsets(batchReads, offs[at:at+batch])
					if err := r.readAll(batchReads); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
