package app

import (
	"errors"
	"iter"

	"github.com/publica/publica/store"
)

// ringAheadTxs is how many transactions a ring's read-ahead runs at
// once, each stopped at the key it waits for: as many walks under way
// through the ring (memiavl's RingSession holds up to 128).
const ringAheadTxs = 64

// ringAheadDrivers is how many goroutines read a block ahead through
// rings, each its share of the transactions (every ringAheadDrivers-th):
// one alone, on one core, runs every transaction's handler and walk, and
// the block's execution overtakes it.
var ringAheadDrivers = DefaultRingAheadDrivers

// DefaultRingAheadDrivers is ringAheadDrivers unless SetRingAheadDrivers
// says otherwise.
const DefaultRingAheadDrivers = 2

// SetRingAheadDrivers sets how many goroutines read a block ahead through
// rings (DefaultRingAheadDrivers if n < 1), for measurements.
func SetRingAheadDrivers(n int) {
	if n < 1 {
		n = DefaultRingAheadDrivers
	}
	ringAheadDrivers = n
}

// readAheadRing runs its share of the block's transactions (every
// parts-th from part) ahead as readAhead's workers do, but all on this
// goroutine: each transaction's handler is
// a coroutine (iter.Pull) that stops at every key no read-ahead has
// found yet, and the keys of all the stopped transactions are walked
// together through one io_uring (store.AheadSession), this goroutine
// waiting in the kernel for whichever page comes first. A walk's reads
// then cost a share of one system call each instead of a system call
// apiece, and no goroutine is woken for a page: the coroutine whose key
// has come runs on at once. Where the ring fails, the keys still asked
// are read through view, one at a time, and the block goes on alike.
func (a *App) readAheadRing(r *readAhead, s *store.AheadSession, view store.KV, txs [][]byte, pre *prechecked, part, parts int) {
	defer s.Close()
	var slots [ringAheadTxs]*aheadCoroutine
	var free []int
	for i := len(slots) - 1; i >= 0; i-- {
		free = append(free, i)
	}
	// resume runs slot's transaction until it stops at a key no
	// read-ahead has found (asked, or read through view when the ring
	// cannot take it: full, or failed) or ends.
	resume := func(slot int) {
		c := slots[slot]
		for {
			key, more := c.next()
			if !more {
				c.stop()
				slots[slot] = nil
				free = append(free, slot)
				a.readAheadTxs.Add(1)
				return
			}
			if s.Ask(key, slot) {
				return
			}
			c.value, c.err = readThrough(view, key)
		}
	}
	next := part // this driver's transactions: every parts-th from part
	for !r.stopped.Load() {
		// Start transactions while there is room; one whose signature
		// checks are not done yet waits, unless nothing else would run.
		for len(free) > 0 && next < len(txs) {
			i := next
			if r.claimed(i) {
				next += parts
				continue
			}
			res, ready := pre.poll(i)
			if !ready && s.Active() > 0 {
				break
			}
			if !ready {
				res = pre.wait(i)
			}
			next += parts
			if res.err != nil || !res.c.spec.ReadAhead || !r.claim(i) {
				continue
			}
			slot := free[len(free)-1]
			free = free[:len(free)-1]
			slots[slot] = a.aheadCoroutine(view, s, res.c, txs[i], func(ran *speculation) { r.finish(i, ran) })
			resume(slot)
		}
		if s.Active() == 0 {
			if next >= len(txs) {
				break
			}
			continue
		}
		answers, err := s.Wait()
		for _, ans := range answers {
			c := slots[ans.Token]
			c.value, c.err = ans.Value, ans.Err
			if err != nil && ans.Err != nil { // the ring failed under it
				c.value, c.err = readThrough(view, c.key)
			}
			resume(ans.Token)
		}
	}
	for _, c := range slots {
		if c != nil {
			c.stop()
		}
	}
}

// readThrough reads key through view (a walk on this goroutine), turning
// its failure into an error.
func readThrough(view store.KV, key []byte) (v []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("read ahead failed")
		}
	}()
	return view.Get(key), nil
}

// aheadCoroutine is one transaction run ahead, stopped at a key.
type aheadCoroutine struct {
	next  func() ([]byte, bool)
	stop  func()
	key   []byte // the key it waits for
	value []byte // its value, or
	err   error  // why it could not be read
}

// errAheadStopped ends a coroutine's handler when its read-ahead is
// dropped (recovered by runAhead).
var errAheadStopped = errors.New("read-ahead stopped")

func (a *App) aheadCoroutine(view store.KV, s *store.AheadSession, c *checked, raw []byte, finish func(*speculation)) *aheadCoroutine {
	co := &aheadCoroutine{}
	co.next, co.stop = iter.Pull(func(yield func([]byte) bool) {
		finish(a.runAhead(coroutineKV{view: view, s: s, co: co, yield: yield}, c, raw))
	})
	return co
}

// coroutineKV is the state as a coroutine's handler reads it: a key no
// read-ahead has found stops the coroutine until its value has come.
type coroutineKV struct {
	view  store.KV
	s     *store.AheadSession
	co    *aheadCoroutine
	yield func([]byte) bool
}

func (k coroutineKV) Get(key []byte) []byte {
	// A key another transaction's read-ahead found (a clerk's account, a
	// role every transaction checks) is not walked again.
	if v, ok := k.s.Known(key); ok {
		return v
	}
	k.co.key = key
	if !k.yield(key) {
		panic(errAheadStopped)
	}
	k.co.key = nil
	if k.co.err != nil {
		panic(k.co.err)
	}
	return k.co.value
}
func (k coroutineKV) Has(key []byte) bool   { return k.Get(key) != nil }
func (k coroutineKV) Set(key, value []byte) { k.view.Set(key, value) }
func (k coroutineKV) Delete(key []byte)     { k.view.Delete(key) }
func (k coroutineKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	k.view.Iterate(start, end, reverse, fn)
}
