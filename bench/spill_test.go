package bench

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSpillSortsAndKeepsLastWrite: records written in random order, some
// keys many times, come back once each, in key order, with their last
// value, counted on the right side of the split; the files are removed.
func TestSpillSortsAndKeepsLastWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sp, err := newSpill(t.TempDir() + "/spill")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	// Keys with two slashes share a file per prefix; the others (a
	// module's parameters) are files of one key.
	prefixes := []string{"a/b/", "a/c/", "land/parcel/", "land/params", "app/chain_id", "z/y/"}
	for i := range 20_000 {
		k := prefixes[rng.IntN(len(prefixes))]
		if k[len(k)-1] == '/' {
			k = fmt.Sprintf("%s%d", k, rng.IntN(5000))
		}
		v := fmt.Sprintf("v%d", i)
		want[k] = v
		if err := sp.add([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	src, done, err := sp.source("land/parcel/")
	if err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(want))
	var low int64
	for _, k := range keys {
		if k < "land/parcel/" {
			low++
		}
	}
	if src.Low != low || src.High != int64(len(keys))-low {
		t.Fatalf("counted %d low and %d high, want %d and %d", src.Low, src.High, low, int64(len(keys))-low)
	}
	for _, k := range keys {
		gk, gv, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		if string(gk) != k || string(gv) != want[k] {
			t.Fatalf("got %s=%s, want %s=%s", gk, gv, k, want[k])
		}
	}
	if _, _, err := src.Next(); err == nil {
		t.Fatal("a record after the last")
	}
	if err := done(); err != nil {
		t.Fatal(err)
	}
	if err := sp.remove(); err != nil {
		t.Fatal(err)
	}
}
