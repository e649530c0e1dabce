// Package batch checks the items of concurrent callers in batches: a
// signature or a proof verified with others shares work (a batch of
// signatures is about twice as fast per signature, a batch of ballots'
// proofs shares its multiplications), and the batch is whatever callers
// are waiting when a checker is free.
//
// A caller queues its item; while fewer than Workers() callers are
// checking, it becomes one and checks queued batches until its own is
// done, then hands the work to the next caller still waiting, if any. So
// no goroutine outlives the calls, and with Workers() at half the cores
// the other half keep receiving and queue the next batch (with every core
// checking, no one is left to queue and batches stay single).
package batch

import (
	"slices"
	"sync"
)

// Batcher checks items in batches of at most Max with Check, which
// returns each item's verdict in order. The zero value is not usable:
// set Max, Workers and Check.
type Batcher[T any] struct {
	Max     int
	Workers func() int
	Check   func(items []T) []bool

	mu      sync.Mutex
	queue   []*Job[T]
	workers int
	batches uint64 // guarded by mu
	items   uint64
}

// Job is one queued item and, once done, its verdict.
type Job[T any] struct {
	item T
	ok   bool
	done bool          // guarded by Batcher.mu
	wake chan struct{} // done, or asked to become a checker
}

// Do reports item's verdict, checked in a batch with whatever other items
// are queued.
func (b *Batcher[T]) Do(item T) bool {
	j := newJob(item)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queue = append(b.queue, j)
	for !j.done {
		if b.workers < b.Workers() {
			b.workers++
			b.work(j)
			b.workers--
			if len(b.queue) > 0 {
				signal(b.queue[0].wake)
			}
			break
		}
		b.mu.Unlock()
		<-j.wake
		b.mu.Lock()
	}
	return j.ok
}

// Waiting queues items as if their callers were waiting, so that the
// next Do checks them in its batch (tests and benchmarks use it to make a
// batch of a known size); each job's Result says its verdict after.
func (b *Batcher[T]) Waiting(items ...T) []*Job[T] {
	jobs := make([]*Job[T], len(items))
	for i, it := range items {
		jobs[i] = newJob(it)
	}
	b.mu.Lock()
	b.queue = append(b.queue, jobs...)
	b.mu.Unlock()
	return jobs
}

// Result reports whether the job was checked and, if so, its verdict.
// Read it once the Do that checked it has returned.
func (j *Job[T]) Result() (done, ok bool) { return j.done, j.ok }

// Stats reports the batches checked and the items they held, and what is
// queued and checking now (both zero when no call is running).
func (b *Batcher[T]) Stats() (batches, items uint64, queued, workers int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.batches, b.items, len(b.queue), b.workers
}

func newJob[T any](item T) *Job[T] {
	return &Job[T]{item: item, wake: make(chan struct{}, 1)}
}

// work checks queued batches until own is done. b.mu is held on entry
// and on return, not while checking.
func (b *Batcher[T]) work(own *Job[T]) {
	for !own.done {
		batch := slices.Clone(b.queue[:min(len(b.queue), b.Max)])
		b.queue = b.queue[len(batch):]
		b.batches++
		b.items += uint64(len(batch))
		b.mu.Unlock()
		items := make([]T, len(batch))
		for i, j := range batch {
			items[i] = j.item
		}
		verdicts := b.check(items)
		for i, j := range batch {
			j.ok = i < len(verdicts) && verdicts[i]
		}
		b.mu.Lock()
		for _, j := range batch {
			j.done = true
			if j != own {
				signal(j.wake)
			}
		}
	}
}

// check runs Check; a panic in it fails the batch's items (the callers
// then do the work alone, as when a check fails) instead of leaving the
// lock in a state the deferred unlock of Do cannot undo.
func (b *Batcher[T]) check(items []T) (verdicts []bool) {
	defer func() {
		if recover() != nil {
			verdicts = nil
		}
	}()
	return b.Check(items)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
