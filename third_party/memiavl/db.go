package memiavl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alitto/pond"
	"github.com/tidwall/wal"
)

const (
	DefaultSnapshotInterval    = 1000
	LockFileName               = "LOCK"
	DefaultSnapshotWriterLimit = 4
	TmpSuffix                  = "-tmp"
)

var errReadOnly = errors.New("db is read-only")

// DB implements DB-like functionalities on top of MultiTree:
// - async snapshot rewriting
// - Write-ahead-log
//
// The memiavl.db directory looks like this:
// ```
// > current -> snapshot-N
// > snapshot-N
// >  bank
// >    kvs
// >    nodes
// >    metadata
// >  acc
// >  ... other stores
// > wal
// ```
type DB struct {
	MultiTree
	dir      string
	logger   Logger
	fileLock FileLock
	readOnly bool

	// result channel of snapshot rewrite goroutine
	snapshotRewriteChan chan snapshotResult
	// context cancel function to cancel the snapshot rewrite goroutine
	snapshotRewriteCancel context.CancelFunc
	// rootsWanted is where the running rewrite asks for a copy of the
	// trees at the last committed version, to move them onto what it
	// wrote (transplant.go); served between commits. nil when no rewrite
	// runs, or when the log is written asynchronously (the copy's version
	// could be ahead of the log the rewrite replays from).
	rootsWanted chan chan *MultiTree

	// the number of old snapshots to keep (excluding the latest one)
	snapshotKeepRecent uint32
	// block interval to take a new snapshot
	snapshotInterval uint32
	// rewritePolicy, if set, decides when to rewrite instead of
	// snapshotInterval
	rewritePolicy *RewritePolicy
	// layerPolicy, if set, lets a background rewrite write a layer over
	// the snapshot instead of the whole tree (layer.go)
	layerPolicy *LayerPolicy
	// mergeLayers, if set, says whether the layer policy's merges apply
	// to the next rewrite (Options.MergeLayers, layersFor).
	mergeLayers func(stateBytes int64) bool
	// lastRewrite says what the last background rewrite wrote
	lastRewrite RewriteReport
	// Options.OutOfCacheRewrite and Options.SnapshotSwitched
	outOfCacheRewrite func(treeBytes, stateBytes int64) bool
	snapshotSwitched  func(RewriteReport)
	// Options.ReadAheadReplay: a rewrite's catch-up reads ahead too
	readAheadReplay bool
	// grown is the log beyond the current snapshot; grownAtRewrite its
	// reading when the running rewrite started (the new snapshot's
	// version), rewriteStarted that version
	grown, grownAtRewrite LogGrowth
	rewriteStarted        int64
	// rewriteProgress is the running background rewrite's (nil when none
	// runs)
	rewriteProgress  *rewriteProgress
	rewritesHeldBack int // due, but the disk had no room (roomForRewrite)
	rewritesAsLayers int // due, without room for a tree written whole: written as layers
	rewritesFailed   int // started, but the snapshot could not be written
	// make sure only one snapshot rewrite is running
	pruneSnapshotLock      sync.Mutex
	triggerStateSyncExport func(height int64)

	// invariant: the LastIndex always match the current version of MultiTree
	wal         *wal.Log
	walChanSize int
	walChan     chan *walEntry
	walQuit     chan error

	// pending changes, will be written into WAL in next Commit call
	pendingLog WALEntry

	// The assumptions to concurrency:
	// - The methods on DB are protected by a mutex
	// - Each call of Load loads a separate instance, in query scenarios,
	//   it should be immutable, the cache stores will handle the temporary writes.
	// - The DB for the state machine will handle writes through the Commit call,
	//   this method is the sole entry point for tree modifications, and there's no concurrency internally
	//   (the background snapshot rewrite is handled separately), so we don't need locks in the Tree.
	mtx sync.Mutex
	// worker goroutine IdleTimeout = 5s
	snapshotWriterPool *pond.WorkerPool

	// reusable write batch
	wbatch wal.Batch
}

type Options struct {
	Logger          Logger
	CreateIfMissing bool
	InitialVersion  uint32
	ReadOnly        bool
	// the initial stores when initialize the empty instance
	InitialStores      []string
	SnapshotKeepRecent uint32
	SnapshotInterval   uint32
	// RewritePolicy, if set, rewrites the snapshot as the state changes
	// (RewritePolicy's rules) instead of every SnapshotInterval versions.
	RewritePolicy *RewritePolicy
	// LayerPolicy, if set, writes a background rewrite as a layer over
	// the current snapshot while the policy allows (layer.go).
	LayerPolicy *LayerPolicy
	// OutOfCacheRewrite, if set, is asked before a background rewrite
	// writes a tree whole, with the size of the tree's snapshot and of all
	// the trees' (the state the page cache holds while it is written):
	// true writes it out of the page cache (snapshotFileWriter), for a state
	// that would not fit in memory beside a second copy of the tree.
	OutOfCacheRewrite func(treeBytes, stateBytes int64) bool
	// MergeLayers, if set, is asked before a background rewrite, with the
	// size of all the trees' snapshots, whether trees whose layers are due
	// to end may have them merged (LayerPolicy.MergeFraction) rather than
	// be written whole; unset, they may.
	MergeLayers func(stateBytes int64) bool
	// SnapshotSwitched, if set, is told what each background rewrite
	// wrote once the DB has switched to it (from Commit, under the DB's
	// lock: it must not call the DB).
	SnapshotSwitched func(RewriteReport)
	// ReadAheadReplay reads each version's paths ahead in parallel as Load
	// replays the log (MultiTree.readAheadEntry), and as a rewrite catches
	// up with it: for a state that is not in the page cache.
	ReadAheadReplay        bool
	TriggerStateSyncExport func(height int64)
	// load the target version instead of latest version
	TargetVersion uint32
	// Buffer size for the asynchronous commit queue, -1 means synchronous commit,
	// default to 0.
	AsyncCommitBuffer int
	// ZeroCopy if true, the get and iterator methods could return a slice pointing to mmaped blob files.
	ZeroCopy bool
	// CacheSize defines the cache's max entry size for each memiavl store.
	CacheSize int
	// LoadForOverwriting if true rollbacks the state, specifically the Load method will
	// truncate the versions after the `TargetVersion`, the `TargetVersion` becomes the latest version.
	// it do nothing if the target version is `0`.
	LoadForOverwriting bool

	SnapshotWriterLimit int
}

func (opts Options) Validate() error {
	if opts.ReadOnly && opts.CreateIfMissing {
		return errors.New("can't create db in read-only mode")
	}

	if opts.ReadOnly && opts.LoadForOverwriting {
		return errors.New("can't rollback db in read-only mode")
	}

	if opts.RewritePolicy != nil {
		if err := opts.RewritePolicy.Validate(); err != nil {
			return err
		}
	}
	if opts.LayerPolicy != nil {
		return opts.LayerPolicy.Validate()
	}

	return nil
}

func (opts *Options) FillDefaults() {
	if opts.Logger == nil {
		opts.Logger = NewNopLogger()
	}

	if opts.SnapshotInterval == 0 {
		opts.SnapshotInterval = DefaultSnapshotInterval
	}

	if opts.SnapshotWriterLimit <= 0 {
		opts.SnapshotWriterLimit = DefaultSnapshotWriterLimit
	}
}

const (
	SnapshotPrefix = "snapshot-"
	SnapshotDirLen = len(SnapshotPrefix) + 20
)

