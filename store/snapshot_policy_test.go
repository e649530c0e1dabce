package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
)

// waitSnapshot waits for a rewrite the last commit may have started and
// returns the snapshot's version.
func waitSnapshot(t *testing.T, s *Store) int64 {
	t.Helper()
	// The switch closes the old snapshot, which the archive may still read.
	if err := s.arch.waitWrite(); err != nil {
		t.Fatal(err)
	}
	if err := s.mem.WaitSnapshotRewrite(); err != nil {
		t.Fatal(err)
	}
	s.refreshTrees()
	v, _ := s.LatestSnapshot()
	return v
}

// The store hands its policy to memiavl, with the leaves of both trees
// counted: a rewrite starts at the commit whose changes reach the
// fraction, not before.
func TestSnapshotPolicyFollowsChange(t *testing.T) {
	s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: "k0500",
		SnapshotPolicy: SnapshotPolicy{MinVersions: 1, ChangedFraction: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commit := func(from, n, v int) {
		for i := from; i < from+n; i++ {
			s.Working().Set(fmt.Appendf(nil, "k%04d", i), fmt.Appendf(nil, "v%d", v))
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	commit(0, 1000, 1)
	if got := waitSnapshot(t, s); got != 1 {
		t.Fatalf("after 1,000 keys the snapshot is at %d, want 1", got)
	}
	// 10 changes a version, on both sides of the split: 90 changes do
	// not rewrite.
	for v := 2; v <= 10; v++ {
		commit(495+v, 10, v)
		if got := waitSnapshot(t, s); got != 1 {
			t.Fatalf("version %d, %d changes of 1,000 keys: rewritten at %d", v, (v-1)*10, got)
		}
	}
	if _, g := s.LatestSnapshot(); g.Versions != 9 || g.Changes != 90 {
		t.Fatalf("log beyond the snapshot: %+v, want 9 versions, 90 changes", g)
	}
	commit(0, 10, 11)
	if got := waitSnapshot(t, s); got != 11 {
		t.Fatalf("100 changes of 1,000 keys: snapshot at %d, want 11", got)
	}
	if got := s.Working().Get([]byte("k0003")); string(got) != "v11" {
		t.Fatalf("after the switch k0003 = %q", got)
	}
}

// The snapshot's timing is local: stores rewriting at every version, at
// 2% of change and by default give the same hashes, reads and archived
// versions for the same blocks, before and after reopening.
func TestSnapshotTimingChangesNothing(t *testing.T) {
	optss := []Options{
		{Split: DefaultSplit, SnapshotInterval: 1},
		{Split: DefaultSplit, SnapshotPolicy: SnapshotPolicy{MinVersions: 1, ChangedFraction: 0.02}},
		{Split: DefaultSplit},
		{Split: DefaultSplit, SnapshotPolicy: SnapshotPolicy{MinVersions: 1, ChangedFraction: 0.02},
			SnapshotLayers: LayerPolicy{MaxLayers: 3, MaxFraction: 10}, Prewarm: true},
	}
	dirs := make([]string, len(optss))
	stores := make([]*Store, len(optss))
	for i, o := range optss {
		dirs[i] = t.TempDir()
		s, err := Open(dirs[i], dbm.PebbleDBBackend, o)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := []string{"acct/", "land/parcel/", "land/title/"}
	var hashes [][]byte
	var layers, fullAfterLayer int
	for v := 1; v <= 60; v++ {
		type write struct{ k, v []byte }
		var writes []write
		for range 1 + rng.IntN(40) {
			k := fmt.Appendf(nil, "%s%03d", prefixes[rng.IntN(3)], rng.IntN(300))
			var val []byte
			if rng.IntN(5) != 0 {
				val = fmt.Appendf(nil, "%d-%d", v, rng.Int())
			}
			writes = append(writes, write{k, val})
		}
		var want []byte
		for i, s := range stores {
			for _, w := range writes {
				if w.v == nil {
					s.Working().Delete(w.k)
				} else {
					s.Working().Set(w.k, w.v)
				}
			}
			h, _, err := s.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if i != 2 { // take each rewrite the commit started
				before := s.LastRewrite()
				waitSnapshot(t, s)
				if r := s.LastRewrite(); i == 3 && r.Version != before.Version {
					if r.Trees[0].Layer {
						layers++
					} else if before.Version > 0 && before.Trees[0].Layer {
						fullAfterLayer++
					}
				}
			}
			if i == 0 {
				want = h
			} else if !bytes.Equal(h, want) {
				t.Fatalf("version %d: store %d hashes %X, store 0 %X", v, i, h, want)
			}
		}
		hashes = append(hashes, want)
	}
	if v, _ := stores[0].LatestSnapshot(); v != 60 {
		t.Fatalf("rewriting every version: snapshot at %d", v)
	}
	if v, _ := stores[1].LatestSnapshot(); v == 0 {
		t.Fatal("rewriting at 2% of change: no rewrite")
	}
	if v, _ := stores[2].LatestSnapshot(); v != 0 && v < int64(DefaultSnapshotPolicy.MinVersions) {
		t.Fatalf("the default policy rewrote at %d within its minimum interval", v)
	}
	if layers < 3 || fullAfterLayer == 0 {
		t.Fatalf("the store with layers wrote %d layers and %d full rewrites after one", layers, fullAfterLayer)
	}
	same := func(stage string) {
		var want []string
		stores[0].Working().Iterate(nil, nil, false, func(k, v []byte) bool {
			want = append(want, string(k)+"="+string(v))
			return true
		})
		for i, s := range stores[1:] {
			var got []string
			s.Working().Iterate(nil, nil, false, func(k, v []byte) bool {
				got = append(got, string(k)+"="+string(v))
				return true
			})
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: store %d holds other records", stage, i+1)
			}
			for v, h := range hashes {
				view, err := s.At(int64(v + 1))
				if err != nil || !bytes.Equal(view.Hash(), h) {
					t.Fatalf("%s: store %d at %d: %v", stage, i+1, v+1, err)
				}
			}
		}
	}
	same("running")
	for i, s := range stores {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := Open(dirs[i], dbm.PebbleDBBackend, optss[i])
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if !bytes.Equal(r.Hash(), hashes[len(hashes)-1]) || r.Version() != 60 {
			t.Fatalf("store %d reopened at %d with %X", i, r.Version(), r.Hash())
		}
		if optss[i].Prewarm {
			// the whole chain read ahead, not the top layer alone
			files, _ := snapshotFilesIn(filepath.Join(dirs[i], "state", "latest"))
			if len(files) <= 10 {
				t.Fatalf("store %d reopened on %d snapshot files: no layer to read ahead", i, len(files))
			}
			if read, _ := r.Prewarmed(); read != r.SnapshotBytes() || read == 0 {
				t.Fatalf("store %d read %d bytes ahead in %d files; its snapshot chain has %d", i, read, len(files), r.SnapshotBytes())
			}
		}
		stores[i] = r
	}
	same("reopened")
}

// A store reopened after many small versions, all in the log (the
// default policy rewrote nothing), replays them to the same state.
func TestRestartReplaysSmallVersions(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		s.Working().Set(fmt.Appendf(nil, "land/parcel/%05d", i), []byte("first"))
		s.Working().Set(fmt.Appendf(nil, "acct/%05d", i), []byte("first"))
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	want := map[string]string{}
	for v := 2; v <= 99; v++ { // about 250 changes of 6,000 leaves: no rewrite due
		for range 1 + rng.IntN(4) {
			k := fmt.Sprintf("%s%05d", []string{"acct/", "land/parcel/"}[rng.IntN(2)], rng.IntN(3500))
			if rng.IntN(4) == 0 {
				s.Working().Delete([]byte(k))
				want[k] = ""
			} else {
				val := fmt.Sprintf("v%d", v)
				s.Working().Set([]byte(k), []byte(val))
				want[k] = val
			}
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	hash := s.Hash()
	snap, grown := s.LatestSnapshot()
	if snap != 1 || grown.Versions != 98 {
		t.Fatalf("snapshot at %d with %+v beyond it, want 1 and 98 versions", snap, grown)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, dbm.PebbleDBBackend, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Version() != 99 || !bytes.Equal(s.Hash(), hash) {
		t.Fatalf("reopened at %d with %X, want 99 with %X", s.Version(), s.Hash(), hash)
	}
	if _, g := s.LatestSnapshot(); g != grown {
		t.Fatalf("replayed %+v, the running store counted %+v", g, grown)
	}
	for k, v := range want {
		got := s.Working().Get([]byte(k))
		if v == "" && got != nil || v != "" && string(got) != v {
			t.Fatalf("%s: reopened %q, want %q", k, got, v)
		}
	}
}

// heardLogger keeps what memiavl logs.
type heardLogger struct {
	mu     sync.Mutex
	errors []string
	infos  []string
}

func (l *heardLogger) Debug(string, ...interface{}) {}
func (l *heardLogger) Info(msg string, _ ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.infos = append(l.infos, msg)
}
func (l *heardLogger) Error(msg string, kv ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, fmt.Sprint(append([]interface{}{msg}, kv...)...))
}

// A background rewrite that fails leaves the store running on its old
// snapshot; the store's Logger is where that is said. Here the next
// snapshot's folder is taken by a file, so the rewrite cannot be renamed
// into place.
func TestFailedRewriteIsLogged(t *testing.T) {
	dir := t.TempDir()
	heard := &heardLogger{}
	s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "m", SnapshotInterval: 2, Logger: heard})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := os.WriteFile(filepath.Join(dir, "state", "latest", "snapshot-00000000000000000002"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for v := range 3 {
		block := NewCache(s.Working())
		block.Set([]byte(fmt.Sprintf("k%d", v)), []byte("v"))
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		waitSnapshot(t, s)
	}
	if got := s.RewritesFailed(); got != 1 {
		t.Fatalf("%d rewrites failed, want 1", got)
	}
	heard.mu.Lock()
	defer heard.mu.Unlock()
	if len(heard.errors) != 1 || !strings.Contains(heard.errors[0], "failed to rewrite snapshot") {
		t.Fatalf("errors heard: %q", heard.errors)
	}
	if !slices.Contains(heard.infos, "start rewriting snapshot") {
		t.Fatalf("infos heard: %q", heard.infos)
	}
}

// Every switch is listed by RewritesAfter, oldest first, not only the last.
func TestRewritesAfterListsEverySwitch(t *testing.T) {
	s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{Split: "m", SnapshotInterval: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var versions []int64
	for v := range 4 {
		block := NewCache(s.Working())
		block.Set([]byte(fmt.Sprintf("k%d", v)), []byte("v"))
		block.Write()
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, waitSnapshot(t, s))
	}
	var got []int64
	for _, r := range s.RewritesAfter(versions[0]) {
		got = append(got, r.Version)
	}
	if fmt.Sprint(got) != fmt.Sprint(versions[1:]) {
		t.Fatalf("rewrites after %d: %v; the snapshots were %v", versions[0], got, versions)
	}
}
