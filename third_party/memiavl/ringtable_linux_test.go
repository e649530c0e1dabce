//go:build linux

package memiavl

import (
	"math/rand/v2"
	"os"
	"testing"
)

// TestRingTableAgreesWithAMap runs random puts, gets and deletes on a
// ringTable and a Go map side by side, at the fill a walker keeps (up to
// its pages, half the table), with few files and nearby offsets so that
// runs of probes form and deletions must shift entries back across them
// and across the table's end.
func TestRingTableAgreesWithAMap(t *testing.T) {
	files := []*os.File{new(os.File), new(os.File), new(os.File)}
	for _, pages := range []int{1, 2, 7, 64, 4096} {
		rng := rand.New(rand.NewPCG(uint64(pages), 31))
		table := newRingTable(pages)
		if len(table.keys) < 2*pages {
			t.Fatalf("%d pages: %d slots", pages, len(table.keys))
		}
		want := map[ringPageKey]int32{}
		var present []ringPageKey
		key := func() ringPageKey {
			return ringPageKey{files[rng.IntN(len(files))], int64(rng.IntN(4*pages+3)) * ringPageSize}
		}
		for step := range 200 * pages {
			switch op := rng.IntN(10); {
			case op < 4 && len(want) < pages:
				k, v := key(), int32(step)
				if _, ok := want[k]; !ok {
					present = append(present, k)
				}
				want[k] = v
				table.put(k, v)
			case op < 7 && len(present) > 0:
				at := rng.IntN(len(present))
				k := present[at]
				present[at] = present[len(present)-1]
				present = present[:len(present)-1]
				delete(want, k)
				table.delete(k)
			case op == 7 && rng.IntN(50) == 0:
				clear(want)
				present = present[:0]
				table.clear()
			default:
				k := key()
				got, ok := table.get(k)
				if v, has := want[k]; ok != has || got != v {
					t.Fatalf("%d pages, step %d: get(%v) = %d, %v; want %d, %v", pages, step, k.off, got, ok, v, has)
				}
			}
			if table.count != len(want) {
				t.Fatalf("%d pages, step %d: %d entries, want %d", pages, step, table.count, len(want))
			}
		}
		for k, v := range want {
			if got, ok := table.get(k); !ok || got != v {
				t.Fatalf("%d pages: at the end get(%v) = %d, %v; want %d", pages, k.off, got, ok, v)
			}
		}
	}
}
