package memiavl

import (
	"io"
	"os"
	"sync"
)

// preadSpanSize is how much of a snapshot file a walk reads at once.
const preadSpanSize = 4096

// The files a walk reads, each with its own span.
const (
	spanNodes = iota
	spanBranchIndex
	spanBranchKeys
	spanLeaves
	spanKVs
	spanFiles
)

// preadSpans keeps, for one walk down a snapshot, the span of each file it
// read last. A snapshot lies in post-order, so the bottom levels of a walk
// (their branch records, key offsets and keys) and a leaf beside its
// sibling share a few pages: reading a page's span once, instead of each
// record with its own pread, takes about a system call a file for the
// levels below the held upper branches instead of one a level and a file.
// One walk, one goroutine; a nil *preadSpans reads each record with its own
// pread.
type preadSpans struct {
	spans [spanFiles]fileSpan
	ring  *ringWalker // a walk driven by a ringWalker reads its pages
}

type fileSpan struct {
	file *os.File
	off  int64
	n    int
	buf  [preadSpanSize]byte
}

var preadSpansPool = sync.Pool{New: func() any { return new(preadSpans) }}

// newPreadSpans returns an empty set of spans for a walk; done gives it
// back. The spans are emptied, not only their bytes kept: a file closed
// since could share a new one's address.
func newPreadSpans() *preadSpans {
	if readAheadWithoutSpans {
		return nil
	}
	w := preadSpansPool.Get().(*preadSpans)
	for i := range w.spans {
		w.spans[i].file = nil
	}
	return w
}

// walkRead fills p from f at off for readAt, waiting for the disk parked
// (readParked).
func walkRead(f *os.File, p []byte, off int64) (int, error) {
	if walkReadHook != nil {
		walkReadHook(f, off, len(p))
	}
	if readAheadWaitsInPread {
		return f.ReadAt(p, off)
	}
	return readParked(f, p, off)
}

func (w *preadSpans) done() {
	if w != nil {
		preadSpansPool.Put(w)
	}
}

// walkReadHook, set by tests, is told of every read a walk asks of the
// kernel (a ringWalker's pages among them).
var walkReadHook func(f *os.File, off int64, n int)

// readAheadWaitsInPread, set by benchmarks, has the walks wait for the
// disk in pread instead of parked (readParked).
var readAheadWaitsInPread bool

// readAheadWithoutSpans, set by BenchmarkReadAheadCold, reads each record
// with its own pread (a branch key's length and bytes apart).
var readAheadWithoutSpans bool

// readAt fills p from f at off, from kind's span when it holds those
// bytes, else reading a new span: the page holding off (from off itself
// when p runs past that page). A p longer than half a span is read on its
// own.
func (w *preadSpans) readAt(kind int, f *os.File, p []byte, off int64) error {
	if w != nil && w.ring != nil {
		return w.ring.readAt(f, p, off)
	}
	if w == nil || len(p) > preadSpanSize/2 {
		_, err := walkRead(f, p, off)
		return err
	}
	sp := &w.spans[kind]
	end := off + int64(len(p))
	if sp.file == f && off >= sp.off && end <= sp.off+int64(sp.n) {
		copy(p, sp.buf[off-sp.off:])
		return nil
	}
	start := off &^ (preadSpanSize - 1)
	if end > start+preadSpanSize {
		start = off
	}
	n, err := walkRead(f, sp.buf[:], start)
	if end > start+int64(n) { // short of p: the file's end or an error
		sp.file = nil
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	sp.file, sp.off, sp.n = f, start, n
	copy(p, sp.buf[off-start:])
	return nil
}
