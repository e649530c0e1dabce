//go:build linux

package memiavl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// The walks of ReadAheadWritesTogether: many keys' walks driven by one
// goroutine through one io_uring, each walk a small state (where it is
// on its way down) that stops when it needs a page not read yet and goes
// on when the page has come. Reads are issued together as the walks need
// them, without a goroutine, a timer or a system call for each, and a
// page two walks need is read once.
const (
	ringPageSize    = 4096
	ringWalksAtOnce = 128 // walks under way in a walker
)

// ringShortAnswers, set by tests, takes every answer as half as long as
// it was (what a ring may answer).
var ringShortAnswers bool

// Tests make them small.
var (
	ringWalkPages = 4096 // the pages a walker holds: 16 MiB, reused
	ringEntries   = 256  // reads a walker submits at once
)

type ringPageKey struct {
	f   *os.File
	off int64
}

type ringPage struct {
	key     ringPageKey
	n       int32 // bytes read, or minus an errno
	pending bool  // being read
	reread  bool  // read again with pread after a short answer
	used    bool  // read from since the clock hand last passed
	waiters int32 // the first walk waiting for it, or -1
}

// ringWalk is one key's walk: where it is on the way down.
type ringWalk struct {
	tree       *Tree
	key        []byte
	req        *ringRequest // a RingSession's read (its value wanted), or nil for a write's walk
	node       PersistedNode
	depth      int
	stage      uint8 // ringWalkStart, ringWalkDescend or ringWalkLeaf
	nextWaiter int32 // the next walk waiting for the same page, or -1
}

const (
	ringWalkStart = iota
	ringWalkDescend
	ringWalkLeaf
)

// ringWalker drives walks through its ring. One goroutine at a time.
type ringWalker struct {
	ring    *ioRing
	slab    []byte // the pages' bytes, ringPageSize each
	pages   []ringPage
	table   ringTable
	free    []int32
	hand    int
	backlog []int32 // pages to read once the ring has room
	walks   [ringWalksAtOnce]ringWalk
	ready   []int32 // walks to step
	cur     int32   // the walk stepping
	waiting bool    // the step ended waiting for a page
	spans   preadSpans
}

func newRingWalker() (*ringWalker, error) {
	r, err := newIORing(uint32(ringEntries))
	if err != nil {
		return nil, err
	}
	rw := &ringWalker{
		ring:  r,
		slab:  make([]byte, ringWalkPages*ringPageSize),
		pages: make([]ringPage, ringWalkPages),
		table: newRingTable(ringWalkPages),
	}
	rw.spans.ring = rw
	return rw, nil
}

// reset forgets every page: files may have closed since the last batch,
// and a new one could have an old one's address.
func (rw *ringWalker) reset() {
	rw.table.clear()
	rw.free = rw.free[:0]
	for i := len(rw.pages) - 1; i >= 0; i-- {
		rw.pages[i] = ringPage{waiters: -1}
		rw.free = append(rw.free, int32(i))
	}
	rw.backlog = rw.backlog[:0]
	rw.ready = rw.ready[:0]
}

// run walks keys' writes (ReadAheadWrite for each), ringWalksAtOnce at a
// time. An error is the ring's: the walks still under way are dropped,
// and the walker must not be used again (reads may still land in its
// pages).
func (rw *ringWalker) run(keys []KeyInTree) error {
	rw.reset()
	next, active := 0, 0
	start := func(slot int32) {
		rw.walks[slot] = ringWalk{tree: keys[next].Tree, key: keys[next].Key, nextWaiter: -1}
		rw.ready = append(rw.ready, slot)
		next++
		active++
	}
	for slot := int32(0); slot < ringWalksAtOnce && next < len(keys); slot++ {
		start(slot)
	}
	for active > 0 {
		for len(rw.ready) > 0 {
			slot := rw.ready[len(rw.ready)-1]
			rw.ready = rw.ready[:len(rw.ready)-1]
			if rw.step(slot) {
				continue // waiting for a page
			}
			active--
			if next < len(keys) {
				start(slot)
			}
		}
		if active == 0 {
			break
		}
		rw.submitBacklog()
		if err := rw.ring.enter(true); err != nil {
			return err
		}
		rw.ring.reap(rw.answered)
	}
	return nil
}

