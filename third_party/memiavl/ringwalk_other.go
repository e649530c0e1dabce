//go:build !linux

package memiavl

import "os"

// ringWalker has no io_uring here; ReadAheadWritesTogether declines.
type ringWalker struct{}

func (*ringWalker) readAt(*os.File, []byte, int64) error { return nil }

// ReadAheadWritesTogether needs io_uring (Linux): it reports false, and
// the caller walks the keys with ReadAheadWrite.
func ReadAheadWritesTogether([]KeyInTree, int) bool { return false }
