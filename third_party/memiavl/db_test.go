package memiavl

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRewriteSnapshot(t *testing.T) {
	db, err := Load(t.TempDir(), Options{
		CreateIfMissing: true,
		InitialStores:   []string{"test"},
	})
	require.NoError(t, err)

	for i, changes := range ChangeSets {
		cs := []*NamedChangeSet{
			{
				Name:      "test",
				Changeset: changes,
			},
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			require.NoError(t, db.ApplyChangeSets(cs))
			v, err := db.Commit()
			require.NoError(t, err)
			require.Equal(t, i+1, int(v))
			require.Equal(t, RefHashes[i], db.lastCommitInfo.StoreInfos[0].CommitId.Hash)
			require.NoError(t, db.RewriteSnapshot())
			require.NoError(t, db.Reload())
		})
	}
}

// TestRewriteAfterAKilledSwitch: a process killed after it linked
// current-tmp and before it renamed the link over current leaves the link;
// the next rewrite after reopening still switches. It used to fail on the
// link forever, silently, and the log grew without end.
func TestRewriteAfterAKilledSwitch(t *testing.T) {
	dir := t.TempDir()
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"test"}})
	require.NoError(t, err)
	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{{Name: "test", Changeset: ChangeSets[0]}}))
	_, err = db.Commit()
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.NoError(t, os.Symlink(snapshotName(0), currentTmpPath(dir)))

	db, err = Load(dir, Options{})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.RewriteSnapshotBackground())
	require.NoError(t, db.WaitSnapshotRewrite())
	require.EqualValues(t, 1, db.SnapshotVersion())
	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{{Name: "test", Changeset: ChangeSets[1]}}))
	_, err = db.Commit()
	require.NoError(t, err)
	require.NoError(t, db.RewriteSnapshot())
	require.NoError(t, db.Reload())
	require.EqualValues(t, 2, db.SnapshotVersion())
	_, err = os.Lstat(currentTmpPath(dir))
	require.True(t, os.IsNotExist(err), "current-tmp is left: %v", err)
}

func TestRemoveSnapshotDir(t *testing.T) {
	dbDir := t.TempDir()
	defer os.RemoveAll(dbDir)

	snapshotDir := filepath.Join(dbDir, snapshotName(0))
	tmpDir := snapshotDir + TmpSuffix
	if err := os.MkdirAll(tmpDir, os.ModePerm); err != nil {
		t.Fatalf("Failed to create dummy snapshot directory: %v", err)
	}
	db, err := Load(dbDir, Options{
		CreateIfMissing:    true,
		InitialStores:      []string{"test"},
		SnapshotKeepRecent: 0,
	})
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = os.Stat(tmpDir)
	require.True(t, os.IsNotExist(err), "Expected temporary snapshot directory to be deleted, but it still exists")

	err = os.MkdirAll(tmpDir, os.ModePerm)
	require.NoError(t, err)

	_, err = Load(dbDir, Options{
		ReadOnly: true,
	})
	require.NoError(t, err)

	_, err = os.Stat(tmpDir)
	require.False(t, os.IsNotExist(err))

	db, err = Load(dbDir, Options{})
	require.NoError(t, err)

	_, err = os.Stat(tmpDir)
	require.True(t, os.IsNotExist(err))

	require.NoError(t, db.Close())
}

func TestRewriteSnapshotBackground(t *testing.T) {
	db, err := Load(t.TempDir(), Options{
		CreateIfMissing:    true,
		InitialStores:      []string{"test"},
		SnapshotKeepRecent: 0, // only a single snapshot is kept
	})
	require.NoError(t, err)

	for i, changes := range ChangeSets {
		cs := []*NamedChangeSet{
			{
				Name:      "test",
				Changeset: changes,
			},
		}
		require.NoError(t, db.ApplyChangeSets(cs))
		v, err := db.Commit()
		require.NoError(t, err)
		require.Equal(t, i+1, int(v))
		require.Equal(t, RefHashes[i], db.lastCommitInfo.StoreInfos[0].CommitId.Hash)

		_ = db.RewriteSnapshotBackground()
		time.Sleep(time.Millisecond * 20)
	}

	for db.snapshotRewriteChan != nil {
		require.NoError(t, db.checkAsyncTasks())
	}

	db.pruneSnapshotLock.Lock()
	defer db.pruneSnapshotLock.Unlock()

	entries, err := os.ReadDir(db.dir)
	require.NoError(t, err)

	// three files: snapshot, current link, wal, LOCK
	require.Equal(t, 4, len(entries))
}

