package memiavl

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
)

// hashThroughWriter is HashNode as upstream computes it, through
// writeHashBytes (upstream's, kept here as the reference) and a hasher.
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

// Writes the node's hash to the given `io.Writer`. This function recursively calls
// children to update hashes.
func writeHashBytes(node Node, w io.Writer) error {
	var (
		n   int
		buf [binary.MaxVarintLen64]byte
	)

	n = binary.PutVarint(buf[:], int64(node.Height()))
	if _, err := w.Write(buf[0:n]); err != nil {
		return fmt.Errorf("writing height, %w", err)
	}
	n = binary.PutVarint(buf[:], node.Size())
	if _, err := w.Write(buf[0:n]); err != nil {
		return fmt.Errorf("writing size, %w", err)
	}
	n = binary.PutVarint(buf[:], int64(node.Version()))
	if _, err := w.Write(buf[0:n]); err != nil {
		return fmt.Errorf("writing version, %w", err)
	}

	// Key is not written for inner nodes, unlike writeBytes.

	if node.IsLeaf() {
		if err := EncodeBytes(w, node.Key()); err != nil {
			return fmt.Errorf("writing key, %w", err)
		}

		// Indirection needed to provide proofs without values.
		// (e.g. ProofLeafNode.ValueHash)
		valueHash := sha256.Sum256(node.Value())

		if err := EncodeBytes(w, valueHash[:]); err != nil {
			return fmt.Errorf("writing value, %w", err)
		}
	} else {
		if err := EncodeBytes(w, node.Left().Hash()); err != nil {
			return fmt.Errorf("writing left hash, %w", err)
		}
		if err := EncodeBytes(w, node.Right().Hash()); err != nil {
			return fmt.Errorf("writing right hash, %w", err)
		}
	}

	return nil
}
