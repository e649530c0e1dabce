// Package store is the application state: a versioned Merkle tree over a
// cosmos-db database (pebbledb by default), versioned by block height, whose
// root hash is the app hash, so every key can be proven against a block
// header.
//
// The tree is kept as two IAVL trees split at a fixed key (the chain's
// state split, from genesis): keys below it in the low tree, the rest in
// the high tree, joined under one root node built exactly like an IAVL
// inner node. The whole is therefore one IAVL-shaped tree: a proof is an
// ordinary ICS23 IAVL proof with one more step, verified by the same code
// as before. Two trees let a block's writes, hashing and saving run on two
// cores at once. A chain whose genesis names no split keeps one tree, as
// chains made before the split existed do, so their app hashes stay valid.
package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
)

// DefaultSplit divides the state so that a land transfer's writes fall on
// both sides: the history and owner periods below, the parcel, party index
// and title records above. It is part of the state's shape (the app hash
// depends on it): a chain fixes it in genesis and keeps it.
const DefaultSplit = "land/parcel/"

// NoSplit is the one-tree layout of chains whose genesis names no split.
const NoSplit = ""

// Options tune how the tree is kept.
type Options struct {
	// KeepRecent keeps only this many latest versions; 0 keeps every
	// version, which is the default because auditors query history.
	KeepRecent int64
	// CacheSize is the number of tree nodes kept in memory, shared
	// equally by the trees.
	CacheSize int
	// Split is the first key of the high tree for a new, empty store until
	// SetSplit decides (the application does at InitChain, from genesis);
	// a saved store keeps the layout it was saved with.
	Split string
	// NoSync saves versions without waiting for the disk (no fsync): a
	// crash may lose the latest versions or leave the database unusable.
	// Only for throwaway state that is rebuilt from scratch after a crash,
	// such as an audit replay's. Hashes are the same either way.
	NoSync bool
}

// DefaultOptions keep all history.
func DefaultOptions() Options { return Options{CacheSize: 2_000_000, Split: DefaultSplit} }

// layoutKey holds the state's layout in the database, outside the trees:
// "one", or "two:" and the split key.
var layoutKey = []byte("~layout")

// Store owns the database and the two mutable trees. It is not safe for
// concurrent mutation; immutable versions may be read concurrently.
type Store struct {
	db        dbm.DB
	low, high *iavl.MutableTree
	split     []byte // nil: one tree, every key in low
	opts      Options
	fixed     bool // the layout is recorded in the database
}

// Key prefixes of the two trees in the database. The one-tree layout keeps
// its tree unprefixed, where stores made before the split keep it.
var lowPrefix, highPrefix = []byte("t0/"), []byte("t1/")

// Open opens (or creates) the state database "application" in dir with the
// given cosmos-db backend and loads the latest saved version.
func Open(dir string, backend dbm.BackendType, opts Options) (*Store, error) {
	db, err := dbm.NewDB("application", backend, dir)
	if err != nil {
		return nil, fmt.Errorf("open state database in %s: %w", dir, err)
	}
	s, err := newStore(db, opts)
	if err != nil {
		return nil, fmt.Errorf("state database in %s: %w", dir, err)
	}
	return s, nil
}

// OpenMemory returns an empty in-memory store, for tests and replays.
func OpenMemory() *Store {
	s, err := newStore(dbm.NewMemDB(), DefaultOptions())
	if err != nil {
		panic(err) // an empty memory database cannot fail to load
	}
	return s
}

// OpenMemoryWith is OpenMemory with options (a different split, in tests).
func OpenMemoryWith(opts Options) (*Store, error) { return newStore(dbm.NewMemDB(), opts) }