func TestWAL(t *testing.T) {
	dir := t.TempDir()
	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"test", "delete"}})
	require.NoError(t, err)

	for _, changes := range ChangeSets {
		cs := []*NamedChangeSet{
			{
				Name:      "test",
				Changeset: changes,
			},
		}
		require.NoError(t, db.ApplyChangeSets(cs))
		_, err := db.Commit()
		require.NoError(t, err)
	}

	require.Equal(t, 2, len(db.lastCommitInfo.StoreInfos))

	require.NoError(t, db.ApplyUpgrades([]*TreeNameUpgrade{
		{
			Name:       "newtest",
			RenameFrom: "test",
		},
		{
			Name:   "delete",
			Delete: true,
		},
	}))
	_, err = db.Commit()
	require.NoError(t, err)

	require.NoError(t, db.Close())

	db, err = Load(dir, Options{})
	require.NoError(t, err)

	require.Equal(t, "newtest", db.lastCommitInfo.StoreInfos[0].Name)
	require.Equal(t, 1, len(db.lastCommitInfo.StoreInfos))
	require.Equal(t, RefHashes[len(RefHashes)-1], db.lastCommitInfo.StoreInfos[0].CommitId.Hash)
}

func mockNameChangeSet(name, key, value string) []*NamedChangeSet {
	return []*NamedChangeSet{
		{
			Name: name,
			Changeset: ChangeSet{
				Pairs: mockKVPairs(key, value),
			},
		},
	}
}

// 0/1 -> v :1
// ...
// 100 -> v: 100
func TestInitialVersion(t *testing.T) {
	name := "test"
	name1 := "new"
	name2 := "new2"
	key := "hello"
	value := "world"
	value1 := "world1"
	for _, initialVersion := range []int64{0, 1, 100} {
		dir := t.TempDir()
		db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{name}})
		require.NoError(t, err)
		db.SetInitialVersion(initialVersion)
		require.NoError(t, db.ApplyChangeSets(mockNameChangeSet(name, key, value)))
		v, err := db.Commit()
		require.NoError(t, err)

		realInitialVersion := max(initialVersion, 1)
		require.Equal(t, realInitialVersion, v)

		// the nodes are created with initial version to be compatible with iavl v1 behavior.
		// with iavl v0, the nodes are created with version 1.
		commitId := db.LastCommitInfo().StoreInfos[0].CommitId
		require.Equal(t, commitId.Hash, HashNode(newLeafNode([]byte(key), []byte(value), uint32(commitId.Version))))

		require.NoError(t, db.ApplyChangeSets(mockNameChangeSet(name, key, value1)))
		v, err = db.Commit()
		require.NoError(t, err)
		commitId = db.LastCommitInfo().StoreInfos[0].CommitId
		require.Equal(t, realInitialVersion+1, v)
		require.Equal(t, commitId.Hash, HashNode(newLeafNode([]byte(key), []byte(value1), uint32(commitId.Version))))
		require.NoError(t, db.Close())

		// reload the db, check the contents are the same
		db, err = Load(dir, Options{})
		require.NoError(t, err)
		require.Equal(t, uint32(initialVersion), db.initialVersion)
		require.Equal(t, v, db.Version())
		require.Equal(t, hex.EncodeToString(commitId.Hash), hex.EncodeToString(db.LastCommitInfo().StoreInfos[0].CommitId.Hash))

		// add a new store to a reloaded db
		db.ApplyUpgrades([]*TreeNameUpgrade{{Name: name1}})
		require.NoError(t, db.ApplyChangeSets(mockNameChangeSet(name1, key, value)))
		v, err = db.Commit()
		require.NoError(t, err)
		require.Equal(t, realInitialVersion+2, v)
		require.Equal(t, 2, len(db.lastCommitInfo.StoreInfos))
		info := db.lastCommitInfo.StoreInfos[0]
		require.Equal(t, name1, info.Name)
		require.Equal(t, v, info.CommitId.Version)
		require.Equal(t, info.CommitId.Hash, HashNode(newLeafNode([]byte(key), []byte(value), uint32(info.CommitId.Version))))

		// test snapshot rewriting and reload
		require.NoError(t, db.RewriteSnapshot())
		require.NoError(t, db.Reload())
		// add new store after snapshot rewriting
		db.ApplyUpgrades([]*TreeNameUpgrade{{Name: name2}})
		require.NoError(t, db.ApplyChangeSets(mockNameChangeSet(name2, key, value)))
		v, err = db.Commit()
		require.NoError(t, err)
		require.Equal(t, realInitialVersion+3, v)
		require.Equal(t, 3, len(db.lastCommitInfo.StoreInfos))
		info2 := db.lastCommitInfo.StoreInfos[1]
		require.Equal(t, name2, info2.Name)
		require.Equal(t, v, info2.CommitId.Version)
		require.Equal(t, info2.CommitId.Hash, HashNode(newLeafNode([]byte(key), []byte(value), uint32(info2.CommitId.Version))))
	}
}