func Load(dir string, opts Options) (*DB, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("invalid options: %w", err)
	}
	opts.FillDefaults()

	if opts.CreateIfMissing {
		if err := createDBIfNotExist(dir, opts.InitialVersion); err != nil {
			return nil, fmt.Errorf("fail to load db: %w", err)
		}
	}

	var (
		err      error
		fileLock FileLock
	)
	if !opts.ReadOnly {
		fileLock, err = LockFile(filepath.Join(dir, LockFileName))
		if err != nil {
			return nil, fmt.Errorf("fail to lock db: %w", err)
		}

		// cleanup any temporary directories left by interrupted snapshot rewrite
		if err := removeTmpDirs(dir); err != nil {
			return nil, fmt.Errorf("fail to cleanup tmp directories: %w", err)
		}
	}

	snapshot := "current"
	if opts.TargetVersion > 0 {
		// find the biggest snapshot version that's less than or equal to the target version
		snapshotVersion, err := seekSnapshot(dir, opts.TargetVersion)
		if err != nil {
			return nil, fmt.Errorf("fail to seek snapshot: %w", err)
		}
		snapshot = snapshotName(snapshotVersion)
	}

	path := filepath.Join(dir, snapshot)
	mtree, err := LoadMultiTree(path, opts.ZeroCopy, opts.CacheSize)
	if err != nil {
		return nil, err
	}

	wal, err := OpenWAL(walPath(dir), &wal.Options{NoCopy: true, NoSync: true})
	if err != nil {
		return nil, err
	}

	// create worker pool. recv tasks to write snapshot
	workerPool := pond.New(opts.SnapshotWriterLimit, opts.SnapshotWriterLimit*10)

	// what the log holds beyond the snapshot is what is replayed here
	var grown LogGrowth
	if opts.TargetVersion == 0 || int64(opts.TargetVersion) > mtree.Version() {
		if mtree, grown, err = replayLog(dir, mtree, wal, opts, workerPool); err != nil {
			workerPool.Stop()
			return nil, errors.Join(err, wal.Close(), mtree.Close())
		}
	}

	if opts.LoadForOverwriting && opts.TargetVersion > 0 {
		currentSnapshot, err := os.Readlink(currentPath(dir))
		if err != nil {
			return nil, fmt.Errorf("fail to read current version: %w", err)
		}

		if snapshot != currentSnapshot {
			// downgrade `"current"` link first
			opts.Logger.Info("downgrade current link to", "snapshot", snapshot)
			if err := updateCurrentSymlink(dir, snapshot); err != nil {
				return nil, fmt.Errorf("fail to update current snapshot link: %w", err)
			}
		}

		// truncate the WAL
		opts.Logger.Info("truncate WAL from back", "version", opts.TargetVersion)
		if err := wal.TruncateBack(walIndex(int64(opts.TargetVersion), mtree.initialVersion)); err != nil {
			return nil, fmt.Errorf("fail to truncate wal logs: %w", err)
		}

		// prune snapshots that's larger than the target version
		if err := traverseSnapshots(dir, false, func(version int64) (bool, error) {
			if version <= int64(opts.TargetVersion) {
				return true, nil
			}

			if err := atomicRemoveDir(filepath.Join(dir, snapshotName(version))); err != nil {
				opts.Logger.Error("fail to prune snapshot", "version", version, "err", err)
			} else {
				opts.Logger.Info("prune snapshot", "version", version)
			}
			return false, nil
		}); err != nil {
			return nil, fmt.Errorf("fail to prune snapshots: %w", err)
		}
	}
	db := &DB{
		MultiTree:              *mtree,
		logger:                 opts.Logger,
		dir:                    dir,
		fileLock:               fileLock,
		readOnly:               opts.ReadOnly,
		wal:                    wal,
		walChanSize:            opts.AsyncCommitBuffer,
		snapshotKeepRecent:     opts.SnapshotKeepRecent,
		snapshotInterval:       opts.SnapshotInterval,
		rewritePolicy:          opts.RewritePolicy,
		layerPolicy:            opts.LayerPolicy,
		mergeLayers:            opts.MergeLayers,
		outOfCacheRewrite:      opts.OutOfCacheRewrite,
		readAheadReplay:        opts.ReadAheadReplay,
		snapshotSwitched:       opts.SnapshotSwitched,
		grown:                  grown,
		rewriteStarted:         mtree.SnapshotVersion(),
		triggerStateSyncExport: opts.TriggerStateSyncExport,
		snapshotWriterPool:     workerPool,
	}

	if !db.readOnly && db.Version() == 0 && len(opts.InitialStores) > 0 {
		// do the initial upgrade with the `opts.InitialStores`
		var upgrades []*TreeNameUpgrade
		for _, name := range opts.InitialStores {
			upgrades = append(upgrades, &TreeNameUpgrade{Name: name})
		}
		if err := db.ApplyUpgrades(upgrades); err != nil {
			return nil, errors.Join(err, db.Close())
		}
	}

	return db, nil
}

func removeTmpDirs(rootDir string) error {
	entries, err := os.ReadDir(rootDir)
	if err != nil {
		return err
	}

	for _, entry := range entries {
		if !entry.IsDir() || !strings.HasSuffix(entry.Name(), TmpSuffix) {
			continue
		}

		if err := os.RemoveAll(filepath.Join(rootDir, entry.Name())); err != nil {
			return err
		}
	}

	return nil
}

// ReadOnly returns whether the DB is opened in read-only mode.
func (db *DB) ReadOnly() bool {
	return db.readOnly
}

// SetInitialVersion wraps `MultiTree.SetInitialVersion`.
// it do an immediate snapshot rewrite, because we can't use wal log to record this change,
// because we need it to convert versions to wal index in the first place.
func (db *DB) SetInitialVersion(initialVersion int64) error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return errReadOnly
	}

	if db.lastCommitInfo.Version > 0 {
		return errors.New("initial version can only be set before any commit")
	}

	if err := db.MultiTree.SetInitialVersion(initialVersion); err != nil {
		return err
	}

	return initEmptyDB(db.dir, db.initialVersion)
}

// ApplyUpgrades wraps MultiTree.ApplyUpgrades, it also append the upgrades in a pending log,
// which will be persisted to the WAL in next Commit call.
func (db *DB) ApplyUpgrades(upgrades []*TreeNameUpgrade) error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return errReadOnly
	}

	if err := db.MultiTree.ApplyUpgrades(upgrades); err != nil {
		return err
	}

	db.pendingLog.Upgrades = append(db.pendingLog.Upgrades, upgrades...)
	return nil
}

// ApplyChangeSets wraps MultiTree.ApplyChangeSets, it also append the changesets in the pending log,
// which will be persisted to the WAL in next Commit call.
func (db *DB) ApplyChangeSets(changeSets []*NamedChangeSet) error {
	if len(changeSets) == 0 {
		return nil
	}

	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return errReadOnly
	}

	if len(db.pendingLog.Changesets) == 0 {
		db.pendingLog.Changesets = changeSets
		return db.MultiTree.ApplyChangeSets(changeSets)
	}

	// slow path, merge into exist changesets one store at a time,
	// should not happen in normal state machine life-cycle.
	for _, cs := range changeSets {
		if err := db.applyChangeSet(cs.Name, cs.Changeset); err != nil {
			return err
		}
	}
	return nil
}

// ApplyChangeSet wraps MultiTree.ApplyChangeSet, it also append the changesets in the pending log,
// which will be persisted to the WAL in next Commit call.
func (db *DB) ApplyChangeSet(name string, changeSet ChangeSet) error {
	if len(changeSet.Pairs) == 0 {
		return nil
	}

	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.applyChangeSet(name, changeSet)
}

func (db *DB) applyChangeSet(name string, changeSet ChangeSet) error {
	if len(changeSet.Pairs) == 0 {
		return nil
	}

	if db.readOnly {
		return errReadOnly
	}

	var updated bool
	for _, cs := range db.pendingLog.Changesets {
		if cs.Name == name {
			cs.Changeset.Pairs = append(cs.Changeset.Pairs, changeSet.Pairs...)
			updated = true
			break
		}
	}

	if !updated {
		db.pendingLog.Changesets = append(db.pendingLog.Changesets, &NamedChangeSet{
			Name:      name,
			Changeset: changeSet,
		})
		sort.SliceStable(db.pendingLog.Changesets, func(i, j int) bool {
			return db.pendingLog.Changesets[i].Name < db.pendingLog.Changesets[j].Name
		})
	}

	return db.MultiTree.ApplyChangeSet(name, changeSet)
}

