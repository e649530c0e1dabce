package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/crypto-org-chain/cronos/memiavl"
)

// ExportedNode is one node of a version's trees as Export hands it out:
// the trees' nodes in post-order (children before their parent), low tree
// first, each with its key (a leaf's, or an inner node's smallest key on
// its right), a leaf's value, its version and its height. The stream
// rebuilds the trees exactly, hashes included (ImportExported), which a
// sorted list of records cannot: IAVL's shape depends on the order keys
// were written. It is what a state-sync snapshot carries.
type ExportedNode struct {
	Tree    byte
	Key     []byte
	Value   []byte
	Version int64
	Height  int8
}

// Export hands every node of the view's trees to fn, in the order
// ImportExported takes them.
func (v *View) Export(fn func(ExportedNode) error) error {
	trees := []*archiveTree{v.low}
	if v.split != nil {
		trees = append(trees, v.high)
	}
	for i, t := range trees {
		top, err := t.top()
		if err != nil || top == nil {
			if err != nil {
				return err
			}
			continue
		}
		var walk func(n *node) error
		walk = func(n *node) error {
			if !n.leaf() {
				l, err := t.a.left(n)
				if err != nil {
					return err
				}
				if err := walk(l); err != nil {
					return err
				}
				r, err := t.a.right(n)
				if err != nil {
					return err
				}
				if err := walk(r); err != nil {
					return err
				}
			}
			return fn(ExportedNode{Tree: byte(i), Key: n.key, Value: n.value, Version: n.version, Height: n.height})
		}
		if err := walk(top); err != nil {
			return err
		}
	}
	return nil
}

// ImportExported writes a new state in dir at version from an exported
// stream of nodes (next returns io.EOF after the last), such as another
// node's state-sync snapshot, and returns its root hash, which the caller
// compares with the hash it trusts (a verified header's app hash). The
// stream is checked as it is read: post-order, heights, keys ascending
// and each inner node's key the smallest on its right (the hash does not
// cover inner keys, so a wrong one would pass the hash check and misdirect
// reads), versions no later than version and no child newer than its
// parent. The archive holds only version; earlier heights are not
// readable on a state restored this way.
func ImportExported(dir string, version int64, opts Options, next func() (ExportedNode, error)) ([]byte, error) {
	var pending *ExportedNode // read ahead: the first node of the next tree
	return importState(dir, version, splitBytes(opts.Split), func(b *treeBuilder) (treeRoot, error) {
		type entry struct {
			hash    []byte
			version int64
			height  int8
			size    int64
			first   []byte
		}
		var stack []entry
		for {
			var n ExportedNode
			if pending != nil {
				n, pending = *pending, nil
			} else {
				var err error
				if n, err = next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					return treeRoot{}, fmt.Errorf("import: %w", err)
				}
			}
			if n.Tree != b.tree {
				if n.Tree < b.tree || n.Tree > 1 {
					return treeRoot{}, fmt.Errorf("import: a node of tree %d after tree %d", n.Tree, b.tree)
				}
				pending = &n
				break
			}
			if n.Version <= 0 || n.Version > version {
				return treeRoot{}, fmt.Errorf("import: a node of version %d in a state of version %d", n.Version, version)
			}
			if n.Height == 0 {
				if b.last != nil && bytes.Compare(n.Key, b.last) <= 0 {
					return treeRoot{}, fmt.Errorf("import: key %q does not follow %q: keys must be strictly ascending", n.Key, b.last)
				}
				if inLow(b.split, n.Key) != (b.tree == 0) {
					return treeRoot{}, fmt.Errorf("import: key %q is on the wrong side of the state split %q", n.Key, b.split)
				}
				if n.Value == nil {
					n.Value = []byte{}
				}
				b.last = n.Key
				stack = append(stack, entry{hash: b.leaf(n.Version, n.Key, n.Value), version: n.Version, size: 1, first: n.Key})
				continue
			}
			if len(stack) < 2 {
				return treeRoot{}, fmt.Errorf("import: inner node %q with fewer than two nodes before it", n.Key)
			}
			l, r := stack[len(stack)-2], stack[len(stack)-1]
			stack = stack[:len(stack)-2]
			if n.Height != max(l.height, r.height)+1 {
				return treeRoot{}, fmt.Errorf("import: inner node %q of height %d over children of heights %d and %d", n.Key, n.Height, l.height, r.height)
			}
			if !bytes.Equal(n.Key, r.first) {
				return treeRoot{}, fmt.Errorf("import: inner node key %q is not the smallest key on its right, %q", n.Key, r.first)
			}
			if l.version > n.Version || r.version > n.Version {
				return treeRoot{}, fmt.Errorf("import: inner node %q of version %d over a newer child", n.Key, n.Version)
			}
			size := l.size + r.size
			hash := innerHash(n.Height, size, n.Version, l.hash, r.hash)
			b.add(&memiavl.ExportNode{Key: n.Key, Version: n.Version, Height: n.Height})
			b.batch.set(nodeKey(n.Version, hash), encodeNode(n.Height, size, n.Key, nil, l.version, l.hash, r.version, r.hash))
			stack = append(stack, entry{hash: hash, version: n.Version, height: n.Height, size: size, first: l.first})
		}
		if b.batch.err != nil {
			return treeRoot{}, b.batch.err
		}
		switch len(stack) {
		case 0:
			return treeRoot{}, nil
		case 1:
			top := stack[0]
			return treeRoot{version: top.version, hash: top.hash, height: top.height, size: top.size}, nil
		}
		return treeRoot{}, fmt.Errorf("import: tree %d ends with %d subtrees, not one", b.tree, len(stack))
	})
}
