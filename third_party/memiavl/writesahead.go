package memiavl

import (
	"bytes"
	"errors"
	"sync"
)

// errWouldBlock is a read that the page cache could not answer without
// waiting for the disk (preadSpans.nowait); the read has been begun.
var errWouldBlock = errors.New("the bytes are not in the page cache yet")

// ReadAheadWrites reads ahead what setting or deleting each of keys will
// read, as ReadAheadWrite does key by key, without a thread waiting on
// each disk read: every key's walk goes down its path as far as the page
// cache holds it, and where it does not, the read of the page it needs is
// begun (readNowait) and the walk set aside; once every walk has been
// taken as far as it goes, the ones set aside go on from where they
// stopped, their pages read meanwhile. Reads of the pages a walk only
// brings into the cache (the other child of each branch, the leaf's
// key-value record) are begun and not waited for. The walks are shared
// among `workers` goroutines, each taking every workers-th key.
//
// A block's writes at 10M parcels are about 8,000 keys; sixteen goroutines
// each waiting in pread took 120–200 µs of a transfer's wall time and 16 %
// of the node's CPU (docs/state.md). The same rules as ReadAheadWrite's:
// the tree must not change meanwhile. Errors other than waiting end a
// walk, as ReadAheadWrite's caller ignores them: reading ahead is a hint.
func (t *Tree) ReadAheadWrites(keys [][]byte, workers int) {
	workers = max(1, min(workers, len(keys)))
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.readAheadWritesFrom(keys, g, workers)
		}()
	}
	wg.Wait()
}

// writeWalk is one key's walk of ReadAheadWrites: where it is, and
// whether it is at the leaf.
type writeWalk struct {
	key   []byte
	node  PersistedNode
	depth int
	// other is a packed leaf beside the path whose record is still to be
	// read: its key-value record is found by its offset, which must be
	// read first
	other        PersistedNode
	otherPending bool
}

func (t *Tree) readAheadWritesFrom(keys [][]byte, first, every int) {
	var walks []writeWalk
	for i := first; i < len(keys); i += every {
		node, depth := t.memDescend(keys[i])
		if n, ok := node.(PersistedNode); ok {
			walks = append(walks, writeWalk{key: keys[i], node: n, depth: depth})
		}
	}
	w := newPreadSpans()
	defer w.done()
	for len(walks) > 0 {
		w.nowait = true
		waiting, moved := walks[:0], false
		for i := range walks {
			w.reset()
			was := walks[i].node
			if errors.Is(walks[i].step(w), errWouldBlock) {
				moved = moved || walks[i].node != was
				waiting = append(waiting, walks[i])
			} else {
				moved = true
			}
		}
		if !moved {
			// Every walk waits for a read already begun: wait for the
			// first one's, and take it on as far as it goes.
			w.nowait = false
			w.reset()
			_ = waiting[0].step(w)
			waiting = waiting[1:]
		}
		walks = waiting
	}
}

// step takes the walk down as far as it goes: to its end (nil), or to a
// read the page cache does not hold yet (errWouldBlock), from where the
// next step goes on.
func (ww *writeWalk) step(w *preadSpans) error {
	if err := ww.readOther(w); err != nil {
		return err
	}
	for !ww.node.isLeaf {
		s := ww.node.snapshot
		if s.branchIndex == nil || ww.depth < ReadAheadMappedLevels && !s.upper.holds(ww.node.index) {
			if bytes.Compare(ww.key, s.BranchKey(ww.node.index)) < 0 {
				ww.node = ww.node.left()
			} else {
				ww.node = ww.node.right()
			}
			ww.depth++
			continue
		}
		next, other, _, err := s.preadStep(w, ww.node.index, ww.key)
		if err != nil {
			return err
		}
		ww.node, ww.other, ww.otherPending = next, other, true
		ww.depth++
		if err := ww.readOther(w); err != nil {
			return err
		}
	}
	s := ww.node.snapshot
	keyLen, offset, err := s.preadLeafKeyAt(w, ww.node.index)
	if err != nil {
		return err
	}
	head := make([]byte, 4+keyLen+4)
	if err := w.readAt(spanKVs, s.kvsMap.file, head, offset); err != nil && !errors.Is(err, errWouldBlock) {
		return err
	}
	return nil
}

// readOther reads the record of the child beside the path. Its record is
// only wanted in the page cache, so a read begun will do, but for a packed
// leaf's, which is found by reading its offset first.
func (ww *writeWalk) readOther(w *preadSpans) error {
	if !ww.otherPending {
		return nil
	}
	err := preadRecord(w, ww.other)
	if errors.Is(err, errWouldBlock) && !(ww.other.isLeaf && ww.other.snapshot.packed) {
		err = nil
	}
	if err == nil {
		ww.otherPending = false
	}
	return err
}