// checkAsyncTasks checks the status of background tasks non-blocking-ly and process the result
func (db *DB) checkAsyncTasks() error {
	return errors.Join(
		db.checkAsyncCommit(),
		db.checkBackgroundSnapshotRewrite(),
	)
}

// checkAsyncCommit check the quit signal of async wal writing
func (db *DB) checkAsyncCommit() error {
	select {
	case err := <-db.walQuit:
		// async wal writing failed, we need to abort the state machine
		return fmt.Errorf("async wal writing goroutine quit unexpectedly: %w", err)
	default:
	}

	return nil
}

// CommittedVersion returns the latest version written in wal, or snapshot version if wal is empty.
func (db *DB) CommittedVersion() (int64, error) {
	lastIndex, err := db.wal.LastIndex()
	if err != nil {
		return 0, err
	}
	if lastIndex == 0 {
		return db.SnapshotVersion(), nil
	}
	return walVersion(lastIndex, db.initialVersion), nil
}

// checkBackgroundSnapshotRewrite check the result of background snapshot rewrite, cleans up the old snapshots and switches to a new multitree
func (db *DB) checkBackgroundSnapshotRewrite() error {
	// check the completeness of background snapshot rewriting
	select {
	case result := <-db.snapshotRewriteChan:
		return db.finishSnapshotRewrite(result)
	default:
	}

	return nil
}

// WaitSnapshotRewrite waits for a background snapshot rewrite, if one is
// running, and switches to the new snapshot as a commit would.
func (db *DB) WaitSnapshotRewrite() error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	for db.snapshotRewriteChan != nil {
		select {
		case result := <-db.snapshotRewriteChan:
			return db.finishSnapshotRewrite(result)
		case reply := <-db.rootsWanted:
			reply <- db.MultiTree.Copy(0)
		}
	}
	return nil
}

// serveRootsWanted hands the running rewrite, if it asked, a copy of the
// trees at the version just committed; the copy protects their nodes from
// the changes of later versions (Tree.Copy).
func (db *DB) serveRootsWanted() {
	select {
	case reply := <-db.rootsWanted:
		reply <- db.MultiTree.Copy(0)
	default:
	}
}

// finishSnapshotRewrite takes the result of a background rewrite.
func (db *DB) finishSnapshotRewrite(result snapshotResult) error {
	db.snapshotRewriteChan = nil
	db.snapshotRewriteCancel = nil
	db.rootsWanted = nil

	if result.failed != nil {
		db.rewritesFailed++
		return nil
	}
	if result.mtree == nil {
		if result.err != nil {
			// background snapshot rewrite failed
			return fmt.Errorf("background snapshot rewriting failed: %w", result.err)
		}

		// background snapshot rewrite don't success, but no error to propagate, ignore it.
		return nil
	}

	// wait for potential pending wal writings to finish, to make sure we catch up to latest state.
	// in real world, block execution should be slower than wal writing, so this should not block for long.
	for {
		committedVersion, err := db.CommittedVersion()
		if err != nil {
			return fmt.Errorf("get wal version failed: %w", err)
		}
		if db.lastCommitInfo.Version == committedVersion {
			break
		}
		time.Sleep(time.Nanosecond)
	}

	// catchup the remaining wal: moved, where the rewrite moved the
	// running trees before (transplant.go), else replayed
	switchStarted := time.Now()
	if result.moved != nil {
		from := result.mtree.Version()
		if err := result.mtree.moveRound(&db.MultiTree, result.moved); err != nil {
			db.logger.Info("moving the running trees onto the new snapshot at the switch failed: the log is replayed instead", "err", err)
			// the moves are dropped: the report counts the replay alone
			result.report.Transplanted, result.report.TransplantRounds, result.report.TransplantTook = 0, 0, 0
			if result.mtree, err = reloadUnmoved(result.mtree, db.dir, db.zeroCopy); err != nil {
				return fmt.Errorf("catchup failed: %w", err)
			}
			result.moved = nil
		} else {
			result.report.FinalMoved = result.mtree.Version() - from
			result.moved.count(&result.report)
		}
	}
	if result.moved == nil {
		final, err := result.mtree.catchupWAL(db.wal, 0, result.report.OutOfCache() || db.readAheadReplay, nil)
		if err != nil {
			return fmt.Errorf("catchup failed: %w", err)
		}
		result.report.FinalCatchUp = final.Versions
	}
	result.report.SwitchCatchUpTook = time.Since(switchStarted)

	// do the switch
	before := db.MultiTree.snapshotDirs()
	if err := db.reloadMultiTree(result.mtree); err != nil {
		return fmt.Errorf("switch multitree failed: %w", err)
	}
	// The snapshots the switch left out of use (a whole rewrite leaves its
	// tree's old chain; a layer leaves none) leave the page cache, not as
	// the new snapshot is read in; after the commit, with the pruning.
	after := db.MultiTree.snapshotDirs()
	var unused []string
	for dir := range before {
		if !after[dir] {
			unused = append(unused, dir)
		}
	}
	db.grown = db.grown.since(db.grownAtRewrite)
	db.pruneSnapshots(unused...)
	result.report.SwitchTook = time.Since(switchStarted)
	db.lastRewrite = result.report
	db.logger.Info("switched to new snapshot", "version", db.MultiTree.Version(),
		"final catch-up", result.report.FinalCatchUp, "took", result.report.SwitchTook)

	if db.snapshotSwitched != nil {
		db.snapshotSwitched(result.report)
	}

	// trigger state-sync snapshot export
	if db.triggerStateSyncExport != nil {
		db.triggerStateSyncExport(db.SnapshotVersion())
	}

	return nil
}

// pruneSnapshot prune the old snapshots
func (db *DB) pruneSnapshots(dropCached ...string) {
	// wait until last prune finish
	db.pruneSnapshotLock.Lock()

	go func() {
		defer db.pruneSnapshotLock.Unlock()
		// Snapshots a switch left out of use leave the page cache (those
		// pruned below would anyway). Here rather than at the switch: over
		// gigabytes of cached pages the drop takes a while, and the switch
		// holds the DB's lock.
		for _, dir := range dropCached {
			dropCachedFiles(dir)
		}

		currentVersion, err := currentVersion(db.dir)
		if err != nil {
			db.logger.Error("failed to read current snapshot version", "err", err)
			return
		}

		// Kept: the current snapshot, snapshotKeepRecent older ones, and
		// the snapshots their layers lie on. The log is kept from the
		// oldest snapshot kept for itself: one kept only under a layer
		// is not loaded alone at its own version.
		counter := db.snapshotKeepRecent
		kept := []int64{currentVersion}
		var older []int64
		if err := traverseSnapshots(db.dir, false, func(version int64) (bool, error) {
			switch {
			case version > currentVersion:
				// ignore any newer snapshot directories, there could be ongoning snapshot rewrite.
			case version == currentVersion:
			case counter > 0:
				counter--
				kept = append(kept, version)
			default:
				older = append(older, version)
			}
			return false, nil
		}); err != nil {
			db.logger.Error("fail to prune snapshots", "err", err)
			return
		}
		under := map[int64]map[string]bool{}
		for _, version := range kept {
			if err := addChainTrees(under, db.dir, version); err != nil {
				// which snapshots its layers lie on is unknown: prune none
				db.logger.Error("failed to read the chain of a snapshot, none pruned", "version", version, "err", err)
				return
			}
		}
		for _, version := range older {
			name := snapshotName(version)
			if trees := under[version]; len(trees) > 0 {
				// Only some trees' layers lie on it: the others go. A tree
				// rewritten whole leaves its old chain to no one, while the
				// other tree's layers keep the directories (at 10M parcels
				// the old high tree's 7.5 GB stayed until the low tree was
				// rewritten whole too).
				if err := pruneTreesOutside(filepath.Join(db.dir, name), trees); err != nil {
					db.logger.Error("failed to prune the trees no layer lies on", "name", name, "err", err)
				}
				continue
			}
			db.logger.Info("prune snapshot", "name", name)

			if err := atomicRemoveDir(filepath.Join(db.dir, name)); err != nil {
				db.logger.Error("failed to prune snapshot", "err", err)
			}
		}

		// truncate WAL until the earliest snapshot kept for itself
		earliestVersion := slices.Min(kept)

		if err := db.wal.TruncateFront(walIndex(earliestVersion+1, db.initialVersion)); err != nil {
			db.logger.Error("failed to truncate wal", "err", err, "version", earliestVersion+1)
		}
	}()
}

