//go:build linux

package memiavl

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// pagesRead records the pages of the reads walks ask of the kernel.
type pagesRead struct {
	sync.Mutex
	pages map[ringPageKey]int
	reads int
}

func recordPagesRead(t testing.TB) *pagesRead {
	r := &pagesRead{pages: map[ringPageKey]int{}}
	walkReadHook = func(f *os.File, off int64, n int) {
		r.Lock()
		defer r.Unlock()
		r.reads++
		for pg := off &^ (ringPageSize - 1); pg < off+int64(n); pg += ringPageSize {
			r.pages[ringPageKey{f, pg}]++
		}
	}
	t.Cleanup(func() { walkReadHook = nil })
	return r
}

func (r *pagesRead) stop() map[ringPageKey]int {
	walkReadHook = nil
	return r.pages
}

// freshRingWalkers has the next batches make walkers with the test's
// sizes, and puts the pool back afterwards.
func freshRingWalkers(t testing.TB, pages, entries int) {
	ringWalkers.Lock()
	free := ringWalkers.free
	ringWalkers.free = nil
	ringWalkers.Unlock()
	oldPages, oldEntries := ringWalkPages, ringEntries
	ringWalkPages, ringEntries = pages, entries
	t.Cleanup(func() {
		ringWalkPages, ringEntries = oldPages, oldEntries
		ringWalkers.Lock()
		ringWalkers.free = free
		ringWalkers.Unlock()
	})
}

// The walks driven through io_uring read exactly the pages that each
// key's ReadAheadWrite reads, in a base with two layers, upper branches
// held and every level below them read (not mapped), for keys present
// and absent; with walkers of few pages and a small ring too (pages taken
// back by the clock, reads waiting for room in the ring).
func TestReadAheadWritesTogetherReadsWhatReadAheadWriteReads(t *testing.T) {
	const leaves = 20_000
	defer func(min, nodes, mapped int) {
		UpperBranchesMinLeaves, UpperBranchesNodes, ReadAheadMappedLevels = min, nodes, mapped
	}(UpperBranchesMinLeaves, UpperBranchesNodes, ReadAheadMappedLevels)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	tree := layeredTree(t, leaves, 2)
	if _, err := newIORing(8); err != nil {
		t.Skipf("io_uring: %v", err)
	}
	for _, c := range []struct {
		name           string
		pages, entries int
		mapped         int
		keys           int
	}{
		{"default", 4096, 256, 0, 3000},
		{"few-pages-small-ring", 300, 8, 0, 3000},
		{"mapped-levels", 4096, 256, 6, 500},
		{"one-key", 4096, 256, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			freshRingWalkers(t, c.pages, c.entries)
			ReadAheadMappedLevels = c.mapped
			rng := rand.New(rand.NewSource(int64(c.keys)))
			var keys []KeyInTree
			for range c.keys {
				keys = append(keys, KeyInTree{tree, []byte(fmt.Sprintf("k%08d", rng.Intn(2*leaves)))})
			}
			sort.Slice(keys, func(i, j int) bool { return string(keys[i].Key) < string(keys[j].Key) })

			seq := recordPagesRead(t)
			for _, k := range keys {
				if err := tree.ReadAheadWrite(k.Key); err != nil {
					t.Fatal(err)
				}
			}
			want := seq.stop()

			together := recordPagesRead(t)
			if !ReadAheadWritesTogether(keys, 2) {
				t.Fatal("io_uring is here, but the walks were not driven through it")
			}
			got := together.stop()
			if len(want) == 0 {
				t.Fatal("the walks read nothing: the test reads no level with pread")
			}
			var missing, extra []string
			for k := range want {
				if got[k] == 0 {
					missing = append(missing, fmt.Sprintf("%s@%d", k.f.Name(), k.off))
				}
			}
			for k := range got {
				if want[k] == 0 {
					extra = append(extra, fmt.Sprintf("%s@%d", k.f.Name(), k.off))
				}
			}
			slices.Sort(missing)
			slices.Sort(extra)
			if len(missing)+len(extra) > 0 {
				t.Fatalf("%d pages: %d not read through the ring (%.5q), %d read only there (%.5q)", len(want), len(missing), missing, len(extra), extra)
			}
			t.Logf("%d keys: %d pages, %d reads walking one key at a time, %d through the ring", len(keys), len(want), seq.reads, together.reads)
			// Each of the two walkers reads a page once at most when it
			// has room for them all.
			if c.pages >= 4096 && together.reads > 2*len(want) {
				t.Fatalf("walkers with room for every page read %d pages %d times", len(want), together.reads)
			}
		})
	}
}

