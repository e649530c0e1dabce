//go:build unix

package memiavl

import "golang.org/x/sys/unix"

// diskFree is the space an unprivileged writer may still use on the
// filesystem holding dir.
func diskFree(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
