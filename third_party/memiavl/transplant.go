package memiavl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/wal"
)

// Moving the running tree onto a snapshot written whole, without
// replaying the log.
//
// A background rewrite writes the tree at version V while the DB goes on
// committing; before it can switch, the new trees must reach the DB's
// version. memiavl replays the log since V against them, which reads the
// new snapshot along every changed path: after a whole rewrite written out
// of the page cache (a state too large for two copies in memory), every one
// of those reads goes to the disk, and the pages read push the running
// state out of the cache.
//
// The running tree at a later version T already holds the answer: every
// node it has of version V or older is a node of the tree at V, and so of
// the new snapshot, where a whole snapshot puts each node at a position
// its place in the tree at V decides (leaves in key order; branches in
// post-order). transplantTree copies the nodes newer than V and swaps each
// older one for the new snapshot's node at that position, found by
// descending the tree at V, whose pages are in memory because the running
// tree uses them. Nothing is hashed or read from the new files; the copy
// has the running tree's root hash, which the caller checks.

// errNotTransplanted says why a tree could not be moved; the caller then
// replays the log instead.
var errNotTransplanted = errors.New("not transplanted")

// transplantTree returns the running tree's root (a copy protected from
// the DB's later changes, at a version after v) rebuilt over snap, the
// whole snapshot written from treeV, the tree at version v.
func transplantTree(running Node, treeV Node, v uint32, snap *Snapshot) (Node, error) {
	if snap.chain != nil {
		return nil, fmt.Errorf("%w: the snapshot is a layer", errNotTransplanted)
	}
	if running == nil {
		return nil, nil
	}
	if snap.IsEmpty() {
		return nil, fmt.Errorf("%w: the snapshot is empty and the tree is not", errNotTransplanted)
	}
	t := transplanter{treeV: treeV, v: v, snap: snap}
	return t.node(running)
}

type transplanter struct {
	treeV Node
	v     uint32
	snap  *Snapshot
}

func (t *transplanter) node(n Node) (Node, error) {
	if n.Version() <= t.v {
		return t.find(n)
	}
	m, ok := n.(*MemNode)
	if !ok {
		return nil, fmt.Errorf("%w: a node of version %d newer than the snapshot's %d is not in memory", errNotTransplanted, n.Version(), t.v)
	}
	if m.hash == nil {
		return nil, fmt.Errorf("%w: a node of version %d has no hash", errNotTransplanted, m.version)
	}
	// A key read from the old chain points into its mapping, which the
	// switch unmaps; values come from the changes, on the heap.
	c := &MemNode{height: m.height, size: m.size, version: m.version, key: bytes.Clone(m.key), value: m.value, hash: m.hash}
	if m.height == 0 {
		return c, nil
	}
	var err error
	if c.left, err = t.node(m.left); err != nil {
		return nil, err
	}
	if c.right, err = t.node(m.right); err != nil {
		return nil, err
	}
	return c, nil
}

// find returns the new snapshot's node for x, a node of the tree at v: it
// descends the tree at v to x by x's key, counting the leaves left of the
// path (x's first leaf) and the turns right (the subtrees pending before
// x in post-order, as snapshotWriter's preTrees counts them).
func (t *transplanter) find(x Node) (Node, error) {
	key, height := x.Key(), x.Height()
	var leavesBefore, turnsRight uint32
	n := t.treeV
	for n != x {
		if n.Height() <= height {
			return nil, fmt.Errorf("%w: a node of version %d is not in the tree at %d", errNotTransplanted, x.Version(), t.v)
		}
		if bytes.Compare(key, n.Key()) < 0 {
			n = n.Left()
		} else {
			leavesBefore += uint32(n.Left().Size())
			turnsRight++
			n = n.Right()
		}
	}
	if height == 0 {
		return PersistedNode{snapshot: t.snap, isLeaf: true, index: leavesBefore}, nil
	}
	// a branch comes after the branches of the subtrees before it and
	// after its own subtree's: getStartLeaf turned around
	return PersistedNode{snapshot: t.snap, index: leavesBefore + uint32(x.Size()) - 2 - turnsRight}, nil
}