func TestLoadVersion(t *testing.T) {
	dir := t.TempDir()
	db, err := Load(dir, Options{
		CreateIfMissing: true,
		InitialStores:   []string{"test"},
	})
	require.NoError(t, err)

	for i, changes := range ChangeSets {
		cs := []*NamedChangeSet{
			{
				Name:      "test",
				Changeset: changes,
			},
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			require.NoError(t, db.ApplyChangeSets(cs))

			// check the root hash
			require.Equal(t, RefHashes[db.Version()], db.WorkingCommitInfo().StoreInfos[0].CommitId.Hash)

			_, err := db.Commit()
			require.NoError(t, err)
		})
	}
	require.NoError(t, db.Close())

	for v, expItems := range ExpectItems {
		if v == 0 {
			continue
		}
		tmp, err := Load(dir, Options{
			TargetVersion: uint32(v),
			ReadOnly:      true,
		})
		require.NoError(t, err)
		require.Equal(t, RefHashes[v-1], tmp.TreeByName("test").RootHash())
		require.Equal(t, expItems, collectIter(tmp.TreeByName("test").Iterator(nil, nil, true)))
	}
}

func TestZeroCopy(t *testing.T) {
	db, err := Load(t.TempDir(), Options{InitialStores: []string{"test", "test2"}, CreateIfMissing: true, ZeroCopy: true})
	require.NoError(t, err)
	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{
		{Name: "test", Changeset: ChangeSets[0]},
	}))
	_, err = db.Commit()
	require.NoError(t, err)
	require.NoError(t, errors.Join(
		db.RewriteSnapshot(),
		db.Reload(),
	))

	// the test tree's root hash will reference the zero-copy value
	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{
		{Name: "test2", Changeset: ChangeSets[0]},
	}))
	_, err = db.Commit()
	require.NoError(t, err)

	commitInfo := *db.LastCommitInfo()

	value := db.TreeByName("test").Get([]byte("hello"))
	require.Equal(t, []byte("world"), value)

	db.SetZeroCopy(false)
	valueCloned := db.TreeByName("test").Get([]byte("hello"))
	require.Equal(t, []byte("world"), valueCloned)

	_ = commitInfo.StoreInfos[0].CommitId.Hash[0]

	require.NoError(t, db.Close())

	require.Equal(t, []byte("world"), valueCloned)

	// accessing the zero-copy value after the db is closed triggers segment fault,
	// unless another mapping has taken the freed addresses meanwhile (as one
	// did in a run beside other tests): then it reads whatever is there now.
	// Either way it is no longer the value, as the cloned one still is.
	// reset global panic on fault setting after function finished
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	faulted, same := func() (faulted, same bool) {
		defer func() { faulted = recover() != nil }()
		return false, bytes.Equal(value, []byte("world"))
	}()
	require.True(t, faulted || !same, "the zero-copy value still reads after the db closed")

	// it's ok to access after db closed
	_ = commitInfo.StoreInfos[0].CommitId.Hash[0]
}

func TestWalIndexConversion(t *testing.T) {
	testCases := []struct {
		index          uint64
		version        int64
		initialVersion uint32
	}{
		{1, 1, 0},
		{1, 1, 1},
		{1, 10, 10},
		{2, 11, 10},
	}
	for _, tc := range testCases {
		require.Equal(t, tc.index, walIndex(tc.version, tc.initialVersion))
		require.Equal(t, tc.version, walVersion(tc.index, tc.initialVersion))
	}
}

