//go:build !linux

package memiavl

import "os"

// readNowait reads as ReadAt here: it waits for the disk (nowait_linux.go
// does not).
func readNowait(f *os.File, p []byte, off int64) (int, error) { return f.ReadAt(p, off) }

// readParked reads as ReadAt here.
func readParked(f *os.File, p []byte, off int64) (int, error) { return f.ReadAt(p, off) }

// NowaitReads is zero here: every read waits (nowait_linux.go).
func NowaitReads() (asked, refused int64) { return 0, 0 }
