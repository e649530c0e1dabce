package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl/cache"
	"github.com/crypto-org-chain/cronos/memiavl"
)

// The archive keeps every version of the state's trees, so any past height
// can be read and proven. It holds IAVL nodes exactly as the latest tree
// (memiavl) makes them, each written once, at the version that created it:
// a version costs only the nodes its writes changed (the path from each
// written key to the root), and nodes a version leaves untouched are shared
// with earlier versions by reference, as in IAVL's own node database.
//
// A node is stored under 'n', its version (8 bytes, big-endian) and its
// hash, so each version's nodes lie together on disk. An inner node names
// its children by version and hash. IAVL's hash covers a node's version,
// height, size and its children's hashes (a leaf's key and value hash), so
// the key is unique to one node and the store needs no node numbering.
// Writing never reads: the latest tree already holds every hash.
//
// Keys:
//
//	n <version> <hash>       node
//	n <version> 0x00 <tree>  root of tree 0 (low) or 1 (high) at version:
//	                         empty for an empty tree, else the root's
//	                         version, hash, height and size
//	m first|layout
//
// A version's nodes and roots sort after every earlier version's, so the
// database only ever appends: its files do not overlap and compaction
// has nothing to rewrite. (Keeping the latest version under a fixed key
// would make every file overlap the first.) The latest and first
// versions are found at open by seeking the newest and oldest roots.
type archive struct {
	db    dbm.DB
	sync  bool
	mu    sync.Mutex // guards nodes (the LRU is not safe for concurrent use)
	nodes cache.Cache
	// newest and oldest versions held, 0 if none; guarded by mu
	latestV, firstV int64
	// the bytes of the last version's batch, the next one's size; guarded by mu
	batchBytes int
	// base files of imported versions (archive_base.go); read-only
	base map[baseFile]*memiavl.MmapFile
	// writing is the version being written in the background, nil if
	// none; failed is the first such write's error, kept. Guarded by mu.
	writing *archiveWrite
	failed  error
	// ing ingests large versions as tables (archive_ingest.go); nil
	// where the archive is not Pebble
	ing *ingester
	// spare is the last version's emptied buffers, for the next (fresh
	// memory costs a page fault every four kilobytes); guarded by mu
	spare *collected
}

// archiveWrite is one version's write, under way while the next block
// executes.
type archiveWrite struct {
	version int64
	done    chan struct{}
}

// startWrite runs write, the archiving of version, in the background.
// The caller has waited for the last one (waitWrite).
func (a *archive) startWrite(version int64, write func() error) {
	w := &archiveWrite{version: version, done: make(chan struct{})}
	a.mu.Lock()
	a.writing = w
	a.mu.Unlock()
	go func() {
		err := write()
		a.mu.Lock()
		if err != nil && a.failed == nil {
			a.failed = err
		}
		a.writing = nil
		a.mu.Unlock()
		close(w.done)
	}()
}

// waitWrite waits for the background write, if one is under way, and
// returns the error of any that failed: the archive then lacks a version
// the trees hold, and the store must be reopened (which repairs it).
func (a *archive) waitWrite() error {
	a.waitFor(0)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failed
}

// waitFor waits for the background write if it is of version or later:
// a later one may be pruning version (KeepRecent).
func (a *archive) waitFor(version int64) {
	a.mu.Lock()
	w := a.writing
	a.mu.Unlock()
	if w != nil && w.version >= version {
		<-w.done
	}
}

const hashLen = 32

var (
	metaFirst  = []byte("mfirst") // written by pruning only
	metaLayout = []byte("mlayout")
)

func nodeKey(version int64, hash []byte) []byte {
	return appendNodeKey(make([]byte, 0, 1+8+hashLen), version, hash)
}

func appendNodeKey(k []byte, version int64, hash []byte) []byte {
	k = append(k, 'n')
	k = binary.BigEndian.AppendUint64(k, uint64(version))
	return append(k, hash...)
}

func rootKey(tree byte, version int64) []byte {
	k := []byte{'n'}
	k = binary.BigEndian.AppendUint64(k, uint64(version))
	return append(k, 0, tree)
}

func isRootKey(k []byte) bool { return len(k) == 1+8+2 }

func openArchive(db dbm.DB, sync bool, cacheNodes int) (*archive, error) {
	a := &archive{db: db, sync: sync, nodes: cache.New(max(cacheNodes, 1024))}
	var err error
	if a.latestV, err = a.seekRoot(true); err != nil {
		return nil, err
	}
	if a.firstV, err = a.metaInt(metaFirst); err != nil || a.firstV > 0 {
		return a, err
	}
	a.firstV, err = a.seekRoot(false)
	return a, err
}

