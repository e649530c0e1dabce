package memiavl

import (
	"testing"
	"time"
)

// Close waits for a background removal of old snapshots (which holds
// pruneSnapshotLock and truncates the log) before it closes the log:
// v0.1.0 did not, and the removal then truncated a nil log and crashed
// the process.
func TestCloseWaitsForSnapshotRemoval(t *testing.T) {
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	db.pruneSnapshotLock.Lock() // a removal under way
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a snapshot removal was running", err)
	case <-time.After(200 * time.Millisecond):
	}
	db.pruneSnapshotLock.Unlock()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the removal ended")
	}
}