// Commit wraps SaveVersion to bump the version and writes the pending changes into log files to persist on disk
func (db *DB) Commit() (int64, error) {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return 0, errReadOnly
	}

	v, err := db.MultiTree.SaveVersion(true)
	if err != nil {
		return 0, err
	}

	// write logs if enabled
	if db.wal != nil {
		entry := walEntry{index: walIndex(v, db.initialVersion), data: db.pendingLog}
		db.grown = db.grown.add(entryGrowth(&entry.data, entry.data.Size()))
		if db.walChanSize >= 0 {
			if db.walChan == nil {
				db.initAsyncCommit()
			}

			// async wal writing
			db.walChan <- &entry
		} else {
			lastIndex, err := db.wal.LastIndex()
			if err != nil {
				return 0, err
			}

			db.wbatch.Clear()
			if err := writeEntry(&db.wbatch, db.logger, lastIndex, &entry); err != nil {
				return 0, err
			}

			if err := db.wal.WriteBatch(&db.wbatch); err != nil {
				return 0, err
			}
		}
	}

	db.pendingLog = WALEntry{}
	db.serveRootsWanted()

	if err := db.checkAsyncTasks(); err != nil {
		return 0, err
	}
	db.rewriteIfApplicable(v)

	return v, nil
}

func (db *DB) initAsyncCommit() {
	walChan := make(chan *walEntry, db.walChanSize)
	walQuit := make(chan error)

	go func() {
		defer close(walQuit)

		batch := wal.Batch{}
		for {
			entries := channelBatchRecv(walChan)
			if len(entries) == 0 {
				// channel is closed
				break
			}

			lastIndex, err := db.wal.LastIndex()
			if err != nil {
				walQuit <- err
				return
			}

			for _, entry := range entries {
				if err := writeEntry(&batch, db.logger, lastIndex, entry); err != nil {
					walQuit <- err
					return
				}
			}

			if err := db.wal.WriteBatch(&batch); err != nil {
				walQuit <- err
				return
			}
			batch.Clear()
		}
	}()

	db.walChan = walChan
	db.walQuit = walQuit
}

// WaitAsyncCommit waits for the completion of async commit
func (db *DB) WaitAsyncCommit() error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.waitAsyncCommit()
}

func (db *DB) waitAsyncCommit() error {
	if db.walChan == nil {
		return nil
	}

	close(db.walChan)
	err := <-db.walQuit

	db.walChan = nil
	db.walQuit = nil
	return err
}

func (db *DB) Copy() *DB {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.copy(db.cacheSize)
}

func (db *DB) copy(cacheSize int) *DB {
	mtree := db.MultiTree.Copy(cacheSize)

	return &DB{
		MultiTree:          *mtree,
		logger:             db.logger,
		dir:                db.dir,
		snapshotWriterPool: db.snapshotWriterPool,
		layerPolicy:        db.layerPolicy,
		mergeLayers:        db.mergeLayers,
		outOfCacheRewrite:  db.outOfCacheRewrite,
		readAheadReplay:    db.readAheadReplay,
	}
}

// replayLog replays the log beyond mtree's snapshot (to opts.TargetVersion,
// or all of it). A node that stopped with a long log, in the middle of a
// rewrite or with rewrites held back, would otherwise hold every version
// it replays in memory until its first rewrite after the start has ended:
// at 10M parcels, 170 versions took 1.8 GB of heap, and in an 8 GiB
// memory cgroup the garbage collector then took half the processors
// while that rewrite caught up, more slowly than blocks came. So when a
// rewrite would have been due while the node ran (opts.RewritePolicy),
// the replay stops there, writes the trees as a snapshot (a layer where
// the layer policy allows, as a background rewrite would, but merging
// none) and goes on from it. A read-only or past-version load replays all
// in memory, as before.
func replayLog(dir string, mtree *MultiTree, log *wal.Log, opts Options, pool *pond.WorkerPool) (*MultiTree, LogGrowth, error) {
	var due func(LogGrowth) bool
	if p := opts.RewritePolicy; p != nil && !opts.ReadOnly && opts.TargetVersion == 0 {
		due = func(g LogGrowth) bool { return p.Due(g.Versions, g, mtree.leaves()) != "" }
	}
	layers := opts.LayerPolicy.withoutMerges()
	for {
		grown, err := mtree.catchupWAL(log, int64(opts.TargetVersion), opts.ReadAheadReplay, due)
		if err != nil || due == nil || !due(grown) {
			return mtree, grown, err
		}
		last, err := log.LastIndex()
		if err != nil {
			return mtree, grown, err
		}
		if walIndex(nextVersion(mtree.Version(), mtree.initialVersion), mtree.initialVersion) > last {
			return mtree, grown, nil // the end of the log: the running node rewrites
		}
		withRoom, asLayers, need, free, ok := layersWithRoom(dir, mtree, layers, grown)
		if !ok {
			// as a running node holds a rewrite back: the rest is
			// replayed in memory
			opts.Logger.Info("no disk room for a snapshot while replaying the log", "need", need, "free", free)
			more, err := mtree.catchupWAL(log, int64(opts.TargetVersion), opts.ReadAheadReplay, nil)
			return mtree, grown.add(more), err
		}
		if asLayers {
			opts.Logger.Info("no disk room for a tree written whole while replaying the log: written as layers", "need", need, "free", free)
			layers = withRoom
		}
		snapshotDir := snapshotName(mtree.Version())
		path := filepath.Join(dir, snapshotDir+TmpSuffix)
		report, err := mtree.writeSnapshot(context.Background(), path, pool, layers, opts.OutOfCacheRewrite)
		if err != nil {
			return mtree, grown, errors.Join(err, os.RemoveAll(path))
		}
		// A replay stopped between the rename and the switch of "current"
		// left this version's snapshot, which nothing names: this one
		// replaces it.
		if err := os.RemoveAll(filepath.Join(dir, snapshotDir)); err != nil {
			return mtree, grown, err
		}
		if err := os.Rename(path, filepath.Join(dir, snapshotDir)); err != nil {
			return mtree, grown, err
		}
		if err := updateCurrentSymlink(dir, snapshotDir); err != nil {
			return mtree, grown, err
		}
		for _, tree := range report.Trees {
			opts.Logger.Info("wrote a snapshot while replaying the log", "version", mtree.Version(), "tree", tree.Name,
				"layer", tree.Layer, "chain", tree.Chain, "bytes", tree.Bytes, "replayed", grown.Versions)
		}
		next, err := LoadMultiTree(currentPath(dir), opts.ZeroCopy, opts.CacheSize)
		if err != nil {
			return mtree, grown, err
		}
		if err := mtree.Close(); err != nil {
			return next, grown, errors.Join(err, next.Close())
		}
		mtree = next
	}
}

