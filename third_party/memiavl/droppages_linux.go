//go:build linux

package memiavl

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropWritten writes n bytes of f from off out to the disk and drops them
// from the page cache (a whole rewrite written out of the cache,
// dropBehindWriter). Advice and write-out are hints here: the file is
// synced in full before it is used, so their errors are of no
// consequence.
func dropWritten(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED)
}
