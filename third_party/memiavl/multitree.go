package memiavl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/alitto/pond"
	"github.com/tidwall/wal"
	"golang.org/x/exp/slices"
)

const MetadataFileName = "__metadata"

type NamedTree struct {
	*Tree
	Name string
}

// MultiTree manages multiple memiavl tree together,
// all the trees share the same latest version, the snapshots are always created at the same version.
//
// The snapshot structure is like this:
// ```
// > snapshot-V
// >  metadata
// >  bank
// >   kvs
// >   nodes
// >   metadata
// >  acc
// >  other stores...
// ```
type MultiTree struct {
	// if the tree is start from genesis, it's the initial version of the chain,
	// if the tree is imported from snapshot, it's the imported version plus one,
	// it always corresponds to the wal entry with index 1.
	initialVersion uint32

	zeroCopy  bool
	cacheSize int

	trees          []NamedTree    // always ordered by tree name
	treesByName    map[string]int // index of the trees by name
	lastCommitInfo CommitInfo

	// the initial metadata loaded from disk snapshot
	metadata MultiTreeMetadata
}

func NewEmptyMultiTree(initialVersion uint32, cacheSize int) *MultiTree {
	return &MultiTree{
		initialVersion: initialVersion,
		treesByName:    make(map[string]int),
		zeroCopy:       true,
		cacheSize:      cacheSize,
	}
}

func LoadMultiTree(dir string, zeroCopy bool, cacheSize int) (*MultiTree, error) {
	return loadMultiTree(dir, zeroCopy, cacheSize, true)
}

// loadMultiTree is LoadMultiTree; without holdUpper the snapshots it opens
// afresh hold no upper branches until holdUpperBranches.
func loadMultiTree(dir string, zeroCopy bool, cacheSize int, holdUpper bool) (*MultiTree, error) {
	metadata, err := readMetadata(dir)
	if err != nil {
		return nil, err
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}

	treeMap := make(map[string]*Tree, len(entries))
	treeNames := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		treeNames = append(treeNames, name)
		snapshot, err := openSnapshot(filepath.Join(dir, name), holdUpper)
		if err != nil {
			return nil, err
		}
		treeMap[name] = NewFromSnapshot(snapshot, zeroCopy, cacheSize)
	}

	slices.Sort(treeNames)

	trees := make([]NamedTree, len(treeNames))
	treesByName := make(map[string]int, len(trees))
	for i, name := range treeNames {
		tree := treeMap[name]
		trees[i] = NamedTree{Tree: tree, Name: name}
		treesByName[name] = i
	}

	mtree := &MultiTree{
		trees:          trees,
		treesByName:    treesByName,
		lastCommitInfo: *metadata.CommitInfo,
		metadata:       *metadata,
		zeroCopy:       zeroCopy,
		cacheSize:      cacheSize,
	}
	// initial version is nesserary for wal index conversion,
	// overflow checked in `readMetadata`.
	mtree.setInitialVersion(uint32(metadata.InitialVersion))
	return mtree, nil
}

// holdUpperBranches reads into memory the upper branches of the trees'
// snapshots that were opened without them (loadMultiTree).
func (t *MultiTree) holdUpperBranches() error {
	for _, entry := range t.trees {
		if entry.snapshot == nil {
			continue
		}
		for _, s := range entry.snapshot.Chain() {
			if err := s.holdUpperBranches(); err != nil {
				return err
			}
		}
	}
	return nil
}

// TreeByName returns the tree by name, returns nil if not found
func (t *MultiTree) TreeByName(name string) *Tree {
	if i, ok := t.treesByName[name]; ok {
		return t.trees[i].Tree
	}
	return nil
}

// Trees returns all the trees together with the name, ordered by name.
func (t *MultiTree) Trees() []NamedTree {
	return t.trees
}

func (t *MultiTree) SetInitialVersion(initialVersion int64) error {
	if initialVersion >= math.MaxUint32 {
		return fmt.Errorf("version overflows uint32: %d", initialVersion)
	}

	if t.Version() != 0 {
		return fmt.Errorf("multi tree is not empty: %d", t.Version())
	}

	for _, entry := range t.trees {
		if !entry.IsEmpty() {
			return fmt.Errorf("tree is not empty: %s", entry.Name)
		}
	}

	t.setInitialVersion(uint32(initialVersion))
	return nil
}

