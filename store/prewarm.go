package store

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/crypto-org-chain/cronos/memiavl"
)

// Prewarmed is how many bytes of the snapshot Open read into the page
// cache (Options.Prewarm), and how long that took.
func (s *Store) Prewarmed() (int64, time.Duration) { return s.prewarmed, s.prewarmedTook }

// snapshotFilesIn lists the snapshot files of the latest trees in dir
// (snapshotFilesOf both).
func snapshotFilesIn(dir string) ([]string, int64) {
	return snapshotFilesOf(dir, lowName, highName)
}

// snapshotFilesOf lists the snapshot files of the latest trees named in
// dir, each tree's whole chain, and their total size. The files a search
// walks (branches, branch keys, leaves) come first and the values last:
// read in that order, a tree in the page cache only in part answers with
// a fault or two a key (its value's) instead of one a level.
func snapshotFilesOf(dir string, trees ...string) ([]string, int64) {
	var navigation, values []string
	var size int64
	for _, tree := range trees {
		top := filepath.Join(dir, "current", tree)
		chain, err := memiavl.SnapshotChainDirs(top)
		if err != nil {
			continue // memiavl says what is wrong when it opens the tree
		}
		for _, snapshot := range append(chain, top) {
			for _, name := range []string{memiavl.FileNameNodes, memiavl.FileNameBranchKeys, memiavl.FileNameBranchKeyIndex, memiavl.FileNameLeaves, memiavl.FileNameLeafOffsets, memiavl.FileNameKVs} {
				path := filepath.Join(snapshot, name)
				if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
					if name == memiavl.FileNameKVs {
						values = append(values, path)
					} else {
						navigation = append(navigation, path)
					}
					size += fi.Size()
				}
			}
		}
	}
	return append(navigation, values...), size
}

// Prewarm reads files through once, in order and through descriptors of
// its own, so that their pages are in the page cache when the memory-
// mapped trees first touch them. The snapshot's own descriptors are
// advised for random reads, which a node wants for its blocks; a node
// that starts cold would otherwise fault the latest state in one random
// page at a time: its log replayed at open, then a few faults a
// transaction, for hours. Sequential reads fill the page cache at the
// disk's streaming rate instead (17 GB in 26 s here). It returns how many
// bytes it read, and stops early when ctx ends.
func Prewarm(ctx context.Context, files []string) (int64, error) {
	buf := make([]byte, 4<<20)
	var read int64
	for _, path := range files {
		n, err := readThrough(ctx, path, buf)
		read += n
		if err != nil {
			return read, err
		}
	}
	return read, nil
}

// readThrough reads path to its end in buf-sized steps, checking ctx
// between them, and returns how many bytes it read.
func readThrough(ctx context.Context, path string, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var read int64
	for {
		if err := ctx.Err(); err != nil {
			return read, err
		}
		n, err := f.Read(buf)
		read += int64(n)
		if err == io.EOF {
			return read, nil
		}
		if err != nil {
			return read, err
		}
	}
}

// FitsInMemory reports whether size bytes of state would take at most
// seven eighths of the memory the kernel reports available (MemAvailable:
// free memory and the page cache it can reclaim, so a state already in
// the page cache still fits), leaving the rest for the process's heap.
// Reading a larger state ahead would only push its own first pages out
// again. In a control group with a memory limit (a container), the
// group's room counts where it is less (cgroupAvailable). Nothing fits
// where the kernel does not say (no /proc/meminfo) but an empty state.
func FitsInMemory(size int64) bool {
	if size == 0 {
		return true
	}
	available, ok := memAvailable()
	if group, limited := cgroupAvailable(os.DirFS("/")); ok && limited {
		available = min(available, group)
	}
	return ok && size <= available/8*7
}

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