func TestEmptyValue(t *testing.T) {
	dir := t.TempDir()
	db, err := Load(dir, Options{InitialStores: []string{"test"}, CreateIfMissing: true, ZeroCopy: true})
	require.NoError(t, err)

	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{
		{Name: "test", Changeset: ChangeSet{
			Pairs: []*KVPair{
				{Key: []byte("hello1"), Value: []byte("")},
				{Key: []byte("hello2"), Value: []byte("")},
				{Key: []byte("hello3"), Value: []byte("")},
			},
		}},
	}))
	_, err = db.Commit()
	require.NoError(t, err)

	require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{
		{Name: "test", Changeset: ChangeSet{
			Pairs: []*KVPair{{Key: []byte("hello1"), Delete: true}},
		}},
	}))
	version, err := db.Commit()
	require.NoError(t, err)

	require.NoError(t, db.Close())

	db, err = Load(dir, Options{ZeroCopy: true})
	require.NoError(t, err)
	require.Equal(t, version, db.Version())
}

func TestInvalidOptions(t *testing.T) {
	dir := t.TempDir()

	_, err := Load(dir, Options{ReadOnly: true})
	require.Error(t, err)

	_, err = Load(dir, Options{ReadOnly: true, CreateIfMissing: true})
	require.Error(t, err)

	db, err := Load(dir, Options{CreateIfMissing: true})
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = Load(dir, Options{LoadForOverwriting: true, ReadOnly: true})
	require.Error(t, err)

	_, err = Load(dir, Options{ReadOnly: true})
	require.NoError(t, err)
}

func TestExclusiveLock(t *testing.T) {
	dir := t.TempDir()

	db, err := Load(dir, Options{CreateIfMissing: true})
	require.NoError(t, err)

	_, err = Load(dir, Options{})
	require.Error(t, err)

	_, err = Load(dir, Options{ReadOnly: true})
	require.NoError(t, err)

	require.NoError(t, db.Close())

	_, err = Load(dir, Options{})
	require.NoError(t, err)
}

func TestFastCommit(t *testing.T) {
	dir := t.TempDir()

	db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"test"}, SnapshotInterval: 3, AsyncCommitBuffer: 10})
	require.NoError(t, err)

	cs := ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello1"), Value: make([]byte, 1024*1024)},
		},
	}

	// the bug reproduce when the wal writing is slower than commit, that happens when wal segment is full and create a new one, the wal writing will slow down a little bit,
	// segment size is 20m, each change set is 1m, so we need a bit more than 20 commits to reproduce.
	for i := 0; i < 30; i++ {
		require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{{Name: "test", Changeset: cs}}))
		_, err := db.Commit()
		require.NoError(t, err)
	}

	<-db.snapshotRewriteChan
	require.NoError(t, db.Close())
}

func TestRepeatedApplyChangeSet(t *testing.T) {
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"test1", "test2"}, SnapshotInterval: 3, AsyncCommitBuffer: 10})
	require.NoError(t, err)

	err = db.ApplyChangeSets([]*NamedChangeSet{
		{Name: "test1", Changeset: ChangeSet{
			Pairs: []*KVPair{
				{Key: []byte("hello1"), Value: []byte("world1")},
			},
		}},
		{Name: "test2", Changeset: ChangeSet{
			Pairs: []*KVPair{
				{Key: []byte("hello2"), Value: []byte("world2")},
			},
		}},
	})
	require.NoError(t, err)

	err = db.ApplyChangeSets([]*NamedChangeSet{{Name: "test1"}})
	require.NoError(t, err)

	err = db.ApplyChangeSet("test1", ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello2"), Value: []byte("world2")},
		},
	})
	require.NoError(t, err)

	_, err = db.Commit()
	require.NoError(t, err)

	err = db.ApplyChangeSet("test1", ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello2"), Value: []byte("world2")},
		},
	})
	require.NoError(t, err)
	err = db.ApplyChangeSet("test2", ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello2"), Value: []byte("world2")},
		},
	})
	require.NoError(t, err)

	err = db.ApplyChangeSet("test1", ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello2"), Value: []byte("world2")},
		},
	})
	require.NoError(t, err)
	err = db.ApplyChangeSet("test2", ChangeSet{
		Pairs: []*KVPair{
			{Key: []byte("hello2"), Value: []byte("world2")},
		},
	})
	require.NoError(t, err)
}

func TestIdempotentWrite(t *testing.T) {
	for _, asyncCommit := range []bool{false, true} {
		t.Run(fmt.Sprintf("asyncCommit=%v", asyncCommit), func(t *testing.T) {
			testIdempotentWrite(t, asyncCommit)
		})
	}
}