func (t *MultiTree) setInitialVersion(initialVersion uint32) {
	t.initialVersion = initialVersion
	if t.initialVersion > 1 {
		for _, entry := range t.trees {
			entry.setInitialVersion(t.initialVersion)
		}
	}
}

func (t *MultiTree) SetZeroCopy(zeroCopy bool) {
	t.zeroCopy = zeroCopy
	for _, entry := range t.trees {
		entry.SetZeroCopy(zeroCopy)
	}
}

// Copy returns a snapshot of the tree which won't be corrupted by further modifications on the main tree.
func (t *MultiTree) Copy(cacheSize int) *MultiTree {
	trees := make([]NamedTree, len(t.trees))
	treesByName := make(map[string]int, len(t.trees))
	for i, entry := range t.trees {
		tree := entry.Copy(cacheSize)
		trees[i] = NamedTree{Tree: tree, Name: entry.Name}
		treesByName[entry.Name] = i
	}

	clone := *t
	clone.trees = trees
	clone.treesByName = treesByName
	return &clone
}

func (t *MultiTree) Version() int64 {
	return t.lastCommitInfo.Version
}

func (t *MultiTree) SnapshotVersion() int64 {
	return t.metadata.CommitInfo.Version
}

func (t *MultiTree) LastCommitInfo() *CommitInfo {
	return &t.lastCommitInfo
}

func (t *MultiTree) applyWALEntry(entry WALEntry) error {
	if err := t.ApplyUpgrades(entry.Upgrades); err != nil {
		return err
	}
	return t.ApplyChangeSets(entry.Changesets)
}

// ApplyUpgrades store name upgrades
func (t *MultiTree) ApplyUpgrades(upgrades []*TreeNameUpgrade) error {
	if len(upgrades) == 0 {
		return nil
	}

	t.treesByName = nil // rebuild in the end

	for _, upgrade := range upgrades {
		switch {
		case upgrade.Delete:
			i := slices.IndexFunc(t.trees, func(entry NamedTree) bool {
				return entry.Name == upgrade.Name
			})
			if i < 0 {
				return fmt.Errorf("unknown tree name %s", upgrade.Name)
			}
			// swap deletion
			t.trees[i], t.trees[len(t.trees)-1] = t.trees[len(t.trees)-1], t.trees[i]
			t.trees = t.trees[:len(t.trees)-1]
		case upgrade.RenameFrom != "":
			// rename tree
			i := slices.IndexFunc(t.trees, func(entry NamedTree) bool {
				return entry.Name == upgrade.RenameFrom
			})
			if i < 0 {
				return fmt.Errorf("unknown tree name %s", upgrade.RenameFrom)
			}
			t.trees[i].Name = upgrade.Name
		default:
			// add tree
			tree := NewWithInitialVersion(uint32(nextVersion(t.Version(), t.initialVersion)), t.cacheSize)
			t.trees = append(t.trees, NamedTree{Tree: tree, Name: upgrade.Name})
		}
	}

	sort.SliceStable(t.trees, func(i, j int) bool {
		return t.trees[i].Name < t.trees[j].Name
	})
	t.treesByName = make(map[string]int, len(t.trees))
	for i, tree := range t.trees {
		if _, ok := t.treesByName[tree.Name]; ok {
			return fmt.Errorf("memiavl tree name conflicts: %s", tree.Name)
		}
		t.treesByName[tree.Name] = i
	}

	return nil
}

// ApplyChangeSet applies change set for a single tree.
func (t *MultiTree) ApplyChangeSet(name string, changeSet ChangeSet) error {
	i, found := t.treesByName[name]
	if !found {
		return fmt.Errorf("unknown tree name %s", name)
	}
	t.trees[i].ApplyChangeSet(changeSet)
	return nil
}

