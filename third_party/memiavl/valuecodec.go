package memiavl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/s2"
)

// FileNameKVsDict is a snapshot tree's value dictionary. A tree that has
// one stores each value in kvs as a codec byte and its payload: the value
// as it is (valueRaw), or compressed with S2 against the dictionary
// (valueS2Dict). A tree without one (older snapshots, small trees, an
// import not yet compressed) stores values as they are, as upstream does.
//
// Values are mostly JSON records that repeat the same field names and
// shapes, each too short to compress alone; against a dictionary of
// other records they shrink several times (land parcels about 6×, titles
// about 5×), so more of a large state's snapshot fits in the page cache.
// Only the stored form changes: keys, hashes, proofs and what every read
// returns are the same.
const FileNameKVsDict = "kvs.dict"

const (
	valueRaw    byte = 0
	valueS2Dict byte = 1

	// valueMinCompressed is the shortest value worth compressing: shorter
	// ones (index entries, counters) are stored as they are.
	valueMinCompressed = 32
	// valueDictSamples is how many values, evenly spread over the leaves,
	// a dictionary is made from (as many as fit in s2.MaxDictSize).
	valueDictSamples = 1024
	// valueDictRegrowth is how much a tree grows before its snapshot's
	// dictionary is made again from its current values.
	valueDictRegrowth = 8
)

// ValueDictMinLeaves is the fewest leaves a snapshot tree needs for its
// values to be compressed.
var ValueDictMinLeaves uint64 = 1024

// valueCodec encodes and decodes a snapshot tree's stored values.
type valueCodec struct {
	dict *s2.Dict
	// trainedAt is the tree's leaf count when the dictionary was made.
	trainedAt uint64
}

// readValueCodec reads dir's value dictionary: nil when it has none.
func readValueCodec(dir string) (*valueCodec, error) {
	b, err := os.ReadFile(filepath.Join(dir, FileNameKVsDict))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("corrupted snapshot, value dictionary of %d bytes", len(b))
	}
	d := s2.NewDict(b[8:])
	if d == nil {
		return nil, errors.New("corrupted snapshot, value dictionary does not load")
	}
	return &valueCodec{dict: d, trainedAt: binary.LittleEndian.Uint64(b)}, nil
}

// sameAs reports whether c and o store values alike (both nil, or the
// same dictionary).
func (c *valueCodec) sameAs(o *valueCodec) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.trainedAt == o.trainedAt && bytes.Equal(c.dict.Bytes(), o.dict.Bytes())
}

// write writes the dictionary into dir.
func (c *valueCodec) write(dir string) error {
	f, err := createFile(filepath.Join(dir, FileNameKVsDict))
	if err != nil {
		return err
	}
	b := binary.LittleEndian.AppendUint64(nil, c.trainedAt)
	b = append(b, c.dict.Bytes()...)
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// makeValueCodec makes a dictionary from the values of a tree of leaves
// leaves (value(i) is leaf i's value); nil when the tree is too small or
// its values too short to be worth compressing.
func makeValueCodec(leaves uint64, value func(i uint64) []byte) *valueCodec {
	if leaves < ValueDictMinLeaves {
		return nil
	}
	step := max(leaves/valueDictSamples, 1)
	var samples [][]byte
	total := 0
	for i := uint64(0); i < leaves; i += step {
		if v := value(i); len(v) >= valueMinCompressed {
			samples = append(samples, v)
			total += len(v)
		}
	}
	// Keep an even spread of the samples within the dictionary's size
	// (MakeDict would keep only the last bytes, of the last key prefixes).
	keepEvery := total/s2.MaxDictSize + 1
	var data []byte
	for i := 0; i < len(samples); i += keepEvery {
		if len(data)+len(samples[i]) > s2.MaxDictSize {
			break
		}
		data = append(data, samples[i]...)
	}
	d := s2.MakeDict(data, nil)
	if d == nil {
		return nil
	}
	return &valueCodec{dict: d, trainedAt: leaves}
}

// encode appends value's stored form to dst; scratch is the caller's
// buffer for the compressed form, grown as needed. S2's fast encoder:
// its "better" one clears a 576 KiB table for every value (36 µs a
// record against 1.3 µs, for 6.5× against 5.8× on land parcels).
func (c *valueCodec) encode(dst []byte, scratch *[]byte, value []byte) []byte {
	if len(value) >= valueMinCompressed {
		if n := s2.MaxEncodedLen(len(value)); len(*scratch) < n {
			*scratch = make([]byte, 2*n)
		}
		if enc := c.dict.Encode(*scratch, value); len(enc) < len(value) {
			return append(append(dst, valueS2Dict), enc...)
		}
	}
	return append(append(dst, valueRaw), value...)
}

// decode returns the value a stored form holds: a slice of stored itself
// when it was stored as it is.
func (c *valueCodec) decode(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, errors.New("empty stored value")
	}
	switch stored[0] {
	case valueRaw:
		return stored[1:], nil
	case valueS2Dict:
		return c.dict.Decode(nil, stored[1:])
	default:
		return nil, fmt.Errorf("unknown value codec %d", stored[0])
	}
}

// value returns the value stored at a leaf of snapshot: stored itself
// when the snapshot keeps its values as they are.
func (snapshot *Snapshot) value(stored []byte) []byte {
	if snapshot.values == nil {
		return stored
	}
	v, err := snapshot.values.decode(stored)
	if err != nil {
		panic(fmt.Errorf("memiavl: corrupted snapshot value: %w", err))
	}
	return v
}

