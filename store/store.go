// Package store is the application state: a versioned Merkle tree,
// versioned by block height, whose root hash is the app hash, so every key
// can be proven against a block header.
//
// The state is kept twice, for two jobs (docs/state.md has the figures):
//
//   - the latest tree, in memory and in memory-mapped snapshots (memiavl,
//     with its write-ahead log), which blocks read and write: its cost per
//     key hardly grows with the state, because no write waits for a disk
//     read;
//   - the archive (archive.go), every version's new nodes written once to
//     an on-disk database, which answers reads and proofs at any height.
//
// Both hold the same IAVL nodes, so hashes and ICS23 proofs are IAVL's.
// The archive is written before the latest tree commits a version: after a
// crash the archive is never behind, and the latest tree, if behind, is
// brought level by CometBFT replaying the blocks it lacks.
//
// The tree is kept as two IAVL trees split at a fixed key (the chain's
// state split, from genesis): keys below it in the low tree, the rest in
// the high tree, joined under one root node built exactly like an IAVL
// inner node. The whole is therefore one IAVL-shaped tree: a proof is an
// ordinary ICS23 IAVL proof with one more step, verified by the same code
// as before. A chain whose genesis names no split keeps one tree, as
// chains made before the split existed do, so their app hashes stay valid.
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/crypto-org-chain/cronos/memiavl"
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
	// CacheSize is the number of archived nodes kept decoded in memory
	// for reads at past heights.
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
	// SnapshotInterval, if not 0, rewrites the latest trees' memory-mapped
	// snapshot every this many versions whatever changed (memiavl's own
	// rule; tests use it to force rewrites). 0 follows SnapshotPolicy.
	SnapshotInterval uint32
	// SnapshotPolicy decides when the snapshot is rewritten from how much
	// the state changed since the last one (docs/state.md, "When the
	// snapshot is rewritten"); its zero fields take
	// DefaultSnapshotPolicy's. The timing is local: no hash and no answer
	// depends on it.
	SnapshotPolicy SnapshotPolicy
	// Prewarm reads the latest trees' snapshot files into the page cache
	// before opening them, when they fit in the memory available
	// (FitsInMemory; Prewarm says why).
	Prewarm bool
	// SnapshotLayers lets a rewrite the SnapshotPolicy starts write only
	// what changed since the last snapshot, as a layer over it, until the
	// policy's bound (docs/state.md, "Snapshots written as layers"). The
	// zero policy writes the whole state every time.
	SnapshotLayers LayerPolicy
	// Logger, if set, hears what memiavl reports: each background
	// rewrite, and above all one that failed (the store carries on
	// without it, so only the log says the snapshot stopped moving).
	Logger Logger
}

// Logger is memiavl's (CometBFT's logger satisfies it).
type Logger = memiavl.Logger

// LayerPolicy is memiavl's: how many layers a snapshot may have over its
// base, and how large they may grow against it, before a rewrite writes
// the whole state again.
type LayerPolicy = memiavl.LayerPolicy

// DefaultLayerPolicy: up to 16 layers, together up to 15% of the base's
// size. A layer's pages add to what the page cache must hold (the nodes
// it replaces mostly share their pages with live ones), so the bound is
// memory, not disk: at 10M parcels, in 24 GiB beside the archive, the
// rate fell once three layers of 0.65 GB were over the 17.4 GB base
// (docs/state.md, "Snapshots written as layers").
//
// Layers are not merged (MergeFraction 0). The fork merges them
// size-tiered and moves the running trees onto a merge as onto any
// rewrite, but at 10M parcels in 8 GiB a merge of four layers still ran
// for minutes beside the flood (its writer reading the merged layers
// from disk, then moves over the versions committed meanwhile, which the
// heap held), and the passes fell to 230–700 transfers/s with the garbage
// collector taking the processors (docs/state.md, "Layers moved onto,
// merged and size-tiered"). Measured again with the moves made cheaper,
// merges every four layers still took the passes to about half the rate
// of the same register without them ("After the first layer").
// mergeLayers stays the rule for when merges would apply.
var DefaultLayerPolicy = LayerPolicy{MaxLayers: 16, MaxFraction: 0.15}

// mergeLayers lets a rewrite merge layers (LayerPolicy.MergeFraction)
// only when the state does not fit in memory: when it does, the layers
// must stay within MaxFraction of the base for base and layers to fit
// together, and a whole rewrite, read from memory, is quick.
func mergeLayers(stateBytes int64) bool { return !FitsInMemory(stateBytes) }

// SnapshotPolicy is memiavl's rewrite policy: a rewrite starts when the
// changes since the snapshot reach a fraction of the leaves, or the log a
// restart would replay reaches a bound, and never sooner than a number of
// versions after the last.
type SnapshotPolicy = memiavl.RewritePolicy

// DefaultSnapshotPolicy: a rewrite once 10% of the leaves changed, or the
// log since the snapshot holds 64 MiB (about 350,000 land record changes,
// which a restart replays in 8-10 s of CPU and which hold about 0.5-0.7
// GB of heap until the rewrite; with layers a rewrite costs the change, so
// the bound is set by the heap and the restart, not by the rewrite) or a
// million versions, and never within 20 versions of the last (a layer is cheap; the bound keeps a flood on a small state from writing one every block). The
// figures behind it are in docs/state.md ("When the snapshot is
// rewritten").
var DefaultSnapshotPolicy = SnapshotPolicy{
	MinVersions:     20,
	MaxVersions:     1_000_000,
	ChangedFraction: 0.10,
	MaxLogBytes:     64 << 20,
}

