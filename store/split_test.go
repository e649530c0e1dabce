package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
)

// TestSplitTreeMatchesModel drives a store split at "k20" through random
// blocks of writes and deletes (emptying either tree at times) and checks,
// at every saved version: reads and ordered iteration in both directions
// across the split against a model; that the working hash equals the saved
// root; and that every key, present or absent (below, between and above
// all keys, on both sides of the split), has an ICS23 IAVL proof that
// verifies against the root, the ordinary way.
func TestSplitTreeMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		s, err := OpenMemoryWith(Options{Split: "k20"})
		if err != nil {
			t.Fatal(err)
		}
		model := map[string]string{}
		sawBothFull, sawOneEmpty := false, false
		for version := 1; version <= 25; version++ {
			block := NewCache(s.Working())
			for range rng.IntN(12) {
				k := fmt.Sprintf("k%02d", rng.IntN(40))
				if rng.IntN(3) == 0 {
					block.Delete([]byte(k))
					delete(model, k)
				} else {
					v := fmt.Sprint(rng.IntN(1000))
					block.Set([]byte(k), []byte(v))
					model[k] = v
				}
			}
			if version%7 == 0 { // empty one side now and then
				lo, hi := "k00", "k20"
				if rng.IntN(2) == 0 {
					lo, hi = "k20", "k99"
				}
				for k := range model {
					if k >= lo && k < hi {
						block.Delete([]byte(k))
						delete(model, k)
					}
				}
			}
			block.Write()
			working := s.WorkingHash()
			hash, v, err := s.Commit()
			if err != nil {
				t.Fatal(err)
			}
			view, err := s.At(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(working, hash) || !bytes.Equal(hash, view.Hash()) || !bytes.Equal(hash, s.Hash()) {
				t.Fatalf("seed %d v%d: working %X, committed %X, view %X", seed, v, working, hash, view.Hash())
			}
			low, high := 0, 0
			for k := range model {
				if k < "k20" {
					low++
				} else {
					high++
				}
			}
			sawBothFull = sawBothFull || (low > 0 && high > 0)
			sawOneEmpty = sawOneEmpty || (len(model) > 0 && (low == 0 || high == 0))
			checkIteration(t, rng, view, model, fmt.Sprintf("seed %d v%d", seed, v))
			checkProofs(t, view, model, fmt.Sprintf("seed %d v%d", seed, v))
		}
		if !sawBothFull || !sawOneEmpty {
			t.Fatalf("seed %d: both trees full %v, one empty %v: the run missed a case", seed, sawBothFull, sawOneEmpty)
		}
	}
}

func checkIteration(t *testing.T, rng *rand.Rand, view *View, model map[string]string, where string) {
	t.Helper()
	bounds := []string{"", "a", "k05", "k19", "k20", "k21", "k33", "z"}
	for range 12 {
		start, end := bounds[rng.IntN(len(bounds))], bounds[rng.IntN(len(bounds))]
		if end != "" && start > end {
			start, end = end, start
		}
		reverse := rng.IntN(2) == 0
		limit := 1 + rng.IntN(30)
		var sb, eb []byte
		if start != "" {
			sb = []byte(start)
		}
		if end != "" {
			eb = []byte(end)
		}
		var got, want []string
		view.Iterate(sb, eb, reverse, func(k, v []byte) bool {
			got = append(got, string(k)+"="+string(v))
			return len(got) < limit
		})
		for k, v := range model {
			if k >= start && (end == "" || k < end) {
				want = append(want, k+"="+v)
			}
		}
		slices.Sort(want)
		if reverse {
			slices.Reverse(want)
		}
		want = want[:min(limit, len(want))]
		if !slices.Equal(got, want) {
			t.Fatalf("%s: iterate [%q,%q) reverse=%v limit %d: got %v want %v", where, start, end, reverse, limit, got, want)
		}
	}
}

