package memiavl

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
)

// Node interface encapsulate the interface of both PersistedNode and MemNode.
type Node interface {
	Height() uint8
	IsLeaf() bool
	Size() int64
	Version() uint32
	Key() []byte
	Value() []byte
	Left() Node
	Right() Node
	Hash() []byte

	// SafeHash returns byte slice that's safe to retain
	SafeHash() []byte

	// PersistedNode clone a new node, MemNode modify in place
	Mutate(version, cowVersion uint32) *MemNode

	// Get query the value for a key, it's put into interface because a specialized implementation is more efficient.
	Get(key []byte) ([]byte, uint32)
	GetByIndex(uint32) ([]byte, []byte)
}

// setRecursive do set operation.
// it always do modification and return new `MemNode`, even if the value is the same.
// also returns if it's an update or insertion, if update, the tree height and balance is not changed.
func setRecursive(node Node, key, value []byte, version, cowVersion uint32) (*MemNode, bool) {
	if node == nil {
		return newLeafNode(key, value, version), true
	}

	nodeKey := writeKey(node)
	if node.IsLeaf() {
		switch bytes.Compare(key, nodeKey) {
		case -1:
			return &MemNode{
				height:  1,
				size:    2,
				version: version,
				key:     nodeKey,
				left:    newLeafNode(key, value, version),
				right:   node,
			}, false
		case 1:
			return &MemNode{
				height:  1,
				size:    2,
				version: version,
				key:     key,
				left:    node,
				right:   newLeafNode(key, value, version),
			}, false
		default:
			if _, ok := node.(PersistedNode); ok {
				// the old value is replaced: a snapshot leaf's Mutate
				// would decompress it for nothing
				return &MemNode{size: 1, version: version, key: nodeKey, value: value}, true
			}
			newNode := node.Mutate(version, cowVersion)
			newNode.value = value
			return newNode, true
		}
	} else {
		var (
			newChild, newNode *MemNode
			updated           bool
		)
		if bytes.Compare(key, nodeKey) == -1 {
			newChild, updated = setRecursive(node.Left(), key, value, version, cowVersion)
			newNode = node.Mutate(version, cowVersion)
			newNode.left = newChild
		} else {
			newChild, updated = setRecursive(node.Right(), key, value, version, cowVersion)
			newNode = node.Mutate(version, cowVersion)
			newNode.right = newChild
		}

		if !updated {
			newNode.updateHeightSize()
			newNode = newNode.reBalance(version, cowVersion)
		}

		return newNode, updated
	}
}

// removeRecursive returns:
// - (false, origNode, nil) -> nothing changed in subtree
// - (true, nil, newKey) -> leaf node is removed
// - (true, new node, newKey) -> subtree changed
//
// (Upstream returns the removed value; nothing here reads it, and a
// snapshot leaf's value would be decompressed to say "found".)
func removeRecursive(node Node, key []byte, version, cowVersion uint32) (bool, Node, []byte) {
	if node == nil {
		return false, nil, nil
	}

	if node.IsLeaf() {
		if bytes.Equal(writeKey(node), key) {
			return true, nil, nil
		}
		return false, node, nil
	}

	if bytes.Compare(key, node.Key()) == -1 {
		removed, newLeft, newKey := removeRecursive(node.Left(), key, version, cowVersion)
		if !removed {
			return false, node, nil
		}
		if newLeft == nil {
			return true, node.Right(), node.Key()
		}
		newNode := node.Mutate(version, cowVersion)
		newNode.left = newLeft
		newNode.updateHeightSize()
		return true, newNode.reBalance(version, cowVersion), newKey
	}

	removed, newRight, newKey := removeRecursive(node.Right(), key, version, cowVersion)
	if !removed {
		return false, node, nil
	}
	if newRight == nil {
		return true, node.Left(), nil
	}

	newNode := node.Mutate(version, cowVersion)
	newNode.right = newRight
	if newKey != nil {
		newNode.key = newKey
	}
	newNode.updateHeightSize()
	return true, newNode.reBalance(version, cowVersion), nil
}

// appendHashBytes appends the bytes a node's hash is taken of to b: its
// height, size and version, then a leaf's key and value hash or a
// branch's children's hashes, each with its length.
func appendHashBytes(b []byte, node Node) []byte {
	b = binary.AppendVarint(b, int64(node.Height()))
	b = binary.AppendVarint(b, node.Size())
	b = binary.AppendVarint(b, int64(node.Version()))
	if node.IsLeaf() {
		key := node.Key()
		b = binary.AppendUvarint(b, uint64(len(key)))
		b = append(b, key...)
		// Indirection needed to provide proofs without values.
		valueHash := sha256.Sum256(node.Value())
		b = binary.AppendUvarint(b, uint64(len(valueHash)))
		return append(b, valueHash[:]...)
	}
	left, right := node.Left().Hash(), node.Right().Hash()
	b = binary.AppendUvarint(b, uint64(len(left)))
	b = append(b, left...)
	b = binary.AppendUvarint(b, uint64(len(right)))
	return append(b, right...)
}

// HashNode computes the hash of the node: SHA-256 of appendHashBytes,
// built in a buffer on the stack and hashed in one call. Upstream wrote
// each field through an io.Writer into a hasher, which cost the hasher and
// a buffer for every field on the heap; a block rehashes every node on
// every written path, so at 10M parcels (26 levels) those were a third of
// the block's allocations.
func HashNode(node Node) []byte {
	if node == nil {
		return nil
	}
	var stack [160]byte
	hash := sha256.Sum256(appendHashBytes(stack[:0], node))
	return hash[:]
}

// VerifyHash compare node's cached hash with computed one
func VerifyHash(node Node) bool {
	return bytes.Equal(HashNode(node), node.Hash())
}