func newStore(db dbm.DB, opts Options) (*Store, error) {
	def := DefaultOptions()
	if opts.CacheSize == 0 {
		opts.CacheSize = def.CacheSize
	}
	s := &Store{db: db, opts: opts, split: splitBytes(opts.Split)}
	layout, err := db.Get(layoutKey)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read state layout: %w", err)
	}
	switch {
	case layout != nil:
		split, ok := parseLayout(layout)
		if !ok {
			db.Close()
			return nil, fmt.Errorf("unknown state layout %q", layout)
		}
		s.split, s.fixed = split, true
	default:
		// Before layouts were recorded there was one unprefixed tree.
		legacy, err := hasKeyBelow(db, []byte("t"))
		if err != nil {
			db.Close()
			return nil, err
		}
		if legacy {
			s.split, s.fixed = nil, true
		}
	}
	if err := s.load(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func splitBytes(split string) []byte {
	if split == NoSplit {
		return nil
	}
	return []byte(split)
}

func parseLayout(b []byte) ([]byte, bool) {
	switch {
	case string(b) == "one":
		return nil, true
	case bytes.HasPrefix(b, []byte("two:")) && len(b) > 4:
		return bytes.Clone(b[4:]), true
	}
	return nil, false
}

func (s *Store) layout() []byte {
	if s.split == nil {
		return []byte("one")
	}
	return append([]byte("two:"), s.split...)
}

// load opens the trees of the store's layout at their latest version.
func (s *Store) load() error {
	// No fast index (skipFastStorageUpgrade = true): IAVL's fast index
	// writes a second copy of every key at each version and keeps only a
	// 100,000-entry cache of it, so with hundreds of thousands of records
	// reads fell through to the database. Reads walk the tree instead,
	// whose nodes the node cache (CacheSize) keeps in memory.
	cache := s.opts.CacheSize
	if s.split != nil {
		cache /= 2
	}
	open := func(prefix []byte) *iavl.MutableTree {
		var db dbm.DB = s.db
		if prefix != nil {
			db = dbm.NewPrefixDB(s.db, prefix)
		}
		return iavl.NewMutableTree(iavldb.NewWrapper(db), cache, true, iavl.NewNopLogger(), iavl.SyncOption(!s.opts.NoSync))
	}
	if s.split == nil {
		s.low, s.high = open(nil), nil
		_, err := s.low.Load()
		if err != nil {
			return fmt.Errorf("load state tree: %w", err)
		}
		return nil
	}
	s.low, s.high = open(lowPrefix), open(highPrefix)
	vLow, err := s.low.Load()
	if err != nil {
		return fmt.Errorf("load state tree: %w", err)
	}
	vHigh, err := s.high.Load()
	if err != nil {
		return fmt.Errorf("load state tree: %w", err)
	}
	// A crash between the two trees' saves leaves one a version ahead:
	// drop that version (CometBFT replays the block).
	switch {
	case vLow > vHigh:
		err = s.low.LoadVersionForOverwriting(vHigh)
	case vHigh > vLow:
		err = s.high.LoadVersionForOverwriting(vLow)
	}
	if err != nil {
		return fmt.Errorf("align state trees at version %d: %w", min(vLow, vHigh), err)
	}
	return nil
}

// SetSplit fixes the layout of a store that holds no saved state yet:
// split is the first key of the high tree, NoSplit keeps one tree. A
// store whose layout is recorded accepts only that layout again.
func (s *Store) SetSplit(split string) error {
	want := splitBytes(split)
	if s.fixed || s.Version() > 0 {
		if !bytes.Equal(want, s.split) {
			return fmt.Errorf("the state is kept as %q; the genesis asks for state split %q", s.layout(), split)
		}
		return nil
	}
	if !bytes.Equal(want, s.split) {
		for _, t := range s.trees() {
			t.Close()
		}
		s.split = want
		if err := s.load(); err != nil {
			return err
		}
	}
	set := s.db.SetSync
	if s.opts.NoSync {
		set = s.db.Set
	}
	if err := set(layoutKey, s.layout()); err != nil {
		return fmt.Errorf("record state layout: %w", err)
	}
	s.fixed = true
	return nil
}

// Split is the first key of the high tree, NoSplit for one tree.
func (s *Store) Split() string { return string(s.split) }

func hasKeyBelow(db dbm.DB, end []byte) (bool, error) {
	it, err := db.Iterator(nil, end)
	if err != nil {
		return false, fmt.Errorf("read state database: %w", err)
	}
	defer it.Close()
	return it.Valid(), it.Error()
}

// SetInitialVersion makes the first saved version v (the chain's initial
// height) instead of 1.
func (s *Store) SetInitialVersion(v int64) {
	for _, t := range s.trees() {
		t.SetInitialVersion(uint64(v))
	}
}

// trees are the store's trees: low, and high when split.
func (s *Store) trees() []*iavl.MutableTree {
	if s.high == nil {
		return []*iavl.MutableTree{s.low}
	}
	return []*iavl.MutableTree{s.low, s.high}
}

// Version is the latest saved version (block height), 0 if none.
func (s *Store) Version() int64 { return s.low.Version() }

// Hash is the root hash of the latest saved version.
func (s *Store) Hash() []byte {
	v := s.Version()
	if v == 0 {
		return rootHash(half{}, half{}, 0)
	}
	view, err := s.At(v)
	if err != nil {
		panic(&Failure{Err: err})
	}
	return view.Hash()
}

// WorkingHash is the root hash the working state would have if saved now.
// The two trees hash on two cores.
func (s *Store) WorkingHash() []byte {
	var low, high half
	if s.high == nil {
		low = workingHalf(s.low)
	} else {
		both(func() { low = workingHalf(s.low) }, func() { high = workingHalf(s.high) })
	}
	return rootHash(low, high, s.low.WorkingVersion())
}

func workingHalf(t *iavl.MutableTree) half {
	return half{hash: t.WorkingHash(), height: t.Height(), size: t.Size()}
}

// both runs a on another goroutine and b on this one, and returns when
// both are done; a panic in a (a storage failure) is raised here.
func both(a, b func()) {
	var wg sync.WaitGroup
	var failure any
	wg.Go(func() {
		defer func() { failure = recover() }()
		a()
	})
	b()
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}

// Working is the mutable working state.
func (s *Store) Working() KV { return splitKV{s} }

// Commit saves the working state of both trees (on two cores) as the next
// version and prunes old versions if KeepRecent is set. The first commit
// records the layout if nothing did.
func (s *Store) Commit() ([]byte, int64, error) {
	if !s.fixed {
		if err := s.SetSplit(string(s.split)); err != nil {
			return nil, 0, err
		}
	}
	hash := s.WorkingHash()
	var vLow, vHigh int64
	var errLow, errHigh error
	if s.high == nil {
		_, vLow, errLow = s.low.SaveVersion()
		vHigh = vLow
	} else {
		both(func() { _, vLow, errLow = s.low.SaveVersion() }, func() { _, vHigh, errHigh = s.high.SaveVersion() })
	}
	if errLow != nil || errHigh != nil {
		return nil, 0, fmt.Errorf("save state version: %v %v", errLow, errHigh)
	}
	if vLow != vHigh {
		return nil, 0, fmt.Errorf("save state version: the trees saved versions %d and %d", vLow, vHigh)
	}
	if s.opts.KeepRecent > 0 && vLow > s.opts.KeepRecent {
		for _, t := range s.trees() {
			if err := t.DeleteVersionsTo(vLow - s.opts.KeepRecent); err != nil {
				return nil, 0, fmt.Errorf("prune state versions: %w", err)
			}
		}
	}
	return hash, vLow, nil
}

// Rollback discards unsaved changes.
func (s *Store) Rollback() {
	for _, t := range s.trees() {
		t.Rollback()
	}
}

// At returns the read-only state at a saved version.
func (s *Store) At(version int64) (*View, error) {
	low, err := s.low.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("state at height %d: %w", version, err)
	}
	var high *iavl.ImmutableTree
	if s.high != nil {
		if high, err = s.high.GetImmutable(version); err != nil {
			return nil, fmt.Errorf("state at height %d: %w", version, err)
		}
	}
	return &View{low: low, high: high, split: s.split, version: version}, nil
}

