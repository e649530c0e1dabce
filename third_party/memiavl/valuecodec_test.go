package memiavl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// record is a value like the ones the codec is for: a JSON record whose
// field names repeat from record to record, at every length from empty to
// long, with some values too short to compress.
func record(i int) []byte {
	switch i % 5 {
	case 0:
		return []byte{byte(i)}
	case 1:
		return nil
	default:
		return []byte(fmt.Sprintf(`{"id":"P-%08d","owners":[{"account":"%064x","share":"1/%d"}],"area_m2":%d,"notes":%q}`,
			i, i*7919, i%9+1, i*31, bytes.Repeat([]byte("x"), i%300)))
	}
}

// loadTree writes n records into a new database in dir, commits and
// rewrites its snapshot, and reloads it, so every leaf is a snapshot's.
func loadTree(t *testing.T, dir string, n int) *DB {
	t.Helper()
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: record(i)})
	}
	if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.RewriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	if err := db.Reload(); err != nil {
		t.Fatal(err)
	}
	return db
}

func treeDir(db *DB) string {
	return filepath.Join(db.dir, "current", "a")
}

// checkRecords requires every record of n, read every way a snapshot's
// value is read, to be record(i) (with the updates in changed).
func checkRecords(t *testing.T, tree *Tree, n int, changed map[int][]byte) {
	t.Helper()
	want := func(i int) []byte {
		if v, ok := changed[i]; ok {
			return v
		}
		return record(i)
	}
	for i := 0; i < n; i++ {
		key := []byte(fmt.Sprintf("k%08d", i))
		if got := tree.Get(key); !bytes.Equal(got, want(i)) {
			t.Fatalf("Get(%s) = %q, want %q", key, got, want(i))
		}
		got, err := tree.ReadAhead(key)
		if err != nil || !bytes.Equal(got, want(i)) {
			t.Fatalf("ReadAhead(%s) = %q, %v; want %q", key, got, err, want(i))
		}
		if _, v := tree.GetByIndex(int64(i)); !bytes.Equal(v, want(i)) {
			t.Fatalf("GetByIndex(%d) = %q, want %q", i, v, want(i))
		}
	}
	it := tree.Iterator(nil, nil, true)
	i := 0
	for ; it.Valid(); it.Next() {
		if !bytes.Equal(it.Value(), want(i)) {
			t.Fatalf("iterator at %d: %q, want %q", i, it.Value(), want(i))
		}
		i++
	}
	if i != n {
		t.Fatalf("iterated %d records, want %d", i, n)
	}
}

func TestValuesCompressedInLargeSnapshots(t *testing.T) {
	const n = 5000
	raw := func() int64 {
		defer func(old uint64) { ValueDictMinLeaves = old }(ValueDictMinLeaves)
		ValueDictMinLeaves = n + 1
		db := loadTree(t, t.TempDir(), n)
		defer db.Close()
		if _, err := os.Stat(filepath.Join(treeDir(db), FileNameKVsDict)); err == nil {
			t.Fatal("a tree below ValueDictMinLeaves has a value dictionary")
		}
		fi, err := os.Stat(filepath.Join(treeDir(db), FileNameKVs))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}()

	db := loadTree(t, t.TempDir(), n)
	defer db.Close()
	tree := db.TreeByName("a")
	if tree.snapshot.values == nil {
		t.Fatal("the snapshot of a large tree does not compress its values")
	}
	fi, err := os.Stat(filepath.Join(treeDir(db), FileNameKVs))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size()*2 > raw {
		t.Fatalf("kvs file %d bytes compressed against %d raw: less than half expected", fi.Size(), raw)
	}
	checkRecords(t, tree, n, nil)

	// The same hash as a tree that never touched a snapshot.
	mem := New(0)
	for i := 0; i < n; i++ {
		mem.set([]byte(fmt.Sprintf("k%08d", i)), record(i))
	}
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mem.RootHash(), tree.RootHash()) {
		t.Fatalf("root hash %X, in memory %X", tree.RootHash(), mem.RootHash())
	}
}

func TestValueDictionaryKeptAcrossRewrites(t *testing.T) {
	const n = 3000
	db := loadTree(t, t.TempDir(), n)
	defer db.Close()
	dict, err := os.ReadFile(filepath.Join(treeDir(db), FileNameKVsDict))
	if err != nil {
		t.Fatal(err)
	}
	changed := map[int][]byte{
		7:    []byte(`{"id":"changed","owners":[]}` + string(bytes.Repeat([]byte("y"), 80))),
		2000: []byte("short"),
		2999: nil,
	}
	var pairs []*KVPair
	for i, v := range changed {
		pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%08d", i)), Value: v})
	}
	sort.Slice(pairs, func(i, j int) bool { return bytes.Compare(pairs[i].Key, pairs[j].Key) < 0 })
	if err := db.ApplyChangeSet("a", ChangeSet{Pairs: pairs}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	before := db.TreeByName("a").RootHash()
	if err := db.RewriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	if err := db.Reload(); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(treeDir(db), FileNameKVsDict))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dict, again) {
		t.Fatal("a rewrite of a tree that has not grown made a new value dictionary")
	}
	tree := db.TreeByName("a")
	if !bytes.Equal(before, tree.RootHash()) {
		t.Fatalf("root hash %X after the rewrite, %X before", tree.RootHash(), before)
	}
	checkRecords(t, tree, n, changed)
}

func TestCompressValuesOfAnImport(t *testing.T) {
	const n = 4000
	dir := func() string {
		defer func(old uint64) { ValueDictMinLeaves = old }(ValueDictMinLeaves)
		ValueDictMinLeaves = n + 1
		db := loadTree(t, t.TempDir(), n)
		dir := db.dir
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}()
	tdir := filepath.Join(dir, "current", "a")
	kvs := filepath.Join(tdir, FileNameKVs)
	// A hard link to the raw file (as a state's base file is) keeps the raw
	// records.
	link := filepath.Join(dir, "raw-kvs")
	if err := os.Link(kvs, link); err != nil {
		t.Fatal(err)
	}
	rawBytes, err := os.ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := CompressValues(tdir); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(link); err != nil || !bytes.Equal(after, rawBytes) {
		t.Fatal("compressing the values changed the raw file another link holds")
	}
	compressed, err := os.ReadFile(kvs)
	if err != nil {
		t.Fatal(err)
	}
	if len(compressed)*2 > len(rawBytes) {
		t.Fatalf("kvs %d bytes after compressing, %d before", len(compressed), len(rawBytes))
	}
	// A second call leaves a compressed tree as it is.
	if err := CompressValues(tdir); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(kvs); !bytes.Equal(again, compressed) {
		t.Fatal("CompressValues compressed a compressed tree again")
	}
	db, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tree := db.TreeByName("a")
	if tree.snapshot.values == nil {
		t.Fatal("the tree does not read its value dictionary")
	}
	checkRecords(t, tree, n, nil)
}

func TestStoredValueOfUnknownCodecIsAnError(t *testing.T) {
	c := makeValueCodec(2000, func(i uint64) []byte { return record(int(i)) })
	if c == nil {
		t.Fatal("no codec for 2,000 records")
	}
	var scratch []byte
	for i := 0; i < 50; i++ {
		v := record(i)
		got, err := c.decode(c.encode(nil, &scratch, v))
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("record %d: %q, %v", i, got, err)
		}
	}
	for _, stored := range [][]byte{nil, {7, 1, 2}, {valueS2Dict, 0xff, 0xff, 0xff}} {
		if _, err := c.decode(stored); err == nil {
			t.Fatalf("decode(%v) gave no error", stored)
		}
	}
}
