//go:build linux

package memiavl

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropWritten writes n bytes of f from off out to the disk and drops them
// from the page cache (a whole rewrite written out of the cache,
// snapshotFileWriter). Advice and write-out are hints here: the file is
// synced in full before it is used, so their errors are of no
// consequence.
func dropWritten(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED)
}

// dropCachedFiles drops the files in dir from the page cache: a snapshot
// the trees no longer use, after a switch. Its pages are garbage, and
// left to the kernel's aging they would stay on the active list, evicting
// the new snapshot's pages as they are read in. Mapped pages are not
// dropped, so a snapshot still held elsewhere is not harmed. A hint: its
// errors are of no consequence.
func dropCachedFiles(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
		f.Close()
	}
}

// writeDirect has f's writes go direct to the disk, past the page cache
// (O_DIRECT; snapshotFileWriter): an error where the file system does not
// allow it.
func writeDirect(f *os.File) error {
	fd := int(f.Fd())
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags|unix.O_DIRECT)
	return err
}
