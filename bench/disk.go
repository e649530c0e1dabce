package bench

import (
	"io/fs"
	"path/filepath"
	"syscall"
)

// diskSize is the bytes the files under dir take, a file with several
// links under dir counted once (an imported state's key-value files are
// linked from its snapshot and from the archive).
func diskSize(dir string) int64 {
	var total int64
	_ = eachFile(dir, func(_ string, st *syscall.Stat_t) { total += st.Size })
	return total
}

// eachFile calls fn with the path (relative to dir) and status of every
// file under dir, once for a file with several links under dir. A file it
// cannot read is passed over; the first such error is returned after the
// walk.
func eachFile(dir string, fn func(rel string, st *syscall.Stat_t)) error {
	var first error
	seen := map[uint64]bool{}
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			keep(err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			keep(err)
			return nil
		}
		if st.Nlink > 1 {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		rel, _ := filepath.Rel(dir, path)
		fn(rel, &st)
		return nil
	})
	return first
}
