//go:build linux

package memiavl

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ReadAheadRing has the read-ahead walks (ReadAhead, ReadAheadWrite) read
// through io_uring in batches instead of a preadv2 each. The walks in
// progress form one group; when every walk of the group waits on a read,
// the last one to ask submits all of their reads with one system call,
// waits for them together, and wakes the others. On the virtual machine
// of docs/state.md (BenchmarkCachedPageReads, BenchmarkColdPageReads) a
// cached 4 KiB read cost 2.5 µs of CPU with preadv2 and 0.9–1.1 µs in
// batches of 8–32; a read from the disk 17.5 µs parked and 4–6 µs in
// batches of 16–64. Where io_uring cannot be set up (a kernel without
// it, a sandbox refusing it) the walks read parked.
var ReadAheadRing = false

// ringRead is one read of a batch: into buf (heap memory: the kernel
// fills it while its reader is parked, and a parked goroutine's stack
// may move), from f at off.
type ringRead struct {
	f    *os.File
	buf  []byte
	off  int64
	res  int32
	done chan struct{}
	// lost: the kernel may still write buf (its ring failed with the
	// read in it), so the read is not used again.
	lost bool
}

var ringReadPool = sync.Pool{New: func() any { return &ringRead{done: make(chan struct{}, 1)} }}

// walkGroup is the walks in progress that read through the ring, and
// the reads they wait on.
type walkGroup struct {
	mu     sync.Mutex
	active int
	queued []*ringRead
}

var walks walkGroup

// ringBatches counts the batches read (the reads are nowaitCalls).
var ringBatches atomic.Int64

// ringsOK says whether io_uring could be set up here (tried once).
var (
	ringsOnce sync.Once
	ringsErr  error
	rings     = make(chan *batchRing, 64) // idle rings, one a batch in flight
)

func ringsAvailable() bool {
	ringsOnce.Do(func() {
		var r *batchRing
		if r, ringsErr = newBatchRing(); ringsErr == nil {
			rings <- r
		}
	})
	return ringsErr == nil
}

// joinWalks adds a walk to the group, when the walks read through the
// ring, and reports whether it did (the walk must then leave).
func joinWalks() bool {
	if !ReadAheadRing || !ringsAvailable() {
		return false
	}
	walks.mu.Lock()
	walks.active++
	walks.mu.Unlock()
	return true
}

// leaveWalks takes a walk out of the group; if every walk left waits on
// a read, their batch goes now.
func leaveWalks() {
	walks.mu.Lock()
	walks.active--
	batch := walks.full()
	walks.mu.Unlock()
	if batch != nil {
		readBatch(batch, nil)
	}
}

// full returns the queued reads, taking them, when every walk of the
// group waits on one (g.mu held).
func (g *walkGroup) full() []*ringRead {
	if len(g.queued) == 0 || len(g.queued) < g.active {
		return nil
	}
	batch := g.queued
	g.queued = nil
	return batch
}

// ringReadAt fills p from f at off in the group's next batch.
func ringReadAt(f *os.File, p []byte, off int64) (int, error) {
	nowaitCalls.Add(1)
	r := ringReadPool.Get().(*ringRead)
	defer func() {
		if !r.lost {
			ringReadPool.Put(r)
		}
	}()
	if cap(r.buf) < len(p) {
		r.buf = make([]byte, max(len(p), preadSpanSize))
	}
	r.f, r.buf, r.off = f, r.buf[:len(p)], off
	walks.mu.Lock()
	walks.queued = append(walks.queued, r)
	batch := walks.full()
	walks.mu.Unlock()
	if batch != nil {
		readBatch(batch, r)
	} else {
		<-r.done
	}
	r.f = nil
	if r.lost {
		return f.ReadAt(p, off)
	}
	if r.res < 0 {
		if errno := unix.Errno(-r.res); errno != unix.EAGAIN && errno != unix.EINTR {
			return 0, &os.PathError{Op: "read", Path: f.Name(), Err: errno}
		}
		return f.ReadAt(p, off) // asked to try again: read as pread would
	}
	n := int(r.res)
	copy(p, r.buf[:n])
	switch {
	case n == len(p):
		return n, nil
	case n == 0:
		return 0, io.EOF
	}
	m, err := f.ReadAt(p[n:], off+int64(n)) // the rest, as pread would
	return n + m, err
}

// readBatch reads the batch through an idle ring (a new one if none is
// idle) and wakes each reader but self.
func readBatch(batch []*ringRead, self *ringRead) {
	ringBatches.Add(1)
	var r *batchRing
	select {
	case r = <-rings:
	default:
		var err error
		if r, err = newBatchRing(); err != nil {
			for _, rd := range batch {
				rd.res = -int32(unix.EAGAIN) // read as pread would
			}
		}
	}
	if r != nil {
		if r.readAll(batch) {
			select {
			case rings <- r:
			default:
				r.close()
			}
		} // else left as it is: the kernel may still use it
	}
	for _, rd := range batch {
		if rd != self {
			rd.done <- struct{}{}
		}
	}
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
// waits for each, setting its result. It reports false if the ring
// failed: then the reads it could not finish ask to be read again
// (EAGAIN), and those the kernel may still hold are lost.
func (r *batchRing) readAll(reads []*ringRead) bool {
	for len(reads) > 0 {
		n := min(len(reads), r.entries)
		if !r.readSome(reads[:n]) {
			for _, rd := range reads[n:] {
				rd.res = -int32(unix.EAGAIN)
			}
			return false
		}
		reads = reads[n:]
	}
	return true
}

func (r *batchRing) readSome(reads []*ringRead) bool {
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
	reaped := make([]bool, len(reads))
	toSubmit, left := len(reads), len(reads)
	for left > 0 {
		submitted, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(left), ioringEnterGetEvent, 0, 0)
		if errno == 0 {
			toSubmit -= int(submitted)
		} else if errno != unix.EINTR && errno != unix.EAGAIN && errno != unix.EBUSY {
			// The ring failed: every read not yet answered is read
			// again as pread would, and those it may still hold are
			// not used again.
			for i, rd := range reads {
				if !reaped[i] {
					rd.res, rd.lost = -int32(unix.EAGAIN), true
				}
			}
			return false
		}
		head, ctail := *r.cqHead, atomic.LoadUint32(r.cqTail)
		for ; head != ctail; head++ {
			cqe := unsafe.Add(r.cqes, 16*(head&*r.cqMask))
			i := *(*uint64)(cqe)
			reads[i].res, reaped[i] = *(*int32)(unsafe.Add(cqe, 8)), true
			left--
		}
		atomic.StoreUint32(r.cqHead, head)
	}
	return true
}
