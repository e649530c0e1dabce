package store

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// sortedSource serves model's records in key order.
func sortedSource(model map[string]string, split string) ImportSource {
	keys := slices.Sorted(maps.Keys(model))
	var src ImportSource
	for _, k := range keys {
		if split != "" && k >= split {
			src.High++
		} else {
			src.Low++
		}
	}
	i := 0
	src.Next = func() ([]byte, []byte, error) {
		if i >= len(keys) {
			return nil, nil, errors.New("no more records")
		}
		k := keys[i]
		i++
		return []byte(k), []byte(model[k]), nil
	}
	return src
}

// TestImportThenContinue imports a state, checks it through the latest
// trees and the archive (values, iteration, ICS23 proofs with the stock
// IavlSpec), then writes more versions over it and checks every version,
// the imported one included, before and after a reopen.
func TestImportThenContinue(t *testing.T) {
	for _, split := range []string{"k20", NoSplit} {
		t.Run(fmt.Sprintf("split=%q", split), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(split))))
			model := map[string]string{}
			for i := range 40 {
				if rng.IntN(5) > 0 {
					model[fmt.Sprintf("k%02d", i)] = fmt.Sprintf("v%d", rng.Int())
				}
				for j := range rng.IntN(120) {
					model[fmt.Sprintf("k%02d_%03d", i, j)] = strings.Repeat("x", 1+rng.IntN(40))
				}
			}
			dir := t.TempDir()
			const base = 5
			hash, err := Import(dir, base, Options{Split: split}, sortedSource(model, split))
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Split: split, SnapshotInterval: 3}
			s, err := Open(dir, dbm.PebbleDBBackend, opts)
			if err != nil {
				t.Fatal(err)
			}
			// memiavl hashed the imported trees itself: the same root.
			if s.Version() != base || string(s.Hash()) != string(hash) {
				t.Fatalf("opened at version %d hash %X; imported version %d hash %X", s.Version(), s.Hash(), base, hash)
			}
			for k, v := range model {
				if got := s.Working().Get([]byte(k)); string(got) != v {
					t.Fatalf("latest tree: %s = %q, want %q", k, got, v)
				}
			}
			models := map[int64]map[string]string{base: maps.Clone(model)}
			check := func(where string) {
				for v, m := range models {
					view, err := s.At(v)
					if err != nil {
						t.Fatalf("%s: version %d: %v", where, v, err)
					}
					checkIteration(t, rng, view, m, fmt.Sprintf("%s, version %d", where, v))
					checkProofs(t, view, m, fmt.Sprintf("%s, version %d", where, v))
				}
			}
			check("imported")
			current := func() string {
				c, err := os.Readlink(filepath.Join(dir, "state", "latest", "current"))
				if err != nil {
					t.Fatal(err)
				}
				return filepath.Join(dir, "state", "latest", c)
			}
			imported := current()
			// The latest tree's values are compressed; the base file the
			// archive reads the imported version from keeps them raw.
			low := filepath.Join(imported, lowName)
			if _, err := os.Stat(filepath.Join(low, memiavl.FileNameKVsDict)); err != nil {
				t.Fatalf("the imported tree's values are not compressed: %v", err)
			}
			latestKVs, err := os.Stat(filepath.Join(low, memiavl.FileNameKVs))
			if err != nil {
				t.Fatal(err)
			}
			baseKVs, err := os.Stat(filepath.Join(dir, "state", "base", baseFileName(base, 0)))
			if err != nil {
				t.Fatal(err)
			}
			if os.SameFile(latestKVs, baseKVs) || latestKVs.Size() >= baseKVs.Size() {
				t.Fatalf("the latest tree's kvs (%d bytes) is the base file (%d bytes), not a compressed copy", latestKVs.Size(), baseKVs.Size())
			}
			for v := int64(base + 1); v <= base+6; v++ {
				block := NewCache(s.Working())
				for range 1 + rng.IntN(80) {
					k := fmt.Sprintf("k%02d_%03d", rng.IntN(40), rng.IntN(150))
					if rng.IntN(3) == 0 {
						block.Delete([]byte(k))
						delete(model, k)
					} else {
						val := fmt.Sprintf("w%d", rng.Int())
						block.Set([]byte(k), []byte(val))
						model[k] = val
					}
				}
				block.Write()
				if _, got, err := s.Commit(); err != nil || got != v {
					t.Fatalf("commit %d: %d %v", v, got, err)
				}
				models[v] = maps.Clone(model)
			}
			// Once memiavl has replaced the imported snapshot and removed
			// it, the archive still reads the imported version's leaves,
			// from the base files it kept.
			if err := s.Snapshot(); err != nil {
				t.Fatal(err)
			}
			if current() == imported {
				t.Fatalf("the latest tree still uses the imported snapshot")
			}
			if err := os.RemoveAll(imported); err != nil {
				t.Fatal(err)
			}
			check("after writes")
			want := s.Hash()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(dir, dbm.PebbleDBBackend, opts); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if string(s.Hash()) != string(want) {
				t.Fatalf("reopened hash %X, want %X", s.Hash(), want)
			}
			check("reopened")
		})
	}
}

func TestImportRefusesBadInput(t *testing.T) {
	rec := func(keys ...string) ImportSource {
		i := 0
		return ImportSource{Low: int64(len(keys)), Next: func() ([]byte, []byte, error) {
			i++
			return []byte(keys[i-1]), []byte("v"), nil
		}}
	}
	cases := map[string]struct {
		src   ImportSource
		split string
		want  string
	}{
		"unsorted":       {rec("b", "a"), NoSplit, "strictly ascending"},
		"duplicate":      {rec("a", "a"), NoSplit, "strictly ascending"},
		"wrong side":     {rec("a", "z"), "m", "wrong side"},
		"high, no split": {ImportSource{High: 1}, NoSplit, "no split"},
		"source fails":   {ImportSource{Low: 1, Next: func() ([]byte, []byte, error) { return nil, nil, errors.New("disk gone") }}, NoSplit, "disk gone"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Import(t.TempDir(), 1, Options{Split: c.split}, c.src)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
	dir := t.TempDir()
	if _, err := Import(dir, 1, Options{}, rec("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(dir, 1, Options{}, rec("a")); err == nil || !strings.Contains(err.Error(), "already holds state") {
		t.Fatalf("import over a state: %v", err)
	}
	if _, err := Import(t.TempDir(), 0, Options{}, rec("a")); err == nil {
		t.Fatal("version 0 was accepted")
	}
}
