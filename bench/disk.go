package bench

import (
	"os"
	"path/filepath"
	"syscall"
)

// diskSize is the bytes the files under dir take, a file with several
// links under dir counted once (an imported state's key-value files are
// linked from its snapshot and from the archive).
func diskSize(dir string) int64 {
	var total int64
	seen := map[uint64]bool{}
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		total += info.Size()
		return nil
	})
	return total
}
