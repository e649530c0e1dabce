package memiavl

import "fmt"

// RewritePolicy decides when the DB rewrites its snapshot from how much
// the state changed since the last one, instead of every SnapshotInterval
// versions. A rewrite copies the whole state (at 10M parcels about 27 GB,
// with the old and new snapshots on disk together until it ends), so a
// state that changes little should rarely pay for one; what a rewrite
// buys is a shorter log to replay at open and fewer changed nodes held in
// the heap, and both grow with the changes, not with the versions.
//
// A rewrite starts after a commit when at least MinVersions versions have
// passed since the last one started, and any of these holds:
//   - the changes logged since the snapshot (each key set or deleted, an
//     upper bound on the changed leaves) reach ChangedFraction of the
//     leaves the trees hold;
//   - the log since the snapshot reaches MaxLogBytes bytes;
//   - MaxVersions versions have passed since the snapshot.
//
// A zero field disables its rule. The timing is local: it changes no hash
// and no answer.
type RewritePolicy struct {
	MinVersions     uint32
	MaxVersions     uint32
	ChangedFraction float64
	MaxLogBytes     int64
}

// LogGrowth is what the log holds beyond the snapshot: what a restart
// replays.
type LogGrowth struct {
	Versions int64 // versions committed since the snapshot
	Changes  int64 // keys set or deleted in them
	Bytes    int64 // the log entries' encoded size
}

func (g LogGrowth) add(o LogGrowth) LogGrowth {
	return LogGrowth{Versions: g.Versions + o.Versions, Changes: g.Changes + o.Changes, Bytes: g.Bytes + o.Bytes}
}

// since is the growth after an earlier reading of the same counters, as
// the log beyond a snapshot taken at that reading (never negative).
func (g LogGrowth) since(earlier LogGrowth) LogGrowth {
	return LogGrowth{
		Versions: max(g.Versions-earlier.Versions, 0),
		Changes:  max(g.Changes-earlier.Changes, 0),
		Bytes:    max(g.Bytes-earlier.Bytes, 0),
	}
}

// entryGrowth is one log entry's share: one version, its changes, its
// encoded size.
func entryGrowth(entry *WALEntry, size int) LogGrowth {
	g := LogGrowth{Versions: 1, Bytes: int64(size)}
	for _, cs := range entry.Changesets {
		g.Changes += int64(len(cs.Changeset.Pairs))
	}
	return g
}

// Validate refuses a policy that cannot work.
func (p RewritePolicy) Validate() error {
	if p.ChangedFraction < 0 || p.ChangedFraction != p.ChangedFraction {
		return fmt.Errorf("snapshot rewrite policy: changed fraction %v is not a fraction", p.ChangedFraction)
	}
	if p.MaxLogBytes < 0 {
		return fmt.Errorf("snapshot rewrite policy: log bound %d bytes is negative", p.MaxLogBytes)
	}
	if p.MaxVersions > 0 && p.MaxVersions < p.MinVersions {
		return fmt.Errorf("snapshot rewrite policy: at most %d versions apart is less than at least %d", p.MaxVersions, p.MinVersions)
	}
	return nil
}

// Due reports why a rewrite is due ("" if it is not) after sinceStart
// versions since the last rewrite started, with grown the log beyond the
// snapshot and leaves the keys the trees hold.
func (p RewritePolicy) Due(sinceStart int64, grown LogGrowth, leaves int64) string {
	if sinceStart < int64(p.MinVersions) || grown.Versions == 0 {
		return ""
	}
	switch {
	case p.ChangedFraction > 0 && grown.Changes > 0 && float64(grown.Changes) >= p.ChangedFraction*float64(leaves):
		return fmt.Sprintf("%d changes of %d leaves reach the fraction %g", grown.Changes, leaves, p.ChangedFraction)
	case p.MaxLogBytes > 0 && grown.Bytes >= p.MaxLogBytes:
		return fmt.Sprintf("the log since the snapshot holds %d bytes, the bound is %d", grown.Bytes, p.MaxLogBytes)
	case p.MaxVersions > 0 && grown.Versions >= int64(p.MaxVersions):
		return fmt.Sprintf("%d versions since the snapshot, the bound is %d", grown.Versions, p.MaxVersions)
	}
	return ""
}