// withDefaults is p with its zero fields taken from DefaultSnapshotPolicy.
func withDefaults(p SnapshotPolicy) SnapshotPolicy {
	d := DefaultSnapshotPolicy
	if p.MinVersions == 0 {
		p.MinVersions = d.MinVersions
		if p.MaxVersions > 0 {
			p.MinVersions = min(p.MinVersions, p.MaxVersions)
		}
	}
	if p.MaxVersions == 0 {
		p.MaxVersions = max(d.MaxVersions, p.MinVersions)
	}
	if p.ChangedFraction == 0 {
		p.ChangedFraction = d.ChangedFraction
	}
	if p.MaxLogBytes == 0 {
		p.MaxLogBytes = d.MaxLogBytes
	}
	return p
}

// CheckSnapshotPolicy refuses a policy that cannot work once its zero
// fields take DefaultSnapshotPolicy's.
func CheckSnapshotPolicy(p SnapshotPolicy) error { return withDefaults(p).Validate() }

// DefaultOptions keep all history.
func DefaultOptions() Options {
	return Options{CacheSize: 200_000, Split: DefaultSplit, Prewarm: true, SnapshotLayers: DefaultLayerPolicy}
}

// Store owns the latest trees and the archive. It is not safe for
// concurrent mutation; views (archived versions) may be read concurrently.
type Store struct {
	mem       *memiavl.DB // nil for a store in memory
	low, high *memiavl.Tree
	arch      *archive
	archDB    dbm.DB
	split     []byte // nil: one tree, every key in low
	opts      Options
	fixed     bool // the layout is recorded in the archive
	// saved is the root hash of the latest saved version.
	saved []byte
	// unarchived: versions were saved without the archive (bulk loading),
	// so the next Commit archives the whole tree, not only its new nodes.
	unarchived bool
	// dir and backend are where Open found the state ("" in memory), for
	// Restore.
	dir     string
	backend dbm.BackendType
	// prewarmed is what Open read into the page cache, and how long it took.
	prewarmed     int64
	prewarmedTook time.Duration
	// latestDir holds the latest trees ("" in memory); snapshotSwitched
	// reads snapshots written out of the cache back in from it (rewarm).
	latestDir string
	rewarm    *rewarmer
	// rewrites are the last background rewrites switched to
	// (RewritesAfter); a pointer, as a restore copies the Store
	rewrites *rewriteLog
	// ahead holds the values the block's read-ahead found, until the
	// trees change.
	ahead *aheadReads
}

// rewriteLog keeps the last rewritesKept switches' reports, oldest first.
type rewriteLog struct {
	mu   sync.Mutex
	list []memiavl.RewriteReport
}

// rewritesKept is how many switches Rewrites remembers.
const rewritesKept = 64

// rewarmer reads snapshots written out of the page cache back into it,
// until closing ends, counting the bytes read.
type rewarmer struct {
	closing context.Context
	stop    context.CancelFunc
	running sync.WaitGroup
	read    atomic.Int64
}

// The latest trees' names; the one-tree layout leaves "high" empty.
const lowName, highName = "low", "high"

// ErrOldFormat is returned for a home whose state was saved by a release
// that kept it in IAVL's own database.
var ErrOldFormat = errors.New("old state format")

// Open opens (or creates) the state in dir/state with the given cosmos-db
// backend for the archive, and loads the latest saved version.
func Open(dir string, backend dbm.BackendType, opts Options) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dir, "application.db")); err == nil {
		return nil, fmt.Errorf("%w: %s holds state saved by an earlier release of publica (IAVL's own database, application.db), "+
			"which this release does not open; run that home with the release that made it, or make a new home with `publica init` "+
			"(docs/state.md, \"Homes made by earlier releases\")", ErrOldFormat, dir)
	}
	stateDir := filepath.Join(dir, "state")
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	// Before memiavl maps the snapshot and replays its log against it.
	var prewarmed int64
	var prewarmedTook time.Duration
	var err error
	if files, size := snapshotFilesIn(filepath.Join(stateDir, "latest")); opts.Prewarm && len(files) > 0 && FitsInMemory(size) {
		start := time.Now()
		if prewarmed, err = Prewarm(context.Background(), files); err != nil {
			return nil, fmt.Errorf("read the state snapshot into memory: %w", err)
		}
		prewarmedTook = time.Since(start)
	}
	archDB, err := dbm.NewDB("archive", backend, stateDir)
	if err != nil {
		return nil, fmt.Errorf("open state archive in %s: %w", stateDir, err)
	}
	s, err := newStore(archDB, filepath.Join(stateDir, "latest"), opts)
	if err == nil {
		if err = s.arch.openBase(filepath.Join(stateDir, "base")); err == nil {
			s.arch.ing, err = newIngester(archDB, filepath.Join(stateDir, ingestDirName))
		}
		if err != nil {
			s.Close()
		}
	} else {
		archDB.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("state in %s: %w", stateDir, err)
	}
	s.dir, s.backend = dir, backend
	s.prewarmed, s.prewarmedTook = prewarmed, prewarmedTook
	return s, nil
}

// OpenMemory returns an empty in-memory store, for tests and replays.
func OpenMemory() *Store {
	s, err := newStore(dbm.NewMemDB(), "", DefaultOptions())
	if err != nil {
		panic(err) // an empty memory database cannot fail to load
	}
	return s
}

// OpenMemoryWith is OpenMemory with options (a different split, in tests).
func OpenMemoryWith(opts Options) (*Store, error) { return newStore(dbm.NewMemDB(), "", opts) }