// ApplyChangeSets applies change sets for multiple trees, each tree's on
// a goroutine of its own: the trees share nothing a write changes, and a
// block's writes spread over several trees then take the longest tree's
// time instead of the sum.
func (t *MultiTree) ApplyChangeSets(changeSets []*NamedChangeSet) error {
	trees := make([]*Tree, len(changeSets))
	for i, cs := range changeSets {
		j, found := t.treesByName[cs.Name]
		if !found {
			return fmt.Errorf("unknown tree name %s", cs.Name)
		}
		trees[i] = t.trees[j].Tree
		if slices.Contains(trees[:i], trees[i]) {
			// a tree named twice: its change sets go in order
			for _, cs := range changeSets {
				_ = t.ApplyChangeSet(cs.Name, cs.Changeset)
			}
			return nil
		}
	}
	var wg sync.WaitGroup
	for i, cs := range changeSets {
		if len(cs.Changeset.Pairs) == 0 {
			continue
		}
		if i == len(changeSets)-1 {
			trees[i].ApplyChangeSet(cs.Changeset)
			break
		}
		wg.Add(1)
		go func(tree *Tree, cs ChangeSet) {
			defer wg.Done()
			tree.ApplyChangeSet(cs)
		}(trees[i], cs.Changeset)
	}
	wg.Wait()
	return nil
}

// WorkingCommitInfo returns the commit info for the working tree
func (t *MultiTree) WorkingCommitInfo() *CommitInfo {
	version := nextVersion(t.lastCommitInfo.Version, t.initialVersion)
	return t.buildCommitInfo(version)
}

// SaveVersion bumps the versions of all the stores and optionally returns the new app hash
func (t *MultiTree) SaveVersion(updateCommitInfo bool) (int64, error) {
	t.lastCommitInfo.Version = nextVersion(t.lastCommitInfo.Version, t.initialVersion)
	for _, entry := range t.trees {
		if _, _, err := entry.SaveVersion(updateCommitInfo); err != nil {
			return 0, err
		}
	}

	if updateCommitInfo {
		t.UpdateCommitInfo()
	} else {
		// clear the dirty information
		t.lastCommitInfo.StoreInfos = []StoreInfo{}
	}

	return t.lastCommitInfo.Version, nil
}

func (t *MultiTree) buildCommitInfo(version int64) *CommitInfo {
	var infos []StoreInfo
	for _, entry := range t.trees {
		infos = append(infos, StoreInfo{
			Name: entry.Name,
			CommitId: CommitID{
				Version: entry.Version(),
				Hash:    entry.RootHash(),
			},
		})
	}

	return &CommitInfo{
		Version:    version,
		StoreInfos: infos,
	}
}

// UpdateCommitInfo update lastCommitInfo based on current status of trees.
// it's needed if `updateCommitInfo` is set to `false` in `ApplyChangeSet`.
func (t *MultiTree) UpdateCommitInfo() {
	t.lastCommitInfo = *t.buildCommitInfo(t.lastCommitInfo.Version)
}

// CatchupWAL replay the new entries in the WAL on the tree to catch-up to the target or latest version.
func (t *MultiTree) CatchupWAL(wal *wal.Log, endVersion int64) error {
	_, err := t.catchupWAL(wal, endVersion, false, nil)
	return err
}

// catchupWAL is CatchupWAL, and tells what it replayed. With readAhead,
// each version's paths are read ahead in parallel before it is applied
// (readAheadEntry): for trees whose snapshot is not in the page cache.
// With until set, it stops after the first version at which until says
// so of what it has replayed.
func (t *MultiTree) catchupWAL(wal *wal.Log, endVersion int64, readAhead bool, until func(LogGrowth) bool) (LogGrowth, error) {
	var replayed LogGrowth
	lastIndex, err := wal.LastIndex()
	if err != nil {
		return replayed, fmt.Errorf("read wal last index failed, %w", err)
	}

	firstIndex := walIndex(nextVersion(t.Version(), t.initialVersion), t.initialVersion)
	if firstIndex > lastIndex {
		// already up-to-date
		return replayed, nil
	}

	var endIndex uint64
	if endVersion == 0 {
		endIndex = lastIndex
	} else {
		endIndex = walIndex(endVersion, t.initialVersion)
	}

	if endIndex < firstIndex {
		return replayed, fmt.Errorf("target index %d is pruned", endIndex)
	}

	if endIndex > lastIndex {
		endIndex = lastIndex
	}

	for i := firstIndex; i <= endIndex; i++ {
		entry, size, err := readWALEntry(wal, i)
		if err != nil {
			return replayed, err
		}
		replayed = replayed.add(entryGrowth(&entry, size))
		if readAhead {
			t.readAheadEntry(&entry)
		}
		if err := t.applyWALEntry(entry); err != nil {
			return replayed, fmt.Errorf("replay wal entry failed, %w", err)
		}
		if _, err := t.SaveVersion(false); err != nil {
			return replayed, fmt.Errorf("replay change set failed, %w", err)
		}
		if until != nil && until(replayed) {
			break
		}
	}
	t.UpdateCommitInfo()
	return replayed, nil
}

