package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
)

// TestPrewarmReadsTheSnapshot reads a store's snapshot files through and
// requires every byte of them read, and a cancelled read to stop.
func TestPrewarmReadsTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "m"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for v := range 3 {
		block := NewCache(s.Working())
		for i := range 2000 {
			block.Set([]byte(fmt.Sprintf("%c%05d", 'a'+i%26, i)), []byte(fmt.Sprintf(`{"record":%d,"version":%d,"note":"a value long enough to compress"}`, i, v)))
		}
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	files, size := s.SnapshotFiles()
	if len(files) != 10 || size == 0 {
		t.Fatalf("%d snapshot files of %d bytes, want the five files of each of two trees", len(files), size)
	}
	read, err := Prewarm(context.Background(), files)
	if err != nil || read != size {
		t.Fatalf("Prewarm read %d bytes (%v), want the snapshot's %d", read, err, size)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if read, err := Prewarm(ctx, files); !errors.Is(err, context.Canceled) || read != 0 {
		t.Fatalf("a cancelled Prewarm read %d bytes and returned %v", read, err)
	}
	if !FitsInMemory(size) || FitsInMemory(math.MaxInt64) {
		t.Fatalf("FitsInMemory: %d bytes %v, the largest size %v", size, FitsInMemory(size), FitsInMemory(math.MaxInt64))
	}
	if files, size := OpenMemory().SnapshotFiles(); files != nil || size != 0 {
		t.Fatalf("a store in memory lists %d snapshot files", len(files))
	}
}