// step takes walk slot as far as the pages read allow; it reports
// whether the walk waits for a page (else it has ended, read ahead or
// failed: a read-ahead's failure is the write's to meet and report).
func (rw *ringWalker) step(slot int32) (waits bool) {
	k := &rw.walks[slot]
	// A snapshot file cut short under the map faults in the mapped levels:
	// this walk ends, the write meets the fault and reports it (a read's
	// caller gets the error).
	defer func() {
		if p := recover(); p != nil {
			waits = false
			if k.req != nil {
				k.req.err = fmt.Errorf("read ahead %q: %v", k.key, p)
			}
		}
	}()
	rw.cur, rw.waiting = slot, false
	w := &rw.spans
	if k.stage == ringWalkStart {
		node, depth := k.tree.memDescend(k.key)
		n, ok := node.(PersistedNode)
		if !ok {
			if k.req != nil {
				k.req.value, k.req.err = valueAbove(node, k.key)
			}
			return false
		}
		k.node, k.depth, k.stage = n, depth, ringWalkDescend
	}
	for k.stage == ringWalkDescend {
		if k.node.isLeaf {
			k.stage = ringWalkLeaf
			break
		}
		next, stop, err := k.node.descendStep(w, k.key, k.depth, 0, preadRecordKept)
		if err != nil || stop {
			return rw.ended(k, err)
		}
		k.node = next
		k.depth++
	}
	if k.req == nil {
		_, _, err := k.node.snapshot.preadLeafHead(w, k.node, nil, true)
		return rw.ended(k, err)
	}
	value, err := k.node.snapshot.preadLeafValue(w, k.node, k.key)
	if err == nil {
		k.req.value = value
	}
	return rw.ended(k, err)
}

// ended says whether walk k waits for a page, and otherwise keeps a
// read's failure for its caller.
func (rw *ringWalker) ended(k *ringWalk, err error) bool {
	if rw.waiting {
		return true
	}
	if k.req != nil && err != nil {
		k.req.err = err
	}
	return false
}

// readAt fills p from f at off from the walker's pages, or asks for the
// pages it lacks and puts the stepping walk among the waiters of the
// first of them (errRingPending).
func (rw *ringWalker) readAt(f *os.File, p []byte, off int64) error {
	end := off + int64(len(p))
	wait := int32(-1)
	for pg := off &^ (ringPageSize - 1); pg < end; pg += ringPageSize {
		i, ok := rw.table.get(ringPageKey{f, pg})
		if !ok {
			if i, ok = rw.fetch(f, pg); !ok {
				return errors.New("read-ahead: every page of the walker is being read")
			}
		}
		page := &rw.pages[i]
		page.used = true
		if page.pending {
			if wait < 0 {
				wait = i
			}
			continue
		}
		if wait >= 0 {
			continue
		}
		from, to := max(off, pg), min(end, pg+int64(page.n))
		if (page.n < 0 || to < min(end, pg+ringPageSize)) && !page.reread {
			// A failed or short answer where bytes are wanted past it (a
			// ring may answer a read in part): the page is read again
			// here, once, with pread.
			page.reread = true
			n, err := f.ReadAt(rw.slab[int64(i)*ringPageSize:][:ringPageSize], pg)
			page.n = int32(n)
			if err != nil && err != io.EOF {
				page.n = -int32(syscall.EIO)
				if errno, ok := errors.Unwrap(err).(syscall.Errno); ok {
					page.n = -int32(errno)
				}
			}
			to = min(end, pg+int64(page.n))
		}
		if page.n < 0 {
			return &os.PathError{Op: "read", Path: f.Name(), Err: syscall.Errno(-page.n)}
		}
		if to < min(end, pg+ringPageSize) {
			return io.ErrUnexpectedEOF
		}
		copy(p[from-off:to-off], rw.slab[int64(i)*ringPageSize+(from-pg):])
	}
	if wait < 0 {
		return nil
	}
	rw.walks[rw.cur].nextWaiter = rw.pages[wait].waiters
	rw.pages[wait].waiters = rw.cur
	rw.waiting = true
	return errRingPending
}

