//go:build linux

package memiavl

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// readNowait fills p from f at off if the page cache holds those bytes,
// and otherwise fails with errWouldBlock at once, without waiting for the
// disk: preadv2 with RWF_NOWAIT, which for bytes not cached begins to read
// them (the kernel's synchronous read-ahead submits the read, then the
// call returns EAGAIN rather than wait for it). Reading a key's pages so,
// for many keys in turn, puts their reads on the disk together without a
// thread asleep on each: docs/state.md measured a read that waits in pread
// at 17–21 µs of CPU on its virtual machine, most of it the sleep and the
// wake, and a read begun this way and taken from the cache afterwards at
// 5–10 µs. Where the file system refuses RWF_NOWAIT it reads as ReadAt.
func readNowait(f *os.File, p []byte, off int64) (int, error) {
	n, err := unix.Preadv2(int(f.Fd()), [][]byte{p}, off, unix.RWF_NOWAIT)
	switch {
	case err == unix.EAGAIN:
		return 0, errWouldBlock
	case err == unix.EOPNOTSUPP || err == unix.EINVAL:
		return f.ReadAt(p, off)
	case err != nil:
		return 0, &os.PathError{Op: "read", Path: f.Name(), Err: err}
	case n == len(p):
		return n, nil
	case n == 0:
		return 0, io.EOF
	}
	// Part of it cached: the rest may be the file's end, or not yet read.
	m, err := readNowait(f, p[n:], off+int64(n))
	return n + m, err
}
