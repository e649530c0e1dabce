//go:build !linux

package memiavl

import (
	"errors"
	"os"
)

func dropWritten(*os.File, int64, int64) {}

func dropCachedFiles(string) {}

// writeDirect is refused here: files are written through the cache.
func writeDirect(*os.File) error { return errors.ErrUnsupported }