func checkProofs(t *testing.T, view *View, model map[string]string, where string) {
	t.Helper()
	if len(model) == 0 {
		return // an empty tree proves nothing, as a single IAVL tree
	}
	root := view.Hash()
	keys := []string{"a", "k", "k19z", "k2", "z"}
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	for _, k := range keys {
		p, err := view.Proof([]byte(k))
		if err != nil {
			t.Fatalf("%s: proof of %s: %v", where, k, err)
		}
		if v, ok := model[k]; ok {
			if !ics23.VerifyMembership(ics23.IavlSpec, root, p, []byte(k), []byte(v)) {
				t.Fatalf("%s: membership proof of %s=%s does not verify", where, k, v)
			}
			if ics23.VerifyMembership(ics23.IavlSpec, root, p, []byte(k), []byte(v+"x")) {
				t.Fatalf("%s: membership proof of %s verifies a wrong value", where, k)
			}
		} else if !ics23.VerifyNonMembership(ics23.IavlSpec, root, p, []byte(k)) {
			t.Fatalf("%s: non-membership proof of %s does not verify (%v)", where, k, p)
		}
	}
}

// TestTreesRealignAfterCrash: a crash between the two trees' saves leaves
// one a version ahead; reopening drops that version, and the block can be
// TestLatestTreesCatchUpAfterCrash: a crash after the archive saved a
// version and before the latest trees did reopens at the earlier version,
// and saving the same writes again gives the same root. Latest trees ahead
// of their archive (which lost a version) are rolled back to it.
func TestLatestTreesCatchUpAfterCrash(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	write := func(s *Store, v int) {
		s.Working().Set([]byte(fmt.Sprintf("k%02d", v)), []byte("low"))
		s.Working().Set([]byte(fmt.Sprintf("k%02d", 20+v)), []byte("high"))
	}
	for v := 1; v <= 3; v++ {
		write(s, v)
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	write(s, 4)
	want := s.WorkingHash()
	batch := s.arch.newBatch() // the archive saves version 4, the trees never do
	batch.writeTree(0, s.low.Root(), 4, false)
	batch.writeTree(1, s.high.Root(), 4, false)
	if err := batch.commit(4); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir, dbm.PebbleDBBackend, Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Version() != 3 || s.HasVersion(4) || s.Working().Get([]byte("k04")) != nil {
		t.Fatalf("after reopening: version %d, has 4: %v", s.Version(), s.HasVersion(4))
	}
	write(s, 4)
	got, v, err := s.Commit()
	if err != nil || v != 4 || !bytes.Equal(got, want) {
		t.Fatalf("version 4 again: %d %X, want %X (%v)", v, got, want, err)
	}
	view, err := s.At(4)
	if err != nil || !bytes.Equal(view.Hash(), want) {
		t.Fatalf("archived version 4: %v", err)
	}
	write(s, 5)
	want5, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	// loseArchived reopens s after the archive loses versions' roots.
	loseArchived := func(s *Store, versions ...int64) *Store {
		if err := s.arch.waitWrite(); err != nil {
			t.Fatal(err)
		}
		for _, v := range versions {
			for tree := range byte(2) {
				if err := s.archDB.Delete(rootKey(tree, v)); err != nil {
					t.Fatal(err)
				}
			}
		}
		s.Close()
		s, err := Open(dir, dbm.PebbleDBBackend, Options{Split: "k20"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A crash while the archive wrote version 5 in the background: the
	// trees hold it, and opening archives it from them.
	s = loseArchived(s, 5)
	if s.Version() != 5 || !bytes.Equal(s.Hash(), want5) {
		t.Fatalf("trees one version ahead of the archive: reopened at %d with %X, want 5 with %X", s.Version(), s.Hash(), want5)
	}
	if view, err := s.At(5); err != nil || !bytes.Equal(view.Hash(), want5) || string(view.Get([]byte("k25"))) != "high" {
		t.Fatalf("version 5 archived again: %v", err)
	}
	// The archive loses versions 4 and 5: the trees come back to 3.
	s = loseArchived(s, 4, 5)
	defer s.Close()
	if s.Version() != 3 || s.Working().Get([]byte("k04")) != nil {
		t.Fatalf("trees two versions ahead of the archive: reopened at %d", s.Version())
	}
	write(s, 4)
	write(s, 5)
	if _, v, err := s.Commit(); err != nil || v != 4 {
		t.Fatalf("versions 4 and 5 in one: version %d (%v)", v, err)
	}
	if view, err := s.At(4); err != nil || string(view.Get([]byte("k05"))) != "low" {
		t.Fatalf("version 4 after the roll back: %v", err)
	}
}

// TestOneTreeLayout: a new store told NoSplit hashes exactly as a plain
// IAVL tree does; a recorded layout survives reopening; a home saved by
// the release that kept state in IAVL's database is refused with advice.
func TestOneTreeLayout(t *testing.T) {
	plain := iavl.NewMutableTree(iavldb.NewWrapper(dbm.NewMemDB()), 100, true, iavl.NewNopLogger())
	fresh, err := OpenMemoryWith(Options{Split: DefaultSplit})
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.SetSplit(NoSplit); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"app/chain_id", "land/history/P1/1", "land/title/T1", "land/parcel/P1"} {
		if _, err := plain.Set([]byte(k), []byte("v")); err != nil {
			t.Fatal(err)
		}
		fresh.Working().Set([]byte(k), []byte("v"))
	}
	plainHash, _, err := plain.SaveVersion()
	if err != nil {
		t.Fatal(err)
	}
	freshHash, _, err := fresh.Commit()
	if err != nil || !bytes.Equal(freshHash, plainHash) {
		t.Fatalf("one-tree store %X, plain IAVL %X (%v)", freshHash, plainHash, err)
	}
	if err := fresh.SetSplit(DefaultSplit); err == nil {
		t.Fatal("a one-tree store accepted a split")
	}
	fresh.Working().Set([]byte("land/title/T2"), []byte("w"))
	if _, err := plain.Set([]byte("land/title/T2"), []byte("w")); err != nil {
		t.Fatal(err)
	}
	want, _, _ := plain.SaveVersion()
	if got, _, err := fresh.Commit(); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("version 2 of the one-tree store %X, plain IAVL %X (%v)", got, want, err)
	}

	// A split store records its layout and reopens with it, whatever the
	// options say.
	dir2 := t.TempDir()
	s, err := Open(dir2, dbm.PebbleDBBackend, Options{Split: "k20"})
	if err != nil {
		t.Fatal(err)
	}
	s.Working().Set([]byte("k01"), []byte("a"))
	s.Working().Set([]byte("k30"), []byte("b"))
	h, _, err := s.Commit()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir2, dbm.PebbleDBBackend, Options{Split: "zzz"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Split() != "k20" || !bytes.Equal(s.Hash(), h) || string(s.Working().Get([]byte("k30"))) != "b" {
		t.Fatalf("reopened split store: split %q hash %X want %X", s.Split(), s.Hash(), h)
	}
	if err := s.SetSplit("zzz"); err == nil || !strings.Contains(err.Error(), "k20") {
		t.Fatalf("a recorded split was replaced: %v", err)
	}
	s.Close()

	old := t.TempDir()
	db, err := dbm.NewDB("application", dbm.PebbleDBBackend, old)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(old, dbm.PebbleDBBackend, DefaultOptions()); !errors.Is(err, ErrOldFormat) || !strings.Contains(err.Error(), "application.db") {
		t.Fatalf("an old home opened: %v", err)
	}
}

// TestRootIsAnIAVLInnerNode pins the root's definition: SHA-256 over the
// signed varints of height (taller tree + 1), size (sum) and version, then
// each tree's root hash prefixed by its length, as IAVL hashes its nodes.
func TestRootIsAnIAVLInnerNode(t *testing.T) {
	s, err := OpenMemoryWith(Options{Split: "m"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c", "x", "y"} {
		s.Working().Set([]byte(k), []byte("v"+k))
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	view, _ := s.At(1)
	var want []byte
	want = append(want, 0x06, 0x0a, 0x02, 32) // height 3 (zigzag 6), size 5 (10), version 1 (2)
	want = append(want, view.low.half().hash...)
	want = append(want, 32)
	want = append(want, view.high.half().hash...)
	sum := sha256Sum(want)
	if view.low.half().height != 2 || view.high.half().height != 1 || !bytes.Equal(view.Hash(), sum) {
		t.Fatalf("root %X, want %X (heights %d, %d)", view.Hash(), sum, view.low.half().height, view.high.half().height)
	}
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
