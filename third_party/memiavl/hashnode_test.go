package memiavl

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
)

// hashThroughWriter is HashNode as upstream computes it, through
// writeHashBytes and a hasher.
func hashThroughWriter(node Node) []byte {
	h := sha256.New()
	if err := writeHashBytes(node, h); err != nil {
		panic(err)
	}
	return h.Sum(nil)
}

// TestHashNodeAsUpstream requires HashNode to give the hash upstream's
// writer gives for leaves with keys and values of every length up to
// past the stack buffer, and for the branches above them, in memory and
// in a snapshot.
func TestHashNodeAsUpstream(t *testing.T) {
	tree := New(0)
	for i := range 300 {
		key := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i)
		tree.set(append(key, []byte(fmt.Sprint(i))...), bytes.Repeat([]byte{byte(i)}, i%7*50))
	}
	if _, _, err := tree.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	nodes := 0
	check := func(root Node) {
		var walk func(n Node)
		walk = func(n Node) {
			nodes++
			if got, want := HashNode(n), hashThroughWriter(n); !bytes.Equal(got, want) {
				t.Fatalf("node of height %d, key %q: HashNode %X, upstream %X", n.Height(), n.Key(), got, want)
			}
			if !n.IsLeaf() {
				walk(n.Left())
				walk(n.Right())
			}
		}
		walk(root)
	}
	check(tree.root)
	dir := t.TempDir()
	if err := tree.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	snapshot, err := OpenSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer snapshot.Close()
	check(snapshot.RootNode())
	if nodes != 2*(2*300-1) {
		t.Fatalf("checked %d nodes, want every node of both trees", nodes)
	}
}
