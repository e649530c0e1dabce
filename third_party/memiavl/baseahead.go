package memiavl

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reading the base ahead of a whole rewrite.
//
// A whole rewrite reads every live node of the tree, most of them from its
// base snapshot, whose files hold them in key order. The snapshot's
// mappings are advised for random reads (a block's reads are), so each
// page of the base the page cache lacks came in as its own fault, one at a
// time: at 10M parcels the rewrite of the high tree made about 6 faults a
// transfer for 40 s, every one of them waiting for the disk. And each page
// it brought in pushed a page of the running state out.
//
// baseAhead follows the writer through the base: it asks the kernel to
// read each file's next stretch ahead of the writer's position (the share
// of leaves written, applied to each file), in large reads, and once the
// writer is past a stretch it marks cold (MADV_COLD) the pages that were
// not in the page cache before: the kernel reclaims those first, so the
// rewrite leaves the running state's pages where they were.

// baseAheadWindow is how far ahead of the writer each file of the base is
// read, layerAheadWindow each file of a layer; baseAheadChunk the most
// asked for at once.
//
// The layers are read too: the writer reads every live node of the
// chain's layers, in key order as each layer's files hold them, and its
// read-ahead (writeahead.go) read them a record at a time with pread, at
// 10M parcels 8.4 of the 36.6 CPU-seconds of a pass during the high
// tree's whole rewrite (docs/state.md, session 31). A layer's files are
// smaller (tens of megabytes each), so their window is too.
const (
	baseAheadWindow  = 256 << 20
	layerAheadWindow = 16 << 20
	baseAheadChunk   = 32 << 20
)

// baseAhead reads a chain's files ahead of a writer; start it with
// startBaseAhead and end it with stop.
type baseAhead struct {
	files    [][]byte
	windows  []int // how far ahead of the writer each file is read
	leaves   uint32
	progress atomic.Uint32 // leaves written
	stop     func()
	// what it did: bytes asked ahead, and bytes it found not in the
	// page cache and marked cold behind the writer
	asked, cooled int64
}

// startBaseAhead starts reading the files of chain (a base and its
// layers) ahead of a writer that writes a tree of leaves leaves; nil when
// there is nothing to read.
func startBaseAhead(chain []*Snapshot, leaves uint32) *baseAhead {
	if len(chain) == 0 || chain[0] == nil || chain[0].IsEmpty() || leaves == 0 || !baseAheadSupported {
		return nil
	}
	a := &baseAhead{leaves: leaves}
	for i, s := range chain {
		window := baseAheadWindow
		if i > 0 {
			window = layerAheadWindow
		}
		for _, f := range [][]byte{s.nodes, s.leaves, s.kvs, s.branchKeys, s.branchIndex} {
			if len(f) > 0 {
				a.files = append(a.files, f)
				a.windows = append(a.windows, window)
			}
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	first := make(chan struct{})
	go func() {
		defer wg.Done()
		a.run(first, done)
	}()
	<-first // the first window asked before the writer reads anything
	a.stop = sync.OnceFunc(func() { close(done); wg.Wait() })
	return a
}

// wrote records the writer's progress: leaves written so far.
func (a *baseAhead) wrote(leaves uint32) {
	if a != nil {
		a.progress.Store(leaves)
	}
}

// end stops the reading and marks cold what is left of the stretches it
// read.
func (a *baseAhead) end() {
	if a != nil {
		a.stop()
	}
}

func (a *baseAhead) run(first chan<- struct{}, done <-chan struct{}) {
	type stretch struct {
		file, start, end int // bytes of files[file]
		cold             []span
	}
	ahead := make([]int, len(a.files)) // each file's end asked so far
	var behind []stretch               // asked, not yet passed
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for round := 0; ; round++ {
		finished := false
		if round > 0 {
			select {
			case <-done:
				finished = true
			case <-tick.C:
			}
		}
		share := float64(a.progress.Load()) / float64(a.leaves)
		if finished {
			share = 2 // everything is behind
		}
		kept := behind[:0]
		for _, s := range behind {
			if float64(s.end) <= share*float64(len(a.files[s.file])) {
				for _, c := range s.cold {
					a.cooled += int64(c.end - c.start)
					adviseCold(a.files[s.file][c.start:c.end])
				}
				continue
			}
			kept = append(kept, s)
		}
		behind = kept
		if finished {
			return
		}
		for i, f := range a.files {
			target := min(len(f), int(share*float64(len(f)))+a.windows[i])
			for ahead[i] < target {
				end := min(len(f), ahead[i]+min(baseAheadChunk, a.windows[i]))
				chunk := f[ahead[i]:end]
				behind = append(behind, stretch{file: i, start: ahead[i], end: end, cold: offsetSpans(notResident(chunk), ahead[i])})
				willNeed(chunk)
				a.asked += int64(len(chunk))
				ahead[i] = end
			}
		}
		if round == 0 {
			close(first)
		}
	}
}

// span is a stretch of bytes [start, end).
type span struct{ start, end int }

func offsetSpans(spans []span, by int) []span {
	for i := range spans {
		spans[i].start += by
		spans[i].end += by
	}
	return spans
}
