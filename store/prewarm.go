package store

import (
	"bufio"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
)

// SnapshotFiles lists the latest trees' snapshot files and their size
// together (nothing for a store in memory). A caller takes the list while
// nothing else uses the store, and may read the files afterwards at any
// time: a replaced snapshot's files are only unlinked.
func (s *Store) SnapshotFiles() ([]string, int64) {
	if s.mem == nil {
		return nil, 0
	}
	return append(s.low.SnapshotFiles(), s.high.SnapshotFiles()...), s.SnapshotBytes()
}

// Prewarm reads files through once, in order and through descriptors of
// its own, so that their pages are in the page cache when the memory-
// mapped trees first touch them. The snapshot's own descriptors are
// advised for random reads, which a node wants for its blocks; a node
// that starts cold would otherwise fault the latest state in one random
// page at a time, a few per transaction, for hours. It returns how many
// bytes it read, and stops early when ctx ends.
func Prewarm(ctx context.Context, files []string) (int64, error) {
	buf := make([]byte, 4<<20)
	var read int64
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return read, err
		}
		for {
			if ctx.Err() != nil {
				f.Close()
				return read, ctx.Err()
			}
			n, err := f.Read(buf)
			read += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return read, err
			}
		}
		f.Close()
	}
	return read, nil
}

// FitsInMemory reports whether size bytes of state would take at most
// three quarters of the memory the kernel reports available
// (MemAvailable: free memory and the page cache it can reclaim). Reading a
// larger state ahead would only push its own first pages out again.
func FitsInMemory(size int64) bool {
	available, ok := memAvailable()
	return ok && size <= available/4*3
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