func testIdempotentWrite(t *testing.T, asyncCommit bool) {
	dir := t.TempDir()

	asyncCommitBuffer := -1
	if asyncCommit {
		asyncCommitBuffer = 10
	}

	db, err := Load(dir, Options{
		CreateIfMissing:   true,
		InitialStores:     []string{"test1", "test2"},
		AsyncCommitBuffer: asyncCommitBuffer,
	})
	require.NoError(t, err)

	// generate some data into db
	var changes [][]*NamedChangeSet
	for i := 0; i < 10; i++ {
		cs := []*NamedChangeSet{
			{
				Name:      "test1",
				Changeset: ChangeSet{Pairs: mockKVPairs("hello", fmt.Sprintf("world%d", i))},
			},
			{
				Name:      "test2",
				Changeset: ChangeSet{Pairs: mockKVPairs("hello", fmt.Sprintf("world%d", i))},
			},
		}
		changes = append(changes, cs)
	}

	for _, cs := range changes {
		require.NoError(t, db.ApplyChangeSets(cs))
		_, err := db.Commit()
		require.NoError(t, err)
	}

	commitInfo := *db.LastCommitInfo()
	require.NoError(t, db.Close())

	// reload db from disk at an intermediate version
	db, err = Load(dir, Options{TargetVersion: 5})
	require.NoError(t, err)

	// replay some random writes to reach same version
	for i := 0; i < 5; i++ {
		require.NoError(t, db.ApplyChangeSets(changes[i+5]))
		_, err := db.Commit()
		require.NoError(t, err)
	}

	// it should reach same result
	require.Equal(t, commitInfo, *db.LastCommitInfo())

	require.NoError(t, db.Close())

	// reload db again, it should reach same result
	db, err = Load(dir, Options{})
	require.NoError(t, err)
	require.Equal(t, commitInfo, *db.LastCommitInfo())
}

