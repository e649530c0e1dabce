package memiavl

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

const baseAheadSupported = true

// notResident lists the stretches of a page-aligned mapped region that
// are not in the page cache (mincore); none if it cannot tell.
func notResident(region []byte) []span {
	page := os.Getpagesize()
	vec := make([]byte, (len(region)+page-1)/page)
	if len(region) == 0 {
		return nil
	}
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&region[0])), uintptr(len(region)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		return nil
	}
	var spans []span
	for i := 0; i < len(vec); {
		if vec[i]&1 != 0 {
			i++
			continue
		}
		j := i
		for j < len(vec) && vec[j]&1 == 0 {
			j++
		}
		spans = append(spans, span{start: i * page, end: min(j*page, len(region))})
		i = j
	}
	return spans
}

// adviseCold tells the kernel a mapped region is the first to reclaim; a
// hint, whose error is of no consequence.
func adviseCold(region []byte) {
	if len(region) > 0 {
		_ = unix.Madvise(region, unix.MADV_COLD)
	}
}
