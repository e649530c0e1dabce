package memiavl

import (
	"os"
	"sync"
)

// PageCache keeps the snapshot pages the read-ahead walks (ReadAheadIn,
// ReadAheadWriteIn) read lately, for the next walks that need them. A
// block's walks read many pages twice or more: a transaction's read of a
// key and then the read ahead of its write walk the same path, and the
// upper levels below the held branches are shared by keys of the same
// block. Taken from here a page costs a copy instead of a system call
// (about 3 µs, more under a hypervisor). The snapshot files never change
// once written, and an entry holds its file, so that no other file can
// take its place; the owner still empties it when the trees change
// (Reset), which keeps it to one block's walks. It is safe for concurrent
// use; it forgets the oldest pages first.
type PageCache struct {
	shards [pageCacheShards]pageCacheShard
}

const pageCacheShards = 64

type pageCacheShard struct {
	mu    sync.Mutex
	index map[pageKey]int
	keys  []pageKey
	pages [][preadSpanSize]byte
	sizes []int
	next  int // the slot to fill next, oldest first
}

type pageKey struct {
	file *os.File
	off  int64
}

// NewPageCache returns a cache of about pages pages (at least one a
// shard); it allocates them at once.
func NewPageCache(pages int) *PageCache {
	per := max(1, pages/pageCacheShards)
	c := &PageCache{}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.index = make(map[pageKey]int, per)
		sh.keys = make([]pageKey, per)
		sh.pages = make([][preadSpanSize]byte, per)
		sh.sizes = make([]int, per)
	}
	return c
}

// Reset forgets every page.
func (c *PageCache) Reset() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.index)
		clear(sh.keys) // the files, for the collector
		sh.next = 0
		sh.mu.Unlock()
	}
}

func (c *PageCache) shard(k pageKey) *pageCacheShard {
	return &c.shards[uint64(k.off/preadSpanSize)%pageCacheShards]
}

// get copies the page of f at off into buf and returns its length, or
// false when the cache does not hold it.
func (c *PageCache) get(f *os.File, off int64, buf *[preadSpanSize]byte) (int, bool) {
	k := pageKey{f, off}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	slot, ok := sh.index[k]
	if !ok {
		return 0, false
	}
	n := sh.sizes[slot]
	copy(buf[:n], sh.pages[slot][:n])
	return n, true
}

// put keeps the n bytes of buf read from f at off, in place of the
// shard's oldest page.
func (c *PageCache) put(f *os.File, off int64, buf *[preadSpanSize]byte, n int) {
	k := pageKey{f, off}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.index[k]; ok {
		return
	}
	slot := sh.next
	sh.next = (slot + 1) % len(sh.keys)
	if old := sh.keys[slot]; old.file != nil {
		delete(sh.index, old)
	}
	sh.keys[slot] = k
	sh.sizes[slot] = n
	copy(sh.pages[slot][:n], buf[:n])
	sh.index[k] = slot
}
