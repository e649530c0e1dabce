//go:build linux

package memiavl

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// layeredTree writes a base of n keys and `layers` layers over it, and
// opens a tree on the last (its branches held from the top when held).
func layeredTree(t testing.TB, n, layers int) (*Tree, map[string][]byte) {
	parent := t.(interface{ TempDir() string }).TempDir()
	keys := map[string][]byte{}
	var pairs []*KVPair
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%08d", i)
		keys[k] = layerValue(i)
		pairs = append(pairs, &KVPair{Key: []byte(k), Value: keys[k]})
	}
	mem := New(0)
	mem.ApplyChangeSet(ChangeSet{Pairs: pairs})
	if _, _, err := mem.SaveVersion(true); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "base")
	if err := mem.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := NewFromSnapshot(s, false, 0)
	for round := 1; round <= layers; round++ {
		layerRound([]*Tree{tree}, keys, round)
		dir = filepath.Join(parent, fmt.Sprintf("layer-%d", round))
		if err := tree.WriteLayer(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
		if err := tree.Close(); err != nil {
			t.Fatal(err)
		}
		if s, err = OpenSnapshot(dir); err != nil {
			t.Fatal(err)
		}
		tree = NewFromSnapshot(s, false, 0)
	}
	t.(interface{ Cleanup(func()) }).Cleanup(func() { tree.Close() })
	return tree, keys
}

// cachedPages lists, file by file, which pages of the tree's chain the
// page cache holds (mincore over a fresh mapping of each file).
func cachedPages(t testing.TB, tree *Tree) map[string][]byte {
	out := map[string][]byte{}
	for _, s := range tree.snapshot.Chain() {
		entries, err := os.ReadDir(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			path := filepath.Join(s.dir, e.Name())
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
				continue
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			data, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			vec := make([]byte, (len(data)+os.Getpagesize()-1)/os.Getpagesize())
			if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
				t.Fatal(errno)
			}
			_ = unix.Munmap(data)
			for i := range vec {
				vec[i] &= 1
			}
			out[path] = vec
		}
	}
	return out
}

func dropChain(tree *Tree) {
	for _, s := range tree.snapshot.Chain() {
		dropSnapshotPages(s)
	}
}

// ReadAheadWrites brings into the page cache every page that
// ReadAheadWrite brings in key by key, for keys present and absent, in a
// layer over a base holding its upper branches and in one without, with
// every level read with pread: it begins the reads it does not wait for,
// and a walk it sets aside goes on from where it stopped.
func TestReadAheadWritesReadsWhatEachWriteReads(t *testing.T) {
	defer func(mapped int) { ReadAheadMappedLevels = mapped }(ReadAheadMappedLevels)
	ReadAheadMappedLevels = 0
	for _, held := range []bool{false, true} {
		t.Run(fmt.Sprintf("held-%v", held), func(t *testing.T) {
			withUpper(t, map[bool]int{false: 0, true: 64}[held])
			tree, _ := layeredTree(t, 20000, 3)
			r := rand.New(rand.NewSource(1))
			var keys [][]byte
			for range 400 {
				keys = append(keys, []byte(fmt.Sprintf("k%08d", r.Intn(40000)))) // half of them absent
			}
			dropChain(tree)
			for _, k := range keys {
				if err := tree.ReadAheadWrite(k); err != nil {
					t.Fatal(err)
				}
			}
			want := cachedPages(t, tree)
			dropChain(tree)
			if n := countCached(cachedPages(t, tree)); n != 0 {
				t.Skipf("%d pages stay in the page cache after a drop: it cannot be told what was read", n)
			}
			tree.ReadAheadWrites(keys, 3)
			// The reads it began and did not wait for end soon after.
			var got map[string][]byte
			for wait := 0; wait < 100; wait++ {
				got = cachedPages(t, tree)
				if missing(want, got) == "" {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if m := missing(want, got); m != "" {
				for path, vec := range want {
					nw, ng, miss := 0, 0, 0
					for i, b := range vec {
						nw += int(b)
						ng += int(got[path][i])
						if b == 1 && got[path][i] == 0 {
							miss++
						}
					}
					t.Logf("%s: want %d got %d missing %d", path, nw, ng, miss)
				}
				t.Fatalf("ReadAheadWrites left out what ReadAheadWrite reads: %s", m)
			}
			if countCached(want) == 0 {
				t.Fatal("nothing was read: the test proves nothing")
			}
		})
	}
}

func countCached(pages map[string][]byte) int {
	n := 0
	for _, vec := range pages {
		for _, b := range vec {
			n += int(b)
		}
	}
	return n
}

// missing names the first page want holds and got does not.
func missing(want, got map[string][]byte) string {
	for path, vec := range want {
		for i, b := range vec {
			if b == 1 && (i >= len(got[path]) || got[path][i] == 0) {
				return fmt.Sprintf("%s page %d", filepath.Base(path), i)
			}
		}
	}
	return ""
}

// BenchmarkReadAheadWritesCold reads ahead the writes of a block's worth
// of keys in a 1M-leaf snapshot with two layers over it, its upper
// branches held from height 6 as at 10M parcels, out of the page cache:
// key by key from sixteen goroutines waiting in pread (ReadAheadWrite, as
// the store did), and as one batch (ReadAheadWrites from two goroutines).
// It reports the CPU a key and the time a batch takes.
func BenchmarkReadAheadWritesCold(b *testing.B) {
	const leaves, perRound = 1_000_000, 8_000
	defer func(min, nodes int) { UpperBranchesMinLeaves, UpperBranchesNodes = min, nodes }(UpperBranchesMinLeaves, UpperBranchesNodes)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	tree, _ := layeredTree(b, leaves, 2)
	for _, batch := range []bool{false, true} {
		b.Run(map[bool]string{false: "pread-16-goroutines", true: "batch"}[batch], func(b *testing.B) {
			var cpu, took time.Duration
			for round := range b.N {
				b.StopTimer()
				dropChain(tree)
				keys := make([][]byte, perRound)
				r := rand.New(rand.NewSource(int64(round)))
				for i := range keys {
					keys[i] = []byte(fmt.Sprintf("k%08d", r.Intn(2*leaves)))
				}
				c0, t0 := cpuTime(), time.Now()
				b.StartTimer()
				if batch {
					tree.ReadAheadWrites(keys, 2)
				} else {
					var next atomic.Int64
					var wg sync.WaitGroup
					for range 16 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := next.Add(1) - 1; i < perRound; i = next.Add(1) - 1 {
								_ = tree.ReadAheadWrite(keys[i])
							}
						}()
					}
					wg.Wait()
				}
				b.StopTimer()
				took += time.Since(t0)
				cpu += cpuTime() - c0
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*perRound), "cpu-µs/key")
			b.ReportMetric(took.Seconds()*1000/float64(b.N), "ms/batch")
			b.ReportMetric(0, "ns/op")
		})
	}
}
