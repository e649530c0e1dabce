package memiavl

import (
	"errors"
	"sync/atomic"
)

// errRingPending ends a walk's step when it needs a page being read; the
// walk has been put among the page's waiters. It is passed up unwrapped
// (not a failure, and a ring's walks meet it at every page they wait
// for: wrapping it would cost an allocation each time).
var errRingPending = errors.New("the page is being read")

// KeyInTree is a key of one tree, for ReadAheadWritesTogether.
type KeyInTree struct {
	Tree *Tree
	Key  []byte
}

// ReadAheadThroughRing lets ReadAheadWritesTogether read through io_uring
// (where the kernel allows it); false has every caller walk keys one
// goroutine a key, as before (for comparisons).
var ReadAheadThroughRing = true

// ringReads counts the pages ReadAheadWritesTogether's walkers asked of
// the kernel (RingReads).
var ringReads atomic.Int64

// RingReads says how many pages the walks of ReadAheadWritesTogether
// asked of the kernel through io_uring since the process started.
func RingReads() int64 { return ringReads.Load() }
