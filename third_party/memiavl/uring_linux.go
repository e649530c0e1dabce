//go:build linux

package memiavl

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioRing is the least of an io_uring that reads need: one owner at a
// time queues reads, submits them with one system call and reaps their
// answers; no registered files or buffers, no polling thread. No Go
// library for io_uring is served by the module proxy here, and the two
// system calls and three shared rings it takes are a few lines.
// Measured on the machine of docs/state.md's session 24: a 4 KiB read in
// the page cache costs 0.9–1.1 µs of CPU in batches of 8–32 against
// 2.5 µs with its own preadv2; out of the cache, 4–6 µs against 17.5 µs
// parked (uring_linux_test.go).
type ioRing struct {
	fd                     int
	sq, cq, sqes           []byte
	sqHead, sqTail, sqMask *uint32
	sqArray                unsafe.Pointer
	cqHead, cqTail, cqMask *uint32
	cqes                   unsafe.Pointer
	entries                uint32 // submission entries
	queued                 uint32 // queued and not yet submitted
	inFlight               int    // submitted and not yet reaped
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
	ioringOffCQRing     = 0x8000000
	ioringOffSQEs       = 0x10000000
	ioringOpRead        = 22
	ioringEnterGetEvent = 1
	ioringSetupCQSize   = 1 << 3
)

// newIORing sets up a ring of entries submissions and twice as many
// completions.
func newIORing(entries uint32) (*ioRing, error) {
	p := ringParams{flags: ioringSetupCQSize, cqEntries: 2 * entries}
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", errno)
	}
	r := &ioRing{fd: int(fd), entries: p.sqEntries}
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
	r.sqHead, r.sqTail, r.sqMask = at(r.sq, p.sqOff[0]), at(r.sq, p.sqOff[1]), at(r.sq, p.sqOff[2])
	r.sqArray = unsafe.Pointer(&r.sq[p.sqOff[6]])
	r.cqHead, r.cqTail, r.cqMask = at(r.cq, p.cqOff[0]), at(r.cq, p.cqOff[1]), at(r.cq, p.cqOff[2])
	r.cqes = unsafe.Pointer(&r.cq[p.cqOff[5]])
	return r, nil
}

func (r *ioRing) close() {
	for _, m := range [][]byte{r.sq, r.cq, r.sqes} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	unix.Close(r.fd)
}

// full says whether another read can be queued: the submission ring has
// room, and the reads in flight fit in the completion ring, one entry of
// each to spare.
func (r *ioRing) full() bool {
	waiting := *r.sqTail + r.queued - atomic.LoadUint32(r.sqHead)
	return waiting+1 >= r.entries || r.inFlight+int(waiting)+1 >= 2*int(r.entries)
}

// queue adds a read of len(buf) bytes from fd at off, answered with tag;
// the caller checks full first. buf must stay untouched until the answer
// is reaped: the kernel writes it meanwhile.
func (r *ioRing) queue(fd int, buf []byte, off int64, tag uint64) {
	idx := (*r.sqTail + r.queued) & *r.sqMask
	sqe := r.sqes[idx*64 : idx*64+64]
	clear(sqe)
	sqe[0] = ioringOpRead
	*(*int32)(unsafe.Pointer(&sqe[4])) = int32(fd)
	*(*uint64)(unsafe.Pointer(&sqe[8])) = uint64(off)
	*(*uint64)(unsafe.Pointer(&sqe[16])) = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	*(*uint32)(unsafe.Pointer(&sqe[24])) = uint32(len(buf))
	*(*uint64)(unsafe.Pointer(&sqe[32])) = tag
	*(*uint32)(unsafe.Add(r.sqArray, 4*idx)) = idx
	r.queued++
}

// enter submits the queued reads and, with wait, waits until at least
// one answer is there to reap. A submission the kernel puts off (EAGAIN,
// EBUSY) while answers wait stays in the ring for the next enter.
func (r *ioRing) enter(wait bool) error {
	tail := *r.sqTail + r.queued
	atomic.StoreUint32(r.sqTail, tail)
	r.queued = 0
	for {
		toSubmit := tail - atomic.LoadUint32(r.sqHead)
		minComplete, flags := uintptr(0), uintptr(0)
		if wait && atomic.LoadUint32(r.cqTail) == *r.cqHead {
			minComplete, flags = 1, ioringEnterGetEvent
		}
		if toSubmit == 0 && minComplete == 0 {
			return nil
		}
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), minComplete, flags, 0, 0)
		switch {
		case errno == 0:
			r.inFlight += int(n)
		case errno == unix.EINTR || errno == unix.EAGAIN || errno == unix.EBUSY:
			if atomic.LoadUint32(r.cqTail) != *r.cqHead {
				return nil
			}
		default:
			return fmt.Errorf("io_uring_enter: %w", errno)
		}
	}
}

// reap hands every answer there is to fn: its tag, and the bytes read or
// minus an errno.
func (r *ioRing) reap(fn func(tag uint64, res int32)) {
	head, tail := *r.cqHead, atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		cqe := unsafe.Add(r.cqes, 16*(head&*r.cqMask))
		fn(*(*uint64)(cqe), *(*int32)(unsafe.Add(cqe, 8)))
		r.inFlight--
	}
	atomic.StoreUint32(r.cqHead, head)
}
