package bench

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DiskReadsOptions are the disk read figure's: small reads at random
// places in the files of a state, at several depths of the disk's queue.
type DiskReadsOptions struct {
	Dir      string        // the files read: every file of at least 1 MiB under it
	Depths   []int         // reads in flight, one run each
	Duration time.Duration // each run's length
}

// DiskReadsRow is one depth's figure.
type DiskReadsRow struct {
	Depth       int
	Reads       int64
	ReadsPerSec float64
	CPUPerRead  time.Duration
}

// diskReadSize is a read's size: a branch or leaf record and its key,
// what a search of the state reads at each step.
const diskReadSize = 64

// DiskReads measures the random reads a state's disk answers, as the block
// read-ahead makes them (pread of diskReadSize bytes), and the CPU each
// costs the process. The page cache is not dropped: for cold reads, drop
// it first (as root: sync; echo 3 > /proc/sys/vm/drop_caches) or read a
// state larger than memory.
func DiskReads(w io.Writer, opts DiskReadsOptions) ([]DiskReadsRow, error) {
	if opts.Duration <= 0 {
		opts.Duration = 5 * time.Second
	}
	var files []*os.File
	var ends []int64 // each file's end, in readable places, summed
	var places int64
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	// each file once, however many links it has under the directory (an
	// imported state's key-value files are linked from its snapshot and
	// its archive)
	var openErr error
	err := eachFile(opts.Dir, func(rel string, st *syscall.Stat_t) {
		if openErr != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size < 1<<20 {
			return
		}
		f, err := os.Open(filepath.Join(opts.Dir, rel))
		if err != nil {
			openErr = err
			return
		}
		files = append(files, f)
		places += st.Size - diskReadSize
		ends = append(ends, places)
	})
	if err = errors.Join(err, openErr); err != nil {
		return nil, fmt.Errorf("disk reads: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("disk reads: no file of 1 MiB or more under %s", opts.Dir)
	}
	fmt.Fprintf(w, "disk reads: %d-byte reads at random places in %d files, %.1f GB, under %s\n", diskReadSize, len(files), float64(places)/1e9, opts.Dir)
	var rows []DiskReadsRow
	for _, depth := range opts.Depths {
		if depth < 1 {
			return rows, fmt.Errorf("disk reads: %d reads in flight", depth)
		}
		row, err := diskReadsAt(files, ends, depth, opts.Duration)
		if err != nil {
			return rows, err
		}
		fmt.Fprintf(w, "disk reads: %3d in flight: %8.0f reads/s, %5.1f µs CPU a read (%d reads in %s)\n",
			depth, row.ReadsPerSec, float64(row.CPUPerRead.Nanoseconds())/1e3, row.Reads, opts.Duration)
		rows = append(rows, row)
	}
	return rows, nil
}

// diskReadsAt reads with depth goroutines for d.
func diskReadsAt(files []*os.File, ends []int64, depth int, d time.Duration) (DiskReadsRow, error) {
	var reads atomic.Int64
	var failed atomic.Pointer[error]
	stop := make(chan struct{})
	var wg sync.WaitGroup
	cpu0, start := processCPU(), time.Now()
	for i := range depth {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(depth)))
			buf := make([]byte, diskReadSize)
			for {
				select {
				case <-stop:
					return
				default:
				}
				at := rng.Int64N(ends[len(ends)-1])
				f := 0
				for ends[f] <= at {
					f++
				}
				if f > 0 {
					at -= ends[f-1]
				}
				if _, err := files[f].ReadAt(buf, at); err != nil && !errors.Is(err, io.EOF) {
					failed.CompareAndSwap(nil, &err)
					return
				}
				reads.Add(1)
			}
		})
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	if err := failed.Load(); err != nil {
		return DiskReadsRow{}, fmt.Errorf("disk reads: %w", *err)
	}
	row := DiskReadsRow{Depth: depth, Reads: reads.Load()}
	row.ReadsPerSec = float64(row.Reads) / elapsed.Seconds()
	if row.Reads > 0 {
		row.CPUPerRead = cpu / time.Duration(row.Reads)
	}
	return row, nil
}
