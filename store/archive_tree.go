package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cosmos/iavl"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// archiveTree is one tree of the archive at one version: read-only and
// safe for concurrent use.
type archiveTree struct {
	a    *archive
	root treeRoot
}

func (t *archiveTree) half() half {
	if t == nil || t.root.empty() {
		return half{}
	}
	return half{hash: t.root.hash, height: t.root.height, size: t.root.size, version: t.root.version}
}

func (t *archiveTree) top() (*node, error) {
	if t.root.empty() {
		return nil, nil
	}
	return t.a.get(t.root.version, t.root.hash)
}

// Get returns key's value, nil if absent. An inner node's key is the
// smallest key of its right subtree, as in IAVL.
func (t *archiveTree) Get(key []byte) ([]byte, error) {
	n, err := t.top()
	for err == nil && n != nil && !n.leaf() {
		if bytes.Compare(key, n.key) < 0 {
			n, err = t.a.left(n)
		} else {
			n, err = t.a.right(n)
		}
	}
	if err != nil || n == nil || !bytes.Equal(n.key, key) {
		return nil, err
	}
	return n.value, nil
}

// iterate visits [start, end) in order (descending unless ascending) and
// reports whether fn wanted more.
func (t *archiveTree) iterate(start, end []byte, ascending bool, fn func(key, value []byte) bool) (bool, error) {
	n, err := t.top()
	if err != nil || n == nil {
		return true, err
	}
	return t.visit(n, start, end, ascending, fn)
}

func (t *archiveTree) visit(n *node, start, end []byte, ascending bool, fn func(key, value []byte) bool) (bool, error) {
	if n.leaf() {
		if (start == nil || bytes.Compare(n.key, start) >= 0) && (end == nil || bytes.Compare(n.key, end) < 0) {
			return fn(n.key, n.value), nil
		}
		return true, nil
	}
	// Left holds keys below n.key, right the rest.
	wantLeft := start == nil || bytes.Compare(start, n.key) < 0
	wantRight := end == nil || bytes.Compare(end, n.key) > 0
	side := func(left bool) (bool, error) {
		if left && !wantLeft || !left && !wantRight {
			return true, nil
		}
		var c *node
		var err error
		if left {
			c, err = t.a.left(n)
		} else {
			c, err = t.a.right(n)
		}
		if err != nil {
			return false, err
		}
		return t.visit(c, start, end, ascending, fn)
	}
	more, err := side(ascending)
	if err != nil || !more {
		return more, err
	}
	return side(!ascending)
}

// GetProof proves key present (membership) or absent (non-membership,
// with its neighbours' membership proofs), exactly as IAVL proves it.
func (t *archiveTree) GetProof(key []byte) (*ics23.CommitmentProof, error) {
	if t.root.empty() {
		return nil, fmt.Errorf("cannot prove %q in an empty tree", key)
	}
	exist, err := t.existence(key)
	if err != nil {
		return nil, err
	}
	if exist != nil {
		return &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Exist{Exist: exist}}, nil
	}
	non := &ics23.NonExistenceProof{Key: key}
	var before, after []byte
	if _, err := t.iterate(nil, key, false, func(k, _ []byte) bool { before = bytes.Clone(k); return false }); err != nil {
		return nil, err
	}
	if _, err := t.iterate(key, nil, true, func(k, _ []byte) bool { after = bytes.Clone(k); return false }); err != nil {
		return nil, err
	}
	if before != nil {
		if non.Left, err = t.existence(before); err != nil {
			return nil, err
		}
	}
	if after != nil {
		if non.Right, err = t.existence(after); err != nil {
			return nil, err
		}
	}
	return &ics23.CommitmentProof{Proof: &ics23.CommitmentProof_Nonexist{Nonexist: non}}, nil
}

// existence is key's membership proof, nil if key is absent.
func (t *archiveTree) existence(key []byte) (*ics23.ExistenceProof, error) {
	var path iavl.PathToLeaf
	n, err := t.top()
	for err == nil && !n.leaf() {
		step := iavl.ProofInnerNode{Height: n.height, Size: n.size, Version: n.version}
		if bytes.Compare(key, n.key) < 0 {
			step.Right = n.rightHash
			n, err = t.a.left(n)
		} else {
			step.Left = n.leftHash
			n, err = t.a.right(n)
		}
		path = append(path, step)
	}
	if err != nil || !bytes.Equal(n.key, key) {
		return nil, err
	}
	return &ics23.ExistenceProof{Key: n.key, Value: n.value, Leaf: leafOp(n.version), Path: innerOps(path)}, nil
}

// leafOp and innerOps turn an IAVL path into ICS23 steps as IAVL's own
// proof conversion does (same bytes).
func leafOp(version int64) *ics23.LeafOp {
	prefix := binary.AppendVarint(nil, 0)
	prefix = binary.AppendVarint(prefix, 1)
	prefix = binary.AppendVarint(prefix, version)
	return &ics23.LeafOp{Hash: ics23.HashOp_SHA256, PrehashValue: ics23.HashOp_SHA256, Length: ics23.LengthOp_VAR_PROTO, Prefix: prefix}
}

func innerOps(path iavl.PathToLeaf) []*ics23.InnerOp {
	steps := make([]*ics23.InnerOp, 0, len(path))
	for i := len(path) - 1; i >= 0; i-- { // leaf upwards
		p := path[i]
		prefix := binary.AppendVarint(nil, int64(p.Height))
		prefix = binary.AppendVarint(prefix, p.Size)
		prefix = binary.AppendVarint(prefix, p.Version)
		var suffix []byte
		if len(p.Left) > 0 {
			prefix = append(prefix, hashLen)
			prefix = append(prefix, p.Left...)
			prefix = append(prefix, hashLen)
		} else {
			prefix = append(prefix, hashLen)
			suffix = append([]byte{hashLen}, p.Right...)
		}
		steps = append(steps, &ics23.InnerOp{Hash: ics23.HashOp_SHA256, Prefix: prefix, Suffix: suffix})
	}
	return steps
}

// writeTree adds the nodes of root's tree made at version (those the
// archive lacks), or all of them when whole, and the tree's root record
// to the batch.
func (b *archiveBatch) writeTree(tree byte, root memiavl.Node, version int64, whole bool) {
	if root == nil {
		b.set(rootKey(tree, version), encodeRoot(treeRoot{}))
		return
	}
	var write func(n memiavl.Node)
	write = func(n memiavl.Node) {
		v := int64(n.Version())
		if v != version && !whole {
			return // an older node, archived with its own version
		}
		key, value := b.scratch()
		b.key = appendNodeKey(key, v, n.Hash())
		if n.IsLeaf() {
			b.value = appendNode(value, 0, 1, n.Key(), n.Value(), 0, nil, 0, nil)
			b.set(b.key, b.value)
			return
		}
		l, r := n.Left(), n.Right()
		b.value = appendNode(value, int8(n.Height()), n.Size(), n.Key(), nil, int64(l.Version()), l.Hash(), int64(r.Version()), r.Hash())
		b.set(b.key, b.value)
		write(l)
		write(r)
	}
	write(root)
	b.set(rootKey(tree, version), encodeRoot(treeRoot{version: int64(root.Version()), hash: root.Hash(), height: int8(root.Height()), size: root.Size()}))
}
