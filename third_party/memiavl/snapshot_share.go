package memiavl

import (
	"errors"
	"sync"
)

// openSnapshots holds the snapshots open in the process by directory
// (links resolved), each with how many holders it has. A rewrite's new
// snapshot is opened while the running trees still use the old one; when
// the new one is a layer, its chain is mostly the old one's snapshots, and
// opening them again would map a second copy of each base. Shared, they
// are mapped once: no second set of page-table entries to fault in, and
// RSS, which counts every mapping of a page, does not count the base
// twice while the two trees overlap (at 10M parcels it rose from 14 to 23
// GiB during a switch).
var openSnapshots = struct {
	sync.Mutex
	byDir map[string]*Snapshot
}{byDir: map[string]*Snapshot{}}

// openSnapshotsOneAtATime makes OpenSnapshot's acquiring a snapshot and
// linking its chain one step for the other openers.
var openSnapshotsOneAtATime sync.Mutex

// acquireSnapshot returns the snapshot in dir (resolved by
// resolveSnapshotDir), opening it alone if the process has not, and
// counts one more holder. fresh says it was opened now.
func acquireSnapshot(dir string, holdUpper bool) (s *Snapshot, fresh bool, err error) {
	openSnapshots.Lock()
	defer openSnapshots.Unlock()
	if s, ok := openSnapshots.byDir[dir]; ok {
		s.holders++
		return s, false, nil
	}
	if s, _, err = openSnapshotFiles(dir, holdUpper); err != nil {
		return nil, false, err
	}
	s.holders = 1
	openSnapshots.byDir[dir] = s
	return s, true, nil
}

// holdSnapshots counts one more holder of each of snapshots, which are
// open.
func holdSnapshots(snapshots []*Snapshot) {
	openSnapshots.Lock()
	defer openSnapshots.Unlock()
	for _, s := range snapshots {
		s.holders++
	}
}

// releaseSnapshots counts one holder fewer of each of snapshots and
// closes those left without one.
func releaseSnapshots(snapshots []*Snapshot) error {
	openSnapshots.Lock()
	defer openSnapshots.Unlock()
	var errs []error
	for _, s := range snapshots {
		if s.holders > 1 {
			s.holders--
			continue
		}
		if openSnapshots.byDir[s.dir] == s {
			delete(openSnapshots.byDir, s.dir)
		}
		errs = append(errs, s.closeFiles())
	}
	return errors.Join(errs...)
}