// With io_uring refused (ReadAheadThroughRing off), nothing is read and
// the caller is told to walk the keys itself.
func TestReadAheadWritesTogetherDeclinesWithoutTheRing(t *testing.T) {
	tree := layeredTree(t, 1000, 1)
	defer func(on bool) { ReadAheadThroughRing = on }(ReadAheadThroughRing)
	ReadAheadThroughRing = false
	r := recordPagesRead(t)
	if ReadAheadWritesTogether([]KeyInTree{{tree, []byte("k00000001")}}, 2) {
		t.Fatal("ReadAheadWritesTogether read without the ring")
	}
	if n := len(r.stop()); n != 0 {
		t.Fatalf("%d pages read", n)
	}
}

// BenchmarkReadAheadWritesTogetherCold reads keys' writes ahead in the
// tree of BenchmarkReadAheadParkedCold, out of the page cache, through
// the ring walkers (two, as on two processors) against 64 goroutines
// parked (as the store read a block's writes before); and keys for
// reads (ReadAheadForWrite), asked one at a time by 16 goroutines each
// walking parked, or 64 at a time of one RingSession (as a block's
// transactions run ahead as coroutines ask them).
func BenchmarkReadAheadWritesTogetherCold(b *testing.B) {
	const leaves, perRound = 1_000_000, 8_000
	defer func(min, nodes int) { UpperBranchesMinLeaves, UpperBranchesNodes = min, nodes }(UpperBranchesMinLeaves, UpperBranchesNodes)
	UpperBranchesMinLeaves, UpperBranchesNodes = 2, leaves>>5
	tree := layeredTree(b, leaves, 2)
	for _, way := range []string{"parked-64-goroutines", "ring-2-walkers", "reads-parked-16-goroutines", "reads-ring-session-64-asked"} {
		b.Run(way, func(b *testing.B) {
			var cpu, took time.Duration
			var asked int64
			for round := range b.N {
				b.StopTimer()
				dropChain(tree)
				r := rand.New(rand.NewSource(int64(round)))
				keys := make([]KeyInTree, perRound)
				for i := range keys {
					keys[i] = KeyInTree{tree, []byte(fmt.Sprintf("k%08d", r.Intn(2*leaves)))}
				}
				sort.Slice(keys, func(i, j int) bool { return string(keys[i].Key) < string(keys[j].Key) })
				c0, t0, asked0 := cpuTime(), time.Now(), nowaitCalls.Load()+ringReads.Load()
				b.StartTimer()
				if way == "ring-2-walkers" {
					if !ReadAheadWritesTogether(keys, 2) {
						b.Skip("no io_uring")
					}
				} else if way == "reads-ring-session-64-asked" {
					s := NewRingSession()
					if s == nil {
						b.Skip("no io_uring")
					}
					next := 0
					var answers []RingAnswer
					for next < len(keys) || s.Active() > 0 {
						for s.Active() < 64 && next < len(keys) && s.Ask(tree, keys[next].Key, next) {
							next++
						}
						answers, _ = s.Wait(answers[:0])
					}
					s.Close()
				} else if strings.HasPrefix(way, "reads-") {
					// a transaction's read-ahead: goroutines asking a key at a time
					var wg sync.WaitGroup
					for g := range 16 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for k := g; k < len(keys); k += 16 {
								_, _ = tree.ReadAheadForWrite(keys[k].Key)
							}
						}()
					}
					wg.Wait()
				} else {
					var wg sync.WaitGroup
					var next sync.Mutex
					i := 0
					for range 64 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for {
								next.Lock()
								k := i
								i++
								next.Unlock()
								if k >= len(keys) {
									return
								}
								_ = tree.ReadAheadWrite(keys[k].Key)
							}
						}()
					}
					wg.Wait()
				}
				b.StopTimer()
				took += time.Since(t0)
				cpu += cpuTime() - c0
				asked += nowaitCalls.Load() + ringReads.Load() - asked0
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*perRound), "cpu-µs/key")
			b.ReportMetric(float64(asked)/float64(b.N*perRound), "reads/key")
			b.ReportMetric(took.Seconds()*1000/float64(b.N), "ms/batch")
			b.ReportMetric(0, "ns/op")
		})
	}
}