// fetch takes a page for f's bytes at off (a free one, or the clock's
// pick among those read) and asks for them.
func (rw *ringWalker) fetch(f *os.File, off int64) (int32, bool) {
	i := int32(-1)
	if n := len(rw.free); n > 0 {
		i = rw.free[n-1]
		rw.free = rw.free[:n-1]
	} else {
		for range 2 * len(rw.pages) {
			page := &rw.pages[rw.hand]
			at := rw.hand
			rw.hand = (rw.hand + 1) % len(rw.pages)
			if page.pending {
				continue
			}
			if page.used {
				page.used = false
				continue
			}
			rw.table.delete(page.key)
			i = int32(at)
			break
		}
		if i < 0 {
			return 0, false
		}
	}
	rw.pages[i] = ringPage{key: ringPageKey{f, off}, pending: true, waiters: -1}
	rw.table.put(rw.pages[i].key, i)
	if rw.ring.full() {
		rw.backlog = append(rw.backlog, i)
	} else {
		rw.submit(i)
	}
	return i, true
}

// submitBacklog queues the pages that waited for room in the ring, as
// many as it now has room for.
func (rw *ringWalker) submitBacklog() {
	for len(rw.backlog) > 0 && !rw.ring.full() {
		i := rw.backlog[len(rw.backlog)-1]
		rw.backlog = rw.backlog[:len(rw.backlog)-1]
		rw.submit(i)
	}
}

func (rw *ringWalker) submit(i int32) {
	key := rw.pages[i].key
	rw.ring.queue(int(key.f.Fd()), rw.slab[int64(i)*ringPageSize:][:ringPageSize], key.off, uint64(i))
	ringReads.Add(1)
	if walkReadHook != nil {
		walkReadHook(key.f, key.off, ringPageSize)
	}
}

// answered takes page i's answer and readies its waiters.
func (rw *ringWalker) answered(tag uint64, res int32) {
	if ringShortAnswers && res > 1 {
		res /= 2
	}
	page := &rw.pages[tag]
	page.pending, page.n = false, res
	for w := page.waiters; w >= 0; {
		next := rw.walks[w].nextWaiter
		rw.walks[w].nextWaiter = -1
		rw.ready = append(rw.ready, w)
		w = next
	}
	page.waiters = -1
}

// The walkers, kept between batches: a ring and 16 MiB of pages each.
var ringWalkers struct {
	sync.Mutex
	free    []*ringWalker
	broken  []*ringWalker // kept from the collector: reads may land in them
	refused bool          // io_uring is not available here
}

func getRingWalker() *ringWalker {
	ringWalkers.Lock()
	defer ringWalkers.Unlock()
	if n := len(ringWalkers.free); n > 0 {
		rw := ringWalkers.free[n-1]
		ringWalkers.free = ringWalkers.free[:n-1]
		return rw
	}
	if ringWalkers.refused {
		return nil
	}
	rw, err := newRingWalker()
	if err != nil {
		ringWalkers.refused = true
		return nil
	}
	return rw
}

func putRingWalker(rw *ringWalker, broken bool) {
	ringWalkers.Lock()
	defer ringWalkers.Unlock()
	if broken {
		ringWalkers.broken = append(ringWalkers.broken, rw)
	} else {
		ringWalkers.free = append(ringWalkers.free, rw)
	}
}

// ReadAheadWritesTogether reads ahead what ReadAheadWrite reads for each
// key in its tree, the walks of walkers goroutines driven each through
// its own io_uring (each walker takes a run of keys in their order: keys
// sorted share the pages of their ways down). It reports false, having
// read nothing, where io_uring is not available or not wanted
// (ReadAheadThroughRing); the caller then walks the keys with
// ReadAheadWrite. The same rules as ReadAheadWrite's: the trees must not
// change meanwhile.
func ReadAheadWritesTogether(keys []KeyInTree, walkers int) bool {
	if !ReadAheadThroughRing {
		return false
	}
	walkers = max(1, min(walkers, (len(keys)+ringWalksAtOnce-1)/ringWalksAtOnce))
	var got []*ringWalker
	for range walkers {
		rw := getRingWalker()
		if rw == nil {
			break
		}
		got = append(got, rw)
	}
	if len(got) == 0 {
		return false
	}
	var wg sync.WaitGroup
	for i, rw := range got {
		part := keys[i*len(keys)/len(got) : (i+1)*len(keys)/len(got)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := rw.run(part)
			putRingWalker(rw, err != nil)
		}()
	}
	wg.Wait()
	return true
}