// A background rewrite catches up in rounds until a round finds nothing
// new, so the switch (under the lock, where a commit waits) replays only
// what came after. Here 10 versions are committed while the snapshot is
// written and 5 during the first round: three rounds replay 15 and the
// switch replays none.
func TestBackgroundCatchUpRounds(t *testing.T) {
	// the log written at each commit, as Publica's store writes it
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"test"}, AsyncCommitBuffer: -1})
	require.NoError(t, err)
	defer db.Close()
	commit := func(n int) {
		for range n {
			v := db.Version() + 1
			require.NoError(t, db.ApplyChangeSet("test", ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%d", v%7)), Value: []byte(fmt.Sprint(v))}}}))
			_, err := db.Commit()
			require.NoError(t, err)
		}
	}
	commit(3)
	noTransplant = true // the replay is what is counted
	defer func() { noTransplant = false }()
	paused, resume, done := make(chan int), make(chan struct{}), make(chan struct{})
	beforeCatchUpRound = func(round int) {
		select {
		case paused <- round:
			<-resume
		case <-done: // the test failed: let Close end the rewrite
		}
	}
	defer func() { close(done); beforeCatchUpRound = nil }()
	require.NoError(t, db.RewriteSnapshotBackground())
	for round, more := range []int{10, 5, 0} {
		select {
		case got := <-paused:
			require.Equal(t, round, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("no catch-up round %d", round)
		}
		commit(more)
		resume <- struct{}{}
	}
	require.NoError(t, db.WaitSnapshotRewrite())
	r := db.LastRewrite()
	require.EqualValues(t, 3, r.Version)
	require.Equal(t, 3, r.CatchUpRounds)
	require.EqualValues(t, 15, r.CaughtUp)
	require.Zero(t, r.FinalCatchUp)
	require.Positive(t, r.Wrote)
	require.Positive(t, r.SwitchTook)
	require.EqualValues(t, 18, db.Version())
	require.Equal(t, []byte("18"), db.TreeByName("test").Get([]byte("k4")))
}

// A background rewrite written whole moves the running trees onto the new
// snapshot at the first commit after it is written, replays only what came
// after, and switches to trees that read as the DB reopened from its log.
func TestWholeRewriteTakesTheRunningTrees(t *testing.T) {
	dir := t.TempDir()
	opts := Options{CreateIfMissing: true, InitialStores: []string{"a", "b"}, AsyncCommitBuffer: -1}
	db, err := Load(dir, opts)
	require.NoError(t, err)
	commit := func(n int) {
		for range n {
			v := db.Version() + 1
			var cs []*NamedChangeSet
			for _, name := range []string{"a", "b"} {
				pairs := []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v*37%500)), Value: []byte(fmt.Sprint(v))}}
				if v%5 == 0 {
					pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%03d", v*11%500)), Delete: true})
				}
				cs = append(cs, &NamedChangeSet{Name: name, Changeset: ChangeSet{Pairs: pairs}})
			}
			require.NoError(t, db.ApplyChangeSets(cs))
			_, err := db.Commit()
			require.NoError(t, err)
		}
	}
	for v := range 500 { // a tree to move
		require.NoError(t, db.ApplyChangeSets([]*NamedChangeSet{
			{Name: "a", Changeset: ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v)), Value: []byte("a")}}}},
			{Name: "b", Changeset: ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v)), Value: []byte("b")}}}},
		}))
	}
	_, err = db.Commit()
	require.NoError(t, err)
	for range 3 {
		commit(10)
		require.NoError(t, db.RewriteSnapshotBackground())
		commit(1) // serves the rewrite's request, perhaps before it asks
		require.NoError(t, db.WaitSnapshotRewrite())
		r := db.LastRewrite()
		require.Positive(t, r.Transplanted+r.CaughtUp+r.FinalCatchUp)
		require.EqualValues(t, db.Version(), r.Version+r.Transplanted+r.CaughtUp+r.FinalCatchUp+r.FinalMoved)
		require.EqualValues(t, r.Version, db.SnapshotVersion())
	}
	require.Positive(t, db.LastRewrite().Transplanted, "no rewrite took the running trees")

	// Committing on until the switch: the rewrite moves the trees in
	// rounds, each served by a commit, and the switch, in the commit after
	// the last round, moves what came since; nothing is replayed.
	movedAtSwitch := false
	for range 3 {
		before := db.SnapshotVersion()
		require.NoError(t, db.RewriteSnapshotBackground())
		for db.SnapshotVersion() == before {
			commit(1)
			time.Sleep(time.Millisecond)
		}
		r := db.LastRewrite()
		require.Positive(t, r.Transplanted)
		require.Zero(t, r.CaughtUp+r.FinalCatchUp, "replayed: %+v", r)
		require.EqualValues(t, db.Version(), r.Version+r.Transplanted+r.FinalMoved)
		movedAtSwitch = movedAtSwitch || r.FinalMoved > 0
	}
	require.True(t, movedAtSwitch, "no switch moved the trees")
	commit(7)
	hash := db.LastCommitInfo().StoreInfos
	version := db.Version()
	require.NoError(t, db.Close())

	db, err = Load(dir, Options{})
	require.NoError(t, err)
	defer db.Close()
	require.Equal(t, version, db.Version())
	require.Equal(t, hash, db.LastCommitInfo().StoreInfos)
}

// linesLogger keeps the messages logged, for tests.
type linesLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *linesLogger) Debug(string, ...interface{}) {}
func (l *linesLogger) Info(msg string, _ ...interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, msg)
}
func (l *linesLogger) Error(msg string, kv ...interface{}) { l.Info(msg, kv...) }