// leaves is how many keys the trees hold.
func (t *MultiTree) leaves() int64 {
	var n int64
	for _, entry := range t.trees {
		if entry.Tree.root != nil {
			n += entry.Tree.root.Size()
		}
	}
	return n
}

// RewriteSnapshot writes the current version of memiavl into a snapshot, and update the `current` symlink.
func (db *DB) RewriteSnapshot() error {
	return db.RewriteSnapshotWithContext(context.Background())
}

// RewriteSnapshotWithContext writes the current version of memiavl into a snapshot, and update the `current` symlink.
func (db *DB) RewriteSnapshotWithContext(ctx context.Context) error {
	_, err := db.rewriteSnapshot(ctx, nil, nil)
	return err
}

// RewriteReport says what a rewrite wrote: per tree, a layer or the
// whole tree, and the bytes of its files.
type RewriteReport struct {
	Version int64
	Trees   []RewrittenTree
	// Wrote is how long the snapshot took to write.
	Wrote time.Duration
	// Transplanted is the versions the trees written whole did not
	// replay: they took the running trees' nodes at that many versions
	// past the snapshot (transplant.go), in TransplantTook.
	Transplanted     int64
	TransplantRounds int
	TransplantTook   time.Duration
	// CaughtUp is the versions the new trees replayed from the log in the
	// background, in CatchUpRounds rounds over CatchUpTook, while the
	// old trees went on committing.
	CaughtUp      int64
	CatchUpRounds int
	CatchUpTook   time.Duration
	// FinalCatchUp is the versions replayed at the switch, under the
	// DB's lock (a commit waits for them), and SwitchTook how long that
	// commit's switch took in all.
	FinalCatchUp int64
	SwitchTook   time.Duration
	// SwitchCatchUpTook is the part of SwitchTook the final catch-up
	// (replayed or moved) took; the rest is the switch of the trees.
	SwitchCatchUpTook time.Duration
	// FinalMoved is the versions the switch moved instead, where the
	// rewrite moved the running trees before it
	FinalMoved int64
	// LayersRead is the bytes of the new layers' files read into the page
	// cache before the moves (readLayerFiles), in LayersReadTook
	LayersRead     int64
	LayersReadTook time.Duration
	// KeysReadAhead is the keys of copied nodes the background moves read
	// with pread from the old chain rather than through its mapping
	// (readKeysAhead)
	KeysReadAhead int64
	// PlacedFound is the old chain's nodes the moves onto a tree written
	// whole took from where its writer placed them, unread (placement.go)
	PlacedFound int64
	// Searched is the nodes the moves found by a descent instead, the
	// writer having not placed them (none, but for a tree written by
	// other means)
	Searched int64
}

// RewrittenTree is one tree's part of a RewriteReport.
type RewrittenTree struct {
	Name       string
	Layer      bool  // a layer over the snapshot, else the whole tree
	Chain      int   // snapshots in its chain, itself included
	Merged     int   // layers of the old chain a layer merged (LayerPolicy.MergeFraction)
	Bytes      int64 // the files written
	OutOfCache bool  // written whole out of the page cache (OutOfCacheRewrite)
	// ReadAhead is how much of the chain's files (the base's and its
	// layers') were asked ahead of the writer of a tree written out of
	// the cache, Cooled how much of it was not in the page cache before
	// and was marked cold behind it (baseahead.go).
	ReadAhead, Cooled int64
	// Copied is how many of a tree written whole were leaves of its base
	// copied with their subtrees as records (snapshot_copy.go).
	Copied int64
	// WrittenAhead is the records of the base's leaves written alone read
	// ahead of the writer (writeahead.go; the layers' nodes come with
	// their files, ReadAhead)
	WrittenAhead int64
	// WriteWaited is how long a tree written whole waited for its files'
	// writes, CopyReadTook for its base's reads by the subtree copies.
	WriteWaited, CopyReadTook time.Duration
	// Placed is the runs of the old chain's nodes its writer placed, for
	// the moves (placement.go); placed the placement, which the moves
	// take (and the report then drops).
	Placed int64
	placed *placement
}

// OutOfCache reports whether the rewrite wrote any tree out of the page
// cache.
func (r RewriteReport) OutOfCache() bool {
	for _, t := range r.Trees {
		if t.OutOfCache {
			return true
		}
	}
	return false
}

// rewriteSnapshot writes the current version as a snapshot and points
// `current` at it: each tree as a layer where layers allows it
// (Tree.layerOver), else whole.
func (db *DB) rewriteSnapshot(ctx context.Context, layers *LayerPolicy, outOfCache func(treeBytes, stateBytes int64) bool) (RewriteReport, error) {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return RewriteReport{}, errReadOnly
	}

	snapshotDir := snapshotName(db.lastCommitInfo.Version)
	tmpDir := snapshotDir + TmpSuffix
	path := filepath.Join(db.dir, tmpDir)
	report, err := db.MultiTree.writeSnapshot(ctx, path, db.snapshotWriterPool, layers, outOfCache)
	if err != nil {
		return report, errors.Join(err, os.RemoveAll(path))
	}
	report.Version = db.lastCommitInfo.Version
	if err := os.Rename(path, filepath.Join(db.dir, snapshotDir)); err != nil {
		return report, err
	}
	return report, updateCurrentSymlink(db.dir, snapshotDir)
}

func (db *DB) Reload() error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.reload()
}

func (db *DB) reload() error {
	mtree, err := LoadMultiTree(currentPath(db.dir), db.zeroCopy, db.cacheSize)
	if err != nil {
		return err
	}
	if err := db.reloadMultiTree(mtree); err != nil {
		return err
	}
	// the snapshot reloaded is the latest version's (RewriteSnapshot)
	db.grown, db.rewriteStarted = LogGrowth{}, db.MultiTree.SnapshotVersion()
	return nil
}

func (db *DB) reloadMultiTree(mtree *MultiTree) error {
	if err := db.MultiTree.Close(); err != nil {
		return err
	}

	db.MultiTree = *mtree
	// catch-up the pending changes
	return db.applyWALEntry(db.pendingLog)
}

// rewriteIfApplicable execute the snapshot rewrite strategy according to current height
func (db *DB) rewriteIfApplicable(height int64) {
	layers := db.layersFor()
	if db.rewritePolicy == nil {
		if height%int64(db.snapshotInterval) != 0 {
			return
		}
	} else {
		if db.snapshotRewriteChan != nil {
			return // one at a time; the commit after it ends decides again
		}
		why := db.rewritePolicy.Due(height-db.rewriteStarted, db.grown, db.leaves())
		if why == "" {
			return
		}
		var asLayers, ok bool
		var need, free int64
		layers, asLayers, need, free, ok = layersWithRoom(db.dir, &db.MultiTree, layers, db.grown)
		if !ok {
			// Started, it would fill the disk before it ended, and then
			// the log and everything else on the filesystem could no
			// longer be written. Held back, the log grows instead (a
			// restart replays it); asked again MinVersions later.
			db.rewriteStarted, db.rewritesHeldBack = height, db.rewritesHeldBack+1
			db.logger.Error("snapshot rewrite due but held back: the disk lacks room for a second snapshot",
				"version", height, "why", why, "needs", need, "free", free)
			return
		}
		if asLayers {
			db.rewritesAsLayers++
			db.logger.Error("snapshot rewrite due, but the disk lacks room for a tree written whole: written as layers",
				"version", height, "why", why, "needs", need, "free", free)
		} else {
			db.logger.Info("snapshot rewrite due", "version", height, "why", why)
		}
	}

	if err := db.rewriteSnapshotBackgroundWith(layers); err != nil {
		db.logger.Error("failed to rewrite snapshot in background", "err", err)
	}
}

// rewriteHeadroom is the room a rewrite leaves free beyond the new
// snapshot: the log, the archive and the node's other files keep growing
// while it is written.
const rewriteHeadroom = 1 << 30