func newStore(archDB dbm.DB, latestDir string, opts Options) (*Store, error) {
	def := DefaultOptions()
	if opts.CacheSize == 0 {
		opts.CacheSize = def.CacheSize
	}
	arch, err := openArchive(archDB, !opts.NoSync, opts.CacheSize)
	if err != nil {
		return nil, err
	}
	s := &Store{archDB: archDB, arch: arch, opts: opts, split: splitBytes(opts.Split), ahead: newAheadReads()}
	s.rewarm, s.rewrites = &rewarmer{}, &rewriteLog{}
	s.rewarm.closing, s.rewarm.stop = context.WithCancel(context.Background())
	layout, err := archDB.Get(metaLayout)
	if err != nil {
		return nil, fmt.Errorf("read state layout: %w", err)
	}
	if layout != nil {
		split, ok := parseLayout(layout)
		if !ok {
			return nil, fmt.Errorf("unknown state layout %q", layout)
		}
		s.split, s.fixed = split, true
	}
	if latestDir == "" {
		s.low, s.high = memiavl.New(0), memiavl.New(0)
	} else if err := s.loadLatest(latestDir); err != nil {
		return nil, err
	}
	s.saved = rootHash(treeHalf(s.low), treeHalf(s.high)) // nothing written since
	return s, nil
}

// loadLatest opens the latest trees and brings them level with the
// archive. Trees behind the archive (the order of writes before
// 2026-12-07) are left behind: CometBFT replays the missing blocks. Trees
// one version ahead (a crash while the archive wrote that version in the
// background) archive it again; trees further ahead, which happens only
// if the archive lost versions, are rolled back to it.
func (s *Store) loadLatest(dir string) error {
	s.latestDir = dir
	// No older snapshot is kept: the archive holds history, and memiavl
	// truncates its log only up to the oldest snapshot it keeps, so
	// keeping one more kept a whole snapshot interval of log (after a bulk
	// load, the load itself) and a second copy of the state on disk.
	opts := memiavl.Options{CreateIfMissing: true, InitialStores: []string{highName, lowName},
		SnapshotInterval: s.opts.SnapshotInterval, SnapshotKeepRecent: 0, AsyncCommitBuffer: -1}
	if s.opts.SnapshotInterval == 0 {
		policy := withDefaults(s.opts.SnapshotPolicy)
		opts.RewritePolicy = &policy
	}
	if s.opts.SnapshotLayers != (LayerPolicy{}) {
		layers := s.opts.SnapshotLayers
		opts.LayerPolicy = &layers
	}
	// A whole rewrite of a state that does not fit in memory twice is
	// written out of the page cache, and read in after the switch.
	opts.OutOfCacheRewrite = rewriteOutOfCache
	opts.MergeLayers = mergeLayers
	// A node that would read its snapshot in at start but cannot (it does
	// not fit) replays its log against a cold snapshot: read ahead.
	if _, size := snapshotFilesIn(dir); s.opts.Prewarm && size > 0 && !FitsInMemory(size) {
		opts.ReadAheadReplay = true
	}
	opts.SnapshotSwitched = s.snapshotSwitched
	if s.opts.Logger != nil {
		opts.Logger = s.opts.Logger
	}
	db, err := memiavl.Load(dir, opts)
	if err != nil {
		return fmt.Errorf("load latest state: %w", err)
	}
	archived := s.arch.latest()
	if v := db.Version(); v == archived+1 && archived > 0 {
		// The archive writes a version after the trees save it (Commit):
		// a crash between leaves it one behind, and the trees still hold
		// every node that version made.
		if err := s.archiveVersion(db.TreeByName(lowName).Root(), db.TreeByName(highName).Root(), v, false); err != nil {
			db.Close()
			return fmt.Errorf("archive version %d, which the latest state holds: %w", v, err)
		}
		archived = v
	}
	if db.Version() > archived {
		if archived == 0 {
			db.Close()
			return fmt.Errorf("the latest state is at version %d but the state archive is empty", db.Version())
		}
		db.Close()
		opts.TargetVersion, opts.LoadForOverwriting = uint32(archived), true
		if db, err = memiavl.Load(dir, opts); err != nil {
			return fmt.Errorf("roll the latest state back to the archive's version %d: %w", archived, err)
		}
	}
	s.mem = db
	s.refreshTrees()
	return nil
}

// rewriteOutOfCache says whether a whole rewrite of a tree whose snapshot
// takes tree bytes, of a state of state bytes, is written out of the page
// cache: when the state and a second copy of the tree would not fit in
// the memory available together (at 10M parcels, the high tree's 7 GB
// beside the 19 GB state; MemAvailable counts the state's own cached
// pages as available). (Replaced by tests.)
var rewriteOutOfCache = func(tree, state int64) bool { return !FitsInMemory(state + tree) }

// snapshotSwitched reads a snapshot written out of the page cache into it
// (when it fits), in the background: the old snapshot's pages leave as it
// is closed and pruned.
func (s *Store) snapshotSwitched(report memiavl.RewriteReport) {
	l := s.rewrites
	l.mu.Lock()
	l.list = append(l.list, report)
	if len(l.list) > rewritesKept {
		l.list = slices.Delete(l.list, 0, len(l.list)-rewritesKept)
	}
	l.mu.Unlock()
	var cold []string // the trees written out of the cache; the others are in it
	for _, tree := range report.Trees {
		if tree.OutOfCache {
			cold = append(cold, tree.Name)
		}
	}
	if len(cold) == 0 {
		return
	}
	r, dir := s.rewarm, s.latestDir
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		files, size := snapshotFilesOf(dir, cold...)
		if FitsInMemory(size) {
			n, _ := Prewarm(r.closing, files) // best effort: a read that fails leaves pages to fault in
			r.read.Add(n)
		}
	}()
}

// Rewarmed is how many bytes of snapshots written out of the page cache
// were read into it after their switch.
func (s *Store) Rewarmed() int64 { return s.rewarm.read.Load() }

