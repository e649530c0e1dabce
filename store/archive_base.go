package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/crypto-org-chain/cronos/memiavl"
)

// An imported state's leaves are not copied into the archive: the
// snapshot Import writes already holds every key and value once, in its
// key-value file, and the archive keeps that file (a hard link, so it
// outlives the snapshot when memiavl replaces it) and records each leaf
// as its offset there. At ten million parcels this halves the archive.
//
// Files are state/base/<version>-<tree>.kvs, in memiavl's layout: each
// record a little-endian uint32 key length, the key, a uint32 value
// length, the value; in files imported since memiavl packs its leaves,
// each record begins with the leaf's version and hash, and a leaf's
// offset is that of its key length, after them.

// baseLeafMark begins an archived leaf kept in a base file (a node's
// first byte is otherwise its height, never negative).
const baseLeafMark = 0xff

type baseFile struct {
	version int64
	tree    byte
}

func baseFileName(version int64, tree byte) string {
	return fmt.Sprintf("%d-%d.kvs", version, tree)
}

// encodeBaseLeaf: the mark, the tree, the imported version (which names
// the file; the leaf's own version may be older, in a state restored
// from another node's export) and the offset.
func encodeBaseLeaf(tree byte, file int64, offset uint64) []byte {
	b := binary.AppendUvarint([]byte{baseLeafMark, tree}, uint64(file))
	return binary.AppendUvarint(b, offset)
}

// openBase maps the base files in dir (absent: none).
func (a *archive) openBase(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state base files: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".kvs")
		v, t, ok2 := strings.Cut(name, "-")
		version, err1 := strconv.ParseInt(v, 10, 64)
		tree, err2 := strconv.Atoi(t)
		if !ok || !ok2 || err1 != nil || err2 != nil || tree < 0 || tree > 1 {
			return fmt.Errorf("unexpected file %s in %s", e.Name(), dir)
		}
		m, err := memiavl.NewMmap(filepath.Join(dir, e.Name()))
		if err != nil {
			a.closeBase()
			return fmt.Errorf("map state base file %s: %w", e.Name(), err)
		}
		if a.base == nil {
			a.base = map[baseFile]*memiavl.MmapFile{}
		}
		a.base[baseFile{version, byte(tree)}] = m
	}
	return nil
}

func (a *archive) closeBase() error {
	var errs []error
	for k, m := range a.base {
		errs = append(errs, m.Close())
		delete(a.base, k)
	}
	return errors.Join(errs...)
}

// baseLeaf fills in a leaf kept in a base file: b is its archived value
// after the mark.
func (a *archive) baseLeaf(n *node, b []byte) error {
	bad := fmt.Errorf("corrupt state node %X", n.ref)
	if len(b) < 2 {
		return bad
	}
	tree := b[0]
	file, m := binary.Uvarint(b[1:])
	if m <= 0 {
		return bad
	}
	offset, m2 := binary.Uvarint(b[1+m:])
	if m2 <= 0 {
		return bad
	}
	f := a.base[baseFile{int64(file), tree}]
	if f == nil {
		return fmt.Errorf("state archive: leaf %X is in base file %s, which is missing", n.hash, baseFileName(int64(file), tree))
	}
	data := f.Data()
	if offset > uint64(len(data)) || uint64(len(data))-offset < 4 {
		return bad
	}
	kl := uint64(binary.LittleEndian.Uint32(data[offset:]))
	rest := data[offset+4:]
	if uint64(len(rest)) < kl+4 {
		return bad
	}
	key := rest[:kl]
	vl := uint64(binary.LittleEndian.Uint32(rest[kl:]))
	rest = rest[kl+4:]
	if uint64(len(rest)) < vl {
		return bad
	}
	// Copies: a decoded node may be kept after the file is closed.
	n.height, n.size = 0, 1
	n.key = append([]byte(nil), key...)
	n.value = append([]byte{}, rest[:vl]...)
	return nil
}
