package memiavl

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// Change sets for several trees, applied each on its own goroutine, give
// every tree the hash that applying them one after another gives, also
// when a tree is named twice (its change sets then go in order).
func TestApplyChangeSetsInParallelLikeInOrder(t *testing.T) {
	names := []string{"a", "b", "c"}
	newTrees := func() *MultiTree {
		mt := NewEmptyMultiTree(0, 0)
		var ups []*TreeNameUpgrade
		for _, n := range names {
			ups = append(ups, &TreeNameUpgrade{Name: n})
		}
		require.NoError(t, mt.ApplyUpgrades(ups))
		return mt
	}
	parallel, inOrder := newTrees(), newTrees()
	rng := rand.New(rand.NewSource(7))
	for version := 0; version < 20; version++ {
		var sets []*NamedChangeSet
		for _, n := range names {
			var cs ChangeSet
			for range rng.Intn(300) {
				key := []byte(fmt.Sprintf("k%05d", rng.Intn(2000)))
				cs.Pairs = append(cs.Pairs, &KVPair{Key: key, Value: []byte(fmt.Sprint(version)), Delete: rng.Intn(5) == 0})
			}
			sets = append(sets, &NamedChangeSet{Name: n, Changeset: cs})
		}
		if version%4 == 3 {
			sets = append(sets, &NamedChangeSet{Name: "b", Changeset: ChangeSet{Pairs: []*KVPair{{Key: []byte("k00001"), Value: []byte("again")}}}})
		}
		require.NoError(t, parallel.ApplyChangeSets(sets))
		for _, cs := range sets {
			require.NoError(t, inOrder.ApplyChangeSet(cs.Name, cs.Changeset))
		}
		_, err := parallel.SaveVersion(true)
		require.NoError(t, err)
		_, err = inOrder.SaveVersion(true)
		require.NoError(t, err)
		for _, n := range names {
			require.Equal(t, inOrder.TreeByName(n).RootHash(), parallel.TreeByName(n).RootHash(), "tree %s at version %d", n, version)
		}
		require.Equal(t, inOrder.LastCommitInfo(), parallel.LastCommitInfo())
	}
	require.Error(t, parallel.ApplyChangeSets([]*NamedChangeSet{{Name: "nope"}}))
}