// refreshTrees picks up the latest trees, which a commit may replace
// (when memiavl switches to a new snapshot).
func (s *Store) refreshTrees() {
	if s.mem != nil {
		s.low, s.high = s.mem.TreeByName(lowName), s.mem.TreeByName(highName)
	}
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
		if !s.treesEmpty() {
			return fmt.Errorf("the state split cannot change once keys are written")
		}
		s.split = want
	}
	set := s.archDB.SetSync
	if s.opts.NoSync {
		set = s.archDB.Set
	}
	if err := set(metaLayout, s.layout()); err != nil {
		return fmt.Errorf("record state layout: %w", err)
	}
	s.fixed = true
	return nil
}

func (s *Store) treesEmpty() bool { return s.low.Root() == nil && s.high.Root() == nil }

// Split is the first key of the high tree, NoSplit for one tree.
func (s *Store) Split() string { return string(s.split) }

// SetInitialVersion makes the first saved version v (the chain's initial
// height) instead of 1.
func (s *Store) SetInitialVersion(v int64) {
	if s.mem != nil {
		if err := s.mem.SetInitialVersion(v); err != nil {
			panic(&Failure{Err: err})
		}
		s.refreshTrees()
		return
	}
	for _, t := range []*memiavl.Tree{s.low, s.high} {
		if err := t.SetInitialVersion(v); err != nil {
			panic(&Failure{Err: err})
		}
	}
}

// Version is the latest saved version (block height), 0 if none.
func (s *Store) Version() int64 { return s.low.Version() }

// Hash is the root hash of the latest saved version (not of writes made
// since: Info may be asked in the middle of a block).
func (s *Store) Hash() []byte { return bytes.Clone(s.saved) }

// WorkingHash is the root hash the working state would have if saved now.
// The two trees hash on two cores.
func (s *Store) WorkingHash() []byte {
	both(func() { s.low.RootHash() }, func() { s.high.RootHash() })
	return rootHash(treeHalf(s.low), treeHalf(s.high))
}

