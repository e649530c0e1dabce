package store

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
)

// TestCacheMatchesModel drives a Cache over a committed tree with random
// writes, deletes and iterations and compares every answer with a plain map.
func TestCacheMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := OpenMemory()
		model := map[string]string{}
		key := func() string { return fmt.Sprintf("k%02d", rng.IntN(40)) }
		for range 30 {
			k, v := key(), fmt.Sprint(rng.IntN(1000))
			s.Working().Set([]byte(k), []byte(v))
			model[k] = v
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		c := NewCache(s.Working())
		for op := range 200 {
			switch rng.IntN(4) {
			case 0, 1:
				k, v := key(), fmt.Sprint(rng.IntN(1000))
				c.Set([]byte(k), []byte(v))
				model[k] = v
			case 2:
				k := key()
				c.Delete([]byte(k))
				delete(model, k)
			case 3:
				start, end := key(), key()
				if start > end {
					start, end = end, start
				}
				reverse := rng.IntN(2) == 0
				limit := 1 + rng.IntN(10)
				var got, want []string
				c.Iterate([]byte(start), []byte(end), reverse, func(k, v []byte) bool {
					got = append(got, string(k)+"="+string(v))
					return len(got) < limit
				})
				for k, v := range model {
					if k >= start && k < end {
						want = append(want, k+"="+v)
					}
				}
				slices.Sort(want)
				if reverse {
					slices.Reverse(want)
				}
				want = want[:min(limit, len(want))]
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d op %d: iterate [%s,%s) reverse=%v: got %v want %v", seed, op, start, end, reverse, got, want)
				}
			}
			k := key()
			if got, want := c.Get([]byte(k)), model[k]; string(got) != want || (got == nil) != (want == "") {
				t.Fatalf("seed %d op %d: get %s = %q want %q", seed, op, k, got, want)
			}
		}
		c.Write()
		for k, v := range model {
			if got := s.Working().Get([]byte(k)); string(got) != v {
				t.Fatalf("seed %d: after Write %s = %q want %q", seed, k, got, v)
			}
		}
	}
}

// The app hash must not depend on the order in which a transaction wrote
// its keys: Write applies them sorted.
func TestCacheWriteOrderIndependent(t *testing.T) {
	hash := func(order []int) []byte {
		s := OpenMemory()
		s.Working().Set([]byte("base"), []byte("x"))
		c := NewCache(s.Working())
		for _, i := range order {
			c.Set([]byte(fmt.Sprintf("key-%d", i)), []byte("v"))
		}
		c.Write()
		return s.WorkingHash()
	}
	a := hash([]int{1, 2, 3, 4, 5, 6, 7, 8})
	b := hash([]int{8, 3, 5, 1, 7, 2, 6, 4})
	if !bytes.Equal(a, b) {
		t.Fatalf("hash depends on write order: %X vs %X", a, b)
	}
}

// TestVersionsKeptAndPruned: all versions are readable by default; with
// KeepRecent, old ones are gone.
func TestVersionsKeptAndPruned(t *testing.T) {
	for _, keep := range []int64{0, 3} {
		s, err := Open(t.TempDir(), dbm.PebbleDBBackend, Options{KeepRecent: keep})
		if err != nil {
			t.Fatal(err)
		}
		for v := 1; v <= 10; v++ {
			s.Working().Set([]byte("height"), []byte(fmt.Sprint(v)))
			if _, _, err := s.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		view, err := s.At(2)
		if keep == 0 {
			if err != nil || string(view.Get([]byte("height"))) != "2" {
				t.Fatalf("keep all: version 2 unreadable: %v", err)
			}
			p, err := view.Proof([]byte("height"))
			if err != nil || p.GetExist() == nil {
				t.Fatalf("no membership proof at version 2: %v", err)
			}
		} else if s.HasVersion(2) {
			t.Fatalf("keep %d: version 2 still there", keep)
		}
		if !s.HasVersion(10) {
			t.Fatal("latest version missing")
		}
		s.Close()
	}
}

// TestNestedCaches mirrors the application's layering: a block buffer over
// the tree, a transaction buffer over the block buffer that is either
// written or dropped. Reads and ordered iteration at every layer must match
// a model, and the block's single write must leave the tree equal to it.
func TestNestedCaches(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		s := OpenMemory()
		committed := map[string]string{}
		for i := range 20 {
			k := fmt.Sprintf("k%02d", i*2)
			s.Working().Set([]byte(k), []byte("base"))
			committed[k] = "base"
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		block := NewCache(s.Working())
		blockModel := maps.Clone(committed)
		for range 30 { // transactions
			tx := NewCache(block)
			txModel := maps.Clone(blockModel)
			for range 1 + rng.IntN(8) {
				k := fmt.Sprintf("k%02d", rng.IntN(45))
				if rng.IntN(3) == 0 {
					tx.Delete([]byte(k))
					delete(txModel, k)
				} else {
					v := fmt.Sprint(rng.IntN(100))
					tx.Set([]byte(k), []byte(v))
					txModel[k] = v
				}
			}
			var got []string
			tx.Iterate([]byte("k10"), []byte("k30"), false, func(k, v []byte) bool {
				got = append(got, string(k)+"="+string(v))
				return true
			})
			var want []string
			for k, v := range txModel {
				if k >= "k10" && k < "k30" {
					want = append(want, k+"="+v)
				}
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d: tx view %v, want %v", seed, got, want)
			}
			if rng.IntN(3) > 0 { // the transaction succeeds
				tx.Write()
				blockModel = txModel
			}
		}
		block.Write()
		n := 0
		s.Working().Iterate(nil, nil, false, func(k, v []byte) bool {
			n++
			if blockModel[string(k)] != string(v) {
				t.Fatalf("seed %d: tree %s=%s, model %q", seed, k, v, blockModel[string(k)])
			}
			return true
		})
		if n != len(blockModel) {
			t.Fatalf("seed %d: tree has %d keys, model %d", seed, n, len(blockModel))
		}
	}
}