// HasVersion reports whether version is saved and not pruned.
func (s *Store) HasVersion(version int64) bool {
	return s.low.VersionExists(version) && (s.high == nil || s.high.VersionExists(version))
}

// Close releases the database.
func (s *Store) Close() error {
	for _, t := range s.trees() {
		t.Close()
	}
	return s.db.Close()
}

// half is what the root needs of one tree.
type half struct {
	hash   []byte
	height int8
	size   int64
}

// rootHash joins the two trees' roots. While one tree is empty the root is
// the other's (an IAVL node never has an empty child); when both hold keys
// it is the hash of an IAVL inner node over them, of height one more than
// the taller, size their sum and the given version.
func rootHash(low, high half, version int64) []byte {
	switch {
	case high.size == 0 && low.size == 0:
		return sha256.New().Sum(nil) // IAVL's empty tree
	case high.size == 0:
		return low.hash
	case low.size == 0:
		return high.hash
	}
	h := sha256.New()
	h.Write(rootPrefix(low, high, version))
	h.Write(low.hash)
	h.Write([]byte{32})
	h.Write(high.hash)
	return h.Sum(nil)
}

// rootPrefix is the root node's bytes up to the low child's hash: height,
// size and version as signed varints (as IAVL writes them), then the
// length of the hash that follows.
func rootPrefix(low, high half, version int64) []byte {
	b := binary.AppendVarint(nil, int64(max(low.height, high.height))+1)
	b = binary.AppendVarint(b, low.size+high.size)
	b = binary.AppendVarint(b, version)
	return append(b, 32)
}