func treeHalf(t *memiavl.Tree) half {
	r := t.Root()
	if r == nil {
		return half{}
	}
	// SafeHash copies: a node in a snapshot hands out a slice of the
	// mapped file, which is unmapped when a newer snapshot replaces it.
	return half{hash: r.SafeHash(), height: int8(r.Height()), size: r.Size(), version: int64(r.Version())}
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

// Commit saves the working state as the next version: the latest trees
// save it, then the archive writes its new nodes in the background and
// prunes old versions if KeepRecent is set (the first version archived
// and a whole tree after a bulk load are archived first, in the call).
// The first commit records the layout if nothing did.
func (s *Store) Commit() ([]byte, int64, error) {
	hash, version, err := s.nextVersion()
	if err != nil {
		return nil, 0, err
	}
	whole, trees := s.unarchived, s.treeCount()
	write := func(low, high memiavl.Node) error {
		if err := s.archiveVersion(low, high, version, whole); err != nil {
			return err
		}
		if keep := s.opts.KeepRecent; keep > 0 && version > keep && !whole {
			if err := s.arch.prune(version-keep+1, trees); err != nil {
				return fmt.Errorf("prune state versions: %w", err)
			}
		}
		return nil
	}
	// The first version archived, and a whole tree after a bulk load, are
	// written before the trees save them, so the archive is never empty
	// below saved trees.
	if whole || s.arch.latest() == 0 {
		if err := write(s.low.Root(), s.high.Root()); err != nil {
			return nil, 0, err
		}
		s.unarchived = false
		return hash, version, s.saveLatest(version, hash)
	}
	if err := s.saveLatest(version, hash); err != nil {
		return nil, 0, err
	}
	// Later versions are archived while the next block executes: its
	// transactions write to a cache, and the trees change only when the
	// block's writes are applied, which first waits for the archive
	// (splitKV.treesChange), as memiavl changes its latest nodes in place.
	// A crash before the write ends leaves the trees one version ahead of
	// the archive, which opening repairs (loadLatest).
	low, high := s.low.Root(), s.high.Root()
	s.arch.startWrite(version, func() error { return write(low, high) })
	return hash, version, nil
}

// nextVersion readies a commit and returns the working state's hash and
// the version it will be saved as. The last version's archive write reads
// nodes of the trees (and of their snapshot, which a commit may switch):
// it ends first.
func (s *Store) nextVersion() ([]byte, int64, error) {
	s.ahead.clear()
	if err := s.arch.waitWrite(); err != nil {
		return nil, 0, err
	}
	if !s.fixed {
		if err := s.SetSplit(string(s.split)); err != nil {
			return nil, 0, err
		}
	}
	return s.WorkingHash(), s.Version() + 1, nil
}

// archiveVersion writes the trees' nodes of version (all of them if
// whole) into the archive, with the version's roots.
func (s *Store) archiveVersion(low, high memiavl.Node, version int64, whole bool) error {
	var batch *archiveBatch
	if whole {
		batch = s.arch.newBatch()
	} else {
		batch = s.arch.newVersionBatch()
	}
	batch.writeTree(0, low, version, whole)
	if s.split != nil {
		batch.writeTree(1, high, version, whole)
	}
	return batch.commit(version)
}

// CommitUnarchived saves the working state as the next version of the
// latest tree only: the archive will not hold it, and the next Commit
// archives the whole tree. It is for loading a large state in steps (a
// register built at genesis) without keeping the steps as history; a
// crash before that Commit leaves a store that does not open.
func (s *Store) CommitUnarchived() ([]byte, int64, error) {
	hash, version, err := s.nextVersion()
	if err != nil {
		return nil, 0, err
	}
	s.unarchived = true
	return hash, version, s.saveLatest(version, hash)
}

// Snapshot rewrites the latest trees' memory-mapped snapshot at the
// latest version now, and continues from it: the heap then holds no tree
// nodes, and a reopened store replays no log. It also compacts the
// archive, which a whole tree written at once leaves in overlapping
// files. For the end of a bulk load.
func (s *Store) Snapshot() error {
	if err := s.arch.waitWrite(); err != nil {
		return err
	}
	if p, ok := s.archDB.(*dbm.PebbleDB); ok {
		if err := p.DB().Compact([]byte("n"), []byte("o"), true); err != nil {
			return fmt.Errorf("compact state archive: %w", err)
		}
	}
	if s.mem == nil {
		return nil
	}
	// A background rewrite finishing after this one would move the
	// current snapshot back to its older version.
	if err := s.mem.WaitSnapshotRewrite(); err != nil {
		return fmt.Errorf("finish the background snapshot rewrite: %w", err)
	}
	if err := s.mem.RewriteSnapshot(); err != nil {
		return fmt.Errorf("rewrite state snapshot: %w", err)
	}
	if err := s.mem.Reload(); err != nil {
		return fmt.Errorf("reload state snapshot: %w", err)
	}
	s.refreshTrees()
	return nil
}

// saveLatest saves the latest trees' working state as version.
func (s *Store) saveLatest(version int64, hash []byte) error {
	var saved int64
	var err error
	if s.mem != nil {
		saved, err = s.mem.Commit()
		s.refreshTrees()
	} else {
		_, saved, err = s.low.SaveVersion(true)
		if err == nil {
			_, _, err = s.high.SaveVersion(true)
		}
	}
	if err != nil {
		return fmt.Errorf("save state version %d: %w", version, err)
	}
	if saved != version {
		return fmt.Errorf("save state version: saved %d, expected %d", saved, version)
	}
	s.saved = hash
	return nil
}

func (s *Store) treeCount() int {
	if s.split == nil {
		return 1
	}
	return 2
}

// At returns the read-only state at a saved version.
func (s *Store) At(version int64) (*View, error) {
	view := &View{split: s.split, version: version}
	s.arch.waitFor(version)
	for t := range s.treeCount() {
		r, ok, err := s.arch.root(byte(t), version)
		if err != nil {
			return nil, fmt.Errorf("state at height %d: %w", version, err)
		}
		if !ok {
			return nil, fmt.Errorf("state at height %d: version does not exist", version)
		}
		tree := &archiveTree{a: s.arch, root: r}
		if t == 0 {
			view.low = tree
		} else {
			view.high = tree
		}
	}
	return view, nil
}

// HasVersion reports whether version is saved and not pruned.
func (s *Store) HasVersion(version int64) bool {
	if version <= 0 || version > s.Version() {
		return false
	}
	s.arch.waitFor(version)
	_, ok, err := s.arch.root(0, version)
	return err == nil && ok
}

// Close releases the database.
func (s *Store) Close() error {
	s.ahead.clear()
	s.rewarm.stop()
	s.rewarm.running.Wait()
	// A write that failed is repaired at the next open.
	var errs []error
	if err := s.arch.waitWrite(); err != nil {
		errs = append(errs, err)
	}
	if s.mem != nil {
		errs = append(errs, s.mem.Close())
	}
	errs = append(errs, s.archDB.Close(), s.arch.closeBase())
	return errors.Join(errs...)
}

// Restore replaces an empty store's state with another node's export of
// version (ImportExported), kept as two trees split at split (NoSplit:
// one) only if its root hash is want (the app hash of a header the caller
// verified). On any failure the store is left empty and open. For state
// sync: Stage and Adopt do the same in two steps, the import while the
// export still arrives.
func (s *Store) Restore(version int64, split string, want []byte, next func() (ExportedNode, error)) error {
	hash, err := s.Stage(version, split, next)
	if err != nil {
		return err
	}
	if !bytes.Equal(hash, want) {
		s.DiscardStaged()
		return fmt.Errorf("restore: the restored state's hash %X is not the trusted app hash %X", hash, want)
	}
	return s.Adopt()
}

// stagingDir holds a state being restored, beside the store's own.
func (s *Store) stagingDir() string { return filepath.Join(s.dir, "restoring") }

// Stage writes another node's export of version (ImportExported) into a
// staging folder beside the store's state and returns its root hash. The
// open store is not touched (it may serve reads meanwhile); Adopt makes
// the staged state the store's, DiscardStaged removes it. A state staged
// earlier and never adopted is replaced.
func (s *Store) Stage(version int64, split string, next func() (ExportedNode, error)) ([]byte, error) {
	if s.dir == "" {
		return nil, errors.New("restore: the store is in memory")
	}
	if err := os.RemoveAll(s.stagingDir()); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	hash, err := ImportExported(s.stagingDir(), version, Options{Split: split}, next)
	if err != nil {
		s.DiscardStaged()
		return nil, err
	}
	return hash, nil
}

// DiscardStaged removes a staged state.
func (s *Store) DiscardStaged() { os.RemoveAll(s.stagingDir()) }

// Adopt replaces an empty store's state with the staged one (its folder
// moved into place, no copy) and opens it. The caller has checked the
// staged state's hash. On any failure the store is left empty and open.
func (s *Store) Adopt() error {
	if s.dir == "" {
		return errors.New("restore: the store is in memory")
	}
	if s.Version() != 0 {
		s.DiscardStaged()
		return fmt.Errorf("restore: the store already holds version %d", s.Version())
	}
	staged := filepath.Join(s.stagingDir(), "state")
	if _, err := os.Stat(staged); err != nil {
		return fmt.Errorf("restore: no staged state: %w", err)
	}
	opts := s.opts
	if err := s.Close(); err != nil {
		s.DiscardStaged()
		return fmt.Errorf("restore: close the empty state: %w", err)
	}
	stateDir := filepath.Join(s.dir, "state")
	reopen := func(cause error) error {
		s.DiscardStaged()
		if err := os.RemoveAll(stateDir); err != nil {
			return errors.Join(cause, err)
		}
		fresh, err := Open(s.dir, s.backend, opts)
		if err != nil {
			return errors.Join(cause, err)
		}
		*s = *fresh
		return cause
	}
	if err := os.RemoveAll(stateDir); err != nil {
		return reopen(fmt.Errorf("restore: %w", err))
	}
	if err := os.Rename(staged, stateDir); err != nil {
		return reopen(fmt.Errorf("restore: %w", err))
	}
	s.DiscardStaged()
	restored, err := Open(s.dir, s.backend, opts)
	if err != nil {
		return reopen(err)
	}
	*s = *restored
	return nil
}

// half is what the root needs of one tree.
type half struct {
	hash    []byte
	height  int8
	size    int64
	version int64 // of the tree's root node: the last version that wrote it
}

// rootHash joins the two trees' roots. While one tree is empty the root is
// the other's (an IAVL node never has an empty child); when both hold keys
// it is the hash of an IAVL inner node over them, of height one more than
// the taller, size their sum and, as IAVL gives an inner node, the version
// that last rewrote it: the later of its children's. A version that writes
// nothing leaves the root, and so the app hash, as it was (an empty block
// must not change the app hash, or CometBFT makes the next block at once).
func rootHash(low, high half) []byte {
	switch {
	case high.size == 0 && low.size == 0:
		return sha256.New().Sum(nil) // IAVL's empty tree
	case high.size == 0:
		return low.hash
	case low.size == 0:
		return high.hash
	}
	h := sha256.New()
	h.Write(rootPrefix(low, high))
	h.Write(low.hash)
	h.Write([]byte{32})
	h.Write(high.hash)
	return h.Sum(nil)
}

// rootPrefix is the root node's bytes up to the low child's hash: height,
// size and version as signed varints (as IAVL writes them), then the
// length of the hash that follows.
func rootPrefix(low, high half) []byte {
	b := binary.AppendVarint(nil, int64(max(low.height, high.height))+1)
	b = binary.AppendVarint(b, low.size+high.size)
	b = binary.AppendVarint(b, max(low.version, high.version))
	return append(b, 32)
}

// inLow reports whether key belongs to the low tree (every key does
// without a split).
func inLow(split, key []byte) bool { return split == nil || bytes.Compare(key, split) < 0 }

// splitKV routes each key to its tree.
type splitKV struct{ s *Store }

func (k splitKV) tree(key []byte) (*memiavl.Tree, string) {
	if inLow(k.s.split, key) {
		return k.s.low, lowName
	}
	return k.s.high, highName
}

func (k splitKV) Get(key []byte) []byte {
	v, ok, ahead := k.s.ahead.lookup(key)
	if ok {
		return v
	}
	if ahead {
		aheadMissed.Add(1)
	}
	t, _ := k.tree(key)
	return t.Get(key)
}
func (k splitKV) Has(key []byte) bool { return k.Get(key) != nil }
func (k splitKV) Set(key, value []byte) {
	if value == nil {
		value = []byte{}
	}
	k.apply([]*memiavl.KVPair{{Key: bytes.Clone(key), Value: bytes.Clone(value)}}, key)
}
func (k splitKV) Delete(key []byte) {
	k.apply([]*memiavl.KVPair{{Key: bytes.Clone(key), Delete: true}}, key)
}

func (k splitKV) apply(pairs []*memiavl.KVPair, key []byte) {
	t, name := k.tree(key)
	k.applyTo(t, name, pairs)
}

func (k splitKV) applyTo(t *memiavl.Tree, name string, pairs []*memiavl.KVPair) {
	if len(pairs) == 0 {
		return
	}
	k.treesChange()
	if k.s.mem != nil {
		must(k.s.mem.ApplyChangeSet(name, memiavl.ChangeSet{Pairs: pairs}))
		return
	}
	t.ApplyChangeSet(memiavl.ChangeSet{Pairs: pairs})
}

// treesChange readies the trees for writes: the values read ahead no
// longer hold, and the archive's background write, which reads the nodes
// the writes change in place, must end.
func (k splitKV) treesChange() {
	k.s.ahead.clear()
	must(k.s.arch.waitWrite())
}

func (k splitKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	iterateSplit(k.s.split, latestTree{k.s.low}, latestTree{k.s.high}, start, end, reverse, fn)
}

// applySorted writes keys (ascending) to the two trees: each tree sees its
// keys in the same order as if written one by one.
func (k splitKV) applySorted(keys []string, values [][]byte) {
	low := make([]*memiavl.KVPair, 0, len(keys))
	var high []*memiavl.KVPair
	for i, key := range keys {
		p := &memiavl.KVPair{Key: []byte(key), Value: values[i], Delete: values[i] == nil}
		if inLow(k.s.split, p.Key) {
			low = append(low, p)
		} else {
			high = append(high, p)
		}
	}
	if len(low) == 0 || len(high) == 0 {
		k.applyTo(k.s.low, lowName, low)
		k.applyTo(k.s.high, highName, high)
		return
	}
	// Both trees change: each on a processor of its own.
	k.treesChange()
	if k.s.mem != nil {
		must(k.s.mem.ApplyChangeSets([]*memiavl.NamedChangeSet{
			{Name: highName, Changeset: memiavl.ChangeSet{Pairs: high}},
			{Name: lowName, Changeset: memiavl.ChangeSet{Pairs: low}},
		}))
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { k.s.high.ApplyChangeSet(memiavl.ChangeSet{Pairs: high}) })
	k.s.low.ApplyChangeSet(memiavl.ChangeSet{Pairs: low})
	wg.Wait()
}

// iterable is a tree that can visit a range in order.
type iterable interface {
	iterate(start, end []byte, ascending bool, fn func(key, value []byte) bool) (bool, error)
}

// latestTree iterates a latest (memiavl) tree.
type latestTree struct{ t *memiavl.Tree }

func (l latestTree) iterate(start, end []byte, ascending bool, fn func(key, value []byte) bool) (bool, error) {
	it := l.t.Iterator(start, end, ascending)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if !fn(it.Key(), it.Value()) {
			return false, nil
		}
	}
	return true, it.Error()
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
	more, err := t.iterate(start, end, !reverse, fn)
	must(err)
	return more
}

