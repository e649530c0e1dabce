package memiavl

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A page cache returns what was put for the same file and offset, no
// other file's page at the same offset, forgets the oldest page of a
// full shard first, and nothing after Reset.
func TestPageCacheKeepsThePagesPutLast(t *testing.T) {
	open := func(name string) *os.File {
		f, err := os.Create(filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a, b := open("a"), open("b")
	c := NewPageCache(2 * pageCacheShards) // two pages a shard
	page := func(fill byte) *[preadSpanSize]byte {
		var p [preadSpanSize]byte
		for i := range p {
			p[i] = fill
		}
		return &p
	}
	// Offsets 64 pages apart fall in one shard.
	at := func(i int) int64 { return int64(i) * pageCacheShards * preadSpanSize }
	c.put(a, at(0), page(1), preadSpanSize)
	c.put(b, at(0), page(2), 100)
	var buf [preadSpanSize]byte
	if n, ok := c.get(a, at(0), &buf); !ok || n != preadSpanSize || buf[0] != 1 || buf[preadSpanSize-1] != 1 {
		t.Fatalf("a's page: %d bytes, %v, first %d", n, ok, buf[0])
	}
	if n, ok := c.get(b, at(0), &buf); !ok || n != 100 || buf[99] != 2 {
		t.Fatalf("b's page: %d bytes, %v, byte 99 %d", n, ok, buf[99])
	}
	if _, ok := c.get(a, at(0)+preadSpanSize, &buf); ok {
		t.Fatal("a page never put was found")
	}
	c.put(a, at(1), page(3), preadSpanSize) // the shard is full: a's first page goes
	if _, ok := c.get(a, at(0), &buf); ok {
		t.Fatal("the oldest page is still there")
	}
	if _, ok := c.get(b, at(0), &buf); !ok {
		t.Fatal("the second oldest page went")
	}
	if _, ok := c.get(a, at(1), &buf); !ok || buf[0] != 3 {
		t.Fatal("the newest page is not there")
	}
	c.Reset()
	for _, k := range []struct {
		f   *os.File
		off int64
	}{{a, at(1)}, {b, at(0)}} {
		if _, ok := c.get(k.f, k.off, &buf); ok {
			t.Fatalf("a page survived Reset")
		}
	}
	c.put(a, at(2), page(4), preadSpanSize)
	if _, ok := c.get(a, at(2), &buf); !ok || buf[0] != 4 {
		t.Fatal("nothing kept after Reset")
	}
}

// Walks from many goroutines through one small page cache (evicting all
// the time) read every key's value as Get does.
func TestReadAheadThroughASharedPageCache(t *testing.T) {
	defer func(mapped int) { ReadAheadMappedLevels = mapped }(ReadAheadMappedLevels)
	ReadAheadMappedLevels = 2
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 3000
	var pairs []*KVPair
	for i := range n {
		pairs = append(pairs, &KVPair{Key: []byte(kf(n, i)), Value: []byte(kf(n, i*7))})
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
	tree := db.TreeByName("a")
	c := NewPageCache(pageCacheShards * 2)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range n {
				key := []byte(kf(n, (i*13+g*101)%n))
				if err := tree.ReadAheadWriteIn(c, key); err != nil {
					errs <- err
					return
				}
				got, err := tree.ReadAheadIn(c, key)
				if want := tree.Get(key); err != nil || string(got) != string(want) {
					errs <- fmt.Errorf("%s: read %q (%v), Get %q", key, got, err, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
