package batch

import (
	"sync"
	"sync/atomic"
	"testing"
)

// even is a check whose verdict depends on the item alone, recording the
// largest batch it was given.
type even struct{ largest atomic.Int64 }

func (e *even) check(items []int) []bool {
	if n := int64(len(items)); n > e.largest.Load() {
		e.largest.Store(n)
	}
	out := make([]bool, len(items))
	for i, it := range items {
		out[i] = it%2 == 0
	}
	return out
}

// Concurrent callers each get their own item's verdict, in batches no
// larger than Max, and nothing is left queued or checking after.
func TestConcurrentCallersGetTheirOwnVerdicts(t *testing.T) {
	for _, workers := range []int{1, 2} {
		var e even
		b := &Batcher[int]{Max: 8, Workers: func() int { return workers }, Check: e.check}
		got := make([]bool, 200)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i] = b.Do(i) })
		}
		wg.Wait()
		for i, ok := range got {
			if ok != (i%2 == 0) {
				t.Fatalf("workers %d: item %d: %v", workers, i, ok)
			}
		}
		batches, items, queued, busy := b.Stats()
		if items != uint64(len(got)) || batches == 0 || batches > items || queued != 0 || busy != 0 {
			t.Fatalf("workers %d: %d batches of %d items, %d queued, %d checking", workers, batches, items, queued, busy)
		}
		if e.largest.Load() > 8 {
			t.Fatalf("a batch of %d, the bound is 8", e.largest.Load())
		}
	}
}

// Items queued as waiting are checked in the next caller's batch, all at
// once when they fit, in as many batches as Max needs when they do not.
func TestWaitingItemsJoinTheNextBatch(t *testing.T) {
	var e even
	b := &Batcher[int]{Max: 4, Workers: func() int { return 1 }, Check: e.check}
	jobs := b.Waiting(1, 2, 3)
	if !b.Do(4) {
		t.Fatal("4 refused")
	}
	for i, j := range jobs {
		done, ok := j.Result()
		if !done || ok != ((i+1)%2 == 0) {
			t.Fatalf("waiting item %d: done %v ok %v", i+1, done, ok)
		}
	}
	if batches, items, _, _ := b.Stats(); batches != 1 || items != 4 {
		t.Fatalf("%d batches of %d items, want one of 4", batches, items)
	}
	jobs = b.Waiting(10, 11, 12, 13, 14)
	if b.Do(15) {
		t.Fatal("15 accepted")
	}
	for _, j := range jobs {
		if done, _ := j.Result(); !done {
			t.Fatal("a waiting item was left unchecked")
		}
	}
	if batches, items, _, _ := b.Stats(); batches != 3 || items != 10 {
		t.Fatalf("%d batches of %d items, want 3 of 10", batches, items)
	}
}

// A check that panics fails its batch and leaves the batcher usable.
func TestPanickingCheckFailsItsBatch(t *testing.T) {
	calls := 0
	b := &Batcher[int]{Max: 4, Workers: func() int { return 1 }, Check: func(items []int) []bool {
		calls++
		if calls == 1 {
			panic("broken check")
		}
		return []bool{true}
	}}
	if b.Do(1) {
		t.Fatal("an item of a panicking check accepted")
	}
	if !b.Do(2) {
		t.Fatal("the batcher is not usable after a panic")
	}
}

// A check that returns fewer verdicts than items fails the rest.
func TestShortVerdictsFail(t *testing.T) {
	b := &Batcher[int]{Max: 4, Workers: func() int { return 1 }, Check: func(items []int) []bool { return []bool{true} }}
	jobs := b.Waiting(1)
	if b.Do(2) {
		t.Fatal("an item without a verdict accepted")
	}
	if _, ok := jobs[0].Result(); !ok {
		t.Fatal("the first item's verdict was lost")
	}
}