// aheadMissed counts the reads of the latest trees that missed what the
// block had read ahead (AheadMissed).
var aheadMissed atomic.Int64

// AheadMissed says how many reads of the working state, since the process
// started, found no value read ahead while the block had some: keys its
// read-ahead had not reached yet, or never reads (for measurements).
func AheadMissed() int64 { return aheadMissed.Load() }

// ReadAhead is a read-only view of the latest trees whose reads go to the
// disk through system calls rather than page faults (memiavl's
// Tree.ReadAhead, for a snapshot larger than memory), so that many
// goroutines can read a block's records ahead of it while it executes.
// It is valid only while the trees do not change: during FinalizeBlock,
// before the block's writes are applied. Its writes panic, as a View's do.
func (s *Store) ReadAhead() KV { return readAheadKV{s} }

type readAheadKV struct{ s *Store }

func (k readAheadKV) Get(key []byte) []byte {
	// A key another transaction's read-ahead found already (a clerk's
	// account, a role every transaction checks) is not walked again.
	if v, ok := k.s.ahead.get(key); ok {
		return v
	}
	// Most keys a transaction reads it also writes (an account's
	// sequence, a title, an owner's period): the walk reads what the
	// write will read too (the children off its way), and the phase
	// before the block's writes (ReadAheadWrites) skips the key.
	t, _ := splitKV(k).tree(key)
	v, err := t.ReadAheadForWrite(key)
	must(err)
	k.s.ahead.put(key, v)
	return v
}
func (k readAheadKV) Has(key []byte) bool { return k.Get(key) != nil }
func (k readAheadKV) Set(key, value []byte) {
	panic(&Failure{Err: fmt.Errorf("write to read-only view")})
}
func (k readAheadKV) Delete(key []byte) { panic(&Failure{Err: fmt.Errorf("write to read-only view")}) }
func (k readAheadKV) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	splitKV(k).Iterate(start, end, reverse, fn)
}

