//go:build !linux

package memiavl

import "os"

// ringWalker has no io_uring here; ReadAheadWritesTogether declines.
type ringWalker struct{}

func (*ringWalker) readAt(*os.File, []byte, int64) error { return nil }

// ReadAheadWritesTogether needs io_uring (Linux): it reports false, and
// the caller walks the keys with ReadAheadWrite.
func ReadAheadWritesTogether([]KeyInTree, int) bool { return false }

// RingSession needs io_uring (Linux): NewRingSession returns nil, and the
// caller reads with Tree.ReadAheadForWrite.
type RingSession struct{}

// RingAnswer is a key's value for the token it was asked with.
type RingAnswer struct {
	Token int
	Value []byte
	Err   error
}

func NewRingSession() *RingSession { return nil }

func (*RingSession) Ask(*Tree, []byte, int) bool { return false }

func (*RingSession) Active() int { return 0 }

func (*RingSession) Wait(into []RingAnswer) ([]RingAnswer, error) { return into, nil }

func (*RingSession) Close() {}
