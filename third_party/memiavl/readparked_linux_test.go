//go:build linux

package memiavl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkReadAheadParkedCold reads keys ahead, for reads (ReadAhead) and
// for writes (ReadAheadWrite), in a 1M-leaf snapshot with two layers over
// it, its upper branches held from height 6 as at 10M parcels, out of the
// page cache (dropped before each round of 8,000 keys), from 16 and 64
// goroutines whose reads wait for the disk in pread or parked
// (readParked). It reports the CPU a key and the time a round takes.
func BenchmarkReadAheadParkedCold(b *testing.B) {
	const leaves, perRound = 1_000_000, 8_000
	defer func(min, nodes int) { UpperBranchesMinLeaves, UpperBranchesNodes = min, nodes }(UpperBranchesMinLeaves, UpperBranchesNodes)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	tree := layeredTree(b, leaves, 2)
	// how a read the cache cannot answer waits: in pread, or parked and
	// asked again every readPark, or at growing intervals up to readParkMax
	waits := []string{"pread", "parked-flat", "parked"}
	type bench struct {
		writes  bool
		wait    string
		workers int
	}
	var cases []bench
	for _, writes := range []bool{false, true} {
		for _, workers := range []int{16, 64} {
			for _, wait := range waits {
				cases = append(cases, bench{writes, wait, workers})
			}
		}
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s-%s-%d-goroutines", map[bool]string{false: "reads", true: "writes"}[c.writes], c.wait, c.workers)
		b.Run(name, func(b *testing.B) {
			readAheadWaitsInPread = c.wait == "pread"
			defer func(max time.Duration) { readAheadWaitsInPread, readParkMax = false, max }(readParkMax)
			if c.wait == "parked-flat" {
				readParkMax = readPark
			}
			var cpu, took time.Duration
			var calls int64
			for round := range b.N {
				b.StopTimer()
				dropChain(tree)
				keys := make([][]byte, perRound)
				r := rand.New(rand.NewSource(int64(round)))
				for i := range keys {
					keys[i] = []byte(fmt.Sprintf("k%08d", r.Intn(2*leaves)))
				}
				c0, t0, calls0 := cpuTime(), time.Now(), nowaitCalls.Load()
				b.StartTimer()
				var next atomic.Int64
				var wg sync.WaitGroup
				for range c.workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := next.Add(1) - 1; i < perRound; i = next.Add(1) - 1 {
							if c.writes {
								_ = tree.ReadAheadWrite(keys[i])
							} else {
								_, _ = tree.ReadAhead(keys[i])
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				took += time.Since(t0)
				cpu += cpuTime() - c0
				calls += nowaitCalls.Load() - calls0
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*perRound), "cpu-µs/key")
			b.ReportMetric(float64(calls)/float64(b.N*perRound), "nowait-calls/key")
			b.ReportMetric(took.Seconds()*1000/float64(b.N), "ms/batch")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// layeredTree writes a base of n keys and `layers` layers of changes over
// it (layerRound), and opens a tree on the last.
func layeredTree(t testing.TB, n, layers int) *Tree {
	parent := t.TempDir()
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
	t.Cleanup(func() { tree.Close() })
	return tree
}

// dropChain takes the pages of every snapshot of the tree's chain out of the
// page cache.
func dropChain(tree *Tree) {
	for _, s := range tree.snapshot.Chain() {
		dropSnapshotPages(s)
	}
}

// coldFile writes size random bytes to a file, syncs it and drops it from
// the page cache, so that reads of it go to the disk.
func coldFile(t testing.TB, size int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.New(rand.NewSource(int64(size))).Read(data)
	dir := t.TempDir()
	path := filepath.Join(dir, "cold")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	dropFromPageCache(t, dir)
	return f, data
}

// readParked reads what ReadAt reads, from many goroutines at once, out of
// the page cache and in it: the count, the bytes, and io.EOF where ReadAt
// gives it (ranges running past the file's end or beyond it).
func TestReadParkedReadsWhatReadAtReads(t *testing.T) {
	f, data := coldFile(t, 3<<20+1234)
	for _, stage := range []string{"cold", "warm"} {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewSource(int64(g)))
				for range 200 {
					n := 1 + r.Intn(9000)
					off := r.Int63n(int64(len(data)) + 8192)
					got := make([]byte, n)
					gn, gerr := readParked(f, got, off)
					want := make([]byte, n)
					wn, werr := bytes.NewReader(data).ReadAt(want, off)
					if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || errors.Is(gerr, io.EOF) != errors.Is(werr, io.EOF) || (gerr == nil) != (werr == nil) {
						errs <- fmt.Errorf("%s: read of %d at %d: %d bytes, %v; want %d bytes, %v", stage, n, off, gn, gerr, wn, werr)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// readNowait does not wait for bytes out of the page cache, and begins to
// read them: what readParked rests on.
func TestReadNowaitBeginsTheRead(t *testing.T) {
	f, data := coldFile(t, 1<<20)
	p := make([]byte, 100)
	const at = 123 * 4096
	if _, err := readNowait(f, p, at+5); err != errWouldBlock {
		t.Skipf("a read out of the page cache answered %v: the file system does not refuse to wait", err)
	}
	for wait := 0; ; wait++ {
		n, err := readNowait(f, p, at+5)
		if err == nil {
			if n != len(p) || !bytes.Equal(p, data[at+5:at+105]) {
				t.Fatalf("read %d bytes %x", n, p[:n])
			}
			break
		}
		if err != errWouldBlock || wait == 200 {
			t.Fatalf("after %d waits: %v (the read was not begun)", wait, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