// seekRoot finds the newest (or oldest) version with a root: the version
// of the last (first) node, or an earlier (later) one when a crash cut
// that version's writes short.
func (a *archive) seekRoot(newest bool) (int64, error) {
	var it dbm.Iterator
	var err error
	if newest {
		it, err = a.db.ReverseIterator([]byte("n"), []byte("o"))
	} else {
		it, err = a.db.Iterator([]byte("n"), []byte("o"))
	}
	if err != nil {
		return 0, fmt.Errorf("read state archive: %w", err)
	}
	defer it.Close()
	if !it.Valid() {
		return 0, it.Error()
	}
	v := int64(binary.BigEndian.Uint64(it.Key()[1:9]))
	for ; v > 0; v-- {
		if ok, err := a.db.Has(rootKey(0, v)); err != nil || ok {
			return v, err
		}
		if !newest {
			return 0, fmt.Errorf("state archive: version %d has nodes but no root", v)
		}
	}
	return 0, nil
}

// latest is the last version the archive holds, 0 if none.
func (a *archive) latest() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.latestV
}

// first is the oldest version not pruned, 0 if none.
func (a *archive) first() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.firstV
}

func (a *archive) metaInt(key []byte) (int64, error) {
	b, err := a.db.Get(key)
	if err != nil {
		return 0, fmt.Errorf("read state archive: %w", err)
	}
	if len(b) != 8 {
		return 0, nil
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// treeRoot is what a version's root record says of one tree.
type treeRoot struct {
	version int64 // version of the root node
	hash    []byte
	height  int8
	size    int64
}

func (r treeRoot) empty() bool { return r.size == 0 }

func encodeRoot(r treeRoot) []byte {
	if r.empty() {
		return []byte{}
	}
	b := binary.AppendUvarint(nil, uint64(r.version))
	b = append(b, r.hash...)
	b = append(b, byte(r.height))
	return binary.AppendUvarint(b, uint64(r.size))
}

func decodeRoot(b []byte) (treeRoot, error) {
	if len(b) == 0 {
		return treeRoot{}, nil
	}
	v, n := binary.Uvarint(b)
	if n <= 0 || len(b) < n+hashLen+1 {
		return treeRoot{}, errors.New("corrupt root record")
	}
	r := treeRoot{version: int64(v), hash: bytes.Clone(b[n : n+hashLen]), height: int8(b[n+hashLen])}
	size, m := binary.Uvarint(b[n+hashLen+1:])
	if m <= 0 {
		return treeRoot{}, errors.New("corrupt root record")
	}
	r.size = int64(size)
	return r, nil
}

// root reads tree's root record at version; ok is false when the archive
// does not hold that version.
func (a *archive) root(tree byte, version int64) (treeRoot, bool, error) {
	b, err := a.db.Get(rootKey(tree, version))
	if err != nil {
		return treeRoot{}, false, fmt.Errorf("read state archive: %w", err)
	}
	if b == nil {
		return treeRoot{}, false, nil
	}
	r, err := decodeRoot(b)
	if err != nil {
		return treeRoot{}, false, fmt.Errorf("state archive at version %d: %w", version, err)
	}
	return r, true, nil
}

// node is a decoded archived node.
type node struct {
	ref     []byte // its database key
	height  int8
	size    int64
	version int64
	key     []byte
	value   []byte // leaves
	hash    []byte
	// inner nodes: children's versions and hashes
	leftVersion, rightVersion int64
	leftHash, rightHash       []byte
}

func (n *node) GetKey() []byte { return n.ref }
func (n *node) leaf() bool     { return n.height == 0 }

// encodeNode: height, then a leaf's key and value or an inner node's size,
// key and children.
func encodeNode(height int8, size int64, key, value []byte, leftVersion int64, leftHash []byte, rightVersion int64, rightHash []byte) []byte {
	b := make([]byte, 0, 2+len(key)+len(value)+2*(hashLen+5)+10)
	return appendNode(b, height, size, key, value, leftVersion, leftHash, rightVersion, rightHash)
}

// appendNode is encodeNode appending to b.
func appendNode(b []byte, height int8, size int64, key, value []byte, leftVersion int64, leftHash []byte, rightVersion int64, rightHash []byte) []byte {
	b = append(b, byte(height))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	if height == 0 {
		return append(b, value...)
	}
	b = binary.AppendUvarint(b, uint64(size))
	b = binary.AppendUvarint(b, uint64(leftVersion))
	b = append(b, leftHash...)
	b = binary.AppendUvarint(b, uint64(rightVersion))
	return append(b, rightHash...)
}

func decodeNode(ref, b []byte) (*node, error) {
	bad := fmt.Errorf("corrupt state node %X", ref)
	if len(b) < 2 || len(ref) != 1+8+hashLen {
		return nil, bad
	}
	n := &node{ref: ref, height: int8(b[0]), version: int64(binary.BigEndian.Uint64(ref[1:9])), hash: ref[9:], size: 1}
	b = b[1:]
	kl, m := binary.Uvarint(b)
	if m <= 0 || uint64(len(b)-m) < kl {
		return nil, bad
	}
	n.key = b[m : m+int(kl)]
	b = b[m+int(kl):]
	if n.height == 0 {
		n.value = b
		return n, nil
	}
	size, m := binary.Uvarint(b)
	if m <= 0 {
		return nil, bad
	}
	n.size, b = int64(size), b[m:]
	lv, m := binary.Uvarint(b)
	if m <= 0 || len(b) < m+hashLen {
		return nil, bad
	}
	n.leftVersion, n.leftHash, b = int64(lv), b[m:m+hashLen], b[m+hashLen:]
	rv, m := binary.Uvarint(b)
	if m <= 0 || len(b) != m+hashLen {
		return nil, bad
	}
	n.rightVersion, n.rightHash = int64(rv), b[m:m+hashLen]
	return n, nil
}

// get reads the node of the given version and hash.
func (a *archive) get(version int64, hash []byte) (*node, error) {
	ref := nodeKey(version, hash)
	a.mu.Lock()
	if c := a.nodes.Get(ref); c != nil {
		a.mu.Unlock()
		return c.(*node), nil
	}
	a.mu.Unlock()
	b, err := a.db.Get(ref)
	if err != nil {
		return nil, fmt.Errorf("read state archive: %w", err)
	}
	if b == nil {
		return nil, fmt.Errorf("state archive lacks node %X of version %d", hash, version)
	}
	var n *node
	if len(b) > 0 && b[0] == baseLeafMark && len(ref) == 1+8+hashLen {
		n = &node{ref: ref, version: int64(binary.BigEndian.Uint64(ref[1:9])), hash: ref[9:]}
		err = a.baseLeaf(n, b[1:])
	} else {
		n, err = decodeNode(ref, b)
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.nodes.Add(n)
	a.mu.Unlock()
	return n, nil
}

func (a *archive) left(n *node) (*node, error)  { return a.get(n.leftVersion, n.leftHash) }
func (a *archive) right(n *node) (*node, error) { return a.get(n.rightVersion, n.rightHash) }

// archiveBatch collects one version's writes.
type archiveBatch struct {
	a     *archive
	batch dbm.Batch
	err   error
	bytes int    // written to batch so far, about
	key   []byte // scratch for writeTree's keys
	value []byte // and values, where the batch copies them (Pebble's)
	reuse bool
	// col collects a version's writes, to be ingested as a table if large
	// (newVersionBatch); batch is then nil until commit
	col *collected
}

// newVersionBatch starts the batch of one version's new nodes: collected
// and ingested as a table when large, where the archive can
// (archive_ingest.go), else newBatch.
func (a *archive) newVersionBatch() *archiveBatch {
	if a.ing == nil || !a.sync {
		return a.newBatch()
	}
	a.mu.Lock()
	hint, col := a.batchBytes, a.spare
	a.spare = nil
	a.mu.Unlock()
	if col == nil {
		size := min(hint+hint/8, 64<<20)
		col = &collected{buf: make([]byte, 0, size), ents: make([]kvSpan, 0, size/64)}
	}
	return &archiveBatch{a: a, reuse: true, col: col}
}

// newBatch starts a batch as large as the last version's (a version's
// batch holds some ten megabytes at 1,000 transfers a block: grown from
// nothing, it is copied a dozen times).
func (a *archive) newBatch() *archiveBatch {
	a.mu.Lock()
	hint := a.batchBytes
	a.mu.Unlock()
	_, copies := a.db.(*dbm.PebbleDB)
	if hint > 0 {
		return &archiveBatch{a: a, batch: a.db.NewBatchWithSize(min(hint+hint/8, 64<<20)), reuse: copies}
	}
	return &archiveBatch{a: a, batch: a.db.NewBatch(), reuse: copies}
}

// scratch returns b's key and value buffers emptied for the next write,
// or none where the batch keeps what it is given.
func (b *archiveBatch) scratch() ([]byte, []byte) {
	if !b.reuse {
		return nil, nil
	}
	return b.key[:0], b.value[:0]
}

// set adds a write; a batch past 64 MiB (a whole tree archived at once)
// is written early, unsynced: the version's root record comes last, so a
// version is only visible once all its nodes are written.
func (b *archiveBatch) set(k, v []byte) {
	if b.err != nil {
		return
	}
	if b.col != nil {
		b.col.add(k, v)
		b.bytes += len(k) + len(v) + 8
		return
	}
	if b.err = b.batch.Set(k, v); b.err != nil {
		return
	}
	b.bytes += len(k) + len(v) + 8 // and the batch's record header
	if b.bytes > 64<<20 {
		if b.err = b.batch.Write(); b.err == nil {
			b.err = b.batch.Close()
			b.batch = b.a.db.NewBatch()
			b.bytes = 0
		}
	}
}

// write writes the batch (synced unless the store is NoSync), or the
// collected writes as a table or a batch.
func (b *archiveBatch) write(version int64) error {
	if b.err != nil {
		if b.batch != nil {
			b.batch.Close()
		}
		return b.err
	}
	if b.col != nil {
		if b.bytes >= ingestMin {
			return b.a.ing.ingest(version, b.col)
		}
		b.batch = b.a.db.NewBatchWithSize(b.bytes)
		for _, e := range b.col.ents {
			if err := b.batch.Set(b.col.key(e), b.col.value(e)); err != nil {
				b.batch.Close()
				return err
			}
		}
	}
	defer b.batch.Close()
	if b.a.sync {
		return b.batch.WriteSync()
	}
	return b.batch.Write()
}

func (b *archiveBatch) del(k []byte) {
	if b.err == nil {
		b.err = b.batch.Delete(k)
	}
}

// commit writes the batch (synced unless the store is NoSync) and records
// version as the latest.
func (b *archiveBatch) commit(version int64) error {
	err := b.write(version)
	if c := b.col; c != nil && cap(c.buf) <= 128<<20 {
		c.buf, c.ents = c.buf[:0], c.ents[:0]
		b.a.mu.Lock()
		b.a.spare = c
		b.a.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("write state archive: %w", err)
	}
	b.a.mu.Lock()
	b.a.batchBytes = b.bytes
	b.a.latestV = max(b.a.latestV, version)
	if b.a.firstV == 0 {
		b.a.firstV = version
	}
	b.a.mu.Unlock()
	return nil
}

// prune deletes the versions before keepFrom, with every node no later
// version uses. A node leaves the trees when a version replaces it, so the
// nodes to delete with version w are those of w's trees that w+1's trees
// no longer reach. IAVL's own pruning works the same way.
func (a *archive) prune(keepFrom int64, trees int) error {
	first := a.first()
	if first == 0 {
		return nil
	}
	for w := first; w < keepFrom; w++ {
		b := a.newBatch()
		for t := range trees {
			if err := a.orphans(byte(t), w, b.del); err != nil {
				b.batch.Close()
				return err
			}
			b.del(rootKey(byte(t), w))
		}
		b.set(metaFirst, binary.BigEndian.AppendUint64(nil, uint64(w+1)))
		if err := b.commitPrune(); err != nil {
			return err
		}
		b.a.mu.Lock()
		b.a.firstV = w + 1
		b.a.mu.Unlock()
	}
	return nil
}

func (b *archiveBatch) commitPrune() error {
	defer b.batch.Close()
	if b.err != nil {
		return fmt.Errorf("prune state archive: %w", b.err)
	}
	if err := b.batch.Write(); err != nil {
		return fmt.Errorf("prune state archive: %w", err)
	}
	return nil
}

// orphans calls fn with the key of every node of tree at version w that
// the tree at w+1 does not reach.
func (a *archive) orphans(tree byte, w int64, fn func(ref []byte)) error {
	prev, ok, err := a.root(tree, w)
	if err != nil || !ok || prev.empty() {
		return err
	}
	next, ok, err := a.root(tree, w+1)
	if err != nil {
		return err
	}
	// kept: the nodes of w+1 made before it, found by walking w+1's own
	// new nodes down to where they meet older ones.
	kept := map[string]bool{}
	if ok && !next.empty() {
		var walk func(version int64, hash []byte) error
		walk = func(version int64, hash []byte) error {
			if version <= w {
				kept[string(nodeKey(version, hash))] = true
				return nil
			}
			n, err := a.get(version, hash)
			if err != nil || n.leaf() {
				return err
			}
			if err := walk(n.leftVersion, n.leftHash); err != nil {
				return err
			}
			return walk(n.rightVersion, n.rightHash)
		}
		if err := walk(next.version, next.hash); err != nil {
			return err
		}
	}
	var drop func(version int64, hash []byte) error
	drop = func(version int64, hash []byte) error {
		ref := nodeKey(version, hash)
		if kept[string(ref)] {
			return nil
		}
		n, err := a.get(version, hash)
		if err != nil {
			return err
		}
		fn(ref)
		if n.leaf() {
			return nil
		}
		if err := drop(n.leftVersion, n.leftHash); err != nil {
			return err
		}
		return drop(n.rightVersion, n.rightHash)
	}
	return drop(prev.version, prev.hash)
}