func (l *linesLogger) logged(prefix string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// TestSpoiltMoveIsReplaced spoils the move of a whole rewrite, in the
// background and then at the switch, and requires the rewrite to drop the
// half-moved trees, replay the log instead and say so, with every commit
// hashing as a twin DB's that never rewrites, before and after reopening.
func TestSpoiltMoveIsReplaced(t *testing.T) {
	for _, tc := range []struct {
		name   string
		round  func(round int) bool
		logged string
	}{
		{"in the background", func(round int) bool { return round == 0 }, "moving the running trees onto the new snapshot failed"},
		{"at the switch", func(round int) bool { return round == 1 }, "moving the running trees onto the new snapshot at the switch failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logger := &linesLogger{}
			dir := t.TempDir()
			db, err := Load(dir, Options{CreateIfMissing: true, InitialStores: []string{"a", "b"}, AsyncCommitBuffer: -1, Logger: logger})
			require.NoError(t, err)
			twin, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"a", "b"}, AsyncCommitBuffer: -1})
			require.NoError(t, err)
			defer twin.Close()
			commit := func(n int) {
				for range n {
					v := db.Version() + 1
					var cs []*NamedChangeSet
					for _, name := range []string{"a", "b"} {
						pairs := []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v*37%500)), Value: []byte(fmt.Sprint(v))}}
						if v%5 == 0 {
							pairs = append(pairs, &KVPair{Key: []byte(fmt.Sprintf("k%03d", v*11%500)), Delete: true})
						}
						cs = append(cs, &NamedChangeSet{Name: name, Changeset: ChangeSet{Pairs: pairs}})
					}
					for _, d := range []*DB{db, twin} {
						require.NoError(t, d.ApplyChangeSets(cs))
						_, err := d.Commit()
						require.NoError(t, err)
					}
					require.Equal(t, twin.LastCommitInfo().StoreInfos, db.LastCommitInfo().StoreInfos, "version %d", v)
				}
			}
			commit(300)
			// the move spoilt: a tree's root replaced by a leaf of its own
			spoilMove = func(round int, mt *MultiTree) {
				if tc.round(round) {
					mt.trees[0].root = &MemNode{size: 1, version: uint32(mt.trees[0].version), key: []byte("spoilt"), value: []byte("spoilt")}
				}
			}
			defer func() { spoilMove = nil }()
			commit(10)
			require.NoError(t, db.RewriteSnapshotBackground())
			commit(1) // serves the first round, perhaps before it asks
			require.NoError(t, db.WaitSnapshotRewrite())
			r := db.LastRewrite()
			require.True(t, logger.logged(tc.logged), "not logged: %q", tc.logged)
			require.EqualValues(t, r.Version, db.SnapshotVersion(), "no switch")
			require.Zero(t, r.FinalMoved)
			require.EqualValues(t, db.Version(), r.Version+r.Transplanted+r.CaughtUp+r.FinalCatchUp)
			require.Equal(t, twin.LastCommitInfo().StoreInfos, db.LastCommitInfo().StoreInfos)
			for i := range 500 {
				key := []byte(fmt.Sprintf("k%03d", i))
				for _, name := range []string{"a", "b"} {
					require.Equal(t, twin.TreeByName(name).Get(key), db.TreeByName(name).Get(key), "%s %s", name, key)
				}
			}
			commit(20)
			require.NoError(t, db.Close())
			db, err = Load(dir, Options{})
			require.NoError(t, err)
			defer db.Close()
			require.Equal(t, twin.LastCommitInfo().StoreInfos, db.LastCommitInfo().StoreInfos)
			commit(5)
		})
	}
}

