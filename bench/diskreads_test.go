package bench

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The disk read figure reads the files of at least 1 MiB under its
// directory at each depth, and refuses a directory with none and a depth
// below one.
func TestDiskReads(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small"), []byte("too small to read"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DiskReads(io.Discard, DiskReadsOptions{Dir: dir, Depths: []int{1}, Duration: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "no file of 1 MiB") {
		t.Fatalf("a directory without a file to read: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "state", "high"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state", "high", "kvs"), make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	// a second link to the same file (as an imported state's archive
	// links its key-value files) is read as one file
	if err := os.Link(filepath.Join(dir, "state", "high", "kvs"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rows, err := DiskReads(&out, DiskReadsOptions{Dir: dir, Depths: []int{1, 4}, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Depth != 1 || rows[1].Depth != 4 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Reads == 0 || r.ReadsPerSec <= 0 {
			t.Fatalf("depth %d: %+v", r.Depth, r)
		}
	}
	if !strings.Contains(out.String(), "in 1 files") {
		t.Fatalf("output %q", out.String())
	}
	if _, err := DiskReads(io.Discard, DiskReadsOptions{Dir: dir, Depths: []int{0}, Duration: 10 * time.Millisecond}); err == nil {
		t.Fatal("no reads in flight was not refused")
	}
}
