package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCollectedSortsLikeBytesCompare: the writes of a table come out in
// bytes.Compare order, one per key, the last written kept, whatever the
// keys' common prefix and lengths (empty keys, keys that are prefixes of
// others, keys equal in their first eight bytes after the prefix).
func TestCollectedSortsLikeBytesCompare(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 1))
		prefix := bytes.Repeat([]byte{byte(rng.IntN(3))}, rng.IntN(12))
		c := &collected{}
		last := map[string]string{}
		for i := range 1 + rng.IntN(200) {
			k := append(slices.Clone(prefix), make([]byte, rng.IntN(20))...)
			for j := len(prefix); j < len(k); j++ {
				k[j] = byte(rng.IntN(3)) // few values: many equal bytes and keys
			}
			v := fmt.Appendf(nil, "%d", i)
			c.add(k, v)
			last[string(k)] = string(v)
		}
		var got []string
		for _, e := range c.sorted() {
			k := string(c.key(e))
			got = append(got, k)
			if string(c.value(e)) != last[k] {
				t.Fatalf("seed %d: key %x kept value %s, last written %s", seed, k, c.value(e), last[k])
			}
		}
		want := make([]string, 0, len(last))
		for k := range last {
			want = append(want, k)
		}
		slices.Sort(want) // Go orders strings bytewise, as bytes.Compare
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: order %x, want %x", seed, got, want)
		}
	}
}
