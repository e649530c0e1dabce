//go:build linux

package memiavl

import "errors"

// A RingSession reads keys ahead for one goroutine that has many keys to
// ask at once and takes their values as they come: a block's transactions
// run ahead of it as coroutines on one goroutine, each stopping at a key
// it lacks (app's read-ahead). No walker goroutine is woken: the asking
// goroutine steps the walks and waits in io_uring_enter itself, so a key's walk goes on as soon as its
// page is in, with no other goroutine to be scheduled first.
//
// One goroutine at a time; the trees must not change while it is open.
//
// (It replaced RingReader, a walker goroutine serving goroutines that
// asked a key at a time: woken through an eventfd and competing with them
// for a processor, its rounds were too slow for a block's execution.)
type RingSession struct {
	rw     *ringWalker
	free   []int32
	reqs   [ringWalksAtOnce]ringRequest
	tokens [ringWalksAtOnce]int
	active int
	broken bool
}

// ringRequest is one key asked of a RingSession: its walk's answer.
type ringRequest struct {
	tree  *Tree
	key   []byte
	value []byte
	err   error
}

// errRingBroken answers the keys under way when the ring failed.
var errRingBroken = errors.New("read-ahead ring failed")

// RingAnswer is a key's value (nil where the key is not in its tree), or
// why it could not be read, for the token it was asked with.
type RingAnswer struct {
	Token int
	Value []byte
	Err   error
}

// NewRingSession opens a session, or returns nil where io_uring is not
// available: the caller then reads with Tree.ReadAheadForWrite.
func NewRingSession() *RingSession {
	rw := getRingWalker()
	if rw == nil {
		return nil
	}
	rw.reset()
	s := &RingSession{rw: rw}
	for slot := int32(ringWalksAtOnce) - 1; slot >= 0; slot-- {
		s.free = append(s.free, slot)
	}
	return s
}

// Ask starts the walk of key in t (what Tree.ReadAheadForWrite reads),
// answered with token by a later Wait. It reports false, starting
// nothing, when ringWalksAtOnce walks are under way or the ring has
// failed.
func (s *RingSession) Ask(t *Tree, key []byte, token int) bool {
	if len(s.free) == 0 || s.broken {
		return false
	}
	slot := s.free[len(s.free)-1]
	s.free = s.free[:len(s.free)-1]
	s.reqs[slot] = ringRequest{tree: t, key: key}
	s.tokens[slot] = token
	s.rw.walks[slot] = ringWalk{tree: t, key: key, req: &s.reqs[slot], nextWaiter: -1}
	s.rw.ready = append(s.rw.ready, slot)
	s.active++
	return true
}

// Active is how many walks are under way.
func (s *RingSession) Active() int { return s.active }

// Wait steps the walks as far as their pages allow and appends to into
// the answer of every walk that ended; when none has, it waits for the
// kernel's answers first (never with no walk under way). The reads the
// walks still need are submitted before it returns. An error is the
// ring's: every walk under way is answered with it, and the session asks
// nothing more (its callers read with Tree.ReadAheadForWrite).
func (s *RingSession) Wait(into []RingAnswer) ([]RingAnswer, error) {
	rw := s.rw
	for {
		for len(rw.ready) > 0 {
			slot := rw.ready[len(rw.ready)-1]
			rw.ready = rw.ready[:len(rw.ready)-1]
			if rw.step(slot) {
				continue
			}
			into = append(into, s.end(slot, nil))
		}
		rw.submitBacklog()
		wait := len(into) == 0 && s.active > 0
		err := rw.ring.enter(wait)
		if err == nil {
			rw.ring.reap(rw.answered)
		}
		if err != nil {
			s.broken = true
			for slot := range rw.walks {
				if rw.walks[slot].req != nil {
					into = append(into, s.end(int32(slot), errRingBroken))
				}
			}
			return into, err
		}
		if !wait && len(rw.ready) == 0 {
			return into, nil
		}
	}
}

// end frees walk slot and gives its answer.
func (s *RingSession) end(slot int32, err error) RingAnswer {
	req := &s.reqs[slot]
	a := RingAnswer{Token: s.tokens[slot], Value: req.value, Err: req.err}
	if err != nil {
		a.Value, a.Err = nil, err
	}
	*req = ringRequest{}
	s.rw.walks[slot] = ringWalk{nextWaiter: -1}
	s.free = append(s.free, slot)
	s.active--
	return a
}

// Close ends the session: walks still under way are dropped, their
// pages answered first so that the walker can be used again.
func (s *RingSession) Close() {
	rw := s.rw
	if rw == nil {
		return
	}
	s.rw = nil
	broken := s.broken
	// Reads queued and not yet submitted go in too: none may land in a
	// page after the walker's next user has reset it.
	if !broken && rw.ring.enter(false) != nil {
		broken = true
	}
	for !broken && rw.ring.inFlight > 0 {
		if err := rw.ring.enter(true); err != nil {
			broken = true
			break
		}
		rw.ring.reap(rw.answered)
	}
	for slot := range rw.walks {
		rw.walks[slot] = ringWalk{nextWaiter: -1}
	}
	putRingWalker(rw, broken)
}
