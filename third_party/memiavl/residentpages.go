package memiavl

import (
	"sync"
	"sync/atomic"
	"time"
)

// residentPages remembers which pages of a mapped file a walk read with
// pread in the last few seconds, so that later walks take those pages
// through the map instead of asking the kernel again. A read ahead asks
// the page cache for each page it walks; at 10M parcels in 8 GiB about
// 125 such reads a transfer, of which the cache answered all but about 17
// at once: the system call copied bytes the process could have read
// itself. On this project's virtual machines a pread of a cached page
// costs about 3 µs of CPU, a page's first touch through the map (a minor
// fault) about 2.6 µs and every touch after that, while the page stays
// mapped, about 0.04 µs. A page read with pread seconds ago is in the
// page cache (the kernel evicts the pages least recently used, and the
// cache turns over in tens of seconds there); should it have left, the
// touch is a page fault that waits for the disk, as a read through the
// map always did.
//
// Two bitmaps, one bit a page: the pages read in the current epoch and
// in the one before (residentEpoch each). An epoch's start clears the
// bitmap of the epoch before last, so a page counts as read recently
// between one and two epochs after its pread.
type residentPages struct {
	bits  [2][]atomic.Uint64
	epoch atomic.Int64
	turn  sync.Mutex // one goroutine starts an epoch
}

// residentEpoch is how long a page read with pread counts as resident
// (between one and two of it).
const residentEpoch = 4 * time.Second

// readAheadThroughMap, cleared by benchmarks, reads every page of a walk
// with pread as before residentPages.
var readAheadThroughMap = true

func newResidentPages(size int) *residentPages {
	pages := (size + preadSpanSize - 1) / preadSpanSize
	words := (pages + 63) / 64
	r := &residentPages{}
	r.bits[0] = make([]atomic.Uint64, words)
	r.bits[1] = make([]atomic.Uint64, words)
	r.epoch.Store(epochNow())
	return r
}

// epochNow is the current epoch (a variable for tests).
var epochNow = func() int64 { return time.Now().UnixNano() / int64(residentEpoch) }

// forget clears what r remembers: the file's pages were dropped from the
// page cache.
func (r *residentPages) forget() {
	r.turn.Lock()
	defer r.turn.Unlock()
	for _, bits := range r.bits {
		for i := range bits {
			bits[i].Store(0)
		}
	}
}

// current is the epoch now, the bitmaps turned to it.
func (r *residentPages) current() int64 {
	now := epochNow()
	if e := r.epoch.Load(); now <= e {
		return e
	}
	r.turn.Lock()
	defer r.turn.Unlock()
	e := r.epoch.Load()
	if now <= e {
		return e
	}
	// The bitmap of epoch now-2 becomes now's; where more than an epoch
	// passed, the other one too is older than the window.
	clear := []int64{now}
	if now-e >= 2 {
		clear = append(clear, now-1)
	}
	for _, c := range clear {
		for i := range r.bits[c&1] {
			r.bits[c&1][i].Store(0)
		}
	}
	r.epoch.Store(now)
	return now
}

// recent reports whether every page of [off, end) was read in this epoch
// or the one before.
func (r *residentPages) recent(off, end int64) bool {
	e := r.current()
	cur, prev := r.bits[e&1], r.bits[(e-1)&1]
	for page := off / preadSpanSize; page <= (end-1)/preadSpanSize; page++ {
		word, bit := page/64, uint64(1)<<(page%64)
		if cur[word].Load()&bit == 0 && prev[word].Load()&bit == 0 {
			return false
		}
	}
	return true
}

// read records that the pages of [off, end) were read now.
func (r *residentPages) read(off, end int64) {
	cur := r.bits[r.current()&1]
	for page := off / preadSpanSize; page <= (end-1)/preadSpanSize; page++ {
		word, bit := page/64, uint64(1)<<(page%64)
		if v := cur[word].Load(); v&bit == 0 {
			for !cur[word].CompareAndSwap(v, v|bit) {
				if v = cur[word].Load(); v&bit != 0 {
					break
				}
			}
		}
	}
}

// readMapped fills p from m's map at off if a walk read those pages with
// pread recently (residentPages), and reports whether it did.
func (m *MmapFile) readMapped(p []byte, off int64) bool {
	end := off + int64(len(p))
	if !readAheadThroughMap || m.resident == nil || len(p) == 0 || off < 0 || end > int64(len(m.data)) || !m.resident.recent(off, end) {
		return false
	}
	copy(p, m.data[off:end])
	return true
}

// readWithPread records that [off, off+n) of m's file was read with pread.
func (m *MmapFile) readWithPread(off int64, n int) {
	if m.resident != nil && n > 0 && off >= 0 && off+int64(n) <= int64(len(m.data)) {
		m.resident.read(off, off+int64(n))
	}
}
