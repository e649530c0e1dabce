package memiavl

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// ReadAhead answers as Get does for keys present and absent, in the
// snapshot, in the memory tree over it and in a tree with no snapshot.
func TestReadAheadAgreesWithGet(t *testing.T) {
	for _, n := range []int{1, 2, 3, 100, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rng := rand.New(rand.NewSource(int64(n)))
			var pairs []*KVPair
			for i := 0; i < n; i++ {
				v := make([]byte, rng.Intn(300))
				rng.Read(v)
				pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k/%08d", i*2)), Value: v})
			}
			apply := func(ps []*KVPair) {
				if err := db.ApplyChangeSet("a", ChangeSet{Pairs: ps}); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			check := func(stage string) {
				tree := db.TreeByName("a")
				for i := -1; i <= 2*n+1; i++ {
					key := []byte(fmt.Sprintf("k/%08d", i))
					if i < 0 {
						key = []byte("a")
					}
					got, err := tree.ReadAhead(key)
					if err != nil {
						t.Fatalf("%s: %q: %v", stage, key, err)
					}
					want := tree.Get(key)
					if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
						t.Fatalf("%s: %q: ReadAhead %x, Get %x", stage, key, got, want)
					}
				}
				for _, key := range [][]byte{[]byte("k/0000000"), []byte("k/000000000"), []byte("z")} {
					if got, _ := tree.ReadAhead(key); got != nil {
						t.Fatalf("%s: absent %q read as %x", stage, key, got)
					}
				}
			}
			apply(pairs)
			check("in memory")
			if err := db.RewriteSnapshot(); err != nil {
				t.Fatal(err)
			}
			if err := db.Reload(); err != nil {
				t.Fatal(err)
			}
			check("snapshot")
			var more []*KVPair
			for i := 0; i < n; i += 3 {
				more = append(more, &KVPair{Key: []byte(fmt.Sprintf("k/%08d", i)), Value: []byte{byte(i)}})
				if i%2 == 0 {
					more = append(more, &KVPair{Key: []byte(fmt.Sprintf("k/%08d", i+1)), Delete: i%4 == 0, Value: []byte("x")})
				}
			}
			apply(more)
			check("changes over the snapshot")
		})
	}
}
