//go:build unix

package memiavl

import "golang.org/x/sys/unix"

// willNeed advises the kernel that a mapped file will be read soon; the
// advice is only a hint, so its error is of no consequence.
func willNeed(data []byte) {
	if len(data) > 0 {
		_ = unix.Madvise(data, unix.MADV_WILLNEED)
	}
}
