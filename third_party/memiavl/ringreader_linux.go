//go:build linux

package memiavl

import (
	"errors"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A RingReader reads keys ahead for goroutines that ask one key at a
// time (a block's transactions run ahead of it): each asking goroutine
// waits while one walker goroutine drives every key's walk through an
// io_uring, as ReadAheadWritesTogether does for keys known together. The
// reads of all the walks under way go to the kernel in one system call,
// and a page is read once while the reader is open, for every key whose
// way passes it. The walker sleeps in io_uring_enter; a key asked while
// it sleeps wakes it through an eventfd whose read it keeps in the ring.
//
// The trees must not change while a RingReader is open: Close it first.
type RingReader struct {
	rw       *ringWalker
	efd      int
	mu       sync.Mutex
	inbox    []*ringRequest
	closing  bool
	dead     bool // the walker has stopped: keys are read by their callers
	sleeping atomic.Bool
	stopped  chan struct{}
}

// ringRequest is one key asked of a RingReader.
type ringRequest struct {
	tree  *Tree
	key   []byte
	value []byte
	err   error
	done  chan struct{}
}

var ringRequests = sync.Pool{New: func() any { return &ringRequest{done: make(chan struct{}, 1)} }}

// eventTag answers the walker's read of its eventfd.
const eventTag = ^uint64(0)

// NewRingReader starts a reader, or returns nil where io_uring is not
// available: the caller then reads with Tree.ReadAheadForWrite.
func NewRingReader() *RingReader {
	rw := getRingWalker()
	if rw == nil {
		return nil
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		putRingWalker(rw, false)
		return nil
	}
	r := &RingReader{rw: rw, efd: efd, stopped: make(chan struct{})}
	go r.serve()
	return r
}

// ReadAheadForWrite is t.ReadAheadForWrite(key) with its walk driven by
// the reader's walker.
func (r *RingReader) ReadAheadForWrite(t *Tree, key []byte) ([]byte, error) {
	req := ringRequests.Get().(*ringRequest)
	req.tree, req.key = t, key
	r.mu.Lock()
	if r.dead {
		r.mu.Unlock()
		ringRequests.Put(req)
		return t.ReadAheadForWrite(key)
	}
	r.inbox = append(r.inbox, req)
	r.mu.Unlock()
	r.wake()
	<-req.done
	value, err := req.value, req.err
	*req = ringRequest{done: req.done}
	ringRequests.Put(req)
	if err == errRingBroken {
		return t.ReadAheadForWrite(key)
	}
	return value, err
}

// errRingBroken answers the keys asked when the ring failed.
var errRingBroken = errors.New("read-ahead ring failed")

func (r *RingReader) wake() {
	if r.sleeping.Swap(false) {
		unix.Write(r.efd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// Close waits for the keys asked to be answered and stops the walker.
func (r *RingReader) Close() {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.sleeping.Store(true)
	r.wake()
	<-r.stopped
}

func (r *RingReader) serve() {
	rw := r.rw
	defer close(r.stopped)
	rw.reset()
	var free []int32
	for slot := int32(ringWalksAtOnce) - 1; slot >= 0; slot-- {
		free = append(free, slot)
	}
	var queue []*ringRequest
	active := 0
	armed, broken := false, false
	for {
		r.mu.Lock()
		queue = append(queue, r.inbox...)
		clear(r.inbox)
		r.inbox = r.inbox[:0]
		closing := r.closing
		r.mu.Unlock()
		for {
			for len(queue) > 0 && len(free) > 0 {
				slot := free[len(free)-1]
				free = free[:len(free)-1]
				req := queue[0]
				queue = queue[1:]
				rw.walks[slot] = ringWalk{tree: req.tree, key: req.key, req: req, nextWaiter: -1}
				rw.ready = append(rw.ready, slot)
				active++
			}
			if len(rw.ready) == 0 {
				break
			}
			slot := rw.ready[len(rw.ready)-1]
			rw.ready = rw.ready[:len(rw.ready)-1]
			if rw.step(slot) {
				continue
			}
			req := rw.walks[slot].req
			rw.walks[slot] = ringWalk{nextWaiter: -1}
			req.done <- struct{}{}
			free = append(free, slot)
			active--
		}
		if closing && active == 0 && len(queue) == 0 {
			break
		}
		if !armed {
			rw.ring.queue(r.efd, rw.event[:], 0, eventTag)
			armed = true
		}
		rw.submitBacklog()
		// Sleep only with nothing asked since the inbox was taken: a key
		// asked after the flag is set writes the eventfd.
		r.sleeping.Store(true)
		r.mu.Lock()
		wait := len(r.inbox) == 0 && !r.closing
		r.mu.Unlock()
		if !wait {
			r.sleeping.Store(false)
		}
		if err := rw.ring.enter(wait); err != nil {
			broken = true
			break
		}
		rw.ring.reap(func(tag uint64, res int32) {
			if tag == eventTag {
				armed = false
				r.sleeping.Store(false)
				return
			}
			rw.answered(tag, res)
		})
	}
	// The eventfd's read is still in the ring: answer it before the walker
	// and its pages go back to the pool.
	for armed && !broken {
		unix.Write(r.efd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		if err := rw.ring.enter(true); err != nil {
			broken = true
			break
		}
		rw.ring.reap(func(tag uint64, res int32) {
			if tag == eventTag {
				armed = false
			} else {
				rw.answered(tag, res)
			}
		})
	}
	// Keys still asked when the ring broke (or asked as it closed) are
	// read by their callers.
	r.mu.Lock()
	r.dead = true
	r.mu.Unlock()
	for _, req := range append(queue, r.walksAsked()...) {
		req.err = errRingBroken
		req.done <- struct{}{}
	}
	unix.Close(r.efd)
	putRingWalker(rw, broken)
}

// walksAsked are the requests of the walks under way.
func (r *RingReader) walksAsked() []*ringRequest {
	var reqs []*ringRequest
	for i := range r.rw.walks {
		if req := r.rw.walks[i].req; req != nil {
			reqs = append(reqs, req)
			r.rw.walks[i].req = nil
		}
	}
	r.mu.Lock()
	reqs = append(reqs, r.inbox...)
	r.inbox = nil
	r.mu.Unlock()
	return reqs
}