// AheadSession reads keys ahead for one goroutine that runs many of a
// block's transactions ahead at once, as coroutines that each stop at a
// key it lacks (the app's read-ahead): the keys' walks are driven
// through one io_uring by that goroutine (memiavl.RingSession), each
// page read once, and the values found serve the block's own reads as
// ReadAhead's do. Like ReadAhead it is valid only while the trees do not
// change; one goroutine at a time.
type AheadSession struct {
	s       *Store
	ring    *memiavl.RingSession
	asked   [][]byte // by the ring's token: the key, nil once answered
	tokens  []int    // by the ring's token: the caller's
	free    []int
	answers []memiavl.RingAnswer
	out     []AheadAnswer
}

// AheadAnswer is the value of a key asked of an AheadSession (nil where
// the key is not in the state), or why it could not be read, for the
// token it was asked with.
type AheadAnswer struct {
	Token int
	Value []byte
	Err   error
}

// NewAheadSession opens a session, or returns nil where io_uring is not
// available: the caller then reads through ReadAhead.
func (s *Store) NewAheadSession() *AheadSession {
	r := memiavl.NewRingSession()
	if r == nil {
		return nil
	}
	return &AheadSession{s: s, ring: r}
}

// Known returns key's value when a read-ahead has found it already.
func (a *AheadSession) Known(key []byte) ([]byte, bool) { return a.s.ahead.get(key) }

// Ask starts the walk of key (what a ReadAhead read of it walks),
// answered with token by a later Wait. It reports false, starting
// nothing, when the session has no room for another walk or its ring
// has failed: read the key through ReadAhead then.
func (a *AheadSession) Ask(key []byte, token int) bool {
	var id int
	if n := len(a.free); n > 0 {
		id = a.free[n-1]
	} else {
		id = len(a.asked)
	}
	t, _ := splitKV{a.s}.tree(key)
	if !a.ring.Ask(t, key, id) {
		return false
	}
	if n := len(a.free); n > 0 {
		a.free = a.free[:n-1]
		a.asked[id], a.tokens[id] = key, token
	} else {
		a.asked, a.tokens = append(a.asked, key), append(a.tokens, token)
	}
	return true
}

// Active is how many keys asked are not answered yet.
func (a *AheadSession) Active() int { return a.ring.Active() }

// Wait returns the answers of the walks that ended, waiting for the
// disk when none has. Each value found is kept for the block's own reads
// (and its key's write marked read ahead, as a ReadAhead read does). The
// answers are valid until the next Wait. An error is the ring's: every
// key under way is answered with it, and Ask starts nothing more.
func (a *AheadSession) Wait() ([]AheadAnswer, error) {
	var err error
	a.answers, err = a.ring.Wait(a.answers[:0])
	a.out = a.out[:0]
	for _, r := range a.answers {
		key := a.asked[r.Token]
		if r.Err == nil {
			a.s.ahead.put(key, r.Value)
		}
		a.out = append(a.out, AheadAnswer{Token: a.tokens[r.Token], Value: r.Value, Err: r.Err})
		a.asked[r.Token] = nil
		a.free = append(a.free, r.Token)
	}
	return a.out, err
}

