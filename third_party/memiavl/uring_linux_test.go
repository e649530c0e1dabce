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
	"unsafe"

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

// batchRing is an io_uring used by one batch at a time.
type batchRing struct {
	fd                     int
	sq, cq, sqes           []byte
	sqTail, sqMask         *uint32
	sqArray                unsafe.Pointer
	cqHead, cqTail, cqMask *uint32
	cqes                   unsafe.Pointer
	entries                int
}

type ringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  [7]uint32 // head, tail, ring_mask, ring_entries, flags, dropped, array
	sqResv1                                                                uint32
	sqUserAddr                                                             uint64
	cqOff                                                                  [6]uint32 // head, tail, ring_mask, ring_entries, overflow, cqes
	cqFlags, cqResv1                                                       uint32
	cqUserAddr                                                             uint64
}

const (
	batchRingEntries    = 128
	ioringOffCQRing     = 0x8000000
	ioringOffSQEs       = 0x10000000
	ioringOpRead        = 22
	ioringEnterGetEvent = 1
)

func newBatchRing() (*batchRing, error) {
	var p ringParams
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, batchRingEntries, uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", errno)
	}
	r := &batchRing{fd: int(fd), entries: int(p.sqEntries)}
	mmap := func(off int64, size uint32) ([]byte, error) {
		return unix.Mmap(r.fd, off, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	}
	var err error
	if r.sq, err = mmap(0, p.sqOff[6]+p.sqEntries*4); err == nil {
		if r.cq, err = mmap(ioringOffCQRing, p.cqOff[5]+p.cqEntries*16); err == nil {
			r.sqes, err = mmap(ioringOffSQEs, p.sqEntries*64)
		}
	}
	if err != nil {
		r.close()
		return nil, fmt.Errorf("map io_uring: %w", err)
	}
	at := func(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }
	r.sqTail, r.sqMask = at(r.sq, p.sqOff[1]), at(r.sq, p.sqOff[2])
	r.sqArray = unsafe.Pointer(&r.sq[p.sqOff[6]])
	r.cqHead, r.cqTail, r.cqMask = at(r.cq, p.cqOff[0]), at(r.cq, p.cqOff[1]), at(r.cq, p.cqOff[2])
	r.cqes = unsafe.Pointer(&r.cq[p.cqOff[5]])
	return r, nil
}

func (r *batchRing) close() {
	for _, m := range [][]byte{r.sq, r.cq, r.sqes} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	unix.Close(r.fd)
}

// readAll submits the reads, as many at a time as the ring holds, and
// waits for each, setting its result; it fails if the ring does.
func (r *batchRing) readAll(reads []*ringRead) error {
	for len(reads) > 0 {
		n := min(len(reads), r.entries)
		if err := r.readSome(reads[:n]); err != nil {
			return err
		}
		reads = reads[n:]
	}
	return nil
}

func (r *batchRing) readSome(reads []*ringRead) error {
	tail, mask := *r.sqTail, *r.sqMask // only this batch moves it
	for i, rd := range reads {
		idx := (tail + uint32(i)) & mask
		sqe := r.sqes[idx*64 : idx*64+64]
		clear(sqe)
		sqe[0] = ioringOpRead
		*(*int32)(unsafe.Pointer(&sqe[4])) = int32(rd.f.Fd())
		*(*uint64)(unsafe.Pointer(&sqe[8])) = uint64(rd.off)
		*(*uint64)(unsafe.Pointer(&sqe[16])) = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(rd.buf))))
		*(*uint32)(unsafe.Pointer(&sqe[24])) = uint32(len(rd.buf))
		*(*uint64)(unsafe.Pointer(&sqe[32])) = uint64(i)
		*(*uint32)(unsafe.Add(r.sqArray, 4*idx)) = idx
	}
	atomic.StoreUint32(r.sqTail, tail+uint32(len(reads)))
	toSubmit, left := len(reads), len(reads)
	for left > 0 {
		submitted, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(left), ioringEnterGetEvent, 0, 0)
		if errno == 0 {
			toSubmit -= int(submitted)
		} else if errno != unix.EINTR && errno != unix.EAGAIN && errno != unix.EBUSY {
			return fmt.Errorf("io_uring_enter: %w", errno)
		}
		head, ctail := *r.cqHead, atomic.LoadUint32(r.cqTail)
		for ; head != ctail; head++ {
			cqe := unsafe.Add(r.cqes, 16*(head&*r.cqMask))
			reads[*(*uint64)(cqe)].res = *(*int32)(unsafe.Add(cqe, 8))
			left--
		}
		atomic.StoreUint32(r.cqHead, head)
	}
	return nil
}

// ringReads makes reads of n bytes each from f at offs for a batchRing.
func ringReads(f *os.File, n int, offs []int64) []*ringRead {
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
			batchReads := ringReads(f, 4096, offs[:batch])
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
			batchReads := ringReads(f, 4096, make([]int64, batch))
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