// readWALEntry reads and decodes the log's entry at index, and says how
// many bytes it takes in the log.
func readWALEntry(log *wal.Log, index uint64) (WALEntry, int, error) {
	var entry WALEntry
	bz, err := log.Read(index)
	if err != nil {
		return entry, 0, fmt.Errorf("read wal log failed, %w", err)
	}
	if err := entry.Unmarshal(bz); err != nil {
		return entry, 0, fmt.Errorf("unmarshal wal log failed, %w", err)
	}
	return entry, len(bz), nil
}

func (t *MultiTree) WriteSnapshot(dir string, wp *pond.WorkerPool) error {
	return t.WriteSnapshotWithContext(context.Background(), dir, wp)
}

func (t *MultiTree) WriteSnapshotWithContext(ctx context.Context, dir string, wp *pond.WorkerPool) error {
	_, err := t.writeSnapshot(ctx, dir, wp, nil, nil)
	return err
}

// SnapshotBytes is the size of all the trees' snapshot files as mapped
// (Tree.SnapshotBytes): the state the page cache holds for them.
func (t *MultiTree) SnapshotBytes() int64 {
	var n int64
	for _, entry := range t.trees {
		n += entry.Tree.SnapshotBytes()
	}
	return n
}

// writeSnapshot writes the trees into dir: each as a layer over its
// snapshot where layers allows it (Tree.layerOver), else whole, and out of
// the page cache when outOfCache (not nil) says so for its snapshot's
// size and all the trees' (Options.OutOfCacheRewrite).
func (t *MultiTree) writeSnapshot(ctx context.Context, dir string, wp *pond.WorkerPool, layers *LayerPolicy, outOfCache func(treeBytes, stateBytes int64) bool) (RewriteReport, error) {
	var report RewriteReport
	if err := os.MkdirAll(dir, os.ModePerm); err != nil {
		return report, err
	}

	// Write the trees in parallel and wait for every writer, failed or
	// not. (A pond task group's Wait returns at the first failure while
	// the other writers still fill in their part of the report, and it
	// skips the tasks not started by then: plain pool tasks and a
	// WaitGroup instead.)
	stateBytes := t.SnapshotBytes()
	report.Trees = make([]RewrittenTree, len(t.trees))
	var running sync.WaitGroup
	var failed sync.Mutex
	var firstErr error
	for i, entry := range t.trees {
		tree, name := entry.Tree, entry.Name
		keep := tree.layerOver(layers)
		layer := keep > 0
		dropped := !layer && outOfCache != nil && outOfCache(tree.SnapshotBytes(), stateBytes)
		report.Trees[i] = RewrittenTree{Name: name, Layer: layer, Chain: 1, OutOfCache: dropped}
		if layer {
			report.Trees[i].Chain = keep + 1
			report.Trees[i].Merged = len(tree.snapshot.Chain()) - keep
		}
		running.Add(1)
		wp.Submit(func() {
			defer running.Done()
			treeDir := filepath.Join(dir, name)
			var err error
			if layer {
				err = tree.writeLayerOver(ctx, treeDir, keep, &report.Trees[i])
			} else {
				err = tree.writeWhole(ctx, treeDir, dropped, &report.Trees[i])
			}
			if err == nil {
				report.Trees[i].Bytes, err = dirBytes(treeDir)
			}
			if err != nil {
				failed.Lock()
				if firstErr == nil {
					firstErr = err
				}
				failed.Unlock()
			}
		})
	}
	running.Wait()
	if firstErr != nil {
		return report, firstErr
	}

	// write commit info
	metadata := MultiTreeMetadata{
		CommitInfo:     &t.lastCommitInfo,
		InitialVersion: int64(t.initialVersion),
	}
	bz, err := metadata.Marshal()
	if err != nil {
		return report, err
	}
	return report, WriteFileSync(filepath.Join(dir, MetadataFileName), bz)
}