// noTransplant, set by tests, has every background rewrite replay the log.
var noTransplant bool

// transplantRunning brings the trees t, loaded from a background rewrite
// of treeV, to the DB's latest committed version without replaying the
// log into the trees written whole: it asks the DB for a copy of its
// trees (wanted, served between commits), moves each whole tree's nodes
// onto its new snapshot, replays the log only into the trees written as
// layers (cheap: they lie on the running chain, in the page cache), and
// requires every tree's root hash to be the running one's. On an error t
// is half-moved and must be loaded again.
func (t *MultiTree) transplantRunning(ctx context.Context, treeV *MultiTree, wanted chan chan *MultiTree, log *wal.Log, report *RewriteReport) error {
	whole := map[string]bool{}
	for _, tree := range report.Trees {
		if !tree.Layer {
			whole[tree.Name] = true
		}
	}
	if len(whole) == 0 {
		return nil
	}
	started := time.Now()
	reply := make(chan *MultiTree, 1)
	select {
	case wanted <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	running := <-reply
	if len(running.trees) != len(t.trees) || len(treeV.trees) != len(t.trees) || treeV.Version() != t.Version() || running.Version() < t.Version() {
		return fmt.Errorf("%w: the running trees are not those written", errNotTransplanted)
	}
	layered := map[string]bool{}
	for i, entry := range t.trees {
		if running.trees[i].Name != entry.Name || treeV.trees[i].Name != entry.Name {
			return fmt.Errorf("%w: the running trees are not those written", errNotTransplanted)
		}
		if !whole[entry.Name] {
			layered[entry.Name] = true
			continue
		}
		root, err := transplantTree(running.trees[i].root, treeV.trees[i].root, treeV.trees[i].version, entry.snapshot)
		if err != nil {
			return fmt.Errorf("tree %s: %w", entry.Name, err)
		}
		entry.root, entry.version = root, running.trees[i].version
	}
	if err := t.replayInto(log, layered, running.Version()); err != nil {
		return err
	}
	t.lastCommitInfo.Version = running.Version()
	t.UpdateCommitInfo()
	for i, info := range t.lastCommitInfo.StoreInfos {
		want := running.lastCommitInfo.StoreInfos
		if i >= len(want) || want[i].Name != info.Name || !bytes.Equal(want[i].CommitId.Hash, info.CommitId.Hash) {
			return fmt.Errorf("%w: tree %s moved has another root hash than the running tree's", errNotTransplanted, info.Name)
		}
	}
	report.Transplanted = running.Version() - treeV.Version()
	report.TransplantTook = time.Since(started)
	return nil
}

// replayInto replays the log's versions after t's own, up to end, into
// the trees named only; the others must already be at end.
func (t *MultiTree) replayInto(log *wal.Log, names map[string]bool, end int64) error {
	if len(names) == 0 || end <= t.Version() {
		return nil
	}
	first := walIndex(nextVersion(t.Version(), t.initialVersion), t.initialVersion)
	last := walIndex(end, t.initialVersion)
	for i := first; i <= last; i++ {
		bz, err := log.Read(i)
		if err != nil {
			return fmt.Errorf("read wal log failed, %w", err)
		}
		var entry WALEntry
		if err := entry.Unmarshal(bz); err != nil {
			return fmt.Errorf("unmarshal wal log failed, %w", err)
		}
		if len(entry.Upgrades) > 0 {
			return fmt.Errorf("%w: the log renames trees", errNotTransplanted)
		}
		for _, cs := range entry.Changesets {
			if names[cs.Name] {
				if err := t.ApplyChangeSet(cs.Name, cs.Changeset); err != nil {
					return err
				}
			}
		}
		for _, entry := range t.trees {
			if names[entry.Name] {
				if _, _, err := entry.SaveVersion(false); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