// Close ends the session; keys still asked are dropped unanswered.
func (a *AheadSession) Close() { a.ring.Close() }

// ReadAheadWrites reads what writing or deleting keys in the latest trees
// will read from their snapshots (memiavl's Tree.ReadAheadWrite: the
// branches on each key's path, their other children, the leaf it lands
// at). Inserting or deleting a key rebalances its path and reads the
// heights, sizes and hashes of the branches beside it, which a read of the
// key does not touch. Like ReadAhead it only fills the page cache, and
// must not run while the trees change. A key whose write was read ahead
// since the trees last changed is skipped; it returns how many keys it
// read.
//
// The keys' walks are driven through io_uring by one walker a processor
// (memiavl.ReadAheadWritesTogether: reads issued together, each page read
// once a walker); where io_uring is not available, by workers goroutines,
// one key at a time each.
func (s *Store) ReadAheadWrites(keys []string, workers int) int {
	var claimed []memiavl.KeyInTree
	for _, k := range keys {
		if s.ahead.claimWrite(k) {
			key := []byte(k)
			t, _ := splitKV{s}.tree(key)
			claimed = append(claimed, memiavl.KeyInTree{Tree: t, Key: key})
		}
	}
	if len(claimed) == 0 || memiavl.ReadAheadWritesTogether(claimed, runtime.NumCPU()) {
		return len(claimed)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(claimed)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(claimed) {
					return
				}
				readAheadWrite(claimed[i])
			}
		})
	}
	wg.Wait()
	return len(claimed)
}

// SetWritesAheadThroughRing says whether ReadAheadWrites may drive its
// walks through io_uring (the default) or walks one goroutine a key, as
// before (for comparisons).
func SetWritesAheadThroughRing(on bool) { memiavl.ReadAheadThroughRing = on }

// readAheadWrite reads ahead one key's write. A read error or a panic
// (a snapshot file cut short under the map) ends only this key's read:
// the write itself meets the same fault and reports it.
func readAheadWrite(k memiavl.KeyInTree) {
	defer func() { _ = recover() }()
	_ = k.Tree.ReadAheadWrite(k.Key)
}

// SnapshotBytes is the size of the latest trees' snapshot files: what
// reads of the latest state need in the page cache to run from memory.
func (s *Store) SnapshotBytes() int64 { return s.low.SnapshotBytes() + s.high.SnapshotBytes() }

// HeldBranches is how many branches of the latest trees' snapshots are
// held in memory (the upper levels of a large one: memiavl's upper.go),
// and the memory they take.
func (s *Store) HeldBranches() (branches, bytes int) {
	lb, lm := s.low.HeldBranches()
	hb, hm := s.high.HeldBranches()
	return lb + hb, lm + hm
}

// RewritesHeldBack counts the snapshot rewrites due since the store
// opened that the disk had no room for (memiavl's DB.RewritesHeldBack).
func (s *Store) RewritesHeldBack() int {
	if s.mem == nil {
		return 0
	}
	return s.mem.RewritesHeldBack()
}

// RewriteProgress says where the running background snapshot rewrite is,
// if one runs (memiavl's DB.RewriteProgress).
func (s *Store) RewriteProgress() (memiavl.RewriteProgress, bool) {
	if s.mem == nil {
		return memiavl.RewriteProgress{}, false
	}
	return s.mem.RewriteProgress()
}

// RewritesAsLayers counts the snapshot rewrites since the store opened
// that the disk had no room to write a tree of whole, written as layers
// instead (memiavl's DB.RewritesAsLayers).
func (s *Store) RewritesAsLayers() int {
	if s.mem == nil {
		return 0
	}
	return s.mem.RewritesAsLayers()
}

// RewritesFailed counts the background snapshot rewrites since the store
// opened that could not write their snapshot (memiavl's
// DB.RewritesFailed; Options.Logger hears why).
func (s *Store) RewritesFailed() int {
	if s.mem == nil {
		return 0
	}
	return s.mem.RewritesFailed()
}

// SnapshotLayers is how many layers the latest trees' snapshots have
// over their bases (the more of the two trees').
func (s *Store) SnapshotLayers() int {
	return max(s.low.SnapshotLayers(), s.high.SnapshotLayers())
}

// RewritesAfter lists what the background rewrites of snapshots after
// version wrote and how long they took, oldest first (the last 64).
func (s *Store) RewritesAfter(version int64) []memiavl.RewriteReport {
	l := s.rewrites
	l.mu.Lock()
	defer l.mu.Unlock()
	var after []memiavl.RewriteReport
	for _, r := range l.list {
		if r.Version > version {
			after = append(after, r)
		}
	}
	return after
}

// LastRewrite says what the latest trees' last background rewrite wrote:
// each tree as a layer or whole, and its bytes (zero before the first,
// and in memory).
func (s *Store) LastRewrite() memiavl.RewriteReport {
	if s.mem == nil {
		return memiavl.RewriteReport{}
	}
	return s.mem.LastRewrite()
}

// LatestSnapshot is the version of the latest trees' snapshot and what
// their log holds beyond it (what a restart replays); zeros in memory.
func (s *Store) LatestSnapshot() (int64, memiavl.LogGrowth) {
	if s.mem == nil {
		return 0, memiavl.LogGrowth{}
	}
	return s.mem.SnapshotVersion(), s.mem.LogGrowth()
}