// catchupReadAheadWorkers is how many reads readAheadEntry keeps in
// flight: the depth of the disk's queue, as the blocks' read-ahead.
const catchupReadAheadWorkers = 16

// readAheadEntry reads what applying entry will read from the trees'
// snapshots (Tree.ReadAheadWrite: each changed key's path, the other
// child of each branch on it, its leaf), many keys at once. Replayed
// against a snapshot the page cache does not hold (a whole rewrite
// written out of it, a node started cold), a version's changes would
// otherwise read their paths from the disk one read after another. It
// only reads, before the trees change: it cannot change an outcome, and
// its errors leave the reads to the apply.
func (t *MultiTree) readAheadEntry(entry *WALEntry) {
	type change struct {
		tree *Tree
		key  []byte
	}
	var changes []change
	for _, cs := range entry.Changesets {
		if tree := t.TreeByName(cs.Name); tree != nil {
			for _, p := range cs.Changeset.Pairs {
				changes = append(changes, change{tree, p.Key})
			}
		}
	}
	if len(changes) < 2 {
		return
	}
	eachInParallel(len(changes), catchupReadAheadWorkers, func(i int) {
		_ = changes[i].tree.ReadAheadWrite(changes[i].key)
	})
}

// snapshotDirs is the set of the directories of the trees' snapshots,
// their chains included.
func (t *MultiTree) snapshotDirs() map[string]bool {
	dirs := map[string]bool{}
	for _, entry := range t.trees {
		for _, s := range entry.Tree.snapshot.Chain() {
			if s.dir != "" {
				dirs[s.dir] = true
			}
		}
	}
	return dirs
}

// dirBytes is the size of the files in dir.
func dirBytes(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return 0, err
		}
		if info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n, nil
}

// WriteFileSync calls `f.Sync` after before closing the file
func WriteFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.ModePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err1 := f.Close(); err1 != nil && err == nil {
		err = err1
	}
	return err
}

func (t *MultiTree) Close() error {
	errs := make([]error, 0, len(t.trees))
	for _, entry := range t.trees {
		errs = append(errs, entry.Close())
	}
	t.trees = nil
	t.treesByName = nil
	t.lastCommitInfo = CommitInfo{}
	return errors.Join(errs...)
}

func nextVersion(v int64, initialVersion uint32) int64 {
	if v == 0 && initialVersion > 1 {
		return int64(initialVersion)
	}
	return v + 1
}

// walIndex converts version to wal index based on initial version
func walIndex(v int64, initialVersion uint32) uint64 {
	if initialVersion > 1 {
		return uint64(v) - uint64(initialVersion) + 1
	}
	return uint64(v)
}

// walVersion converts wal index to version, reverse of walIndex
func walVersion(index uint64, initialVersion uint32) int64 {
	if initialVersion > 1 {
		return int64(index) + int64(initialVersion) - 1
	}
	return int64(index)
}

func readMetadata(dir string) (*MultiTreeMetadata, error) {
	// load commit info
	bz, err := os.ReadFile(filepath.Join(dir, MetadataFileName))
	if err != nil {
		return nil, err
	}
	var metadata MultiTreeMetadata
	if err := metadata.Unmarshal(bz); err != nil {
		return nil, err
	}
	if metadata.CommitInfo.Version > math.MaxUint32 {
		return nil, fmt.Errorf("commit info version overflows uint32: %d", metadata.CommitInfo.Version)
	}
	if metadata.InitialVersion > math.MaxUint32 {
		return nil, fmt.Errorf("initial version overflows uint32: %d", metadata.InitialVersion)
	}

	return &metadata, nil
}