// roomForRewrite reports whether the disk holds what the next rewrite
// writes beside the current snapshot (the old goes only after the
// switch), with rewriteHeadroom to spare: a tree written whole needs as
// much as its snapshot's chain holds (the live tree is no larger), a
// layer about layerBytesPerLogByte times the log since the snapshot.
// need and free say what was compared.
func (db *DB) roomForRewrite() (need, free int64, ok bool) {
	return roomForRewrite(db.dir, &db.MultiTree, db.layersFor(), db.grown)
}

// roomForRewrite is what writing t as a snapshot under layers needs on the
// disk of dir, with grown the log it replaces, what is free there, and
// whether it fits.
func roomForRewrite(dir string, t *MultiTree, layers *LayerPolicy, grown LogGrowth) (need, free int64, ok bool) {
	need = rewriteHeadroom
	layered := false
	for _, entry := range t.trees {
		switch keep := entry.Tree.layerOver(layers); {
		case keep == 0:
			need += entry.Tree.SnapshotBytes()
		case keep < len(entry.Tree.snapshot.Chain()):
			// merged: at most the layers' files, and the change since
			need += entry.Tree.SnapshotBytes() - entry.Tree.snapshot.Chain()[0].bytes()
			layered = true
		default:
			layered = true
		}
	}
	if layered {
		need += layerBytesPerLogByte * grown.Bytes
	}
	free, err := diskFreeFunc(dir)
	if err != nil {
		return need, 0, true // unknown: not held back
	}
	return need, free, free >= need
}

// layersWithRoom is the layer policy a rewrite of t under layers can be
// written with in the disk's room: layers itself when it fits, or, when a
// tree it would write whole does not, the first that fits of
// layers.onlyMerges (where layers merges) and layers.onlyLayers
// (asLayers); ok is false when none fits. need and
// free are the first comparison's.
func layersWithRoom(dir string, t *MultiTree, layers *LayerPolicy, grown LogGrowth) (p *LayerPolicy, asLayers bool, need, free int64, ok bool) {
	if need, free, ok = roomForRewrite(dir, t, layers, grown); ok {
		return layers, false, need, free, true
	}
	for _, q := range []*LayerPolicy{layers.onlyMerges(), layers.onlyLayers()} {
		if q == nil {
			continue
		}
		if _, _, fits := roomForRewrite(dir, t, q, grown); fits {
			return q, true, need, free, true
		}
	}
	return nil, false, need, free, false
}

// layersFor is the layer policy of the next rewrite: the DB's, without
// its merges when mergeLayers says no for the state's size.
func (db *DB) layersFor() *LayerPolicy {
	p := db.layerPolicy
	if p == nil || p.MergeFraction == 0 || db.mergeLayers == nil {
		return p
	}
	if db.mergeLayers(db.MultiTree.SnapshotBytes()) {
		return p
	}
	return p.withoutMerges()
}

// layerBytesPerLogByte bounds a layer's files by the log it replaces: a
// change logs its key and value once, a layer writes the leaf and the
// branches above it that no earlier change of the layer wrote.
const layerBytesPerLogByte = 8

// diskFreeFunc is diskFree, replaced by tests.
var diskFreeFunc = diskFree

// RewriteStage is where a background rewrite is.
type RewriteStage int

const (
	RewriteWriting         RewriteStage = iota // writing the snapshot
	RewriteMoving                              // moving the running trees onto it (transplant.go)
	RewriteReadingBranches                     // reading its upper branches into memory
	RewriteCatchingUp                          // replaying the log into it
	RewriteReady                               // waiting for a commit to switch to it
)

func (s RewriteStage) String() string {
	switch s {
	case RewriteWriting:
		return "writing"
	case RewriteMoving:
		return "moving the running trees onto it"
	case RewriteReadingBranches:
		return "reading its upper branches"
	case RewriteCatchingUp:
		return "replaying the log into it"
	case RewriteReady:
		return "waiting for the switch"
	}
	return fmt.Sprintf("stage %d", int(s))
}

// RewriteProgress is where a running background rewrite is: its stage,
// and what its report holds so far (the trees and the write's time once
// written, the moves' rounds as they end).
type RewriteProgress struct {
	Version int64
	Stage   RewriteStage
	Report  RewriteReport
}

// rewriteProgress holds a running rewrite's progress, set by its
// goroutine and read by the DB's callers.
type rewriteProgress struct {
	mu sync.Mutex
	p  RewriteProgress
}

func (r *rewriteProgress) set(stage RewriteStage, report RewriteReport) {
	report.Trees = slices.Clone(report.Trees)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.Stage, r.p.Report = stage, report
}

// RewriteProgress says where the running background rewrite is, if one
// runs.
func (db *DB) RewriteProgress() (RewriteProgress, bool) {
	db.mtx.Lock()
	progress := db.rewriteProgress
	running := db.snapshotRewriteChan != nil
	db.mtx.Unlock()
	if !running || progress == nil {
		return RewriteProgress{}, false
	}
	progress.mu.Lock()
	defer progress.mu.Unlock()
	return progress.p, true
}

// LastRewrite says what the last background rewrite switched to wrote
// (zero before the first).
func (db *DB) LastRewrite() RewriteReport {
	db.mtx.Lock()
	defer db.mtx.Unlock()
	return db.lastRewrite
}

// RewritesFailed counts the background rewrites, since the DB was opened,
// whose snapshot could not be written (the error is logged); the DB goes
// on with its snapshot, and its log grows until one succeeds.
func (db *DB) RewritesFailed() int {
	db.mtx.Lock()
	defer db.mtx.Unlock()
	return db.rewritesFailed
}

// RewritesAsLayers counts the rewrites, since the DB was opened, that the
// disk had no room to write a tree of whole, written as layers instead.
func (db *DB) RewritesAsLayers() int {
	db.mtx.Lock()
	defer db.mtx.Unlock()
	return db.rewritesAsLayers
}

// RewritesHeldBack counts the rewrites the policy found due and the disk
// had no room for, since the DB was opened.
func (db *DB) RewritesHeldBack() int {
	db.mtx.Lock()
	defer db.mtx.Unlock()
	return db.rewritesHeldBack
}

// leaves is the number of keys the trees hold.
func (db *DB) leaves() int64 {
	return db.MultiTree.leaves()
}

// LogGrowth is what the log holds beyond the current snapshot: what a
// reopening replays.
func (db *DB) LogGrowth() LogGrowth {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.grown
}

type snapshotResult struct {
	mtree  *MultiTree
	report RewriteReport
	err    error
	// moved, if set, lets the switch move the running trees once more
	// instead of replaying the log (transplant.go)
	moved *transplantState
	// failed is why the snapshot could not be written: logged and
	// counted (RewritesFailed), and the DB goes on with the one it has
	failed error
}

// RewriteSnapshotBackground rewrite snapshot in a background goroutine,
// `Commit` will check the complete status, and switch to the new snapshot.
func (db *DB) RewriteSnapshotBackground() error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return errReadOnly
	}

	return db.rewriteSnapshotBackground()
}

func (db *DB) rewriteSnapshotBackground() error {
	return db.rewriteSnapshotBackgroundWith(db.layersFor())
}