// TestCatchUpStopsLosingGround commits more during each background
// catch-up round than the round before replayed, as a flood does against
// a tree out of the page cache, and requires the rounds to stop at the
// first that loses ground, the switch replaying the rest, instead of
// running on while the log grows.
// A snapshot written whole to be moved onto holds no upper branches
// while the moves run (the old snapshot's are held meanwhile), and holds
// them from the switch on.
func TestWholeRewriteHoldsUpperBranchesAfterTheMoves(t *testing.T) {
	minLeaves, budget := UpperBranchesMinLeaves, UpperBranchesNodes
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, 64
	defer func() { UpperBranchesMinLeaves, UpperBranchesNodes = minLeaves, budget }()
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"test"}, AsyncCommitBuffer: -1})
	require.NoError(t, err)
	defer db.Close()
	for v := range 500 {
		require.NoError(t, db.ApplyChangeSet("test", ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v)), Value: []byte("v")}}}))
	}
	_, err = db.Commit()
	require.NoError(t, err)
	commit := func(n int) {
		for range n {
			v := db.Version() + 1
			require.NoError(t, db.ApplyChangeSet("test", ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%03d", v*37%500)), Value: []byte(fmt.Sprint(v))}}}))
			_, err := db.Commit()
			require.NoError(t, err)
		}
	}
	var held []bool // by move, the switch's last
	spoilMove = func(_ int, mt *MultiTree) {
		held = append(held, mt.trees[0].snapshot.upper() != nil)
	}
	defer func() { spoilMove = nil }()
	commit(10)
	require.NoError(t, db.RewriteSnapshotBackground())
	commit(3)
	require.NoError(t, db.WaitSnapshotRewrite())
	require.NotEmpty(t, held, "no move")
	require.False(t, held[0], "upper branches held during the first move, in the background")
	require.EqualValues(t, db.LastRewrite().Version, db.SnapshotVersion(), "no switch")
	require.NotNil(t, db.TreeByName("test").snapshot.upper(), "no upper branches after the switch")
	for i := range 500 {
		key := []byte(fmt.Sprintf("k%03d", i))
		require.NotNil(t, db.TreeByName("test").Get(key), "%s", key)
	}
}

// The background moves of a whole rewrite stop, as the catch-up does, at
// the first round that moved no fewer versions than the one before; the
// switch moves the rest.
func TestMovesStopLosingGround(t *testing.T) {
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"test"}, AsyncCommitBuffer: -1})
	require.NoError(t, err)
	defer db.Close()
	commit := func(n int) {
		for range n {
			v := db.Version() + 1
			require.NoError(t, db.ApplyChangeSet("test", ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%d", v%7)), Value: []byte(fmt.Sprint(v))}}}))
			_, err := db.Commit()
			require.NoError(t, err)
		}
	}
	commit(3)
	paused, resume, done := make(chan int), make(chan struct{}), make(chan struct{})
	beforeMoveRound = func(round int) {
		if round >= 2 {
			t.Errorf("move round %d: the rounds went on losing ground", round)
			return
		}
		select {
		case paused <- round:
			<-resume
		case <-done:
		}
	}
	defer func() { close(done); beforeMoveRound = nil }()
	require.NoError(t, db.RewriteSnapshotBackground())
	// the first round moves 4 versions, the second 6: losing ground
	for round, more := range []int{4, 6} {
		got, asked := 0, false
		for !asked {
			select {
			case got = <-paused:
				asked = true
			case reply := <-db.rootsWanted: // the round before asks for the running trees
				reply <- db.MultiTree.Copy(0)
			case <-time.After(10 * time.Second):
				t.Fatalf("no move round %d", round)
			}
		}
		require.Equal(t, round, got)
		// the progress says where the rewrite is, and what it has moved
		p, running := db.RewriteProgress()
		require.True(t, running)
		require.Equal(t, RewriteMoving, p.Stage, "%s", p.Stage)
		require.EqualValues(t, 3, p.Version)
		require.Equal(t, round, p.Report.TransplantRounds)
		require.EqualValues(t, []int64{0, 4}[round], p.Report.Transplanted)
		require.Len(t, p.Report.Trees, 1)
		require.Positive(t, p.Report.Wrote)
		commit(more)
		resume <- struct{}{}
	}
	require.NoError(t, db.WaitSnapshotRewrite())
	_, running := db.RewriteProgress()
	require.False(t, running, "a rewrite in progress after its switch")
	r := db.LastRewrite()
	require.Equal(t, 2, r.TransplantRounds, "rounds went on losing ground: %+v", r)
	require.EqualValues(t, 10, r.Transplanted)
	require.Equal(t, []byte(fmt.Sprint(db.Version())), db.TreeByName("test").Get([]byte(fmt.Sprintf("k%d", db.Version()%7))))
}

func TestCatchUpStopsLosingGround(t *testing.T) {
	db, err := Load(t.TempDir(), Options{CreateIfMissing: true, InitialStores: []string{"test"}, AsyncCommitBuffer: -1})
	require.NoError(t, err)
	defer db.Close()
	commit := func(n int) {
		for range n {
			v := db.Version() + 1
			require.NoError(t, db.ApplyChangeSet("test", ChangeSet{Pairs: []*KVPair{{Key: []byte(fmt.Sprintf("k%d", v%7)), Value: []byte(fmt.Sprint(v))}}}))
			_, err := db.Commit()
			require.NoError(t, err)
		}
	}
	commit(3)
	noTransplant = true
	defer func() { noTransplant = false }()
	paused, resume, done := make(chan int), make(chan struct{}), make(chan struct{})
	beforeCatchUpRound = func(round int) {
		select {
		case paused <- round:
			<-resume
		case <-done:
		}
	}
	defer func() { close(done); beforeCatchUpRound = nil }()
	require.NoError(t, db.RewriteSnapshotBackground())
	for round, more := range []int{4, 6} { // the second round replays more than the first
		select {
		case got := <-paused:
			require.Equal(t, round, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("no catch-up round %d", round)
		}
		commit(more)
		resume <- struct{}{}
	}
	require.NoError(t, db.WaitSnapshotRewrite())
	r := db.LastRewrite()
	require.Equal(t, 2, r.CatchUpRounds, "rounds went on losing ground: %+v", r)
	require.EqualValues(t, 10, r.CaughtUp)
	require.EqualValues(t, db.Version(), r.Version+r.CaughtUp+r.FinalCatchUp)
	require.Equal(t, []byte(fmt.Sprint(db.Version())), db.TreeByName("test").Get([]byte(fmt.Sprintf("k%d", db.Version()%7))))
}
