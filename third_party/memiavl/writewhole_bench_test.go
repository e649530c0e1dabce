package memiavl

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"testing"
)

// BenchmarkWriteWhole writes a tree of 1M leaves whole from a chain (a
// base and a layer of 100,000 changes, as a whole rewrite at the end of a
// chain does), in the page cache: the writer's own CPU.
// MEMIAVL_WRITEWHOLE_CHANGES sets how many leaves the layer changes (fewer
// changes, more of the base copied as records: snapshot_copy.go).
func BenchmarkWriteWhole(b *testing.B) {
	const leaves = 1_000_000
	changes := 100_000
	if os.Getenv("MEMIAVL_WRITEWHOLE_CHANGES") != "" {
		changes, _ = strconv.Atoi(os.Getenv("MEMIAVL_WRITEWHOLE_CHANGES"))
	}
	dir := b.TempDir()
	tree := New(0)
	var pairs []*KVPair
	for i := 0; i < leaves; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%09d", i*7)), Value: []byte(fmt.Sprintf(`{"parcel":%d,"owner":"a name","area":"1234.5"}`, i))})
	}
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	tree.SaveVersion(true)
	if err := tree.WriteSnapshot(filepath.Join(dir, "base")); err != nil {
		b.Fatal(err)
	}
	base, err := OpenSnapshot(filepath.Join(dir, "base"))
	if err != nil {
		b.Fatal(err)
	}
	tree = NewFromSnapshot(base, false, 0)
	rng := rand.New(rand.NewSource(1))
	pairs = nil
	seen := map[int]bool{}
	for len(pairs) < changes {
		i := rng.Intn(leaves)
		if !seen[i] {
			seen[i] = true
			pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%09d", i*7)), Value: []byte(fmt.Sprintf(`{"parcel":%d,"owner":"another","area":"1234.5"}`, i))})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return string(pairs[i].Key) < string(pairs[j].Key) })
	tree.ApplyChangeSet(ChangeSet{Pairs: pairs})
	tree.SaveVersion(true)
	if err := tree.WriteLayer(context.Background(), filepath.Join(dir, "layer")); err != nil {
		b.Fatal(err)
	}
	layer, err := OpenSnapshot(filepath.Join(dir, "layer"))
	if err != nil {
		b.Fatal(err)
	}
	tree = NewFromSnapshot(layer, false, 0)
	defer tree.Close()
	if path := os.Getenv("MEMIAVL_WRITEWHOLE_PROFILE"); path != "" {
		// the writes alone, without building the chain
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	for n := range b.N {
		out := filepath.Join(dir, fmt.Sprint("whole-", n))
		if err := tree.writeWhole(context.Background(), out, false, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}
