//go:build linux

package memiavl

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// errWouldBlock is a read that the page cache could not answer without
// waiting for the disk; the read has been begun.
var errWouldBlock = errors.New("the bytes are not in the page cache yet")

// readNowait fills p from f at off if the page cache holds those bytes,
// and otherwise fails with errWouldBlock at once, without waiting for the
// disk: preadv2 with RWF_NOWAIT, which for bytes not cached begins to read
// them (the kernel's synchronous read-ahead submits the read, then the
// call returns EAGAIN rather than wait for it). Reading a key's pages so,
// for many keys in turn, puts their reads on the disk together without a
// thread asleep on each: docs/state.md measured a read that waits in pread
// at 17–24 µs of CPU on its virtual machine, most of it the sleep and the
// wake, and a read begun this way and taken from the cache afterwards at
// 5–10 µs. Where the file system refuses RWF_NOWAIT it reads as ReadAt.
func readNowait(f *os.File, p []byte, off int64) (int, error) {
	nowaitCalls.Add(1)
	n, err := unix.Preadv2(int(f.Fd()), [][]byte{p}, off, unix.RWF_NOWAIT)
	switch {
	case err == unix.EAGAIN:
		nowaitRefused.Add(1)
		return 0, errWouldBlock
	case err == unix.EOPNOTSUPP || err == unix.EINVAL:
		return f.ReadAt(p, off)
	case err != nil:
		return 0, &os.PathError{Op: "read", Path: f.Name(), Err: err}
	case n == len(p):
		return n, nil
	case n == 0:
		return 0, io.EOF
	}
	// Part of it cached: the rest may be the file's end, or not yet read.
	m, err := readNowait(f, p[n:], off+int64(n))
	return n + m, err
}

// nowaitCalls counts readNowait's system calls, each try of a parked
// read among them, and nowaitRefused those the page cache could not
// answer (NowaitReads).
var nowaitCalls, nowaitRefused atomic.Int64

// NowaitReads says how many reads the walks that read the state ahead
// asked of the page cache without waiting since the process started, and
// how many of them it refused (their bytes were not there yet; each
// refused read is asked again until it is answered).
func NowaitReads() (asked, refused int64) {
	return nowaitCalls.Load(), nowaitRefused.Load()
}

// readParked fills p from f at off as ReadAt does, but a read the page
// cache cannot answer waits for the disk with its goroutine parked on a
// timer (readPark at a time, the read begun by readNowait), not with a
// thread asleep in pread. The walks that read the state ahead of a block
// are many goroutines each waiting on one read after another; parked,
// they cost the scheduler a timer instead of the kernel a sleep and a
// wake. BenchmarkReadAheadParkedCold (a 1M-leaf snapshot with two layers,
// out of the page cache, 8,000 keys read ahead from sixteen goroutines):
// 28 µs of CPU a key and 0.40 s against 50 µs and 0.70 s waiting in pread.
func readParked(f *os.File, p []byte, off int64) (int, error) {
	park := readPark
	for waited := time.Duration(0); waited < readParkLimit; waited += park {
		n, err := readNowait(f, p, off)
		if err != errWouldBlock {
			return n, err
		}
		time.Sleep(park)
		park = min(2*park, readParkMax)
	}
	return f.ReadAt(p, off)
}

// A parked read asks again after readPark, then after twice as long each
// time up to readParkMax: every ask is a system call, and a disk busy with
// the rewrite's writes answers in milliseconds (at 10M parcels in 8 GiB,
// asked every 100 µs, the walks made about 375 calls a transfer). After
// readParkLimit it waits in pread.
var (
	readPark      = 100 * time.Microsecond
	readParkMax   = 1600 * time.Microsecond
	readParkLimit = 20 * time.Millisecond
)
