package app

import (
	"fmt"
	"os"
	"testing"
	"time"

	dbm "github.com/cosmos/cosmos-db"

	"github.com/publica/publica/store"
)

// A snapshot that falls due while the last is still being written is
// written after it, not passed over: heights 5 and 10 due back to back
// both end up on disk, and of 15, 20 and 25 due while one is written the
// latest always is.
func TestSnapshotDueWhileOneIsWrittenIsKept(t *testing.T) {
	st, err := store.Open(t.TempDir(), dbm.PebbleDBBackend, store.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for h := 1; h <= 25; h++ {
		for i := range 2000 {
			st.Working().Set([]byte(fmt.Sprintf("k/%d/%d", h, i)), make([]byte, 64))
		}
		if _, _, err := st.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	a := New(st)
	dir := t.TempDir()
	a.EnableSnapshots(dir, 5, 10)
	wait := func(heights ...string) {
		t.Helper()
		for range 2400 { // a minute: the race detector slows the exports tenfold
			missing := 0
			for _, h := range heights {
				if _, err := os.Stat(dir + "/" + h + "/meta.json"); err != nil {
					missing++
				}
			}
			a.snaps.mu.Lock()
			idle := !a.snaps.writing
			a.snaps.mu.Unlock()
			if missing == 0 && idle {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("snapshots %v not all written (%v)", heights, a.SnapshotError())
	}
	a.snapshotAfterCommit(5)
	a.snapshotAfterCommit(10)
	wait("5", "10")
	a.snapshotAfterCommit(15)
	a.snapshotAfterCommit(20)
	a.snapshotAfterCommit(25)
	wait("25")
}