// rewriteSnapshotBackgroundWith starts a background rewrite that writes
// the trees as layers tells.
func (db *DB) rewriteSnapshotBackgroundWith(layers *LayerPolicy) error {
	if db.snapshotRewriteChan != nil {
		return errors.New("there's another ongoing snapshot rewriting process")
	}

	ctx, cancel := context.WithCancel(context.Background())

	ch := make(chan snapshotResult)
	db.snapshotRewriteChan = ch
	db.snapshotRewriteCancel = cancel
	db.grownAtRewrite, db.rewriteStarted = db.grown, db.MultiTree.Version()
	var wanted chan chan *MultiTree
	if db.walChanSize < 0 && !noTransplant {
		wanted = make(chan chan *MultiTree)
	}
	db.rootsWanted = wanted
	progress := &rewriteProgress{p: RewriteProgress{Version: db.rewriteStarted, Stage: RewriteWriting}}
	db.rewriteProgress = progress

	cloned := db.copy(0)
	wal := db.wal
	go func() {
		defer close(ch)

		cloned.logger.Info("start rewriting snapshot", "version", cloned.Version())
		started := time.Now()
		report, err := cloned.rewriteSnapshot(ctx, layers, cloned.outOfCacheRewrite)
		report.Wrote = time.Since(started)
		progress.set(RewriteMoving, report)
		if err != nil {
			// write error log but don't stop the client, it could happen when load an old version.
			cloned.logger.Error("failed to rewrite snapshot", "err", err)
			ch <- snapshotResult{failed: err}
			return
		}
		for _, tree := range report.Trees {
			cloned.logger.Info("finished rewriting snapshot", "version", cloned.Version(), "tree", tree.Name,
				"layer", tree.Layer, "chain", tree.Chain, "bytes", tree.Bytes, "out of cache", tree.OutOfCache)
		}
		// A tree written whole to be moved onto (below) is not read until
		// the switch: its upper branches are read into memory after the
		// moves, not held beside the old snapshot's while they run.
		if wanted != nil {
			if err := readNewLayers(currentPath(cloned.dir), &report); err != nil {
				ch <- snapshotResult{err: err}
				return
			}
		}
		mtree, err := loadMultiTree(currentPath(cloned.dir), cloned.zeroCopy, 0, wanted == nil)
		if err != nil {
			ch <- snapshotResult{err: err}
			return
		}

		// The new trees take the running trees' nodes instead of
		// replaying the log along every changed path of the new chain,
		// whose base a state larger than memory mostly has on disk.
		var moved *transplantState
		if wanted != nil {
			if moved, err = mtree.transplantRunning(ctx, &cloned.MultiTree, wanted, &report, func() { progress.set(RewriteMoving, report) }); err != nil {
				moved = nil
				if ctx.Err() != nil {
					ch <- snapshotResult{err: ctx.Err()}
					return
				}
				cloned.logger.Info("moving the running trees onto the new snapshot failed: the log is replayed instead", "err", err)
				report.Transplanted, report.TransplantRounds, report.TransplantTook = 0, 0, 0
				if mtree, err = reloadUnmoved(mtree, cloned.dir, cloned.zeroCopy); err != nil {
					ch <- snapshotResult{err: err}
					return
				}
			}
		}

		progress.set(RewriteReadingBranches, report)
		for i := range report.Trees {
			report.Trees[i].placed = nil // the moves' alone
		}
		if err := mtree.holdUpperBranches(); err != nil {
			ch <- snapshotResult{err: errors.Join(err, mtree.Close())}
			return
		}

		// Catch up in the background until the new trees are within a
		// version of the log: the rest is replayed at the switch, under the
		// DB's lock, where a commit waits for it. A tree written out of the
		// page cache is cold: its catch-up reads ahead.
		if moved == nil {
			progress.set(RewriteCatchingUp, report)
			if err := catchUpInBackground(ctx, mtree, wal, report.OutOfCache() || cloned.readAheadReplay, &report); err != nil {
				ch <- snapshotResult{err: err}
				return
			}
		}

		cloned.logger.Info("finished best-effort WAL catchup", "version", cloned.Version(), "latest", mtree.Version(),
			"versions", report.CaughtUp, "rounds", report.CatchUpRounds, "took", report.CatchUpTook)

		progress.set(RewriteReady, report)
		ch <- snapshotResult{mtree: mtree, report: report, moved: moved}
	}()

	return nil
}

// catchUpRoundsMax bounds the background catch-up's rounds: a log that
// grows faster than a cold tree replays it would never be caught, and the
// switch then replays the rest.
const catchUpRoundsMax = 64

// roundsDone says whether a background catch-up or move should stop after
// its round-th round, which took the tree on by this round's versions
// (last: the round before's): done within a version, or losing ground (a
// round that had no fewer versions to take than the one before means the
// commits outrun the rounds, and more of them would only grow what the
// switch waits on). The switch takes the last round's worth.
func roundsDone(round int, this, last int64) bool {
	return this <= 1 || round > 1 && this >= last
}

// catchUpInBackground replays the log into mtree in rounds, each what the
// commits added during the one before, until a round finds at most one
// version (the commit that will switch may add one more), recording the
// rounds in report.
// beforeCatchUpRound, set by tests, runs before each background round.
var beforeCatchUpRound func(round int)

func catchUpInBackground(ctx context.Context, mtree *MultiTree, log *wal.Log, readAhead bool, report *RewriteReport) error {
	started := time.Now()
	defer func() { report.CatchUpTook = time.Since(started) }()
	var last int64 // versions the round before replayed
	for report.CatchUpRounds < catchUpRoundsMax && ctx.Err() == nil {
		if beforeCatchUpRound != nil {
			beforeCatchUpRound(report.CatchUpRounds)
		}
		grown, err := mtree.catchupWAL(log, 0, readAhead, nil)
		if err != nil {
			return err
		}
		report.CaughtUp += grown.Versions
		report.CatchUpRounds++
		// A log that grows faster than it is replayed (a tree out of the
		// page cache under a flood of commits) would only put the switch
		// off while the log and the heap grow.
		if roundsDone(report.CatchUpRounds, grown.Versions, last) {
			break
		}
		last = grown.Versions
	}
	return nil
}

func (db *DB) Close() error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	errs := []error{db.waitAsyncCommit()}

	if db.snapshotRewriteChan != nil {
		db.snapshotRewriteCancel()
		<-db.snapshotRewriteChan
		db.snapshotRewriteChan = nil
		db.snapshotRewriteCancel = nil
	}

	// Wait for a background removal of old snapshots: it truncates the
	// log, which is closed and set to nil below.
	db.pruneSnapshotLock.Lock()
	db.pruneSnapshotLock.Unlock() //nolint:staticcheck // waiting, not guarding

	errs = append(errs,
		db.MultiTree.Close(),
		db.wal.Close(),
	)

	db.wal = nil

	if db.fileLock != nil {
		errs = append(errs, db.fileLock.Unlock(), db.fileLock.Destroy())
		db.fileLock = nil
	}

	return errors.Join(errs...)
}

// TreeByName wraps MultiTree.TreeByName to add a lock.
func (db *DB) TreeByName(name string) *Tree {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.MultiTree.TreeByName(name)
}

// Version wraps MultiTree.Version to add a lock.
func (db *DB) Version() int64 {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.MultiTree.Version()
}

// LastCommitInfo returns the last commit info.
func (db *DB) LastCommitInfo() *CommitInfo {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.MultiTree.LastCommitInfo()
}

func (db *DB) SaveVersion(updateCommitInfo bool) (int64, error) {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		return 0, errReadOnly
	}

	return db.MultiTree.SaveVersion(updateCommitInfo)
}

func (db *DB) WorkingCommitInfo() *CommitInfo {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.MultiTree.WorkingCommitInfo()
}

// UpdateCommitInfo wraps MultiTree.UpdateCommitInfo to add a lock.
func (db *DB) UpdateCommitInfo() {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	if db.readOnly {
		panic("can't update commit info in read-only mode")
	}

	db.MultiTree.UpdateCommitInfo()
}

// WriteSnapshot wraps MultiTree.WriteSnapshot to add a lock.
func (db *DB) WriteSnapshot(dir string) error {
	return db.WriteSnapshotWithContext(context.Background(), dir)
}

// WriteSnapshotWithContext wraps MultiTree.WriteSnapshotWithContext to add a lock.
func (db *DB) WriteSnapshotWithContext(ctx context.Context, dir string) error {
	db.mtx.Lock()
	defer db.mtx.Unlock()

	return db.MultiTree.WriteSnapshotWithContext(ctx, dir, db.snapshotWriterPool)
}

