//go:build unix

package memiavl

import (
	"os"

	"golang.org/x/sys/unix"
)

// willNeed advises the kernel that a mapped file will be read soon; the
// advice is only a hint, so its error is of no consequence.
func willNeed(data []byte) {
	if len(data) > 0 {
		_ = unix.Madvise(data, unix.MADV_WILLNEED)
	}
}

// adviseRandom tells the kernel that f is read at random places: a read
// with pread (Tree.ReadAhead) then brings in the pages asked for, not the
// read-ahead window around them, which at random places is read for
// nothing and pushes useful pages out of the page cache. A hint: its error
// is of no consequence.
func adviseRandom(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_RANDOM)
}

// adviseSequential tells the kernel that f is read once, in order (the
// upper branches read at open): a large read-ahead window. A hint.
func adviseSequential(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}
