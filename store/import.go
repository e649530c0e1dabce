package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// ImportSource is a whole state in ascending key order, for Import.
type ImportSource struct {
	// Low and High are how many records fall below the split and at or
	// above it (with no split, every record is Low).
	Low, High int64
	// Next returns the next record, keys strictly ascending; it is called
	// exactly Low+High times.
	Next func() (key, value []byte, err error)
}

// Import writes a new state in dir holding exactly src's records as
// version, and nothing before it: each tree is built balanced from the
// sorted records in one pass (no rebalancing, no rewrites), straight into
// the latest tree's memory-mapped snapshot and into the archive. It is
// the bulk path for a large register: loading millions of records through
// the working tree rewrites each snapshot many times over.
//
// The shape of a tree built this way differs from the one the same
// records inserted one by one would make, so its hash does too: an
// imported state is a state of its own, to be started from (as a chain
// started from a snapshot is), not one a replay from genesis reproduces.
// dir must hold no state yet.
func Import(dir string, version int64, opts Options, src ImportSource) (hash []byte, err error) {
	split := splitBytes(opts.Split)
	if split == nil && src.High != 0 {
		return nil, errors.New("import: records above the split, but the state has no split")
	}
	return importState(dir, version, split, func(b *treeBuilder) (treeRoot, error) {
		count := src.Low
		if b.tree == 1 {
			count = src.High
		}
		if count == 0 {
			return treeRoot{}, nil
		}
		b.next = src.Next
		top, err := b.build(count)
		if err != nil {
			return treeRoot{}, err
		}
		return treeRoot{version: version, hash: top.hash, height: top.height, size: count}, nil
	})
}

// importState writes a new state in dir at version, each tree's nodes
// made by fill (through b.add and b.batch), then the roots, the layout,
// the snapshot and the base files.
func importState(dir string, version int64, split []byte, fill func(b *treeBuilder) (treeRoot, error)) (hash []byte, err error) {
	if version <= 0 || version > int64(^uint32(0)) {
		return nil, fmt.Errorf("import: version %d out of range", version)
	}
	stateDir := filepath.Join(dir, "state")
	if entries, err := os.ReadDir(stateDir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("import: %s already holds state", stateDir)
	}
	latestDir := filepath.Join(stateDir, "latest")
	if err := os.MkdirAll(latestDir, 0o700); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	archDB, err := dbm.NewDB("archive", dbm.PebbleDBBackend, stateDir)
	if err != nil {
		return nil, fmt.Errorf("import: open state archive: %w", err)
	}
	defer func() {
		if cerr := archDB.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("import: close state archive: %w", cerr)
		}
	}()
	arch, err := openArchive(archDB, true, 1024)
	if err != nil {
		return nil, err
	}
	mti, err := memiavl.NewMultiTreeImporter(latestDir, uint64(version))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer func() {
		if cerr := mti.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("import: %w", cerr)
		}
	}()

	b := &treeBuilder{version: version, batch: arch.newBatch(), split: split}
	var halves [2]half
	for tree, name := range []string{lowName, highName} {
		if err := mti.AddTree(name); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		b.tree, b.add, b.offset, b.last = byte(tree), mti.AddNode, 0, nil
		r, err := fill(b)
		if err == nil && split == nil && tree == 1 && !r.empty() {
			err = errors.New("import: records above the split, but the state has no split")
		}
		if err != nil {
			b.batch.batch.Close()
			return nil, err
		}
		if !r.empty() {
			halves[tree] = half{hash: r.hash, height: r.height, size: r.size, version: r.version}
		}
		if tree == 0 || split != nil {
			b.batch.set(rootKey(byte(tree), version), encodeRoot(r))
		}
	}
	layout := []byte("one")
	if split != nil {
		layout = append([]byte("two:"), split...)
	}
	b.batch.set(metaLayout, layout)
	// The first version held: a restored state's nodes include older
	// versions' (those its trees still use), which have no roots.
	b.batch.set(metaFirst, binary.BigEndian.AppendUint64(nil, uint64(version)))
	if err := b.batch.commit(version); err != nil {
		return nil, err
	}
	if err := mti.Finalize(); err != nil {
		return nil, fmt.Errorf("import: write state snapshot: %w", err)
	}
	// The archive's leaves point into the snapshot's key-value files:
	// keep them (as hard links: no copy) for when memiavl replaces it.
	current, err := os.Readlink(filepath.Join(latestDir, "current"))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	baseDir := filepath.Join(stateDir, "base")
	if err := os.MkdirAll(baseDir, 0o700); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for tree, name := range []string{lowName, highName} {
		if halves[tree].size == 0 {
			continue
		}
		treeDir := filepath.Join(latestDir, filepath.Base(current), name)
		if _, err := os.Stat(filepath.Join(treeDir, memiavl.FileNameLeafOffsets)); err != nil {
			return nil, fmt.Errorf("import: the snapshot's leaves are not in its key-value file, where the archive points: %w", err)
		}
		if err := os.Link(filepath.Join(treeDir, memiavl.FileNameKVs), filepath.Join(baseDir, baseFileName(version, byte(tree)))); err != nil {
			return nil, fmt.Errorf("import: keep the snapshot's key-value file: %w", err)
		}
		// The latest tree's values are then compressed into a new file (the
		// base file keeps the records the archive points into), so more of
		// the latest state fits in the page cache.
		if err := memiavl.CompressValues(treeDir); err != nil {
			return nil, fmt.Errorf("import: compress the snapshot's values: %w", err)
		}
	}
	return rootHash(halves[0], halves[1]), nil
}