// addChainTrees adds to under the snapshots the trees of the snapshot at
// version lie on: for each snapshot's version, the trees whose chains hold
// it (none for full snapshots).
func addChainTrees(under map[int64]map[string]bool, root string, version int64) error {
	dir := filepath.Join(root, snapshotName(version))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		chain, err := SnapshotChainDirs(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		for _, member := range chain {
			v, err := parseVersion(filepath.Base(filepath.Dir(member)))
			if err != nil {
				return fmt.Errorf("tree %s of %s lies on %s: %w", e.Name(), dir, member, err)
			}
			if under[v] == nil {
				under[v] = map[string]bool{}
			}
			under[v][filepath.Base(member)] = true
		}
	}
	return nil
}

// pruneTreesOutside removes the trees of the snapshot in dir that are not
// in keep (a tree half removed before a crash too), leaving its metadata:
// the snapshot stays only as the ground of the kept trees' layers.
func pruneTreesOutside(dir string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	// what a crash left renamed aside first, so that a rename does not meet it
	for _, aside := range []bool{true, false} {
		for _, e := range entries {
			if !e.IsDir() || keep[e.Name()] || strings.HasSuffix(e.Name(), TmpSuffix) != aside {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if aside {
				errs = append(errs, os.RemoveAll(path))
			} else {
				errs = append(errs, atomicRemoveDir(path))
			}
		}
	}
	return errors.Join(errs...)
}

func snapshotName(version int64) string {
	return fmt.Sprintf("%s%020d", SnapshotPrefix, version)
}

func currentPath(root string) string {
	return filepath.Join(root, "current")
}

func currentTmpPath(root string) string {
	return filepath.Join(root, "current-tmp")
}

func currentVersion(root string) (int64, error) {
	name, err := os.Readlink(currentPath(root))
	if err != nil {
		return 0, err
	}

	version, err := parseVersion(name)
	if err != nil {
		return 0, err
	}

	return version, nil
}

func parseVersion(name string) (int64, error) {
	if !isSnapshotName(name) {
		return 0, fmt.Errorf("invalid snapshot name %s", name)
	}

	v, err := strconv.ParseInt(name[len(SnapshotPrefix):], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("snapshot version overflows: %d", err)
	}

	return v, nil
}

// seekSnapshot find the biggest snapshot version that's smaller than or equal to the target version,
// returns 0 if not found.
func seekSnapshot(root string, targetVersion uint32) (int64, error) {
	var (
		snapshotVersion int64
		found           bool
	)
	if err := traverseSnapshots(root, false, func(version int64) (bool, error) {
		if version <= int64(targetVersion) {
			found = true
			snapshotVersion = version
			return true, nil
		}
		return false, nil
	}); err != nil {
		return 0, err
	}

	if !found {
		return 0, fmt.Errorf("target version is pruned: %d", targetVersion)
	}

	return snapshotVersion, nil
}

// firstSnapshotVersion returns the earliest snapshot name in the db
func firstSnapshotVersion(root string) (int64, error) {
	var found int64
	if err := traverseSnapshots(root, true, func(version int64) (bool, error) {
		found = version
		return true, nil
	}); err != nil {
		return 0, err
	}

	if found == 0 {
		return 0, errors.New("empty memiavl db")
	}

	return found, nil
}

func walPath(root string) string {
	return filepath.Join(root, "wal")
}

// init a empty memiavl db
//
// ```
// snapshot-0
//
//	commit_info
//
// current -> snapshot-0
// ```
func initEmptyDB(dir string, initialVersion uint32) error {
	tmp := NewEmptyMultiTree(initialVersion, 0)
	snapshotDir := snapshotName(0)
	// create tmp worker pool
	pool := pond.New(DefaultSnapshotWriterLimit, DefaultSnapshotWriterLimit*10)
	defer pool.Stop()

	if err := tmp.WriteSnapshot(filepath.Join(dir, snapshotDir), pool); err != nil {
		return err
	}
	return updateCurrentSymlink(dir, snapshotDir)
}

// updateCurrentSymlink creates or replace the current symblic link atomically.
// it could fail under concurrent usage for tmp file conflicts.
func updateCurrentSymlink(dir, snapshot string) error {
	tmpPath := currentTmpPath(dir)
	// A process killed between the link and the rename leaves the link
	// behind; left, it would fail every rewrite after a restart.
	if err := os.Remove(tmpPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Symlink(snapshot, tmpPath); err != nil {
		return err
	}
	// assuming file renaming operation is atomic
	return os.Rename(tmpPath, currentPath(dir))
}

// traverseSnapshots traverse the snapshot list in specified order.
func traverseSnapshots(dir string, ascending bool, callback func(int64) (bool, error)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}

	process := func(entry os.DirEntry) (bool, error) {
		if !entry.IsDir() || !isSnapshotName(entry.Name()) {
			return false, nil
		}

		version, err := parseVersion(entry.Name())
		if err != nil {
			return true, fmt.Errorf("invalid snapshot name: %w", err)
		}

		return callback(version)
	}

	if ascending {
		for i := 0; i < len(entries); i++ {
			stop, err := process(entries[i])
			if stop || err != nil {
				return err
			}
		}
	} else {
		for i := len(entries) - 1; i >= 0; i-- {
			stop, err := process(entries[i])
			if stop || err != nil {
				return err
			}
		}
	}

	return nil
}

// atomicRemoveDir is equavalent to `mv snapshot snapshot-tmp && rm -r snapshot-tmp`
func atomicRemoveDir(path string) error {
	tmpPath := path + TmpSuffix
	if err := os.Rename(path, tmpPath); err != nil {
		return err
	}

	return os.RemoveAll(tmpPath)
}

// createDBIfNotExist detects if db does not exist and try to initialize an empty one.
func createDBIfNotExist(dir string, initialVersion uint32) error {
	_, err := os.Stat(filepath.Join(dir, "current", MetadataFileName))
	if err != nil && os.IsNotExist(err) {
		return initEmptyDB(dir, initialVersion)
	}
	return nil
}

type walEntry struct {
	index uint64
	data  WALEntry
}

func isSnapshotName(name string) bool {
	return strings.HasPrefix(name, SnapshotPrefix) && len(name) == SnapshotDirLen
}

// GetLatestVersion finds the latest version number without loading the whole db,
// it's needed for upgrade module to check store upgrades,
// it returns 0 if db don't exists or is empty.
func GetLatestVersion(dir string) (int64, error) {
	metadata, err := readMetadata(currentPath(dir))
	if err != nil {
		if os.IsNotExist(err) {
			return 0, nil
		}
		return 0, err
	}

	wal, err := OpenWAL(walPath(dir), &wal.Options{NoCopy: true})
	if err != nil {
		return 0, err
	}
	lastIndex, err := wal.LastIndex()
	if err != nil {
		return 0, err
	}
	return walVersion(lastIndex, uint32(metadata.InitialVersion)), nil
}

func channelBatchRecv[T any](ch <-chan *T) []*T {
	// block if channel is empty
	item := <-ch
	if item == nil {
		// channel is closed
		return nil
	}

	remaining := len(ch)
	result := make([]*T, 0, remaining+1)
	result = append(result, item)
	for i := 0; i < remaining; i++ {
		result = append(result, <-ch)
	}

	return result
}

func writeEntry(batch *wal.Batch, logger Logger, lastIndex uint64, entry *walEntry) error {
	bz, err := entry.data.Marshal()
	if err != nil {
		return err
	}

	if entry.index <= lastIndex {
		logger.Error("commit old version idempotently", "lastIndex", lastIndex, "version", entry.index)
	} else {
		batch.Write(entry.index, bz)
	}
	return nil
}
