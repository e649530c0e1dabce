package node

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data so that a crash at any moment
// leaves either the old file or the whole new one, never an empty or
// partial file: it writes a temporary file in the same folder, flushes it
// to disk, renames it over path and flushes the folder (the rename itself
// lives in the folder's entry list).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeVia(path, perm, func(tmp string) error {
		return os.WriteFile(tmp, data, perm)
	})
}

// writeVia is WriteFileAtomic for files another library writes: write
// writes the content to tmp (a fresh path next to path), which is then
// flushed and renamed into place.
func writeVia(path string, perm os.FileMode, write func(tmp string) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncFile(dir)
}

// syncFile flushes a file or folder to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