// inLow reports whether key belongs to the low tree (every key does
// without a split).
func inLow(split, key []byte) bool { return split == nil || bytes.Compare(key, split) < 0 }

// splitKV routes each key to its tree.
type splitKV struct{ s *Store }

func (k splitKV) tree(key []byte) *iavl.MutableTree {
	if inLow(k.s.split, key) {
		return k.s.low
	}
	return k.s.high
}

func (k splitKV) Get(key []byte) []byte {
	v, err := k.tree(key).Get(key)
	must(err)
	return v
}
func (k splitKV) Has(key []byte) bool { return k.Get(key) != nil }
func (k splitKV) Set(key, value []byte) {
	_, err := k.tree(key).Set(key, value)
	must(err)
}
func (k splitKV) Delete(key []byte) {
	_, _, err := k.tree(key).Remove(key)
	must(err)
}
func (k splitKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	iterateSplit(k.s.split, k.s.low, k.s.high, start, end, reverse, fn)
}

// applySorted writes keys (ascending) to the two trees on two cores:
// each tree sees its keys in the same order as if written one by one.
func (k splitKV) applySorted(keys []string, values [][]byte) {
	cut := len(keys)
	for i, key := range keys {
		if !inLow(k.s.split, []byte(key)) {
			cut = i
			break
		}
	}
	apply := func(t *iavl.MutableTree, keys []string, values [][]byte) {
		for i, key := range keys {
			var err error
			if values[i] != nil {
				_, err = t.Set([]byte(key), values[i])
			} else {
				_, _, err = t.Remove([]byte(key))
			}
			must(err)
		}
	}
	if k.s.high == nil {
		apply(k.s.low, keys, values)
		return
	}
	both(func() { apply(k.s.low, keys[:cut], values[:cut]) }, func() { apply(k.s.high, keys[cut:], values[cut:]) })
}

// iterable is either kind of IAVL tree.
type iterable interface {
	Iterator(start, end []byte, ascending bool) (iavldb.Iterator, error)
}

// iterateSplit visits [start, end) across the two trees in order: the low
// tree's part, then the high tree's (the reverse when reverse). With no
// split every key is in low.
func iterateSplit(split []byte, low, high iterable, start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	if split == nil {
		iterateTree(low, start, end, reverse, fn)
		return
	}
	lowWanted := start == nil || bytes.Compare(start, split) < 0
	highWanted := end == nil || bytes.Compare(end, split) > 0
	lowEnd := end
	if highWanted {
		lowEnd = split
	}
	highStart := start
	if lowWanted {
		highStart = split
	}
	if !reverse {
		if lowWanted && !iterateTree(low, start, lowEnd, false, fn) {
			return
		}
		if highWanted {
			iterateTree(high, highStart, end, false, fn)
		}
		return
	}
	if highWanted && !iterateTree(high, highStart, end, true, fn) {
		return
	}
	if lowWanted {
		iterateTree(low, start, lowEnd, true, fn)
	}
}

// iterateTree visits one tree and reports whether fn wanted more.
func iterateTree(t iterable, start, end []byte, reverse bool, fn func(key, value []byte) bool) bool {
	it, err := t.Iterator(start, end, !reverse)
	must(err)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return false
		}
	}
	must(it.Error())
	return true
}