// treeBuilder builds one balanced IAVL tree bottom-up from sorted records,
// handing its nodes in post-order to memiavl's snapshot importer and
// writing them to the archive.
type treeBuilder struct {
	version int64
	tree    byte
	split   []byte
	next    func() (key, value []byte, err error)
	add     func(*memiavl.ExportNode)
	batch   *archiveBatch
	last    []byte // the previous key, to check the order
	offset  uint64 // of the next leaf's record in the snapshot's key-value file
}

type built struct {
	hash   []byte
	height int8
	first  []byte // smallest key
}

// build makes a balanced tree of the next n records. The left subtree
// takes the larger half, so heights differ by at most one at every node,
// as AVL requires.
func (b *treeBuilder) build(n int64) (built, error) {
	if n == 1 {
		key, value, err := b.next()
		if err != nil {
			return built{}, fmt.Errorf("import: %w", err)
		}
		if b.last != nil && bytes.Compare(key, b.last) <= 0 {
			return built{}, fmt.Errorf("import: key %q does not follow %q: keys must be strictly ascending", key, b.last)
		}
		if inLow(b.split, key) != (b.tree == 0) {
			return built{}, fmt.Errorf("import: key %q is on the wrong side of the state split %q", key, b.split)
		}
		if value == nil {
			value = []byte{}
		}
		b.last = key
		hash := b.leaf(b.version, key, value)
		return built{hash: hash, first: key}, b.batch.err
	}
	left, err := b.build((n + 1) / 2)
	if err != nil {
		return built{}, err
	}
	right, err := b.build(n / 2)
	if err != nil {
		return built{}, err
	}
	height := max(left.height, right.height) + 1
	hash := innerHash(height, n, b.version, left.hash, right.hash)
	// An inner node's key is the smallest key of its right subtree.
	b.add(&memiavl.ExportNode{Key: right.first, Version: b.version, Height: height})
	b.batch.set(nodeKey(b.version, hash), encodeNode(height, n, right.first, nil, b.version, left.hash, b.version, right.hash))
	return built{hash: hash, height: height, first: left.first}, b.batch.err
}

// leaf hands a leaf to the snapshot importer and archives it.
func (b *treeBuilder) leaf(version int64, key, value []byte) []byte {
	hash := leafHash(version, key, value)
	b.add(&memiavl.ExportNode{Key: key, Value: value, Version: version, Height: 0})
	// The snapshot's key-value file holds the record (memiavl's packed
	// layout: the leaf's version and hash, then the key and the value,
	// each after its length as a little-endian uint32); the archive keeps
	// that file and only the offset of the key's length here.
	b.offset += memiavl.SizePackedLeafHead
	b.batch.set(nodeKey(version, hash), encodeBaseLeaf(b.tree, b.version, b.offset))
	b.offset += 8 + uint64(len(key)) + uint64(len(value))
	return hash
}

// leafHash and innerHash are IAVL's node hashes: height, size and version
// as signed varints, then a leaf's key and value hash or an inner node's
// children's hashes, each length-prefixed.
func leafHash(version int64, key, value []byte) []byte {
	vh := sha256.Sum256(value)
	buf := binary.AppendVarint(nil, 0)
	buf = binary.AppendVarint(buf, 1)
	buf = binary.AppendVarint(buf, version)
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = binary.AppendUvarint(buf, hashLen)
	buf = append(buf, vh[:]...)
	h := sha256.Sum256(buf)
	return h[:]
}

func innerHash(height int8, size, version int64, left, right []byte) []byte {
	buf := binary.AppendVarint(nil, int64(height))
	buf = binary.AppendVarint(buf, size)
	buf = binary.AppendVarint(buf, version)
	buf = binary.AppendUvarint(buf, hashLen)
	buf = append(buf, left...)
	buf = binary.AppendUvarint(buf, hashLen)
	buf = append(buf, right...)
	h := sha256.Sum256(buf)
	return h[:]
}