// CompressValues compresses the values of the snapshot tree in dir (one
// tree of a snapshot: its nodes, leaves and kvs files) against a
// dictionary made from them, rewriting its kvs and leaves files. A tree
// that already has a dictionary, or is too small, is left as it is. It is
// for a snapshot nothing has opened yet, such as a fresh import: the
// files are replaced one after the other, so a crash part way leaves the
// tree unreadable.
func CompressValues(dir string) (returnErr error) {
	snapshot, err := OpenSnapshot(dir)
	if err != nil {
		return err
	}
	defer func() {
		if err := snapshot.Close(); returnErr == nil {
			returnErr = err
		}
	}()
	if snapshot.values != nil {
		return nil
	}
	leaves := uint64(snapshot.leavesLen())
	codec := makeValueCodec(leaves, func(i uint64) []byte {
		_, v := snapshot.LeafKeyValue(uint32(i))
		return v
	})
	if codec == nil {
		return nil
	}
	leavesName, _ := leavesFile(snapshot.packed)
	kvsTmp, leavesTmp := filepath.Join(dir, FileNameKVs+".tmp"), filepath.Join(dir, leavesName+".tmp")
	if err := writeCompressed(snapshot, codec, kvsTmp, leavesTmp); err != nil {
		_ = os.Remove(kvsTmp)
		_ = os.Remove(leavesTmp)
		return err
	}
	if err := os.Rename(kvsTmp, filepath.Join(dir, FileNameKVs)); err != nil {
		return err
	}
	if err := os.Rename(leavesTmp, filepath.Join(dir, leavesName)); err != nil {
		return err
	}
	return codec.write(dir)
}

// writeCompressed writes snapshot's leaves and key-value records with
// their values encoded by codec, in the same order. It reads both files
// in order through new descriptors: the snapshot's maps and files are
// advised for random reads, under which a sequential pass would fault in
// one page at a time.
func writeCompressed(snapshot *Snapshot, codec *valueCodec, kvsPath, leavesPath string) (returnErr error) {
	dir := filepath.Dir(kvsPath)
	inKVs, err := os.Open(filepath.Join(dir, FileNameKVs))
	if err != nil {
		return err
	}
	defer inKVs.Close()
	inLeaves, err := os.Open(snapshot.leavesMap.file.Name())
	if err != nil {
		return err
	}
	defer inLeaves.Close()
	fpKVs, err := createFile(kvsPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpKVs.Close(); returnErr == nil {
			returnErr = err
		}
	}()
	fpLeaves, err := createFile(leavesPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := fpLeaves.Close(); returnErr == nil {
			returnErr = err
		}
	}()
	kvsIn, leavesIn := bufio.NewReaderSize(inKVs, 4<<20), bufio.NewReaderSize(inLeaves, 1<<20)
	kvs, leavesOut := bufio.NewWriterSize(fpKVs, 4<<20), bufio.NewWriterSize(fpLeaves, 1<<20)
	// The snapshot writer's own leaf and key-value records, encoding the
	// values with codec; it is given leaves only, so it needs no nodes file.
	w := newSnapshotWriter(context.Background(), nil, leavesOut, kvs)
	w.values, w.packed = codec, snapshot.packed
	var inOffset uint64
	var key, value []byte
	rec := make([]byte, snapshot.leafRecordSize())
	var version uint32
	var hash []byte
	for i := 0; i < snapshot.leavesLen(); i++ {
		if _, err := io.ReadFull(leavesIn, rec); err != nil {
			return fmt.Errorf("read leaf %d: %w", i, err)
		}
		at := binary.LittleEndian.Uint64(rec) // a packed snapshot's leaf offset
		if !snapshot.packed {
			at = binary.LittleEndian.Uint64(rec[OffsetLeafKeyOffset:])
		}
		if at != inOffset {
			return fmt.Errorf("leaf %d's record is at %d in kvs, not at %d: the file is not in leaf order", i, at, inOffset)
		}
		if snapshot.packed {
			var head [SizePackedLeafHead]byte
			if _, err := io.ReadFull(kvsIn, head[:]); err != nil {
				return fmt.Errorf("read leaf %d's record: %w", i, err)
			}
			version, hash = binary.LittleEndian.Uint32(head[OffsetPackedLeafVersion:]), head[OffsetPackedLeafHash:]
			inOffset += SizePackedLeafHead
		} else {
			version, hash = binary.LittleEndian.Uint32(rec[OffsetLeafVersion:]), rec[OffsetLeafHash:]
		}
		if key, err = readRecordPart(kvsIn, key); err != nil {
			return fmt.Errorf("read leaf %d's key: %w", i, err)
		}
		if value, err = readRecordPart(kvsIn, value); err != nil {
			return fmt.Errorf("read leaf %d's value: %w", i, err)
		}
		inOffset += 8 + uint64(len(key)) + uint64(len(value))
		if err := w.writeLeaf(version, key, value, hash); err != nil {
			return err
		}
	}
	if err := kvs.Flush(); err != nil {
		return err
	}
	if err := leavesOut.Flush(); err != nil {
		return err
	}
	if err := fpKVs.Sync(); err != nil {
		return err
	}
	return fpLeaves.Sync()
}

// readRecordPart reads a length (uint32) and that many bytes into buf.
func readRecordPart(r io.Reader, buf []byte) ([]byte, error) {
	var num [4]byte
	if _, err := io.ReadFull(r, num[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(num[:]))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}
